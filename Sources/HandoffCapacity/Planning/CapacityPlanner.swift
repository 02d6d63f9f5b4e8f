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
    /// Empty: the profile's (``CapacityPlanner`` fills it in).
    public var routings: [LoadProfile.Routing]

    public init(agents: ClosedRange<Int>, maxChats: [Int], notifications: [LoadProfile.Notification], routings: [LoadProfile.Routing] = []) {
        self.agents = agents
        self.maxChats = maxChats
        self.notifications = notifications
        self.routings = routings
    }

    private enum Keys: String, CodingKey { case agentsMin, agentsMax, maxChats, notifications, routings }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(agents.lowerBound, forKey: .agentsMin)
        try c.encode(agents.upperBound, forKey: .agentsMax)
        try c.encode(maxChats, forKey: .maxChats)
        try c.encode(notifications.map(\.label), forKey: .notifications)
        try c.encode(routings, forKey: .routings)
    }
}

/// An interior maxChats optimum: for these agents, routing and notification, the mean wait is
/// least at ``bestMaxChats``, with fewer and with more chats per agent both worse.
public struct PlanOptimum: Sendable, Encodable {
    public struct Point: Sendable, Encodable {
        public var maxChats: Int
        public var meanWaitSeconds: Double
        /// From an exact result (else the simulated mean).
        public var exact: Bool
    }

    public var routing: LoadProfile.Routing
    public var notification: String
    public var agents: Int
    public var bestMaxChats: Int
    public var meanWaitByMaxChats: [Point]
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
        /// Not simulated: decided by an exact value (the cell meets the assumptions of Erlang
        /// C/A or the shared-rate chain) that misses a target, or by the Erlang bound (instant
        /// notification, no slowdown) missing one by more than the screening margin.
        case screenedOut
        /// Not simulated: more agents than a feasible cell with the same maxChats, mode and routing.
        case dominated
    }

    public var agents: Int
    public var maxChats: Int
    public var notification: String
    public var routing: LoadProfile.Routing
    public var slots: Int
    /// The screening value: exact (``analyticIsExact``) or an optimistic bound; `nil` where
    /// neither is known (then the cell is only simulated).
    public var analytic: AnalyticSummary?
    /// Where ``analytic`` comes from: `erlangC`, `erlangA`, `sharedRate` (exact for this cell),
    /// `erlangBound` (Erlang C/A for the same slots with instant notification: optimistic), or
    /// `null`.
    public var analyticSource: String?
    public var analyticIsExact: Bool
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

/// Sweeps agents × maxChats × notification mode × routing for the cheapest configurations
/// meeting a ``PlanTarget`` (`handoff-sim plan`).
///
/// Every target is monotone in the number of agents (more agents: higher service level, less
/// abandonment, lower occupancy), so for each (routing, mode, maxChats) the planner looks for the
/// smallest feasible number of agents:
/// 1. **Screening, only where it is sound** (admission `agentOnline` only: the waiting system
///    the formulas describe):
///    - a cell that meets the assumptions of an exact result — Poisson arrivals at one rate,
///      exponential work and patience, instant notification, no pick-up time, no shifts: Erlang
///      C/A without slowdown, the shared-rate chain under the shared model — is `screenedOut`
///      when that exact value misses a service-level or abandonment target;
///    - a cell without slowdown that differs only in notification or pick-up time is screened
///      with Erlang C/A for its slots with instant notification, an optimistic bound (a delay
///      before pick-up only adds wait), when it misses by more than ``screeningMargin``;
///    - every other cell (other distributions, a varying rate, slowdown without an exact
///      chain, shifts) is simulated: a formula at mean values is no bound there.
///    Occupancy is not screened: with patience, slower pick-ups mean more abandonment and so
///    *lower* occupancy than the formula's.
/// 2. **Simulation near the boundary.** From the smallest surviving agent count upwards, each
///    cell is simulated (the profile's replications, common random numbers across cells) until
///    one is `feasible` with its whole 95 % CI inside the targets; later cells are `dominated`.
/// The cheapest configurations are the feasible (then marginal) cells ordered by agents, then
/// slots, then service level. ``optima(_:)`` finds, for each agent count, the maxChats past which
/// more chats per agent make waits worse.
public struct CapacityPlanner: Sendable {
    public let profile: LoadProfile
    public let target: PlanTarget
    public let grid: PlanGrid
    /// Default 0.05: how far outside a target the Erlang bound must be to skip simulation.
    public var screeningMargin = 0.05

    public init(profile: LoadProfile, target: PlanTarget, grid: PlanGrid) {
        self.profile = profile
        self.target = target
        var grid = grid
        if grid.routings.isEmpty { grid.routings = [profile.routing] }
        self.grid = grid
    }

    /// The profile of one cell: the (single) agent group resized.
    public func profile(agents: Int, maxChats: Int, notification: LoadProfile.Notification, routing: LoadProfile.Routing) -> LoadProfile {
        var p = profile
        p.agentGroups = [p.agentGroups[0]]
        p.agentGroups[0].count = agents
        p.agentGroups[0].maxChats = maxChats
        p.agentGroups[0].notification = notification
        p.routing = routing
        p.run.serviceLevelThreshold = target.within
        return p
    }

    /// The cell's screening value: exact where the cell meets an exact result's assumptions, the
    /// Erlang bound where only its notification or pick-up time keep it from one and nothing
    /// slows down, else none.
    func screening(_ cell: LoadProfile) -> (summary: AnalyticSummary, source: String, exact: Bool)? {
        let (reference, reasons) = cell.analyticReference()
        if let reference, reference.formula != .erlangB { return (reference.summary, reference.formula.rawValue, true) }
        if reasons.count == 1, reasons[0].hasPrefix(LoadProfile.unstable) {
            // Exact and unstable: the queue grows without bound, every target is missed.
            let never = AnalyticSummary(
                waitProbability: 1, meanWaitSeconds: .infinity, serviceLevel: 0, abandonmentRate: 0, occupancy: 1, waitP90Seconds: .infinity,
                waitP99Seconds: .infinity)
            return (never, "unstable", true)
        }
        guard !cell.slowsDown else { return nil }
        var instant = cell
        for g in instant.agentGroups.indices {
            instant.agentGroups[g].notification = .instant
            instant.agentGroups[g].pickUpTime = .constant(0)
        }
        guard let bound = instant.analyticReference().reference, bound.formula != .erlangB else { return nil }
        return (bound.summary, "erlangBound", false)
    }

    /// Runs the sweep. - Throws: ``SimulationError`` from a simulated cell.
    public func run() throws(SimulationError) -> [PlanCell] {
        var cells: [PlanCell] = []
        let screens = profile.admission == .agentOnline
        for routing in grid.routings {
            for notification in grid.notifications {
                for maxChats in grid.maxChats {
                    var settled = false
                    for agents in grid.agents {
                        let cellProfile = profile(agents: agents, maxChats: maxChats, notification: notification, routing: routing)
                        let estimate = screens ? screening(cellProfile) : nil
                        var cell = PlanCell(
                            agents: agents, maxChats: maxChats, notification: notification.label, routing: routing, slots: agents * maxChats,
                            analytic: estimate?.summary, analyticSource: estimate?.source, analyticIsExact: estimate?.exact ?? false,
                            simulated: nil, verdict: .screenedOut, reason: "")
                        if settled {
                            cell.verdict = .dominated
                            cell.reason = "more agents than a feasible configuration with the same maxChats, notification and routing"
                            cells.append(cell)
                            continue
                        }
                        if let estimate {
                            // Occupancy 0: never screened (see the type's documentation).
                            let margin = target.margin(
                                serviceLevel: estimate.summary.serviceLevel, abandonment: estimate.summary.abandonmentRate, occupancy: 0)
                            let limit = estimate.exact ? 0 : -screeningMargin
                            if margin < limit {
                                cell.reason = estimate.exact
                                    ? "exact (\(estimate.source)) misses the target by \(NumberText.fixed(-margin, 3))"
                                    : "Erlang bound (instant notification) misses the target by \(NumberText.fixed(-margin, 3))"
                                cells.append(cell)
                                continue
                            }
                        }
                        cells.append(try simulated(cell, profile: cellProfile, settled: &settled))
                    }
                }
            }
        }
        return cells
    }

    /// For each (routing, notification, agents) whose every swept maxChats (three or more) has a
    /// value, the maxChats with the least mean wait when it is neither the smallest nor the
    /// largest swept and strictly better than both: the point past which more chats per agent
    /// make waits worse. Values are exact where the cell had an exact result, else the simulated
    /// mean; a row with a cell that has neither (dominated, not simulated) names no optimum.
    public static func optima(_ cells: [PlanCell]) -> [PlanOptimum] {
        var rows: [String: [PlanCell]] = [:]
        var order: [String] = []
        for cell in cells {
            let key = "\(cell.routing.rawValue)|\(cell.notification)|\(cell.agents)"
            if rows[key] == nil { order.append(key) }
            rows[key, default: []].append(cell)
        }
        var found: [PlanOptimum] = []
        for key in order {
            let row = rows[key]!.sorted { $0.maxChats < $1.maxChats }
            let valued = row.compactMap { cell -> (Int, Double, Bool)? in
                if cell.analyticIsExact, let wait = cell.analytic?.meanWaitSeconds { return (cell.maxChats, wait, true) }
                if let wait = cell.simulated?[.meanWaitSeconds]?.mean { return (cell.maxChats, wait, false) }
                return nil
            }
            guard valued.count == row.count, valued.count >= 3, valued.allSatisfy({ $0.1.isFinite || $0.1 == .infinity }),
                let best = valued.indices.min(by: { valued[$0].1 < valued[$1].1 }),
                best > 0, best < valued.count - 1,
                valued[best].1 < valued[0].1, valued[best].1 < valued[valued.count - 1].1
            else { continue }
            found.append(
                PlanOptimum(
                    routing: row[0].routing, notification: row[0].notification, agents: row[0].agents, bestMaxChats: valued[best].0,
                    meanWaitByMaxChats: valued.map { PlanOptimum.Point(maxChats: $0.0, meanWaitSeconds: $0.1, exact: $0.2) }))
        }
        return found
    }

    /// Simulates one cell and gives its verdict; a feasible one settles its row.
    private func simulated(_ cell: PlanCell, profile: LoadProfile, settled: inout Bool) throws(SimulationError) -> PlanCell {
        var cell = cell
        let result = try CapacitySimulator(profile: profile).run()
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
