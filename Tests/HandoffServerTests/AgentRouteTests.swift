import Foundation
import HTTPTypes
import HandoffAPI
import HandoffEngine
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HandoffServer

/// docs/api.md `/api/human-agents`: listing, creation, status, roles and tenancy.
@Suite struct AgentRouteTests {
    @Test func listAndAvailableAreTheTenants() async throws {
        let world = try await World()
        try world.online(world.gil)
        _ = try world.store.setMaxChats(world.bob, to: 1, by: .system)
        try world.online(world.bob)
        _ = try world.activeHandoff(agent: world.bob)  // Bob is now full
        try await world.app().test(.router) { client in
            let token = try await client.login(Fixture.annEmail)
            let agents = try await client.send(.get, APIPath.agents, token: token).decode([AgentBody].self)
            #expect(agents.map(\.name) == ["Ann", "Bob"])
            let bob = try #require(agents.last)
            #expect(bob.id == world.bob.description && bob.tenantId == Fixture.acme.description && bob.email == Fixture.bobEmail)
            #expect(bob.status == "available" && bob.activeChats == 1 && bob.maxChats == 1)
            #expect(bob.createdAt == Fixture.start.iso8601)
            let available = try await client.send(.get, APIPath.availableAgents, token: token).decode([AgentBody].self)
            #expect(available.map(\.name) == ["Ann"])
        }
    }

    @Test func onlyAClientAdminCreatesAgents() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let boss = try await client.login(Fixture.bossEmail)
            let staff = try await client.login(Fixture.annEmail)
            let request = CreateAgentRequest(name: "Cat", email: "cat@acme.test", status: "available", maxChats: 3)
            expectError(
                try await client.send(.post, APIPath.agents, json: request, token: staff), .forbidden, "Insufficient permissions to create agents")
            let created = try await client.send(.post, APIPath.agents, json: request, token: boss)
            #expect(created.status == .ok)
            let body = try created.decode(AgentBody.self)
            #expect(body.name == "Cat" && body.email == "cat@acme.test" && body.status == "available" && body.maxChats == 3)
            #expect(body.tenantId == Fixture.acme.description && body.activeChats == 0)
            let duplicate = try await client.send(.post, APIPath.agents, json: request, token: boss)
            expectError(duplicate, .conflict, "An agent with this email already exists")
            #expect(duplicate.error?.details?.first?.field == "email")
            let defaults = try await client.send(.post, APIPath.agents, json: CreateAgentRequest(name: "Dan", email: "dan@acme.test"), token: boss)
            let dan = try defaults.decode(AgentBody.self)
            #expect(dan.status == "offline" && dan.maxChats == 5)
            let bad = try await client.send(.post, APIPath.agents, json: CreateAgentRequest(name: "Eve", email: "eve@acme.test", maxChats: 0), token: boss)
            expectError(bad, .badRequest, "maxChats must be at least 1")
        }
    }

    @Test func statusChangesFollowTheRoleRules() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let ann = try await client.login(Fixture.annEmail)
            let boss = try await client.login(Fixture.bossEmail)
            let own = try await client.send(.patch, APIPath.agentStatus(world.ann.description), json: StatusRequest(status: "busy"), token: ann)
            #expect(own.status == .ok)
            #expect(try own.decode(SuccessBody.self).success)
            #expect(try world.store.agent(world.ann, tenant: Fixture.acme).status == .busy)
            let other = try await client.send(.patch, APIPath.agentStatus(world.bob.description), json: StatusRequest(status: "available"), token: ann)
            expectError(other, .forbidden, "Insufficient permissions to change another agent's status")
            let byAdmin = try await client.send(.patch, APIPath.agentStatus(world.bob.description), json: StatusRequest(status: "available"), token: boss)
            #expect(byAdmin.status == .ok)
            #expect(try world.store.agent(world.bob, tenant: Fixture.acme).status == .available)
            let foreign = try await client.send(.patch, APIPath.agentStatus(world.gil.description), json: StatusRequest(status: "offline"), token: boss)
            expectError(foreign, .notFound, "Agent record not found")
            #expect(try world.store.agent(world.gil, tenant: Fixture.globex).status == .offline)
            let unknown = try await client.send(.patch, APIPath.agentStatus(UUID().uuidString), json: StatusRequest(status: "offline"), token: boss)
            expectError(unknown, .notFound, "Agent record not found")
            let malformed = try await client.send(.patch, APIPath.agentStatus("bob"), json: StatusRequest(status: "offline"), token: boss)
            expectError(malformed, .notFound, "Agent record not found")
            let badStatus = try await client.send(.patch, APIPath.agentStatus(world.ann.description), json: StatusRequest(status: "away"), token: ann)
            expectError(badStatus, .badRequest, "status must be one of available, busy, offline")
            #expect(badStatus.error?.details == [ErrorBody.Detail(field: "status", problem: "status must be one of available, busy, offline")])
        }
    }

    @Test func platformStaffHaveNoTenantToActIn() async throws {
        let world = try await World()
        _ = try await world.store.addUser(World.user("root@platform.test", tenant: nil, role: .owner))
        try await world.app().test(.router) { client in
            let response = try await client.send(.post, APIPath.login, json: LoginRequest(email: "root@platform.test", password: Fixture.password))
            let login = try response.decode(LoginResponse.self)
            #expect(login.user.isPlatformAdmin && login.user.tenantId == nil && login.user.role == "owner")
            let agents = try await client.send(.get, APIPath.agents, token: login.token)
            #expect(agents.status == .forbidden)
        }
    }
}
