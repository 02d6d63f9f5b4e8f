import HandoffAPI
import HandoffClient
import HandoffEngine
import Synchronization

/// Runs scenarios against a live server over HTTP and WebSocket, as the reference clients
/// would: widgets send the fixture API key (and their page as `referrer`), agents log in with
/// the fixture password and send their Bearer token, and every reply is mapped back to what
/// the runner observes.
///
/// One driver per scenario (``LiveTarget`` is per run). Each agent has its own `HTTPClient` —
/// its browser — so the agents of a race step really race on separate connections; widgets,
/// observation and setup share the target's client. ``finish()`` closes the sockets and shuts
/// the agents' clients down.
///
/// What it assumes about the server (all checked in ``prepare(_:)``, which fails with a clear
/// list otherwise): it holds the scenario's fixtures (`handoff-sim serve --fixtures …` with the
/// same files) and this run owns their tenants — before each scenario the driver closes every
/// open chat of those tenants and puts every agent back to its fixture status, and dashboard
/// metrics are checked as the change since the scenario began.
///
/// Observation (queue, handoff, agents, history, metrics) signs in as one of the tenant's
/// accounts: a `client_admin` user if there is one, else another non-agent user, else one of
/// its agents (whose status ``prepare(_:)`` has already restored — observing never changes it).
public final class LiveDriver: ScenarioDriver {
    struct State {
        var fixtures = Fixtures()
        /// Account handle (agent or user) → Bearer token.
        var tokens: [String: String] = [:]
        /// Agent handle → the server's agent id, and back to the fixture's id.
        var agentServerIDs: [String: String] = [:]
        var serverAgents: [String: AgentID] = [:]
        /// Tenant handle → the account that observes it.
        var observers: [String: String] = [:]
        /// Tenant handle → dashboard numbers when the scenario began (`nil`: no dashboard).
        var baselines: [String: TenantMetrics] = [:]
        /// Handoff ids already returned to a widget (so a repeated request is not "created").
        var knownHandoffs: Set<HandoffID> = []
        /// Agent handle → its own HTTP client.
        var agentClients: [String: HTTPConnection] = [:]
        var sockets: [ReceivedPush.Receiver: SocketChannel] = [:]
        var finished = false
    }

    public let target: String
    let live: LiveTarget
    let wire: WireClient
    let state = Mutex(State())
    let inbox = PushInbox<ReceivedPush>()
    let clock = SystemWallClock()

    /// - Parameter target: the run's target (its shared client must outlive this driver).
    public init(target: LiveTarget) {
        self.live = target
        self.target = target.baseURL
        self.wire = WireClient(target: target)
    }

    public var isRealTime: Bool { true }
    public var timingTolerance: Duration { live.configuration.timingTolerance }
    public var pushChannels: (any PushChannels)? { self }
    /// The server sweeps inactive agents itself.
    public var sweepInterval: Duration? { nil }
    public func sweep() async {}

    public func now() -> Timestamp { clock.now() }

    public func advance(to instant: Timestamp) async {
        let delay = instant - clock.now()
        if delay > .zero { try? await Task.sleep(for: delay) }
    }

    // MARK: Accounts

    var decoding: WireDecoding {
        WireDecoding(agentID: { [self] text in state.withLock { $0.serverAgents[text] } })
    }

    func token(_ handle: String) throws(RequestFailure) -> String {
        guard let token = state.withLock({ $0.tokens[handle] }) else { throw RequestFailure("\(handle) has no session on \(target) (it never logged in)") }
        return token
    }

    /// The agent's (or user's) own HTTP client, created on first use.
    func client(_ handle: String) -> HTTPConnection {
        state.withLock { state in
            if let client = state.agentClients[handle] { return client }
            let client = HTTPConnection(to: live)
            state.agentClients[handle] = client
            return client
        }
    }

    func serverAgentID(_ handle: String) throws(RequestFailure) -> String {
        guard let id = state.withLock({ $0.agentServerIDs[handle] }) else { throw RequestFailure("agent \(handle) is not known on \(target)") }
        return id
    }

    /// The raw key a widget embeds.
    func apiKey(_ widget: WidgetActor) throws(RequestFailure) -> String {
        let fixtures = state.withLock { $0.fixtures }
        guard let key = fixtures.tenant(widget.tenant)?.apiKeys.first(where: { $0.handle == widget.apiKey })?.key else {
            throw RequestFailure("tenant \(widget.tenant) has no API key \(widget.apiKey)")
        }
        return key
    }

    /// The observer's token for a tenant's dashboard queries.
    func observerToken(_ tenant: String) throws(RequestFailure) -> String {
        guard let handle = state.withLock({ $0.observers[tenant] }) else {
            throw RequestFailure("cannot observe tenant \(tenant) without an account: give it a client_admin user (or any agent) in the fixtures")
        }
        return try token(handle)
    }

    // MARK: Lifetime

    public func finish() async {
        let (sockets, clients) = state.withLock { state in
            defer {
                state.sockets = [:]
                state.agentClients = [:]
                state.finished = true
            }
            return (Array(state.sockets.values), Array(state.agentClients.values))
        }
        for socket in sockets { await socket.close() }
        for client in clients { await client.shutdown() }
    }
}
