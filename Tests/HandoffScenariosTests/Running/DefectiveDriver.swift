@testable import HandoffScenarios
import HandoffWorkload
import HandoffMeasurement
import HandoffClient
import HandoffEngine
import Synchronization


/// The in-process driver with some of the reference platform's defects (docs/reference-defects.md)
/// put back, to prove the harness's checks catch a service that has them.
final class DefectiveDriver: ScenarioDriver {
    struct Defects: OptionSet {
        let rawValue: Int
        /// Defect 1: every simultaneous pick-up gets a success.
        static let pickUpAlwaysSucceeds = Defects(rawValue: 1 << 0)
        /// Defect 4: end chat on a pending handoff does nothing.
        static let endChatIgnoresPending = Defects(rawValue: 1 << 1)
        /// Defect 6: a heartbeat forces `available`.
        static let heartbeatForcesAvailable = Defects(rawValue: 1 << 2)
        /// Defect 7: `since` is inclusive, so the newest message comes back on every poll.
        static let sinceRepeatsNewest = Defects(rawValue: 1 << 3)
        /// Defect 5: the after-hours answer still leaves a row in the pending queue.
        static let afterHoursStaysQueued = Defects(rawValue: 1 << 4)
        /// Defect 2: a pick-up ignores capacity and status (it is answered with success).
        static let pickUpIgnoresCapacity = Defects(rawValue: 1 << 5)
        /// Defect 3: resolve and end chat both close a chat and both free its agent's slot.
        static let closeFreesTwice = Defects(rawValue: 1 << 6)
        /// Not a reference defect: a server that stores `routing: auto` but never routes (every
        /// tenant left manual, `setRouting` answered without effect).
        static let ignoresRouting = Defects(rawValue: 1 << 7)
    }

    let base: InProcessDriver
    let defects: Defects
    /// Defect 3's extra decrements of `activeChats`, per agent.
    private let extraFrees = Mutex<[AgentID: Int]>([:])

    init(seed: UInt64, defects: Defects) {
        base = InProcessDriver(seed: seed)
        self.defects = defects
    }

    var target: String { "defective" }
    var sweepInterval: Duration? { base.sweepInterval }
    func prepare(_ fixtures: Fixtures) async throws {
        try await base.prepare(fixtures)
        if defects.contains(.ignoresRouting) {
            for t in fixtures.tenants { _ = try base.store.setRouting(.manual, tenant: Fixtures.tenantID(t.handle), by: .system) }
        }
    }
    func now() -> Timestamp { base.now() }
    func advance(to instant: Timestamp) async { await base.advance(to: instant) }
    func sweep() async { await base.sweep() }

    func perform(_ command: DriverCommand) async -> Result<DriverReply, RequestFailure> {
        switch command {
        case .setRouting where defects.contains(.ignoresRouting):
            return .success(.done)
        case .pickUp where defects.contains(.pickUpAlwaysSucceeds):
            _ = await base.perform(command)
            return .success(.done)
        case .endChat(_, let handoff?) where defects.contains(.endChatIgnoresPending):
            if let pending = try? base.store.pendingHandoffs(tenant: base.store.withCore { $0.allTenants.map(\.id) }.first { tenant in
                (try? base.store.handoff(handoff, tenant: tenant)) != nil
            }!), pending.contains(where: { $0.id == handoff }) {
                return .success(.ended(.nothingOpen))
            }
            return await base.perform(command)
        case .pickUp where defects.contains(.pickUpIgnoresCapacity):
            let result = await base.perform(command)
            if case .failure(let failure) = result,
                [HandoffError.agentAtCapacity.message, HandoffError.agentNotAvailable.message].contains(failure.text)
            {
                return .success(.done)
            }
            return result
        case .resolve(_, let handoff) where defects.contains(.closeFreesTwice):
            let result = await base.perform(command)
            if case .failure = result, let agent = closedBy(handoff) {
                extraFrees.withLock { $0[agent, default: 0] += 1 }
                return .success(.done)
            }
            return result
        case .endChat(_, let handoff?) where defects.contains(.closeFreesTwice):
            let result = await base.perform(command)
            if case .success(.ended(.nothingOpen)) = result, let agent = closedBy(handoff) { extraFrees.withLock { $0[agent, default: 0] += 1 } }
            return result
        case .heartbeat(let agent) where defects.contains(.heartbeatForcesAvailable):
            let result = await base.perform(command)
            _ = await base.perform(.setStatus(agent: agent, .available))
            return result
        default:
            return await base.perform(command)
        }
    }

    func widgetStatus(_ widget: WidgetActor, handoff: HandoffID) async throws(RequestFailure) -> WidgetStatus {
        try await base.widgetStatus(widget, handoff: handoff)
    }

    func widgetMessages(_ widget: WidgetActor, handoff: HandoffID, since: Timestamp?) async throws(RequestFailure) -> [ObservedMessage] {
        guard defects.contains(.sinceRepeatsNewest), let since else { return try await base.widgetMessages(widget, handoff: handoff, since: since) }
        return try await base.widgetMessages(widget, handoff: handoff, since: since - .milliseconds(1))
    }

    func agentMessages(agent: String, handoff: HandoffID) async throws(RequestFailure) -> [ObservedMessage] {
        try await base.agentMessages(agent: agent, handoff: handoff)
    }

    func pendingQueue(tenant: String) async throws(RequestFailure) -> [ObservedHandoff] {
        var queue = try await base.pendingQueue(tenant: tenant)
        if defects.contains(.afterHoursStaysQueued) {
            let orphans = try await base.history(tenant: tenant).filter { $0.status == "after-hours" }
            queue += orphans
        }
        return queue
    }

    func handoff(_ id: HandoffID, tenant: String) async throws(RequestFailure) -> ObservedHandoff { try await base.handoff(id, tenant: tenant) }
    func handoffMessages(_ id: HandoffID, tenant: String) async throws(RequestFailure) -> [ObservedMessage] {
        try await base.handoffMessages(id, tenant: tenant)
    }
    func agents(tenant: String) async throws(RequestFailure) -> [Agent] {
        let extra = extraFrees.withLock { $0 }
        return try await base.agents(tenant: tenant).map { agent in
            var agent = agent
            agent.activeChats -= extra[agent.id] ?? 0
            return agent
        }
    }

    /// The agent of a handoff that is already resolved (what a second close would free again).
    private func closedBy(_ handoff: HandoffID) -> AgentID? {
        base.store.withCore { core in
            for tenant in core.allTenants.map(\.id) {
                if let h = try? core.handoff(handoff, tenant: tenant), h.state == .resolved { return h.assignedAgentID }
            }
            return nil
        }
    }
    func availableAgents(tenant: String) async throws(RequestFailure) -> [Agent] { try await base.availableAgents(tenant: tenant) }
    func history(tenant: String) async throws(RequestFailure) -> [ObservedHandoff] { try await base.history(tenant: tenant) }
    func metrics(tenant: String) async throws(RequestFailure) -> TenantMetrics? { try await base.metrics(tenant: tenant) }
    /// A black-box service: the harness cannot look inside.
    func invariantViolations() async -> [String]? { nil }
}
