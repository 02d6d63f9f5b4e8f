import Foundation
import Yams

/// Parses one `kind: profile` document (strict: unknown keys, wrong types and out-of-range
/// values are issues with file:line:column; all of them are collected).
package struct ProfileParser {
    package let reader: YAMLReader

    package static let topKeys = ["kind", "name", "description", "arrivals", "agents", "conversation", "users", "routing", "admission", "run"]
    package static let groupKeys = ["count", "maxChats", "shifts", "notification", "pickUpTime"]
    package static let conversationKeys = ["handleTime", "slowdown", "concurrency", "messages"]
    package static let concurrencyKeys = ["model", "slowdown", "throughput"]
    package static let messageKeys = ["firstResponse", "thinkTime", "perChat"]
    package static let userKeys = ["patience", "emailAfterHours", "emailAfterAbandon"]
    package static let runKeys = ["horizon", "warmup", "replications", "seed", "serviceLevelThreshold", "interval"]

    package func parse(_ root: Node) -> LoadProfile? {
        guard
            let top = reader.mapping(root, at: "", keys: Self.topKeys, required: ["name", "arrivals", "agents", "conversation"])
        else { return nil }
        let name = top["name"].flatMap { reader.string($0, at: "name", nonEmpty: true) }
        let description = top["description"].map { reader.string($0, at: "description") } ?? ""
        let arrivals = top["arrivals"].flatMap { self.arrivals($0, at: "arrivals") }
        let groups = top["agents"].flatMap { self.groups($0, at: "agents") }
        let conversation = top["conversation"].flatMap { self.conversation($0, at: "conversation") }
        let users = top["users"].map { self.users($0, at: "users") } ?? LoadProfile.Users()
        let routing = top["routing"].map { reader.choice($0, at: "routing", LoadProfile.Routing.self, aliases: LoadProfile.Routing.aliases) } ?? .pickup
        let admission = top["admission"].map { reader.choice($0, at: "admission", LoadProfile.Admission.self) } ?? .freeSlot
        let run = top["run"].map { self.run($0, at: "run") } ?? LoadProfile.RunSettings()
        guard let name, let description, let arrivals, let groups, let conversation, let users, let routing, let admission, let run,
            reader.issues.isEmpty
        else { return nil }
        return LoadProfile(
            name: name, description: description, file: reader.file, arrivals: arrivals, agentGroups: groups, conversation: conversation,
            users: users, routing: routing, admission: admission, run: run)
    }

    // MARK: Arrivals

    private func arrivals(_ node: Node, at path: String) -> LoadProfile.Arrivals? {
        guard let fields = reader.mapping(node, at: path, keys: ["poisson", "piecewise"]) else { return nil }
        guard fields.entries.count == 1, let entry = fields.entries.first else {
            reader.report("expected exactly one of: poisson, piecewise", at: node, path: path)
            return nil
        }
        let entryPath = fields.path(entry.key)
        if entry.key == "poisson" {
            guard let rate = reader.mapping(entry.value, at: entryPath, keys: ["ratePerHour"], required: ["ratePerHour"]),
                let value = rate["ratePerHour"].flatMap({ self.rate($0, at: rate.path("ratePerHour")) })
            else { return nil }
            return .poisson(ratePerHour: value)
        }
        if entry.value.yamlType == .mapping {
            guard let file = reader.mapping(entry.value, at: entryPath, keys: ["file"], required: ["file"]),
                let nameNode = file["file"], let name = reader.string(nameNode, at: file.path("file"), nonEmpty: true)
            else { return nil }
            return CSVTables.rateTable(reader.resolve(name), from: nameNode, at: file.path("file"), reader: reader).map { .piecewise($0) }
        }
        guard let rows = reader.list(entry.value, at: entryPath, nonEmpty: true) else { return nil }
        var entries: [LoadProfile.RateTable.Entry] = []
        var valid = true
        for (i, row) in rows.enumerated() {
            let rowPath = YAMLPath.index(entryPath, i)
            guard let fields = reader.mapping(row, at: rowPath, keys: ["from", "ratePerHour"], required: ["from", "ratePerHour"]),
                let start = fields["from"].flatMap({ timeOfDay($0, at: fields.path("from")) }),
                let rate = fields["ratePerHour"].flatMap({ self.rate($0, at: fields.path("ratePerHour")) })
            else {
                valid = false
                continue
            }
            if let last = entries.last, start <= last.start {
                reader.report("'from' must be later than the previous row's (\(NumberText.timeOfDay(last.start)))", at: fields["from"], path: fields.path("from"))
                valid = false
            }
            entries.append(.init(start: start, ratePerHour: rate))
        }
        return valid ? .piecewise(LoadProfile.RateTable(entries: entries)) : nil
    }

    private func rate(_ node: Node, at path: String) -> Double? {
        guard let value = reader.number(node, at: path) else { return nil }
        guard value >= 0 else {
            reader.report("an arrival rate must be ≥ 0, found \(NumberText.compact(value))", at: node, path: path)
            return nil
        }
        return value
    }

    /// `HH:MM` or `HH:MM:SS`, 00:00 … 24:00 (24:00 only where `allowEndOfDay`).
    package func timeOfDay(_ node: Node, at path: String, allowEndOfDay: Bool = false) -> Double? {
        guard let text = reader.string(node, at: path) else { return nil }
        guard let seconds = Self.parseTimeOfDay(text, allowEndOfDay: allowEndOfDay) else {
            reader.report("invalid time of day '\(text)'; expected HH:MM (00:00–\(allowEndOfDay ? "24:00" : "23:59"))", at: node, path: path)
            return nil
        }
        return seconds
    }

    package static func parseTimeOfDay(_ text: String, allowEndOfDay: Bool) -> Double? {
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3, parts.allSatisfy({ $0.count == 2 && $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
            let h = Int(parts[0]), let m = Int(parts[1])
        else { return nil }
        let s = parts.count == 3 ? Int(parts[2]) ?? 99 : 0
        guard m < 60, s < 60 else { return nil }
        let total = Double(h * 3600 + m * 60 + s)
        guard total < 86_400 || (allowEndOfDay && total == 86_400) else { return nil }
        return total
    }

    // MARK: Agents

    private func groups(_ node: Node, at path: String) -> [LoadProfile.AgentGroup]? {
        guard let entries = reader.handleMapping(node, at: path, what: "agent group") else { return nil }
        if entries.isEmpty {
            reader.report("must define at least one agent group", at: node, path: path)
            return nil
        }
        let groups = entries.map { entry -> LoadProfile.AgentGroup? in
            let groupPath = YAMLPath.child(path, entry.key)
            guard let fields = reader.mapping(entry.value, at: groupPath, keys: Self.groupKeys, required: ["count"], anchor: entry.keyNode) else {
                return nil
            }
            let count = fields["count"].flatMap { reader.int($0, at: fields.path("count"), min: 1) }
            let maxChats = fields["maxChats"].map { reader.int($0, at: fields.path("maxChats"), min: 1) } ?? LoadProfile.AgentGroup.defaultMaxChats
            let shifts = fields["shifts"].map { node in
                reader.list(node, at: fields.path("shifts")) { item, itemPath in shift(item, at: itemPath) }
            } ?? []
            let notification = fields["notification"].map { self.notification($0, at: fields.path("notification")) } ?? .instant
            let pickUp = fields["pickUpTime"].map { distribution($0, at: fields.path("pickUpTime")) } ?? .constant(0)
            guard let count, let maxChats, let shifts, let notification, let pickUp else { return nil }
            return LoadProfile.AgentGroup(
                name: entry.key, count: count, maxChats: maxChats, shifts: shifts, notification: notification, pickUpTime: pickUp)
        }
        return groups.contains { $0 == nil } ? nil : groups.compactMap { $0 }
    }

    /// `"08:00-16:00"` (an end before the start wraps past midnight).
    private func shift(_ node: Node, at path: String) -> LoadProfile.Shift? {
        guard let text = reader.string(node, at: path) else { return nil }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 2, let start = Self.parseTimeOfDay(parts[0], allowEndOfDay: false),
            let end = Self.parseTimeOfDay(parts[1], allowEndOfDay: true)
        else {
            reader.report("invalid shift '\(text)'; expected HH:MM-HH:MM, e.g. 08:00-16:30", at: node, path: path)
            return nil
        }
        let normalizedEnd = end == 86_400 ? 0 : end
        guard normalizedEnd != start else {
            reader.report("shift '\(text)' starts and ends at the same time; omit shifts for agents on duty all day", at: node, path: path)
            return nil
        }
        return LoadProfile.Shift(start: start, end: normalizedEnd)
    }

    /// `instant`, `websocket`, `websocket:0.2s`, `polling`, `polling:5s`, or `{websocket: DISTRIBUTION}`, `{polling: 5s}`.
    private func notification(_ node: Node, at path: String) -> LoadProfile.Notification? {
        if node.yamlType == .mapping {
            guard let fields = reader.mapping(node, at: path, keys: ["instant", "websocket", "polling"]) else { return nil }
            guard fields.entries.count == 1, let entry = fields.entries.first else {
                reader.report("expected exactly one of: instant, websocket, polling", at: node, path: path)
                return nil
            }
            let entryPath = fields.path(entry.key)
            switch entry.key {
            case "websocket": return distribution(entry.value, at: entryPath).map { .websocket(delay: $0) }
            case "polling": return reader.duration(entry.value, at: entryPath, allowZero: false).map { .polling(interval: $0.inSeconds) }
            default:
                reader.report("instant takes no parameters; write notification: instant", at: entry.value, path: entryPath)
                return nil
            }
        }
        guard let text = reader.string(node, at: path) else { return nil }
        guard let mode = LoadProfile.Notification.parse(text) else {
            reader.report("invalid notification '\(text)'; expected instant, websocket, websocket:SECONDS, polling or polling:SECONDS", at: node, path: path)
            return nil
        }
        return mode
    }

    // MARK: Conversation, users, run

    private func conversation(_ node: Node, at path: String) -> LoadProfile.Conversation? {
        guard let fields = reader.mapping(node, at: path, keys: Self.conversationKeys, required: ["handleTime"]) else { return nil }
        let handle = fields["handleTime"].flatMap { distribution($0, at: fields.path("handleTime"), positiveMean: true) }
        var concurrency: LoadProfile.Conversation.Concurrency? = .atPickUp(slowdown: [])
        if let node = fields["concurrency"] {
            if let other = fields.keyNode("slowdown") {
                reader.report("give either slowdown (the pick-up model's short form) or concurrency, not both", at: other, path: fields.path("slowdown"))
            }
            concurrency = self.concurrency(node, at: fields.path("concurrency"))
        } else if let node = fields["slowdown"] {
            concurrency = factors(node, at: fields.path("slowdown"), name: "slowdown factor").map { .atPickUp(slowdown: $0) }
        }
        var chat: LoadProfile.Messages?
        var chatValid = true
        if let node = fields["messages"] {
            chat = self.messages(node, at: fields.path("messages"))
            chatValid = chat != nil
        }
        guard let handle, let concurrency, chatValid else { return nil }
        return LoadProfile.Conversation(handleTime: handle, concurrency: concurrency, messages: chat)
    }

    /// `{model: atPickUp, slowdown: [...]}` or `{model: shared, throughput: [1, 1.7, 2.5]}`.
    private func concurrency(_ node: Node, at path: String) -> LoadProfile.Conversation.Concurrency? {
        guard let fields = reader.mapping(node, at: path, keys: Self.concurrencyKeys, required: ["model"]),
            let modelNode = fields["model"], let model = reader.string(modelNode, at: fields.path("model"))
        else { return nil }
        switch model {
        case "atPickUp":
            if let stray = fields.keyNode("throughput") {
                reader.report("throughput belongs to model shared; model atPickUp takes slowdown", at: stray, path: fields.path("throughput"))
                return nil
            }
            guard let node = fields["slowdown"] else { return .atPickUp(slowdown: []) }
            return factors(node, at: fields.path("slowdown"), name: "slowdown factor").map { .atPickUp(slowdown: $0) }
        case "shared":
            if let stray = fields.keyNode("slowdown") {
                reader.report("slowdown belongs to model atPickUp; model shared takes throughput", at: stray, path: fields.path("slowdown"))
                return nil
            }
            guard let node = fields["throughput"] else {
                reader.report("model shared needs throughput: [F(1), F(2), …], the agent's total rate with k chats (F(1) = 1)", at: fields.keyNode("model"), path: fields.path("model"))
                return nil
            }
            guard let f = factors(node, at: fields.path("throughput"), name: "throughput F(k)", nonEmpty: true) else { return nil }
            guard f[0] == 1 else {
                reader.report(
                    "F(1) must be 1, found \(NumberText.compact(f[0])): the handle time is the time of a chat worked alone",
                    at: node, path: YAMLPath.index(fields.path("throughput"), 0))
                return nil
            }
            return .shared(throughput: f)
        default:
            reader.report("invalid concurrency model '\(model)'; expected atPickUp or shared", at: modelNode, path: fields.path("model"))
            return nil
        }
    }

    /// A list of numbers > 0.
    private func factors(_ node: Node, at path: String, name: String, nonEmpty: Bool = false) -> [Double]? {
        reader.list(node, at: path, nonEmpty: nonEmpty) { item, itemPath -> Double? in
            guard let factor = reader.number(item, at: itemPath) else { return nil }
            guard factor > 0, factor.isFinite else {
                reader.report("a \(name) must be > 0, found \(NumberText.compact(factor))", at: item, path: itemPath)
                return nil
            }
            return factor
        }
    }

    private func messages(_ node: Node, at path: String) -> LoadProfile.Messages? {
        guard let fields = reader.mapping(node, at: path, keys: Self.messageKeys, required: ["firstResponse", "thinkTime"]) else { return nil }
        let first = fields["firstResponse"].flatMap { distribution($0, at: fields.path("firstResponse")) }
        let think = fields["thinkTime"].flatMap { distribution($0, at: fields.path("thinkTime"), positiveMean: true) }
        var perChat: Int?
        var perChatValid = true
        if let node = fields["perChat"] {
            perChat = reader.int(node, at: fields.path("perChat"), min: 1)
            perChatValid = perChat != nil
        }
        guard let first, let think, perChatValid else { return nil }
        return LoadProfile.Messages(firstResponse: first, thinkTime: think, perChat: perChat)
    }

    private func users(_ node: Node, at path: String) -> LoadProfile.Users? {
        guard let fields = reader.mapping(node, at: path, keys: Self.userKeys) else { return nil }
        var patience: Distribution?
        var patienceValid = true
        if let node = fields["patience"] {
            patience = distribution(node, at: fields.path("patience"), positiveMean: true)
            patienceValid = patience != nil
        }
        let afterHours = fields["emailAfterHours"].map { share($0, at: fields.path("emailAfterHours")) } ?? 0
        let afterAbandon = fields["emailAfterAbandon"].map { share($0, at: fields.path("emailAfterAbandon")) } ?? 0
        guard patienceValid, let afterHours, let afterAbandon else { return nil }
        return LoadProfile.Users(patience: patience, emailAfterHours: afterHours, emailAfterAbandon: afterAbandon)
    }

    private func share(_ node: Node, at path: String) -> Double? {
        guard let value = reader.number(node, at: path) else { return nil }
        guard value >= 0, value <= 1 else {
            reader.report("must be a share between 0 and 1, found \(NumberText.compact(value))", at: node, path: path)
            return nil
        }
        return value
    }

    private func run(_ node: Node, at path: String) -> LoadProfile.RunSettings? {
        guard let fields = reader.mapping(node, at: path, keys: Self.runKeys) else { return nil }
        let defaults = LoadProfile.RunSettings()
        func seconds(_ key: String, allowZero: Bool, _ fallback: Double) -> Double? {
            fields[key].map { reader.duration($0, at: fields.path(key), allowZero: allowZero)?.inSeconds } ?? fallback
        }
        let horizon = seconds("horizon", allowZero: false, defaults.horizon)
        let warmup = seconds("warmup", allowZero: true, defaults.warmup)
        let threshold = seconds("serviceLevelThreshold", allowZero: true, defaults.serviceLevelThreshold)
        var interval = seconds("interval", allowZero: false, defaults.interval)
        if let value = interval, let node = fields["interval"], !ProfileOverrides.dividesDay(value) {
            reader.report("interval must divide 24 h into whole intervals (15m, 30m, 1h, 2h …), found \(NumberText.seconds(value))", at: node, path: fields.path("interval"))
            interval = nil
        }
        let replications = fields["replications"].map { reader.int($0, at: fields.path("replications"), min: 1) } ?? defaults.replications
        let seed = fields["seed"].map { reader.int($0, at: fields.path("seed"), min: 0).map(UInt64.init) } ?? defaults.seed
        guard let horizon, let warmup, let threshold, let interval, let replications, let seed else { return nil }
        if warmup >= horizon {
            reader.report(
                "warmup (\(NumberText.seconds(warmup))) must be shorter than the horizon (\(NumberText.seconds(horizon)))",
                at: fields["warmup"] ?? node, path: fields.path("warmup"))
            return nil
        }
        return LoadProfile.RunSettings(
            horizon: horizon, warmup: warmup, replications: replications, seed: seed, serviceLevelThreshold: threshold, interval: interval)
    }

    // MARK: Distributions

    package static let distributionKinds = ["constant", "exponential", "uniform", "lognormal", "gamma", "empirical"]

    /// A one-key mapping naming the distribution (see ``Distribution``); times are durations.
    package func distribution(_ node: Node, at path: String, positiveMean: Bool = false) -> Distribution? {
        guard node.yamlType == .mapping else {
            reader.report(
                "expected a distribution, a mapping with one of: \(Self.distributionKinds.joined(separator: ", ")) (e.g. {exponential: 12m}); found \(node.foundPhrase)",
                at: node, path: path)
            return nil
        }
        guard let fields = reader.mapping(node, at: path, keys: Self.distributionKinds) else { return nil }
        guard fields.entries.count == 1, let entry = fields.entries.first else {
            reader.report("a distribution has exactly one of: \(Self.distributionKinds.joined(separator: ", "))", at: node, path: path)
            return nil
        }
        let p = fields.path(entry.key)
        let result: Distribution?
        switch entry.key {
        case "constant":
            result = reader.duration(entry.value, at: p, allowZero: true).map { .constant($0.inSeconds) }
        case "exponential":
            let mean: Double?
            if entry.value.yamlType == .mapping {
                let m = reader.mapping(entry.value, at: p, keys: ["mean"], required: ["mean"])
                mean = m?["mean"].flatMap { reader.duration($0, at: m!.path("mean"), allowZero: false)?.inSeconds }
            } else {
                mean = reader.duration(entry.value, at: p, allowZero: false)?.inSeconds
            }
            result = mean.map { .exponential(mean: $0) }
        case "uniform":
            guard let m = reader.mapping(entry.value, at: p, keys: ["min", "max"], required: ["min", "max"]) else { return nil }
            let lo = m["min"].flatMap { reader.duration($0, at: m.path("min"), allowZero: true)?.inSeconds }
            let hi = m["max"].flatMap { reader.duration($0, at: m.path("max"), allowZero: true)?.inSeconds }
            guard let lo, let hi else { return nil }
            guard lo <= hi else {
                reader.report("min (\(NumberText.seconds(lo))) must not exceed max (\(NumberText.seconds(hi)))", at: entry.value, path: p)
                return nil
            }
            result = .uniform(min: lo, max: hi)
        case "lognormal", "gamma":
            guard let m = reader.mapping(entry.value, at: p, keys: ["mean", "sd"], required: ["mean", "sd"]) else { return nil }
            let mean = m["mean"].flatMap { reader.duration($0, at: m.path("mean"), allowZero: false)?.inSeconds }
            let sd = m["sd"].flatMap { reader.duration($0, at: m.path("sd"), allowZero: false)?.inSeconds }
            guard let mean, let sd else { return nil }
            result = entry.key == "gamma" ? .gamma(mean: mean, sd: sd) : .lognormal(mean: mean, sd: sd)
        default:  // empirical
            var fileNode = entry.value
            var column: String?
            if entry.value.yamlType == .mapping {
                guard let m = reader.mapping(entry.value, at: p, keys: ["file", "column"], required: ["file"]), let f = m["file"] else { return nil }
                fileNode = f
                if let c = m["column"] { column = reader.string(c, at: m.path("column"), nonEmpty: true) }
            }
            guard let name = reader.string(fileNode, at: p, nonEmpty: true) else { return nil }
            result = CSVTables.empirical(reader.resolve(name), column: column, from: fileNode, at: p, reader: reader).map { .empirical($0) }
        }
        if positiveMean, let result, !(result.mean > 0) {
            reader.report("the mean must be longer than 0", at: node, path: path)
            return nil
        }
        return result
    }
}

extension YAMLReader {
    /// A path named in this file, relative to the file's directory (absolute paths as given).
    package func resolve(_ name: String) -> String {
        if name.hasPrefix("/") { return name }
        let directory = (file as NSString).deletingLastPathComponent
        return directory.isEmpty ? name : (directory as NSString).appendingPathComponent(name)
    }
}
