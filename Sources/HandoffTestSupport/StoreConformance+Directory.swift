import Foundation
import HandoffEngine
import Testing

// MARK: - Accounts, keys and refusals

extension StoreConformance {
    /// A well-formed widget key nobody has registered yet.
    static func unusedRawKey() -> String {
        let bytes = withUnsafeBytes(of: UUID().uuid) { Array($0) } + withUnsafeBytes(of: UUID().uuid) { Array($0) }
        return APIKey.rawKey(fromRandomBytes: bytes)
    }

    /// Login accounts and widget keys: the store digests passwords and keys, logs the linked
    /// agent in and out, and authenticates a key to its tenant until it expires.
    static func accountsAndKeysAuthenticate(_ s: Stage) async throws {
        let ann = try await s.agent("Ann", status: .offline)
        let email = s.email("Ann", tenant: s.acme)
        let user = try await s.store.addUser(
            NewUser(tenantID: s.acme, email: email, password: "correct horse", firstName: "Ann", lastName: "A", role: .supportStaff))
        #expect(user.tenantID == s.acme && user.email == email && user.role == .supportStaff)
        #expect(user.passwordHash.verify("correct horse"))
        #expect(!user.passwordHash.verify("wrong"))
        #expect(await s.store.user(user.id) == user)
        #expect(try await s.store.agentID(forUser: user.id) == ann.id)

        await #expect(throws: HandoffError.invalidCredentials) { try await s.store.login(email: email, password: "wrong") }
        #expect(try await s.reread(ann).status == .offline)
        let loggedIn = try await s.store.login(email: email, password: "correct horse")
        #expect(loggedIn.id == user.id)
        #expect(try await s.reread(ann).status == .available, "logging in brings the agent online")
        try await s.store.logout(user.id)
        #expect(try await s.reread(ann).status == .offline, "logging out takes the agent offline")

        let (raw, issued) = try await s.store.issueAPIKey(tenant: s.acme, name: "site", expiresAt: nil)
        #expect(APIKey.isWellFormed(raw))
        #expect(issued.tenantID == s.acme && issued.name == "site")
        #expect(issued.keyPrefix == APIKey.prefix(of: raw))
        #expect(try await s.store.authenticateWidget(apiKey: raw, referrer: nil) == s.acme)

        let known = unusedRawKey()
        let registered = try await s.store.registerAPIKey(known, tenant: s.globex, name: "fixture", expiresAt: nil)
        #expect(registered.tenantID == s.globex && registered.id != issued.id)
        #expect(try await s.store.authenticateWidget(apiKey: known, referrer: nil) == s.globex)
        let again = await #expect(throws: HandoffError.self) {
            try await s.store.registerAPIKey(known, tenant: s.globex, name: "again", expiresAt: nil)
        }
        #expect(again?.code == .duplicate)

        // A key whose expiry has come is refused (its own creation time is already past).
        let expiring = unusedRawKey()
        let probe = try await s.store.registerAPIKey(unusedRawKey(), tenant: s.acme, name: "probe", expiresAt: nil)
        _ = try await s.store.registerAPIKey(expiring, tenant: s.acme, name: "expired", expiresAt: probe.createdAt)
        try await s.advance(by: .seconds(1))
        await #expect(throws: HandoffError.invalidAPIKey) { try await s.store.authenticateWidget(apiKey: expiring, referrer: nil) }

        // A tenant that lists its domains admits those hosts (and subdomains) only.
        let shop = TenantID(uuid: UUID())
        try await s.store.addTenant(Tenant(id: shop, name: "Shop", allowedDomains: ["shop.example"]))
        #expect(await s.store.tenant(shop)?.allowedDomains == ["shop.example"])
        let shopKey = unusedRawKey()
        _ = try await s.store.registerAPIKey(shopKey, tenant: shop, name: "widget", expiresAt: nil)
        #expect(try await s.store.authenticateWidget(apiKey: shopKey, referrer: "https://www.shop.example/cart") == shop)
        await #expect(throws: HandoffError.domainNotAllowed) {
            try await s.store.authenticateWidget(apiKey: shopKey, referrer: "https://evil.example/")
        }
    }

    /// Refusals reach the caller as the engine's ``HandoffError``s, whatever the storage
    /// (a database store maps its own failures, such as unique violations, onto them).
    static func refusalsAreHandoffErrors(_ s: Stage) async throws {
        #expect(await s.store.tenant(s.acme)?.name == "Acme")
        await #expect(throws: HandoffError.invalidAPIKey) { try await s.store.authenticateWidget(apiKey: "nope", referrer: nil) }
        await #expect(throws: HandoffError.invalidAPIKey) { try await s.store.authenticateWidget(apiKey: unusedRawKey(), referrer: nil) }
        await #expect(throws: HandoffError.invalidCredentials) { try await s.store.login(email: "ghost@acme.test", password: "x") }
        let nowhere = TenantID(uuid: UUID())
        #expect(await s.store.tenant(nowhere) == nil)
        await #expect(throws: HandoffError.tenantNotFound) { try await s.store.requestHandoff(HandoffRequest(chatID: "c"), tenant: nowhere) }
        await #expect(throws: HandoffError.agentNotFound) { try await s.store.pickUp(HandoffID(uuid: UUID()), by: AgentID(uuid: UUID())) }
        let ann = try await s.agent("Ann")
        await #expect(throws: HandoffError.handoffNotFound) { try await s.store.pickUp(HandoffID(uuid: UUID()), by: ann.id) }

        let tenantAgain = await #expect(throws: HandoffError.self) { try await s.store.addTenant(Tenant(id: s.acme, name: "Again")) }
        #expect(tenantAgain?.code == .duplicate)
        let agentAgain = await #expect(throws: HandoffError.self) {
            try await s.store.addAgent(
                NewAgent(id: AgentID(uuid: UUID()), tenantID: s.acme, name: "Ann Two", email: s.email("Ann", tenant: s.acme)), by: .system)
        }
        #expect(agentAgain?.code == .duplicate)
        #expect(agentAgain?.field == "email")

        try await s.store.setTenantStatus(s.acme, .suspended)
        await #expect(throws: HandoffError.tenantSuspended) { try await s.store.requestHandoff(HandoffRequest(chatID: "c"), tenant: s.acme) }
        #expect(await s.store.tenant(s.acme)?.status == .suspended)
    }
}
