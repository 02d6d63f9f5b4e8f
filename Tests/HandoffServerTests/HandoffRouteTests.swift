import Foundation
import HTTPTypes
import HandoffAPI
import HandoffEngine
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HandoffServer

/// docs/api.md handoff endpoints and our extensions (history, assign).
@Suite struct HandoffRouteTests {
    // MARK: Queries

    @Test func listsAreScopedAndOrdered() async throws {
        let world = try await World()
        try world.online(world.ann, world.gil)
        let first = try world.pendingHandoff("one")
        world.clock.advance(by: .seconds(1))
        let second = try world.pendingHandoff("two")
        world.clock.advance(by: .seconds(1))
        let third = try world.pendingHandoff("three")
        _ = try world.store.pickUp(third, by: world.ann)
        _ = try world.pendingHandoff("globex", tenant: Fixture.globex)
        try await world.app().test(.router) { client in
            let token = try await client.login(Fixture.annEmail)
            let pending = try await client.send(.get, APIPath.pendingHandoffs, token: token).decode([HandoffBody].self)
            #expect(pending.map(\.id) == [first, second].map(\.description))
            #expect(pending.allSatisfy { $0.status == "pending" && $0.tenantId == Fixture.acme.description && $0.assignedAgentId == nil })
            let active = try await client.send(.get, APIPath.activeHandoffs, token: token).decode([HandoffBody].self)
            #expect(active.map(\.id) == [third.description])
            #expect(active.first?.assignedAgentId == world.ann.description)
            #expect(active.first?.pickedUpAt == (Fixture.start + .seconds(2)).iso8601)
            let all = try await client.send(.get, APIPath.handoffs, token: token).decode([HandoffBody].self)
            #expect(all.map(\.id) == [third, second, first].map(\.description))
            let page = try await client.send(.get, APIPath.handoffs + "?limit=1&before=\(all[0].requestedAt)", token: token).decode([HandoffBody].self)
            #expect(page.map(\.id) == [second.description])
            let one = try await client.send(.get, APIPath.handoff(second.description), token: token).decode(HandoffBody.self)
            #expect(one.id == second.description && one.chatId == "two" && one.requestedAt == (Fixture.start + .seconds(1)).iso8601)
        }
    }

    @Test func historyListsClosedHandoffsMostRecentlyClosedFirst() async throws {
        let world = try await World()
        let a = try world.activeHandoff("a")
        let b = try world.activeHandoff("b")
        world.clock.advance(by: .seconds(5))
        _ = try world.store.resolve(b, by: world.ann)
        world.clock.advance(by: .seconds(5))
        _ = try world.store.resolve(a, by: world.ann)
        try await world.app().test(.router) { client in
            let token = try await client.login(Fixture.bobEmail)
            let history = try await client.send(.get, APIPath.historyHandoffs, token: token).decode([HandoffBody].self)
            #expect(history.map(\.id) == [a, b].map(\.description))
            #expect(history.allSatisfy { $0.status == "resolved" })
            let older = try await client.send(.get, APIPath.historyHandoffs + "?before=\(try #require(history[0].resolvedAt))", token: token)
            #expect(try older.decode([HandoffBody].self).map(\.id) == [b.description])
        }
    }

    // MARK: Pick-up

    @Test func pickUpAssignsTheCaller() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let token = try await client.login(Fixture.annEmail)
            let id = try world.pendingHandoff()
            let response = try await client.send(.post, APIPath.pickUp(id.description), json: [String: String](), token: token)
            #expect(response.status == .ok)
            let body = try response.decode(HandoffBody.self)
            #expect(body.status == "active")
            #expect(body.assignedAgentId == world.ann.description)
            #expect(body.pickedUpAt != nil)
            let again = try await client.send(.post, APIPath.pickUp(id.description), token: token)
            expectError(again, .badRequest, "Handoff is not available")
        }
    }

    @Test func concurrentPickUpsOverHTTPHaveExactlyOneWinner() async throws {
        let world = try await World()
        let names = (0..<12).map { "racer\($0)" }
        for name in names {
            _ = try World.addAgent(world.store, name, email: "\(name)@acme.test", tenant: Fixture.acme)
            _ = try await world.store.addUser(World.user("\(name)@acme.test", tenant: Fixture.acme, role: .supportStaff))
        }
        try await world.app().test(.router) { client in
            var tokens: [String] = []
            for name in names { tokens.append(try await client.login("\(name)@acme.test")) }
            for round in 0..<5 {
                let id = try world.pendingHandoff("race-\(round)")
                let statuses = try await withThrowingTaskGroup(of: (HTTPResponse.Status, String?).self) { group in
                    for token in tokens {
                        group.addTask {
                            let response = try await client.send(.post, APIPath.pickUp(id.description), token: token)
                            return (response.status, response.error?.error)
                        }
                    }
                    return try await group.reduce(into: []) { $0.append($1) }
                }
                #expect(statuses.filter { $0.0 == .ok }.count == 1, "round \(round)")
                #expect(statuses.filter { $0.0 == .badRequest && $0.1 == "Handoff is not available" }.count == tokens.count - 1)
                let winner = try #require(try world.store.handoff(id, tenant: Fixture.acme).assignedAgentID)
                #expect(try world.store.agent(winner, tenant: Fixture.acme).activeChats >= 1)
            }
            let busy = try world.store.agents(tenant: Fixture.acme).reduce(0) { $0 + $1.activeChats }
            #expect(busy == 5)
            #expect(world.store.invariantViolations().isEmpty)
        }
    }

    @Test func capacityAndStatusAreEnforced() async throws {
        let world = try await World()
        _ = try world.store.setMaxChats(world.ann, to: 1, by: .system)
        try await world.app().test(.router) { client in
            let ann = try await client.login(Fixture.annEmail)
            _ = try await client.login(Fixture.bobEmail)
            let first = try world.pendingHandoff()
            let second = try world.pendingHandoff()
            #expect(try await client.send(.post, APIPath.pickUp(first.description), token: ann).status == .ok)
            expectError(try await client.send(.post, APIPath.pickUp(second.description), token: ann), .conflict, "Agent is at capacity")
            _ = try world.store.setAgentStatus(world.ann, to: .busy, by: .system)
            expectError(try await client.send(.post, APIPath.pickUp(second.description), token: ann), .conflict, "Agent is not available")
        }
    }

    @Test func accountWithoutAnAgentRecordCannotPickUp() async throws {
        let world = try await World()
        try world.online(world.ann)
        let id = try world.pendingHandoff()
        try await world.app().test(.router) { client in
            let boss = try await client.login(Fixture.bossEmail)
            expectError(try await client.send(.post, APIPath.pickUp(id.description), token: boss), .notFound, "Agent record not found")
        }
    }

    // MARK: Chat and resolve

    @Test func assigneeChatsAndResolvesOthersAreRefused() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let ann = try await client.login(Fixture.annEmail)
            let bob = try await client.login(Fixture.bobEmail)
            let id = try world.pendingHandoff()
            let early = try await client.send(.post, APIPath.sendMessage(id.description), json: SendMessageRequest(message: "hi"), token: ann)
            expectError(early, .badRequest, "Handoff is not active")
            _ = try await client.send(.post, APIPath.pickUp(id.description), token: ann)

            let sent = try await client.send(.post, APIPath.sendMessage(id.description), json: SendMessageRequest(message: "  How can I help?  "), token: ann)
            #expect(sent.status == .ok)
            let message = try sent.decode(MessageBody.self)
            #expect(message.senderType == "agent" && message.senderId == world.ann.description)
            #expect(message.content == "How can I help?" && message.handoffId == id.description)

            let notMine = "This conversation is assigned to another agent"
            expectError(
                try await client.send(.post, APIPath.sendMessage(id.description), json: SendMessageRequest(message: "me too"), token: bob),
                .forbidden, "Unauthorized", message: notMine)
            expectError(try await client.send(.post, APIPath.resolve(id.description), token: bob), .forbidden, "Unauthorized", message: notMine)

            let messages = try await client.send(.get, APIPath.handoffMessages(id.description), token: bob).decode([MessageBody].self)
            #expect(messages.map(\.content) == ["How can I help?"])

            let resolved = try await client.send(.post, APIPath.resolve(id.description), json: [String: String](), token: ann)
            #expect(resolved.status == .ok)
            let body = try resolved.decode(HandoffBody.self)
            #expect(body.status == "resolved" && body.resolvedAt != nil)
            expectError(try await client.send(.post, APIPath.resolve(id.description), token: ann), .badRequest, "Handoff is not active")
            #expect(try world.store.agent(world.ann, tenant: Fixture.acme).activeChats == 0)
        }
    }

    // MARK: Assign (extension)

    @Test func adminAssignsSupportStaffMayNot() async throws {
        let world = try await World()
        try world.online(world.ann, world.bob)
        let id = try world.pendingHandoff()
        try await world.app().test(.router) { client in
            let bob = try await client.login(Fixture.bobEmail)
            let boss = try await client.login(Fixture.bossEmail)
            let denied = try await client.send(.post, APIPath.assign(id.description), json: AssignRequest(agentId: world.ann.description), token: bob)
            expectError(denied, .forbidden, "Insufficient permissions to assign handoffs")
            let foreign = try await client.send(.post, APIPath.assign(id.description), json: AssignRequest(agentId: world.gil.description), token: boss)
            expectError(foreign, .notFound, "Agent record not found")
            let malformed = try await client.send(.post, APIPath.assign(id.description), json: AssignRequest(agentId: "ann"), token: boss)
            expectError(malformed, .badRequest, "agentId must be a UUID")
            #expect(malformed.error?.details == [ErrorBody.Detail(field: "agentId", problem: "agentId must be a UUID")])
            let assigned = try await client.send(.post, APIPath.assign(id.description), json: AssignRequest(agentId: world.ann.description), token: boss)
            #expect(assigned.status == .ok)
            let body = try assigned.decode(HandoffBody.self)
            #expect(body.status == "active" && body.assignedAgentId == world.ann.description)
        }
    }

    // MARK: Tenancy

    @Test func anotherTenantsHandoffIsNotFoundOnEveryRoute() async throws {
        let world = try await World()
        try world.online(world.gil)
        let foreign = try world.pendingHandoff("g", tenant: Fixture.globex)
        try await world.app().test(.router) { client in
            let ann = try await client.login(Fixture.annEmail)
            let boss = try await client.login(Fixture.bossEmail)
            let id = foreign.description
            let attempts: [(HTTPRequest.Method, String, (any Encodable)?, String)] = [
                (.get, APIPath.handoff(id), nil, ann),
                (.get, APIPath.handoffMessages(id), nil, ann),
                (.post, APIPath.pickUp(id), nil, ann),
                (.post, APIPath.resolve(id), nil, ann),
                (.post, APIPath.sendMessage(id), SendMessageRequest(message: "hi"), ann),
                (.post, APIPath.assign(id), AssignRequest(agentId: world.ann.description), boss),
            ]
            for (method, path, body, token) in attempts {
                expectError(try await client.send(method, path, json: body, token: token), .notFound, "Handoff not found")
            }
            expectError(try await client.send(.get, APIPath.handoff("not-a-uuid"), token: ann), .notFound, "Handoff not found")
            #expect(try world.store.handoff(foreign, tenant: Fixture.globex).state == .pending)
        }
    }

    @Test func dashboardMetricsCountTheTenantsHandoffs() async throws {
        let world = try await World()
        let id = try world.activeHandoff()
        world.clock.advance(by: .seconds(3))
        _ = try world.store.resolve(id, by: world.ann)
        _ = try world.pendingHandoff()
        try await world.app().test(.router) { client in
            let token = try await client.login(Fixture.bobEmail)
            let response = try await client.send(.get, APIPath.dashboardMetrics, token: token)
            #expect(response.status == .ok)
            let metrics = try response.decode(DashboardMetricsBody.self)
            #expect(metrics.totalRequests == 2 && metrics.requestsInWindow == 2)
            #expect(metrics.pickedUp == 1 && metrics.resolved == 1 && metrics.pending == 1 && metrics.active == 0)
            #expect(metrics.averageWaitMilliseconds == 0 && metrics.waitP50Milliseconds == 0)
            let annMetrics = try #require(metrics.agents.first { $0.agentId == world.ann.description })
            #expect(annMetrics.totalChats == 1 && annMetrics.averageChatMilliseconds == 3000)
            let object = try #require(response.object)
            #expect(Set(object.keys).isSuperset(of: ["waitP90Milliseconds", "waitP99Milliseconds", "abandoned", "afterHours", "agents"]))
        }
    }
}
