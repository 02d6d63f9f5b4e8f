import HandoffClient
import HandoffEngine

extension Execution {
    /// Checks now; if it fails and `within` allows, lets the clients run until it holds or the
    /// deadline passes. Returns the last reason it failed, or `nil`.
    func eventually(_ check: Check, within: Duration) async -> String? {
        _ = applyPushes()
        var reason = await evaluate(check)
        guard reason != nil, within > .zero else { return reason }
        let deadline = driver.now() + within
        _ = await advance(until: deadline) { [self] in
            reason = await evaluate(check)
            return reason == nil
        }
        return reason.map { "\($0) (still after \(within.formatted))" }
    }

    func evaluate(_ check: Check) async -> String? {
        do throws(RequestFailure) {
            switch check {
            case .widgetSees(let w, let text):
                let screen = widgets[w]!.screen
                return screen.contains { $0.contains(text) } ? nil : "widget \(w) does not show '\(text)'; its screen: \(quoted(screen))"
            case .widgetDoesNotSee(let w, let text):
                return widgets[w]!.screen.contains { $0.contains(text) } ? "widget \(w) shows '\(text)'" : nil
            case .agentSees(let a, let w, let text):
                guard let id = widgets[w]!.handoff else { return "widget \(w) has no handoff" }
                guard let window = agents[a]!.chats[id] else { return "agent \(a) has no open chat with \(w)" }
                return window.lines.contains { $0.contains(text) } ? nil : "agent \(a)'s chat with \(w) does not show '\(text)'; it shows \(quoted(window.lines))"
            case .queue(let tenant, let expect):
                return try await checkQueue(tenant, expect)
            case .handoff(let w, let expect):
                return try await checkHandoff(w, expect)
            case .agent(let a, let expect):
                return try await checkAgent(a, expect)
            case .history(let tenant, let expect):
                return try await checkHistory(tenant, expect)
            case .metrics(let tenant, let expected):
                return try await checkMetrics(tenant, expected)
            }
        } catch {
            return "could not observe: \(error)"
        }
    }

    private func name(_ handoff: ObservedHandoff) -> String { owners[handoff.id] ?? "handoff \(handoff.id)" }

    private func checkQueue(_ tenant: String, _ expect: QueueExpectation) async throws(RequestFailure) -> String? {
        let queue = try await driver.pendingQueue(tenant: tenant)
        let names = queue.map(name)
        var problems: [String] = []
        if let order = expect.order, order != names { problems.append("queue is [\(names.joined(separator: ", "))], expected [\(order.joined(separator: ", "))]") }
        if let count = expect.count, count != queue.count { problems.append("queue holds \(queue.count), expected \(count)") }
        for row in expect.rows {
            guard let h = queue.first(where: { owners[$0.id] == row.widget }) else {
                problems.append("\(row.widget) is not in the queue")
                continue
            }
            if let last = row.lastMessage, h.lastUserMessage != last {
                problems.append("\(row.widget)'s last message is \(quoted(h.lastUserMessage)), expected '\(last)'")
            }
            if let status = row.status, h.status != status { problems.append("\(row.widget) shows status '\(h.status)', expected '\(status)'") }
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    private func checkHandoff(_ w: String, _ expect: HandoffExpectation) async throws(RequestFailure) -> String? {
        guard let id = widgets[w]!.handoff else { return "widget \(w) has no handoff" }
        let h = try await driver.handoff(id, tenant: widgets[w]!.actor.tenant)
        var problems: [String] = []
        if let status = expect.status, h.status != status { problems.append("status is '\(h.status)', expected '\(status)'") }
        if let agent = expect.assignedTo {
            let expectedID = Fixtures.agentID(tenant: widgets[w]!.actor.tenant, agent: agent)
            if h.assignedAgentID != expectedID {
                let actual = h.assignedAgentID.map { id in agentHandle(id) ?? id.description } ?? "nobody"
                problems.append("assigned to \(actual), expected \(agent)")
            }
        }
        if let email = expect.email, h.userEmail != email { problems.append("email is \(quoted(h.userEmail)), expected '\(email)'") }
        if let message = expect.userMessage, h.userMessage != message { problems.append("user message is \(quoted(h.userMessage)), expected '\(message)'") }
        if let history = expect.history, h.conversationHistory != history {
            problems.append("AI history is \(h.conversationHistory.map { "\($0.role): \($0.content)" }), expected \(history.map { "\($0.role): \($0.content)" })")
        }
        if let count = expect.messageCount {
            let messages = try await driver.handoffMessages(id, tenant: widgets[w]!.actor.tenant)
            if messages.count != count { problems.append("\(messages.count) messages, expected \(count)") }
        }
        return problems.isEmpty ? nil : "handoff of \(w): " + problems.joined(separator: "; ")
    }

    private func agentHandle(_ id: AgentID) -> String? {
        for t in scenario.fixtures.tenants { for a in t.agents where Fixtures.agentID(tenant: t.handle, agent: a.handle) == id { return a.handle } }
        return nil
    }

    private func checkAgent(_ a: String, _ expect: AgentExpectation) async throws(RequestFailure) -> String? {
        guard let (tenant, _) = scenario.fixtures.agent(a) else { return "unknown agent \(a)" }
        let id = Fixtures.agentID(tenant: tenant.handle, agent: a)
        guard let agent = try await driver.agents(tenant: tenant.handle).first(where: { $0.id == id }) else { return "agent \(a) is not listed" }
        var problems: [String] = []
        if let status = expect.status, agent.status != status { problems.append("status is \(agent.status.rawValue), expected \(status.rawValue)") }
        if let n = expect.activeChats, agent.activeChats != n { problems.append("\(agent.activeChats) active chats, expected \(n)") }
        if let available = expect.available {
            let listed = try await driver.availableAgents(tenant: tenant.handle).contains { $0.id == id }
            if listed != available { problems.append(listed ? "listed as available, expected not" : "not listed as available") }
        }
        return problems.isEmpty ? nil : "agent \(a): " + problems.joined(separator: "; ")
    }

    private func checkHistory(_ tenant: String, _ expect: HistoryExpectation) async throws(RequestFailure) -> String? {
        let history = try await driver.history(tenant: tenant)
        let names = history.map(name)
        var problems: [String] = []
        for w in expect.contains where !names.contains(w) { problems.append("\(w) is not in history") }
        for w in expect.excludes where names.contains(w) { problems.append("\(w) is in history") }
        if let first = expect.first, names.first != first { problems.append("most recent is \(names.first ?? "nothing"), expected \(first)") }
        return problems.isEmpty ? nil : problems.joined(separator: "; ") + " (history: [\(names.joined(separator: ", "))])"
    }

    private func checkMetrics(_ tenant: String, _ expected: [MetricName: Double]) async throws(RequestFailure) -> String? {
        guard let m = try await driver.metrics(tenant: tenant) else { return "the target does not expose dashboard metrics" }
        var problems: [String] = []
        for (metric, value) in expected.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            let actual: Double? =
                switch metric {
                case .requestsLast24h: Double(m.requestsInWindow)
                case .totalRequests: Double(m.totalRequests)
                case .pickedUp: Double(m.pickedUp)
                case .resolved: Double(m.resolved)
                case .abandoned: Double(m.abandoned)
                case .afterHours: Double(m.afterHours)
                case .pending: Double(m.pending)
                case .active: Double(m.active)
                case .averageWaitSeconds: m.averageWaitMilliseconds.map { $0 / 1000 }
                }
            guard let actual else {
                problems.append("\(metric.rawValue) has no value yet, expected \(value)")
                continue
            }
            if !Self.matches(actual, value, isDuration: metric == .averageWaitSeconds, tolerance: driver.timingTolerance.seconds) {
                problems.append("\(metric.rawValue) is \(actual), expected \(value)")
            }
        }
        return problems.isEmpty ? nil : problems.joined(separator: "; ")
    }

    /// Whether a measured value matches the expected one. Counts match exactly; a duration
    /// measured on a real-time target may exceed the scripted time by the driver's timing
    /// tolerance (request latency adds to it) but never fall short of it.
    static func matches(_ actual: Double, _ expected: Double, isDuration: Bool, tolerance: Double) -> Bool {
        let exact = max(1e-9, abs(expected) * 1e-6)
        if isDuration, tolerance > 0 { return actual >= expected - max(exact, 0.002) && actual <= expected + tolerance }
        return abs(actual - expected) <= exact
    }

    // MARK: Automatic routing, seen from outside

    /// Runs after every step for the fixture tenants routed `auto` (by the fixtures or a
    /// `setRouting` step since) and active, through the
    /// driver's queries only, so it holds for a live server as for the engine in-process:
    ///
    /// - **the invariant**: no request waits while an agent has a free slot — the pending
    ///   queue and the "available agents" list (`available` with `activeChats < maxChats`) are
    ///   never both non-empty;
    /// - **what the harness learns**: a request this scenario saw waiting that left the queue
    ///   without a command of its own was assigned by the engine — counted as picked up, its
    ///   phase active (so a later end chat is counted as resolving it, as the engine does), and
    ///   its assignee's dashboard opens the chat, so the agent reads and answers its messages
    ///   as after a pick-up.
    ///
    /// Assumes nobody else drives the tenant meanwhile. Returns the violations (empty when sound).
    func observeRouting() async -> [String] {
        var problems: [String] = []
        for tenant in scenario.fixtures.tenants where routing[tenant.handle]?.isAutomatic == true && tenant.status == .active {
            do throws(RequestFailure) {
                let queue = try await driver.pendingQueue(tenant: tenant.handle)
                let free = try await driver.availableAgents(tenant: tenant.handle)
                if !queue.isEmpty, !free.isEmpty {
                    problems.append(
                        "tenant \(tenant.handle) routes automatically, but [\(queue.map(name).joined(separator: ", "))] wait(s) while "
                            + "[\(free.map { agentHandle($0.id) ?? $0.name }.joined(separator: ", "))] ha(s) a free slot")
                }
                let waiting = Set(queue.map(\.id))
                for (id, phase) in phases where phase == .pending && !waiting.contains(id) {
                    guard let owner = owners[id], widgets[owner]?.actor.tenant == tenant.handle else { continue }
                    // Counted only when the service shows it assigned (not ended some other way).
                    let assigned = try await driver.handoff(id, tenant: tenant.handle)
                    guard assigned.status == HandoffState.active.wireStatus, assigned.assignedAgentID != nil else { continue }
                    phases[id] = .active
                    counts.pickedUp += 1
                    // The assignee's dashboard shows the chat (its active list, or the socket's
                    // pick-up frame): it opens it, and its messages flow as after a pick-up.
                    if let agent = assigned.assignedAgentID.flatMap(agentHandle), agents[agent]?.tabOpen == true {
                        openChat(agent: agent, handoff: id)
                    }
                }
            } catch {
                problems.append("could not check the routing of tenant \(tenant.handle): \(error)")
            }
        }
        return problems
    }

    private func quoted(_ lines: [String]) -> String { "[" + lines.map { "'\($0)'" }.joined(separator: ", ") + "]" }
    private func quoted(_ text: String?) -> String { text.map { "'\($0)'" } ?? "none" }
}

extension Duration {
    /// "2s", "1.5s", "250ms".
    public var formatted: String {
        let ms = wholeMilliseconds
        if ms % 1000 == 0 { return "\(ms / 1000)s" }
        if ms < 1000 { return "\(ms)ms" }
        return "\(Double(ms) / 1000)s"
    }
}
