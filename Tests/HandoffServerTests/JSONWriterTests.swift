import Foundation
import HandoffAPI
@testable import HandoffEngine
@testable import HandoffServer
import Testing

/// ``JSONWriter`` must write what `JSONEncoder` writes for the same value: the polled
/// responses switched from one to the other, and clients must not see a difference.
@Suite struct JSONWriterTests {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    /// The same JSON value (`JSONEncoder`'s key order varies from run to run), and the same
    /// text where the key order is fixed (ours: declaration order).
    func expectSameJSON<T: JSONWritable>(_ value: T, text: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let ours = try JSONSerialization.jsonObject(with: Data(value.jsonBytes), options: .fragmentsAllowed) as? NSObject
        let theirs = try JSONSerialization.jsonObject(with: try Self.encoder.encode(value), options: .fragmentsAllowed) as? NSObject
        #expect(ours != nil && ours == theirs, "\(String(decoding: value.jsonBytes, as: UTF8.self))", sourceLocation: sourceLocation)
        if let text { #expect(String(decoding: value.jsonBytes, as: UTF8.self) == text, sourceLocation: sourceLocation) }
    }

    static let awkward = "quote \" backslash \\ slash / newline \n tab \t cr \r bell \u{07} nul \u{00} unit \u{1f} del \u{7f} é 日本 🙂"

    @Test func messagesAndStatusAreTheEncodersJSON() throws {
        let message = MessageBody(id: "m1", handoffId: "h1", senderType: "agent", senderId: "a1", content: Self.awkward, timestamp: "2026-01-01T00:00:00.000Z")
        let anonymous = MessageBody(id: "m2", handoffId: "h1", senderType: "user", senderId: nil, content: "", timestamp: "2026-01-01T00:00:00.001Z")
        try expectSameJSON(MessagesResponse(messages: [message, anonymous]))
        try expectSameJSON(MessagesResponse(messages: []), text: #"{"messages":[]}"#)
        try expectSameJSON(HandoffStatusResponse(status: "active", agentName: "Ann \"Lee\"", pickedUpAt: "2026-01-01T00:00:01.000Z", resolvedAt: nil))
        try expectSameJSON(
            HandoffStatusResponse(status: "pending", agentName: nil, pickedUpAt: nil, resolvedAt: nil),
            text: #"{"status":"pending","agentName":null,"pickedUpAt":null,"resolvedAt":null}"#)
        // Escapes exactly as JSON requires: two-character forms, \u00XX for other controls, UTF-8 otherwise.
        try expectSameJSON(
            [ChatTurnBody(role: "user", content: "a\"b\\c/d\n\u{01}\u{7f}é")], text: #"[{"role":"user","content":"a\"b\\c/d\n\u0001"# + "\u{7f}é\"}]")
        try expectSameJSON([ChatTurnBody(role: "user", content: Self.awkward)])
    }

    @Test func engineMessagesAreWrittenAsTheMappingEncodesThem() throws {
        let handoff = HandoffID(namespace: 7, number: 0xABCDEF)
        let messages = [
            Message(
                id: MessageID(namespace: 8, number: 1), handoffID: handoff, sequence: 1, senderType: .agent,
                senderID: AgentID(namespace: 9, number: 3), content: Self.awkward, timestamp: Timestamp(milliseconds: 1_767_225_600_123)),
            Message(
                id: MessageID(namespace: 8, number: 2), handoffID: handoff, sequence: 2, senderType: .user, senderID: nil, content: "",
                timestamp: Timestamp(milliseconds: 1)),
        ]
        let list = WireMapping.MessageList(messages: messages)
        try expectSameJSON(list)
        #expect(try JSONDecoder().decode(MessagesResponse.self, from: Data(list.jsonBytes)).messages == messages.map(WireMapping.message))
        try expectSameJSON(WireMapping.MessageList(messages: []), text: #"{"messages":[]}"#)
        // Out-of-range years take the slow text path, and still agree.
        let far = Message(
            id: MessageID(namespace: 8, number: 3), handoffID: handoff, sequence: 3, senderType: .system, senderID: nil, content: "x",
            timestamp: Timestamp(milliseconds: 400_000_000_000_000))
        try expectSameJSON(WireMapping.MessageList(messages: [far]))
    }

    /// A key made once writes what the same name written each time does, escapes included.
    @Test func keysMadeOnceWriteTheSameAsNames() {
        for name in ["id", "", Self.awkward, "a\"b\\c\u{1}"] {
            var once = JSONWriter(), each = JSONWriter()
            once.object { w in
                w.member(JSONWriter.Key(name), "v")
                w.member(JSONWriter.Key(name), unescaped: { $0.append(UInt8(ascii: "x")) })
            }
            each.object { w in
                w.member(name, "v")
                w.member(name, unescaped: { $0.append(UInt8(ascii: "x")) })
            }
            #expect(once.bytes == each.bytes, "\(name)")
            #expect((try? JSONSerialization.jsonObject(with: Data(once.bytes))) != nil, "\(name)")
        }
    }

    @Test func errorsAreTheEncodersJSON() throws {
        try expectSameJSON(ErrorBody(error: "Handoff not found"), text: #"{"error":"Handoff not found"}"#)
        try expectSameJSON(ErrorBody(error: "Unauthorized", message: "This conversation is assigned to another agent"))
        try expectSameJSON(
            ErrorBody(error: "bad", details: [ErrorBody.Detail(field: "email", problem: Self.awkward), ErrorBody.Detail(field: "x", problem: "y")]),
            text: nil)
        try expectSameJSON(ErrorBody(error: "none", details: []), text: #"{"error":"none","details":[]}"#)
        // Nesting: commas after closed containers, none after keys.
        try expectSameJSON(
            [[ErrorBody(error: "a", details: [ErrorBody.Detail(field: "f", problem: "p")]), ErrorBody(error: "b")], []],
            text: #"[[{"error":"a","details":[{"field":"f","problem":"p"}]},{"error":"b"}],[]]"#)
    }

    @Test func handoffListsMatchTheEncoderAsJSON() throws {
        let full = HandoffBody(
            id: "h1", tenantId: "t1", chatId: "c/1", status: "active", requestedAt: "2026-01-01T00:00:00.000Z", pickedUpAt: "2026-01-01T00:00:02.000Z",
            resolvedAt: nil, assignedAgentId: "a1", userEmail: "sam@example.com", userMessage: Self.awkward,
            conversationHistory: [ChatTurnBody(role: "user", content: "hi"), ChatTurnBody(role: "assistant", content: Self.awkward)],
            lastUserMessage: "hi", metadata: ["page": "/pricing", "lang": "en\n"])
        let bare = HandoffBody(
            id: "h2", tenantId: "t1", chatId: "c2", status: "pending", requestedAt: "2026-01-01T00:00:00.000Z", pickedUpAt: nil, resolvedAt: nil,
            assignedAgentId: nil, userEmail: nil, userMessage: nil, conversationHistory: [], lastUserMessage: nil, metadata: nil)
        try expectSameJSON([bare])
        let list = [full, bare]
        try expectSameJSON(list)
        #expect(try JSONDecoder().decode([HandoffBody].self, from: Data(list.jsonBytes)) == list)
    }
}
