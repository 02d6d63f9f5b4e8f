import Foundation
import Logging

/// Settings of the live server. Every field has a default except the JWT secret.
///
/// ```swift
/// var configuration = ServerConfiguration(jwtSecret: secret)   // ≥ 32 bytes
/// configuration.port = 0                                       // any free port
/// configuration.rateLimits = .disabled                         // load tests
/// let app = try await buildApplication(configuration: configuration, store: store, logger: logger)
/// try await app.runService()
/// ```
///
/// ``validate()`` checks the values (``buildApplication(configuration:store:clock:logger:onListening:)``
/// calls it) and throws ``ServerConfigurationError`` instead of crashing on a bad one.
public struct ServerConfiguration: Sendable {
    // MARK: Network

    /// Interface to listen on. Default `127.0.0.1` (loopback only).
    public var host: String
    /// TCP port. Default 8080; 0 lets the system pick a free port (logged once bound).
    public var port: Int

    // MARK: Authentication

    /// The HS256 signing secret of agent session tokens. Required, at least 32 bytes of UTF-8
    /// (shorter HMAC keys are refused: they are guessable, and jwt-kit asserts on them).
    public var jwtSecret: String
    /// How long a token from `POST /api/auth/login` stays valid. Default 12 hours.
    public var tokenLifetime: Duration

    // MARK: Limits

    /// Request rate limits. Default: enabled, per address 200 req/s with bursts of 500, per API
    /// key 500 req/s with bursts of 1000.
    public var rateLimits: RateLimits
    /// Largest accepted request body, in bytes; larger ones get 413. Default 65 536 (64 KiB).
    public var maxBodyBytes: Int
    public static let defaultMaxBodyBytes = 64 * 1024

    // MARK: Background work

    /// How often the inactivity sweep (``HandoffStore/sweep()``) runs: agents whose clients
    /// stopped heartbeating go offline. Default 10 seconds; `nil` disables the sweep.
    public var sweepInterval: Duration?

    // MARK: WebSocket

    /// The agent socket `/api/ws` and the widget socket `/api/widget/ws`.
    public var webSocket: WebSocket

    // MARK: Logging

    /// Level of the one log line per request (request id, method, route, status, latency).
    /// Default `.debug`; server errors (5xx) are always logged at `.error`.
    public var requestLogLevel: Logger.Level
    /// The `Server` response header. Default `handoff-server`; `nil` sends none.
    public var serverName: String?

    // MARK: Static files

    /// A directory whose files are served at the root (`GET /widget.js` → `DIR/widget.js`), for
    /// a widget script that takes its API base from its own URL and a test page embedding it.
    /// Only `GET`/`HEAD` of paths no route answers and outside `/api/`; no directory listings;
    /// `..` is refused. `nil` (default): nothing is served.
    public var publicDirectory: String?

    /// - Parameter jwtSecret: required, at least 32 bytes; every other value has its documented default.
    public init(
        jwtSecret: String, host: String = "127.0.0.1", port: Int = 8080, tokenLifetime: Duration = .seconds(12 * 3600),
        rateLimits: RateLimits = RateLimits(), maxBodyBytes: Int = defaultMaxBodyBytes,
        sweepInterval: Duration? = .seconds(10),
        webSocket: WebSocket = WebSocket(), requestLogLevel: Logger.Level = .debug, serverName: String? = "handoff-server",
        publicDirectory: String? = nil
    ) {
        self.jwtSecret = jwtSecret
        self.host = host
        self.port = port
        self.tokenLifetime = tokenLifetime
        self.rateLimits = rateLimits
        self.maxBodyBytes = maxBodyBytes
        self.sweepInterval = sweepInterval
        self.webSocket = webSocket
        self.requestLogLevel = requestLogLevel
        self.serverName = serverName
        self.publicDirectory = publicDirectory
    }

    /// The smallest accepted ``jwtSecret``, in bytes: the output size of SHA-256.
    public static let minimumSecretBytes = 32

    /// Checks every value; collects all problems into one error.
    public func validate() throws(ServerConfigurationError) {
        var problems: [String] = []
        if jwtSecret.utf8.count < Self.minimumSecretBytes {
            problems.append(
                "jwtSecret must be at least \(Self.minimumSecretBytes) bytes (got \(jwtSecret.utf8.count)); generate one with `openssl rand -hex 32`")
        }
        if host.isEmpty { problems.append("host must not be empty") }
        if !(0...65_535).contains(port) { problems.append("port must be in 0...65535 (got \(port))") }
        if tokenLifetime <= .zero { problems.append("tokenLifetime must be positive") }
        if maxBodyBytes < 1 { problems.append("maxBodyBytes must be at least 1") }
        if let sweepInterval, sweepInterval <= .zero { problems.append("sweepInterval must be positive (or nil to disable)") }
        for (name, limit) in [("perAddress", rateLimits.perAddress), ("perAPIKey", rateLimits.perAPIKey)] {
            guard let limit else { continue }
            if !(limit.requestsPerSecond > 0) || !limit.requestsPerSecond.isFinite {
                problems.append("rateLimits.\(name).requestsPerSecond must be positive")
            }
            if limit.burst < 1 { problems.append("rateLimits.\(name).burst must be at least 1") }
        }
        if webSocket.authTimeout <= .zero { problems.append("webSocket.authTimeout must be positive") }
        if webSocket.outboundBufferSize < 1 { problems.append("webSocket.outboundBufferSize must be at least 1") }
        if webSocket.replayBufferSize < 1 { problems.append("webSocket.replayBufferSize must be at least 1") }
        if webSocket.maxMessageBytes < 256 { problems.append("webSocket.maxMessageBytes must be at least 256") }
        if let publicDirectory {
            var isDirectory: ObjCBool = false
            if !FileManager.default.fileExists(atPath: publicDirectory, isDirectory: &isDirectory) {
                problems.append("publicDirectory '\(publicDirectory)' does not exist")
            } else if !isDirectory.boolValue {
                problems.append("publicDirectory '\(publicDirectory)' is not a directory")
            }
        }
        if !problems.isEmpty { throw ServerConfigurationError(problems: problems) }
    }
}

// MARK: - Rate limits

extension ServerConfiguration {
    /// A token bucket: `burst` requests at once, refilled at `requestsPerSecond`.
    public struct RateLimit: Hashable, Sendable {
        /// Sustained rate, in requests per second.
        public var requestsPerSecond: Double
        /// Bucket size: requests allowed at once after a quiet period.
        public var burst: Int

        public init(requestsPerSecond: Double, burst: Int) {
            self.requestsPerSecond = requestsPerSecond
            self.burst = burst
        }
    }

    /// The two request limits. Over a limit a request gets 429 `{"error":"Too many requests"}`
    /// with a `Retry-After` header (whole seconds).
    ///
    /// The defaults sit far above the reference clients' polling (a widget polls about twice a
    /// second, an agent about three times), so only runaway or hostile clients meet them. One
    /// address may carry many clients (an office behind NAT, a harness on loopback driving a
    /// whole scenario suite), so its limit allows a few hundred of them.
    public struct RateLimits: Hashable, Sendable {
        /// Every request, keyed by client address (WebSocket upgrades included).
        /// Default 200 req/s, burst 500; `nil` disables.
        public var perAddress: RateLimit?
        /// Widget requests, keyed by API key after it authenticated (so unknown keys never fill
        /// the table). Default 500 req/s, burst 1000; `nil` disables.
        public var perAPIKey: RateLimit?
        /// Take the client address from the first `X-Forwarded-For` entry. Default `false`:
        /// enable only behind a proxy that sets the header, or clients can pick their own key.
        public var trustForwardedFor: Bool
        /// At most this many buckets are kept per limit; beyond it, buckets that have refilled
        /// (indistinguishable from new ones) are dropped first. Default 100 000.
        public var maxTrackedClients: Int

        public init(
            perAddress: RateLimit? = RateLimit(requestsPerSecond: 200, burst: 500),
            perAPIKey: RateLimit? = RateLimit(requestsPerSecond: 500, burst: 1000),
            trustForwardedFor: Bool = false, maxTrackedClients: Int = 100_000
        ) {
            self.perAddress = perAddress
            self.perAPIKey = perAPIKey
            self.trustForwardedFor = trustForwardedFor
            self.maxTrackedClients = maxTrackedClients
        }

        /// No rate limiting at all (load tests that drive thousands of clients from one host).
        public static let disabled = RateLimits(perAddress: nil, perAPIKey: nil)
    }
}

// MARK: - WebSocket

extension ServerConfiguration {
    /// WebSocket settings.
    public struct WebSocket: Hashable, Sendable {
        /// Serve `/api/ws` and `/api/widget/ws`. Default `true`; when off those paths are 404
        /// and clients poll (polling always works).
        public var isEnabled: Bool
        /// How long an agent socket may take to send its auth frame before it is closed with
        /// 1008. Default 5 seconds.
        public var authTimeout: Duration
        /// Frames queued per socket for a slow reader. When full, the **oldest** queued frame is
        /// dropped (counted in `websocket_dropped_frames_total`); the socket stays open and its
        /// client can resynchronise by polling. Default 256.
        public var outboundBufferSize: Int
        /// Events kept per tenant for sockets that reconnect with the last `seq` they saw
        /// (docs/api.md §10.2); an older gap gets a `resync` frame. Default 1 000.
        public var replayBufferSize: Int
        /// Largest accepted inbound message, in bytes. Default 16 384.
        public var maxMessageBytes: Int
        /// Server pings at this period keep idle sockets alive and detect dead ones. Default
        /// 30 seconds; `nil` disables.
        public var pingInterval: Duration?

        public init(
            isEnabled: Bool = true, authTimeout: Duration = .seconds(5), outboundBufferSize: Int = 256, replayBufferSize: Int = 1_000,
            maxMessageBytes: Int = 16_384, pingInterval: Duration? = .seconds(30)
        ) {
            self.isEnabled = isEnabled
            self.authTimeout = authTimeout
            self.outboundBufferSize = outboundBufferSize
            self.replayBufferSize = replayBufferSize
            self.maxMessageBytes = maxMessageBytes
            self.pingInterval = pingInterval
        }
    }
}

// MARK: - Errors

/// An invalid ``ServerConfiguration``: every problem found, one per line.
public struct ServerConfigurationError: Error, Hashable, Sendable, CustomStringConvertible {
    public var problems: [String]
    public init(problems: [String]) { self.problems = problems }
    public var description: String { "Invalid server configuration:\n" + problems.map { "  - \($0)" }.joined(separator: "\n") }
}
