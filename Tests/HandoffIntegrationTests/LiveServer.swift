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
        let serverConfiguration = configuration
        // The bound port, or the end of the stream if the server stops first (it failed to start).
        let (ports, listening) = AsyncStream.makeStream(of: Int.self)
        // No output and no metadata: the server must not depend on what a log handler keeps.
        let logger = Logger(label: "integration.server") { _ in SwiftLogNoOpLogHandler() }
        let server = Task {
            defer { listening.finish() }
            try await runServer(
                configuration: serverConfiguration, store: store, logger: logger,
                onListening: { port in
                    listening.yield(port)
                    listening.finish()
                })
        }
        defer { server.cancel() }
        guard let bound = await ports.first(within: .seconds(20)), bound > 0 else {
            server.cancel()
            throw ServerDidNotStart()
        }
        let result = try await body("http://127.0.0.1:\(bound)")
        server.cancel()
        _ = await server.result
        return result
    }

    struct ServerDidNotStart: Error, CustomStringConvertible {
        var description: String { "the server did not report a listening port within 20 s (or stopped before it did)" }
    }
}
