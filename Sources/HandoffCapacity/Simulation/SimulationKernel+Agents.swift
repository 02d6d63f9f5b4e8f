import HandoffEngine
import HandoffWorkload

// MARK: - How agents learn of work: notification, pick-up, shifts
//
// The decisions (when an agent notices the queue, when it attempts a pick-up, whether it is on
// duty, how long a chat takes) are HandoffWorkload's ``AgentBehaviour``; the kernel schedules
// the times it returns and runs the engine commands.

extension SimulationKernel {
    /// A random eligible agent of an immediate group (instant, zero pick-up time), if any.
    /// Only for profiles that mix immediate and other groups.
    mutating func randomImmediateAgent() -> Int? {
        scratch.removeAll(keepingCapacity: true)
        pool.appendMembers(to: &scratch)
        var count = 0
        for a in scratch where groups[Int(agents[Int(a)].group)].behaviour.isImmediate {
            scratch[count] = a
            count += 1
        }
        scratch.removeLast(scratch.count - count)
        guard !scratch.isEmpty else { return nil }
        return Int(scratch[routingRandom.index(below: scratch.count)])
    }

    /// A new request waits: every eligible agent that is not already about to look gets its
    /// notice (push delivered after its delay, or its next poll).
    mutating func notifyEligibleAgents() {
        scratch.removeAll(keepingCapacity: true)
        pool.appendMembers(to: &scratch)
        for a in scratch { scheduleNotice(Int(a)) }
    }

    /// Routing `pickup`: agent `a` may have room for waiting work (a slot freed, its shift
    /// started): it takes it at once if immediate, else it will notice the queue. (Under automatic routing
    /// the engine has already assigned it, inside the command that freed the slot.)
    mutating func offerWork(to a: Int) throws(SimulationError) {
        guard pool.contains(Int32(a)) else { return }
        if groups[Int(agents[a].group)].behaviour.isImmediate {
            while waiting > 0, pool.contains(Int32(a)), let v = popOldestVisitor() {
                try takeVisitor(v, by: a)
            }
        } else {
            scheduleNotice(a)
        }
    }

    /// Schedules when agent `a` notices the queue, unless a notice or attempt is pending.
    mutating func scheduleNotice(_ a: Int) {
        guard let at = groups[Int(agents[a].group)].behaviour.workMayBeWaiting(&agents[a].virtual, at: now) else { return }
        queue.schedule(.notice, at: at, subject: Int32(a))
    }

    /// The agent sees the queue; the pick-up follows after its pick-up time.
    mutating func noticed(_ a: Int) throws(SimulationError) {
        let at = groups[Int(agents[a].group)].behaviour.noticed(&agents[a].virtual, at: now)
        if at > now {
            queue.schedule(.attempt, at: at, subject: Int32(a))
        } else {
            try attempt(a)
        }
    }

    /// The agent picks up the oldest waiting request if it still can (another agent may have
    /// been faster), and goes on down the list while it has room and requests wait.
    mutating func attempt(_ a: Int) throws(SimulationError) {
        if pool.contains(Int32(a)), waiting > 0, let v = popOldestVisitor() {
            try takeVisitor(v, by: a)
        } else {
            // Nothing to take (someone was faster): the agent goes idle.
            _ = groups[Int(agents[a].group)].behaviour.attempted(&agents[a].virtual, at: now, stillLooking: false)
            return
        }
        let stillLooking = pool.contains(Int32(a)) && waiting > 0
        if let next = groups[Int(agents[a].group)].behaviour.attempted(&agents[a].virtual, at: now, stillLooking: stillLooking) {
            queue.schedule(.attempt, at: next, subject: Int32(a))
        }
    }

    // MARK: Shifts

    /// Schedules every shift boundary of every group at its first occurrence; each reschedules
    /// itself a day later.
    mutating func scheduleShifts() {
        for (g, group) in groups.enumerated() {
            for (i, shift) in group.behaviour.shifts.enumerated() {
                queue.schedule(.shift, at: shift.start, subject: Int32(g), generation: UInt32(2 * i))
                queue.schedule(.shift, at: shift.end, subject: Int32(g), generation: UInt32(2 * i + 1))
            }
        }
    }

    /// A shift boundary of group `g`: each agent is on duty iff some shift covers the time of day.
    mutating func shiftBoundary(_ g: Int, boundary: Int) throws(SimulationError) {
        queue.schedule(.shift, at: now + 86_400, subject: Int32(g), generation: UInt32(boundary))
        let secondOfDay = now - (now / 86_400).rounded(.down) * 86_400
        let onDuty = groups[g].behaviour.isOnDuty(atSecondOfDay: secondOfDay)
        for a in groups[g].agents where agents[a].onShift != onDuty {
            try setOnDuty(a, onDuty)
        }
    }

    private mutating func setOnDuty(_ a: Int, _ onDuty: Bool) throws(SimulationError) {
        stats.advance(to: now)
        stats.staffedSlots += (onDuty ? 1 : -1) * Int(agents[a].maxChats)
        accrueAgent(a)
        agents[a].onShift = onDuty
        calls.setStatus += 1
        let status: AgentStatus = onDuty ? .available : .offline
        if routing.isAutomatic {
            core.setStatus(agents[a].ref, to: status, now: timestamp, assignments: &routed)
            updatePool(a)
            try startAssignedChats()
        } else {
            core.setStatus(agents[a].ref, to: status, now: timestamp)
            updatePool(a)
            if onDuty && waiting > 0 { try offerWork(to: a) }
        }
    }
}
