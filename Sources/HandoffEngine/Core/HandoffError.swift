/// Why the engine refused a command.
///
/// A struct wrapping a code, so new cases never break callers' `switch`es. The `message` is the
/// text clients of the reference platform show (docs/api.md), where it has one; the server maps
/// codes to HTTP status in one place, and the engine never knows status codes.
public struct HandoffError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of refusal. Compare with `==` or match in a `switch` with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        public static let tenantNotFound = Code("tenantNotFound")
        public static let tenantSuspended = Code("tenantSuspended")
        public static let invalidAPIKey = Code("invalidAPIKey")
        public static let domainNotAllowed = Code("domainNotAllowed")
        public static let userNotFound = Code("userNotFound")
        public static let invalidCredentials = Code("invalidCredentials")
        public static let forbidden = Code("forbidden")
        public static let agentNotFound = Code("agentNotFound")
        public static let handoffNotFound = Code("handoffNotFound")
        public static let chatNotFound = Code("chatNotFound")
        public static let handoffNotAvailable = Code("handoffNotAvailable")
        public static let handoffNotActive = Code("handoffNotActive")
        public static let notAssignee = Code("notAssignee")
        public static let agentNotAvailable = Code("agentNotAvailable")
        public static let agentAtCapacity = Code("agentAtCapacity")
        public static let duplicate = Code("duplicate")
        public static let invalidInput = Code("invalidInput")
        public static let unavailable = Code("unavailable")
    }

    public let code: Code
    /// Human-readable, safe to show a client.
    public let message: String
    /// For ``Code/invalidInput`` and ``Code/duplicate``: the offending field.
    public let field: String?

    init(_ code: Code, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    public var description: String { field.map { "\(message) (\($0))" } ?? message }

    public static let tenantNotFound = HandoffError(.tenantNotFound, "Tenant not found")
    public static let tenantSuspended = HandoffError(.tenantSuspended, "Tenant is suspended")
    public static let invalidAPIKey = HandoffError(.invalidAPIKey, "Invalid API key")
    public static let domainNotAllowed = HandoffError(.domainNotAllowed, "Domain not allowed")
    public static let userNotFound = HandoffError(.userNotFound, "User not found")
    public static let invalidCredentials = HandoffError(.invalidCredentials, "Invalid credentials")
    public static let agentNotFound = HandoffError(.agentNotFound, "Agent record not found")
    public static let handoffNotFound = HandoffError(.handoffNotFound, "Handoff not found")
    public static let chatNotFound = HandoffError(.chatNotFound, "Chat not found")
    public static let handoffNotAvailable = HandoffError(.handoffNotAvailable, "Handoff is not available")
    public static let handoffNotActive = HandoffError(.handoffNotActive, "Handoff is not active")
    public static let notAssignee = HandoffError(.notAssignee, "This conversation is assigned to another agent")
    public static let agentNotAvailable = HandoffError(.agentNotAvailable, "Agent is not available")
    public static let agentAtCapacity = HandoffError(.agentAtCapacity, "Agent is at capacity")
    /// The store could not do the work now (cancelled while waiting, or shutting down).
    public static let unavailable = HandoffError(.unavailable, "Service unavailable, try again")

    public static func forbidden(_ action: String) -> HandoffError {
        HandoffError(.forbidden, "Insufficient permissions to \(action)")
    }

    public static func duplicate(_ field: String, _ message: String) -> HandoffError {
        HandoffError(.duplicate, message, field: field)
    }

    public static func invalid(_ field: String, _ problem: String) -> HandoffError {
        HandoffError(.invalidInput, problem, field: field)
    }
}
