import HandoffEngine
import HandoffWorkload
import Yams

/// The key that says what a step is; its value is the step's subject (`pickUp: ann`) and the
/// step's other keys are its parameters.
enum StepVerb: String, CaseIterable {
    // Actions.
    case chat, request, submitEmail, send, endChat, login, logout, heartbeat, closeTab, setStatus, pickUp, reply, resolve, assign, setRouting
    case wait, race
    // Checks.
    case expectWidget, expectAgent, expectQueue, expectHandoff, expectHistory, expectMetrics

    static let allNames = allCases.map(\.rawValue).joined(separator: ", ")
    static let actions = allCases.filter(\.isAction)

    var isAction: Bool { !isCheck && self != .wait && self != .race }
    var isCheck: Bool { rawValue.hasPrefix("expect") }

    /// Parameter keys besides the verb, `expect` and `within`.
    var parameters: [String] {
        switch self {
        case .chat: ["message"]
        case .request: ["history", "lastUserMessage"]
        case .submitEmail: ["email", "message"]
        case .send: ["text"]
        case .setStatus: ["status"]
        case .pickUp, .resolve: ["handoff"]
        case .reply: ["to", "text"]
        case .assign: ["handoff", "to"]
        case .setRouting: ["routing"]
        case .endChat, .login, .logout, .heartbeat, .closeTab, .wait, .race: []
        case .expectWidget: ["sees", "notSees"]
        case .expectAgent: ["sees", "handoff", "status", "activeChats", "available"]
        case .expectQueue: ["order", "count", "rows"]
        case .expectHandoff: ["status", "assignedTo", "email", "userMessage", "history", "messageCount"]
        case .expectHistory: ["contains", "excludes", "first"]
        case .expectMetrics: MetricName.allCases.map(\.rawValue)
        }
    }

    var required: [String] {
        switch self {
        case .chat: ["message"]
        case .submitEmail: ["email"]
        case .send: ["text"]
        case .setStatus: ["status"]
        case .pickUp, .resolve: ["handoff"]
        case .reply: ["to", "text"]
        case .assign: ["handoff", "to"]
        case .setRouting: ["routing"]
        default: []
        }
    }
}

/// Wire statuses of a handoff (docs/api.md) and of a handoff request's answer, as the engine
/// names them (``HandoffState/wireStatus``; an abandoned request reads `resolved`).
enum WireStatus {
    static let handoff: [String] = HandoffState.allCases.map(\.wireStatus).reduce(into: []) { if !$0.contains($1) { $0.append($1) } }
    /// A new request is either queued or answered with the after-hours form.
    static let request = [HandoffState.pending.wireStatus, HandoffState.afterHours.wireStatus]
}

/// Builds steps from step mappings, resolving every handle through ``References``.
struct StepParser {
    let reader: YAMLReader
    let refs: References

    func step(_ node: Node, at path: String, index: Int) -> Step? {
        guard let verb = verb(of: node, at: path, among: StepVerb.allCases) else { return nil }
        let extra = verb.isAction || verb == .race ? ["expect"] : verb.isCheck ? ["within"] : []
        guard let fields = reader.mapping(node, at: path, keys: [verb.rawValue] + verb.parameters + extra, required: verb.required) else {
            return nil
        }
        let location = reader.location(node.mark)
        let subject = fields[verb.rawValue]!
        let subjectPath = fields.path(verb.rawValue)

        if verb.isAction {
            let action = action(verb, fields)
            let expect = fields["expect"].map { resultExpectation($0, for: verb, at: fields.path("expect")) } ?? .success
            guard let action, let expect else { return nil }
            return Step(index: index, location: location, label: Self.label(action), kind: .act(action, expect: expect))
        }
        switch verb {
        case .wait:
            guard let duration = reader.duration(subject, at: subjectPath, allowZero: false) else { return nil }
            return Step(index: index, location: location, label: "wait \(DurationText.label(subject.scalar?.string ?? ""))", kind: .wait(duration))
        case .race:
            let race = race(subject, at: subjectPath)
            let expect = fields["expect"].map { raceExpectation($0, actions: race?.actions.count, at: fields.path("expect")) } ?? RaceExpectation()
            guard let race, let expect else { return nil }
            return Step(index: index, location: location, label: race.label, kind: .race(race.actions, expect: expect))
        default:
            let check = check(verb, fields)
            let within = fields["within"].map { reader.duration($0, at: fields.path("within"), allowZero: true) } ?? .zero
            guard let check, let within else { return nil }
            let subjectText = subject.scalar?.string ?? ""
            return Step(index: index, location: location, label: "\(verb.rawValue) \(subjectText)", kind: .check(check, within: within))
        }
    }

    /// The one verb key of a step mapping, or `nil` after reporting why not.
    private func verb(of node: Node, at path: String, among verbs: [StepVerb]) -> StepVerb? {
        let allowed = verbs.map(\.rawValue).joined(separator: ", ")
        guard case .mapping(let pairs) = node else {
            reader.reportType("a step (a mapping with one of: \(allowed))", found: node, path: path)
            return nil
        }
        let keys = pairs.compactMap { $0.key.scalar?.string }
        let found = keys.compactMap(StepVerb.init(rawValue:))
        guard found.count == 1 else {
            let detail =
                found.isEmpty
                ? "found: \(keys.isEmpty ? "nothing" : keys.joined(separator: ", "))" : "found: \(found.map(\.rawValue).joined(separator: ", "))"
            reader.report("a step needs exactly one of: \(allowed); \(detail)", at: node, path: path)
            return nil
        }
        guard verbs.contains(found[0]) else {
            reader.report("'\(found[0].rawValue)' cannot be raced; a raced action is one of: \(allowed)", at: node, path: path)
            return nil
        }
        return found[0]
    }

    // MARK: Actions

    private func action(_ verb: StepVerb, _ fields: YAMLMapping) -> Action? {
        let subject = fields[verb.rawValue]!
        let subjectPath = fields.path(verb.rawValue)
        func text(_ key: String) -> String? { fields[key].flatMap { reader.string($0, at: fields.path(key)) } }
        func widget(_ key: String) -> String? { fields[key].flatMap { refs.widget($0, at: fields.path(key)) } }
        func agent(_ key: String) -> String? { fields[key].flatMap { refs.agent($0, at: fields.path(key)) } }

        switch verb {
        case .chat, .request, .submitEmail, .send, .endChat:
            let w = refs.widget(subject, at: subjectPath)
            switch verb {
            case .chat:
                let message = fields["message"].flatMap { reader.string($0, at: fields.path("message"), nonEmpty: true) }
                guard let w, let message else { return nil }
                return .chat(widget: w, message: message)
            case .request:
                let history = fields["history"].map { turns($0, at: fields.path("history")) } ?? []
                let last = fields["lastUserMessage"].map { reader.string($0, at: fields.path("lastUserMessage")) }
                guard let w, let history, isValid(last) else { return nil }
                return .requestHandoff(widget: w, history: history, lastUserMessage: last ?? nil)
            case .submitEmail:
                let email = fields["email"].flatMap { reader.string($0, at: fields.path("email"), nonEmpty: true) }
                let message = fields["message"].map { reader.string($0, at: fields.path("message")) }
                guard let w, let email, isValid(message) else { return nil }
                return .submitEmail(widget: w, email: email, message: message ?? nil)
            case .send:
                let t = text("text")
                guard let w, let t else { return nil }
                return .widgetSend(widget: w, text: t)
            default:
                return w.map { .endChat(widget: $0) }
            }
        case .login, .logout, .heartbeat, .closeTab, .setStatus, .pickUp, .reply, .resolve:
            let a = refs.agent(subject, at: subjectPath)
            switch verb {
            case .login: return a.map { .login(agent: $0) }
            case .logout: return a.map { .logout(agent: $0) }
            case .heartbeat: return a.map { .heartbeat(agent: $0) }
            case .closeTab: return a.map { .closeTab(agent: $0) }
            case .setStatus:
                let status = fields["status"].flatMap { reader.choice($0, at: fields.path("status"), AgentStatus.self) }
                guard let a, let status else { return nil }
                return .setStatus(agent: a, status: status)
            case .pickUp, .resolve:
                let w = widget("handoff")
                guard let a, let w else { return nil }
                return verb == .pickUp ? .pickUp(agent: a, widget: w) : .resolve(agent: a, widget: w)
            default:
                let w = widget("to")
                let t = text("text")
                guard let a, let w, let t else { return nil }
                return .agentSend(agent: a, widget: w, text: t)
            }
        case .assign:
            let admin = refs.person(subject, at: subjectPath)
            let w = widget("handoff")
            let to = agent("to")
            guard let admin, let w, let to else { return nil }
            return .assign(admin: admin, widget: w, agent: to)
        case .setRouting:
            let admin = refs.person(subject, at: subjectPath)
            let routing = fields["routing"].flatMap { reader.choice($0, at: fields.path("routing"), Tenant.Routing.self, aliases: Tenant.Routing.aliases) }
            guard let admin, let routing else { return nil }
            return .setRouting(admin: admin, routing: routing)
        default:
            preconditionFailure("\(verb) is not an action")
        }
    }

    private func resultExpectation(_ node: Node, for verb: StepVerb, at path: String) -> ResultExpectation? {
        guard let fields = reader.mapping(node, at: path, keys: ["error", "status", "text", "replies"]) else { return nil }
        let error = fields["error"].map { reader.string($0, at: fields.path("error"), nonEmpty: true) }
        var status = fields["status"].map { reader.choice($0, at: fields.path("status"), options: WireStatus.request) }
        let text = fields["text"].map { reader.string($0, at: fields.path("text"), nonEmpty: true) }
        if let node = fields["status"] {
            if verb != .request && verb != .submitEmail {
                reader.report("'status' can only be expected of request and submitEmail, not \(verb.rawValue)", at: node, path: fields.path("status"))
                status = .some(nil)
            } else if fields.has("error") {
                reader.report("'status' cannot be combined with 'error': a failed request has no status", at: node, path: fields.path("status"))
                status = .some(nil)
            }
        }
        var replies = fields["replies"].map { node in
            reader.list(node, at: fields.path("replies")) { item, itemPath in reader.string(item, at: itemPath, nonEmpty: true) }
        }
        if let node = fields["replies"] {
            if verb != .chat {
                reader.report("'replies' can only be expected of chat, not \(verb.rawValue)", at: node, path: fields.path("replies"))
                replies = .some(nil)
            } else if fields.has("error") {
                reader.report("'replies' cannot be combined with 'error': a refused message has no replies", at: node, path: fields.path("replies"))
                replies = .some(nil)
            }
        }
        guard isValid(error), isValid(status), isValid(text), isValid(replies) else { return nil }
        return ResultExpectation(error: error ?? nil, status: status ?? nil, text: text ?? nil, replies: replies ?? nil)
    }

    // MARK: Races

    private func race(_ node: Node, at path: String) -> (actions: [Action], label: String)? {
        var actions: [Action]?
        var shorthand: (verb: StepVerb, widget: String)?
        switch node.yamlType {
        case .list:
            actions = reader.list(node, at: path) { item, itemPath in
                guard let verb = verb(of: item, at: itemPath, among: StepVerb.actions),
                    let fields = reader.mapping(item, at: itemPath, keys: [verb.rawValue] + verb.parameters, required: verb.required)
                else { return nil }
                return action(verb, fields)
            }
        case .mapping:
            guard let fields = reader.mapping(node, at: path, keys: ["pickUp", "resolve", "handoff"], required: ["handoff"]) else { return nil }
            let verbs = [StepVerb.pickUp, .resolve].filter { fields.has($0.rawValue) }
            guard verbs.count == 1 else {
                reader.report("a race shorthand needs exactly one of: pickUp, resolve (a list of agents)", at: node, path: path)
                return nil
            }
            let agents = fields[verbs[0].rawValue].flatMap { node in
                reader.list(node, at: fields.path(verbs[0].rawValue)) { item, itemPath in refs.agent(item, at: itemPath) }
            }
            guard let widget = fields["handoff"].flatMap({ refs.widget($0, at: fields.path("handoff")) }), let agents else { return nil }
            shorthand = (verbs[0], widget)
            actions = agents.map { verbs[0] == .pickUp ? .pickUp(agent: $0, widget: widget) : .resolve(agent: $0, widget: widget) }
        default:
            reader.reportType("a list of actions or a mapping like {pickUp: [ann, bob], handoff: visitor}", found: node, path: path)
            return nil
        }
        guard let actions else { return nil }
        guard actions.count >= 2 else {
            reader.report("a race needs at least 2 actions, found \(actions.count)", at: node, path: path)
            return nil
        }
        if let shorthand { return (actions, "race \(actions.count)× \(shorthand.verb.rawValue) → \(shorthand.widget)") }
        return (actions, Self.raceLabel(actions))
    }

    private func raceExpectation(_ node: Node, actions: Int?, at path: String) -> RaceExpectation? {
        guard let fields = reader.mapping(node, at: path, keys: ["succeeded", "failed", "errors"]) else { return nil }
        let succeeded = fields["succeeded"].map { reader.int($0, at: fields.path("succeeded"), min: 0) }
        let failed = fields["failed"].map { reader.int($0, at: fields.path("failed"), min: 0) }
        let errors: [String: Int]? =
            fields["errors"].map { node in
                guard let entries = reader.mapping(node, at: fields.path("errors"), keys: nil)?.entries else { return nil }
                let counts = entries.map { entry in
                    reader.int(entry.value, at: YAMLPath.child(fields.path("errors"), entry.key), min: 1).map { (entry.key, $0) }
                }
                return counts.contains { $0 == nil } ? nil : Dictionary(counts.compactMap { $0 }, uniquingKeysWith: +)
            } ?? [:]
        guard isValid(succeeded), isValid(failed), let errors else { return nil }
        if let actions,
            let problem = Self.raceProblem(succeeded: succeeded ?? nil, failed: failed ?? nil, errors: errors.values.reduce(0, +), actions: actions)
        {
            reader.report(problem, at: node, path: path)
            return nil
        }
        return RaceExpectation(succeeded: succeeded ?? nil, failed: failed ?? nil, errors: errors)
    }

    /// Counts that no race of `actions` actions can produce.
    static func raceProblem(succeeded: Int?, failed: Int?, errors: Int, actions: Int) -> String? {
        if let succeeded, let failed, succeeded + failed != actions {
            return "succeeded (\(succeeded)) + failed (\(failed)) must equal the race's \(actions) actions"
        }
        if let failed, errors > failed { return "the errors add up to \(errors), more than failed (\(failed))" }
        if (succeeded ?? 0) + max(failed ?? 0, errors) > actions {
            return "expects more outcomes than the race's \(actions) actions"
        }
        return nil
    }

    // MARK: Shared

    func turns(_ node: Node, at path: String) -> [ChatTurn]? {
        reader.list(node, at: path) { item, itemPath in
            guard let fields = reader.mapping(item, at: itemPath, keys: ["role", "content"], required: ["role", "content"]) else { return nil }
            let role = fields["role"].flatMap { reader.string($0, at: fields.path("role"), nonEmpty: true) }
            let content = fields["content"].flatMap { reader.string($0, at: fields.path("content")) }
            guard let role, let content else { return nil }
            return ChatTurn(role: role, content: content)
        }
    }

    // MARK: Labels

    /// `pickUp ann → visitor`, `request visitor`, `assign visitor → ann by boss`.
    static func label(_ action: Action) -> String {
        switch action {
        case .chat(let w, _): "chat \(w)"
        case .requestHandoff(let w, _, _): "request \(w)"
        case .submitEmail(let w, _, _): "submitEmail \(w)"
        case .widgetSend(let w, _): "send \(w)"
        case .endChat(let w): "endChat \(w)"
        case .login(let a): "login \(a)"
        case .logout(let a): "logout \(a)"
        case .heartbeat(let a): "heartbeat \(a)"
        case .closeTab(let a): "closeTab \(a)"
        case .setStatus(let a, let status): "setStatus \(a) \(status.rawValue)"
        case .pickUp(let a, let w): "pickUp \(a) → \(w)"
        case .agentSend(let a, let w, _): "reply \(a) → \(w)"
        case .resolve(let a, let w): "resolve \(a) → \(w)"
        case .assign(let admin, let w, let a): "assign \(w) → \(a) by \(admin)"
        case .setRouting(let admin, let routing): "setRouting \(routing.rawValue) by \(admin)"
        }
    }

    /// `race 20× pickUp → visitor` when every action picks up (or resolves) one handoff;
    /// otherwise the actions' labels: `race resolve ann → visitor vs endChat visitor`.
    static func raceLabel(_ actions: [Action]) -> String {
        let targets = Set(
            actions.map { action -> String? in
                switch action {
                case .pickUp(_, let w): "pickUp → \(w)"
                case .resolve(_, let w): "resolve → \(w)"
                default: nil
                }
            })
        if targets.count == 1, let target = targets.first!, actions.count > 1 { return "race \(actions.count)× \(target)" }
        return "race " + actions.map(label).joined(separator: " vs ")
    }
}

/// Whether an optional field read well: absent (`nil`) or present with a value (not `.some(nil)`).
func isValid<T>(_ field: T??) -> Bool {
    if case .some(.none) = field { return false }
    return true
}
