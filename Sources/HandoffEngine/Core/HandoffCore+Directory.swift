import Foundation

/// A new agent, before the engine stamps it.
public struct NewAgent: Hashable, Sendable {
    public var id: AgentID
    public var tenantID: TenantID
    public var name: String
    public var email: String
    /// Default `offline`: an agent becomes available by logging in or setting its status.
    public var status: AgentStatus
    /// `nil`: the engine's ``HandoffCore/Configuration/defaultMaxChats``.
    public var maxChats: Int?

    public init(id: AgentID, tenantID: TenantID, name: String, email: String, status: AgentStatus = .offline, maxChats: Int? = nil) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.email = email
        self.status = status
        self.maxChats = maxChats
    }
}

// MARK: - Tenants, users, agents, API keys, authentication

extension HandoffCore {
    /// Adds a tenant, routed as `tenant.routing` says (it has no agents or requests yet).
    public mutating func addTenant(_ tenant: Tenant) throws(HandoffError) {
        guard tenantSlots[tenant.id] == nil else { throw .duplicate("id", "Tenant \(tenant.id) already exists") }
        guard !tenant.name.trimmingCharacters(in: .whitespaces).isEmpty else { throw .invalid("name", "Tenant name must not be empty") }
        tenantSlots[tenant.id] = tenants.count
        var record = TenantRecord(tenant: tenant)
        record.routes = tenant.routing.isAutomatic
        if record.routes { autoRoutedTenants += 1 }
        tenants.append(record)
    }

    /// Suspends or reactivates a tenant. While suspended nothing is picked up or assigned; on
    /// reactivation an automatically routed tenant gives its queue to the agents that
    /// freed up meanwhile, reporting those assignments into `events`.
    public mutating func setTenantStatus<Sink: EventSink>(
        _ id: TenantID, _ status: Tenant.Status, now: Timestamp, events: inout Sink
    ) throws(HandoffError) {
        let slot = try tenantSlot(id)
        tenants[slot].tenant.status = status
        var routed = DiscardAssignments()
        route(tenant: slot, now: stamp(now), events: &events, assignments: &routed)
    }

    /// ``setTenantStatus(_:_:now:events:)`` at the latest time the core has seen, without
    /// events (fixtures and tests; a store publishing events uses the other one).
    public mutating func setTenantStatus(_ id: TenantID, _ status: Tenant.Status) throws(HandoffError) {
        var sink = DiscardEvents()
        try setTenantStatus(id, status, now: latest, events: &sink)
    }

    /// Adds a login account. Emails are unique platform-wide (compared case-insensitively).
    /// A tenant account links to the tenant's agent with the same email, if any.
    public mutating func addUser(_ user: User) throws(HandoffError) {
        guard users[user.id] == nil else { throw .duplicate("id", "User \(user.id) already exists") }
        let email = try Self.normalizedEmail(user.email, field: "email")
        guard userByEmail[email] == nil else { throw .duplicate("email", "Email already in use") }
        if user.role.isPlatformStaff {
            guard user.tenantID == nil else { throw .invalid("tenantId", "Platform staff have no tenant") }
        } else {
            guard let tenantID = user.tenantID else { throw .invalid("tenantId", "A \(user.role.rawValue) belongs to a tenant") }
            let tenant = try tenantSlot(tenantID)
            if let agent = agentByEmail[EmailKey(tenant: tenant, email: email)] { agents[agent].linkedUser = user.id }
        }
        var stored = user
        stored.email = email
        users[user.id] = stored
        userByEmail[email] = user.id
        // The costliest hash in use: an unknown email must take as long as any account.
        decoyLoginIterations = max(decoyLoginIterations, user.passwordHash.iterations)
    }

    /// Adds an agent to a tenant. Only the system, the tenant's `client_admin` or platform staff may.
    public mutating func addAgent<Sink: EventSink>(
        _ new: NewAgent, by caller: Caller, now: Timestamp, events: inout Sink
    ) throws(HandoffError) -> Agent {
        let tenant = try tenantSlot(new.tenantID)
        try authorizeAdmin(caller, tenant: tenant, action: "create agents")
        guard agentSlots[new.id] == nil else { throw .duplicate("id", "Agent \(new.id) already exists") }
        let name = new.name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty else { throw .invalid("name", "Agent name must not be empty") }
        let email = try Self.normalizedEmail(new.email, field: "email")
        let key = EmailKey(tenant: tenant, email: email)
        guard agentByEmail[key] == nil else { throw .duplicate("email", "An agent with this email already exists") }
        let maxChats = new.maxChats ?? configuration.defaultMaxChats
        guard maxChats >= 1 else { throw .invalid("maxChats", "maxChats must be at least 1") }
        let now = stamp(now)
        let agent = Agent(
            id: new.id, tenantID: new.tenantID, name: name, email: email, status: .offline, maxChats: maxChats,
            createdAt: now, lastSeen: now)
        let slot = agents.count
        let linked = userByEmail[email].flatMap { users[$0]?.tenantID == new.tenantID ? $0 : nil }
        agents.append(AgentRecord(agent: agent, tenant: tenant, linkedUser: linked, idleSince: now, local: tenants[tenant].agents.count))
        agentSlots[new.id] = slot
        agentByEmail[key] = slot
        tenants[tenant].agents.append(slot)
        updateAgent(slot) { $0.agent.status = new.status }
        rerank(slot)
        events.record(.agentStatusChanged(agents[slot].agent))
        var routed = DiscardAssignments()
        route(tenant: tenant, now: now, events: &events, assignments: &routed)
        return agents[slot].agent
    }

    /// Changes an agent's capacity. It cannot go below the chats the agent has open (they would
    /// break the capacity invariant): lower it after they end. Raising it under
    /// automatic ``Tenant/Routing`` gives the new slots the head of the queue at once, picked up at
    /// `now`.
    public mutating func setMaxChats<Sink: EventSink>(
        _ agentID: AgentID, to maxChats: Int, by caller: Caller, now: Timestamp, events: inout Sink
    ) throws(HandoffError) -> Agent {
        let slot = try agentSlot(agentID)
        try checkSameTenant(caller, agent: slot)
        try authorizeAdmin(caller, tenant: agents[slot].tenant, action: "change capacity")
        guard maxChats >= 1 else { throw .invalid("maxChats", "maxChats must be at least 1") }
        let open = agents[slot].agent.activeChats
        guard maxChats >= open else { throw .invalid("maxChats", "maxChats cannot be lower than the agent's \(open) open chats") }
        updateAgent(slot) { $0.agent.maxChats = maxChats }
        rerank(slot)
        events.record(.agentStatusChanged(agents[slot].agent))
        var routed = DiscardAssignments()
        route(tenant: agents[slot].tenant, now: stamp(now), events: &events, assignments: &routed)
        return agents[slot].agent
    }

    /// Stores a widget API key (only its prefix and digest). The caller makes the key from 32
    /// random bytes (``APIKey/rawKey(fromRandomBytes:)``).
    public mutating func registerAPIKey(
        _ rawKey: String, id: APIKeyID, tenant tenantID: TenantID, name: String, expiresAt: Timestamp? = nil, now: Timestamp
    ) throws(HandoffError) -> APIKey {
        _ = try tenantSlot(tenantID)
        guard APIKey.isWellFormed(rawKey) else {
            throw .invalid("apiKey", "An API key is 'embellics_' followed by 64 lowercase hex digits")
        }
        guard apiKeys[id] == nil else { throw .duplicate("id", "API key \(id) already exists") }
        let prefix = APIKey.prefix(of: rawKey)
        let digest = APIKey.digest(of: rawKey)
        if apiKeysByPrefix[prefix, default: []].contains(where: { apiKeys[$0]?.keyDigest == digest }) {
            throw .duplicate("apiKey", "This API key is already registered")
        }
        let key = APIKey(
            id: id, tenantID: tenantID, keyPrefix: prefix, keyDigest: digest, name: name, createdAt: stamp(now),
            expiresAt: expiresAt, lastUsed: nil)
        apiKeys[id] = key
        apiKeysByPrefix[prefix, default: []].append(id)
        return key
    }

    /// The tenant a widget request acts for.
    ///
    /// The key is found by its prefix in O(1) and its digest compared in constant time; an
    /// unknown, malformed or expired key is ``HandoffError/invalidAPIKey``, a suspended tenant
    /// ``HandoffError/tenantSuspended``, and a referrer outside the tenant's allowed domains
    /// ``HandoffError/domainNotAllowed``. Records the key's `lastUsed`.
    public mutating func authenticateWidget(apiKey rawKey: String, referrer: String?, now: Timestamp) throws(HandoffError) -> TenantID {
        try authenticateWidget(WidgetKey(rawKey), referrer: referrer, now: now)
    }

    /// ``authenticateWidget(apiKey:referrer:now:)`` with the key's digest taken beforehand, so
    /// a store can hash outside its lock. `nil`: the raw key was malformed.
    public mutating func authenticateWidget(_ widgetKey: WidgetKey?, referrer: String?, now: Timestamp) throws(HandoffError) -> TenantID {
        try authenticateWidget(widgetKey, referrer: referrer, origin: nil, now: now).tenant
    }

    /// ``authenticateWidget(_:referrer:now:)``, also telling whether the tenant's allowed
    /// domains admit the browser's `Origin` (the same host rule as the referrer's; an empty
    /// list admits any), so the server may answer a credentialed request for that origin.
    public mutating func authenticateWidget(
        _ widgetKey: WidgetKey?, referrer: String?, origin: String?, now: Timestamp
    ) throws(HandoffError) -> WidgetAccess {
        let tenant = try authenticatedWidgetTenant(widgetKey, referrer: referrer, now: now)
        let originAllowed = origin.map { (try? Self.checkReferrer($0, allowed: tenants[tenant].tenant.allowedDomains)) != nil } ?? false
        return WidgetAccess(tenant: tenants[tenant].tenant.id, originAllowed: originAllowed)
    }

    /// The key's tenant slot, after every check of ``authenticateWidget(apiKey:referrer:now:)``.
    private mutating func authenticatedWidgetTenant(_ widgetKey: WidgetKey?, referrer: String?, now: Timestamp) throws(HandoffError) -> Int {
        guard let widgetKey, let candidates = apiKeysByPrefix[widgetKey.prefix] else { throw .invalidAPIKey }
        guard let keyID = candidates.first(where: { apiKeys[$0]!.matches(digest: widgetKey.digest) }),
              let key = apiKeys[keyID]
        else { throw .invalidAPIKey }
        let now = stamp(now)
        if let expiry = key.expiresAt, expiry <= now { throw .invalidAPIKey }
        let tenant = try activeTenantSlot(key.tenantID)
        try Self.checkReferrer(referrer, allowed: tenants[tenant].tenant.allowedDomains)
        // Recorded at most once a minute: widgets poll every second or two, and a store that
        // persists this should not write on every poll.
        if key.lastUsed.map({ now.milliseconds - $0.milliseconds >= 60_000 }) ?? true { apiKeys[keyID]?.lastUsed = now }
        return tenant
    }

    /// Checks an email and password; on success the caller's agent record (if any) comes online.
    ///
    /// The two steps below in one call. A store that serialises commands should call them
    /// itself and verify the password between them, outside its lock: the password hash is
    /// slow on purpose (PBKDF2), and every other command would wait for it.
    public mutating func login<Sink: EventSink>(
        email: String, password: String, now: Timestamp, events: inout Sink
    ) throws(HandoffError) -> User {
        let challenge = loginChallenge(email: email)
        return try completeLogin(challenge, passwordMatches: challenge.passwordHash.verify(password), now: now, events: &events)
    }

    /// What a login must verify: the account's password hash, or — for an unknown email — a
    /// decoy as costly as the costliest account's, so the answer takes as long either way.
    /// Reads only.
    public func loginChallenge(email: String) -> LoginChallenge {
        guard let userID = userByEmail[Self.emailKey(email)], let user = users[userID] else {
            return LoginChallenge(userID: nil, passwordHash: LoginChallenge.decoy(iterations: decoyLoginIterations))
        }
        return LoginChallenge(userID: user.id, passwordHash: user.passwordHash)
    }

    /// Applies a login whose password the caller checked against `challenge.passwordHash`.
    /// Refused (``HandoffError/invalidCredentials``) when it did not match, the email was
    /// unknown, or the account changed or went away since the challenge was read.
    public mutating func completeLogin<Sink: EventSink>(
        _ challenge: LoginChallenge, passwordMatches: Bool, now: Timestamp, events: inout Sink
    ) throws(HandoffError) -> User {
        guard passwordMatches, let userID = challenge.userID, let user = users[userID], user.passwordHash == challenge.passwordHash else {
            throw .invalidCredentials
        }
        if let tenantID = user.tenantID {
            _ = try activeTenantSlot(tenantID)
            if let agent = agentSlot(forUser: user) {
                setStatus(agent, .available, now: stamp(now), events: &events)
            }
        }
        return user
    }

    /// The user's agent goes offline. Its open chats continue.
    public mutating func logout<Sink: EventSink>(_ userID: UserID, now: Timestamp, events: inout Sink) throws(HandoffError) {
        guard let user = users[userID] else { throw .userNotFound }
        if let agent = agentSlot(forUser: user) { setStatus(agent, .offline, now: stamp(now), events: &events) }
    }

    /// The agent record of a login account: the agent of the user's tenant with the same email.
    public func agentID(forUser userID: UserID) throws(HandoffError) -> AgentID {
        guard let user = users[userID] else { throw .userNotFound }
        guard let slot = agentSlot(forUser: user) else { throw .agentNotFound }
        return agents[slot].agent.id
    }

    func agentSlot(forUser user: User) -> Int? {
        guard let tenantID = user.tenantID, let tenant = tenantSlots[tenantID] else { return nil }
        return agentByEmail[EmailKey(tenant: tenant, email: user.email)]
    }

    /// Another tenant's agent does not exist for a tenant account (platform staff see all).
    func checkSameTenant(_ caller: Caller, agent slot: Int) throws(HandoffError) {
        guard case .user(let userID) = caller, let user = users[userID], let tenant = user.tenantID else { return }
        if tenant != agents[slot].agent.tenantID { throw .agentNotFound }
    }

    /// The one permission rule for administrative actions in a tenant: the system, platform
    /// staff, or the tenant's own `client_admin`. `support_staff` may not.
    func authorizeAdmin(_ caller: Caller, tenant: Int, action: String) throws(HandoffError) {
        guard case .user(let userID) = caller else { return }
        guard let user = users[userID] else { throw .userNotFound }
        if user.role.isPlatformStaff { return }
        guard user.tenantID == tenants[tenant].tenant.id, user.role == .clientAdmin else { throw .forbidden(action) }
    }

    // MARK: Validation rules

    /// How an email address is compared and stored: trimmed and lowercased (lookups use it
    /// without validating; ``normalizedEmail(_:field:)`` validates too).
    static func emailKey(_ raw: String) -> String { raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased() }

    /// A plausible email address, trimmed and lowercased: one `@`, a non-empty local part, a
    /// dotted domain, no spaces, at most 254 characters.
    public static func normalizedEmail(_ raw: String, field: String) throws(HandoffError) -> String {
        let email = emailKey(raw)
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard email.count <= 254, parts.count == 2, !parts[0].isEmpty, !email.contains(where: \.isWhitespace) else {
            throw .invalid(field, "'\(raw)' is not a valid email address")
        }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty }) else {
            throw .invalid(field, "'\(raw)' is not a valid email address")
        }
        return email
    }

    static func checkReferrer(_ referrer: String?, allowed: [String]) throws(HandoffError) {
        guard !allowed.isEmpty else { return }
        guard let referrer, let host = referrerHost(referrer) else { throw .domainNotAllowed }
        if !allowed.contains(where: { hostMatches(host.utf8, domain: $0.utf8) }) { throw .domainNotAllowed }
    }

    /// `host` is `domain` or one of its subdomains, ignoring ASCII case (no allocation: this
    /// runs on every widget request).
    static func hostMatches(_ host: Substring.UTF8View, domain: String.UTF8View) -> Bool {
        guard host.count >= domain.count else { return false }
        let lower = { (byte: UInt8) in (65...90).contains(byte) ? byte | 0x20 : byte }
        guard zip(host.suffix(domain.count), domain).allSatisfy({ lower($0) == lower($1) }) else { return false }
        return host.count == domain.count || host.dropLast(domain.count).last == UInt8(ascii: ".")
    }

    /// The host of a referrer or origin: `https://user@Shop.example:8443/p?q` → `Shop.example`;
    /// a bare `shop.example/page` (the reference widget sends `location.host`) works too.
    /// `nil` when there is none. Read by hand: on every widget request, Foundation's URL
    /// parser cost more than the rest of the key check.
    static func referrerHost(_ text: String) -> Substring? {
        // By bytes throughout: Foundation's range(of:) and Character-wise scans are slow.
        let utf8 = text.utf8
        var start = utf8.startIndex
        // After `scheme://`, if there is one. A scheme is a letter then letters, digits, `+`,
        // `-` or `.`, before any `/`, `?`, `#`.
        let isLetter = { (b: UInt8) in (65...90).contains(b) || (97...122).contains(b) }
        if let first = utf8.first, isLetter(first),
            let colon = utf8.firstIndex(where: { !(isLetter($0) || (48...57).contains($0) || $0 == 43 || $0 == 45 || $0 == 46) }),
            utf8[colon] == UInt8(ascii: ":")
        {
            let after = utf8.index(after: colon)
            if utf8[after...].starts(with: "//".utf8) { start = utf8.index(after, offsetBy: 2) }
        }
        let end = utf8[start...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? utf8.endIndex
        if let at = utf8[start..<end].lastIndex(of: UInt8(ascii: "@")) { start = utf8.index(after: at) }
        let authority = utf8[start..<end]
        let host: Substring.UTF8View
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            host = authority[...close]
        } else {
            host = authority[..<(authority.firstIndex(of: UInt8(ascii: ":")) ?? authority.endIndex)]
        }
        return host.isEmpty ? nil : Substring(host)
    }
}
