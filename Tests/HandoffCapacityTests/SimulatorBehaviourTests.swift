@testable import HandoffCapacity
import HandoffWorkload
import HandoffMeasurement
import Foundation
import HandoffEngine
import Testing

@Suite("Capacity simulator: determinism, memory, engine, reports")
struct SimulatorBehaviourTests {
    /// The report's JSON without the wall-clock `timing` object.
    static func comparableJSON(_ result: SimulationResult) throws -> String {
        let report = SimulationReport(result: result, toolVersion: "test", commandLine: ["x"], startedAt: "s", endedAt: "e", wallSeconds: 1)
        let data = try ReportWriter.jsonData(report)
        var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        object["timing"] = nil
        return String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test func sameSeedSameReportDifferentSeedDifferentSample() async throws {
        let profile = textbook(ratePerHour: 180, agents: 4, handle: 60, patience: 90, hours: 4, replications: 3)
        let first = try Self.comparableJSON(try await simulate(profile))
        let again = try Self.comparableJSON(try await simulate(profile))
        #expect(first == again)
        var other = profile
        other.run.seed = 12
        let different = try await simulate(other)
        #expect(try Self.comparableJSON(different) != first)
        #expect(different.replicationValues[0][.meanWaitSeconds] != (try await simulate(profile)).replicationValues[0][.meanWaitSeconds])
    }

    /// One replication has no confidence interval: the comparison says so (`null`), and no
    /// row is flagged as lying outside an interval that does not exist.
    @Test func oneReplicationFlagsNothingOutsideACI() async throws {
        let one = SimulationReport(
            result: try await simulate(textbook(ratePerHour: 180, agents: 4, handle: 60, hours: 4, replications: 1)),
            toolVersion: "test", commandLine: ["x"], startedAt: "s", endedAt: "e", wallSeconds: 1)
        #expect(!one.comparison.isEmpty)
        #expect(one.comparison.allSatisfy { $0.analyticWithinCI == nil })
        #expect(!one.terminalSummary().contains("*"))
        let json = String(decoding: try ReportWriter.jsonData(one), as: UTF8.self)
        #expect(json.contains("\"analyticWithinCI\" : null"))

        let many = SimulationReport(
            result: try await simulate(textbook(ratePerHour: 180, agents: 4, handle: 60, hours: 4, replications: 5)),
            toolVersion: "test", commandLine: ["x"], startedAt: "s", endedAt: "e", wallSeconds: 1)
        #expect(many.comparison.allSatisfy { $0.analyticWithinCI != nil })
    }

    /// `analytic` is a stable key: `null` when no formula applies, never missing.
    @Test func analyticIsNullWhenNoFormulaApplies() async throws {
        var profile = textbook(ratePerHour: 180, agents: 4, handle: 60, hours: 2, replications: 2)
        profile.conversation.handleTime = .constant(60)
        let report = SimulationReport(
            result: try await simulate(profile), toolVersion: "test", commandLine: ["x"], startedAt: "s", endedAt: "e",
            wallSeconds: 1)
        #expect(report.analytic == nil && !report.analyticNotApplicable.isEmpty)
        let object = try #require(try JSONSerialization.jsonObject(with: try ReportWriter.jsonData(report)) as? [String: Any])
        #expect(object["analytic"] is NSNull)
    }

    @Test func memoryDoesNotGrowWithTheNumberOfHandoffs() async throws {
        var profile = textbook(ratePerHour: 180, agents: 4, handle: 60, hours: 1, warmup: 0, replications: 1)
        profile.run.horizon = .infinity
        profile.run.maxArrivals = 5_000
        let small = try await simulate(profile)
        profile.run.maxArrivals = 50_000
        let large = try await simulate(profile)
        #expect(large.requests == 50_000)
        // Only open handoffs are kept: the record count follows the queue, not the total.
        #expect(large.maxOpenHandoffs < 200)
        #expect(large.maxOpenHandoffs <= 3 * max(small.maxOpenHandoffs, 20))
    }

    @Test func richProfileKeepsTheEngineConsistent() async throws {
        // Shifts, polling and WebSocket groups, pick-up times, slowdown, messages, patience,
        // after-hours: every replication ends with the engine's invariant check (it throws).
        let profile = try ProfileLoader.load(file: Repository.path("scenarios/capacity/weekday-desk.yaml"))
        var short = profile
        short.run.replications = 2
        let result = try await simulate(short)
        #expect(result.counts.afterHours > 0)
        #expect(result.engineCalls.postMessage > 0)
        #expect(result.engineCalls.setStatus > 0)
        #expect(result.summary[.waitProbability]?.mean ?? 0 > 0.99, "polling: everybody waits for a refresh")
        #expect(result.summary[.firstResponseSeconds]?.mean ?? 0 > 20)
    }

    @Test func autoRoutingAndPollingRun() async throws {
        var profile = textbook(ratePerHour: 180, agents: 3, maxChats: 2, handle: 60, patience: 60, hours: 3, replications: 2)
        profile.routing = .leastBusy
        let auto = try await simulate(profile)
        #expect(auto.engineCalls.assign > 0 && auto.engineCalls.pickUp == 0)
        // The engine assigns inside the command: how agents would notice work does not matter.
        var polled = profile
        polled.agentGroups[0].notification = .polling(interval: 5)
        let autoPolled = try await simulate(polled)
        // (Compared as text: a metric without data is NaN, which `==` never matches.)
        #expect(autoPolled.summary.mapValues(String.init(describing:)) == auto.summary.mapValues(String.init(describing:)))
        #expect(autoPolled.engineCalls == auto.engineCalls)
        profile.routing = .pickup
        profile.agentGroups[0].notification = .polling(interval: 5)
        let polling = try await simulate(profile)
        let instantWait = auto.summary[.meanWaitSeconds]?.mean ?? 0
        #expect((polling.summary[.meanWaitSeconds]?.mean ?? 0) > instantWait, "polling adds up to 5 s to every wait")
        #expect(profile.analyticReference().reference == nil)
    }

    @Test func reportsHaveTheContractKeys() async throws {
        let profile = textbook(ratePerHour: 180, agents: 4, handle: 60, hours: 2, replications: 2)
        let result = try await simulate(profile)
        let report = SimulationReport(result: result, toolVersion: "t", commandLine: [], startedAt: "", endedAt: "", wallSeconds: 0)
        let object = try #require(try JSONSerialization.jsonObject(with: ReportWriter.jsonData(report)) as? [String: Any])
        let summary = try #require(object["summary"] as? [String: Any])
        for key in ["waitProbability", "meanWaitSeconds", "serviceLevel", "abandonmentRate", "occupancy", "waitP90Seconds", "waitP99Seconds"] {
            let entry = try #require(summary[key] as? [String: Any], "summary.\(key)")
            #expect(Set(entry.keys) == ["mean", "ciLow", "ciHigh"])
        }
        #expect(summary["serviceLevelThresholdSeconds"] as? Double == 60)
        let analytic = try #require(object["analytic"] as? [String: Any])
        #expect(analytic["waitProbability"] is Double)
        #expect(object["arrivals"] is Int)
        #expect(report.csvTable().rows.last?.first == "all")
        let html = report.htmlPage()
        #expect(html.contains("<svg"))
        // Self-contained: nothing is fetched (the SVG namespace URI is an identifier, not a fetch).
        #expect(!html.contains("<script") && !html.contains("src=") && !html.contains("href=\"http") && !html.contains("<link"))
    }

    @Test func planFindsTheCheapestFeasibleStaffing() async throws {
        let profile = textbook(ratePerHour: 180, agents: 1, handle: 60, patience: 60, hours: 6, replications: 5)
        let planner = CapacityPlanner(
            profile: profile, target: PlanTarget(serviceLevel: 0.8, within: 20, maxAbandonment: 0.05), grid: PlanGrid(agents: 1...8, maxChats: [1, 2], notifications: [.instant]))
        let cells = try await offPool { try planner.run() }
        #expect(cells.count == 16)
        let best = try #require(CapacityPlanner.cheapest(cells).first)
        #expect(best.verdict == .feasible)
        #expect(cells.contains { $0.verdict == .screenedOut })
        // The cell one agent cheaper with the same maxChats is not feasible.
        let cheaper = cells.first { $0.agents == best.agents - 1 && $0.maxChats == best.maxChats }
        #expect(cheaper.map { $0.verdict != .feasible && $0.verdict != .marginal } ?? true)

        // Under freeSlot the formulas do not bound the system: nothing is screened out.
        var lossSystem = profile
        lossSystem.admission = .freeSlot
        let lossPlanner = CapacityPlanner(profile: lossSystem, target: planner.target, grid: PlanGrid(agents: 1...3, maxChats: [1], notifications: [.instant]))
        let lossCells = try await offPool { try lossPlanner.run() }
        #expect(lossCells.allSatisfy { $0.verdict != .screenedOut })
    }

    /// Statistics count only what arrived after the warm-up: 600/h over 10 h with 4 h of
    /// warm-up measures about 3 600 arrivals, not 6 000.
    @Test func warmUpArrivalsAreNotMeasured() async throws {
        let result = try await simulate(textbook(ratePerHour: 600, agents: 20, handle: 60, hours: 10, warmup: 4, replications: 1))
        #expect(abs(Double(result.counts.arrivals) - 3600) < 4 * 60, "measured \(result.counts.arrivals)")
        #expect(result.requests > result.counts.arrivals + 2000, "the warm-up's requests were generated (\(result.requests))")
    }

    @Test func studentTQuantiles() {
        #expect(abs(StudentT.quantile(0.975, degreesOfFreedom: 1) - 12.7062) < 1e-3)
        #expect(abs(StudentT.quantile(0.975, degreesOfFreedom: 9) - 2.2622) < 1e-3)
        #expect(abs(StudentT.quantile(0.975, degreesOfFreedom: 19) - 2.0930) < 1e-3)
        #expect(abs(StudentT.quantile(0.975, degreesOfFreedom: 100_000) - 1.95996) < 1e-3)
    }

    /// Waits go into HdrHistograms (``LatencyRecorder``): the atom at zero is exact (a positive
    /// wait, however short, is not a zero), quantiles are within 0.8 % per interval of the day and
    /// 0.1 % for a whole replication, the mean is the exact one, and waits of hours are kept, not
    /// clamped at the recorders' default hour.
    @Test(arguments: [(LatencyRecorder.Precision.coarse, 1.008), (.report, 1.001)])
    func waitQuantilesAndTheAtomAtZero(precision: LatencyRecorder.Precision, tolerance: Double) throws {
        var a = IntervalAccumulator(precision: precision)
        for _ in 0..<500 { a.recordWait(0) }
        for i in 1...500 { a.recordWait(Double(i)) }
        var m = a.metrics()
        #expect(m[.waitP50Seconds] == 0)
        let p90 = try #require(m[.waitP90Seconds])
        #expect(p90 >= 400 && p90 <= 400 * tolerance, "p90 = \(p90)")
        #expect(abs(try #require(m[.meanWaitSeconds]) - 125.25) < 1e-9)
        #expect(m[.waitProbability] == 0.5)

        a.recordWait(1e-9)
        a.recordWait(-1)
        #expect(a.waits.zeroCount == 501)
        m = a.metrics()
        #expect(m[.waitProbability] == 501.0 / 1002.0)

        var long = IntervalAccumulator(precision: precision)
        long.recordWait(30 * 3600)
        long.recordWait(0)
        #expect(long.waits.clampedCount == 0)
        let p99 = try #require(long.metrics()[.waitP99Seconds])
        #expect(p99 >= 30 * 3600 && p99 <= 30 * 3600 * tolerance)
        var merged = IntervalAccumulator.merged([a, long])
        #expect(merged.waits.count == 1004 && merged.waits.zeroCount == 502)
        merged.recordFirstResponse(12)
        #expect(merged.metrics()[.firstResponseSeconds] == 12)
    }

    /// A replication's statistics: its intervals of the day (coarse), then the whole replication
    /// at the reports' precision, holding every wait of the intervals and their summed counts.
    @Test func aReplicationEndsWithItsWholeRunAtReportPrecision() throws {
        var stats = ReplicationStatistics(warmup: 0, horizon: 7200, intervalLength: 3600, threshold: 60)
        let early = stats.recordArrival(at: 10, afterHours: false, emailLead: false)
        let late = stats.recordArrival(at: 4000, afterHours: false, emailLead: false)
        stats.recordWait(bucket: early, wait: 0, outcome: .served)
        stats.recordWait(bucket: late, wait: 90, outcome: .served)
        stats.recordFirstResponse(bucket: late, delay: 100)
        stats.finish(at: 7200)
        let all = stats.intervals
        #expect(all.count == 25)
        #expect(all.dropLast().allSatisfy { $0.waits.precision == .coarse })
        let whole = try #require(all.last)
        #expect(whole.waits.precision == .report && whole.waits.count == 2 && whole.waits.zeroCount == 1)
        #expect(whole.firstResponses.count == 1)
        #expect(whole.arrivals == 2 && whole.admitted == 2 && whole.servedWithinThreshold == 1 && whole.time == 7200)
        #expect(all[0].waits.count == 1 && all[1].waits.count == 1)
    }

    /// `simulate.json` carries its distributions in the encoding of every report: a
    /// ``LatencySummary`` (mergeable `[valueMicroseconds, count]` buckets), consistent with the
    /// summary's pooled quantiles and P(wait > 0).
    @Test func reportDistributionsAreMergeableSummaries() async throws {
        let profile = textbook(ratePerHour: 180, agents: 4, handle: 60, patience: 90, hours: 4, replications: 3)
        let result = try await simulate(profile)
        let report = SimulationReport(result: result, toolVersion: "t", commandLine: [], startedAt: "", endedAt: "", wallSeconds: 0)
        let wait = try #require(report.metrics["wait"])
        #expect(wait.count == result.counts.queued)
        #expect(report.metrics["firstResponse"]?.count == 0)
        let zeros = try #require(wait.histogram.first)
        #expect(zeros[0] == 0)
        #expect(Double(wait.count - Int(zeros[1])) / Double(wait.count) > 0)
        #expect(abs(wait.p90 / 1000 - (result.summary[.waitP90Seconds]?.mean ?? .nan)) < 1e-9)
        #expect(abs(wait.p99 / 1000 - (result.summary[.waitP99Seconds]?.mean ?? .nan)) < 1e-9)
        // Exactly mergeable: rebuilt, merged with itself, every bucket doubles.
        #expect(LatencySummary.merged([wait]) == wait)
        let twice = LatencySummary.merged([wait, wait])
        #expect(twice.histogram == wait.histogram.map { [$0[0], $0[1] * 2] })
        let object = try #require(try JSONSerialization.jsonObject(with: ReportWriter.jsonData(report)) as? [String: Any])
        let metrics = try #require(object["metrics"] as? [String: Any])
        let encoded = try #require(metrics["wait"] as? [String: Any])
        #expect(Set(encoded.keys) == ["count", "mean", "p50", "p90", "p95", "p99", "p999", "max", "histogram"])
    }
}
