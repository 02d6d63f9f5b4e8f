/// The handoff engine made concurrent: every command of ``HandoffCore``, safe to call from any
/// task, with ids, salts and the time supplied by the store, and the events of each command
/// published to subscribers in the order the commands took effect.
///
/// Implementations: ``MemoryHandoffStore`` (the embedded default) and the PostgreSQL store
/// (`HandoffPostgres`). Every implementation must keep the core's guarantees under concurrency: two
/// concurrent callers never both win a pick-up, and no interleaving may break
/// ``HandoffCore/invariantViolations()``. Every implementation must pass the conformance suite
/// in `HandoffTestSupport` (`StoreConformance.checks`).
public protocol HandoffStore: Sendable {
    // MARK: Directory
    func addTenant(_ tenant: Tenant) async throws(HandoffError)
    /// Reactivating an automatically routed tenant assigns what its agents can take (events published).
    func setTenantStatus(_ id: TenantID, _ status: Tenant.Status) async throws(HandoffError)
    /// ``HandoffCore/setRouting(_:tenant:by:now:events:)``: `manual` or an automatic policy (the
    /// system, platform staff or the tenant's `client_admin`); switching to an automatic policy
    /// drains the queue at once, publishing the pick-up events. Returns the tenant as it now is.
    func setRouting(_ routing: Tenant.Routing, tenant: TenantID, by caller: HandoffCore.Caller) async throws(HandoffError) -> Tenant
    /// ``HandoffCore/routing(tenant:by:)``: the tenant's routing, for the same callers.
    func routing(tenant: TenantID, by caller: HandoffCore.Caller) async throws(HandoffError) -> Tenant.Routing
    /// Creates a login account; the store salts and digests the password.
    func addUser(_ user: NewUser) async throws(HandoffError) -> User
    func addAgent(_ agent: NewAgent, by caller: HandoffCore.Caller) async throws(HandoffError) -> Agent
    func setMaxChats(_ agentID: AgentID, to maxChats: Int, by caller: HandoffCore.Caller) async throws(HandoffError) -> Agent
    /// Stores a key the caller chose (fixtures with known keys).
    func registerAPIKey(_ rawKey: String, tenant: TenantID, name: String, expiresAt: Timestamp?) async throws(HandoffError) -> APIKey
    /// Makes a new random key; the raw key is returned once and never stored.
    func issueAPIKey(tenant: TenantID, name: String, expiresAt: Timestamp?) async throws(HandoffError) -> (rawKey: String, key: APIKey)
    func authenticateWidget(apiKey: String, referrer: String?) async throws(HandoffError) -> TenantID
    /// ``authenticateWidget(apiKey:referrer:)``, and whether the tenant admits `origin`.
    func widgetAccess(apiKey: String, referrer: String?, origin: String?) async throws(HandoffError) -> WidgetAccess
    func login(email: String, password: String) async throws(HandoffError) -> User
    func logout(_ userID: UserID) async throws(HandoffError)
    func agentID(forUser userID: UserID) async throws(HandoffError) -> AgentID

    // MARK: Presence
    func setAgentStatus(_ agentID: AgentID, to status: AgentStatus, by caller: HandoffCore.Caller) async throws(HandoffError) -> Agent
    func heartbeat(_ agentID: AgentID) async throws(HandoffError) -> Agent
    @discardableResult func sweep() async -> [AgentID]

    // MARK: Handoffs
    func requestHandoff(_ request: HandoffRequest, tenant: TenantID) async throws(HandoffError) -> RequestOutcome
    func submitAfterHours(chat: ChatID, email: String, message: String?, tenant: TenantID) async throws(HandoffError) -> Handoff
    func pickUp(_ handoffID: HandoffID, by agentID: AgentID) async throws(HandoffError) -> Handoff
    func assign(_ handoffID: HandoffID, to agentID: AgentID, by caller: HandoffCore.Caller) async throws(HandoffError) -> Handoff
    func resolve(_ handoffID: HandoffID, by agentID: AgentID) async throws(HandoffError) -> Handoff
    func endChat(chat: ChatID, handoff: HandoffID?, tenant: TenantID) async throws(HandoffError) -> EndChatOutcome
    func postUserMessage(_ content: String, handoff: HandoffID, tenant: TenantID) async throws(HandoffError) -> Message
    func postAgentMessage(_ content: String, handoff: HandoffID, by agentID: AgentID) async throws(HandoffError) -> Message

    // MARK: The scripted assistant
    /// ``HandoffCore/converse(_:chat:tenant:newChat:now:newID:)``; the store makes the new chat's id.
    func converse(_ message: String, chat: ChatID?, tenant: TenantID) async throws(HandoffError) -> AssistantTurn
    func chatHistory(chat: ChatID, handoff: HandoffID?, tenant: TenantID) async throws(HandoffError) -> ChatHistory

    // MARK: Queries
    func tenant(_ id: TenantID) async -> Tenant?
    func user(_ id: UserID) async -> User?
    /// ``HandoffCore/widgetStatus(_:tenant:)``: the status poll in one call.
    func widgetStatus(_ handoffID: HandoffID, tenant: TenantID) async throws(HandoffError) -> WidgetStatus
    /// ``HandoffCore/widgetMessages(handoff:tenant:since:)``: the widget's message poll.
    func widgetMessages(handoff: HandoffID, tenant: TenantID, since: Timestamp?) async throws(HandoffError) -> [Message]
    /// ``HandoffCore/session(_:)``.
    func session(_ id: UserID) async -> AccountSession?
    func agent(_ id: AgentID, tenant: TenantID) async throws(HandoffError) -> Agent
    func agents(tenant: TenantID) async throws(HandoffError) -> [Agent]
    func availableAgents(tenant: TenantID) async throws(HandoffError) -> [Agent]
    func handoff(_ id: HandoffID, tenant: TenantID) async throws(HandoffError) -> Handoff
    func pendingHandoffs(tenant: TenantID) async throws(HandoffError) -> [Handoff]
    func activeHandoffs(tenant: TenantID) async throws(HandoffError) -> [Handoff]
    func handoffs(tenant: TenantID, limit: Int, before: Timestamp?) async throws(HandoffError) -> [Handoff]
    func history(tenant: TenantID, limit: Int, before: Timestamp?) async throws(HandoffError) -> [Handoff]
    func messages(handoff: HandoffID, tenant: TenantID, since: Timestamp?) async throws(HandoffError) -> [Message]
    func metrics(tenant: TenantID) async throws(HandoffError) -> TenantMetrics
    /// Pending and active handoffs over every tenant.
    func queueTotals() async -> QueueTotals
    /// ``HandoffCore/invariantViolations()`` of the stored state: empty when sound.
    func invariantViolations() async -> [String]

    /// ``tenant(_:)``, ``user(_:)`` and ``session(_:)`` that tell "no such record" (`nil`) from
    /// "the store cannot answer now" (``HandoffError/unavailable``: a database store whose
    /// database is down). The defaults call the plain ones, which never fail.
    func lookUpTenant(_ id: TenantID) async throws(HandoffError) -> Tenant?
    func lookUpUser(_ id: UserID) async throws(HandoffError) -> User?
    func lookUpSession(_ id: UserID) async throws(HandoffError) -> AccountSession?

    // MARK: Events
    /// A new subscription to every event from now on, in order, each numbered in its tenant's
    /// sequence (``PublishedEvent``).
    func subscribe() -> AsyncStream<PublishedEvent>
}

extension HandoffStore {
    public func lookUpTenant(_ id: TenantID) async throws(HandoffError) -> Tenant? { await tenant(id) }
    public func lookUpUser(_ id: UserID) async throws(HandoffError) -> User? { await user(id) }
    public func lookUpSession(_ id: UserID) async throws(HandoffError) -> AccountSession? { await session(id) }
}

/// A login account to create; the store digests the password.
public struct NewUser: Hashable, Sendable {
    public var id: UserID?
    public var tenantID: TenantID?
    public var email: String
    public var password: String
    public var firstName: String
    public var lastName: String
    public var role: Role
    /// PBKDF2 rounds for this password; `nil` (default) takes the store's, which is
    /// ``PasswordHash/recommendedIterations`` unless configured lower (tests, fixtures).
    public var passwordIterations: Int?

    public init(
        id: UserID? = nil, tenantID: TenantID?, email: String, password: String, firstName: String, lastName: String, role: Role,
        passwordIterations: Int? = nil
    ) {
        self.id = id
        self.tenantID = tenantID
        self.email = email
        self.password = password
        self.firstName = firstName
        self.lastName = lastName
        self.role = role
        self.passwordIterations = passwordIterations
    }
}
