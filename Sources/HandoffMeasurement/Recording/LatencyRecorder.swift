import Histogram

/// Records durations of one measured quantity into an HdrHistogram and summarises them for reports.
///
/// Values are kept in microseconds from 1 µs to 1 hour with 3 significant digits (STYLE §9): every
/// recorded value is within 0.1 % of what the histogram gives back. Each worker, shard or scenario
/// owns its own recorder (it is a value type: never share one across tasks) and the owners combine
/// them afterwards with ``merge(_:)``, or combine finished reports with ``merged(_:)``.
///
/// ```swift
/// var recorder = LatencyRecorder()
/// recorder.record(.milliseconds(12))
/// let summary = recorder.summary()   // summary.p50 ≈ 12.0 (ms)
/// ```
///
/// A ``LatencySummary`` carries the histogram's non-empty buckets, so ``init(summary:)`` rebuilds a
/// recorder whose summary equals the original exactly, and summaries from several runs merge
/// exactly as if every value had been recorded into one recorder.
public struct LatencyRecorder: Equatable, Sendable {
    /// The largest value kept, in microseconds: one hour. Larger durations are recorded as this.
    public static let highestTrackableMicroseconds: UInt64 = 3_600_000_000

    /// The underlying histogram, in microseconds. Read it for HdrHistogram output
    /// (`outputPercentileDistribution`); record through ``record(_:)`` so clamping is counted.
    public private(set) var histogram: Histogram<UInt64>

    /// How many recorded durations exceeded ``highestTrackableMicroseconds`` and were recorded as it.
    /// Not part of ``LatencySummary``; a recorder rebuilt with ``init(summary:)`` starts at 0.
    public private(set) var clampedCount = 0

    /// An empty recorder.
    public init() {
        histogram = Histogram(
            lowestDiscernibleValue: 1, highestTrackableValue: Self.highestTrackableMicroseconds, numberOfSignificantValueDigits: .three
        )
    }

    /// Rebuilds a recorder from a summary's histogram, so that `LatencyRecorder(summary: s).summary() == s`
    /// for any summary this type produced.
    ///
    /// Each `[valueMicroseconds, count]` pair is recorded `count` times. The summary's exact `max`
    /// is restored too when it lies in the highest bucket, so percentiles (which never exceed the
    /// maximum) come out identical. Pairs that do not have two elements, or have a zero count, are
    /// ignored; values above ``highestTrackableMicroseconds`` are clamped and counted in ``clampedCount``.
    /// `count`, `mean` and the percentiles of `summary` are not read: they are derived from the histogram.
    public init(summary: LatencySummary) {
        self.init()
        let pairs = summary.histogram.filter { $0.count >= 2 && $0[1] > 0 }.map { (value: $0[0], count: $0[1]) }
        guard let top = pairs.max(by: { $0.value < $1.value }) else { return }
        let exactMax = Self.microseconds(fromMilliseconds: summary.max)
        var restoredMax = false
        for pair in pairs {
            var value = pair.value
            if value > Self.highestTrackableMicroseconds {
                value = Self.highestTrackableMicroseconds
                clampedCount += Int(clamping: pair.count)
            }
            if !restoredMax, pair.value == top.value, let exactMax, exactMax <= Self.highestTrackableMicroseconds,
               histogram.valuesAreEquivalent(exactMax, value) {
                // The top bucket holds the maximum. Recording its whole count at the exact maximum
                // fills the same bucket and makes the maximum recorded exact again.
                restoredMax = true
                histogram.record(exactMax, count: pair.count)
            } else {
                histogram.record(value, count: pair.count)
            }
        }
    }

    // MARK: Recording

    /// Number of recorded values.
    public var count: Int { Int(clamping: histogram.totalCount) }

    /// Records one duration, rounded to the nearest microsecond.
    ///
    /// Negative durations are recorded as 0. Durations above one hour are recorded as one hour and
    /// counted in ``clampedCount``.
    /// - Complexity: O(1).
    public mutating func record(_ duration: Duration) {
        let (value, clamped) = Self.microseconds(duration)
        if clamped { clampedCount += 1 }
        histogram.record(value)
    }

    /// Adds every value recorded in `other` to this recorder.
    /// - Complexity: O(number of histogram buckets), independent of the number of values.
    public mutating func merge(_ other: LatencyRecorder) {
        histogram.add(other.histogram)
        clampedCount += other.clampedCount
    }

    /// Forgets every recorded value (for example at the end of a warm-up period).
    public mutating func reset() {
        histogram.reset()
        clampedCount = 0
    }

    // MARK: Summaries

    /// The distribution in milliseconds: count, mean, p50, p90, p95, p99, p99.9, max and the
    /// non-empty buckets as `[valueMicroseconds, count]` pairs, ascending.
    ///
    /// Percentiles are HdrHistogram's: the highest value equivalent to the bucket holding the
    /// percentile, never above the maximum recorded. The mean is computed from the buckets
    /// (HdrHistogram's `mean`, capped at the maximum), so it survives a round trip through the
    /// summary exactly; it is within 0.1 % of the true mean. `max` is the
    /// largest value recorded, exact to the microsecond. An empty recorder gives all zeros and no buckets.
    public func summary() -> LatencySummary {
        guard histogram.totalCount > 0 else {
            return LatencySummary(count: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, histogram: [])
        }
        func ms(_ microseconds: UInt64) -> Double { Double(microseconds) / 1000 }
        func percentile(_ p: Double) -> Double { ms(histogram.valueAtPercentile(p)) }
        var buckets: [[UInt64]] = []
        for bucket in histogram.recordedValues() {
            buckets.append([bucket.value, bucket.count])
        }
        return LatencySummary(
            count: count,
            // Bucket midpoints can put the mean just above the exact maximum (one 3.000 ms value has
            // mean 3.001); cap it so a summary never contradicts itself.
            mean: Swift.min(histogram.mean, Double(histogram.maxRecorded)) / 1000,
            p50: percentile(50),
            p90: percentile(90),
            p95: percentile(95),
            p99: percentile(99),
            p999: percentile(99.9),
            max: ms(histogram.maxRecorded),
            histogram: buckets
        )
    }

    /// Merges summaries from several runs, shards or scenarios into one, exactly as if every value
    /// had been recorded into a single recorder.
    public static func merged(_ summaries: [LatencySummary]) -> LatencySummary {
        var total = LatencyRecorder()
        for summary in summaries {
            total.merge(LatencyRecorder(summary: summary))
        }
        return total.summary()
    }

    // MARK: Conversion

    /// `duration` in whole microseconds (rounded to nearest), clamped to `0...highestTrackableMicroseconds`.
    package static func microseconds(_ duration: Duration) -> (value: UInt64, clamped: Bool) {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 || (seconds == 0 && attoseconds < 0) { return (0, false) }
        let limitSeconds = Int64(highestTrackableMicroseconds / 1_000_000)
        if seconds > limitSeconds { return (highestTrackableMicroseconds, true) }
        // attoseconds is in 0..<1e18 for a non-negative duration; round half up to a microsecond.
        let fraction = (attoseconds + 500_000_000_000) / 1_000_000_000_000
        let value = UInt64(seconds) * 1_000_000 + UInt64(fraction)
        if value > highestTrackableMicroseconds { return (highestTrackableMicroseconds, true) }
        return (value, false)
    }

    /// Whole microseconds of a millisecond value from a summary; nil when not a usable number.
    package static func microseconds(fromMilliseconds milliseconds: Double) -> UInt64? {
        let micros = (milliseconds * 1000).rounded()
        guard micros.isFinite, micros >= 0, micros < 1.8e19 else { return nil }
        return UInt64(micros)
    }
}

extension LatencySummary {
    /// Merges summaries exactly; see ``LatencyRecorder/merged(_:)``.
    public static func merged(_ summaries: [LatencySummary]) -> LatencySummary {
        LatencyRecorder.merged(summaries)
    }
}
