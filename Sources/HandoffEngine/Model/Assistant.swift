/// A tenant's scripted virtual AI assistant: what the widget talks to before it asks for a
/// human (`POST /api/widget/chat`). No model behind it, only a script, so runs are
/// reproducible:
///
/// - a new conversation opens with ``greeting``;
/// - each visitor message gets the reply of the first ``rules`` entry one of whose keywords it
///   contains (as whole words, case-insensitive), else ``defaultReply``; a message with no
///   letters or digits (the widget's opening "👋") gets no reply of its own;
/// - with ``handoffAfterMessages`` = N, the N-th visitor message (counting those with words)
///   also gets ``handoffSuggestion``, once: the deployment guide's "offer a human after N
///   messages".
public struct AssistantScript: Hashable, Sendable, Codable {
    public struct Rule: Hashable, Sendable, Codable {
        /// Words or phrases; matched as whole words, ignoring case.
        public var keywords: [String]
        public var reply: String

        public init(keywords: [String], reply: String) {
            self.keywords = keywords
            self.reply = reply
        }
    }

    public var greeting: String
    public var defaultReply: String
    public var rules: [Rule]
    public var handoffAfterMessages: Int?
    public var handoffSuggestion: String

    public static let defaultGreeting = "Hi! I'm the virtual assistant. How can I help you today?"
    public static let defaultDefaultReply = "I'm not sure I can help with that. You can ask to talk to a human from the menu."
    public static let defaultHandoffSuggestion = "Would you like to talk to a human? Choose \"Talk to a Human\" in the menu."

    public init(
        greeting: String = defaultGreeting, defaultReply: String = defaultDefaultReply, rules: [Rule] = [],
        handoffAfterMessages: Int? = nil, handoffSuggestion: String = defaultHandoffSuggestion
    ) {
        self.greeting = greeting
        self.defaultReply = defaultReply
        self.rules = rules
        self.handoffAfterMessages = handoffAfterMessages
        self.handoffSuggestion = handoffSuggestion
    }

    /// The replies to one visitor message.
    ///
    /// - Parameters:
    ///   - opensConversation: the message starts the conversation (the greeting comes first).
    ///   - wordyMessagesBefore: visitor messages with words earlier in this conversation.
    public func replies(to message: String, opensConversation: Bool, wordyMessagesBefore: Int) -> [String] {
        var replies: [String] = opensConversation ? [greeting] : []
        let words = Self.words(message)
        guard !words.isEmpty else { return replies }
        let rule = rules.first { rule in rule.keywords.contains { Self.contains(words, phrase: Self.words($0)) } }
        replies.append(rule?.reply ?? defaultReply)
        if let handoffAfterMessages, wordyMessagesBefore + 1 == handoffAfterMessages { replies.append(handoffSuggestion) }
        return replies
    }

    /// Whether a message counts toward ``handoffAfterMessages`` (it has letters or digits).
    public static func hasWords(_ message: String) -> Bool { !words(message).isEmpty }

    /// Lowercased runs of letters and digits.
    static func words(_ text: String) -> [Substring] {
        text.lowercased().split { !($0.isLetter || $0.isNumber) }
    }

    private static func contains(_ words: [Substring], phrase: [Substring]) -> Bool {
        guard !phrase.isEmpty, phrase.count <= words.count else { return false }
        return (0...(words.count - phrase.count)).contains { start in words[start..<(start + phrase.count)].elementsEqual(phrase) }
    }
}

/// Who said a line of a chat's history (`GET /api/widget/session/:chatId/history`).
public enum ChatRole: String, Hashable, Sendable, Codable {
    /// The visitor, to the assistant or to the agent.
    case user
    /// The scripted assistant.
    case assistant
    case agent
    case system
}

/// One line of a chat's history: the assistant phase's transcript, then the handoff's messages.
public struct ChatLine: Hashable, Sendable {
    public var id: MessageID
    public var role: ChatRole
    public var content: String
    public var timestamp: Timestamp

    public init(id: MessageID, role: ChatRole, content: String, timestamp: Timestamp) {
        self.id = id
        self.role = role
        self.content = content
        self.timestamp = timestamp
    }
}

/// The assistant's answer to one visitor message.
public struct AssistantTurn: Hashable, Sendable {
    /// The conversation: the caller's, or a new one when it sent none or an unknown one.
    public var chatID: ChatID
    /// The replies, in order.
    public var replies: [String]
    /// Whether this message started the conversation.
    public var started: Bool
}

/// A chat's whole history for a widget resuming after a page reload.
public struct ChatHistory: Hashable, Sendable {
    public var chatID: ChatID
    /// The handoff asked for (or the chat's latest), if any.
    public var handoff: Handoff?
    /// Transcript and handoff messages merged by time (transcript first on ties).
    public var lines: [ChatLine]
}
