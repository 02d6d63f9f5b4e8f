import ArgumentParser
import Foundation
import HandoffEngine
import HandoffHarness

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run verification scenario files and report what passed.",
        discussion: """
            Every PATH is a scenario file or a directory searched recursively for *.yaml / \
            *.yml. Files of other kinds (fixtures, load profiles) are listed as skipped. All \
            files are validated before anything runs: any problem is reported with file:line \
            and the command exits 2.

            In-process (the default target), each scenario runs against a fresh engine on a \
            virtual clock: waits cost no real time, and the same seed gives the same report.

            Reports: run.json (the source of truth) plus the other --format files, written \
            into --report-dir, replacing that directory's previous run.* files.
            """
    )

    @Argument(help: "Scenario files or directories (default: scenarios/).")
    var paths: [String] = []

    @Option(help: "Where to run: 'inprocess' (the embedded engine, virtual time).")
    var target: String = "inprocess"

    @Option(help: "Seed for ids and every random choice; echoed into the report.")
    var seed: UInt64 = 1

    @Option(help: "Directory for the reports.")
    var reportDir: String = "reports"

    @Option(help: "Report formats, comma-separated: json, csv, junit, html. JSON is always written.")
    var format: String = "json,csv,junit"

    @Flag(help: "Print every scenario's measured latencies.")
    var verbose = false

    func validate() throws {
        guard target == "inprocess" else {
            throw ValidationError("--target '\(target)': only 'inprocess' is available in this version")
        }
        do { _ = try ReportFormat.parseList(format) } catch { throw ValidationError("--format: \(error)") }
    }

    func run() async throws {
        let formats = try ReportFormat.parseList(format)
        let started = SystemWallClock().now()
        let files: [String]
        let documents: [LoadedDocument]
        do {
            files = try DocumentLoader.discover(paths.isEmpty ? ["scenarios"] : paths)
            documents = try DocumentLoader.loadAll(files)
        } catch {
            FileHandle.standardError.write(Data("error: invalid input, nothing was run:\n\(error)\n".utf8))
            throw ExitCode(2)
        }
        var scenarios: [Scenario] = []
        var skipped: [RunReport.SkippedFile] = []
        for (file, document) in zip(files, documents) {
            if case .scenario(let s) = document { scenarios.append(s) } else { skipped.append(.init(file: file, kind: document.kind)) }
        }
        if scenarios.isEmpty {
            FileHandle.standardError.write(Data("error: no scenario files found in \(paths.isEmpty ? ["scenarios"] : paths)\n".utf8))
            throw ExitCode(2)
        }

        let runner = ScenarioRunner()
        var results: [ScenarioResult] = []
        for scenario in scenarios {
            let driver = InProcessDriver(seed: Self.scenarioSeed(seed, file: scenario.file))
            let result = await runner.run(scenario, driver: driver)
            results.append(result)
            print(Self.line(for: result))
            if verbose { for (name, m) in result.metrics.sorted(by: { $0.key < $1.key }) { print(Self.metricLine(name, m)) } }
        }
        for s in skipped { print("skip  \(s.file) (kind: \(s.kind))") }

        let report = RunReport(
            toolVersion: HandoffSim.version, commandLine: CommandLine.arguments, seed: seed, startedAt: started.iso8601,
            endedAt: SystemWallClock().now().iso8601, target: target, scenarios: results, skipped: skipped)
        do {
            let written = try ReportWriter.write(report, formats: formats, to: URL(fileURLWithPath: reportDir, isDirectory: true))
            print("\(report.summary.passed) passed, \(report.summary.failed) failed — reports: \(written.map(\.relativePath).joined(separator: ", "))")
        } catch {
            FileHandle.standardError.write(Data("error: could not write reports to \(reportDir): \(error)\n".utf8))
            throw ExitCode(2)
        }
        if report.summary.failed > 0 { throw ExitCode(1) }
    }

    /// Each scenario's own seed: stable when other scenarios are added or removed.
    static func scenarioSeed(_ seed: UInt64, file: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for byte in URL(fileURLWithPath: file).lastPathComponent.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }

    static func line(for result: ScenarioResult) -> String {
        let mark = result.passed ? "PASS" : "FAIL"
        var text = "\(mark)  \(result.name)  (\(result.file), \(result.stepsRun)/\(result.stepsTotal) steps, "
            + String(format: "%.1f ms", result.wallMilliseconds) + ")"
        for failure in result.failures { text += "\n      \(failure.step): \(failure.reason)" }
        for finding in result.findings { text += "\n      finding: \(finding)" }
        return text
    }

    static func metricLine(_ name: String, _ m: LatencySummary) -> String {
        let padded = name.count >= 26 ? name : name + String(repeating: " ", count: 26 - name.count)
        return "      \(padded) " + String(format: "n=%-5d mean %.3f  p50 %.3f  p99 %.3f  max %.3f ms", m.count, m.mean, m.p50, m.p99, m.max)
    }
}
