// MARK: - Automatic routing
//
// A tenant is routed `manual` (the reference platform: agents pick requests up themselves) or
// by one of the automatic policies `leastBusy`, `mostBusy`, `longestIdle` (the engine assigns) —
// ``Tenant/Routing``. The rule, once, for every store and the simulator:
//
// - **Eligible**: an agent of the tenant with status `available` and `activeChats < maxChats`
//   (``Agent/canTakeHandoff``, the same capacity rule as a pick-up).
// - **Best agent**, by policy: `leastBusy`, the eligible agent with the fewest active chats;
//   `mostBusy`, the one with the most; `longestIdle`, whatever it holds. Ties (and every choice
//   under `longestIdle`) go to the one idle longest — the oldest `idleSince`
//   (`AgentRecord.idleSince`: the time of its last chat change — taking one or one ending — or
//   of becoming `available`, or its creation); remaining ties (same millisecond) to the smaller
//   agent id. So the order is (rank, idleSince, id), rank = activeChats, −activeChats or 0.
// - **Request**: a new request is admitted as always (``HandoffCore/Configuration/admission``,
//   unchanged); if queued and some agent is eligible, it goes to the best agent in the same
//   command.
// - **Drain**: whenever a slot frees or an agent becomes eligible — resolve, end chat of an
//   active chat, status → `available` (by hand, login, a heartbeat after the sweep), maxChats
//   raised, an agent added as `available`, the tenant reactivated, routing switched to automatic —
//   the same command gives the head of the queue (oldest pending first) to the best agent,
//   again and again while a request waits and an agent is eligible.
// - Each assignment is an ordinary take: the same `handoffPickedUp` event as a pick-up or an
//   administrator's assignment, emitted by the command that caused it, after that command's own
//   events; the same wait metrics.
// - Nothing is assigned while the tenant is suspended (pick-ups are refused then too).
// - Manual pick-up and assignment stay possible in automatically routed tenants, under the same capacity
//   rule.
//
// Invariant (checked by ``HandoffCore/invariantViolations()``): in an active automatically routed
// tenant, no request waits while an agent is eligible — after every command.
//
// Complexity: each automatically routed tenant keeps its eligible agents in a ``RoutingIndex`` (a heap keyed
// by the order above), re-ranked after every change of an agent (`rerank`, the last step of
// each agent update), so choosing the best agent is O(1) and each change of an agent
// O(log agents); each assignment costs one take plus that. A command makes at most as many
// assignments as it freed slots or requests, so routing adds O(log agents) per handoff,
// independent of the number of handoffs. A core without such tenants pays one load of a
// core field and a branch per agent change and per routing point.

/// Where the core reports the assignments automatic routing makes during a command.
protocol AssignmentSink {
    mutating func assigned(_ handoff: HandoffRef, to agent: AgentRef)
}

/// Drops assignments: the id-based commands report them as events instead.
struct DiscardAssignments: AssignmentSink {
    @inline(__always) mutating func assigned(_ handoff: HandoffRef, to agent: AgentRef) {}
}

/// The assignments automatic routing made during handle commands, in the order they were made.
///
/// A reusable buffer for a synchronous caller that must learn who got which request without
/// building events or allocating per command (the capacity simulator): commands *append*, and
/// the caller empties it with ``removeAll()`` — which keeps the storage — once it has read them.
///
/// ```swift
/// var routed = RoutingAssignments()
/// try core.resolve(chat, by: agent, now: now, assignments: &routed)
/// for a in routed { startService(a.handoff, by: a.agent) }   // the queue's head, if any
/// routed.removeAll()
/// ```
public struct RoutingAssignments: Sendable, RandomAccessCollection {
    /// One request given to one agent.
    public struct Assignment: Hashable, Sendable {
        public var handoff: HandoffRef
        public var agent: AgentRef
    }

    @usableFromInline var storage: ContiguousArray<Assignment>

    /// - Parameter minimumCapacity: room reserved up front (default 16): appends allocate only
    ///   when one command assigns more than that.
    public init(minimumCapacity: Int = 16) {
        storage = []
        storage.reserveCapacity(minimumCapacity)
    }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { storage.count }
    @inlinable public subscript(position: Int) -> Assignment { storage[position] }

    /// Forgets the assignments read so far, keeping the storage.
    @inlinable public mutating func removeAll() { storage.removeAll(keepingCapacity: true) }
}

extension RoutingAssignments: AssignmentSink {
    @inline(__always) mutating func assigned(_ handoff: HandoffRef, to agent: AgentRef) {
        storage.append(Assignment(handoff: handoff, agent: agent))
    }
}

extension HandoffCore {
    // MARK: The setting

    /// Changes how a tenant's waiting requests reach agents. Only the system, platform staff or
    /// the tenant's own `client_admin` may (``HandoffError/forbidden(_:)`` otherwise).
    ///
    /// Switching to an automatic policy drains the queue at once onto the eligible agents (their
    /// pick-up events are reported into `events`), and between automatic policies re-ranks the
    /// agents; switching to `manual` leaves everything where it is. Setting the value the tenant
    /// already has changes nothing.
    ///
    /// - Returns: the tenant with its new setting.
    /// - Complexity: O(agents · log agents) when switching to an automatic policy, plus the assignments.
    public mutating func setRouting<Sink: EventSink>(
        _ routing: Tenant.Routing, tenant tenantID: TenantID, by caller: Caller, now: Timestamp, events: inout Sink
    ) throws(HandoffError) -> Tenant {
        let tenant = try tenantSlot(tenantID)
        try authorizeAdmin(caller, tenant: tenant, action: "change routing")
        var routed = DiscardAssignments()
        setRouting(tenant: tenant, routing, now: stamp(now), events: &events, assignments: &routed)
        return tenants[tenant].tenant
    }

    /// The tenant's routing, for an administrator: the same permission as changing it.
    public func routing(tenant tenantID: TenantID, by caller: Caller) throws(HandoffError) -> Tenant.Routing {
        let tenant = try tenantSlot(tenantID)
        try authorizeAdmin(caller, tenant: tenant, action: "read routing")
        return tenants[tenant].tenant.routing
    }

    mutating func setRouting<Sink: EventSink, Assignments: AssignmentSink>(
        tenant: Int, _ routing: Tenant.Routing, now: Timestamp, events: inout Sink, assignments: inout Assignments
    ) {
        let was = tenants[tenant].tenant.routing
        guard was != routing else { return }
        tenants[tenant].tenant.routing = routing
        tenants[tenant].routes = routing.isAutomatic
        autoRoutedTenants += (routing.isAutomatic ? 1 : 0) - (was.isAutomatic ? 1 : 0)
        tenants[tenant].routingIndex.removeAll()
        guard routing.isAutomatic else { return }
        for slot in tenants[tenant].agents where isEligible(slot) { reindex(slot) }
        route(tenant: tenant, now: now, events: &events, assignments: &assignments)
    }

    // MARK: The drain

    /// Applies automatic routing after a command that may have added a request, freed a slot
    /// or made an agent eligible: while the tenant's queue has a head and some agent is
    /// eligible, the head goes to the best agent. Does nothing for `manual` or suspended
    /// tenants (one branch for `manual`: the manual path stays as fast as it was).
    ///
    /// - Complexity: O(log agents) per assignment made; O(1) when none is.
    @inline(__always)
    mutating func route<Sink: EventSink, Assignments: AssignmentSink>(
        tenant: Int, now: Timestamp, events: inout Sink, assignments: inout Assignments
    ) {
        guard autoRoutedTenants > 0, tenants[tenant].routes else { return }
        drain(tenant: tenant, now: now, events: &events, assignments: &assignments)
    }

    @inline(never)
    private mutating func drain<Sink: EventSink, Assignments: AssignmentSink>(
        tenant: Int, now: Timestamp, events: inout Sink, assignments: inout Assignments
    ) {
        guard tenants[tenant].tenant.status == .active else { return }
        while true {
            let head = tenants[tenant].pending.head
            guard head != IntrusiveList.none, let member = tenants[tenant].routingIndex.first else { return }
            let agent = tenants[tenant].agents[member]
            take(head, agent: agent, now: now, events: &events)
            assignments.assigned(ref(head), to: AgentRef(slot: Int32(agent)))
        }
    }

    /// What the routing invariant and the index's consistency say about one tenant: empty when
    /// sound. For ``invariantViolations()``. O(agents).
    func routingViolations(tenant t: Int) -> [String] {
        let record = tenants[t]
        let name = record.tenant.name
        var problems: [String] = []
        if record.routes != record.tenant.routing.isAutomatic { problems.append("tenant \(name): routing flag disagrees with its setting") }
        guard record.tenant.routing.isAutomatic else {
            if !record.routingIndex.isEmpty {
                problems.append("tenant \(name) is routed manually but its routing index holds \(record.routingIndex.count) agents")
            }
            return problems
        }
        problems += record.routingIndex.structuralViolations()
        var indexed = [RoutingIndex.Key?](repeating: nil, count: record.agents.count)
        for (member, key) in record.routingIndex.members {
            guard member < record.agents.count else {
                problems.append("tenant \(name): routing index names agent number \(member) of \(record.agents.count)")
                continue
            }
            indexed[member] = key
        }
        for (member, slot) in record.agents.enumerated() {
            if agents[slot].local != member {
                problems.append("agent \(agents[slot].agent.name) is number \(member) of its tenant but records \(agents[slot].local)")
            }
            let expected = agents[slot].agent.canTakeHandoff ? routingKey(slot) : nil
            if indexed[member] != expected {
                let has = indexed[member].map { "\($0)" } ?? "no entry"
                problems.append("agent \(agents[slot].agent.name): routing index has \(has), expected \(expected.map { "\($0)" } ?? "none")")
            }
        }
        if record.tenant.status == .active, record.pending.count > 0, record.eligibleAgents > 0 {
            problems.append(
                "tenant \(name) routes automatically, but \(record.pending.count) request(s) wait while \(record.eligibleAgents) agent(s) have a free slot")
        }
        return problems
    }
}

// MARK: - Routing through handles (the simulator's hot loop)

/// The handle commands that may assign automatically, each reporting the assignments it made
/// into a ``RoutingAssignments`` buffer (appended, in order). They run exactly the rules of the
/// commands without it — which route too, in an automatically routed tenant, and just do not say to whom.
extension HandoffCore {
    /// ``requestHandoff(tenant:now:events:)``; under automatic routing a queued request may be
    /// assigned at once: then `assignments` gets it (`handoff` == the returned handle), and
    /// ``assignee(of:)`` names the agent too.
    /// - Complexity: O(1) amortised; O(log agents) more when assigned.
    public mutating func requestHandoff<Sink: EventSink>(
        tenant: TenantRef, now: Timestamp, events: inout Sink, assignments: inout RoutingAssignments
    ) throws(HandoffError) -> HandoffRef? {
        try requestHandoff(tenant: tenant, now: now, events: &events, routed: &assignments)
    }

    public mutating func requestHandoff(
        tenant: TenantRef, now: Timestamp, assignments: inout RoutingAssignments
    ) throws(HandoffError) -> HandoffRef? {
        var sink = DiscardEvents()
        return try requestHandoff(tenant: tenant, now: now, events: &sink, routed: &assignments)
    }

    /// ``resolve(_:by:now:events:)``; under automatic routing the freed slot takes the head of the
    /// queue, reported into `assignments`.
    public mutating func resolve<Sink: EventSink>(
        _ handoff: HandoffRef, by agent: AgentRef, now: Timestamp, events: inout Sink, assignments: inout RoutingAssignments
    ) throws(HandoffError) {
        try resolve(handoff, by: agent, now: now, events: &events, routed: &assignments)
    }

    public mutating func resolve(
        _ handoff: HandoffRef, by agent: AgentRef, now: Timestamp, assignments: inout RoutingAssignments
    ) throws(HandoffError) {
        var sink = DiscardEvents()
        try resolve(handoff, by: agent, now: now, events: &sink, routed: &assignments)
    }

    /// ``endChat(_:now:events:)``; ending an active chat under automatic routing frees a slot that
    /// takes the head of the queue, reported into `assignments`.
    @discardableResult
    public mutating func endChat<Sink: EventSink>(
        _ handoff: HandoffRef, now: Timestamp, events: inout Sink, assignments: inout RoutingAssignments
    ) throws(HandoffError) -> HandoffState? {
        try endChat(handoff, now: now, events: &events, routed: &assignments)
    }

    @discardableResult
    public mutating func endChat(_ handoff: HandoffRef, now: Timestamp, assignments: inout RoutingAssignments) throws(HandoffError) -> HandoffState? {
        var sink = DiscardEvents()
        return try endChat(handoff, now: now, events: &sink, routed: &assignments)
    }

    /// ``setStatus(_:to:now:events:)``; an agent becoming `available` under automatic routing takes
    /// queued requests (up to its free slots), reported into `assignments`.
    public mutating func setStatus<Sink: EventSink>(
        _ agent: AgentRef, to status: AgentStatus, now: Timestamp, events: inout Sink, assignments: inout RoutingAssignments
    ) {
        setStatus(Int(agent.slot), status, now: stamp(now), events: &events, assignments: &assignments)
    }

    public mutating func setStatus(_ agent: AgentRef, to status: AgentStatus, now: Timestamp, assignments: inout RoutingAssignments) {
        var sink = DiscardEvents()
        setStatus(Int(agent.slot), status, now: stamp(now), events: &sink, assignments: &assignments)
    }

    /// Sets a tenant's routing as the system (the simulator's `--routing auto`); switching to
    /// `auto` drains the queue, reported into `assignments`.
    public mutating func setRouting(_ routing: Tenant.Routing, tenant: TenantRef, now: Timestamp, assignments: inout RoutingAssignments) {
        var sink = DiscardEvents()
        setRouting(tenant: Int(tenant.slot), routing, now: stamp(now), events: &sink, assignments: &assignments)
    }

    /// The tenant's routing. O(1).
    public func routing(of tenant: TenantRef) -> Tenant.Routing { tenants[Int(tenant.slot)].tenant.routing }

    /// The agent an active handoff is assigned to; `nil` while pending or once gone. O(1).
    public func assignee(of handoff: HandoffRef) -> AgentRef? {
        guard let slot = try? slot(handoff), handoffs[slot].handoff.state == .active else { return nil }
        return AgentRef(slot: Int32(handoffs[slot].agent))
    }

    /// The agent automatic routing would give the next request of an automatically routed tenant to; `nil`
    /// when nobody is eligible, and always under `manual` (no index is kept then). O(1).
    public func nextAssignee(tenant: TenantRef) -> AgentRef? {
        let t = Int(tenant.slot)
        return tenants[t].routingIndex.first.map { AgentRef(slot: Int32(tenants[t].agents[$0])) }
    }
}
