import Foundation

/// The Erlang B (Erlang loss) formula for the M/M/s/s loss system: s slots, no waiting room,
/// Poisson arrivals at rate λ, exponential holding times with mean 1/μ (by insensitivity the
/// result also holds for any holding-time distribution with that mean), a = λ/μ Erlangs offered.
public enum ErlangB {
    /// The probability that an arrival finds all `servers` busy (and is lost):
    ///
    ///     B(s, a) = (aˢ / s!) / Σ_{k=0…s} aᵏ / k!
    ///
    /// Evaluated with the numerically stable forward recursion
    ///
    ///     B(0) = 1,   B(k) = a·B(k−1) / (k + a·B(k−1))
    ///
    /// whose every step maps [0, 1] into [0, 1], so nothing overflows: it is accurate for
    /// s up to 10 000 and beyond and for large a. Values below ~1e-308 underflow to 0; use
    /// ``logBlockingProbability(servers:offeredLoad:)`` when the logarithm is needed there.
    ///
    /// - Parameters:
    ///   - servers: s ≥ 0. B(0, a) = 1.
    ///   - offeredLoad: a ≥ 0, finite. B(s, 0) = 0 for s ≥ 1.
    /// - Precondition: `servers >= 0`, `offeredLoad` finite and ≥ 0.
    /// - Complexity: O(s) time, O(1) space.
    public static func blockingProbability(servers: Int, offeredLoad: Double) -> Double {
        precondition(servers >= 0, "ErlangB: servers must be >= 0")
        precondition(offeredLoad.isFinite && offeredLoad >= 0, "ErlangB: offered load must be finite and >= 0")
        let a = offeredLoad
        var b = 1.0
        if servers == 0 { return b }
        for k in 1...servers {
            let ab = a * b
            b = ab / (Double(k) + ab)
        }
        return b
    }

    /// ln B(s, a), accurate even where B itself underflows.
    ///
    /// With Lₖ = ln(1/B(k)) the recursion 1/B(k) = 1 + (k/a)·(1/B(k−1)) becomes
    ///
    ///     L₀ = 0,   Lₖ = softplus(ln(k/a) + Lₖ₋₁),   softplus(x) = ln(1 + eˣ),
    ///
    /// evaluated without overflow. Returns −∞ when a = 0 and s ≥ 1.
    ///
    /// - Precondition: `servers >= 0`, `offeredLoad` finite and ≥ 0.
    /// - Complexity: O(s) time, O(1) space.
    public static func logBlockingProbability(servers: Int, offeredLoad: Double) -> Double {
        precondition(servers >= 0, "ErlangB: servers must be >= 0")
        precondition(offeredLoad.isFinite && offeredLoad >= 0, "ErlangB: offered load must be finite and >= 0")
        if servers == 0 { return 0 }
        if offeredLoad == 0 { return -.infinity }
        let logA = log(offeredLoad)
        var logInverse = 0.0
        for k in 1...servers {
            logInverse = Analytic.logAddExp(0, log(Double(k)) - logA + logInverse)
        }
        return -logInverse
    }
}
