@testable import HandoffScenarios
import HandoffWorkload
import HandoffMeasurement
import HandoffClient
import Foundation
import Testing
#if canImport(FoundationXML)
import FoundationXML
#endif

/// Collects every element with its attributes and text, as a real XML parser sees them.
final class XMLCollector: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
        var text = ""
    }

    var elements: [Element] = []
    private var open: [Int] = []
    var parseError: (any Error)?

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append(Element(name: name, attributes: attributes))
        open.append(elements.count - 1)
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        open.removeLast()
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let current = open.last { elements[current].text += string }
    }

    func parser(_ parser: XMLParser, parseErrorOccurred error: any Error) { parseError = error }

    static func parse(_ xml: String) throws -> [Element] {
        let collector = XMLCollector()
        let parser = XMLParser(data: Data(xml.utf8))
        parser.delegate = collector
        let ok = parser.parse()
        #expect(ok, "XML did not parse: \(String(describing: collector.parseError ?? parser.parserError))")
        return collector.elements
    }
}

@Suite("JUnit XML")
struct JUnitTests {
    @Test func parsesWithCountsAndEscapedFailures() throws {
        let xml = ReportFixtures.report().junitXML()
        let elements = try XMLCollector.parse(xml)

        let suites = elements.filter { $0.name == "testsuites" }
        #expect(suites.count == 1)
        let suite = try #require(elements.first { $0.name == "testsuite" })
        #expect(elements.filter { $0.name == "testsuite" }.count == 1)
        #expect(suite.attributes["name"] == "handoff-sim run")
        #expect(suite.attributes["tests"] == "3")
        #expect(suite.attributes["failures"] == "1")
        #expect(suite.attributes["time"] == "0.017")  // 12.5 + 3.25 + 0.75 ms

        let cases = elements.filter { $0.name == "testcase" }
        #expect(cases.map { $0.attributes["name"] } == ["pick-up race, two agents", ReportFixtures.trickyName, "after hours email"])
        #expect(cases.map { $0.attributes["classname"] } == [
            "scenarios/01-race.yaml", "scenarios/02 \"quoted\".yaml", "scenarios/03-after-hours.yaml",
        ])
        #expect(cases[0].attributes["time"] == "0.013")

        let failures = elements.filter { $0.name == "failure" }
        #expect(failures.count == 1)
        let failure = try #require(failures.first)
        // The control character is dropped; the newline in the reason survives in the attribute.
        let reason = ReportFixtures.trickyReason.replacingOccurrences(of: "\u{1}", with: "")
        let expectedLines = ["\(ReportFixtures.trickyStep): \(reason)", "step 5 (resolve): agent at capacity; 'maxChats' = 2"]
        #expect(failure.attributes["message"] == expectedLines.joined(separator: "; "))
        #expect(failure.text == expectedLines.joined(separator: "\n"))

        let out = elements.filter { $0.name == "system-out" }
        #expect(out.map(\.text) == ["poll returned a message already seen (the `since` defect) <b>"])

        let properties = Dictionary(uniqueKeysWithValues: elements.filter { $0.name == "property" }.compactMap { e in
            e.attributes["name"].map { ($0, e.attributes["value"] ?? "") }
        })
        #expect(properties["seed"] == "42")
        #expect(properties["target"] == "http://localhost:8080/")
    }

    @Test func rawTextIsEscapedAndFreeOfInvalidCharacters() {
        let xml = ReportFixtures.report().junitXML()
        #expect(xml.contains("name=\"Tricky &lt;&amp;&gt;&quot;&apos; name, with comma\""))
        #expect(!xml.contains("<&>"))
        #expect(!xml.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    }

    @Test func allPassedHasNoFailureElements() throws {
        var scenarios = ReportFixtures.report().scenarios
        scenarios.remove(at: 1)
        let elements = try XMLCollector.parse(
            RunReport(toolVersion: "1", commandLine: [], seed: 0, startedAt: "", endedAt: "", target: "inprocess",
                      scenarios: scenarios, skipped: []).junitXML()
        )
        #expect(elements.first { $0.name == "testsuite" }?.attributes["failures"] == "0")
        #expect(!elements.contains { $0.name == "failure" })
    }

    @Test func emptyRunIsValidXML() throws {
        let report = RunReport(
            toolVersion: "1", commandLine: [], seed: 0, startedAt: "", endedAt: "", target: "inprocess", scenarios: [], skipped: []
        )
        let elements = try XMLCollector.parse(report.junitXML())
        #expect(elements.first { $0.name == "testsuite" }?.attributes["tests"] == "0")
    }
}

@Suite("HTML report")
struct HTMLReportTests {
    @Test func escapesEverythingAndLinksNothing() throws {
        let html = ReportFixtures.report().htmlPage()
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("Tricky &lt;&amp;&gt;&quot;&#39; name, with comma"))
        #expect(!html.contains("<&>"))
        #expect(!html.contains("<b>"))  // the finding's markup is text, not markup
        #expect(html.contains("&lt;b&gt;"))
        #expect(html.contains("expected &lt;queued&gt; &amp; got &quot;picked&quot;"))
        // Self-contained: no scripts, stylesheets or images from anywhere, no links at all.
        let lower = html.lowercased()
        for forbidden in ["src=", "href=", "<script", "<link", "<img", "url(", "@import"] {
            #expect(!lower.contains(forbidden), "found \(forbidden)")
        }
        // The only "http" is the escaped target text.
        #expect(lower.components(separatedBy: "http").count == 2)
        #expect(html.contains("<td>http://localhost:8080/</td>"))
    }

    @Test func coloursRowsAndListsFailuresAndMetrics() {
        let html = ReportFixtures.report().htmlPage()
        #expect(html.components(separatedBy: "<tr class=\"pass\">").count - 1 == 2)
        #expect(html.components(separatedBy: "<tr class=\"fail\">").count - 1 == 1)
        #expect(html.contains("<h2>Failures</h2>"))
        #expect(html.contains("<li><code>step 5 (resolve)</code>: agent at capacity; &#39;maxChats&#39; = 2</li>"))
        #expect(html.contains("<h2>Metrics (milliseconds)</h2>"))
        // Metrics sorted by name within a scenario.
        let delivery = html.range(of: "<td>delivery.agentToWidget</td>")
        let wait = html.range(of: "<td>wait</td>")
        #expect(delivery != nil && wait != nil)
        if let delivery, let wait { #expect(delivery.lowerBound < wait.lowerBound) }
        #expect(html.contains("verdict-failed"))
        #expect(html.contains("scenarios/profile.yaml"))
    }
}
