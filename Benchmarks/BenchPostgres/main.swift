// The store half of scripts/bench-postgres: pick-ups and messages per second through the
// PostgreSQL store on one database, with one tenant or several.
//
// Usage: bench-postgres DATABASE_URL SCHEMA TENANTS SECONDS [CLIENTS]
//
// SCHEMA must exist (scripts/bench-postgres makes a fresh one); the store migrates it.
// Each tenant gets 20 agents (available, maxChats high enough never to refuse) and a queue of
// pending handoffs made before the clock starts; CLIENTS workers (default 8) pick up the next
// pending handoff of a tenant chosen round-robin, as fast as they can, for SECONDS; then the
// same workers post agent messages into a quarter of the picked-up chats for SECONDS. Prints one
// line per phase: `pickups_per_second N` / `messages_per_second N`.
import Foundation
import HandoffEngine
import HandoffPostgres
import Logging
import Synchronization

let arguments = CommandLine.arguments
guard arguments.count >= 5, let tenants = Int(arguments[3]), tenants >= 1, let seconds = Double(arguments[4]), seconds > 0,
    arguments.count == 5 || Int(arguments[5]).map({ $0 >= 1 }) == true
else {
    FileHandle.standardError.write(Data("usage: bench-postgres DATABASE_URL SCHEMA TENANTS SECONDS [CLIENTS]\n".utf8))
    exit(2)
}
let schema = arguments[2]
let clients = arguments.count > 5 ? Int(arguments[5])! : 8
var logger = Logger(label: "bench-postgres")
logger.logLevel = .error
let store: PostgresHandoffStore
do {
    store = try PostgresHandoffStore(
        url: arguments[1], poolSize: clients + 4, searchPath: schema, configuration: .init(passwordIterations: 1, timeout: .seconds(30)),
        logger: logger)
} catch {
    FileHandle.standardError.write(Data("bench-postgres: \(error)\n".utf8))
    exit(2)
}

struct NotReady: Error, CustomStringConvertible {
    var description: String { "the store did not reach the database and apply its migrations within 30 s (does schema \(schema) exist?)" }
}

final class Counter: Sendable {
    let value = Atomic<Int>(0)
}

final class Picked: Sendable {
    let chats = Mutex<[(HandoffID, AgentID)]>([])
}

func run() async throws {
    let runner = Task { try await store.run() }
    defer { runner.cancel() }
    // Bounded: a database that never becomes ready (no such schema, wrong address) is an error.
    let ready = await withTaskGroup(of: Bool.self) { group in
        group.addTask { await store.waitUntilReady(); return true }
        group.addTask { try? await Task.sleep(for: .seconds(30)); return false }
        let first = await group.next() ?? false
        group.cancelAll()
        return first
    }
    guard ready else { throw NotReady() }
    var tenantIDs: [TenantID] = []
    var agentsOf: [[AgentID]] = []
    for t in 0..<tenants {
        let tenant = TenantID(uuid: UUID())
        try await store.addTenant(Tenant(id: tenant, name: "Bench \(t)"))
        var agents: [AgentID] = []
        for a in 0..<20 {
            let agent = try await store.addAgent(
                NewAgent(id: AgentID(uuid: UUID()), tenantID: tenant, name: "Agent \(a)", email: "a\(a)@t\(t).bench", status: .available, maxChats: 1_000_000),
                by: .system)
            agents.append(agent.id)
        }
        tenantIDs.append(tenant)
        agentsOf.append(agents)
    }
    // The queue: enough pending handoffs for the whole phase, made before the clock starts.
    let perTenant = max(200, Int(seconds * 15_000) / tenants)
    var queues: [[HandoffID]] = []
    for (t, tenant) in tenantIDs.enumerated() {
        var queue: [HandoffID] = []
        for chunk in stride(from: 0, to: perTenant, by: 64) {
            let ids = try await withThrowingTaskGroup(of: (Int, HandoffID).self) { group in
                for n in chunk..<min(perTenant, chunk + 64) {
                    group.addTask { (n, try await store.requestHandoff(HandoffRequest(chatID: ChatID("t\(t)-c\(n)")), tenant: tenant).handoff.id) }
                }
                var out: [(Int, HandoffID)] = []
                for try await pair in group { out.append(pair) }
                return out.sorted { $0.0 < $1.0 }.map(\.1)
            }
            queue += ids
        }
        queues.append(queue)
    }
    let queueArrays = queues
    let agentArrays = agentsOf
    let next = (0..<tenants).map { _ in Counter() }
    let picked = Counter()
    let setUp = store.writeStatistics
    let deadline = ContinuousClock.now + .seconds(seconds)
    let start = ContinuousClock.now
    let pickedIDs = Picked()
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<clients {
            group.addTask {
                var round = worker
                while ContinuousClock.now < deadline {
                    let t = round % tenants
                    round += 1
                    let n = next[t].value.wrappingAdd(1, ordering: .relaxed).oldValue
                    guard n < queueArrays[t].count else { break }  // ran out (reported below), no spinning
                    let agent = agentArrays[t][n % 20]
                    _ = try await store.pickUp(queueArrays[t][n], by: agent)
                    picked.value.wrappingAdd(1, ordering: .relaxed)
                    if n % 4 == 0 { pickedIDs.chats.withLock { $0.append((queueArrays[t][n], agent)) } }
                }
            }
        }
        try await group.waitForAll()
    }
    let pickElapsed = ContinuousClock.now - start
    let pickups = picked.value.load(ordering: .relaxed)
    let rate = Double(pickups) / (Double(pickElapsed.components.seconds) + Double(pickElapsed.components.attoseconds) / 1e18)
    let picking = store.writeStatistics
    print("pickups_per_second \(Int(rate.rounded())) (\(pickups) pick-ups, \(tenants) tenant(s), \(clients) clients)")
    print(
        "  written as \(picking.tenantWrites - setUp.tenantWrites) tenant writes in \(picking.statements - setUp.statements) statements"
            + " (\(String(format: "%.1f", Double(pickups) / Double(max(1, picking.statements - setUp.statements)))) pick-ups per statement)")
    if pickups == queueArrays.reduce(0, { $0 + $1.count }) {
        print("warning: the queue ran out before the phase ended: the rate is a lower bound")
    }

    let chats = pickedIDs.chats.withLock { $0 }
    let sent = Counter()
    let messageDeadline = ContinuousClock.now + .seconds(seconds)
    let messageStart = ContinuousClock.now
    try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<clients {
            group.addTask {
                var i = worker
                while ContinuousClock.now < messageDeadline, !chats.isEmpty {
                    let (handoff, agent) = chats[i % chats.count]
                    i += clients
                    _ = try await store.postAgentMessage("message \(i)", handoff: handoff, by: agent)
                    sent.value.wrappingAdd(1, ordering: .relaxed)
                }
            }
        }
        try await group.waitForAll()
    }
    let messageElapsed = ContinuousClock.now - messageStart
    let messages = sent.value.load(ordering: .relaxed)
    let messageRate = Double(messages) / (Double(messageElapsed.components.seconds) + Double(messageElapsed.components.attoseconds) / 1e18)
    print("messages_per_second \(Int(messageRate.rounded())) (\(messages) messages)")
    let violations = await store.invariantViolations()
    if !violations.isEmpty {
        print("invariant violations: \(violations.prefix(5))")
        exit(1)
    }
}

do {
    try await run()
} catch {
    FileHandle.standardError.write(Data("bench-postgres: \(error)\n".utf8))
    exit(1)
}
