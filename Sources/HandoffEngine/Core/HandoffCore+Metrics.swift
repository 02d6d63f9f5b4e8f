import DequeModule

/// The deployment guide's dashboard numbers for one tenant, computed by the engine: the one
/// snapshot of them from the engine to the wire.
///
/// The server maps it onto `DashboardMetricsBody` field for field; the scenario runner reads it
/// from every driver — the in-process driver returns the engine's value, the live driver decodes
/// the wire body back into it. So it holds exactly what the dashboard shows: counts, the mean
/// wait and three wait percentiles, not the histogram they come from (that stays inside the
/// engine).
public struct TenantMetrics: Hashable, Sendable {
    /// Handoff requests (queued or after-hours) in the last ``HandoffCore/Configuration/metricsWindow``.
    public var requestsInWindow: Int
    public var totalRequests: Int
    public var pickedUp: Int
    public var resolved: Int
    /// Withdrawn by the user while pending.
    public var abandoned: Int
    public var afterHours: Int
    public var pending: Int
    public var active: Int
    /// Mean of `pickedUpAt − requestedAt` over every pick-up, in milliseconds; `nil` before the first.
    public var averageWaitMilliseconds: Double?
    /// Percentiles of `pickedUpAt − requestedAt` over every pick-up, in milliseconds, from the
    /// engine's log-linear histogram (``LatencyHistogram/value(atQuantile:)``: exact below 64 ms,
    /// within about 3 % above, never above the longest wait); `nil` before the first pick-up.
    public var waitP50Milliseconds: Int64?
    public var waitP90Milliseconds: Int64?
    public var waitP99Milliseconds: Int64?
    public var agents: [AgentMetrics]

    public init(
        requestsInWindow: Int, totalRequests: Int, pickedUp: Int, resolved: Int, abandoned: Int, afterHours: Int, pending: Int,
        active: Int, averageWaitMilliseconds: Double?, waitP50Milliseconds: Int64?, waitP90Milliseconds: Int64?,
        waitP99Milliseconds: Int64?, agents: [AgentMetrics]
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

/// Per-agent totals.
public struct AgentMetrics: Hashable, Sendable {
    public var agentID: AgentID
    public var name: String
    /// Chats ever taken (picked up or assigned).
    public var totalChats: Int
    public var activeChats: Int
    /// Mean of `resolvedAt − pickedUpAt` over the agent's closed chats, in milliseconds; `nil` before the first.
    public var averageChatMilliseconds: Double?

    public init(agentID: AgentID, name: String, totalChats: Int, activeChats: Int, averageChatMilliseconds: Double?) {
        self.agentID = agentID
        self.name = name
        self.totalChats = totalChats
        self.activeChats = activeChats
        self.averageChatMilliseconds = averageChatMilliseconds
    }
}

extension HandoffCore {
    /// Running totals kept as the commands happen, so reading metrics never scans handoffs.
    struct MetricsState: Sendable {
        var requestTimes: Deque<Timestamp> = []
        var totalRequests = 0
        var pickedUp = 0
        var resolved = 0
        var abandoned = 0
        var afterHours = 0
        var waits = LatencyHistogram()

        /// Appends the request time; times that left the window are dropped in batches (every
        /// 64 appends, one binary search and one bulk removal), so memory stays bounded by the
        /// window's requests plus 64 and the hot path does no per-request pruning.
        @inline(__always)
        mutating func recordRequest(at now: Timestamp, windowMilliseconds: Int64) {
            totalRequests += 1
            requestTimes.append(now)
            if requestTimes.count & 63 == 0 {
                let stale = requestTimes.count - requests(since: Timestamp(milliseconds: now.milliseconds - windowMilliseconds))
                if stale > 0 { requestTimes.removeFirst(stale) }
            }
        }

        @inline(__always)
        mutating func recordPickUp(waitMilliseconds: Int64) {
            pickedUp += 1
            waits.record(waitMilliseconds)
        }

        /// Requests strictly after `now − window`. O(log n): times are non-decreasing.
        func requests(since cutoff: Timestamp) -> Int {
            var low = 0
            var high = requestTimes.count
            while low < high {
                let mid = (low + high) / 2
                if requestTimes[mid] <= cutoff { low = mid + 1 } else { high = mid }
            }
            return requestTimes.count - low
        }
    }

    /// The tenant's dashboard numbers at `now`.
    public func metrics(tenant tenantID: TenantID, now: Timestamp) throws(HandoffError) -> TenantMetrics {
        let record = tenants[try tenantSlot(tenantID)]
        let m = record.metrics
        return TenantMetrics(
            requestsInWindow: m.requests(since: now - configuration.metricsWindow), totalRequests: m.totalRequests,
            pickedUp: m.pickedUp, resolved: m.resolved, abandoned: m.abandoned, afterHours: m.afterHours,
            pending: record.pending.count, active: record.active.count, averageWaitMilliseconds: m.waits.mean,
            waitP50Milliseconds: m.waits.value(atQuantile: 0.5), waitP90Milliseconds: m.waits.value(atQuantile: 0.9),
            waitP99Milliseconds: m.waits.value(atQuantile: 0.99),
            agents: record.agents.map { slot in
                let a = agents[slot]
                return AgentMetrics(
                    agentID: a.agent.id, name: a.agent.name, totalChats: a.chatsTaken, activeChats: a.agent.activeChats,
                    averageChatMilliseconds: a.chatsCompleted == 0 ? nil : Double(a.chatMilliseconds) / Double(a.chatsCompleted))
            })
    }
}
