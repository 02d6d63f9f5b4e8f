import Foundation

/// A seeded SplitMix64 generator: one independent stream per simulated entity.
///
/// The capacity simulator gives every entity its own stream — the arrival process, each
/// visitor, each agent, the routing tie-breaks — derived from the run's seed with
/// ``derived(seed:stream:index:)``. So a visitor's handle time and patience do not depend on
/// which agent serves it or on how many agents there are: comparing two staffing options with
/// the same seed uses common random numbers, and the same seed always gives the same run.
///
/// SplitMix64 (Steele, Lea & Flood 2014) passes BigCrush, has period 2⁶⁴ per stream and costs
/// one add and three xor-shift-multiplies per draw. Not cryptographic.
public struct RandomStream: Hashable, Sendable, RandomNumberGenerator {
    /// The whole state: 8 bytes, so a stream can live inside a visitor's record.
    public var state: UInt64

    /// A stream starting at `state` (any value is fine, including 0).
    public init(state: UInt64) { self.state = state }

    /// The stream `index` of kind `stream` for a run seeded with `seed`: distinct seeds, kinds or
    /// indices give statistically independent streams.
    public static func derived(seed: UInt64, stream: UInt64, index: UInt64 = 0) -> RandomStream {
        Family(seed: seed, stream: stream)[index]
    }

    /// The streams of one kind for one seed, `derived(seed:stream:index:)` for every index,
    /// with the seed-and-kind half of the derivation done once: one mix per stream drawn.
    public struct Family: Hashable, Sendable {
        @usableFromInline package let base: UInt64

        public init(seed: UInt64, stream: UInt64) { base = RandomStream.mix(seed &+ 0x9E37_79B9_7F4A_7C15 &* (stream &+ 1)) }

        /// Stream `index` of the family.
        @inlinable @inline(__always)
        public subscript(index: UInt64) -> RandomStream { RandomStream(state: RandomStream.mix(base ^ (index &* 0xD1B5_4A32_D192_ED03))) }
    }

    /// The SplitMix64 finaliser (a bijection of 64-bit words with full avalanche).
    @inlinable @inline(__always)
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    /// - Complexity: O(1), no allocation.
    @inlinable @inline(__always)
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }

    /// Uniform on [0, 1) with 53 random bits.
    @inlinable @inline(__always)
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform on (0, 1]: safe to take the logarithm of.
    @inlinable @inline(__always)
    public mutating func openUniform() -> Double {
        Double((next() >> 11) + 1) * 0x1p-53
    }

    /// Exponential with the given mean.
    @inlinable @inline(__always)
    public mutating func exponential(mean: Double) -> Double {
        mean * standardExponential()
    }

    /// A standard exponential variate (mean 1), by the ziggurat method (Marsaglia & Tsang 2000)
    /// with 256 layers of equal area under e^−x.
    ///
    /// One 64-bit draw picks a layer (the low 8 bits) and a point across it (the high 53 bits);
    /// 98.9 % of draws land inside the part of the layer that lies wholly under the curve and
    /// are returned at once — a table load, a multiply and a compare, where inversion needs a
    /// logarithm. The rest test the wedge against e^−x, or take the tail beyond the base layer
    /// exactly (the exponential is memoryless: R + Exp(1)). The result is exactly Exp(1)
    /// distributed up to floating-point resolution. Tables: `ExponentialZigguratTables.swift`.
    ///
    /// Not `@inlinable`, on purpose: inside this module the tables are statically initialised
    /// and read directly, while code inlined into another module reaches each global through
    /// its lazy addressor (a `swift_once` per load) — a call costs the capacity kernel less.
    public mutating func standardExponential() -> Double {
        let bits = next()
        let layer = Int(truncatingIfNeeded: bits & 0xFF)
        let u = Double(bits >> 11) * 0x1p-53
        if u < zigguratExponentialRatio[layer] { return u * zigguratExponentialWidth[layer] }
        return standardExponentialSlowPath(layer: layer, u: u)
    }

    /// The 1.1 % of ``standardExponential()`` draws that miss the layer's inner rectangle.
    @usableFromInline
    package mutating func standardExponentialSlowPath(layer: Int, u: Double) -> Double {
        var layer = layer
        var u = u
        while true {
            if layer == 0 { return zigguratExponentialR - log(openUniform()) }
            let x = u * zigguratExponentialWidth[layer]
            let lower = zigguratExponentialHeight[layer]
            if lower + uniform() * (zigguratExponentialHeight[layer + 1] - lower) < exp(-x) { return x }
            let bits = next()
            layer = Int(truncatingIfNeeded: bits & 0xFF)
            u = Double(bits >> 11) * 0x1p-53
            if u < zigguratExponentialRatio[layer] { return u * zigguratExponentialWidth[layer] }
        }
    }

    /// A standard normal variate (Box–Muller; one of the pair is used, so no hidden state).
    @inlinable
    public mutating func standardNormal() -> Double {
        let radius = (-2 * log(openUniform())).squareRoot()
        return radius * cos(2 * Double.pi * uniform())
    }

    /// A uniformly random integer in `0..<bound` (Lemire's multiply-shift; bias < 2⁻⁶⁴·bound).
    /// - Precondition: `bound > 0`.
    @inlinable @inline(__always)
    public mutating func index(below bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }

    /// True with probability `p`.
    @inlinable @inline(__always)
    public mutating func bernoulli(_ p: Double) -> Bool {
        p > 0 && uniform() < p
    }
}
