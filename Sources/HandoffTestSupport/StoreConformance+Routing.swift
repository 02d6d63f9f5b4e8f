import Foundation
import HandoffEngine
import Testing

// MARK: - Automatic routing

extension StoreConformance {
    /// ``Tenant/Routing/auto`` through the store: switching drains the queue in FIFO order, a
    /// new request goes to the eligible agent with the fewest chats (ties: idle longest) and is
    /// answered ``RequestOutcome/assigned(_:)``, a freed slot takes the queue head in the same
    /// command, every assignment is published as a pick-up, and the capacity rule holds.
    /// (Manual pick-up beside automatic routing is the engine's `RoutingTests`.)
    static func autoRoutingAssignsAndDrains(_ s: Stage) async throws {
        var events = s.store.subscribe().makeAsyncIterator()
        let ann = try await s.agent("Ann", maxChats: 1)
        try await s.advance(by: .seconds(1))
        let bob = try await s.agent("Bob", maxChats: 2)
        let first = try await s.queue("chat-1")
        try await s.advance(by: .seconds(1))
        let second = try await s.queue("chat-2")
        try await s.advance(by: .seconds(1))
        let third = try await s.queue("chat-3")
        try await s.advance(by: .seconds(1))
        let fourth = try await s.queue("chat-4")
        _ = try await s.received(&events)

        // Switching drains the queue, head first: Ann (idle longest) takes chat-1, Bob chat-2
        // and chat-3; chat-4 waits, every slot being taken.
        #expect(try await s.store.setRouting(.auto, tenant: s.acme, by: .system).routing == .auto)
        #expect(try await s.store.routing(tenant: s.acme, by: .system) == .auto)
        #expect(try await s.store.handoff(first.id, tenant: s.acme).assignedAgentID == ann.id)
        #expect(try await s.store.handoff(second.id, tenant: s.acme).assignedAgentID == bob.id)
        #expect(try await s.store.handoff(third.id, tenant: s.acme).assignedAgentID == bob.id)
        #expect(try await s.pendingIDs() == [fourth.id])
        let drained = try await s.received(&events).compactMap { event -> HandoffID? in
            if case .handoffPickedUp(let h, _) = event { h.id } else { nil }
        }
        #expect(drained == [first.id, second.id, third.id], "the drain's pick-ups, in queue order")

        // A freed slot takes the head in the resolving command.
        _ = try await s.store.resolve(first.id, by: ann.id)
        #expect(try await s.store.handoff(fourth.id, tenant: s.acme).assignedAgentID == ann.id)
        #expect(try await s.pendingIDs() == [])

        // With every slot taken a new request is answered after hours (admission `freeSlot`);
        // with one free it is assigned at once.
        let full = try await s.store.requestHandoff(HandoffRequest(chatID: "chat-5"), tenant: s.acme)
        #expect(full.afterHoursHandoff != nil, "expected after-hours with every slot taken, got \(full)")
        _ = try await s.store.resolve(second.id, by: bob.id)
        let outcome = try await s.store.requestHandoff(HandoffRequest(chatID: "chat-6"), tenant: s.acme)
        guard case .assigned(let sixth) = outcome else {
            Issue.record("expected chat-6 to be assigned at once, got \(outcome)")
            return
        }
        #expect(sixth.assignedAgentID == bob.id && sixth.state == .active && sixth.pickedUpAt != nil)
        #expect(try await s.reread(ann).activeChats == 1)
        #expect(try await s.reread(bob).activeChats == 2)
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
