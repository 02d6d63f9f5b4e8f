import HandoffClient
import HandoffEngine

/// Runs scenarios against the engine in this process: a fresh ``MemoryHandoffStore`` per
/// scenario on a ``ManualWallClock``, so waits cost no real time and a run is deterministic for
/// a seed. Commands go through the same authentication a server applies (API key per widget
/// request, password login per agent). Concurrent commands (race steps) really race on the
/// store's lock.
public final class InProcessDriver: ScenarioDriver {
    public let store: MemoryHandoffStore
    public let clock: ManualWallClock
    private let accounts: Accounts

    /// Stable facts about the fixture accounts, set once in ``prepare(_:)``.
    private final class Accounts: @unchecked Sendable {
        // Written only in `prepare`, before any concurrent use; read-only afterwards.
        var agents: [String: (tenant: TenantID, agent: AgentID, user: UserID, email: String, password: String)] = [:]
        var users: [String: (tenant: TenantID, user: UserID)] = [:]
        var tenants: [String: TenantID] = [:]
        var keys: [String: String] = [:]  // "tenant/key handle" → raw key
    }

    public let target = "inprocess"
    public let sweepInterval: Duration? = .seconds(5)

    /// - Parameters:
    ///   - seed: seeds ids and salts.
    ///   - start: the virtual clock's start.
    public init(seed: UInt64, start: Timestamp = Timestamp(milliseconds: 1_767_225_600_000)) {
        clock = ManualWallClock(start: start)
        store = MemoryHandoffStore(configuration: .init(clock: clock, seed: seed, passwordIterations: 64))
        accounts = Accounts()
    }

    public func prepare(_ fixtures: Fixtures) async throws {
        try await FixtureSeeder.seed(fixtures, into: store, now: clock.now())
        for t in fixtures.tenants {
            let tenantID = Fixtures.tenantID(t.handle)
            accounts.tenants[t.handle] = tenantID
            for k in t.apiKeys { accounts.keys["\(t.handle)/\(k.handle)"] = k.key }
            for a in t.agents {
                accounts.agents[a.handle] = (tenantID, Fixtures.agentID(tenant: t.handle, agent: a.handle),
                                             Fixtures.userID(tenant: t.handle, user: a.handle), a.email, a.password)
                accounts.users[a.handle] = (tenantID, Fixtures.userID(tenant: t.handle, user: a.handle))
            }
            for u in t.users { accounts.users[u.handle] = (tenantID, Fixtures.userID(tenant: t.handle, user: u.handle)) }
        }
    }

    public func now() -> Timestamp { clock.now() }
    public func advance(to instant: Timestamp) async { if instant > clock.now() { clock.advance(to: instant) } }
    public func sweep() async { store.sweep() }

    public func perform(_ command: DriverCommand) async -> Result<DriverReply, RequestFailure> {
        do throws(HandoffError) {
            return .success(try await execute(command))
        } catch {
            return .failure(RequestFailure(error.message))
        }
    }

    private func widgetTenant(_ widget: WidgetActor) throws(HandoffError) -> TenantID {
        try store.authenticateWidget(apiKey: accounts.keys["\(widget.tenant)/\(widget.apiKey)"] ?? "", referrer: widget.referrer)
    }

    private func agent(_ handle: String) throws(HandoffError) -> AgentID {
        guard let a = accounts.agents[handle] else { throw .agentNotFound }
        return a.agent
    }

    private func execute(_ command: DriverCommand) async throws(HandoffError) -> DriverReply {
        switch command {
        case .requestHandoff(let widget, let history, let last):
            let tenant = try widgetTenant(widget)
            let outcome = try store.requestHandoff(
                HandoffRequest(chatID: ChatID(widget.chatID), conversationHistory: history, lastUserMessage: last), tenant: tenant)
            let h = outcome.handoff
            let created = if case .alreadyOpen = outcome { false } else { true }
            return .handoff(id: h.id, status: outcome.wireStatus, message: outcome.wireMessage, created: created)
        case .chat(let widget, let chat, let message):
            let turn = try store.converse(message, chat: chat.map { ChatID($0) }, tenant: try widgetTenant(widget))
            return .assistant(chat: turn.chatID.rawValue, replies: turn.replies)
        case .submitEmail(let widget, let email, let message):
            let tenant = try widgetTenant(widget)
            let h = try store.submitAfterHours(chat: ChatID(widget.chatID), email: email, message: message, tenant: tenant)
            let reply = HandoffReply.afterHoursReceived(h)
            return .handoff(id: reply.handoffID, status: reply.status, message: reply.message, created: false)
        case .widgetSend(let widget, let handoff, let text):
            return .message(ObservedMessage(try store.postUserMessage(text, handoff: handoff, tenant: try widgetTenant(widget))))
        case .endChat(let widget, let handoff):
            let tenant = try widgetTenant(widget)
            switch try store.endChat(chat: ChatID(widget.chatID), handoff: handoff, tenant: tenant) {
            case .resolved: return .ended(.resolved)
            case .withdrawn: return .ended(.withdrawn)
            case .nothingOpen: return .ended(.nothingOpen)
            // Not with this driver's store (no end-chat grace); as the wire would answer.
            case .deferred: return .ended(.unknown)
            }
        case .login(let handle):
            guard let a = accounts.agents[handle] else { throw .agentNotFound }
            _ = try await store.login(email: a.email, password: a.password)
            return .done
        case .logout(let handle):
            guard let a = accounts.agents[handle] else { throw .agentNotFound }
            try store.logout(a.user)
            return .done
        case .heartbeat(let handle):
            _ = try store.heartbeat(try agent(handle))
            return .done
        case .setStatus(let handle, let status):
            guard let a = accounts.agents[handle] else { throw .agentNotFound }
            _ = try store.setAgentStatus(a.agent, to: status, by: .user(a.user))
            return .done
        case .pickUp(let handle, let handoff):
            _ = try store.pickUp(handoff, by: try agent(handle))
            return .done
        case .agentSend(let handle, let handoff, let text):
            return .message(ObservedMessage(try store.postAgentMessage(text, handoff: handoff, by: try agent(handle))))
        case .resolve(let handle, let handoff):
            _ = try store.resolve(handoff, by: try agent(handle))
            return .done
        case .assign(let admin, let handoff, let handle):
            guard let user = accounts.users[admin] else { throw .userNotFound }
            _ = try store.assign(handoff, to: try agent(handle), by: .user(user.user))
            return .done
        case .setRouting(let admin, let routing):
            guard let user = accounts.users[admin] else { throw .userNotFound }
            _ = try store.setRouting(routing, tenant: user.tenant, by: .user(user.user))
            return .done
        }
    }

    // MARK: Observations

    private func tenant(_ handle: String) throws(RequestFailure) -> TenantID {
        guard let id = accounts.tenants[handle] else { throw RequestFailure("unknown tenant \(handle)") }
        return id
    }

    private func wrap<T>(_ body: () throws(HandoffError) -> T) throws(RequestFailure) -> T {
        do throws(HandoffError) { return try body() } catch { throw RequestFailure(error.message) }
    }

    public func widgetStatus(_ widget: WidgetActor, handoff: HandoffID) async throws(RequestFailure) -> WidgetStatus {
        try wrap { () throws(HandoffError) in try store.widgetStatus(handoff, tenant: try widgetTenant(widget)) }
    }

    public func widgetMessages(_ widget: WidgetActor, handoff: HandoffID, since: Timestamp?) async throws(RequestFailure) -> [ObservedMessage] {
        try wrap { () throws(HandoffError) in try store.messages(handoff: handoff, tenant: try widgetTenant(widget), since: since).map(ObservedMessage.init) }
    }

    public func agentMessages(agent handle: String, handoff: HandoffID) async throws(RequestFailure) -> [ObservedMessage] {
        guard let a = accounts.agents[handle] else { throw RequestFailure("unknown agent \(handle)") }
        return try wrap { () throws(HandoffError) in try store.messages(handoff: handoff, tenant: a.tenant, since: nil).map(ObservedMessage.init) }
    }

    public func pendingQueue(tenant handle: String) async throws(RequestFailure) -> [ObservedHandoff] {
        let id = try tenant(handle)
        return try wrap { () throws(HandoffError) in try store.pendingHandoffs(tenant: id).map(ObservedHandoff.init) }
    }

    public func handoff(_ handoffID: HandoffID, tenant handle: String) async throws(RequestFailure) -> ObservedHandoff {
        let id = try tenant(handle)
        return try wrap { () throws(HandoffError) in ObservedHandoff(try store.handoff(handoffID, tenant: id)) }
    }

    public func handoffMessages(_ handoffID: HandoffID, tenant handle: String) async throws(RequestFailure) -> [ObservedMessage] {
        let id = try tenant(handle)
        return try wrap { () throws(HandoffError) in try store.messages(handoff: handoffID, tenant: id, since: nil).map(ObservedMessage.init) }
    }

    public func agents(tenant handle: String) async throws(RequestFailure) -> [Agent] {
        let id = try tenant(handle)
        return try wrap { () throws(HandoffError) in try store.agents(tenant: id) }
    }

    public func availableAgents(tenant handle: String) async throws(RequestFailure) -> [Agent] {
        let id = try tenant(handle)
        return try wrap { () throws(HandoffError) in try store.availableAgents(tenant: id) }
    }

    public func history(tenant handle: String) async throws(RequestFailure) -> [ObservedHandoff] {
        let id = try tenant(handle)
        return try wrap { () throws(HandoffError) in try store.history(tenant: id, limit: 1000, before: nil).map(ObservedHandoff.init) }
    }

    public func metrics(tenant handle: String) async throws(RequestFailure) -> TenantMetrics? {
        let id = try tenant(handle)
        return try wrap { () throws(HandoffError) in try store.metrics(tenant: id) }
    }

    public func invariantViolations() async -> [String]? { store.invariantViolations() }
}
