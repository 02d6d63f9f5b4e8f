import Foundation
import HandoffEngine
import HandoffPostgres
import HandoffTestSupport
import Logging
import NIOHTTP1
import PostgresNIO
import Testing

/// Two stores on one schema stand for two server processes: each with its own pool, cache and
/// LISTEN connection.
@Suite(.enabled(if: TestDatabase.enabled, TestDatabase.skipReason))
struct CrossProcessTests {
    static func tenantWithAgent(_ store: PostgresHandoffStore) async throws -> (TenantID, AgentID) {
        let tenant = TenantID(uuid: UUID())
        try await store.addTenant(Tenant(id: tenant, name: "Cross"))
        let agent = try await store.addAgent(
            NewAgent(id: AgentID(uuid: UUID()), tenantID: tenant, name: "Ann", email: "ann-\(UUID().uuidString)@cross.test", status: .available),
            by: .system)
        return (tenant, agent.id)
    }

    /// Reads `count` events of `tenant` from a subscription, or fails after 10 s.
    static func events(_ stream: AsyncStream<PublishedEvent>, tenant: TenantID, count: Int) async -> [PublishedEvent] {
        await withTaskGroup(of: [PublishedEvent].self) { group in
            group.addTask {
                var out: [PublishedEvent] = []
                for await event in stream where event.tenantID == tenant {
                    out.append(event)
                    if out.count == count { break }
                }
                return out
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(10))
                return []
            }
            let first = await group.next() ?? []
            group.cancelAll()
            return first
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func eventsOfOneProcessReachTheOtherInSequence() async throws {
        let (a, schema, stopA) = try await TestDatabase.openStore()
        let (b, _, stopB) = try await TestDatabase.openStore(schema: schema)
        defer { Task { try? await TestDatabase.dropSchema(schema) } }
        let onA = a.subscribe()
        let onB = b.subscribe()
        let (tenant, agent) = try await Self.tenantWithAgent(a)
        let request = try await a.requestHandoff(HandoffRequest(chatID: "c1"), tenant: tenant)
        _ = try await b.pickUp(request.handoff.id, by: agent)  // through the other process
        _ = try await a.postAgentMessage("hello", handoff: request.handoff.id, by: agent)
        _ = try await b.resolve(request.handoff.id, by: agent)
        // agentStatusChanged (added), requested, picked up, message, resolved: 5 events, 1…5.
        let seenByA = await Self.events(onA, tenant: tenant, count: 5)
        let seenByB = await Self.events(onB, tenant: tenant, count: 5)
        #expect(seenByA.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(seenByB == seenByA, "both processes deliver the same events in the same order")
        if case .handoffPickedUp(let h, let picker)? = seenByB.dropFirst(2).first?.event {
            #expect(h.id == request.handoff.id && picker.id == agent)
        } else {
            Issue.record("the third event is not the pick-up: \(seenByB)")
        }
        await stopA()
        await stopB()
    }

    @Test(.timeLimit(.minutes(1)))
    func aCommandOnAStaleCacheIsDecidedOnTheRows() async throws {
        let (a, schema, stopA) = try await TestDatabase.openStore()
        let (b, _, stopB) = try await TestDatabase.openStore(schema: schema)
        defer { Task { try? await TestDatabase.dropSchema(schema) } }
        let (tenant, ann) = try await Self.tenantWithAgent(a)
        let bob = try await a.addAgent(
            NewAgent(id: AgentID(uuid: UUID()), tenantID: tenant, name: "Bob", email: "bob@cross.test", status: .available), by: .system)
        let request = try await a.requestHandoff(HandoffRequest(chatID: "c1"), tenant: tenant)
        _ = try await b.handoff(request.handoff.id, tenant: tenant)  // B caches the tenant with the handoff pending
        _ = try await a.pickUp(request.handoff.id, by: ann)
        // B's cache may not have heard yet; its answer must still be the database's.
        await #expect(throws: HandoffError.handoffNotAvailable) { _ = try await b.pickUp(request.handoff.id, by: bob.id) }
        // And its reads catch up once the notification arrives.
        var state = HandoffState.pending
        for _ in 0..<200 where state != .active {
            state = try await b.handoff(request.handoff.id, tenant: tenant).state
            if state != .active { try await Task.sleep(for: .milliseconds(10)) }
        }
        #expect(state == .active)
        await stopA()
        await stopB()
    }

    /// The reference deployment guide's four monitoring queries, run unchanged with psql against
    /// our schema, agree with the engine's dashboard metrics.
    @Test(.timeLimit(.minutes(1)))
    func theDeploymentGuidesMonitoringQueriesAgreeWithTheEngine() async throws {
        let (store, schema, stop) = try await TestDatabase.openStore()
        defer { Task { try? await TestDatabase.dropSchema(schema) } }
        let (tenant, ann) = try await Self.tenantWithAgent(store)
        let bob = try await store.addAgent(
            NewAgent(id: AgentID(uuid: UUID()), tenantID: tenant, name: "Bob", email: "bob@cross.test", status: .available), by: .system)
        for n in 0..<6 {
            let h = try await store.requestHandoff(HandoffRequest(chatID: ChatID("chat-\(n)")), tenant: tenant).handoff
            try await Task.sleep(for: .milliseconds(5 + 7 * n))
            let agent = n.isMultiple(of: 2) ? ann : bob.id
            _ = try await store.pickUp(h.id, by: agent)
            try await Task.sleep(for: .milliseconds(11 * n))
            _ = try await store.resolve(h.id, by: agent)
        }
        // Nobody available: two after-hours requests, one leaves an email.
        _ = try await store.setAgentStatus(ann, to: .offline, by: .system)
        _ = try await store.setAgentStatus(bob.id, to: .offline, by: .system)
        _ = try await store.requestHandoff(HandoffRequest(chatID: "late-1"), tenant: tenant)
        _ = try await store.requestHandoff(HandoffRequest(chatID: "late-2"), tenant: tenant)
        _ = try await store.submitAfterHours(chat: "late-2", email: "late@visitor.test", message: "call me", tenant: tenant)
        let metrics = try await store.metrics(tenant: tenant)

        let volume = try Self.psql(schema, "SELECT COUNT(*) FROM widget_handoffs WHERE requested_at > NOW() - INTERVAL '24 hours';")
        #expect(Int(volume) == metrics.requestsInWindow)
        let wait = try Self.psql(
            schema, "SELECT AVG(EXTRACT(EPOCH FROM (picked_up_at - requested_at))) FROM widget_handoffs WHERE picked_up_at IS NOT NULL;")
        let engineWait = try #require(metrics.averageWaitMilliseconds) / 1000
        #expect(abs(try #require(Double(wait)) - engineWait) < 1e-6, "average wait: SQL \(wait) s, engine \(engineWait) s")
        let afterHours = try Self.psql(schema, "SELECT COUNT(*) FROM widget_handoffs WHERE user_email IS NOT NULL;")
        #expect(Int(afterHours) == 1, "the guide counts after-hours requests that left an email")
        #expect(metrics.afterHours == 2, "the engine counts every after-hours answer")
        let performance = try Self.psql(
            schema, """
                SELECT
                  ha.name,
                  COUNT(*) as total_chats,
                  AVG(EXTRACT(EPOCH FROM (resolved_at - picked_up_at))) as avg_duration
                FROM widget_handoffs wh
                JOIN human_agents ha ON wh.assigned_agent_id = ha.id
                WHERE wh.resolved_at IS NOT NULL
                GROUP BY ha.name;
                """)
        var rows: [String: (Int, Double)] = [:]
        for line in performance.split(separator: "\n") {
            let cells = line.split(separator: "|").map(String.init)
            if cells.count == 3, let count = Int(cells[1]), let mean = Double(cells[2]) { rows[cells[0]] = (count, mean) }
        }
        #expect(rows.count == 2)
        for agent in metrics.agents {
            let row = try #require(rows[agent.name], "\(agent.name) missing from \(performance)")
            #expect(row.0 == agent.totalChats)
            #expect(abs(row.1 - (agent.averageChatMilliseconds ?? -1) / 1000) < 1e-6)
        }
        await stop()
    }

    /// psql's unaligned, tuples-only output of one query, on the schema.
    static func psql(_ schema: String, _ sql: String) throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let psql = environment["PGBIN"].map { $0 + "/psql" }.flatMap { FileManager.default.isExecutableFile(atPath: $0) ? $0 : nil } ?? "/usr/bin/psql"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: psql)
        process.arguments = ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", try TestDatabase.requireURL(), "-c", sql]
        var env = environment
        env["PGOPTIONS"] = "-c search_path=\(schema)"
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            Issue.record("psql failed: \(String(decoding: errors, as: UTF8.self))")
            return ""
        }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
