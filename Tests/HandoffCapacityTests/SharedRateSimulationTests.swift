@testable import HandoffCapacity
import HandoffWorkload
import Foundation
import Testing

/// The simulator's shared-rate model (each of an agent's k chats at F(k)/k of solo speed,
/// re-timed whenever k changes) against the exact chain: each statistic's 95 % CI, widened by
/// half as in the Erlang validation, must contain the chain's value, for each routing the
/// chain models; the chain must be the reference `simulate` shows.
@Suite("Capacity simulator vs the shared-rate chain")
struct SharedRateSimulationTests {
    static let checked: [CapacityMetric] = [.waitProbability, .meanWaitSeconds, .serviceLevel, .abandonmentRate, .occupancy, .meanQueueLength]

    static func shared(
        ratePerHour: Double, agents: Int, maxChats: Int, throughput: [Double], handle: Double, patience: Double?, routing: LoadProfile.Routing,
        admission: LoadProfile.Admission = .agentOnline
    ) -> LoadProfile {
        var p = textbook(
            ratePerHour: ratePerHour, agents: agents, maxChats: maxChats, handle: handle, patience: patience, hours: 12, admission: admission)
        p.conversation.concurrency = .shared(throughput: throughput)
        p.routing = routing
        return p
    }

    static let models: [(String, LoadProfile)] = [
        ("engine leastBusy, 4×3, F 1/1.6/2, patience 1 min",
         shared(ratePerHour: 200, agents: 4, maxChats: 3, throughput: [1, 1.6, 2], handle: 120, patience: 60, routing: .leastBusy)),
        ("pick-up (random free agent), 4×3, F 1/1.6/2, patience 1 min",
         shared(ratePerHour: 200, agents: 4, maxChats: 3, throughput: [1, 1.6, 2], handle: 120, patience: 60, routing: .pickup)),
        ("engine mostBusy, 4×3, F 1/1.6/2, patience 1 min",
         shared(ratePerHour: 200, agents: 4, maxChats: 3, throughput: [1, 1.6, 2], handle: 120, patience: 60, routing: .mostBusy)),
        ("engine leastBusy, 3×2, F 1/1.3, no patience",
         shared(ratePerHour: 90, agents: 3, maxChats: 2, throughput: [1, 1.3], handle: 120, patience: nil, routing: .leastBusy)),
        ("loss (freeSlot), 3×3, F 1/1.5/1.8",
         shared(ratePerHour: 150, agents: 3, maxChats: 3, throughput: [1, 1.5, 1.8], handle: 120, patience: nil, routing: .leastBusy, admission: .freeSlot)),
    ]

    @Test(arguments: 0..<5)
    func chainValueInsideTheConfidenceInterval(_ index: Int) async throws {
        let (name, profile) = Self.models[index]
        let reference = try #require(profile.analyticReference().reference, "\(name): \(profile.analyticReference().reasons)")
        #expect(reference.formula == .sharedRate)
        let result = try await simulate(profile)
        var checked = Self.checked
        if profile.admission == .freeSlot { checked = [.afterHoursProbability, .occupancy] }
        for metric in checked {
            let estimate = try #require(result.summary[metric])
            let analytic = try #require(metric.analyticValue(reference))
            let half = try #require(estimate.halfWidth)
            #expect(abs(estimate.mean - analytic) <= max(1.5 * half, 1e-9), "\(name) \(metric.rawValue): simulated \(estimate.mean) ± \(half), chain \(analytic)")
        }
    }

    /// The criterion has power: the simulation of a team that slows down, judged against the
    /// same team without slowdown (F(k) = k, Erlang A), is rejected.
    @Test func theWrongChainIsRejected() async throws {
        let (_, profile) = Self.models[0]
        let result = try await simulate(profile)
        var linear = profile
        linear.conversation.concurrency = .shared(throughput: [1, 2, 3])
        let erlang = try #require(linear.analyticReference().reference)
        #expect(erlang.formula == .erlangA)
        let missed = Self.checked.filter { metric in
            guard let e = result.summary[metric], let half = e.halfWidth, let a = metric.analyticValue(erlang) else { return false }
            return abs(e.mean - a) > max(1.5 * half, 1e-9)
        }
        #expect(missed.count >= 4, "the slowdown went unnoticed: only \(missed) rejected")
    }

    /// The per-chat speed an agent's behaviour gives: F(k)/k under the shared model (the last
    /// factor past maxChats), 1 under the pick-up model, whose slowdown is in the duration.
    @Test func behavioursGiveEachChatsSpeed() {
        let behaviour = AgentBehaviour(
            LoadProfile.AgentGroup(name: "a", count: 1, maxChats: 2), conversation: .init(handleTime: .constant(100), concurrency: .shared(throughput: [1, 1])))
        #expect(behaviour.sharesRate)
        #expect(behaviour.progressRate(chats: 1) == 1)
        #expect(behaviour.progressRate(chats: 2) == 0.5)
        #expect(behaviour.progressRate(chats: 3) == 0.5)
        let pickUp = AgentBehaviour(LoadProfile.AgentGroup(name: "a", count: 1, maxChats: 2), conversation: .init(handleTime: .constant(100), slowdown: [1, 2]))
        #expect(!pickUp.sharesRate && pickUp.progressRate(chats: 2) == 1 && pickUp.chatDuration(work: 100, concurrency: 2) == 200)
    }

    /// One agent with two slots, requests only in the first two seconds, 100 s of work a chat,
    /// seeded so that exactly two requests come, δ apart (read from the run's handoff log).
    static func twoChats(_ concurrency: LoadProfile.Conversation.Concurrency, messages: LoadProfile.Messages? = nil) throws -> (LoadProfile, Double, [HandoffLogRow]) {
        var profile = textbook(ratePerHour: 1, agents: 1, maxChats: 2, handle: 100, hours: 1, warmup: 0, replications: 1)
        profile.arrivals = .piecewise(LoadProfile.RateTable(entries: [.init(start: 0, ratePerHour: 3600), .init(start: 2, ratePerHour: 0)]))
        profile.conversation = LoadProfile.Conversation(handleTime: .constant(100), concurrency: concurrency, messages: messages)
        for seed in 1...200 as ClosedRange<UInt64> {
            profile.run.seed = seed
            let rows = try CapacitySimulator(profile: profile).handoffLog()
            if rows.count == 2 { return (profile, rows[1].requested - rows[0].requested, rows) }
        }
        throw SimulationError("no seed in 200 gave exactly two requests")
    }

    /// A chat speeds up again when the other ends. With F = 1, 1 both run at half speed while
    /// together: the first ends at 200 − δ, and the second, 100 − δ done by then, at 200; the
    /// pick-up model with factors 1, 2 ends them at 100 and δ + 200, fixed when taken.
    @Test func aChatSpeedsUpWhenTheOtherEnds() throws {
        let (_, d, shared) = try Self.twoChats(.shared(throughput: [1, 1]))
        let t = shared[0].requested
        #expect(abs((shared[0].ended ?? 0) - (t + 200 - d)) < 1e-6 && abs((shared[1].ended ?? 0) - (t + 200)) < 1e-6, "\(shared)")
        let (_, e, fixed) = try Self.twoChats(.atPickUp(slowdown: [1, 2]))
        let u = fixed[0].requested
        #expect(abs((fixed[0].ended ?? 0) - (u + 100)) < 1e-6 && abs((fixed[1].ended ?? 0) - (u + e + 200)) < 1e-6, "\(fixed)")
    }

    /// Message gaps are work, done at the chat's speed, re-timed when the load changes. Two
    /// chats sharing one chat's speed (F = 1, 1), the first response after 60 s of work, the
    /// second request δ after the first (δ < 40 s): the first chat's reply comes at
    /// δ + 2·(60 − δ) = 120 − δ, the second's 120 s after it began, so the mean first response is
    /// 120 − δ/2. (Gaps timed at the speed when scheduled would give a mean of 90, wall-clock
    /// gaps 60.)
    @Test func messagesFollowTheChatsSpeed() async throws {
        let (profile, d, _) = try Self.twoChats(
            .shared(throughput: [1, 1]), messages: LoadProfile.Messages(firstResponse: .constant(60), thinkTime: .constant(30), perChat: 1))
        let result = try await simulate(profile)
        let first = try #require(result.summary[.firstResponseSeconds]).mean
        #expect(abs(first - (120 - d / 2)) < 0.01, "mean first response \(first) s, expected \(120 - d / 2) (δ = \(d) s)")
    }

    @Test func chainIsNamedWhereItDoesNotApply() {
        var profile = Self.models[0].1
        profile.agentGroups.append(LoadProfile.AgentGroup(name: "second", count: 1, maxChats: 2))
        #expect(profile.analyticReference().reasons.contains { $0.contains("agents differ in maxChats (2, 3)") })
        var pickUpModel = Self.models[0].1
        pickUpModel.conversation.concurrency = .atPickUp(slowdown: [1, 1.2])
        #expect(pickUpModel.analyticReference().reasons.contains { $0.contains("slowdown fixed at pick-up") })
        var idle = Self.models[0].1
        idle.routing = .longestIdle
        #expect(idle.analyticReference().reasons.contains { $0.contains("routing longestIdle") })
    }
}
