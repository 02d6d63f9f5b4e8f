import HandoffClient
import HandoffEngine
import HandoffMeasurement
import HandoffWorkload

extension Execution {
    // MARK: Effects

    /// Carries out the clients' pending decisions in order. Returns the first problem (a socket
    /// that could not be opened), after trying them all.
    func flushEffects() async -> String? {
        var problem: String?
        while !effects.isEmpty {
            let effect = effects.removeFirst()
            if let reason = await perform(effect), problem == nil { problem = reason }
        }
        return problem
    }

    private func perform(_ effect: ClientEffect) async -> String? {
        guard let channels = driver.pushChannels else {
            return "the \(model.name) client model needs push channels, and target \(driver.target) has none"
        }
        switch effect {
        case .openWidgetChannel(let w):
            guard let session = widgets[w], let handoff = session.handoff, session.isPolling, session.channelHandoff != handoff else { return nil }
            if session.channelHandoff != nil { await channels.closeWidgetChannel(w) }
            do throws(RequestFailure) {
                try await channels.openWidgetChannel(session.actor, handoff: handoff)
            } catch {
                widgets[w]!.channelHandoff = nil
                return "widget \(w) could not open its socket: \(error)"
            }
            widgets[w]!.channelHandoff = handoff
            await catchUp(widget: w, handoff: handoff)
        case .closeWidgetChannel(let w):
            guard widgets[w]?.channelHandoff != nil else { return nil }
            widgets[w]!.channelHandoff = nil
            await channels.closeWidgetChannel(w)
        case .openAgentChannel(let a):
            guard let session = agents[a], session.tabOpen, !session.channelOpen else { return nil }
            do throws(RequestFailure) {
                try await channels.openAgentChannel(agent: a)
            } catch {
                return "agent \(a) could not open its socket: \(error)"
            }
            agents[a]!.channelOpen = true
        case .closeAgentChannel(let a):
            guard agents[a]?.channelOpen == true else { return nil }
            agents[a]!.channelOpen = false
            await channels.closeAgentChannel(agent: a)
        case .catchUp(let a, let handoff):
            let driver = self.driver
            if let messages = await timed("agentMessages", {
                try await driver.agentMessages(agent: a, handoff: handoff)
            }) {
                learn(agent: a, messages: messages, handoff: handoff, at: driver.now())
            }
        }
        return nil
    }

    /// What a widget does once its socket is open: one status read (and the messages, when
    /// already active) for whatever happened before it was listening.
    private func catchUp(widget w: String, handoff: HandoffID) async {
        let driver = self.driver
        let actor = widgets[w]!.actor
        guard let status = await timed("widgetStatus", { try await driver.widgetStatus(actor, handoff: handoff) })
        else { return }
        learn(widget: w, status: status, at: driver.now())
        if status.status == "active" {
            if let messages = await timed("widgetMessages", {
                try await driver.widgetMessages(actor, handoff: handoff, since: nil)
            }) {
                learn(widget: w, messages: messages, at: driver.now())
            }
        }
        if !widgets[w]!.isPolling { effects.append(.closeWidgetChannel(w)) }
    }

    /// Closes every channel still open (the end of the scenario).
    func closeChannels() async {
        for (w, session) in widgets where session.channelHandoff != nil { effects.append(.closeWidgetChannel(w)) }
        for (a, session) in agents where session.channelOpen { effects.append(.closeAgentChannel(a)) }
        _ = await flushEffects()
    }

    // MARK: Pushes

    /// Applies every push received so far. Returns whether there was any.
    func applyPushes() -> Bool {
        guard usesPush, let channels = driver.pushChannels else { return false }
        let pushes = channels.drain()
        for push in pushes { apply(push) }
        return !pushes.isEmpty
    }

    private func apply(_ push: ReceivedPush) {
        switch push.receiver {
        case .widget(let w):
            guard let session = widgets[w] else { return }
            switch push.event {
            case .handoffStatus(let id, let status) where id == session.handoff:
                learn(widget: w, status: status, at: push.receivedAt)
                if !widgets[w]!.isPolling { effects.append(.closeWidgetChannel(w)) }
            case .message(let m) where m.handoffID == session.handoff:
                learn(widget: w, messages: [m], at: push.receivedAt)
            case .closed(let reason):
                if session.channelHandoff != nil {
                    widgets[w]!.channelHandoff = nil
                    channelFindings.append("the socket of widget \(w) was closed by the server: \(reason)")
                }
            case .unreadable(let problem):
                channelFindings.append("widget \(w) received a frame it could not read: \(problem)")
            default:
                break
            }
        case .agent(let a):
            guard let session = agents[a] else { return }
            switch push.event {
            case .message(let m) where session.chats[m.handoffID] != nil:
                learn(agent: a, messages: [m], handoff: m.handoffID, at: push.receivedAt)
            case .newHandoff(let h):
                metrics.record("push.newHandoff", push.receivedAt - h.requestedAt)
            case .closed(let reason):
                if session.channelOpen {
                    agents[a]!.channelOpen = false
                    channelFindings.append("the socket of agent \(a) was closed by the server: \(reason)")
                }
            case .unreadable(let problem):
                channelFindings.append("agent \(a) received a frame it could not read: \(problem)")
            default:
                break
            }
        }
    }
}
