import HandoffEngine

/// Creates fixtures in a store: tenants, API keys, accounts and agents, with the stable ids of
/// ``Fixtures/tenantID(_:)`` and friends. Used by the in-process driver for every scenario and
/// by `handoff-sim serve --fixtures` so a live server holds exactly what scenarios expect.
public enum FixtureSeeder {
    /// - Parameter now: the store's current time (expired keys expire at it).
    public static func seed(_ fixtures: Fixtures, into store: any HandoffStore, now: Timestamp) async throws(HandoffError) {
        for t in fixtures.tenants {
            let tenantID = Fixtures.tenantID(t.handle)
            // The routing is set from the start: agents added `available` meet an empty queue.
            try await store.addTenant(Tenant(id: tenantID, name: t.name, allowedDomains: t.allowedDomains, routing: t.routing, assistant: t.assistant))
            for key in t.apiKeys {
                _ = try await store.registerAPIKey(key.key, tenant: tenantID, name: key.handle, expiresAt: key.expired ? now : nil)
            }
            for u in t.users {
                _ = try await store.addUser(NewUser(
                    id: Fixtures.userID(tenant: t.handle, user: u.handle), tenantID: tenantID, email: u.email, password: u.password,
                    firstName: u.firstName, lastName: u.lastName, role: u.role, passwordIterations: t.passwordIterations))
            }
            for a in t.agents {
                let names = a.name.split(separator: " ", maxSplits: 1).map(String.init)
                _ = try await store.addUser(NewUser(
                    id: Fixtures.userID(tenant: t.handle, user: a.handle), tenantID: tenantID, email: a.email, password: a.password,
                    firstName: names.first ?? a.name, lastName: names.count > 1 ? names[1] : "", role: a.role,
                    passwordIterations: t.passwordIterations))
                _ = try await store.addAgent(
                    NewAgent(id: Fixtures.agentID(tenant: t.handle, agent: a.handle), tenantID: tenantID, name: a.name, email: a.email,
                             status: a.status, maxChats: a.maxChats),
                    by: .system)
            }
            if t.status != .active { try await store.setTenantStatus(tenantID, t.status) }
        }
    }
}
