import HandoffMeasurement
import HandoffWorkload
extension PlanReport {
    /// A self-contained HTML page: the target, the cheapest configurations, and per notification
    /// mode a heat map of the grid (agents × maxChats; green feasible, amber marginal, red
    /// infeasible or screened out, grey dominated; the text is the service level, `~` when only
    /// the analytic screening value is known), then the full grid as a table.
    public func htmlPage() -> String {
        var page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        page += "<title>Capacity plan: \(Markup.html(profile.name))</title>\n" + SimulationReport.style + "</head>\n<body>\n"
        page += "<h1>Capacity plan: \(Markup.html(profile.name))</h1>\n"
        page += "<p>Target: <b>\(Markup.html(target.label))</b>. Seed \(seed), \(profile.run.replications) replications per simulated cell; "
        page += "\(cells.count) cells, \(simulatedCells) simulated. Command line: <code>\(Markup.html(commandLine.joined(separator: " ")))</code></p>\n"
        page += "<h2>Cheapest configurations</h2>\n"
        if cheapest.isEmpty {
            page += "<p>No configuration in the grid meets the target.</p>\n"
        } else {
            page += "<table>\n<tr><th>Agents</th><th>maxChats</th><th>Notification</th><th>Verdict</th><th class=\"num\">Service level</th><th class=\"num\">95% CI</th><th class=\"num\">Abandonment</th><th class=\"num\">Occupancy</th><th class=\"num\">Mean wait (s)</th></tr>\n"
            for c in cheapest.prefix(10) {
                let s = c.simulated ?? [:]
                func v(_ m: CapacityMetric) -> String { s[m].map { SimulationReport.value($0.mean, m) } ?? "" }
                page += "<tr><td>\(c.agents)</td><td>\(c.maxChats)</td><td>\(Markup.html(c.notification))</td><td>\(c.verdict.rawValue)</td>"
                page += "<td class=\"num\">\(v(.serviceLevel))</td><td class=\"num\">\(s[.serviceLevel].map { Markup.html(SimulationReport.interval($0, .serviceLevel)) } ?? "")</td>"
                page += "<td class=\"num\">\(v(.abandonmentRate))</td><td class=\"num\">\(v(.occupancy))</td><td class=\"num\">\(v(.meanWaitSeconds))</td></tr>\n"
            }
            page += "</table>\n"
        }
        if !optima.isEmpty {
            page += "<h2>Interior maxChats optima</h2>\n<p>Mean wait (s) by maxChats; the least is bold; ~ marks a simulated mean, the rest are exact.</p>\n"
            page += "<table>\n<tr><th>Routing</th><th>Notification</th><th>Agents</th>" + grid.maxChats.map { "<th class=\"num\">\($0)</th>" }.joined() + "</tr>\n"
            for o in optima {
                page += "<tr><td>\(o.routing.rawValue)</td><td>\(Markup.html(o.notification))</td><td>\(o.agents)</td>"
                for k in grid.maxChats {
                    guard let point = o.meanWaitByMaxChats.first(where: { $0.maxChats == k }) else {
                        page += "<td></td>"
                        continue
                    }
                    let text = (point.exact ? "" : "~") + NumberText.fixed(point.meanWaitSeconds, 2)
                    page += k == o.bestMaxChats ? "<td class=\"num\"><b>\(text)</b></td>" : "<td class=\"num\">\(text)</td>"
                }
                page += "</tr>\n"
            }
            page += "</table>\n"
        }
        page += "<h2>Grid</h2>\n"
        let agents = Array(grid.agents)
        for routing in grid.routings {
        for mode in grid.notifications.map(\.label) {
            var shades: [[Double?]] = []
            var texts: [[String]] = []
            for n in agents {
                var shadeRow: [Double?] = []
                var textRow: [String] = []
                for k in grid.maxChats {
                    guard let c = cells.first(where: { $0.agents == n && $0.maxChats == k && $0.notification == mode && $0.routing == routing }) else {
                        shadeRow.append(nil)
                        textRow.append("")
                        continue
                    }
                    switch c.verdict {
                    case .feasible: shadeRow.append(1)
                    case .marginal: shadeRow.append(0.55)
                    case .infeasible: shadeRow.append(0.2)
                    case .screenedOut: shadeRow.append(0)
                    case .dominated: shadeRow.append(nil)
                    }
                    if let sl = c.simulated?[.serviceLevel]?.mean {
                        textRow.append(NumberText.percent(sl))
                    } else if let sl = c.analytic?.serviceLevel {
                        textRow.append((c.analyticIsExact ? "" : "~") + NumberText.percent(sl))
                    } else {
                        textRow.append("–")
                    }
                }
                shades.append(shadeRow)
                texts.append(textRow)
            }
            page += SVGChart.heatMap(
                title: "Service level, routing \(routing.rawValue), notification \(mode)", rowLabel: "agents", columnLabel: "maxChats",
                rows: agents.map(String.init), columns: grid.maxChats.map(String.init), shades: shades, texts: texts)
        }
        }
        page += "<table>\n<tr><th>Routing</th><th>Agents</th><th>maxChats</th><th>Notification</th><th>Verdict</th><th class=\"num\">Analytic SL</th><th>Source</th><th class=\"num\">Simulated SL</th><th>Why</th></tr>\n"
        for c in cells {
            page += "<tr><td>\(c.routing.rawValue)</td><td>\(c.agents)</td><td>\(c.maxChats)</td><td>\(Markup.html(c.notification))</td><td>\(c.verdict.rawValue)</td>"
            page += "<td class=\"num\">\(c.analytic.map { NumberText.fixed($0.serviceLevel, 4) } ?? "")</td><td>\(c.analyticSource ?? "")</td>"
            page += "<td class=\"num\">\(c.simulated?[.serviceLevel].map { NumberText.fixed($0.mean, 4) } ?? "")</td><td>\(Markup.html(c.reason))</td></tr>\n"
        }
        page += "</table>\n</body>\n</html>\n"
        return page
    }
}
