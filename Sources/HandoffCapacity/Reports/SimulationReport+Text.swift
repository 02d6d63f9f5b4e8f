import Foundation
import HandoffEngine
import HandoffWorkload

/// The terminal summary of `handoff-sim simulate`: what was simulated, then one row per
/// statistic with the simulated mean and its 95 % CI next to the analytic value and the
/// relative difference, then the busiest intervals of the day.
extension SimulationReport {
    public func terminalSummary() -> String {
        var out = ""
        let run = profile.run
        let horizon = run.maxArrivals.map { "\($0) arrivals" } ?? "\(NumberText.compact(run.horizon / 3600)) h"
        out += "Profile: \(profile.name)\(profile.file.map { " (\($0))" } ?? "")\n"
        out += "  \(replications) replication\(replications == 1 ? "" : "s") × \(horizon), warm-up \(NumberText.compact(run.warmup / 3600)) h, "
        out += "seed \(seed); \(profile.totalAgents) agents, \(profile.totalSlots) slots; routing \(profile.routing.rawValue), "
        out += "admission \(profile.admission.rawValue)\n"
        out += "  requests measured \(counts.arrivals): queued \(counts.queued), served \(counts.served), abandoned \(counts.abandoned), "
        out += "after-hours \(counts.afterHours)\(counts.unfinished > 0 ? ", still waiting at the end \(counts.unfinished)" : "")\n"
        if let analytic {
            out += "  analytic reference: \(Self.formulaName(analytic.formula)) (s = \(analytic.servers), a = \(NumberText.fixed(analytic.offeredLoad, 3)) Erlangs)\n"
            if let (team, chain) = analytic.sharedRate.map({ ($0.model, $0.solution) }) {
                out += "    \(team.agents) agents × maxChats \(team.maxChats), F = \(team.throughput.map { NumberText.compact($0) }.joined(separator: ", ")), routing \(team.routing.rawValue); "
                out += "\(chain.states) load vectors, residual \(String(format: "%.1e", chain.residual)), queue cut at \(String(format: "%.1e", chain.truncatedMass)); "
                out += "mean chats per agent \(NumberText.fixed(chain.meanLoadPerAgent, 3))\n"
            }
        } else {
            out += "  analytic reference: none — \(analyticNotApplicable.joined(separator: "; "))\n"
        }
        out += "\n"
        var rows: [[String]] = [["statistic", "simulated", "95% CI", "analytic", "rel. diff"]]
        let shown: [CapacityMetric] = [
            .waitProbability, .meanWaitSeconds, .serviceLevel, .abandonmentRate, .occupancy, .waitP50Seconds, .waitP90Seconds,
            .waitP95Seconds, .waitP99Seconds, .afterHoursProbability, .meanQueueLength, .maxQueueLength, .firstResponseSeconds,
        ]
        for metric in shown {
            guard let e = estimate(metric), !e.mean.isNaN else { continue }
            var label = metric.label
            if metric == .serviceLevel { label += " (≤ \(NumberText.seconds(summary.serviceLevelThresholdSeconds)))" }
            let compared = comparison.first { $0.metric == metric }
            rows.append([
                label, Self.value(e.mean, metric), Self.interval(e, metric),
                compared.map { Self.value($0.analytic, metric) } ?? "",
                compared.map { NumberText.relative($0.relativeDifference) + ($0.analyticWithinCI == false ? " *" : "") } ?? "",
            ])
        }
        out += Self.table(rows)
        if comparison.contains(where: { $0.analyticWithinCI == false }) {
            out += "  * analytic value outside the simulated 95% CI\n"
        }
        let busy = intervals.filter { $0.counts.arrivals > 0 }
        if busy.count > 1 {
            out += "\nBy interval (requests arrived in it):\n"
            var table: [[String]] = [["interval", "arrivals/h", "P(wait>0)", "mean wait", "service lvl", "abandon", "occupancy", "after-hours"]]
            for row in busy {
                func m(_ k: CapacityMetric) -> String { row.metrics[k].map { Self.value($0.mean, k) } ?? "" }
                table.append([
                    "\(row.from)–\(row.to)", m(.arrivalsPerHour), m(.waitProbability), m(.meanWaitSeconds), m(.serviceLevel),
                    m(.abandonmentRate), m(.occupancy), m(.afterHoursProbability),
                ])
            }
            out += Self.table(table)
        }
        return out
    }

    /// `timing: 200000 arrivals in 0.041 s of kernel time = 4.9M arrivals/s (wall 0.05 s)`.
    public func timingLine() -> String {
        let rate = timing.arrivalsPerSecond
        return "timing: \(requests) arrivals in \(NumberText.fixed(timing.kernelSeconds, 4)) s of kernel time = "
            + "\(NumberText.fixed(rate, 0)) arrivals/s (engine commands: \(engine.calls.total); wall \(NumberText.fixed(timing.wallSeconds, 3)) s)"
    }

    static func formulaName(_ formula: AnalyticReference.Formula) -> String {
        switch formula {
        case .erlangB: "Erlang B (loss system, admission freeSlot)"
        case .erlangC: "Erlang C (M/M/s)"
        case .erlangA: "Erlang A (M/M/s+M)"
        case .sharedRate: "exact shared-rate chain (agents slow down with concurrent chats)"
        }
    }

    static func value(_ v: Double, _ metric: CapacityMetric) -> String {
        guard v.isFinite else { return v.isNaN ? "–" : "∞" }
        if metric.isFraction { return NumberText.fixed(v, 4) }
        if metric == .maxQueueLength { return NumberText.fixed(v, 1) }
        return NumberText.fixed(v, 2)
    }

    static func interval(_ e: Estimate, _ metric: CapacityMetric) -> String {
        guard let lo = e.ciLow, let hi = e.ciHigh else { return "(1 replication)" }
        return "[\(value(lo, metric)), \(value(hi, metric))]"
    }

    /// Left-aligned first column, right-aligned numbers, two spaces apart.
    static func table(_ rows: [[String]]) -> String {
        guard let width = rows.map(\.count).max() else { return "" }
        var widths = [Int](repeating: 0, count: width)
        for row in rows { for (i, cell) in row.enumerated() { widths[i] = max(widths[i], cell.count) } }
        var out = ""
        for row in rows {
            var line = "  "
            for (i, cell) in row.enumerated() {
                let pad = String(repeating: " ", count: widths[i] - cell.count)
                line += i == 0 ? cell + pad : "  " + pad + cell
            }
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }
}
