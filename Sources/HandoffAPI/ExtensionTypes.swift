/// Wire shapes of our extensions to docs/api.md (endpoints the reference platform does not
/// have): `/health` and the dashboard metrics. Same conventions as WireTypes.swift: camelCase,
/// milliseconds as numbers, absent values as explicit `null`.

// MARK: - Operations

/// `GET /health`: `{"status":"ok"}`.
public struct HealthResponse: Codable, Hashable, Sendable {
    public var status: String
    public init(status: String = "ok") { self.status = status }
}

// MARK: - Dashboard metrics

/// `GET /api/metrics/dashboard`: the engine's per-tenant dashboard numbers.
///
/// Counts are since the store began; `requestsInWindow` covers the engine's metrics window
/// (24 h by default). Wait times are `pickedUpAt − requestedAt` in milliseconds; the
/// percentiles come from a log-linear histogram (exact below 64 ms, within about 3 % above),
/// and are `null` until the first pick-up.
public struct DashboardMetricsBody: Codable, Hashable, Sendable {
    public var requestsInWindow: Int
    public var totalRequests: Int
    public var pickedUp: Int
    public var resolved: Int
    public var abandoned: Int
    public var afterHours: Int
    public var pending: Int
    public var active: Int
    @ExplicitNull public var averageWaitMilliseconds: Double?
    @ExplicitNull public var waitP50Milliseconds: Int64?
    @ExplicitNull public var waitP90Milliseconds: Int64?
    @ExplicitNull public var waitP99Milliseconds: Int64?
    public var agents: [AgentMetricsBody]

    public init(
        requestsInWindow: Int, totalRequests: Int, pickedUp: Int, resolved: Int, abandoned: Int, afterHours: Int, pending: Int,
        active: Int, averageWaitMilliseconds: Double?, waitP50Milliseconds: Int64?, waitP90Milliseconds: Int64?,
        waitP99Milliseconds: Int64?, agents: [AgentMetricsBody]
    ) {
        self.requestsInWindow = requestsInWindow
        self.totalRequests = totalRequests
        self.pickedUp = pickedUp
        self.resolved = resolved
        self.abandoned = abandoned
        self.afterHours = afterHours
        self.pending = pending
        self.active = active
        self.averageWaitMilliseconds = averageWaitMilliseconds
        self.waitP50Milliseconds = waitP50Milliseconds
        self.waitP90Milliseconds = waitP90Milliseconds
        self.waitP99Milliseconds = waitP99Milliseconds
        self.agents = agents
    }

}

/// One agent's totals in ``DashboardMetricsBody``.
public struct AgentMetricsBody: Codable, Hashable, Sendable {
    public var agentId: String
    public var name: String
    /// Chats ever taken (picked up or assigned).
    public var totalChats: Int
    public var activeChats: Int
    /// Mean of `resolvedAt − pickedUpAt` over the agent's closed chats; `null` before the first.
    @ExplicitNull public var averageChatMilliseconds: Double?

    public init(agentId: String, name: String, totalChats: Int, activeChats: Int, averageChatMilliseconds: Double?) {
        self.agentId = agentId
        self.name = name
        self.totalChats = totalChats
        self.activeChats = activeChats
        self.averageChatMilliseconds = averageChatMilliseconds
    }

}
