import Foundation

/// Declares the identifier types of the domain. Each wraps a `UUID`, so a raw `UUID` never
/// appears in a signature and an agent id can never be passed where a handoff id is expected.
public protocol DomainIdentifier: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    var uuid: UUID { get }
    init(uuid: UUID)
}

extension DomainIdentifier {
    /// Parses the canonical UUID text form; `nil` for anything else.
    public init?(_ text: String) {
        guard let uuid = UUID(uuidString: text) else { return nil }
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

    public var description: String { uuid.uuidString.lowercased() }

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
        guard let uuid = UUID(uuidString: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a UUID"))
        }
        self.init(uuid: uuid)
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
