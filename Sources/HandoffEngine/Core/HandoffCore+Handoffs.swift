import Foundation

/// What a handoff request led to.
public enum RequestOutcome: Hashable, Sendable {
    /// A new request joined the pending queue: an agent can take it.
    case queued(Handoff)
    /// The chat already had an open handoff; that one is returned, nothing new was created.
    case alreadyOpen(Handoff)
    /// Nobody can take it now; the widget should offer the email form.
    case afterHours(Handoff)

    public var handoff: Handoff {
        switch self {
        case .queued(let h), .alreadyOpen(let h), .afterHours(let h): h
        }
    }
}

/// What ending a chat from the widget did.
public enum EndChatOutcome: Hashable, Sendable {
    /// The active handoff was resolved by the user.
    case resolved(Handoff)
    /// The pending request was withdrawn from the queue (counted as abandoned).
    case withdrawn(Handoff)
    /// Nothing was open for that chat (already ended, or never requested): nothing changed.
    case nothingOpen
}

// MARK: - The handoff lifecycle

extension HandoffCore {
    /// A widget user asks for a human.
    ///
    /// If any agent of the tenant can take a handoff now (``Agent/canTakeHandoff``), the request
    /// joins the tenant's FIFO queue as `pending`; otherwise it is recorded as `after-hours`
    /// (in history, never in the queue) and the widget offers the email form. A chat that
    /// already has an open handoff gets that one back: no duplicates.
    ///
    /// - Parameter id: the id to give a new handoff (unused when one is already open).
    /// - Complexity: O(1) amortised.
    public mutating func requestHandoff<Sink: EventSink>(
        _ request: HandoffRequest, tenant tenantID: TenantID, id: HandoffID, now: Timestamp, events: inout Sink
    ) throws(HandoffError) -> RequestOutcome {
        let tenant = try activeTenantSlot(tenantID)
        try Self.validateChatID(request.chatID)
        let key = ChatKey(tenant: tenant, chat: request.chatID)
        if let slot = chats[key], handoffs[slot].handoff.state.isOpen { return .alreadyOpen(handoffs[slot].handoff) }
        let canServe = tenants[tenant].eligibleAgents > 0
        let slot = try insert(
            id: id, tenant: tenant, chat: request.chatID, state: canServe ? .pending : .afterHours, now: stamp(now),
            history: request.conversationHistory, lastUserMessage: request.lastUserMessage, metadata: request.metadata)
        if canServe {
            tenants[tenant].pending.append(slot, in: &handoffs)
            events.record(.handoffRequested(handoffs[slot].handoff))
            return .queued(handoffs[slot].handoff)
        }
        tenants[tenant].metrics.afterHours += 1
        let handoff = handoffs[slot].handoff
        events.record(.afterHoursRecorded(handoff))
        retire(slot)
        return .afterHours(handoff)
    }

    /// The widget's after-hours form: the user leaves an email (and optionally a message).
    ///
    /// Fills in the chat's after-hours record when it is still waiting for a contact, so one
    /// conversation is one row of history (the reference inserts a second pending row: defect
    /// 5); otherwise records a new after-hours request. A chat with an open handoff keeps it and
    /// the contact is attached to it.
    public mutating func submitAfterHours<Sink: EventSink>(
        chat chatID: ChatID, email: String, message: String?, tenant tenantID: TenantID, id: HandoffID, now: Timestamp,
        events: inout Sink
    ) throws(HandoffError) -> Handoff {
        let tenant = try activeTenantSlot(tenantID)
        try Self.validateChatID(chatID)
        let email = try Self.normalizedEmail(email, field: "userEmail")
        let note = message?.trimmingCharacters(in: .whitespacesAndNewlines)
        if let note, note.count > configuration.maxMessageLength {
            throw .invalid("userMessage", "userMessage is longer than \(configuration.maxMessageLength) characters")
        }
        let userMessage = note?.isEmpty == false ? note : nil
        if let slot = chats[ChatKey(tenant: tenant, chat: chatID)] {
            let existing = handoffs[slot].handoff
            if existing.state.isOpen || (existing.state == .afterHours && existing.userEmail == nil) {
                handoffs[slot].handoff.userEmail = email
                handoffs[slot].handoff.userMessage = userMessage ?? existing.userMessage
                if existing.state == .afterHours { events.record(.afterHoursRecorded(handoffs[slot].handoff)) }
                return handoffs[slot].handoff
            }
        }
        let slot = try insert(
            id: id, tenant: tenant, chat: chatID, state: .afterHours, now: stamp(now), history: [], lastUserMessage: nil,
            metadata: [:])
        handoffs[slot].handoff.userEmail = email
        handoffs[slot].handoff.userMessage = userMessage
        tenants[tenant].metrics.afterHours += 1
        let handoff = handoffs[slot].handoff
        events.record(.afterHoursRecorded(handoff))
        retire(slot)
        return handoff
    }

    /// An agent takes a pending handoff of its own tenant.
    ///
    /// Atomic by construction (the core is a value mutated by one caller at a time): of any
    /// number of pick-ups of one handoff exactly one succeeds and the rest get
    /// ``HandoffError/handoffNotAvailable``. The agent must be `available` with a free slot
    /// (``HandoffError/agentNotAvailable``, ``HandoffError/agentAtCapacity``).
    public mutating func pickUp<Sink: EventSink>(
        _ handoffID: HandoffID, by agentID: AgentID, now: Timestamp, events: inout Sink
    ) throws(HandoffError) -> Handoff {
        let agent = try agentSlot(agentID)
        let slot = try handoffSlot(handoffID, tenant: agents[agent].tenant)
        _ = try activeTenantSlot(agents[agent].agent.tenantID)
        let now = stamp(now)
        touch(agent, now: now)
        try checkCanTake(slot, agent: agent)
        take(slot, agent: agent, now: now, events: &events)
        return handoffs[slot].handoff
    }

    /// A tenant administrator gives a pending handoff to one of the tenant's agents, under the
    /// same rules as a pick-up. `support_staff` may not assign.
    public mutating func assign<Sink: EventSink>(
        _ handoffID: HandoffID, to agentID: AgentID, by caller: Caller, now: Timestamp, events: inout Sink
    ) throws(HandoffError) -> Handoff {
        let agent = try agentSlot(agentID)
        let tenant = agents[agent].tenant
        if case .user(let userID) = caller, let user = users[userID], let userTenant = user.tenantID,
           userTenant != tenants[tenant].tenant.id {
            throw .agentNotFound  // another tenant's agent does not exist for this caller
        }
        try authorizeAdmin(caller, tenant: tenant, action: "assign handoffs")
        let slot = try handoffSlot(handoffID, tenant: tenant)
        _ = try activeTenantSlot(tenants[tenant].tenant.id)
        try checkCanTake(slot, agent: agent)
        take(slot, agent: agent, now: stamp(now), events: &events)
        return handoffs[slot].handoff
    }

    /// The assigned agent closes an active handoff, freeing exactly one of its slots.
    /// Anything but `active` is ``HandoffError/handoffNotActive`` (so a repeated or late resolve
    /// never frees a slot twice); another agent gets ``HandoffError/notAssignee``.
    public mutating func resolve<Sink: EventSink>(
        _ handoffID: HandoffID, by agentID: AgentID, now: Timestamp, events: inout Sink
    ) throws(HandoffError) -> Handoff {
        let agent = try agentSlot(agentID)
        let slot = try handoffSlot(handoffID, tenant: agents[agent].tenant)
        let now = stamp(now)
        touch(agent, now: now)
        guard handoffs[slot].handoff.state == .active else { throw .handoffNotActive }
        guard handoffs[slot].agent == agent else { throw .notAssignee }
        let handoff = close(slot, by: .agent(agentID), now: now, events: &events)
        return handoff
    }

    /// The widget user ends the chat (closes the widget, or the "end chat" button).
    ///
    /// Active: resolved by the user, with the system message "User ended the chat", freeing the
    /// agent's slot once. Pending: withdrawn from the queue and counted as abandoned (the
    /// reference leaves it queued forever: defect 4). Otherwise nothing changes.
    ///
    /// - Parameter handoffID: the handoff to end; `nil` ends the chat's newest handoff.
    public mutating func endChat<Sink: EventSink>(
        chat chatID: ChatID, handoff handoffID: HandoffID?, tenant tenantID: TenantID, systemMessageID: MessageID,
        now: Timestamp, events: inout Sink
    ) throws(HandoffError) -> EndChatOutcome {
        let tenant = try activeTenantSlot(tenantID)
        try Self.validateChatID(chatID)
        let slot: Int
        if let handoffID {
            slot = try handoffSlot(handoffID, tenant: tenant)
            guard handoffs[slot].handoff.chatID == chatID else { throw .handoffNotFound }
        } else {
            guard let found = chats[ChatKey(tenant: tenant, chat: chatID)] else { return .nothingOpen }
            slot = found
        }
        let now = stamp(now)
        switch handoffs[slot].handoff.state {
        case .active:
            appendMessage(slot, sender: .system, agent: nil, content: WireTexts.userEndedChat, id: systemMessageID, now: now, events: &events)
            return .resolved(close(slot, by: .user, now: now, events: &events))
        case .pending:
            tenants[tenant].pending.remove(slot, in: &handoffs)
            handoffs[slot].handoff.state = .abandoned
            handoffs[slot].handoff.resolvedAt = now
            tenants[tenant].metrics.abandoned += 1
            let handoff = handoffs[slot].handoff
            events.record(.handoffWithdrawn(handoff))
            retire(slot)
            return .withdrawn(handoff)
        case .resolved, .abandoned, .afterHours:
            return .nothingOpen
        }
    }

    // MARK: Lifecycle steps (each rule once)

    mutating func insert(
        id: HandoffID, tenant: Int, chat: ChatID, state: HandoffState, now: Timestamp, history: [ChatTurn],
        lastUserMessage: String?, metadata: [String: String]
    ) throws(HandoffError) -> Int {
        guard handoffSlots[id] == nil else { throw .duplicate("id", "Handoff \(id) already exists") }
        let handoff = Handoff(
            id: id, tenantID: tenants[tenant].tenant.id, chatID: chat, state: state, requestedAt: now, pickedUpAt: nil,
            resolvedAt: nil, assignedAgentID: nil, resolvedBy: nil, userEmail: nil, userMessage: nil,
            conversationHistory: history, lastUserMessage: lastUserMessage, metadata: metadata)
        let slot = allocateSlot(
            HandoffRecord(handoff: handoff, tenant: tenant, agent: -1, inUse: true, previous: -1, next: -1, messages: []))
        handoffSlots[id] = slot
        chats[ChatKey(tenant: tenant, chat: chat)] = slot
        if configuration.retainsClosedHandoffs { tenants[tenant].created.append(slot) }
        tenants[tenant].metrics.recordRequest(at: now, window: configuration.metricsWindow)
        return slot
    }

    /// The capacity rule for taking on a handoff.
    func checkCanTake(_ slot: Int, agent: Int) throws(HandoffError) {
        guard handoffs[slot].handoff.state == .pending else { throw .handoffNotAvailable }
        let candidate = agents[agent].agent
        guard candidate.status == .available else { throw .agentNotAvailable }
        guard candidate.activeChats < candidate.maxChats else { throw .agentAtCapacity }
    }

    mutating func take<Sink: EventSink>(_ slot: Int, agent: Int, now: Timestamp, events: inout Sink) {
        let tenant = handoffs[slot].tenant
        tenants[tenant].pending.remove(slot, in: &handoffs)
        tenants[tenant].active.append(slot, in: &handoffs)
        handoffs[slot].agent = agent
        handoffs[slot].handoff.state = .active
        handoffs[slot].handoff.pickedUpAt = now
        handoffs[slot].handoff.assignedAgentID = agents[agent].agent.id
        updateAgent(agent) {
            $0.agent.activeChats += 1
            $0.chatsTaken += 1
        }
        tenants[tenant].metrics.recordPickUp(wait: now - handoffs[slot].handoff.requestedAt)
        events.record(.handoffPickedUp(handoffs[slot].handoff, agent: agents[agent].agent))
    }

    mutating func close<Sink: EventSink>(_ slot: Int, by resolver: Resolver, now: Timestamp, events: inout Sink) -> Handoff {
        let tenant = handoffs[slot].tenant
        let agent = handoffs[slot].agent
        tenants[tenant].active.remove(slot, in: &handoffs)
        handoffs[slot].handoff.state = .resolved
        handoffs[slot].handoff.resolvedAt = now
        handoffs[slot].handoff.resolvedBy = resolver
        let duration = now - (handoffs[slot].handoff.pickedUpAt ?? now)
        updateAgent(agent) {
            $0.agent.activeChats -= 1
            $0.chatsCompleted += 1
            $0.chatMilliseconds += duration.wholeMilliseconds
        }
        tenants[tenant].metrics.resolved += 1
        let handoff = handoffs[slot].handoff
        events.record(.handoffResolved(handoff))
        retire(slot)
        return handoff
    }

    static func validateChatID(_ chat: ChatID) throws(HandoffError) {
        guard !chat.rawValue.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw .invalid("chatId", "chatId must not be empty")
        }
        guard chat.rawValue.utf8.count <= 256 else { throw .invalid("chatId", "chatId is longer than 256 bytes") }
    }
}
