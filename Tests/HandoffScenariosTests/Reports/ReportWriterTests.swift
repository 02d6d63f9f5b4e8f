@testable import HandoffScenarios
import HandoffWorkload
import HandoffMeasurement
import HandoffClient
import Foundation
import HandoffTestSupport
import Testing

/// A fresh directory under the system temporary directory, removed afterwards.
func withTemporaryDirectory<T>(_ body: (URL) throws -> T) throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("report-tests-\(UUID().uuidString)", isDirectory: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    return try body(dir)
}

@Suite("ReportWriter")
struct ReportWriterTests {
    @Test func writesJSONAlwaysAndRequestedFormats() throws {
        try withTemporaryDirectory { dir in
            let reportDir = dir.appendingPathComponent("nested/reports", isDirectory: true)
            let urls = try ReportWriter.write(ReportFixtures.report(), formats: [.csv], to: reportDir)
            #expect(urls.map(\.lastPathComponent) == ["run.json", "run.csv"])
            let names = try FileManager.default.contentsOfDirectory(atPath: reportDir.path).sorted()
            #expect(names == ["run.csv", "run.json"])

            let all = try ReportWriter.write(ReportFixtures.report(), formats: Set(ReportFormat.allCases), to: dir, baseName: "nightly")
            #expect(all.map(\.lastPathComponent) == ["nightly.json", "nightly.csv", "nightly.junit.xml", "nightly.html"])
            for url in all { #expect(FileManager.default.fileExists(atPath: url.path)) }
        }
    }

    @Test func replacesAnExistingFileAndLeavesNoTemporaries() throws {
        try withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let json = dir.appendingPathComponent("run.json")
            try Data("old and much longer than the new report would ever be? no, but stale".utf8).write(to: json)
            try ReportWriter.write(ReportFixtures.report(), formats: [], to: dir)
            let written = try Data(contentsOf: json)
            #expect(written == (try ReportWriter.jsonData(ReportFixtures.report())))
            #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["run.json"])
        }
    }

    @Test func unwritableDirectoryThrowsAReportError() throws {
        try withTemporaryDirectory { dir in
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let file = dir.appendingPathComponent("a-file")
            try Data("x".utf8).write(to: file)
            #expect(throws: ReportError.self) {
                try ReportWriter.write(ReportFixtures.report(), formats: [], to: file.appendingPathComponent("sub"))
            }
        }
    }

    // MARK: JSON

    @Test func jsonHasTheStableKeys() throws {
        try withTemporaryDirectory { dir in
            try ReportWriter.write(ReportFixtures.report(), formats: [], to: dir)
            let data = try Data(contentsOf: dir.appendingPathComponent("run.json"))
            let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            let summary = try #require(root["summary"] as? [String: Any])
            #expect(summary["total"] as? Int == 3)
            #expect(summary["passed"] as? Int == 2)
            #expect(summary["failed"] as? Int == 1)
            #expect(root["seed"] as? Int == 42)
            #expect(root["target"] as? String == "http://localhost:8080/")
            for key in ["toolVersion", "commandLine", "startedAt", "endedAt", "skipped"] { #expect(root[key] != nil, "missing \(key)") }

            let scenarios = try #require(root["scenarios"] as? [[String: Any]])
            #expect(scenarios.count == 3)
            #expect(scenarios.map { $0["name"] as? String } == ["pick-up race, two agents", ReportFixtures.trickyName, "after hours email"])
            #expect(scenarios.map { $0["passed"] as? Bool } == [true, false, true])
            #expect(scenarios[1]["file"] as? String == "scenarios/02 \"quoted\".yaml")
            let failures = try #require(scenarios[1]["failures"] as? [[String: Any]])
            #expect(failures.count == 2)
            #expect(failures[0]["step"] as? String == ReportFixtures.trickyStep)
            #expect(failures[0]["reason"] as? String == ReportFixtures.trickyReason)
            #expect((scenarios[0]["failures"] as? [Any])?.isEmpty == true)

            let wait = try #require((scenarios[0]["metrics"] as? [String: Any])?["wait"] as? [String: Any])
            for key in ["count", "mean", "p50", "p90", "p95", "p99", "p999", "max", "histogram"] { #expect(wait[key] != nil, "missing \(key)") }
            #expect(wait["count"] as? Int == 3)
        }
    }

    @Test func jsonIsDeterministicAndReadable() throws {
        let a = try ReportWriter.jsonData(ReportFixtures.report())
        let b = try ReportWriter.jsonData(ReportFixtures.report(reverseMetricOrder: true))
        #expect(a == b)
        let text = try #require(String(data: a, encoding: .utf8))
        #expect(text.contains("\"http://localhost:8080/\""))  // slashes not escaped
        #expect(text.hasSuffix("}\n"))
        // Same bytes through files written in two places.
        try withTemporaryDirectory { dir in
            let all = Set(ReportFormat.allCases)
            let one = try ReportWriter.write(ReportFixtures.report(), formats: all, to: dir.appendingPathComponent("1"))
            let two = try ReportWriter.write(ReportFixtures.report(reverseMetricOrder: true), formats: all, to: dir.appendingPathComponent("2"))
            for (x, y) in zip(one, two) { #expect(try Data(contentsOf: x) == Data(contentsOf: y), "\(x.lastPathComponent) differs") }
        }
    }

    @Test func writeJSONIsGeneric() throws {
        struct Sim: Codable, Equatable { var arrivals: Int; var analytic: [String: Double]? }
        try withTemporaryDirectory { dir in
            let url = dir.appendingPathComponent("deep/simulate.json")
            try ReportWriter.writeJSON(Sim(arrivals: 7, analytic: ["b": 1, "a": 0.5]), to: url)
            let text = try String(contentsOf: url, encoding: .utf8)
            #expect(text == "{\n  \"analytic\" : {\n    \"a\" : 0.5,\n    \"b\" : 1\n  },\n  \"arrivals\" : 7\n}\n")
            try ReportWriter.writeText(CSVTable(header: ["a"], rows: [["1"]]).text, to: dir.appendingPathComponent("simulate.csv"))
            #expect(try String(contentsOf: dir.appendingPathComponent("simulate.csv"), encoding: .utf8) == "a\n1\n")
        }
    }

    // MARK: CSV

    @Test func csvHasOneQuotedRowPerScenario() throws {
        let report = ReportFixtures.report()
        let rows = CSVParser.parse(report.csvTable().text)
        #expect(rows.first == [
            "name", "file", "passed", "failures", "stepsRun", "stepsTotal", "wallMs", "scenarioMs",
            "requested", "pickedUp", "resolved", "afterHours", "abandoned", "waitP50Ms", "waitP99Ms", "failureDetails",
        ])
        #expect(rows.count == 4)
        #expect(rows.allSatisfy { $0.count == 16 })
        #expect(rows[1][0] == "pick-up race, two agents")
        #expect(Array(rows[1][2...12]) == ["true", "0", "6", "6", "12.500", "60000.000", "3", "2", "2", "1", "0"])
        // p50 is the top of 10 ms's 8 µs-wide bucket; p99 is capped at the exact maximum.
        #expect(rows[1][13] == "10.007" && rows[1][14] == "20.000")
        #expect(rows[2][0] == ReportFixtures.trickyName)
        #expect(rows[2][1] == "scenarios/02 \"quoted\".yaml")
        #expect(rows[2][2] == "false" && rows[2][3] == "2")
        #expect(rows[2][15] == "\(ReportFixtures.trickyStep): \(ReportFixtures.trickyReason); step 5 (resolve): agent at capacity; 'maxChats' = 2")
        #expect(rows[3][13] == "" && rows[3][14] == "")  // no wait metric
    }

    @Test func csvOmitsWaitColumnsWhenNothingWasWaitedFor() {
        var scenarios = ReportFixtures.report().scenarios
        for i in scenarios.indices { scenarios[i].metrics = [:] }
        let report = RunReport(toolVersion: "1", commandLine: [], seed: 0, startedAt: "", endedAt: "", target: "inprocess",
                               scenarios: scenarios, skipped: [])
        let header = report.csvTable().header
        #expect(!header.contains("waitP50Ms"))
        #expect(header.count == 14)
    }
}
