import Foundation
import HandoffAPI
import HandoffEngine
@testable import HandoffPostgres
import Testing

/// The rows as the store writes them (``RowJSON``, streamed through `JSONWriter.encode`)
/// against Foundation's encoder: what it writes decodes to the same rows, for every kind of
/// field the rows have and the strings that need escaping.
@Suite struct RowJSONTests {
    static let awkward = "quote \" backslash \\ slash / newline \n tab \t return \r nul \u{0} bell \u{7} unit \u{1F} del \u{7F} é 漢字 🚀"

    static func handoff(_ text: String) -> Handoff {
        Handoff(
            id: HandoffID(uuid: UUID()), tenantID: TenantID(uuid: UUID()), chatID: ChatID("chat \(text)"), state: .active,
            requestedAt: Timestamp(milliseconds: 1_700_000_000_123), pickedUpAt: Timestamp(milliseconds: -5), resolvedAt: nil,
            assignedAgentID: AgentID(uuid: UUID()), resolvedBy: nil, userEmail: nil, userMessage: text,
            conversationHistory: [ChatTurn(role: "user", content: text), ChatTurn(role: "assistant", content: "")],
            lastUserMessage: text, metadata: ["page \(text)": text, "empty": ""])
    }

    /// Both texts decoded as `T`, then written by Foundation with sorted keys, are equal; and
    /// the writer's text is JSON that Foundation parses.
    static func sameAsFoundation<T: Codable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let written = String(decoding: try JSONWriter.encode(value), as: UTF8.self)
        #expect(RowJSON.encode(value) == written, sourceLocation: sourceLocation)
        let reference = String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
        let canonical = JSONEncoder()
        canonical.outputFormatting = [.sortedKeys]
        let fromWriter = try JSONDecoder().decode(T.self, from: Data(written.utf8))
        let fromReference = try JSONDecoder().decode(T.self, from: Data(reference.utf8))
        #expect(try canonical.encode(fromWriter) == canonical.encode(fromReference), "\(written)", sourceLocation: sourceLocation)
        #expect(try canonical.encode(fromWriter) == canonical.encode(value), sourceLocation: sourceLocation)
        let parsedWriter = try JSONSerialization.jsonObject(with: Data(written.utf8)) as? NSObject
        let parsedReference = try JSONSerialization.jsonObject(with: Data(reference.utf8)) as? NSObject
        #expect(parsedWriter == parsedReference, "\(written)\n\(reference)", sourceLocation: sourceLocation)
    }

    @Test func rowsWithEveryKindOfFieldDecodeAsTheyWereWritten() throws {
        let h = Self.handoff(Self.awkward)
        try Self.sameAsFoundation(HandoffRow(h, pendingEnd: nil))
        try Self.sameAsFoundation(
            HandoffRow(h, pendingEnd: HandoffCore.StoredEnd(deadline: Timestamp(milliseconds: 9), systemMessageID: MessageID(uuid: UUID()))))
        let message = Message(
            id: MessageID(uuid: UUID()), handoffID: h.id, sequence: 42, senderType: .agent, senderID: h.assignedAgentID, content: Self.awkward,
            timestamp: Timestamp(milliseconds: Int64.max / 2))
        try Self.sameAsFoundation(MessageRow(message))
        try Self.sameAsFoundation([MessageRow(message), MessageRow(message)])
        try Self.sameAsFoundation(EventRow(.handoffRequested(h)))
        try Self.sameAsFoundation(EventRow(.messagePosted(message, tenantID: h.tenantID)))
        try Self.sameAsFoundation(Tenant(id: TenantID(uuid: UUID()), name: Self.awkward))
        try Self.sameAsFoundation([String: [Int]]())
        try Self.sameAsFoundation([Optional<Int>.none, 1, -7])
        try Self.sameAsFoundation([true, false])
        try Self.sameAsFoundation([0.5, -1e-7, 3.0, 1e300, 0.1])
        try Self.sameAsFoundation([UInt8.max, 0])
    }

    @Test func whatItDoesNotStreamIsRefusedNotMiswritten() throws {
        struct Nested: Encodable {
            func encode(to encoder: any Encoder) throws {
                var outer = encoder.container(keyedBy: Key.self)
                var inner = outer.nestedContainer(keyedBy: Key.self, forKey: .a)
                try inner.encode(1, forKey: .a)
            }
            enum Key: CodingKey { case a }
        }
        #expect(throws: JSONWriter.Unsupported.self) { try JSONWriter.encode(Nested()) }
        #expect(RowJSON.encode(Nested()) == #"{"a":{"a":1}}"#, "RowJSON falls back to Foundation")
        #expect(throws: EncodingError.self) { try JSONWriter.encode([Double.nan]) }
    }
}
