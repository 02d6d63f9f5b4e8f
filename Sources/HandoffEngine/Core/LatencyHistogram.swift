/// A fixed-size log-linear histogram of non-negative millisecond values: exact below 64 ms,
/// within 1/32 (about 3 %) above, up to about 35 years. Constant memory, O(1) record, mergeable.
public struct LatencyHistogram: Hashable, Sendable {
    static let linear: Int64 = 64
    static let subBuckets: Int64 = 32
    static let exponents = 40
    private(set) var counts: [Int]
    public private(set) var count = 0
    public private(set) var sum: Int64 = 0
    public private(set) var max: Int64 = 0

    public init() {
        counts = Array(repeating: 0, count: Int(Self.linear) + Self.exponents * Int(Self.subBuckets))
    }

    @inline(__always)
    static func bucket(_ value: Int64) -> Int {
        if value < linear { return Int(value) }
        let e = Int64(63 - value.leadingZeroBitCount) - 5  // value >> e is in 32..<64
        let sub = (value >> e) - subBuckets
        return Int(linear + (e - 1) * subBuckets + sub)
    }

    /// The largest value that falls in `bucket`.
    static func upperBound(_ bucket: Int) -> Int64 {
        let b = Int64(bucket)
        if b < linear { return b }
        let e = (b - linear) / subBuckets + 1
        let sub = (b - linear) % subBuckets + subBuckets
        return ((sub + 1) << e) - 1
    }

    @inline(__always)
    public mutating func record(_ milliseconds: Int64) {
        let value = Swift.max(0, milliseconds)
        counts[Swift.min(Self.bucket(value), counts.count - 1)] += 1
        count += 1
        sum += value
        if value > max { max = value }
    }

    public mutating func add(_ other: LatencyHistogram) {
        for i in counts.indices { counts[i] += other.counts[i] }
        count += other.count
        sum += other.sum
        max = Swift.max(max, other.max)
    }

    public var mean: Double? { count == 0 ? nil : Double(sum) / Double(count) }

    /// The smallest recorded bucket bound at or below which `quantile` of the values lie
    /// (never above the maximum recorded). `nil` when empty.
    public func value(atQuantile quantile: Double) -> Int64? {
        guard count > 0 else { return nil }
        let rank = Swift.max(1, Int((quantile * Double(count)).rounded(.up)))
        var seen = 0
        for (bucket, n) in counts.enumerated() where n > 0 {
            seen += n
            if seen >= rank { return Swift.min(Self.upperBound(bucket), max) }
        }
        return max
    }
}
