import Foundation
import HandoffEngine
import Testing

// MARK: - Automatic routing

extension StoreConformance {
    /// automatic ``Tenant/Routing`` through the store: switching drains the queue in FIFO order; a
    /// new request goes to the eligible agent with the fewest chats, ties to the one idle longest
    /// (neither is creation order); a slot freed by resolve or by end chat takes the queue head
    /// in that same command; every assignment is published as a pick-up right after the event
    /// of the command that made it; the capacity rule holds. (Manual pick-up beside automatic
    /// routing, and the other triggers, are the engine's `RoutingTests`.)
    static func autoRoutingAssignsAndDrains(_ s: Stage) async throws {
        var events = s.store.subscribe().makeAsyncIterator()
        /// The pick-ups published since the last call, as "chat → agent".
        func pickUps(_ events: inout AsyncStream<PublishedEvent>.Iterator, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
            try await s.received(&events, sourceLocation: sourceLocation).compactMap { event in
                if case .handoffPickedUp(let h, let a) = event { "\(h.chatID) → \(a.name)" } else { nil }
            }
        }
        func assignee(_ handoff: Handoff) async throws -> AgentID? {
            try await s.store.handoff(handoff.id, tenant: s.acme).assignedAgentID
        }
        let ann = try await s.agent("Ann", maxChats: 2)
        try await s.advance(by: .seconds(1))
        let bob = try await s.agent("Bob", maxChats: 2)
        try await s.advance(by: .seconds(1))
        let chat1 = try await s.queue("chat-1")
        try await s.advance(by: .seconds(1))
        let chat2 = try await s.queue("chat-2")
        _ = try await s.received(&events)

        // Switching drains the queue, head first: both idle, Ann longest → chat-1; then Bob has
        // fewer chats → chat-2.
        try await s.advance(by: .seconds(1))
        #expect(try await s.store.setRouting(.leastBusy, tenant: s.acme, by: .system).routing == .leastBusy)
        #expect(try await s.store.routing(tenant: s.acme, by: .system) == .leastBusy)
        #expect(try await pickUps(&events) == ["chat-1 → Ann", "chat-2 → Bob"])
        #expect(try await s.pendingIDs() == [])

        // Fewest chats first, even against idle time: Ann (0 chats, changed just now) over Bob
        // (1 chat, changed a second earlier).
        try await s.advance(by: .seconds(1))
        _ = try await s.store.resolve(chat1.id, by: ann.id)
        try await s.advance(by: .seconds(1))
        let outcome3 = try await s.store.requestHandoff(HandoffRequest(chatID: "chat-3"), tenant: s.acme)
        guard case .assigned(let chat3) = outcome3 else {
            Issue.record("expected chat-3 to be assigned at once, got \(outcome3)")
            return
        }
        #expect(chat3.assignedAgentID == ann.id && chat3.state == .active && chat3.pickedUpAt != nil)
        // Equal chats: the one idle longest — Bob (last change at the switch), not Ann (just now).
        try await s.advance(by: .seconds(1))
        let chat4 = try await s.store.requestHandoff(HandoffRequest(chatID: "chat-4"), tenant: s.acme).handoff
        #expect(try await assignee(chat4) == bob.id)
        #expect(try await pickUps(&events) == ["chat-3 → Ann", "chat-4 → Bob"])
        try await s.advance(by: .seconds(1))
        let chat5 = try await s.store.requestHandoff(HandoffRequest(chatID: "chat-5"), tenant: s.acme).handoff
        #expect(try await assignee(chat5) == ann.id, "the only agent with a free slot")
        // Every slot taken: a new request is answered after hours (admission `freeSlot`).
        let full = try await s.store.requestHandoff(HandoffRequest(chatID: "chat-full"), tenant: s.acme)
        #expect(full.afterHoursHandoff != nil, "expected after-hours with every slot taken, got \(full)")
        #expect(try await pickUps(&events) == ["chat-5 → Ann"])

        // A queue built while manual: the switch gives Bob's freed slot the head; the tail waits.
        _ = try await s.store.setRouting(.manual, tenant: s.acme, by: .system)
        _ = try await s.store.resolve(chat2.id, by: bob.id)
        try await s.advance(by: .seconds(1))
        let chat6 = try await s.queue("chat-6")
        try await s.advance(by: .seconds(1))
        let chat7 = try await s.queue("chat-7")
        _ = try await s.received(&events)
        _ = try await s.store.setRouting(.leastBusy, tenant: s.acme, by: .system)
        #expect(try await pickUps(&events) == ["chat-6 → Bob"])
        #expect(try await s.pendingIDs() == [chat7.id])

        // A resolve frees a slot: the head is assigned in that command, its pick-up published
        // right after the resolve.
        try await s.advance(by: .seconds(1))
        _ = try await s.store.resolve(chat3.id, by: ann.id)
        let afterResolve = try await s.received(&events)
        #expect(afterResolve.count == 2, "\(afterResolve)")
        if case .handoffResolved(let h) = afterResolve.first { #expect(h.id == chat3.id) } else { Issue.record("expected the resolve first: \(afterResolve)") }
        if case .handoffPickedUp(let h, let a) = afterResolve.last { #expect(h.id == chat7.id && a.id == ann.id) } else { Issue.record("expected chat-7's pick-up: \(afterResolve)") }
        #expect(try await s.pendingIDs() == [])

        // The visitor ending an active chat frees a slot the same way.
        _ = try await s.store.setRouting(.manual, tenant: s.acme, by: .system)
        _ = try await s.store.endChat(chat: "chat-4", handoff: chat4.id, tenant: s.acme)
        let chat8 = try await s.queue("chat-8")
        let chat9 = try await s.queue("chat-9")
        _ = try await s.store.setRouting(.leastBusy, tenant: s.acme, by: .system)
        #expect(try await assignee(chat8) == bob.id)
        #expect(try await s.pendingIDs() == [chat9.id])
        _ = try await s.received(&events)
        let ended = try await s.store.endChat(chat: "chat-5", handoff: chat5.id, tenant: s.acme)
        #expect(ended.resolvedHandoff != nil, "expected chat-5 to be resolved by its end, got \(ended)")
        #expect(try await pickUps(&events) == ["chat-9 → Ann"])
        #expect(try await assignee(chat9) == ann.id)

        #expect(try await s.reread(ann).activeChats == 2)
        #expect(try await s.reread(bob).activeChats == 2)
        #expect(Set(try await s.activeIDs()) == [chat6.id, chat7.id, chat8.id, chat9.id])
        #expect(try await s.pendingIDs() == [])
        // Another tenant is untouched.
        #expect(try await s.store.routing(tenant: s.globex, by: .system) == .manual)
    }

    /// The routing setting is an administrator's: a tenant's client admin (and the system) read and
    /// change it; support staff and other tenants' admins are refused with
    /// ``HandoffError/Code/forbidden`` and change nothing.
    static func routingIsAdminOnly(_ s: Stage) async throws {
        func user(_ name: String, _ tenant: TenantID, _ role: Role) async throws -> HandoffCore.Caller {
            let user = try await s.store.addUser(
                NewUser(tenantID: tenant, email: s.email(name, tenant: tenant), password: "pw", firstName: name, lastName: "L", role: role))
            return .user(user.id)
        }
        let admin = try await user("Boss", s.acme, .clientAdmin)
        let staff = try await user("Sam", s.acme, .supportStaff)
        let foreign = try await user("Gus", s.globex, .clientAdmin)
        #expect(try await s.store.routing(tenant: s.acme, by: admin) == .manual, "the default")
        for (who, caller) in [("support staff", staff), ("another tenant's admin", foreign)] {
            await #expect("\(who) changes routing") {
                try await s.store.setRouting(.leastBusy, tenant: s.acme, by: caller)
            } throws: { ($0 as? HandoffError)?.code == .forbidden }
            await #expect("\(who) reads routing") {
                try await s.store.routing(tenant: s.acme, by: caller)
            } throws: { ($0 as? HandoffError)?.code == .forbidden }
        }
        #expect(try await s.store.tenant(s.acme)?.routing == .manual, "a refused change changed the setting")
        #expect(try await s.store.setRouting(.leastBusy, tenant: s.acme, by: admin).routing == .leastBusy)
        #expect(try await s.store.setRouting(.manual, tenant: s.acme, by: admin).routing == .manual)
        await #expect(throws: HandoffError.tenantNotFound) {
            try await s.store.setRouting(.leastBusy, tenant: TenantID(uuid: .init()), by: .system)
        }
    }
}

// MARK: - Every trigger, and races, under automatic routing

extension StoreConformance {
    /// Under automatic ``Tenant/Routing`` whatever makes room takes the queue head in that command:
    /// an agent set `available`, a raised `maxChats`, a login, a heartbeat after the inactivity
    /// sweep, and a new agent added `available`. Each is checked through the protocol's queries
    /// (``Stage/expectRoutedSoundly(_:sourceLocation:)``) right after it.
    static func autoRoutingFollowsEveryTrigger(_ s: Stage) async throws {
        let ann = try await s.agent("Ann", maxChats: 1)
        let bob = try await s.agent("Bob", maxChats: 1)
        let bobEmail = s.email("Bob", tenant: s.acme)
        _ = try await s.store.addUser(
            NewUser(tenantID: s.acme, email: bobEmail, password: "pw", firstName: "Bob", lastName: "B", role: .supportStaff))
        // A queue built while manual, then nobody eligible: switching to auto assigns nothing.
        var queued: [Handoff] = []
        for n in 1...5 {
            try await s.advance(by: .seconds(1))
            queued.append(try await s.queue(ChatID("chat-\(n)")))
        }
        _ = try await s.store.setAgentStatus(ann.id, to: .busy, by: .system)
        _ = try await s.store.setAgentStatus(bob.id, to: .offline, by: .system)
        _ = try await s.store.setRouting(.leastBusy, tenant: s.acme, by: .system)
        #expect(try await s.pendingIDs() == queued.map(\.id))
        try await s.expectRoutedSoundly(s.acme)

        // Set available by hand: Ann takes the head.
        try await s.advance(by: .seconds(1))
        _ = try await s.store.setAgentStatus(ann.id, to: .available, by: .system)
        #expect(try await s.store.handoff(queued[0].id, tenant: s.acme).assignedAgentID == ann.id, "after set available")
        try await s.expectRoutedSoundly(s.acme)
        // A raised capacity: the next one.
        _ = try await s.store.setMaxChats(ann.id, to: 2, by: .system)
        #expect(try await s.store.handoff(queued[1].id, tenant: s.acme).assignedAgentID == ann.id, "after raising maxChats")
        try await s.expectRoutedSoundly(s.acme)
        // A login brings Bob online: the next one.
        _ = try await s.store.login(email: bobEmail, password: "pw")
        #expect(try await s.store.handoff(queued[2].id, tenant: s.acme).assignedAgentID == bob.id, "after login")
        try await s.expectRoutedSoundly(s.acme)
        // Bob goes unseen past the timeout and the sweep takes him offline; his next heartbeat
        // brings him back, and with a free slot (one resolved meanwhile) he takes the head.
        try await s.advance(by: s.sut.inactivityTimeout + .seconds(5))
        _ = try await s.store.heartbeat(ann.id)
        let swept = await s.store.sweep()
        #expect(swept == [bob.id], "the sweep took \(swept) offline")
        _ = try await s.store.resolve(queued[2].id, by: bob.id)
        #expect(try await s.pendingIDs() == [queued[3].id, queued[4].id], "an offline agent takes nothing")
        _ = try await s.store.heartbeat(bob.id)
        #expect(try await s.reread(bob).status == .available)
        #expect(try await s.store.handoff(queued[3].id, tenant: s.acme).assignedAgentID == bob.id, "after the heartbeat")
        try await s.expectRoutedSoundly(s.acme)
        // A new agent added available: the last one.
        let cy = try await s.agent("Cy")
        #expect(try await s.store.handoff(queued[4].id, tenant: s.acme).assignedAgentID == cy.id, "after adding an agent")
        #expect(try await s.pendingIDs() == [])
        try await s.expectRoutedSoundly(s.acme)
    }

    /// Under automatic ``Tenant/Routing``, 40 concurrent requests against 4 agents with 2 slots each,
    /// then concurrent resolves of every active chat racing 20 more requests: no slot is given
    /// twice, nobody exceeds `maxChats`, every agent's `activeChats` is its active handoffs, and
    /// no request waits while an agent has a free slot — seen only through the protocol.
    static func autoRoutingHoldsUnderConcurrency(_ s: Stage) async throws {
        var agents: [Agent] = []
        for n in 1...4 { agents.append(try await s.agent("Agent\(n)", maxChats: 2)) }
        _ = try await s.store.setRouting(.leastBusy, tenant: s.acme, by: .system)
        let store = s.store
        let tenant = s.acme
        let first = await withTaskGroup(of: Result<RequestOutcome, HandoffError>.self) { group in
            for n in 0..<40 {
                group.addTask { await attempt { () async throws(HandoffError) in try await store.requestHandoff(HandoffRequest(chatID: ChatID("burst-\(n)")), tenant: tenant) } }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let assigned = first.compactMap { result -> Handoff? in
            if case .success(.assigned(let h)) = result { h } else { nil }
        }
        #expect(first.allSatisfy { $0.success != nil }, "\(first.compactMap(\.failure))")
        #expect(assigned.count == 8, "8 slots, \(assigned.count) assigned at once")
        #expect(Set(assigned.map(\.id)).count == assigned.count)
        try await s.expectRoutedSoundly(s.acme)

        let active = try await s.store.activeHandoffs(tenant: s.acme)
        await withTaskGroup(of: Void.self) { group in
            for handoff in active {
                guard let agent = handoff.assignedAgentID else { continue }
                group.addTask { _ = try? await store.resolve(handoff.id, by: agent) }
            }
            for n in 0..<20 {
                group.addTask { _ = try? await store.requestHandoff(HandoffRequest(chatID: ChatID("late-\(n)")), tenant: tenant) }
            }
        }
        try await s.expectRoutedSoundly(s.acme)
        let closed = try await s.store.history(tenant: s.acme, limit: 1000, before: nil).filter { $0.state == .resolved }
        #expect(closed.count == active.count, "every resolve closed its chat once")
    }
}

extension StoreConformance.Stage {
    /// The store's soundness as any client can see it: every agent's `activeChats` equals the
    /// active handoffs assigned to it and stays within `maxChats`; every active handoff has one
    /// of the tenant's agents; and, routed `auto`, no request waits while an agent is eligible
    /// (`available` with a free slot: ``HandoffStore/availableAgents(tenant:)``).
    func expectRoutedSoundly(_ tenant: TenantID, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let agents = try await store.agents(tenant: tenant)
        let active = try await store.activeHandoffs(tenant: tenant)
        let ids = Set(agents.map(\.id))
        for handoff in active {
            #expect(handoff.assignedAgentID.map(ids.contains) == true, "active \(handoff.chatID) has no agent of the tenant", sourceLocation: sourceLocation)
        }
        for agent in agents {
            let held = active.filter { $0.assignedAgentID == agent.id }.count
            #expect(agent.activeChats == held, "\(agent.name) counts \(agent.activeChats) chats but holds \(held)", sourceLocation: sourceLocation)
            #expect(agent.activeChats <= agent.maxChats, "\(agent.name) holds \(agent.activeChats) of \(agent.maxChats)", sourceLocation: sourceLocation)
        }
        guard try await store.routing(tenant: tenant, by: .system).isAutomatic else { return }
        let pending = try await store.pendingHandoffs(tenant: tenant)
        let eligible = try await store.availableAgents(tenant: tenant)
        #expect(
            pending.isEmpty || eligible.isEmpty,
            "\(pending.count) request(s) wait while \(eligible.map(\.name)) have a free slot", sourceLocation: sourceLocation)
    }
}
