/// Response texts of the wire contract (docs/api.md) that clients match on. Defined once for
/// the server and for the in-process driver, which must answer exactly as the server does.
public enum WireTexts {
    public static let handoffCreated = "Handoff request created. An agent will be with you shortly."
    /// The answer to a request for a chat an agent is already handling (our wording: the
    /// reference platform has no such case).
    public static let alreadyConnected = "You are already connected to an agent."
    public static let noAgentsAvailable = "No agents available. Please leave your contact information."
    public static let afterHoursReceived = "Thank you! We've received your request and will get back to you soon."
    public static let chatEnded = "Chat ended successfully"
    public static let userEndedChat = "User ended the chat"
}
