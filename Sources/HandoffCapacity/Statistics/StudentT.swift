import Foundation

/// Student's t distribution, for confidence intervals across replications.
public enum StudentT {
    /// The p-quantile of Student's t with `degreesOfFreedom` ν: the t with P(T ≤ t) = p.
    ///
    /// Solved by bisection on the CDF P(T ≤ t) = 1 − ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0, with the
    /// regularized incomplete beta function from its continued fraction (Lentz). Accurate to
    /// ~1e-10; e.g. quantile(0.975, 1) = 12.7062, (0.975, 9) = 2.2622, (0.975, ∞) → 1.95996.
    ///
    /// - Precondition: 0 < p < 1, ν ≥ 1.
    public static func quantile(_ p: Double, degreesOfFreedom nu: Int) -> Double {
        precondition(p > 0 && p < 1 && nu >= 1, "StudentT.quantile: p in (0,1) and ν ≥ 1")
        if p == 0.5 { return 0 }
        if p < 0.5 { return -quantile(1 - p, degreesOfFreedom: nu) }
        var lo = 0.0
        var hi = 1.0
        while cdf(hi, degreesOfFreedom: nu) < p { hi *= 2 }
        for _ in 0..<200 {
            let mid = (lo + hi) / 2
            if cdf(mid, degreesOfFreedom: nu) < p { lo = mid } else { hi = mid }
            if hi - lo < 1e-12 * Swift.max(1, hi) { break }
        }
        return (lo + hi) / 2
    }

    /// P(T ≤ t).
    public static func cdf(_ t: Double, degreesOfFreedom nu: Int) -> Double {
        let v = Double(nu)
        let x = v / (v + t * t)
        let tail = 0.5 * regularizedIncompleteBeta(x, a: v / 2, b: 0.5)
        return t >= 0 ? 1 - tail : tail
    }

    /// I_x(a, b), by the continued fraction (Numerical Recipes `betacf`, modified Lentz).
    static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        if x < (a + 1) / (a + b + 2) {
            return exp(logFront) * continuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(logFront) * continuedFraction(1 - x, a: b, b: a) / b
    }

    private static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m)
            let m2 = 2 * m
            var aa = m * (b - m) * x / ((a - 1 + m2) * (a + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + 1 + m2))
            d = 1 + aa * d
            if abs(d) < tiny { d = tiny }
            c = 1 + aa / c
            if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h
    }
}

/// A mean across replications with its 95 % confidence interval (Student t, n − 1 degrees of
/// freedom): mean ± t₀.₉₇₅,ₙ₋₁ · s/√n. With fewer than two values the interval is unknown
/// (`ciLow`/`ciHigh` are `nil`). Values that are NaN (a statistic undefined in a replication,
/// e.g. first response when no chat had messages) are left out.
public struct Estimate: Hashable, Sendable, Codable {
    public var mean: Double
    public var ciLow: Double?
    public var ciHigh: Double?

    public init(mean: Double, ciLow: Double?, ciHigh: Double?) {
        self.mean = mean
        self.ciLow = ciLow
        self.ciHigh = ciHigh
    }

    public init(values: [Double]) {
        let finite = values.filter { !$0.isNaN }
        let n = finite.count
        guard n > 0 else {
            self.init(mean: .nan, ciLow: nil, ciHigh: nil)
            return
        }
        let mean = finite.reduce(0, +) / Double(n)
        guard n >= 2 else {
            self.init(mean: mean, ciLow: nil, ciHigh: nil)
            return
        }
        let variance = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(n - 1)
        let half = StudentT.quantile(0.975, degreesOfFreedom: n - 1) * (variance / Double(n)).squareRoot()
        self.init(mean: mean, ciLow: mean - half, ciHigh: mean + half)
    }

    private enum Keys: String, CodingKey { case mean, ciLow, ciHigh }

    /// Always all three keys; an unknown bound is `null`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(mean, forKey: .mean)
        try c.encode(ciLow, forKey: .ciLow)
        try c.encode(ciHigh, forKey: .ciHigh)
    }

    /// Half the interval's width; `nil` when unknown.
    public var halfWidth: Double? { ciHigh.map { $0 - mean } }

    /// Whether `value` lies inside the interval (false when it is unknown).
    public func contains(_ value: Double) -> Bool {
        guard let ciLow, let ciHigh else { return false }
        return value >= ciLow && value <= ciHigh
    }
}
