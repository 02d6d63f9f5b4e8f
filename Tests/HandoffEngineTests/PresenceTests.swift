import Testing

@testable import HandoffEngine

/// Rule 7: agent status, login/logout, heartbeats and the inactivity sweep.
@Suite struct PresenceTests {
    @Test func loginMakesTheLinkedAgentAvailable() throws {
        var world = World()
        let ann = try world.addAgent("Ann", status: .offline)
        let user = try world.addUser("ann@acme.test", role: .supportStaff)
        world.events = []
        world.advance(.seconds(5))
        let loggedIn = try world.core.login(email: "ANN@acme.test ", password: "secret", now: world.now, events: &world.events)
        #expect(loggedIn.id == user)
        let agent = world.agent(ann)
        #expect(agent.status == .available)
        #expect(agent.lastSeen == world.now)
        #expect(world.takeEvents() == [.agentStatusChanged(agent)])
        #expect(try world.core.canServe(tenant: World.acme))

        #expect(throws: HandoffError.invalidCredentials) {
            _ = try world.core.login(email: "ann@acme.test", password: "wrong", now: world.now, events: &world.events)
        }
        #expect(world.events == [])
    }

    @Test func logoutTakesTheAgentOfflineButItsChatsContinue() throws {
        var world = World()
        let ann = try world.addAgent("Ann")
        let user = try world.addUser("ann@acme.test", role: .supportStaff)
        let id = try world.queue("chat-1")
        try world.pickUp(id, by: ann)
        world.events = []
        try world.core.logout(user, now: world.now, events: &world.events)
        #expect(world.agent(ann).status == .offline)
        #expect(world.agent(ann).activeChats == 1)
        #expect(world.takeEvents() == [.agentStatusChanged(world.agent(ann))])
        #expect(world.handoff(id).state == .active)

        // Nobody can take new work, but the open chat goes on to its end.
        #expect(try world.request("chat-2").handoff.state == .afterHours)
        try world.userMessage("are you there?", id)
        try world.agentMessage("yes, finishing up", id, by: ann)
        try world.resolve(id, by: ann)
        #expect(world.agent(ann).activeChats == 0)
        #expect(world.agent(ann).status == .offline)
        #expect(throws: HandoffError.userNotFound) { try world.core.logout(IDs.user(999), now: world.now, events: &world.events) }
        world.expectSound()
    }

    @Test func manualBusySurvivesHeartbeats() throws {
        var world = World()
        let ann = try world.addAgent("Ann")
        try world.setStatus(ann, .busy)
        world.events = []
        for _ in 0..<10 {
            world.advance(.seconds(30))
            let agent = try world.heartbeat(ann)
            #expect(agent.status == .busy)
            #expect(agent.lastSeen == world.now)
            #expect(world.sweep() == [])
        }
        #expect(world.events == [])
        #expect(try world.request("chat-1").handoff.state == .afterHours)
        #expect(throws: HandoffError.agentNotFound) { try world.heartbeat(IDs.agent(999)) }
    }

    @Test func sweepMarksOfflineAfterTheInactivityTimeout() throws {
        var world = World()
        let ann = try world.addAgent("Ann")
        let bob = try world.addAgent("Bob", status: .busy)
        try world.addAgent("Cy", status: .offline)
        let seen = world.now
        #expect(world.core.nextSweepDeadline() == seen + .seconds(120))
        world.events = []

        world.now = seen + .seconds(119)
        #expect(world.sweep() == [])
        world.now = seen + .milliseconds(119_999)
        #expect(world.sweep() == [])
        #expect(world.agent(ann).status == .available)
        #expect(world.events == [])

        world.now = seen + .seconds(120)
        #expect(world.sweep() == [ann, bob])
        #expect(world.agent(ann).status == .offline && world.agent(bob).status == .offline)
        #expect(world.agent(ann).lastSeen == seen)
        #expect(world.takeEvents() == [.agentStatusChanged(world.agent(ann)), .agentStatusChanged(world.agent(bob))])
        #expect(try !world.core.canServe(tenant: World.acme))
        #expect(world.core.nextSweepDeadline() == nil)
        #expect(world.sweep() == [])
        world.expectSound()
    }

    @Test func aConfiguredTimeoutIsHonoured() throws {
        var world = World(configuration: .init(inactivityTimeout: .seconds(10)))
        let ann = try world.addAgent("Ann")
        world.advance(.milliseconds(9_999))
        #expect(world.sweep() == [])
        world.advance(.milliseconds(1))
        #expect(world.sweep() == [ann])
    }

    @Test(arguments: [AgentStatus.available, .busy])
    func heartbeatAfterASweepRestoresThePreviousStatus(_ status: AgentStatus) throws {
        var world = World()
        let ann = try world.addAgent("Ann", status: status)
        world.advance(.seconds(200))
        #expect(world.sweep() == [ann])
        world.events = []
        world.advance(.seconds(5))
        let agent = try world.heartbeat(ann)
        #expect(agent.status == status)
        #expect(agent.lastSeen == world.now)
        #expect(world.takeEvents() == [.agentStatusChanged(agent)])
        // Only once: a second heartbeat just refreshes lastSeen.
        world.advance(.seconds(5))
        #expect(try world.heartbeat(ann).status == status)
        #expect(world.events == [])
        #expect(try world.core.canServe(tenant: World.acme) == (status == .available))
        world.expectSound()
    }

    @Test func heartbeatNeverUndoesALogoutOrManualOffline() throws {
        var world = World()
        let ann = try world.addAgent("Ann")
        let user = try world.addUser("ann@acme.test", role: .supportStaff)
        try world.core.logout(user, now: world.now, events: &world.events)
        world.advance(.seconds(1))
        #expect(try world.heartbeat(ann).status == .offline)

        // Swept, then set offline by hand: the sweep's memory is gone.
        let bob = try world.addAgent("Bob")
        world.advance(.seconds(300))
        #expect(world.sweep() == [bob])
        try world.setStatus(bob, .offline)
        #expect(try world.heartbeat(bob).status == .offline)
    }

    @Test func agentActivityCountsAsBeingSeen() throws {
        var world = World()
        let ann = try world.addAgent("Ann")
        let id = try world.queue("chat-1")
        world.advance(.seconds(100))
        try world.pickUp(id, by: ann)
        world.advance(.seconds(100))
        try world.agentMessage("hello", id, by: ann)
        world.advance(.seconds(100))
        #expect(world.sweep() == [])
        #expect(world.agent(ann).lastSeen == world.now - .seconds(100))
        world.advance(.seconds(20))
        #expect(world.sweep() == [ann])
        // Its chat stays its own.
        #expect(world.handoff(id).assignedAgentID == ann)
        #expect(world.agent(ann).activeChats == 1)
        world.expectSound()
    }

    @Test func setAgentStatusPermissions() throws {
        var world = World()
        let ann = try world.addAgent("Ann")
        let bob = try world.addAgent("Bob")
        let annUser = try world.addUser("ann@acme.test", role: .supportStaff)
        let bobUser = try world.addUser("bob@acme.test", role: .supportStaff)
        let admin = try world.addUser("boss@acme.test", role: .clientAdmin)
        let foreignAdmin = try world.addUser("boss@globex.test", role: .clientAdmin, tenant: World.globex)
        let owner = try world.addUser("owner@platform.test", role: .owner, tenant: nil)
        world.events = []

        #expect(throws: HandoffError.forbidden("change another agent's status")) { try world.setStatus(ann, .busy, by: .user(bobUser)) }
        // Another tenant's agent does not exist for its administrator (no 403 that confirms the id).
        #expect(throws: HandoffError.agentNotFound) { try world.setStatus(ann, .busy, by: .user(foreignAdmin)) }
        #expect(throws: HandoffError.userNotFound) { try world.setStatus(ann, .busy, by: .user(IDs.user(999))) }
        #expect(throws: HandoffError.agentNotFound) { try world.setStatus(IDs.agent(999), .busy, by: .system) }
        #expect(world.agent(ann).status == .available)
        #expect(world.events == [])

        #expect(try world.setStatus(ann, .busy, by: .user(annUser)).status == .busy)
        #expect(try world.setStatus(ann, .offline, by: .user(admin)).status == .offline)
        #expect(try world.setStatus(ann, .available, by: .user(owner)).status == .available)
        #expect(try world.setStatus(bob, .busy, by: .system).status == .busy)
        #expect(world.events.count == 4)
        // Setting the same status again reports nothing.
        try world.setStatus(bob, .busy, by: .user(bobUser))
        #expect(world.events.count == 4)
        world.expectSound()
    }

    @Test func statusChangesKeepEligibilityExact() throws {
        var world = World()
        let ann = try world.addAgent("Ann", status: .offline, maxChats: 1)
        #expect(try !world.core.canServe(tenant: World.acme))
        try world.setStatus(ann, .available)
        #expect(try world.core.canServe(tenant: World.acme))
        try world.pickUp(try world.queue("chat-1"), by: ann)
        #expect(try !world.core.canServe(tenant: World.acme))
        try world.setStatus(ann, .busy)
        try world.setStatus(ann, .available)
        #expect(try !world.core.canServe(tenant: World.acme))
        _ = try world.core.setMaxChats(ann, to: 2, by: .system, now: world.now, events: &world.events)
        #expect(try world.core.canServe(tenant: World.acme))
        #expect(try world.core.availableAgents(tenant: World.acme).map(\.id) == [ann])
        world.expectSound()
    }

    @Test func capacityCannotDropBelowOpenChats() throws {
        var world = World()
        let ann = try world.addAgent("Ann", maxChats: 3)
        try world.pickUp(try world.queue("chat-1"), by: ann)
        try world.pickUp(try world.queue("chat-2"), by: ann)
        #expect(throws: HandoffError.invalid("maxChats", "maxChats cannot be lower than the agent's 2 open chats")) {
            _ = try world.core.setMaxChats(ann, to: 1, by: .system, now: world.now, events: &world.events)
        }
        #expect(try world.core.setMaxChats(ann, to: 2, by: .system, now: world.now, events: &world.events).maxChats == 2)
        world.expectSound()
    }
}
