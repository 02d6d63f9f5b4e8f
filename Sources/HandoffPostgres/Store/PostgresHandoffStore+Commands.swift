import Foundation
import HandoffEngine
import Logging
import PostgresNIO
import Synchronization

// Every command of the store protocol: which tenant it acts on, what it may change beyond its
// events, and the engine call. Nothing here decides a rule: where no tenant can be found, an
// empty core answers, so even that refusal is the engine's.

extension PostgresHandoffStore {
    // MARK: Lookups of what never changes

    /// The tenant of an agent, or `nil` if no tenant has it.
    func tenant(ofAgent id: AgentID) async throws(HandoffError) -> TenantID? {
        if let known = directory.withLock({ $0.agentTenant[id] }) { return known }
        let found = try await database("find agent") { [client, logger] in
            try await client.query("SELECT tenant_id::text FROM human_agents WHERE id = \(id.description)::uuid", logger: logger)
                .decode(String.self).first { _ in true }
        }
        guard let found, let tenant = TenantID(found) else { return nil }
        directory.withLock { $0.agentTenant[id] = tenant }
        return tenant
    }

    /// The tenant of an account (`.some(nil)` for platform staff), or `nil` if there is no such account.
    func tenant(ofUser id: UserID) async throws(HandoffError) -> TenantID?? {
        if let known = directory.withLock({ $0.userTenant[id] }) { return .some(known) }
        let found = try await database("find account") { [client, logger] in
            try await client.query("SELECT coalesce(tenant_id::text, '') FROM client_users WHERE id = \(id.description)::uuid", logger: logger)
                .decode(String.self).first { _ in true }
        }
        guard let found else { return nil }
        let tenant: TenantID? = found.isEmpty ? nil : TenantID(found)
        directory.withLock { $0.userTenant[id] = .some(tenant) }
        return .some(tenant)
    }

    /// The account with this email: its id and tenant (`nil` for staff), or `nil`.
    func account(email: String) async throws(HandoffError) -> (UserID, TenantID?)? {
        let key = email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        let found = try await database("find account by email") { [client, logger] in
            try await client.query(
                "SELECT id::text, coalesce(tenant_id::text, '') FROM client_users WHERE email = \(key)", logger: logger
            ).decode((String, String).self).first { _ in true }
        }
        guard let found, let id = UserID(found.0) else { return nil }
        return (id, found.1.isEmpty ? nil : TenantID(found.1))
    }

    /// The account with this id, of any tenant.
    func account(id: UserID) async throws(HandoffError) -> User? {
        try await database("read account") { [client, logger] in try await Statements.account(id, on: client, logger: logger) }
    }

    /// Tenants with a key of this prefix.
    func tenants(ofKeyPrefix prefix: String) async throws(HandoffError) -> Set<TenantID> {
        if let known = directory.withLock({ $0.keyTenants[prefix] }), !known.isEmpty { return known }
        let found = try await database("find API key") { [client, logger] in
            var out: [String] = []
            for try await id in try await client.query("SELECT tenant_id::text FROM widget_api_keys WHERE key_prefix = \(prefix)", logger: logger)
                .decode(String.self)
            { out.append(id) }
            return out
        }
        let tenants = Set(found.compactMap { TenantID($0) })
        if !tenants.isEmpty { directory.withLock { $0.keyTenants[prefix, default: []].formUnion(tenants) } }
        return tenants
    }

    /// The tenant of an agent, or the engine's refusal for an unknown agent.
    func requireTenant(ofAgent id: AgentID) async throws(HandoffError) -> TenantID {
        guard let tenant = try await tenant(ofAgent: id) else { throw Self.emptyCoreRefusal { core throws(HandoffError) in _ = try core.agent(id, tenant: TenantID(uuid: .init())) } }
        return tenant
    }

    /// What an empty core says to a command about something nobody has.
    static func emptyCoreRefusal(_ body: (inout HandoffCore) throws(HandoffError) -> Void) -> HandoffError {
        var core = HandoffCore()
        do {
            try body(&core)
            return .unavailable
        } catch {
            return error
        }
    }

    /// The platform's staff in a core of their own (they have no tenant to act in there).
    func staffCore() async throws(HandoffError) -> HandoffCore {
        var known = staff.withLock { $0 }
        if known == nil {
            known = try await database("read staff") { [client, logger] in try await Statements.staff(on: client, logger: logger) }
            staff.withLock { $0 = known }
        }
        var core = HandoffCore(configuration: coreConfiguration)
        for user in known ?? [] { try core.addUser(user) }
        return core
    }

    // MARK: Directory

    public func addTenant(_ tenant: Tenant) async throws(HandoffError) {
        var probe = HandoffCore(configuration: coreConfiguration)
        try probe.addTenant(tenant)
        let now = configuration.clock.now()
        let inserted = try await database("add tenant") { [client, logger] in
            try await Statements.insertTenant(tenant, latest: now, on: client, logger: logger)
        }
        guard inserted else { throw .duplicate("id", "Tenant \(tenant.id) already exists") }
    }

    public func setTenantStatus(_ id: TenantID, _ status: Tenant.Status) async throws(HandoffError) {
        try await command(id) { core, _, now, events throws(HandoffError) in try core.setTenantStatus(id, status, now: now, events: &events) }
    }

    public func setRouting(_ routing: Tenant.Routing, tenant: TenantID, by caller: HandoffCore.Caller) async throws(HandoffError) -> Tenant {
        try await command(tenant, caller: caller) { core, _, now, events throws(HandoffError) in
            try core.setRouting(routing, tenant: tenant, by: caller, now: now, events: &events)
        }
    }

    public func routing(tenant: TenantID, by caller: HandoffCore.Caller) async throws(HandoffError) -> Tenant.Routing {
        try await withFreshCore(partition(tenant), caller: caller) { p throws(HandoffError) in try p.core!.routing(tenant: tenant, by: caller) }
    }

    /// The password is hashed first, on ``Configuration/passwordWork``. Emails are unique over
    /// the platform: the engine checks the accounts it holds, and the table's unique index the
    /// accounts of other tenants.
    public func addUser(_ user: NewUser) async throws(HandoffError) -> User {
        let iterations = user.passwordIterations ?? configuration.passwordIterations
        guard iterations >= 1 else { throw .invalid("passwordIterations", "Password hashing needs at least 1 iteration") }
        var ids = IdentifierGenerator(seed: nil)
        let id = user.id ?? ids.id()
        let salt = ids.bytes(16)
        let password = user.password
        guard let hash = await configuration.passwordWork.run({ PasswordHash(password: password, salt: salt, iterations: iterations) }) else {
            throw .unavailable
        }
        let stored = User(
            id: id, tenantID: user.tenantID, email: user.email, passwordHash: hash, firstName: user.firstName, lastName: user.lastName,
            role: user.role)
        directory.withLock { $0.costliestPassword = max($0.costliestPassword, iterations) }
        guard let tenant = user.tenantID else {
            // Staff: the engine's checks on a core of the staff, then the row.
            var core = try await staffCore()
            try core.addUser(stored)
            let added = core.user(id)!
            try await database("add staff account", constraint: Self.refusal) { [client, logger] in
                try await Statements.insertStaff(added, on: client, logger: logger)
            }
            staff.withLock { $0 = nil }
            // Every tenant's cache must learn the new staff account: rebuilt on next use.
            for partition in allPartitions { partition.announced.store(Int64.max, ordering: .releasing) }
            return added
        }
        return try await command(tenant, touching: Touch(users: [id])) { core, _, _, _ throws(HandoffError) in
            try core.addUser(stored)
            return core.user(id)!
        }
    }

    public func addAgent(_ agent: NewAgent, by caller: HandoffCore.Caller) async throws(HandoffError) -> Agent {
        try await command(agent.tenantID, caller: caller) { core, _, now, events throws(HandoffError) in
            try core.addAgent(agent, by: caller, now: now, events: &events)
        }
    }

    public func setMaxChats(_ agentID: AgentID, to maxChats: Int, by caller: HandoffCore.Caller) async throws(HandoffError) -> Agent {
        let tenant = try await requireTenant(ofAgent: agentID)
        return try await command(tenant, caller: caller, touching: Touch(agents: [agentID])) { core, _, now, events throws(HandoffError) in
            try core.setMaxChats(agentID, to: maxChats, by: caller, now: now, events: &events)
        }
    }

    public func registerAPIKey(_ rawKey: String, tenant: TenantID, name: String, expiresAt: Timestamp?) async throws(HandoffError) -> APIKey {
        try await command(tenant, touching: Touch(keys: true)) { core, ids, now, _ throws(HandoffError) in
            try core.registerAPIKey(rawKey, id: ids.id(), tenant: tenant, name: name, expiresAt: expiresAt, now: now)
        }
    }

    public func issueAPIKey(tenant: TenantID, name: String, expiresAt: Timestamp?) async throws(HandoffError) -> (rawKey: String, key: APIKey) {
        try await command(tenant, touching: Touch(keys: true)) { core, ids, now, _ throws(HandoffError) in
            let raw = APIKey.rawKey(fromRandomBytes: ids.bytes(32))
            return (raw, try core.registerAPIKey(raw, id: ids.id(), tenant: tenant, name: name, expiresAt: expiresAt, now: now))
        }
    }

    public func authenticateWidget(apiKey: String, referrer: String?) async throws(HandoffError) -> TenantID {
        try await widgetAccess(apiKey: apiKey, referrer: referrer, origin: nil).tenant
    }

    /// The key's prefix finds its tenant (cached: a key never moves); that tenant's core checks
    /// the key, its expiry, the tenant and the referrer.
    public func widgetAccess(apiKey: String, referrer: String?, origin: String?) async throws(HandoffError) -> WidgetAccess {
        let widgetKey = WidgetKey(apiKey)
        guard let widgetKey else {
            throw Self.emptyCoreRefusal { core throws(HandoffError) in _ = try core.authenticateWidget(nil, referrer: referrer, origin: origin, now: .epoch) }
        }
        var refusal = HandoffError.invalidAPIKey
        for tenant in try await tenants(ofKeyPrefix: widgetKey.prefix).sorted() {
            do {
                return try await command(tenant, mode: .read, touching: Touch(keys: true)) { core, _, now, _ throws(HandoffError) in
                    try core.authenticateWidget(widgetKey, referrer: referrer, origin: origin, now: now)
                }
            } catch where error.code == .invalidAPIKey {
                refusal = error
            }
        }
        throw refusal
    }

    /// The password is verified outside every lock, on ``Configuration/passwordWork``; the
    /// login then takes effect on the account's tenant only if the account is unchanged.
    public func login(email: String, password: String) async throws(HandoffError) -> User {
        guard let (userID, tenant) = try await account(email: email) else {
            // As costly as a real account's check, so unknown emails take as long to refuse.
            let challenge = LoginChallenge.unknownAccount(iterations: directory.withLock { $0.costliestPassword })
            _ = await configuration.passwordWork.run({ challenge.passwordHash.verify(password) })
            throw .invalidCredentials
        }
        guard let tenant else {
            var core = try await staffCore()
            let challenge = core.loginChallenge(email: email)
            guard let matches = await configuration.passwordWork.run({ challenge.passwordHash.verify(password) }) else { throw .unavailable }
            var events: [HandoffEvent] = []
            return try core.completeLogin(challenge, passwordMatches: matches, now: configuration.clock.now(), events: &events)
        }
        let challenge = try await read(tenant) { core in core.loginChallenge(email: email) }
        guard let matches = await configuration.passwordWork.run({ challenge.passwordHash.verify(password) }) else { throw .unavailable }
        let agent = try? await read(tenant) { core throws(HandoffError) in try core.agentID(forUser: userID) }
        return try await command(tenant, touching: Touch(agents: agent.map { [$0] } ?? [])) { core, _, now, events throws(HandoffError) in
            try core.completeLogin(challenge, passwordMatches: matches, now: now, events: &events)
        }
    }

    public func logout(_ userID: UserID) async throws(HandoffError) {
        guard let tenant = try await tenant(ofUser: userID) else {
            throw Self.emptyCoreRefusal { core throws(HandoffError) in
                var events: [HandoffEvent] = []
                try core.logout(userID, now: .epoch, events: &events)
            }
        }
        guard let tenant else {
            var core = try await staffCore()
            var events: [HandoffEvent] = []
            return try core.logout(userID, now: configuration.clock.now(), events: &events)
        }
        let agent = try? await read(tenant) { core throws(HandoffError) in try core.agentID(forUser: userID) }
        try await command(tenant, touching: Touch(agents: agent.map { [$0] } ?? [])) { core, _, now, events throws(HandoffError) in
            try core.logout(userID, now: now, events: &events)
        }
    }

    public func agentID(forUser userID: UserID) async throws(HandoffError) -> AgentID {
        guard let tenant = try await tenant(ofUser: userID), let tenant else {
            let staff = try? await staffCore()
            if let staff { return try staff.agentID(forUser: userID) }
            throw Self.emptyCoreRefusal { core throws(HandoffError) in _ = try core.agentID(forUser: userID) }
        }
        return try await read(tenant) { core throws(HandoffError) in try core.agentID(forUser: userID) }
    }

    // MARK: Presence

    public func setAgentStatus(_ agentID: AgentID, to status: AgentStatus, by caller: HandoffCore.Caller) async throws(HandoffError) -> Agent {
        let tenant = try await requireTenant(ofAgent: agentID)
        return try await command(tenant, caller: caller, touching: Touch(agents: [agentID])) { core, _, now, events throws(HandoffError) in
            try core.setAgentStatus(agentID, to: status, by: caller, now: now, events: &events)
        }
    }

    public func heartbeat(_ agentID: AgentID) async throws(HandoffError) -> Agent {
        let tenant = try await requireTenant(ofAgent: agentID)
        return try await command(tenant, touching: Touch(agents: [agentID])) { core, _, now, events throws(HandoffError) in
            try core.heartbeat(agentID, now: now, events: &events)
        }
    }

    /// Sweeps every tenant on the database (any process may; they take turns per tenant like
    /// every command), and forgets events older than an hour (socket replay needs minutes).
    @discardableResult
    public func sweep() async -> [AgentID] {
        guard
            let tenants = try? await database("list tenants", { [client, logger] in
                var out: [String] = []
                for try await id in try await client.query("SELECT id::text FROM tenants ORDER BY id", logger: logger).decode(String.self) {
                    out.append(id)
                }
                return out
            })
        else { return [] }
        var swept: [AgentID] = []
        for case let tenant? in tenants.map({ TenantID($0) }) {
            let agents = try? await command(tenant, mode: .read) { core, _, now, events in
                core.sweep(now: now, events: &events).filter { id in (try? core.agent(id, tenant: tenant)) != nil }
            }
            swept += agents ?? []
        }
        _ = try? await database("forget old events") { [client, logger] in
            try await client.query("DELETE FROM handoff_events WHERE created_at < now() - interval '1 hour'", logger: logger)
        }
        return swept
    }

    // MARK: Handoffs

    public func requestHandoff(_ request: HandoffRequest, tenant: TenantID) async throws(HandoffError) -> RequestOutcome {
        try await command(tenant, touchedBy: { Touch(handoffs: [$0.handoff.id]) }) { core, ids, now, events throws(HandoffError) in
            try core.requestHandoff(request, tenant: tenant, id: ids.id(), now: now, events: &events)
        }
    }

    public func submitAfterHours(chat: ChatID, email: String, message: String?, tenant: TenantID) async throws(HandoffError) -> Handoff {
        try await command(tenant, touchedBy: { Touch(handoffs: [$0.id]) }) { core, ids, now, events throws(HandoffError) in
            try core.submitAfterHours(chat: chat, email: email, message: message, tenant: tenant, id: ids.id(), now: now, events: &events)
        }
    }

    public func pickUp(_ handoffID: HandoffID, by agentID: AgentID) async throws(HandoffError) -> Handoff {
        let tenant = try await requireTenant(ofAgent: agentID)
        return try await command(tenant, touching: Touch(agents: [agentID], handoffs: [handoffID])) { core, _, now, events throws(HandoffError) in
            try core.pickUp(handoffID, by: agentID, now: now, events: &events)
        }
    }

    public func assign(_ handoffID: HandoffID, to agentID: AgentID, by caller: HandoffCore.Caller) async throws(HandoffError) -> Handoff {
        let tenant = try await requireTenant(ofAgent: agentID)
        return try await command(tenant, caller: caller, touching: Touch(agents: [agentID], handoffs: [handoffID])) {
            core, _, now, events throws(HandoffError) in
            try core.assign(handoffID, to: agentID, by: caller, now: now, events: &events)
        }
    }

    public func resolve(_ handoffID: HandoffID, by agentID: AgentID) async throws(HandoffError) -> Handoff {
        let tenant = try await requireTenant(ofAgent: agentID)
        return try await command(tenant, touching: Touch(agents: [agentID], handoffs: [handoffID])) { core, _, now, events throws(HandoffError) in
            try core.resolve(handoffID, by: agentID, now: now, events: &events)
        }
    }

    public func endChat(chat: ChatID, handoff: HandoffID?, tenant: TenantID) async throws(HandoffError) -> EndChatOutcome {
        try await command(
            tenant, touching: Touch(handoffs: handoff.map { [$0] } ?? []),
            touchedBy: { outcome in
                switch outcome {
                case .resolved(let h), .withdrawn(let h), .deferred(let h, _): Touch(handoffs: [h.id])
                case .nothingOpen: Touch()
                }
            }
        ) { core, ids, now, events throws(HandoffError) in
            try core.endChat(chat: chat, handoff: handoff, tenant: tenant, systemMessageID: ids.id(), now: now, events: &events)
        }
    }

    public func postUserMessage(_ content: String, handoff: HandoffID, tenant: TenantID) async throws(HandoffError) -> Message {
        try await command(tenant, touching: Touch(handoffs: [handoff])) { core, ids, now, events throws(HandoffError) in
            try core.postUserMessage(content, handoff: handoff, tenant: tenant, id: ids.id(), now: now, events: &events)
        }
    }

    public func postAgentMessage(_ content: String, handoff: HandoffID, by agentID: AgentID) async throws(HandoffError) -> Message {
        let tenant = try await requireTenant(ofAgent: agentID)
        return try await command(tenant, touching: Touch(agents: [agentID], handoffs: [handoff])) { core, ids, now, events throws(HandoffError) in
            try core.postAgentMessage(content, handoff: handoff, by: agentID, id: ids.id(), now: now, events: &events)
        }
    }

    // MARK: The scripted assistant

    public func converse(_ message: String, chat: ChatID?, tenant: TenantID) async throws(HandoffError) -> AssistantTurn {
        try await command(tenant, touching: Touch(chats: chat.map { [$0] } ?? []), touchedBy: { Touch(chats: [$0.chatID]) }) {
            core, ids, now, _ throws(HandoffError) in
            try core.converse(message, chat: chat, tenant: tenant, newChat: ChatID("chat_" + ids.bytes(16).hexString), now: now) { ids.id() }
        }
    }

    public func chatHistory(chat: ChatID, handoff: HandoffID?, tenant: TenantID) async throws(HandoffError) -> ChatHistory {
        try await command(tenant, mode: .read) { core, _, _, _ throws(HandoffError) in try core.chatHistory(chat: chat, handoff: handoff, tenant: tenant) }
    }

    // MARK: Queries

    public func tenant(_ id: TenantID) async -> Tenant? { try? await lookUpTenant(id) }
    public func user(_ id: UserID) async -> User? { try? await lookUpUser(id) }
    public func session(_ id: UserID) async -> AccountSession? { try? await lookUpSession(id) }

    public func lookUpTenant(_ id: TenantID) async throws(HandoffError) -> Tenant? {
        do {
            return try await read(id) { core in core.tenant(id) }
        } catch where error.code == .tenantNotFound {
            return nil
        }
    }

    public func lookUpUser(_ id: UserID) async throws(HandoffError) -> User? {
        guard let tenant = try await tenant(ofUser: id) else { return nil }
        guard let tenant else { return try await staffCore().user(id) }
        return try await read(tenant) { core in core.user(id) }
    }

    public func lookUpSession(_ id: UserID) async throws(HandoffError) -> AccountSession? {
        guard let tenant = try await tenant(ofUser: id) else { return nil }
        guard let tenant else { return try await staffCore().session(id) }
        return try await read(tenant) { core in core.session(id) }
    }

    public func widgetStatus(_ handoffID: HandoffID, tenant: TenantID) async throws(HandoffError) -> WidgetStatus {
        try await command(tenant, mode: .read) { core, _, _, _ throws(HandoffError) in try core.widgetStatus(handoffID, tenant: tenant) }
    }

    public func widgetMessages(handoff: HandoffID, tenant: TenantID, since: Timestamp?) async throws(HandoffError) -> [Message] {
        try await command(tenant, mode: .read) { core, _, _, _ throws(HandoffError) in try core.widgetMessages(handoff: handoff, tenant: tenant, since: since) }
    }

    public func agent(_ id: AgentID, tenant: TenantID) async throws(HandoffError) -> Agent {
        try await read(tenant) { core throws(HandoffError) in try core.agent(id, tenant: tenant) }
    }

    public func agents(tenant: TenantID) async throws(HandoffError) -> [Agent] {
        try await read(tenant) { core throws(HandoffError) in try core.agents(tenant: tenant) }
    }

    public func availableAgents(tenant: TenantID) async throws(HandoffError) -> [Agent] {
        try await read(tenant) { core throws(HandoffError) in try core.availableAgents(tenant: tenant) }
    }

    public func handoff(_ id: HandoffID, tenant: TenantID) async throws(HandoffError) -> Handoff {
        try await read(tenant) { core throws(HandoffError) in try core.handoff(id, tenant: tenant) }
    }

    public func pendingHandoffs(tenant: TenantID) async throws(HandoffError) -> [Handoff] {
        try await read(tenant) { core throws(HandoffError) in try core.pendingHandoffs(tenant: tenant) }
    }

    public func activeHandoffs(tenant: TenantID) async throws(HandoffError) -> [Handoff] {
        try await read(tenant) { core throws(HandoffError) in try core.activeHandoffs(tenant: tenant) }
    }

    public func handoffs(tenant: TenantID, limit: Int, before: Timestamp?) async throws(HandoffError) -> [Handoff] {
        try await read(tenant) { core throws(HandoffError) in try core.handoffs(tenant: tenant, limit: limit, before: before) }
    }

    public func history(tenant: TenantID, limit: Int, before: Timestamp?) async throws(HandoffError) -> [Handoff] {
        try await read(tenant) { core throws(HandoffError) in try core.history(tenant: tenant, limit: limit, before: before) }
    }

    public func messages(handoff: HandoffID, tenant: TenantID, since: Timestamp?) async throws(HandoffError) -> [Message] {
        try await read(tenant) { core throws(HandoffError) in try core.messages(handoff: handoff, tenant: tenant, since: since) }
    }

    public func metrics(tenant: TenantID) async throws(HandoffError) -> TenantMetrics {
        let now = configuration.clock.now()
        return try await read(tenant) { core throws(HandoffError) in try core.metrics(tenant: tenant, now: now) }
    }

    /// Counted by the database over every tenant (a count of states, no rule).
    public func queueTotals() async -> QueueTotals {
        let counts = try? await database("queue totals") { [client, logger] in
            try await client.query(
                "SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FILTER (WHERE status = 'active') FROM widget_handoffs",
                logger: logger
            ).decode((Int64, Int64).self).first { _ in true }
        }
        guard let counts else { return QueueTotals() }
        return QueueTotals(pending: Int(counts.0), active: Int(counts.1))
    }

    /// The engine's invariants over every stored tenant, each rebuilt from its rows.
    public func invariantViolations() async -> [String] {
        guard
            let tenants = try? await database("list tenants", { [client, logger] in
                var out: [String] = []
                for try await id in try await client.query("SELECT id::text FROM tenants ORDER BY id", logger: logger).decode(String.self) {
                    out.append(id)
                }
                return out
            })
        else { return ["the database could not be read"] }
        var violations: [String] = []
        for case let tenant? in tenants.map({ TenantID($0) }) {
            do {
                violations += try await withFreshCore(partition(tenant)) { p in p.core!.invariantViolations() }
            } catch {
                violations.append("tenant \(tenant): cannot be loaded (\(error))")
            }
        }
        return violations
    }

    public func subscribe() -> AsyncStream<PublishedEvent> { fanout.subscribe() }

    // MARK: For tests and operators

    /// The tenant as this process's cache holds it, and as freshly rebuilt from the rows: equal
    /// unless a write was lost (the test of the store's write-back).
    public func cachedAndStored(tenant: TenantID) async throws(HandoffError) -> (cached: HandoffCore.StoredTenant?, stored: HandoffCore.StoredTenant?) {
        let partition = partition(tenant)
        return try await withFreshCore(partition) { p throws(HandoffError) in
            let cached = p.core?.stored(tenant: tenant)
            try await reload(p)
            return (cached, p.core?.stored(tenant: tenant))
        }
    }

    var allPartitions: [Partition] { partitionsSnapshot() }
}
