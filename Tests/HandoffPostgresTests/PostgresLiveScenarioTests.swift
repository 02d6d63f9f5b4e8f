import Foundation
import HandoffClient
import HandoffEngine
import HandoffPostgres
import HandoffScenarios
import HandoffServer
import HandoffWorkload
import Logging
import Testing

/// The shipped scenarios against the real server on the PostgreSQL store, over HTTP and
/// WebSocket, under both client models: a fresh schema per scenario, seeded with its fixtures.
/// (The scenarios that wait minutes in real time are left to `HANDOFF_LIVE_LONG=1`, as for the
/// memory store's live run.)
@Suite(.enabled(if: TestDatabase.enabled, TestDatabase.skipReason))
struct PostgresLiveScenarioTests {
    static let directory = Repository.root + "/scenarios"
    static let budget: Duration = .seconds(60)

    static func load(_ path: String) -> Scenario? {
        if case .scenario(let scenario)? = try? DocumentLoader.load(file: path) { return scenario }
        return nil
    }

    static func scriptedTime(_ scenario: Scenario) -> Duration {
        scenario.steps.reduce(.zero) { total, step in
            switch step.kind {
            case .wait(let d), .check(_, let d): total + d
            default: total
            }
        }
    }

    static let files: [String] = ((try? DocumentLoader.discover([directory])) ?? []).filter { path in
        guard let scenario = load(path) else { return false }
        return scriptedTime(scenario) <= budget || ProcessInfo.processInfo.environment["HANDOFF_LIVE_LONG"] == "1"
    }.map { URL(fileURLWithPath: $0).lastPathComponent }.sorted()

    @Test func theScenariosAreThere() { #expect(Self.files.count >= 11) }

    @Test(.timeLimit(.minutes(3)), arguments: files, ["reference", "websocket"])
    func scenarioPassesOnPostgres(file: String, client: String) async throws {
        let scenario = try #require(Self.load(Self.directory + "/" + file))
        let model = try #require(ClientModel.named(client))
        let (store, schema, stop) = try await TestDatabase.openStore()
        defer { Task { try? await TestDatabase.dropSchema(schema) } }
        try await FixtureSeeder.seed(scenario.fixtures, into: store, now: SystemWallClock().now(), existing: .keep)
        let result = try await InProcessServer.with(store: store) { url in
            try await LiveTarget.withTarget(url) { target in
                await ScenarioRunner(clientModel: model).run(scenario, driver: LiveDriver(target: target))
            }
        }
        let failures = result.failures.map { "\($0.step): \($0.reason)" }
        #expect(result.passed, "\(file) [\(client)]: \(failures)")
        #expect(result.stepsRun == result.stepsTotal)
        #expect(result.findings.isEmpty, "\(file) [\(client)]: \(result.findings)")
        #expect(await store.invariantViolations() == [])
        await stop()
    }
}

/// A real server on 127.0.0.1, port 0, over a given store, for one test body.
enum InProcessServer {
    static let secret = "postgres-tests-secret-0123456789abcdef-xyz"

    static func with<T: Sendable>(store: any HandoffStore, _ body: (String) async throws -> T) async throws -> T {
        var configuration = ServerConfiguration(jwtSecret: secret, host: "127.0.0.1", port: 0)
        configuration.rateLimits = .disabled
        let logger = Logger(label: "postgres.test.server") { _ in SwiftLogNoOpLogHandler() }
        return try await withServer(configuration: configuration, store: store, logger: logger, body)
    }
}
