import HandoffAPI
import HandoffEngine
import Hummingbird

/// The agent side of handoffs (docs/api.md), under `/api/widget-handoffs`, Bearer JWT.
///
/// | route | answer |
/// |---|---|
/// | GET `` `?limit=&before=` | the tenant's handoffs, newest request first (default 50, at most 1000; `before` = the last row's `requestedAt`) |
/// | GET `/pending` | the queue, oldest first |
/// | GET `/active` | active chats, in pick-up order |
/// | GET `/history?limit=&before=` | **extension**: closed handoffs (resolved, abandoned, after-hours), most recently closed first; `before` filters on the closing time |
/// | GET `/:id` | the handoff |
/// | POST `/:id/pickup` | the caller's agent takes it (exactly one concurrent pick-up wins; the rest get 400 "Handoff is not available") |
/// | POST `/:id/resolve` | the assignee closes it |
/// | POST `/:id/send-message` `{message}` | the stored agent message |
/// | GET `/:id/messages?since=` | messages oldest first (`since`, exclusive, is an extension here) |
/// | POST `/:id/assign` `{agentId}` | **extension**: a `client_admin` gives a pending handoff to an agent of the tenant (support_staff: 403) |
///
/// Every query and command is scoped to the token's tenant (or acts as the caller's own
/// agent record, which lives in that tenant): another tenant's handoff is 404 "Handoff not
/// found", another tenant's agent 404 "Agent record not found". A path id that is not a UUID
/// is 404 too; a body `agentId` that is not one is 400.
struct HandoffController {
    let dependencies: ServerDependencies
    let authentication: AgentAuthMiddleware
    private var store: any HandoffStore { dependencies.store }

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.add(middleware: authentication)
        routes.get(use: list)
        routes.get("pending", use: pending)
        routes.get("active", use: active)
        routes.get("history", use: history)
        routes.get(":id", use: show)
        routes.post(":id/pickup", use: pickUp)
        routes.post(":id/resolve", use: resolve)
        routes.post(":id/send-message", use: sendMessage)
        routes.get(":id/messages", use: messages)
        routes.post(":id/assign", use: assign)
        return routes
    }

    // MARK: Queries

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireIdentity().requireTenant()
        let limit = try RequestParameters.limit(request)
        let before = try RequestParameters.timestamp(request, "before")
        return JSONResponse.make(try await store.handoffs(tenant: tenant, limit: limit, before: before).map(WireMapping.handoff))
    }

    @Sendable func pending(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireIdentity().requireTenant()
        return JSONResponse.make(try await store.pendingHandoffs(tenant: tenant).map(WireMapping.handoff))
    }

    @Sendable func active(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireIdentity().requireTenant()
        return JSONResponse.make(try await store.activeHandoffs(tenant: tenant).map(WireMapping.handoff))
    }

    @Sendable func history(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireIdentity().requireTenant()
        let limit = try RequestParameters.limit(request)
        let before = try RequestParameters.timestamp(request, "before")
        return JSONResponse.make(try await store.history(tenant: tenant, limit: limit, before: before).map(WireMapping.handoff))
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireIdentity().requireTenant()
        let handoff = try await store.handoff(try RequestParameters.handoffID(context), tenant: tenant)
        return JSONResponse.make(WireMapping.handoff(handoff))
    }

    @Sendable func messages(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireIdentity().requireTenant()
        let since = try RequestParameters.timestamp(request, "since")
        let messages = try await store.messages(handoff: try RequestParameters.handoffID(context), tenant: tenant, since: since)
        return JSONResponse.make(messages.map(WireMapping.message))
    }

    // MARK: Commands

    @Sendable func pickUp(_ request: Request, context: AppRequestContext) async throws -> Response {
        let handoffID = try RequestParameters.handoffID(context)
        let agent = try await callerAgent(context)
        return JSONResponse.make(WireMapping.handoff(try await store.pickUp(handoffID, by: agent)))
    }

    @Sendable func resolve(_ request: Request, context: AppRequestContext) async throws -> Response {
        let handoffID = try RequestParameters.handoffID(context)
        let agent = try await callerAgent(context)
        return JSONResponse.make(WireMapping.handoff(try await store.resolve(handoffID, by: agent)))
    }

    @Sendable func sendMessage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let handoffID = try RequestParameters.handoffID(context)
        let body = try await request.decode(as: SendMessageRequest.self, context: context)
        let agent = try await callerAgent(context)
        let message = try await store.postAgentMessage(body.message, handoff: handoffID, by: agent)
        return JSONResponse.make(WireMapping.message(message))
    }

    @Sendable func assign(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let handoffID = try RequestParameters.handoffID(context)
        let body = try await request.decode(as: AssignRequest.self, context: context)
        let agentID = try FieldRules.identifier(body.agentId, field: "agentId", as: AgentID.self)
        _ = try identity.requireTenant()
        // The engine scopes both ids to the caller's tenant: another tenant's agent or handoff is 404.
        let handoff = try await store.assign(handoffID, to: agentID, by: identity.caller)
        return JSONResponse.make(WireMapping.handoff(handoff))
    }

    /// The caller's own agent record: the agent of the token's tenant with the token's email.
    /// - Throws: 404 "Agent record not found" for an account without one.
    private func callerAgent(_ context: AppRequestContext) async throws -> AgentID {
        let identity = try context.requireIdentity()
        _ = try identity.requireTenant()
        return try await store.agentID(forUser: identity.userID)
    }
}
