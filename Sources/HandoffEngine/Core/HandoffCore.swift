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
/// handoffs. Tenants routed automatic ``Tenant/Routing`` also keep their eligible agents in a heap
/// (O(log agents) per agent change; see `HandoffCore+Routing.swift`). With
/// ``Configuration/retainsClosedHandoffs`` off, a closed handoff's slot is reused at once and
/// memory stays proportional to the open handoffs.
public struct HandoffCore: Sendable {
    /// Engine settings.
    public struct Configuration: Sendable {
        /// An agent not seen (login, heartbeat, any agent command) for this long is marked
        /// `offline` by ``HandoffCore/sweep(now:events:)``. Default 120 s.
        public var inactivityTimeout: Duration
        /// Keep resolved, abandoned and after-hours handoffs and their messages for history and
        /// queries. Default `true`; the capacity simulator turns it off to run in constant memory.
        /// Without retention an after-hours answer is forgotten at once, so a later email form for
        /// that chat is recorded (and counted) as a request of its own.
        public var retainsClosedHandoffs: Bool
        /// `maxChats` of an agent created without one. Default 5.
        public var defaultMaxChats: Int
        /// Longest accepted message, in characters. Default 10 000.
        public var maxMessageLength: Int
        /// The window of ``TenantMetrics/requestsInWindow``. Default 24 h.
        public var metricsWindow: Duration
        /// When a request is queued rather than answered with the after-hours form.
        /// Default ``Admission/freeSlot`` (the wire contract's rule).
        public var admission: Admission
        /// How long a widget's end-chat waits before it takes effect; widget activity on the
        /// handoff in that time (a status or message poll, a history read, a message) cancels
        /// it, and ``HandoffCore/sweep(now:events:)`` applies the ones still due. The reference
        /// widget sends end-chat on every page unload, a reload included, and polls again
        /// within two seconds of coming back: a grace of a few seconds tells the two apart.
        /// Default zero: end-chat takes effect at once.
        public var endChatGrace: Duration

        public init(
            inactivityTimeout: Duration = .seconds(120), retainsClosedHandoffs: Bool = true, defaultMaxChats: Int = 5,
            maxMessageLength: Int = 10_000, metricsWindow: Duration = .seconds(86_400), admission: Admission = .freeSlot,
            endChatGrace: Duration = .zero
        ) {
            self.endChatGrace = endChatGrace
            self.inactivityTimeout = inactivityTimeout
            self.retainsClosedHandoffs = retainsClosedHandoffs
            self.defaultMaxChats = defaultMaxChats
            self.maxMessageLength = maxMessageLength
            self.metricsWindow = metricsWindow
            self.admission = admission
        }
    }

    /// The after-hours decision: when does a request wait in the queue?
    public enum Admission: String, Hashable, Sendable, CaseIterable {
        /// Queued only if some agent is `available` with `activeChats < maxChats`; otherwise the
        /// widget gets the after-hours form (docs/api.md). With instant pick-up this makes
        /// the service a loss system: requests finding every slot busy are not queued.
        case freeSlot
        /// Queued whenever some agent is `available`, even if every slot is busy (the request
        /// waits for a slot); after-hours only when nobody is available at all. The textbook
        /// waiting system of capacity planning (Erlang C, or Erlang A with patience).
        case agentOnline
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
        /// How many of `agents` have status `available` (whatever their load).
        var availableAgents = 0
        /// Retained handoff slots in creation order (requestedAt is non-decreasing).
        var created: [Int] = []
        /// Retained closed handoff slots in closing order.
        var closed: [Int] = []
        var metrics = MetricsState()
        /// Events of this tenant published so far: the last ``PublishedEvent/sequence``.
        var publishedEvents: UInt64 = 0
        /// Under an automatic ``Tenant/Routing``: the agents that can take a handoff, best first
        /// (see "Automatic routing" in `HandoffCore+Routing.swift`). Empty under `manual`.
        var routingIndex = RoutingIndex()
        /// `tenant.routing.isAutomatic`, kept beside the counters the hot paths read.
        var routes = false

        /// A pick-up's move between the tenant's two lists, in one access to the tenant.
        @inline(__always)
        mutating func movePendingToActive(_ slot: Int, in records: UnsafeMutableBufferPointer<HandoffRecord>) {
            pending.remove(slot, in: records)
            active.append(slot, in: records)
        }
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
        /// Since when the agent has been "idle" for automatic routing's tie-break: the time of
        /// its last chat change or of becoming available. Set when it is created, when it takes
        /// a chat (pick-up, assignment, automatic routing), when one of its chats ends (resolve,
        /// end chat), and when its status changes to `available` from another status. Nothing
        /// else moves it (heartbeats, messages, capacity changes, a status set to the value it
        /// already has). Stored times never go backwards, so an older value really is earlier.
        var idleSince: Timestamp
        /// The agent's index in its tenant's `agents` list (its member number in the tenant's
        /// ``RoutingIndex``).
        var local: Int
    }

    struct HandoffRecord: Sendable {
        var handoff: Handoff
        var tenant: Int
        var agent: Int
        var inUse: Bool
        var previous: Int
        var next: Int
        var messages: [Message]
        /// Bumped each time the slot is reused, so a stale ``HandoffRef`` is detected.
        var generation: UInt32 = 0
        /// Whether `handoffSlots` maps the id to this slot (handle-only requests are not indexed).
        var indexed = true
        /// Whether `chats` may point here (requests without a chat id are not deduplicated).
        var hasChat = true
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
    /// Configuration durations in whole milliseconds, for the hot paths.
    let inactivityMilliseconds: Int64
    let metricsWindowMilliseconds: Int64
    var tenants: [TenantRecord] = []
    /// How many tenants route automatically: `0` lets every command skip routing with one
    /// load of a field of the core (the simulator's manual path pays nothing more).
    var autoRoutedTenants = 0
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
    /// Conversations with the scripted assistant, by their (engine-made, unique) chat id, and
    /// the order they started in (the oldest goes beyond ``assistantChatLimit``).
    var assistantChats: [ChatID: AssistantChat] = [:]
    /// End-chats waiting out ``Configuration/endChatGrace``, by handoff slot.
    var pendingEnds: [Int: PendingEnd] = [:]
    var assistantChatOrder: Deque<ChatID> = []
    /// The latest `now` seen: records are stamped with at least this, so stored times never go
    /// backwards even when concurrent callers read the clock slightly out of order.
    var latest = Timestamp.epoch
    /// Counter for ids of messages the core writes itself in the handle API.
    var nextInternalMessage: UInt64 = 0
    /// The highest PBKDF2 cost of any account: a login for an unknown email verifies a decoy
    /// this costly (see ``loginChallenge(email:)``).
    var decoyLoginIterations = 1
    /// ``HandoffID/anonymous``, held here so the hot path reads a field, not a lazy global.
    let anonymousHandoffID = HandoffID.anonymous

    public init(configuration: Configuration = Configuration()) {
        self.configuration = configuration
        inactivityMilliseconds = configuration.inactivityTimeout.wholeMilliseconds
        metricsWindowMilliseconds = configuration.metricsWindow.wholeMilliseconds
    }

    // MARK: Shared helpers (every command goes through these)

    @inline(__always)
    mutating func stamp(_ now: Timestamp) -> Timestamp {
        if now > latest { latest = now }
        return latest
    }

    @inline(__always)
    func tenantSlot(_ id: TenantID) throws(HandoffError) -> Int {
        guard let slot = tenantSlots[id] else { throw .tenantNotFound }
        return slot
    }

    @inline(__always)
    func activeTenantSlot(_ id: TenantID) throws(HandoffError) -> Int {
        let slot = try tenantSlot(id)
        guard tenants[slot].tenant.status == .active else { throw .tenantSuspended }
        return slot
    }

    @inline(__always)
    func agentSlot(_ id: AgentID) throws(HandoffError) -> Int {
        guard let slot = agentSlots[id] else { throw .agentNotFound }
        return slot
    }

    /// The slot of a handoff as seen from `tenant`: another tenant's handoff does not exist.
    @inline(__always)
    func handoffSlot(_ id: HandoffID, tenant: Int) throws(HandoffError) -> Int {
        guard let slot = handoffSlots[id], handoffs[slot].tenant == tenant else { throw .handoffNotFound }
        return slot
    }

    /// Whether the agent in `slot` can take a handoff now (``Agent/canTakeHandoff``), read
    /// field by field so the hot path copies nothing.
    @inline(__always)
    func isEligible(_ slot: Int) -> Bool {
        agents[slot].agent.status == .available && agents[slot].agent.activeChats < agents[slot].agent.maxChats
    }

    /// Applies a change to one agent, keeping its tenant's eligible and available counts exact.
    /// Every change of an agent's status, active chats or capacity goes through here; each
    /// caller then ends with ``rerank(_:)`` (kept out of here so the manual path's code after
    /// the update is not pessimised by a possible index update in the middle).
    @inline(__always)
    mutating func updateAgent(_ slot: Int, _ change: (inout AgentRecord) -> Void) {
        let wasEligible = isEligible(slot)
        let wasAvailable = agents[slot].agent.status == .available
        change(&agents[slot])
        let eligible = isEligible(slot)
        let available = agents[slot].agent.status == .available
        let tenant = agents[slot].tenant
        if wasEligible != eligible { tenants[tenant].eligibleAgents += eligible ? 1 : -1 }
        if wasAvailable != available { tenants[tenant].availableAgents += available ? 1 : -1 }
    }

    /// After a change of an agent: under automatic routing, puts it where its state now says
    /// in its tenant's routing index. O(1) for a core without automatically routed tenants (one load and a
    /// branch), O(log agents) otherwise.
    @inline(__always)
    mutating func rerank(_ slot: Int) {
        guard autoRoutedTenants > 0, tenants[agents[slot].tenant].routes else { return }
        reindex(slot)
    }

    /// Puts an agent of an automatically routed tenant where its state says in the tenant's routing index:
    /// a member under its current key while eligible, out of it otherwise. O(log agents).
    @inline(never)
    mutating func reindex(_ slot: Int) {
        let key = isEligible(slot) ? routingKey(slot) : nil
        tenants[agents[slot].tenant].routingIndex.update(agents[slot].local, key: key)
    }

    /// The agent's place in its tenant's routing order, read field by field (no record copy).
    @inline(__always)
    func routingKey(_ slot: Int) -> RoutingIndex.Key {
        let chats = agents[slot].agent.activeChats
        let rank = switch tenants[agents[slot].tenant].tenant.routing {
        case .leastBusy, .manual: chats
        case .mostBusy: -chats
        case .longestIdle: 0
        }
        return RoutingIndex.Key(rank: rank, idleSince: agents[slot].idleSince, id: agents[slot].agent.id)
    }

    /// The after-hours decision (``Configuration/admission``): may a request of this tenant wait?
    @inline(__always)
    func admits(tenant: Int) -> Bool {
        switch configuration.admission {
        case .freeSlot: tenants[tenant].eligibleAgents > 0
        case .agentOnline: tenants[tenant].availableAgents > 0
        }
    }

    /// Mutates one record through a single exclusive access (one uniqueness check of the
    /// array instead of one per field written).
    @inline(__always)
    mutating func withRecord<R>(_ slot: Int, _ body: (inout HandoffRecord) -> R) -> R { body(&handoffs[slot]) }

    /// Moves a handoff into a final state's bookkeeping: the closed list when retaining, else
    /// frees its slot and forgets its ids.
    @inline(__always)
    mutating func retire(_ slot: Int) {
        let tenant = handoffs[slot].tenant
        if configuration.retainsClosedHandoffs {
            tenants[tenant].closed.append(slot)
            return
        }
        if handoffs[slot].indexed { handoffSlots[handoffs[slot].handoff.id] = nil }
        if handoffs[slot].hasChat {
            let key = ChatKey(tenant: tenant, chat: handoffs[slot].handoff.chatID)
            if chats[key] == slot { chats[key] = nil }
        }
        withRecord(slot) { r in
            r.inUse = false
            r.handoff.clearPayload()
            if !r.messages.isEmpty { r.messages = [] }
        }
        freeSlots.append(slot)
    }
}
