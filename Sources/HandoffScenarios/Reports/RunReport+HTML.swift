import HandoffMeasurement
extension RunReport {
    /// The report as one self-contained HTML page: inline CSS, no scripts, no links, nothing loaded
    /// from the network, so it can be archived as a CI artifact and opened anywhere.
    ///
    /// Sections: run details (tool, version, target, seed, times, command line), the summary, a
    /// table of scenarios coloured by pass/fail, every failure as `step: reason`, findings, a
    /// percentile table per scenario and metric (milliseconds), and skipped files. All text from the
    /// report is HTML-escaped.
    public func htmlPage() -> String {
        let verdict = summary.failed == 0 ? "passed" : "failed"
        var page = HTMLBuilder()
        page.raw("""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(Markup.html(tool)) run: \(summary.passed)/\(summary.total) passed</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
            table { border-collapse: collapse; margin: 1em 0; }
            th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
            td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
            tr.pass td.result { background: #d9f2d9; color: #1a5e1a; }
            tr.fail td.result { background: #f8d7da; color: #842029; }
            .verdict-passed { color: #1a5e1a; }
            .verdict-failed { color: #842029; }
            code { background: #f4f4f4; padding: 0 0.2em; }
            </style>
            </head>
            <body>

            """)
        page.raw("<h1>\(Markup.html(tool)) run: <span class=\"verdict-\(verdict)\">\(verdict)</span></h1>\n")

        page.raw("<h2>Run</h2>\n<table>\n")
        for (label, value) in [
            ("Tool version", toolVersion), ("Target", target), ("Seed", String(seed)),
            ("Started", startedAt), ("Ended", endedAt), ("Command line", commandLine.joined(separator: " ")),
        ] {
            page.row(header: label, value)
        }
        page.raw("</table>\n")

        page.raw("<h2>Summary</h2>\n<table>\n")
        page.row(header: "Total", String(summary.total), numeric: true)
        page.row(header: "Passed", String(summary.passed), numeric: true)
        page.row(header: "Failed", String(summary.failed), numeric: true)
        page.raw("</table>\n")

        appendScenarios(to: &page)
        appendFailuresAndFindings(to: &page)
        appendMetrics(to: &page)

        if !skipped.isEmpty {
            page.raw("<h2>Skipped files</h2>\n<table>\n<tr><th>File</th><th>Kind</th></tr>\n")
            for file in skipped {
                page.raw("<tr><td>\(Markup.html(file.file))</td><td>\(Markup.html(file.kind))</td></tr>\n")
            }
            page.raw("</table>\n")
        }
        page.raw("</body>\n</html>\n")
        return page.text
    }

    private func appendScenarios(to page: inout HTMLBuilder) {
        page.raw("<h2>Scenarios</h2>\n<table>\n<tr><th>Result</th><th>Name</th><th>File</th>")
        for title in ["Steps", "Wall ms", "Scenario ms", "Requested", "Picked up", "Resolved", "After hours", "Abandoned"] {
            page.raw("<th class=\"num\">\(title)</th>")
        }
        page.raw("</tr>\n")
        for scenario in scenarios {
            let result = scenario.passed ? "pass" : "fail"
            page.raw("<tr class=\"\(result)\"><td class=\"result\">\(scenario.passed ? "PASS" : "FAIL")</td>")
            page.raw("<td>\(Markup.html(scenario.name))</td><td>\(Markup.html(scenario.file))</td>")
            let counts = scenario.counts
            let cells = [
                "\(scenario.stepsRun)/\(scenario.stepsTotal)",
                ReportNumber.milliseconds(scenario.wallMilliseconds), ReportNumber.milliseconds(scenario.scenarioMilliseconds),
                String(counts.requested), String(counts.pickedUp), String(counts.resolved), String(counts.afterHours), String(counts.abandoned),
            ]
            for cell in cells { page.raw("<td class=\"num\">\(Markup.html(cell))</td>") }
            page.raw("</tr>\n")
        }
        page.raw("</table>\n")
    }

    private func appendFailuresAndFindings(to page: inout HTMLBuilder) {
        let failedScenarios = scenarios.filter { !$0.passed }
        if !failedScenarios.isEmpty {
            page.raw("<h2>Failures</h2>\n")
            for scenario in failedScenarios {
                page.raw("<h3>\(Markup.html(scenario.name)) <small>(\(Markup.html(scenario.file)))</small></h3>\n<ul>\n")
                for failure in scenario.failures {
                    page.raw("<li><code>\(Markup.html(failure.step))</code>: \(Markup.html(failure.reason))</li>\n")
                }
                page.raw("</ul>\n")
            }
        }
        let withFindings = scenarios.filter { !$0.findings.isEmpty }
        if !withFindings.isEmpty {
            page.raw("<h2>Findings</h2>\n")
            for scenario in withFindings {
                page.raw("<h3>\(Markup.html(scenario.name))</h3>\n<ul>\n")
                for finding in scenario.findings { page.raw("<li>\(Markup.html(finding))</li>\n") }
                page.raw("</ul>\n")
            }
        }
    }

    private func appendMetrics(to page: inout HTMLBuilder) {
        guard scenarios.contains(where: { !$0.metrics.isEmpty }) else { return }
        page.raw("<h2>Metrics (milliseconds)</h2>\n<table>\n<tr><th>Scenario</th><th>Metric</th>")
        for title in ["Count", "Mean", "p50", "p90", "p95", "p99", "p99.9", "Max"] {
            page.raw("<th class=\"num\">\(title)</th>")
        }
        page.raw("</tr>\n")
        for scenario in scenarios {
            for name in scenario.metrics.keys.sorted() {
                guard let m = scenario.metrics[name] else { continue }
                page.raw("<tr><td>\(Markup.html(scenario.name))</td><td>\(Markup.html(name))</td>")
                page.raw("<td class=\"num\">\(m.count)</td>")
                for value in [m.mean, m.p50, m.p90, m.p95, m.p99, m.p999, m.max] {
                    page.raw("<td class=\"num\">\(ReportNumber.milliseconds(value))</td>")
                }
                page.raw("</tr>\n")
            }
        }
        page.raw("</table>\n")
    }
}

/// Accumulates HTML text; only ``raw(_:)`` takes markup, every value goes through `Markup.html`.
struct HTMLBuilder {
    private(set) var text = ""

    mutating func raw(_ markup: String) { text += markup }

    /// `<tr><th>header</th><td>value</td></tr>` with `value` escaped.
    mutating func row(header: String, _ value: String, numeric: Bool = false) {
        let cls = numeric ? " class=\"num\"" : ""
        text += "<tr><th>\(Markup.html(header))</th><td\(cls)>\(Markup.html(value))</td></tr>\n"
    }
}
