import HandoffWorkload
import HandoffMeasurement

extension SimulationReport: ReportDocument {
    /// `simulate.json`, `simulate.csv`, `simulate.html`.
    public static var baseName: String { "simulate" }
}

extension SimulationReport {
    /// The metrics of the per-interval CSV, in column order.
    static let csvMetrics: [CapacityMetric] = [
        .arrivalsPerHour, .waitProbability, .meanWaitSeconds, .serviceLevel, .abandonmentRate, .occupancy, .waitP50Seconds,
        .waitP90Seconds, .waitP95Seconds, .waitP99Seconds, .afterHoursProbability, .meanQueueLength, .maxQueueLength,
        .firstResponseSeconds, .emailLeadRate,
    ]

    /// One row per interval of the day that had requests, then `all` for the whole day:
    /// counts (all replications) and each metric's mean and 95 % CI bounds (empty when unknown).
    public func csvTable() -> CSVTable {
        var header = ["from", "to", "arrivals", "afterHours", "queued", "served", "abandoned", "unfinished"]
        for metric in Self.csvMetrics { header += [metric.rawValue, metric.rawValue + "CiLow", metric.rawValue + "CiHigh"] }
        var table = CSVTable(header: header)
        func cells(_ e: Estimate?) -> [String] {
            guard let e else { return ["", "", ""] }
            func f(_ v: Double?) -> String { v.map { $0.isNaN ? "" : NumberText.fixed($0, 6) } ?? "" }
            return [f(e.mean), f(e.ciLow), f(e.ciHigh)]
        }
        func countCells(_ c: SimulationResult.Counts) -> [String] {
            [c.arrivals, c.afterHours, c.queued, c.served, c.abandoned, c.unfinished].map(String.init)
        }
        for row in intervals where row.counts.arrivals > 0 {
            table.append([row.from, row.to] + countCells(row.counts) + Self.csvMetrics.flatMap { cells(row.metrics[$0]) })
        }
        table.append(["all", ""] + countCells(counts) + Self.csvMetrics.flatMap { cells(estimate($0)) })
        return table
    }
}
