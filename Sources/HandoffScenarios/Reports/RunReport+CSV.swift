import Foundation
import HandoffMeasurement

extension RunReport {
    /// The report as a table, one row per scenario, in report order.
    ///
    /// Columns: `name, file, passed, failures` (the number of failed checks), `stepsRun, stepsTotal,
    /// wallMs, scenarioMs, requested, pickedUp, resolved, afterHours, abandoned`; then `waitP50Ms,
    /// waitP99Ms` when any scenario measured `wait` (empty cells for those that did not); then
    /// `failureDetails`: every failure as `step: reason`, joined by `"; "`. Milliseconds have three
    /// decimals (microsecond resolution).
    public func csvTable() -> CSVTable {
        let hasWait = scenarios.contains { $0.metrics["wait"] != nil }
        var header = [
            "name", "file", "passed", "failures", "stepsRun", "stepsTotal", "wallMs", "scenarioMs",
            "requested", "pickedUp", "resolved", "afterHours", "abandoned",
        ]
        if hasWait { header += ["waitP50Ms", "waitP99Ms"] }
        header.append("failureDetails")
        var table = CSVTable(header: header)
        for scenario in scenarios {
            let counts = scenario.counts
            var row = [
                scenario.name, scenario.file, String(scenario.passed), String(scenario.failures.count),
                String(scenario.stepsRun), String(scenario.stepsTotal),
                ReportNumber.milliseconds(scenario.wallMilliseconds), ReportNumber.milliseconds(scenario.scenarioMilliseconds),
                String(counts.requested), String(counts.pickedUp), String(counts.resolved), String(counts.afterHours), String(counts.abandoned),
            ]
            if hasWait {
                let wait = scenario.metrics["wait"]
                row += [wait.map { ReportNumber.milliseconds($0.p50) } ?? "", wait.map { ReportNumber.milliseconds($0.p99) } ?? ""]
            }
            row.append(scenario.failures.map(\.line).joined(separator: "; "))
            table.append(row)
        }
        return table
    }
}

extension ScenarioResult.Failure {
    /// `step: reason`, as failures are listed in CSV, JUnit and HTML.
    var line: String { "\(step): \(reason)" }
}

/// Deterministic, locale-independent number text for the derived reports.
enum ReportNumber {
    /// Three decimals: `12.500`; `nan`/`inf` spelled out.
    static func milliseconds(_ value: Double) -> String { fixed(value, decimals: 3) }

    /// Seconds from milliseconds, three decimals (JUnit `time`).
    static func seconds(fromMilliseconds value: Double) -> String { fixed(value / 1000, decimals: 3) }

    static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        // String(format:) with no locale always uses "." as the decimal separator.
        return String(format: "%.\(decimals)f", value)
    }
}
