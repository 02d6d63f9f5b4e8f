/// The lifecycle state of a handoff.
///
/// ```
///            request (an agent can take it)
///   ─────────────────────────────────▶ pending ──pick up / assign──▶ active ──resolve / end chat──▶ resolved
///                                         │
///                                         └──end chat (user withdraws)──▶ abandoned
///   request (nobody can take it) ─────▶ afterHours  (the email form fills in its contact)
/// ```
/// `resolved`, `abandoned` and `afterHours` are final. On the wire the engine's states map onto
/// the contract's strings through ``wireStatus``.
public enum HandoffState: String, Hashable, Sendable, Codable, CaseIterable {
    case pending, active, resolved, abandoned
    case afterHours = "after-hours"

    /// Waiting in the queue or being served: what a chat's second request returns again.
    public var isOpen: Bool { self == .pending || self == .active }

    /// The status string of the wire contract (`pending`, `active`, `resolved`, `after-hours`).
    /// A withdrawn request is over, so it reads `resolved`.
    public var wireStatus: String {
        switch self {
        case .pending: "pending"
        case .active: "active"
        case .resolved, .abandoned: "resolved"
        case .afterHours: "after-hours"
        }
    }
}

/// Who closed an active handoff.
public enum Resolver: Hashable, Sendable, Codable {
    case agent(AgentID)
    case user
}

/// One turn of the AI conversation that preceded the handoff.
public struct ChatTurn: Hashable, Sendable, Codable {
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// A request by a widget user to talk to a human.
public struct Handoff: Hashable, Sendable {
    public var id: HandoffID
    public var tenantID: TenantID
    public var chatID: ChatID
    public var state: HandoffState
    public var requestedAt: Timestamp
    public var pickedUpAt: Timestamp?
    /// When it became `resolved` or `abandoned`.
    public var resolvedAt: Timestamp?
    public var assignedAgentID: AgentID?
    public var resolvedBy: Resolver?
    public var userEmail: String?
    public var userMessage: String?
    public var conversationHistory: [ChatTurn]
    public var lastUserMessage: String?
    public var metadata: [String: String]

    /// Drops the reference-counted fields of a record the engine no longer needs, so a slot
    /// waits for reuse without holding memory. Writes only what is not already empty.
    mutating func clearPayload() {
        if !chatID.rawValue.isEmpty { chatID = .none }
        if userEmail != nil { userEmail = nil }
        if userMessage != nil { userMessage = nil }
        if !conversationHistory.isEmpty { conversationHistory = [] }
        if lastUserMessage != nil { lastUserMessage = nil }
        if !metadata.isEmpty { metadata = [:] }
    }

    /// Re-initialises a cleared record (``clearPayload()``) in place for a new request: the
    /// plain fields only, so a request made through the handle API (no payload) touches no
    /// reference-counted field. ``attach(_:)`` adds a widget request's payload.
    mutating func reset(id: HandoffID, tenantID: TenantID, state: HandoffState, requestedAt: Timestamp) {
        self.id = id
        self.tenantID = tenantID
        self.state = state
        self.requestedAt = requestedAt
        pickedUpAt = nil
        resolvedAt = nil
        assignedAgentID = nil
        resolvedBy = nil
    }

    /// Fills a cleared record's payload from the widget's request, writing only what it has.
    mutating func attach(_ request: HandoffRequest) {
        chatID = request.chatID
        if !request.conversationHistory.isEmpty { conversationHistory = request.conversationHistory }
        if let lastUserMessage = request.lastUserMessage { self.lastUserMessage = lastUserMessage }
        if !request.metadata.isEmpty { metadata = request.metadata }
    }

    /// `pickedUpAt − requestedAt`, once picked up.
    public var wait: Duration? { pickedUpAt.map { $0 - requestedAt } }

    /// A handoff from its stored fields (a database store's rows).
    public init(
        id: HandoffID, tenantID: TenantID, chatID: ChatID, state: HandoffState, requestedAt: Timestamp, pickedUpAt: Timestamp?,
        resolvedAt: Timestamp?, assignedAgentID: AgentID?, resolvedBy: Resolver?, userEmail: String?, userMessage: String?,
        conversationHistory: [ChatTurn], lastUserMessage: String?, metadata: [String: String]
    ) {
        self.id = id
        self.tenantID = tenantID
        self.chatID = chatID
        self.state = state
        self.requestedAt = requestedAt
        self.pickedUpAt = pickedUpAt
        self.resolvedAt = resolvedAt
        self.assignedAgentID = assignedAgentID
        self.resolvedBy = resolvedBy
        self.userEmail = userEmail
        self.userMessage = userMessage
        self.conversationHistory = conversationHistory
        self.lastUserMessage = lastUserMessage
        self.metadata = metadata
    }
}

/// What a widget sends to ask for a human.
public struct HandoffRequest: Hashable, Sendable {
    public var chatID: ChatID
    public var conversationHistory: [ChatTurn]
    public var lastUserMessage: String?
    public var metadata: [String: String]

    public init(chatID: ChatID, conversationHistory: [ChatTurn] = [], lastUserMessage: String? = nil, metadata: [String: String] = [:]) {
        self.chatID = chatID
        self.conversationHistory = conversationHistory
        self.lastUserMessage = lastUserMessage
        self.metadata = metadata
    }
}

/// The author of a message.
public enum SenderType: String, Hashable, Sendable, Codable, CaseIterable {
    case user, agent, system
}

/// One chat message of a handoff.
public struct Message: Hashable, Sendable {
    public var id: MessageID
    public var handoffID: HandoffID
    /// Position in the handoff's conversation, from 1: a strict total order.
    public var sequence: Int
    public var senderType: SenderType
    /// The agent's id for agent messages.
    public var senderID: AgentID?
    public var content: String
    /// Strictly increasing within a handoff (a message in the same millisecond as the previous
    /// one is stamped one millisecond later), so "since this timestamp" never skips or repeats.
    public var timestamp: Timestamp

    /// A message from its stored fields.
    public init(
        id: MessageID, handoffID: HandoffID, sequence: Int, senderType: SenderType, senderID: AgentID?, content: String, timestamp: Timestamp
    ) {
        self.id = id
        self.handoffID = handoffID
        self.sequence = sequence
        self.senderType = senderType
        self.senderID = senderID
        self.content = content
        self.timestamp = timestamp
    }
}
