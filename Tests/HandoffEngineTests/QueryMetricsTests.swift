import Testing

@testable import HandoffEngine

/// Rule 8 (queries) and rule 9 (metrics).
@Suite struct QueryMetricsTests {
    // MARK: Queries

    @Test func pendingIsOldestFirstAndActiveInPickUpOrder() throws {
        var world = World()
        let ann = try world.addAgent("Ann")
        var ids: [HandoffID] = []
        for i in 0..<5 {
            ids.append(try world.queue(ChatID("chat-\(i)")))
            world.advance(.seconds(1))
        }
        #expect(world.pending() == ids)
        #expect(try world.core.pendingCount(tenant: World.acme) == 5)
        try world.pickUp(ids[2], by: ann)
        try world.pickUp(ids[0], by: ann)
        try world.pickUp(ids[4], by: ann)
        #expect(world.pending() == [ids[1], ids[3]])
        #expect(world.active() == [ids[2], ids[0], ids[4]])
        #expect(try world.core.oldestPending(tenant: World.acme)?.id == ids[1])
        try world.resolve(ids[0], by: ann)
        #expect(world.active() == [ids[2], ids[4]])
        #expect(world.pending(World.globex) == [] && world.active(World.globex) == [])
        #expect(try world.core.oldestPending(tenant: World.globex) == nil)
        #expect(throws: HandoffError.tenantNotFound) { try world.core.pendingHandoffs(tenant: IDs.tenant(99)) }
        #expect(throws: HandoffError.tenantNotFound) { try world.core.activeHandoffs(tenant: IDs.tenant(99)) }
    }

    /// Six handoffs whose closing order differs from their request order.
    static func mixedHistory() throws -> (World, [String: HandoffID]) {
        var world = World()
        let ann = try world.addAgent("Ann")
        var ids: [String: HandoffID] = [:]
        for name in ["A", "B", "C", "D", "E"] {
            ids[name] = try world.queue(ChatID(name))
            world.advance(.seconds(1))
        }
        for name in ["A", "B", "C"] { try world.pickUp(ids[name]!, by: ann) }
        world.advance(.seconds(5))
        try world.resolve(ids["B"]!, by: ann)  // closes first
        world.advance(.seconds(1))
        try world.endChat("D")  // withdrawn while pending
        world.advance(.seconds(1))
        try world.resolve(ids["A"]!, by: ann)
        world.advance(.seconds(1))
        try world.setStatus(ann, .busy)
        ids["F"] = try world.request("F").handoff.id  // after-hours
        world.advance(.seconds(1))
        try world.endChat("C")  // the user ends an active chat
        return (world, ids)
    }

    @Test func historyIsNewestClosedFirstWithPagination() throws {
        let (world, ids) = try Self.mixedHistory()
        let names = Dictionary(uniqueKeysWithValues: ids.map { ($1, $0) })
        func page(limit: Int = 50, before: Timestamp? = nil) -> [String] {
            world.history(limit: limit, before: before).map { names[$0]! }
        }
        #expect(page() == ["C", "F", "A", "D", "B"])
        #expect(page(limit: 2) == ["C", "F"])
        let f = world.handoff(ids["F"]!).closedAt
        #expect(page(limit: 2, before: f) == ["A", "D"])
        let d = world.handoff(ids["D"]!).closedAt
        #expect(page(limit: 2, before: d) == ["B"])
        #expect(page(limit: 2, before: world.handoff(ids["B"]!).closedAt) == [])
        #expect(page(limit: 0) == [])
        #expect(page(before: f + .milliseconds(1)) == ["F", "A", "D", "B"])
        // Open handoffs never appear in history.
        #expect(!world.history().contains(ids["E"]!))
        #expect(world.history(World.globex) == [])
    }

    @Test func handoffsAreNewestRequestFirstWithPagination() throws {
        let (world, ids) = try Self.mixedHistory()
        let names = Dictionary(uniqueKeysWithValues: ids.map { ($1, $0) })
        func page(limit: Int = 50, before: Timestamp? = nil) throws -> [String] {
            try world.core.handoffs(tenant: World.acme, limit: limit, before: before).map { names[$0.id]! }
        }
        #expect(try page() == ["F", "E", "D", "C", "B", "A"])
        #expect(try page(limit: 4) == ["F", "E", "D", "C"])
        let c = world.handoff(ids["C"]!).requestedAt
        #expect(try page(limit: 4, before: c) == ["B", "A"])
        #expect(try page(limit: 4, before: world.handoff(ids["A"]!).requestedAt) == [])
        #expect(try world.core.handoffs(tenant: World.globex) == [])
        #expect(try page(limit: -3) == [])
    }

    @Test func availableAgentsAreAvailableWithAFreeSlot() throws {
        var world = World()
        let ann = try world.addAgent("Ann")
        let bob = try world.addAgent("Bob", status: .busy)
        let cy = try world.addAgent("Cy", status: .offline)
        let dee = try world.addAgent("Dee", maxChats: 1)
        let eve = try world.addAgent("Eve", maxChats: 2)
        let gus = try world.addAgent("Gus", tenant: World.globex)
        try world.pickUp(try world.queue("chat-1"), by: dee)
        try world.pickUp(try world.queue("chat-2"), by: eve)
        #expect(try world.core.availableAgents(tenant: World.acme).map(\.id) == [ann, eve])
        #expect(try world.core.agents(tenant: World.acme).map(\.id) == [ann, bob, cy, dee, eve])
        #expect(try world.core.availableAgents(tenant: World.globex).map(\.id) == [gus])
        #expect(try world.core.agent(dee, tenant: World.acme).activeChats == 1)
        #expect(throws: HandoffError.agentNotFound) { try world.core.agent(ann, tenant: World.globex) }
        #expect(throws: HandoffError.tenantNotFound) { try world.core.availableAgents(tenant: IDs.tenant(99)) }
    }

    @Test func handoffLookupsAreTenantScoped() throws {
        var world = World()
        try world.addAgent("Ann")
        let id = try world.queue("chat-1")
        #expect(try world.core.handoff(id, tenant: World.acme).id == id)
        #expect(throws: HandoffError.handoffNotFound) { try world.core.handoff(id, tenant: World.globex) }
        #expect(throws: HandoffError.handoffNotFound) { try world.core.handoff(IDs.handoff(999), tenant: World.acme) }
        #expect(throws: HandoffError.tenantNotFound) { try world.core.handoff(id, tenant: IDs.tenant(99)) }
        #expect(try world.core.latestHandoff(chat: "chat-1", tenant: World.globex) == nil)
    }

    // MARK: Metrics

    @Test func requestsInWindowCountsOnlyTheLast24Hours() throws {
        var world = World()
        let t0 = world.now
        _ = try world.request("chat-1")
        world.now = t0 + .seconds(3600)
        _ = try world.request("chat-2")
        func inWindow(at time: Timestamp) throws -> Int { try world.core.metrics(tenant: World.acme, now: time).requestsInWindow }
        let day = Duration.seconds(86_400)
        #expect(try inWindow(at: t0 + .seconds(3600)) == 2)
        #expect(try inWindow(at: t0 + day - .milliseconds(1)) == 2)
        #expect(try inWindow(at: t0 + day) == 1)
        #expect(try inWindow(at: t0 + day + .seconds(3600) - .milliseconds(1)) == 1)
        #expect(try inWindow(at: t0 + day + .seconds(3600)) == 0)
        #expect(try world.core.metrics(tenant: World.acme, now: t0 + day * 2).totalRequests == 2)
        #expect(try world.core.metrics(tenant: World.globex, now: t0).requestsInWindow == 0)

        // A later request drops the expired ones without losing the live ones.
        world.now = t0 + day + .seconds(1800)
        _ = try world.request("chat-3")
        #expect(try inWindow(at: world.now) == 2)
        #expect(try inWindow(at: t0 + day + .seconds(3600)) == 1)
        #expect(world.metrics().totalRequests == 3)
    }

    /// The window's request times are pruned in batches (every 64 requests): many requests
    /// over several windows keep the count exact and the stored times bounded.
    @Test func manyRequestsOverSeveralWindowsStayExactAndBounded() throws {
        var world = World(configuration: .init(metricsWindow: .seconds(60)))
        let tenant = try world.core.tenantSlot(World.acme)
        for k in 1...300 {
            world.advance(.seconds(1))
            _ = try world.request(ChatID("chat-\(k)"))
            #expect(world.metrics().requestsInWindow == min(k, 60), "after request \(k)")
            #expect(world.core.tenants[tenant].metrics.requestTimes.count <= 60 + 64)
        }
        #expect(world.metrics().totalRequests == 300)
    }

    @Test func aConfiguredMetricsWindowIsHonoured() throws {
        var world = World(configuration: .init(metricsWindow: .seconds(60)))
        let t0 = world.now
        _ = try world.request("chat-1")
        _ = try world.submitAfterHours("chat-1", email: "a@b.io")  // fills the same record: not a new request
        _ = try world.submitAfterHours("chat-2", email: "a@b.io")  // a new record
        #expect(try world.core.metrics(tenant: World.acme, now: t0 + .milliseconds(59_999)).requestsInWindow == 2)
        #expect(try world.core.metrics(tenant: World.acme, now: t0 + .seconds(60)).requestsInWindow == 0)
    }

    @Test func waitAverageAndPercentiles() throws {
        var world = World()
        let ann = try world.addAgent("Ann", maxChats: 10)
        #expect(world.metrics().averageWaitMilliseconds == nil)
        #expect(world.metrics().waitP50Milliseconds == nil && world.metrics().waitP99Milliseconds == nil)
        for (i, wait) in [10, 40, 20, 30].enumerated() {
            let id = try world.queue(ChatID("chat-\(i)"))
            world.advance(.milliseconds(Int64(wait)))
            try world.pickUp(id, by: ann)
        }
        let small = world.metrics()
        #expect(small.pickedUp == 4)
        #expect(small.averageWaitMilliseconds == 25)
        #expect(small.waitP50Milliseconds == 20)
        #expect(small.waitP90Milliseconds == 40)
        #expect(small.waitP99Milliseconds == 40)

        var large = World()
        let bob = try large.addAgent("Bob", maxChats: 10)
        for (i, seconds) in [1, 2, 3, 10].enumerated() {
            let id = try large.queue(ChatID("chat-\(i)"))
            large.advance(.seconds(seconds))
            try large.pickUp(id, by: bob)
        }
        let metrics = large.metrics()
        #expect(metrics.averageWaitMilliseconds == 4000)
        let p50 = try #require(metrics.waitP50Milliseconds)
        #expect(p50 >= 2000 && p50 <= 2000 + 2000 / 32)
        #expect(metrics.waitP99Milliseconds == 10_000)  // never above the longest wait
    }

    @Test func perAgentTotalsAndAverageChatTime() throws {
        var world = World()
        let admin = try world.addUser("boss@acme.test", role: .clientAdmin)
        let ann = try world.addAgent("Ann")
        let bob = try world.addAgent("Bob")
        let cy = try world.addAgent("Cy")
        let a = try world.queue("a")
        let b = try world.queue("b")
        let c = try world.queue("c")
        try world.pickUp(a, by: ann)
        try world.assign(b, to: ann, by: .user(admin))
        try world.pickUp(c, by: bob)
        world.advance(.seconds(60))
        try world.resolve(a, by: ann)
        world.advance(.seconds(60))
        try world.endChat("b")  // the user ends Ann's second chat after 120 s

        let agents = world.metrics().agents
        #expect(agents.map(\.agentID) == [ann, bob, cy])
        #expect(agents.map(\.name) == ["Ann", "Bob", "Cy"])
        #expect(agents.map(\.totalChats) == [2, 1, 0])
        #expect(agents.map(\.activeChats) == [0, 1, 0])
        #expect(agents.map(\.averageChatMilliseconds) == [90_000, nil, nil])
    }

    @Test func metricsCountEveryOutcome() throws {
        let (world, _) = try Self.mixedHistory()
        let m = world.metrics()
        #expect(m.totalRequests == 6)
        #expect(m.pickedUp == 3)
        #expect(m.resolved == 3)
        #expect(m.abandoned == 1)
        #expect(m.afterHours == 1)
        #expect(m.pending == 1)
        #expect(m.active == 0)
        #expect(throws: HandoffError.tenantNotFound) { try world.core.metrics(tenant: IDs.tenant(99), now: world.now) }
    }
}
