import Foundation
import Testing

@testable import HandoffEngine

/// Rule 12 (second half): Timestamp and ISO-8601. Rule 13: LatencyHistogram. Plus the id helpers.
@Suite struct TimestampTests {
    @Test func formatsISO8601() {
        #expect(Timestamp.epoch.iso8601 == "1970-01-01T00:00:00.000Z")
        #expect(startOfTest.iso8601 == "2026-01-01T00:00:00.000Z")
        #expect(Timestamp(milliseconds: 951_827_696_007).iso8601 == "2000-02-29T12:34:56.007Z")
        #expect(Timestamp(milliseconds: -1).iso8601 == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp(milliseconds: -86_400_000).iso8601 == "1969-12-31T00:00:00.000Z")
        #expect(Timestamp(milliseconds: 253_402_300_799_999).iso8601 == "9999-12-31T23:59:59.999Z")
        #expect(Timestamp(milliseconds: -62_167_219_200_000).iso8601 == "0000-01-01T00:00:00.000Z")
        #expect(startOfTest.description == startOfTest.iso8601)
    }

    @Test func roundTripsThroughISO8601() throws {
        var fixed: [Int64] = [0, 1, -1, 999, -999, 1000, -1000, -86_400_001, 951_782_400_000, 253_402_300_799_999, -62_167_219_200_000]
        var rng = SplitMix64(seed: 1)
        for _ in 0..<2000 { fixed.append(Int64.random(in: -62_167_219_200_000...253_402_300_799_999, using: &rng)) }
        for ms in fixed {
            let t = Timestamp(milliseconds: ms)
            #expect(Timestamp(iso8601: t.iso8601) == t, "\(ms) → \(t.iso8601)")
        }
    }

    @Test(arguments: [
        ("2026-01-01T00:00:00Z", 0), ("2026-01-01T00:00:00.000Z", 0), ("2026-01-01t00:00:00z", 0),
        ("2026-01-01 00:00:00Z", 0), ("2026-01-01T00:00Z", 0), ("2026-01-01T02:00:00+02:00", 0),
        ("2025-12-31T19:00:00-05:00", 0), ("2026-01-01T05:30:00+0530", 0), ("2025-12-31T23:59:59-00:00", -1000),
        ("2026-01-01T00:00:00.1Z", 100), ("2026-01-01T00:00:00.12Z", 120), ("2026-01-01T00:00:00.123Z", 123),
        ("2026-01-01T00:00:00.1234Z", 123), ("2026-01-01T00:00:00.12345Z", 123), ("2026-01-01T00:00:00.123456Z", 123),
        ("2026-01-01T00:00:00.999999Z", 999), ("2026-01-01T00:00:00,5Z", 500), ("2026-01-01T01:00:00.5+01:00", 500),
        // PostgreSQL's text form: a space, and an offset of whole hours.
        ("2026-01-01T02:00:00+02", 0), ("2026-01-01 01:00:00.5+01", 500), ("2025-12-31 23:00:00-01", 0),
    ])
    func parsesOffsetsAndFractions(text: String, offsetFromStart: Int64) {
        #expect(Timestamp(iso8601: text) == startOfTest + .milliseconds(offsetFromStart))
    }

    @Test func parsesBeforeTheEpochTruncatingTowardsThePast() {
        #expect(Timestamp(iso8601: "1969-12-31T23:59:59.999Z")?.milliseconds == -1)
        // -0.1 ms is truncated to the millisecond before it, never after.
        #expect(Timestamp(iso8601: "1969-12-31T23:59:59.9999Z")?.milliseconds == -1)
        #expect(Timestamp(iso8601: "1969-12-31T23:59:59.5Z")?.milliseconds == -500)
        #expect(Timestamp(iso8601: "1960-01-01T00:00:00Z")?.milliseconds == -315_619_200_000)
        #expect(Timestamp(iso8601: "1970-01-01T00:30:00+01:00")?.milliseconds == -1_800_000)
    }

    @Test func acceptsRealLeapDays() {
        #expect(Timestamp(iso8601: "2024-02-29T12:00:00Z") != nil)
        #expect(Timestamp(iso8601: "2000-02-29T00:00:00Z") != nil)
        #expect(Timestamp(iso8601: "2026-12-31T23:59:59.999Z") != nil)
    }

    @Test(arguments: [
        "", "garbage", "2026-01-01", "2026-01-01T00:00:00", "2026-13-01T00:00:00Z", "2026-00-10T00:00:00Z",
        "2026-01-00T00:00:00Z", "2026-01-32T00:00:00Z", "2026-04-31T00:00:00Z", "2026-02-29T00:00:00Z",
        "2025-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z",
        "2026-01-01T23:59:60Z", "2026-01-01T00:00:00Zjunk", "2026-01-01T00:00:00Z ", " 2026-01-01T00:00:00Z",
        "2026-1-01T00:00:00Z", "2026-01-01T00:00:00.Z", "2026-01-01T00:00:00+2", "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00+02:",
        "2026-01-01T00:00:00+02:60", "2026-01-01X00:00:00Z", "26-01-01T00:00:00Z", "2026-01-01T00:00:00.123",
    ])
    func rejectsInvalidText(_ text: String) {
        #expect(Timestamp(iso8601: text) == nil)
    }

    @Test func arithmetic() {
        let t = Timestamp(milliseconds: 10_000)
        #expect(t + .seconds(2) == Timestamp(milliseconds: 12_000))
        #expect(t - .milliseconds(10_001) == Timestamp(milliseconds: -1))
        #expect(Timestamp(milliseconds: 12_500) - t == .milliseconds(2500))
        #expect(t + .microseconds(1999) == Timestamp(milliseconds: 10_001))
        #expect(Duration.seconds(90).wholeMilliseconds == 90_000)
        #expect(Duration.milliseconds(1500).seconds == 1.5)
        #expect(Timestamp(milliseconds: 1) > .epoch)
    }
}

@Suite struct LatencyHistogramTests {
    @Test func exactBelow64() {
        var h = LatencyHistogram()
        for v in 0..<64 {
            #expect(LatencyHistogram.bucket(Int64(v)) == v)
            #expect(LatencyHistogram.upperBound(v) == Int64(v))
            h.record(Int64(v))
        }
        for k in 0..<64 { #expect(h.value(atQuantile: Double(k + 1) / 64) == Int64(k)) }
        #expect(h.count == 64 && h.max == 63 && h.sum == 2016)
    }

    @Test func within1Over32Above64() {
        var values: [Int64] = []
        var v: Int64 = 64
        while v < 1 << 44 {
            values += [v - 1, v, v + 1, v * 3 / 2]
            v *= 2
        }
        var rng = SplitMix64(seed: 3)
        for _ in 0..<5000 { values.append(Int64.random(in: 64...(1 << 40), using: &rng)) }
        for v in values {
            let bucket = LatencyHistogram.bucket(v)
            let upper = LatencyHistogram.upperBound(bucket)
            #expect(upper >= v, "\(v)")
            #expect(Double(upper - v) <= Double(v) / 32, "\(v) → \(upper)")
            // The bucket is the right one: the previous bucket ends below v.
            #expect(LatencyHistogram.upperBound(bucket - 1) < v, "\(v)")
        }
    }

    @Test func quantiles() throws {
        var h = LatencyHistogram()
        #expect(h.value(atQuantile: 0.5) == nil && h.mean == nil)
        for v in 1...100 { h.record(Int64(v)) }
        #expect(h.value(atQuantile: 0) == 1)
        #expect(h.value(atQuantile: 0.5) == 50)
        #expect(h.value(atQuantile: 0.9) == 91)  // 90 and 91 share a bucket above 64
        #expect(h.value(atQuantile: 0.99) == 99)
        #expect(h.value(atQuantile: 1) == 100)
        #expect(h.mean == 50.5)

        var large = LatencyHistogram()
        for v in 1...10_000 { large.record(Int64(v)) }
        for q in [0.5, 0.9, 0.99, 0.999] {
            let exact = Int64((q * 10_000).rounded(.up))
            let value = try #require(large.value(atQuantile: q))
            #expect(value >= exact && Double(value - exact) <= Double(exact) / 32, "q \(q): \(value) vs \(exact)")
        }
        // Never above the largest recorded value.
        var single = LatencyHistogram()
        single.record(1000)
        #expect(single.value(atQuantile: 0.5) == 1000)
    }

    @Test func clampsNegativeAndHugeValues() {
        var h = LatencyHistogram()
        h.record(-5)
        #expect(h.value(atQuantile: 1) == 0 && h.sum == 0)
        h.record(Int64.max / 4)
        #expect(h.count == 2 && h.max == Int64.max / 4)
        #expect(h.value(atQuantile: 1)! <= Int64.max / 4)
    }

    @Test func mergeEqualsRecordingEverything() {
        var a = LatencyHistogram()
        var b = LatencyHistogram()
        var all = LatencyHistogram()
        var rng = SplitMix64(seed: 9)
        for i in 0..<1000 {
            let v = Int64.random(in: 0...100_000, using: &rng)
            if i.isMultiple(of: 3) { a.record(v) } else { b.record(v) }
            all.record(v)
        }
        var merged = a
        merged.add(b)
        #expect(merged == all)
        #expect(merged.count == 1000 && merged.max == all.max && merged.sum == all.sum)
        merged.add(LatencyHistogram())
        #expect(merged == all)
    }
}

@Suite struct IdentifierTests {
    @Test func seededGeneratorIsDeterministic() {
        var a = IdentifierGenerator(seed: 42)
        var b = IdentifierGenerator(seed: 42)
        var c = IdentifierGenerator(seed: 43)
        let first = (0..<5).map { _ in a.next() }
        #expect(first == (0..<5).map { _ in b.next() })
        #expect(first != (0..<5).map { _ in c.next() })
        #expect(a.id(HandoffID.self) == b.id(HandoffID.self))
        #expect(a.bytes(5) == b.bytes(5) && a.bytes(5).count == 5)
        let uuid = a.uuid().uuid
        #expect(uuid.6 >> 4 == 4 && uuid.8 >> 6 == 2)
        var random1 = IdentifierGenerator(seed: nil)
        var random2 = IdentifierGenerator(seed: nil)
        #expect(random1.uuid() != random2.uuid())
    }

    @Test func domainIdentifiers() throws {
        #expect(IDs.handoff(1) == HandoffID(namespace: 4, number: 1))
        #expect(IDs.handoff(1) != IDs.handoff(2))
        #expect(IDs.handoff(1) < IDs.handoff(2))
        let id = IDs.agent(0x1234)
        #expect(id.description == id.uuid.uuidString.lowercased())
        #expect(AgentID(id.description) == id)
        #expect(AgentID("not a uuid") == nil)
        let json = try JSONEncoder().encode([id])
        #expect(try JSONDecoder().decode([AgentID].self, from: json) == [id])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([AgentID].self, from: Data(#"["nope"]"#.utf8)) }
    }

    /// The hand-written parser agrees with Foundation's on random UUIDs, from a String and
    /// from a slice of a longer text (a path parameter), and refuses near misses.
    @Test func parsesTheCanonicalFormOnly() {
        for _ in 0..<200 {
            let uuid = UUID()
            #expect(HandoffID(uuid.uuidString)?.uuid == uuid)
            #expect(HandoffID(uuid.uuidString.lowercased())?.uuid == uuid)
            let path = "/api/widget/handoff/\(uuid.uuidString)/status"
            let slice = path.split(separator: "/")[3]
            #expect(HandoffID(slice)?.uuid == uuid)
        }
        let good = "0123abcd-4567-89ef-ABCD-0123456789ab"
        #expect(HandoffID(good)?.description == good.lowercased())
        #expect(HandoffID(good.dropLast())?.description == nil)
        for bad in [
            "", String(good.dropLast()), good + "0", "0123abcd-4567-89ef-ABCD-0123456789ag", "0123abcd_4567-89ef-ABCD-0123456789ab",
            "0123abcd-456789ef-ABCD-0123456789ab-", "{0123abcd-4567-89ef-ABCD-0123456789a}", "0123abcd-4567-89ef-ABCD-0123456789é",
        ] {
            #expect(HandoffID(bad) == nil, "\(bad)")
            #expect(HandoffID(bad[...]) == nil, "\(bad)")
        }
    }
}
