import ArgumentParser
import Foundation
import HandoffEngine
import HandoffPostgres
import HandoffScenarios
import HandoffServer
import HandoffWorkload
import Logging
import NIOPosix

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the live handoff server: the wire API (docs/api.md) over HTTP and WebSocket.",
        discussion: """
            Serves the widget and agent endpoints, the agent socket /api/ws, the widget \
            socket /api/widget/ws, /health and Prometheus /metrics on one port. Stops \
            gracefully on SIGINT or SIGTERM: in-flight requests finish, sockets close with 1000.

            The store is in memory (its data is gone when the server stops) unless \
            --database-url (or DATABASE_URL) names a PostgreSQL database, e.g. \
            postgres://handoff:secret@127.0.0.1:5432/handoff. Then the schema is migrated at \
            start, every change is durable, and several `serve` processes may share the \
            database: a pick-up made through one is seen by sockets on the others, and two \
            agents racing through different processes never both win. While the database is \
            down, requests that need it get 503 {"error": "Service unavailable, try again"} \
            within --database-timeout; the server recovers by itself when it is back.

            --fixtures loads tenants, API keys, accounts and agents with the stable ids the \
            scenarios expect. It takes a fixtures file, a scenario file (the fixtures it \
            names and its inline tenants) or a directory of them, and may be repeated; \
            `--fixtures scenarios/` serves every tenant of the shipped scenarios, so \
            `handoff-sim run --target http://127.0.0.1:8080` can run them all. On a database \
            the fixtures are loaded only where missing: a restart, or a second process with \
            the same file, changes nothing and fails nothing.

            --public DIR serves the files of DIR at the root (GET /widget.js → DIR/widget.js; \
            no directory listings, nothing under /api/), for a widget script that takes its \
            API base from its own URL and a test page that embeds it.

            --end-chat-grace 10s defers every widget end-chat by that long, and cancels it if the \
            widget polls, reads its history or writes again meanwhile: the reference widget \
            sends end-chat on every page unload, a reload included, so without a grace a \
            visitor who reloads mid-chat loses the chat. The default, 0, ends chats at once \
            (what the shipped scenarios expect of a live target).

            Without --jwt-secret (or HANDOFF_JWT_SECRET) a random secret is generated: \
            agent tokens then do not survive a restart.
            """
    )

    @Option(help: "Interface to listen on.")
    var host: String = "127.0.0.1"

    @Option(help: "TCP port; 0 picks a free one (logged once bound).")
    var port: Int = 8080

    @Option(help: ArgumentHelp("PostgreSQL database to serve from (or DATABASE_URL): postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|prefer|require].", valueName: "url"))
    var databaseURL: String?

    @Option(help: "Most connections to the database this process opens.")
    var databasePoolSize: Int = 16

    @Option(help: ArgumentHelp("Longest a database call may take before the request gets 503, e.g. 5s.", valueName: "duration"))
    var databaseTimeout: String = "5s"

    @Option(
        help: ArgumentHelp(
            "Fixtures to load at start: a fixtures file, a scenario file or a directory of them (repeatable).", valueName: "path"))
    var fixtures: [String] = []

    @Option(help: "HS256 secret for agent tokens, at least 32 bytes (or HANDOFF_JWT_SECRET). Default: random, so tokens do not survive a restart.")
    var jwtSecret: String?

    @Option(name: .customLong("public"), help: ArgumentHelp("A directory whose files are served at the root (e.g. widget.js and a test page).", valueName: "dir"))
    var publicDirectory: String?

    @Option(help: ArgumentHelp("How long a widget's end-chat waits for the widget to come back (a reload) before it takes effect, e.g. 10s; at most 10m.", valueName: "duration"))
    var endChatGrace: String = "0s"

    /// The most an end-chat may wait.
    static let maxEndChatGrace = Duration.seconds(600)

    @Flag(help: "Turn off the per-address and per-API-key rate limits (load tests from one host).")
    var noRateLimit = false

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical. 'debug' logs every request.")
    var logLevel: String = "info"

    func validate() throws {
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level '\(logLevel)': expected one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        _ = try Self.grace(endChatGrace)
        if let url = effectiveDatabaseURL {
            do {
                _ = try DatabaseURL.configuration(url)
            } catch {
                throw ValidationError("--database-url / DATABASE_URL: \(error)")
            }
        }
        guard (1...1000).contains(databasePoolSize) else {
            throw ValidationError("--database-pool-size must be between 1 and 1000, found \(databasePoolSize)")
        }
        _ = try Self.databaseTimeout(databaseTimeout)
        // The server's own checks (port, secret length, …); without a secret a valid random one is made.
        let secret = Self.givenSecret(jwtSecret) ?? String(repeating: "0", count: ServerConfiguration.minimumSecretBytes)
        do {
            try ServerConfiguration(jwtSecret: secret, host: host, port: port, publicDirectory: publicDirectory).validate()
        } catch {
            // The server names its fields; name the flags instead where they differ.
            throw ValidationError(error.problems.map { $0.replacingOccurrences(of: "publicDirectory ", with: "--public ") }.joined(separator: "\n"))
        }
    }

    func run() async throws {
        let level = Logger.Level(rawValue: logLevel) ?? .info
        LoggingSystem.bootstrap { label in ServerLogHandler(label: label, level: level) }
        let logger = Logger(label: "handoff-sim.serve")

        let fixtures: Fixtures
        do {
            fixtures = try FixturesLoader.collect(self.fixtures)
        } catch {
            FileHandle.standardError.write(Data("error: invalid --fixtures, nothing was started:\n\(error)\n".utf8))
            throw ExitCode(2)
        }

        // Password hashing (PBKDF2, 600 000 rounds unless the fixtures lower it) runs on a pool
        // of its own, one thread fewer than the cores: never on the threads that serve
        // requests, and never ahead of static files on NIO's shared pool.
        let passwordPool = NIOThreadPool(numberOfThreads: max(1, ProcessInfo.processInfo.activeProcessorCount - 1))
        passwordPool.start()
        defer { passwordPool.shutdownGracefully { _ in } }
        let core = HandoffCore.Configuration(endChatGrace: try Self.grace(endChatGrace))
        guard let url = effectiveDatabaseURL else {
            let store = MemoryHandoffStore(configuration: .init(core: core, passwordWork: ThreadPoolWork(pool: passwordPool)))
            try await serve(store: store, fixtures: fixtures, existing: .fail, storeName: "memory", logger: logger)
            return
        }
        let store = try PostgresHandoffStore(
            url: url, poolSize: databasePoolSize,
            configuration: .init(core: core, passwordWork: ThreadPoolWork(pool: passwordPool), timeout: try Self.databaseTimeout(databaseTimeout)),
            logger: logger)
        logger.info("Connecting to the database", metadata: ["url": "\(DatabaseURL.redacted(url))"])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await store.run() }
            await store.waitUntilReady()
            defer { group.cancelAll() }
            try await serve(store: store, fixtures: fixtures, existing: .keep, storeName: "postgres", logger: logger)
        }
    }

    /// Loads the fixtures into `store` and serves it until stopped.
    private func serve(
        store: any HandoffStore, fixtures: Fixtures, existing: FixtureSeeder.Existing, storeName: String, logger: Logger
    ) async throws {
        do {
            try await FixtureSeeder.seed(fixtures, into: store, now: SystemWallClock().now(), existing: existing)
        } catch {
            FileHandle.standardError.write(Data("error: cannot load the fixtures into the store: \(error)\n".utf8))
            throw ExitCode(2)
        }
        if fixtures.tenants.isEmpty {
            logger.notice(
                "No fixtures loaded: the store is empty. Add tenants, keys and accounts with --fixtures scenarios/fixtures.yaml (or --fixtures scenarios/ for every scenario's tenants)")
        } else {
            let accounts = fixtures.tenants.reduce(0) { $0 + $1.users.count + $1.agents.count }
            logger.info("Loaded fixtures", metadata: [
                "tenants": "\(fixtures.tenants.map(\.handle).joined(separator: ","))", "accounts": "\(accounts)",
            ])
        }

        var configuration = ServerConfiguration(
            jwtSecret: Self.secret(jwtSecret, logger: logger), host: host, port: port, publicDirectory: publicDirectory)
        if noRateLimit { configuration.rateLimits = .disabled }
        logger.info("Starting handoff server", metadata: ["address": "http://\(host):\(port)", "store": "\(storeName)"])
        do {
            try await runServer(configuration: configuration, store: store, logger: logger)
        } catch let error as ServerConfigurationError {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// The flag, else a non-empty `DATABASE_URL`.
    var effectiveDatabaseURL: String? {
        if let databaseURL { return databaseURL }
        if let env = ProcessInfo.processInfo.environment["DATABASE_URL"], !env.isEmpty { return env }
        return nil
    }

    /// `--database-timeout`, checked.
    static func databaseTimeout(_ text: String) throws -> Duration {
        switch DurationText.parse(text) {
        case .failure(let problem): throw ValidationError("--database-timeout: \(problem.message)")
        case .success(let timeout):
            guard timeout >= .milliseconds(100), timeout <= .seconds(300) else {
                throw ValidationError("--database-timeout must be between 100ms and 5m, found '\(text)'")
            }
            return timeout
        }
    }

    /// `--end-chat-grace`, checked.
    static func grace(_ text: String) throws -> Duration {
        switch DurationText.parse(text) {
        case .failure(let problem): throw ValidationError("--end-chat-grace: \(problem.message)")
        case .success(let grace):
            guard grace <= maxEndChatGrace else { throw ValidationError("--end-chat-grace must be at most 10m, found '\(text)'") }
            return grace
        }
    }

    /// The flag, else a non-empty `HANDOFF_JWT_SECRET` (an empty one counts as unset).
    static func givenSecret(_ flag: String?) -> String? {
        if let flag { return flag }
        if let env = ProcessInfo.processInfo.environment["HANDOFF_JWT_SECRET"], !env.isEmpty { return env }
        return nil
    }

    /// ``givenSecret(_:)``, else 32 random bytes as hex (with a warning).
    static func secret(_ flag: String?, logger: Logger) -> String {
        if let given = givenSecret(flag) { return given }
        logger.warning("No --jwt-secret or HANDOFF_JWT_SECRET: using a random secret; agent tokens will not survive a restart")
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: .min ... .max, using: &generator)) }.joined()
    }
}
