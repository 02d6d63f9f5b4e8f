// MARK: - Agent presence: status, heartbeat, inactivity sweep

extension HandoffCore {
    /// Sets an agent's status by hand. The agent itself (through its login account), its
    /// tenant's `client_admin`, platform staff or the system may.
    ///
    /// `busy` and `offline` keep the agent's chats and stop new ones; the manual status stands
    /// until a person changes it — heartbeats never override it (the reference's defect 6).
    public mutating func setAgentStatus<Sink: EventSink>(
        _ agentID: AgentID, to status: AgentStatus, by caller: Caller, now: Timestamp, events: inout Sink
    ) throws(HandoffError) -> Agent {
        let slot = try agentSlot(agentID)
        try checkSameTenant(caller, agent: slot)
        if case .user(let userID) = caller, agents[slot].linkedUser != userID {
            try authorizeAdmin(caller, tenant: agents[slot].tenant, action: "change another agent's status")
        }
        setStatus(slot, status, now: stamp(now), events: &events)
        return agents[slot].agent
    }

    /// Records that the agent's client is alive. Never changes a status a person set; an agent
    /// the inactivity sweep took offline gets its previous status back.
    public mutating func heartbeat<Sink: EventSink>(_ agentID: AgentID, now: Timestamp, events: inout Sink) throws(HandoffError) -> Agent {
        let slot = try agentSlot(agentID)
        let now = stamp(now)
        if let previous = agents[slot].statusBeforeSweep, agents[slot].agent.status == .offline {
            setStatus(slot, previous, now: now, events: &events)
        } else {
            agents[slot].agent.lastSeen = now
        }
        return agents[slot].agent
    }

    /// Marks `offline` every agent not seen for ``Configuration/inactivityTimeout`` (a closed
    /// tab stops heartbeating). Their chats stay theirs. Returns the agents it took offline.
    ///
    /// - Complexity: O(agents).
    @discardableResult
    public mutating func sweep<Sink: EventSink>(now: Timestamp, events: inout Sink) -> [AgentID] {
        let now = stamp(now)
        finishDueEndChats(now: now, events: &events)
        let cutoff = now - configuration.inactivityTimeout
        var swept: [AgentID] = []
        for slot in agents.indices where agents[slot].agent.status != .offline && agents[slot].agent.lastSeen <= cutoff {
            let previous = agents[slot].agent.status
            updateAgent(slot) { $0.agent.status = .offline }
            rerank(slot)
            agents[slot].statusBeforeSweep = previous
            swept.append(agents[slot].agent.id)
            events.record(.agentStatusChanged(agents[slot].agent))
        }
        return swept
    }

    /// The earliest time at which ``sweep(now:events:)`` would take someone offline, if anyone
    /// is online: a caller can schedule the next sweep for then instead of polling.
    public func nextSweepDeadline() -> Timestamp? {
        let agentDeadline = agents.lazy.filter { $0.agent.status != .offline }.map { $0.agent.lastSeen + configuration.inactivityTimeout }.min()
        guard let endChat = nextEndChatDeadline else { return agentDeadline }
        return agentDeadline.map { min($0, endChat) } ?? endChat
    }

    /// The one place a status changes by hand or login: keeps eligibility counts exact, reports
    /// the change and, under automatic ``Tenant/Routing``, gives the queue to an agent that became
    /// available (its events follow the status change).
    mutating func setStatus<Sink: EventSink>(_ slot: Int, _ status: AgentStatus, now: Timestamp, events: inout Sink) {
        var routed = DiscardAssignments()
        setStatus(slot, status, now: now, events: &events, assignments: &routed)
    }

    /// ``setStatus(_:_:now:events:)``, reporting automatic assignments into `assignments`.
    mutating func setStatus<Sink: EventSink, Assignments: AssignmentSink>(
        _ slot: Int, _ status: AgentStatus, now: Timestamp, events: inout Sink, assignments: inout Assignments
    ) {
        let before = agents[slot].agent.status
        updateAgent(slot) {
            if status == .available && $0.agent.status != .available { $0.idleSince = now }
            $0.agent.status = status
            $0.agent.lastSeen = now
            $0.statusBeforeSweep = nil
        }
        rerank(slot)
        if before != status { events.record(.agentStatusChanged(agents[slot].agent)) }
        if status == .available { route(tenant: agents[slot].tenant, now: now, events: &events, assignments: &assignments) }
    }

    /// An agent acting counts as being seen.
    mutating func touch(_ slot: Int, now: Timestamp) {
        agents[slot].agent.lastSeen = now
    }
}
