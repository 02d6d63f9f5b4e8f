/// Texts the reference widget renders (docs/api.md).
public enum WidgetScreenTexts {
    public static let waiting = "An agent will be with you shortly..."
    public static func joined(_ agentName: String) -> String { "\(agentName) has joined the chat" }
    public static let agentEnded = "The agent has ended this conversation. Thank you!"
    public static let noAgents = "No agents are currently available"
}
