import Foundation

/// The headline analytic predictions for one ``QueueModel``, in the units a discrete-event
/// simulation of the same model reports. From ``Analytic/summary(_:serviceLevelThreshold:)``.
public struct AnalyticSummary: Hashable, Sendable {
    /// P(an arrival must wait) = P(all s slots busy on arrival).
    public var waitProbability: Double
    /// Mean time in queue over all arrivals (zero waits included; under Erlang A abandoned chats
    /// contribute the time they waited before leaving). Seconds.
    public var meanWaitSeconds: Double
    /// Fraction of all arrivals that are served after waiting at most the threshold (abandoned
    /// chats count as not served within the threshold).
    public var serviceLevel: Double
    /// Fraction (not a per-second rate) of arrivals that abandon; 0 under Erlang C.
    public var abandonmentRate: Double
    /// Mean fraction of busy slots.
    public var occupancy: Double
    /// 90th percentile of the time in queue over all arrivals (served or abandoned). Seconds.
    public var waitP90Seconds: Double
    /// 99th percentile of the time in queue over all arrivals (served or abandoned). Seconds.
    public var waitP99Seconds: Double

    /// Creates a summary from its parts (e.g. to hold simulated values for comparison).
    public init(
        waitProbability: Double, meanWaitSeconds: Double, serviceLevel: Double, abandonmentRate: Double,
        occupancy: Double, waitP90Seconds: Double, waitP99Seconds: Double
    ) {
        self.waitProbability = waitProbability
        self.meanWaitSeconds = meanWaitSeconds
        self.serviceLevel = serviceLevel
        self.abandonmentRate = abandonmentRate
        self.occupancy = occupancy
        self.waitP90Seconds = waitP90Seconds
        self.waitP99Seconds = waitP99Seconds
    }
}

/// Entry point choosing the right analytic model for a ``QueueModel``.
public enum Analytic {
    /// The analytic prediction for `m`:
    /// - without patience, Erlang C (``ErlangC``): wait probability C, mean wait C/(sμ − λ),
    ///   service level 1 − C·e^{−(sμ−λ)t}, abandonment 0, occupancy a/s, wait quantiles from
    ///   ``ErlangC/waitQuantile(_:_:)``;
    /// - with patience, Erlang A (``ErlangA``): the fields of ``ErlangAMetrics``, service level
    ///   ``ErlangAMetrics/serviceLevel(within:)`` (served within t, as a fraction of all
    ///   arrivals), abandonment ``ErlangAMetrics/abandonmentProbability`` and wait quantiles
    ///   ``ErlangAMetrics/waitQuantile(_:)`` of W = min(offered wait, patience) — exact, via the
    ///   incomplete-beta / negative-binomial form of the hypoexponential virtual waiting time.
    ///
    /// - Parameter t: the service-level threshold in seconds, finite and ≥ 0.
    /// - Returns: `nil` if the model is invalid, if it has no servers, if it has no patience and is
    ///   unstable (a ≥ s), or if `t` is negative or not finite.
    /// - Complexity: Erlang C O(s); Erlang A O(s + M·log(1/ε)) (see ``ErlangA/metrics(_:)``).
    public static func summary(_ m: QueueModel, serviceLevelThreshold t: Double) -> AnalyticSummary? {
        guard m.isValid, m.servers >= 1, t.isFinite, t >= 0 else { return nil }
        if m.meanPatience == nil {
            guard
                let c = ErlangC.waitProbability(m),
                let wait = ErlangC.meanWait(m),
                let serviceLevel = ErlangC.serviceLevel(m, within: t),
                let occupancy = ErlangC.occupancy(m),
                let p90 = ErlangC.waitQuantile(m, 0.9),
                let p99 = ErlangC.waitQuantile(m, 0.99)
            else { return nil }
            return AnalyticSummary(
                waitProbability: c, meanWaitSeconds: wait, serviceLevel: serviceLevel, abandonmentRate: 0,
                occupancy: occupancy, waitP90Seconds: p90, waitP99Seconds: p99
            )
        }
        let metrics = ErlangA.metrics(m)
        guard let p90 = metrics.waitQuantile(0.9), let p99 = metrics.waitQuantile(0.99) else { return nil }
        return AnalyticSummary(
            waitProbability: metrics.waitProbability,
            meanWaitSeconds: metrics.meanWait,
            serviceLevel: metrics.serviceLevel(within: t),
            abandonmentRate: metrics.abandonmentProbability,
            occupancy: metrics.occupancy,
            waitP90Seconds: p90,
            waitP99Seconds: p99
        )
    }

    // MARK: - Log-space helpers shared by the analytic formulas

    /// ln(eˣ + eʸ) without overflow; −∞ acts as ln 0.
    static func logAddExp(_ x: Double, _ y: Double) -> Double {
        let hi = max(x, y)
        let lo = min(x, y)
        if hi == -.infinity { return -.infinity }
        return hi + log1p(exp(lo - hi))
    }

    /// Neumaier-compensated running sum: the error stays O(ε) instead of O(n·ε).
    struct CompensatedSum {
        private var sum = 0.0
        private var compensation = 0.0

        mutating func add(_ x: Double) {
            let t = sum + x
            if abs(sum) >= abs(x) {
                compensation += (sum - t) + x
            } else {
                compensation += (x - t) + sum
            }
            sum = t
        }

        var value: Double { sum + compensation }
    }
}
