import Foundation
import HandoffEngine
import Testing

extension StoreConformance {
    /// Where every check starts: two tenants ("Acme" and "Globex", random ids) on the fresh
    /// store, and shorthands that go through ``HandoffStore`` only.
    struct Stage: Sendable {
        let sut: StoreUnderTest
        let acme: TenantID
        let globex: TenantID

        var store: any HandoffStore { sut.store }

        init(_ sut: StoreUnderTest) async throws {
            self.sut = sut
            acme = TenantID(uuid: UUID())
            globex = TenantID(uuid: UUID())
            try await sut.store.addTenant(Tenant(id: acme, name: "Acme"))
            try await sut.store.addTenant(Tenant(id: globex, name: "Globex"))
        }

        func advance(by duration: Duration) async throws { try await sut.advance(by: duration) }

        /// The email of a fixture agent (and of its login account).
        func email(_ name: String, tenant: TenantID) -> String {
            "\(name.lowercased())@\(tenant == globex ? "globex" : "acme").test"
        }

        /// A new agent with a random id; Acme's unless told otherwise.
        func agent(_ name: String, tenant: TenantID? = nil, status: AgentStatus = .available, maxChats: Int = 5) async throws -> Agent {
            let tenant = tenant ?? acme
            return try await store.addAgent(
                NewAgent(
                    id: AgentID(uuid: UUID()), tenantID: tenant, name: name, email: email(name, tenant: tenant), status: status,
                    maxChats: maxChats),
                by: .system)
        }

        /// The agent as the store has it now.
        func reread(_ agent: Agent) async throws -> Agent { try await store.agent(agent.id, tenant: agent.tenantID) }

        /// Requests a handoff that must be queued.
        func queue(_ chat: ChatID, tenant: TenantID? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Handoff {
            let outcome = try await store.requestHandoff(HandoffRequest(chatID: chat), tenant: tenant ?? acme)
            return try #require(outcome.queuedHandoff, "expected \(chat) to be queued, got \(outcome)", sourceLocation: sourceLocation)
        }

        /// Queues a handoff and has `agent` pick it up.
        func open(_ chat: ChatID, by agent: Agent, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Handoff {
            let handoff = try await queue(chat, tenant: agent.tenantID, sourceLocation: sourceLocation)
            return try await store.pickUp(handoff.id, by: agent.id)
        }

        func pendingIDs(_ tenant: TenantID? = nil) async throws -> [HandoffID] {
            try await store.pendingHandoffs(tenant: tenant ?? acme).map(\.id)
        }

        func activeIDs(_ tenant: TenantID? = nil) async throws -> [HandoffID] {
            try await store.activeHandoffs(tenant: tenant ?? acme).map(\.id)
        }

        /// Publishes a marker event (a new Globex agent) for ``read(_:until:limit:sourceLocation:)``.
        func marker() async throws -> HandoffEvent {
            let agent = try await store.addAgent(
                NewAgent(id: AgentID(uuid: UUID()), tenantID: globex, name: "Marker", email: "marker-\(UUID().uuidString.lowercased())@globex.test"),
                by: .system)
            return .agentStatusChanged(agent)
        }

        /// Everything `iterator` delivers before `marker`, at most `limit` events: a missing
        /// event is a failed expectation, not a hang.
        func read(
            _ iterator: inout AsyncStream<PublishedEvent>.Iterator, until marker: HandoffEvent, limit: Int = 1_000,
            sourceLocation: SourceLocation = #_sourceLocation
        ) async -> [HandoffEvent] {
            await readPublished(&iterator, until: marker, limit: limit, sourceLocation: sourceLocation).map(\.event)
        }

        /// ``read(_:until:limit:sourceLocation:)`` with the events' sequence numbers.
        func readPublished(
            _ iterator: inout AsyncStream<PublishedEvent>.Iterator, until marker: HandoffEvent, limit: Int = 1_000,
            sourceLocation: SourceLocation = #_sourceLocation
        ) async -> [PublishedEvent] {
            var seen: [PublishedEvent] = []
            for _ in 0..<limit {
                guard let published = await iterator.next() else {
                    Issue.record("the event stream ended before the marker", sourceLocation: sourceLocation)
                    return seen
                }
                if Self.isMarker(published.event, marker) { return seen }
                seen.append(published)
            }
            Issue.record("no marker within \(limit) events", sourceLocation: sourceLocation)
            return seen
        }

        /// Whether `event` is `marker`'s agent change, matched by the agent's id: a store's event
        /// copy may differ from the snapshot it returned in fields it rounds (timestamps).
        static func isMarker(_ event: HandoffEvent, _ marker: HandoffEvent) -> Bool {
            guard case .agentStatusChanged(let agent) = event, case .agentStatusChanged(let expected) = marker else { return event == marker }
            return agent.id == expected.id
        }

        /// Publishes a marker and returns everything `iterator` delivers before it.
        func received(
            _ iterator: inout AsyncStream<PublishedEvent>.Iterator, sourceLocation: SourceLocation = #_sourceLocation
        ) async throws -> [HandoffEvent] {
            let marker = try await marker()
            return await read(&iterator, until: marker, sourceLocation: sourceLocation)
        }
    }

    /// The outcome of one command, for races: what it returned or the ``HandoffError`` it threw.
    static func attempt<T>(_ body: () async throws(HandoffError) -> T) async -> Result<T, HandoffError> {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }
}

// MARK: - Outcome shorthands

extension RequestOutcome {
    var queuedHandoff: Handoff? {
        if case .queued(let handoff) = self { return handoff }
        return nil
    }

    var afterHoursHandoff: Handoff? {
        if case .afterHours(let handoff) = self { return handoff }
        return nil
    }

    var alreadyOpenHandoff: Handoff? {
        if case .alreadyOpen(let handoff) = self { return handoff }
        return nil
    }
}

extension EndChatOutcome {
    var resolvedHandoff: Handoff? {
        if case .resolved(let handoff) = self { return handoff }
        return nil
    }

    var withdrawnHandoff: Handoff? {
        if case .withdrawn(let handoff) = self { return handoff }
        return nil
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }

    var success: Success? {
        if case .success(let value) = self { return value }
        return nil
    }
}
