import Testing

@testable import HandoffEngine

/// Rule 14 (concurrent half): many tasks at once against ``MemoryHandoffStore``.
@Suite struct ConcurrencyTests {
    static func store(clock: ManualWallClock = ManualWallClock()) throws -> MemoryHandoffStore {
        let store = MemoryHandoffStore(configuration: .init(clock: clock, seed: 7, passwordIterations: 1))
        try store.addTenant(Tenant(id: World.acme, name: "Acme"))
        try store.addTenant(Tenant(id: World.globex, name: "Globex"))
        return store
    }

    @discardableResult
    static func agent(_ store: MemoryHandoffStore, _ n: UInt64, tenant: TenantID = World.acme, maxChats: Int = 5) throws -> AgentID {
        try store.addAgent(
            NewAgent(id: IDs.agent(n), tenantID: tenant, name: "Agent \(n)", email: "agent\(n)@\(tenant == World.acme ? "acme" : "globex").test",
                     status: .available, maxChats: maxChats),
            by: .system
        ).id
    }

    // The single races (one handoff, one agent's slots, resolve against end chat) are the
    // conformance suite's `pickUpRaceHasOneWinner`, `capacityRaceStopsAtMaxChats` and
    // `resolveRacingEndChatFreesSlotOnce`; here, random concurrent commands of every kind.

    /// What one task saw: the pick-ups and assignments that succeeded.
    struct Wins: Sendable {
        var taken: [(HandoffID, AgentID)] = []
    }

    static func randomWork(store: MemoryHandoffStore, clock: ManualWallClock, agents: [TenantID: [AgentID]], users: [AgentID: UserID],
                           emails: [AgentID: String], admins: [UserID], seed: UInt64, commands: Int) async -> Wins {
        var rng = SplitMix64(seed: seed)
        var wins = Wins()
        let tenants = [World.acme, World.globex]
        func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }
        for _ in 0..<commands {
            let tenant = pick(tenants)
            let chat = ChatID("chat-\(Int.random(in: 0..<15, using: &rng))")
            let agent = pick(agents[tenant]!)
            switch Int.random(in: 0..<100, using: &rng) {
            case 0..<25:
                _ = try? store.requestHandoff(HandoffRequest(chatID: chat), tenant: tenant)
            case 25..<45:
                // Everyone goes for the head of the queue: real races on the same handoffs.
                guard let pending = try? store.pendingHandoffs(tenant: tenant), let target = pending.prefix(2).randomElement(using: &rng) else { continue }
                if let h = try? store.pickUp(target.id, by: agent) { wins.taken.append((h.id, agent)) }
            case 45..<50:
                guard let pending = try? store.pendingHandoffs(tenant: tenant), let target = pending.first else { continue }
                if let h = try? store.assign(target.id, to: agent, by: .user(pick(admins))) { wins.taken.append((h.id, agent)) }
            case 50..<62:
                guard let active = try? store.activeHandoffs(tenant: tenant), let target = active.randomElement(using: &rng) else { continue }
                _ = try? store.resolve(target.id, by: target.assignedAgentID!)
            case 62..<72:
                _ = try? store.endChat(chat: chat, handoff: nil, tenant: tenant)
            case 72..<80:
                guard let active = try? store.activeHandoffs(tenant: tenant), let target = active.randomElement(using: &rng) else { continue }
                _ = try? store.postUserMessage("hi", handoff: target.id, tenant: tenant)
                _ = try? store.postAgentMessage("hello", handoff: target.id, by: target.assignedAgentID!)
            case 80..<88:
                _ = try? store.setAgentStatus(agent, to: Bool.random(using: &rng) ? .available : pick([.busy, .offline]), by: .user(users[agent]!))
            case 88..<92:
                _ = try? store.heartbeat(agent)
            case 92..<95:
                _ = try? store.submitAfterHours(chat: chat, email: "u@example.com", message: nil, tenant: tenant)
            case 95..<97:
                clock.advance(by: .seconds(Int64.random(in: 1...60, using: &rng)))
                store.sweep()
            default:
                if Bool.random(using: &rng) {
                    _ = try? store.logout(users[agent]!)
                } else {
                    _ = try? await store.login(email: emails[agent]!, password: "pw")
                }
            }
        }
        return wins
    }

    @Test(arguments: [1, 2, 3] as [UInt64])
    func concurrentRandomCommandsKeepTheInvariants(seed: UInt64) async throws {
        let clock = ManualWallClock()
        let store = try Self.store(clock: clock)
        var agents: [TenantID: [AgentID]] = [:]
        var users: [AgentID: UserID] = [:]
        var emails: [AgentID: String] = [:]
        for (n, tenant, maxChats) in [(1, World.acme, 1), (2, World.acme, 2), (3, World.acme, 3), (4, World.acme, 1), (5, World.globex, 2), (6, World.globex, 1)] as [(UInt64, TenantID, Int)] {
            let agent = try Self.agent(store, n, tenant: tenant, maxChats: maxChats)
            agents[tenant, default: []].append(agent)
            let email = "agent\(n)@\(tenant == World.acme ? "acme" : "globex").test"
            emails[agent] = email
            users[agent] = try await store.addUser(NewUser(tenantID: tenant, email: email, password: "pw", firstName: "A", lastName: "\(n)", role: .supportStaff)).id
        }
        let admins = [
            try await store.addUser(NewUser(tenantID: World.acme, email: "boss@acme.test", password: "pw", firstName: "B", lastName: "A", role: .clientAdmin)).id,
            try await store.addUser(NewUser(tenantID: World.globex, email: "boss@globex.test", password: "pw", firstName: "B", lastName: "G", role: .clientAdmin)).id,
        ]
        let (agentsByTenant, usersByAgent, emailsByAgent) = (agents, users, emails)
        let wins = await withTaskGroup(of: Wins.self) { group in
            for task in 0..<16 as Range<UInt64> {
                group.addTask {
                    await Self.randomWork(store: store, clock: clock, agents: agentsByTenant, users: usersByAgent, emails: emailsByAgent, admins: admins,
                                    seed: seed * 1000 + task, commands: 150)
                }
            }
            return await group.reduce(into: Wins()) { total, next in
                total.taken += next.taken
            }
        }
        // Some pick-ups won, so the one-winner check below has something to check.
        #expect(wins.taken.count > 20)
        #expect(store.invariantViolations() == [])

        // At most one pick-up (or assignment) of each handoff succeeded, and it is the one that holds.
        var takes: [HandoffID: [AgentID]] = [:]
        for (handoff, agent) in wins.taken { takes[handoff, default: []].append(agent) }
        #expect(takes.count > 20, "the tasks really raced for handoffs")
        for (handoff, takers) in takes {
            #expect(takers.count == 1, "handoff \(handoff) taken by \(takers)")
            let tenant = agentsByTenant[World.acme]!.contains(takers[0]) ? World.acme : World.globex
            #expect(try store.handoff(handoff, tenant: tenant).assignedAgentID == takers[0])
        }
        var activeCount = 0
        var slotSum = 0
        var pickedUp = 0
        for tenant in [World.acme, World.globex] {
            activeCount += try store.activeHandoffs(tenant: tenant).count
            slotSum += try store.agents(tenant: tenant).map(\.activeChats).reduce(0, +)
            pickedUp += try store.metrics(tenant: tenant).pickedUp
            #expect(try store.agents(tenant: tenant).allSatisfy { $0.activeChats <= $0.maxChats })
        }
        #expect(slotSum == activeCount)
        #expect(pickedUp == wins.taken.count)
    }
}
