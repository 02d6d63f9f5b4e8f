import HandoffEngine

/// Combining fixtures from several files: what `handoff-sim serve --fixtures` loads, and the
/// live server's fixtures that `handoff-sim run --fixtures` lays over a scenario's.
extension Fixtures {
    /// These fixtures with `other`'s definitions laid over them, handle by handle.
    ///
    /// For every tenant here that `other` also defines, `other`'s name, status, routing,
    /// allowed domains, assistant script and password cost win, and so does each API key, user and agent of the same handle (a server's
    /// real passwords or keys); entries only here are kept, so every handle a scenario names
    /// still exists. Tenants only in `other` are not added: a scenario prepares only the
    /// tenants it uses.
    public func overriding(with other: Fixtures) -> Fixtures {
        Fixtures(tenants: tenants.map { mine in
            guard let theirs = other.tenant(mine.handle) else { return mine }
            var merged = mine
            merged.name = theirs.name
            merged.status = theirs.status
            merged.routing = theirs.routing
            merged.allowedDomains = theirs.allowedDomains
            merged.assistant = theirs.assistant
            merged.passwordIterations = theirs.passwordIterations
            merged.apiKeys = Self.overlay(mine.apiKeys, theirs.apiKeys, \.handle)
            merged.users = Self.overlay(mine.users, theirs.users, \.handle)
            merged.agents = Self.overlay(mine.agents, theirs.agents, \.handle)
            return merged
        })
    }

    private static func overlay<T>(_ mine: [T], _ theirs: [T], _ handle: KeyPath<T, String>) -> [T] {
        mine.map { entry in theirs.first { $0[keyPath: handle] == entry[keyPath: handle] } ?? entry }
    }

    /// The union of several fixture sets (e.g. every scenario of a directory), each tenant once.
    ///
    /// A tenant defined identically in several places (the shared fixtures file every scenario
    /// names) is taken once; the same handle defined differently is a conflict, reported with
    /// both places.
    public static func union(_ sets: [Fixtures]) throws(FixturesConflict) -> Fixtures {
        var tenants: [TenantFixture] = []
        var conflicts: [String] = []
        for set in sets {
            for tenant in set.tenants {
                guard let existing = tenants.first(where: { $0.handle == tenant.handle }) else {
                    tenants.append(tenant)
                    continue
                }
                if existing.signature != tenant.signature, !conflicts.contains(where: { $0.hasPrefix("tenant \(tenant.handle) ") }) {
                    conflicts.append("tenant \(tenant.handle) is defined at \(existing.location) and differently at \(tenant.location)")
                }
            }
        }
        if !conflicts.isEmpty { throw FixturesConflict(problems: conflicts) }
        return Fixtures(tenants: tenants)
    }
}

extension Fixtures.TenantFixture {
    /// Everything that defines the tenant, without where it was written.
    var signature: String {
        let keys = apiKeys.map { "\($0.handle)=\($0.key)\($0.expired ? "!" : "")" }
        let users = users.map { "\($0.handle)|\($0.email)|\($0.password)|\($0.role.rawValue)|\($0.firstName)|\($0.lastName)" }
        let agents = agents.map { "\($0.handle)|\($0.name)|\($0.email)|\($0.password)|\($0.role.rawValue)|\($0.maxChats)|\($0.status.rawValue)" }
        let a = assistant
        let script = [a.greeting, a.defaultReply, a.handoffAfterMessages.map(String.init) ?? "-", a.handoffSuggestion]
            + a.rules.map { $0.keywords.joined(separator: ",") + "=" + $0.reply }
        let header = [handle, name, status.rawValue, routing.rawValue, allowedDomains.joined(separator: ","), passwordIterations.map(String.init) ?? "-"]
        return (header + script + keys + users + agents).joined(separator: "\n")
    }
}

/// Fixture files that define the same tenant differently.
public struct FixturesConflict: Error, Hashable, Sendable, CustomStringConvertible {
    public var problems: [String]
    public var description: String { problems.joined(separator: "\n") }
}
