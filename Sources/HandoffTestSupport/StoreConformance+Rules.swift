import HandoffEngine
import Testing

// MARK: - Pick-up rules, tenant scoping, messages, presence

extension StoreConformance {
    /// Only a pending handoff can be taken: an active, resolved, abandoned or after-hours one
    /// is refused with ``HandoffError/handoffNotAvailable``, for a pick-up and an assignment.
    static func pickUpOfNonPendingIsRefused(_ s: Stage) async throws {
        let ann = try await s.agent("Ann")
        let bea = try await s.agent("Bea")
        let active = try await s.open("chat-active", by: ann)
        let resolved = try await s.open("chat-resolved", by: ann)
        _ = try await s.store.resolve(resolved.id, by: ann.id)
        let abandoned = try await s.queue("chat-abandoned")
        _ = try await s.store.endChat(chat: "chat-abandoned", handoff: abandoned.id, tenant: s.acme)
        // Nobody can take a request while both are busy: it is answered after-hours.
        _ = try await s.store.setAgentStatus(ann.id, to: .busy, by: .system)
        _ = try await s.store.setAgentStatus(bea.id, to: .busy, by: .system)
        let outcome = try await s.store.requestHandoff(HandoffRequest(chatID: "chat-late"), tenant: s.acme)
        let late = try #require(outcome.afterHoursHandoff, "expected after-hours, got \(outcome)")
        _ = try await s.store.setAgentStatus(bea.id, to: .available, by: .system)

        for (kind, handoff) in [("active", active), ("resolved", resolved), ("abandoned", abandoned), ("after-hours", late)] {
            let before = try await s.store.handoff(handoff.id, tenant: s.acme)
            await #expect(throws: HandoffError.handoffNotAvailable, "pick-up of an \(kind) handoff") {
                try await s.store.pickUp(handoff.id, by: bea.id)
            }
            await #expect(throws: HandoffError.handoffNotAvailable, "assignment of an \(kind) handoff") {
                try await s.store.assign(handoff.id, to: bea.id, by: .system)
            }
            #expect(try await s.store.handoff(handoff.id, tenant: s.acme) == before, "a refused pick-up changed the \(kind) handoff")
        }
        // The winner cannot take its own chat twice either.
        _ = try await s.store.setAgentStatus(ann.id, to: .available, by: .system)
        await #expect(throws: HandoffError.handoffNotAvailable) { try await s.store.pickUp(active.id, by: ann.id) }
        #expect(try await s.store.handoff(active.id, tenant: s.acme).assignedAgentID == ann.id)
        #expect(try await s.reread(ann).activeChats == 1)
        #expect(try await s.reread(bea).activeChats == 0)
        #expect(try await s.pendingIDs() == [])
        #expect(try await s.activeIDs() == [active.id])
    }

    /// The capacity rule: an agent with `activeChats == maxChats`, an offline agent and a busy
    /// agent can neither pick up nor be assigned; the handoff stays pending until a slot frees.
    static func capacityAndStatusGatePickUp(_ s: Stage) async throws {
        let ann = try await s.agent("Ann", maxChats: 2)
        let bob = try await s.agent("Bob")
        let cat = try await s.agent("Cat", status: .busy)
        let first = try await s.queue("chat-1")
        let second = try await s.queue("chat-2")
        let third = try await s.queue("chat-3")
        _ = try await s.store.setAgentStatus(bob.id, to: .offline, by: .system)
        _ = try await s.store.pickUp(first.id, by: ann.id)
        _ = try await s.store.pickUp(second.id, by: ann.id)
        #expect(try await s.reread(ann).activeChats == 2)

        await #expect(throws: HandoffError.agentAtCapacity) { try await s.store.pickUp(third.id, by: ann.id) }
        await #expect(throws: HandoffError.agentAtCapacity) { try await s.store.assign(third.id, to: ann.id, by: .system) }
        await #expect(throws: HandoffError.agentNotAvailable, "offline") { try await s.store.pickUp(third.id, by: bob.id) }
        await #expect(throws: HandoffError.agentNotAvailable, "offline") { try await s.store.assign(third.id, to: bob.id, by: .system) }
        await #expect(throws: HandoffError.agentNotAvailable, "busy") { try await s.store.pickUp(third.id, by: cat.id) }
        #expect(try await s.store.handoff(third.id, tenant: s.acme).state == .pending)
        #expect(try await s.pendingIDs() == [third.id])
        #expect(try await s.reread(ann).activeChats == 2)
        #expect(try await s.reread(bob).activeChats == 0)
        #expect(try await s.reread(cat).activeChats == 0)
        #expect(try await s.store.availableAgents(tenant: s.acme) == [])
        let full = try await s.store.requestHandoff(HandoffRequest(chatID: "chat-4"), tenant: s.acme)
        #expect(full.afterHoursHandoff != nil, "every slot taken or offline: expected after-hours, got \(full)")

        _ = try await s.store.resolve(first.id, by: ann.id)
        #expect(try await s.store.availableAgents(tenant: s.acme).map(\.id) == [ann.id])
        let taken = try await s.store.pickUp(third.id, by: ann.id)
        #expect(taken.assignedAgentID == ann.id)
        #expect(try await s.reread(ann).activeChats == 2)
        #expect(try await s.pendingIDs() == [])
    }

    /// Nothing crosses tenants: every query and command that takes a handoff id answers
    /// ``HandoffError/handoffNotFound`` for another tenant's handoff and changes nothing.
    static func tenantScopingHidesOtherTenantsHandoffs(_ s: Stage) async throws {
        let ann = try await s.agent("Ann")
        let gus = try await s.agent("Gus", tenant: s.globex)
        let waiting = try await s.queue("chat-waiting")
        let active = try await s.open("chat-active", by: ann)
        let hello = try await s.store.postUserMessage("hello", handoff: active.id, tenant: s.acme)
        let activeBefore = try await s.store.handoff(active.id, tenant: s.acme)

        for handoff in [waiting, active] {
            let id = handoff.id
            let chat = handoff.chatID
            let label = "\(handoff.state) handoff from the other tenant"
            await #expect(throws: HandoffError.handoffNotFound, "handoff: \(label)") { try await s.store.handoff(id, tenant: s.globex) }
            await #expect(throws: HandoffError.handoffNotFound, "messages: \(label)") {
                try await s.store.messages(handoff: id, tenant: s.globex, since: nil)
            }
            await #expect(throws: HandoffError.handoffNotFound, "pickUp: \(label)") { try await s.store.pickUp(id, by: gus.id) }
            await #expect(throws: HandoffError.handoffNotFound, "assign: \(label)") { try await s.store.assign(id, to: gus.id, by: .system) }
            await #expect(throws: HandoffError.handoffNotFound, "resolve: \(label)") { try await s.store.resolve(id, by: gus.id) }
            await #expect(throws: HandoffError.handoffNotFound, "endChat: \(label)") {
                try await s.store.endChat(chat: chat, handoff: id, tenant: s.globex)
            }
            await #expect(throws: HandoffError.handoffNotFound, "postUserMessage: \(label)") {
                try await s.store.postUserMessage("hi", handoff: id, tenant: s.globex)
            }
            await #expect(throws: HandoffError.handoffNotFound, "postAgentMessage: \(label)") {
                try await s.store.postAgentMessage("hi", handoff: id, by: gus.id)
            }
        }
        await #expect(throws: HandoffError.agentNotFound) { try await s.store.agent(ann.id, tenant: s.globex) }
        #expect(try await s.store.agents(tenant: s.globex).map(\.id) == [gus.id])
        #expect(try await s.pendingIDs(s.globex) == [])
        #expect(try await s.activeIDs(s.globex) == [])
        #expect(try await s.store.handoffs(tenant: s.globex, limit: 50, before: nil) == [])
        #expect(try await s.store.history(tenant: s.globex, limit: 50, before: nil) == [])
        // Chat ids are the tenant's own: the same chat id elsewhere is another conversation.
        #expect(try await s.store.endChat(chat: "chat-active", handoff: nil, tenant: s.globex) == .nothingOpen)
        let theirs = try await s.queue("chat-active", tenant: s.globex)
        #expect(theirs.id != active.id && theirs.tenantID == s.globex)
        #expect(try await s.pendingIDs(s.globex) == [theirs.id])

        // Acme's handoffs are as they were.
        #expect(try await s.store.handoff(waiting.id, tenant: s.acme) == waiting)
        #expect(try await s.store.handoff(active.id, tenant: s.acme) == activeBefore)
        #expect(try await s.store.messages(handoff: active.id, tenant: s.acme, since: nil) == [hello])
        #expect(try await s.pendingIDs() == [waiting.id])
        #expect(try await s.reread(ann).activeChats == 1)
        #expect(try await s.reread(gus).activeChats == 0)
    }

    /// Polling `messages(since: newest)` returns exactly the messages posted after the newest
    /// one seen, never that one again, also when several land in the same millisecond.
    static func messagesSinceAreStrictlyLater(_ s: Stage) async throws {
        let ann = try await s.agent("Ann")
        let chat = try await s.open("chat-1", by: ann)
        var cursor: Timestamp?
        var all: [Message] = []
        for round in 0..<5 {
            var posted: [Message] = []
            for i in 0..<3 {
                // No time passes between these: the store must still order them strictly.
                if (round + i).isMultiple(of: 2) {
                    posted.append(try await s.store.postUserMessage("user \(round).\(i)", handoff: chat.id, tenant: s.acme))
                } else {
                    posted.append(try await s.store.postAgentMessage("agent \(round).\(i)", handoff: chat.id, by: ann.id))
                }
            }
            let polled = try await s.store.messages(handoff: chat.id, tenant: s.acme, since: cursor)
            #expect(polled == posted, "round \(round): a poll must return exactly the new messages")
            cursor = polled.last?.timestamp ?? cursor
            let repeated = try await s.store.messages(handoff: chat.id, tenant: s.acme, since: cursor)
            #expect(repeated == [], "round \(round): polling again repeated \(repeated.map(\.content))")
            all += posted
            if round.isMultiple(of: 2) { try await s.advance(by: .seconds(1)) }
        }
        #expect(all.map(\.sequence) == Array(1...15))
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.timestamp < $1.timestamp }, "timestamps must be strictly increasing")
        #expect(Set(all.map(\.id)).count == all.count)
        #expect(try await s.store.messages(handoff: chat.id, tenant: s.acme, since: nil) == all)
        for (index, message) in all.enumerated() {
            let later = try await s.store.messages(handoff: chat.id, tenant: s.acme, since: message.timestamp)
            #expect(later == Array(all[(index + 1)...]), "since message \(message.sequence)")
        }
    }

    /// A status a person set stands: a heartbeat keeps `busy` and `offline`, and after the
    /// inactivity sweep took a busy agent offline, its heartbeat brings back `busy`, not
    /// `available`.
    static func heartbeatNeverOverridesManualStatus(_ s: Stage) async throws {
        let ann = try await s.agent("Ann")
        let person = try await s.store.addUser(
            NewUser(tenantID: s.acme, email: s.email("Ann", tenant: s.acme), password: "pw", firstName: "Ann", lastName: "A", role: .supportStaff))
        let busy = try await s.store.setAgentStatus(ann.id, to: .busy, by: .user(person.id))
        #expect(busy.status == .busy)

        try await s.advance(by: .seconds(1))
        let beat = try await s.store.heartbeat(ann.id)
        #expect(beat.status == .busy)
        #expect(beat.lastSeen >= busy.lastSeen + .seconds(1), "a heartbeat records the agent as seen")
        #expect(try await s.reread(ann).status == .busy)
        #expect(try await s.store.availableAgents(tenant: s.acme) == [])
        let answer = try await s.store.requestHandoff(HandoffRequest(chatID: "chat-1"), tenant: s.acme)
        #expect(answer.afterHoursHandoff != nil, "a busy agent takes nothing: expected after-hours, got \(answer)")

        try await s.advance(by: s.sut.inactivityTimeout + .seconds(1))
        #expect(await s.store.sweep() == [ann.id])
        #expect(try await s.reread(ann).status == .offline)
        let back = try await s.store.heartbeat(ann.id)
        #expect(back.status == .busy, "after a sweep a heartbeat restores the manual status, got \(back.status)")
        #expect(try await s.reread(ann).status == .busy)

        _ = try await s.store.setAgentStatus(ann.id, to: .offline, by: .user(person.id))
        #expect(try await s.store.heartbeat(ann.id).status == .offline, "a heartbeat must not undo a manual offline")
        _ = try await s.store.setAgentStatus(ann.id, to: .available, by: .user(person.id))
        #expect(try await s.store.heartbeat(ann.id).status == .available)
        #expect(try await s.store.availableAgents(tenant: s.acme).map(\.id) == [ann.id])
    }
}
