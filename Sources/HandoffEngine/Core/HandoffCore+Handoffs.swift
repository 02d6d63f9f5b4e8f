import Foundation

/// What a handoff request led to.
public enum RequestOutcome: Hashable, Sendable {
    /// A new request joined the pending queue: an agent can take it.
    case queued(Handoff)
    /// A new request was given to an agent at once by automatic routing
    /// (automatic ``Tenant/Routing``): the snapshot is `active`, with its assignee.
    case assigned(Handoff)
    /// The chat already had an open handoff; that one is returned, nothing new was created.
    case alreadyOpen(Handoff)
    /// Nobody can take it now; the widget should offer the email form.
    case afterHours(Handoff)

    public var handoff: Handoff {
        switch self {
        case .queued(let h), .assigned(let h), .alreadyOpen(let h), .afterHours(let h): h
        }
    }

    /// The `status` of the wire response (docs/api.md): `pending` or `after-hours` for a new
    /// request — also `pending` for one automatic routing assigned at once, since the contract's
    /// clients know only those two answers here (the status endpoint says `active` at once) —
    /// and the open handoff's own status for ``alreadyOpen(_:)``.
    public var wireStatus: String {
        switch self {
        case .queued, .assigned: HandoffState.pending.wireStatus
        case .alreadyOpen(let h): h.state.wireStatus
        case .afterHours: HandoffState.afterHours.wireStatus
        }
    }

    /// The `message` of the wire response (docs/api.md), chosen here once for the server and
    /// every driver that answers like it.
    public var wireMessage: String {
        switch self {
        case .queued, .assigned: WireTexts.handoffCreated
        case .alreadyOpen(let h): h.state == .active ? WireTexts.alreadyConnected : WireTexts.handoffCreated
        case .afterHours: WireTexts.noAgentsAvailable
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
    /// The open handoff ends at this time unless the widget shows up again first
    /// (``HandoffCore/Configuration/endChatGrace``).
    case deferred(Handoff, endsAt: Timestamp)
}

// MARK: - The handoff lifecycle

extension HandoffCore {
    /// A widget user asks for a human.
    ///
    /// If any agent of the tenant can take a handoff now (``Agent/canTakeHandoff``), the request
    /// joins the tenant's FIFO queue as `pending`; otherwise it is recorded as `after-hours`
    /// (in history, never in the queue) and the widget offers the email form. A chat that
    /// already has an open handoff gets that one back: no duplicates. In a tenant routed
    /// automatic ``Tenant/Routing`` a queued request then goes at once to the best eligible agent,
    /// if there is one (``RequestOutcome/assigned(_:)``; events: requested, then picked up).
    ///
    /// A request that sends no conversation history gets the chat's transcript with the
    /// tenant's scripted assistant, if it has one (``converse(_:chat:tenant:newChat:now:newID:)``),
    /// and its last visitor line as the last user message when it sends none.
    ///
    /// - Parameter id: the id to give a new handoff (unused when one is already open).
    /// - Complexity: O(1) amortised; O(log agents) more when routed automatically; O(transcript)
    ///   when the history comes from the assistant.
    public mutating func requestHandoff<Sink: EventSink>(
        _ request: HandoffRequest, tenant tenantID: TenantID, id: HandoffID, now: Timestamp, events: inout Sink
    ) throws(HandoffError) -> RequestOutcome {
        let tenant = try activeTenantSlot(tenantID)
        try Self.validateChatID(request.chatID)
        let key = ChatKey(tenant: tenant, chat: request.chatID)
        if let slot = chats[key], handoffs[slot].handoff.state.isOpen { return .alreadyOpen(handoffs[slot].handoff) }
        var request = request
        if request.conversationHistory.isEmpty, let transcript = assistantHistory(chat: request.chatID, tenant: tenant) {
            request.conversationHistory = transcript
            if request.lastUserMessage == nil { request.lastUserMessage = transcript.last { $0.role == ChatRole.user.rawValue }?.content }
        }
        guard handoffSlots[id] == nil else { throw .duplicate("id", "Handoff \(id) already exists") }
        let slot = admit(tenant: tenant, id: id, request: request, now: stamp(now), events: &events)
        if handoffs[slot].handoff.state == .pending {
            var routed = DiscardAssignments()
            route(tenant: tenant, now: latest, events: &events, assignments: &routed)
            let handoff = handoffs[slot].handoff
            return handoff.state == .active ? .assigned(handoff) : .queued(handoff)
        }
        let handoff = handoffs[slot].handoff
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
        guard handoffSlots[id] == nil else { throw .duplicate("id", "Handoff \(id) already exists") }
        let slot = insert(id: id, tenant: tenant, request: HandoffRequest(chatID: chatID), state: .afterHours, now: stamp(now))
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
    /// (``HandoffError/agentNotAvailable``, ``HandoffError/agentAtCapacity``). The same holds in
    /// a tenant routed `auto`: there a request waits only while nobody has a free slot, so a
    /// pick-up meets either an assigned handoff or an agent without a free slot, and is refused.
    public mutating func pickUp<Sink: EventSink>(
        _ handoffID: HandoffID, by agentID: AgentID, now: Timestamp, events: inout Sink
    ) throws(HandoffError) -> Handoff {
        let agent = try agentSlot(agentID)
        let slot = try handoffSlot(handoffID, tenant: agents[agent].tenant)
        try pickUp(slot: slot, agent: agent, now: now, events: &events)
        return handoffs[slot].handoff
    }

    /// A tenant administrator gives a pending handoff to one of the tenant's agents, under the
    /// same rules as a pick-up. `support_staff` may not assign.
    public mutating func assign<Sink: EventSink>(
        _ handoffID: HandoffID, to agentID: AgentID, by caller: Caller, now: Timestamp, events: inout Sink
    ) throws(HandoffError) -> Handoff {
        let agent = try agentSlot(agentID)
        let tenant = agents[agent].tenant
        try checkSameTenant(caller, agent: agent)
        try authorizeAdmin(caller, tenant: tenant, action: "assign handoffs")
        let slot = try handoffSlot(handoffID, tenant: tenant)
        try assign(slot: slot, agent: agent, now: now, events: &events)
        return handoffs[slot].handoff
    }

    /// The assigned agent closes an active handoff, freeing exactly one of its slots.
    /// Anything but `active` is ``HandoffError/handoffNotActive`` (so a repeated or late resolve
    /// never frees a slot twice); another agent gets ``HandoffError/notAssignee``. Under
    /// automatic ``Tenant/Routing`` the freed slot then takes the head of the queue (events:
    /// resolved, then picked up).
    public mutating func resolve<Sink: EventSink>(
        _ handoffID: HandoffID, by agentID: AgentID, now: Timestamp, events: inout Sink
    ) throws(HandoffError) -> Handoff {
        let agent = try agentSlot(agentID)
        let slot = try handoffSlot(handoffID, tenant: agents[agent].tenant)
        try resolve(slot: slot, agent: agent, now: now, events: &events)
        let snapshot = handoffs[slot].handoff
        retire(slot)
        var routed = DiscardAssignments()
        route(tenant: agents[agent].tenant, now: latest, events: &events, assignments: &routed)
        return snapshot
    }

    /// The widget user ends the chat (closes the widget, or the "end chat" button).
    ///
    /// Active: resolved by the user, with the system message "User ended the chat", freeing the
    /// agent's slot once (under automatic ``Tenant/Routing`` the slot then takes the head of the
    /// queue). Pending: withdrawn from the queue and counted as abandoned (the reference leaves
    /// it queued forever: defect 4). Otherwise nothing changes.
    ///
    /// With a ``Configuration/endChatGrace`` this only schedules the end (``EndChatOutcome/deferred(_:endsAt:)``):
    /// the widget coming back in time (``noteWidgetPresence(_:tenant:)``) cancels it, and
    /// ``sweep(now:events:)`` applies it once due, exactly as above.
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
        if configuration.endChatGrace > .zero {
            guard handoffs[slot].handoff.state.isOpen else { return .nothingOpen }
            // An earlier end of this same handoff keeps its deadline (a slot reused since is another handoff).
            let earlier = pendingEnds[slot].flatMap { $0.generation == handoffs[slot].generation ? $0.deadline : nil }
            let deadline = earlier ?? now + configuration.endChatGrace
            pendingEnds[slot] = PendingEnd(deadline: deadline, generation: handoffs[slot].generation, systemMessageID: systemMessageID)
            return .deferred(handoffs[slot].handoff, endsAt: deadline)
        }
        return finishEndChat(slot: slot, systemMessageID: systemMessageID, now: now, events: &events)
    }

    /// An end-chat taking effect: resolved or withdrawn, retired, and the tenant's queue routed.
    mutating func finishEndChat<Sink: EventSink>(slot: Int, systemMessageID: MessageID, now: Timestamp, events: inout Sink) -> EndChatOutcome {
        let tenant = handoffs[slot].tenant
        guard let ended = endChat(slot: slot, systemMessageID: systemMessageID, now: now, events: &events) else { return .nothingOpen }
        let snapshot = handoffs[slot].handoff
        retire(slot)
        guard ended == .resolved else { return .withdrawn(snapshot) }
        var routed = DiscardAssignments()
        route(tenant: tenant, now: latest, events: &events, assignments: &routed)
        return .resolved(snapshot)
    }

    // MARK: Lifecycle steps (each rule once; both the id API and the handle API call these)

    /// Creates a handoff record and makes the after-hours decision (``Configuration/admission``):
    /// queued as `pending`, or recorded as `after-hours` and counted. The caller retires an
    /// after-hours record once it has read it.
    @inline(__always)
    mutating func admit<Sink: EventSink>(tenant: Int, id: HandoffID?, request: HandoffRequest?, now: Timestamp, events: inout Sink) -> Int {
        let queued = admits(tenant: tenant)
        let slot = insert(id: id, tenant: tenant, request: request, state: queued ? .pending : .afterHours, now: now)
        if queued {
            tenants[tenant].pending.append(slot, in: &handoffs)
            events.record(.handoffRequested(handoffs[slot].handoff))
        } else {
            tenants[tenant].metrics.afterHours += 1
            events.record(.afterHoursRecorded(handoffs[slot].handoff))
        }
        return slot
    }

    /// Stores a new record. `id == nil`: not findable by id (handle-only callers); when closed
    /// handoffs are retained it gets a unique id from its slot (slots are then never reused),
    /// otherwise ``HandoffID/anonymous``. `request == nil` (the handle API): no chat, so not
    /// deduplicated, and no payload.
    @inline(__always)
    mutating func insert(id: HandoffID?, tenant: Int, request: HandoffRequest?, state: HandoffState, now: Timestamp) -> Int {
        let slot: Int
        let tenantID = tenants[tenant].tenant.id
        if let free = freeSlots.popLast() {
            // Reuse in place: a retired record's payload is already cleared, so only the plain
            // fields are written, plus the payload if the request has one.
            slot = free
            let anonymous = anonymousHandoffID
            withRecord(slot) { r in
                r.generation &+= 1
                r.inUse = true
                r.tenant = tenant
                r.agent = -1
                r.previous = -1
                r.next = -1
                r.indexed = id != nil
                r.hasChat = request != nil
                r.handoff.reset(id: id ?? anonymous, tenantID: tenantID, state: state, requestedAt: now)
                if let request { r.handoff.attach(request) }
            }
        } else {
            slot = handoffs.count
            handoffs.append(
                HandoffRecord(
                    handoff: Handoff(
                        id: id ?? anonymousHandoffID, tenantID: tenantID, chatID: request?.chatID ?? .none, state: state, requestedAt: now,
                        pickedUpAt: nil, resolvedAt: nil, assignedAgentID: nil, resolvedBy: nil, userEmail: nil, userMessage: nil,
                        conversationHistory: request?.conversationHistory ?? [], lastUserMessage: request?.lastUserMessage,
                        metadata: request?.metadata ?? [:]),
                    tenant: tenant, agent: -1, inUse: true, previous: -1, next: -1, messages: [], indexed: id != nil,
                    hasChat: request != nil))
        }
        if let id {
            handoffSlots[id] = slot
        } else if configuration.retainsClosedHandoffs {
            handoffs[slot].handoff.id = HandoffID(namespace: 0xffff, number: UInt64(slot))
        }
        if let request { chats[ChatKey(tenant: tenant, chat: request.chatID)] = slot }
        if configuration.retainsClosedHandoffs { tenants[tenant].created.append(slot) }
        tenants[tenant].metrics.recordRequest(at: now, windowMilliseconds: metricsWindowMilliseconds)
        return slot
    }

    /// The pick-up rule: same tenant (checked by the caller's lookup), tenant active, agent
    /// seen now, then the capacity rule, then the take.
    @inline(__always)
    mutating func pickUp<Sink: EventSink>(slot: Int, agent: Int, now: Timestamp, events: inout Sink) throws(HandoffError) {
        guard tenants[agents[agent].tenant].tenant.status == .active else { throw .tenantSuspended }
        let now = stamp(now)
        touch(agent, now: now)
        try checkCanTake(slot, agent: agent)
        take(slot, agent: agent, now: now, events: &events)
    }

    /// Assignment by an administrator or the system: the same capacity rule as a pick-up.
    mutating func assign<Sink: EventSink>(slot: Int, agent: Int, now: Timestamp, events: inout Sink) throws(HandoffError) {
        guard tenants[agents[agent].tenant].tenant.status == .active else { throw .tenantSuspended }
        try checkCanTake(slot, agent: agent)
        take(slot, agent: agent, now: stamp(now), events: &events)
    }

    /// The resolve rule: only `active`, only by the assignee. The caller retires the slot.
    @inline(__always)
    mutating func resolve<Sink: EventSink>(slot: Int, agent: Int, now: Timestamp, events: inout Sink) throws(HandoffError) {
        let now = stamp(now)
        touch(agent, now: now)
        guard handoffs[slot].handoff.state == .active else { throw .handoffNotActive }
        guard handoffs[slot].agent == agent else { throw .notAssignee }
        close(slot, by: .agent(agents[agent].agent.id), now: now, events: &events)
    }

    /// The end-chat rule: active → resolved by the user (with the system message); pending →
    /// withdrawn and counted abandoned; anything else → nothing. Returns the state it ended in,
    /// `nil` for nothing; the caller retires the slot when it ended something.
    mutating func endChat<Sink: EventSink>(slot: Int, systemMessageID: MessageID, now: Timestamp, events: inout Sink) -> HandoffState? {
        switch handoffs[slot].handoff.state {
        case .active:
            appendMessage(slot, sender: .system, agent: nil, content: WireTexts.userEndedChat, id: systemMessageID, now: now, events: &events)
            close(slot, by: .user, now: now, events: &events)
            return .resolved
        case .pending:
            let tenant = handoffs[slot].tenant
            tenants[tenant].pending.remove(slot, in: &handoffs)
            handoffs[slot].handoff.state = .abandoned
            handoffs[slot].handoff.resolvedAt = now
            tenants[tenant].metrics.abandoned += 1
            events.record(.handoffWithdrawn(handoffs[slot].handoff))
            return .abandoned
        case .resolved, .abandoned, .afterHours:
            return nil
        }
    }

    /// The capacity rule for taking on a handoff.
    @inline(__always)
    func checkCanTake(_ slot: Int, agent: Int) throws(HandoffError) {
        guard handoffs[slot].handoff.state == .pending else { throw .handoffNotAvailable }
        guard agents[agent].agent.status == .available else { throw .agentNotAvailable }
        guard agents[agent].agent.activeChats < agents[agent].agent.maxChats else { throw .agentAtCapacity }
    }

    @inline(__always)
    mutating func take<Sink: EventSink>(_ slot: Int, agent: Int, now: Timestamp, events: inout Sink) {
        let tenant = handoffs[slot].tenant
        let agentID = agents[agent].agent.id
        // One access to the records and one to the tenant for the whole move pending → active.
        let requestedAt = handoffs.withUnsafeMutableBufferPointer { h in
            tenants[tenant].movePendingToActive(slot, in: h)
            h[slot].agent = agent
            h[slot].handoff.state = .active
            h[slot].handoff.pickedUpAt = now
            h[slot].handoff.assignedAgentID = agentID
            return h[slot].handoff.requestedAt
        }
        updateAgent(agent) {
            $0.agent.activeChats += 1
            $0.chatsTaken += 1
            $0.idleSince = now
        }
        tenants[tenant].metrics.recordPickUp(waitMilliseconds: now.milliseconds - requestedAt.milliseconds)
        events.record(.handoffPickedUp(handoffs[slot].handoff, agent: agents[agent].agent))
        rerank(agent)
    }

    /// Closes an active handoff, freeing exactly one slot of its agent. The caller retires the
    /// slot (after taking a snapshot if it needs one).
    @inline(__always)
    mutating func close<Sink: EventSink>(_ slot: Int, by resolver: Resolver, now: Timestamp, events: inout Sink) {
        let tenant = handoffs[slot].tenant
        let agent = handoffs[slot].agent
        let duration = handoffs.withUnsafeMutableBufferPointer { h in
            tenants[tenant].active.remove(slot, in: h)
            h[slot].handoff.state = .resolved
            h[slot].handoff.resolvedAt = now
            h[slot].handoff.resolvedBy = resolver
            return now.milliseconds - (h[slot].handoff.pickedUpAt ?? now).milliseconds
        }
        updateAgent(agent) {
            $0.agent.activeChats -= 1
            $0.chatsCompleted += 1
            $0.chatMilliseconds += duration
            $0.idleSince = now
        }
        tenants[tenant].metrics.resolved += 1
        events.record(.handoffResolved(handoffs[slot].handoff))
        rerank(agent)
    }

    /// A chat id is 1–256 bytes of UTF-8 and not only white space.
    /// - Complexity: O(1) for a typical id (it stops at the first non-space character).
    static func validateChatID(_ chat: ChatID) throws(HandoffError) {
        let utf8 = chat.rawValue.utf8
        guard utf8.count <= 256 else { throw .invalid("chatId", "chatId is longer than 256 bytes") }
        guard chat.rawValue.unicodeScalars.contains(where: { !$0.properties.isWhitespace }) else {
            throw .invalid("chatId", "chatId must not be empty")
        }
    }
}

// MARK: - End-chat grace

extension HandoffCore {
    /// An end-chat waiting out its grace.
    struct PendingEnd: Sendable {
        var deadline: Timestamp
        /// The slot's generation when asked: a reused slot is another handoff.
        var generation: UInt32
        var systemMessageID: MessageID
    }

    /// The widget of `handoffID` is still there (it polled, read its history or wrote): a
    /// pending end-chat of that handoff is cancelled. Returns whether one was.
    @discardableResult
    public mutating func noteWidgetPresence(_ handoffID: HandoffID, tenant tenantID: TenantID) -> Bool {
        guard !pendingEnds.isEmpty, let tenant = tenantSlots[tenantID], let slot = try? handoffSlot(handoffID, tenant: tenant) else { return false }
        return widgetIsPresent(slot)
    }

    /// The rule, once: any sign of the widget on a handoff cancels its pending end-chat.
    @discardableResult
    mutating func widgetIsPresent(_ slot: Int) -> Bool {
        guard !pendingEnds.isEmpty else { return false }
        return pendingEnds.removeValue(forKey: slot) != nil
    }

    /// Applies the end-chats whose grace is over (``sweep(now:events:)`` calls this).
    mutating func finishDueEndChats<Sink: EventSink>(now: Timestamp, events: inout Sink) {
        guard !pendingEnds.isEmpty else { return }
        let due = pendingEnds.filter { $0.value.deadline <= now }.sorted { ($0.value.deadline, $0.key) < ($1.value.deadline, $1.key) }
        for (slot, end) in due {
            pendingEnds[slot] = nil
            guard handoffs[slot].inUse, handoffs[slot].generation == end.generation, handoffs[slot].handoff.state.isOpen else { continue }
            _ = finishEndChat(slot: slot, systemMessageID: end.systemMessageID, now: now, events: &events)
        }
    }

    /// When the next pending end-chat falls due, if any.
    var nextEndChatDeadline: Timestamp? { pendingEnds.values.map(\.deadline).min() }
}
