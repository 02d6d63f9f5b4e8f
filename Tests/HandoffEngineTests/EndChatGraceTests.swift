import Testing

@testable import HandoffEngine

/// ``HandoffCore/Configuration/endChatGrace``: the reference widget sends end-chat on every page
/// unload, a reload included; with a grace, a widget that comes back keeps its chat.
@Suite struct EndChatGraceTests {
    static func world() -> World { World(configuration: .init(endChatGrace: .seconds(10))) }

    @Test func anEndChatTakesEffectAtTheSweepAfterItsGrace() throws {
        var world = Self.world()
        let ann = try world.addAgent("Ann")
        let id = try world.queue("chat-1")
        _ = try world.pickUp(id, by: ann)
        _ = world.takeEvents()
        let outcome = try world.endChat("chat-1")
        #expect(outcome == .deferred(world.handoff(id), endsAt: world.now + .seconds(10)))
        #expect(world.takeEvents().isEmpty)
        #expect(world.core.nextSweepDeadline() == world.now + .seconds(10))
        // Asking again does not push the deadline back.
        world.advance(.seconds(4))
        #expect(try world.endChat("chat-1") == .deferred(world.handoff(id), endsAt: world.now + .seconds(6)))
        world.advance(.seconds(5))
        _ = world.core.sweep(now: world.now, events: &world.events)
        #expect(world.handoff(id).state == .active)
        world.advance(.seconds(1))
        _ = world.core.sweep(now: world.now, events: &world.events)
        #expect(world.handoff(id).state == .resolved && world.handoff(id).resolvedBy == .user)
        #expect(world.agent(ann).activeChats == 0)
        let events = world.takeEvents()
        #expect(events.count == 2)
        if case .messagePosted(let message, _) = events.first { #expect(message.content == "User ended the chat") } else { Issue.record("\(events)") }
        if case .handoffResolved(let h) = events.last { #expect(h.id == id) } else { Issue.record("\(events)") }
        #expect(world.core.invariantViolations() == [])
        // Done: later sweeps change nothing.
        world.advance(.seconds(30))
        _ = world.core.sweep(now: world.now, events: &world.events)
        #expect(world.takeEvents().isEmpty)
    }

    @Test(arguments: ["status", "messages", "history", "message"])
    func theWidgetComingBackKeepsItsChat(_ sign: String) throws {
        var world = Self.world()
        let ann = try world.addAgent("Ann")
        let id = try world.queue("chat-1")
        _ = try world.pickUp(id, by: ann)
        _ = try world.endChat("chat-1")
        world.advance(.seconds(2))
        switch sign {
        case "status": _ = try world.core.widgetStatus(id, tenant: World.acme)
        case "messages": _ = try world.core.widgetMessages(handoff: id, tenant: World.acme, since: nil)
        case "history": _ = try world.core.chatHistory(chat: "chat-1", handoff: id, tenant: World.acme)
        default: try world.userMessage("I'm back", id)
        }
        world.advance(.seconds(60))
        _ = world.core.sweep(now: world.now, events: &world.events)
        #expect(world.handoff(id).state == .active, "after a \(sign)")
        // No end pending any more: the next sweep is the agent's inactivity deadline.
        #expect(world.core.nextSweepDeadline() == world.agent(ann).lastSeen + world.core.configuration.inactivityTimeout)
    }

    @Test func aWaitingRequestIsWithdrawnAfterItsGraceAndAClosedOneIsLeftAlone() throws {
        var world = Self.world()
        let ann = try world.addAgent("Ann")
        let waiting = try world.queue("chat-1")
        let chatting = try world.queue("chat-2")
        _ = try world.pickUp(chatting, by: ann)
        _ = try world.endChat("chat-1")
        _ = try world.endChat("chat-2")
        // The agent resolves first; the pending end then has nothing to do.
        _ = try world.core.resolve(chatting, by: ann, now: world.now, events: &world.events)
        world.advance(.seconds(10))
        _ = world.core.sweep(now: world.now, events: &world.events)
        #expect(world.handoff(waiting).state == .abandoned)
        #expect(world.handoff(chatting).state == .resolved && world.handoff(chatting).resolvedBy == .agent(ann))
        #expect(world.pending() == [])
        #expect(world.core.invariantViolations() == [])
        // Nothing open: nothing to defer.
        #expect(try world.endChat("chat-1") == .nothingOpen)
    }

    /// A pending end belongs to its handoff: when the slot is reused (closed handoffs not
    /// retained), the new handoff's end-chat gets a grace of its own.
    @Test func aReusedSlotDoesNotInheritAnOldDeadline() throws {
        var world = World(configuration: .init(retainsClosedHandoffs: false, endChatGrace: .seconds(10)))
        let ann = try world.addAgent("Ann")
        let first = try world.queue("chat-1")
        _ = try world.pickUp(first, by: ann)
        _ = try world.endChat("chat-1")
        _ = try world.core.resolve(first, by: ann, now: world.now, events: &world.events)
        world.advance(.seconds(30))
        let second = try world.queue("chat-2")
        _ = try world.pickUp(second, by: ann)
        let outcome = try world.endChat("chat-2")
        guard case .deferred(_, let endsAt) = outcome else { Issue.record("\(outcome)"); return }
        #expect(endsAt == world.now + .seconds(10))
        _ = world.core.sweep(now: world.now, events: &world.events)
        #expect(try world.core.handoff(second, tenant: World.acme).state == .active)
    }
}
