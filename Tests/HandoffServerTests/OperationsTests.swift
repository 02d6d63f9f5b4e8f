import Foundation
import HTTPTypes
import HandoffAPI
import HandoffEngine
import Hummingbird
import HummingbirdTesting
import Logging
import NIOPosix
import Synchronization
import Testing

@testable import HandoffServer

/// Rate limits (on the manual clock), `/health`, `/metrics`, configuration checks, unknown routes.
@Suite struct OperationsTests {
    // MARK: Rate limits

    @Test func perAddressLimitAnswers429WithRetryAfterUntilTheBucketRefills() async throws {
        let world = try await World()
        let app = try await world.app { $0.rateLimits = .init(perAddress: .init(requestsPerSecond: 0.5, burst: 3), perAPIKey: nil) }
        try await app.test(.router) { client in
            for _ in 0..<3 { #expect(try await client.send(.get, APIPath.health).status == .ok) }
            let limited = try await client.send(.get, APIPath.health)
            expectError(limited, .tooManyRequests, "Too many requests")
            #expect(limited.headers[.retryAfter] == "2")
            world.clock.advance(by: .seconds(1))
            #expect(try await client.send(.get, APIPath.health).headers[.retryAfter] == "1")
            world.clock.advance(by: .seconds(1))
            #expect(try await client.send(.get, APIPath.health).status == .ok)
            let widget = try await client.send(.post, APIPath.widgetInit, json: WidgetInitRequest(apiKey: Fixture.acmeKey))
            #expect(widget.status == .tooManyRequests)
            #expect(widget.headers[.accessControlAllowOrigin] == "*")
            let metrics = try await client.send(.get, APIPath.prometheus)
            #expect(metrics.status == .tooManyRequests)
            world.clock.advance(by: .seconds(10))
            let text = try await client.send(.get, APIPath.prometheus).text
            #expect(text.contains("rate_limited_total{scope=\"address\"} 4"))
            #expect(text.contains("http_requests_total{route=\"/health\",method=\"GET\",status=\"429\"} 2"))
        }
    }

    @Test func addressesHaveSeparateBucketsBehindATrustedProxy() async throws {
        let world = try await World()
        let app = try await world.app {
            $0.rateLimits = .init(perAddress: .init(requestsPerSecond: 1, burst: 1), perAPIKey: nil, trustForwardedFor: true)
        }
        try await app.test(.router) { client async throws in
            let first: HTTPFields = [.xForwardedFor: "203.0.113.7, 10.0.0.1"]
            let second: HTTPFields = [.xForwardedFor: "198.51.100.2"]
            #expect(try await client.send(.get, APIPath.health, headers: first).status == .ok)
            #expect(try await client.send(.get, APIPath.health, headers: first).status == .tooManyRequests)
            #expect(try await client.send(.get, APIPath.health, headers: second).status == .ok)
        }
    }

    @Test func perKeyLimitIsPerAPIKey() async throws {
        let world = try await World()
        let app = try await world.app { $0.rateLimits = .init(perAddress: nil, perAPIKey: .init(requestsPerSecond: 1, burst: 2)) }
        try await app.test(.router) { client in
            let acme = WidgetInitRequest(apiKey: Fixture.acmeKey)
            #expect(try await client.send(.post, APIPath.widgetInit, json: acme).status == .ok)
            #expect(try await client.send(.get, APIPath.widgetMessages(UUID().uuidString) + widgetQuery()).status == .notFound)
            let limited = try await client.send(.post, APIPath.widgetInit, json: acme)
            expectError(limited, .tooManyRequests, "Too many requests")
            #expect(limited.headers[.retryAfter] == "1")
            #expect(limited.headers[.accessControlAllowOrigin] == "*")
            #expect(try await client.send(.post, APIPath.widgetInit, json: WidgetInitRequest(apiKey: Fixture.globexKey)).status == .ok)
            // Unknown keys are refused before they can take (or fill) a bucket.
            for _ in 0..<5 {
                expectError(try await client.send(.post, APIPath.widgetInit, json: WidgetInitRequest(apiKey: Fixture.unknownKey)), .unauthorized, "Invalid API key")
            }
            world.clock.advance(by: .seconds(1))
            #expect(try await client.send(.post, APIPath.widgetInit, json: acme).status == .ok)
        }
    }

    @Test func tokenBucketRefillsContinuouslyAndStaysBounded() {
        let clock = ManualWallClock(start: Fixture.start)
        let limiter = RateLimiter(limit: .init(requestsPerSecond: 4, burst: 2), clock: clock, maxKeys: 3)
        #expect(limiter.check("a") == .allowed)
        #expect(limiter.check("a") == .allowed)
        #expect(limiter.check("a") == .limited(retryAfterSeconds: 1))
        clock.advance(by: .milliseconds(250))
        #expect(limiter.check("a") == .allowed)
        #expect(limiter.check("a") == .limited(retryAfterSeconds: 1))
        for key in ["b", "c", "d", "e"] { _ = limiter.check(key) }
        #expect(limiter.trackedKeys <= 3)
    }

    // MARK: Health and metrics

    @Test func healthIsOK() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let response = try await client.send(.get, APIPath.health)
            #expect(response.status == .ok)
            #expect(try response.decode(HealthResponse.self).status == "ok")
            #expect(response.headers[.requestID] != nil)
        }
    }

    @Test func metricsUseRoutePatternsAndCountEverything() async throws {
        let world = try await World()
        try world.online(world.ann)
        let id = try world.pendingHandoff()
        let active = try world.activeHandoff()
        _ = active
        try await world.app().test(.router) { client in
            let token = try await client.login(Fixture.bobEmail)
            _ = try await client.send(.get, APIPath.handoff(id.description), token: token)
            _ = try await client.send(.post, APIPath.pickUp(UUID().uuidString), token: token)
            _ = try await client.send(.get, "/no/such/route")
            let response = try await client.send(.get, APIPath.prometheus)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = response.text
            for name in [
                "# TYPE http_requests_total counter", "# TYPE http_request_duration_seconds histogram", "handoff_queue_length 1",
                "handoff_active_chats 1", "websocket_connections 0", "rate_limited_total{scope=\"apiKey\"} 0",
            ] {
                #expect(text.contains(name), "missing \(name)")
            }
            #expect(text.contains("http_requests_total{route=\"/api/widget-handoffs/:id\",method=\"GET\",status=\"200\"} 1"))
            #expect(text.contains("http_requests_total{route=\"/api/widget-handoffs/:id/pickup\",method=\"POST\",status=\"404\"} 1"))
            #expect(text.contains("http_requests_total{route=\"unmatched\",method=\"GET\",status=\"404\"} 1"))
            #expect(text.contains("http_request_duration_seconds_bucket{route=\"/api/auth/login\",method=\"POST\",le=\"+Inf\"} 1"))
            #expect(text.contains("http_request_duration_seconds_count{route=\"/api/auth/login\",method=\"POST\"} 1"))
            #expect(!text.contains(id.description), "raw paths must never become labels")
        }
    }

    @Test func unknownRoutesAre404JSON() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            expectError(try await client.send(.get, "/api/nothing"), .notFound, "Not found")
            expectError(try await client.send(.delete, APIPath.handoffs), .notFound, "Not found")
        }
    }

    // MARK: Configuration

    @Test func shortSecretsAreRefusedWithAClearError() async throws {
        let world = try await World()
        let store = world.store
        await #expect(throws: ServerConfigurationError.self) {
            _ = try await buildApplication(configuration: ServerConfiguration(jwtSecret: "short"), store: store, logger: Logger(label: "t"))
        }
        var configuration = ServerConfiguration(jwtSecret: String(repeating: "k", count: 31), port: 70_000)
        configuration.maxBodyBytes = 0
        configuration.sweepInterval = .zero
        do {
            try configuration.validate()
            Issue.record("validate() accepted a 31-byte secret")
        } catch {
            #expect(error.problems.count == 4)
            #expect(error.description.contains("sweepInterval must be positive"))
            #expect(error.description.contains("jwtSecret must be at least 32 bytes (got 31)"))
        }
        #expect(throws: Never.self) { try ServerConfiguration(jwtSecret: Fixture.secret).validate() }
    }

    @Test func threadPoolWorkRunsOnNIOThreads() async {
        // NIO names its shared pool's threads "SGLTN-TP-#n"; Swift's cooperative threads have other names.
        let name = await ThreadPoolWork().run { Thread.current.name ?? "" } ?? "did not run"
        #expect(name.hasPrefix("SGLTN-TP-"), "ran on '\(name)'")
        #expect(await ThreadPoolWork().run { 6 * 7 } == 42)
        // A pool that is shut down refuses the work: nil, never a hash on the caller's thread.
        let stopped = NIOThreadPool(numberOfThreads: 1)
        stopped.start()
        try? await stopped.shutdownGracefully()
        #expect(await ThreadPoolWork(pool: stopped).run { Thread.current.name ?? "" } == nil)
    }

    @Test func defaultsAreTheDocumentedOnes() {
        let configuration = ServerConfiguration(jwtSecret: Fixture.secret)
        #expect(configuration.host == "127.0.0.1" && configuration.port == 8080)
        #expect(configuration.tokenLifetime == .seconds(43_200))
        #expect(configuration.maxBodyBytes == 65_536)
        #expect(configuration.sweepInterval == .seconds(10))
        #expect(configuration.rateLimits.perAddress == .init(requestsPerSecond: 200, burst: 500))
        #expect(configuration.rateLimits.perAPIKey == .init(requestsPerSecond: 500, burst: 1000))
        #expect(configuration.webSocket.isEnabled && configuration.webSocket.authTimeout == .seconds(5))
        #expect(configuration.webSocket.outboundBufferSize == 256)
    }
}

@Suite struct BearerTokenTests {
    @Test(arguments: [
        ("Bearer abc.def", "abc.def"), ("bearer abc", "abc"), ("BEARER  abc  ", "abc"), (" Bearer\tabc", "abc"), ("Bearer a b", "a b"),
    ] as [(String, String)])
    func tokensAreRead(_ header: String, _ token: String) {
        #expect(AgentAuthMiddleware.bearerToken(header) == token)
    }

    @Test(arguments: ["", "Bearer", "Bearer   ", "Basic abc", "Bearerx abc", "Bear abc", "abc"])
    func otherHeadersAreNotTokens(_ header: String) {
        #expect(AgentAuthMiddleware.bearerToken(header) == nil)
    }

    // MARK: Log lines

    /// The server's handler writes swift-log's stream format: level, label, the metadata sorted
    /// with the line's own over the logger's, the source, the message; nothing below the level.
    @Test func logLinesHaveTheStreamFormatAndMetadataOfTheirOwnFirst() {
        let lines = Mutex<[String]>([])
        var logger = Logger(label: "handoff.test") { label in
            ServerLogHandler(label: label, level: .info, metadataProvider: nil) { line in lines.withLock { $0.append(line) } }
        }
        logger[metadataKey: "hb.request.id"] = "abc"
        logger[metadataKey: "route"] = "/a"
        logger.debug("not written")
        logger.info("GET /a 200", metadata: ["route": "/b", "http.status": "200"])
        logger.error("failed", error: HandoffError.handoffNotFound)
        let written = lines.withLock { $0 }
        #expect(written.count == 2)
        let first = written.first ?? ""
        #expect(first.hasSuffix(" info handoff.test: hb.request.id=abc http.status=200 route=/b [HandoffServerTests] GET /a 200\n"), "\(first)")
        #expect(first.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} "#, options: .regularExpression) != nil, "\(first)")
        #expect(written.last?.contains("error.type=HandoffEngine.HandoffError") == true, "\(written.last ?? "")")
        #expect(written.last?.hasSuffix("route=/a [HandoffServerTests] failed\n") == true, "\(written.last ?? "")")
    }

    /// A line is written whole, however long, and a line nobody can read is dropped, not fatal.
    @Test func logLinesAreWrittenWholeOrDropped() throws {
        signal(SIGPIPE, SIG_IGN)  // as a server does: a broken pipe is an error, not a signal
        var ends: [Int32] = [0, 0]
        #expect(pipe(&ends) == 0)
        let (readEnd, writeEnd) = (ends[0], ends[1])
        let long = String(repeating: "x", count: 50_000) + "\n"
        let received = Mutex(0)
        let done = DispatchSemaphore(value: 0)
        let reader = Thread {
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let n = read(readEnd, &buffer, buffer.count)
                if n <= 0 { break }
                received.withLock { $0 += n }
            }
            close(readEnd)
            done.signal()
        }
        reader.start()
        #expect(writeWhole(long, to: writeEnd))
        close(writeEnd)
        #expect(done.wait(timeout: .now() + 10) == .success, "the reader did not see the end of the pipe")
        #expect(received.withLock { $0 } == long.utf8.count)

        var broken: [Int32] = [0, 0]
        #expect(pipe(&broken) == 0)
        close(broken[0])
        #expect(!writeWhole("nobody reads this\n", to: broken[1]))  // EPIPE: dropped, the process goes on
        close(broken[1])
    }
}
