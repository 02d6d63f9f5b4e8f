import HandoffClient
import HandoffEngine

/// Carries out a scenario's commands and observations against some service: the engine
/// in-process on a virtual clock (``InProcessDriver``), or a live server over HTTP.
///
/// The runner owns everything the clients know (which handoff a widget is waiting on, what
/// its screen shows, when it polls next); a driver only executes one command or query at a
/// time and reports what the client would get back. So the same checks hold for every
/// driver, and a driver needs no knowledge of scenarios.
public protocol ScenarioDriver: Sendable {
    /// Where results say it ran: `inprocess` or the server URL.
    var target: String { get }
    /// Makes the fixtures exist (in-process: seeds a fresh store) and resolves agents' logins.
    func prepare(_ fixtures: Fixtures) async throws
    /// The scenario's clock.
    func now() -> Timestamp
    /// Lets time pass until `instant` (virtual: instantly; live: sleeps).
    func advance(to instant: Timestamp) async
    /// How often the service's inactivity sweep should run, when the runner must drive it
    /// (in-process); `nil` when the service sweeps by itself.
    var sweepInterval: Duration? { get }
    func sweep() async

    /// One client request. Failures carry the error text the client would show.
    func perform(_ command: DriverCommand) async -> Result<DriverReply, RequestFailure>

    // Observations, as the clients' polls or the dashboard see them.
    func widgetStatus(_ widget: WidgetActor, handoff: HandoffID) async throws(RequestFailure) -> WidgetStatus
    func widgetMessages(_ widget: WidgetActor, handoff: HandoffID, since: Timestamp?) async throws(RequestFailure) -> [ObservedMessage]
    func agentMessages(agent: String, handoff: HandoffID) async throws(RequestFailure) -> [ObservedMessage]
    /// Dashboard queries of a fixture tenant (a live driver signs in as one of its accounts).
    func pendingQueue(tenant: String) async throws(RequestFailure) -> [ObservedHandoff]
    func handoff(_ id: HandoffID, tenant: String) async throws(RequestFailure) -> ObservedHandoff
    func handoffMessages(_ id: HandoffID, tenant: String) async throws(RequestFailure) -> [ObservedMessage]
    func agents(tenant: String) async throws(RequestFailure) -> [Agent]
    func availableAgents(tenant: String) async throws(RequestFailure) -> [Agent]
    func history(tenant: String) async throws(RequestFailure) -> [ObservedHandoff]
    /// The dashboard metrics (the engine's own snapshot type, whichever driver read them); `nil`
    /// when the service does not expose them.
    func metrics(tenant: String) async throws(RequestFailure) -> TenantMetrics?
    /// The service's consistency check: the engine's own in-process, what can be seen from
    /// outside for a live server; `nil` when the driver cannot check anything.
    func invariantViolations() async -> [String]?

    // MARK: Capabilities (defaults: a virtual-time, polling-only driver)

    /// Whether ``now()`` is real time. The runner then waits in small real-time steps and
    /// applies pushes as they arrive, and the clients also poll the agent queue lists as the
    /// reference dashboard does. Default `false`.
    var isRealTime: Bool { get }
    /// How far a duration the service measured (e.g. the average wait) may be from the
    /// scenario's scripted time: a live request adds its latency. Default zero.
    var timingTolerance: Duration { get }
    /// Server push channels for the WebSocket client model; `nil` (default) when the driver
    /// has none.
    var pushChannels: (any PushChannels)? { get }
    /// One poll of an agent dashboard's queue list: traffic like the reference dashboard's,
    /// not a check. Default: nothing.
    func agentQueue(agent: String, _ list: AgentQueueList) async throws(RequestFailure) -> [ObservedHandoff]
    /// Releases what the driver holds for the scenario (connections, sockets). The runner calls
    /// it once, last, whatever happened. Default: nothing.
    func finish() async
}

extension ScenarioDriver {
    public var isRealTime: Bool { false }
    public var timingTolerance: Duration { .zero }
    public var pushChannels: (any PushChannels)? { nil }
    public func agentQueue(agent: String, _ list: AgentQueueList) async throws(RequestFailure) -> [ObservedHandoff] { [] }
    public func finish() async {}
}

/// A client request, with the handoff ids the runner resolved.
public enum DriverCommand: Hashable, Sendable {
    /// One message to the assistant; `chat` is the conversation so far (`nil`: start one).
    case chat(WidgetActor, chat: String?, message: String)
    case requestHandoff(WidgetActor, history: [ChatTurn], lastUserMessage: String?)
    case submitEmail(WidgetActor, email: String, message: String?)
    case widgetSend(WidgetActor, handoff: HandoffID, text: String)
    case endChat(WidgetActor, handoff: HandoffID?)
    case login(agent: String)
    case logout(agent: String)
    case heartbeat(agent: String)
    case setStatus(agent: String, AgentStatus)
    case pickUp(agent: String, handoff: HandoffID)
    case agentSend(agent: String, handoff: HandoffID, text: String)
    case resolve(agent: String, handoff: HandoffID)
    case assign(admin: String, handoff: HandoffID, agent: String)
    /// The account's tenant's routing; replies ``DriverReply/done``.
    case setRouting(admin: String, Tenant.Routing)

    /// The metric name of this request's latency: `op.pickUp`, `op.request`, …
    public var operation: String {
        switch self {
        case .chat: "chat"
        case .requestHandoff: "request"
        case .submitEmail: "submitEmail"
        case .widgetSend: "widgetSend"
        case .endChat: "endChat"
        case .login: "login"
        case .logout: "logout"
        case .heartbeat: "heartbeat"
        case .setStatus: "setStatus"
        case .pickUp: "pickUp"
        case .agentSend: "agentSend"
        case .resolve: "resolve"
        case .assign: "assign"
        case .setRouting: "setRouting"
        }
    }
}

/// What a successful command returned that the clients use.
public enum DriverReply: Hashable, Sendable {
    /// Request or email form: the handoff, its wire status and the message shown.
    case handoff(id: HandoffID, status: String, message: String, created: Bool)
    /// A chat message was stored (its server timestamp starts the delivery clock).
    case message(ObservedMessage)
    /// End chat: what it did, or ``EndChatResult/unknown`` when the reply does not say (the
    /// wire's `{success: true}`).
    case ended(EndChatResult)
    /// The assistant's answer: the conversation's id and the replies.
    case assistant(chat: String, replies: [String])
    case done
}

/// What an end-chat did, as far as the driver can tell.
public enum EndChatResult: Hashable, Sendable {
    /// The active chat was resolved by the user.
    case resolved
    /// The pending request was withdrawn (counted as abandoned).
    case withdrawn
    case nothingOpen
    /// The reply does not say: the runner works it out from what its own commands did.
    case unknown
}
