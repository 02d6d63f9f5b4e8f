import Foundation
import HTTPTypes
import HandoffAPI
import HandoffEngine
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Testing

@testable import HandoffServer

// MARK: - Fixture constants

enum Fixture {
    /// 42 bytes: above the 32-byte minimum.
    static let secret = "handoff-server-tests-secret-0123456789abcdef"
    static let password = "correct horse battery"
    static let start = Timestamp(milliseconds: 1_767_225_600_000)  // 2026-01-01T00:00:00Z

    static let acme = TenantID(namespace: 1, number: 1)
    static let globex = TenantID(namespace: 1, number: 2)
    /// A tenant that only accepts widgets embedded on `initech.test`.
    static let initech = TenantID(namespace: 1, number: 3)

    static let acmeKey = "embellics_" + String(repeating: "a1", count: 32)
    static let globexKey = "embellics_" + String(repeating: "b2", count: 32)
    static let initechKey = "embellics_" + String(repeating: "c3", count: 32)
    /// Acme's, expired at the start of the test.
    static let expiredKey = "embellics_" + String(repeating: "d4", count: 32)
    /// Well-formed but never registered.
    static let unknownKey = "embellics_" + String(repeating: "e5", count: 32)

    static let annEmail = "ann@acme.test"
    static let bobEmail = "bob@acme.test"
    static let bossEmail = "boss@acme.test"
    static let gilEmail = "gil@globex.test"
}

// MARK: - A seeded store

/// A memory store on a manual clock with three tenants:
/// - Acme: agents Ann and Bob (support_staff accounts), client_admin Boss (no agent record);
/// - Globex: agent Gil (support_staff);
/// - Initech: no agents, allowed domain `initech.test`.
/// Agents start offline; ``online(_:)`` or a login makes them available.
struct World: Sendable {
    let clock: ManualWallClock
    let store: MemoryHandoffStore
    let ann: AgentID
    let bob: AgentID
    let gil: AgentID
    let annUser: UserID
    let bossUser: UserID

    init(core: HandoffCore.Configuration = .init()) async throws {
        clock = ManualWallClock(start: Fixture.start)
        store = MemoryHandoffStore(configuration: .init(core: core, clock: clock, seed: 7, passwordIterations: 1))
        try store.addTenant(Tenant(id: Fixture.acme, name: "Acme"))
        try store.addTenant(Tenant(id: Fixture.globex, name: "Globex"))
        try store.addTenant(Tenant(id: Fixture.initech, name: "Initech", allowedDomains: ["initech.test"]))
        _ = try store.registerAPIKey(Fixture.acmeKey, tenant: Fixture.acme, name: "site", expiresAt: nil)
        _ = try store.registerAPIKey(Fixture.globexKey, tenant: Fixture.globex, name: "site", expiresAt: nil)
        _ = try store.registerAPIKey(Fixture.initechKey, tenant: Fixture.initech, name: "site", expiresAt: nil)
        _ = try store.registerAPIKey(Fixture.expiredKey, tenant: Fixture.acme, name: "old", expiresAt: Fixture.start)
        ann = try Self.addAgent(store, "Ann", email: Fixture.annEmail, tenant: Fixture.acme)
        bob = try Self.addAgent(store, "Bob", email: Fixture.bobEmail, tenant: Fixture.acme)
        gil = try Self.addAgent(store, "Gil", email: Fixture.gilEmail, tenant: Fixture.globex)
        annUser = try await store.addUser(Self.user(Fixture.annEmail, tenant: Fixture.acme, role: .supportStaff)).id
        _ = try await store.addUser(Self.user(Fixture.bobEmail, tenant: Fixture.acme, role: .supportStaff))
        bossUser = try await store.addUser(Self.user(Fixture.bossEmail, tenant: Fixture.acme, role: .clientAdmin)).id
        _ = try await store.addUser(Self.user(Fixture.gilEmail, tenant: Fixture.globex, role: .supportStaff))
    }

    static func addAgent(_ store: MemoryHandoffStore, _ name: String, email: String, tenant: TenantID, maxChats: Int? = nil) throws -> AgentID {
        try store.addAgent(NewAgent(id: AgentID(uuid: UUID()), tenantID: tenant, name: name, email: email, maxChats: maxChats), by: .system).id
    }

    static func user(_ email: String, tenant: TenantID?, role: Role) -> NewUser {
        NewUser(tenantID: tenant, email: email, password: Fixture.password, firstName: "First", lastName: "Last", role: role)
    }

    /// Makes agents available without a login.
    func online(_ agents: AgentID...) throws {
        for agent in agents { _ = try store.setAgentStatus(agent, to: .available, by: .system) }
    }

    /// An `agent_status` event of `agent` that changes nothing (its capacity set to itself):
    /// a marker in the event stream for ``TestSocket/skip(untilStatusOf:sourceLocation:)``.
    func fence(_ agent: AgentID) throws {
        guard let record = store.withCore({ core in core.allTenants.lazy.compactMap { try? core.agent(agent, tenant: $0.id) }.first }) else {
            throw FixtureError("no agent \(agent)")
        }
        _ = try store.setMaxChats(agent, to: record.maxChats, by: .system)
    }

    /// A pending handoff of `tenant` for `chat` (an agent of the tenant must be available).
    func pendingHandoff(_ chat: String = "chat-\(UUID())", tenant: TenantID = Fixture.acme) throws -> HandoffID {
        guard case .queued(let h) = try store.requestHandoff(HandoffRequest(chatID: ChatID(chat)), tenant: tenant) else {
            throw FixtureError("no agent could take the request")
        }
        return h.id
    }

    /// A handoff Ann picked up.
    func activeHandoff(_ chat: String = "chat-\(UUID())", agent: AgentID? = nil) throws -> HandoffID {
        try online(agent ?? ann)
        let id = try pendingHandoff(chat)
        _ = try store.pickUp(id, by: agent ?? ann)
        return id
    }

    /// The server over this store, on this clock. Rate limits are off unless `configure` sets
    /// them (router tests share one client address); sockets' auth timeout is short.
    func app(_ configure: (inout ServerConfiguration) -> Void = { _ in }) async throws -> some ApplicationProtocol {
        var configuration = ServerConfiguration(jwtSecret: Fixture.secret, port: 0, rateLimits: .disabled)
        configuration.webSocket.authTimeout = .milliseconds(300)
        configure(&configuration)
        var logger = Logger(label: "handoff-server-tests")
        logger.logLevel = .warning
        return try await buildApplication(configuration: configuration, store: store, clock: clock, logger: logger)
    }

    /// A token for `user` signed with `secret` (the server's by default), valid from the clock's now.
    func token(for user: UserID, secret: String = Fixture.secret, lifetime: Duration = .seconds(3600)) async throws -> String {
        guard let account = store.user(user) else { throw FixtureError("no user \(user)") }
        return try await TokenAuthority(secret: secret, lifetime: lifetime, clock: clock).issue(for: account)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - HTTP helpers

extension TestClientProtocol {
    /// Sends a request with an optional JSON body (an `Encodable`, or raw text) and bearer token.
    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ uri: String, json: (any Encodable)? = nil, raw: String? = nil, token: String? = nil,
        headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var headers = headers
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(bytes: try JSONEncoder().encode(json))
            headers[.contentType] = "application/json"
        } else if let raw {
            body = ByteBuffer(string: raw)
            headers[.contentType] = "application/json"
        }
        if let token { headers[.authorization] = "Bearer \(token)" }
        return try await execute(uri: uri, method: method, headers: headers, body: body)
    }

    /// Logs in over HTTP and returns the token.
    func login(_ email: String, password: String = Fixture.password) async throws -> String {
        let response = try await send(.post, APIPath.login, json: LoginRequest(email: email, password: password))
        try #require(response.status == .ok, "login of \(email): \(response.status) \(response.text)")
        return try response.decode(LoginResponse.self).token
    }
}

extension TestResponse {
    func decode<T: Decodable>(_ type: T.Type = T.self) throws -> T {
        try JSONDecoder().decode(T.self, from: Data(body.readableBytesView))
    }

    var error: ErrorBody? { try? decode(ErrorBody.self) }

    var text: String { String(buffer: body) }

    /// The top-level JSON object, for checks on explicit `null`s.
    var object: [String: Any]? { (try? JSONSerialization.jsonObject(with: Data(body.readableBytesView))) as? [String: Any] }
}

/// Asserts a response's status and error text (and the non-assignee `message`, when given).
func expectError(
    _ response: TestResponse, _ status: HTTPResponse.Status, _ error: String, message: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(response.status == status, "status of \(response.text)", sourceLocation: sourceLocation)
    #expect(response.error?.error == error, "body \(response.text)", sourceLocation: sourceLocation)
    if let message { #expect(response.error?.message == message, sourceLocation: sourceLocation) }
}

/// Widget query string with the API key.
func widgetQuery(_ key: String = Fixture.acmeKey, _ extra: String = "") -> String {
    "?apiKey=\(key)" + (extra.isEmpty ? "" : "&\(extra)")
}
