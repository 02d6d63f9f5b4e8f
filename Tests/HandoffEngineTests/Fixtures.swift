import Foundation
import Testing

@testable import HandoffEngine

// MARK: - Deterministic ids

/// Fixture ids: one namespace per kind, so an agent id can never collide with a handoff id.
enum IDs {
    static func tenant(_ n: UInt64) -> TenantID { TenantID(namespace: 1, number: n) }
    static func user(_ n: UInt64) -> UserID { UserID(namespace: 2, number: n) }
    static func agent(_ n: UInt64) -> AgentID { AgentID(namespace: 3, number: n) }
    static func handoff(_ n: UInt64) -> HandoffID { HandoffID(namespace: 4, number: n) }
    static func message(_ n: UInt64) -> MessageID { MessageID(namespace: 5, number: n) }
    static func apiKey(_ n: UInt64) -> APIKeyID { APIKeyID(namespace: 6, number: n) }
}

/// 2026-01-01T00:00:00Z.
let startOfTest = Timestamp(milliseconds: 1_767_225_600_000)

// MARK: - A core with two tenants

/// A ``HandoffCore`` with two tenants ("Acme" and "Globex"), a virtual clock that moves only
/// when a test says so, fresh ids on demand, and the events of every command collected.
struct World {
    static let acme = IDs.tenant(1)
    static let globex = IDs.tenant(2)

    var core: HandoffCore
    var events: [HandoffEvent] = []
    var now = startOfTest
    private var counter: UInt64 = 0

    init(configuration: HandoffCore.Configuration = .init()) {
        core = HandoffCore(configuration: configuration)
        try! core.addTenant(Tenant(id: Self.acme, name: "Acme"))
        try! core.addTenant(Tenant(id: Self.globex, name: "Globex"))
    }

    mutating func advance(_ duration: Duration) { now = now + duration }

    mutating func fresh() -> UInt64 {
        counter += 1
        return counter
    }

    /// The events collected since the last call, which are then forgotten.
    mutating func takeEvents() -> [HandoffEvent] {
        defer { events = [] }
        return events
    }

    // MARK: Directory

    @discardableResult
    mutating func addAgent(
        _ name: String, tenant: TenantID = acme, status: AgentStatus = .available, maxChats: Int? = nil
    ) throws(HandoffError) -> AgentID {
        let id = IDs.agent(fresh())
        _ = try core.addAgent(
            NewAgent(id: id, tenantID: tenant, name: name, email: "\(name.lowercased())@\(tenant == Self.acme ? "acme" : "globex").test",
                     status: status, maxChats: maxChats),
            by: .system, now: now, events: &events)
        return id
    }

    /// A login account with password "secret" (one PBKDF2 round: fixtures stay fast).
    @discardableResult
    mutating func addUser(_ email: String, role: Role, tenant: TenantID? = acme, password: String = "secret") throws(HandoffError) -> UserID {
        let id = IDs.user(fresh())
        try core.addUser(User(
            id: id, tenantID: role.isPlatformStaff ? nil : tenant, email: email,
            passwordHash: PasswordHash(password: password, salt: Array("salt-\(id)".utf8), iterations: 1),
            firstName: "First", lastName: "Last", role: role))
        return id
    }

    // MARK: Handoffs

    mutating func request(_ chat: ChatID, tenant: TenantID = acme) throws(HandoffError) -> RequestOutcome {
        try core.requestHandoff(HandoffRequest(chatID: chat), tenant: tenant, id: IDs.handoff(fresh()), now: now, events: &events)
    }

    /// Requests a handoff that must be queued, and returns its id.
    mutating func queue(_ chat: ChatID, tenant: TenantID = acme) throws -> HandoffID {
        let outcome = try request(chat, tenant: tenant)
        guard case .queued(let handoff) = outcome else {
            Issue.record("expected \(chat) to be queued, got \(outcome)")
            throw HandoffError.handoffNotAvailable
        }
        return handoff.id
    }

    mutating func submitAfterHours(_ chat: ChatID, email: String, message: String? = nil, tenant: TenantID = acme) throws(HandoffError) -> Handoff {
        try core.submitAfterHours(chat: chat, email: email, message: message, tenant: tenant, id: IDs.handoff(fresh()), now: now, events: &events)
    }

    @discardableResult
    mutating func pickUp(_ handoff: HandoffID, by agent: AgentID) throws(HandoffError) -> Handoff {
        try core.pickUp(handoff, by: agent, now: now, events: &events)
    }

    @discardableResult
    mutating func assign(_ handoff: HandoffID, to agent: AgentID, by caller: HandoffCore.Caller) throws(HandoffError) -> Handoff {
        try core.assign(handoff, to: agent, by: caller, now: now, events: &events)
    }

    @discardableResult
    mutating func resolve(_ handoff: HandoffID, by agent: AgentID) throws(HandoffError) -> Handoff {
        try core.resolve(handoff, by: agent, now: now, events: &events)
    }

    @discardableResult
    mutating func endChat(_ chat: ChatID, handoff: HandoffID? = nil, tenant: TenantID = acme) throws(HandoffError) -> EndChatOutcome {
        try core.endChat(chat: chat, handoff: handoff, tenant: tenant, systemMessageID: IDs.message(fresh()), now: now, events: &events)
    }

    @discardableResult
    mutating func userMessage(_ text: String, _ handoff: HandoffID, tenant: TenantID = acme) throws(HandoffError) -> Message {
        try core.postUserMessage(text, handoff: handoff, tenant: tenant, id: IDs.message(fresh()), now: now, events: &events)
    }

    @discardableResult
    mutating func agentMessage(_ text: String, _ handoff: HandoffID, by agent: AgentID) throws(HandoffError) -> Message {
        try core.postAgentMessage(text, handoff: handoff, by: agent, id: IDs.message(fresh()), now: now, events: &events)
    }

    // MARK: Presence

    @discardableResult
    mutating func setStatus(_ agent: AgentID, _ status: AgentStatus, by caller: HandoffCore.Caller = .system) throws(HandoffError) -> Agent {
        try core.setAgentStatus(agent, to: status, by: caller, now: now, events: &events)
    }

    @discardableResult
    mutating func heartbeat(_ agent: AgentID) throws(HandoffError) -> Agent {
        try core.heartbeat(agent, now: now, events: &events)
    }

    @discardableResult
    mutating func sweep() -> [AgentID] { core.sweep(now: now, events: &events) }

    // MARK: Reading state (fixture-only: the test already knows the tenant)

    func agent(_ id: AgentID) -> Agent { core.agents[core.agentSlots[id]!].agent }

    func handoff(_ id: HandoffID) -> Handoff { core.handoffs[core.handoffSlots[id]!].handoff }

    func pending(_ tenant: TenantID = acme) -> [HandoffID] { try! core.pendingHandoffs(tenant: tenant).map(\.id) }

    func active(_ tenant: TenantID = acme) -> [HandoffID] { try! core.activeHandoffs(tenant: tenant).map(\.id) }

    func history(_ tenant: TenantID = acme, limit: Int = 50, before: Timestamp? = nil) -> [HandoffID] {
        try! core.history(tenant: tenant, limit: limit, before: before).map(\.id)
    }

    func metrics(_ tenant: TenantID = acme) -> TenantMetrics { try! core.metrics(tenant: tenant, now: now) }

    /// Records an issue for each invariant violation.
    func expectSound(sourceLocation: SourceLocation = #_sourceLocation) {
        let problems = core.invariantViolations()
        #expect(problems.isEmpty, "invariant violations: \(problems)", sourceLocation: sourceLocation)
    }
}

// MARK: - Assertions

/// Expects `body` to throw ``HandoffError/Code/invalidInput`` about `field`.
func expectInvalid(_ field: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void) {
    let error = #expect(throws: HandoffError.self, sourceLocation: sourceLocation) { try body() }
    #expect(error?.code == .invalidInput, sourceLocation: sourceLocation)
    #expect(error?.field == field, sourceLocation: sourceLocation)
}

// MARK: - Seeded choices

/// SplitMix64 for test choices: the same seed gives the same sequence.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

extension Array where Element == UInt8 {
    /// Bytes from hexadecimal text (test vectors).
    init(hex: String) {
        let digits = Array(hex.utf8).filter { $0 != 32 }
        self = stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! }
    }
}
