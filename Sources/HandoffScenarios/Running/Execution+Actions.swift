import HandoffClient
import HandoffEngine
import HandoffMeasurement

extension Execution {
    /// The request a client makes for an action, with the handoff it refers to; or why it
    /// cannot be made (e.g. a widget that never requested a handoff).
    func command(for action: Action) -> Result<DriverCommand?, RequestFailure> {
        func handoff(of widget: String) -> Result<HandoffID, RequestFailure> {
            guard let id = widgets[widget]?.handoff else {
                return .failure(RequestFailure("widget \(widget) has no handoff yet (it must request one first)"))
            }
            return .success(id)
        }
        switch action {
        case .chat(let w, let message):
            return .success(.chat(widgets[w]!.actor, chat: widgets[w]!.assistantChat, message: message))
        case .requestHandoff(let w, let history, let last):
            return .success(.requestHandoff(widgets[w]!.actor, history: history, lastUserMessage: last))
        case .submitEmail(let w, let email, let message):
            return .success(.submitEmail(widgets[w]!.actor, email: email, message: message))
        case .widgetSend(let w, let text):
            return handoff(of: w).map { .widgetSend(widgets[w]!.actor, handoff: $0, text: text) }
        case .endChat(let w):
            return .success(.endChat(widgets[w]!.actor, handoff: widgets[w]!.handoff))
        case .login(let a): return .success(.login(agent: a))
        case .logout(let a): return .success(.logout(agent: a))
        case .heartbeat(let a): return .success(.heartbeat(agent: a))
        case .setStatus(let a, let status): return .success(.setStatus(agent: a, status))
        case .closeTab: return .success(nil)
        case .pickUp(let a, let w): return handoff(of: w).map { .pickUp(agent: a, handoff: $0) }
        case .agentSend(let a, let w, let text): return handoff(of: w).map { .agentSend(agent: a, handoff: $0, text: text) }
        case .resolve(let a, let w): return handoff(of: w).map { .resolve(agent: a, handoff: $0) }
        case .assign(let admin, let w, let a): return handoff(of: w).map { .assign(admin: admin, handoff: $0, agent: a) }
        case .setRouting(let admin, let routing): return .success(.setRouting(admin: admin, routing))
        }
    }

    func act(_ action: Action, expect: ResultExpectation) async -> String? {
        let command: DriverCommand?
        switch self.command(for: action) {
        case .failure(let problem): return problem.text
        case .success(let c): command = c
        }
        guard let command else {
            if case .closeTab(let a) = action { closeTab(agent: a) }
            return nil
        }
        let screenBefore = action.widgetHandle.map { widgets[$0]!.screen.count } ?? 0
        let result = await timed(command)
        switch result {
        case .failure(let failure):
            guard let expected = expect.error else { return "\(command.operation) failed: \(failure)" }
            if failure.isTransport { return "expected the error '\(expected)', got a transport failure: \(failure)" }
            return failure.text == expected ? nil : "expected the error '\(expected)', got '\(failure.text)'"
        case .success(let reply):
            if let expected = expect.error { return "expected the error '\(expected)', but \(command.operation) succeeded" }
            apply(action, reply: reply)
            if let problem = await flushEffects() { return problem }
            if let status = expect.status {
                guard case .handoff(_, let actual, _, _) = reply else { return "expected status '\(status)', but the reply has none" }
                if actual != status { return "expected status '\(status)', got '\(actual)'" }
            }
            if let replies = expect.replies {
                guard case .assistant(_, let actual) = reply else { return "expected the assistant's replies, but the reply has none" }
                if actual != replies {
                    return "expected the replies \(replies.map { "'\($0)'" }.joined(separator: ", ")), got \(actual.map { "'\($0)'" }.joined(separator: ", "))"
                }
            }
            if let text = expect.text {
                let shown = action.widgetHandle.map { Array(widgets[$0]!.screen[screenBefore...]) } ?? []
                if !shown.contains(where: { $0.contains(text) }) {
                    return "expected the widget to show '\(text)', it showed \(shown.map { "'\($0)'" }.joined(separator: ", "))"
                }
            }
            return nil
        }
    }

    func race(_ actions: [Action], expect: RaceExpectation) async -> String? {
        var commands: [DriverCommand] = []
        for action in actions {
            switch command(for: action) {
            case .failure(let problem): return problem.text
            case .success(let c?): commands.append(c)
            case .success(nil): return "closeTab cannot race"
            }
        }
        let driver = self.driver
        let results = await withTaskGroup(of: (Int, Result<DriverReply, RequestFailure>, Duration).self) { group in
            for (index, command) in commands.enumerated() {
                group.addTask {
                    let start = ContinuousClock.now
                    let result = await driver.perform(command)
                    return (index, result, ContinuousClock.now - start)
                }
            }
            var collected: [(Int, Result<DriverReply, RequestFailure>, Duration)] = []
            for await item in group { collected.append(item) }
            return collected.sorted { $0.0 < $1.0 }
        }
        var succeeded = 0
        var errors: [String: Int] = [:]
        for (index, result, latency) in results {
            metrics.record("op." + commands[index].operation, latency)
            switch result {
            case .success(let reply):
                succeeded += 1
                apply(actions[index], reply: reply)
            case .failure(let failure):
                if failure.isTransport { return "\(commands[index].operation) by \(actions[index].actor) failed in transport: \(failure)" }
                errors[failure.text, default: 0] += 1
            }
        }
        if let problem = await flushEffects() { return problem }
        let failed = results.count - succeeded
        var problems: [String] = []
        if let n = expect.succeeded, n != succeeded { problems.append("expected \(n) to succeed, \(succeeded) did") }
        if let n = expect.failed, n != failed { problems.append("expected \(n) to fail, \(failed) did") }
        for (text, n) in expect.errors.sorted(by: { $0.key < $1.key }) where errors[text, default: 0] != n {
            problems.append("expected \(n) × '\(text)', got \(errors[text, default: 0])")
        }
        if problems.isEmpty { return nil }
        let tally = errors.sorted { $0.key < $1.key }.map { "\($0.value) × '\($0.key)'" }
        return problems.joined(separator: "; ") + " (outcome: \(succeeded) succeeded" + (tally.isEmpty ? "" : ", " + tally.joined(separator: ", ")) + ")"
    }

    /// What the clients learn from a successful action.
    func apply(_ action: Action, reply: DriverReply) {
        switch action {
        case .chat(let w, let message):
            guard case .assistant(let chat, let replies) = reply else { return }
            // The widget keeps the server's conversation id, and asks for a human under it.
            widgets[w]!.assistantChat = chat
            widgets[w]!.actor.chatID = chat
            widgets[w]!.show(message)
            for line in replies { widgets[w]!.show(line) }
        case .requestHandoff(let w, _, _):
            guard case .handoff(let id, let status, _, let created) = reply else { return }
            if widgets[w]!.handoff != id {
                widgets[w]!.handoffs.append(id)
                widgets[w]!.requestedAt = driver.now()
                widgets[w]!.waitRecorded = false
                widgets[w]!.status = nil
            }
            owners[id] = w
            if status == "pending", phases[id] == nil { phases[id] = .pending }
            if status == "after-hours" {
                if created { counts.afterHours += 1 }
                widgets[w]!.status = status
                widgets[w]!.show(WidgetScreenTexts.noAgents)
            } else {
                if created { counts.requested += 1 }
                if widgets[w]!.status == nil { widgets[w]!.status = status }
                if status == "pending" { widgets[w]!.show(WidgetScreenTexts.waiting) }
                startPolling(widget: w)
            }
        case .submitEmail(let w, _, _):
            if case .handoff(let id, _, let message, _) = reply {
                owners[id] = w
                if widgets[w]!.handoff != id { widgets[w]!.handoffs.append(id) }
                widgets[w]!.show(message)  // the widget renders the reply's message (docs/api.md)
            }
        case .widgetSend(let w, let text):
            widgets[w]!.show(text)
        case .endChat(let w):
            if case .ended(let result) = reply, let id = widgets[w]!.handoff {
                var ended = result
                if ended == .unknown {
                    // The wire's `{success: true}` does not say: what this scenario's own commands did does.
                    ended = switch phases[id] {
                    case .pending: .withdrawn
                    case .active: .resolved
                    case .closed, nil: .nothingOpen
                    }
                }
                if ended == .resolved { counts.resolved += 1 }
                if ended == .withdrawn { counts.abandoned += 1 }
                phases[id] = .closed
            }
            widgets[w]!.status = "ended"
            stopWidget(w)
        case .login(let a):
            openTab(agent: a)
        case .logout(let a):
            closeTab(agent: a)
        case .pickUp(let a, let w), .assign(_, let w, let a):
            counts.pickedUp += 1
            if let id = widgets[w]!.handoff {
                phases[id] = .active
                openChat(agent: a, handoff: id)
            }
        case .agentSend(let a, let w, _):
            if case .message(let m) = reply, let id = widgets[w]!.handoff {
                _ = agents[a]!.apply([m], to: id)
            }
        case .resolve(let a, let w):
            counts.resolved += 1
            if let id = widgets[w]!.handoff {
                phases[id] = .closed
                agents[a]!.chats[id] = nil
            }
        case .setRouting(let admin, let value):
            // What the routing check after each step holds the tenant to from now on.
            if let tenant = scenario.fixtures.user(admin)?.tenant ?? scenario.fixtures.agent(admin)?.tenant { routing[tenant.handle] = value }
        case .heartbeat, .setStatus, .closeTab:
            break
        }
    }
}

extension Action {
    /// The widget whose screen this action changes directly.
    var widgetHandle: String? {
        switch self {
        case .chat(let w, _), .requestHandoff(let w, _, _), .submitEmail(let w, _, _), .widgetSend(let w, _), .endChat(let w): w
        default: nil
        }
    }
}
