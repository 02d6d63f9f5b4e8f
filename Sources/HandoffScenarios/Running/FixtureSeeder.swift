import HandoffEngine

/// Creates fixtures in a store: tenants, API keys, accounts and agents, with the stable ids of
/// ``Fixtures/tenantID(_:)`` and friends. Used by the in-process driver for every scenario and
/// by `handoff-sim serve --fixtures` so a live server holds exactly what scenarios expect.
public enum FixtureSeeder {
    /// What to do with a fixture that the store already has.
    public enum Existing: Sendable {
        /// Refuse it (the store's duplicate error): a fresh store gets exactly the fixtures.
        case fail
        /// Leave it as it is and go on: a durable store that a restart or a second process
        /// seeds again ends up with the same rows, and seeding fails nothing. A fixture counts
        /// as there when its id (or key, or email) is taken; nothing of it is changed then.
        case keep
    }

    /// - Parameter now: the store's current time (expired keys expire at it).
    public static func seed(_ fixtures: Fixtures, into store: any HandoffStore, now: Timestamp, existing: Existing = .fail) async throws(HandoffError) {
        /// Runs one creation; under `.keep`, a duplicate means it is there already.
        func create(_ body: () async throws(HandoffError) -> Void) async throws(HandoffError) -> Bool {
            do {
                try await body()
                return true
            } catch where existing == .keep && error.code == .duplicate {
                return false
            }
        }
        /// An account to create, unless `.keep` finds it (checked first: hashing is slow).
        func account(_ user: NewUser) async throws(HandoffError) {
            if existing == .keep, let id = user.id, try await store.lookUpUser(id) != nil { return }
            _ = try await create { () async throws(HandoffError) in _ = try await store.addUser(user) }
        }
        for t in fixtures.tenants {
            let tenantID = Fixtures.tenantID(t.handle)
            // The routing is set from the start: agents added `available` meet an empty queue.
            let tenant = Tenant(id: tenantID, name: t.name, allowedDomains: t.allowedDomains, routing: t.routing, assistant: t.assistant)
            let created = try await create { () async throws(HandoffError) in try await store.addTenant(tenant) }
            for key in t.apiKeys {
                _ = try await create { () async throws(HandoffError) in
                    _ = try await store.registerAPIKey(key.key, tenant: tenantID, name: key.handle, expiresAt: key.expired ? now : nil)
                }
            }
            for u in t.users {
                try await account(NewUser(
                    id: Fixtures.userID(tenant: t.handle, user: u.handle), tenantID: tenantID, email: u.email, password: u.password,
                    firstName: u.firstName, lastName: u.lastName, role: u.role, passwordIterations: t.passwordIterations))
            }
            for a in t.agents {
                let names = a.name.split(separator: " ", maxSplits: 1).map(String.init)
                try await account(NewUser(
                    id: Fixtures.userID(tenant: t.handle, user: a.handle), tenantID: tenantID, email: a.email, password: a.password,
                    firstName: names.first ?? a.name, lastName: names.count > 1 ? names[1] : "", role: a.role,
                    passwordIterations: t.passwordIterations))
                _ = try await create { () async throws(HandoffError) in
                    _ = try await store.addAgent(
                        NewAgent(id: Fixtures.agentID(tenant: t.handle, agent: a.handle), tenantID: tenantID, name: a.name, email: a.email,
                                 status: a.status, maxChats: a.maxChats),
                        by: .system)
                }
            }
            if created, t.status != .active { try await store.setTenantStatus(tenantID, t.status) }
        }
    }
}
