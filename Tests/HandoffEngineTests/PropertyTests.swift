import Testing

@testable import HandoffEngine

/// Rule 14 (sequential half): seeded random command sequences through one core, with the
/// invariants checked after every step and the outcome of the central commands predicted by a
/// model of the rules.
@Suite struct PropertyTests {
    static let chats: [ChatID] = (0..<12).map { ChatID("c\($0)") }
    static let tenants = [World.acme, World.globex]

    struct Driver {
        var world: World
        var rng: SplitMix64
        var agents: [AgentID] = []
        var users: [UserID] = []
        var userOfAgent: [AgentID: UserID] = [:]
        var handoffIDs: [HandoffID] = []
        var successes: [String: Int] = [:]
        let label: String
        /// Tenants start routed `auto`, and some steps toggle the setting.
        let routes: Bool

        init(seed: UInt64, retains: Bool, routing: Tenant.Routing = .manual, admission: HandoffCore.Admission = .freeSlot) throws {
            world = World(configuration: .init(retainsClosedHandoffs: retains, admission: admission))
            rng = SplitMix64(seed: seed)
            routes = routing.isAutomatic
            label = "seed \(seed), retains \(retains), routing \(routing), admission \(admission)"
            for tenant in PropertyTests.tenants where routing.isAutomatic {
                _ = try world.core.setRouting(routing, tenant: tenant, by: .system, now: world.now, events: &world.events)
            }
            let roster: [(String, TenantID, AgentStatus, Int)] = [
                ("Ann", World.acme, .available, 1), ("Bob", World.acme, .available, 2), ("Cy", World.acme, .offline, 3),
                ("Dee", World.acme, .busy, 5), ("Gus", World.globex, .available, 1), ("Hal", World.globex, .offline, 4),
            ]
            for (name, tenant, status, maxChats) in roster {
                let agent = try world.addAgent(name, tenant: tenant, status: status, maxChats: maxChats)
                agents.append(agent)
                userOfAgent[agent] = try world.addUser(world.agent(agent).email, role: .supportStaff, tenant: tenant)
            }
            users = Array(userOfAgent.values).sorted()
            users.append(try world.addUser("boss@acme.test", role: .clientAdmin))
            users.append(try world.addUser("boss@globex.test", role: .clientAdmin, tenant: World.globex))
            users.append(try world.addUser("owner@platform.test", role: .owner, tenant: nil))
        }

        mutating func pick<T>(_ items: [T]) -> T { items[Int.random(in: 0..<items.count, using: &rng)] }
        mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &rng) < p }

        func current(_ id: HandoffID) -> Handoff? { world.core.handoffSlots[id].map { world.core.handoffs[$0].handoff } }
        func isActive(_ tenant: TenantID) -> Bool { world.core.tenant(tenant)?.status == .active }
        func isAuto(_ tenant: TenantID) -> Bool { world.core.tenant(tenant)?.routing.isAutomatic == true }

        /// Mostly an open handoff (so the commands that matter happen), sometimes any known or unknown id.
        mutating func someHandoff() -> HandoffID {
            let open = world.pending(pick(PropertyTests.tenants)) + world.active(pick(PropertyTests.tenants))
            if !open.isEmpty && chance(0.75) { return pick(open) }
            if !handoffIDs.isEmpty && chance(0.95) { return pick(handoffIDs) }
            return IDs.handoff(999_999)
        }

        mutating func someCaller() -> HandoffCore.Caller { chance(0.2) ? .system : .user(pick(users)) }

        /// Mostly an agent of the handoff's tenant, often one that could take it.
        mutating func someAgent(for id: HandoffID) -> AgentID {
            guard let tenant = current(id)?.tenantID, chance(0.8) else { return pick(agents) }
            let own = agents.filter { world.agent($0).tenantID == tenant }
            let free = own.filter { world.agent($0).canTakeHandoff }
            return !free.isEmpty && chance(0.6) ? pick(free) : pick(own)
        }

        mutating func someStatus() -> AgentStatus { chance(0.5) ? .available : pick([.busy, .offline]) }

        /// Runs one random command; returns what it did, for failure messages.
        mutating func step(_ where_: String) -> String {
            world.advance(.milliseconds(Int64.random(in: 0...3000, using: &rng)))
            // Suspensions are short: most commands should meet active tenants.
            for tenant in PropertyTests.tenants where !isActive(tenant) && chance(0.1) {
                try! world.core.setTenantStatus(tenant, .active)
            }
            let roll = Int.random(in: 0..<100, using: &rng)
            switch roll {
            case 0..<20: return request(where_)
            case 20..<35: return pickUp(where_)
            case 35..<45: return resolve(where_)
            case 45..<53: return endChat(where_)
            case 53..<58:
                let h = someHandoff()
                let (a, caller) = (someAgent(for: h), someCaller())
                return attempt("assign \(h) to \(a) by \(caller)") { w throws(HandoffError) in try w.assign(h, to: a, by: caller) }
            case 58..<63:
                let chat = pick(PropertyTests.chats)
                let email = chance(0.8) ? "user\(Int.random(in: 0..<5, using: &rng))@example.com" : "not-an-email"
                let tenant = pick(PropertyTests.tenants)
                return attempt("after-hours form \(chat) \(email)") { w throws(HandoffError) in _ = try w.submitAfterHours(chat, email: email, tenant: tenant) }
            case 63..<70:
                let h = someHandoff()
                let tenant = chance(0.9) ? (current(h)?.tenantID ?? World.acme) : pick(PropertyTests.tenants)
                return attempt("user message \(h)") { w throws(HandoffError) in try w.userMessage("hi", h, tenant: tenant) }
            case 70..<77:
                let h = someHandoff()
                let a = current(h)?.assignedAgentID.flatMap { chance(0.8) ? $0 : nil } ?? pick(agents)
                return attempt("agent message \(h) by \(a)") { w throws(HandoffError) in try w.agentMessage("hello", h, by: a) }
            case 77..<84:
                let (a, status, caller) = (pick(agents), someStatus(), someCaller())
                return attempt("status \(a) \(status) by \(caller)") { w throws(HandoffError) in try w.setStatus(a, status, by: caller) }
            case 84..<89:
                let a = pick(agents)
                return attempt("heartbeat \(a)") { w throws(HandoffError) in try w.heartbeat(a) }
            case 89..<91:
                world.advance(.seconds(Int64.random(in: 30...150, using: &rng)))
                return "sweep → \(world.sweep())"
            case 91..<94:
                let a = pick(agents)
                let email = world.agent(a).email
                if chance(0.5) {
                    return attempt("login \(email)") { w throws(HandoffError) in _ = try w.core.login(email: email, password: "secret", now: w.now, events: &w.events) }
                }
                let user = userOfAgent[a]!
                return attempt("logout \(email)") { w throws(HandoffError) in try w.core.logout(user, now: w.now, events: &w.events) }
            case 94..<97:
                // Capacity changes never go below the agent's open chats (see the report on setMaxChats).
                let a = pick(agents)
                let value = max(1, world.agent(a).activeChats) + Int.random(in: 0...2, using: &rng)
                return attempt("maxChats \(a) \(value)") { w throws(HandoffError) in _ = try w.core.setMaxChats(a, to: value, by: .system, now: w.now, events: &w.events) }
            case 97..<98:
                let tenant = pick(PropertyTests.tenants)
                let status: Tenant.Status = isActive(tenant) ? .suspended : .active
                if routes && chance(0.5) {
                    // Change the routing to any other policy, automatic ones included (by someone who
                    // may or may not be allowed to).
                    let current = world.core.tenant(tenant)?.routing ?? .manual
                    let routing = pick(Tenant.Routing.allCases.filter { $0 != current })
                    let caller = someCaller()
                    return attempt("routing \(tenant) \(routing) by \(caller)") { w throws(HandoffError) in
                        _ = try w.core.setRouting(routing, tenant: tenant, by: caller, now: w.now, events: &w.events)
                    }
                }
                return attempt("tenant \(tenant) \(status)") { w throws(HandoffError) in
                    try w.core.setTenantStatus(tenant, status, now: w.now, events: &w.events)
                }
            default:
                let chat = pick(PropertyTests.chats)
                return attempt("end chat \(chat) with a foreign handoff id") { w throws(HandoffError) in
                    try w.endChat(chat, handoff: IDs.handoff(999_999))
                }
            }
        }

        mutating func attempt(_ what: String, _ body: (inout World) throws(HandoffError) -> Void) -> String {
            do {
                try body(&world)
                successes[String(what.prefix(while: { $0 != " " })), default: 0] += 1
                return what + " → ok"
            } catch {
                return what + " → \(error.code)"
            }
        }

        /// Requests, with the outcome predicted from the state before.
        mutating func request(_ where_: String) -> String {
            let (tenant, chat) = (pick(PropertyTests.tenants), pick(PropertyTests.chats))
            let open = (try? world.core.latestHandoff(chat: chat, tenant: tenant)).flatMap { $0 }.flatMap { $0.state.isOpen ? $0 : nil }
            let canServe = world.core.agents.contains { $0.agent.tenantID == tenant && $0.agent.canTakeHandoff }
            // Under freeSlot admission "can serve" is the condition to queue; under agentOnline an
            // available agent suffices. Under auto routing a request that can be served is assigned.
            let admitted = world.core.configuration.admission == .agentOnline
                ? world.core.agents.contains { $0.agent.tenantID == tenant && $0.agent.status == .available } : canServe
            do {
                let outcome = try world.request(chat, tenant: tenant)
                switch outcome {
                case .alreadyOpen(let h): #expect(open?.id == h.id && isActive(tenant), "\(where_): alreadyOpen")
                case .queued(let h):
                    #expect(open == nil && admitted && !(isAuto(tenant) && canServe) && isActive(tenant) && h.state == .pending, "\(where_): queued")
                    handoffIDs.append(h.id)
                case .assigned(let h):
                    #expect(open == nil && canServe && isAuto(tenant) && isActive(tenant) && h.state == .active, "\(where_): assigned")
                    if let agent = h.assignedAgentID { #expect(world.agent(agent).activeChats <= world.agent(agent).maxChats, "\(where_)") }
                    handoffIDs.append(h.id)
                case .afterHours(let h):
                    #expect(open == nil && !admitted && isActive(tenant) && h.state == .afterHours, "\(where_): after-hours")
                    handoffIDs.append(h.id)
                }
                successes["request", default: 0] += 1
                return "request \(chat) → \(outcome.handoff.state)"
            } catch {
                #expect(error == .tenantSuspended && !isActive(tenant), "\(where_): request refused with \(error)")
                return "request \(chat) → \(error.code)"
            }
        }

        mutating func pickUp(_ where_: String) -> String {
            let id = someHandoff()
            let agentID = someAgent(for: id)
            let agent = world.agent(agentID)
            let expected: HandoffError?
            if let h = current(id), h.tenantID == agent.tenantID {
                if !isActive(agent.tenantID) { expected = .tenantSuspended }
                else if h.state != .pending { expected = .handoffNotAvailable }
                else if agent.status != .available { expected = .agentNotAvailable }
                else if agent.activeChats >= agent.maxChats { expected = .agentAtCapacity }
                else { expected = nil }
            } else {
                expected = .handoffNotFound
            }
            do {
                let h = try world.pickUp(id, by: agentID)
                #expect(expected == nil && h.assignedAgentID == agentID && h.state == .active, "\(where_): pick-up succeeded, expected \(String(describing: expected))")
                successes["pickUp", default: 0] += 1
                return "pick up \(id) by \(agent.name) → ok"
            } catch {
                #expect(error == expected, "\(where_): pick-up by \(agent.name)")
                return "pick up \(id) by \(agent.name) → \(error.code)"
            }
        }

        mutating func resolve(_ where_: String) -> String {
            let id = someHandoff()
            let assignee = current(id)?.assignedAgentID
            let agentID = assignee.flatMap { chance(0.8) ? $0 : nil } ?? pick(agents)
            let agent = world.agent(agentID)
            let expected: HandoffError?
            if let h = current(id), h.tenantID == agent.tenantID {
                if h.state != .active { expected = .handoffNotActive }
                else if h.assignedAgentID != agentID { expected = .notAssignee }
                else { expected = nil }
            } else {
                expected = .handoffNotFound
            }
            let chatsBefore = agent.activeChats
            let eventsBefore = world.events.count
            do {
                let h = try world.resolve(id, by: agentID)
                #expect(expected == nil && h.state == .resolved, "\(where_): resolve succeeded, expected \(String(describing: expected))")
                // Under auto routing the freed slot may take the head of the queue at once.
                let retaken = world.events[eventsBefore...].filter { if case .handoffPickedUp(_, let a) = $0 { a.id == agentID } else { false } }.count
                #expect(retaken <= 1 && (retaken == 0 || isAuto(agent.tenantID)), "\(where_): resolve reassigned \(retaken)")
                #expect(world.agent(agentID).activeChats == chatsBefore - 1 + retaken, "\(where_): resolve freed one slot")
                successes["resolve", default: 0] += 1
                return "resolve \(id) by \(agent.name) → ok"
            } catch {
                #expect(error == expected, "\(where_): resolve by \(agent.name)")
                #expect(world.agent(agentID).activeChats == chatsBefore, "\(where_): refused resolve changed the slots")
                return "resolve \(id) by \(agent.name) → \(error.code)"
            }
        }

        mutating func endChat(_ where_: String) -> String {
            let (tenant, chat) = (pick(PropertyTests.tenants), pick(PropertyTests.chats))
            let latest = (try? world.core.latestHandoff(chat: chat, tenant: tenant)).flatMap { $0 }
            do {
                let outcome = try world.endChat(chat, tenant: tenant)
                switch outcome {
                case .resolved(let h): #expect(latest?.state == .active && h.id == latest?.id && h.resolvedBy == .user, "\(where_)")
                case .withdrawn(let h): #expect(latest?.state == .pending && h.id == latest?.id && h.state == .abandoned, "\(where_)")
                case .nothingOpen: #expect(latest?.state.isOpen != true, "\(where_)")
                case .deferred: Issue.record("\(where_): end chat deferred without a grace")
                }
                successes["endChat", default: 0] += 1
                return "end chat \(chat) → \(outcome)"
            } catch {
                #expect(error == .tenantSuspended && !isActive(tenant), "\(where_): end chat refused with \(error)")
                return "end chat \(chat) → \(error.code)"
            }
        }

        /// The routing invariant seen from outside, through the public queries (independently of
        /// the core's own check): in an active `auto` tenant no request waits while an agent has
        /// a free slot.
        func routingProblems() -> [String] {
            PropertyTests.tenants.compactMap { tenant in
                guard isAuto(tenant), isActive(tenant) else { return nil }
                let waiting = (try? world.core.pendingCount(tenant: tenant)) ?? 0
                let free = (try? world.core.availableAgents(tenant: tenant).count) ?? 0
                return waiting > 0 && free > 0 ? "tenant \(tenant): \(waiting) waiting while \(free) agent(s) have a free slot" : nil
            }
        }

        /// Brings everything to an end: every open handoff must be closable, every slot freed.
        mutating func drain() throws {
            for tenant in PropertyTests.tenants { try world.core.setTenantStatus(tenant, .active) }
            for tenant in PropertyTests.tenants {
                // Withdraw the waiting first: under auto routing a resolve would hand a freed slot the queue's head.
                for h in try world.core.pendingHandoffs(tenant: tenant) { _ = try world.endChat(h.chatID, handoff: h.id, tenant: tenant) }
                for h in try world.core.activeHandoffs(tenant: tenant) { try world.resolve(h.id, by: h.assignedAgentID!) }
            }
            for tenant in PropertyTests.tenants {
                #expect(world.pending(tenant) == [] && world.active(tenant) == [], "\(label): drained")
            }
            #expect(world.core.agents.allSatisfy { $0.agent.activeChats == 0 }, "\(label): every slot freed")
            #expect(world.core.invariantViolations() == [], "\(label): after drain")
        }
    }

    static func run(
        seed: UInt64, retains: Bool, steps: Int, routing: Tenant.Routing = .manual, admission: HandoffCore.Admission = .freeSlot
    ) throws -> [String: Int] {
        var driver = try Driver(seed: seed, retains: retains, routing: routing, admission: admission)
        for step in 0..<steps {
            let done = driver.step("\(driver.label), step \(step)")
            var problems = driver.world.core.invariantViolations()
            problems += driver.routingProblems()
            if !problems.isEmpty {
                Issue.record("\(driver.label), step \(step) (\(done)): \(problems)")
                return driver.successes
            }
        }
        try driver.drain()
        return driver.successes
    }

    @Test(arguments: 0..<50)
    func invariantsHoldAfterEveryRandomCommand(seed: UInt64) throws {
        let successes = try Self.run(seed: seed, retains: true, steps: 400)
        // The sequence really exercised the lifecycle.
        #expect(successes["request", default: 0] > 20 && successes["pickUp", default: 0] > 0, "seed \(seed): \(successes)")
    }

    /// Automatic routing: random command sequences on tenants routed by each automatic policy
    /// (with the setting changed to another policy now and then), both admission rules; after
    /// every command the core's invariants (which include routing's, so a key left from an
    /// earlier policy fails them) and the routing invariant seen from outside hold.
    @Test(arguments: 0..<30, HandoffCore.Admission.allCases)
    func routingInvariantHoldsAfterEveryRandomCommand(seed: UInt64, admission: HandoffCore.Admission) throws {
        let policies = Tenant.Routing.allCases.filter(\.isAutomatic)
        let policy = policies[Int(seed) % policies.count]
        let successes = try Self.run(seed: 1000 + seed, retains: seed % 3 != 0, steps: 400, routing: policy, admission: admission)
        #expect(successes["request", default: 0] > 20 && successes["resolve", default: 0] > 0, "seed \(seed): \(successes)")
    }

    @Test func invariantsHoldWithoutRetention() throws {
        var total: [String: Int] = [:]
        for seed in 100..<120 as Range<UInt64> {
            total.merge(try Self.run(seed: seed, retains: false, steps: 400), uniquingKeysWith: +)
        }
        for command in ["request", "pickUp", "resolve", "endChat", "assign", "after-hours", "user", "agent"] {
            #expect(total[command, default: 0] > 0, "\(command) never succeeded: \(total)")
        }
    }
}
