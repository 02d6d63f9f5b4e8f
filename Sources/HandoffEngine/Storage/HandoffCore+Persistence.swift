// MARK: - Rows: what a database store keeps of a core, and a core rebuilt from them

/// A database store (the PostgreSQL store) keeps each tenant's state as rows, runs every command
/// on a ``HandoffCore`` rebuilt from those rows, and writes back the rows the command changed.
/// Nothing here decides anything: these are the core's records as plain values, out and back in.
///
/// What is stored is what cannot be recomputed: the records' own fields, the tenant's event
/// sequence and latest time, each agent's idle-since time and the status the sweep took away,
/// pending end-chats, the assistant's transcripts. Everything derived — the queue and active
/// lists, the routing index, the eligible and available counts, the dashboard metrics, each
/// agent's chat totals, the chat and email indexes — is rebuilt by ``init(configuration:restoring:platformStaff:visitors:)``
/// from the records, so it cannot disagree with them.
extension HandoffCore {
    /// An agent as stored: its public record and what routing and the sweep remember of it.
    public struct StoredAgent: Hashable, Sendable {
        public var agent: Agent
        /// Since when the agent counts as idle for automatic routing's tie-break.
        public var idleSince: Timestamp
        /// The status the inactivity sweep took away, restored by the next heartbeat.
        public var statusBeforeSweep: AgentStatus?

        public init(agent: Agent, idleSince: Timestamp, statusBeforeSweep: AgentStatus?) {
            self.agent = agent
            self.idleSince = idleSince
            self.statusBeforeSweep = statusBeforeSweep
        }
    }

    /// An end-chat waiting out ``Configuration/endChatGrace``.
    public struct StoredEnd: Hashable, Sendable {
        public var deadline: Timestamp
        public var systemMessageID: MessageID

        public init(deadline: Timestamp, systemMessageID: MessageID) {
            self.deadline = deadline
            self.systemMessageID = systemMessageID
        }
    }

    /// A handoff as stored, with its messages in sequence order.
    public struct StoredHandoff: Hashable, Sendable {
        public var handoff: Handoff
        public var messages: [Message]
        public var pendingEnd: StoredEnd?

        public init(handoff: Handoff, messages: [Message], pendingEnd: StoredEnd?) {
            self.handoff = handoff
            self.messages = messages
            self.pendingEnd = pendingEnd
        }
    }

    /// A conversation with the tenant's scripted assistant.
    public struct StoredAssistantChat: Hashable, Sendable {
        public var chatID: ChatID
        public var lines: [ChatLine]
        /// Visitor messages with words so far (``AssistantScript/handoffAfterMessages``).
        public var wordyMessages: Int

        public init(chatID: ChatID, lines: [ChatLine], wordyMessages: Int) {
            self.chatID = chatID
            self.lines = lines
            self.wordyMessages = wordyMessages
        }
    }

    /// Everything stored of one tenant.
    public struct StoredTenant: Hashable, Sendable {
        public var tenant: Tenant
        /// The tenant's last ``PublishedEvent/sequence``.
        public var publishedEvents: UInt64
        /// The latest time the tenant's commands have seen: stored times never go behind it.
        public var latest: Timestamp
        /// The tenant's own accounts (platform staff are passed apart).
        public var users: [User]
        /// In creation order.
        public var agents: [StoredAgent]
        public var apiKeys: [APIKey]
        /// In creation order (request time, then the order they were made in).
        public var handoffs: [StoredHandoff]
        /// In the order they started.
        public var assistantChats: [StoredAssistantChat]

        public init(
            tenant: Tenant, publishedEvents: UInt64, latest: Timestamp, users: [User], agents: [StoredAgent], apiKeys: [APIKey],
            handoffs: [StoredHandoff], assistantChats: [StoredAssistantChat]
        ) {
            self.tenant = tenant
            self.publishedEvents = publishedEvents
            self.latest = latest
            self.users = users
            self.agents = agents
            self.apiKeys = apiKeys
            self.handoffs = handoffs
            self.assistantChats = assistantChats
        }
    }

    /// A core holding exactly one tenant, rebuilt from its rows, and the platform's staff
    /// accounts (they act on every tenant).
    ///
    /// `visitors` are accounts of other tenants that tried to act on this one: held only so the
    /// engine's permission checks refuse them as it would anywhere (forbidden, not unknown);
    /// they cannot log in here and are not part of the tenant's rows.
    ///
    /// The configuration must retain closed handoffs: the rows are the whole history.
    /// - Throws: ``HandoffError/invalid(_:_:)`` naming the first row that contradicts another
    ///   (an active handoff whose agent is not stored, a duplicate id): the rows are damaged.
    public init(configuration: Configuration, restoring stored: StoredTenant, platformStaff: [User], visitors: [User] = []) throws(HandoffError) {
        guard configuration.retainsClosedHandoffs else {
            throw .invalid("retainsClosedHandoffs", "A core rebuilt from rows must retain closed handoffs")
        }
        self.init(configuration: configuration)
        try addTenant(stored.tenant)
        let tenant = 0
        tenants[tenant].publishedEvents = stored.publishedEvents
        latest = stored.latest
        for user in platformStaff { try addUser(user) }
        for user in stored.users { try addUser(user) }
        for user in visitors where users[user.id] == nil && user.tenantID != stored.tenant.id { users[user.id] = user }
        for row in stored.agents {
            guard row.agent.tenantID == stored.tenant.id else { throw .invalid("agents", "Agent \(row.agent.id) belongs to another tenant") }
            guard agentSlots[row.agent.id] == nil else { throw .invalid("agents", "Agent \(row.agent.id) is stored twice") }
            let slot = agents.count
            var blank = row.agent
            blank.status = .offline
            blank.activeChats = 0
            let email = Self.emailKey(row.agent.email)
            let linked = userByEmail[email].flatMap { users[$0]?.tenantID == stored.tenant.id ? $0 : nil }
            agents.append(
                AgentRecord(
                    agent: blank, tenant: tenant, linkedUser: linked, statusBeforeSweep: row.statusBeforeSweep, idleSince: row.idleSince,
                    local: tenants[tenant].agents.count))
            agentSlots[row.agent.id] = slot
            agentByEmail[EmailKey(tenant: tenant, email: email)] = slot
            tenants[tenant].agents.append(slot)
            updateAgent(slot) {
                $0.agent.status = row.agent.status
                $0.agent.activeChats = row.agent.activeChats
            }
            rerank(slot)
        }
        for key in stored.apiKeys {
            guard apiKeys[key.id] == nil else { throw .invalid("apiKeys", "API key \(key.id) is stored twice") }
            apiKeys[key.id] = key
            apiKeysByPrefix[key.keyPrefix, default: []].append(key.id)
        }
        var active: [(pickedUpAt: Timestamp, order: Int, slot: Int)] = []
        var closed: [(closedAt: Timestamp, order: Int, slot: Int)] = []
        for (order, row) in stored.handoffs.enumerated() {
            let h = row.handoff
            guard handoffSlots[h.id] == nil else { throw .invalid("handoffs", "Handoff \(h.id) is stored twice") }
            var agent = -1
            if h.state == .active {
                guard let id = h.assignedAgentID, let slot = agentSlots[id] else {
                    throw .invalid("handoffs", "Active handoff \(h.id) has no stored agent")
                }
                agent = slot
            }
            let slot = handoffs.count
            handoffs.append(
                HandoffRecord(
                    handoff: h, tenant: tenant, agent: agent, inUse: true, previous: -1, next: -1, messages: row.messages,
                    indexed: true, hasChat: true))
            handoffSlots[h.id] = slot
            chats[ChatKey(tenant: tenant, chat: h.chatID)] = slot
            tenants[tenant].created.append(slot)
            if let end = row.pendingEnd {
                pendingEnds[slot] = PendingEnd(deadline: end.deadline, generation: 0, systemMessageID: end.systemMessageID)
            }
            // The dashboard's running totals, as the commands that made these rows counted them.
            tenants[tenant].metrics.recordRequest(at: h.requestedAt, windowMilliseconds: metricsWindowMilliseconds)
            if let pickedUpAt = h.pickedUpAt {
                tenants[tenant].metrics.recordPickUp(waitMilliseconds: pickedUpAt.milliseconds - h.requestedAt.milliseconds)
                if let id = h.assignedAgentID, let a = agentSlots[id] {
                    agents[a].chatsTaken += 1
                    if h.state == .resolved, let resolvedAt = h.resolvedAt {
                        agents[a].chatsCompleted += 1
                        agents[a].chatMilliseconds += resolvedAt.milliseconds - pickedUpAt.milliseconds
                    }
                }
            }
            switch h.state {
            case .pending: tenants[tenant].pending.append(slot, in: &handoffs)
            case .active: active.append((h.pickedUpAt ?? h.requestedAt, order, slot))
            case .resolved:
                tenants[tenant].metrics.resolved += 1
                closed.append((h.resolvedAt ?? h.requestedAt, order, slot))
            case .abandoned:
                tenants[tenant].metrics.abandoned += 1
                closed.append((h.resolvedAt ?? h.requestedAt, order, slot))
            case .afterHours:
                tenants[tenant].metrics.afterHours += 1
                closed.append((h.requestedAt, order, slot))
            }
        }
        for entry in active.sorted(by: { ($0.pickedUpAt, $0.order) < ($1.pickedUpAt, $1.order) }) {
            tenants[tenant].active.append(entry.slot, in: &handoffs)
        }
        tenants[tenant].closed = closed.sorted { ($0.closedAt, $0.order) < ($1.closedAt, $1.order) }.map(\.slot)
        for chat in stored.assistantChats {
            assistantChats[chat.chatID] = AssistantChat(tenant: tenant, lines: chat.lines, wordyMessages: chat.wordyMessages)
            assistantChatOrder.append(chat.chatID)
        }
    }

    /// The stored form of a tenant, or `nil` for an unknown one. Platform staff are left out.
    public func stored(tenant id: TenantID) -> StoredTenant? {
        guard let slot = tenantSlots[id] else { return nil }
        let record = tenants[slot]
        let ownUsers = users.values.filter { $0.tenantID == id }.sorted { $0.id < $1.id }
        let keys = apiKeys.values.filter { $0.tenantID == id }.sorted { $0.id < $1.id }
        let handoffRows: [StoredHandoff] = record.created.compactMap { storedHandoff(atSlot: $0) }
        let chats = assistantChatOrder.compactMap { chat -> StoredAssistantChat? in
            guard let c = assistantChats[chat], c.tenant == slot else { return nil }
            return StoredAssistantChat(chatID: chat, lines: c.lines, wordyMessages: c.wordyMessages)
        }
        return StoredTenant(
            tenant: record.tenant, publishedEvents: record.publishedEvents, latest: latest, users: ownUsers,
            agents: record.agents.map(storedAgent(atSlot:)), apiKeys: keys, handoffs: handoffRows, assistantChats: chats)
    }

    /// An agent's stored form.
    public func storedAgent(_ id: AgentID) -> StoredAgent? { agentSlots[id].map(storedAgent(atSlot:)) }

    /// A handoff's stored form (any tenant: ids are unique).
    public func storedHandoff(_ id: HandoffID) -> StoredHandoff? { handoffSlots[id].flatMap(storedHandoff(atSlot:)) }

    /// The number of messages a handoff holds now (0 for an unknown one).
    public func messageCount(_ id: HandoffID) -> Int { handoffSlots[id].map { handoffs[$0].messages.count } ?? 0 }

    /// A conversation with the assistant, in stored form.
    public func storedAssistantChat(_ chat: ChatID) -> StoredAssistantChat? {
        assistantChats[chat].map { StoredAssistantChat(chatID: chat, lines: $0.lines, wordyMessages: $0.wordyMessages) }
    }

    /// The tenant's event sequence and the latest time the core has seen.
    public func counters(tenant id: TenantID) -> (publishedEvents: UInt64, latest: Timestamp)? {
        tenantSlots[id].map { (tenants[$0].publishedEvents, latest) }
    }

    /// The handoffs with an end-chat waiting out its grace (usually none: O(1) then).
    public var handoffsWithPendingEnds: [HandoffID] {
        pendingEnds.isEmpty ? [] : pendingEnds.keys.sorted().map { handoffs[$0].handoff.id }
    }

    /// Every API key of the core, by id.
    public var allAPIKeys: [APIKeyID: APIKey] { apiKeys }

    /// Every account of the core, by id.
    public var allUsers: [UserID: User] { users }

    private func storedAgent(atSlot slot: Int) -> StoredAgent {
        StoredAgent(agent: agents[slot].agent, idleSince: agents[slot].idleSince, statusBeforeSweep: agents[slot].statusBeforeSweep)
    }

    private func storedHandoff(atSlot slot: Int) -> StoredHandoff? {
        let record = handoffs[slot]
        guard record.inUse else { return nil }
        let end = pendingEnds[slot].flatMap { $0.generation == record.generation ? StoredEnd(deadline: $0.deadline, systemMessageID: $0.systemMessageID) : nil }
        return StoredHandoff(handoff: record.handoff, messages: record.messages, pendingEnd: end)
    }
}

