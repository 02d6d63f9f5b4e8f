import Synchronization

/// The embedded default store: one ``HandoffCore`` behind a mutex.
///
/// Callers never suspend while holding it (the core's commands are synchronous and short), so
/// a lock is cheaper and fairer than an actor here, and concurrent pick-ups really race: they
/// are serialised only by the mutex, and the core's rules decide the single winner. Each
/// command reads the clock inside the lock, so stored times follow the order of effect.
///
/// Events are published while the lock is held, so every subscriber sees them in exactly the
/// order the commands took effect. Each subscription buffers without bound (a subscriber that
/// stops reading keeps its backlog in memory — cancel the iteration to unsubscribe); commands
/// never wait for subscribers.
public final class MemoryHandoffStore: HandoffStore {
    /// Store settings.
    public struct Configuration: Sendable {
        /// The engine's rules. Default: ``HandoffCore/Configuration/init(inactivityTimeout:retainsClosedHandoffs:defaultMaxChats:maxMessageLength:metricsWindow:admission:)``.
        public var core: HandoffCore.Configuration
        /// Where "now" comes from. Default: the system clock.
        public var clock: any WallClock
        /// Seed for ids, salts and generated keys; `nil` (default) uses system randomness.
        public var seed: UInt64?
        /// PBKDF2 rounds for new passwords that do not name their own
        /// (``NewUser/passwordIterations``). Default ``PasswordHash/recommendedIterations``.
        public var passwordIterations: Int
        /// Where password hashing and verification run. Default: inline, on the caller's
        /// thread; the server passes a thread pool so logins never hold a cooperative thread.
        public var passwordWork: any BlockingWork

        public init(
            core: HandoffCore.Configuration = .init(), clock: any WallClock = SystemWallClock(), seed: UInt64? = nil,
            passwordIterations: Int = PasswordHash.recommendedIterations, passwordWork: any BlockingWork = InlineWork()
        ) {
            self.core = core
            self.clock = clock
            self.seed = seed
            self.passwordIterations = passwordIterations
            self.passwordWork = passwordWork
        }
    }

    private struct State: ~Copyable {
        var core: HandoffCore
        var ids: IdentifierGenerator
        var subscribers: [Int: AsyncStream<PublishedEvent>.Continuation] = [:]
        var nextSubscriber = 0
    }

    private let state: Mutex<State>
    private let clock: any WallClock
    private let passwordIterations: Int
    private let passwordWork: any BlockingWork

    public init(configuration: Configuration = Configuration()) {
        state = Mutex(State(core: HandoffCore(configuration: configuration.core), ids: IdentifierGenerator(seed: configuration.seed)))
        clock = configuration.clock
        passwordIterations = configuration.passwordIterations
        passwordWork = configuration.passwordWork
    }

    /// Runs one command on the core under the lock and publishes what it caused.
    private func command<T, Failure: Error>(
        _ body: (inout HandoffCore, inout IdentifierGenerator, Timestamp, inout [HandoffEvent]) throws(Failure) -> T
    ) throws(Failure) -> T {
        try state.withLock { (state: inout State) throws(Failure) -> T in
            var events: [HandoffEvent] = []
            let result = try body(&state.core, &state.ids, clock.now(), &events)
            for event in events {
                let published = state.core.publish(event)
                for continuation in state.subscribers.values { continuation.yield(published) }
            }
            return result
        }
    }

    private func read<T>(_ body: (borrowing HandoffCore) throws(HandoffError) -> T) throws(HandoffError) -> T {
        try state.withLock { (state: inout State) throws(HandoffError) -> T in try body(state.core) }
    }

    /// A synchronous look at the core (tests and the in-process driver's checks).
    public func withCore<T>(_ body: (HandoffCore) -> T) -> T {
        state.withLock { body($0.core) }
    }

    public func subscribe() -> AsyncStream<PublishedEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: PublishedEvent.self, bufferingPolicy: .unbounded)
        let key = state.withLock { state in
            let key = state.nextSubscriber
            state.nextSubscriber += 1
            state.subscribers[key] = continuation
            return key
        }
        continuation.onTermination = { [weak self] _ in
            self?.state.withLock { _ = $0.subscribers.removeValue(forKey: key) }
        }
        return stream
    }

    // MARK: Directory

    public func addTenant(_ tenant: Tenant) throws(HandoffError) {
        try command { core, _, _, _ throws(HandoffError) in try core.addTenant(tenant) }
    }

    public func setTenantStatus(_ id: TenantID, _ status: Tenant.Status) throws(HandoffError) {
        try command { core, _, now, events throws(HandoffError) in try core.setTenantStatus(id, status, now: now, events: &events) }
    }

    public func setRouting(_ routing: Tenant.Routing, tenant: TenantID, by caller: HandoffCore.Caller) throws(HandoffError) -> Tenant {
        try command { core, _, now, events throws(HandoffError) in try core.setRouting(routing, tenant: tenant, by: caller, now: now, events: &events) }
    }

    public func routing(tenant: TenantID, by caller: HandoffCore.Caller) throws(HandoffError) -> Tenant.Routing {
        try read { core throws(HandoffError) in try core.routing(tenant: tenant, by: caller) }
    }

    /// The password is hashed outside the lock, on ``Configuration/passwordWork`` (PBKDF2 is
    /// slow by design), between drawing the id and salt and storing the account.
    public func addUser(_ user: NewUser) async throws(HandoffError) -> User {
        let iterations = user.passwordIterations ?? passwordIterations
        guard iterations >= 1 else { throw .invalid("passwordIterations", "Password hashing needs at least 1 iteration") }
        let (id, salt) = state.withLock { state in (user.id ?? state.ids.id(), state.ids.bytes(16)) }
        let password = user.password
        guard let hash = await passwordWork.run({ PasswordHash(password: password, salt: salt, iterations: iterations) }) else {
            throw .unavailable
        }
        let stored = User(
            id: id, tenantID: user.tenantID, email: user.email, passwordHash: hash,
            firstName: user.firstName, lastName: user.lastName, role: user.role)
        return try command { core, _, _, _ throws(HandoffError) in
            try core.addUser(stored)
            return core.user(stored.id)!
        }
    }

    public func addAgent(_ agent: NewAgent, by caller: HandoffCore.Caller) throws(HandoffError) -> Agent {
        try command { core, _, now, events throws(HandoffError) in try core.addAgent(agent, by: caller, now: now, events: &events) }
    }

    public func setMaxChats(_ agentID: AgentID, to maxChats: Int, by caller: HandoffCore.Caller) throws(HandoffError) -> Agent {
        try command { core, _, now, events throws(HandoffError) in try core.setMaxChats(agentID, to: maxChats, by: caller, now: now, events: &events) }
    }

    public func registerAPIKey(_ rawKey: String, tenant: TenantID, name: String, expiresAt: Timestamp?) throws(HandoffError) -> APIKey {
        try command { core, ids, now, _ throws(HandoffError) in
            try core.registerAPIKey(rawKey, id: ids.id(), tenant: tenant, name: name, expiresAt: expiresAt, now: now)
        }
    }

    public func issueAPIKey(tenant: TenantID, name: String, expiresAt: Timestamp?) throws(HandoffError) -> (rawKey: String, key: APIKey) {
        try command { core, ids, now, _ throws(HandoffError) in
            let raw = APIKey.rawKey(fromRandomBytes: ids.bytes(32))
            return (raw, try core.registerAPIKey(raw, id: ids.id(), tenant: tenant, name: name, expiresAt: expiresAt, now: now))
        }
    }

    /// The key is digested before the lock is taken; only the lookup runs under it.
    public func authenticateWidget(apiKey: String, referrer: String?) throws(HandoffError) -> TenantID {
        let widgetKey = WidgetKey(apiKey)
        return try command { core, _, now, _ throws(HandoffError) in try core.authenticateWidget(widgetKey, referrer: referrer, now: now) }
    }

    public func widgetAccess(apiKey: String, referrer: String?, origin: String?) throws(HandoffError) -> WidgetAccess {
        let widgetKey = WidgetKey(apiKey)
        return try command { core, _, now, _ throws(HandoffError) in
            try core.authenticateWidget(widgetKey, referrer: referrer, origin: origin, now: now)
        }
    }

    /// The password is verified outside the lock, on ``Configuration/passwordWork`` (PBKDF2
    /// is slow by design; nothing else should wait for it); the login then takes effect only
    /// if the account is unchanged.
    public func login(email: String, password: String) async throws(HandoffError) -> User {
        let challenge = withCore { $0.loginChallenge(email: email) }
        guard let matches = await passwordWork.run({ challenge.passwordHash.verify(password) }) else { throw .unavailable }
        return try command { core, _, now, events throws(HandoffError) in
            try core.completeLogin(challenge, passwordMatches: matches, now: now, events: &events)
        }
    }

    public func logout(_ userID: UserID) throws(HandoffError) {
        try command { core, _, now, events throws(HandoffError) in try core.logout(userID, now: now, events: &events) }
    }

    public func agentID(forUser userID: UserID) throws(HandoffError) -> AgentID {
        try read { core throws(HandoffError) in try core.agentID(forUser: userID) }
    }

    // MARK: Presence

    public func setAgentStatus(_ agentID: AgentID, to status: AgentStatus, by caller: HandoffCore.Caller) throws(HandoffError) -> Agent {
        try command { core, _, now, events throws(HandoffError) in
            try core.setAgentStatus(agentID, to: status, by: caller, now: now, events: &events)
        }
    }

    public func heartbeat(_ agentID: AgentID) throws(HandoffError) -> Agent {
        try command { core, _, now, events throws(HandoffError) in try core.heartbeat(agentID, now: now, events: &events) }
    }

    @discardableResult
    public func sweep() -> [AgentID] {
        command { core, _, now, events in core.sweep(now: now, events: &events) }
    }

    // MARK: Handoffs

    public func requestHandoff(_ request: HandoffRequest, tenant: TenantID) throws(HandoffError) -> RequestOutcome {
        try command { core, ids, now, events throws(HandoffError) in
            try core.requestHandoff(request, tenant: tenant, id: ids.id(), now: now, events: &events)
        }
    }

    public func submitAfterHours(chat: ChatID, email: String, message: String?, tenant: TenantID) throws(HandoffError) -> Handoff {
        try command { core, ids, now, events throws(HandoffError) in
            try core.submitAfterHours(chat: chat, email: email, message: message, tenant: tenant, id: ids.id(), now: now, events: &events)
        }
    }

    public func pickUp(_ handoffID: HandoffID, by agentID: AgentID) throws(HandoffError) -> Handoff {
        try command { core, _, now, events throws(HandoffError) in try core.pickUp(handoffID, by: agentID, now: now, events: &events) }
    }

    public func assign(_ handoffID: HandoffID, to agentID: AgentID, by caller: HandoffCore.Caller) throws(HandoffError) -> Handoff {
        try command { core, _, now, events throws(HandoffError) in
            try core.assign(handoffID, to: agentID, by: caller, now: now, events: &events)
        }
    }

    public func resolve(_ handoffID: HandoffID, by agentID: AgentID) throws(HandoffError) -> Handoff {
        try command { core, _, now, events throws(HandoffError) in try core.resolve(handoffID, by: agentID, now: now, events: &events) }
    }

    public func endChat(chat: ChatID, handoff: HandoffID?, tenant: TenantID) throws(HandoffError) -> EndChatOutcome {
        try command { core, ids, now, events throws(HandoffError) in
            try core.endChat(chat: chat, handoff: handoff, tenant: tenant, systemMessageID: ids.id(), now: now, events: &events)
        }
    }

    public func postUserMessage(_ content: String, handoff: HandoffID, tenant: TenantID) throws(HandoffError) -> Message {
        try command { core, ids, now, events throws(HandoffError) in
            try core.postUserMessage(content, handoff: handoff, tenant: tenant, id: ids.id(), now: now, events: &events)
        }
    }

    public func postAgentMessage(_ content: String, handoff: HandoffID, by agentID: AgentID) throws(HandoffError) -> Message {
        try command { core, ids, now, events throws(HandoffError) in
            try core.postAgentMessage(content, handoff: handoff, by: agentID, id: ids.id(), now: now, events: &events)
        }
    }

    // MARK: Queries

    public func tenant(_ id: TenantID) -> Tenant? { withCore { $0.tenant(id) } }
    public func user(_ id: UserID) -> User? { withCore { $0.user(id) } }

    public func session(_ id: UserID) -> AccountSession? { withCore { $0.session(id) } }

    public func widgetStatus(_ handoffID: HandoffID, tenant: TenantID) throws(HandoffError) -> WidgetStatus {
        try command { core, _, _, _ throws(HandoffError) in try core.widgetStatus(handoffID, tenant: tenant) }
    }

    public func widgetMessages(handoff: HandoffID, tenant: TenantID, since: Timestamp?) throws(HandoffError) -> [Message] {
        try command { core, _, _, _ throws(HandoffError) in try core.widgetMessages(handoff: handoff, tenant: tenant, since: since) }
    }

    public func agent(_ id: AgentID, tenant: TenantID) throws(HandoffError) -> Agent {
        try read { core throws(HandoffError) in try core.agent(id, tenant: tenant) }
    }

    public func agents(tenant: TenantID) throws(HandoffError) -> [Agent] {
        try read { core throws(HandoffError) in try core.agents(tenant: tenant) }
    }

    public func availableAgents(tenant: TenantID) throws(HandoffError) -> [Agent] {
        try read { core throws(HandoffError) in try core.availableAgents(tenant: tenant) }
    }

    public func handoff(_ id: HandoffID, tenant: TenantID) throws(HandoffError) -> Handoff {
        try read { core throws(HandoffError) in try core.handoff(id, tenant: tenant) }
    }

    public func pendingHandoffs(tenant: TenantID) throws(HandoffError) -> [Handoff] {
        try read { core throws(HandoffError) in try core.pendingHandoffs(tenant: tenant) }
    }

    public func activeHandoffs(tenant: TenantID) throws(HandoffError) -> [Handoff] {
        try read { core throws(HandoffError) in try core.activeHandoffs(tenant: tenant) }
    }

    public func handoffs(tenant: TenantID, limit: Int, before: Timestamp?) throws(HandoffError) -> [Handoff] {
        try read { core throws(HandoffError) in try core.handoffs(tenant: tenant, limit: limit, before: before) }
    }

    public func history(tenant: TenantID, limit: Int, before: Timestamp?) throws(HandoffError) -> [Handoff] {
        try read { core throws(HandoffError) in try core.history(tenant: tenant, limit: limit, before: before) }
    }

    /// New chats are `chat_` and 32 hex digits from the store's generator (seeded runs repeat them).
    public func converse(_ message: String, chat: ChatID?, tenant: TenantID) throws(HandoffError) -> AssistantTurn {
        try command { core, ids, now, _ throws(HandoffError) in
            try core.converse(message, chat: chat, tenant: tenant, newChat: ChatID("chat_" + ids.bytes(16).hexString), now: now) { ids.id() }
        }
    }

    public func chatHistory(chat: ChatID, handoff: HandoffID?, tenant: TenantID) throws(HandoffError) -> ChatHistory {
        try command { core, _, _, _ throws(HandoffError) in try core.chatHistory(chat: chat, handoff: handoff, tenant: tenant) }
    }

    public func messages(handoff: HandoffID, tenant: TenantID, since: Timestamp?) throws(HandoffError) -> [Message] {
        try read { core throws(HandoffError) in try core.messages(handoff: handoff, tenant: tenant, since: since) }
    }

    public func metrics(tenant: TenantID) throws(HandoffError) -> TenantMetrics {
        let now = clock.now()
        return try read { core throws(HandoffError) in try core.metrics(tenant: tenant, now: now) }
    }

    public func queueTotals() -> QueueTotals { withCore { $0.queueTotals } }

    public func invariantViolations() -> [String] { withCore { $0.invariantViolations() } }
}
