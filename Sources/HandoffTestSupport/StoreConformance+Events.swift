import HandoffEngine
import Testing

// MARK: - The event stream

extension StoreConformance {
    /// One subscriber receives the events of every command, in the order the commands took
    /// effect, with the snapshots the commands returned; a refused command publishes nothing.
    static func eventsArriveInCommandOrder(_ s: Stage) async throws {
        var iterator = s.store.subscribe().makeAsyncIterator()
        var expected: [HandoffEvent] = []

        let ann = try await s.agent("Ann")
        expected.append(.agentStatusChanged(ann))
        try await s.advance(by: .seconds(1))
        let requested = try await s.queue("chat-1")
        expected.append(.handoffRequested(requested))
        try await s.advance(by: .seconds(1))
        let picked = try await s.store.pickUp(requested.id, by: ann.id)
        expected.append(.handoffPickedUp(picked, agent: try await s.reread(ann)))
        await #expect(throws: HandoffError.handoffNotAvailable) { try await s.store.pickUp(requested.id, by: ann.id) }
        let fromUser = try await s.store.postUserMessage("hello", handoff: requested.id, tenant: s.acme)
        expected.append(.messagePosted(fromUser, tenantID: s.acme))
        let fromAgent = try await s.store.postAgentMessage("hi there", handoff: requested.id, by: ann.id)
        expected.append(.messagePosted(fromAgent, tenantID: s.acme))
        try await s.advance(by: .seconds(1))
        let outcome = try await s.store.endChat(chat: "chat-1", handoff: nil, tenant: s.acme)
        let ended = try #require(outcome.resolvedHandoff, "expected the chat to be resolved, got \(outcome)")
        let system = try #require(try await s.store.messages(handoff: requested.id, tenant: s.acme, since: fromAgent.timestamp).first)
        #expect(system.content == "User ended the chat")
        expected.append(.messagePosted(system, tenantID: s.acme))
        expected.append(.handoffResolved(ended))
        let busy = try await s.store.setAgentStatus(ann.id, to: .busy, by: .system)
        expected.append(.agentStatusChanged(busy))
        let answer = try await s.store.requestHandoff(HandoffRequest(chatID: "chat-2"), tenant: s.acme)
        let late = try #require(answer.afterHoursHandoff, "expected after-hours, got \(answer)")
        expected.append(.afterHoursRecorded(late))
        let filled = try await s.store.submitAfterHours(chat: "chat-2", email: "late@example.com", message: "call me", tenant: s.acme)
        expected.append(.afterHoursRecorded(filled))
        #expect(filled.id == late.id)
        let resized = try await s.store.setMaxChats(ann.id, to: 3, by: .system)
        expected.append(.agentStatusChanged(resized))
        let available = try await s.store.setAgentStatus(ann.id, to: .available, by: .system)
        expected.append(.agentStatusChanged(available))
        let waiting = try await s.queue("chat-3")
        expected.append(.handoffRequested(waiting))
        let withdrawn = try #require(try await s.store.endChat(chat: "chat-3", handoff: waiting.id, tenant: s.acme).withdrawnHandoff)
        expected.append(.handoffWithdrawn(withdrawn))
        let assigned = try await s.queue("chat-4")
        expected.append(.handoffRequested(assigned))
        let given = try await s.store.assign(assigned.id, to: ann.id, by: .system)
        expected.append(.handoffPickedUp(given, agent: try await s.reread(ann)))
        let closed = try await s.store.resolve(assigned.id, by: ann.id)
        expected.append(.handoffResolved(closed))

        let received = try await s.received(&iterator)
        #expect(received.count == expected.count)
        for (index, pair) in zip(received, expected).enumerated() where pair.0 != pair.1 {
            Issue.record("event \(index): expected \(pair.1), received \(pair.0)")
        }
        #expect(received.map(\.tenantID).allSatisfy { $0 == s.acme })
    }

    /// Every subscriber sees the same events in the same order, starting at the moment it
    /// subscribed: a late subscriber misses what came before, and nothing else.
    static func lateSubscriberStartsAtSubscription(_ s: Stage) async throws {
        var early = s.store.subscribe().makeAsyncIterator()
        let ann = try await s.agent("Ann")
        var late = s.store.subscribe().makeAsyncIterator()
        let handoff = try await s.queue("chat-1")
        let outcome = try await s.store.endChat(chat: "chat-1", handoff: handoff.id, tenant: s.acme)
        let withdrawn = try #require(outcome.withdrawnHandoff, "expected the request to be withdrawn, got \(outcome)")
        #expect(try await s.store.handoff(handoff.id, tenant: s.acme) == withdrawn)

        let marker = try await s.marker()
        let fromEarly = await s.read(&early, until: marker)
        let fromLate = await s.read(&late, until: marker)
        #expect(fromEarly == [.agentStatusChanged(ann), .handoffRequested(handoff), .handoffWithdrawn(withdrawn)])
        #expect(fromLate == [.handoffRequested(handoff), .handoffWithdrawn(withdrawn)])
    }

    /// Each tenant's events are numbered 1, 2, 3… in the order they took effect, with no gap,
    /// whichever commands caused them, and tenants count separately.
    static func eachTenantNumbersItsEvents(_ s: Stage) async throws {
        var iterator = s.store.subscribe().makeAsyncIterator()
        let ann = try await s.agent("Ann")
        let gil = try await s.agent("Gil", tenant: s.globex)
        let first = try await s.queue("chat-1")
        _ = try await s.store.pickUp(first.id, by: ann.id)
        _ = try await s.store.postUserMessage("hello", handoff: first.id, tenant: s.acme)
        _ = try await s.store.setAgentStatus(gil.id, to: .busy, by: .system)
        _ = try await s.store.endChat(chat: "chat-1", handoff: first.id, tenant: s.acme)
        await #expect(throws: HandoffError.handoffNotAvailable) { try await s.store.pickUp(first.id, by: ann.id) }
        let marker = try await s.marker()
        let published = await s.readPublished(&iterator, until: marker)
        var next: [TenantID: UInt64] = [:]
        var starts: [TenantID: UInt64] = [:]
        for event in published {
            if let expected = next[event.tenantID] {
                #expect(event.sequence == expected, "\(event.event): sequence \(event.sequence), expected \(expected)")
            } else {
                starts[event.tenantID] = event.sequence
            }
            next[event.tenantID] = event.sequence + 1
        }
        // Acme: Ann, the request, the pick-up, two messages (the visitor's and the system's), the resolve.
        #expect(published.filter { $0.tenantID == s.acme }.count == 6)
        #expect(published.filter { $0.tenantID == s.globex }.count == 2)
        #expect(Set(starts.keys) == [s.acme, s.globex])
        #expect(starts.values.allSatisfy { $0 >= 1 })
    }
}
