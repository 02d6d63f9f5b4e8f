/// The wire contract of docs/api.md as Codable types: the one definition shared by the server,
/// the harness's live driver and loadgen. Field names are the contract's (camelCase); times are
/// ISO-8601 UTC strings with milliseconds; ids are UUID strings. No engine types here, so a
/// client of the contract needs nothing else.

// MARK: - Shared shapes

/// `{"error": "...", "message": "...", "details": [{"field", "problem"}]}`.
public struct ErrorBody: Codable, Hashable, Sendable {
    public struct Detail: Codable, Hashable, Sendable {
        public var field: String
        public var problem: String
        public init(field: String, problem: String) {
            self.field = field
            self.problem = problem
        }
    }

    public var error: String
    public var message: String?
    public var details: [Detail]?

    public init(error: String, message: String? = nil, details: [Detail]? = nil) {
        self.error = error
        self.message = message
        self.details = details
    }

    /// The text a client shows: `message` when present (the 403 of a non-assignee), else `error`.
    public var displayText: String { message ?? error }
}

/// One turn of the AI conversation before the handoff.
public struct ChatTurnBody: Codable, Hashable, Sendable {
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
}

/// `{success: true}`.
public struct SuccessBody: Codable, Hashable, Sendable {
    public var success: Bool
    public var message: String?
    public init(success: Bool = true, message: String? = nil) {
        self.success = success
        self.message = message
    }
}

/// A handoff as agent endpoints return it.
public struct HandoffBody: Codable, Hashable, Sendable {
    public var id: String
    public var tenantId: String
    public var chatId: String
    public var status: String
    public var requestedAt: String
    public var pickedUpAt: String?
    public var resolvedAt: String?
    public var assignedAgentId: String?
    public var userEmail: String?
    public var userMessage: String?
    public var conversationHistory: [ChatTurnBody]
    public var lastUserMessage: String?
    public var metadata: [String: String]?

    public init(id: String, tenantId: String, chatId: String, status: String, requestedAt: String, pickedUpAt: String?,
                resolvedAt: String?, assignedAgentId: String?, userEmail: String?, userMessage: String?,
                conversationHistory: [ChatTurnBody], lastUserMessage: String?, metadata: [String: String]?) {
        self.id = id
        self.tenantId = tenantId
        self.chatId = chatId
        self.status = status
        self.requestedAt = requestedAt
        self.pickedUpAt = pickedUpAt
        self.resolvedAt = resolvedAt
        self.assignedAgentId = assignedAgentId
        self.userEmail = userEmail
        self.userMessage = userMessage
        self.conversationHistory = conversationHistory
        self.lastUserMessage = lastUserMessage
        self.metadata = metadata
    }
}

/// A chat message.
public struct MessageBody: Codable, Hashable, Sendable {
    public var id: String
    public var handoffId: String
    /// `user`, `agent` or `system`.
    public var senderType: String
    public var senderId: String?
    public var content: String
    public var timestamp: String

    public init(id: String, handoffId: String, senderType: String, senderId: String?, content: String, timestamp: String) {
        self.id = id
        self.handoffId = handoffId
        self.senderType = senderType
        self.senderId = senderId
        self.content = content
        self.timestamp = timestamp
    }
}

/// A human agent.
public struct AgentBody: Codable, Hashable, Sendable {
    public var id: String
    public var tenantId: String
    public var name: String
    public var email: String
    /// `available`, `busy` or `offline`.
    public var status: String
    public var activeChats: Int
    public var maxChats: Int
    public var createdAt: String
    public var lastSeen: String

    public init(id: String, tenantId: String, name: String, email: String, status: String, activeChats: Int, maxChats: Int,
                createdAt: String, lastSeen: String) {
        self.id = id
        self.tenantId = tenantId
        self.name = name
        self.email = email
        self.status = status
        self.activeChats = activeChats
        self.maxChats = maxChats
        self.createdAt = createdAt
        self.lastSeen = lastSeen
    }
}

// MARK: - Widget endpoints (API key in body or query)

public struct WidgetInitRequest: Codable, Hashable, Sendable {
    public var apiKey: String
    public var referrer: String?
    public init(apiKey: String, referrer: String? = nil) {
        self.apiKey = apiKey
        self.referrer = referrer
    }
}

/// `POST /api/widget/chat`: one visitor message to the tenant's scripted assistant. No
/// `chatId` (or an unknown one) starts a conversation.
public struct WidgetChatRequest: Codable, Hashable, Sendable {
    public var apiKey: String
    public var message: String
    public var chatId: String?
    public var referrer: String?

    public init(apiKey: String, message: String, chatId: String? = nil, referrer: String? = nil) {
        self.apiKey = apiKey
        self.message = message
        self.chatId = chatId
        self.referrer = referrer
    }
}

/// The assistant's answer: the conversation's id (always sent; the widget keeps it) and the
/// replies, each a plain string.
public struct WidgetChatResponse: Codable, Hashable, Sendable {
    public var chatId: String
    public var messages: [String]

    public init(chatId: String, messages: [String]) {
        self.chatId = chatId
        self.messages = messages
    }
}

/// One line of `GET /api/widget/session/:chatId/history`.
public struct ChatHistoryMessage: Codable, Hashable, Sendable {
    public var id: String
    /// `user`, `assistant`, `agent` or `system`.
    public var role: String
    public var content: String
    public var timestamp: String

    public init(id: String, role: String, content: String, timestamp: String) {
        self.id = id
        self.role = role
        self.content = content
        self.timestamp = timestamp
    }
}

/// `GET /api/widget/session/:chatId/history`: what a widget resuming after a reload shows.
/// `handoffStatus` is the handoff's status, or `none` without one.
public struct ChatHistoryResponse: Codable, Hashable, Sendable {
    public var chatId: String
    @ExplicitNull public var handoffId: String?
    public var handoffStatus: String
    public var messages: [ChatHistoryMessage]

    public init(chatId: String, handoffId: String?, handoffStatus: String, messages: [ChatHistoryMessage]) {
        self.chatId = chatId
        self.handoffId = handoffId
        self.handoffStatus = handoffStatus
        self.messages = messages
    }
}

/// `POST /api/widget/init`: the tenant's widget settings. This server has no WhatsApp channel:
/// `whatsappAvailable` is `false` and `whatsappPhoneNumber` `null` (the reference widget reads
/// both, and treats their absence as unavailable — so does the decoder here).
public struct WidgetInitResponse: Codable, Hashable, Sendable {
    public var tenantId: String
    public var greeting: String
    public var primaryColor: String
    public var textColor: String
    public var borderRadius: String
    public var position: String
    public var whatsappAvailable: Bool
    @ExplicitNull public var whatsappPhoneNumber: String?

    enum CodingKeys: String, CodingKey {
        case tenantId, greeting, primaryColor, textColor, borderRadius, position, whatsappAvailable, whatsappPhoneNumber
    }

    public init(
        tenantId: String, greeting: String, primaryColor: String, textColor: String, borderRadius: String, position: String,
        whatsappAvailable: Bool = false, whatsappPhoneNumber: String? = nil
    ) {
        self.tenantId = tenantId
        self.greeting = greeting
        self.primaryColor = primaryColor
        self.textColor = textColor
        self.borderRadius = borderRadius
        self.position = position
        self.whatsappAvailable = whatsappAvailable
        self.whatsappPhoneNumber = whatsappPhoneNumber
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            tenantId: try c.decode(String.self, forKey: .tenantId), greeting: try c.decode(String.self, forKey: .greeting),
            primaryColor: try c.decode(String.self, forKey: .primaryColor), textColor: try c.decode(String.self, forKey: .textColor),
            borderRadius: try c.decode(String.self, forKey: .borderRadius), position: try c.decode(String.self, forKey: .position),
            whatsappAvailable: try c.decodeIfPresent(Bool.self, forKey: .whatsappAvailable) ?? false,
            whatsappPhoneNumber: try c.decodeIfPresent(String.self, forKey: .whatsappPhoneNumber))
    }

}

/// `POST /api/widget/handoff`: a request for a human, or (with `userEmail`) the after-hours form.
public struct HandoffRequestBody: Codable, Hashable, Sendable {
    public var apiKey: String
    public var chatId: String
    public var conversationHistory: [ChatTurnBody]?
    public var lastUserMessage: String?
    public var userEmail: String?
    public var userMessage: String?
    public var referrer: String?

    public init(apiKey: String, chatId: String, conversationHistory: [ChatTurnBody]? = nil, lastUserMessage: String? = nil,
                userEmail: String? = nil, userMessage: String? = nil, referrer: String? = nil) {
        self.apiKey = apiKey
        self.chatId = chatId
        self.conversationHistory = conversationHistory
        self.lastUserMessage = lastUserMessage
        self.userEmail = userEmail
        self.userMessage = userMessage
        self.referrer = referrer
    }
}

public struct HandoffCreatedResponse: Codable, Hashable, Sendable {
    public var handoffId: String
    /// `pending`, `active` (an already open chat) or `after-hours`.
    public var status: String
    public var message: String
    public init(handoffId: String, status: String, message: String) {
        self.handoffId = handoffId
        self.status = status
        self.message = message
    }
}

/// `GET /api/widget/handoff/:id/status`.
public struct HandoffStatusResponse: Codable, Hashable, Sendable {
    public var status: String
    @ExplicitNull public var agentName: String?
    @ExplicitNull public var pickedUpAt: String?
    @ExplicitNull public var resolvedAt: String?
    public init(status: String, agentName: String?, pickedUpAt: String?, resolvedAt: String?) {
        self.status = status
        self.agentName = agentName
        self.pickedUpAt = pickedUpAt
        self.resolvedAt = resolvedAt
    }

}

public struct WidgetMessageRequest: Codable, Hashable, Sendable {
    public var apiKey: String
    public var message: String
    public var referrer: String?
    public init(apiKey: String, message: String, referrer: String? = nil) {
        self.apiKey = apiKey
        self.message = message
        self.referrer = referrer
    }
}

public struct MessagesResponse: Codable, Hashable, Sendable {
    public var messages: [MessageBody]
    public init(messages: [MessageBody]) { self.messages = messages }
}

public struct EndChatRequest: Codable, Hashable, Sendable {
    public var apiKey: String
    public var chatId: String
    public var handoffId: String?
    public var referrer: String?
    public init(apiKey: String, chatId: String, handoffId: String? = nil, referrer: String? = nil) {
        self.apiKey = apiKey
        self.chatId = chatId
        self.handoffId = handoffId
        self.referrer = referrer
    }
}

// MARK: - Agent endpoints (Bearer JWT)

public struct LoginRequest: Codable, Hashable, Sendable {
    public var email: String
    public var password: String
    public init(email: String, password: String) {
        self.email = email
        self.password = password
    }
}

public struct UserBody: Codable, Hashable, Sendable {
    public var id: String
    public var email: String
    public var firstName: String
    public var lastName: String
    public var role: String
    public var tenantId: String?
    public var isPlatformAdmin: Bool
    public init(id: String, email: String, firstName: String, lastName: String, role: String, tenantId: String?, isPlatformAdmin: Bool) {
        self.id = id
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.role = role
        self.tenantId = tenantId
        self.isPlatformAdmin = isPlatformAdmin
    }
}

public struct LoginResponse: Codable, Hashable, Sendable {
    public var token: String
    public var user: UserBody
    public init(token: String, user: UserBody) {
        self.token = token
        self.user = user
    }
}

public struct HeartbeatResponse: Codable, Hashable, Sendable {
    public var ok: Bool
    public init(ok: Bool = true) { self.ok = ok }
}

public struct LogoutResponse: Codable, Hashable, Sendable {
    public var message: String
    public init(message: String = "Logged out successfully") { self.message = message }
}

public struct SendMessageRequest: Codable, Hashable, Sendable {
    public var message: String
    public init(message: String) { self.message = message }
}

/// `POST /api/widget-handoffs/:id/assign` (our extension: an admin gives a chat to an agent).
public struct AssignRequest: Codable, Hashable, Sendable {
    public var agentId: String
    public init(agentId: String) { self.agentId = agentId }
}

public struct CreateAgentRequest: Codable, Hashable, Sendable {
    public var name: String
    public var email: String
    public var status: String?
    public var maxChats: Int?
    public init(name: String, email: String, status: String? = nil, maxChats: Int? = nil) {
        self.name = name
        self.email = email
        self.status = status
        self.maxChats = maxChats
    }
}

public struct StatusRequest: Codable, Hashable, Sendable {
    public var status: String
    public init(status: String) { self.status = status }
}
