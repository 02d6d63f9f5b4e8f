import AsyncHTTPClient
import Foundation
import NIOHTTP1
import HandoffEngine
import HandoffPostgres
import PostgresNIO
import Synchronization
import Testing

/// Fixtures for the multi-process tests: one tenant with `agents` agents of `maxChats` each.
enum RaceFixtures {
    static let key = "embellics_" + String(repeating: "5a", count: 32)

    static func write(agents: Int, maxChats: Int) throws -> String {
        var yaml = """
            kind: fixtures
            tenants:
              race:
                name: Race Test
                passwordIterations: 1000
                apiKeys:
                  web: \(key)
                agents:

            """
        for i in 0..<agents {
            yaml += "      a\(i): {name: Agent \(i), email: a\(i)@race.test, password: password-\(i), maxChats: \(maxChats), status: available}\n"
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("race-fixtures-\(UUID().uuidString).yaml").path
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func databaseURL(schema: String) throws -> String {
        try TestDatabase.requireURL() + "?options=-c%20search_path%3D\(schema)"
    }
}

/// Two `handoff-sim serve` processes on one database, raced through both over HTTP.
@Suite(.enabled(if: TestDatabase.enabled, TestDatabase.skipReason), .serialized)
struct TwoProcessRaceTests {
    static let agents = 24
    static let maxChats = 2
    static let handoffs = 200
    static let contenders = 8
    static let batch = 25

    /// Counts of one race run, for the closing note and the expectations.
    struct Tally: Sendable {
        var pickUpAttempts = 0
        var wins = 0
        var doubleWins = 0
        var maxHeldAtOnce = 0
        var messagesSeen = 0
        var messagesSeenTwice = 0
    }

    @Test(.timeLimit(.minutes(5)))
    func exactlyOnePickUpWinsAcrossProcesses() async throws {
        let schema = try await TestDatabase.newSchema()
        defer { Task { try? await TestDatabase.dropSchema(schema) } }
        let fixtures = try RaceFixtures.write(agents: Self.agents, maxChats: Self.maxChats)
        let url = try RaceFixtures.databaseURL(schema: schema)
        // Both start at once: migrations and fixtures race too, and must come out once.
        async let first = ServeProcess.start(databaseURL: url, fixtures: fixtures)
        async let second = ServeProcess.start(databaseURL: url, fixtures: fixtures)
        let servers = try await [first, second]
        defer { for server in servers { server.stop() } }

        var tokens: [String] = []
        var agentIDs: [String] = []
        for i in 0..<Self.agents {
            let login = try await HTTP.call(
                .POST, servers[i % 2].baseURL + "/api/auth/login", body: ["email": "a\(i)@race.test", "password": "password-\(i)"])
            try #require(login.status == 200, "login a\(i): \(login.json)")
            tokens.append(try #require(login.json["token"] as? String))
            let user = try #require(login.json["user"] as? [String: any Sendable])
            agentIDs.append((user["agentId"] as? String) ?? (user["id"] as? String) ?? "")
        }

        let agentTokens = tokens
        let tally = Locked(Tally())
        let held = Locked([Int](repeating: 0, count: Self.agents))
        for start in stride(from: 0, to: Self.handoffs, by: Self.batch) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in start..<min(Self.handoffs, start + Self.batch) {
                    group.addTask {
                        try await Self.race(n, servers: servers, tokens: agentTokens, tally: tally, held: held)
                    }
                }
                try await group.waitForAll()
            }
        }

        let result = tally.withLock { $0 }
        print("two-process race: \(Self.handoffs) handoffs, \(result.pickUpAttempts) pick-up attempts, \(result.wins) wins, \(result.doubleWins) double wins, at most \(result.maxHeldAtOnce) chats held by one agent at once, \(result.messagesSeen) messages seen once by the widget")
        #expect(result.doubleWins == 0)
        #expect(result.wins == Self.handoffs)
        #expect(result.maxHeldAtOnce <= Self.maxChats)
        #expect(result.messagesSeen == Self.handoffs)
        #expect(result.messagesSeenTwice == 0)

        // The rows agree: every handoff resolved by exactly its winner, every slot freed, one
        // agent message per handoff.
        try await TestDatabase.withAdmin { client in
            let rows = try await client.query(
                .init(unsafeSQL: """
                    SELECT (SELECT count(*) FROM \(schema).widget_handoffs WHERE status = 'resolved'),
                           (SELECT count(*) FROM \(schema).widget_handoffs),
                           (SELECT coalesce(sum(active_chats), -1) FROM \(schema).human_agents),
                           (SELECT count(*) FROM \(schema).widget_handoff_messages WHERE sender_type = 'agent'),
                           (SELECT count(DISTINCT handoff_id) FROM \(schema).widget_handoff_messages WHERE sender_type = 'agent'),
                           (SELECT count(*) FROM \(schema).human_agents)
                    """), logger: TestDatabase.logger)
            for try await (resolved, total, active, messages, withMessage, agents) in rows.decode((Int64, Int64, Int64, Int64, Int64, Int64).self) {
                #expect(resolved == Int64(Self.handoffs))
                #expect(total == Int64(Self.handoffs))
                #expect(active == 0)
                #expect(messages == Int64(Self.handoffs))
                #expect(withMessage == Int64(Self.handoffs))
                #expect(agents == Int64(Self.agents), "fixtures loaded by both processes made each agent once")
            }
        }
        // And the engine, rebuilt from the rows, finds nothing wrong.
        let (store, _, stop) = try await TestDatabase.openStore(schema: schema)
        #expect(await store.invariantViolations() == [])
        await stop()
    }

    /// One handoff: requested through one process, raced by contenders through both, then the
    /// winner writes, the widget reads through the other process, and the winner resolves.
    static func race(_ n: Int, servers: [ServeProcess], tokens: [String], tally: Locked<Tally>, held: Locked<[Int]>) async throws {
        let request = try await HTTP.call(
            .POST, servers[n % 2].baseURL + "/api/widget/handoff", body: ["apiKey": RaceFixtures.key, "chatId": "race-chat-\(n)"])
        try #require(request.status == 200, "request \(n): \(request.json)")
        let handoff = try #require(request.json["handoffId"] as? String)
        var winner: Int?
        var round = 0
        while winner == nil {
            round += 1
            try #require(round <= 40, "handoff \(n) found no agent with a free slot in 40 rounds")
            let picks = (0..<contenders).map { (n * 7 + round * 5 + $0 * 3) % agents }
            let winners = try await withThrowingTaskGroup(of: Int?.self) { group in
                for (j, agent) in Set(picks).enumerated() {
                    group.addTask {
                        let reply = try await HTTP.call(
                            .POST, servers[(n + j) % 2].baseURL + "/api/widget-handoffs/\(handoff)/pickup", token: tokens[agent])
                        return reply.status == 200 ? agent : nil
                    }
                }
                var out: [Int] = []
                for try await agent in group { if let agent { out.append(agent) } }
                return out
            }
            tally.withLock {
                $0.pickUpAttempts += Set(picks).count
                $0.wins += winners.count
                if winners.count > 1 { $0.doubleWins += 1 }
            }
            if let first = winners.first {
                winner = first
                let now = held.withLock { h -> Int in
                    h[first] += 1
                    return h[first]
                }
                tally.withLock { $0.maxHeldAtOnce = max($0.maxHeldAtOnce, now) }
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        let agent = winner!
        let text = "reply-\(n)"
        let sent = try await HTTP.call(
            .POST, servers[(n + 1) % 2].baseURL + "/api/widget-handoffs/\(handoff)/send-message", body: ["message": text], token: tokens[agent])
        try #require(sent.status == 200, "send \(n): \(sent.json)")
        // The widget polls the other process until the message shows, and counts it.
        var seen = 0
        for _ in 0..<200 {
            let poll = try await HTTP.call(.GET, servers[n % 2].baseURL + "/api/widget/handoff/\(handoff)/messages?apiKey=\(RaceFixtures.key)")
            let messages = (poll.json["messages"] as? [any Sendable]) ?? []
            seen = messages.compactMap { ($0 as? [String: any Sendable])?["content"] as? String }.filter { $0 == text }.count
            if seen > 0 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        tally.withLock {
            if seen == 1 { $0.messagesSeen += 1 }
            if seen > 1 { $0.messagesSeenTwice += 1 }
        }
        held.withLock { $0[agent] -= 1 }
        let resolved = try await HTTP.call(.POST, servers[n % 2].baseURL + "/api/widget-handoffs/\(handoff)/resolve", token: tokens[agent])
        try #require(resolved.status == 200, "resolve \(n): \(resolved.json)")
    }
}
