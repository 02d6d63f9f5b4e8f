/// A tenant as a dense handle: valid for the lifetime of the core that issued it.
public struct TenantRef: Hashable, Sendable {
    let slot: Int32
    /// Dense: 0 ..< the core's tenant count, in creation order (a caller's own tables can be
    /// indexed by it).
    public var index: Int { Int(slot) }
}

/// An agent as a dense handle: valid for the lifetime of the core that issued it.
public struct AgentRef: Hashable, Sendable {
    let slot: Int32
    /// Dense: 0 ..< the core's agent count, in creation order over all tenants.
    public var index: Int { Int(slot) }
}

/// A handoff as a dense handle. Slots are reused once a handoff is gone (closed and not
/// retained); the generation tells a stale handle from the slot's new occupant.
public struct HandoffRef: Hashable, Sendable {
    let slot: Int32
    let generation: UInt32
    /// The record slot: dense (below the most handoffs held at once, when closed handoffs are
    /// not retained), and reused by a later handoff once this one is gone — so a caller can
    /// keep per-request data in a table indexed by it (the simulator maps assignments back to
    /// its visitors this way).
    public var index: Int { Int(slot) }
}

// MARK: - The handle API: the same rules, addressed by dense handles

/// Every command here runs exactly the lifecycle steps the id-based commands run (`admit`,
/// `pickUp(slot:…)`, `resolve(slot:…)`, `endChat(slot:…)`, …); only the addressing differs:
/// no id lookups, no chat deduplication (each request is a distinct visitor), no snapshots
/// returned. It exists for callers that push millions of handoffs through one core — the
/// capacity simulator — where hashing ids and copying records would dominate.
extension HandoffCore {
    public func tenantRef(_ id: TenantID) throws(HandoffError) -> TenantRef { TenantRef(slot: Int32(try tenantSlot(id))) }

    public func agentRef(_ id: AgentID) throws(HandoffError) -> AgentRef { AgentRef(slot: Int32(try agentSlot(id))) }

    /// The slot a handle names, if the handoff is still there.
    @inline(__always)
    func slot(_ handle: HandoffRef) throws(HandoffError) -> Int {
        let slot = Int(handle.slot)
        guard slot < handoffs.count, handoffs[slot].inUse, handoffs[slot].generation == handle.generation else { throw .handoffNotFound }
        return slot
    }

    @inline(__always)
    func ref(_ slot: Int) -> HandoffRef { HandoffRef(slot: Int32(slot), generation: handoffs[slot].generation) }

    /// A visitor of `tenant` asks for a human: queued (returns its handle) or after-hours
    /// (recorded and counted; returns `nil`) under ``Configuration/admission``. Under `auto`
    /// routing a queued request may already be assigned when this returns
    /// (``requestHandoff(tenant:now:assignments:)`` says to whom).
    /// - Complexity: O(1) amortised.
    public mutating func requestHandoff<Sink: EventSink>(tenant: TenantRef, now: Timestamp, events: inout Sink) throws(HandoffError) -> HandoffRef? {
        var routed = DiscardAssignments()
        return try requestHandoff(tenant: tenant, now: now, events: &events, routed: &routed)
    }

    @inline(__always)
    mutating func requestHandoff<Sink: EventSink, Assignments: AssignmentSink>(
        tenant: TenantRef, now: Timestamp, events: inout Sink, routed: inout Assignments
    ) throws(HandoffError) -> HandoffRef? {
        let tenant = Int(tenant.slot)
        guard tenants[tenant].tenant.status == .active else { throw .tenantSuspended }
        let slot = admit(tenant: tenant, id: nil, request: nil, now: stamp(now), events: &events)
        if handoffs[slot].handoff.state == .pending {
            route(tenant: tenant, now: latest, events: &events, assignments: &routed)
            return ref(slot)
        }
        retire(slot)
        return nil
    }

    /// ``pickUp(_:by:now:events:)`` by handles.
    public mutating func pickUp<Sink: EventSink>(_ handoff: HandoffRef, by agent: AgentRef, now: Timestamp, events: inout Sink) throws(HandoffError) {
        let slot = try sameTenant(handoff, agent)
        try pickUp(slot: slot, agent: Int(agent.slot), now: now, events: &events)
    }

    /// Assignment of a chosen agent by the system, under the pick-up rules. (Automatic
    /// routing assigns inside the commands themselves: ``RoutingAssignments``.)
    public mutating func assign<Sink: EventSink>(_ handoff: HandoffRef, to agent: AgentRef, now: Timestamp, events: inout Sink) throws(HandoffError) {
        let slot = try sameTenant(handoff, agent)
        try assign(slot: slot, agent: Int(agent.slot), now: now, events: &events)
    }

    /// ``resolve(_:by:now:events:)`` by handles (under automatic routing the freed slot takes the
    /// head of the queue: ``resolve(_:by:now:assignments:)`` says which).
    public mutating func resolve<Sink: EventSink>(_ handoff: HandoffRef, by agent: AgentRef, now: Timestamp, events: inout Sink) throws(HandoffError) {
        var routed = DiscardAssignments()
        try resolve(handoff, by: agent, now: now, events: &events, routed: &routed)
    }

    @inline(__always)
    mutating func resolve<Sink: EventSink, Assignments: AssignmentSink>(
        _ handoff: HandoffRef, by agent: AgentRef, now: Timestamp, events: inout Sink, routed: inout Assignments
    ) throws(HandoffError) {
        let slot = try sameTenant(handoff, agent)
        let tenant = handoffs[slot].tenant
        try resolve(slot: slot, agent: Int(agent.slot), now: now, events: &events)
        retire(slot)
        route(tenant: tenant, now: latest, events: &events, assignments: &routed)
    }

    /// The visitor ends the chat: a pending request is withdrawn (abandoned), an active chat is
    /// resolved by the user (under automatic routing the freed slot takes the head of the queue).
    /// Returns the state it ended in, or `nil` if nothing was open.
    @discardableResult
    public mutating func endChat<Sink: EventSink>(_ handoff: HandoffRef, now: Timestamp, events: inout Sink) throws(HandoffError) -> HandoffState? {
        var routed = DiscardAssignments()
        return try endChat(handoff, now: now, events: &events, routed: &routed)
    }

    @inline(__always)
    mutating func endChat<Sink: EventSink, Assignments: AssignmentSink>(
        _ handoff: HandoffRef, now: Timestamp, events: inout Sink, routed: inout Assignments
    ) throws(HandoffError) -> HandoffState? {
        let slot = try slot(handoff)
        let tenant = handoffs[slot].tenant
        guard tenants[tenant].tenant.status == .active else { throw .tenantSuspended }
        nextInternalMessage &+= 1
        let ended = endChat(slot: slot, systemMessageID: MessageID(namespace: 0xfffe, number: nextInternalMessage), now: stamp(now), events: &events)
        if ended != nil { retire(slot) }
        if ended == .resolved { route(tenant: tenant, now: latest, events: &events, assignments: &routed) }
        return ended
    }

    /// A chat message by the visitor (`.user`) or the assigned agent (`.agent`), under the
    /// message rules (only while active; content validated).
    public mutating func postMessage<Sink: EventSink>(
        _ content: String, handoff: HandoffRef, from sender: SenderType, now: Timestamp, events: inout Sink
    ) throws(HandoffError) {
        let slot = try slot(handoff)
        // The agent is the chat's assignee, so there is one only while the chat is active.
        guard handoffs[slot].handoff.state == .active else { throw .handoffNotActive }
        nextInternalMessage &+= 1
        _ = try postMessage(
            slot: slot, sender: sender, agent: sender == .agent ? handoffs[slot].agent : nil, content: content,
            id: MessageID(namespace: 0xfffe, number: nextInternalMessage), now: now, events: &events)
    }

    /// Sets an agent's status as the system (shifts starting and ending). Under automatic routing
    /// an agent becoming `available` takes queued requests at once
    /// (``setStatus(_:to:now:assignments:)`` says which).
    public mutating func setStatus<Sink: EventSink>(_ agent: AgentRef, to status: AgentStatus, now: Timestamp, events: inout Sink) {
        setStatus(Int(agent.slot), status, now: stamp(now), events: &events)
    }

    /// The handoff's state, or `nil` once it is gone (closed and not retained).
    public func state(of handoff: HandoffRef) -> HandoffState? {
        guard let slot = try? slot(handoff) else { return nil }
        return handoffs[slot].handoff.state
    }

    /// The tenant's oldest pending handoff. O(1).
    public func oldestPending(tenant: TenantRef) -> HandoffRef? {
        let head = tenants[Int(tenant.slot)].pending.head
        return head == IntrusiveList.none ? nil : ref(head)
    }

    public func pendingCount(tenant: TenantRef) -> Int { tenants[Int(tenant.slot)].pending.count }

    public func activeChats(of agent: AgentRef) -> Int { agents[Int(agent.slot)].agent.activeChats }

    /// ``Agent/canTakeHandoff`` of the agent. O(1).
    public func canTakeHandoff(_ agent: AgentRef) -> Bool { isEligible(Int(agent.slot)) }

    /// The handoff's slot if it and the agent belong to the same tenant; another tenant's
    /// handoff does not exist for the agent.
    @inline(__always)
    private func sameTenant(_ handoff: HandoffRef, _ agent: AgentRef) throws(HandoffError) -> Int {
        let slot = try slot(handoff)
        guard handoffs[slot].tenant == agents[Int(agent.slot)].tenant else { throw .handoffNotFound }
        return slot
    }
}

// MARK: - Without events

/// The handle commands for callers that do not consume events (the simulator). Each forwards
/// to its `events:` twin with ``DiscardEvents``; being inside the engine module, that call is
/// specialised, so no event value is ever built and no protocol call is made.
extension HandoffCore {
    public mutating func requestHandoff(tenant: TenantRef, now: Timestamp) throws(HandoffError) -> HandoffRef? {
        var sink = DiscardEvents()
        return try requestHandoff(tenant: tenant, now: now, events: &sink)
    }

    public mutating func pickUp(_ handoff: HandoffRef, by agent: AgentRef, now: Timestamp) throws(HandoffError) {
        var sink = DiscardEvents()
        try pickUp(handoff, by: agent, now: now, events: &sink)
    }

    public mutating func assign(_ handoff: HandoffRef, to agent: AgentRef, now: Timestamp) throws(HandoffError) {
        var sink = DiscardEvents()
        try assign(handoff, to: agent, now: now, events: &sink)
    }

    public mutating func resolve(_ handoff: HandoffRef, by agent: AgentRef, now: Timestamp) throws(HandoffError) {
        var sink = DiscardEvents()
        try resolve(handoff, by: agent, now: now, events: &sink)
    }

    @discardableResult
    public mutating func endChat(_ handoff: HandoffRef, now: Timestamp) throws(HandoffError) -> HandoffState? {
        var sink = DiscardEvents()
        return try endChat(handoff, now: now, events: &sink)
    }

    public mutating func postMessage(_ content: String, handoff: HandoffRef, from sender: SenderType, now: Timestamp) throws(HandoffError) {
        var sink = DiscardEvents()
        try postMessage(content, handoff: handoff, from: sender, now: now, events: &sink)
    }

    public mutating func setStatus(_ agent: AgentRef, to status: AgentStatus, now: Timestamp) {
        var sink = DiscardEvents()
        setStatus(agent, to: status, now: now, events: &sink)
    }
}
