import HandoffEngine

/// A handoff as a client observes it: the fields of the contract's handoff JSON, with engine
/// ids and timestamps.
///
/// Why not ``Handoff``: a black-box driver only knows what the wire says. The wire status is
/// a string (`resolved` stands for both a resolved and a withdrawn request), and a live server
/// need not say who resolved it. So every driver reports this view — the in-process driver maps
/// the engine's record onto it exactly as the server does — and every check reads it.
public struct ObservedHandoff: Hashable, Sendable {
    public var id: HandoffID
    public var chatID: String
    /// Wire status: `pending`, `active`, `resolved` or `after-hours`.
    public var status: String
    public var requestedAt: Timestamp
    public var pickedUpAt: Timestamp?
    public var resolvedAt: Timestamp?
    public var assignedAgentID: AgentID?
    public var userEmail: String?
    public var userMessage: String?
    public var conversationHistory: [ChatTurn]
    public var lastUserMessage: String?

    public init(id: HandoffID, chatID: String, status: String, requestedAt: Timestamp, pickedUpAt: Timestamp? = nil,
                resolvedAt: Timestamp? = nil, assignedAgentID: AgentID? = nil, userEmail: String? = nil, userMessage: String? = nil,
                conversationHistory: [ChatTurn] = [], lastUserMessage: String? = nil) {
        self.id = id
        self.chatID = chatID
        self.status = status
        self.requestedAt = requestedAt
        self.pickedUpAt = pickedUpAt
        self.resolvedAt = resolvedAt
        self.assignedAgentID = assignedAgentID
        self.userEmail = userEmail
        self.userMessage = userMessage
        self.conversationHistory = conversationHistory
        self.lastUserMessage = lastUserMessage
    }

    /// The engine's record as the wire shows it.
    public init(_ handoff: Handoff) {
        self.init(
            id: handoff.id, chatID: handoff.chatID.rawValue, status: handoff.state.wireStatus, requestedAt: handoff.requestedAt,
            pickedUpAt: handoff.pickedUpAt, resolvedAt: handoff.resolvedAt, assignedAgentID: handoff.assignedAgentID,
            userEmail: handoff.userEmail, userMessage: handoff.userMessage, conversationHistory: handoff.conversationHistory,
            lastUserMessage: handoff.lastUserMessage)
    }
}

/// A chat message as a client observes it.
public struct ObservedMessage: Hashable, Sendable {
    public var id: MessageID
    public var handoffID: HandoffID
    public var senderType: SenderType
    /// The agent's id for agent messages.
    public var senderID: AgentID?
    public var content: String
    /// The server's timestamp: the start of the message's delivery clock.
    public var timestamp: Timestamp

    public init(id: MessageID, handoffID: HandoffID, senderType: SenderType, senderID: AgentID?, content: String, timestamp: Timestamp) {
        self.id = id
        self.handoffID = handoffID
        self.senderType = senderType
        self.senderID = senderID
        self.content = content
        self.timestamp = timestamp
    }

    public init(_ message: Message) {
        self.init(id: message.id, handoffID: message.handoffID, senderType: message.senderType, senderID: message.senderID,
                  content: message.content, timestamp: message.timestamp)
    }
}

extension TenantMetrics {
    /// What changed since `baseline`: counters and gauges as differences, the mean wait over the
    /// pick-ups made since (a live server may have served earlier runs; a scenario checks its own).
    /// The wait percentiles of the pick-ups since cannot be told from two snapshots: `nil`. The
    /// agents are the current ones.
    public func since(_ baseline: TenantMetrics) -> TenantMetrics {
        let picks = pickedUp - baseline.pickedUp
        var wait: Double?
        if picks > 0, let now = averageWaitMilliseconds {
            let before = (baseline.averageWaitMilliseconds ?? 0) * Double(baseline.pickedUp)
            wait = (now * Double(pickedUp) - before) / Double(picks)
        }
        return TenantMetrics(
            requestsInWindow: requestsInWindow - baseline.requestsInWindow, totalRequests: totalRequests - baseline.totalRequests,
            pickedUp: picks, resolved: resolved - baseline.resolved, abandoned: abandoned - baseline.abandoned,
            afterHours: afterHours - baseline.afterHours, pending: pending - baseline.pending, active: active - baseline.active,
            averageWaitMilliseconds: wait, waitP50Milliseconds: nil, waitP90Milliseconds: nil, waitP99Milliseconds: nil, agents: agents)
    }
}

/// The lists the reference agent dashboard polls (docs/api.md).
public enum AgentQueueList: String, Hashable, Sendable, CaseIterable {
    /// `GET /api/widget-handoffs/pending`, every 2 s.
    case pending
    /// `GET /api/widget-handoffs/active`, every 3 s.
    case active
    /// `GET /api/widget-handoffs`, every 5 s.
    case all
}
