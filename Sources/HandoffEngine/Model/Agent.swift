/// A human agent's presence as the agent (or an administrator) set it.
///
/// - `available`: takes new handoffs while `activeChats < maxChats`.
/// - `busy`: keeps its chats, takes no new ones. Only a person sets it; heartbeats never clear it.
/// - `offline`: keeps its chats (they continue), takes no new ones. Set by logout, by hand, or by
///   the inactivity sweep.
public enum AgentStatus: String, Hashable, Sendable, Codable, CaseIterable {
    case available, busy, offline
}

/// A human agent of one tenant.
public struct Agent: Hashable, Sendable {
    public var id: AgentID
    public var tenantID: TenantID
    public var name: String
    /// Unique per tenant; links the agent to the login account with the same email.
    public var email: String
    public var status: AgentStatus
    public var activeChats: Int
    public var maxChats: Int
    public var createdAt: Timestamp
    public var lastSeen: Timestamp

    public init(
        id: AgentID, tenantID: TenantID, name: String, email: String, status: AgentStatus,
        activeChats: Int = 0, maxChats: Int, createdAt: Timestamp, lastSeen: Timestamp
    ) {
        self.id = id
        self.tenantID = tenantID
        self.name = name
        self.email = email
        self.status = status
        self.activeChats = activeChats
        self.maxChats = maxChats
        self.createdAt = createdAt
        self.lastSeen = lastSeen
    }

    /// Whether this agent can take one more handoff now: the one capacity rule of the engine.
    public var canTakeHandoff: Bool { status == .available && activeChats < maxChats }
}
