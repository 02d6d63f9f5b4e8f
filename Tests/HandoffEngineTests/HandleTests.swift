import Testing

@testable import HandoffEngine

/// The handle API (the capacity simulator's addressing) and ``HandoffCore/Configuration/admission``:
/// the same rules as the id API, checked the same way.
@Suite struct HandleTests {
    @Test func handleLifecycleFollowsTheSameRules() throws {
        var world = World()
        let ann = try world.addAgent("Ann", maxChats: 1)
        let (tenant, agent) = (try world.core.tenantRef(World.acme), try world.core.agentRef(ann))
        let first = try #require(try world.core.requestHandoff(tenant: tenant, now: world.now, events: &world.events))
        #expect(world.core.state(of: first) == .pending)
        #expect(world.core.oldestPending(tenant: tenant) == first)
        #expect(world.core.pendingCount(tenant: tenant) == 1)

        world.advance(.seconds(4))
        try world.core.pickUp(first, by: agent, now: world.now, events: &world.events)
        #expect(world.core.state(of: first) == .active)
        #expect(world.core.activeChats(of: agent) == 1)
        #expect(!world.core.canTakeHandoff(agent))
        #expect(throws: HandoffError.handoffNotAvailable) { try world.core.pickUp(first, by: agent, now: world.now, events: &world.events) }

        // Nobody has a free slot: after-hours, counted, no handle.
        #expect(try world.core.requestHandoff(tenant: tenant, now: world.now, events: &world.events) == nil)
        try world.core.postMessage("hi", handoff: first, from: .user, now: world.now, events: &world.events)
        try world.core.postMessage("hello", handoff: first, from: .agent, now: world.now, events: &world.events)
        expectInvalid("message") { try world.core.postMessage("  ", handoff: first, from: .user, now: world.now, events: &world.events) }
        world.advance(.seconds(10))
        try world.core.resolve(first, by: agent, now: world.now, events: &world.events)
        #expect(world.core.state(of: first) == .resolved)
        #expect(world.core.activeChats(of: agent) == 0)
        #expect(throws: HandoffError.handoffNotActive) { try world.core.resolve(first, by: agent, now: world.now, events: &world.events) }
        #expect(throws: HandoffError.handoffNotActive) { try world.core.postMessage("late", handoff: first, from: .user, now: world.now, events: &world.events) }

        let m = world.metrics()
        #expect(m.totalRequests == 2 && m.afterHours == 1 && m.pickedUp == 1 && m.resolved == 1)
        #expect(m.averageWaitMilliseconds == 4000)
        #expect(m.agents.first?.averageChatMilliseconds == 10_000)
        world.expectSound()
    }

    /// Without retention a closed handoff's slot is reused at once. Whatever the last
    /// occupant carried (payload, contact, messages, agent, times) must not show through,
    /// whichever API the next request comes by.
    @Test(arguments: [true, false])
    func aReusedSlotKeepsNothingOfItsLastHandoff(nextByHandle: Bool) throws {
        var world = World(configuration: .init(retainsClosedHandoffs: false))
        let ann = try world.addAgent("Ann")
        let first = IDs.handoff(1)
        let request = HandoffRequest(
            chatID: "chat-1", conversationHistory: [ChatTurn(role: "user", content: "hi bot")], lastUserMessage: "human please",
            metadata: ["page": "/pricing"])
        _ = try world.core.requestHandoff(request, tenant: World.acme, id: first, now: world.now, events: &world.events)
        _ = try world.pickUp(first, by: ann)
        _ = try world.userMessage("my order", first)
        _ = try world.agentMessage("on it", first, by: ann)
        _ = try world.submitAfterHours("chat-1", email: "v@example.com", message: "call me")
        _ = try world.resolve(first, by: ann)
        #expect(world.core.storedHandoffCount == 0)
        let slot = try #require(world.core.freeSlots.last)

        world.advance(.seconds(5))
        let reused: Handoff
        if nextByHandle {
            let ref = try #require(try world.core.requestHandoff(tenant: try world.core.tenantRef(World.acme), now: world.now, events: &world.events))
            #expect(Int(ref.slot) == slot)
            reused = world.core.handoffs[slot].handoff
            #expect(reused.chatID == .none && reused.id == .anonymous)
        } else {
            reused = try world.request("chat-2").handoff
            #expect(world.core.handoffs[slot].handoff == reused)
            #expect(reused.chatID == "chat-2")
        }
        #expect(world.core.storedHandoffCount == 1)
        #expect(world.core.handoffs.count == 1, "the slot was reused, not a new one appended")
        #expect(reused.state == .pending && reused.requestedAt == world.now)
        #expect(reused.pickedUpAt == nil && reused.resolvedAt == nil && reused.assignedAgentID == nil && reused.resolvedBy == nil)
        #expect(reused.userEmail == nil && reused.userMessage == nil && reused.lastUserMessage == nil)
        #expect(reused.conversationHistory.isEmpty && reused.metadata.isEmpty)
        #expect(world.core.handoffs[slot].messages.isEmpty && world.core.handoffs[slot].agent == -1)
        #expect(world.core.invariantViolations() == [])
    }

    @Test func handleRefusalsMatchTheIDAPI() throws {
        var world = World()
        let ann = try world.addAgent("Ann", maxChats: 1)
        let bob = try world.addAgent("Bob", status: .busy)
        let gus = try world.addAgent("Gus", tenant: World.globex)
        let tenant = try world.core.tenantRef(World.acme)
        let (annRef, bobRef, gusRef) = (try world.core.agentRef(ann), try world.core.agentRef(bob), try world.core.agentRef(gus))
        let first = try #require(try world.core.requestHandoff(tenant: tenant, now: world.now, events: &world.events))
        let second = try #require(try world.core.requestHandoff(tenant: tenant, now: world.now, events: &world.events))
        #expect(throws: HandoffError.handoffNotFound) { try world.core.pickUp(first, by: gusRef, now: world.now, events: &world.events) }
        #expect(throws: HandoffError.agentNotAvailable) { try world.core.pickUp(first, by: bobRef, now: world.now, events: &world.events) }
        try world.core.assign(first, to: annRef, now: world.now, events: &world.events)
        #expect(throws: HandoffError.agentAtCapacity) { try world.core.pickUp(second, by: annRef, now: world.now, events: &world.events) }
        #expect(throws: HandoffError.notAssignee) { try world.core.resolve(first, by: bobRef, now: world.now, events: &world.events) }
        #expect(throws: HandoffError.agentNotFound) { try world.core.agentRef(IDs.agent(999)) }
        #expect(throws: HandoffError.tenantNotFound) { try world.core.tenantRef(IDs.tenant(99)) }
        try world.core.setTenantStatus(World.acme, .suspended)
        #expect(throws: HandoffError.tenantSuspended) { try world.core.requestHandoff(tenant: tenant, now: world.now, events: &world.events) }
        #expect(throws: HandoffError.tenantSuspended) { try world.core.endChat(second, now: world.now, events: &world.events) }
        world.expectSound()
    }

    @Test(arguments: [true, false])
    func endChatByHandle(retainsClosedHandoffs: Bool) throws {
        var world = World(configuration: .init(retainsClosedHandoffs: retainsClosedHandoffs))
        let ann = try world.addAgent("Ann")
        let (tenant, agent) = (try world.core.tenantRef(World.acme), try world.core.agentRef(ann))
        let waiting = try #require(try world.core.requestHandoff(tenant: tenant, now: world.now, events: &world.events))
        let served = try #require(try world.core.requestHandoff(tenant: tenant, now: world.now, events: &world.events))
        try world.core.pickUp(served, by: agent, now: world.now, events: &world.events)

        #expect(try world.core.endChat(waiting, now: world.now, events: &world.events) == .abandoned)
        world.events = []
        #expect(try world.core.endChat(served, now: world.now, events: &world.events) == .resolved)
        #expect(world.core.activeChats(of: agent) == 0)
        let systemMessages = world.events.compactMap { event -> String? in
            if case .messagePosted(let message, _) = event, message.senderType == .system { return message.content }
            return nil
        }
        #expect(systemMessages == ["User ended the chat"])
        #expect(world.metrics().abandoned == 1 && world.metrics().resolved == 1)
        if retainsClosedHandoffs {
            #expect(try world.core.endChat(served, now: world.now, events: &world.events) == nil)
            #expect(world.core.state(of: served) == .resolved)
        } else {
            // Closed and gone: the handle is stale, even once its slot is reused.
            #expect(world.core.state(of: served) == nil)
            let reused = try #require(try world.core.requestHandoff(tenant: tenant, now: world.now, events: &world.events))
            #expect(world.core.state(of: reused) == .pending)
            #expect(world.core.state(of: served) == nil && world.core.state(of: waiting) == nil)
            #expect(throws: HandoffError.handoffNotFound) { try world.core.endChat(served, now: world.now, events: &world.events) }
            #expect(throws: HandoffError.handoffNotFound) { try world.core.pickUp(waiting, by: agent, now: world.now, events: &world.events) }
            #expect(world.core.storedHandoffCount == 1)  // only `reused` is held: closed ones are gone
        }
        #expect(world.core.activeChats(of: agent) == 0)
        world.expectSound()
    }

    @Test(arguments: [HandoffCore.Admission.freeSlot, .agentOnline])
    func admissionDecidesWhetherAFullTeamQueues(_ admission: HandoffCore.Admission) throws {
        var world = World(configuration: .init(admission: admission))
        let ann = try world.addAgent("Ann", maxChats: 1)
        try world.pickUp(try world.queue("chat-0"), by: ann)
        // Ann is available but full.
        let full = try world.request("chat-1")
        #expect(full.handoff.state == (admission == .agentOnline ? .pending : .afterHours))
        // Nobody available at all: after-hours under either rule.
        try world.setStatus(ann, .busy)
        #expect(try world.request("chat-2").handoff.state == .afterHours)
        // A waiting request is picked up once a slot frees.
        if admission == .agentOnline {
            try world.setStatus(ann, .available)
            #expect(throws: HandoffError.agentAtCapacity) { try world.pickUp(full.handoff.id, by: ann) }
            try world.endChat("chat-0")
            try world.pickUp(full.handoff.id, by: ann)
        }
        world.expectSound()
    }
}
