import Testing

@testable import HandoffEngine

/// Rule 1 (request handoff) and rule 2 (the after-hours form).
@Suite struct RequestTests {
    // MARK: Request

    @Test func requestJoinsTheTenantQueueWhenAnAgentHasAFreeSlot() throws {
        var world = World()
        try world.addAgent("Ann")
        world.events = []
        let first = try world.request("chat-1")
        guard case .queued(let handoff) = first else {
            Issue.record("expected queued, got \(first)")
            return
        }
        #expect(handoff.state == .pending)
        #expect(handoff.state.wireStatus == "pending")
        #expect(handoff.tenantID == World.acme)
        #expect(handoff.chatID == "chat-1")
        #expect(handoff.requestedAt == world.now)
        #expect(handoff.pickedUpAt == nil && handoff.assignedAgentID == nil && handoff.resolvedAt == nil)
        #expect(world.takeEvents() == [.handoffRequested(handoff)])

        world.advance(.seconds(1))
        let second = try world.queue("chat-2")
        world.advance(.seconds(1))
        let third = try world.queue("chat-3")
        #expect(world.pending() == [handoff.id, second, third])
        #expect(world.pending(World.globex) == [])
        #expect(world.history() == [])
        #expect(try world.core.oldestPending(tenant: World.acme)?.id == handoff.id)
        world.expectSound()
    }

    @Test func requestKeepsTheConversationContext() throws {
        var world = World()
        try world.addAgent("Ann")
        let request = HandoffRequest(
            chatID: "chat-1", conversationHistory: [ChatTurn(role: "user", content: "hi"), ChatTurn(role: "assistant", content: "hello")],
            lastUserMessage: "I want a human", metadata: ["page": "/pricing"])
        let outcome = try world.core.requestHandoff(request, tenant: World.acme, id: IDs.handoff(99), now: world.now, events: &world.events)
        #expect(outcome.handoff.id == IDs.handoff(99))
        #expect(outcome.handoff.conversationHistory == request.conversationHistory)
        #expect(outcome.handoff.lastUserMessage == "I want a human")
        #expect(outcome.handoff.metadata == ["page": "/pricing"])
    }

    enum NobodyFree: String, CaseIterable { case noAgents, busy, offline, atCapacity }

    @Test(arguments: NobodyFree.allCases)
    func requestIsAfterHoursWhenNoAgentCanTakeIt(_ situation: NobodyFree) throws {
        var world = World()
        switch situation {
        case .noAgents: break
        case .busy: try world.addAgent("Ann", status: .busy)
        case .offline: try world.addAgent("Ann", status: .offline)
        case .atCapacity:
            let ann = try world.addAgent("Ann", maxChats: 1)
            try world.pickUp(try world.queue("chat-0"), by: ann)
        }
        // An agent of another tenant never serves this one.
        try world.addAgent("Gus", tenant: World.globex)
        world.events = []
        let before = world.metrics()

        let outcome = try world.request("chat-1")
        guard case .afterHours(let handoff) = outcome else {
            Issue.record("expected after-hours, got \(outcome)")
            return
        }
        #expect(handoff.state == .afterHours)
        #expect(handoff.state.wireStatus == "after-hours")
        #expect(world.takeEvents() == [.afterHoursRecorded(handoff)])
        #expect(!world.pending().contains(handoff.id))
        #expect(world.history() == [handoff.id])
        #expect(world.metrics().afterHours == before.afterHours + 1)
        #expect(world.metrics().pending == before.pending)
        world.expectSound()
    }

    @Test func secondRequestWhileOpenReturnsTheSameHandoff() throws {
        var world = World()
        let ann = try world.addAgent("Ann")
        let id = try world.queue("chat-1")
        let stored = world.core.storedHandoffCount
        world.events = []
        world.advance(.seconds(5))

        // While pending.
        #expect(try world.request("chat-1") == .alreadyOpen(world.handoff(id)))
        // While active.
        try world.pickUp(id, by: ann)
        world.events = []
        #expect(try world.request("chat-1") == .alreadyOpen(world.handoff(id)))

        #expect(world.events == [])
        #expect(world.core.storedHandoffCount == stored)
        #expect(world.metrics().totalRequests == 1)
        #expect(try world.core.handoffs(tenant: World.acme).map(\.id) == [id])
        // The same chat id in another tenant is another conversation.
        try world.addAgent("Gus", tenant: World.globex)
        #expect(try world.queue("chat-1", tenant: World.globex) != id)
        world.expectSound()
    }

    @Test func newRequestAfterTheChatClosedCreatesANewHandoff() throws {
        var world = World()
        let ann = try world.addAgent("Ann")
        let first = try world.queue("chat-1")
        try world.pickUp(first, by: ann)
        try world.resolve(first, by: ann)
        world.advance(.seconds(1))

        let second = try world.queue("chat-1")
        #expect(second != first)
        #expect(try world.core.latestHandoff(chat: "chat-1", tenant: World.acme)?.id == second)
        #expect(world.handoff(first).state == .resolved)

        // Withdrawn, then asked again: a third one.
        try world.endChat("chat-1")
        world.advance(.seconds(1))
        let third = try world.queue("chat-1")
        #expect(Set([first, second, third]).count == 3)
        #expect(world.pending() == [third])
        #expect(try world.core.handoffs(tenant: World.acme).map(\.id) == [third, second, first])
        world.expectSound()
    }

    @Test(arguments: ["", "   ", "\n\t"])
    func emptyChatIDIsRejected(_ chat: String) throws {
        var world = World()
        try world.addAgent("Ann")
        world.events = []
        expectInvalid("chatId") { _ = try world.request(ChatID(chat)) }
        #expect(world.events == [])
        #expect(world.core.storedHandoffCount == 0)
        #expect(world.metrics().totalRequests == 0)
    }

    @Test func overlongChatIDIsRejected() throws {
        var world = World()
        try world.addAgent("Ann")
        expectInvalid("chatId") { _ = try world.request(ChatID(String(repeating: "c", count: 257))) }
        _ = try world.queue(ChatID(String(repeating: "c", count: 256)))
    }

    @Test func suspendedOrUnknownTenantIsRejected() throws {
        var world = World()
        try world.addAgent("Ann")
        try world.core.setTenantStatus(World.acme, .suspended)
        world.events = []
        #expect(throws: HandoffError.tenantSuspended) { _ = try world.request("chat-1") }
        #expect(throws: HandoffError.tenantSuspended) { _ = try world.submitAfterHours("chat-1", email: "a@b.io") }
        #expect(throws: HandoffError.tenantNotFound) { _ = try world.request("chat-1", tenant: IDs.tenant(77)) }
        #expect(world.events == [])
        #expect(world.core.storedHandoffCount == 0)

        try world.core.setTenantStatus(World.acme, .active)
        _ = try world.queue("chat-1")
    }

    @Test func reusingAHandoffIDIsADuplicate() throws {
        var world = World()
        try world.addAgent("Ann")
        _ = try world.core.requestHandoff(HandoffRequest(chatID: "a"), tenant: World.acme, id: IDs.handoff(1), now: world.now, events: &world.events)
        let error = #expect(throws: HandoffError.self) {
            _ = try world.core.requestHandoff(HandoffRequest(chatID: "b"), tenant: World.acme, id: IDs.handoff(1), now: world.now, events: &world.events)
        }
        #expect(error?.code == .duplicate)
        #expect(world.pending().count == 1)
        world.expectSound()
    }

    // MARK: After-hours form

    @Test func afterHoursFormFillsTheAwaitingRecord() throws {
        var world = World()
        let outcome = try world.request("chat-1")
        guard case .afterHours(let recorded) = outcome else {
            Issue.record("expected after-hours, got \(outcome)")
            return
        }
        world.events = []
        world.advance(.seconds(30))

        let filled = try world.submitAfterHours("chat-1", email: "  Ann@Example.COM ", message: "  Call me back  ")
        #expect(filled.id == recorded.id)
        #expect(filled.state == .afterHours)
        #expect(filled.userEmail == "ann@example.com")
        #expect(filled.userMessage == "Call me back")
        #expect(filled.requestedAt == recorded.requestedAt)
        #expect(world.takeEvents() == [.afterHoursRecorded(filled)])

        // One row, in history, not in the queue, counted once.
        #expect(try world.core.handoffs(tenant: World.acme).map(\.id) == [recorded.id])
        #expect(world.history() == [recorded.id])
        #expect(world.pending() == [])
        #expect(world.metrics().afterHours == 1)
        #expect(world.metrics().totalRequests == 1)
        world.expectSound()
    }

    @Test func afterHoursFormWithoutARequestRecordsOneRow() throws {
        var world = World()
        let handoff = try world.submitAfterHours("chat-1", email: "bob@example.com", message: "   ")
        #expect(handoff.state == .afterHours)
        #expect(handoff.userMessage == nil)
        #expect(world.takeEvents() == [.afterHoursRecorded(handoff)])
        #expect(world.history() == [handoff.id])
        #expect(world.pending() == [])
        #expect(world.metrics().afterHours == 1)

        // A record that already has its contact is not overwritten: a second form is a new row.
        world.advance(.seconds(1))
        let again = try world.submitAfterHours("chat-1", email: "bob@example.com", message: "still there?")
        #expect(again.id != handoff.id)
        #expect(world.handoff(handoff.id).userMessage == nil)
        #expect(world.history() == [again.id, handoff.id])
        #expect(world.metrics().afterHours == 2)
        world.expectSound()
    }

    @Test func afterHoursFormOnAnOpenChatAttachesTheContact() throws {
        var world = World()
        try world.addAgent("Ann")
        let id = try world.queue("chat-1")
        world.events = []
        let handoff = try world.submitAfterHours("chat-1", email: "cy@example.com", message: "hello")
        #expect(handoff.id == id)
        #expect(handoff.state == .pending)
        #expect(handoff.userEmail == "cy@example.com")
        #expect(world.events == [])
        #expect(world.pending() == [id])
        #expect(world.metrics().afterHours == 0)
        world.expectSound()
    }

    @Test(arguments: [
        "", "   ", "ann", "ann@", "@example.com", "ann@example", "ann@@example.com", "ann@exa mple.com",
        "ann@example..com", "ann@.example.com", "ann@example.com.", "a@b@c.io", String(repeating: "a", count: 250) + "@x.io",
    ])
    func invalidEmailIsRejected(_ email: String) throws {
        var world = World()
        _ = try world.request("chat-1")
        world.events = []
        expectInvalid("userEmail") { _ = try world.submitAfterHours("chat-1", email: email) }
        #expect(world.events == [])
        let record = try #require(try world.core.latestHandoff(chat: "chat-1", tenant: World.acme))
        #expect(record.userEmail == nil)
        #expect(world.metrics().afterHours == 1)
        #expect(world.core.storedHandoffCount == 1)
    }

    @Test func overlongAfterHoursMessageIsRejected() throws {
        var world = World(configuration: .init(maxMessageLength: 5))
        _ = try world.request("chat-1")
        expectInvalid("userMessage") { _ = try world.submitAfterHours("chat-1", email: "a@b.io", message: "123456") }
        #expect(try world.submitAfterHours("chat-1", email: "a@b.io", message: "12345").userMessage == "12345")
    }
}
