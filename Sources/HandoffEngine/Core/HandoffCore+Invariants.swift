// MARK: - Invariants

extension HandoffCore {
    /// Every way the state could be inconsistent, recomputed from scratch: empty when sound.
    ///
    /// Checks that each agent's `activeChats` equals the number of active handoffs assigned to
    /// it and lies in `0...maxChats`; each active handoff has exactly one assignee, of its own
    /// tenant; pending and closed handoffs have none (or kept their closer); each handoff is in
    /// its tenant's pending or active list exactly when its state says so (so in one state
    /// only); the eligible-agent counts and the chat and id indexes agree with the records; and,
    /// for tenants routed automatic ``Tenant/Routing``, that the routing index holds exactly the
    /// eligible agents under their current keys and — when the tenant is active — that no
    /// request waits while an agent has a free slot (`HandoffCore+Routing.swift`).
    ///
    /// - Complexity: O(handoffs + agents). For tests and the harness, not for hot paths.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        var assigned = [Int](repeating: 0, count: agents.count)
        var inPending = Set<Int>()
        var inActive = Set<Int>()
        for (t, record) in tenants.enumerated() {
            for (name, list) in [("pending", record.pending), ("active", record.active)] {
                let slots = list.slots(in: handoffs)
                if slots.count != list.count { problems.append("tenant \(record.tenant.name): \(name) list has \(slots.count) entries but counts \(list.count)") }
                for slot in slots {
                    if handoffs[slot].tenant != t { problems.append("handoff \(handoffs[slot].handoff.id) is in another tenant's \(name) list") }
                    let inserted = name == "pending" ? inPending.insert(slot).inserted : inActive.insert(slot).inserted
                    if !inserted { problems.append("handoff \(handoffs[slot].handoff.id) appears twice in a \(name) list") }
                }
            }
            let eligible = record.agents.filter { agents[$0].agent.canTakeHandoff }.count
            if eligible != record.eligibleAgents {
                problems.append("tenant \(record.tenant.name): \(record.eligibleAgents) agents counted eligible, \(eligible) are")
            }
            let available = record.agents.filter { agents[$0].agent.status == .available }.count
            if available != record.availableAgents {
                problems.append("tenant \(record.tenant.name): \(record.availableAgents) agents counted available, \(available) are")
            }
            problems += routingViolations(tenant: t)
        }
        let routed = tenants.filter(\.routes).count
        if routed != autoRoutedTenants { problems.append("\(autoRoutedTenants) tenants counted as routed automatically, \(routed) are") }
        for (id, slot) in handoffSlots where !(handoffs[slot].inUse && handoffs[slot].indexed && handoffs[slot].handoff.id == id) {
            problems.append("handoff index entry \(id) points to a free or different record")
        }
        for slot in handoffs.indices where handoffs[slot].inUse {
            let record = handoffs[slot]
            let h = record.handoff
            let id = h.id
            if record.indexed, handoffSlots[id] != slot { problems.append("handoff \(id) is missing from the id index") }
            let state = h.state
            if (state == .pending) != inPending.contains(slot) { problems.append("handoff \(id) is \(state.rawValue) but pending-list membership disagrees") }
            if (state == .active) != inActive.contains(slot) { problems.append("handoff \(id) is \(state.rawValue) but active-list membership disagrees") }
            switch state {
            case .active:
                guard record.agent >= 0, record.agent < agents.count else {
                    problems.append("active handoff \(id) has no assignee")
                    continue
                }
                assigned[record.agent] += 1
                let agent = agents[record.agent].agent
                if agent.tenantID != h.tenantID { problems.append("handoff \(id) is assigned to agent \(agent.id) of another tenant") }
                if h.assignedAgentID != agent.id { problems.append("handoff \(id) names assignee \(String(describing: h.assignedAgentID)) but is held by \(agent.id)") }
                if h.pickedUpAt == nil { problems.append("active handoff \(id) has no pickedUpAt") }
            case .pending, .afterHours, .abandoned:
                if h.assignedAgentID != nil || record.agent >= 0 { problems.append("\(state.rawValue) handoff \(id) has an assignee") }
            case .resolved:
                if h.resolvedAt == nil { problems.append("resolved handoff \(id) has no resolvedAt") }
            }
            if tenants[record.tenant].tenant.id != h.tenantID { problems.append("handoff \(id) is filed under another tenant") }
            for message in record.messages where message.handoffID != id {
                problems.append("message \(message.id) of handoff \(id) names handoff \(message.handoffID)")
            }
            for (previous, next) in zip(record.messages, record.messages.dropFirst()) where !(previous.timestamp < next.timestamp && previous.sequence + 1 == next.sequence) {
                problems.append("messages \(previous.id) and \(next.id) of handoff \(id) are out of order")
            }
        }
        for (slot, record) in agents.enumerated() {
            let a = record.agent
            if a.activeChats != assigned[slot] { problems.append("agent \(a.name) counts \(a.activeChats) active chats but holds \(assigned[slot])") }
            if a.activeChats < 0 || a.activeChats > a.maxChats { problems.append("agent \(a.name) has \(a.activeChats) active chats, maxChats \(a.maxChats)") }
            if tenants[record.tenant].tenant.id != a.tenantID { problems.append("agent \(a.name) is filed under another tenant") }
        }
        for (key, slot) in chats where !(handoffs[slot].inUse && handoffs[slot].tenant == key.tenant && handoffs[slot].handoff.chatID == key.chat) {
            problems.append("chat index entry \(key.chat) points to a record of another chat")
        }
        return problems
    }
}
