import Testing

@testable import HandoffEngine

/// Rule 3 (pick up) and rule 4 (assign).
@Suite struct PickUpTests {
    // MARK: Pick up

    @Test func pickUpActivatesAPendingHandoff() throws {
        var world = World()
        let ann = try world.addAgent("Ann", maxChats: 2)
        let id = try world.queue("chat-1")
        world.events = []
        world.advance(.seconds(42))

        let handoff = try world.pickUp(id, by: ann)
        #expect(handoff.state == .active)
        #expect(handoff.pickedUpAt == world.now)
        #expect(handoff.assignedAgentID == ann)
        #expect(handoff.wait == .seconds(42))
        #expect(world.handoff(id) == handoff)
        let agent = world.agent(ann)
        #expect(agent.activeChats == 1)
        #expect(agent.lastSeen == world.now)
        #expect(agent.canTakeHandoff)
        #expect(world.takeEvents() == [.handoffPickedUp(handoff, agent: agent)])
        #expect(world.pending() == [])
        #expect(world.active() == [id])
        world.expectSound()
    }

    @Test func pickUpOfAnotherTenantsHandoffIsNotFound() throws {
        var world = World()
        try world.addAgent("Ann")
        let gus = try world.addAgent("Gus", tenant: World.globex)
        let id = try world.queue("chat-1")
        world.events = []
        #expect(throws: HandoffError.handoffNotFound) { try world.pickUp(id, by: gus) }
        #expect(world.handoff(id).state == .pending)
        #expect(world.agent(gus).activeChats == 0)
        #expect(world.events == [])
        world.expectSound()
    }

    @Test(arguments: [AgentStatus.busy, .offline])
    func pickUpByAnAgentWhoIsNotAvailableIsRefused(_ status: AgentStatus) throws {
        var world = World()
        try world.addAgent("Ann")
        let bob = try world.addAgent("Bob", status: status)
        let id = try world.queue("chat-1")
        world.events = []
        #expect(throws: HandoffError.agentNotAvailable) { try world.pickUp(id, by: bob) }
        #expect(world.handoff(id).state == .pending)
        #expect(world.agent(bob).activeChats == 0)
        #expect(world.pending() == [id])
        #expect(world.events == [])
        world.expectSound()
    }

    @Test func pickUpByAFullAgentIsRefused() throws {
        var world = World()
        let ann = try world.addAgent("Ann", maxChats: 1)
        try world.addAgent("Bob")
        try world.pickUp(try world.queue("chat-1"), by: ann)
        let id = try world.queue("chat-2")
        world.events = []
        #expect(throws: HandoffError.agentAtCapacity) { try world.pickUp(id, by: ann) }
        #expect(world.agent(ann).activeChats == 1)
        #expect(world.pending() == [id])
        #expect(world.events == [])
        world.expectSound()
    }

    @Test func secondPickUpIsNotAvailable() throws {
        var world = World()
        let ann = try world.addAgent("Ann")
        let bob = try world.addAgent("Bob")
        let id = try world.queue("chat-1")
        try world.pickUp(id, by: ann)
        world.events = []
        #expect(throws: HandoffError.handoffNotAvailable) { try world.pickUp(id, by: bob) }
        #expect(throws: HandoffError.handoffNotAvailable) { try world.pickUp(id, by: ann) }
        #expect(world.handoff(id).assignedAgentID == ann)
        #expect(world.agent(ann).activeChats == 1)
        #expect(world.agent(bob).activeChats == 0)
        #expect(world.events == [])
        world.expectSound()
    }

    @Test func closedHandoffsAreNotAvailable() throws {
        var world = World()
        let ann = try world.addAgent("Ann")
        let resolved = try world.queue("chat-1")
        try world.pickUp(resolved, by: ann)
        try world.resolve(resolved, by: ann)
        let withdrawn = try world.queue("chat-2")
        try world.endChat("chat-2")
        try world.setStatus(ann, .busy)
        let afterHours = try world.request("chat-3").handoff.id
        try world.setStatus(ann, .available)

        for id in [resolved, withdrawn, afterHours] {
            #expect(throws: HandoffError.handoffNotAvailable) { try world.pickUp(id, by: ann) }
        }
        #expect(world.agent(ann).activeChats == 0)
        world.expectSound()
    }

    @Test func pickUpWithUnknownIDsOrASuspendedTenantIsRefused() throws {
        var world = World()
        let ann = try world.addAgent("Ann")
        let id = try world.queue("chat-1")
        #expect(throws: HandoffError.agentNotFound) { try world.pickUp(id, by: IDs.agent(999)) }
        #expect(throws: HandoffError.handoffNotFound) { try world.pickUp(IDs.handoff(999), by: ann) }
        try world.core.setTenantStatus(World.acme, .suspended)
        #expect(throws: HandoffError.tenantSuspended) { try world.pickUp(id, by: ann) }
        #expect(world.handoff(id).state == .pending)
        world.expectSound()
    }

    @Test func pickUpFillsTheLastSlotAndTheTenantStopsQueueing() throws {
        var world = World()
        let ann = try world.addAgent("Ann", maxChats: 2)
        try world.pickUp(try world.queue("chat-1"), by: ann)
        #expect(try world.core.canServe(tenant: World.acme))
        try world.pickUp(try world.queue("chat-2"), by: ann)
        #expect(!world.agent(ann).canTakeHandoff)
        #expect(try !world.core.canServe(tenant: World.acme))
        #expect(try world.core.availableAgents(tenant: World.acme) == [])
        #expect(try world.request("chat-3").handoff.state == .afterHours)
        world.expectSound()
    }

    // MARK: Assign

    @Test func clientAdminAssignsAPendingHandoff() throws {
        var world = World()
        let admin = try world.addUser("boss@acme.test", role: .clientAdmin)
        let ann = try world.addAgent("Ann")
        let id = try world.queue("chat-1")
        world.events = []
        world.advance(.seconds(3))

        let handoff = try world.assign(id, to: ann, by: .user(admin))
        #expect(handoff.state == .active)
        #expect(handoff.assignedAgentID == ann)
        #expect(handoff.pickedUpAt == world.now)
        #expect(world.agent(ann).activeChats == 1)
        #expect(world.takeEvents() == [.handoffPickedUp(handoff, agent: world.agent(ann))])
        #expect(world.active() == [id])
        world.expectSound()
    }

    @Test(arguments: [Role.owner, .admin])
    func platformStaffAndTheSystemMayAssign(_ role: Role) throws {
        var world = World()
        let staff = try world.addUser("staff@platform.test", role: role, tenant: nil)
        let ann = try world.addAgent("Ann")
        try world.assign(try world.queue("chat-1"), to: ann, by: .user(staff))
        try world.assign(try world.queue("chat-2"), to: ann, by: .system)
        #expect(world.agent(ann).activeChats == 2)
        world.expectSound()
    }

    @Test func supportStaffMayNotAssign() throws {
        var world = World()
        let ann = try world.addAgent("Ann")
        let staff = try world.addUser("ann@acme.test", role: .supportStaff)
        let id = try world.queue("chat-1")
        world.events = []
        // Not even to themselves.
        #expect(throws: HandoffError.forbidden("assign handoffs")) { try world.assign(id, to: ann, by: .user(staff)) }
        #expect(throws: HandoffError.userNotFound) { try world.assign(id, to: ann, by: .user(IDs.user(999))) }
        #expect(world.handoff(id).state == .pending)
        #expect(world.agent(ann).activeChats == 0)
        #expect(world.events == [])
    }

    @Test func adminOfAnotherTenantIsRefused() throws {
        var world = World()
        let ann = try world.addAgent("Ann")
        let gus = try world.addAgent("Gus", tenant: World.globex)
        let acmeAdmin = try world.addUser("boss@acme.test", role: .clientAdmin)
        let globexAdmin = try world.addUser("boss@globex.test", role: .clientAdmin, tenant: World.globex)
        let acmeHandoff = try world.queue("chat-1")
        let globexHandoff = try world.queue("chat-1", tenant: World.globex)

        // Globex's admin cannot reach Acme's agents or handoffs…
        #expect(throws: HandoffError.agentNotFound) { try world.assign(acmeHandoff, to: ann, by: .user(globexAdmin)) }
        // …nor hand Acme's handoff to a Globex agent, nor Globex's handoff to an Acme agent.
        #expect(throws: HandoffError.handoffNotFound) { try world.assign(acmeHandoff, to: gus, by: .user(globexAdmin)) }
        #expect(throws: HandoffError.agentNotFound) { try world.assign(globexHandoff, to: ann, by: .user(globexAdmin)) }
        #expect(throws: HandoffError.handoffNotFound) { try world.assign(globexHandoff, to: ann, by: .user(acmeAdmin)) }
        #expect(world.pending() == [acmeHandoff])
        #expect(world.pending(World.globex) == [globexHandoff])
        #expect(world.agent(ann).activeChats == 0 && world.agent(gus).activeChats == 0)

        try world.assign(globexHandoff, to: gus, by: .user(globexAdmin))
        world.expectSound()
    }

    enum Target: String, CaseIterable { case busy, offline, full, alreadyActive }

    @Test(arguments: Target.allCases)
    func assignChecksTheTargetAgentLikeAPickUp(_ target: Target) throws {
        var world = World()
        let admin = try world.addUser("boss@acme.test", role: .clientAdmin)
        let ann = try world.addAgent("Ann", maxChats: 1)
        let bob = try world.addAgent("Bob")
        let id = try world.queue("chat-1")
        let expected: HandoffError
        switch target {
        case .busy:
            try world.setStatus(ann, .busy)
            expected = .agentNotAvailable
        case .offline:
            try world.setStatus(ann, .offline)
            expected = .agentNotAvailable
        case .full:
            try world.pickUp(try world.queue("chat-0"), by: ann)
            expected = .agentAtCapacity
        case .alreadyActive:
            try world.pickUp(id, by: bob)
            expected = .handoffNotAvailable
        }
        let annBefore = world.agent(ann)
        let handoffBefore = world.handoff(id)
        world.events = []
        #expect(throws: expected) { try world.assign(id, to: ann, by: .user(admin)) }
        #expect(world.agent(ann) == annBefore)
        #expect(world.handoff(id) == handoffBefore)
        #expect(world.events == [])
        world.expectSound()
    }
}
