import HandoffEngine
import HandoffWorkload

/// What a staffing plan must achieve. Unset targets are not checked.
public struct PlanTarget: Hashable, Sendable, Encodable {
    /// Minimum service level P(wait ≤ `within`) (`--target-sl`).
    public var serviceLevel: Double?
    /// The t of the service level, seconds (`--within`).
    public var within: Double
    /// Maximum abandonment rate (`--max-abandon`).
    public var maxAbandonment: Double?
    /// Maximum occupancy (`--max-occupancy`).
    public var maxOccupancy: Double?

    public init(serviceLevel: Double? = nil, within: Double = 60, maxAbandonment: Double? = nil, maxOccupancy: Double? = nil) {
        self.serviceLevel = serviceLevel
        self.within = within
        self.maxAbandonment = maxAbandonment
        self.maxOccupancy = maxOccupancy
    }

    /// How far `values` are inside the targets: the smallest margin (negative: missed).
    func margin(serviceLevel sl: Double, abandonment: Double, occupancy: Double) -> Double {
        var worst = Double.infinity
        if let serviceLevel { worst = min(worst, sl - serviceLevel) }
        if let maxAbandonment { worst = min(worst, maxAbandonment - abandonment) }
        if let maxOccupancy { worst = min(worst, maxOccupancy - occupancy) }
        return worst.isNaN ? -.infinity : worst
    }

    /// A one-line description: `SL ≥ 80% within 60s, abandonment ≤ 5%, occupancy ≤ 85%`.
    public var label: String {
        var parts: [String] = []
        if let serviceLevel { parts.append("SL ≥ \(NumberText.percent(serviceLevel)) within \(NumberText.seconds(within))") }
        if let maxAbandonment { parts.append("abandonment ≤ \(NumberText.percent(maxAbandonment))") }
        if let maxOccupancy { parts.append("occupancy ≤ \(NumberText.percent(maxOccupancy))") }
        return parts.isEmpty ? "no target" : parts.joined(separator: ", ")
    }
}

/// The grid `plan` sweeps.
public struct PlanGrid: Hashable, Sendable, Encodable {
    public var agents: ClosedRange<Int>
    public var maxChats: [Int]
    public var notifications: [LoadProfile.Notification]

    public init(agents: ClosedRange<Int>, maxChats: [Int], notifications: [LoadProfile.Notification]) {
        self.agents = agents
        self.maxChats = maxChats
        self.notifications = notifications
    }

    private enum Keys: String, CodingKey { case agentsMin, agentsMax, maxChats, notifications }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(agents.lowerBound, forKey: .agentsMin)
        try c.encode(agents.upperBound, forKey: .agentsMax)
        try c.encode(maxChats, forKey: .maxChats)
        try c.encode(notifications.map(\.label), forKey: .notifications)
    }
}

/// One configuration of the grid and what was found about it.
public struct PlanCell: Sendable, Encodable {
    public enum Verdict: String, Sendable, Encodable {
        /// Simulated; the means meet every target and the 95 % CIs do too.
        case feasible
        /// Simulated; the means meet the targets but a CI crosses one (borderline).
        case marginal
        /// Simulated; a mean misses a target.
        case infeasible
        /// Not simulated: the analytic (instant-notification) prediction misses a target by
        /// more than the screening margin, and slower notification only makes it worse.
        case screenedOut
        /// Not simulated: more agents than a feasible cell with the same maxChats and mode.
        case dominated
    }

    public var agents: Int
    public var maxChats: Int
    public var notification: String
    public var slots: Int
    /// Erlang C/A with the profile's (mean) arrival rate, mean handle time and mean patience,
    /// instant notification: the screening estimate.
    public var analytic: AnalyticSummary?
    public var simulated: [CapacityMetric: Estimate]?
    public var verdict: Verdict
    public var reason: String
}

extension AnalyticSummary: Encodable {
    private enum Keys: String, CodingKey {
        case waitProbability, meanWaitSeconds, serviceLevel, abandonmentRate, occupancy, waitP90Seconds, waitP99Seconds
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(waitProbability, forKey: .waitProbability)
        try c.encode(meanWaitSeconds, forKey: .meanWaitSeconds)
        try c.encode(serviceLevel, forKey: .serviceLevel)
        try c.encode(abandonmentRate, forKey: .abandonmentRate)
        try c.encode(occupancy, forKey: .occupancy)
        try c.encode(waitP90Seconds, forKey: .waitP90Seconds)
        try c.encode(waitP99Seconds, forKey: .waitP99Seconds)
    }
}

/// Sweeps agents × maxChats × notification mode for the cheapest configurations meeting a
/// ``PlanTarget`` (`handoff-sim plan`).
///
/// Every target is monotone in the number of agents (more agents: higher service level, less
/// abandonment, lower occupancy), so for each (maxChats, mode) the planner looks for the
/// smallest feasible number of agents:
/// 1. **Analytic screening** (admission `agentOnline` only: the waiting system the formulas
///    describe). Erlang C (or A) at the profile's mean arrival rate, mean handle time and mean
///    patience, with instant notification, is an optimistic bound for the service level and the
///    abandonment of the real profile (notification delays and slowdown only add wait). Cells
///    that miss one of those by more than ``screeningMargin`` even there are `screenedOut`, not
///    simulated. Occupancy is not screened: with patience, slower pick-ups mean more
///    abandonment and so *lower* occupancy than the formula's. Under `freeSlot` every cell is
///    simulated (`handoff-sim plan` refuses `freeSlot`: its targets ignore after-hours answers).
/// 2. **Simulation near the boundary.** From the smallest surviving agent count upwards, each
///    cell is simulated (the profile's replications, common random numbers across cells) until
///    one is `feasible` with its whole 95 % CI inside the targets; later cells are `dominated`.
/// The cheapest configurations are the feasible (then marginal) cells ordered by agents, then
/// slots, then service level.
public struct CapacityPlanner: Sendable {
    public let profile: LoadProfile
    public let target: PlanTarget
    public let grid: PlanGrid
    /// Default 0.05: how far outside a target the analytic value must be to skip simulation.
    public var screeningMargin = 0.05

    public init(profile: LoadProfile, target: PlanTarget, grid: PlanGrid) {
        self.profile = profile
        self.target = target
        self.grid = grid
    }

    /// The profile of one cell: the (single) agent group resized.
    public func profile(agents: Int, maxChats: Int, notification: LoadProfile.Notification) -> LoadProfile {
        var p = profile
        p.agentGroups = [p.agentGroups[0]]
        p.agentGroups[0].count = agents
        p.agentGroups[0].maxChats = maxChats
        p.agentGroups[0].notification = notification
        p.run.serviceLevelThreshold = target.within
        return p
    }

    /// Runs the sweep. - Throws: ``SimulationError`` from a simulated cell.
    public func run() throws(SimulationError) -> [PlanCell] {
        var cells: [PlanCell] = []
        let lambda = profile.arrivals.meanRatePerHour / 3600
        let handle = profile.conversation.handleTime.mean
        let patience = profile.users.patience?.mean
        let screens = profile.admission == .agentOnline
        for notification in grid.notifications {
            for maxChats in grid.maxChats {
                var settled = false
                for agents in grid.agents {
                    let slots = agents * maxChats
                    let model = QueueModel(arrivalRate: lambda, meanHandleTime: handle, servers: slots, meanPatience: patience)
                    let analytic = Analytic.summary(model, serviceLevelThreshold: target.within)
                    var cell = PlanCell(
                        agents: agents, maxChats: maxChats, notification: notification.label, slots: slots, analytic: analytic, simulated: nil,
                        verdict: .screenedOut, reason: "")
                    if settled {
                        cell.verdict = .dominated
                        cell.reason = "more agents than a feasible configuration with the same maxChats"
                        cells.append(cell)
                        continue
                    }
                    guard screens else {
                        cells.append(try simulated(cell, notification: notification, settled: &settled))
                        continue
                    }
                    guard let analytic else {
                        cell.reason = "unstable: offered load \(NumberText.fixed(model.offeredLoad, 2)) ≥ \(slots) slots and nobody abandons"
                        cells.append(cell)
                        continue
                    }
                    // Occupancy 0: never screened (see the type's documentation).
                    let margin = target.margin(serviceLevel: analytic.serviceLevel, abandonment: analytic.abandonmentRate, occupancy: 0)
                    if margin < -screeningMargin {
                        cell.reason = "analytic (instant notification) misses the target by \(NumberText.fixed(-margin, 3))"
                        cells.append(cell)
                        continue
                    }
                    cells.append(try simulated(cell, notification: notification, settled: &settled))
                }
            }
        }
        return cells
    }

    /// Simulates one cell and gives its verdict; a feasible one settles its row.
    private func simulated(_ cell: PlanCell, notification: LoadProfile.Notification, settled: inout Bool) throws(SimulationError) -> PlanCell {
        var cell = cell
        let result = try CapacitySimulator(profile: profile(agents: cell.agents, maxChats: cell.maxChats, notification: notification)).run()
        cell.simulated = result.summary
        let sl = result.summary[.serviceLevel] ?? Estimate(values: [])
        let ab = result.summary[.abandonmentRate] ?? Estimate(values: [])
        let occ = result.summary[.occupancy] ?? Estimate(values: [])
        let meanMargin = target.margin(serviceLevel: sl.mean, abandonment: ab.mean, occupancy: occ.mean)
        let worstMargin = target.margin(
            serviceLevel: sl.ciLow ?? sl.mean, abandonment: ab.ciHigh ?? ab.mean, occupancy: occ.ciHigh ?? occ.mean)
        if meanMargin < 0 {
            cell.verdict = .infeasible
            cell.reason = "simulated mean misses the target by \(NumberText.fixed(-meanMargin, 3))"
        } else if worstMargin < 0 {
            cell.verdict = .marginal
            cell.reason = "simulated means meet the target; a 95% CI crosses it"
        } else {
            cell.verdict = .feasible
            cell.reason = "simulated means and 95% CIs meet the target"
            settled = true
        }
        return cell
    }

    /// Feasible cells (marginal ones after them), cheapest first: fewest agents, then fewest
    /// slots, then the highest simulated service level.
    public static func cheapest(_ cells: [PlanCell]) -> [PlanCell] {
        func rank(_ c: PlanCell) -> Int { c.verdict == .feasible ? 0 : 1 }
        return cells.filter { $0.verdict == .feasible || $0.verdict == .marginal }.sorted { a, b in
            if rank(a) != rank(b) { return rank(a) < rank(b) }
            if a.agents != b.agents { return a.agents < b.agents }
            if a.slots != b.slots { return a.slots < b.slots }
            return (a.simulated?[.serviceLevel]?.mean ?? 0) > (b.simulated?[.serviceLevel]?.mean ?? 0)
        }
    }

    /// A default agent range for the sweep: from the fewest agents that could hold the offered
    /// load at maxChats = the largest option, to twice the load at maxChats 1, plus 2.
    public static func defaultAgents(for profile: LoadProfile, maxChats: [Int]) -> ClosedRange<Int> {
        let a = profile.arrivals.meanRatePerHour / 3600 * profile.conversation.handleTime.mean
        let low = max(1, Int((a / Double(maxChats.max() ?? 1)).rounded(.down)))
        let high = max(low + 1, Int((2 * a).rounded(.up)) + 2)
        return low...high
    }
}
