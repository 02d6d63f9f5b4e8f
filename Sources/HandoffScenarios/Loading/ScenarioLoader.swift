import Foundation
import HandoffEngine
import HandoffWorkload
import Yams

/// Loads `kind: scenario` files.
public enum ScenarioLoader {
    /// Loads a `kind: scenario` file (and the fixtures file it names); any other kind is an issue.
    public static func load(file path: String) throws(InputError) -> Scenario {
        guard case .scenario(let scenario) = try DocumentLoader.load(file: path, expecting: .scenario) else {
            preconditionFailure("load(file:expecting:) returned another kind")
        }
        return scenario
    }
}

/// Parses one scenario document: fixtures (file and inline), widgets, then steps, whose
/// references are resolved against both.
struct ScenarioParser {
    let reader: YAMLReader
    let index = FixtureIndex()

    static let topKeys = ["kind", "name", "description", "fixtures", "tenants", "widgets", "steps"]
    static let widgetKeys = ["tenant", "apiKey", "chat", "referrer"]

    func parse(_ root: Node) -> Scenario? {
        guard let top = reader.mapping(root, at: "", keys: Self.topKeys, required: ["name", "steps"]) else { return nil }
        let name = top["name"].flatMap { reader.string($0, at: "name", nonEmpty: true) }
        let description = top["description"].map { reader.string($0, at: "description") } ?? ""

        var tenants: [Fixtures.TenantFixture]? = []
        if let node = top["fixtures"] {
            let loaded = FixturesLoader.loadReferenced(node, path: "fixtures", scenario: reader, index: index)
            if loaded == nil { index.complete = false }
            tenants = loaded
        }
        if let node = top["tenants"] {
            let inline = FixturesParser(reader: reader, index: index).tenants(node, at: "tenants")
            tenants = inline.flatMap { inline in tenants.map { $0 + inline } }
        }

        let declared = top["widgets"].map { reader.handleMapping($0, at: "widgets", what: "widget") } ?? []
        let widgets = declared.map { self.widgets($0, at: "widgets") }
        let references = References(reader: reader, index: index, widgetHandles: declared?.map(\.key), widgets: widgets?.compactMap { $0 } ?? [])
        let steps = top["steps"].flatMap { node -> [Step]? in
            guard let items = reader.list(node, at: "steps", nonEmpty: true) else { return nil }
            let parser = StepParser(reader: reader, refs: references)
            let steps = items.enumerated().map { parser.step($1, at: YAMLPath.index("steps", $0), index: $0 + 1) }
            return steps.contains { $0 == nil } ? nil : steps.compactMap { $0 }
        }
        guard let name, let description, let tenants, let widgets, !widgets.contains(nil), let steps, reader.issues.isEmpty else { return nil }
        return Scenario(
            name: name, description: description, file: reader.file, fixtures: Fixtures(tenants: tenants), widgets: widgets.compactMap { $0 },
            steps: steps)
    }

    /// One widget per entry; `nil` for an invalid one (reported).
    private func widgets(_ entries: [YAMLMapping.Entry], at path: String) -> [WidgetActor?] {
        entries.map { entry -> WidgetActor? in
            let widgetPath = YAMLPath.child(path, entry.key)
            guard
                let fields = reader.mapping(
                    entry.value, at: widgetPath, keys: Self.widgetKeys, required: ["tenant", "apiKey"], anchor: entry.keyNode)
            else { return nil }
            let tenant = fields["tenant"].flatMap { tenantReference($0, at: fields.path("tenant")) }
            let apiKey = fields["apiKey"].flatMap { node -> String? in
                guard let key = reader.handle(node, at: fields.path("apiKey"), what: "API key") else { return nil }
                guard let tenant, let entry = index.tenants[tenant], !entry.widgetsMayUseAnyKey else { return key }
                guard entry.apiKeys.contains(key) else {
                    let known = entry.apiKeys.isEmpty ? "it has no API keys" : "its keys: \(entry.apiKeys.joined(separator: ", "))"
                    reader.report("undefined API key '\(key)' of tenant '\(tenant)'; \(known)", at: node, path: fields.path("apiKey"))
                    return nil
                }
                return key
            }
            let chat = fields["chat"].map { reader.string($0, at: fields.path("chat"), nonEmpty: true) }
            let referrer = fields["referrer"].map { reader.string($0, at: fields.path("referrer"), nonEmpty: true) }
            guard let tenant, let apiKey, isValid(chat), isValid(referrer) else { return nil }
            return WidgetActor(handle: entry.key, tenant: tenant, apiKey: apiKey, chatID: chat ?? nil, referrer: referrer ?? nil)
        }
    }

    private func tenantReference(_ node: Node, at path: String) -> String? {
        References(reader: reader, index: index, widgetHandles: [], widgets: []).tenant(node, at: path)
    }
}

/// Resolves the handles a step names against the scenario's widgets and fixtures.
struct References {
    let reader: YAMLReader
    let index: FixtureIndex
    /// Every widget handle declared, valid or not; `nil` when `widgets:` itself was invalid:
    /// widget references are then not checked.
    let widgetHandles: [String]?
    /// The valid widgets, for their tenants.
    let widgets: [WidgetActor]

    func widget(_ node: Node, at path: String) -> String? {
        guard let handle = reader.handle(node, at: path, what: "widget") else { return nil }
        guard let widgetHandles, !widgetHandles.contains(handle) else { return handle }
        let known = widgetHandles.isEmpty ? "this scenario defines no widgets" : "defined widgets: \(widgetHandles.joined(separator: ", "))"
        reader.report("undefined widget '\(handle)'; \(known)", at: node, path: path)
        return nil
    }

    func agent(_ node: Node, at path: String) -> String? {
        guard let handle = reader.handle(node, at: path, what: "agent") else { return nil }
        guard index.agents[handle] != nil || !index.complete else {
            let hint = index.users[handle] != nil ? "'\(handle)' is a user, not an agent" : list("agents", index.agentOrder)
            reader.report("undefined agent '\(handle)'; \(hint)", at: node, path: path)
            return nil
        }
        return handle
    }

    /// A user or an agent (who assigns handoffs).
    func person(_ node: Node, at path: String) -> String? {
        guard let handle = reader.handle(node, at: path, what: "user") else { return nil }
        guard index.agents[handle] != nil || index.users[handle] != nil || !index.complete else {
            reader.report("undefined user '\(handle)'; \(list("users and agents", index.userOrder + index.agentOrder))", at: node, path: path)
            return nil
        }
        return handle
    }

    func tenant(_ node: Node, at path: String) -> String? {
        guard let handle = reader.handle(node, at: path, what: "tenant") else { return nil }
        guard index.tenants[handle] != nil || !index.complete else {
            reader.report("undefined tenant '\(handle)'; \(list("tenants", index.tenantOrder))", at: node, path: path)
            return nil
        }
        return handle
    }

    /// A widget of `tenant` (queue and history checks only ever see their own tenant's handoffs).
    func widget(_ node: Node, at path: String, of tenant: String?) -> String? {
        guard let handle = widget(node, at: path) else { return nil }
        if let tenant, let owner = widgets.first(where: { $0.handle == handle })?.tenant, owner != tenant {
            reader.report("widget '\(handle)' belongs to tenant '\(owner)', not '\(tenant)'", at: node, path: path)
            return nil
        }
        return handle
    }

    private func list(_ what: String, _ handles: [String]) -> String {
        handles.isEmpty ? "the fixtures define no \(what)" : "\(what) in the fixtures: \(handles.joined(separator: ", "))"
    }
}
