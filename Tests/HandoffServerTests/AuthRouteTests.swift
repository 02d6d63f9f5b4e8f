import Foundation
import HTTPTypes
import HandoffAPI
import HandoffEngine
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HandoffServer

/// docs/api.md, sessions: login, heartbeat, logout, and every way a token can be bad.
@Suite struct AuthRouteTests {
    @Test func loginReturnsATokenAndTheUserAndBringsTheAgentOnline() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let response = try await client.send(.post, APIPath.login, json: LoginRequest(email: "ANN@acme.test", password: Fixture.password))
            #expect(response.status == .ok)
            let body = try response.decode(LoginResponse.self)
            #expect(body.token.split(separator: ".").count == 3)
            #expect(body.user.id == world.annUser.description)
            #expect(body.user.email == Fixture.annEmail)
            #expect(body.user.role == "support_staff")
            #expect(body.user.tenantId == Fixture.acme.description)
            #expect(body.user.isPlatformAdmin == false)
            #expect(body.user.firstName == "First" && body.user.lastName == "Last")
            #expect(try world.store.agent(world.ann, tenant: Fixture.acme).status == .available)
            let agents = try await client.send(.get, APIPath.agents, token: body.token)
            #expect(agents.status == .ok)
        }
    }

    /// The reference dashboard calls `GET /api/auth/me` right after login and logs out when it
    /// fails: it must answer the same user the login did, for every role.
    @Test(arguments: [Fixture.annEmail, Fixture.bossEmail])
    func meAnswersTheLoggedInUser(_ email: String) async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let login = try await client.send(.post, APIPath.login, json: LoginRequest(email: email, password: Fixture.password))
            let body = try login.decode(LoginResponse.self)
            let me = try await client.send(.get, APIPath.me, token: body.token)
            #expect(me.status == .ok)
            #expect(try me.decode(UserBody.self) == body.user)
            // Every key is present, `tenantId` included (a string for tenant accounts).
            let object = try #require(try JSONSerialization.jsonObject(with: Data(me.text.utf8)) as? [String: Any])
            #expect(Set(object.keys) == ["id", "email", "firstName", "lastName", "role", "tenantId", "isPlatformAdmin"])
            expectError(try await client.send(.get, APIPath.me), .unauthorized, "Not authenticated")
            expectError(try await client.send(.get, APIPath.me, token: "not.a.token"), .unauthorized, "Invalid or expired token")
        }
    }

    @Test(arguments: [(Fixture.annEmail, "wrong password"), ("nobody@acme.test", Fixture.password), ("", "")])
    func badCredentialsAre401(_ email: String, _ password: String) async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let response = try await client.send(.post, APIPath.login, json: LoginRequest(email: email, password: password))
            expectError(response, .unauthorized, "Invalid credentials")
        }
    }

    @Test(arguments: [nil, "Basic YW5uOnNlY3JldA==", "Bearer", "Bearer "])
    func missingBearerTokenIsNotAuthenticated(_ header: String?) async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            var headers: HTTPFields = [:]
            if let header { headers[.authorization] = header }
            for (method, path) in [(HTTPRequest.Method.get, APIPath.handoffs), (.get, APIPath.agents), (.post, APIPath.heartbeat), (.get, APIPath.dashboardMetrics)] {
                let response = try await client.send(method, path, headers: headers)
                expectError(response, .unauthorized, "Not authenticated")
            }
        }
    }

    @Test func forgedExpiredGarbageAndTamperedTokensAreRejected() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let genuine = try await world.token(for: world.annUser)
            #expect(try await client.send(.get, APIPath.pendingHandoffs, token: genuine).status == .ok)

            let forged = try await world.token(for: world.annUser, secret: "another-secret-of-the-same-length-0123456789")
            expectError(try await client.send(.get, APIPath.pendingHandoffs, token: forged), .unauthorized, "Invalid or expired token")

            expectError(try await client.send(.get, APIPath.pendingHandoffs, token: "not.a.jwt"), .unauthorized, "Invalid or expired token")
            expectError(try await client.send(.get, APIPath.pendingHandoffs, token: "garbage"), .unauthorized, "Invalid or expired token")

            // Another tenant in the payload, signature kept: the signature no longer matches.
            let parts = genuine.split(separator: ".").map(String.init)
            var payload = try JSONSerialization.jsonObject(with: try #require(Data(base64URL: parts[1]))) as! [String: Any]
            payload["tenantId"] = Fixture.globex.description
            let tampered = [parts[0], try JSONSerialization.data(withJSONObject: payload).base64URL, parts[2]].joined(separator: ".")
            expectError(try await client.send(.get, APIPath.pendingHandoffs, token: tampered), .unauthorized, "Invalid or expired token")

            // alg "none" with no signature.
            let none = [Data(#"{"alg":"none","typ":"JWT"}"#.utf8).base64URL, parts[1], ""].joined(separator: ".")
            expectError(try await client.send(.get, APIPath.pendingHandoffs, token: none), .unauthorized, "Invalid or expired token")
        }
    }

    @Test func tokensExpireOnTheInjectedClock() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let token = try await client.login(Fixture.annEmail)
            world.clock.advance(by: .seconds(12 * 3600 - 1))
            #expect(try await client.send(.post, APIPath.heartbeat, token: token).status == .ok)
            world.clock.advance(by: .seconds(1))
            expectError(try await client.send(.post, APIPath.heartbeat, token: token), .unauthorized, "Invalid or expired token")
        }
    }

    @Test func tokenOfAnUnknownUserIsRejected() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let stranger = User(
                id: UserID(uuid: UUID()), tenantID: Fixture.acme, email: "ghost@acme.test",
                passwordHash: PasswordHash(password: "x", salt: [1], iterations: 1), firstName: "G", lastName: "H", role: .clientAdmin)
            let token = try await TokenAuthority(secret: Fixture.secret, lifetime: .seconds(60), clock: world.clock).issue(for: stranger)
            expectError(try await client.send(.get, APIPath.agents, token: token), .unauthorized, "Invalid or expired token")
        }
    }

    @Test func suspendedTenantsTokensAre403() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let token = try await client.login(Fixture.gilEmail)
            try world.store.setTenantStatus(Fixture.globex, .suspended)
            expectError(try await client.send(.get, APIPath.pendingHandoffs, token: token), .forbidden, "Tenant is suspended")
        }
    }

    @Test func heartbeatKeepsAManualStatusAndRefreshesLastSeen() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let token = try await client.login(Fixture.annEmail)
            _ = try await client.send(.patch, APIPath.agentStatus(world.ann.description), json: StatusRequest(status: "busy"), token: token)
            world.clock.advance(by: .seconds(30))
            let response = try await client.send(.post, APIPath.heartbeat, token: token)
            #expect(response.status == .ok)
            #expect(try response.decode(HeartbeatResponse.self).ok)
            let agent = try world.store.agent(world.ann, tenant: Fixture.acme)
            #expect(agent.status == .busy)
            #expect(agent.lastSeen == Fixture.start + .seconds(30))
            // An account without an agent record heartbeats too.
            let boss = try await client.login(Fixture.bossEmail)
            #expect(try await client.send(.post, APIPath.heartbeat, token: boss).status == .ok)
        }
    }

    @Test func logoutTakesTheAgentOffline() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let token = try await client.login(Fixture.annEmail)
            let response = try await client.send(.post, APIPath.logout, token: token)
            #expect(response.status == .ok)
            #expect(try response.decode(LogoutResponse.self).message == "Logged out successfully")
            #expect(try world.store.agent(world.ann, tenant: Fixture.acme).status == .offline)
        }
    }
}

extension Data {
    init?(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }

    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
