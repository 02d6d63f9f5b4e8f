import Foundation
import HandoffEngine
import HandoffPostgres
import HandoffScenarios
import HandoffTestSupport
import NIOHTTP1
import PostgresNIO
import Testing

/// A TCP forwarder to the test database that the test can cut and restore: the database
/// "goes away" for the store (connections drop, new ones are refused) while it keeps running for
/// every other test. Python's standard library, one process.
final class CuttableProxy: Sendable {
    let port: Int
    private let process: Locked<Process?>
    private let target: (host: String, port: Int)

    static let script = """
        import socket, sys, threading
        listen_port, host, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
        server = socket.socket(); server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", listen_port)); server.listen(64)
        print(server.getsockname()[1], flush=True)
        def pipe(a, b):
            try:
                while True:
                    data = a.recv(65536)
                    if not data: break
                    b.sendall(data)
            except OSError: pass
            finally:
                for s in (a, b):
                    try: s.shutdown(socket.SHUT_RDWR)
                    except OSError: pass
        while True:
            client, _ = server.accept()
            upstream = socket.create_connection((host, port))
            threading.Thread(target=pipe, args=(client, upstream), daemon=True).start()
            threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
        """

    init(to url: String) throws {
        let components = try #require(URLComponents(string: url))
        target = (components.host ?? "127.0.0.1", components.port ?? 5432)
        process = Locked(nil)
        port = try Self.launch(listenPort: 0, target: target, into: process)
    }

    private static func launch(listenPort: Int, target: (host: String, port: Int), into slot: Locked<Process?>) throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, String(listenPort), target.host, String(target.port)]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        slot.withLock { $0 = process }
        return try #require(Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)), "proxy did not start")
    }

    /// The database goes away: every connection through the proxy drops, new ones are refused.
    func cut() {
        guard let process = process.withLock({ $0 }) else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        self.process.withLock { $0 = nil }
    }

    /// The database is back, on the same port.
    func restore() throws { _ = try Self.launch(listenPort: port, target: target, into: process) }

    func url(schema: String) throws -> String {
        var components = try #require(URLComponents(string: try TestDatabase.requireURL()))
        components.port = port
        return components.string! + "?options=-c%20search_path%3D\(schema)"
    }
}

@Suite(.enabled(if: TestDatabase.enabled, TestDatabase.skipReason), .serialized)
struct FailureTests {
    /// A database that goes away: requests get 503 with the store's JSON error (no SQL, no hang),
    /// and the server serves again by itself once the database is back.
    @Test(.timeLimit(.minutes(2)))
    func aLostDatabaseIs503AndTheServerRecovers() async throws {
        let proxy = try CuttableProxy(to: try TestDatabase.requireURL())
        defer { proxy.cut() }
        let schema = try await TestDatabase.newSchema()
        defer { Task { try? await TestDatabase.dropSchema(schema) } }
        let store = try PostgresHandoffStore(
            url: try proxy.url(schema: schema), poolSize: 4,
            configuration: .init(passwordIterations: 1, timeout: .seconds(2)), logger: TestDatabase.logger)
        let runner = Task { try await store.run() }
        defer { runner.cancel() }
        await store.waitUntilReady()
        let tenant = TenantID(uuid: UUID())
        try await store.addTenant(Tenant(id: tenant, name: "Outage"))
        let key = "embellics_" + String(repeating: "7c", count: 32)
        _ = try await store.registerAPIKey(key, tenant: tenant, name: "web", expiresAt: nil)

        try await InProcessServer.with(store: store) { base in
            let request = try await HTTP.call(.POST, base + "/api/widget/handoff", body: ["apiKey": key, "chatId": "before"])
            #expect(request.status == 200)
            proxy.cut()
            let started = ContinuousClock.now
            let during = try await HTTP.call(.POST, base + "/api/widget/handoff", body: ["apiKey": key, "chatId": "during"])
            let took = ContinuousClock.now - started
            #expect(during.status == 503, "\(during.json)")
            #expect(during.json["error"] as? String == "Service unavailable, try again")
            #expect(took < .seconds(8), "a lost database answers within the timeout, took \(took)")
            try proxy.restore()
            var after = 0
            for _ in 0..<100 where after != 200 {
                after = try await HTTP.call(.POST, base + "/api/widget/handoff", body: ["apiKey": key, "chatId": "after"]).status
                if after != 200 { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(after == 200, "the server recovers by itself when the database is back")
        }
        #expect(await store.invariantViolations() == [])
    }

    /// `kill -9` a server in the middle of traffic and start it again: everything that got a 2xx
    /// is there, and the invariants hold.
    @Test(.timeLimit(.minutes(3)))
    func whatWasAcknowledgedSurvivesAKill() async throws {
        let schema = try await TestDatabase.newSchema()
        defer { Task { try? await TestDatabase.dropSchema(schema) } }
        let fixtures = try RaceFixtures.write(agents: 6, maxChats: 3)
        let url = try RaceFixtures.databaseURL(schema: schema)
        let server = try await ServeProcess.start(databaseURL: url, fixtures: fixtures)
        var tokens: [String] = []
        for i in 0..<6 {
            let login = try await HTTP.call(.POST, server.baseURL + "/api/auth/login", body: ["email": "a\(i)@race.test", "password": "password-\(i)"])
            tokens.append(try #require(login.json["token"] as? String))
        }
        struct Acknowledged: Sendable {
            var requested: [String] = []
            var pickedUp: [String: Int] = [:]
            var messages: [String: String] = [:]
        }
        let acknowledged = Locked(Acknowledged())
        let agentTokens = tokens
        let base = server.baseURL
        // Visitors and agents keep going until the server dies under them.
        let traffic = Task {
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<6 {
                    group.addTask {
                        for n in 0..<400 {
                            guard
                                let request = try? await HTTP.call(
                                    .POST, base + "/api/widget/handoff", body: ["apiKey": RaceFixtures.key, "chatId": "crash-\(worker)-\(n)"]),
                                request.status == 200, let id = request.json["handoffId"] as? String
                            else { return }
                            acknowledged.withLock { $0.requested.append(id) }
                            guard let pick = try? await HTTP.call(.POST, base + "/api/widget-handoffs/\(id)/pickup", token: agentTokens[worker]),
                                pick.status == 200
                            else { continue }
                            acknowledged.withLock { $0.pickedUp[id] = worker }
                            let text = "m-\(worker)-\(n)"
                            guard let sent = try? await HTTP.call(
                                .POST, base + "/api/widget-handoffs/\(id)/send-message", body: ["message": text], token: agentTokens[worker]),
                                sent.status == 200
                            else { continue }
                            acknowledged.withLock { $0.messages[id] = text }
                            _ = try? await HTTP.call(.POST, base + "/api/widget-handoffs/\(id)/resolve", token: agentTokens[worker])
                        }
                    }
                }
            }
        }
        try await Task.sleep(for: .seconds(3))
        server.kill()
        await traffic.value
        let before = acknowledged.withLock { $0 }
        #expect(before.requested.count > 20, "traffic was running when the server was killed")

        let restarted = try await ServeProcess.start(databaseURL: url, fixtures: fixtures)
        defer { restarted.stop() }
        let (store, _, stop) = try await TestDatabase.openStore(schema: schema)
        let tenant = Fixtures.tenantID("race")
        var missing: [String] = []
        for id in before.requested {
            guard let handoffID = HandoffID(id), let handoff = try? await store.handoff(handoffID, tenant: tenant) else {
                missing.append("handoff \(id)")
                continue
            }
            if let worker = before.pickedUp[id], handoff.pickedUpAt == nil || handoff.assignedAgentID == nil {
                missing.append("pick-up of \(id) by a\(worker)")
            }
            if let text = before.messages[id] {
                let messages = (try? await store.messages(handoff: handoffID, tenant: tenant, since: nil)) ?? []
                if messages.filter({ $0.content == text }).count != 1 { missing.append("message \(text)") }
            }
        }
        print("crash test: killed after \(before.requested.count) acknowledged requests, \(before.pickedUp.count) pick-ups, \(before.messages.count) messages; missing after restart: \(missing.count)")
        #expect(missing.isEmpty, "acknowledged but lost: \(missing.prefix(10))")
        #expect(await store.invariantViolations() == [])
        // The restarted server serves the same data.
        let status = try await HTTP.call(.GET, restarted.baseURL + "/api/widget/handoff/\(before.requested[0])/status?apiKey=\(RaceFixtures.key)")
        #expect(status.status == 200)
        await stop()
    }
}
