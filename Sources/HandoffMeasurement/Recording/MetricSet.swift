/// Latency recorders keyed by metric name (`wait`, `delivery.agentToWidget`, `http.pickup`, `op.<action>`).
///
/// A recorder is created the first time a name is recorded. Like ``LatencyRecorder`` it is a value
/// type owned by one scenario, worker or shard; combine several with ``merge(_:)``.
///
/// ```swift
/// var metrics = MetricSet()
/// metrics.record("wait", .seconds(3))
/// let summaries = metrics.summaries()   // ["wait": LatencySummary(count: 1, …)]
/// ```
public struct MetricSet: Equatable, Sendable {
    public private(set) var recorders: [String: LatencyRecorder] = [:]

    public init() {}

    /// The metric names recorded so far, sorted.
    public var names: [String] { recorders.keys.sorted() }

    public var isEmpty: Bool { recorders.isEmpty }

    /// The recorder for `name`, or nil when nothing was recorded under it.
    public subscript(name: String) -> LatencyRecorder? { recorders[name] }

    /// Records one duration under `name`; see ``LatencyRecorder/record(_:)`` for rounding and clamping.
    public mutating func record(_ name: String, _ duration: Duration) {
        recorders[name, default: LatencyRecorder()].record(duration)
    }

    /// Adds every value of `other`, name by name.
    public mutating func merge(_ other: MetricSet) {
        for (name, recorder) in other.recorders {
            recorders[name, default: LatencyRecorder()].merge(recorder)
        }
    }

    /// One summary per recorded name, in milliseconds (the shape of ``ScenarioResult/metrics``).
    public func summaries() -> [String: LatencySummary] {
        recorders.mapValues { $0.summary() }
    }
}
