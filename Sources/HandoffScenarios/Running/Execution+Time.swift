import HandoffEngine
import HandoffWorkload

extension Execution {
    /// How often a real-time wait re-evaluates a pending check when nothing happened, and the
    /// longest it sleeps in one go.
    static var realTimeTick: Duration { .milliseconds(200) }

    /// Lets the clients act until `deadline`, or until `condition` holds. Returns whether the
    /// condition held.
    ///
    /// Virtual time: jumps from one scheduled activity to the next, checking the condition
    /// after each. Real time: see ``advanceInRealTime(until:condition:)``.
    @discardableResult
    func advance(until deadline: Timestamp, condition: (() async -> Bool)? = nil) async -> Bool {
        if driver.isRealTime { return await advanceInRealTime(until: deadline, condition: condition) }
        while let (time, activity) = schedule.popNext(notAfter: deadline) {
            await driver.advance(to: time)
            await perform(activity, at: time)
            if let condition, await condition() { return true }
        }
        await driver.advance(to: deadline)
        if let condition { return await condition() }
        return true
    }

    /// Real time: waits in small steps (at most ``realTimeTick``), waking early for a push or
    /// the next scheduled activity. Pushes are applied as they arrive and due activities run,
    /// and the condition is evaluated after anything happened, or every tick — so a
    /// `within: 2s` check passes as soon as the push or poll that satisfies it lands.
    func advanceInRealTime(until deadline: Timestamp, condition: (() async -> Bool)?) async -> Bool {
        var lastEvaluation = driver.now()
        while true {
            var changed = applyPushes()
            while let (time, activity) = schedule.popNext(notAfter: min(driver.now(), deadline)) {
                await perform(activity, at: time)
                _ = applyPushes()
                changed = true
            }
            _ = await flushEffects()
            let now = driver.now()
            if let condition, changed || now - lastEvaluation >= Self.realTimeTick {
                lastEvaluation = now
                if await condition() { return true }
            }
            if driver.now() >= deadline { break }
            var wake = min(deadline, driver.now() + Self.realTimeTick)
            if let next = schedule.nextTime, next < wake { wake = next }
            if let channels = driver.pushChannels, usesPush {
                await channels.waitForPush(until: wake)
            } else {
                await driver.advance(to: wake)
            }
        }
        _ = applyPushes()
        if let condition { return await condition() }
        return true
    }

    /// When a periodic activity that was due at `time` runs next: the client model's rule
    /// (``ClientModel/nextPoll(after:every:now:)``: one interval later, skipping beats a late
    /// real-time runner missed). In virtual time this is always `time + interval`.
    func next(after time: Timestamp, every interval: Duration) -> Timestamp {
        Timestamp(milliseconds: ClientModel.nextPoll(after: time.milliseconds, every: interval, now: driver.now().milliseconds))
    }

    func perform(_ activity: ClientSchedule.Activity, at time: Timestamp) async {
        switch activity {
        case .sweep:
            await driver.sweep()
            if let interval = driver.sweepInterval { schedule.schedule(.sweep, at: next(after: time, every: interval)) }
        case .heartbeat(let handle, let generation):
            guard let session = agents[handle], session.generation == generation, session.tabOpen else { return }
            await timed(.heartbeat(agent: handle))
            schedule.schedule(.heartbeat(agent: handle, generation: generation), at: next(after: time, every: model.heartbeatInterval))
        case .agentQueue(let handle, let list, let generation):
            guard let session = agents[handle], session.generation == generation, session.tabOpen else { return }
            let driver = self.driver
            _ = await timed("queue." + list.rawValue) { try await driver.agentQueue(agent: handle, list) }
            schedule.schedule(.agentQueue(agent: handle, list: list, generation: generation), at: next(after: time, every: queueInterval(list)))
        case .agentMessages(let handle, let generation):
            guard let session = agents[handle], session.generation == generation, session.tabOpen else { return }
            for handoff in session.chats.keys.sorted() {
                let driver = self.driver
                guard let messages = await timed("agentMessages", {
                    try await driver.agentMessages(agent: handle, handoff: handoff)
                }) else { continue }
                learn(agent: handle, messages: messages, handoff: handoff, at: driver.now())
            }
            if !(agents[handle]?.chats.isEmpty ?? true) {
                schedule.schedule(.agentMessages(agent: handle, generation: generation), at: next(after: time, every: model.agentMessagesInterval))
            }
        case .widgetStatus(let handle, let generation):
            guard let session = widgets[handle], session.generation == generation, session.isPolling, let handoff = session.handoff else { return }
            let driver = self.driver
            let status = await timed("widgetStatus") { try await driver.widgetStatus(session.actor, handoff: handoff) }
            guard let status else {
                schedule.schedule(.widgetStatus(widget: handle, generation: generation), at: next(after: time, every: model.widgetStatusInterval))
                return
            }
            learn(widget: handle, status: status, at: driver.now())
            if ClientModel.widgetPollsMessages(status.status), !widgets[handle]!.messagesPolling {
                widgets[handle]!.messagesPolling = true
                schedule.schedule(.widgetMessages(widget: handle, generation: generation), at: next(after: time, every: model.widgetMessagesInterval))
            }
            if widgets[handle]!.isPolling {
                schedule.schedule(.widgetStatus(widget: handle, generation: generation), at: next(after: time, every: model.widgetStatusInterval))
            }
        case .widgetMessages(let handle, let generation):
            guard let session = widgets[handle], session.generation == generation, ClientModel.widgetPollsMessages(session.status),
                let handoff = session.handoff
            else {
                return
            }
            let driver = self.driver
            let since = session.lastMessageAt
            if let messages = await timed("widgetMessages", {
                try await driver.widgetMessages(session.actor, handoff: handoff, since: since)
            }) {
                learn(widget: handle, messages: messages, at: driver.now())
            }
            schedule.schedule(.widgetMessages(widget: handle, generation: generation), at: next(after: time, every: model.widgetMessagesInterval))
        }
    }
}
