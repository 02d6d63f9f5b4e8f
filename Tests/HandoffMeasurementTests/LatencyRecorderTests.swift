@testable import HandoffMeasurement
import Foundation
import Testing

@Suite("LatencyRecorder")
struct LatencyRecorderTests {
    /// HdrHistogram with 3 significant digits: every value within 0.1 %.
    static func isClose(_ actual: Double, _ expected: Double, relative: Double = 0.001) -> Bool {
        abs(actual - expected) <= expected * relative
    }

    /// Deterministic pseudo-random durations (SplitMix64), spread over 1 µs … ~17 min on a log scale.
    static func durations(count: Int, seed: UInt64) -> [Duration] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return (0..<count).map { _ in
            let magnitude = next() % 30  // 2^0 … 2^29 µs
            let micros = Int64(next() % (UInt64(1) << magnitude)) + 1
            return .microseconds(micros) + .nanoseconds(Int64(next() % 1000))
        }
    }

    @Test func percentilesOfOneToThousandMilliseconds() {
        var recorder = LatencyRecorder()
        for ms in (1...1000).reversed() { recorder.record(.milliseconds(ms)) }
        let s = recorder.summary()
        #expect(s.count == 1000)
        #expect(Self.isClose(s.mean, 500.5))
        #expect(Self.isClose(s.p50, 500))
        #expect(Self.isClose(s.p90, 900))
        #expect(Self.isClose(s.p95, 950))
        #expect(Self.isClose(s.p99, 990))
        #expect(Self.isClose(s.p999, 999))
        #expect(s.max == 1000)
        // Percentiles are never below the true value (HdrHistogram reports the bucket's top).
        #expect(s.p50 >= 500 && s.p99 >= 990)
        #expect(s.histogram.map { $0[1] }.reduce(0, +) == 1000)
        #expect(s.histogram.map { $0[0] } == s.histogram.map { $0[0] }.sorted())
        #expect(s.histogram.allSatisfy { $0.count == 2 && $0[1] > 0 })
    }

    @Test func smallValuesAreExact() {
        var recorder = LatencyRecorder()
        recorder.record(.milliseconds(1))
        recorder.record(.milliseconds(1))
        recorder.record(.microseconds(1500))
        let s = recorder.summary()
        #expect(s.count == 3)
        #expect(s.p50 == 1)
        #expect(s.max == 1.5)
        #expect(s.mean == (1 + 1 + 1.5) / 3)
        #expect(s.histogram == [[1000, 2], [1500, 1]])
    }

    @Test func meanNeverExceedsMax() {
        var recorder = LatencyRecorder()
        recorder.record(.milliseconds(3))  // bucket 3000…3001 µs, midpoint 3001
        let s = recorder.summary()
        #expect(s.max == 3 && s.mean == 3)
        #expect(LatencySummary.merged([s]) == s)
    }

    @Test func roundsToMicrosecondsAndClamps() {
        var recorder = LatencyRecorder()
        recorder.record(.nanoseconds(1499))  // 1 µs
        recorder.record(.nanoseconds(1500))  // 2 µs
        recorder.record(.seconds(-3))  // 0
        recorder.record(.nanoseconds(-1))  // 0
        #expect(recorder.summary().histogram == [[0, 2], [1, 1], [2, 1]])
        #expect(recorder.clampedCount == 0)

        recorder.record(.seconds(7200))
        recorder.record(.seconds(Int64.max))
        recorder.record(.seconds(3600))  // exactly the limit: not clamped
        #expect(recorder.clampedCount == 2)
        #expect(recorder.count == 7)
        #expect(recorder.summary().max == 3_600_000)
    }

    @Test func emptySummaryIsZero() {
        let s = LatencyRecorder().summary()
        #expect(s == LatencySummary(count: 0, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0, histogram: []))
        #expect(LatencySummary.merged([]) == s)
        #expect(LatencySummary.merged([s, s]) == s)
    }

    @Test(arguments: [1, 7, 2024] as [UInt64])
    func mergeEqualsRecordingEverythingIntoOne(seed: UInt64) {
        let values = Self.durations(count: 5000, seed: seed)
        var all = LatencyRecorder()
        var shards = [LatencyRecorder](repeating: LatencyRecorder(), count: 3)
        for (i, value) in values.enumerated() {
            all.record(value)
            shards[i % 3].record(value)
        }
        var merged = LatencyRecorder()
        for shard in shards { merged.merge(shard) }
        #expect(merged == all)
        #expect(merged.summary() == all.summary())
        // …and merging the shards' summaries gives the same summary.
        #expect(LatencyRecorder.merged(shards.map { $0.summary() }) == all.summary())
    }

    @Test(arguments: [3, 11] as [UInt64])
    func summaryRoundTripIsExact(seed: UInt64) throws {
        var recorder = LatencyRecorder()
        for value in Self.durations(count: 2000, seed: seed) { recorder.record(value) }
        let summary = recorder.summary()
        #expect(LatencyRecorder(summary: summary).summary() == summary)
        #expect(LatencySummary.merged([summary]) == summary)
        // Through JSON, as `loadgen merge` reads shard files.
        let data = try JSONEncoder().encode(summary)
        let decoded = try JSONDecoder().decode(LatencySummary.self, from: data)
        #expect(LatencySummary.merged([decoded]) == summary)
    }

    @Test func rebuildRestoresExactMaximum() {
        var recorder = LatencyRecorder()
        recorder.record(.microseconds(1_000_001))  // bucket is 512 µs wide here
        recorder.record(.microseconds(1_000_003))
        let summary = recorder.summary()
        #expect(summary.max == 1000.003)
        #expect(summary.histogram.count == 1 && summary.histogram[0][0] != 1_000_003)
        #expect(LatencyRecorder(summary: summary).summary().max == 1000.003)
    }

    @Test func rebuildIgnoresMalformedPairsAndClampsHugeValues() {
        let summary = LatencySummary(count: 9, mean: 0, p50: 0, p90: 0, p95: 0, p99: 0, p999: 0, max: 0,
                                     histogram: [[5], [7, 0], [10, 2], [1 << 50, 1]])
        let rebuilt = LatencyRecorder(summary: summary)
        #expect(rebuilt.count == 3)
        #expect(rebuilt.clampedCount == 1)
        #expect(rebuilt.summary().max == Double(LatencyRecorder.maximumHighestTrackableMicroseconds) / 1000)
    }

    /// Summaries of wide recorders (a capacity simulation's waits of hours) rebuild and merge
    /// without clamping: the rebuilt recorder's range widens to the summary's largest value.
    @Test func wideRangesSurviveRoundTripsAndMerges() {
        var wide = LatencyRecorder(highestTrackable: .seconds(30 * 86_400))
        wide.record(.seconds(10 * 3600))
        wide.record(seconds: 2 * 86_400)
        wide.record(seconds: 40 * 86_400)  // beyond its 30 days
        #expect(wide.clampedCount == 1)
        #expect(wide.summary().max == 30 * 86_400_000)
        let summary = wide.summary()
        #expect(LatencyRecorder(summary: summary).summary() == summary)
        #expect(LatencyRecorder(summary: summary).clampedCount == 0)

        var narrow = LatencyRecorder()
        narrow.record(.milliseconds(5))
        narrow.merge(wide)
        #expect(narrow.highestTrackableMicroseconds == wide.highestTrackableMicroseconds)
        #expect(narrow.count == 4 && narrow.summary().max == 30 * 86_400_000)
        #expect(LatencySummary.merged([LatencyRecorder().summary(), summary]) == summary)
    }

    /// The bucket at 0 µs holds exactly the zero durations: a positive one, however short, is 1 µs.
    @Test func theAtomAtZeroIsExact() {
        var recorder = LatencyRecorder()
        recorder.record(.zero)
        recorder.record(seconds: 0)
        recorder.record(seconds: -2)
        recorder.record(seconds: .nan)
        recorder.record(.nanoseconds(1))
        recorder.record(seconds: 1e-12)
        #expect(recorder.zeroCount == 4)
        #expect(recorder.count == 6)
        let s = recorder.summary()
        #expect(s.histogram == [[0, 4], [1, 2]])
        #expect(recorder.reference.totalCount == 6 && recorder.reference.zeros == 4)
        #expect(LatencyRecorder(summary: s) == recorder)
        #expect(LatencyRecorder(summary: s).zeroCount == 4)
    }

    /// `record(seconds:)` rounds and clamps exactly as `record(_:)` does.
    @Test(arguments: [5, 13] as [UInt64])
    func secondsAndDurationsRecordAlike(seed: UInt64) {
        var byDuration = LatencyRecorder()
        var bySeconds = LatencyRecorder()
        for value in Self.durations(count: 3000, seed: seed) {
            // Whole microseconds plus a quarter: no rounding tie that a Double could tip.
            let micros = value.components.seconds * 1_000_000 + value.components.attoseconds / 1_000_000_000_000
            byDuration.record(.microseconds(micros) + .nanoseconds(250))
            bySeconds.record(seconds: (Double(micros) + 0.25) / 1_000_000)
        }
        // At the limit itself (one hour) nothing is clamped; above it, both clamp.
        byDuration.record(.seconds(3600))
        bySeconds.record(seconds: 3600)
        #expect(bySeconds.clampedCount == 0 && byDuration.clampedCount == 0)
        byDuration.record(.seconds(7200))
        bySeconds.record(seconds: 7200)
        #expect(bySeconds == byDuration)
        #expect(bySeconds.clampedCount == 1)
    }

    /// The summary's percentiles, computed from the non-empty buckets, are HdrHistogram's own
    /// `valueAtPercentile`, and its mean HdrHistogram's `mean`.
    @Test(arguments: [2, 9, 31] as [UInt64])
    func summaryAgreesWithHdrHistogram(seed: UInt64) {
        var recorder = LatencyRecorder()
        for value in Self.durations(count: 1500, seed: seed) { recorder.record(value) }
        for _ in 0..<200 { recorder.record(.zero) }
        let h = recorder.reference
        let s = recorder.summary()
        for p in [0.1, 1, 25, 50, 63.2, 90, 95, 99, 99.9, 99.99, 100] {
            let buckets = s.histogram
            #expect(LatencyRecorder.valueAtPercentile(p, buckets: buckets, totalCount: h.totalCount, maxRecorded: h.maxRecorded) == h.valueAtPercentile(p), "p\(p)")
        }
        #expect(s.p50 == Double(h.valueAtPercentile(50)) / 1000)
        #expect(s.p999 == Double(h.valueAtPercentile(99.9)) / 1000)
        #expect(s.mean == min(h.mean, Double(h.maxRecorded)) / 1000)
    }
}

@Suite("MetricSet")
struct MetricSetTests {
    @Test func recordsByNameAndMerges() {
        var a = MetricSet()
        a.record("wait", .seconds(2))
        a.record("http.pickup", .milliseconds(5))
        var b = MetricSet()
        b.record("wait", .seconds(4))
        b.record("delivery.agentToWidget", .milliseconds(1))
        a.merge(b)
        #expect(a.names == ["delivery.agentToWidget", "http.pickup", "wait"])
        let summaries = a.summaries()
        #expect(summaries.keys.sorted() == a.names)
        #expect(summaries["wait"]?.count == 2)
        #expect(summaries["wait"]?.max == 4000)
        #expect(summaries["http.pickup"]?.p50 == 5)
        #expect(a["missing"] == nil)
        #expect(MetricSet().summaries().isEmpty)
    }
}
