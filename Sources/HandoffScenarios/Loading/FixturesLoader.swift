import Foundation
import HandoffEngine
import HandoffWorkload
import Yams

/// Loads `kind: fixtures` files (also the schema of a scenario's inline `tenants:`).
public enum FixturesLoader {
    /// Loads a `kind: fixtures` file; any other kind is an issue.
    public static func load(file path: String) throws(InputError) -> Fixtures {
        guard case .fixtures(let fixtures, _) = try DocumentLoader.load(file: path, expecting: .fixtures) else {
            preconditionFailure("load(file:expecting:) returned another kind")
        }
        return fixtures
    }

    static let topKeys = ["kind", "tenants"]

    /// A `kind: fixtures` document, or `nil` if it has issues (all reported to `reader`).
    static func parse(_ root: Node, reader: YAMLReader) -> Fixtures? {
        let index = FixtureIndex()
        guard let tenants = parseFile(root, reader: reader, index: index) else { return nil }
        return reader.issues.isEmpty ? Fixtures(tenants: tenants) : nil
    }

    static func parseFile(_ root: Node, reader: YAMLReader, index: FixtureIndex) -> [Fixtures.TenantFixture]? {
        guard let top = reader.mapping(root, at: "", keys: topKeys, required: ["tenants"]), let tenants = top["tenants"] else { return nil }
        return FixturesParser(reader: reader, index: index).tenants(tenants, at: "tenants")
    }

    /// Loads the fixtures file a scenario names, reporting its own problems with its own file name
    /// and a missing file or wrong kind at the scenario's `fixtures:` value.
    static func loadReferenced(_ node: Node, path: String, scenario reader: YAMLReader, index: FixtureIndex) -> [Fixtures.TenantFixture]? {
        guard let name = reader.string(node, at: path, nonEmpty: true) else { return nil }
        let file: String
        if name.hasPrefix("/") {
            file = name
        } else {
            let directory = (reader.file as NSString).deletingLastPathComponent
            file = directory.isEmpty ? name : (directory as NSString).appendingPathComponent(name)
        }
        let text: String
        switch InputDocument.readText(file) {
        case .success(let value): text = value
        case .failure(let problem):
            let message = problem.message == "file not found" ? "fixtures file not found: \(file)" : "fixtures file \(file): \(problem.message)"
            reader.report(message, at: node, path: path)
            return nil
        }
        let fileReader = YAMLReader(file: file)
        defer { reader.add(fileReader.issues) }
        guard let root = InputDocument.compose(text, reader: fileReader), let (kind, mapping) = InputDocument.documentKind(root, reader: fileReader)
        else {
            return nil
        }
        guard kind == .fixtures else {
            reader.report("'\(name)' is a \(kind.rawValue) file; expected a file with kind: fixtures", at: node, path: path)
            return nil
        }
        return parseFile(mapping, reader: fileReader, index: index)
    }
}

/// Handles and emails seen so far across a scenario's fixtures file and inline tenants: for
/// uniqueness checks and for resolving the references of widgets and steps.
final class FixtureIndex {
    struct TenantEntry {
        var location: SourceLocation
        var apiKeys: [String] = []
        var widgetsMayUseAnyKey = false
    }

    var tenants: [String: TenantEntry] = [:]
    var tenantOrder: [String] = []
    /// Agent and user handles, unique across all tenants: `handle → (tenant, where, path)`.
    var agents: [String: (tenant: String, location: SourceLocation)] = [:]
    var users: [String: (tenant: String, location: SourceLocation)] = [:]
    var agentOrder: [String] = []
    var userOrder: [String] = []
    /// Lowercased email → where first defined.
    var emails: [String: (path: String, location: SourceLocation)] = [:]
    var keys: [String: (path: String, location: SourceLocation)] = [:]
    /// `false` when a fixtures file could not be read: references to fixtures are then not checked.
    var complete = true
}

/// Parses tenants (handles → tenant mappings), registering every handle in the index.
struct FixturesParser {
    let reader: YAMLReader
    let index: FixtureIndex

    static let tenantKeys = ["name", "status", "allowedDomains", "apiKeys", "users", "agents", "routing", "passwordIterations", "assistant"]
    static let assistantKeys = ["greeting", "defaultReply", "rules", "handoffAfterMessages", "handoffSuggestion"]
    static let ruleKeys = ["keywords", "reply"]
    /// Bounds of `passwordIterations`: at least one round, and not so many that loading the
    /// fixtures takes minutes.
    static let passwordIterationRange = 1...10_000_000
    static let keyKeys = ["key", "expired"]
    static let userKeys = ["email", "password", "role", "firstName", "lastName"]
    static let agentKeys = ["name", "email", "password", "maxChats", "status", "role"]
    static let tenantRoles: [Role] = [.clientAdmin, .supportStaff]

    func tenants(_ node: Node, at path: String) -> [Fixtures.TenantFixture]? {
        guard let entries = reader.handleMapping(node, at: path, what: "tenant") else { return nil }
        let tenants = entries.map { tenant($0, at: YAMLPath.child(path, $0.key)) }
        return tenants.contains { $0 == nil } ? nil : tenants.compactMap { $0 }
    }

    private func tenant(_ entry: YAMLMapping.Entry, at path: String) -> Fixtures.TenantFixture? {
        let handle = entry.key
        let location = reader.location(entry.keyNode.mark)
        if let earlier = index.tenants[handle] {
            reader.report("duplicate tenant handle '\(handle)' (also defined at \(earlier.location))", at: entry.keyNode, path: path)
        } else {
            index.tenants[handle] = .init(location: location)
            index.tenantOrder.append(handle)
        }
        guard let fields = reader.mapping(entry.value, at: path, keys: Self.tenantKeys, required: ["name"], anchor: entry.keyNode) else {
            index.tenants[handle]?.widgetsMayUseAnyKey = true
            return nil
        }
        let name = fields["name"].flatMap { reader.string($0, at: fields.path("name"), nonEmpty: true) }
        let status = fields["status"].map { reader.choice($0, at: fields.path("status"), Tenant.Status.self) } ?? .active
        let routing = fields["routing"].map { reader.choice($0, at: fields.path("routing"), Tenant.Routing.self, aliases: Tenant.Routing.aliases) } ?? .manual
        let domains =
            fields["allowedDomains"].map { node in
                reader.list(node, at: fields.path("allowedDomains")) { item, itemPath in domain(item, at: itemPath) }
            } ?? []
        let keys = fields["apiKeys"].map { apiKeys($0, tenant: handle, at: fields.path("apiKeys")) } ?? []
        if keys == nil { index.tenants[handle]?.widgetsMayUseAnyKey = true }
        let users = fields["users"].map { self.users($0, tenant: handle, at: fields.path("users")) } ?? []
        let agents = fields["agents"].map { self.agents($0, tenant: handle, at: fields.path("agents")) } ?? []
        let iterations = fields["passwordIterations"].map { node -> Int?? in
            guard let value = reader.int(node, at: fields.path("passwordIterations"), min: Self.passwordIterationRange.lowerBound) else { return nil }
            guard value <= Self.passwordIterationRange.upperBound else {
                reader.report("must be at most \(Self.passwordIterationRange.upperBound), found \(value)", at: node, path: fields.path("passwordIterations"))
                return nil
            }
            return .some(value)
        } ?? .some(nil)
        let assistant = fields["assistant"].map { self.assistant($0, at: fields.path("assistant")) } ?? AssistantScript()
        guard let name, let status, let routing, let domains, let keys, let users, let agents, let iterations, let assistant else { return nil }
        return Fixtures.TenantFixture(
            handle: handle, name: name, status: status, allowedDomains: domains, apiKeys: keys, users: users,
            agents: agents, routing: routing, passwordIterations: iterations, assistant: assistant, location: location)
    }

    /// `assistant: {greeting, defaultReply, rules: [{keywords: [...], reply}], handoffAfterMessages, handoffSuggestion}`;
    /// each field optional (the engine's defaults).
    private func assistant(_ node: Node, at path: String) -> AssistantScript? {
        guard let fields = reader.mapping(node, at: path, keys: Self.assistantKeys) else { return nil }
        let defaults = AssistantScript()
        let greeting = fields["greeting"].map { reader.string($0, at: fields.path("greeting"), nonEmpty: true) } ?? defaults.greeting
        let defaultReply = fields["defaultReply"].map { reader.string($0, at: fields.path("defaultReply"), nonEmpty: true) } ?? defaults.defaultReply
        let suggestion =
            fields["handoffSuggestion"].map { reader.string($0, at: fields.path("handoffSuggestion"), nonEmpty: true) } ?? defaults.handoffSuggestion
        let after = fields["handoffAfterMessages"].map { node -> Int?? in
            reader.int(node, at: fields.path("handoffAfterMessages"), min: 1).map { .some($0) }
        } ?? .some(nil)
        let rules =
            fields["rules"].map { node in
                reader.list(node, at: fields.path("rules")) { item, itemPath -> AssistantScript.Rule? in
                    guard let rule = reader.mapping(item, at: itemPath, keys: Self.ruleKeys, required: ["keywords", "reply"]) else { return nil }
                    let keywords = rule["keywords"].flatMap { keywordsNode in
                        reader.list(keywordsNode, at: rule.path("keywords"), nonEmpty: true) { word, wordPath -> String? in
                            guard let text = reader.string(word, at: wordPath, nonEmpty: true) else { return nil }
                            guard AssistantScript.hasWords(text) else {
                                reader.report("a keyword needs letters or digits, found '\(text)'", at: word, path: wordPath)
                                return nil
                            }
                            return text
                        }
                    }
                    let reply = rule["reply"].flatMap { reader.string($0, at: rule.path("reply"), nonEmpty: true) }
                    guard let keywords, let reply else { return nil }
                    return AssistantScript.Rule(keywords: keywords, reply: reply)
                }
            } ?? []
        guard let greeting, let defaultReply, let suggestion, let after, let rules else { return nil }
        return AssistantScript(greeting: greeting, defaultReply: defaultReply, rules: rules, handoffAfterMessages: after, handoffSuggestion: suggestion)
    }

    private func domain(_ node: Node, at path: String) -> String? {
        guard let text = reader.string(node, at: path, nonEmpty: true) else { return nil }
        guard !text.contains(where: { $0 == "/" || $0 == ":" || $0 == "@" || $0.isWhitespace }) else {
            reader.report("invalid domain '\(text)': use a host name like 'acme.test', not a URL", at: node, path: path)
            return nil
        }
        return text
    }

    private func apiKeys(_ node: Node, tenant: String, at path: String) -> [Fixtures.APIKeyFixture]? {
        guard let entries = reader.handleMapping(node, at: path, what: "API key") else { return nil }
        let keys = entries.map { entry -> Fixtures.APIKeyFixture? in
            let keyPath = YAMLPath.child(path, entry.key)
            index.tenants[tenant]?.apiKeys.append(entry.key)
            var raw: String?
            var rawNode = entry.value
            var expired: Bool? = false
            if entry.value.yamlType == .mapping {
                guard let fields = reader.mapping(entry.value, at: keyPath, keys: Self.keyKeys, required: ["key"], anchor: entry.keyNode) else {
                    return nil
                }
                if let node = fields["key"] {
                    rawNode = node
                    raw = reader.string(node, at: fields.path("key"))
                }
                expired = fields["expired"].map { reader.bool($0, at: fields.path("expired")) } ?? false
            } else {
                raw = reader.string(entry.value, at: keyPath)
            }
            guard let raw, let expired else { return nil }
            guard APIKey.isWellFormed(raw) else {
                reader.report(
                    "invalid API key: expected '\(APIKey.scheme)' followed by \(APIKey.secretHexDigits) lowercase hex digits", at: rawNode,
                    path: keyPath)
                return nil
            }
            if let earlier = index.keys[raw] {
                reader.report("API key already used by \(earlier.path) at \(earlier.location); a key decides the tenant", at: rawNode, path: keyPath)
            } else {
                index.keys[raw] = (keyPath, reader.location(rawNode.mark))
            }
            return Fixtures.APIKeyFixture(handle: entry.key, key: raw, expired: expired, location: reader.location(entry.keyNode.mark))
        }
        return keys.contains { $0 == nil } ? nil : keys.compactMap { $0 }
    }

    private func users(_ node: Node, tenant: String, at path: String) -> [Fixtures.UserFixture]? {
        guard let entries = reader.handleMapping(node, at: path, what: "user") else { return nil }
        let users = entries.map { entry -> Fixtures.UserFixture? in
            let userPath = YAMLPath.child(path, entry.key)
            registerPerson(entry, tenant: tenant, path: userPath, isAgent: false)
            guard
                let fields = reader.mapping(
                    entry.value, at: userPath, keys: Self.userKeys, required: ["email", "password", "role"], anchor: entry.keyNode)
            else { return nil }
            let email = fields["email"].flatMap { readEmail($0, at: fields.path("email")) }
            let password = fields["password"].flatMap { reader.string($0, at: fields.path("password"), nonEmpty: true) }
            let role = fields["role"].flatMap { reader.choice($0, at: fields.path("role"), Role.self, allowed: Self.tenantRoles) }
            let firstName = fields["firstName"].map { reader.string($0, at: fields.path("firstName")) } ?? ""
            let lastName = fields["lastName"].map { reader.string($0, at: fields.path("lastName")) } ?? ""
            guard let email, let password, let role, let firstName, let lastName else { return nil }
            return Fixtures.UserFixture(
                handle: entry.key, email: email, password: password, role: role, firstName: firstName, lastName: lastName,
                location: reader.location(entry.keyNode.mark))
        }
        return users.contains { $0 == nil } ? nil : users.compactMap { $0 }
    }

    private func agents(_ node: Node, tenant: String, at path: String) -> [Fixtures.AgentFixture]? {
        guard let entries = reader.handleMapping(node, at: path, what: "agent") else { return nil }
        let agents = entries.map { entry -> Fixtures.AgentFixture? in
            let agentPath = YAMLPath.child(path, entry.key)
            registerPerson(entry, tenant: tenant, path: agentPath, isAgent: true)
            guard
                let fields = reader.mapping(
                    entry.value, at: agentPath, keys: Self.agentKeys, required: ["name", "email", "password"], anchor: entry.keyNode)
            else { return nil }
            let name = fields["name"].flatMap { reader.string($0, at: fields.path("name"), nonEmpty: true) }
            let email = fields["email"].flatMap { readEmail($0, at: fields.path("email")) }
            let password = fields["password"].flatMap { reader.string($0, at: fields.path("password"), nonEmpty: true) }
            let maxChats = fields["maxChats"].map { reader.int($0, at: fields.path("maxChats"), min: 1) } ?? HandoffCore.Configuration().defaultMaxChats
            let status = fields["status"].map { reader.choice($0, at: fields.path("status"), AgentStatus.self) } ?? .offline
            let role = fields["role"].map { reader.choice($0, at: fields.path("role"), Role.self, allowed: Self.tenantRoles) } ?? .supportStaff
            guard let name, let email, let password, let maxChats, let status, let role else { return nil }
            return Fixtures.AgentFixture(
                handle: entry.key, name: name, email: email, password: password, role: role, maxChats: maxChats,
                status: status, location: reader.location(entry.keyNode.mark))
        }
        return agents.contains { $0 == nil } ? nil : agents.compactMap { $0 }
    }

    /// Agent and user handles are unique across all tenants and across both kinds: steps name
    /// them without a tenant.
    private func registerPerson(_ entry: YAMLMapping.Entry, tenant: String, path: String, isAgent: Bool) {
        let handle = entry.key
        let location = reader.location(entry.keyNode.mark)
        if let earlier = index.agents[handle] ?? index.users[handle] {
            let what = index.agents[handle] != nil ? "an agent" : "a user"
            reader.report(
                "duplicate handle '\(handle)': already \(what) of tenant '\(earlier.tenant)' at \(earlier.location)", at: entry.keyNode, path: path)
            return
        }
        if isAgent {
            index.agents[handle] = (tenant, location)
            index.agentOrder.append(handle)
        } else {
            index.users[handle] = (tenant, location)
            index.userOrder.append(handle)
        }
    }

    /// A valid address by the engine's rule (``HandoffCore/normalizedEmail(_:field:)``), unique
    /// (ignoring case) across every user and agent of every tenant: each is a login account.
    private func readEmail(_ node: Node, at path: String) -> String? {
        guard let text = reader.string(node, at: path, nonEmpty: true) else { return nil }
        let key: String
        do {
            key = try HandoffCore.normalizedEmail(text, field: path)
        } catch {
            reader.report("invalid email '\(text)': expected name@domain.tld, at most 254 characters", at: node, path: path)
            return nil
        }
        if let earlier = index.emails[key] {
            reader.report("duplicate email '\(text)': already used by \(earlier.path) at \(earlier.location)", at: node, path: path)
        } else {
            index.emails[key] = (path, reader.location(node.mark))
        }
        return text
    }
}
