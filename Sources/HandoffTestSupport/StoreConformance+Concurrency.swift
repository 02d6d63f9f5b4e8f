import HandoffEngine
import Testing

// MARK: - Races (task groups of concurrent commands; no sleeps)

extension StoreConformance {
    /// Ten agents fire 50 concurrent pick-ups at one handoff, five rounds over: each round has
    /// exactly one winner, every other attempt is ``HandoffError/handoffNotAvailable``, and each
    /// agent's `activeChats` equals the rounds it won.
    static func pickUpRaceHasOneWinner(_ s: Stage) async throws {
        let rounds = 5
        var agents: [Agent] = []
        for n in 1...10 { agents.append(try await s.agent("Agent\(n)", maxChats: rounds)) }
        var wins: [AgentID: Int] = [:]
        for round in 0..<rounds {
            let handoff = try await s.queue(ChatID("race-\(round)"))
            let store = s.store
            let results = await withTaskGroup(of: (AgentID, Result<Handoff, HandoffError>).self) { group in
                for agent in agents {
                    for _ in 0..<5 {
                        group.addTask {
                            (agent.id, await attempt { () async throws(HandoffError) in try await store.pickUp(handoff.id, by: agent.id) })
                        }
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.count == 50)
            let winners = results.filter { $0.1.success != nil }.map(\.0)
            let refusals = results.compactMap { $0.1.failure }
            #expect(winners.count == 1, "round \(round): \(winners.count) pick-ups won")
            #expect(refusals == Array(repeating: HandoffError.handoffNotAvailable, count: 49), "round \(round)")
            let winner = try #require(winners.first)
            #expect(try await s.store.handoff(handoff.id, tenant: s.acme).assignedAgentID == winner)
            wins[winner, default: 0] += 1

            let chats = try await s.store.agents(tenant: s.acme).map { ($0.id, $0.activeChats) }
            for (agent, count) in chats {
                #expect(count == wins[agent, default: 0], "round \(round): agent \(agent) counts \(count) chats, won \(wins[agent, default: 0])")
            }
            #expect(chats.map(\.1).reduce(0, +) == round + 1)
            #expect(try await s.activeIDs().count == round + 1)
            #expect(try await s.pendingIDs() == [])
        }
        #expect(try await s.store.metrics(tenant: s.acme).pickedUp == rounds)
    }

    /// One agent with 3 slots races for 10 pending handoffs at once: exactly 3 won, 7 refused
    /// with ``HandoffError/agentAtCapacity``, and the queue holds the other 7.
    static func capacityRaceStopsAtMaxChats(_ s: Stage) async throws {
        let sol = try await s.agent("Sol", maxChats: 3)
        var handoffs: [HandoffID] = []
        for n in 0..<10 { handoffs.append(try await s.queue(ChatID("chat-\(n)")).id) }
        #expect(try await s.pendingIDs().count == 10)
        let store = s.store
        let results = await withTaskGroup(of: Result<Handoff, HandoffError>.self) { group in
            for handoff in handoffs {
                group.addTask { await attempt { () async throws(HandoffError) in try await store.pickUp(handoff, by: sol.id) } }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let picked = results.compactMap(\.success)
        let refused = results.compactMap(\.failure)
        #expect(picked.count == 3)
        #expect(refused == Array(repeating: HandoffError.agentAtCapacity, count: 7))
        #expect(try await s.reread(sol).activeChats == 3)
        #expect(Set(try await s.activeIDs()) == Set(picked.map(\.id)))
        #expect(Set(try await s.pendingIDs()) == Set(handoffs).subtracting(picked.map(\.id)))
        #expect(try await s.store.availableAgents(tenant: s.acme) == [])
    }

    /// The agent resolves each of 20 chats at the moment its user ends it: exactly one of the
    /// two closes it (the resolve, or an end-chat answering `resolved`; the other gets
    /// ``HandoffError/handoffNotActive`` or ``EndChatOutcome/nothingOpen``), and every slot is
    /// freed exactly once.
    static func resolveRacingEndChatFreesSlotOnce(_ s: Stage) async throws {
        var agents: [Agent] = []
        for n in 1...4 { agents.append(try await s.agent("Agent\(n)", maxChats: 5)) }
        var open: [(HandoffID, ChatID, AgentID)] = []
        for i in 0..<20 {
            let chat = ChatID("chat-\(i)")
            let agent = agents[i % agents.count]
            let handoff = try await s.open(chat, by: agent)
            open.append((handoff.id, chat, agent.id))
        }
        let store = s.store
        let tenant = s.acme
        enum Closer: Sendable { case resolve, endChat, neither }
        let outcomes = await withTaskGroup(of: (HandoffID, Closer).self) { group in
            for (id, chat, agent) in open {
                group.addTask {
                    let result = await attempt { () async throws(HandoffError) in try await store.resolve(id, by: agent) }
                    if result.success != nil { return (id, .resolve) }
                    #expect(result.failure == .handoffNotActive)
                    return (id, .neither)
                }
                group.addTask {
                    let result = await attempt { () async throws(HandoffError) in try await store.endChat(chat: chat, handoff: id, tenant: tenant) }
                    if result.success?.resolvedHandoff != nil { return (id, .endChat) }
                    #expect(result.success == .nothingOpen, "end-chat lost the race: expected nothingOpen, got \(result)")
                    return (id, .neither)
                }
            }
            return await group.reduce(into: [HandoffID: [Closer]]()) { closers, next in closers[next.0, default: []].append(next.1) }
        }
        #expect(outcomes.count == 20)
        for (id, closers) in outcomes {
            #expect(closers.filter { $0 != .neither }.count == 1, "handoff \(id) closed by \(closers)")
            let closed = try await s.store.handoff(id, tenant: s.acme)
            #expect(closed.state == .resolved)
            #expect(closed.resolvedBy == (closers.contains(.endChat) ? .user : closed.assignedAgentID.map(Resolver.agent)))
        }
        #expect(try await s.store.agents(tenant: s.acme).map(\.activeChats) == [0, 0, 0, 0])
        #expect(try await s.activeIDs() == [])
        #expect(try await s.store.metrics(tenant: s.acme).resolved == 20)
    }

    /// A widget that double-fires its request: of 20 concurrent requests for one chat exactly
    /// one queues a handoff and the others get that same handoff back.
    static func concurrentRequestsForOneChatMakeOneHandoff(_ s: Stage) async throws {
        _ = try await s.agent("Ann")
        let store = s.store
        let tenant = s.acme
        let results = await withTaskGroup(of: Result<RequestOutcome, HandoffError>.self) { group in
            for _ in 0..<20 {
                group.addTask {
                    await attempt { () async throws(HandoffError) in
                        try await store.requestHandoff(HandoffRequest(chatID: "chat-1"), tenant: tenant)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        let outcomes = results.compactMap(\.success)
        #expect(outcomes.count == 20, "refusals: \(results.compactMap(\.failure))")
        let queued = outcomes.compactMap(\.queuedHandoff)
        #expect(queued.count == 1)
        let handoff = try #require(queued.first)
        #expect(outcomes.compactMap(\.alreadyOpenHandoff).map(\.id) == Array(repeating: handoff.id, count: 19))
        #expect(try await s.pendingIDs() == [handoff.id])
        #expect(try await s.store.handoffs(tenant: s.acme, limit: 50, before: nil).map(\.id) == [handoff.id])
        #expect(try await s.store.metrics(tenant: s.acme).totalRequests == 1)
    }
}
