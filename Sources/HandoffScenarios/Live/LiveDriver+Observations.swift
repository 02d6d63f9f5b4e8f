import HandoffAPI
import HandoffClient
import HandoffEngine
import Synchronization

extension LiveDriver {
    // MARK: What the clients poll

    public func widgetStatus(_ widget: WidgetActor, handoff: HandoffID) async throws(RequestFailure) -> WidgetStatus {
        let body = try await wire.call(
            .GET, APIPath.widgetStatus(handoff.description), query: [("apiKey", try apiKey(widget)), ("referrer", widget.referrer)],
            referrer: widget.referrer, as: HandoffStatusResponse.self)
        return try decoding.status(body)
    }

    public func widgetMessages(_ widget: WidgetActor, handoff: HandoffID, since: Timestamp?) async throws(RequestFailure) -> [ObservedMessage] {
        let body = try await wire.call(
            .GET, APIPath.widgetMessages(handoff.description),
            query: [("apiKey", try apiKey(widget)), ("since", since?.iso8601), ("referrer", widget.referrer)], referrer: widget.referrer,
            as: MessagesResponse.self)
        return try decoding.messages(body.messages)
    }

    public func agentMessages(agent: String, handoff: HandoffID) async throws(RequestFailure) -> [ObservedMessage] {
        let body = try await agentCall(agent, .GET, APIPath.handoffMessages(handoff.description), as: [MessageBody].self)
        return try decoding.messages(body)
    }

    public func agentQueue(agent: String, _ list: AgentQueueList) async throws(RequestFailure) -> [ObservedHandoff] {
        let path = switch list {
        case .pending: APIPath.pendingHandoffs
        case .active: APIPath.activeHandoffs
        case .all: APIPath.handoffs
        }
        let body = try await agentCall(agent, .GET, path, as: [HandoffBody].self)
        return try decoding.handoffs(body)
    }

    // MARK: Dashboard queries (as the tenant's observer)

    func observe<Reply: Decodable>(_ tenant: String, _ path: String, query: [(String, String?)] = [], as type: Reply.Type) async throws(RequestFailure) -> Reply {
        try await wire.call(.GET, path, query: query, token: try observerToken(tenant), patient: true, as: type)
    }

    func handoffs(_ bodies: [HandoffBody]) throws(RequestFailure) -> [ObservedHandoff] {
        try decoding.handoffs(bodies)
    }

    public func pendingQueue(tenant: String) async throws(RequestFailure) -> [ObservedHandoff] {
        try handoffs(try await observe(tenant, APIPath.pendingHandoffs, as: [HandoffBody].self))
    }

    public func handoff(_ id: HandoffID, tenant: String) async throws(RequestFailure) -> ObservedHandoff {
        try decoding.handoff(try await observe(tenant, APIPath.handoff(id.description), as: HandoffBody.self))
    }

    public func handoffMessages(_ id: HandoffID, tenant: String) async throws(RequestFailure) -> [ObservedMessage] {
        let body = try await observe(tenant, APIPath.handoffMessages(id.description), as: [MessageBody].self)
        return try decoding.messages(body)
    }

    public func agents(tenant: String) async throws(RequestFailure) -> [Agent] {
        try agents(try await observe(tenant, APIPath.agents, as: [AgentBody].self), tenant: tenant)
    }

    public func availableAgents(tenant: String) async throws(RequestFailure) -> [Agent] {
        try agents(try await observe(tenant, APIPath.availableAgents, as: [AgentBody].self), tenant: tenant)
    }

    private func agents(_ bodies: [AgentBody], tenant: String) throws(RequestFailure) -> [Agent] {
        try decoding.agents(bodies, tenant: Fixtures.tenantID(tenant))
    }

    /// Closed handoffs, most recently closed first: the history extension, or — for a server
    /// without it (404) — the full list without the open ones, ordered by closing time.
    public func history(tenant: String) async throws(RequestFailure) -> [ObservedHandoff] {
        do throws(RequestFailure) {
            return try handoffs(try await observe(tenant, APIPath.historyHandoffs, query: [("limit", "1000")], as: [HandoffBody].self))
        } catch where error.status == 404 {
            let all = try handoffs(try await observe(tenant, APIPath.handoffs, query: [("limit", "1000")], as: [HandoffBody].self))
            return all.filter { $0.status != "pending" && $0.status != "active" }
                .sorted { ($0.resolvedAt ?? $0.requestedAt) > ($1.resolvedAt ?? $1.requestedAt) }
        }
    }

    /// The dashboard's numbers since the scenario began; `nil` when the server has no
    /// dashboard endpoint (404).
    public func metrics(tenant: String) async throws(RequestFailure) -> TenantMetrics? {
        guard let now = try await currentMetrics(tenant) else { return nil }
        let baseline = state.withLock { $0.baselines[tenant] }
        return baseline.map { now.since($0) } ?? now
    }

    func currentMetrics(_ tenant: String) async throws(RequestFailure) -> TenantMetrics? {
        do throws(RequestFailure) {
            return try decoding.metrics(try await observe(tenant, APIPath.dashboardMetrics, as: DashboardMetricsBody.self))
        } catch where error.status == 404 {
            return nil
        }
    }

    // MARK: Black-box invariants

    /// What can be checked from outside after every step, per fixture tenant: each agent's
    /// `activeChats` equals the active handoffs assigned to it and lies in `0...maxChats`, and
    /// every active handoff is assigned to one of the tenant's agents. Assumes nobody else
    /// drives the tenant meanwhile.
    public func invariantViolations() async -> [String]? {
        let tenants = state.withLock { state in state.fixtures.tenants.filter { state.observers[$0.handle] != nil } }
        var problems: [String] = []
        for tenant in tenants {
            do throws(RequestFailure) {
                let agents = try await observe(tenant.handle, APIPath.agents, as: [AgentBody].self)
                let active = try await observe(tenant.handle, APIPath.activeHandoffs, as: [HandoffBody].self)
                var held: [String: Int] = [:]
                for h in active {
                    guard let assignee = h.assignedAgentId, agents.contains(where: { $0.id == assignee }) else {
                        problems.append("tenant \(tenant.handle): active handoff \(h.id) is assigned to \(h.assignedAgentId ?? "nobody"), not one of its agents")
                        continue
                    }
                    held[assignee, default: 0] += 1
                }
                for a in agents {
                    let holds = held[a.id, default: 0]
                    if a.activeChats != holds { problems.append("agent \(a.name) counts \(a.activeChats) active chats but holds \(holds)") }
                    if a.activeChats < 0 || a.activeChats > a.maxChats { problems.append("agent \(a.name) has \(a.activeChats) active chats, maxChats \(a.maxChats)") }
                }
            } catch {
                problems.append("could not check tenant \(tenant.handle): \(error)")
            }
        }
        return problems
    }
}
