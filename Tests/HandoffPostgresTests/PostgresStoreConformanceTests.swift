import HandoffEngine
import HandoffPostgres
import HandoffTestSupport
import PostgresNIO
import Testing

/// The store conformance suite, the same checks the memory store passes, against the
/// PostgreSQL store on a schema of its own per check. After each check, every tenant's cached
/// core must equal one rebuilt from the rows: a change the store failed to write fails here.
@Suite(.enabled(if: TestDatabase.enabled, TestDatabase.skipReason))
struct PostgresStoreConformanceTests {
    @Test(.timeLimit(.minutes(2)), arguments: StoreConformance.checks)
    func conforms(to check: StoreConformance.Check) async throws {
        try await check.run {
            let clock = ManualWallClock()
            let (store, schema, stop) = try await TestDatabase.openStore(clock: clock)
            return StoreUnderTest(
                store: store, inactivityTimeout: .seconds(120), advance: { clock.advance(by: $0) },
                shutdown: {
                    defer { Task { try? await TestDatabase.dropSchema(schema) } }
                    try await StoreCoherence.expectCacheMatchesRows(store, schema: schema)
                    await stop()
                })
        }
    }
}

enum StoreCoherence {
    /// Every tenant of the schema: the cached core's rows equal the rows rebuilt from the database.
    static func expectCacheMatchesRows(_ store: PostgresHandoffStore, schema: String) async throws {
        let ids = try await TestDatabase.withAdmin { client in
            var out: [String] = []
            for try await id in try await client.query(.init(unsafeSQL: "SELECT id::text FROM \(schema).tenants"), logger: TestDatabase.logger)
                .decode(String.self)
            { out.append(id) }
            return out
        }
        for case let tenant? in ids.map({ TenantID($0) }) {
            let (cached, stored) = try await store.cachedAndStored(tenant: tenant)
            guard var cached, var stored else { continue }
            // Closed handoffs closed in the same millisecond may come back in either order.
            cached.handoffs.sort { $0.handoff.id < $1.handoff.id }
            stored.handoffs.sort { $0.handoff.id < $1.handoff.id }
            #expect(cached.tenant == stored.tenant, "tenant \(tenant)")
            #expect(cached.publishedEvents == stored.publishedEvents, "tenant \(tenant) event sequence")
            #expect(cached.users == stored.users, "tenant \(tenant) accounts")
            #expect(cached.agents == stored.agents, "tenant \(tenant) agents")
            #expect(cached.apiKeys == stored.apiKeys, "tenant \(tenant) keys")
            #expect(cached.handoffs == stored.handoffs, "tenant \(tenant) handoffs")
            #expect(cached.assistantChats == stored.assistantChats, "tenant \(tenant) assistant chats")
        }
    }
}
