import HandoffAPI
import HandoffEngine
import Hummingbird

/// Widget endpoints (docs/api.md), under `/api/widget`, authenticated by API key.
///
/// | route | engine |
/// |---|---|
/// | POST `/init` `{apiKey, referrer?}` | the key's tenant's look |
/// | POST `/handoff` without `userEmail` | ``HandoffStore/requestHandoff(_:tenant:)`` → `pending`, `after-hours` or (chat already open) its status |
/// | POST `/handoff` with `userEmail` | ``HandoffStore/submitAfterHours(chat:email:message:tenant:)`` → `after-hours` |
/// | GET `/handoff/:handoffId/status?apiKey=` | `{status, agentName, pickedUpAt, resolvedAt}` with explicit nulls |
/// | POST `/handoff/:handoffId/message` `{apiKey, message}` | user message, only while active |
/// | GET `/handoff/:handoffId/messages?apiKey=&since=` | oldest first; `since` exclusive |
/// | POST `/end-chat` `{apiKey, chatId, handoffId?}` | resolves an active chat, withdraws a pending one |
///
/// The key travels in the JSON body (POST) or the query (GET), never a header, with the
/// optional `referrer` beside it. It is checked before anything else in the body: a missing
/// or non-string `apiKey` is 401 "Invalid API key" like an unknown one. A path handoff id that
/// is not a UUID is 404 "Handoff not found"; a body `handoffId` that is not one is 400.
/// CORS headers are added by ``WidgetCORSMiddleware``.
struct WidgetController {
    let dependencies: ServerDependencies
    private var store: any HandoffStore { dependencies.store }

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.post("init", use: initialize)
        routes.post("handoff", use: requestHandoff)
        routes.get("handoff/:handoffId/status", use: status)
        routes.post("handoff/:handoffId/message", use: postMessage)
        routes.get("handoff/:handoffId/messages", use: messages)
        routes.post("end-chat", use: endChat)
        return routes
    }

    // MARK: Handlers

    @Sendable func initialize(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenantID, _) = try await authenticatedBody(request)
        guard let tenant = await store.tenant(tenantID) else { throw HandoffError.invalidAPIKey }
        return try JSONResponse.make(WireMapping.widgetInit(tenant))
    }

    @Sendable func requestHandoff(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, buffer) = try await authenticatedBody(request)
        let body = try JSONBody.decode(HandoffRequestBody.self, from: buffer)
        if let email = body.userEmail {
            let handoff = try await store.submitAfterHours(chat: WireMapping.chat(body.chatId), email: email, message: body.userMessage, tenant: tenant)
            return try JSONResponse.make(WireMapping.afterHoursReceived(handoff))
        }
        let outcome = try await store.requestHandoff(WireMapping.request(body), tenant: tenant)
        return try JSONResponse.make(WireMapping.created(outcome))
    }

    @Sendable func status(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await authenticatedQuery(request)
        let handoff = try await store.handoff(try RequestParameters.handoffID(context, "handoffId"), tenant: tenant)
        var agentName: String?
        if let agentID = handoff.assignedAgentID { agentName = try? await store.agent(agentID, tenant: tenant).name }
        return try JSONResponse.make(WireMapping.status(handoff, agentName: agentName))
    }

    @Sendable func postMessage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, buffer) = try await authenticatedBody(request)
        let body = try JSONBody.decode(WidgetMessageRequest.self, from: buffer)
        let handoffID = try RequestParameters.handoffID(context, "handoffId")
        _ = try await store.postUserMessage(body.message, handoff: handoffID, tenant: tenant)
        return try JSONResponse.make(SuccessBody(success: true))
    }

    @Sendable func messages(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try await authenticatedQuery(request)
        let since = try RequestParameters.timestamp(request, "since")
        let handoffID = try RequestParameters.handoffID(context, "handoffId")
        let messages = try await store.messages(handoff: handoffID, tenant: tenant, since: since)
        return try JSONResponse.make(MessagesResponse(messages: messages.map(WireMapping.message)))
    }

    @Sendable func endChat(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (tenant, buffer) = try await authenticatedBody(request)
        let body = try JSONBody.decode(EndChatRequest.self, from: buffer)
        let handoffID = try body.handoffId.map { text throws(APIError) in try FieldRules.identifier(text, field: "handoffId", as: HandoffID.self) }
        _ = try await store.endChat(chat: WireMapping.chat(body.chatId), handoff: handoffID, tenant: tenant)
        return try JSONResponse.make(SuccessBody(success: true, message: WireTexts.chatEnded))
    }

    // MARK: Authentication

    /// The `apiKey` and `referrer` of a body, read leniently: anything but a string is "no key".
    private struct Credentials: Decodable {
        var apiKey: String?
        var referrer: String?

        private enum CodingKeys: String, CodingKey { case apiKey, referrer }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            apiKey = try? container.decodeIfPresent(String.self, forKey: .apiKey)
            referrer = try? container.decodeIfPresent(String.self, forKey: .referrer)
        }
    }

    /// Reads the body (413 past the limit), authenticates its key, and hands the body back for
    /// the full decode — so a bad key is 401 whatever else is wrong with the body.
    private func authenticatedBody(_ request: Request) async throws -> (TenantID, ByteBuffer) {
        let buffer = try await JSONBody.collect(request, maxBytes: dependencies.maxBodyBytes)
        let credentials = try JSONBody.decode(Credentials.self, from: buffer)
        return (try await dependencies.widgetTenant(apiKey: credentials.apiKey, referrer: credentials.referrer), buffer)
    }

    private func authenticatedQuery(_ request: Request) async throws -> TenantID {
        try await dependencies.widgetTenant(
            apiKey: RequestParameters.query(request, "apiKey"), referrer: RequestParameters.query(request, "referrer"))
    }
}
