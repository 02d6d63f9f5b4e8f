import Foundation

// MARK: - Chat messages

extension HandoffCore {
    /// The widget user writes in an active chat. Only while `active`.
    public mutating func postUserMessage<Sink: EventSink>(
        _ content: String, handoff handoffID: HandoffID, tenant tenantID: TenantID, id: MessageID, now: Timestamp,
        events: inout Sink
    ) throws(HandoffError) -> Message {
        let tenant = try activeTenantSlot(tenantID)
        let slot = try handoffSlot(handoffID, tenant: tenant)
        guard handoffs[slot].handoff.state == .active else { throw .handoffNotActive }
        let text = try validatedContent(content)
        handoffs[slot].handoff.lastUserMessage = text
        return appendMessage(slot, sender: .user, agent: nil, content: text, id: id, now: stamp(now), events: &events)
    }

    /// The assigned agent writes in an active chat. Any other agent gets
    /// ``HandoffError/notAssignee``; a chat that is not active ``HandoffError/handoffNotActive``.
    public mutating func postAgentMessage<Sink: EventSink>(
        _ content: String, handoff handoffID: HandoffID, by agentID: AgentID, id: MessageID, now: Timestamp,
        events: inout Sink
    ) throws(HandoffError) -> Message {
        let agent = try agentSlot(agentID)
        let slot = try handoffSlot(handoffID, tenant: agents[agent].tenant)
        let now = stamp(now)
        touch(agent, now: now)
        guard handoffs[slot].handoff.state == .active else { throw .handoffNotActive }
        guard handoffs[slot].agent == agent else { throw .notAssignee }
        let text = try validatedContent(content)
        return appendMessage(slot, sender: .agent, agent: agentID, content: text, id: id, now: now, events: &events)
    }

    /// A system notice in an active chat (for example "Ann has joined the chat").
    public mutating func postSystemMessage<Sink: EventSink>(
        _ content: String, handoff handoffID: HandoffID, tenant tenantID: TenantID, id: MessageID, now: Timestamp,
        events: inout Sink
    ) throws(HandoffError) -> Message {
        let slot = try handoffSlot(handoffID, tenant: try tenantSlot(tenantID))
        guard handoffs[slot].handoff.state == .active else { throw .handoffNotActive }
        return appendMessage(slot, sender: .system, agent: nil, content: try validatedContent(content), id: id, now: stamp(now), events: &events)
    }

    /// Appends with the next sequence number and a timestamp strictly after the previous
    /// message's, so "messages since T" is exact at the wire's millisecond precision.
    @discardableResult
    mutating func appendMessage<Sink: EventSink>(
        _ slot: Int, sender: SenderType, agent: AgentID?, content: String, id: MessageID, now: Timestamp, events: inout Sink
    ) -> Message {
        var timestamp = now
        if let last = handoffs[slot].messages.last, last.timestamp >= timestamp {
            timestamp = last.timestamp + .milliseconds(1)
        }
        let message = Message(
            id: id, handoffID: handoffs[slot].handoff.id, sequence: handoffs[slot].messages.count + 1, senderType: sender,
            senderID: agent, content: content, timestamp: timestamp)
        handoffs[slot].messages.append(message)
        events.record(.messagePosted(message, tenantID: handoffs[slot].handoff.tenantID))
        return message
    }

    /// Message text without surrounding white space: not empty, not over the length limit.
    func validatedContent(_ content: String) throws(HandoffError) -> String {
        let scalars = content.unicodeScalars
        let padded = scalars.first.map { $0.properties.isWhitespace } ?? true || scalars.last.map { $0.properties.isWhitespace } ?? true
        let text = padded ? content.trimmingCharacters(in: .whitespacesAndNewlines) : content
        guard !text.isEmpty else { throw .invalid("message", "Message must not be empty") }
        guard text.count <= configuration.maxMessageLength else {
            throw .invalid("message", "Message is longer than \(configuration.maxMessageLength) characters")
        }
        return text
    }
}
