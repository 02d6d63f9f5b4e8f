import Foundation
import HandoffEngine
import Testing

// MARK: - Automatic routing

extension StoreConformance {
    /// ``Tenant/Routing/auto`` through the store: switching drains the queue in FIFO order; a
    /// new request goes to the eligible agent with the fewest chats, ties to the one idle longest
    /// (neither is creation order); a slot freed by resolve or by end chat takes the queue head
    /// in that same command; every assignment is published as a pick-up right after the event
    /// of the command that made it; the capacity rule holds. (Manual pick-up beside automatic
    /// routing, and the other triggers, are the engine's `RoutingTests`.)
    static func autoRoutingAssignsAndDrains(_ s: Stage) async throws {
        var events = s.store.subscribe().makeAsyncIterator()
        /// The pick-ups published since the last call, as "chat → agent".
        func pickUps(_ events: inout AsyncStream<HandoffEvent>.Iterator, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
            try await s.received(&events, sourceLocation: sourceLocation).compactMap { event in
                if case .handoffPickedUp(let h, let a) = event { "\(h.chatID) → \(a.name)" } else { nil }
            }
        }
        func assignee(_ handoff: Handoff) async throws -> AgentID? {
            try await s.store.handoff(handoff.id, tenant: s.acme).assignedAgentID
        }
        let ann = try await s.agent("Ann", maxChats: 2)
        try await s.advance(by: .seconds(1))
        let bob = try await s.agent("Bob", maxChats: 2)
        try await s.advance(by: .seconds(1))
        let chat1 = try await s.queue("chat-1")
        try await s.advance(by: .seconds(1))
        let chat2 = try await s.queue("chat-2")
        _ = try await s.received(&events)

        // Switching drains the queue, head first: both idle, Ann longest → chat-1; then Bob has
        // fewer chats → chat-2.
        try await s.advance(by: .seconds(1))
        #expect(try await s.store.setRouting(.auto, tenant: s.acme, by: .system).routing == .auto)
        #expect(try await s.store.routing(tenant: s.acme, by: .system) == .auto)
        #expect(try await pickUps(&events) == ["chat-1 → Ann", "chat-2 → Bob"])
        #expect(try await s.pendingIDs() == [])

        // Fewest chats first, even against idle time: Ann (0 chats, changed just now) over Bob
        // (1 chat, changed a second earlier).
        try await s.advance(by: .seconds(1))
        _ = try await s.store.resolve(chat1.id, by: ann.id)
        try await s.advance(by: .seconds(1))
        let outcome3 = try await s.store.requestHandoff(HandoffRequest(chatID: "chat-3"), tenant: s.acme)
        guard case .assigned(let chat3) = outcome3 else {
            Issue.record("expected chat-3 to be assigned at once, got \(outcome3)")
            return
        }
        #expect(chat3.assignedAgentID == ann.id && chat3.state == .active && chat3.pickedUpAt != nil)
        // Equal chats: the one idle longest — Bob (last change at the switch), not Ann (just now).
        try await s.advance(by: .seconds(1))
        let chat4 = try await s.store.requestHandoff(HandoffRequest(chatID: "chat-4"), tenant: s.acme).handoff
        #expect(try await assignee(chat4) == bob.id)
        #expect(try await pickUps(&events) == ["chat-3 → Ann", "chat-4 → Bob"])
        try await s.advance(by: .seconds(1))
        let chat5 = try await s.store.requestHandoff(HandoffRequest(chatID: "chat-5"), tenant: s.acme).handoff
        #expect(try await assignee(chat5) == ann.id, "the only agent with a free slot")
        // Every slot taken: a new request is answered after hours (admission `freeSlot`).
        let full = try await s.store.requestHandoff(HandoffRequest(chatID: "chat-full"), tenant: s.acme)
        #expect(full.afterHoursHandoff != nil, "expected after-hours with every slot taken, got \(full)")
        #expect(try await pickUps(&events) == ["chat-5 → Ann"])

        // A queue built while manual: the switch gives Bob's freed slot the head; the tail waits.
        _ = try await s.store.setRouting(.manual, tenant: s.acme, by: .system)
        _ = try await s.store.resolve(chat2.id, by: bob.id)
        try await s.advance(by: .seconds(1))
        let chat6 = try await s.queue("chat-6")
        try await s.advance(by: .seconds(1))
        let chat7 = try await s.queue("chat-7")
        _ = try await s.received(&events)
        _ = try await s.store.setRouting(.auto, tenant: s.acme, by: .system)
        #expect(try await pickUps(&events) == ["chat-6 → Bob"])
        #expect(try await s.pendingIDs() == [chat7.id])

        // A resolve frees a slot: the head is assigned in that command, its pick-up published
        // right after the resolve.
        try await s.advance(by: .seconds(1))
        _ = try await s.store.resolve(chat3.id, by: ann.id)
        let afterResolve = try await s.received(&events)
        #expect(afterResolve.count == 2, "\(afterResolve)")
        if case .handoffResolved(let h) = afterResolve.first { #expect(h.id == chat3.id) } else { Issue.record("expected the resolve first: \(afterResolve)") }
        if case .handoffPickedUp(let h, let a) = afterResolve.last { #expect(h.id == chat7.id && a.id == ann.id) } else { Issue.record("expected chat-7's pick-up: \(afterResolve)") }
        #expect(try await s.pendingIDs() == [])

        // The visitor ending an active chat frees a slot the same way.
        _ = try await s.store.setRouting(.manual, tenant: s.acme, by: .system)
        _ = try await s.store.endChat(chat: "chat-4", handoff: chat4.id, tenant: s.acme)
        let chat8 = try await s.queue("chat-8")
        let chat9 = try await s.queue("chat-9")
        _ = try await s.store.setRouting(.auto, tenant: s.acme, by: .system)
        #expect(try await assignee(chat8) == bob.id)
        #expect(try await s.pendingIDs() == [chat9.id])
        _ = try await s.received(&events)
        let ended = try await s.store.endChat(chat: "chat-5", handoff: chat5.id, tenant: s.acme)
        #expect(ended.resolvedHandoff != nil, "expected chat-5 to be resolved by its end, got \(ended)")
        #expect(try await pickUps(&events) == ["chat-9 → Ann"])
        #expect(try await assignee(chat9) == ann.id)

        #expect(try await s.reread(ann).activeChats == 2)
        #expect(try await s.reread(bob).activeChats == 2)
        #expect(Set(try await s.activeIDs()) == [chat6.id, chat7.id, chat8.id, chat9.id])
        #expect(try await s.pendingIDs() == [])
        // Another tenant is untouched.
        #expect(try await s.store.routing(tenant: s.globex, by: .system) == .manual)
    }

    /// The routing setting is an administrator's: a tenant's client admin (and the system) read and
    /// change it; support staff and other tenants' admins are refused with
    /// ``HandoffError/Code/forbidden`` and change nothing.
    static func routingIsAdminOnly(_ s: Stage) async throws {
        func user(_ name: String, _ tenant: TenantID, _ role: Role) async throws -> HandoffCore.Caller {
            let user = try await s.store.addUser(
                NewUser(tenantID: tenant, email: s.email(name, tenant: tenant), password: "pw", firstName: name, lastName: "L", role: role))
            return .user(user.id)
        }
        let admin = try await user("Boss", s.acme, .clientAdmin)
        let staff = try await user("Sam", s.acme, .supportStaff)
        let foreign = try await user("Gus", s.globex, .clientAdmin)
        #expect(try await s.store.routing(tenant: s.acme, by: admin) == .manual, "the default")
        for (who, caller) in [("support staff", staff), ("another tenant's admin", foreign)] {
            await #expect("\(who) changes routing") {
                try await s.store.setRouting(.auto, tenant: s.acme, by: caller)
            } throws: { ($0 as? HandoffError)?.code == .forbidden }
            await #expect("\(who) reads routing") {
                try await s.store.routing(tenant: s.acme, by: caller)
            } throws: { ($0 as? HandoffError)?.code == .forbidden }
        }
        #expect(try await s.store.tenant(s.acme)?.routing == .manual, "a refused change changed the setting")
        #expect(try await s.store.setRouting(.auto, tenant: s.acme, by: admin).routing == .auto)
        #expect(try await s.store.setRouting(.manual, tenant: s.acme, by: admin).routing == .manual)
        await #expect(throws: HandoffError.tenantNotFound) {
            try await s.store.setRouting(.auto, tenant: TenantID(uuid: .init()), by: .system)
        }
    }
}
