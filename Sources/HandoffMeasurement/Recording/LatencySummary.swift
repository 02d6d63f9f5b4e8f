/// Distribution of one measured quantity, in milliseconds.
public struct LatencySummary: Codable, Hashable, Sendable {
    public var count: Int
    public var mean: Double
    public var p50: Double
    public var p90: Double
    public var p95: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    /// The histogram itself, mergeable across runs: `[valueMicroseconds, count]` pairs of the
    /// non-empty buckets (HdrHistogram, 3 significant digits), ascending.
    public var histogram: [[UInt64]]

    public init(count: Int, mean: Double, p50: Double, p90: Double, p95: Double, p99: Double, p999: Double, max: Double, histogram: [[UInt64]]) {
        self.count = count
        self.mean = mean
        self.p50 = p50
        self.p90 = p90
        self.p95 = p95
        self.p99 = p99
        self.p999 = p999
        self.max = max
        self.histogram = histogram
    }
}
