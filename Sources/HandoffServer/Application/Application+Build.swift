import HandoffAPI
import HandoffEngine
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import ServiceLifecycle

// MARK: - Entry points

/// Builds the live server: every endpoint of docs/api.md over `store`, the WebSocket channels,
/// rate limits, `/health` and `/metrics`, with the inactivity sweep and the WebSocket hub as
/// services of the application.
///
/// ```swift
/// let store = MemoryHandoffStore()
/// let app = try await buildApplication(configuration: ServerConfiguration(jwtSecret: secret), store: store, logger: logger)
/// try await app.runService()   // serves until SIGINT or SIGTERM, then shuts down gracefully
/// ```
///
/// Run it as a `Service` with ``runServer(configuration:store:clock:logger:onListening:)`` or
/// `app.runService()`, or put the application itself into a larger `ServiceGroup` (it is a
/// `Service`; the group's graceful shutdown drains in-flight requests and closes sockets with
/// 1000). This is what `handoff-sim serve` does.
///
/// The WebSocket hub subscribes to the store's events when the application is built, so build
/// it to run it: an application that is never run keeps that subscription's backlog.
///
/// - Parameters:
///   - configuration: validated first; an invalid one throws, nothing is started.
///   - store: the engine behind the routes (any ``HandoffStore``; the memory store today).
///   - clock: "now" for token expiry and rate limits. Default: the system clock. Tests pass
///     the store's ``ManualWallClock`` so expiry and refills happen exactly when told.
///   - logger: request and server logs.
///   - onListening: called once the socket is bound, with the port (the real one when
///     `configuration.port` is 0, the way tests and tools learn it).
///
/// - Throws: ``ServerConfigurationError`` for a bad configuration (a JWT secret under 32 bytes).
public func buildApplication(
    configuration: ServerConfiguration, store: any HandoffStore, clock: any WallClock = SystemWallClock(), logger: Logger,
    onListening: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) async throws -> some ApplicationProtocol {
    try configuration.validate()
    let server = try await ServerAssembly(configuration: configuration, store: store, clock: clock, logger: logger)
    return server.application(onListening: onListening)
}

/// Builds the server and serves until SIGINT or SIGTERM, then shuts down gracefully.
/// - Throws: ``ServerConfigurationError`` before anything starts, or a start-up failure
///   (the port is taken).
public func runServer(
    configuration: ServerConfiguration, store: any HandoffStore, clock: any WallClock = SystemWallClock(), logger: Logger,
    onListening: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) async throws {
    let app = try await buildApplication(configuration: configuration, store: store, clock: clock, logger: logger, onListening: onListening)
    try await app.runService()
}

/// Serves on the configured address (port 0: a free one) while `body` runs with the server's
/// base URL (`http://HOST:PORT`), then stops it and waits until it has stopped. For tests and
/// tools that need a real listening server for a while, such as a bounded load run on
/// loopback.
/// - Throws: ``ServerDidNotStart`` when no port was bound within `startTimeout` (the port is
///   taken, or the configuration is invalid), else what `body` throws.
public func withServer<T: Sendable>(
    configuration: ServerConfiguration, store: any HandoffStore, clock: any WallClock = SystemWallClock(), logger: Logger,
    startTimeout: Duration = .seconds(20), _ body: (_ baseURL: String) async throws -> T
) async throws -> T {
    // The bound port, or the end of the stream if the server stops first (it failed to start).
    let (ports, listening) = AsyncStream.makeStream(of: Int.self)
    let server = Task {
        defer { listening.finish() }
        try await runServer(
            configuration: configuration, store: store, clock: clock, logger: logger,
            onListening: { port in
                listening.yield(port)
                listening.finish()
            })
    }
    guard let bound = await ports.first(within: startTimeout), bound > 0 else {
        server.cancel()
        let failure = await server.result
        if case .failure(let error) = failure { throw ServerDidNotStart(timeout: startTimeout, cause: "\(error)") }
        throw ServerDidNotStart(timeout: startTimeout, cause: nil)
    }
    let result: T
    do {
        // A wildcard address is reached on loopback.
        let host = ["0.0.0.0", "::", ""].contains(configuration.host) ? "127.0.0.1" : configuration.host
        result = try await body("http://\(host.contains(":") ? "[\(host)]" : host):\(bound)")
    } catch {
        server.cancel()
        _ = await server.result
        throw error
    }
    server.cancel()
    _ = await server.result
    return result
}

/// ``withServer(configuration:store:clock:logger:startTimeout:_:)`` found no listening port.
public struct ServerDidNotStart: Error, CustomStringConvertible {
    public let timeout: Duration
    public let cause: String?
    public var description: String {
        "the server did not report a listening port within \(timeout)" + (cause.map { ": \($0)" } ?? " (or stopped before it did)")
    }
}

// MARK: - Assembly

/// Wires routers, middleware, controllers and services together. Middleware order (outermost
/// first): ``EdgeMiddleware`` (observability → widget CORS → error mapping → body size and
/// per-address limit, in one layer) → static files → (widget poll routes) widget key, (agent
/// routes) authentication → handler. So every response, errors and 429s included, is
/// counted and logged, and every widget response carries CORS headers.
struct ServerAssembly {
    let configuration: ServerConfiguration
    let dependencies: ServerDependencies
    let hub: WebSocketHub?
    let logger: Logger

    init(configuration: ServerConfiguration, store: any HandoffStore, clock: any WallClock, logger: Logger) async throws {
        let metrics = ServerMetrics()
        let limits = configuration.rateLimits
        self.configuration = configuration
        self.logger = logger
        self.dependencies = ServerDependencies(
            store: store, configuration: configuration,
            tokens: await TokenAuthority(secret: configuration.jwtSecret, lifetime: configuration.tokenLifetime, clock: clock),
            metrics: metrics,
            keyLimiter: limits.perAPIKey.map { RateLimiter(limit: $0, clock: clock, maxKeys: limits.maxTrackedClients) },
            addressLimiter: limits.perAddress.map { RateLimiter(limit: $0, clock: clock, maxKeys: limits.maxTrackedClients) })
        self.hub =
            configuration.webSocket.isEnabled
            ? WebSocketHub(
                store: store, bufferSize: configuration.webSocket.outboundBufferSize, replayCapacity: configuration.webSocket.replayBufferSize,
                metrics: metrics, logger: logger) : nil
    }

    func application(onListening: @escaping @Sendable (_ port: Int) async -> Void) -> some ApplicationProtocol {
        var services: [any Service] = []
        if let hub { services.append(hub) }
        if let interval = configuration.sweepInterval {
            services.append(SweepService(store: dependencies.store, interval: interval, logger: logger))
        }
        let host = configuration.host
        let logger = self.logger
        return Application(
            router: router(), server: serverBuilder(),
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: configuration.serverName),
            services: services,
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? -1
                logger.info("Handoff server listening", metadata: ["host": "\(host)", "port": "\(port)"])
                await onListening(port)
            },
            logger: logger)
    }

    /// The HTTP router: middleware first (it applies to routes added after it), then routes.
    func router() -> Router<AppRequestContext> {
        let router = Router(context: AppRequestContext.self)
        router.add(
            middleware: EdgeMiddleware(
                metrics: dependencies.metrics, logLevel: configuration.requestLogLevel,
                limits: RequestLimits(
                    perAddress: dependencies.addressLimiter, trustForwardedFor: configuration.rateLimits.trustForwardedFor,
                    maxBodyBytes: configuration.maxBodyBytes)))

        if let directory = configuration.publicDirectory { router.add(middleware: PublicFilesMiddleware(directory: directory)) }
        let authentication = AgentAuthMiddleware(tokens: dependencies.tokens, store: dependencies.store)
        router.addRoutes(OperationsController(dependencies: dependencies, hub: hub).endpoints)
        router.addRoutes(WidgetController(dependencies: dependencies).endpoints, atPath: "/api/widget")
        router.addRoutes(AuthController(dependencies: dependencies, authentication: authentication).endpoints, atPath: "/api/auth")
        router.addRoutes(HandoffController(dependencies: dependencies, authentication: authentication).endpoints, atPath: "/api/widget-handoffs")
        router.addRoutes(AgentController(dependencies: dependencies, authentication: authentication).endpoints, atPath: "/api/human-agents")
        router.addRoutes(DashboardController(dependencies: dependencies, authentication: authentication).endpoints, atPath: "/api/metrics")
        router.addRoutes(TenantController(dependencies: dependencies, authentication: authentication).endpoints, atPath: "/api/tenant")
        if let hub { router.addRoutes(WebSocketController(dependencies: dependencies, hub: hub).httpEndpoints) }
        return router
    }

    /// HTTP/1.1, with the WebSocket upgrade when sockets are enabled.
    func serverBuilder() -> HTTPServerBuilder {
        guard let hub else { return .http1() }
        let settings = configuration.webSocket
        let webSocketRouter = Router(context: SocketRequestContext.self)
        WebSocketController(dependencies: dependencies, hub: hub).addRoutes(to: webSocketRouter)
        return .http1WebSocketUpgrade(
            webSocketRouter: webSocketRouter,
            configuration: .init(
                ws: WebSocketServerConfiguration(
                    maxFrameSize: settings.maxMessageBytes,
                    autoPing: settings.pingInterval.map { .enabled(timePeriod: $0) } ?? .disabled)))
    }
}
