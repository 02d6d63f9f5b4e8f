import HandoffMeasurement
import HandoffWorkload
/// `simulate.json`: the source of truth of a `handoff-sim simulate` run; the CSV, HTML and the
/// terminal table are derived from it.
///
/// Stable keys (docs/architecture.md, "Reports"; add, never rename): `summary` with `waitProbability`,
/// `meanWaitSeconds`, `serviceLevel` (and `serviceLevelThresholdSeconds`), `abandonmentRate`,
/// `occupancy`, `waitP90Seconds`, `waitP99Seconds`, each `{mean, ciLow, ciHigh}`; `analytic` with
/// the same names as plain numbers when a formula applies, else `null`; `arrivals`.
///
/// Deterministic: the same profile and seed give the same bytes, except inside `timing` (wall
/// clock) and `commandLine` (as typed), which a comparison drops.
public struct SimulationReport: Sendable, Encodable {
    public struct Summary: Sendable, Encodable {
        public var waitProbability: Estimate
        public var meanWaitSeconds: Estimate
        public var serviceLevel: Estimate
        public var serviceLevelThresholdSeconds: Double
        public var abandonmentRate: Estimate
        public var occupancy: Estimate
        public var waitP90Seconds: Estimate
        public var waitP99Seconds: Estimate
        public var waitP50Seconds: Estimate
        public var waitP95Seconds: Estimate
        public var afterHoursProbability: Estimate
        public var meanQueueLength: Estimate
        public var maxQueueLength: Estimate
        public var firstResponseSeconds: Estimate
        public var firstResponseP90Seconds: Estimate
        public var emailLeadRate: Estimate
        public var arrivalsPerHour: Estimate

        init(_ m: [CapacityMetric: Estimate], threshold: Double) {
            func e(_ k: CapacityMetric) -> Estimate { m[k] ?? Estimate(values: []) }
            waitProbability = e(.waitProbability)
            meanWaitSeconds = e(.meanWaitSeconds)
            serviceLevel = e(.serviceLevel)
            serviceLevelThresholdSeconds = threshold
            abandonmentRate = e(.abandonmentRate)
            occupancy = e(.occupancy)
            waitP90Seconds = e(.waitP90Seconds)
            waitP99Seconds = e(.waitP99Seconds)
            waitP50Seconds = e(.waitP50Seconds)
            waitP95Seconds = e(.waitP95Seconds)
            afterHoursProbability = e(.afterHoursProbability)
            meanQueueLength = e(.meanQueueLength)
            maxQueueLength = e(.maxQueueLength)
            firstResponseSeconds = e(.firstResponseSeconds)
            firstResponseP90Seconds = e(.firstResponseP90Seconds)
            emailLeadRate = e(.emailLeadRate)
            arrivalsPerHour = e(.arrivalsPerHour)
        }
    }

    /// The analytic predictions in the simulator's definitions.
    public struct AnalyticValues: Sendable, Encodable {
        public var formula: AnalyticReference.Formula
        public var servers: Int
        public var offeredLoad: Double
        public var waitProbability: Double
        public var meanWaitSeconds: Double
        public var serviceLevel: Double
        public var serviceLevelThresholdSeconds: Double
        public var abandonmentRate: Double
        public var occupancy: Double
        public var waitP90Seconds: Double
        public var waitP99Seconds: Double
        public var waitP50Seconds: Double?
        public var waitP95Seconds: Double?
        public var afterHoursProbability: Double
        public var meanQueueLength: Double
        /// The shared-rate chain's model and solution (``AnalyticReference/Formula/sharedRate``
        /// only): its size, residual and truncation bound beside the measures.
        public var sharedRate: SharedRateValues?
    }

    /// What the exact shared-rate chain solved, and how well.
    public struct SharedRateValues: Sendable, Encodable {
        public var model: SharedRateModel
        public var solution: SharedRateSolution
    }

    /// One statistic side by side: simulated (with CI) and analytic, relative difference
    /// (simulated − analytic) / analytic, and whether the analytic value is inside the CI
    /// (`null` when there is no CI: a single replication).
    public struct Comparison: Sendable, Encodable {
        public var metric: CapacityMetric
        public var simulated: Estimate
        public var analytic: Double
        public var relativeDifference: Double?
        public var analyticWithinCI: Bool?

        private enum Keys: String, CodingKey { case metric, simulated, analytic, relativeDifference, analyticWithinCI }
        /// Every key always present; an undefined relative difference (analytic 0) is `null`.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(metric, forKey: .metric)
            try c.encode(simulated, forKey: .simulated)
            try c.encode(analytic, forKey: .analytic)
            try c.encode(relativeDifference, forKey: .relativeDifference)
            try c.encode(analyticWithinCI, forKey: .analyticWithinCI)
        }
    }

    public struct IntervalRow: Sendable, Encodable {
        public var from: String
        public var to: String
        public var startSeconds: Double
        public var metrics: [CapacityMetric: Estimate]
        public var counts: SimulationResult.Counts
    }

    public struct AgentRow: Sendable, Encodable {
        public var group: String
        public var agent: Int
        public var maxChats: Int
        public var occupancy: Estimate
    }

    public struct Engine: Sendable, Encodable {
        /// Engine commands issued, all replications.
        public var calls: EngineCallCounts
        /// The most handoffs open at once in one replication (the simulator's memory bound).
        public var maxOpenHandoffs: Int
        public var invariantsChecked: Bool
    }

    public struct LittlesLaw: Sendable, Encodable {
        /// Time-average number waiting.
        public var queueLength: Estimate
        /// Queued requests per second × mean wait.
        public var arrivalRateTimesMeanWait: Estimate
    }

    /// Wall-clock facts: the only part that differs between two runs with the same seed.
    public struct Timing: Sendable, Encodable {
        public var startedAt: String
        public var endedAt: String
        public var wallSeconds: Double
        /// Time inside the replications' event loops.
        public var kernelSeconds: Double
        /// Requests (warm-up included) per second of kernel time.
        public var arrivalsPerSecond: Double
    }

    public var tool = "handoff-sim simulate"
    public var toolVersion: String
    public var commandLine: [String]
    public var seed: UInt64
    public var profile: LoadProfile
    public var replications: Int
    /// Requests that arrived in the measured windows, all replications (after-hours included).
    public var arrivals: Int
    /// Requests generated, warm-up included, all replications.
    public var requests: Int
    public var summary: Summary
    @EncodedAsNull public var analytic: AnalyticValues?
    /// Why no formula applies (empty when `analytic` is set).
    public var analyticNotApplicable: [String]
    public var comparison: [Comparison]
    /// `metric → (simulated − analytic) / analytic`, for the summary statistics.
    public var relativeDifference: [CapacityMetric: Double]
    public var counts: SimulationResult.Counts
    public var intervals: [IntervalRow]
    /// Measured distributions (docs/architecture.md, "Reports"), pooled over the replications:
    /// `wait` (queued requests' W) and `firstResponse` (request → the agent's first message; empty
    /// unless messages are modelled). The same encoding as every report's metrics: count, mean,
    /// percentiles and max in milliseconds, and the HdrHistogram's non-empty buckets as
    /// `[valueMicroseconds, count]` (the atom at zero first, as `[0, n]`), mergeable with
    /// `run.json` and `loadgen.json` through ``LatencySummary/merged(_:)``.
    public var metrics: [String: LatencySummary]
    public var agents: [AgentRow]
    public var littlesLaw: LittlesLaw
    public var engine: Engine
    public var timing: Timing

    /// Builds the report of `result`. `timing` fields come from the caller's clock.
    public init(
        result: SimulationResult, toolVersion: String, commandLine: [String], startedAt: String, endedAt: String, wallSeconds: Double
    ) {
        let profile = result.profile
        self.toolVersion = toolVersion
        self.commandLine = commandLine
        seed = profile.run.seed
        self.profile = profile
        replications = result.replications
        arrivals = result.counts.arrivals
        requests = result.requests
        summary = Summary(result.summary, threshold: profile.run.serviceLevelThreshold)
        let (reference, reasons) = profile.analyticReference()
        analyticNotApplicable = reasons
        var comparison: [Comparison] = []
        var relative: [CapacityMetric: Double] = [:]
        if let reference {
            let s = reference.summary
            analytic = AnalyticValues(
                formula: reference.formula, servers: reference.model.servers, offeredLoad: reference.model.offeredLoad,
                waitProbability: s.waitProbability, meanWaitSeconds: s.meanWaitSeconds, serviceLevel: s.serviceLevel,
                serviceLevelThresholdSeconds: profile.run.serviceLevelThreshold, abandonmentRate: s.abandonmentRate, occupancy: s.occupancy,
                waitP90Seconds: s.waitP90Seconds, waitP99Seconds: s.waitP99Seconds,
                waitP50Seconds: CapacityMetric.waitP50Seconds.analyticValue(reference),
                waitP95Seconds: CapacityMetric.waitP95Seconds.analyticValue(reference),
                afterHoursProbability: reference.afterHoursProbability, meanQueueLength: reference.meanQueueLength,
                sharedRate: reference.sharedRate.map { SharedRateValues(model: $0.model, solution: $0.solution) })
            for metric in Self.comparedMetrics {
                guard let value = metric.analyticValue(reference), let estimate = result.summary[metric] else { continue }
                let difference = value != 0 && value.isFinite ? (estimate.mean - value) / value : nil
                comparison.append(
                    Comparison(
                        metric: metric, simulated: estimate, analytic: value, relativeDifference: difference,
                        analyticWithinCI: estimate.halfWidth == nil ? nil : estimate.contains(value) || estimate.mean == value))
                if let difference { relative[metric] = difference }
            }
        } else {
            analytic = nil
        }
        self.comparison = comparison
        relativeDifference = relative
        counts = result.counts
        intervals = result.intervals.map {
            IntervalRow(
                from: NumberText.timeOfDay($0.start), to: NumberText.timeOfDay($0.end), startSeconds: $0.start, metrics: $0.metrics,
                counts: $0.counts)
        }
        metrics = ["wait": result.waitDistribution, "firstResponse": result.firstResponseDistribution]
        var rows: [AgentRow] = []
        var index = 0
        for group in profile.agentGroups {
            for k in 0..<group.count {
                rows.append(AgentRow(group: group.name, agent: k + 1, maxChats: group.maxChats, occupancy: result.agentOccupancy[index]))
                index += 1
            }
        }
        agents = rows
        littlesLaw = LittlesLaw(queueLength: result.littleL, arrivalRateTimesMeanWait: result.littleLambdaW)
        engine = Engine(calls: result.engineCalls, maxOpenHandoffs: result.maxOpenHandoffs, invariantsChecked: true)
        timing = Timing(
            startedAt: startedAt, endedAt: endedAt, wallSeconds: wallSeconds, kernelSeconds: result.kernelSeconds,
            arrivalsPerSecond: result.kernelSeconds > 0 ? Double(result.requests) / result.kernelSeconds : 0)
    }

    /// The statistics compared with the formula, in table order.
    public static let comparedMetrics: [CapacityMetric] = [
        .waitProbability, .meanWaitSeconds, .serviceLevel, .abandonmentRate, .occupancy, .waitP50Seconds, .waitP90Seconds,
        .waitP95Seconds, .waitP99Seconds, .afterHoursProbability, .meanQueueLength,
    ]

    /// The report's estimate of `metric` (overall).
    public func estimate(_ metric: CapacityMetric) -> Estimate? {
        switch metric {
        case .waitProbability: summary.waitProbability
        case .meanWaitSeconds: summary.meanWaitSeconds
        case .serviceLevel: summary.serviceLevel
        case .abandonmentRate: summary.abandonmentRate
        case .occupancy: summary.occupancy
        case .waitP50Seconds: summary.waitP50Seconds
        case .waitP90Seconds: summary.waitP90Seconds
        case .waitP95Seconds: summary.waitP95Seconds
        case .waitP99Seconds: summary.waitP99Seconds
        case .afterHoursProbability: summary.afterHoursProbability
        case .meanQueueLength: summary.meanQueueLength
        case .maxQueueLength: summary.maxQueueLength
        case .firstResponseSeconds: summary.firstResponseSeconds
        case .firstResponseP90Seconds: summary.firstResponseP90Seconds
        case .arrivalsPerHour: summary.arrivalsPerHour
        case .emailLeadRate: summary.emailLeadRate
        }
    }
}
