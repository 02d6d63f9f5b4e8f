import HandoffMeasurement
import HandoffWorkload

/// The combined result of a profile's replications: every ``CapacityMetric`` as a mean with a
/// 95 % confidence interval across replications, overall and per interval of the day.
public struct SimulationResult: Sendable {
    /// One interval of the day.
    public struct Interval: Sendable {
        /// Seconds after midnight.
        public var start: Double
        public var end: Double
        public var metrics: [CapacityMetric: Estimate]
        public var counts: Counts
    }

    /// Totals over all replications, measured window only (except `requests`).
    public struct Counts: Hashable, Sendable, Codable {
        /// Requests in the measured window, after-hours included.
        public var arrivals = 0
        public var afterHours = 0
        public var queued = 0
        public var served = 0
        public var abandoned = 0
        public var unfinished = 0
        public var emailLeads = 0
    }

    public let profile: LoadProfile
    public let replications: Int
    public let summary: [CapacityMetric: Estimate]
    public let intervals: [Interval]
    public let counts: Counts
    /// Requests generated in all replications, warm-up included: the work the kernel did.
    public let requests: Int
    /// W of every queued request of every replication, pooled, in the reports' mergeable
    /// encoding (milliseconds; HdrHistogram buckets in µs). The `wait` metric of `simulate.json`.
    public let waitDistribution: LatencySummary
    /// Request → the agent's first message, pooled likewise (empty unless messages are
    /// modelled). The `firstResponse` metric of `simulate.json`.
    public let firstResponseDistribution: LatencySummary
    /// Per agent (in group order): occupancy across replications.
    public let agentOccupancy: [Estimate]
    /// Little's law on the queue, per replication: L = time-average number waiting and
    /// λW = (queued requests per second) × mean wait.
    public let littleL: Estimate
    public let littleLambdaW: Estimate
    public let engineCalls: EngineCallCounts
    /// The most visitor records one replication allocated (= most handoffs open at once).
    public let maxOpenHandoffs: Int
    /// Wall time spent in the replications' kernels (setup of the engine included, report
    /// building excluded). Not deterministic: kept out of the comparable part of reports.
    public let kernelSeconds: Double

    /// The per-replication values of the overall metrics (for tests and diagnostics).
    public let replicationValues: [[CapacityMetric: Double]]

    init(profile: LoadProfile, outcomes: [ReplicationOutcome], kernelSeconds: Double) {
        self.profile = profile
        self.kernelSeconds = kernelSeconds
        replications = outcomes.count
        // Each outcome holds its intervals of the day, then the whole replication (with the
        // distributions at the reports' precision; ``ReplicationStatistics/intervals``).
        let totals = outcomes.map { $0.intervals.last ?? IntervalAccumulator(precision: .report) }
        let perReplication = totals.map { $0.metrics() }
        replicationValues = perReplication
        var pooledTotal = IntervalAccumulator(precision: .report)
        for total in totals { pooledTotal.merge(total) }
        summary = Self.estimates(perReplication, pooled: pooledTotal.metrics())

        let intervalCount = max(0, (outcomes.first?.intervals.count ?? 0) - 1)
        let length = profile.run.interval
        intervals = (0..<intervalCount).map { i in
            let values = outcomes.map { $0.intervals[i].metrics() }
            let pooled = IntervalAccumulator.merged(outcomes.lazy.map { $0.intervals[i] })
            return Interval(
                start: Double(i) * length, end: min(Double(i + 1) * length, 86_400), metrics: Self.estimates(values, pooled: pooled.metrics()),
                counts: Self.counts(pooled))
        }
        counts = Self.counts(pooledTotal)
        waitDistribution = pooledTotal.waits.summary()
        firstResponseDistribution = pooledTotal.firstResponses.summary()
        requests = outcomes.reduce(0) { $0 + $1.requests }

        let agentCount = outcomes.first?.agentOccupancy.count ?? 0
        agentOccupancy = (0..<agentCount).map { a in Estimate(values: outcomes.map { $0.agentOccupancy[a] }) }
        littleL = Estimate(values: totals.map { $0.time > 0 ? $0.queueArea / $0.time : .nan })
        littleLambdaW = Estimate(values: totals.map { $0.time > 0 ? Double($0.admitted) / $0.time * $0.meanWait : .nan })
        var calls = EngineCallCounts()
        for outcome in outcomes { calls.add(outcome.engineCalls) }
        engineCalls = calls
        maxOpenHandoffs = outcomes.map(\.visitorRecords).max() ?? 0
    }

    /// The statistics whose center is taken from the pooled distribution of all replications
    /// (a quantile of a short, autocorrelated replication is biased low, and averaging does not
    /// remove that); their CI keeps the half-width of the per-replication values (sectioning).
    /// Every other statistic is the mean of the per-replication values with its Student-t interval.
    static let pooledQuantiles: Set<CapacityMetric> = [.waitP50Seconds, .waitP90Seconds, .waitP95Seconds, .waitP99Seconds, .firstResponseP90Seconds]

    /// - Parameters:
    ///   - values: per replication, every metric.
    ///   - pooled: the metrics of the replications' accumulators merged (the quantiles' centers).
    private static func estimates(_ values: [[CapacityMetric: Double]], pooled: [CapacityMetric: Double]) -> [CapacityMetric: Estimate] {
        var result: [CapacityMetric: Estimate] = [:]
        for metric in CapacityMetric.allCases {
            var estimate = Estimate(values: values.map { $0[metric] ?? .nan })
            if pooledQuantiles.contains(metric), let center = pooled[metric] {
                let half = estimate.halfWidth
                estimate = Estimate(mean: center, ciLow: half.map { max(0, center - $0) }, ciHigh: half.map { center + $0 })
            }
            result[metric] = estimate
        }
        return result
    }

    private static func counts(_ a: IntervalAccumulator) -> Counts {
        Counts(
            arrivals: a.arrivals, afterHours: a.afterHours, queued: a.admitted, served: a.served, abandoned: a.abandoned,
            unfinished: a.unfinished, emailLeads: a.emailLeads)
    }

    /// The profile's analytic reference, if a formula applies (see
    /// ``LoadProfile/analyticReference()``).
    public var analytic: (reference: AnalyticReference?, reasons: [String]) { profile.analyticReference() }
}
