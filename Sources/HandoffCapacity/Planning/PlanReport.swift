import HandoffMeasurement
import HandoffWorkload
/// `plan.json`: the full grid of a `handoff-sim plan` run and the cheapest configurations;
/// `plan.csv` and `plan.html` are derived from it. Deterministic apart from `timing`.
public struct PlanReport: Sendable, Encodable {
    public struct Timing: Sendable, Encodable {
        public var startedAt: String
        public var endedAt: String
        public var wallSeconds: Double
    }

    public var tool = "handoff-sim plan"
    public var toolVersion: String
    public var commandLine: [String]
    public var seed: UInt64
    public var profile: LoadProfile
    public var target: PlanTarget
    public var grid: PlanGrid
    public var screeningMargin: Double
    /// Every cell of the grid, in sweep order (notification, maxChats, agents).
    public var cells: [PlanCell]
    /// Feasible cells cheapest first (then marginal ones).
    public var cheapest: [PlanCell]
    /// Interior maxChats optima (``CapacityPlanner/optima(_:)``).
    public var optima: [PlanOptimum]
    public var simulatedCells: Int
    public var timing: Timing

    public init(
        planner: CapacityPlanner, cells: [PlanCell], toolVersion: String, commandLine: [String], startedAt: String, endedAt: String,
        wallSeconds: Double
    ) {
        self.toolVersion = toolVersion
        self.commandLine = commandLine
        seed = planner.profile.run.seed
        profile = planner.profile
        target = planner.target
        grid = planner.grid
        screeningMargin = planner.screeningMargin
        self.cells = cells
        cheapest = CapacityPlanner.cheapest(cells)
        optima = CapacityPlanner.optima(cells)
        simulatedCells = cells.filter { $0.simulated != nil }.count
        timing = Timing(startedAt: startedAt, endedAt: endedAt, wallSeconds: wallSeconds)
    }

    /// One row per cell.
    public func csvTable() -> CSVTable {
        var table = CSVTable(header: [
            "routing", "agents", "maxChats", "notification", "slots", "verdict", "analyticSource", "analyticServiceLevel", "analyticAbandonmentRate",
            "analyticOccupancy", "analyticMeanWaitSeconds",
            "serviceLevel", "serviceLevelCiLow", "serviceLevelCiHigh", "abandonmentRate", "occupancy", "meanWaitSeconds", "waitP90Seconds",
            "reason",
        ])
        func f(_ v: Double?) -> String { v.map { $0.isFinite ? NumberText.fixed($0, 6) : "" } ?? "" }
        for c in cells {
            let s = c.simulated
            table.append([
                c.routing.rawValue, String(c.agents), String(c.maxChats), c.notification, String(c.slots), c.verdict.rawValue, c.analyticSource ?? "",
                f(c.analytic?.serviceLevel), f(c.analytic?.abandonmentRate), f(c.analytic?.occupancy), f(c.analytic?.meanWaitSeconds),
                f(s?[.serviceLevel]?.mean), f(s?[.serviceLevel]?.ciLow ?? nil),
                f(s?[.serviceLevel]?.ciHigh ?? nil), f(s?[.abandonmentRate]?.mean), f(s?[.occupancy]?.mean), f(s?[.meanWaitSeconds]?.mean),
                f(s?[.waitP90Seconds]?.mean), c.reason,
            ])
        }
        return table
    }

    /// The cheapest configurations as a terminal table.
    public func terminalSummary(limit: Int = 5) -> String {
        var out = "Plan: \(profile.name) — target \(target.label)\n"
        out += "  grid: agents \(grid.agents.lowerBound)–\(grid.agents.upperBound) × maxChats \(grid.maxChats.map(String.init).joined(separator: ",")) × \(grid.notifications.map(\.label).joined(separator: ", "))"
        out += " × routing \(grid.routings.map(\.rawValue).joined(separator: ", "))"
        out += "; \(cells.count) cells, \(simulatedCells) simulated (\(profile.run.replications) replications each), "
        out += "\(cells.filter { $0.verdict == .screenedOut }.count) screened out analytically, \(cells.filter { $0.verdict == .dominated }.count) dominated\n\n"
        out += optimaSummary()
        guard !cheapest.isEmpty else {
            return out + "  No configuration in the grid meets the target. Widen --agents-range or --max-chats-list.\n"
        }
        var rows: [[String]] = [["#", "agents", "maxChats", "notification", "routing", "verdict", "service level (95% CI)", "abandon", "occupancy", "mean wait"]]
        for (i, c) in cheapest.prefix(limit).enumerated() {
            let s = c.simulated ?? [:]
            func v(_ m: CapacityMetric) -> String { s[m].map { SimulationReport.value($0.mean, m) } ?? "" }
            let sl = s[.serviceLevel].map { "\(SimulationReport.value($0.mean, .serviceLevel)) \(SimulationReport.interval($0, .serviceLevel))" } ?? ""
            rows.append([
                String(i + 1), String(c.agents), String(c.maxChats), c.notification, c.routing.rawValue, c.verdict.rawValue, sl, v(.abandonmentRate),
                v(.occupancy), v(.meanWaitSeconds),
            ])
        }
        out += "Cheapest configurations:\n" + SimulationReport.table(rows)
        return out
    }

    /// The interior optima as a table of mean waits by maxChats (the least marked `*`; `~` a
    /// simulated mean, the rest exact), at most eight rows; empty without optima.
    func optimaSummary() -> String {
        guard !optima.isEmpty else { return "" }
        var rows: [[String]] = [["routing", "notification", "agents"] + grid.maxChats.map { "maxChats \($0)" }]
        for o in optima.prefix(8) {
            rows.append([o.routing.rawValue, o.notification, String(o.agents)] + grid.maxChats.map { k in
                guard let p = o.meanWaitByMaxChats.first(where: { $0.maxChats == k }) else { return "" }
                return (p.exact ? "" : "~") + NumberText.fixed(p.meanWaitSeconds, 2) + (k == o.bestMaxChats ? " *" : "")
            })
        }
        return "Interior maxChats optimum (mean wait in seconds; past * more chats per agent wait longer):\n" + SimulationReport.table(rows) + "\n"
    }
}

extension PlanReport: ReportDocument {
    /// `plan.json`, `plan.csv`, `plan.html`.
    public static var baseName: String { "plan" }
}
