/// Writes JSON straight into bytes, for the responses the reference clients poll every second
/// or two (the status poll, message lists, handoff lists): there Foundation's `JSONEncoder`,
/// which builds a value tree through `Codable`'s existential containers first, costs more than
/// the rest of the request. Output is the JSON value `JSONEncoder` (with `.withoutEscapingSlashes`)
/// gives for the same value — the same keys, the same explicit `null`s and omissions, the same
/// escapes — which `JSONWriterTests` checks against it; keys come in declaration order
/// (`JSONEncoder`'s order is its dictionary's, which varies from run to run).
public struct JSONWriter {
    public private(set) var bytes: [UInt8] = []
    /// Whether a value was just written, so the next key or element needs a comma first. A
    /// closed object or array is such a value, so one flag serves every nesting level.
    private var needsComma = false

    public init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
    }

    // MARK: Structure

    public mutating func object(_ body: (inout JSONWriter) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
        body(&self)
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func array<S: Sequence>(_ elements: S, _ body: (inout JSONWriter, S.Element) -> Void) {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
        for element in elements { body(&self, element) }
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// The key of the next member of the open object.
    public mutating func key(_ name: String) {
        separate()
        quoted(name)
        bytes.append(UInt8(ascii: ":"))
        // The value follows the colon directly: no comma before it.
        needsComma = false
    }

    /// A member name escaped and quoted once (with its colon), for the members written on every
    /// poll: appending it is a copy, where a `String` name is scanned for escapes each time.
    public struct Key: Sendable {
        fileprivate let bytes: [UInt8]

        public init(_ name: String) {
            var writer = JSONWriter(capacity: name.utf8.count + 3)
            writer.key(name)
            bytes = writer.bytes
        }
    }

    public mutating func key(_ key: Key) {
        separate()
        bytes.append(contentsOf: key.bytes)
        needsComma = false
    }

    // MARK: Members (key and value)

    public mutating func member(_ key: Key, _ value: String) {
        self.key(key)
        string(value)
    }

    public mutating func member(_ name: String, _ value: String) {
        key(name)
        string(value)
    }

    /// `null` when absent (as a custom `encode(to:)` that writes nulls).
    public mutating func member(_ name: String, orNull value: String?) {
        key(name)
        if let value { string(value) } else { null() }
    }

    /// Left out when absent (as synthesised `Codable`).
    public mutating func member(_ name: String, ifPresent value: String?) {
        guard let value else { return }
        member(name, value)
    }

    /// A string member whose text `write` appends straight to the output, and which needs no
    /// escaping (ids, timestamps: ASCII letters, digits and punctuation other than `"` and `\\`).
    /// Saves making a `String` for each on the hot polls.
    public mutating func member(_ name: String, unescaped write: (inout [UInt8]) -> Void) {
        key(name)
        unescapedString(write)
    }

    public mutating func member(_ key: Key, unescaped write: (inout [UInt8]) -> Void) {
        self.key(key)
        unescapedString(write)
    }

    /// Follows a key, so no comma is due.
    private mutating func unescapedString(_ write: (inout [UInt8]) -> Void) {
        bytes.append(UInt8(ascii: "\""))
        write(&bytes)
        bytes.append(UInt8(ascii: "\""))
        needsComma = true
    }

    public mutating func member(_ name: String, _ value: Int) {
        key(name)
        integer(value)
    }

    public mutating func member(_ name: String, _ value: Bool) {
        key(name)
        bool(value)
    }

    /// An object whose members follow (``key(_:)`` and a value each) until ``endObject()``:
    /// for writers that learn the structure as they go (``encode(_:)``).
    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    /// An array whose elements follow until ``endArray()``.
    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    // MARK: Values

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: value ? Self.trueBytes : Self.falseBytes)
        needsComma = true
    }

    /// A number written as `text` (digits, sign, point, exponent: the caller's to get right).
    public mutating func number(_ text: String) {
        separate()
        bytes.append(contentsOf: text.utf8)
        needsComma = true
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: Self.nullBytes)
        needsComma = true
    }

    public mutating func integer(_ value: Int) {
        separate()
        bytes.append(contentsOf: String(value).utf8)
        needsComma = true
    }

    /// A JSON string: `"` and `\` escaped, control characters as `\b \f \n \r \t` or `\u00XX`,
    /// everything else (non-ASCII included) as UTF-8, `/` unescaped.
    public mutating func string(_ value: String) {
        separate()
        quoted(value)
        needsComma = true
    }

    /// One pass over the UTF-8: runs that need no escape are copied whole.
    private mutating func quoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var run = 0
            for i in utf8.indices {
                let byte = utf8[i]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i]))
                run = i + 1
                escape(byte)
            }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run...]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func escape(_ byte: UInt8) {
        bytes.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
        case 0x08: bytes.append(UInt8(ascii: "b"))
        case 0x0C: bytes.append(UInt8(ascii: "f"))
        case 0x0A: bytes.append(UInt8(ascii: "n"))
        case 0x0D: bytes.append(UInt8(ascii: "r"))
        case 0x09: bytes.append(UInt8(ascii: "t"))
        default:
            bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            bytes.append(Self.hexDigits[Int(byte >> 4)])
            bytes.append(Self.hexDigits[Int(byte & 0x0f)])
        }
    }

    @inline(__always)
    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    private static let trueBytes = Array("true".utf8)
    private static let falseBytes = Array("false".utf8)
    private static let nullBytes = Array("null".utf8)
    private static let hexDigits = Array("0123456789abcdef".utf8)
}

/// A wire type that writes itself with ``JSONWriter`` (the same JSON as its `Encodable`).
public protocol JSONWritable: Encodable {
    func write(to writer: inout JSONWriter)
    /// About how many bytes the JSON takes, so the output is not regrown as it is written.
    var jsonSizeEstimate: Int { get }
}

extension JSONWritable {
    public var jsonSizeEstimate: Int { 256 }

    /// The JSON bytes of this value.
    public var jsonBytes: [UInt8] {
        var writer = JSONWriter(capacity: jsonSizeEstimate)
        write(to: &writer)
        return writer.bytes
    }
}

extension Array: JSONWritable where Element: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.array(self) { writer, element in element.write(to: &writer) }
    }
}

extension ChatTurnBody: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.member("role", role)
            w.member("content", content)
        }
    }
}

extension HandoffBody: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.member("id", id)
            w.member("tenantId", tenantId)
            w.member("chatId", chatId)
            w.member("status", status)
            w.member("requestedAt", requestedAt)
            w.member("pickedUpAt", ifPresent: pickedUpAt)
            w.member("resolvedAt", ifPresent: resolvedAt)
            w.member("assignedAgentId", ifPresent: assignedAgentId)
            w.member("userEmail", ifPresent: userEmail)
            w.member("userMessage", ifPresent: userMessage)
            w.key("conversationHistory")
            conversationHistory.write(to: &w)
            w.member("lastUserMessage", ifPresent: lastUserMessage)
            if let metadata {
                w.key("metadata")
                w.object { m in
                    for (key, value) in metadata { m.member(key, value) }
                }
            }
        }
    }
}

extension MessageBody: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.member("id", id)
            w.member("handoffId", handoffId)
            w.member("senderType", senderType)
            w.member("senderId", ifPresent: senderId)
            w.member("content", content)
            w.member("timestamp", timestamp)
        }
    }
}

extension MessagesResponse: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.key("messages")
            messages.write(to: &w)
        }
    }
}

extension HandoffStatusResponse: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.member("status", status)
            w.member("agentName", orNull: agentName)
            w.member("pickedUpAt", orNull: pickedUpAt)
            w.member("resolvedAt", orNull: resolvedAt)
        }
    }
}

extension ErrorBody: JSONWritable {
    public func write(to writer: inout JSONWriter) {
        writer.object { w in
            w.member("error", error)
            w.member("message", ifPresent: message)
            if let details {
                w.key("details")
                w.array(details) { w, detail in
                    w.object { d in
                        d.member("field", detail.field)
                        d.member("problem", detail.problem)
                    }
                }
            }
        }
    }
}
