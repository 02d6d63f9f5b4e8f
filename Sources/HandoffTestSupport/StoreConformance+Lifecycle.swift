import HandoffEngine
import Testing

// MARK: - The handoff lifecycle

extension StoreConformance {
    /// request → pending → pick-up → messages both ways → resolve, with the state, the times
    /// and the agent's `activeChats` after every step.
    static func lifecycleFromRequestToResolve(_ s: Stage) async throws {
        let ann = try await s.agent("Ann", maxChats: 2)
        let requested = try await s.queue("chat-1")
        #expect(requested.state == .pending)
        #expect(requested.tenantID == s.acme)
        #expect(requested.chatID == "chat-1")
        #expect(requested.pickedUpAt == nil && requested.resolvedAt == nil)
        #expect(requested.assignedAgentID == nil && requested.resolvedBy == nil)
        #expect(try await s.store.handoff(requested.id, tenant: s.acme) == requested)
        #expect(try await s.pendingIDs() == [requested.id])
        #expect(try await s.activeIDs() == [])
        #expect(await s.store.queueTotals() == QueueTotals(pending: 1, active: 0))

        // Asking again while it waits gives the same handoff back; nothing new is queued.
        let again = try await s.store.requestHandoff(HandoffRequest(chatID: "chat-1"), tenant: s.acme)
        #expect(again == .alreadyOpen(requested))
        #expect(try await s.pendingIDs() == [requested.id])

        try await s.advance(by: .seconds(30))
        let picked = try await s.store.pickUp(requested.id, by: ann.id)
        #expect(picked.id == requested.id)
        #expect(picked.state == .active)
        #expect(picked.assignedAgentID == ann.id)
        #expect(picked.requestedAt == requested.requestedAt)
        let pickedUpAt = try #require(picked.pickedUpAt)
        #expect(pickedUpAt >= requested.requestedAt + .seconds(30))
        #expect(try await s.store.handoff(requested.id, tenant: s.acme) == picked)
        #expect(try await s.reread(ann).activeChats == 1)
        #expect(try await s.pendingIDs() == [])
        #expect(try await s.activeIDs() == [requested.id])
        #expect(await s.store.queueTotals() == QueueTotals(pending: 0, active: 1))

        try await s.advance(by: .seconds(1))
        let fromUser = try await s.store.postUserMessage("  hello  ", handoff: requested.id, tenant: s.acme)
        #expect(fromUser.handoffID == requested.id)
        #expect(fromUser.senderType == .user && fromUser.senderID == nil)
        #expect(fromUser.content == "hello")
        #expect(fromUser.sequence == 1)
        #expect(fromUser.timestamp >= pickedUpAt + .seconds(1))
        let fromAgent = try await s.store.postAgentMessage("hi there", handoff: requested.id, by: ann.id)
        #expect(fromAgent.senderType == .agent && fromAgent.senderID == ann.id)
        #expect(fromAgent.sequence == 2)
        #expect(fromAgent.timestamp > fromUser.timestamp)
        #expect(fromAgent.id != fromUser.id)
        #expect(try await s.store.messages(handoff: requested.id, tenant: s.acme, since: nil) == [fromUser, fromAgent])
        #expect(try await s.store.handoff(requested.id, tenant: s.acme).lastUserMessage == "hello")

        try await s.advance(by: .seconds(1))
        let resolved = try await s.store.resolve(requested.id, by: ann.id)
        #expect(resolved.state == .resolved)
        #expect(resolved.resolvedBy == .agent(ann.id))
        #expect(resolved.assignedAgentID == ann.id)
        #expect(resolved.pickedUpAt == pickedUpAt)
        let resolvedAt = try #require(resolved.resolvedAt)
        #expect(resolvedAt >= fromAgent.timestamp)
        #expect(try await s.store.handoff(requested.id, tenant: s.acme) == resolved)
        #expect(try await s.reread(ann).activeChats == 0)
        #expect(try await s.activeIDs() == [])
        #expect(await s.store.queueTotals() == QueueTotals(pending: 0, active: 0))
        #expect(try await s.store.history(tenant: s.acme, limit: 10, before: nil) == [resolved])
        #expect(try await s.store.handoffs(tenant: s.acme, limit: 10, before: nil) == [resolved])

        // A closed chat takes no more messages and cannot be resolved twice.
        await #expect(throws: HandoffError.handoffNotActive) {
            try await s.store.postUserMessage("still there?", handoff: requested.id, tenant: s.acme)
        }
        await #expect(throws: HandoffError.handoffNotActive) { try await s.store.postAgentMessage("bye", handoff: requested.id, by: ann.id) }
        await #expect(throws: HandoffError.handoffNotActive) { try await s.store.resolve(requested.id, by: ann.id) }
        #expect(try await s.reread(ann).activeChats == 0)

        let metrics = try await s.store.metrics(tenant: s.acme)
        #expect(metrics.totalRequests == 1)
        #expect(metrics.pickedUp == 1 && metrics.resolved == 1)
        #expect(metrics.abandoned == 0 && metrics.afterHours == 0)
        #expect(metrics.pending == 0 && metrics.active == 0)
        #expect((metrics.averageWaitMilliseconds ?? 0) >= 30_000)

        // The same chat may ask again once its handoff is closed: a new handoff.
        let next = try await s.queue("chat-1")
        #expect(next.id != requested.id)
        #expect(try await s.pendingIDs() == [next.id])
    }

    /// Nobody can take a request: the answer is after-hours, nothing is queued, and the email
    /// form fills in that record instead of adding one. A form for a chat that never asked
    /// makes one after-hours record of its own, also never pending.
    static func afterHoursAnswerQueuesNothing(_ s: Stage) async throws {
        let answer = try await s.store.requestHandoff(HandoffRequest(chatID: "chat-1"), tenant: s.acme)
        let late = try #require(answer.afterHoursHandoff, "no agent at all: expected after-hours, got \(answer)")
        #expect(late.state == .afterHours)
        #expect(late.userEmail == nil)
        #expect(try await s.pendingIDs() == [])

        // A busy agent takes nothing either.
        _ = try await s.agent("Bea", status: .busy)
        let busyAnswer = try await s.store.requestHandoff(HandoffRequest(chatID: "chat-2"), tenant: s.acme)
        #expect(busyAnswer.afterHoursHandoff != nil, "only a busy agent: expected after-hours, got \(busyAnswer)")
        #expect(try await s.pendingIDs() == [])
        #expect(await s.store.queueTotals() == QueueTotals(pending: 0, active: 0))

        try await s.advance(by: .seconds(5))
        let filled = try await s.store.submitAfterHours(chat: "chat-1", email: "late@example.com", message: "call me", tenant: s.acme)
        #expect(filled.id == late.id)
        #expect(filled.state == .afterHours)
        #expect(filled.userEmail == "late@example.com")
        #expect(filled.userMessage == "call me")
        #expect(filled.requestedAt == late.requestedAt)
        #expect(try await s.store.handoff(late.id, tenant: s.acme) == filled)
        let forChat1 = try await s.store.handoffs(tenant: s.acme, limit: 50, before: nil).filter { $0.chatID == "chat-1" }
        #expect(forChat1 == [filled], "one conversation, one after-hours record")

        let before = try await s.store.handoffs(tenant: s.acme, limit: 50, before: nil).map(\.id)
        let fresh = try await s.store.submitAfterHours(chat: "chat-3", email: "new@example.com", message: nil, tenant: s.acme)
        #expect(fresh.state == .afterHours)
        #expect(fresh.userEmail == "new@example.com" && fresh.userMessage == nil)
        #expect(!before.contains(fresh.id))
        let after = try await s.store.handoffs(tenant: s.acme, limit: 50, before: nil).map(\.id)
        #expect(after.count == before.count + 1)
        #expect(Set(after) == Set(before + [fresh.id]))

        #expect(try await s.pendingIDs() == [])
        #expect(await s.store.queueTotals() == QueueTotals(pending: 0, active: 0))
        let history = try await s.store.history(tenant: s.acme, limit: 50, before: nil).map(\.id)
        #expect(Set(history) == Set(after))
        let metrics = try await s.store.metrics(tenant: s.acme)
        #expect(metrics.afterHours == 3)
        #expect(metrics.pending == 0 && metrics.pickedUp == 0)
    }

    /// A user who leaves while waiting takes the request out of the queue: abandoned, never
    /// picked up, and ending it again changes nothing.
    static func endChatWithdrawsPendingRequest(_ s: Stage) async throws {
        let ann = try await s.agent("Ann")
        let waiting = try await s.queue("chat-1")
        try await s.advance(by: .seconds(1))
        let outcome = try await s.store.endChat(chat: "chat-1", handoff: waiting.id, tenant: s.acme)
        let withdrawn = try #require(outcome.withdrawnHandoff, "expected the pending request to be withdrawn, got \(outcome)")
        #expect(withdrawn.id == waiting.id)
        #expect(withdrawn.state == .abandoned)
        #expect(withdrawn.assignedAgentID == nil && withdrawn.pickedUpAt == nil)
        #expect(try #require(withdrawn.resolvedAt) >= waiting.requestedAt + .seconds(1))
        #expect(try await s.store.handoff(waiting.id, tenant: s.acme) == withdrawn)
        #expect(try await s.pendingIDs() == [])
        #expect(await s.store.queueTotals() == QueueTotals(pending: 0, active: 0))
        #expect(try await s.store.messages(handoff: waiting.id, tenant: s.acme, since: nil) == [])

        await #expect(throws: HandoffError.handoffNotAvailable) { try await s.store.pickUp(waiting.id, by: ann.id) }
        #expect(try await s.store.endChat(chat: "chat-1", handoff: nil, tenant: s.acme) == .nothingOpen)
        #expect(try await s.store.endChat(chat: "chat-1", handoff: waiting.id, tenant: s.acme) == .nothingOpen)
        #expect(try await s.reread(ann).activeChats == 0)

        // Without an id, end-chat ends the chat's newest handoff.
        let second = try await s.queue("chat-2")
        let byChat = try await s.store.endChat(chat: "chat-2", handoff: nil, tenant: s.acme)
        #expect(byChat.withdrawnHandoff?.id == second.id)
        #expect(try await s.store.endChat(chat: "never-asked", handoff: nil, tenant: s.acme) == .nothingOpen)

        #expect(try await s.pendingIDs() == [])
        #expect(Set(try await s.store.history(tenant: s.acme, limit: 10, before: nil).map(\.id)) == [waiting.id, second.id])
        let metrics = try await s.store.metrics(tenant: s.acme)
        #expect(metrics.abandoned == 2 && metrics.pickedUp == 0 && metrics.resolved == 0)
    }

    /// A user who ends an active chat resolves it: the system message "User ended the chat",
    /// the agent's slot freed exactly once, and a second end or a late resolve changes nothing.
    static func endChatResolvesActiveChat(_ s: Stage) async throws {
        let ann = try await s.agent("Ann", maxChats: 1)
        let chat = try await s.queue("chat-1")
        let next = try await s.queue("chat-2")
        _ = try await s.store.pickUp(chat.id, by: ann.id)
        await #expect(throws: HandoffError.agentAtCapacity) { try await s.store.pickUp(next.id, by: ann.id) }
        let hello = try await s.store.postUserMessage("hello", handoff: chat.id, tenant: s.acme)

        try await s.advance(by: .seconds(1))
        let outcome = try await s.store.endChat(chat: "chat-1", handoff: nil, tenant: s.acme)
        let ended = try #require(outcome.resolvedHandoff, "expected the active chat to be resolved, got \(outcome)")
        #expect(ended.id == chat.id)
        #expect(ended.state == .resolved)
        #expect(ended.resolvedBy == .user)
        #expect(ended.assignedAgentID == ann.id)
        #expect(try #require(ended.resolvedAt) >= hello.timestamp + .seconds(1))
        #expect(try await s.store.handoff(chat.id, tenant: s.acme) == ended)

        let messages = try await s.store.messages(handoff: chat.id, tenant: s.acme, since: nil)
        #expect(messages.count == 2)
        let system = try #require(messages.last)
        #expect(messages.first == hello)
        #expect(system.senderType == .system && system.senderID == nil)
        #expect(system.content == "User ended the chat")
        #expect(system.sequence == 2)
        #expect(system.timestamp > hello.timestamp)
        #expect(try await s.store.messages(handoff: chat.id, tenant: s.acme, since: hello.timestamp) == [system])

        #expect(try await s.reread(ann).activeChats == 0)
        #expect(try await s.activeIDs() == [])
        #expect(try await s.store.endChat(chat: "chat-1", handoff: nil, tenant: s.acme) == .nothingOpen)
        await #expect(throws: HandoffError.handoffNotActive) { try await s.store.resolve(chat.id, by: ann.id) }
        await #expect(throws: HandoffError.handoffNotActive) { try await s.store.postUserMessage("wait", handoff: chat.id, tenant: s.acme) }
        #expect(try await s.reread(ann).activeChats == 0, "a late resolve or second end must not free the slot again")
        #expect(try await s.store.messages(handoff: chat.id, tenant: s.acme, since: nil).count == 2)

        // The freed slot takes the next chat; the agent is full again.
        _ = try await s.store.pickUp(next.id, by: ann.id)
        #expect(try await s.reread(ann).activeChats == 1)
        let metrics = try await s.store.metrics(tenant: s.acme)
        #expect(metrics.resolved == 1 && metrics.pickedUp == 2 && metrics.active == 1)
    }
}
