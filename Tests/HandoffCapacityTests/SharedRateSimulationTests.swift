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

    /// A chat that is alone again speeds up: one agent, two chats of work 100 s each under F = [1, 1]
    /// (two chats share one chat's speed) take 200 s together, not 100 + 200 s as a pick-up factor of 2 would say.
    @Test func sharedSpeedChangesWhenTheLoadDoes() {
        let behaviour = AgentBehaviour(
            LoadProfile.AgentGroup(name: "a", count: 1, maxChats: 2), conversation: .init(handleTime: .constant(100), concurrency: .shared(throughput: [1, 1])))
        #expect(behaviour.sharesRate)
        #expect(behaviour.progressRate(chats: 1) == 1)
        #expect(behaviour.progressRate(chats: 2) == 0.5)
        #expect(behaviour.progressRate(chats: 3) == 0.5)  // past maxChats: the last
        let pickUp = AgentBehaviour(LoadProfile.AgentGroup(name: "a", count: 1, maxChats: 2), conversation: .init(handleTime: .constant(100), slowdown: [1, 2]))
        #expect(!pickUp.sharesRate && pickUp.progressRate(chats: 2) == 1 && pickUp.chatDuration(work: 100, concurrency: 2) == 200)
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
