import Foundation
import HandoffEngine
import HandoffPostgres
import HandoffTestSupport
import Logging
import PostgresNIO
import Testing

/// The database the PostgreSQL tests run on: `HANDOFF_TEST_DATABASE_URL`, which
/// `scripts/test` (through `scripts/with-postgres`) sets to a throwaway cluster on loopback.
/// Without it these suites are skipped, and say so — except under `HANDOFF_REQUIRE_POSTGRES=1`
/// (what `scripts/test` sets), where a missing database fails them instead.
enum TestDatabase {
    static let url = ProcessInfo.processInfo.environment["HANDOFF_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let required = ProcessInfo.processInfo.environment["HANDOFF_REQUIRE_POSTGRES"] == "1"
    static let enabled = url != nil || required
    static let skipReason: Comment = "HANDOFF_TEST_DATABASE_URL is not set: run scripts/test (it starts a throwaway PostgreSQL)"

    static var logger: Logger {
        var logger = Logger(label: "handoff.postgres.test")
        logger.logLevel = .error
        return logger
    }

    static func requireURL() throws -> String {
        guard let url else {
            Issue.record("HANDOFF_REQUIRE_POSTGRES=1 but HANDOFF_TEST_DATABASE_URL is not set: the PostgreSQL suites cannot run")
            throw CancellationError()
        }
        return url
    }

    /// Runs SQL as the test database's owner (schemas, checks of the rows).
    static func withAdmin<T: Sendable>(_ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        var configuration = try DatabaseURL.configuration(try requireURL())
        configuration.options.maximumConnections = 2
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }

    /// A fresh, empty schema of its own.
    static func newSchema() async throws -> String {
        let name = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
        try await withAdmin { client in _ = try await client.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(name)"), logger: logger) }
        return String(name)
    }

    static func dropSchema(_ name: String) async throws {
        try await withAdmin { client in _ = try await client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(name) CASCADE"), logger: logger) }
    }

    /// A running store on a new schema, and how to stop it and drop the schema.
    static func openStore(
        schema: String? = nil, clock: any WallClock = SystemWallClock(), core: HandoffCore.Configuration = .init(), poolSize: Int = 8
    ) async throws -> (store: PostgresHandoffStore, schema: String, stop: @Sendable () async -> Void) {
        let name: String
        if let schema { name = schema } else { name = try await newSchema() }
        let store = try PostgresHandoffStore(
            url: try requireURL(), poolSize: poolSize, searchPath: name,
            configuration: .init(core: core, clock: clock, passwordIterations: 1, timeout: .seconds(10)), logger: logger)
        let runner = Task { try await store.run() }
        await store.waitUntilReady()
        return (store, name, { runner.cancel(); _ = await runner.result })
    }
}
