/// The statistics `simulate` measures, overall and per interval of the day.
///
/// Definitions (the wait W of a request runs from the request to its pick-up or, if the
/// visitor gives up first, to the abandonment — W = min(offered wait, patience), as in
/// ``ErlangAMetrics``). Visitor statistics count requests that *arrived* in the measured window
/// [warm-up, horizon) — and per interval those that arrived in that interval — and follow each
/// of them to the end of its wait, even past the horizon (arrivals stop at the horizon; the
/// queue drains). "Queued" means not after-hours: the engine put the request in the queue.
public enum CapacityMetric: String, CaseIterable, Hashable, Sendable, Codable, CodingKeyRepresentable {
    /// P(W > 0) over queued requests (Erlang C's C, Erlang A's P(wait)).
    case waitProbability
    /// E[W] over queued requests, zero waits and abandoned visitors' waits included. Seconds.
    case meanWaitSeconds
    /// Fraction of queued requests picked up with W ≤ the threshold (abandoned ones are not
    /// served, so not within it) — the analytic "served within t, of all arrivals".
    case serviceLevel
    /// Fraction of queued requests whose visitor ended the chat while waiting.
    case abandonmentRate
    /// ∫ busy slots dt / ∫ staffed slots dt (staffed: maxChats of agents on shift); without
    /// shifts mean busy slots / s. Chats continuing after a shift ends count as busy.
    case occupancy
    /// Quantiles of W over queued requests. Seconds.
    case waitP50Seconds, waitP90Seconds, waitP95Seconds, waitP99Seconds
    /// Fraction of all requests that got the after-hours form (Erlang B's blocking under
    /// admission `freeSlot`).
    case afterHoursProbability
    /// Time-weighted mean number of requests waiting.
    case meanQueueLength
    /// Most requests waiting at once.
    case maxQueueLength
    /// Request → the agent's first message, over chats that had one (messages modelled). Seconds.
    case firstResponseSeconds
    case firstResponseP90Seconds
    /// Requests (after-hours included) per hour of measured time.
    case arrivalsPerHour
    /// Fraction of all requests whose visitor left an email (after hours or after abandoning).
    case emailLeadRate

    /// The statistics of the report contract's summary, in report order.
    public static let summaryKeys: [CapacityMetric] = [
        .waitProbability, .meanWaitSeconds, .serviceLevel, .abandonmentRate, .occupancy, .waitP90Seconds, .waitP99Seconds,
    ]

    /// A short label for tables.
    public var label: String {
        switch self {
        case .waitProbability: "P(wait > 0)"
        case .meanWaitSeconds: "mean wait (s)"
        case .serviceLevel: "service level"
        case .abandonmentRate: "abandonment"
        case .occupancy: "occupancy"
        case .waitP50Seconds: "wait p50 (s)"
        case .waitP90Seconds: "wait p90 (s)"
        case .waitP95Seconds: "wait p95 (s)"
        case .waitP99Seconds: "wait p99 (s)"
        case .afterHoursProbability: "after-hours"
        case .meanQueueLength: "mean queue"
        case .maxQueueLength: "max queue"
        case .firstResponseSeconds: "first response (s)"
        case .firstResponseP90Seconds: "first resp. p90 (s)"
        case .arrivalsPerHour: "arrivals/h"
        case .emailLeadRate: "email leads"
        }
    }

    /// Whether values are fractions (printed as percentages).
    public var isFraction: Bool {
        switch self {
        case .waitProbability, .serviceLevel, .abandonmentRate, .occupancy, .afterHoursProbability, .emailLeadRate: true
        default: false
        }
    }

    /// The analytic value of this statistic, where the reference has one.
    public func analyticValue(_ reference: AnalyticReference) -> Double? {
        let s = reference.summary
        return switch self {
        case .waitProbability: s.waitProbability
        case .meanWaitSeconds: s.meanWaitSeconds
        case .serviceLevel: s.serviceLevel
        case .abandonmentRate: s.abandonmentRate
        case .occupancy: s.occupancy
        case .waitP90Seconds: s.waitP90Seconds
        case .waitP99Seconds: s.waitP99Seconds
        case .afterHoursProbability: reference.afterHoursProbability
        case .meanQueueLength: reference.meanQueueLength
        case .waitP50Seconds: reference.waitQuantile(0.5)
        case .waitP95Seconds: reference.waitQuantile(0.95)
        case .arrivalsPerHour: reference.model.arrivalRate * 3600
        default: nil
        }
    }

}
