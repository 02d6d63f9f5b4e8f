import HandoffAPI
import HandoffEngine
import Hummingbird

/// Agent sessions (docs/api.md), under `/api/auth`.
///
/// - POST `/login` `{email, password}` → `{token, user}`; a wrong email or password is 401
///   "Invalid credentials". Logging in brings the account's agent record online (engine rule).
///   The password is verified where the store runs its password work (``ThreadPoolWork``
///   for `handoff-sim serve`), off the threads that serve requests.
/// - GET `/me` (Bearer) → the caller's `{id, email, firstName, lastName, role, tenantId,
///   isPlatformAdmin}`, as in the login answer (the reference dashboard calls it right after
///   login and logs out when it fails).
/// - POST `/heartbeat` (Bearer) → `{ok: true}`; refreshes the agent's `lastSeen` and never
///   changes a status a person set. An account without an agent record (a `client_admin`
///   watching the dashboard) gets `{ok: true}` too: there is nothing to refresh.
/// - POST `/logout` (Bearer) → `{message: "Logged out successfully"}`; the agent goes offline
///   and keeps its open chats. Tokens are stateless: the token stays valid until it expires.
struct AuthController {
    let dependencies: ServerDependencies
    let authentication: AgentAuthMiddleware
    private var store: any HandoffStore { dependencies.store }

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.post("login", use: login)
        routes.add(middleware: authentication)
        routes.get("me", use: me)
        routes.post("heartbeat", use: heartbeat)
        routes.post("logout", use: logout)
        return routes
    }

    @Sendable func login(_ request: Request, context: AppRequestContext) async throws -> Response {
        let body = try await request.decode(as: LoginRequest.self, context: context)
        let user = try await store.login(email: body.email, password: body.password)
        let token = try await dependencies.tokens.issue(for: user)
        return try JSONResponse.make(LoginResponse(token: token, user: WireMapping.user(user)))
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        // The token was checked against the store a moment ago; an account removed since is
        // an expired token, as for every other agent route.
        guard let user = try await store.lookUpUser(identity.userID) else { throw APIError.invalidToken }
        return try JSONResponse.make(WireMapping.user(user))
    }

    @Sendable func heartbeat(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        do {
            let agent = try await store.agentID(forUser: identity.userID)
            _ = try await store.heartbeat(agent)
        } catch where error.code == .agentNotFound {
            // No agent record: nothing to keep alive.
        }
        return try JSONResponse.make(HeartbeatResponse(ok: true))
    }

    @Sendable func logout(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        try await store.logout(identity.userID)
        return try JSONResponse.make(LogoutResponse())
    }
}
