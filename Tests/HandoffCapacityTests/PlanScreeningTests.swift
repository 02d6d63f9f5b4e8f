@testable import HandoffCapacity
import HandoffWorkload
import HandoffMeasurement
import Foundation
import Testing

/// `plan` under the shared-rate model: sound screening (exact values or a proven bound only),
/// the routing dimension, and the interior maxChats optimum.
@Suite("Plan: screening and the maxChats optimum")
struct PlanScreeningTests {
    /// Agents whose throughput F(k) peaks at four chats (the shipped juggling-desk example, shorter runs).
    static func juggling(hours: Double = 6, replications: Int = 4) throws -> LoadProfile {
        var p = try ProfileLoader.load(file: Repository.path("scenarios/capacity/juggling-desk.yaml"))
        p.run.horizon = hours * 3600
        p.run.warmup = 3600
        p.run.replications = replications
        return p
    }

    @Test func theExampleHasAnInteriorOptimumFromTheExactChain() async throws {
        let profile = try Self.juggling()
        let planner = CapacityPlanner(
            profile: profile, target: PlanTarget(serviceLevel: 0.8, within: 60),
            grid: PlanGrid(agents: 4...5, maxChats: [2, 3, 4, 5, 6], notifications: [.instant], routings: [.leastBusy, .mostBusy]))
        let cells = try await offPool { try planner.run() }
        #expect(cells.count == 2 * 2 * 5)
        #expect(cells.allSatisfy { $0.analyticIsExact && $0.analyticSource == "sharedRate" })
        let optima = CapacityPlanner.optima(cells)
        let four = try #require(optima.first { $0.agents == 4 && $0.routing == .leastBusy })
        #expect(four.bestMaxChats == 4)
        #expect(four.meanWaitByMaxChats.allSatisfy { $0.exact })
        // The same staffing waits longer when agents are filled one by one.
        let most = try #require(optima.first { $0.agents == 4 && $0.routing == .mostBusy })
        for (l, m) in zip(four.meanWaitByMaxChats, most.meanWaitByMaxChats) where l.maxChats > 1 { #expect(l.meanWaitSeconds <= m.meanWaitSeconds) }
        // An exact miss is screened, not simulated.
        #expect(cells.contains { $0.verdict == .screenedOut && $0.reason.hasPrefix("exact (sharedRate)") })
        let report = PlanReport(planner: planner, cells: cells, toolVersion: "t", commandLine: [], startedAt: "", endedAt: "", wallSeconds: 0)
        #expect(report.terminalSummary().contains("Interior maxChats optimum"))
        #expect(report.htmlPage().contains("Interior maxChats optima"))
        #expect(report.csvTable().header.first == "routing")
    }

    /// Where no exact result and no proven bound applies, nothing is screened: every cell up
    /// to the first feasible one is simulated, however hopeless the formula at mean values says it is.
    @Test func screeningNeedsAnExactResultOrAProvenBound() throws {
        var lognormal = textbook(ratePerHour: 180, agents: 1, handle: 60, patience: 60, hours: 4, replications: 3)
        lognormal.conversation.handleTime = .lognormal(mean: 60, sd: 90)
        let planner = CapacityPlanner(profile: lognormal, target: PlanTarget(serviceLevel: 0.8, within: 20), grid: PlanGrid(agents: 1...3, maxChats: [1], notifications: [.instant]))
        #expect(planner.screening(planner.profile(agents: 1, maxChats: 1, notification: .instant, routing: .pickup)) == nil)

        var pickUpSlowdown = textbook(ratePerHour: 180, agents: 1, maxChats: 2, handle: 60, patience: 60)
        pickUpSlowdown.conversation.concurrency = .atPickUp(slowdown: [1, 1.4])
        let slowPlanner = CapacityPlanner(profile: pickUpSlowdown, target: planner.target, grid: planner.grid)
        #expect(slowPlanner.screening(slowPlanner.profile(agents: 2, maxChats: 2, notification: .instant, routing: .pickup)) == nil)

        // Without slowdown a delayed notification is bounded by the instant formula, not decided by it.
        let plain = textbook(ratePerHour: 180, agents: 1, handle: 60, patience: 60)
        let plainPlanner = CapacityPlanner(profile: plain, target: planner.target, grid: planner.grid)
        let bound = try #require(plainPlanner.screening(plainPlanner.profile(agents: 3, maxChats: 1, notification: .polling(interval: 5), routing: .pickup)))
        #expect(bound.source == "erlangBound" && !bound.exact)
        let exact = try #require(plainPlanner.screening(plainPlanner.profile(agents: 3, maxChats: 1, notification: .instant, routing: .pickup)))
        #expect(exact.source == "erlangA" && exact.exact)
        // A shared-rate team with delayed notification: no exact chain, no proven bound.
        let shared = try Self.juggling()
        let sharedPlanner = CapacityPlanner(profile: shared, target: planner.target, grid: planner.grid)
        #expect(sharedPlanner.screening(sharedPlanner.profile(agents: 5, maxChats: 4, notification: .polling(interval: 5), routing: .leastBusy)) == nil)
    }

    /// An exact model that is unstable (no patience, arrivals above the team's full rate) misses
    /// every target for sure: screened, never simulated.
    @Test func unstableExactCellsAreScreenedOut() async throws {
        var profile = try Self.juggling()
        profile.users.patience = nil
        let planner = CapacityPlanner(
            profile: profile, target: PlanTarget(serviceLevel: 0.8, within: 60),
            grid: PlanGrid(agents: 2...2, maxChats: [1, 2], notifications: [.instant], routings: [.leastBusy]))
        let cells = try await offPool { try planner.run() }
        #expect(cells.allSatisfy { $0.verdict == .screenedOut && $0.analyticSource == "unstable" && $0.simulated == nil })
        var plain = textbook(ratePerHour: 600, agents: 1, handle: 60)
        plain.users.patience = nil
        let plainPlanner = CapacityPlanner(profile: plain, target: planner.target, grid: PlanGrid(agents: 2...3, maxChats: [1], notifications: [.instant]))
        #expect(try await offPool { try plainPlanner.run() }.allSatisfy { $0.verdict == .screenedOut })
    }

    @Test func anOptimumMustBeInsideAndBetterThanBothEnds() {
        func cells(_ waits: [Double]) -> [PlanCell] {
            waits.enumerated().map { k, wait in
                PlanCell(
                    agents: 3, maxChats: k + 1, notification: "instant", routing: .leastBusy, slots: 3 * (k + 1),
                    analytic: AnalyticSummary(
                        waitProbability: 0, meanWaitSeconds: wait, serviceLevel: 1, abandonmentRate: 0, occupancy: 0, waitP90Seconds: 0, waitP99Seconds: 0),
                    analyticSource: "sharedRate", analyticIsExact: true, simulated: nil, verdict: .feasible, reason: "")
            }
        }
        #expect(CapacityPlanner.optima(cells([9, 5, 7])).map(\.bestMaxChats) == [2])
        #expect(CapacityPlanner.optima(cells([9, 5, 3])).isEmpty)  // still falling at the largest
        #expect(CapacityPlanner.optima(cells([3, 5, 7])).isEmpty)  // best at the smallest
        #expect(CapacityPlanner.optima(cells([9, 5])).isEmpty)  // too few points
        #expect(CapacityPlanner.optima(cells([9, 5, 5])).isEmpty)  // not better than the end
        // A row with a cell of no value (dominated, never simulated) names no optimum.
        var gap = cells([9, 5, 7, 8])
        gap[3].analytic = nil
        gap[3].analyticIsExact = false
        #expect(CapacityPlanner.optima(gap).isEmpty)
    }
}
