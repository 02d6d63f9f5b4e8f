import AsyncHTTPClient
import Foundation
import HandoffAPI
import Logging
import NIOCore
import NIOHTTP1

/// A live server speaking the wire contract (docs/api.md) at a base URL, and the HTTP client shared by one run
/// against it.
///
/// Scoped: ``withTarget(_:configuration:_:)`` validates the URL, creates the shared
/// `HTTPClient`, and shuts it down when the body returns or throws (AsyncHTTPClient requires
/// an explicit shutdown). Make one `LiveDriver` (HandoffScenarios) per scenario from it.
///
/// ```swift
/// try await LiveTarget.withTarget("http://127.0.0.1:8080") { target in
///     let driver = LiveDriver(target: target)
///     let result = await ScenarioRunner(clientModel: .websocket).run(scenario, driver: driver)
/// }
/// ```
public final class LiveTarget: Sendable {
    /// Settings of a live run.
    public struct Configuration: Sendable {
        /// Longest wait for one HTTP reply, including connecting. Default 10 s.
        public var requestTimeout: Duration
        /// Longest wait to establish a TCP connection. Default 3 s.
        public var connectTimeout: Duration
        /// Longest wait for a socket to open (agent: until `auth:success`). Default 5 s.
        public var socketOpenTimeout: Duration
        /// How much a duration the server measured may exceed the scripted one (see
        /// `ScenarioDriver.timingTolerance`). Default 500 ms.
        public var timingTolerance: Duration
        /// Where the driver logs what it does (requests at `trace`, setup at `debug`). Default: off.
        public var logger: Logger

        public init(requestTimeout: Duration = .seconds(10), connectTimeout: Duration = .seconds(3), socketOpenTimeout: Duration = .seconds(5),
                    timingTolerance: Duration = .milliseconds(500), logger: Logger = Logger(label: "handoff.live", factory: { _ in SwiftLogNoOpLogHandler() })) {
            self.requestTimeout = requestTimeout
            self.connectTimeout = connectTimeout
            self.socketOpenTimeout = socketOpenTimeout
            self.timingTolerance = timingTolerance
            self.logger = logger
        }
    }

    /// The validated base URL without a trailing slash: `http://127.0.0.1:8080`.
    public let baseURL: String
    /// The same for WebSockets: `ws://127.0.0.1:8080`.
    public let webSocketBaseURL: String
    public let configuration: Configuration
    /// Widgets, observers and setup share it; each agent gets its own (see `LiveDriver` (HandoffScenarios)).
    let sharedClient: HTTPClient

    private init(baseURL: String, webSocketBaseURL: String, configuration: Configuration) {
        self.baseURL = baseURL
        self.webSocketBaseURL = webSocketBaseURL
        self.configuration = configuration
        self.sharedClient = Self.makeClient(configuration)
    }

    /// Validates `url`, runs `body` with a target whose shared client is shut down afterwards.
    /// - Throws: ``LiveTargetError`` for a URL that is not `http(s)://host[:port][/prefix]`,
    ///   or whatever `body` throws.
    public static func withTarget<T>(_ url: String, configuration: Configuration = Configuration(),
                                     _ body: (LiveTarget) async throws -> T) async throws -> T {
        let (base, ws) = try validate(url)
        let target = LiveTarget(baseURL: base, webSocketBaseURL: ws, configuration: configuration)
        do {
            let result = try await body(target)
            try await target.sharedClient.shutdown()
            return result
        } catch {
            try? await target.sharedClient.shutdown()
            throw error
        }
    }

    /// Checks a target URL: `http` or `https`, a host, an optional port and path prefix, no
    /// query, fragment or credentials. Returns the HTTP and WebSocket base URLs.
    public static func validate(_ url: String) throws(LiveTargetError) -> (http: String, webSocket: String) {
        guard url.contains("://"), let components = URLComponents(string: url), let scheme = components.scheme?.lowercased() else {
            throw LiveTargetError("'\(url)' is not a URL; expected http://HOST:PORT")
        }
        guard scheme == "http" || scheme == "https" else {
            throw LiveTargetError("'\(url)': the scheme must be http or https, not '\(scheme)'")
        }
        guard let host = components.host, !host.isEmpty else { throw LiveTargetError("'\(url)' has no host; expected \(scheme)://HOST:PORT") }
        if let port = components.port, !(1...65535).contains(port) { throw LiveTargetError("'\(url)': port \(port) is out of range") }
        if components.query != nil || components.fragment != nil { throw LiveTargetError("'\(url)' must not have a query or fragment") }
        if components.user != nil || components.password != nil { throw LiveTargetError("'\(url)' must not carry credentials") }
        var path = components.path
        while path.hasSuffix("/") { path.removeLast() }
        // An IPv6 literal goes back in brackets (Foundation may or may not have kept them).
        let bare = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        let authority = bare.contains(":") ? "[\(bare)]" : bare
        let port = components.port.map { ":\($0)" } ?? ""
        return ("\(scheme)://\(authority)\(port)\(path)", "\(scheme == "https" ? "wss" : "ws")://\(authority)\(port)\(path)")
    }

    /// Checks that something answers HTTP at the base URL (any status will do), so a run against
    /// a server that is not there fails at once with one clear error instead of once per scenario.
    /// - Throws: a transport ``RequestFailure`` naming the URL and the cause.
    public func probe() async throws(RequestFailure) {
        let wire = WireClient(target: self)
        do throws(RequestFailure) {
            _ = try await wire.send(.POST, APIPath.widgetInit, body: WireClient.EmptyBody())
        } catch {
            throw .transport("cannot reach a server at \(baseURL): \(error.text)")
        }
    }

    static func makeClient(_ configuration: Configuration) -> HTTPClient {
        var http = HTTPClient.Configuration(
            timeout: .init(connect: TimeAmount(configuration.connectTimeout), read: TimeAmount(configuration.requestTimeout)))
        http.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        return HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http)
    }
}

/// An HTTP client of its own, with its own connection pool: what one browser tab is. Requests
/// go through the target's shared client unless one of these is given (each virtual agent gets
/// one, so its requests never queue behind a widget's). Call ``shutdown()`` when done.
public final class HTTPConnection: Sendable {
    let client: HTTPClient

    /// A new connection pool for `target`, with its timeouts.
    public init(to target: LiveTarget) {
        client = LiveTarget.makeClient(target.configuration)
    }

    /// Closes its connections; requests after this fail.
    public func shutdown() async {
        try? await client.shutdown()
    }
}

/// A target URL that cannot be used.
public struct LiveTargetError: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    package init(_ description: String) { self.description = description }
}

extension TimeAmount {
    /// A Swift `Duration` as NIO's `TimeAmount` (nanoseconds, saturating).
    package init(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        self = .nanoseconds(overflow ? .max : scaled &+ attoseconds / 1_000_000_000)
    }
}
