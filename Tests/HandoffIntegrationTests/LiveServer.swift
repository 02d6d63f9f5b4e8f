import HandoffScenarios
import HandoffWorkload
import HandoffClient
import Foundation
import HandoffEngine
import HandoffServer
import Logging

/// A real ``HandoffServer`` on 127.0.0.1 for one test: a fresh memory store seeded with the
/// fixtures, a free port (port 0, handed back by the server's `onListening`), no rate limits,
/// and a shutdown (task cancellation) when the body returns.
enum LiveServer {
    /// A secret long enough for jwt-kit; tests only.
    static let secret = "integration-tests-secret-0123456789abcdef"

    static func with<T: Sendable>(
        fixtures: Fixtures, configure: (inout ServerConfiguration) -> Void = { _ in }, _ body: (String) async throws -> T
    ) async throws -> T {
        // Few PBKDF2 rounds: logins are not what these tests measure.
        let store = MemoryHandoffStore(configuration: .init(passwordIterations: 64))
        try await FixtureSeeder.seed(fixtures, into: store, now: SystemWallClock().now())
        var configuration = ServerConfiguration(jwtSecret: secret, host: "127.0.0.1", port: 0)
        configuration.rateLimits = .disabled
        configure(&configuration)
        // No output and no metadata: the server must not depend on what a log handler keeps.
        let logger = Logger(label: "integration.server") { _ in SwiftLogNoOpLogHandler() }
        return try await withServer(configuration: configuration, store: store, logger: logger, body)
    }
}
