import Testing

@testable import HandoffEngine

/// Rule 6: resolve and end chat.
@Suite struct ResolveTests {
    /// Ann (maxChats 3) holds two active chats, "chat-1" and "chat-2"; Bob is available too.
    static func twoChats() throws -> (World, HandoffID, HandoffID, ann: AgentID, bob: AgentID) {
        var world = World()
        let ann = try world.addAgent("Ann", maxChats: 3)
        let bob = try world.addAgent("Bob")
        let first = try world.queue("chat-1")
        let second = try world.queue("chat-2")
        try world.pickUp(first, by: ann)
        try world.pickUp(second, by: ann)
        world.events = []
        return (world, first, second, ann, bob)
    }

    @Test func resolveByTheAssigneeFreesExactlyOneSlot() throws {
        var (world, first, second, ann, _) = try Self.twoChats()
        world.advance(.seconds(90))
        let handoff = try world.resolve(first, by: ann)
        #expect(handoff.state == .resolved)
        #expect(handoff.state.wireStatus == "resolved")
        #expect(handoff.resolvedAt == world.now)
        #expect(handoff.resolvedBy == .agent(ann))
        #expect(handoff.assignedAgentID == ann)
        #expect(world.agent(ann).activeChats == 1)
        #expect(world.takeEvents() == [.handoffResolved(handoff)])
        #expect(world.active() == [second])
        #expect(world.history() == [first])
        #expect(world.metrics().resolved == 1)
        world.expectSound()
    }

    @Test func resolveByAnyoneElseIsRefused() throws {
        var (world, first, _, ann, bob) = try Self.twoChats()
        let gus = try world.addAgent("Gus", tenant: World.globex)
        let pending = try world.queue("chat-3")
        world.events = []
        #expect(throws: HandoffError.notAssignee) { try world.resolve(first, by: bob) }
        #expect(throws: HandoffError.handoffNotFound) { try world.resolve(first, by: gus) }
        #expect(throws: HandoffError.handoffNotActive) { try world.resolve(pending, by: ann) }
        #expect(throws: HandoffError.agentNotFound) { try world.resolve(first, by: IDs.agent(999)) }
        #expect(world.handoff(first).state == .active)
        #expect(world.agent(ann).activeChats == 2)
        #expect(world.events == [])
        world.expectSound()
    }

    @Test func endChatResolvesAnActiveHandoffWithASystemMessage() throws {
        var (world, first, _, ann, _) = try Self.twoChats()
        world.advance(.seconds(10))
        try world.userMessage("thanks", first)
        world.events = []
        let outcome = try world.endChat("chat-1")
        guard case .resolved(let handoff) = outcome else {
            Issue.record("expected resolved, got \(outcome)")
            return
        }
        #expect(handoff.id == first)
        #expect(handoff.state == .resolved)
        #expect(handoff.resolvedBy == .user)
        #expect(handoff.resolvedAt == world.now)
        #expect(world.agent(ann).activeChats == 1)
        let messages = try world.core.messages(handoff: first, tenant: World.acme)
        #expect(messages.map(\.content) == ["thanks", "User ended the chat"])
        let system = try #require(messages.last)
        #expect(system.senderType == .system)
        #expect(system.sequence == 2)
        #expect(world.takeEvents() == [.messagePosted(system, tenantID: World.acme), .handoffResolved(handoff)])
        world.expectSound()
    }

    @Test func endChatWithAnExplicitHandoffID() throws {
        var (world, first, _, ann, _) = try Self.twoChats()
        let outcome = try world.endChat("chat-1", handoff: first)
        #expect(outcome == .resolved(world.handoff(first)))
        #expect(world.agent(ann).activeChats == 1)
        world.expectSound()
    }

    @Test func resolveAfterEndChatNeverFreesTwice() throws {
        var (world, first, _, ann, _) = try Self.twoChats()
        try world.endChat("chat-1")
        world.events = []
        #expect(throws: HandoffError.handoffNotActive) { try world.resolve(first, by: ann) }
        #expect(world.agent(ann).activeChats == 1)
        #expect(world.handoff(first).resolvedBy == .user)
        #expect(world.events == [])
        #expect(world.metrics().resolved == 1)
        world.expectSound()
    }

    @Test func endChatAfterResolveNeverFreesTwice() throws {
        var (world, first, _, ann, _) = try Self.twoChats()
        try world.resolve(first, by: ann)
        world.events = []
        #expect(try world.endChat("chat-1") == .nothingOpen)
        #expect(try world.endChat("chat-1", handoff: first) == .nothingOpen)
        #expect(world.agent(ann).activeChats == 1)
        #expect(world.handoff(first).resolvedBy == .agent(ann))
        #expect(try world.core.messages(handoff: first, tenant: World.acme) == [])
        #expect(world.events == [])
        world.expectSound()
    }

    @Test func doubleResolveNeverFreesTwice() throws {
        var (world, first, second, ann, _) = try Self.twoChats()
        try world.resolve(first, by: ann)
        #expect(throws: HandoffError.handoffNotActive) { try world.resolve(first, by: ann) }
        #expect(world.agent(ann).activeChats == 1)
        try world.resolve(second, by: ann)
        #expect(throws: HandoffError.handoffNotActive) { try world.resolve(second, by: ann) }
        #expect(world.agent(ann).activeChats == 0)
        #expect(world.metrics().resolved == 2)
        world.expectSound()
    }

    @Test func endChatWhilePendingWithdrawsTheRequest() throws {
        var world = World()
        try world.addAgent("Ann")
        let first = try world.queue("chat-1")
        let second = try world.queue("chat-2")
        world.events = []
        world.advance(.seconds(20))
        let outcome = try world.endChat("chat-1")
        guard case .withdrawn(let handoff) = outcome else {
            Issue.record("expected withdrawn, got \(outcome)")
            return
        }
        #expect(handoff.id == first)
        #expect(handoff.state == .abandoned)
        #expect(handoff.state.wireStatus == "resolved")
        #expect(handoff.resolvedAt == world.now)
        #expect(handoff.assignedAgentID == nil)
        #expect(world.takeEvents() == [.handoffWithdrawn(handoff)])
        #expect(world.pending() == [second])
        #expect(world.history() == [first])
        let metrics = world.metrics()
        #expect(metrics.abandoned == 1)
        #expect(metrics.pending == 1)
        #expect(metrics.resolved == 0)
        // Ending again changes nothing.
        #expect(try world.endChat("chat-1") == .nothingOpen)
        #expect(world.metrics().abandoned == 1)
        world.expectSound()
    }

    @Test func endChatWithNothingOpen() throws {
        var world = World()
        #expect(try world.endChat("never-asked") == .nothingOpen)
        let afterHours = try world.request("chat-1").handoff
        #expect(afterHours.state == .afterHours)
        #expect(try world.endChat("chat-1") == .nothingOpen)
        #expect(try world.endChat("chat-1", handoff: afterHours.id) == .nothingOpen)
        #expect(world.handoff(afterHours.id) == afterHours)
        #expect(world.events.count == 1)  // only the after-hours record
        expectInvalid("chatId") { try world.endChat("  ") }
        world.expectSound()
    }

    @Test func endChatWithAHandoffOfAnotherChatIsNotFound() throws {
        var (world, first, second, ann, _) = try Self.twoChats()
        try world.addAgent("Gus", tenant: World.globex)
        let foreign = try world.queue("chat-1", tenant: World.globex)
        world.events = []
        #expect(throws: HandoffError.handoffNotFound) { try world.endChat("chat-1", handoff: second) }
        #expect(throws: HandoffError.handoffNotFound) { try world.endChat("chat-1", handoff: foreign) }
        #expect(throws: HandoffError.handoffNotFound) { try world.endChat("chat-1", handoff: IDs.handoff(999)) }
        #expect(throws: HandoffError.handoffNotFound) { try world.endChat("chat-1", handoff: first, tenant: World.globex) }
        #expect(world.handoff(first).state == .active && world.handoff(second).state == .active)
        #expect(world.handoff(foreign).state == .pending)
        #expect(world.agent(ann).activeChats == 2)
        #expect(world.events == [])
        world.expectSound()
    }

    @Test func closedChatsFreeSlotsForNewWork() throws {
        var world = World()
        let ann = try world.addAgent("Ann", maxChats: 1)
        let first = try world.queue("chat-1")
        try world.pickUp(first, by: ann)
        #expect(try world.request("chat-2").handoff.state == .afterHours)
        try world.endChat("chat-1")
        #expect(world.agent(ann).canTakeHandoff)
        let next = try world.queue("chat-3")
        try world.pickUp(next, by: ann)
        #expect(world.agent(ann).activeChats == 1)
        world.expectSound()
    }
}
