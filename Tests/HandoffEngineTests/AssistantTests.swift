import Testing

@testable import HandoffEngine

/// The scripted assistant: its replies, its transcript per tenant, and the history it leaves.
@Suite struct AssistantTests {
    static let script = AssistantScript(
        greeting: "Hello!", defaultReply: "Sorry?",
        rules: [
            .init(keywords: ["ship", "delivery"], reply: "We ship in 5-7 days."),
            .init(keywords: ["talk to a human"], reply: "Use the menu for a human."),
        ],
        handoffAfterMessages: 2, handoffSuggestion: "Want a human?")

    @Test func repliesFollowTheScript() {
        let s = Self.script
        #expect(s.replies(to: "👋", opensConversation: true, wordyMessagesBefore: 0) == ["Hello!"])
        #expect(s.replies(to: "Do you SHIP to Canada?", opensConversation: true, wordyMessagesBefore: 0) == ["Hello!", "We ship in 5-7 days."])
        // Whole words only: "relationship" is not "ship".
        #expect(s.replies(to: "our relationship", opensConversation: false, wordyMessagesBefore: 0) == ["Sorry?"])
        // A phrase matches as consecutive words, punctuation aside.
        #expect(s.replies(to: "I want to talk, to a human!", opensConversation: false, wordyMessagesBefore: 0) == ["Use the menu for a human."])
        // The suggestion comes with the N-th wordy message, once.
        #expect(s.replies(to: "hmm", opensConversation: false, wordyMessagesBefore: 1) == ["Sorry?", "Want a human?"])
        #expect(s.replies(to: "hmm", opensConversation: false, wordyMessagesBefore: 2) == ["Sorry?"])
        #expect(s.replies(to: "🙂", opensConversation: false, wordyMessagesBefore: 1) == [])
    }

    @Test func aConversationKeepsItsTranscriptInItsTenant() throws {
        var world = World()
        let scripted = IDs.tenant(3)
        try world.core.addTenant(Tenant(id: scripted, name: "Scripted", assistant: Self.script))
        var n: UInt64 = 100
        func next() -> MessageID { n += 1; return IDs.message(n) }
        let first = try world.core.converse("👋", chat: nil, tenant: scripted, newChat: "chat_a", now: world.now, newID: next)
        #expect(first == AssistantTurn(chatID: "chat_a", replies: ["Hello!"], started: true))
        world.advance(.seconds(1))
        let second = try world.core.converse("delivery times?", chat: "chat_a", tenant: scripted, newChat: "chat_b", now: world.now, newID: next)
        #expect(second == AssistantTurn(chatID: "chat_a", replies: ["We ship in 5-7 days."], started: false))
        // Another tenant naming this chat starts its own.
        let other = try world.core.converse("hi", chat: "chat_a", tenant: World.globex, newChat: "chat_c", now: world.now, newID: next)
        #expect(other.chatID == "chat_c" && other.started)
        // An id already in use is never reused for a new conversation.
        #expect(throws: HandoffError.duplicate("chatId", "Chat chat_a already exists")) {
            _ = try world.core.converse("hi", chat: nil, tenant: scripted, newChat: "chat_a", now: world.now, newID: next)
        }
        #expect(throws: HandoffError.invalid("message", "Message must not be empty")) {
            _ = try world.core.converse("  ", chat: "chat_a", tenant: scripted, newChat: "chat_d", now: world.now, newID: next)
        }

        let history = try world.core.chatHistory(chat: "chat_a", handoff: nil, tenant: scripted)
        #expect(history.lines.map(\.role) == [.user, .assistant, .user, .assistant])
        #expect(history.lines.map(\.id) == [101, 102, 103, 104].map(IDs.message))
        #expect(history.handoff == nil)
        #expect(throws: HandoffError.chatNotFound) { _ = try world.core.chatHistory(chat: "chat_a", handoff: nil, tenant: World.globex) }
        #expect(try world.core.chatHistory(chat: "chat_zzz", handoff: nil, tenant: scripted).lines.isEmpty)
    }

    @Test func theTranscriptIsTheHistoryOfARequestThatSendsNone() throws {
        var world = World()
        _ = try world.addAgent("Ann", status: .available)
        var n: UInt64 = 100
        func next() -> MessageID { n += 1; return IDs.message(n) }
        _ = try world.core.converse("Where is my parcel", chat: nil, tenant: World.acme, newChat: "chat_a", now: world.now, newID: next)
        let sent = [ChatTurn(role: "user", content: "from the widget")]
        let withOwn = try world.core.requestHandoff(
            HandoffRequest(chatID: "chat_b", conversationHistory: sent), tenant: World.acme, id: IDs.handoff(1), now: world.now, events: &world.events)
        #expect(withOwn.handoff.conversationHistory == sent)
        let fromTranscript = try world.core.requestHandoff(
            HandoffRequest(chatID: "chat_a"), tenant: World.acme, id: IDs.handoff(2), now: world.now, events: &world.events)
        #expect(fromTranscript.handoff.conversationHistory.map(\.role) == ["user", "assistant", "assistant"])
        #expect(fromTranscript.handoff.lastUserMessage == "Where is my parcel")

        // History: transcript first, then the handoff's messages, by time.
        world.advance(.seconds(2))
        let agent = try #require(world.core.agents(tenant: World.acme).first?.id)
        _ = try world.core.pickUp(IDs.handoff(2), by: agent, now: world.now, events: &world.events)
        _ = try world.core.postAgentMessage("Ann here", handoff: IDs.handoff(2), by: agent, id: IDs.message(1), now: world.now, events: &world.events)
        let history = try world.core.chatHistory(chat: "chat_a", handoff: IDs.handoff(2), tenant: World.acme)
        #expect(history.handoff?.id == IDs.handoff(2))
        #expect(history.lines.map(\.role) == [.user, .assistant, .assistant, .agent])
        #expect(history.lines.last?.id == IDs.message(1))
        #expect(throws: HandoffError.handoffNotFound) { _ = try world.core.chatHistory(chat: "chat_a", handoff: IDs.handoff(1), tenant: World.acme) }
    }

    @Test func transcriptsAreBounded() throws {
        var world = World()
        var n: UInt64 = 0
        func next() -> MessageID { n += 1; return IDs.message(n) }
        _ = try world.core.converse("👋", chat: nil, tenant: World.acme, newChat: "chat_a", now: world.now, newID: next)
        for i in 0..<HandoffCore.transcriptLimit { _ = try world.core.converse("question \(i)", chat: "chat_a", tenant: World.acme, newChat: "x", now: world.now, newID: next) }
        let lines = try world.core.chatHistory(chat: "chat_a", handoff: nil, tenant: World.acme).lines
        #expect(lines.count == HandoffCore.transcriptLimit)
        #expect(lines.last?.role == .assistant && lines.dropLast().last?.content == "question \(HandoffCore.transcriptLimit - 1)")
    }
}
