import Foundation
import HandoffEngine
@testable import HandoffPostgres
import PostgresNIO
import Synchronization
import Testing

/// Commands of one tenant that wait while its last write is in flight run as one batch with
/// one compare-and-set; tenants waiting together share a statement. These tests check that
/// batches form, that they decide exactly what one command at a time would, and that a
/// database refusal inside a batch reaches only the command that caused it.
/// Waits until `condition` holds, checking every millisecond for at most 10 s.
func eventually(_ what: String, _ condition: () async -> Bool) async throws {
    for _ in 0..<10_000 {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(1))
    }
    Issue.record("timed out waiting until \(what)")
    throw CancellationError()
}

@Suite(.enabled(if: TestDatabase.enabled, TestDatabase.skipReason))
struct BatchingTests {
    /// Sends every request at once (store, tenant, chat) and returns the refusals.
    static func refusals(of requests: [(PostgresHandoffStore, TenantID, String)]) async -> [HandoffError] {
        await withTaskGroup(of: HandoffError?.self) { group in
            for (store, tenant, chat) in requests {
                group.addTask {
                    do throws(HandoffError) {
                        _ = try await store.requestHandoff(HandoffRequest(chatID: ChatID(chat)), tenant: tenant)
                        return nil
                    } catch {
                        return error
                    }
                }
            }
            var out: [HandoffError] = []
            for await failure in group { if let failure { out.append(failure) } }
            return out
        }
    }

    @Test(.timeLimit(.minutes(1)))
    func racedPickUpsInBatchesGiveEachHandoffOneAgentAndNoSlotTwice() async throws {
        let (store, schema, stop) = try await TestDatabase.openStore(poolSize: 8)
        defer { Task { try? await TestDatabase.dropSchema(schema) } }
        let tenant = TenantID(uuid: UUID())
        try await store.addTenant(Tenant(id: tenant, name: "Batch"))
        var agents: [AgentID] = []
        for n in 0..<8 {
            let agent = try await store.addAgent(
                NewAgent(id: AgentID(uuid: UUID()), tenantID: tenant, name: "Agent \(n)", email: "a\(n)@batch.test", status: .available, maxChats: 3),
                by: .system)
            agents.append(agent.id)
        }
        var handoffs: [HandoffID] = []
        for n in 0..<40 { handoffs.append(try await store.requestHandoff(HandoffRequest(chatID: ChatID("chat-\(n)")), tenant: tenant).handoff.id) }
        let before = store.writeStatistics

        // Each handoff raced by four agents, every attempt at once: 160 commands, 24 slots.
        let attempts = handoffs.enumerated().flatMap { n, handoff in (0..<4).map { k in (handoff, agents[(n + k * 3) % agents.count]) } }
        let wins = try await withThrowingTaskGroup(of: (HandoffID, AgentID)?.self) { group in
            for (handoff, agent) in attempts {
                group.addTask {
                    do throws(HandoffError) {
                        let picked = try await store.pickUp(handoff, by: agent)
                        return (picked.id, agent)
                    } catch {
                        #expect(error.code == .handoffNotAvailable || error.code == .agentAtCapacity, "\(error)")
                        return nil
                    }
                }
            }
            var out: [(HandoffID, AgentID)] = []
            for try await win in group { if let win { out.append(win) } }
            return out
        }
        let after = store.writeStatistics

        #expect(Set(wins.map(\.0)).count == wins.count, "a handoff was won twice")
        #expect(wins.count == 24, "every slot is taken once (8 agents × 3), as one command at a time would")
        var held: [AgentID: Int] = [:]
        for (_, agent) in wins { held[agent, default: 0] += 1 }
        #expect(held.values.allSatisfy { $0 <= 3 })
        for agent in try await store.agents(tenant: tenant) { #expect(agent.activeChats == (held[agent.id] ?? 0)) }
        #expect(await store.invariantViolations() == [])
        // Batches formed: fewer tenant writes than written commands.
        let commands = after.commands - before.commands
        let writes = after.tenantWrites - before.tenantWrites
        #expect(commands <= attempts.count)
        #expect(writes < commands, "\(commands) commands took \(writes) writes: no batch formed")

        // The rows say the same: a second store, its cache built from them.
        let (reader, _, stopReader) = try await TestDatabase.openStore(schema: schema)
        for (handoff, agent) in wins {
            let stored = try await reader.handoff(handoff, tenant: tenant)
            #expect(stored.state == .active && stored.assignedAgentID == agent)
        }
        let stillPending = try await reader.pendingHandoffs(tenant: tenant)
        #expect(stillPending.count == 16)
        await stopReader()
        await stop()
    }

    @Test(.timeLimit(.minutes(1)))
    func twoProcessesWritingTheSameTenantsInSharedStatementsLoseNothing() async throws {
        // Each store's statements carry several tenants' writes, which the other store's
        // statements compete for (the tenant rows are locked in id order, so at worst they wait
        // for each other; a deadlock was not reproduced here even without that order, since the
        // update scans the tenants table in its own order, but the plan is PostgreSQL's to choose).
        let (one, schema, stopOne) = try await TestDatabase.openStore(poolSize: 8)
        let (two, _, stopTwo) = try await TestDatabase.openStore(schema: schema, poolSize: 8)
        defer { Task { try? await TestDatabase.dropSchema(schema) } }
        let tenants = [TenantID(uuid: UUID()), TenantID(uuid: UUID()), TenantID(uuid: UUID())]
        for (n, tenant) in tenants.enumerated() {
            try await one.addTenant(Tenant(id: tenant, name: "Shared \(n)"))
            // An agent online, so that requests queue (pending) rather than go after hours.
            _ = try await one.addAgent(
                NewAgent(id: AgentID(uuid: UUID()), tenantID: tenant, name: "Agent \(n)", email: "s\(n)@batch.test", status: .available),
                by: .system)
        }
        let before = one.writeStatistics
        let failures = await Self.refusals(of: (0..<240).map { n in (n.isMultiple(of: 2) ? one : two, tenants[(n / 2) % tenants.count], "shared-\(n)") })
        #expect(failures.isEmpty, "\(failures.count) requests failed, first: \(String(describing: failures.first))")
        // The rows hold every request…
        let stored = try await TestDatabase.withAdmin { client in
            try await client.query(
                "SELECT count(*) FROM \(unescaped: schema).widget_handoffs WHERE status = 'pending'", logger: TestDatabase.logger
            ).decode(Int64.self).first { _ in true }
        }
        #expect(stored == 240)
        // …and each process's reads come to show them all once the other's notifications
        // arrived (reads are answered from the cache, so they may lag the other's commits).
        for store in [one, two] {
            try await eventually("both processes read all 240 requests") {
                var pending = 0
                for tenant in tenants { pending += (try? await store.pendingHandoffs(tenant: tenant).count) ?? 0 }
                return pending == 240
            }
        }
        let after = one.writeStatistics
        let (writes, statements) = (after.tenantWrites - before.tenantWrites, after.statements - before.statements)
        #expect(writes > statements, "no statement carried two tenants: \(writes) tenant writes in \(statements) statements")
        await stopTwo()
        await stopOne()
    }

    @Test(.timeLimit(.minutes(1)))
    func aConstraintRefusalInABatchReachesOnlyItsCommand() async throws {
        let (store, schema, stop) = try await TestDatabase.openStore(poolSize: 8)
        defer { Task { try? await TestDatabase.dropSchema(schema) } }
        let first = TenantID(uuid: UUID())
        let second = TenantID(uuid: UUID())
        let third = TenantID(uuid: UUID())
        try await store.addTenant(Tenant(id: first, name: "First"))
        try await store.addTenant(Tenant(id: second, name: "Second"))
        try await store.addTenant(Tenant(id: third, name: "Third"))
        _ = try await store.addAgent(
            NewAgent(id: AgentID(uuid: UUID()), tenantID: third, name: "Tia", email: "tia@batch.test", status: .available), by: .system)
        _ = try await store.addUser(
            NewUser(tenantID: first, email: "taken@batch.test", password: "secret-1", firstName: "T", lastName: "One", role: .supportStaff))
        // The second tenant's cache does not hold the first tenant's accounts, so the engine
        // accepts the taken email there; the table's unique index refuses it. Sent with 20
        // other accounts of the second tenant at once, so that they share batches with it, and
        // with 20 requests of a third tenant, whose writes share statements with them.
        let emails = (0..<20).map { "user\($0)@batch.test" } + ["taken@batch.test"]
        let requests = Task { await Self.refusals(of: (0..<20).map { n in (store, third, "third-\(n)") }) }
        let outcomes = await withTaskGroup(of: (String, HandoffError?).self) { group in
            for email in emails.shuffled() {
                group.addTask {
                    do throws(HandoffError) {
                        _ = try await store.addUser(
                            NewUser(tenantID: second, email: email, password: "secret-2", firstName: "S", lastName: "Two", role: .supportStaff))
                        return (email, nil)
                    } catch {
                        return (email, error)
                    }
                }
            }
            var out: [String: HandoffError?] = [:]
            for await (email, error) in group { out[email] = error }
            return out
        }
        #expect(outcomes["taken@batch.test"]??.code == .duplicate, "\(String(describing: outcomes["taken@batch.test"]))")
        for email in emails.dropLast() { #expect(outcomes[email]! == nil, "\(email): \(String(describing: outcomes[email]))") }
        #expect(await requests.value == [], "another tenant's writes are not refused with it")
        #expect(try await store.pendingHandoffs(tenant: third).count == 20)
        // What the rows hold: the 20 accounts, and the taken email still the first tenant's.
        let (reader, _, stopReader) = try await TestDatabase.openStore(schema: schema)
        let rows = try await TestDatabase.withAdmin { client in
            try await client.query(
                "SELECT count(*) FROM \(unescaped: schema).client_users WHERE tenant_id = \(second.description)::uuid", logger: TestDatabase.logger
            ).decode(Int64.self).first { _ in true }
        }
        #expect(rows == 20)
        #expect(await reader.invariantViolations() == [])
        await stopReader()
        await stop()
    }
}

/// The combiner alone, with a scripted database: writes that wait share a statement, and a
/// constraint refusal of a shared statement is found by sending each write alone.
@Suite struct WriteCombinerTests {
    /// A flush that waits at a gate, records each batch, and refuses any batch holding the
    /// tenant named "refused", as a unique index would.
    final class ScriptedDatabase: Sendable {
        let batches = Mutex<[[String]]>([])
        let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let arrived = Atomic<Int>(0)

        func flush(_ writes: [Statements.TenantWrite]) async throws(DatabaseFailure) -> Set<TenantID> {
            let names = writes.map(\.tenant.name)
            batches.withLock { $0.append(names) }
            if arrived.add(1, ordering: .relaxed).newValue == 1 {
                await withCheckedContinuation { continuation in gate.withLock { $0 = continuation } }
            }
            if names.contains("refused") { throw .constraint(name: "client_users_email_key", state: "23505") }
            return Set(writes.filter { $0.tenant.name != "stale" }.map(\.tenant.id))
        }

        /// Opens the gate once the first flush waits at it (it does by the time this is called).
        func open() {
            let continuation = gate.withLock { $0.take() }
            #expect(continuation != nil, "no flush was waiting at the gate")
            continuation?.resume()
        }
    }



    static func write(_ name: String) -> Statements.TenantWrite {
        Statements.TenantWrite(
            tenant: Tenant(id: TenantID(uuid: UUID()), name: name), tenantChanged: false, publishedEvents: 0, latest: Timestamp(milliseconds: 0), version: 0,
            changes: .init())
    }

    @Test(.timeLimit(.minutes(1)))
    func waitingWritesShareAStatementAndARefusalReachesOnlyItsWrite() async throws {
        let database = ScriptedDatabase()
        let combiner = WriteCombiner(maxInFlight: 1) { writes throws(DatabaseFailure) in try await database.flush(writes) }
        // The first write holds the only statement slot at the gate while four more queue.
        let first = Task { try await combiner.write(Self.write("first")) }
        try await eventually("the first write waits at the gate") { database.gate.withLock { $0 != nil } }
        let names = ["ok-1", "refused", "stale", "ok-2"]
        let waiting = names.map { name in Task { () async -> Result<Bool, DatabaseFailure> in
            do throws(DatabaseFailure) { return .success(try await combiner.write(Self.write(name))) } catch { return .failure(error) }
        } }
        try await eventually("the four writes are queued") { combiner.waitingCount == names.count }
        database.open()
        #expect(try await first.value == true)
        var outcomes: [String: Result<Bool, DatabaseFailure>] = [:]
        for (name, task) in zip(names, waiting) { outcomes[name] = await task.value }

        let batches = database.batches.withLock { $0 }
        #expect(batches.first == ["first"])
        #expect(batches.count >= 2 && Set(batches[1]) == Set(names), "the four waiting writes went in one statement: \(batches)")
        // That statement was refused, so each was sent again alone.
        #expect(batches.suffix(4).allSatisfy { $0.count == 1 }, "\(batches)")
        if case .success(true) = outcomes["ok-1"] {} else { Issue.record("ok-1: \(String(describing: outcomes["ok-1"]))") }
        if case .success(true) = outcomes["ok-2"] {} else { Issue.record("ok-2: \(String(describing: outcomes["ok-2"]))") }
        if case .success(false) = outcomes["stale"] {} else { Issue.record("stale: \(String(describing: outcomes["stale"]))") }
        if case .failure(.constraint(let name, _)) = outcomes["refused"] {
            #expect(name == "client_users_email_key")
        } else {
            Issue.record("refused: \(String(describing: outcomes["refused"]))")
        }
        let statistics = (combiner.statements.load(ordering: .relaxed), combiner.tenantWrites.load(ordering: .relaxed))
        #expect(statistics.0 == 2 && statistics.1 == 5, "statements and tenant writes counted once per first sending: \(statistics)")
    }

    @Test(.timeLimit(.minutes(1)))
    func aStatementRolledBackByTheDatabaseIsNotWrittenForAnyOfItsTenants() async throws {
        // A deadlock or serialization failure: nothing was written, so every write answers
        // "not written" (its tenant reloads and runs again), never an error.
        let combiner = WriteCombiner(maxInFlight: 1) { _ throws(DatabaseFailure) in throw .rolledBack("40P01") }
        let first = try await combiner.write(Self.write("a"))
        let second = try await combiner.write(Self.write("b"))
        #expect(first == false && second == false)
    }
}
