import Foundation
import HandoffEngine
import HandoffMeasurement
import HandoffWorkload

extension SimulationReport {
    /// The report as one self-contained HTML page (inline CSS and SVG; no scripts, nothing from
    /// the network): run details, the summary with the analytic comparison, charts — the wait
    /// distribution (simulated CDF, and the analytic one when a formula applies), service level
    /// and occupancy by interval of the day, occupancy per agent — then the per-interval table.
    public func htmlPage() -> String {
        var page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        page += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        page += "<title>Capacity simulation: \(Markup.html(profile.name))</title>\n"
        page += Self.style
        page += "</head>\n<body>\n"
        page += "<h1>Capacity simulation: \(Markup.html(profile.name))</h1>\n"
        if !profile.description.isEmpty { page += "<p>\(Markup.html(profile.description))</p>\n" }

        page += "<h2>Run</h2>\n<table>\n"
        let run = profile.run
        let rows: [(String, String)] = [
            ("Tool", "\(tool) \(toolVersion)"), ("Profile file", profile.file ?? "(flags)"), ("Seed", String(seed)),
            ("Replications", String(replications)),
            ("Horizon", run.maxArrivals.map { "\($0) arrivals" } ?? "\(NumberText.compact(run.horizon / 3600)) h"),
            ("Warm-up", "\(NumberText.compact(run.warmup / 3600)) h"),
            ("Agents", profile.agentGroups.map { "\($0.name): \($0.count) × maxChats \($0.maxChats), \($0.notification.label)\($0.shifts.isEmpty ? "" : ", shifts " + $0.shifts.map(\.label).joined(separator: " "))" }.joined(separator: "; ")),
            ("Arrivals", arrivalsLabel), ("Handle time", profile.conversation.handleTime.label),
            ("Patience", profile.users.patience?.label ?? "none (nobody abandons)"),
            ("Routing / admission", "\(profile.routing.rawValue) / \(profile.admission.rawValue)"),
            ("Requests measured", "\(counts.arrivals) (queued \(counts.queued), served \(counts.served), abandoned \(counts.abandoned), after-hours \(counts.afterHours))"),
            ("Command line", commandLine.joined(separator: " ")), ("Started", timing.startedAt),
        ]
        for (label, value) in rows { page += "<tr><th>\(Markup.html(label))</th><td>\(Markup.html(value))</td></tr>\n" }
        page += "</table>\n"

        page += "<h2>Summary</h2>\n"
        if let analytic {
            page += "<p>Analytic reference: <b>\(Markup.html(Self.formulaName(analytic.formula)))</b>, s = \(analytic.servers) slots, a = \(NumberText.fixed(analytic.offeredLoad, 3)) Erlangs.</p>\n"
        } else {
            page += "<p>No queueing formula applies exactly: \(Markup.html(analyticNotApplicable.joined(separator: "; "))).</p>\n"
        }
        page += "<table>\n<tr><th>Statistic</th><th class=\"num\">Simulated</th><th class=\"num\">95% CI</th><th class=\"num\">Analytic</th><th class=\"num\">Rel. diff.</th></tr>\n"
        for metric in CapacityMetric.allCases {
            guard let e = estimate(metric), !e.mean.isNaN else { continue }
            let compared = comparison.first { $0.metric == metric }
            let flag = compared.map { $0.analyticWithinCI == false ? " class=\"off\"" : "" } ?? ""
            page += "<tr\(flag)><td>\(Markup.html(metric.label))</td><td class=\"num\">\(Self.value(e.mean, metric))</td>"
            page += "<td class=\"num\">\(Markup.html(Self.interval(e, metric)))</td>"
            page += "<td class=\"num\">\(compared.map { Self.value($0.analytic, metric) } ?? "")</td>"
            page += "<td class=\"num\">\(compared.map { NumberText.relative($0.relativeDifference) } ?? "")</td></tr>\n"
        }
        page += "</table>\n"
        if comparison.contains(where: { $0.analyticWithinCI == false }) {
            page += "<p class=\"note\">Highlighted rows: the analytic value lies outside the simulated 95% confidence interval.</p>\n"
        }

        page += "<h2>Charts</h2>\n"
        page += waitChart()
        let active = intervals.filter { $0.counts.arrivals > 0 }
        let labels = active.map(\.from)
        func series(_ m: CapacityMetric) -> ([Double], [Double?], [Double?]) {
            (active.map { $0.metrics[m]?.mean ?? .nan }, active.map { $0.metrics[m]?.ciLow }, active.map { $0.metrics[m]?.ciHigh })
        }
        let (sl, slLow, slHigh) = series(.serviceLevel)
        page += SVGChart.bars(
            title: "Service level P(wait ≤ \(NumberText.seconds(summary.serviceLevelThresholdSeconds))) by arrival interval (95% CI)",
            xLabel: "interval of the day", yLabel: "service level", labels: labels, values: sl, lows: slLow, highs: slHigh,
            reference: analytic.map { ($0.serviceLevel, "analytic \(NumberText.percent($0.serviceLevel))") }, percent: true, fixedMax: 1)
        let (occ, occLow, occHigh) = series(.occupancy)
        page += SVGChart.bars(
            title: "Occupancy by interval (busy slots / staffed slots)", xLabel: "interval of the day", yLabel: "occupancy", labels: labels,
            values: occ, lows: occLow, highs: occHigh, reference: analytic.map { ($0.occupancy, "analytic \(NumberText.percent($0.occupancy))") },
            percent: true, fixedMax: 1)
        let (queue, _, _) = series(.meanQueueLength)
        page += SVGChart.bars(title: "Mean queue length by interval", xLabel: "interval of the day", yLabel: "requests waiting", labels: labels, values: queue)
        if agents.count <= 200 {
            page += SVGChart.bars(
                title: "Occupancy per agent", xLabel: "agent", yLabel: "occupancy", labels: agents.map { "\($0.group) \($0.agent)" },
                values: agents.map(\.occupancy.mean), lows: agents.map(\.occupancy.ciLow), highs: agents.map(\.occupancy.ciHigh), percent: true,
                fixedMax: 1)
        }

        page += "<h2>By interval of the day</h2>\n<p>Requests are counted in the interval they arrived in; means across replications.</p>\n<table>\n<tr><th>Interval</th>"
        let columns: [CapacityMetric] = [
            .arrivalsPerHour, .waitProbability, .meanWaitSeconds, .serviceLevel, .abandonmentRate, .occupancy, .waitP90Seconds, .meanQueueLength,
            .afterHoursProbability,
        ]
        for metric in columns { page += "<th class=\"num\">\(Markup.html(metric.label))</th>" }
        page += "</tr>\n"
        for row in active {
            page += "<tr><td>\(row.from)–\(row.to)</td>"
            for metric in columns { page += "<td class=\"num\">\(row.metrics[metric].map { Self.value($0.mean, metric) } ?? "")</td>" }
            page += "</tr>\n"
        }
        page += "</table>\n"

        page += "<h2>Engine</h2>\n<table>\n"
        let calls = engine.calls
        for (label, value) in [
            ("requestHandoff", calls.requestHandoff), ("pickUp", calls.pickUp), ("assign", calls.assign), ("resolve", calls.resolve),
            ("endChat", calls.endChat), ("postMessage", calls.postMessage), ("setStatus", calls.setStatus),
            ("most handoffs open at once", engine.maxOpenHandoffs),
        ] {
            page += "<tr><th>\(label)</th><td class=\"num\">\(value)</td></tr>\n"
        }
        page += "<tr><th>Little's law on the queue</th><td class=\"num\">L = \(NumberText.fixed(littlesLaw.queueLength.mean, 4)), λW = \(NumberText.fixed(littlesLaw.arrivalRateTimesMeanWait.mean, 4))</td></tr>\n"
        page += "<tr><th>Kernel time</th><td class=\"num\">\(NumberText.fixed(timing.kernelSeconds, 3)) s (\(NumberText.fixed(timing.arrivalsPerSecond, 0)) requests/s)</td></tr>\n"
        page += "</table>\n</body>\n</html>\n"
        return page
    }

    private var arrivalsLabel: String {
        switch profile.arrivals {
        case .poisson(let rate): "Poisson, \(NumberText.compact(rate)) per hour"
        case .piecewise(let table): "Poisson, piecewise by time of day (daily mean \(NumberText.fixed(table.meanRatePerHour, 1)) per hour)"
        }
    }

    /// The CDF of the wait (simulated, pooled over replications) with the analytic CDF.
    private func waitChart() -> String {
        guard let wait = metrics["wait"], wait.count > 0 else { return "" }
        let histogram = wait.histogram
        let total = Double(wait.count)
        let xMax = max(summary.serviceLevelThresholdSeconds * 1.5, wait.p99 / 1000 * 1.1, 1)
        var points: [(x: Double, y: Double)] = [(0, 0)]
        var cumulative = 0.0
        for pair in histogram where pair.count == 2 {
            // A bucket's value is the top of its range (µs): every wait it counts is at most x.
            let x = Double(pair[0]) / 1_000_000
            if x > xMax { break }
            points.append((x, cumulative / total))
            cumulative += Double(pair[1])
            points.append((x, cumulative / total))
        }
        points.append((xMax, cumulative / total))
        var series = [SVGChart.Series(name: "simulated", points: points)]
        if let reference = profile.analyticReference().reference {
            let analytic = (0...120).map { i -> (x: Double, y: Double) in
                let t = xMax * Double(i) / 120
                return (t, reference.waitCDF(t))
            }
            series.append(SVGChart.Series(name: "analytic (\(reference.formula.rawValue))", points: analytic, dashed: true))
        }
        return SVGChart.lines(
            title: "Wait distribution P(W ≤ t), queued requests", xLabel: "wait t (seconds)", yLabel: "P(W ≤ t)", series: series, xMax: xMax,
            yMax: 1, percent: true, marker: (summary.serviceLevelThresholdSeconds, "t = \(NumberText.seconds(summary.serviceLevelThresholdSeconds))"))
    }

    static let style = """
        <style>
        body { font-family: system-ui, sans-serif; margin: 2em; color: #222; max-width: 1100px; }
        table { border-collapse: collapse; margin: 1em 0; }
        th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        tr.off td { background: #fff3cd; }
        p.note { color: #6b7280; font-size: 0.9em; }
        svg { display: block; margin: 1em 0; max-width: 100%; height: auto; }
        </style>

        """
}
