import Foundation
import Testing

@testable import HandoffEngine

/// Automatic routing (``Tenant/Routing``'s policies): who gets a request, when the queue drains,
/// and that the capacity rule and the manual path are unchanged.
@Suite struct RoutingTests {
    /// A world whose Acme tenant routes automatically, by `policy`.
    static func autoWorld(admission: HandoffCore.Admission = .freeSlot, retains: Bool = true, policy: Tenant.Routing = .leastBusy) -> World {
        var world = World(configuration: .init(retainsClosedHandoffs: retains, admission: admission))
        _ = try! world.core.setRouting(policy, tenant: World.acme, by: .system, now: world.now, events: &world.events)
        return world
    }

    /// Ann, then a second later Bob, both `available` with 3 slots.
    static func annAndBob(_ world: inout World) throws -> (ann: AgentID, bob: AgentID) {
        let ann = try world.addAgent("Ann", maxChats: 3)
        world.advance(.seconds(1))
        return (ann, try world.addAgent("Bob", maxChats: 3))
    }

    /// `mostBusy` fills the agent with the most chats below its limit before the next (ties: idle
    /// longest); a freed slot goes back to the fuller agent.
    @Test func mostBusyFillsOneAgentBeforeTheNext() throws {
        var world = Self.autoWorld(policy: .mostBusy)
        let (ann, bob) = try Self.annAndBob(&world)
        var owners: [AgentID?] = []
        for n in 1...4 {
            world.advance(.seconds(1))
            owners.append(try world.request(ChatID("c\(n)")).handoff.assignedAgentID)
        }
        #expect(owners == [ann, ann, ann, bob])
        world.advance(.seconds(1))
        let annsFirst = try #require(try world.core.activeHandoffs(tenant: World.acme).first { $0.assignedAgentID == ann })
        _ = try world.resolve(annsFirst.id, by: ann)
        world.advance(.seconds(1))
        // Ann (2 chats) is busier than Bob (1): she gets the next.
        #expect(try world.request("c5").handoff.assignedAgentID == ann)
        world.expectSound()
    }

    /// `longestIdle` ignores the load: the agent whose last change is oldest gets the request.
    @Test func longestIdleGoesByIdleTimeAlone() throws {
        var world = Self.autoWorld(policy: .longestIdle)
        let (ann, bob) = try Self.annAndBob(&world)
        world.advance(.seconds(1))
        #expect(try world.request("c1").handoff.assignedAgentID == ann)
        world.advance(.seconds(1))
        #expect(try world.request("c2").handoff.assignedAgentID == bob)
        world.advance(.seconds(1))
        // Ann's last change (c1) is older than Bob's (c2), though both hold one.
        #expect(try world.request("c3").handoff.assignedAgentID == ann)
        world.expectSound()
    }

    /// Switching between automatic policies re-ranks the agents and keeps every count.
    @Test func switchingPoliciesReRanks() throws {
        var world = Self.autoWorld(policy: .leastBusy)
        let (ann, bob) = try Self.annAndBob(&world)
        world.advance(.seconds(1))
        #expect(try world.request("c1").handoff.assignedAgentID == ann)
        world.advance(.seconds(1))
        _ = try world.core.setRouting(.mostBusy, tenant: World.acme, by: .system, now: world.now, events: &world.events)
        world.expectSound()
        #expect(try world.request("c2").handoff.assignedAgentID == ann)  // leastBusy would give Bob
        _ = try world.core.setRouting(.leastBusy, tenant: World.acme, by: .system, now: world.now, events: &world.events)
        #expect(try world.request("c3").handoff.assignedAgentID == bob)
        _ = try world.core.setRouting(.manual, tenant: World.acme, by: .system, now: world.now, events: &world.events)
        #expect(try world.request("c4").handoff.state == .pending)
        world.expectSound()
    }

    @Test func autoIsTheOldNameOfLeastBusy() throws {
        #expect(Tenant.Routing(name: "auto") == .leastBusy && Tenant.Routing(name: "mostBusy") == .mostBusy && Tenant.Routing(name: "Auto") == nil)
        let decoded = try JSONDecoder().decode([Tenant.Routing].self, from: Data(#"["auto","manual","longestIdle"]"#.utf8))
        #expect(decoded == [.leastBusy, .manual, .longestIdle])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([Tenant.Routing].self, from: Data(#"["sideways"]"#.utf8)) }
    }

    /// The agents picked-up events name, in order, from the events collected since the last call.
    static func pickUps(_ world: inout World) -> [(handoff: HandoffID, agent: AgentID)] {
        world.takeEvents().compactMap { if case .handoffPickedUp(let h, let a) = $0 { (h.id, a.id) } else { nil } }
    }

    @Test func aNewRequestGoesToTheLeastBusyAgent() throws {
        var world = Self.autoWorld()
        let (ann, bob) = try Self.annAndBob(&world)
        world.advance(.seconds(1))
        // Both idle: Ann has been idle longer (created first).
        guard case .assigned(let first) = try world.request("c1") else { Issue.record("c1 not assigned"); return }
        #expect(first.assignedAgentID == ann && first.state == .active && first.pickedUpAt == world.now)
        world.advance(.seconds(1))
        // Ann has a chat, Bob none: Bob.
        guard case .assigned(let second) = try world.request("c2") else { Issue.record("c2 not assigned"); return }
        #expect(second.assignedAgentID == bob)
        world.advance(.seconds(1))
        // One each: Ann's last chat change (c1) is older than Bob's (c2).
        #expect(try world.request("c3").handoff.assignedAgentID == ann)
        world.advance(.seconds(1))
        #expect(try world.request("c4").handoff.assignedAgentID == bob)
        #expect(world.agent(ann).activeChats == 2 && world.agent(bob).activeChats == 2)
        #expect(world.pending() == [])
        // The events are a request's, then an ordinary pick-up's.
        let events = world.takeEvents().filter {
            switch $0 {
            case .handoffRequested, .handoffPickedUp: true
            default: false
            }
        }
        #expect(events.count == 8)
        if case .handoffRequested(let h) = events[0] { #expect(h.state == .pending) } else { Issue.record("expected a request first: \(events[0])") }
        if case .handoffPickedUp(let h, let a) = events[1] { #expect(h.id == first.id && a.id == ann) } else { Issue.record("expected a pick-up") }
        #expect(world.metrics().pickedUp == 4 && world.metrics().averageWaitMilliseconds == 0)
        world.expectSound()
    }

    @Test func tiesGoToTheAgentIdleLongest() throws {
        var world = Self.autoWorld()
        let ann = try world.addAgent("Ann")
        let bob = try world.addAgent("Bob", status: .busy)
        world.advance(.seconds(5))
        // Bob becomes available now; Ann has been since creation: Ann is idle longer.
        try world.setStatus(bob, .available)
        world.advance(.seconds(1))
        #expect(try world.request("c1").handoff.assignedAgentID == ann)
        world.advance(.seconds(1))
        #expect(try world.request("c2").handoff.assignedAgentID == bob)
        // Ann ends her chat first, then Bob: both idle again, Ann since earlier.
        world.advance(.seconds(1))
        try world.resolve(world.active()[0], by: ann)
        world.advance(.seconds(1))
        let bobsChat = world.active()[0]
        try world.resolve(bobsChat, by: bob)
        // Heartbeats and messages do not move "idle since": Ann stays the longest idle.
        world.advance(.seconds(1))
        try world.heartbeat(ann)
        // Setting the status Ann already has is no change either.
        try world.setStatus(ann, .available)
        world.advance(.seconds(1))
        #expect(try world.request("c3").handoff.assignedAgentID == ann)
        world.expectSound()
    }

    @Test func sameIdleTimeGoesToTheSmallerAgentID() throws {
        // Created in the same millisecond, the second with the smaller id: it wins, so the tie
        // is broken by id, not by creation or insertion order.
        for (firstID, secondID) in [(IDs.agent(9_000), IDs.agent(1)), (IDs.agent(1), IDs.agent(9_000))] {
            var world = Self.autoWorld()
            for (name, id) in [("Zed", firstID), ("Amy", secondID)] {
                _ = try world.core.addAgent(
                    NewAgent(id: id, tenantID: World.acme, name: name, email: "\(name.lowercased())@acme.test", status: .available),
                    by: .system, now: world.now, events: &world.events)
            }
            #expect(firstID != secondID && min(firstID, secondID) == IDs.agent(1))
            #expect(try world.request("c1").handoff.assignedAgentID == IDs.agent(1))
            world.expectSound()
        }
    }

    @Test func aFreedSlotTakesTheQueueHeadInFIFOOrder() throws {
        // agentOnline: requests wait while every slot is taken.
        var world = Self.autoWorld(admission: .agentOnline)
        let ann = try world.addAgent("Ann", maxChats: 1)
        let bob = try world.addAgent("Bob", maxChats: 1)
        _ = try world.request("a")
        _ = try world.request("b")
        var waiting: [HandoffID] = []
        for chat in ["w1", "w2", "w3", "w4"] as [ChatID] {
            world.advance(.seconds(1))
            waiting.append(try world.queue(chat))
        }
        #expect(world.pending() == waiting)
        _ = world.takeEvents()

        // Bob's slot frees: the oldest waiting request takes it, in the same command, after the resolve.
        world.advance(.seconds(1))
        let bobsChat = world.active().first { world.handoff($0).assignedAgentID == bob }!
        try world.resolve(bobsChat, by: bob)
        let events = world.takeEvents()
        #expect(events.count == 2)
        if case .handoffResolved = events.first {} else { Issue.record("expected the resolve first: \(events)") }
        if case .handoffPickedUp(let h, let a) = events.last { #expect(h.id == waiting[0] && a.id == bob) } else { Issue.record("expected a pick-up: \(events)") }
        #expect(world.pending() == Array(waiting[1...]))
        #expect(world.handoff(waiting[0]).pickedUpAt == world.now)

        // Ending an active chat frees a slot the same way.
        world.advance(.seconds(1))
        let annsChat = world.active().first { world.handoff($0).assignedAgentID == ann }!
        _ = try world.endChat(world.handoff(annsChat).chatID, handoff: annsChat)
        #expect(Self.pickUps(&world).map(\.handoff) == [waiting[1]])
        // Raising a capacity gives the new slots the next requests, oldest first, picked up at
        // the command's time (not the last one the core saw).
        world.advance(.seconds(30))
        _ = try world.core.setMaxChats(ann, to: 3, by: .system, now: world.now, events: &world.events)
        #expect(Self.pickUps(&world).map(\.handoff) == [waiting[2], waiting[3]])
        #expect(world.handoff(waiting[2]).pickedUpAt == world.now && world.handoff(waiting[3]).pickedUpAt == world.now)
        #expect(world.pending() == [])
        #expect(world.agent(ann).activeChats == 3 && world.agent(bob).activeChats == 1)
        world.expectSound()
    }

    @Test func capacityIsNeverExceeded() throws {
        var world = Self.autoWorld(admission: .agentOnline)
        let agents = [try world.addAgent("Ann", maxChats: 2), try world.addAgent("Bob", maxChats: 3), try world.addAgent("Cy", maxChats: 1)]
        for n in 0..<10 {
            world.advance(.milliseconds(10))
            _ = try world.request(ChatID("c\(n)"))
            for a in agents { #expect(world.agent(a).activeChats <= world.agent(a).maxChats) }
            world.expectSound()
        }
        #expect(agents.map { world.agent($0).activeChats } == [2, 3, 1])
        #expect(world.pending().count == 4)
        #expect(try world.core.availableAgents(tenant: World.acme).isEmpty)
    }

    @Test func agentsBecomingEligibleTakeTheQueue() throws {
        var world = Self.autoWorld(admission: .agentOnline)
        let ann = try world.addAgent("Ann", maxChats: 1)
        _ = try world.request("a")
        let w1 = try world.queue("w1")
        let w2 = try world.queue("w2")
        let w3 = try world.queue("w3")
        // A busy agent takes nothing; becoming available, it takes the head (up to its slots).
        let bob = try world.addAgent("Bob", status: .busy, maxChats: 1)
        #expect(world.pending() == [w1, w2, w3])
        try world.setStatus(bob, .available)
        #expect(world.handoff(w1).assignedAgentID == bob)
        // An agent added as available takes the next.
        let cy = try world.addAgent("Cy", maxChats: 1)
        #expect(world.handoff(w2).assignedAgentID == cy)
        // Nothing while the tenant is suspended; its reactivation assigns.
        try world.core.setTenantStatus(World.acme, .suspended, now: world.now, events: &world.events)
        _ = try world.resolve(world.active().first { world.handoff($0).assignedAgentID == ann }!, by: ann)
        #expect(world.pending() == [w3])
        try world.core.setTenantStatus(World.acme, .active, now: world.now, events: &world.events)
        #expect(world.handoff(w3).assignedAgentID == ann)
        // Login (and a heartbeat after the sweep) make an agent available too.
        _ = try world.addUser("dee@acme.test", role: .supportStaff)
        let dee = try world.addAgent("Dee", status: .offline, maxChats: 1)
        let w4 = try world.queue("w4")
        _ = try world.core.login(email: "dee@acme.test", password: "secret", now: world.now, events: &world.events)
        #expect(world.handoff(w4).assignedAgentID == dee)
        world.expectSound()
    }

    @Test func manualPickUpStaysPossibleUnderTheSameCapacityRule() throws {
        var world = Self.autoWorld(admission: .agentOnline)
        let ann = try world.addAgent("Ann", maxChats: 1)
        let bob = try world.addAgent("Bob", maxChats: 1)
        let boss = try world.addUser("boss@acme.test", role: .clientAdmin)
        let first = try world.request("a").handoff.id
        let second = try world.request("b").handoff.id
        // Already assigned by the router: not available to anyone else.
        #expect(throws: HandoffError.handoffNotAvailable) { try world.pickUp(first, by: bob) }
        #expect(throws: HandoffError.handoffNotAvailable) { try world.assign(second, to: ann, by: .user(boss)) }
        // Waiting while everyone is full: a full agent is refused, as in manual.
        let waiting = try world.queue("w")
        #expect(throws: HandoffError.agentAtCapacity) { try world.pickUp(waiting, by: ann) }
        #expect(throws: HandoffError.agentAtCapacity) { try world.assign(waiting, to: bob, by: .user(boss)) }
        try world.setStatus(bob, .busy)
        #expect(throws: HandoffError.agentNotAvailable) { try world.pickUp(waiting, by: bob) }
        // Back to manual: the freed slot is not filled by the engine; the agent picks up itself.
        _ = try world.core.setRouting(.manual, tenant: World.acme, by: .user(boss), now: world.now, events: &world.events)
        try world.resolve(first, by: ann)
        #expect(world.pending() == [waiting])
        #expect(world.core.nextAssignee(tenant: try world.core.tenantRef(World.acme)) == nil)
        try world.pickUp(waiting, by: ann)
        #expect(world.handoff(waiting).assignedAgentID == ann)
        world.expectSound()
    }

    @Test func switchingToAutoDrainsTheQueue() throws {
        var world = World()
        let ann = try world.addAgent("Ann", maxChats: 2)
        let bob = try world.addAgent("Bob", maxChats: 1)
        let staff = try world.addUser("ann@acme.test", role: .supportStaff)
        let boss = try world.addUser("boss@acme.test", role: .clientAdmin)
        let stranger = try world.addUser("boss@globex.test", role: .clientAdmin, tenant: World.globex)
        let waiting = try (0..<4).map { n throws in try world.queue(ChatID("w\(n)")) }
        #expect(world.core.tenant(World.acme)?.routing == .manual)
        _ = world.takeEvents()

        #expect(throws: HandoffError.forbidden("change routing")) {
            _ = try world.core.setRouting(.leastBusy, tenant: World.acme, by: .user(staff), now: world.now, events: &world.events)
        }
        #expect(throws: HandoffError.forbidden("change routing")) {
            _ = try world.core.setRouting(.leastBusy, tenant: World.acme, by: .user(stranger), now: world.now, events: &world.events)
        }
        #expect(throws: HandoffError.forbidden("read routing")) { _ = try world.core.routing(tenant: World.acme, by: .user(staff)) }
        #expect(world.pending() == waiting)

        world.advance(.seconds(3))
        let tenant = try world.core.setRouting(.leastBusy, tenant: World.acme, by: .user(boss), now: world.now, events: &world.events)
        #expect(tenant.routing == .leastBusy)
        #expect(try world.core.routing(tenant: World.acme, by: .user(boss)) == .leastBusy)
        // Oldest first, each to the best agent at that moment: Ann (idle longest), Bob (fewer chats), Ann.
        let picks = Self.pickUps(&world)
        #expect(picks.map(\.handoff) == Array(waiting[0..<3]))
        #expect(picks.map(\.agent) == [ann, bob, ann])
        #expect(world.pending() == [waiting[3]])
        #expect(world.metrics().averageWaitMilliseconds == 3000)
        // Setting it again changes nothing.
        _ = try world.core.setRouting(.leastBusy, tenant: World.acme, by: .system, now: world.now, events: &world.events)
        #expect(world.takeEvents().isEmpty)
        world.expectSound()
    }

    @Test func theHandleAPIReportsEveryAssignment() throws {
        var world = Self.autoWorld(admission: .agentOnline, retains: false)
        let ann = try world.addAgent("Ann", maxChats: 1)
        let bob = try world.addAgent("Bob", status: .offline, maxChats: 1)
        let tenant = try world.core.tenantRef(World.acme)
        let (annRef, bobRef) = (try world.core.agentRef(ann), try world.core.agentRef(bob))
        #expect(world.core.routing(of: tenant) == .leastBusy)
        #expect(world.core.nextAssignee(tenant: tenant) == annRef)

        var routed = RoutingAssignments()
        let first = try #require(try world.core.requestHandoff(tenant: tenant, now: world.now, assignments: &routed))
        #expect(Array(routed) == [RoutingAssignments.Assignment(handoff: first, agent: annRef)])
        #expect(world.core.assignee(of: first) == annRef)
        routed.removeAll()
        let second = try #require(try world.core.requestHandoff(tenant: tenant, now: world.now, assignments: &routed))
        let third = try #require(try world.core.requestHandoff(tenant: tenant, now: world.now, assignments: &routed))
        #expect(routed.isEmpty && world.core.assignee(of: second) == nil)

        world.setStatusByHandle(bobRef, .available, &routed)
        #expect(Array(routed) == [.init(handoff: second, agent: bobRef)])
        routed.removeAll()
        try world.core.resolve(first, by: annRef, now: world.now, assignments: &routed)
        #expect(Array(routed) == [.init(handoff: third, agent: annRef)])
        routed.removeAll()
        let fourth = try #require(try world.core.requestHandoff(tenant: tenant, now: world.now, assignments: &routed))
        #expect(try world.core.endChat(second, now: world.now, assignments: &routed) == .resolved)
        #expect(Array(routed) == [.init(handoff: fourth, agent: bobRef)])
        #expect(fourth.index < world.core.handoffs.count && annRef.index != bobRef.index && tenant.index == 0)
        routed.removeAll()
        // Back to manual and on again by handle: the drain is reported too.
        world.core.setRouting(.manual, tenant: tenant, now: world.now, assignments: &routed)
        try world.core.resolve(third, by: annRef, now: world.now)
        let fifth = try #require(try world.core.requestHandoff(tenant: tenant, now: world.now, assignments: &routed))
        #expect(routed.isEmpty)
        world.core.setRouting(.leastBusy, tenant: tenant, now: world.now, assignments: &routed)
        #expect(Array(routed) == [.init(handoff: fifth, agent: annRef)])
        world.expectSound()
    }

    @Test func theManualPathKeepsNoIndex() throws {
        var world = World()
        _ = try world.addAgent("Ann")
        _ = try world.queue("c1")
        #expect(world.core.tenants[0].routingIndex.isEmpty)
        #expect(world.core.nextAssignee(tenant: try world.core.tenantRef(World.acme)) == nil)
        world.expectSound()
    }

    @Test func theInvariantCatchesAWaitingRequestNextToAFreeSlot() throws {
        var world = World()
        _ = try world.addAgent("Ann")
        _ = try world.queue("c1")
        // Flip the setting behind the core's back: a request waits while Ann has a free slot.
        world.core.tenants[0].tenant.routing = .leastBusy
        let problems = world.core.invariantViolations()
        #expect(problems.contains { $0.contains("routes automatically, but 1 request(s) wait while 1 agent(s) have a free slot") }, "\(problems)")
        #expect(problems.contains { $0.contains("routing index has no entry") }, "\(problems)")
    }
    // The store's side (setting, reading, publishing) is in the conformance suite
    // (StoreConformance+Routing.swift).

}

extension World {
    /// ``HandoffCore/setStatus(_:to:now:assignments:)`` at the world's time.
    mutating func setStatusByHandle(_ agent: AgentRef, _ status: AgentStatus, _ routed: inout RoutingAssignments) {
        core.setStatus(agent, to: status, now: now, assignments: &routed)
    }
}
