import Foundation

// MARK: - Chat messages

extension HandoffCore {
    /// The widget user writes in an active chat. Only while `active`.
    public mutating func postUserMessage<Sink: EventSink>(
        _ content: String, handoff handoffID: HandoffID, tenant tenantID: TenantID, id: MessageID, now: Timestamp,
        events: inout Sink
    ) throws(HandoffError) -> Message {
        let slot = try handoffSlot(handoffID, tenant: try activeTenantSlot(tenantID))
        let message = try postMessage(slot: slot, sender: .user, agent: nil, content: content, id: id, now: now, events: &events)
        widgetIsPresent(slot)  // the visitor is still there
        return message
    }

    /// The assigned agent writes in an active chat. Any other agent gets
    /// ``HandoffError/notAssignee``; a chat that is not active ``HandoffError/handoffNotActive``.
    public mutating func postAgentMessage<Sink: EventSink>(
        _ content: String, handoff handoffID: HandoffID, by agentID: AgentID, id: MessageID, now: Timestamp,
        events: inout Sink
    ) throws(HandoffError) -> Message {
        let agent = try agentSlot(agentID)
        let slot = try handoffSlot(handoffID, tenant: agents[agent].tenant)
        return try postMessage(slot: slot, sender: .agent, agent: agent, content: content, id: id, now: now, events: &events)
    }

    /// The message rules, once (the id API and the handle API call this): the tenant active;
    /// an agent is seen now (even if refused), then the chat must be `active` and the agent its
    /// assignee; the content is validated; a user's text becomes the chat's last user message.
    mutating func postMessage<Sink: EventSink>(
        slot: Int, sender: SenderType, agent: Int?, content: String, id: MessageID, now: Timestamp, events: inout Sink
    ) throws(HandoffError) -> Message {
        guard tenants[handoffs[slot].tenant].tenant.status == .active else { throw .tenantSuspended }
        let now = stamp(now)
        if let agent { touch(agent, now: now) }
        guard handoffs[slot].handoff.state == .active else { throw .handoffNotActive }
        if let agent, handoffs[slot].agent != agent { throw .notAssignee }
        let text = try validatedContent(content)
        if sender == .user { handoffs[slot].handoff.lastUserMessage = text }
        return appendMessage(slot, sender: sender, agent: agent.map { agents[$0].agent.id }, content: text, id: id, now: now, events: &events)
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
