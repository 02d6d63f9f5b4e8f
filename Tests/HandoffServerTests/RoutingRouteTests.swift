import Foundation
import HTTPTypes
import HandoffAPI
import HandoffEngine
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HandoffServer

/// `GET/PUT /api/tenant/routing` (our extension) and what automatic routing looks like on the
/// wire: the request answer, the status poll, and the `handoff_picked_up` push.
@Suite struct RoutingRouteTests {
    private typealias F = HandoffAPI.WebSocketFrame
    typealias Body = TenantRoutingBody
    static let path = APIPath.tenantRouting

    @Test func aClientAdminReadsAndChangesTheRouting() async throws {
        let world = try await World()
        try world.online(world.ann, world.bob)
        let waiting = [try world.pendingHandoff("w1"), try world.pendingHandoff("w2")]
        try await world.app().test(.router) { client in
            let boss = try await client.login(Fixture.bossEmail)
            let read = try await client.send(.get, Self.path, token: boss)
            #expect(read.status == .ok)
            #expect(try read.decode(Body.self) == Body(routing: "manual"))

            // `auto`, the old name, is accepted and answered with the policy's own.
            let changed = try await client.send(.put, Self.path, json: Body(routing: "auto"), token: boss)
            #expect(changed.status == .ok, "\(changed.text)")
            #expect(try changed.decode(Body.self) == Body(routing: "leastBusy"))
            #expect(try await client.send(.get, Self.path, token: boss).decode(Body.self) == Body(routing: "leastBusy"))
            // Switching drained the queue: one each (the least busy first; Ann and Bob tie on idle time,
            // so their random ids decide who takes the older one).
            #expect(try world.store.pendingHandoffs(tenant: Fixture.acme) == [])
            let assignees = try waiting.map { id in try world.store.handoff(id, tenant: Fixture.acme).assignedAgentID }
            #expect(Set(assignees) == [world.ann, world.bob])
            #expect(assignees[0] == min(world.ann, world.bob))
            // Another tenant is untouched.
            #expect(world.store.tenant(Fixture.globex)?.routing == .manual)
            #expect(world.store.invariantViolations() == [])

            #expect(try await client.send(.put, Self.path, json: Body(routing: "manual"), token: boss).decode(Body.self) == Body(routing: "manual"))
        }
    }

    @Test func onlyAClientAdminMay() async throws {
        let world = try await World()
        _ = try await world.store.addUser(World.user("owner@platform.test", tenant: nil, role: .owner))
        try await world.app().test(.router) { client in
            let staff = try await client.login(Fixture.annEmail)
            expectError(try await client.send(.get, Self.path, token: staff), .forbidden, "Insufficient permissions to read routing")
            expectError(
                try await client.send(.put, Self.path, json: Body(routing: "auto"), token: staff), .forbidden, "Insufficient permissions to change routing")
            let owner = try await client.login("owner@platform.test")
            expectError(try await client.send(.get, Self.path, token: owner), .forbidden, "Insufficient permissions to act without a tenant")
            expectError(try await client.send(.get, Self.path), .unauthorized, "Not authenticated")
            #expect(world.store.tenant(Fixture.acme)?.routing == .manual)
        }
    }

    @Test(arguments: [
        (#"{"routing":"sideways"}"#, "routing must be one of manual, leastBusy, mostBusy, longestIdle (auto is leastBusy)"),
        (#"{"routing":7}"#, "routing must be a string"),
        (#"{}"#, "routing is required"),
        (#"[]"#, "The request body must be a JSON object"),
        ("", "A JSON request body is required"),
    ])
    func aBadBodyIs400WithDetails(raw: String, problem: String) async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let boss = try await client.login(Fixture.bossEmail)
            let response = try await client.send(.put, Self.path, raw: raw, token: boss)
            expectError(response, .badRequest, problem)
            #expect(response.error?.details?.first?.problem == problem, "\(response.text)")
            #expect(world.store.tenant(Fixture.acme)?.routing == .manual)
        }
    }

    @Test func anAssignedRequestAnswersPendingAndPollsActive() async throws {
        let world = try await World()
        try world.online(world.ann)
        _ = try world.store.setRouting(.leastBusy, tenant: Fixture.acme, by: .system)
        try await world.app().test(.router) { client in
            let response = try await client.send(.post, APIPath.widgetHandoff, json: HandoffRequestBody(apiKey: Fixture.acmeKey, chatId: "chat-1"))
            let created = try response.decode(HandoffCreatedResponse.self)
            #expect(created.status == "pending" && created.message == WireTexts.handoffCreated)
            let status = try await client.send(.get, APIPath.widgetStatus(created.handoffId) + widgetQuery()).decode(HandoffStatusResponse.self)
            #expect(status.status == "active" && status.agentName == "Ann" && status.pickedUpAt != nil)
            // Bob is offline: he takes nothing.
            let agents = try await client.send(.get, APIPath.agents, token: try await client.login(Fixture.bossEmail)).decode([AgentBody].self)
            #expect(agents.map(\.activeChats) == [1, 0])
        }
    }

    @Test func theAssignedAgentsSocketIsTold() async throws {
        let world = try await World()
        try await world.app().test(.live) { client in
            let port = try #require(client.port)
            let ann = try await client.login(Fixture.annEmail)  // Ann is now available
            let boss = try await client.login(Fixture.bossEmail)
            try await withSocket(port: port, path: APIPath.agentSocket) { socket in
                try socket.send(F.Auth(token: ann))
                _ = try await socket.next(F.FrameType.authSuccess, as: F.AuthSuccess.self)
                try world.fence(world.ann)
                try await socket.skip(untilStatusOf: world.ann.description)

                // Manual: the request waits; switching to auto assigns it, pushed as a pick-up.
                let first = try await client.send(.post, APIPath.widgetHandoff, json: HandoffRequestBody(apiKey: Fixture.acmeKey, chatId: "chat-1"))
                let firstID = try first.decode(HandoffCreatedResponse.self).handoffId
                #expect(try await socket.next(F.FrameType.newHandoff, as: F.NewHandoff.self).handoff.id == firstID)
                #expect(try await client.send(.put, Self.path, json: Body(routing: "auto"), token: boss).status == .ok)
                #expect(try await socket.next(F.FrameType.handoffPickedUp, as: F.PickedUp.self)
                    == F.PickedUp(handoffId: firstID, agentId: world.ann.description, agentName: "Ann"))

                // Auto: a new request is assigned in its own command: new_handoff, then handoff_picked_up.
                let second = try await client.send(.post, APIPath.widgetHandoff, json: HandoffRequestBody(apiKey: Fixture.acmeKey, chatId: "chat-2"))
                let secondID = try second.decode(HandoffCreatedResponse.self).handoffId
                #expect(try await socket.next(F.FrameType.newHandoff, as: F.NewHandoff.self).handoff.id == secondID)
                #expect(try await socket.next(F.FrameType.handoffPickedUp, as: F.PickedUp.self)
                    == F.PickedUp(handoffId: secondID, agentId: world.ann.description, agentName: "Ann"))
            }
        }
    }
}
