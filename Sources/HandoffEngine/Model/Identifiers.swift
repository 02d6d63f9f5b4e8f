import Foundation

/// Declares the identifier types of the domain. Each wraps a `UUID`, so a raw `UUID` never
/// appears in a signature and an agent id can never be passed where a handoff id is expected.
public protocol DomainIdentifier: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    var uuid: UUID { get }
    init(uuid: UUID)
}

extension DomainIdentifier {
    /// Parses the canonical UUID text form (`8-4-4-4-12` hex digits, either case); `nil` for
    /// anything else. Read by hand: Foundation's parser goes through `sscanf`, and ids are
    /// parsed on every request.
    public init?(_ text: String) {
        var text = text
        guard let uuid = text.withUTF8(parseCanonicalUUID) else { return nil }
        self.init(uuid: uuid)
    }

    /// As ``init(_:)-(String)``, from a slice (a path parameter) without copying it into a `String`.
    public init?(_ text: Substring) {
        var text = text
        guard let uuid = text.withUTF8(parseCanonicalUUID) else { return nil }
        self.init(uuid: uuid)
    }

    /// A deterministic identifier built from a counter, for seeded runs and fixtures: the same
    /// `(namespace, number)` always gives the same id, and different numbers never collide.
    public init(namespace: UInt16, number: UInt64) {
        let n = number
        self.init(uuid: UUID(uuid: (
            UInt8(truncatingIfNeeded: namespace >> 8), UInt8(truncatingIfNeeded: namespace), 0, 0,
            0, 0, 0x40, 0,
            0x80, 0,
            UInt8(truncatingIfNeeded: n >> 40), UInt8(truncatingIfNeeded: n >> 32), UInt8(truncatingIfNeeded: n >> 24),
            UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)
        )))
    }

    /// Lowercase canonical form. Written by hand: `UUID.uuidString` goes through `snprintf`,
    /// and every id in every response is written this way.
    public var description: String {
        String(unsafeUninitializedCapacity: 36) { out in format(into: out) }
    }

    /// Appends ``description``'s 36 bytes without making a `String` (the polled JSON responses).
    public func appendText(to bytes: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 36) { out in
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: out[..<format(into: out)]))
        }
    }

    /// Writes the canonical form into `out` (≥ 36 bytes); returns 36.
    private func format(into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        withUnsafeBytes(of: uuid.uuid) { raw in
            var index = 0
            for (position, byte) in raw.enumerated() {
                if position == 4 || position == 6 || position == 8 || position == 10 {
                    out[index] = UInt8(ascii: "-")
                    index += 1
                }
                let high = byte >> 4, low = byte & 0x0f
                out[index] = high < 10 ? UInt8(ascii: "0") + high : UInt8(ascii: "a") + high - 10
                out[index + 1] = low < 10 ? UInt8(ascii: "0") + low : UInt8(ascii: "a") + low - 10
                index += 2
            }
            return index
        }
    }

    /// Hashes the 128 bits as two words: several times cheaper than hashing 16 separate bytes,
    /// and ids are looked up on every engine command.
    public func hash(into hasher: inout Hasher) {
        let (high, low) = withUnsafeBytes(of: uuid.uuid) { ($0.loadUnaligned(as: UInt64.self), $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) }
        hasher.combine(high)
        hasher.combine(low)
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        withUnsafeBytes(of: lhs.uuid.uuid) { l in withUnsafeBytes(of: rhs.uuid.uuid) { r in
            l.loadUnaligned(as: UInt64.self) == r.loadUnaligned(as: UInt64.self)
                && l.loadUnaligned(fromByteOffset: 8, as: UInt64.self) == r.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
        } }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        withUnsafeBytes(of: lhs.uuid.uuid) { l in
            withUnsafeBytes(of: rhs.uuid.uuid) { r in l.lexicographicallyPrecedes(r) }
        }
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = Self(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a UUID"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

public struct TenantID: DomainIdentifier { public let uuid: UUID; public init(uuid: UUID) { self.uuid = uuid } }
public struct UserID: DomainIdentifier { public let uuid: UUID; public init(uuid: UUID) { self.uuid = uuid } }
public struct AgentID: DomainIdentifier { public let uuid: UUID; public init(uuid: UUID) { self.uuid = uuid } }
public struct HandoffID: DomainIdentifier {
    public let uuid: UUID
    public init(uuid: UUID) { self.uuid = uuid }
    /// The id of a handoff created through the handle API, which has no id of its own.
    public static let anonymous = HandoffID(uuid: UUID(uuid: (0, 0, 0, 0, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 0)))
}
public struct MessageID: DomainIdentifier { public let uuid: UUID; public init(uuid: UUID) { self.uuid = uuid } }
public struct APIKeyID: DomainIdentifier { public let uuid: UUID; public init(uuid: UUID) { self.uuid = uuid } }

/// The widget's own conversation id (any non-empty string the widget chooses).
public struct ChatID: Hashable, Sendable, Codable, CustomStringConvertible, ExpressibleByStringLiteral {
    public let rawValue: String
    public init(_ rawValue: String) { self.rawValue = rawValue }
    /// No chat: a request made through the handle API.
    public static let none = ChatID("")
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// The 16 bytes of a canonical UUID text (36 bytes, dashes at 8, 13, 18 and 23, hex digits of
/// either case elsewhere); `nil` for anything else.
private func parseCanonicalUUID(_ utf8: UnsafeBufferPointer<UInt8>) -> UUID? {
    guard utf8.count == 36 else { return nil }
    var words: (UInt64, UInt64) = (0, 0)
    var count = 0
    for position in 0..<36 {
        let character = utf8[position]
        if position == 8 || position == 13 || position == 18 || position == 23 {
            guard character == UInt8(ascii: "-") else { return nil }
            continue
        }
        let nibble: UInt8
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = character - UInt8(ascii: "A") + 10
        default: return nil
        }
        if count < 16 { words.0 = words.0 << 4 | UInt64(nibble) } else { words.1 = words.1 << 4 | UInt64(nibble) }
        count += 1
    }
    let (high, low) = (words.0.bigEndian, words.1.bigEndian)
    return withUnsafeBytes(of: (high, low)) { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
}
