import Foundation

/// Where stores get new ids and salts: seeded (deterministic runs, same seed → same ids) or
/// from the system's random source. Not thread-safe by itself: its store's lock guards it.
public struct IdentifierGenerator: Sendable {
    private var state: UInt64?

    /// - Parameter seed: `nil` for system randomness.
    public init(seed: UInt64?) { state = seed }

    /// SplitMix64: one 64-bit step of a well-mixed sequence.
    public mutating func next() -> UInt64 {
        guard var s = state else { return UInt64.random(in: .min ... .max) }
        s &+= 0x9e37_79b9_7f4a_7c15
        state = s
        var z = s
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    public mutating func bytes(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count + 8)
        while out.count < count { withUnsafeBytes(of: next().littleEndian) { out.append(contentsOf: $0) } }
        return Array(out.prefix(count))
    }

    /// A version-4 UUID from this generator.
    public mutating func uuid() -> UUID {
        var b = bytes(16)
        b[6] = (b[6] & 0x0f) | 0x40
        b[8] = (b[8] & 0x3f) | 0x80
        return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
    }

    public mutating func id<ID: DomainIdentifier>(_: ID.Type = ID.self) -> ID { ID(uuid: uuid()) }
}
