/// A fixed-size log-linear histogram of non-negative durations, for the simulator's hot loop.
///
/// Values are kept in whole milliseconds: exactly below 128 ms, and within 1/128 (0.8 %) above,
/// up to about 35 years (2⁴⁰ ms); larger values land in the last bucket. Exact zeros are
/// counted apart, so the atom at 0 of a waiting-time distribution (those served at once) is
/// exact and a quantile inside it is exactly 0. Quantiles interpolate linearly inside a bucket.
/// Recording is O(1) with no allocation (4 352 counters, allocated once); histograms merge by
/// adding counters, so replications and intervals combine exactly.
public struct WaitHistogram: Hashable, Sendable {
    static let subBucketBits = 7
    static let subBuckets = 1 << subBucketBits  // 128
    static let magnitudes = 34  // ranges [2^k, 2^(k+1)) for k = 7 … 40
    static let bucketCount = subBuckets + magnitudes * subBuckets

    private(set) var counts: [Int]
    /// Values recorded as exactly 0.
    public private(set) var zeroCount = 0
    /// Every value recorded, zeros included.
    public private(set) var count = 0
    /// Σ values, seconds (exact, not from buckets).
    public private(set) var sum = 0.0
    /// The largest value recorded, seconds.
    public private(set) var max = 0.0

    public init() { counts = Array(repeating: 0, count: Self.bucketCount) }

    @inline(__always)
    static func bucket(milliseconds value: UInt64) -> Int {
        if value < UInt64(subBuckets) { return Int(value) }
        let magnitude = 63 - value.leadingZeroBitCount  // ≥ 7
        let shift = magnitude - subBucketBits
        let sub = Int(value >> UInt64(shift)) - subBuckets  // 0..<128
        return Swift.min(subBuckets + shift * subBuckets + sub, bucketCount - 1)
    }

    /// The values (milliseconds) a bucket holds: [lower, upper).
    static func range(ofBucket b: Int) -> (lower: Double, upper: Double) {
        if b < subBuckets { return (Double(b), Double(b + 1)) }
        let shift = (b - subBuckets) / subBuckets
        let sub = (b - subBuckets) % subBuckets + subBuckets
        let width = Double(UInt64(1) << UInt64(shift))
        return (Double(sub) * width, Double(sub + 1) * width)
    }

    /// Records one duration in seconds (negative values count as 0).
    /// - Complexity: O(1).
    @inline(__always)
    public mutating func record(seconds value: Double) {
        count += 1
        guard value > 0 else {
            zeroCount += 1
            return
        }
        sum += value
        if value > max { max = value }
        let ms = value * 1000
        let index = ms >= 1.0e15 ? Self.bucketCount - 1 : Self.bucket(milliseconds: UInt64(ms))
        counts[index] += 1
    }

    /// Adds every value of `other`.
    public mutating func merge(_ other: WaitHistogram) {
        for i in counts.indices { counts[i] += other.counts[i] }
        zeroCount += other.zeroCount
        count += other.count
        sum += other.sum
        max = Swift.max(max, other.max)
    }

    /// The mean, seconds; NaN when empty.
    public var mean: Double { count == 0 ? .nan : sum / Double(count) }

    /// The fraction of values greater than 0.
    public var positiveFraction: Double { count == 0 ? .nan : Double(count - zeroCount) / Double(count) }

    /// The q-quantile in seconds: 0 inside the atom at zero, else interpolated linearly within
    /// the bucket holding rank q·n (never above the maximum). NaN when empty.
    public func quantile(_ q: Double) -> Double {
        guard count > 0 else { return .nan }
        let rank = q * Double(count)
        if rank <= Double(zeroCount) { return 0 }
        var cumulative = Double(zeroCount)
        for (b, c) in counts.enumerated() where c > 0 {
            let next = cumulative + Double(c)
            if rank <= next {
                let (lower, upper) = Self.range(ofBucket: b)
                let fraction = (rank - cumulative) / Double(c)
                return Swift.min((lower + fraction * (upper - lower)) / 1000, max)
            }
            cumulative = next
        }
        return max
    }

    /// Non-empty buckets as `[lower bound in ms, count]`, ascending; the zeros first as `[0, n]`
    /// when there are any (bucket 0 then holds (0, 1) ms). A mergeable form for reports.
    public var buckets: [[Double]] {
        var out: [[Double]] = []
        if zeroCount > 0 { out.append([0, Double(zeroCount)]) }
        for (b, c) in counts.enumerated() where c > 0 { out.append([Self.range(ofBucket: b).lower, Double(c)]) }
        return out
    }
}
