import Foundation

// MARK: - Queries (read-only, tenant-scoped)

extension HandoffCore {
    public func tenant(_ id: TenantID) -> Tenant? { tenantSlots[id].map { tenants[$0].tenant } }

    public var allTenants: [Tenant] { tenants.map(\.tenant) }

    public func user(_ id: UserID) -> User? { users[id] }

    /// The widget's status poll of a handoff of `tenant`, with its assignee's name. The widget
    /// is evidently there: a pending end-chat of the handoff is cancelled.
    public mutating func widgetStatus(_ handoffID: HandoffID, tenant tenantID: TenantID) throws(HandoffError) -> WidgetStatus {
        let slot = try handoffSlot(handoffID, tenant: try tenantSlot(tenantID))
        widgetIsPresent(slot)
        let record = handoffs[slot]
        return WidgetStatus(record.handoff, agentName: record.agent >= 0 ? agents[record.agent].agent.name : nil)
    }

    /// The widget's message poll: ``messages(handoff:tenant:since:)``, cancelling a pending end-chat.
    public mutating func widgetMessages(handoff handoffID: HandoffID, tenant tenantID: TenantID, since: Timestamp?) throws(HandoffError) -> [Message] {
        let found = try messages(handoff: handoffID, tenant: tenantID, since: since)
        noteWidgetPresence(handoffID, tenant: tenantID)
        return found
    }

    /// An account and its tenant's status (`nil` for platform staff): what checking a session
    /// token needs, in one read.
    public func session(_ id: UserID) -> AccountSession? {
        guard let user = users[id] else { return nil }
        return AccountSession(user: user, tenantStatus: user.tenantID.flatMap { tenantSlots[$0] }.map { tenants[$0].tenant.status })
    }

    public func user(email: String) -> User? {
        userByEmail[Self.emailKey(email)].flatMap { users[$0] }
    }

    /// An agent as seen from `tenant`: another tenant's agent does not exist.
    public func agent(_ id: AgentID, tenant tenantID: TenantID) throws(HandoffError) -> Agent {
        guard let slot = agentSlots[id], agents[slot].agent.tenantID == tenantID else { throw .agentNotFound }
        return agents[slot].agent
    }

    /// The tenant's agents in creation order.
    public func agents(tenant tenantID: TenantID) throws(HandoffError) -> [Agent] {
        tenants[try tenantSlot(tenantID)].agents.map { agents[$0].agent }
    }

    /// Agents that can take a handoff now: `available` with `activeChats < maxChats`.
    public func availableAgents(tenant tenantID: TenantID) throws(HandoffError) -> [Agent] {
        try agents(tenant: tenantID).filter(\.canTakeHandoff)
    }

    /// Whether any agent of the tenant can take a handoff now. O(1).
    public func canServe(tenant tenantID: TenantID) throws(HandoffError) -> Bool {
        tenants[try tenantSlot(tenantID)].eligibleAgents > 0
    }

    public func handoff(_ id: HandoffID, tenant tenantID: TenantID) throws(HandoffError) -> Handoff {
        handoffs[try handoffSlot(id, tenant: try tenantSlot(tenantID))].handoff
    }

    /// The chat's newest handoff, while it is retained.
    public func latestHandoff(chat: ChatID, tenant tenantID: TenantID) throws(HandoffError) -> Handoff? {
        chats[ChatKey(tenant: try tenantSlot(tenantID), chat: chat)].map { handoffs[$0].handoff }
    }

    /// The tenant's queue, oldest first.
    public func pendingHandoffs(tenant tenantID: TenantID) throws(HandoffError) -> [Handoff] {
        tenants[try tenantSlot(tenantID)].pending.slots(in: handoffs).map { handoffs[$0].handoff }
    }

    /// The oldest pending handoff. O(1).
    public func oldestPending(tenant tenantID: TenantID) throws(HandoffError) -> Handoff? {
        let head = tenants[try tenantSlot(tenantID)].pending.head
        return head == IntrusiveList.none ? nil : handoffs[head].handoff
    }

    public func pendingCount(tenant tenantID: TenantID) throws(HandoffError) -> Int {
        tenants[try tenantSlot(tenantID)].pending.count
    }

    /// The tenant's active handoffs, in pick-up order.
    public func activeHandoffs(tenant tenantID: TenantID) throws(HandoffError) -> [Handoff] {
        tenants[try tenantSlot(tenantID)].active.slots(in: handoffs).map { handoffs[$0].handoff }
    }

    /// Every retained handoff of the tenant, newest request first.
    /// - Parameters:
    ///   - limit: at most this many (default 50).
    ///   - before: only handoffs requested strictly before this time (the next page's cursor
    ///     is the last row's `requestedAt`).
    /// - Complexity: O(log n + limit).
    public func handoffs(tenant tenantID: TenantID, limit: Int = 50, before: Timestamp? = nil) throws(HandoffError) -> [Handoff] {
        let list = tenants[try tenantSlot(tenantID)].created
        return page(list, limit: limit, before: before) { handoffs[$0].handoff.requestedAt }
    }

    /// Closed handoffs (resolved, abandoned, after-hours), most recently closed first; `before`
    /// filters on the closing time (`resolvedAt`, or `requestedAt` for after-hours).
    /// - Complexity: O(log n + limit).
    public func history(tenant tenantID: TenantID, limit: Int = 50, before: Timestamp? = nil) throws(HandoffError) -> [Handoff] {
        let list = tenants[try tenantSlot(tenantID)].closed
        return page(list, limit: limit, before: before) { handoffs[$0].handoff.closedAt }
    }

    private func page(_ list: [Int], limit: Int, before: Timestamp?, time: (Int) -> Timestamp) -> [Handoff] {
        var end = list.count
        if let before {
            var low = 0
            while low < end {
                let mid = (low + end) / 2
                if time(list[mid]) < before { low = mid + 1 } else { end = mid }
            }
        }
        let start = max(0, end - max(0, limit))
        return list[start..<end].reversed().map { handoffs[$0].handoff }
    }

    /// A handoff's messages in order; with `since`, only those strictly after it.
    /// - Complexity: O(log m + result), by binary search on the strictly increasing timestamps.
    public func messages(handoff handoffID: HandoffID, tenant tenantID: TenantID, since: Timestamp? = nil) throws(HandoffError) -> [Message] {
        let all = handoffs[try handoffSlot(handoffID, tenant: try tenantSlot(tenantID))].messages
        guard let since else { return all }
        var low = 0
        var high = all.count
        while low < high {
            let mid = (low + high) / 2
            if all[mid].timestamp <= since { low = mid + 1 } else { high = mid }
        }
        return Array(all[low...])
    }

    /// Pending and active handoffs over every tenant (operators' gauges). O(tenants).
    public var queueTotals: QueueTotals {
        tenants.reduce(into: QueueTotals()) { totals, record in
            totals.pending += record.pending.count
            totals.active += record.active.count
        }
    }

    /// How many handoffs are held in memory (open ones, plus closed ones when retaining),
    /// whether created by id or by handle.
    public var storedHandoffCount: Int { handoffs.count - freeSlots.count }
}

/// Platform-wide queue gauges.
public struct QueueTotals: Hashable, Sendable {
    public var pending = 0
    public var active = 0
    public init(pending: Int = 0, active: Int = 0) {
        self.pending = pending
        self.active = active
    }
}

extension Handoff {
    /// When it reached a final state (`resolvedAt`, or `requestedAt` for after-hours).
    public var closedAt: Timestamp { resolvedAt ?? requestedAt }
}

// MARK: - Publishing

extension HandoffCore {
    /// Numbers an event in its tenant's sequence. A store calls this for each event a command
    /// caused, in order, while it still serialises commands, and publishes the result.
    public mutating func publish(_ event: HandoffEvent) -> PublishedEvent {
        guard let slot = tenantSlots[event.tenantID] else { return PublishedEvent(sequence: 0, event: event) }
        tenants[slot].publishedEvents += 1
        return PublishedEvent(sequence: tenants[slot].publishedEvents, event: event)
    }
}
