import HandoffEngine
import HandoffWorkload
import Yams

// MARK: - Check steps

extension StepParser {
    /// The check of an `expect…` step (its `within` is read by the caller).
    func check(_ verb: StepVerb, _ fields: YAMLMapping) -> Check? {
        let subject = fields[verb.rawValue]!
        let subjectPath = fields.path(verb.rawValue)
        switch verb {
        case .expectWidget:
            let widget = refs.widget(subject, at: subjectPath)
            return widgetCheck(widget, fields)
        case .expectAgent:
            let agent = refs.agent(subject, at: subjectPath)
            return agentCheck(agent, fields)
        case .expectQueue:
            let tenant = refs.tenant(subject, at: subjectPath)
            return queueCheck(tenant, fields)
        case .expectHandoff:
            let widget = refs.widget(subject, at: subjectPath)
            return handoffCheck(widget, fields)
        case .expectHistory:
            let tenant = refs.tenant(subject, at: subjectPath)
            return historyCheck(tenant, fields)
        case .expectMetrics:
            let tenant = refs.tenant(subject, at: subjectPath)
            return metricsCheck(tenant, fields)
        default:
            preconditionFailure("\(verb) is not a check")
        }
    }

    private func text(_ fields: YAMLMapping, _ key: String, nonEmpty: Bool = false) -> String?? {
        fields[key].map { reader.string($0, at: fields.path(key), nonEmpty: nonEmpty) }
    }

    private func widgetCheck(_ widget: String?, _ fields: YAMLMapping) -> Check? {
        let sees = text(fields, "sees", nonEmpty: true)
        let notSees = text(fields, "notSees", nonEmpty: true)
        switch (sees, notSees) {
        case (nil, nil):
            reader.report("missing required key 'sees' or 'notSees'", at: fields.node, path: fields.path)
            return nil
        case (.some, .some):
            reader.report("use either 'sees' or 'notSees', not both", at: fields.keyNode("notSees"), path: fields.path("notSees"))
            return nil
        case (.some(let sees), nil):
            guard let widget, let sees else { return nil }
            return .widgetSees(widget: widget, text: sees)
        case (nil, .some(let notSees)):
            guard let widget, let notSees else { return nil }
            return .widgetDoesNotSee(widget: widget, text: notSees)
        }
    }

    private func agentCheck(_ agent: String?, _ fields: YAMLMapping) -> Check? {
        let stateKeys = ["status", "activeChats", "available"].filter(fields.has)
        if fields.has("sees") || fields.has("handoff") {
            if let key = stateKeys.first {
                reader.report(
                    "'sees' cannot be combined with '\(key)': check the chat window and the agent's state in separate steps",
                    at: fields.keyNode(key), path: fields.path(key))
                return nil
            }
            guard fields.has("sees"), fields.has("handoff") else {
                let missing = fields.has("sees") ? "handoff" : "sees"
                reader.report("missing required key '\(missing)' ('sees' and 'handoff' go together)", at: fields.node, path: fields.path)
                return nil
            }
            let sees = text(fields, "sees", nonEmpty: true)
            let widget = fields["handoff"].flatMap { refs.widget($0, at: fields.path("handoff")) }
            guard let agent, let widget, let sees = sees ?? nil else { return nil }
            return .agentSees(agent: agent, widget: widget, text: sees)
        }
        guard !stateKeys.isEmpty else {
            reader.report(
                "expectAgent needs 'sees' (with 'handoff') or at least one of: status, activeChats, available", at: fields.node, path: fields.path)
            return nil
        }
        let status = fields["status"].map { reader.choice($0, at: fields.path("status"), AgentStatus.self) }
        let activeChats = fields["activeChats"].map { reader.int($0, at: fields.path("activeChats"), min: 0) }
        let available = fields["available"].map { reader.bool($0, at: fields.path("available")) }
        guard let agent, isValid(status), isValid(activeChats), isValid(available) else { return nil }
        return .agent(agent: agent, AgentExpectation(status: status ?? nil, activeChats: activeChats ?? nil, available: available ?? nil))
    }

    private func queueCheck(_ tenant: String?, _ fields: YAMLMapping) -> Check? {
        let order = fields["order"].map { node in
            reader.list(node, at: fields.path("order")) { item, path in refs.widget(item, at: path, of: tenant) }
        }
        let count = fields["count"].map { reader.int($0, at: fields.path("count"), min: 0) }
        let rows =
            fields["rows"].map { node in
                reader.list(node, at: fields.path("rows")) { item, path -> QueueExpectation.QueueRow? in
                    guard let row = reader.mapping(item, at: path, keys: ["widget", "lastMessage", "status"], required: ["widget"]) else {
                        return nil
                    }
                    let widget = row["widget"].flatMap { refs.widget($0, at: row.path("widget"), of: tenant) }
                    let lastMessage = row["lastMessage"].map { reader.string($0, at: row.path("lastMessage")) }
                    let status = row["status"].map { reader.choice($0, at: row.path("status"), options: WireStatus.handoff) }
                    guard let widget, isValid(lastMessage), isValid(status) else { return nil }
                    return QueueExpectation.QueueRow(widget: widget, lastMessage: lastMessage ?? nil, status: status ?? nil)
                }
            } ?? []
        if let order = order ?? nil, let count = count ?? nil, order.count != count, let node = fields["count"] {
            reader.report("count \(count) does not match the length of 'order' (\(order.count))", at: node, path: fields.path("count"))
            return nil
        }
        guard let tenant, isValid(order), isValid(count), let rows else { return nil }
        return .queue(tenant: tenant, QueueExpectation(order: order ?? nil, count: count ?? nil, rows: rows))
    }

    private func handoffCheck(_ widget: String?, _ fields: YAMLMapping) -> Check? {
        let status = fields["status"].map { reader.choice($0, at: fields.path("status"), options: WireStatus.handoff) }
        let assignedTo = fields["assignedTo"].map { refs.agent($0, at: fields.path("assignedTo")) }
        let email = text(fields, "email", nonEmpty: true)
        let userMessage = text(fields, "userMessage")
        let history = fields["history"].map { turns($0, at: fields.path("history")) }
        let messageCount = fields["messageCount"].map { reader.int($0, at: fields.path("messageCount"), min: 0) }
        guard let widget, isValid(status), isValid(assignedTo), isValid(email), isValid(userMessage), isValid(history), isValid(messageCount)
        else { return nil }
        return .handoff(
            widget: widget,
            HandoffExpectation(
                status: status ?? nil, assignedTo: assignedTo ?? nil, email: email ?? nil,
                userMessage: userMessage ?? nil, history: history ?? nil, messageCount: messageCount ?? nil))
    }

    private func historyCheck(_ tenant: String?, _ fields: YAMLMapping) -> Check? {
        func widgets(_ key: String) -> [String]?? {
            fields[key].map { node in reader.list(node, at: fields.path(key)) { item, path in refs.widget(item, at: path, of: tenant) } }
        }
        let contains = widgets("contains")
        let excludes = widgets("excludes")
        let first = fields["first"].map { refs.widget($0, at: fields.path("first"), of: tenant) }
        if let both = (contains ?? nil)?.first(where: { (excludes ?? nil)?.contains($0) == true }), let node = fields["excludes"] {
            reader.report("widget '\(both)' is in both 'contains' and 'excludes'", at: node, path: fields.path("excludes"))
            return nil
        }
        guard let tenant, isValid(contains), isValid(excludes), isValid(first) else { return nil }
        return .history(tenant: tenant, HistoryExpectation(contains: (contains ?? nil) ?? [], excludes: (excludes ?? nil) ?? [], first: first ?? nil))
    }

    /// Counts must be whole numbers; `averageWaitSeconds` may have a fraction. None is negative.
    private func metricsCheck(_ tenant: String?, _ fields: YAMLMapping) -> Check? {
        let entries = fields.entries.compactMap { entry in MetricName(rawValue: entry.key).map { ($0, entry) } }
        guard !entries.isEmpty else {
            reader.report(
                "expectMetrics needs at least one of: \(MetricName.allCases.map(\.rawValue).joined(separator: ", "))",
                at: fields.node, path: fields.path)
            return nil
        }
        let values = entries.map { name, entry -> (MetricName, Double)? in
            let path = fields.path(entry.key)
            let value =
                name == .averageWaitSeconds ? reader.number(entry.value, at: path) : reader.int(entry.value, at: path, min: 0).map(Double.init)
            guard let value else { return nil }
            guard value >= 0 else {
                reader.report("must not be negative, found \(entry.value.scalar?.string ?? "\(value)")", at: entry.value, path: path)
                return nil
            }
            return (name, value)
        }
        guard let tenant, !values.contains(where: { $0 == nil }) else { return nil }
        return .metrics(tenant: tenant, Dictionary(values.compactMap { $0 }, uniquingKeysWith: { $1 }))
    }
}
