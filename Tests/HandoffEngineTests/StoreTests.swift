import Testing
import Synchronization

@testable import HandoffEngine

/// Rule 15: the memory store's event stream and seeded determinism.
@Suite struct StoreTests {
    static func store(seed: UInt64? = 1, clock: ManualWallClock = ManualWallClock()) throws -> MemoryHandoffStore {
        let store = MemoryHandoffStore(configuration: .init(clock: clock, seed: seed, passwordIterations: 1))
        try store.addTenant(Tenant(id: World.acme, name: "Acme"))
        try store.addTenant(Tenant(id: World.globex, name: "Globex"))
        return store
    }

    /// Publishes a marker event (a new Globex agent) and reads everything before it, so a test
    /// never waits for an event that was not published: a missing event is a failed
    /// expectation, not a hang.
    static func received(
        _ iterator: inout AsyncStream<PublishedEvent>.Iterator, store: MemoryHandoffStore, marker: UInt64 = 99
    ) async throws -> [HandoffEvent] {
        let agent = try store.addAgent(
            NewAgent(id: IDs.agent(marker), tenantID: World.globex, name: "Marker \(marker)", email: "marker\(marker)@globex.test"), by: .system)
        var seen: [HandoffEvent] = []
        while let event = await iterator.next()?.event {
            if event == .agentStatusChanged(agent) { return seen }
            seen.append(event)
        }
        return seen
    }

    // Event order and late subscribers, through the store protocol, are the conformance
    // suite's `eventsArriveInCommandOrder` and `lateSubscriberStartsAtSubscription`.

    @Test func sweepAndHeartbeatEventsComeThroughTheStore() async throws {
        let clock = ManualWallClock()
        let store = try Self.store(clock: clock)
        let ann = try store.addAgent(NewAgent(id: IDs.agent(1), tenantID: World.acme, name: "Ann", email: "ann@acme.test", status: .busy), by: .system)
        var iterator = store.subscribe().makeAsyncIterator()
        clock.advance(by: .seconds(119))
        #expect(store.sweep() == [])
        clock.advance(by: .seconds(1))
        #expect(store.sweep() == [ann.id])
        let swept = try store.agent(ann.id, tenant: World.acme)
        #expect(swept.status == .offline)
        clock.advance(by: .seconds(10))
        let back = try store.heartbeat(ann.id)
        #expect(back.status == .busy)
        #expect(try await Self.received(&iterator, store: store) == [.agentStatusChanged(swept), .agentStatusChanged(back)])
    }

    /// A fixed script through the store protocol; returns every id and secret the store made.
    static func script(_ store: some HandoffStore) async throws -> [String] {
        var made: [String] = []
        let user = try await store.addUser(NewUser(tenantID: World.acme, email: "ann@acme.test", password: "pw", firstName: "Ann", lastName: "A", role: .supportStaff))
        made.append(user.id.description)
        made.append(user.passwordHash.salt.hexString)
        let ann = try await store.addAgent(NewAgent(id: IDs.agent(1), tenantID: World.acme, name: "Ann", email: "ann@acme.test"), by: .system)
        _ = try await store.login(email: "ann@acme.test", password: "pw")
        let (raw, key) = try await store.issueAPIKey(tenant: World.acme, name: "site", expiresAt: nil)
        made += [raw, key.id.description]
        #expect(try await store.authenticateWidget(apiKey: raw, referrer: nil) == World.acme)
        for i in 0..<3 {
            let handoff = try await store.requestHandoff(HandoffRequest(chatID: ChatID("chat-\(i)")), tenant: World.acme).handoff
            made.append(handoff.id.description)
            _ = try await store.pickUp(handoff.id, by: ann.id)
            made.append(try await store.postUserMessage("hi", handoff: handoff.id, tenant: World.acme).id.description)
            made.append(try await store.postAgentMessage("hello", handoff: handoff.id, by: ann.id).id.description)
            _ = try await store.endChat(chat: ChatID("chat-\(i)"), handoff: nil, tenant: World.acme)
            made += try await store.messages(handoff: handoff.id, tenant: World.acme, since: nil).map(\.id.description)
        }
        #expect(await store.invariantViolations() == [])
        return made
    }

    @Test func seededStoresMakeIdenticalIDsForIdenticalCommands() async throws {
        let first = try await Self.script(try Self.store(seed: 42))
        let second = try await Self.script(try Self.store(seed: 42))
        let other = try await Self.script(try Self.store(seed: 43))
        #expect(first.count == 22)
        #expect(first == second)
        #expect(Set(first).count == first.count - 6)  // each handoff's two posted ids are listed twice
        #expect(Set(first).isDisjoint(with: other))
        let random = try await Self.script(try Self.store(seed: nil))
        #expect(Set(first).isDisjoint(with: random))
    }

    /// Counts the work a store hands it, and runs it.
    final class CountingWork: BlockingWork {
        let runs = Mutex(0)
        func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T? {
            runs.withLock { $0 += 1 }
            return work()
        }
    }

    @Test func passwordWorkRunsEveryHashAndCheck() async throws {
        let work = CountingWork()
        let store = MemoryHandoffStore(configuration: .init(passwordIterations: 3, passwordWork: work))
        try store.addTenant(Tenant(id: World.acme, name: "Acme"))
        let user = try await store.addUser(
            NewUser(tenantID: World.acme, email: "ann@acme.test", password: "pw", firstName: "A", lastName: "L", role: .supportStaff))
        #expect(user.passwordHash.iterations == 3)
        #expect(work.runs.withLock { $0 } == 1)
        _ = try await store.login(email: "ann@acme.test", password: "pw")
        await #expect(throws: HandoffError.invalidCredentials) { try await store.login(email: "ann@acme.test", password: "no") }
        await #expect(throws: HandoffError.invalidCredentials) { try await store.login(email: "ghost@acme.test", password: "pw") }
        #expect(work.runs.withLock { $0 } == 4)
        // A user's own cost wins over the store's; zero rounds is refused, not hashed.
        let fast = try await store.addUser(
            NewUser(tenantID: World.acme, email: "bo@acme.test", password: "pw", firstName: "B", lastName: "O", role: .supportStaff, passwordIterations: 1))
        #expect(fast.passwordHash.iterations == 1)
        await #expect(throws: HandoffError.invalid("passwordIterations", "Password hashing needs at least 1 iteration")) {
            try await store.addUser(NewUser(tenantID: World.acme, email: "cy@acme.test", password: "pw", firstName: "C", lastName: "Y", role: .supportStaff, passwordIterations: 0))
        }
    }

    @Test func storeReadsItsClockForEveryCommand() throws {
        let clock = ManualWallClock(start: startOfTest)
        let store = try Self.store(clock: clock)
        let ann = try store.addAgent(NewAgent(id: IDs.agent(1), tenantID: World.acme, name: "Ann", email: "ann@acme.test", status: .available), by: .system)
        let handoff = try store.requestHandoff(HandoffRequest(chatID: "chat-1"), tenant: World.acme).handoff
        #expect(handoff.requestedAt == startOfTest)
        clock.advance(to: startOfTest + .seconds(30))
        let picked = try store.pickUp(handoff.id, by: ann.id)
        #expect(picked.pickedUpAt == startOfTest + .seconds(30))
        #expect(try store.metrics(tenant: World.acme).averageWaitMilliseconds == 30_000)
        clock.advance(by: .seconds(86_400))
        #expect(try store.metrics(tenant: World.acme).requestsInWindow == 0)
        #expect(try store.history(tenant: World.acme, limit: 10, before: nil) == [])
        #expect(try store.handoffs(tenant: World.acme, limit: 10, before: nil).map(\.id) == [handoff.id])
        #expect(store.tenant(World.acme)?.name == "Acme")
        #expect(try store.availableAgents(tenant: World.acme).map(\.id) == [ann.id])
    }

    @Test func storeMapsCoreRefusals() async throws {
        let store = try Self.store()
        #expect(throws: HandoffError.invalidAPIKey) { try store.authenticateWidget(apiKey: "nope", referrer: nil) }
        await #expect(throws: HandoffError.invalidCredentials) { try await store.login(email: "ghost@acme.test", password: "x") }
        #expect(throws: HandoffError.tenantNotFound) { try store.requestHandoff(HandoffRequest(chatID: "c"), tenant: IDs.tenant(9)) }
        try store.setTenantStatus(World.acme, .suspended)
        #expect(throws: HandoffError.tenantSuspended) { try store.requestHandoff(HandoffRequest(chatID: "c"), tenant: World.acme) }
        let duplicate = #expect(throws: HandoffError.self) { try store.addTenant(Tenant(id: World.acme, name: "Again")) }
        #expect(duplicate?.code == .duplicate)
    }
}
