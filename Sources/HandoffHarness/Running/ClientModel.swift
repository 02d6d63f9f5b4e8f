/// How the virtual clients learn about changes: what they poll, and how often.
///
/// ``reference`` is the reference platform's clients (CONTRACT.md §4): the widget polls its
/// handoff's status every 2 s and, while active, its messages every 1 s; an agent's open chat
/// polls messages every 1 s and the agent heartbeats every 30 s. A check such as "the widget
/// sees the reply within 2 s" therefore holds only if the service delivers within the polling
/// schedule — exactly what a real widget would experience.
public struct ClientModel: Hashable, Sendable {
    public var name: String
    public var widgetStatusInterval: Duration
    public var widgetMessagesInterval: Duration
    public var agentMessagesInterval: Duration
    public var heartbeatInterval: Duration

    public init(name: String, widgetStatusInterval: Duration, widgetMessagesInterval: Duration, agentMessagesInterval: Duration,
                heartbeatInterval: Duration) {
        self.name = name
        self.widgetStatusInterval = widgetStatusInterval
        self.widgetMessagesInterval = widgetMessagesInterval
        self.agentMessagesInterval = agentMessagesInterval
        self.heartbeatInterval = heartbeatInterval
    }

    public static let reference = ClientModel(
        name: "reference", widgetStatusInterval: .seconds(2), widgetMessagesInterval: .seconds(1), agentMessagesInterval: .seconds(1),
        heartbeatInterval: .seconds(30))
}

/// Texts the reference widget renders (CONTRACT.md §3, "Widget-visible texts").
public enum WidgetScreenTexts {
    public static let waiting = "An agent will be with you shortly..."
    public static func joined(_ agentName: String) -> String { "\(agentName) has joined the chat" }
    public static let agentEnded = "The agent has ended this conversation. Thank you!"
    public static let noAgents = "No agents are currently available"
    public static let contactReceived = "Thank you! We've received your request and will get back to you soon."
}
