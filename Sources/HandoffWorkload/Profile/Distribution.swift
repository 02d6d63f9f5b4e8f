import Foundation

/// A probability distribution of a non-negative quantity — a duration in seconds (handle time,
/// patience, a notification or pick-up delay, a think time).
///
/// In a profile (see `scenarios/README.md`) a distribution is a mapping with one key:
///
/// ```yaml
/// handleTime: {exponential: 12m}              # mean
/// handleTime: {lognormal: {mean: 10m, sd: 6m}} # of the time itself, not of its logarithm
/// handleTime: {gamma: {mean: 10m, sd: 5m}}
/// handleTime: {uniform: {min: 5m, max: 15m}}
/// handleTime: {constant: 8m}
/// handleTime: {empirical: handle-times.csv}   # one duration per row, sampled uniformly
/// ```
public enum Distribution: Hashable, Sendable {
    /// Always `value` seconds.
    case constant(Double)
    /// Exponential with mean `mean` seconds (memoryless: the textbook M).
    case exponential(mean: Double)
    /// Uniform on [`min`, `max`] seconds.
    case uniform(min: Double, max: Double)
    /// Lognormal with the given mean and standard deviation of the time (not of its logarithm).
    case lognormal(mean: Double, sd: Double)
    /// Gamma with the given mean and standard deviation (shape (mean/sd)², scale sd²/mean).
    case gamma(mean: Double, sd: Double)
    /// The observed values of a sample, each drawn with equal probability (a bootstrap).
    case empirical(EmpiricalSample)

    /// The mean, in seconds.
    public var mean: Double {
        switch self {
        case .constant(let v): v
        case .exponential(let mean), .lognormal(let mean, _), .gamma(let mean, _): mean
        case .uniform(let lo, let hi): (lo + hi) / 2
        case .empirical(let sample): sample.mean
        }
    }

    /// Whether this is exactly exponential (the assumption of the Erlang formulas).
    public var isExponential: Bool {
        if case .exponential = self { return true }
        return false
    }

    /// Whether every draw is 0.
    public var isZero: Bool {
        switch self {
        case .constant(let v): v == 0
        case .uniform(let lo, let hi): lo == 0 && hi == 0
        case .empirical(let sample): sample.values.allSatisfy { $0 == 0 }
        default: false
        }
    }

    /// A short human-readable form: `exponential(mean 720s)`, `constant(0s)`.
    public var label: String {
        func s(_ v: Double) -> String { NumberText.seconds(v) }
        return switch self {
        case .constant(let v): "constant(\(s(v)))"
        case .exponential(let mean): "exponential(mean \(s(mean)))"
        case .uniform(let lo, let hi): "uniform(\(s(lo))–\(s(hi)))"
        case .lognormal(let mean, let sd): "lognormal(mean \(s(mean)), sd \(s(sd)))"
        case .gamma(let mean, let sd): "gamma(mean \(s(mean)), sd \(s(sd)))"
        case .empirical(let sample): "empirical(\(sample.values.count) values from \(sample.source), mean \(s(sample.mean)))"
        }
    }
}

/// The values of an empirical distribution and where they came from.
public struct EmpiricalSample: Hashable, Sendable {
    /// Seconds, in file order; never empty.
    public var values: [Double]
    /// The file the values were read from (as written in the profile).
    public var source: String

    public init(values: [Double], source: String) {
        precondition(!values.isEmpty, "an empirical sample needs at least one value")
        self.values = values
        self.source = source
    }

    public var mean: Double { values.reduce(0, +) / Double(values.count) }
}

extension Distribution: Encodable {
    private enum Keys: String, CodingKey { case kind, value, mean, sd, min, max, source, count }

    /// `{kind, …parameters}` in seconds; an empirical sample is echoed as its source, count and
    /// mean (not its values).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .constant(let v):
            try c.encode("constant", forKey: .kind)
            try c.encode(v, forKey: .value)
        case .exponential(let mean):
            try c.encode("exponential", forKey: .kind)
            try c.encode(mean, forKey: .mean)
        case .uniform(let lo, let hi):
            try c.encode("uniform", forKey: .kind)
            try c.encode(lo, forKey: .min)
            try c.encode(hi, forKey: .max)
        case .lognormal(let mean, let sd):
            try c.encode("lognormal", forKey: .kind)
            try c.encode(mean, forKey: .mean)
            try c.encode(sd, forKey: .sd)
        case .gamma(let mean, let sd):
            try c.encode("gamma", forKey: .kind)
            try c.encode(mean, forKey: .mean)
            try c.encode(sd, forKey: .sd)
        case .empirical(let sample):
            try c.encode("empirical", forKey: .kind)
            try c.encode(sample.source, forKey: .source)
            try c.encode(sample.values.count, forKey: .count)
            try c.encode(sample.mean, forKey: .mean)
        }
    }
}

// MARK: - Sampling

/// A ``Distribution`` compiled for the simulator's hot loop: a tag and precomputed parameters,
/// so a draw is a switch and a few floating-point operations — no allocation, no existential.
@usableFromInline
package struct Sampler: Sendable {
    @usableFromInline package enum Kind: UInt8, Sendable { case constant, exponential, uniform, lognormal, gamma, empirical }

    @usableFromInline package let kind: Kind
    /// constant: value; exponential: mean; uniform: min; lognormal: μ of ln X; gamma: shape.
    @usableFromInline package let a: Double
    /// uniform: max − min; lognormal: σ of ln X; gamma: scale.
    @usableFromInline package let b: Double
    /// gamma: Marsaglia–Tsang d = shape' − 1/3 and c = 1/√(9d), shape' = max(shape, 1) …
    @usableFromInline package let c: Double
    @usableFromInline package let d: Double
    /// empirical values (empty otherwise).
    @usableFromInline package let values: [Double]

    package init(_ distribution: Distribution) {
        var values: [Double] = []
        var (a, b, c, d) = (0.0, 0.0, 0.0, 0.0)
        let kind: Kind
        switch distribution {
        case .constant(let v):
            kind = .constant
            a = v
        case .exponential(let mean):
            kind = .exponential
            a = mean
        case .uniform(let lo, let hi):
            kind = .uniform
            a = lo
            b = hi - lo
        case .lognormal(let mean, let sd):
            kind = .lognormal
            let variance = log1p((sd / mean) * (sd / mean))
            a = log(mean) - variance / 2
            b = variance.squareRoot()
        case .gamma(let mean, let sd):
            kind = .gamma
            a = (mean / sd) * (mean / sd)
            b = sd * sd / mean
            // Shape < 1: draw Gamma(shape + 1), then scale by U^{1/shape} (Marsaglia & Tsang 2000, §6).
            let boosted = a < 1 ? a + 1 : a
            d = boosted - 1.0 / 3.0
            c = 1 / (9 * d).squareRoot()
        case .empirical(let sample):
            kind = .empirical
            values = sample.values
        }
        self.kind = kind
        self.a = a
        self.b = b
        self.c = c
        self.d = d
        self.values = values
    }

    /// One draw from `random`.
    /// - Complexity: O(1); gamma uses rejection (≈ 1.05 iterations on average).
    @inlinable @inline(__always)
    package func sample(_ random: inout RandomStream) -> Double {
        switch kind {
        case .constant: return a
        case .exponential: return random.exponential(mean: a)
        case .uniform: return a + b * random.uniform()
        case .lognormal: return exp(a + b * random.standardNormal())
        case .gamma: return gammaSample(&random)
        case .empirical: return values[random.index(below: values.count)]
        }
    }

    /// Marsaglia & Tsang (2000), with the shape < 1 boost X·U^{1/shape}.
    @usableFromInline
    package func gammaSample(_ random: inout RandomStream) -> Double {
        var x: Double
        while true {
            var z: Double
            var v: Double
            repeat {
                z = random.standardNormal()
                v = 1 + c * z
            } while v <= 0
            v = v * v * v
            let u = random.openUniform()
            if u < 1 - 0.0331 * z * z * z * z || log(u) < 0.5 * z * z + d * (1 - v + log(v)) {
                x = d * v
                break
            }
        }
        if a < 1 { x *= pow(random.openUniform(), 1 / a) }
        return x * b
    }
}
