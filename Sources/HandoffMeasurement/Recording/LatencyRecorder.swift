import Histogram

/// Records durations of one measured quantity into an HdrHistogram and summarises them for reports.
///
/// Every recorder has the same bucket layout — microseconds, lowest discernible value 1 µs, 3
/// significant digits — so every recorded value is within 0.1 % of what the histogram
/// gives back, and any two recorders or summaries merge exactly, whatever their ranges. The range
/// only says where clamping starts: one hour by default (request latencies, pushes), wider where
/// durations can be longer (a capacity simulation's queue waits: up to
/// ``maximumHighestTrackableMicroseconds``, about 51 days).
///
/// Each worker, shard, scenario or replication owns its own recorder (it is a value type: never
/// share one across tasks) and the owners combine them afterwards with ``merge(_:)``, or combine
/// finished reports with ``merged(_:)``.
///
/// ```swift
/// var recorder = LatencyRecorder()
/// recorder.record(.milliseconds(12))
/// let summary = recorder.summary()   // summary.p50 ≈ 12.0 (ms)
/// ```
///
/// The bucket at 0 µs holds exactly the durations that were zero (or negative): a positive
/// duration is recorded as at least 1 µs. So the atom at zero of a waiting-time distribution
/// (requests served at once) stays exact through recording, merging and summaries. Zeros are
/// counted apart from the histogram's counters (one increment each), and appear as its 0 µs
/// bucket in every read.
///
/// Memory: the counters are allocated at the first positive value — 188 KiB covering one hour
/// (1 024 counters per power of two above 2 ms), growing by 8 KiB per doubling beyond. An empty or
/// all-zero recorder allocates nothing.
///
/// A ``LatencySummary`` carries the histogram's non-empty buckets, so ``init(summary:)`` rebuilds a
/// recorder whose summary equals the original exactly, and summaries from several runs merge
/// exactly as if every value had been recorded into one recorder.
public struct LatencyRecorder: Equatable, Sendable {
    /// The default range: one hour. Larger durations are recorded as this and counted in ``clampedCount``.
    public static let defaultHighestTrackableMicroseconds: UInt64 = 3_600_000_000

    /// The widest range a recorder can have: 2⁴² µs, about 50.9 days.
    public static let maximumHighestTrackableMicroseconds: UInt64 = 1 << 42

    /// The bucket layout. Every recorder whose values reach a report is ``report``.
    package enum Precision: Hashable, Sendable {
        /// 3 significant digits (within 0.1 %): the layout of every report's histograms.
        case report
        /// 2 significant digits (within 0.8 %, an eighth of the memory: 27 KiB up to an hour), for
        /// bookkeeping that never reaches a report as a histogram — the capacity simulator's
        /// per-interval quantiles, kept for every interval of every replication. Merges only with
        /// its own kind.
        case coarse

        var digits: SignificantDigits { self == .report ? .three : .two }
    }

    /// The positive values. Starts as a histogram shared by every empty recorder of its kind (never
    /// mutated), so an empty or all-zero recorder allocates nothing; copy-on-write gives a recorder
    /// its own at its first positive value.
    @usableFromInline var storage: Histogram<UInt64>
    /// Values recorded as 0, counted apart from `storage`.
    @usableFromInline var zeros: UInt64 = 0
    @usableFromInline var clamped = 0
    @usableFromInline var limit: UInt64
    /// `limit + 0.5` as a Double: a duration in µs at or above it rounds to more than the limit.
    @usableFromInline var clampThreshold: Double
    package let precision: Precision

    /// The largest value kept, in microseconds; larger durations are recorded as this. A merge
    /// with a wider recorder widens it.
    public var highestTrackableMicroseconds: UInt64 { limit }

    /// The underlying histogram, in microseconds, zeros included. Read it for HdrHistogram output
    /// (`outputPercentileDistribution`); record through ``record(_:)`` so clamping is counted.
    public var histogram: Histogram<UInt64> {
        var h = storage
        if zeros > 0 { h.record(0, count: zeros) }
        return h
    }

    /// How many recorded durations exceeded ``highestTrackableMicroseconds`` and were recorded as it.
    /// Not part of ``LatencySummary``; a recorder rebuilt with ``init(summary:)`` counts only the
    /// values it had to clamp itself.
    public var clampedCount: Int { clamped }

    /// An empty recorder with the default one-hour range.
    public init() {
        self.init(highestTrackableMicroseconds: Self.defaultHighestTrackableMicroseconds)
    }

    /// An empty recorder that keeps durations up to `highestTrackable` (at least 2 µs, at most
    /// ``maximumHighestTrackableMicroseconds``).
    public init(highestTrackable: Duration) {
        self.init(highestTrackableMicroseconds: Self.microseconds(highestTrackable, limit: Self.maximumHighestTrackableMicroseconds).value)
    }

    /// An empty recorder that keeps values up to `highestTrackableMicroseconds` (at least 2, at
    /// most ``maximumHighestTrackableMicroseconds``).
    public init(highestTrackableMicroseconds: UInt64) {
        self.init(highestTrackableMicroseconds: highestTrackableMicroseconds, precision: .report)
    }

    /// An empty recorder with the given bucket layout; see ``Precision``.
    package init(highestTrackableMicroseconds: UInt64, precision: Precision) {
        limit = Swift.min(Swift.max(highestTrackableMicroseconds, 2), Self.maximumHighestTrackableMicroseconds)
        clampThreshold = Double(limit) + 0.5
        self.precision = precision
        storage =
            limit < Self.defaultHighestTrackableMicroseconds ? Self.makeStorage(limit: limit, precision: precision)
            : precision == .report ? Self.sharedEmptyReport : Self.sharedEmptyCoarse
    }

    private static let sharedEmptyReport = makeStorage(limit: defaultHighestTrackableMicroseconds, precision: .report)
    private static let sharedEmptyCoarse = makeStorage(limit: defaultHighestTrackableMicroseconds, precision: .coarse)

    /// Counters up to one hour (or `limit` if less) allocated at once, so recording stays
    /// allocation-free below it; beyond, up to `limit`, the histogram grows.
    static func makeStorage(limit: UInt64, precision: Precision) -> Histogram<UInt64> {
        var h = Histogram<UInt64>(
            lowestDiscernibleValue: 1, highestTrackableValue: Swift.max(2, Swift.min(limit, defaultHighestTrackableMicroseconds)),
            numberOfSignificantValueDigits: precision.digits)
        h.autoResize = true
        return h
    }

    /// Rebuilds a recorder from a summary's histogram, so that `LatencyRecorder(summary: s).summary() == s`
    /// for any summary this type produced.
    ///
    /// Each `[valueMicroseconds, count]` pair is recorded `count` times. The range is the default
    /// hour, widened to the summary's largest value, so nothing a wider recorder kept is clamped.
    /// The summary's exact `max` is restored too when it lies in the highest bucket, so
    /// percentiles (which never exceed the maximum) come out identical. Pairs that do not have two
    /// elements, or have a zero count, are ignored; values above ``maximumHighestTrackableMicroseconds``
    /// are clamped and counted in ``clampedCount``. `count`, `mean` and the percentiles of
    /// `summary` are not read: they are derived from the histogram.
    public init(summary: LatencySummary) {
        let pairs = summary.histogram.filter { $0.count >= 2 && $0[1] > 0 }.map { (value: $0[0], count: $0[1]) }
        let top = pairs.max(by: { $0.value < $1.value })
        self.init(highestTrackableMicroseconds: Swift.max(Self.defaultHighestTrackableMicroseconds, top?.value ?? 0))
        guard let top else { return }
        let exactMax = Self.microseconds(fromMilliseconds: summary.max)
        var restoredMax = false
        for pair in pairs {
            var value = pair.value
            if value > limit {
                value = limit
                clamped += Int(clamping: pair.count)
            }
            if value == 0 {
                zeros += pair.count
            } else if !restoredMax, pair.value == top.value, let exactMax, exactMax <= limit, storage.valuesAreEquivalent(exactMax, value) {
                // The top bucket holds the maximum. Recording its whole count at the exact maximum
                // fills the same bucket and makes the maximum recorded exact again.
                restoredMax = true
                storage.record(exactMax, count: pair.count)
            } else {
                storage.record(value, count: pair.count)
            }
        }
    }

    // MARK: Recording

    /// Number of recorded values.
    public var count: Int { Int(clamping: storage.totalCount + zeros) }

    /// Number of values recorded as 0 µs: exactly the zero (and negative) durations, since a
    /// positive one is recorded as at least 1 µs — the atom at zero of a waiting-time distribution.
    public var zeroCount: Int { Int(clamping: zeros) }

    /// Records one duration, rounded to the nearest microsecond (half up).
    ///
    /// Zero and negative durations are recorded as 0; a positive one as at least 1 µs. Durations
    /// above ``highestTrackableMicroseconds`` are recorded as it and counted in ``clampedCount``.
    /// - Complexity: O(1). Allocates only at the first positive value, and, for a value beyond one
    ///   hour, the first time one lies beyond the next power of two.
    public mutating func record(_ duration: Duration) {
        let (value, wasClamped) = Self.microseconds(duration, limit: limit)
        if wasClamped { clamped += 1 }
        if value == 0 { zeros &+= 1 } else { storage.record(value) }
    }

    /// Records one duration given in seconds, for callers that keep time as `Double` (the
    /// capacity simulator's hot loop): the same rounding and clamping as ``record(_:)``; NaN
    /// counts as 0. A zero costs one increment.
    /// - Complexity: O(1), inlined; allocates only as ``record(_:)`` does.
    @inlinable @inline(__always)
    public mutating func record(seconds: Double) {
        guard seconds > 0 else {  // also NaN
            zeros &+= 1
            return
        }
        // Clamped iff it rounds above the limit: x ≥ limit + 0.5 µs; else half up, truncating
        // x + 0.5 (x > 0).
        let micros = seconds * 1_000_000
        if micros < clampThreshold {
            storage.record(Swift.max(1, UInt64(micros + 0.5)))
        } else {
            clamped += 1
            storage.record(limit)
        }
    }

    /// Adds every value recorded in `other` to this recorder, exactly (the bucket layout is the same
    /// for every recorder). When `other`'s range is wider, this recorder's range widens to it.
    /// - Complexity: O(number of histogram buckets), independent of the number of values.
    public mutating func merge(_ other: LatencyRecorder) {
        precondition(precision == other.precision, "LatencyRecorder.merge: a coarse recorder merges only with coarse ones")
        if other.limit > limit {
            limit = other.limit
            clampThreshold = other.clampThreshold
        }
        if other.storage.totalCount > 0 { storage.add(other.storage) }
        zeros += other.zeros
        clamped += other.clamped
    }

    /// Forgets every recorded value (for example at the end of a warm-up period).
    public mutating func reset() {
        if storage.totalCount > 0 { storage.reset() }
        zeros = 0
        clamped = 0
    }

    // MARK: Summaries

    /// The distribution in milliseconds: count, mean, p50, p90, p95, p99, p99.9, max and the
    /// non-empty buckets as `[valueMicroseconds, count]` pairs, ascending.
    ///
    /// Percentiles are HdrHistogram's (`valueAtPercentile`): the highest value equivalent to the
    /// bucket holding the percentile, never above the maximum recorded. The mean is computed from
    /// the buckets (HdrHistogram's `mean`, capped at the maximum), so it survives a round trip
    /// through the summary exactly; it is within 0.1 % of the true mean. `max` is the largest
    /// value recorded, exact to the microsecond. An empty recorder gives all zeros and no buckets.
    /// - Complexity: one pass over the histogram's counters up to the largest value.
    public func summary() -> LatencySummary {
        precondition(precision == .report, "LatencyRecorder.summary: a coarse recorder never reaches a report")
        let total = storage.totalCount + zeros
        guard total > 0 else {
            return LatencySummary(count: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, histogram: [])
        }
        var buckets: [[UInt64]] = zeros > 0 ? [[0, zeros]] : []
        var weighted = 0.0
        for bucket in storage.recordedValues() {
            buckets.append([bucket.value, bucket.count])
            // HdrHistogram's `mean`: each bucket at its median equivalent value, summed in order.
            let median = storage.lowestEquivalentForValue(bucket.value) + (storage.sizeOfEquivalentRangeForValue(bucket.value) >> 1)
            weighted += Double(median) * Double(bucket.count)
        }
        let maxRecorded = storage.maxRecorded
        func ms(_ microseconds: UInt64) -> Double { Double(microseconds) / 1000 }
        func percentile(_ p: Double) -> Double {
            ms(Self.valueAtPercentile(p, buckets: buckets, totalCount: total, maxRecorded: maxRecorded))
        }
        return LatencySummary(
            count: count,
            // Bucket midpoints can put the mean just above the exact maximum (one 3.000 ms value has
            // mean 3.001); cap it so a summary never contradicts itself.
            mean: Swift.min(weighted / Double(total), Double(maxRecorded)) / 1000,
            p50: percentile(50),
            p90: percentile(90),
            p95: percentile(95),
            p99: percentile(99),
            p999: percentile(99.9),
            max: ms(maxRecorded),
            histogram: buckets
        )
    }

    /// The values at several percentiles (each in 0…100), in microseconds, by the
    /// rule of ``summary()``, in one pass and without building the bucket list: for callers that
    /// need only quantiles (the capacity simulator's per-interval statistics). Zeros when empty.
    package func valuesAtPercentiles(_ percentiles: [Double]) -> [UInt64] {
        let total = storage.totalCount + zeros
        guard total > 0 else { return percentiles.map { _ in 0 } }
        let maxRecorded = storage.maxRecorded
        let targets = percentiles.map { Self.rank($0, totalCount: total) }
        // Percentiles at 100 are the maximum; the others settle, in order of their rank, at the
        // first bucket whose cumulative count reaches it.
        var values = [UInt64](repeating: maxRecorded, count: percentiles.count)
        let order = targets.indices.filter { targets[$0] != nil }.sorted { targets[$0]! < targets[$1]! }
        var settled = 0
        func settle(_ value: UInt64, _ cumulative: UInt64) {
            while settled < order.count, cumulative >= targets[order[settled]]! {
                values[order[settled]] = Swift.min(value, maxRecorded)
                settled += 1
            }
        }
        settle(0, zeros)
        var cumulative = zeros
        if settled < order.count {
            for bucket in storage.recordedValues() {
                cumulative += bucket.count
                settle(bucket.value, cumulative)
                if settled == order.count { break }
            }
        }
        return values
    }

    /// HdrHistogram's `valueAtPercentile`, on the non-empty buckets (ascending `[value, count]`
    /// pairs whose values are each bucket's highest equivalent value, as `recordedValues()` gives
    /// them): the value of the first bucket whose cumulative count reaches ⌈p/100 · n⌉, capped at
    /// the maximum. One pass over the non-empty buckets instead of the full counter array.
    static func valueAtPercentile(_ percentile: Double, buckets: [[UInt64]], totalCount: UInt64, maxRecorded: UInt64) -> UInt64 {
        guard let target = rank(percentile, totalCount: totalCount) else { return maxRecorded }
        var cumulative: UInt64 = 0
        for bucket in buckets {
            cumulative += bucket[1]
            if cumulative >= target { return Swift.min(bucket[0], maxRecorded) }
        }
        return 0
    }

    /// The cumulative count at which HdrHistogram's `valueAtPercentile` stops: ⌈p/100 · n⌉ (p
    /// less one ulp), at least 1; `nil` for p ≥ 100 (the maximum).
    static func rank(_ percentile: Double, totalCount: UInt64) -> UInt64? {
        guard percentile < 100 else { return nil }
        let requested = Swift.min(Swift.max(percentile.nextDown, 0), 100)
        return Swift.max(1, UInt64(((requested * Double(totalCount)) / 100).rounded(.up)))
    }

    /// Merges summaries from several runs, shards, scenarios or replications into one, exactly as
    /// if every value had been recorded into a single recorder.
    public static func merged(_ summaries: [LatencySummary]) -> LatencySummary {
        var total = LatencyRecorder()
        for summary in summaries {
            total.merge(LatencyRecorder(summary: summary))
        }
        return total.summary()
    }

    // MARK: Conversion

    /// `duration` in whole microseconds (rounded half up), clamped to `0...limit`; a positive
    /// duration is at least 1 µs.
    package static func microseconds(_ duration: Duration, limit: UInt64 = defaultHighestTrackableMicroseconds) -> (value: UInt64, clamped: Bool) {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 || (seconds == 0 && attoseconds <= 0) { return (0, false) }
        let limitSeconds = Int64(limit / 1_000_000)
        if seconds > limitSeconds { return (limit, true) }
        // attoseconds is in 0..<1e18 for a non-negative duration; round half up to a microsecond.
        let fraction = (attoseconds + 500_000_000_000) / 1_000_000_000_000
        let value = Swift.max(1, UInt64(seconds) * 1_000_000 + UInt64(fraction))
        if value > limit { return (limit, true) }
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

// MARK: - HdrHistogram's own answers

extension LatencyRecorder {
    /// What HdrHistogram itself says about the recorded values (zeros included): the reference the
    /// summary's one-pass percentiles and mean are checked against.
    var reference: (totalCount: UInt64, maxRecorded: UInt64, mean: Double, zeros: UInt64, valueAtPercentile: (Double) -> UInt64) {
        let h = histogram
        return (h.totalCount, h.maxRecorded, h.mean, h.countForValue(0), { h.valueAtPercentile($0) })
    }
}
