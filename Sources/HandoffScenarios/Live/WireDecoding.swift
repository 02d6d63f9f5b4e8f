import HandoffAPI
import HandoffClient
import HandoffEngine

/// Wire JSON (HandoffAPI's Codable shapes) back to what the runner observes, in one place.
///
/// Agent ids are translated from the server's to the fixtures' (``Fixtures/agentID(tenant:agent:)``)
/// through `agentID`, so a server that gave its agents other ids (a deployment of the
/// reference platform) is observed in the same terms as the in-process engine. Anything that
/// does not parse is a transport failure: the server broke the contract.
struct WireDecoding {
    /// Server agent id → fixture agent id; `nil` when the id is not a fixture agent's.
    var agentID: @Sendable (String) -> AgentID?

    func timestamp(_ text: String, _ field: String) throws(RequestFailure) -> Timestamp {
        guard let t = Timestamp(iso8601: text) else { throw .transport("\(field) '\(text)' is not an ISO-8601 timestamp") }
        return t
    }

    func timestamp(_ text: String?, _ field: String) throws(RequestFailure) -> Timestamp? {
        guard let text else { return nil }
        return try timestamp(text, field) as Timestamp
    }

    func id<ID: DomainIdentifier>(_ text: String, _ field: String, as type: ID.Type = ID.self) throws(RequestFailure) -> ID {
        guard let id = ID(text) else { throw .transport("\(field) '\(text)' is not a UUID") }
        return id
    }

    func agent(_ text: String, _ field: String) throws(RequestFailure) -> AgentID {
        if let mapped = agentID(text) { return mapped }
        return try id(text, field)
    }

    func handoff(_ body: HandoffBody) throws(RequestFailure) -> ObservedHandoff {
        ObservedHandoff(
            id: try id(body.id, "handoff.id"), chatID: body.chatId, status: body.status,
            requestedAt: try timestamp(body.requestedAt, "handoff.requestedAt"),
            pickedUpAt: try timestamp(body.pickedUpAt, "handoff.pickedUpAt"), resolvedAt: try timestamp(body.resolvedAt, "handoff.resolvedAt"),
            assignedAgentID: try body.assignedAgentId.map { text throws(RequestFailure) in try agent(text, "handoff.assignedAgentId") },
            userEmail: body.userEmail, userMessage: body.userMessage,
            conversationHistory: body.conversationHistory.map { ChatTurn(role: $0.role, content: $0.content) }, lastUserMessage: body.lastUserMessage)
    }

    func message(_ body: MessageBody) throws(RequestFailure) -> ObservedMessage {
        guard let sender = SenderType(rawValue: body.senderType) else {
            throw .transport("message.senderType '\(body.senderType)' is not user, agent or system")
        }
        return ObservedMessage(
            id: try id(body.id, "message.id"), handoffID: try id(body.handoffId, "message.handoffId"), senderType: sender,
            senderID: sender == .agent ? try body.senderId.map { text throws(RequestFailure) in try agent(text, "message.senderId") } : nil,
            content: body.content, timestamp: try timestamp(body.timestamp, "message.timestamp"))
    }

    func agent(_ body: AgentBody, tenant: TenantID) throws(RequestFailure) -> Agent {
        guard let status = AgentStatus(rawValue: body.status) else {
            throw .transport("agent.status '\(body.status)' is not available, busy or offline")
        }
        return Agent(
            id: try agent(body.id, "agent.id"), tenantID: tenant, name: body.name, email: body.email, status: status,
            activeChats: body.activeChats, maxChats: body.maxChats, createdAt: try timestamp(body.createdAt, "agent.createdAt"),
            lastSeen: try timestamp(body.lastSeen, "agent.lastSeen"))
    }

    func status(_ body: HandoffStatusResponse) throws(RequestFailure) -> WidgetStatus {
        WidgetStatus(
            status: body.status, agentName: body.agentName, pickedUpAt: try timestamp(body.pickedUpAt, "pickedUpAt"),
            resolvedAt: try timestamp(body.resolvedAt, "resolvedAt"))
    }

    // Lists, decoded in plain loops (a typed-throws closure inside an async caller is what
    // crashes swift-frontend 6.3 in -O builds; keep these synchronous).
    func handoffs(_ bodies: [HandoffBody]) throws(RequestFailure) -> [ObservedHandoff] {
        var out: [ObservedHandoff] = []
        for body in bodies { out.append(try handoff(body)) }
        return out
    }

    func messages(_ bodies: [MessageBody]) throws(RequestFailure) -> [ObservedMessage] {
        var out: [ObservedMessage] = []
        for body in bodies { out.append(try message(body)) }
        return out
    }

    func agents(_ bodies: [AgentBody], tenant: TenantID) throws(RequestFailure) -> [Agent] {
        var out: [Agent] = []
        for body in bodies { out.append(try agent(body, tenant: tenant)) }
        return out
    }

    /// The dashboard body back into the engine's own snapshot, field for field (the inverse of
    /// the server's mapping); agent ids translated like every other.
    func metrics(_ body: DashboardMetricsBody) throws(RequestFailure) -> TenantMetrics {
        var agents: [AgentMetrics] = []
        for a in body.agents {
            agents.append(
                AgentMetrics(
                    agentID: try agent(a.agentId, "agents.agentId"), name: a.name, totalChats: a.totalChats, activeChats: a.activeChats,
                    averageChatMilliseconds: a.averageChatMilliseconds))
        }
        return TenantMetrics(
            requestsInWindow: body.requestsInWindow, totalRequests: body.totalRequests, pickedUp: body.pickedUp, resolved: body.resolved,
            abandoned: body.abandoned, afterHours: body.afterHours, pending: body.pending, active: body.active,
            averageWaitMilliseconds: body.averageWaitMilliseconds, waitP50Milliseconds: body.waitP50Milliseconds,
            waitP90Milliseconds: body.waitP90Milliseconds, waitP99Milliseconds: body.waitP99Milliseconds, agents: agents)
    }
}
