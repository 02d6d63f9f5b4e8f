import Foundation
import HandoffEngine
import HandoffHarness
import HandoffServer
import Logging
import Synchronization

/// A real ``HandoffServer`` on 127.0.0.1 for one test: a fresh memory store seeded with the
/// fixtures, a free port (port 0, read back when the server reports it is listening), no rate
/// limits, and a shutdown (task cancellation) when the body returns.
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
        let port = PortCapture()
        var logger = Logger(label: "integration.server") { _ in PortCapturingHandler(capture: port) }
        logger.logLevel = .info
        let serverConfiguration = configuration
        let server = Task { try await runServer(configuration: serverConfiguration, store: store, logger: logger) }
        defer { server.cancel() }
        guard let bound = await port.wait(seconds: 20) else {
            server.cancel()
            throw ServerDidNotStart()
        }
        let result = try await body("http://127.0.0.1:\(bound)")
        server.cancel()
        _ = await server.result
        return result
    }

    struct ServerDidNotStart: Error, CustomStringConvertible {
        var description: String { "the server did not report a listening port within 20 s" }
    }
}

/// Where the server said it listens (the `port` of its "listening" log line).
final class PortCapture: Sendable {
    private let port = Mutex<Int?>(nil)

    func set(_ value: Int) { port.withLock { if $0 == nil { $0 = value } } }

    func wait(seconds: Int) async -> Int? {
        for _ in 0..<(seconds * 50) {
            if let value = port.withLock({ $0 }) { return value }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return nil
    }
}

/// Drops every log line except the one that says which port the server bound.
struct PortCapturingHandler: LogHandler {
    let capture: PortCapture
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard event.message.description.contains("listening"), let value = event.metadata?["port"], let port = Int("\(value)"), port > 0 else { return }
        capture.set(port)
    }
}
