/// The contract's paths, in one place.
public enum APIPath {
    public static let widgetInit = "/api/widget/init"
    /// The AI phase: one message to the tenant's scripted assistant.
    public static let widgetChat = "/api/widget/chat"
    /// A chat's transcript and handoff messages, for a widget resuming after a reload.
    public static func widgetHistory(_ chatID: String) -> String { "/api/widget/session/\(chatID)/history" }
    public static let widgetHandoff = "/api/widget/handoff"
    public static func widgetStatus(_ handoffID: String) -> String { "/api/widget/handoff/\(handoffID)/status" }
    public static func widgetMessage(_ handoffID: String) -> String { "/api/widget/handoff/\(handoffID)/message" }
    public static func widgetMessages(_ handoffID: String) -> String { "/api/widget/handoff/\(handoffID)/messages" }
    public static let widgetEndChat = "/api/widget/end-chat"
    /// Our extension: a widget socket for one handoff (`?apiKey=&handoffId=`).
    public static let widgetSocket = "/api/widget/ws"

    public static let login = "/api/auth/login"
    /// The caller's own account (the reference dashboard checks its session with it).
    public static let me = "/api/auth/me"
    public static let heartbeat = "/api/auth/heartbeat"
    public static let logout = "/api/auth/logout"
    public static let handoffs = "/api/widget-handoffs"
    public static let pendingHandoffs = "/api/widget-handoffs/pending"
    public static let activeHandoffs = "/api/widget-handoffs/active"
    /// Our extension: closed handoffs, most recently closed first (`?limit=&before=`).
    public static let historyHandoffs = "/api/widget-handoffs/history"
    public static func handoff(_ id: String) -> String { "/api/widget-handoffs/\(id)" }
    public static func pickUp(_ id: String) -> String { "/api/widget-handoffs/\(id)/pickup" }
    public static func resolve(_ id: String) -> String { "/api/widget-handoffs/\(id)/resolve" }
    public static func sendMessage(_ id: String) -> String { "/api/widget-handoffs/\(id)/send-message" }
    public static func handoffMessages(_ id: String) -> String { "/api/widget-handoffs/\(id)/messages" }
    /// Our extension: an admin assigns a pending handoff.
    public static func assign(_ id: String) -> String { "/api/widget-handoffs/\(id)/assign" }
    public static let agents = "/api/human-agents"
    public static let availableAgents = "/api/human-agents/available"
    public static func agentStatus(_ id: String) -> String { "/api/human-agents/\(id)/status" }
    /// Our extension: the tenant's dashboard metrics as JSON.
    public static let dashboardMetrics = "/api/metrics/dashboard"

    public static let agentSocket = "/api/ws"
    public static let health = "/health"
    public static let prometheus = "/metrics"
}
