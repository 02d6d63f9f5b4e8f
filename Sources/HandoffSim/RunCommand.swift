import ArgumentParser
import Foundation
import HandoffClient
import HandoffEngine
import HandoffMeasurement
import HandoffScenarios
import HandoffWorkload

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
            virtual clock: waits cost no real time, and the same seed gives the same ids, \
            outcomes and virtual-time measurements (wall-clock timings differ).

            Against a live server (--target http://HOST:PORT, e.g. `handoff-sim serve \
            --fixtures scenarios/`), scenarios run one after another in real time (a `wait: \
            30s` takes 30 s) over HTTP and WebSocket. The server must hold the scenarios' \
            fixtures; before each scenario the harness closes the open chats of its tenants \
            and puts their agents back to their fixture status, and dashboard metrics are \
            checked as the change since the scenario began — so do not share the server \
            with other traffic. Each agent uses its own connection, so race steps really \
            race. After every step the harness checks from outside that each agent's \
            activeChats matches its active chats and stays within maxChats.

            --client chooses how the virtual clients learn about changes: `reference` polls \
            as the reference widget and dashboard do (docs/api.md); `websocket` listens on \
            the widget and agent sockets instead (live targets only: the in-process engine \
            has no sockets).

            Reports: run.json (the source of truth) plus the other --format files, written \
            into --report-dir, replacing files of the same name (run.* files of other \
            formats from earlier runs are left as they are).
            """
    )

    @Argument(help: "Scenario files or directories (default: scenarios/).")
    var paths: [String] = []

    @Option(help: "Where to run: 'inprocess' (the embedded engine, virtual time) or a live server's URL, http://HOST:PORT (real time).")
    var target: String = "inprocess"

    @Option(help: "Client model: 'reference' (poll like the reference clients) or 'websocket' (listen on the server's sockets; live targets only).")
    var client: String = "reference"

    @Option(
        help: ArgumentHelp(
            "Fixtures file the live server was started with: its tenants, keys and accounts replace the scenarios' same-named ones.",
            valueName: "file"))
    var fixtures: String?

    @Option(help: "Seed for ids and every random choice; echoed into the report.")
    var seed: UInt64 = 1

    @Option(help: "Directory for the reports.")
    var reportDir: String = "reports"

    @Option(help: "Report formats, comma-separated: json, csv, junit, html. JSON is always written.")
    var format: String = "json,csv,junit"

    @Flag(help: "Print every scenario's measured latencies.")
    var verbose = false

    var isLive: Bool { target != "inprocess" }

    func validate() throws {
        if isLive {
            do { _ = try LiveTarget.validate(target) } catch { throw ValidationError("--target: \(error) (or 'inprocess')") }
        }
        guard let model = ClientModel.named(client) else {
            throw ValidationError("--client '\(client)': expected one of \(ClientModel.all.map(\.name).joined(separator: ", "))")
        }
        if model.transport == .websocket, !isLive {
            throw ValidationError("--client websocket needs a live --target URL: the in-process engine has no sockets")
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
        if let fixtures {
            let serverFixtures: Fixtures
            do {
                serverFixtures = try FixturesLoader.load(file: fixtures)
            } catch {
                FileHandle.standardError.write(Data("error: invalid input, nothing was run:\n\(error)\n".utf8))
                throw ExitCode(2)
            }
            scenarios = scenarios.map { s in
                var s = s
                s.fixtures = s.fixtures.overriding(with: serverFixtures)
                return s
            }
        }

        let runner = ScenarioRunner(clientModel: ClientModel.named(client) ?? .reference)
        let verbose = self.verbose
        func record(_ result: ScenarioResult) -> ScenarioResult {
            print(Self.line(for: result))
            if verbose { for (name, m) in result.metrics.sorted(by: { $0.key < $1.key }) { print(Self.metricLine(name, m)) } }
            return result
        }
        var results: [ScenarioResult] = []
        if isLive {
            let scenarios = scenarios
            do {
                results = try await LiveTarget.withTarget(target) { live in
                    try await live.probe()
                    var results: [ScenarioResult] = []
                    for scenario in scenarios { results.append(record(await runner.run(scenario, driver: LiveDriver(target: live)))) }
                    return results
                }
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                throw ExitCode(2)
            }
        } else {
            for scenario in scenarios {
                results.append(record(await runner.run(scenario, driver: InProcessDriver(seed: Self.scenarioSeed(seed, file: scenario.file)))))
            }
        }
        for s in skipped { print("skip  \(s.file) (kind: \(s.kind))") }
        if verbose, results.count > 1 {
            print("all scenarios:")
            for (name, m) in Self.merged(results).sorted(by: { $0.key < $1.key }) { print(Self.metricLine(name, m)) }
        }

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
        Fixtures.stableHash(URL(fileURLWithPath: file).lastPathComponent, seed: seed)
    }

    static func line(for result: ScenarioResult) -> String {
        let mark = result.passed ? "PASS" : "FAIL"
        var text = "\(mark)  \(result.name)  (\(result.file), \(result.stepsRun)/\(result.stepsTotal) steps, "
            + String(format: "%.1f ms", result.wallMilliseconds) + ")"
        for failure in result.failures { text += "\n      \(failure.step): \(failure.reason)" }
        for finding in result.findings { text += "\n      finding: \(finding)" }
        return text
    }

    /// Every scenario's measurements of each quantity, as one distribution.
    static func merged(_ results: [ScenarioResult]) -> [String: LatencySummary] {
        Dictionary(grouping: results.flatMap(\.metrics), by: { $0.key }).mapValues { LatencySummary.merged($0.map { $0.value }) }
    }

    static func metricLine(_ name: String, _ m: LatencySummary) -> String {
        let padded = name.count >= 26 ? name : name + String(repeating: " ", count: 26 - name.count)
        return "      \(padded) " + String(format: "n=%-5d mean %.3f  p50 %.3f  p99 %.3f  max %.3f ms", m.count, m.mean, m.p50, m.p99, m.max)
    }
}
