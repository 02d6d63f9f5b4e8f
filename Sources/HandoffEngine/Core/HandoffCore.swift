import DequeModule

/// The handoff engine: every rule of the domain, once, in a pure value type.
///
/// Each command takes `now`, validates, mutates, reports the events it caused into `events`, and
/// returns its result or throws a ``HandoffError``. There is no clock, I/O, lock or randomness
/// inside: identifiers, salts and the time are handed in. Stores wrap one core to make it
/// concurrent (``MemoryHandoffStore``); the capacity simulator drives one synchronously.
///
/// ```swift
/// var core = HandoffCore()
/// var events: [HandoffEvent] = []
/// try core.addTenant(Tenant(id: tenant, name: "Acme"))
/// let agent = try core.addAgent(NewAgent(id: a, tenantID: tenant, name: "Ann", email: "ann@acme.test"),
///                               by: .system, now: now, events: &events)
/// let outcome = try core.requestHandoff(HandoffRequest(chatID: "chat-1"), tenant: tenant, id: h, now: now, events: &events)
/// let picked = try core.pickUp(h, by: a, now: now, events: &events)
/// ```
///
/// Internally records live in dense arrays addressed by slot; dictionaries map public ids to
/// slots, and each tenant threads its pending queue and active list through the records, so
/// every command is O(1) amortised (O(log n) for time-ordered lookups) in the number of
/// handoffs. With ``Configuration/retainsClosedHandoffs`` off, a closed handoff's slot is
/// reused at once and memory stays proportional to the open handoffs.
public struct HandoffCore: Sendable {
    /// Engine settings.
    public struct Configuration: Sendable {
        /// An agent not seen (login, heartbeat, any agent command) for this long is marked
        /// `offline` by ``HandoffCore/sweep(now:events:)``. Default 120 s.
        public var inactivityTimeout: Duration
        /// Keep resolved, abandoned and after-hours handoffs and their messages for history and
        /// queries. Default `true`; the capacity simulator turns it off to run in constant memory.
        public var retainsClosedHandoffs: Bool
        /// `maxChats` of an agent created without one. Default 5.
        public var defaultMaxChats: Int
        /// Longest accepted message, in characters. Default 10 000.
        public var maxMessageLength: Int
        /// The window of ``TenantMetrics/requestsInWindow``. Default 24 h.
        public var metricsWindow: Duration

        public init(
            inactivityTimeout: Duration = .seconds(120), retainsClosedHandoffs: Bool = true, defaultMaxChats: Int = 5,
            maxMessageLength: Int = 10_000, metricsWindow: Duration = .seconds(86_400)
        ) {
            self.inactivityTimeout = inactivityTimeout
            self.retainsClosedHandoffs = retainsClosedHandoffs
            self.defaultMaxChats = defaultMaxChats
            self.maxMessageLength = maxMessageLength
            self.metricsWindow = metricsWindow
        }
    }

    /// Who issues a command that needs permission. Widgets are identified by their tenant
    /// instead (the API key decides it).
    public enum Caller: Hashable, Sendable {
        /// The platform itself: fixtures, the inactivity sweep, the simulator.
        case system
        /// A logged-in account.
        case user(UserID)
    }

    // MARK: Records

    struct TenantRecord: Sendable {
        var tenant: Tenant
        var pending = IntrusiveList()
        var active = IntrusiveList()
        /// Agent slots of this tenant, in creation order.
        var agents: [Int] = []
        /// How many of `agents` can take a handoff now (``Agent/canTakeHandoff``).
        var eligibleAgents = 0
        /// Retained handoff slots in creation order (requestedAt is non-decreasing).
        var created: [Int] = []
        /// Retained closed handoff slots in closing order.
        var closed: [Int] = []
        var metrics = MetricsState()
    }

    struct AgentRecord: Sendable {
        var agent: Agent
        var tenant: Int
        var linkedUser: UserID?
        /// The status the inactivity sweep took away, restored by the next heartbeat.
        var statusBeforeSweep: AgentStatus?
        var chatsTaken = 0
        var chatsCompleted = 0
        var chatMilliseconds: Int64 = 0
    }

    struct HandoffRecord: Sendable {
        var handoff: Handoff
        var tenant: Int
        var agent: Int
        var inUse: Bool
        var previous: Int
        var next: Int
        var messages: [Message]
    }

    struct ChatKey: Hashable, Sendable {
        var tenant: Int
        var chat: ChatID
    }

    struct EmailKey: Hashable, Sendable {
        var tenant: Int
        var email: String
    }

    public let configuration: Configuration
    var tenants: [TenantRecord] = []
    var tenantSlots: [TenantID: Int] = [:]
    var users: [UserID: User] = [:]
    var userByEmail: [String: UserID] = [:]
    var agents: [AgentRecord] = []
    var agentSlots: [AgentID: Int] = [:]
    var agentByEmail: [EmailKey: Int] = [:]
    var apiKeys: [APIKeyID: APIKey] = [:]
    var apiKeysByPrefix: [String: [APIKeyID]] = [:]
    var handoffs: [HandoffRecord] = []
    var handoffSlots: [HandoffID: Int] = [:]
    var freeSlots: [Int] = []
    /// The newest handoff of each chat, while it is retained (open, or closed in retaining mode).
    var chats: [ChatKey: Int] = [:]
    /// The latest `now` seen: records are stamped with at least this, so stored times never go
    /// backwards even when concurrent callers read the clock slightly out of order.
    var latest = Timestamp.epoch

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
    }

    // MARK: Shared helpers (every command goes through these)

    mutating func stamp(_ now: Timestamp) -> Timestamp {
        if now > latest { latest = now }
        return latest
    }

    func tenantSlot(_ id: TenantID) throws(HandoffError) -> Int {
        guard let slot = tenantSlots[id] else { throw .tenantNotFound }
        return slot
    }

    func activeTenantSlot(_ id: TenantID) throws(HandoffError) -> Int {
        let slot = try tenantSlot(id)
        guard tenants[slot].tenant.status == .active else { throw .tenantSuspended }
        return slot
    }

    func agentSlot(_ id: AgentID) throws(HandoffError) -> Int {
        guard let slot = agentSlots[id] else { throw .agentNotFound }
        return slot
    }

    /// The slot of a handoff as seen from `tenant`: another tenant's handoff does not exist.
    func handoffSlot(_ id: HandoffID, tenant: Int) throws(HandoffError) -> Int {
        guard let slot = handoffSlots[id], handoffs[slot].tenant == tenant else { throw .handoffNotFound }
        return slot
    }

    /// Recounts whether one agent can take handoffs, keeping its tenant's eligible count exact.
    /// Call around every change of an agent's status, active chats or capacity.
    mutating func updateAgent(_ slot: Int, _ change: (inout AgentRecord) -> Void) {
        let wasEligible = agents[slot].agent.canTakeHandoff
        change(&agents[slot])
        let isEligible = agents[slot].agent.canTakeHandoff
        if wasEligible != isEligible { tenants[agents[slot].tenant].eligibleAgents += isEligible ? 1 : -1 }
    }

    mutating func allocateSlot(_ record: HandoffRecord) -> Int {
        if let slot = freeSlots.popLast() {
            handoffs[slot] = record
            return slot
        }
        handoffs.append(record)
        return handoffs.count - 1
    }

    /// Moves a handoff into a final state's bookkeeping: the closed list when retaining, else
    /// frees its slot and forgets its ids.
    mutating func retire(_ slot: Int) {
        let tenant = handoffs[slot].tenant
        if configuration.retainsClosedHandoffs {
            tenants[tenant].closed.append(slot)
            return
        }
        let handoff = handoffs[slot].handoff
        handoffSlots[handoff.id] = nil
        let key = ChatKey(tenant: tenant, chat: handoff.chatID)
        if chats[key] == slot { chats[key] = nil }
        handoffs[slot].inUse = false
        handoffs[slot].messages = []
        handoffs[slot].handoff.conversationHistory = []
        freeSlots.append(slot)
    }
}
