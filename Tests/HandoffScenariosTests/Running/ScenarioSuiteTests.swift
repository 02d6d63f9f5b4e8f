@testable import HandoffScenarios
import HandoffWorkload
import HandoffMeasurement
import HandoffClient
import Foundation
import HandoffEngine
import Testing


/// The repository's own scenarios, run in-process exactly as `handoff-sim run scenarios/` does.
@Suite struct ScenarioSuiteTests {
    static let scenariosDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("scenarios").path

    static func loadScenarios() throws -> [Scenario] {
        let files = try DocumentLoader.discover([scenariosDirectory])
        return try DocumentLoader.loadAll(files).compactMap { if case .scenario(let s) = $0 { s } else { nil } }
    }

    @Test func everyShippedScenarioPassesInProcess() async throws {
        let scenarios = try Self.loadScenarios()
        #expect(scenarios.count >= 13)
        for scenario in scenarios {
            let result = await ScenarioRunner().run(scenario, driver: InProcessDriver(seed: 7))
            #expect(result.passed, "\(scenario.file): \(result.failures.map { "\($0.step): \($0.reason)" })")
            #expect(result.stepsRun == scenario.steps.count)
            #expect(result.findings.isEmpty, "\(scenario.file): \(result.findings)")
        }
    }

    @Test func theSixDeploymentScenariosAndTheRacesAreShipped() throws {
        let names = try Self.loadScenarios().map(\.file).map { URL(fileURLWithPath: $0).lastPathComponent }
        for prefix in ["01-", "02-", "03-", "04-", "05-", "06-", "07-pickup-race", "08-capacity-race", "09-end-chat", "10-resolve-races",
                       "11-heartbeat", "12-inactivity"] {
            #expect(names.contains { $0.hasPrefix(prefix) }, "missing scenario \(prefix)")
        }
    }

    @Test func sameSeedGivesTheSameResults() async throws {
        let scenario = try #require(try Self.loadScenarios().first { $0.file.hasSuffix("04-message-delivery.yaml") })
        func run() async -> ScenarioResult { await ScenarioRunner().run(scenario, driver: InProcessDriver(seed: 99)) }
        var first = await run()
        var second = await run()
        // Wall-clock measurements differ between runs; everything on the virtual clock may not.
        for r in [first, second] { #expect(r.passed) }
        first.metrics = first.metrics.filter { !$0.key.hasPrefix("op.") }
        second.metrics = second.metrics.filter { !$0.key.hasPrefix("op.") }
        first.wallMilliseconds = 0
        second.wallMilliseconds = 0
        #expect(first == second)
        #expect(first.metrics["delivery.agentToWidget"]?.count == 3)
        #expect(first.scenarioMilliseconds > 0)
    }
}
