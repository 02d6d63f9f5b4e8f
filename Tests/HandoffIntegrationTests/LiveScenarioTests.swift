import Foundation
import HandoffClient
import HandoffEngine
import HandoffMeasurement
import HandoffScenarios
import HandoffWorkload
import Testing

/// The shipped scenarios against the real server over HTTP and WebSocket, under both client
/// models: each scenario gets a fresh server (its inline tenants, no state from another
/// scenario), so they run in parallel and the suite takes about as long as its longest wait.
@Suite struct LiveScenarioTests {
    static let scenariosDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scenarios").path

    /// Scenarios whose scripted waits exceed this run only when `HANDOFF_LIVE_LONG=1`.
    static let realTimeBudget: Duration = .seconds(60)

    static func load(_ file: String) throws -> Scenario {
        guard case .scenario(let scenario) = try DocumentLoader.load(file: scenariosDirectory + "/" + file) else {
            throw LoadError(file: file)
        }
        return scenario
    }

    struct LoadError: Error { var file: String }

    /// Waits and `within`s of a scenario: an upper bound of the real time its scripted waits take.
    static func scriptedTime(_ scenario: Scenario) -> Duration {
        scenario.steps.reduce(.zero) { total, step in
            switch step.kind {
            case .wait(let d), .check(_, let d): total + d
            default: total
            }
        }
    }

    /// Every `kind: scenario` file of the directory (fixtures and profiles are not scenarios).
    static let allFiles: [String] = ((try? DocumentLoader.discover([scenariosDirectory])) ?? [])
        .filter { if case .scenario? = try? DocumentLoader.load(file: $0) { true } else { false } }
        .map { URL(fileURLWithPath: $0).lastPathComponent }.sorted()

    static let quickFiles = allFiles.filter { file in (try? load(file)).map { scriptedTime($0) <= realTimeBudget } ?? true }
    static let longFiles = allFiles.filter { !quickFiles.contains($0) }

    static func run(_ scenario: Scenario, client: ClientModel) async throws -> ScenarioResult {
        try await LiveServer.with(fixtures: scenario.fixtures) { url in
            try await LiveTarget.withTarget(url) { target in
                await ScenarioRunner(clientModel: client).run(scenario, driver: LiveDriver(target: target))
            }
        }
    }

    static func expectPassed(_ result: ScenarioResult, _ client: String) {
        #expect(result.passed, "\(result.file) [\(client)]: \(result.failures.map { "\($0.step): \($0.reason)" })")
        #expect(result.stepsRun == result.stepsTotal)
        #expect(result.findings.isEmpty, "\(result.file) [\(client)]: \(result.findings)")
    }

    @Test func theSuiteIsThere() {
        #expect(Self.allFiles.count >= 13)
        #expect(Self.quickFiles.count >= 11)
    }

    @Test(arguments: quickFiles, ["reference", "websocket"])
    func scenarioPassesLive(file: String, client: String) async throws {
        let scenario = try Self.load(file)
        let model = try #require(ClientModel.named(client))
        let result = try await Self.run(scenario, client: model)
        Self.expectPassed(result, client)
        // The live run counts what happened as the in-process run does (the wire's end-chat
        // reply does not say what it ended; the runner must not guess wrong).
        let local = await ScenarioRunner().run(scenario, driver: InProcessDriver(seed: 7))  // in-process runs the reference client
        #expect(result.counts == local.counts, "\(file) [\(client)]: live \(result.counts), in-process \(local.counts)")
        if file.hasPrefix("04-") {
            // Every agent message reached the widget once; with sockets, by push (no message polls).
            #expect(result.metrics["delivery.agentToWidget"]?.count == 3)
            #expect(result.metrics["delivery.widgetToAgent"]?.count == 1)
            if model.transport == .websocket {
                #expect((result.metrics["op.widgetMessages"]?.count ?? 0) <= 1)
                #expect(result.metrics["op.agentMessages"]?.count == 1)  // the catch-up when the chat opened
            } else {
                #expect((result.metrics["op.widgetMessages"]?.count ?? 0) >= 1)
                #expect((result.metrics["op.queue.pending"]?.count ?? 0) >= 1)
            }
        }
    }

    // TODO(issue "The live server, and every scenario against it over HTTP and WebSocket"):
    // run these in CI once the server's inactivity timeout and the heartbeat can be scaled
    // together (a server option for the inactivity timeout, a runner time scale): today
    // 11-heartbeat waits 95 s and 12-inactivity needs the real 120 s timeout.
    @Test(
        .enabled(
            if: ProcessInfo.processInfo.environment["HANDOFF_LIVE_LONG"] == "1",
            "scenarios that wait more than 60 s in real time (11-heartbeat: 95 s, 12-inactivity: 120 s timeout) are skipped live; HANDOFF_LIVE_LONG=1 runs them"),
        arguments: longFiles, ["reference", "websocket"])
    func longScenarioPassesLive(file: String, client: String) async throws {
        let result = try await Self.run(try Self.load(file), client: try #require(ClientModel.named(client)))
        Self.expectPassed(result, client)
    }
}
