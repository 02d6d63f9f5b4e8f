import Foundation
import Testing

@testable import HandoffEngine

/// Rule 11: API keys, allowed domains, login and the account directory.
@Suite struct AuthTests {
    static let acmeKey = "embellics_" + String(repeating: "0123456789abcdef", count: 4)
    static let globexKey = "embellics_" + String(repeating: "fedcba9876543210", count: 4)
    /// Same 12-digit lookup prefix as `acmeKey`, different secret.
    static let acmeLookalike = "embellics_0123456789ab" + String(repeating: "f", count: 52)

    static func keyedWorld() throws -> World {
        var world = World()
        _ = try world.core.registerAPIKey(acmeKey, id: IDs.apiKey(1), tenant: World.acme, name: "site", now: world.now)
        _ = try world.core.registerAPIKey(globexKey, id: IDs.apiKey(2), tenant: World.globex, name: "site", now: world.now)
        return world
    }

    @Test func apiKeyFormat() {
        #expect(APIKey.isWellFormed(Self.acmeKey))
        #expect(APIKey.isWellFormed(APIKey.rawKey(fromRandomBytes: Array(0..<32))))
        #expect(APIKey.rawKey(fromRandomBytes: Array(repeating: 0xab, count: 32)) == "embellics_" + String(repeating: "ab", count: 32))
        #expect(APIKey.prefix(of: Self.acmeKey) == "0123456789ab")
        // Read by bytes for ASCII; anything else by Characters, as before.
        #expect(APIKey.prefix(of: "embellics_é0123456789abcdef") == "é0123456789a")
        #expect(APIKey.prefix(of: "embellics_0123") == "0123")
        // The digest is SHA-256 of the UTF-8 (the FIPS 180-2 "abc" vector).
        #expect(APIKey.digest(of: "abc").map { String(format: "%02x", $0) }.joined() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        for bad in [
            "", "embellics_", String(Self.acmeKey.dropLast()), Self.acmeKey + "0", Self.acmeKey.uppercased(),
            "embellics_" + String(repeating: "0123456789ABCDEF", count: 4), "Embellics_" + String(repeating: "0", count: 64),
            "embellic_0" + String(repeating: "0", count: 64), "embellics_" + String(repeating: "g", count: 64),
            " " + Self.acmeKey, "embellics_" + String(repeating: "é", count: 32),
        ] {
            #expect(!APIKey.isWellFormed(bad), "\(bad)")
            #expect(WidgetKey(bad) == nil, "\(bad)")
        }
        // A widget request's key, read in one pass, has the stored key's prefix and digest.
        for raw in [Self.acmeKey, Self.globexKey, APIKey.rawKey(fromRandomBytes: (0..<32).map { _ in UInt8.random(in: 0...255) })] {
            let key = WidgetKey(raw)
            #expect(key?.prefix == APIKey.prefix(of: raw))
            #expect(key.map { Array($0.digest) } == APIKey.digest(of: raw))
        }
    }

    @Test func registeredKeyAuthenticatesToItsTenant() throws {
        var world = try Self.keyedWorld()
        world.advance(.seconds(9))
        #expect(try world.core.authenticateWidget(apiKey: Self.acmeKey, referrer: nil, now: world.now) == World.acme)
        #expect(try world.core.authenticateWidget(apiKey: Self.globexKey, referrer: "https://anything.test", now: world.now) == World.globex)
        #expect(world.core.apiKeys[IDs.apiKey(1)]?.lastUsed == world.now)
        // The digest comparison: equal only when every byte is.
        let storedKey = try #require(world.core.apiKeys[IDs.apiKey(1)])
        let digest = try #require(WidgetKey(Self.acmeKey)).digest
        #expect(storedKey.matches(digest: digest))
        #expect(!storedKey.matches(digest: try #require(WidgetKey(Self.globexKey)).digest))
        for index in [0, 17, 31] {
            var changed = storedKey
            changed.keyDigest[index] ^= 0x80
            #expect(!changed.matches(digest: digest), "byte \(index)")
        }
        var short = storedKey
        short.keyDigest.removeLast()
        #expect(!short.matches(digest: digest))
        // Only a digest is stored, never the key.
        let stored = try #require(world.core.apiKeys[IDs.apiKey(1)])
        #expect(stored.keyPrefix == "0123456789ab")
        // SHA-256 of the key, as Python's hashlib gives it.
        #expect(stored.keyDigest.hexString == "fdb26ed2e60b8d2dd8489239f4997e1ea7242148b04ce7f66c27ab374a45ae9c")
    }

    @Test func wrongUnknownOrMalformedKeysAreInvalid() throws {
        var world = try Self.keyedWorld()
        for key in [Self.acmeLookalike, "embellics_" + String(repeating: "1", count: 64), "embellics_nope", "", Self.acmeKey.uppercased()] {
            #expect(throws: HandoffError.invalidAPIKey) { _ = try world.core.authenticateWidget(apiKey: key, referrer: nil, now: world.now) }
        }
        // A lookalike sharing the prefix can be registered and then authenticates on its own.
        _ = try world.core.registerAPIKey(Self.acmeLookalike, id: IDs.apiKey(3), tenant: World.globex, name: "other", now: world.now)
        #expect(try world.core.authenticateWidget(apiKey: Self.acmeLookalike, referrer: nil, now: world.now) == World.globex)
        #expect(try world.core.authenticateWidget(apiKey: Self.acmeKey, referrer: nil, now: world.now) == World.acme)
    }

    @Test func registeringABadOrDuplicateKeyIsRefused() throws {
        var world = try Self.keyedWorld()
        expectInvalid("apiKey") { _ = try world.core.registerAPIKey("embellics_short", id: IDs.apiKey(9), tenant: World.acme, name: "x", now: world.now) }
        let error = #expect(throws: HandoffError.self) {
            _ = try world.core.registerAPIKey(Self.acmeKey, id: IDs.apiKey(9), tenant: World.globex, name: "x", now: world.now)
        }
        #expect(error == .duplicate("apiKey", "This API key is already registered"))
        #expect(throws: HandoffError.tenantNotFound) {
            _ = try world.core.registerAPIKey(Self.acmeLookalike, id: IDs.apiKey(9), tenant: IDs.tenant(99), name: "x", now: world.now)
        }
    }

    @Test func expiredKeyIsInvalid() throws {
        var world = World()
        let expiry = world.now + .seconds(3600)
        _ = try world.core.registerAPIKey(Self.acmeKey, id: IDs.apiKey(1), tenant: World.acme, name: "temp", expiresAt: expiry, now: world.now)
        #expect(try world.core.authenticateWidget(apiKey: Self.acmeKey, referrer: nil, now: expiry - .milliseconds(1)) == World.acme)
        #expect(throws: HandoffError.invalidAPIKey) { _ = try world.core.authenticateWidget(apiKey: Self.acmeKey, referrer: nil, now: expiry) }
        #expect(throws: HandoffError.invalidAPIKey) {
            _ = try world.core.authenticateWidget(apiKey: Self.acmeKey, referrer: nil, now: expiry + .seconds(1))
        }
    }

    @Test func keyOfASuspendedTenantIsRefused() throws {
        var world = try Self.keyedWorld()
        try world.core.setTenantStatus(World.acme, .suspended)
        #expect(throws: HandoffError.tenantSuspended) { _ = try world.core.authenticateWidget(apiKey: Self.acmeKey, referrer: nil, now: world.now) }
        #expect(try world.core.authenticateWidget(apiKey: Self.globexKey, referrer: nil, now: world.now) == World.globex)
    }

    @Test(arguments: [
        ("https://example.com/pricing", true), ("https://www.example.com", true), ("http://a.b.example.com:8080/x", true),
        ("example.com", true), ("https://EXAMPLE.com", true), ("https://shop.test/page", true),
        ("https://evil.com", false), ("https://notexample.com", false), ("https://example.com.evil.net", false),
        ("https://example.org", false), ("", false),
        ("https://ann@example.com/x", true), ("https://example.com@evil.com/", false), ("example.com:8080", true),
        ("shop.test?x=1", true), ("https://[::1]:8080/", false), ("https://", false), ("https://:443/", false),
        ("shop.test/p?u=http://evil.com", true), ("evil.com/p?u=http://shop.test", false), ("1http://shop.test", false),
    ])
    func allowedDomains(referrer: String, allowed: Bool) throws {
        var world = World()
        let shop = IDs.tenant(3)
        try world.core.addTenant(Tenant(id: shop, name: "Shop", allowedDomains: ["example.com", "shop.test"]))
        _ = try world.core.registerAPIKey(Self.acmeKey, id: IDs.apiKey(1), tenant: shop, name: "site", now: world.now)
        if allowed {
            #expect(try world.core.authenticateWidget(apiKey: Self.acmeKey, referrer: referrer, now: world.now) == shop)
        } else {
            #expect(throws: HandoffError.domainNotAllowed) { _ = try world.core.authenticateWidget(apiKey: Self.acmeKey, referrer: referrer, now: world.now) }
        }
    }

    @Test func missingReferrerIsRefusedOnlyWhenDomainsAreListed() throws {
        var world = try Self.keyedWorld()
        let shop = IDs.tenant(3)
        try world.core.addTenant(Tenant(id: shop, name: "Shop", allowedDomains: ["example.com"]))
        let shopKey = "embellics_" + String(repeating: "5", count: 64)
        _ = try world.core.registerAPIKey(shopKey, id: IDs.apiKey(3), tenant: shop, name: "site", now: world.now)
        #expect(throws: HandoffError.domainNotAllowed) { _ = try world.core.authenticateWidget(apiKey: shopKey, referrer: nil, now: world.now) }
        #expect(world.core.apiKeys[IDs.apiKey(3)]?.lastUsed == nil)
        #expect(try world.core.authenticateWidget(apiKey: Self.acmeKey, referrer: nil, now: world.now) == World.acme)
    }

    // MARK: Accounts

    @Test func loginChecksThePassword() throws {
        var world = World()
        let user = try world.addUser("Ann@Acme.test", role: .supportStaff, password: "correct horse")
        #expect(try world.core.login(email: "ann@acme.test", password: "correct horse", now: world.now, events: &world.events).id == user)
        #expect(try world.core.login(email: "  ANN@ACME.TEST", password: "correct horse", now: world.now, events: &world.events).id == user)
        for (email, password) in [("ann@acme.test", "wrong"), ("ann@acme.test", ""), ("ann@acme.test", "Correct horse"), ("nobody@acme.test", "correct horse")] {
            #expect(throws: HandoffError.invalidCredentials) { _ = try world.core.login(email: email, password: password, now: world.now, events: &world.events) }
        }
        try world.core.setTenantStatus(World.acme, .suspended)
        #expect(throws: HandoffError.tenantSuspended) {
            _ = try world.core.login(email: "ann@acme.test", password: "correct horse", now: world.now, events: &world.events)
        }
    }

    /// The two halves a store runs around its lock: the challenge reads, the caller verifies,
    /// and completing applies only a verified, still-current challenge.
    @Test func loginInTwoStepsAppliesOnlyAVerifiedCurrentChallenge() throws {
        var world = World()
        let ann = try world.addUser("ann@acme.test", role: .supportStaff, password: "correct horse")
        let challenge = world.core.loginChallenge(email: " ANN@acme.test")
        #expect(challenge.userID == ann)
        #expect(challenge.passwordHash.verify("correct horse") && !challenge.passwordHash.verify("wrong"))
        #expect(throws: HandoffError.invalidCredentials) {
            _ = try world.core.completeLogin(challenge, passwordMatches: false, now: world.now, events: &world.events)
        }
        #expect(try world.core.completeLogin(challenge, passwordMatches: true, now: world.now, events: &world.events).id == ann)

        // A challenge read before the account changed is refused, whatever the caller says.
        let stale = LoginChallenge(userID: ann, passwordHash: PasswordHash(password: "old", salt: [9], iterations: 1))
        #expect(throws: HandoffError.invalidCredentials) {
            _ = try world.core.completeLogin(stale, passwordMatches: true, now: world.now, events: &world.events)
        }

        // An unknown email gets a decoy as costly as the costliest account, matched by nothing.
        _ = try world.core.addUser(User(
            id: IDs.user(900), tenantID: World.acme, email: "costly@acme.test",
            passwordHash: PasswordHash(password: "pw", salt: [1], iterations: 3), firstName: "C", lastName: "L", role: .supportStaff))
        let nobody = world.core.loginChallenge(email: "nobody@acme.test")
        #expect(nobody.userID == nil)
        #expect(nobody.passwordHash.iterations == 3)
        // A cheaper account added later does not make the decoy cheaper.
        _ = try world.core.addUser(User(
            id: IDs.user(901), tenantID: World.acme, email: "cheap@acme.test",
            passwordHash: PasswordHash(password: "pw", salt: [1], iterations: 2), firstName: "C", lastName: "H", role: .supportStaff))
        #expect(world.core.loginChallenge(email: "nobody@acme.test").passwordHash.iterations == 3)
        #expect(!nobody.passwordHash.verify("") && !nobody.passwordHash.verify("correct horse"))
        #expect(throws: HandoffError.invalidCredentials) {
            _ = try world.core.completeLogin(nobody, passwordMatches: true, now: world.now, events: &world.events)
        }
    }

    @Test func passwordHashVerifies() {
        let hash = PasswordHash(password: "pw", salt: [1, 2, 3], iterations: 2)
        #expect(hash.verify("pw"))
        #expect(!hash.verify("pW"))
        #expect(PasswordHash(password: "pw", salt: [1, 2, 4], iterations: 2).digest != hash.digest)
        // A digest of the wrong length (a damaged record) matches nothing.
        #expect(!PasswordHash(salt: [1, 2, 3], iterations: 2, digest: Array(hash.digest.dropLast())).verify("pw"))
    }

    /// PBKDF2-HMAC-SHA-256 as Python's `hashlib.pbkdf2_hmac` computes it (independent of
    /// swift-crypto), so the stored digests are the standard ones.
    @Test func passwordHashIsStandardPBKDF2() {
        let salt = Array("salt".utf8)
        #expect(PasswordHash(password: "password", salt: salt, iterations: 1).digest.hexString
            == "120fb6cffcf8b32c43e7225256c4f837a86548c92ccc35480805987cb70be17b")
        #expect(PasswordHash(password: "password", salt: salt, iterations: 4096).digest.hexString
            == "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a")
        #expect(PasswordHash(password: "pw", salt: [1, 2, 3], iterations: 2).digest.hexString
            == "56df34c28e1791e0cc3b446748cfced296cfe1c0ca20b3826e4b3bf360519f4c")
    }

    @Test func newPasswordsCostWhatOWASPRecommends() {
        #expect(PasswordHash.recommendedIterations == 600_000)
        #expect(MemoryHandoffStore.Configuration().passwordIterations == 600_000)
        #expect([UInt8]([0x00, 0x0f, 0xa0, 0xff]).hexString == "000fa0ff")
    }

    @Test func duplicateEmailsAreRejected() throws {
        var world = World()
        try world.addUser("ann@acme.test", role: .supportStaff)
        let user = #expect(throws: HandoffError.self) { try world.addUser(" ANN@acme.test ", role: .clientAdmin, tenant: World.globex) }
        #expect(user == .duplicate("email", "Email already in use"))
        #expect(world.core.user(email: "Ann@Acme.Test")?.role == .supportStaff)

        try world.addAgent("Ann")
        let agent = #expect(throws: HandoffError.self) {
            _ = try world.core.addAgent(NewAgent(id: IDs.agent(900), tenantID: World.acme, name: "Ann Two", email: "ANN@acme.test"),
                                        by: .system, now: world.now, events: &world.events)
        }
        #expect(agent == .duplicate("email", "An agent with this email already exists"))
        // The same agent email in another tenant is another agent.
        _ = try world.core.addAgent(NewAgent(id: IDs.agent(901), tenantID: World.globex, name: "Ann", email: "ann@acme.test"),
                                    by: .system, now: world.now, events: &world.events)
    }

    @Test func accountsNeedTheRightTenancyAndAValidEmail() {
        var world = World()
        func user(_ email: String, _ role: Role, _ tenant: TenantID?) -> User {
            User(id: IDs.user(500), tenantID: tenant, email: email, passwordHash: PasswordHash(password: "x", salt: [], iterations: 1),
                 firstName: "F", lastName: "L", role: role)
        }
        expectInvalid("tenantId") { try world.core.addUser(user("boss@platform.test", .admin, World.acme)) }
        expectInvalid("tenantId") { try world.core.addUser(user("staff@acme.test", .supportStaff, nil)) }
        expectInvalid("tenantId") { try world.core.addUser(user("boss@acme.test", .clientAdmin, nil)) }
        expectInvalid("email") { try world.addUser("not-an-email", role: .supportStaff) }
        #expect(throws: HandoffError.tenantNotFound) { try world.addUser("x@acme.test", role: .supportStaff, tenant: IDs.tenant(99)) }
        #expect(world.core.users.isEmpty)
    }

    @Test func agentRecordsLinkToTheAccountWithTheSameEmail() throws {
        var world = World()
        // Agent first, then account…
        let ann = try world.addAgent("Ann", status: .offline)
        let annUser = try world.addUser("ann@acme.test", role: .supportStaff)
        // …and account first, then agent.
        let bobUser = try world.addUser("bob@acme.test", role: .supportStaff)
        let bob = try world.addAgent("Bob", status: .offline)
        #expect(try world.core.agentID(forUser: annUser) == ann)
        #expect(try world.core.agentID(forUser: bobUser) == bob)
        #expect(try world.setStatus(bob, .busy, by: .user(bobUser)).status == .busy)
        let admin = try world.addUser("boss@acme.test", role: .clientAdmin)
        #expect(throws: HandoffError.agentNotFound) { try world.core.agentID(forUser: admin) }
        #expect(throws: HandoffError.userNotFound) { try world.core.agentID(forUser: IDs.user(999)) }
    }

    @Test func onlyAdministratorsCreateAgentsOrChangeCapacity() throws {
        var world = World()
        let staff = try world.addUser("staff@acme.test", role: .supportStaff)
        let admin = try world.addUser("boss@acme.test", role: .clientAdmin)
        let new = NewAgent(id: IDs.agent(900), tenantID: World.acme, name: "Zed", email: "zed@acme.test", maxChats: 2)
        #expect(throws: HandoffError.forbidden("create agents")) { _ = try world.core.addAgent(new, by: .user(staff), now: world.now, events: &world.events) }
        world.events = []
        let zed = try world.core.addAgent(new, by: .user(admin), now: world.now, events: &world.events)
        #expect(zed.status == .offline && zed.maxChats == 2 && zed.activeChats == 0 && zed.createdAt == world.now)
        #expect(world.events == [.agentStatusChanged(zed)])
        #expect(throws: HandoffError.forbidden("change capacity")) { _ = try world.core.setMaxChats(zed.id, to: 4, by: .user(staff), now: world.now, events: &world.events) }
        #expect(try world.core.setMaxChats(zed.id, to: 4, by: .user(admin), now: world.now, events: &world.events).maxChats == 4)
        expectInvalid("maxChats") { _ = try world.core.setMaxChats(zed.id, to: 0, by: .system, now: world.now, events: &world.events) }
        expectInvalid("maxChats") { try world.addAgent("Yan", maxChats: 0) }
        expectInvalid("name") { try world.addAgent("   ") }
        let dflt = try world.addAgent("Dflt")
        #expect(try world.core.agent(dflt, tenant: World.acme).maxChats == 5)
    }
}

/// Ids are written and read by hand (Foundation's UUID text goes through printf and scanf):
/// they must agree with Foundation's forms exactly.
@Suite struct IdentifierTextTests {
    @Test func descriptionAndParsingAgreeWithFoundation() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let uuid = UUID(uuid: withUnsafeBytes(of: (UInt64.random(in: .min ... .max, using: &generator), UInt64.random(in: .min ... .max, using: &generator))) {
                $0.loadUnaligned(as: uuid_t.self)
            })
            let id = HandoffID(uuid: uuid)
            #expect(id.description == uuid.uuidString.lowercased())
            #expect(HandoffID(uuid.uuidString) == id)
            #expect(HandoffID(uuid.uuidString.lowercased()) == id)
        }
        for bad in ["", "x", "0123456789abcdef0123456789abcdef", "01234567-89ab-cdef-0123-456789abcde", "01234567-89ab-cdef-0123-456789abcdef0",
                    "0123456789-ab-cdef-0123-456789abcdef", "01234567-89ab-cdef-0123-456789abcdeg", "01234567_89ab_cdef_0123_456789abcdef"] {
            #expect(HandoffID(bad) == nil, "\(bad)")
            #expect(UUID(uuidString: bad) == nil, "Foundation agrees on \(bad)")
        }
    }
}
