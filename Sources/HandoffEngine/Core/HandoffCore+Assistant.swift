import DequeModule

// MARK: - The scripted assistant and chat history

extension HandoffCore {
    /// One conversation with the assistant: its transcript and how many visitor messages had
    /// words (for ``AssistantScript/handoffAfterMessages``).
    struct AssistantChat: Sendable {
        var tenant: Int
        var lines: [ChatLine]
        var wordyMessages: Int
    }

    /// Conversations kept at once, over all tenants; starting one more forgets the oldest.
    public static let assistantChatLimit = 100_000
    /// Lines kept per transcript; beyond it the oldest are forgotten.
    public static let transcriptLimit = 200

    /// A visitor writes to the tenant's scripted assistant (``Tenant/assistant``).
    ///
    /// A missing `chat`, or one this tenant has no conversation under, starts a new
    /// conversation with id `newChat` (the widget reads a refusal here as "chat ended" and
    /// restarts in a loop, so an unknown id is never an error). The message and the replies
    /// join the chat's transcript, which becomes the handoff's conversation history when the
    /// widget asks for a human without sending one (``requestHandoff(_:tenant:id:now:events:)``).
    ///
    /// - Parameter newID: makes the id of each transcript line (one per message and reply).
    public mutating func converse(
        _ message: String, chat: ChatID?, tenant tenantID: TenantID, newChat: ChatID, now: Timestamp, newID: () -> MessageID
    ) throws(HandoffError) -> AssistantTurn {
        let tenant = try activeTenantSlot(tenantID)
        let text = try validatedContent(message)
        let now = stamp(now)
        let known = chat.flatMap { id in assistantChats[id]?.tenant == tenant ? id : nil }
        let chatID = known ?? newChat
        if known == nil {
            try Self.validateChatID(newChat)
            guard assistantChats[newChat] == nil else { throw .duplicate("chatId", "Chat \(newChat) already exists") }
            if assistantChatOrder.count >= Self.assistantChatLimit, let oldest = assistantChatOrder.popFirst() {
                assistantChats[oldest] = nil
            }
            assistantChats[newChat] = AssistantChat(tenant: tenant, lines: [], wordyMessages: 0)
            assistantChatOrder.append(newChat)
        }
        let script = tenants[tenant].tenant.assistant
        let replies = script.replies(to: text, opensConversation: known == nil, wordyMessagesBefore: assistantChats[chatID]!.wordyMessages)
        assistantChats[chatID]!.append(ChatLine(id: newID(), role: .user, content: text, timestamp: now))
        if AssistantScript.hasWords(text) { assistantChats[chatID]!.wordyMessages += 1 }
        for reply in replies {
            assistantChats[chatID]!.append(ChatLine(id: newID(), role: .assistant, content: reply, timestamp: now))
        }
        return AssistantTurn(chatID: chatID, replies: replies, started: known == nil)
    }

    /// The chat's transcript as the conversation history of a handoff (roles `user` and
    /// `assistant`), or `nil` when the tenant has no conversation under that id.
    func assistantHistory(chat: ChatID, tenant: Int) -> [ChatTurn]? {
        guard let conversation = assistantChats[chat], conversation.tenant == tenant else { return nil }
        return conversation.lines.map { ChatTurn(role: $0.role.rawValue, content: $0.content) }
    }

    /// What a widget resuming after a page reload shows: the assistant transcript, then the
    /// handoff's messages (roles `user`, `agent`, `system`), merged by time.
    ///
    /// The handoff is `handoff` when given (it must be this tenant's and this chat's, else
    /// ``HandoffError/handoffNotFound``), otherwise the chat's newest retained one. A chat id
    /// the tenant knows nothing of has an empty history; one that is another tenant's
    /// conversation is ``HandoffError/chatNotFound``. Reads only.
    /// A widget reading its history is back (a reload): a pending end-chat of the handoff is
    /// cancelled.
    public mutating func chatHistory(chat: ChatID, handoff handoffID: HandoffID?, tenant tenantID: TenantID) throws(HandoffError) -> ChatHistory {
        let tenant = try tenantSlot(tenantID)
        let conversation = assistantChats[chat]
        if let conversation, conversation.tenant != tenant { throw .chatNotFound }
        let slot: Int?
        if let handoffID {
            let found = try handoffSlot(handoffID, tenant: tenant)
            guard handoffs[found].handoff.chatID == chat else { throw .handoffNotFound }
            slot = found
        } else {
            slot = chats[ChatKey(tenant: tenant, chat: chat)]
        }
        let transcript = conversation?.lines ?? []
        let messages = slot.map { handoffs[$0].messages } ?? []
        var lines: [ChatLine] = []
        lines.reserveCapacity(transcript.count + messages.count)
        var next = 0
        for message in messages {
            while next < transcript.count, transcript[next].timestamp <= message.timestamp {
                lines.append(transcript[next])
                next += 1
            }
            lines.append(ChatLine(id: message.id, role: ChatRole(message.senderType), content: message.content, timestamp: message.timestamp))
        }
        lines.append(contentsOf: transcript[next...])
        if let slot { widgetIsPresent(slot) }
        return ChatHistory(chatID: chat, handoff: slot.map { handoffs[$0].handoff }, lines: lines)
    }
}

extension HandoffCore.AssistantChat {
    mutating func append(_ line: ChatLine) {
        if lines.count >= HandoffCore.transcriptLimit { lines.removeFirst(lines.count - HandoffCore.transcriptLimit + 1) }
        lines.append(line)
    }
}

extension ChatRole {
    init(_ sender: SenderType) {
        switch sender {
        case .user: self = .user
        case .agent: self = .agent
        case .system: self = .system
        }
    }
}
