import HandoffAPI
import HandoffEngine
import Hummingbird

/// Widget endpoints (docs/api.md), under `/api/widget`, authenticated by API key.
///
/// | route | engine |
/// |---|---|
/// | POST `/init` `{apiKey, referrer?}` | the key's tenant's look |
/// | POST `/chat` `{apiKey, message, chatId?}` | ``HandoffStore/converse(_:chat:tenant:)``: the scripted assistant's `{chatId, messages}` |
/// | GET `/session/:chatId/history?apiKey=&handoffId=` | ``HandoffStore/chatHistory(chat:handoff:tenant:)``: transcript and handoff messages merged |
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
/// CORS headers are added by ``EdgeMiddleware`` (``WidgetCORS``).
struct WidgetController {
    let dependencies: ServerDependencies
    private var store: any HandoffStore { dependencies.store }

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        // Keys in the body: authenticated by the handler from the body it decodes once.
        routes.post("init", use: initialize)
        routes.post("chat", use: chat)
        routes.post("handoff", use: requestHandoff)
        routes.post("handoff/:handoffId/message", use: postMessage)
        routes.post("end-chat", use: endChat)
        // Keys in the query: authenticated by the middleware.
        let polls = routes.group().add(middleware: WidgetKeyMiddleware(dependencies: dependencies))
        polls.get("session/:chatId/history", use: history)
        polls.get("handoff/:handoffId/status", use: status)
        polls.get("handoff/:handoffId/messages", use: messages)
        return routes
    }

    // MARK: Handlers

    @Sendable func initialize(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (access, _) = try await authenticated(WidgetInitRequest.self, request, context)
        guard let tenant = try await store.lookUpTenant(access.tenant) else { throw HandoffError.invalidAPIKey }
        return try JSONResponse.make(WireMapping.widgetInit(tenant))
    }

    @Sendable func chat(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (access, body) = try await authenticated(WidgetChatRequest.self, request, context)
        let turn = try await store.converse(body.message, chat: body.chatId.map(WireMapping.chat), tenant: access.tenant)
        return try JSONResponse.make(WidgetChatResponse(chatId: turn.chatID.rawValue, messages: turn.replies))
    }

    @Sendable func history(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireWidget().tenant
        guard let chat = context.parameters.get("chatId") else { throw HandoffError.chatNotFound }
        // A handoff id that is not a UUID names no handoff: 404, as on every widget route.
        let handoffID = try RequestParameters.query(request, "handoffId").map { text throws(HandoffError) in
            guard let id = HandoffID(text) else { throw .handoffNotFound }
            return id
        }
        let history = try await store.chatHistory(chat: WireMapping.chat(chat), handoff: handoffID, tenant: tenant)
        return try JSONResponse.make(WireMapping.history(history))
    }

    @Sendable func requestHandoff(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (access, body) = try await authenticated(HandoffRequestBody.self, request, context)
        if let email = body.userEmail {
            let handoff = try await store.submitAfterHours(
                chat: WireMapping.chat(body.chatId), email: email, message: body.userMessage, tenant: access.tenant)
            return try JSONResponse.make(WireMapping.afterHoursReceived(handoff))
        }
        let outcome = try await store.requestHandoff(WireMapping.request(body), tenant: access.tenant)
        return try JSONResponse.make(WireMapping.created(outcome))
    }

    @Sendable func status(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireWidget().tenant
        let status = try await store.widgetStatus(try RequestParameters.handoffID(context, "handoffId"), tenant: tenant)
        return JSONResponse.make(WireMapping.status(status))
    }

    @Sendable func postMessage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (access, body) = try await authenticated(WidgetMessageRequest.self, request, context)
        let handoffID = try RequestParameters.handoffID(context, "handoffId")
        _ = try await store.postUserMessage(body.message, handoff: handoffID, tenant: access.tenant)
        return try JSONResponse.make(SuccessBody(success: true))
    }

    @Sendable func messages(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireWidget().tenant
        let since = try RequestParameters.timestamp(context.query ?? request.uri.queryParameters, "since")
        let handoffID = try RequestParameters.handoffID(context, "handoffId")
        let messages = try await store.widgetMessages(handoff: handoffID, tenant: tenant, since: since)
        return JSONResponse.make(WireMapping.MessageList(messages: messages))
    }

    @Sendable func endChat(_ request: Request, context: AppRequestContext) async throws -> Response {
        let (access, body) = try await authenticated(EndChatRequest.self, request, context)
        let handoffID = try body.handoffId.map { text throws(APIError) in try FieldRules.identifier(text, field: "handoffId", as: HandoffID.self) }
        // Deferred or not (ServerConfiguration.endChatGrace), the widget's answer is the same.
        _ = try await store.endChat(chat: WireMapping.chat(body.chatId), handoff: handoffID, tenant: access.tenant)
        return try JSONResponse.make(SuccessBody(success: true, message: WireTexts.chatEnded))
    }

    // MARK: Keys in the body

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

    /// Decodes the body once (the context's decoder: 413 past the limit, 400 with details) and
    /// authenticates its key (``ServerDependencies/widgetAccess(apiKey:referrer:request:note:)``).
    /// The key is judged first: when the body does not decode, it is read leniently and a bad
    /// key is still 401, whatever else is wrong with the body.
    private func authenticated<Body: WidgetKeyedBody>(
        _ type: Body.Type, _ request: Request, _ context: AppRequestContext
    ) async throws -> (WidgetAccess, Body) {
        var request = request
        let buffer = try await JSONBody.collect(request, maxBytes: context.maxBodyBytes)
        request.body = .init(buffer: buffer)
        let body: Body
        do {
            body = try await request.decode(as: Body.self, context: context)
        } catch let refusal as APIError {
            // Not JSON, or not an object: that is the answer (there is no key to judge).
            let credentials = try JSONBody.decode(Credentials.self, from: buffer)
            _ = try await dependencies.widgetAccess(
                apiKey: credentials.apiKey, referrer: credentials.referrer, request: request, note: context.widgetNote)
            throw refusal
        }
        let access = try await dependencies.widgetAccess(apiKey: body.apiKey, referrer: body.referrer, request: request, note: context.widgetNote)
        return (access, body)
    }
}

/// A widget request body: its key and referrer travel inside it.
protocol WidgetKeyedBody: Decodable {
    var apiKey: String { get }
    var referrer: String? { get }
}

extension WidgetInitRequest: WidgetKeyedBody {}
extension WidgetChatRequest: WidgetKeyedBody {}
extension HandoffRequestBody: WidgetKeyedBody {}
extension WidgetMessageRequest: WidgetKeyedBody {}
extension EndChatRequest: WidgetKeyedBody {}
