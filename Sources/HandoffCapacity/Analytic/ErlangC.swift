import Foundation

/// The Erlang C formulas for the M/M/s delay system (infinite FCFS waiting room, nobody abandons).
///
/// Assumptions: see ``QueueModel``; additionally ``QueueModel/meanPatience`` must be `nil`
/// (use ``ErlangA`` otherwise) and the system must be stable, a = λ/μ < s. Every function
/// returns `nil` when the model is invalid, unstable (a ≥ s, which includes s = 0) or has a
/// patience set.
///
/// Notation: s slots, λ arrival rate, μ = 1/``QueueModel/meanHandleTime``, a = λ/μ,
/// B = B(s, a) the Erlang B value, C = C(s, a) the Erlang C value.
/// Waiting times are for FCFS; W is the time an arrival spends in the queue.
public enum ErlangC {
    /// The probability that an arrival has to wait (finds all s slots busy), by PASTA equal to
    /// the stationary P(N ≥ s):
    ///
    ///     C(s, a) = (aˢ/s! · s/(s−a)) / (Σ_{k<s} aᵏ/k! + aˢ/s! · s/(s−a))
    ///             = s·B / (s − a·(1 − B))
    ///
    /// The second form is evaluated, with B from the stable ``ErlangB`` recursion, so it is
    /// accurate for large s and a. C = 0 when λ = 0.
    ///
    /// - Returns: C in [0, 1], or `nil` if the model is invalid, a ≥ s or a patience is set.
    /// - Complexity: O(s) time, O(1) space.
    public static func waitProbability(_ m: QueueModel) -> Double? {
        guard let p = parameters(m) else { return nil }
        return p.c
    }

    /// The mean wait over all arrivals (including those who do not wait):
    ///
    ///     E[W] = C / (sμ − λ) = C · (1/μ) / (s − a)
    ///
    /// - Returns: seconds, or `nil` (see ``ErlangC``).
    /// - Complexity: O(s)
    public static func meanWait(_ m: QueueModel) -> Double? {
        guard let p = parameters(m) else { return nil }
        return p.c / p.drainRate
    }

    /// The service level: the fraction of arrivals that wait at most `t` seconds,
    ///
    ///     P(W ≤ t) = 1 − C · e^{−(sμ−λ)·t}   for t ≥ 0,
    ///
    /// (W given W > 0 is exponential with rate sμ − λ under FCFS). Returns 0 for t < 0 and
    /// 1 for t = +∞.
    ///
    /// - Returns: a probability, or `nil` if `t` is NaN or for the cases listed on ``ErlangC``.
    /// - Complexity: O(s)
    public static func serviceLevel(_ m: QueueModel, within t: Double) -> Double? {
        guard !t.isNaN, let p = parameters(m) else { return nil }
        if t < 0 { return 0 }
        return 1 - p.c * exp(-p.drainRate * t)
    }

    /// The q-quantile of the wait W, the smallest t with P(W ≤ t) ≥ q:
    ///
    ///     t_q = 0                              if q ≤ 1 − C
    ///     t_q = ln(C / (1 − q)) / (sμ − λ)      if 1 − C < q < 1
    ///     t_q = +∞                             if q = 1 and C > 0
    ///
    /// so that ``serviceLevel(_:within:)`` at `t_q` equals `q` whenever q > 1 − C.
    ///
    /// - Parameter q: a probability in [0, 1].
    /// - Returns: seconds, or `nil` if `q` is outside [0, 1] / NaN or for the cases listed on ``ErlangC``.
    /// - Complexity: O(s)
    public static func waitQuantile(_ m: QueueModel, _ q: Double) -> Double? {
        guard q >= 0, q <= 1, let p = parameters(m) else { return nil }
        if q <= 1 - p.c { return 0 }
        if q == 1 { return .infinity }
        return max(0, log(p.c / (1 - q)) / p.drainRate)
    }

    /// The occupancy (utilisation), the mean fraction of busy slots: ρ = a / s.
    ///
    /// - Returns: a value in [0, 1), or `nil` (see ``ErlangC``).
    /// - Complexity: O(1)
    public static func occupancy(_ m: QueueModel) -> Double? {
        guard isApplicable(m) else { return nil }
        return m.offeredLoad / Double(m.servers)
    }

    /// The mean number of waiting chats (not counting those being handled):
    ///
    ///     E[Lq] = C · a / (s − a) = λ · E[W]   (Little's law)
    ///
    /// - Returns: chats, or `nil` (see ``ErlangC``).
    /// - Complexity: O(s)
    public static func meanQueueLength(_ m: QueueModel) -> Double? {
        guard let p = parameters(m) else { return nil }
        return p.c * p.a / (p.s - p.a)
    }

    // MARK: - Internals

    private struct Parameters {
        var s: Double
        var a: Double
        /// C(s, a).
        var c: Double
        /// sμ − λ, the rate at which a full system drains.
        var drainRate: Double
    }

    private static func isApplicable(_ m: QueueModel) -> Bool {
        m.isValid && m.meanPatience == nil && m.servers >= 1 && m.offeredLoad < Double(m.servers)
    }

    private static func parameters(_ m: QueueModel) -> Parameters? {
        guard isApplicable(m) else { return nil }
        let s = Double(m.servers)
        let a = m.offeredLoad
        let b = ErlangB.blockingProbability(servers: m.servers, offeredLoad: a)
        let c = min(1, max(0, s * b / (s - a * (1 - b))))
        return Parameters(s: s, a: a, c: c, drainRate: (s - a) / m.meanHandleTime)
    }
}
