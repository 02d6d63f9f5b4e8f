import Testing

@testable import HandoffEngine

/// Rule 10: `invariantViolations()` holds through every command, and reports corrupted state.
@Suite struct InvariantTests {
    @Test(arguments: [true, false])
    func invariantsHoldThroughAWorkday(retainsClosedHandoffs: Bool) throws {
        var world = World(configuration: .init(retainsClosedHandoffs: retainsClosedHandoffs))
        func step(_ what: String, sourceLocation: SourceLocation = #_sourceLocation, _ body: (inout World) throws -> Void) throws {
            try body(&world)
            world.advance(.seconds(7))
            let problems = world.core.invariantViolations()
            #expect(problems.isEmpty, "after \(what): \(problems)", sourceLocation: sourceLocation)
        }
        let admin = try world.addUser("boss@acme.test", role: .clientAdmin)
        let annUser = try world.addUser("ann@acme.test", role: .supportStaff)
        let ann = try world.addAgent("Ann", status: .offline, maxChats: 2)
        let bob = try world.addAgent("Bob", maxChats: 1)
        let gus = try world.addAgent("Gus", tenant: World.globex)
        var h: [HandoffID] = []
        try step("login") { _ = try $0.core.login(email: "ann@acme.test", password: "secret", now: $0.now, events: &$0.events) }
        for i in 0..<5 { try step("request \(i)") { h.append(try $0.queue(ChatID("c\(i)"))) } }
        try step("globex request") { _ = try $0.queue("c0", tenant: World.globex) }
        try step("pick up") { try $0.pickUp(h[0], by: ann) }
        try step("assign") { try $0.assign(h[1], to: ann, by: .user(admin)) }
        try step("pick up by bob") { try $0.pickUp(h[2], by: bob) }
        try step("refused pick up") { w in #expect(throws: HandoffError.agentAtCapacity) { try w.pickUp(h[3], by: bob) } }
        try step("messages") {
            try $0.userMessage("hi", h[0])
            try $0.agentMessage("hello", h[0], by: ann)
        }
        try step("after hours") {
            try $0.setStatus(bob, .busy)
            _ = try $0.request("late")  // Ann is full, Bob busy
            _ = try $0.submitAfterHours("late", email: "late@example.com")
        }
        try step("withdraw") { try $0.endChat("c3") }
        try step("resolve") { try $0.resolve(h[0], by: ann) }
        try step("end chat") { try $0.endChat("c1") }
        try step("double close") { (w: inout World) throws in
            // Without retention a closed handoff is forgotten at once.
            #expect(throws: retainsClosedHandoffs ? HandoffError.handoffNotActive : .handoffNotFound) { try w.resolve(h[1], by: ann) }
            #expect(try w.endChat("c0") == .nothingOpen)
        }
        try step("logout") { try $0.core.logout(annUser, now: $0.now, events: &$0.events) }
        try step("sweep") {
            $0.advance(.seconds(600))
            $0.sweep()
        }
        try step("heartbeat") { (w: inout World) throws in
            #expect(try w.heartbeat(bob).status == .busy)
            #expect(try w.heartbeat(gus).status == .available)
        }
        try step("capacity") { _ = try $0.core.setMaxChats(bob, to: 3, by: .system, now: $0.now, events: &$0.events) }
        try step("globex pick up") { try $0.pickUp(try $0.core.pendingHandoffs(tenant: World.globex)[0].id, by: gus) }
        try step("resolve bob") { try $0.resolve(h[2], by: bob) }
        #expect(world.agent(ann).activeChats == 0 && world.agent(bob).activeChats == 0 && world.agent(gus).activeChats == 1)
        #expect(world.core.storedHandoffCount == (retainsClosedHandoffs ? 7 : 2))
    }

    enum Corruption: String, CaseIterable {
        case bumpActiveChats, resolveWithoutLeavingActiveList, activateWithoutLeavingQueue, eligibleCount
        case overCapacity, wrongAssigneeName, messagesOutOfOrder, chatIndex, listCount
    }

    @Test(arguments: Corruption.allCases)
    func corruptedStateIsReported(_ corruption: Corruption) throws {
        var world = World()
        let ann = try world.addAgent("Ann", maxChats: 2)
        let bob = try world.addAgent("Bob")
        let active = try world.queue("chat-1")
        let pending = try world.queue("chat-2")
        try world.pickUp(active, by: ann)
        try world.userMessage("one", active)
        try world.userMessage("two", active)
        #expect(world.core.invariantViolations() == [])

        let core = world.core
        let activeSlot = core.handoffSlots[active]!
        let pendingSlot = core.handoffSlots[pending]!
        let annSlot = core.agentSlots[ann]!
        let expected: String
        switch corruption {
        case .bumpActiveChats:
            world.core.agents[annSlot].agent.activeChats += 1
            expected = "agent Ann counts 2 active chats but holds 1"
        case .resolveWithoutLeavingActiveList:
            world.core.handoffs[activeSlot].handoff.state = .resolved
            expected = "handoff \(active) is resolved but active-list membership disagrees"
        case .activateWithoutLeavingQueue:
            world.core.handoffs[pendingSlot].handoff.state = .active
            expected = "handoff \(pending) is active but pending-list membership disagrees"
        case .eligibleCount:
            world.core.tenants[0].eligibleAgents += 1
            expected = "tenant Acme: 3 agents counted eligible, 2 are"
        case .overCapacity:
            world.core.agents[annSlot].agent.maxChats = 0
            expected = "agent Ann has 1 active chats, maxChats 0"
        case .wrongAssigneeName:
            world.core.handoffs[activeSlot].handoff.assignedAgentID = bob
            expected = "handoff \(active) names assignee"
        case .messagesOutOfOrder:
            world.core.handoffs[activeSlot].messages[1].timestamp = world.core.handoffs[activeSlot].messages[0].timestamp
            expected = "of handoff \(active) are out of order"
        case .chatIndex:
            world.core.chats[HandoffCore.ChatKey(tenant: 0, chat: "chat-1")] = pendingSlot
            expected = "chat index entry chat-1 points to a record of another chat"
        case .listCount:
            world.core.tenants[0].pending.append(activeSlot, in: &world.core.handoffs)
            expected = "handoff \(active) is active but pending-list membership disagrees"
        }
        let problems = world.core.invariantViolations()
        #expect(problems.contains { $0.contains(expected) }, "expected '\(expected)' in \(problems)")
    }

    @Test func aSoundCoreReportsNothing() {
        #expect(HandoffCore().invariantViolations() == [])
        #expect(World().core.invariantViolations() == [])
    }
}
