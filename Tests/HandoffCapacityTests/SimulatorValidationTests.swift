@testable import HandoffCapacity
import HandoffWorkload
import HandoffMeasurement
import Foundation
import HandoffEngine
import Testing

/// The simulator against queueing theory: for models where a formula is exact, each simulated
/// statistic's 95 % CI (20 seeded replications) must contain the analytic value — widened by
/// half (≈ 99.5 %), so that a fixed seed is not a coin flip, yet a formula or a simulator that
/// is off by a few percent fails (`perturbedModelIsRejected` shows the power).
@Suite("Capacity simulator vs Erlang B/C/A")
struct SimulatorValidationTests {
    static let checked: [CapacityMetric] = [.waitProbability, .meanWaitSeconds, .serviceLevel, .abandonmentRate, .occupancy]

    /// (name, profile) — handle times of a minute keep the runs short in debug builds.
    static let models: [(String, LoadProfile)] = [
        ("Erlang C, s=4, a=3", textbook(ratePerHour: 180, agents: 4, handle: 60)),
        ("Erlang C, 5×2 slots, a=7", textbook(ratePerHour: 420, agents: 5, maxChats: 2, handle: 60, hours: 10)),
        ("Erlang A, s=4, a=4, patience 1 min", textbook(ratePerHour: 240, agents: 4, handle: 60, patience: 60)),
        ("Erlang A, 3×2 slots, a=7, patience 2 min", textbook(ratePerHour: 210, agents: 3, maxChats: 2, handle: 120, patience: 120)),
        // The engine's automatic routing is work-conserving: the same formulas hold.
        ("Erlang A, engine auto routing, 3×2 slots, a=5, patience 1 min", autoRouted(textbook(ratePerHour: 150, agents: 3, maxChats: 2, handle: 120, patience: 60, hours: 10))),
    ]

    static func autoRouted(_ profile: LoadProfile) -> LoadProfile {
        var profile = profile
        profile.routing = .leastBusy
        return profile
    }

    @Test(arguments: 0..<5)
    func analyticValueInsideTheConfidenceInterval(_ index: Int) async throws {
        let (name, profile) = Self.models[index]
        let reference = try #require(profile.analyticReference().reference, "\(name): a formula applies")
        let result = try await simulate(profile)
        for metric in Self.checked {
            let estimate = try #require(result.summary[metric])
            let analytic = try #require(metric.analyticValue(reference))
            let half = try #require(estimate.halfWidth)
            let tolerance = max(1.5 * half, 1e-9)
            #expect(abs(estimate.mean - analytic) <= tolerance, "\(name) \(metric.rawValue): simulated \(estimate.mean) ± \(half), analytic \(analytic)")
        }
        // Little's law on the queue: L = λ·W (time averages of the same replication).
        let l = result.littleL.mean
        let lw = result.littleLambdaW.mean
        #expect(abs(l - lw) <= 0.03 * max(lw, 0.01), "\(name): L = \(l), λW = \(lw)")
    }

    @Test func perturbedModelIsRejected() async throws {
        // The same simulation judged against a formula with a 10 % longer handle time: the test's
        // criterion must notice.
        let (_, profile) = Self.models[0]
        var wrong = profile
        wrong.conversation.handleTime = .exponential(mean: 66)
        let reference = try #require(wrong.analyticReference().reference)
        let result = try await simulate(profile)
        let missed = Self.checked.filter { metric in
            guard let e = result.summary[metric], let half = e.halfWidth, let a = metric.analyticValue(reference) else { return false }
            return abs(e.mean - a) > max(1.5 * half, 1e-9)
        }
        #expect(missed.count >= 3, "a 10% error in the model went unnoticed: only \(missed) rejected")
    }

    @Test func erlangBBlockingUnderFreeSlotAdmission() async throws {
        let profile = textbook(ratePerHour: 240, agents: 2, maxChats: 2, handle: 60, admission: .freeSlot)
        let reference = try #require(profile.analyticReference().reference)
        #expect(reference.formula == .erlangB)
        let result = try await simulate(profile)
        let blocked = try #require(result.summary[.afterHoursProbability])
        #expect(abs(blocked.mean - reference.afterHoursProbability) <= 1.5 * (blocked.halfWidth ?? 0))
        #expect(result.summary[.waitProbability]?.mean == 0)
        #expect(result.counts.afterHours > 0)
    }

    @Test func piecewiseArrivalsFollowTheTable() async throws {
        let table = LoadProfile.RateTable(entries: [.init(start: 0, ratePerHour: 30), .init(start: 6 * 3600, ratePerHour: 300), .init(start: 18 * 3600, ratePerHour: 0)])
        var profile = textbook(ratePerHour: 1, agents: 20, handle: 30, hours: 24, warmup: 0, replications: 10)
        profile.arrivals = .piecewise(table)
        let result = try await simulate(profile)
        for interval in result.intervals {
            let rate = table.ratePerHour(atSecondOfDay: interval.start)
            let expected = rate * (interval.end - interval.start) / 3600 * 10
            let count = Double(interval.counts.arrivals)
            #expect(abs(count - expected) <= 4 * expected.squareRoot() + 1e-9, "\(interval.start): \(count) arrivals, expected \(expected)")
        }
        #expect(result.counts.arrivals > 0)
    }

    @Test func poissonCountOverALongRun() async throws {
        let profile = textbook(ratePerHour: 120, agents: 4, handle: 60, hours: 50, warmup: 0, replications: 4)
        let result = try await simulate(profile)
        let expected = 120.0 * 50 * 4
        #expect(abs(Double(result.counts.arrivals) - expected) <= 4 * expected.squareRoot())
    }
}
