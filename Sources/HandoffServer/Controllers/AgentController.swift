import HandoffAPI
import HandoffEngine
import Hummingbird

/// Human agents (docs/api.md), under `/api/human-agents`, Bearer JWT.
///
/// | route | answer |
/// |---|---|
/// | GET `` | the tenant's agents, in creation order |
/// | POST `` `{name, email, status?, maxChats?}` | the created agent (`client_admin` only; support_staff 403; a taken email 409) |
/// | GET `/available` | agents `available` with `activeChats < maxChats` |
/// | PATCH `/:id/status` `{status}` | `{success: true}`; an agent may set its own status, a `client_admin` anyone's in the tenant (support_staff on another agent: 403) |
///
/// `status` must be `available`, `busy` or `offline` (else 400 with details). Another
/// tenant's agent id, or one that is not a UUID, is 404 "Agent record not found".
struct AgentController {
    let dependencies: ServerDependencies
    let authentication: AgentAuthMiddleware
    private var store: any HandoffStore { dependencies.store }

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.add(middleware: authentication)
        routes.get(use: list)
        routes.post(use: create)
        routes.get("available", use: available)
        routes.patch(":id/status", use: setStatus)
        return routes
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireIdentity().requireTenant()
        return try JSONResponse.make(try await store.agents(tenant: tenant).map(WireMapping.agent))
    }

    @Sendable func available(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireIdentity().requireTenant()
        return try JSONResponse.make(try await store.availableAgents(tenant: tenant).map(WireMapping.agent))
    }

    /// Not optimised: Swift 6.3.1's LLVM pipeline crashes (signal 11 in coroutine splitting)
    /// on this handler in release builds; a once-per-agent admin call loses nothing by it.
    @_optimize(none)
    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let tenant = try identity.requireTenant()
        let body = try await request.decode(as: CreateAgentRequest.self, context: context)
        let new = try Self.newAgent(body, tenant: tenant)
        let agent = try await store.addAgent(new, by: identity.caller)
        return try JSONResponse.make(WireMapping.agent(agent))
    }

    private static func newAgent(_ body: CreateAgentRequest, tenant: TenantID) throws -> NewAgent {
        let status = try body.status.map { text throws(APIError) in try FieldRules.agentStatus(text) }
        return WireMapping.newAgent(body, tenant: tenant, status: status)
    }

    @Sendable func setStatus(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        _ = try identity.requireTenant()
        let agentID = try RequestParameters.agentID(context)
        let body = try await request.decode(as: StatusRequest.self, context: context)
        let status = try FieldRules.agentStatus(body.status)
        // The engine scopes the agent to the caller's tenant: another tenant's agent is 404.
        _ = try await store.setAgentStatus(agentID, to: status, by: identity.caller)
        return try JSONResponse.make(SuccessBody(success: true))
    }
}
