import HandoffMeasurement
extension RunReport: ReportDocument {
    /// `run.json`, `run.csv`, `run.junit.xml`, `run.html`.
    public static var baseName: String { "run" }

    public func junitDocument() -> String? { junitXML() }

    /// The report as JUnit XML, for CI systems that show test results.
    ///
    /// One `<testsuite name="handoff-sim run">` inside `<testsuites>`, with the seed, target, tool
    /// version and command line as `<properties>`, and one `<testcase>` per scenario:
    /// `classname` is the scenario's file, `name` its name, `time` its wall-clock seconds. A failed
    /// scenario has one `<failure>` whose `message` lists every failure as `step: reason` joined by
    /// `"; "`, and whose text lists them one per line. Findings go into the test case's `<system-out>`.
    /// The suite's `time` is the sum of the scenarios' times. Text is XML-escaped and characters
    /// that XML 1.0 forbids are dropped.
    public func junitXML() -> String {
        let failed = scenarios.filter { !$0.passed }.count
        let time = ReportNumber.seconds(fromMilliseconds: scenarios.reduce(0) { $0 + $1.wallMilliseconds })
        func attr(_ text: String) -> String { Markup.xml(text, attribute: true) }

        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"\(attr(tool))\" tests=\"\(scenarios.count)\" failures=\"\(failed)\" errors=\"0\" time=\"\(time)\">\n"
        xml += "  <testsuite name=\"handoff-sim run\" tests=\"\(scenarios.count)\" failures=\"\(failed)\" errors=\"0\" skipped=\"0\""
        xml += " time=\"\(time)\" timestamp=\"\(attr(startedAt))\">\n"
        xml += "    <properties>\n"
        let properties = [
            ("tool", tool), ("toolVersion", toolVersion), ("seed", String(seed)), ("target", target),
            ("startedAt", startedAt), ("endedAt", endedAt), ("commandLine", commandLine.joined(separator: " ")),
        ]
        for (name, value) in properties {
            xml += "      <property name=\"\(name)\" value=\"\(attr(value))\"/>\n"
        }
        xml += "    </properties>\n"
        for scenario in scenarios {
            xml += "    <testcase classname=\"\(attr(scenario.file))\" name=\"\(attr(scenario.name))\""
            xml += " time=\"\(ReportNumber.seconds(fromMilliseconds: scenario.wallMilliseconds))\""
            if scenario.passed, scenario.findings.isEmpty {
                xml += "/>\n"
                continue
            }
            xml += ">\n"
            if !scenario.passed {
                let lines = scenario.failures.map(\.line)
                xml += "      <failure message=\"\(attr(lines.joined(separator: "; ")))\" type=\"check\">"
                xml += Markup.xml(lines.joined(separator: "\n"))
                xml += "</failure>\n"
            }
            if !scenario.findings.isEmpty {
                xml += "      <system-out>\(Markup.xml(scenario.findings.joined(separator: "\n")))</system-out>\n"
            }
            xml += "    </testcase>\n"
        }
        xml += "  </testsuite>\n"
        xml += "</testsuites>\n"
        return xml
    }
}
