import HandoffAPI
import HandoffEngine
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore
import NIOWebSocket
import Synchronization

/// The contract's frame types (NIOWebSocket has a `WebSocketFrame` too).
private typealias Frame = HandoffAPI.WebSocketFrame

/// The real-time channels, on the HTTP port.
///
/// - `/api/ws` (docs/api.md), agents: the first frame, within
///   ``ServerConfiguration/WebSocket/authTimeout``, must be `{"type":"auth","token":"<JWT>"}`;
///   the reply is `{"type":"auth:success","payload":{"tenantId":"…"}}`, then every event of
///   the token's tenant as `{type, payload}`. A timeout, any other first frame or a bad token
///   closes the socket with 1008 (policy violation).
/// - `/api/widget/ws?apiKey=&handoffId=[&referrer=]` (**our extension**), widgets: the key is
///   checked at the upgrade (a bad key, or a handoff of another tenant, is not upgraded and gets
///   the HTTP error — 401, 403, 404 — with CORS headers). The first frame is the handoff's
///   current `handoff_status`; then its messages (`handoff_message` for user and system
///   messages, `agent_message` for the agent's) and status changes (`handoff_status` with a
///   ``HandoffStatusResponse`` and the handoff id).
///
/// Delivery starts at registration (just before `auth:success` / the snapshot). The hub runs a
/// moment behind the store, so an agent socket may also get events that took effect just before
/// it registered; a widget socket drops those (``FeedFilter``), so after its snapshot it sees
/// each later message and status change exactly once, in order.
///
/// Every event frame carries its tenant sequence number `seq` (docs/api.md §10.2). A client
/// that reconnects with the last one it saw — `lastSeq` in the agent's auth frame, `&lastSeq=`
/// on the widget socket's URL — gets the frames it missed first (``WebSocketHub/Resume``), or
/// one `resync` frame when they are no longer kept.
///
/// Inbound frames after authentication are read and ignored. Upgrades count against the
/// per-address rate limit. Polling keeps working whether or not sockets are enabled.
struct WebSocketController {
    let dependencies: ServerDependencies
    let hub: WebSocketHub
    private var store: any HandoffStore { dependencies.store }
    private var settings: ServerConfiguration.WebSocket { dependencies.configuration.webSocket }

    /// The upgrade routes, on the WebSocket router.
    func addRoutes(to router: Router<SocketRequestContext>) {
        router.ws(RouterPath(APIPath.agentSocket), shouldUpgrade: allowAgentUpgrade, onUpgrade: agentSocket)
        // The key is checked by the same middleware as the widget's HTTP polls; the caller
        // travels in the context to the upgraded socket.
        router.group().add(middleware: WidgetKeyMiddleware(dependencies: dependencies))
            .ws(RouterPath(APIPath.widgetSocket), shouldUpgrade: allowWidgetUpgrade, onUpgrade: widgetSocket)
    }

    /// Plain HTTP requests to the socket paths (not upgraded): the reason, as JSON.
    var httpEndpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(RouterPath(APIPath.agentSocket)) { _, _ -> Response in throw APIError.webSocketRequired }
        routes.group().add(middleware: WidgetKeyMiddleware(dependencies: dependencies))
            .get(RouterPath(APIPath.widgetSocket)) { request, context -> Response in
                _ = try Self.lastSeq(request)
                _ = try await widgetTarget(request, context)
                throw APIError.webSocketRequired
            }
        return routes
    }

    // MARK: Upgrade checks

    @Sendable private func allowAgentUpgrade(_ request: Request, context: SocketRequestContext) async throws -> RouterShouldUpgrade {
        withinAddressLimit(request, context) ? .upgrade([:]) : .dontUpgrade
    }

    @Sendable private func allowWidgetUpgrade(_ request: Request, context: SocketRequestContext) async throws -> RouterShouldUpgrade {
        guard withinAddressLimit(request, context) else { return .dontUpgrade }
        _ = try Self.lastSeq(request)
        _ = try await widgetTarget(request, context)
        return .upgrade([:])
    }

    private func withinAddressLimit(_ request: Request, _ context: SocketRequestContext) -> Bool {
        guard let limiter = dependencies.addressLimiter else { return true }
        let key = ClientAddress.key(request: request, context: context, trustForwardedFor: dependencies.configuration.rateLimits.trustForwardedFor)
        if case .limited = limiter.check(key) {
            dependencies.metrics.recordRateLimited(.address)
            return false
        }
        return true
    }

    /// The widget socket's `lastSeq` query parameter: `nil` when absent.
    /// - Throws: 400 when it is not a whole number.
    static func lastSeq(_ request: Request) throws(APIError) -> UInt64? {
        guard let text = RequestParameters.query(request, "lastSeq") else { return nil }
        guard let value = UInt64(text) else { throw .invalid("lastSeq", "lastSeq must be a whole number (the seq of the last frame seen)") }
        return value
    }

    /// The widget socket's tenant (authenticated by ``WidgetKeyMiddleware``) and handoff, from the query.
    private func widgetTarget(_ request: Request, _ context: some HandoffRequestContext) async throws -> (TenantID, Handoff) {
        let tenant = try context.requireWidget().tenant
        guard let text = RequestParameters.query(request, "handoffId"), let id = HandoffID(text) else { throw HandoffError.handoffNotFound }
        return (tenant, try await store.handoff(id, tenant: tenant))
    }

    // MARK: Agent socket

    @Sendable private func agentSocket(
        _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, _ context: WebSocketRouterContext<SocketRequestContext>
    ) async throws {
        let (firstFrames, firstFrame) = AsyncStream.makeStream(of: String?.self, bufferingPolicy: .bufferingNewest(1))
        let maxMessageBytes = settings.maxMessageBytes
        try await withThrowingTaskGroup(of: Void.self) { group in
            // The reader owns the inbound stream for the socket's whole life.
            group.addTask {
                var iterator = inbound.messages(maxSize: maxMessageBytes).makeAsyncIterator()
                let first = try? await iterator.next()
                if case .text(let text)? = first { firstFrame.yield(text) } else { firstFrame.yield(nil) }
                firstFrame.finish()
                guard first != nil else { return }  // closed before saying anything
                while (try? await iterator.next()) != nil {}
            }
            guard let identity = await authenticate(await firstFrames.first(within: settings.authTimeout) ?? nil),
                  let tenant = identity.identity.tenantID
            else {
                context.logger.debug("WebSocket authentication failed")
                try? await outbound.close(.policyViolation, reason: "Authentication required")
                await Self.awaitCloseReply(&group, deadline: .seconds(5))
                return
            }
            let registration = hub.registerAgent(tenant: tenant, resume: identity.lastSeq.map { .after($0) } ?? .live)
            defer { hub.unregister(registration) }
            // Caught up to `seq`; the missed frames (or a resync) of a reconnect follow.
            let welcome = Frame.Envelope(
                type: Frame.FrameType.authSuccess, payload: Frame.AuthSuccess(tenantId: tenant.description), seq: registration.latestSequence)
            try await outbound.write(.text(String(decoding: try JSONResponse.encode(welcome), as: UTF8.self)))
            await Self.pump(registration, to: outbound, group: &group)
        }
    }

    /// The identity of a first frame `{"type":"auth","token":…[,"lastSeq":n]}`; `nil` for anything else.
    private func authenticate(_ text: String?) async -> (identity: Identity, lastSeq: UInt64?)? {
        guard let text, let auth = try? JSONBody.decode(Frame.Auth.self, from: ByteBuffer(string: text)),
              auth.type == Frame.FrameType.auth
        else { return nil }
        guard let (identity, tenantStatus) = try? await dependencies.tokens.authenticate(token: auth.token, store: store),
              identity.tenantID != nil, tenantStatus == .active
        else { return nil }
        return (identity, auth.lastSeq)
    }

    // MARK: Widget socket

    @Sendable private func widgetSocket(
        _ inbound: WebSocketInboundStream, _ outbound: WebSocketOutboundWriter, _ context: WebSocketRouterContext<SocketRequestContext>
    ) async throws {
        let request = context.request
        guard let tenant = context.requestContext.widget?.tenant,
              let handoffID = RequestParameters.query(request, "handoffId").flatMap({ HandoffID($0) }),
              let handoff = try? await store.handoff(handoffID, tenant: tenant)
        else {
            try? await outbound.close(.policyViolation, reason: "Authentication required")
            return
        }
        let filter: FeedFilter
        let registration: WebSocketHub.Registration
        if let lastSeq = try? Self.lastSeq(request) {
            // A reconnect: what it missed since `lastSeq` (or a resync) comes first from the hub.
            registration = hub.registerWidget(tenant: tenant, handoff: handoffID, resume: .after(lastSeq))
            filter = .everything
        } else {
            // Register first, then read the snapshot: every later change is in the stream, and
            // the filter drops the earlier ones the hub may still be delivering.
            registration = hub.registerWidget(tenant: tenant, handoff: handoffID)
            let current = (try? await store.handoff(handoffID, tenant: tenant)) ?? handoff
            let agentName = await assignedAgentName(current)
            if let agentName, let agent = current.assignedAgentID { hub.noteAgentName(agentName, for: agent) }
            let lastMessage = (try? await store.messages(handoff: handoffID, tenant: tenant, since: nil))?.last?.timestamp
            filter = FeedFilter(progress: WebSocketHub.progress(current.state), lastMessage: lastMessage)
            let snapshot = WireMapping.statusFrame(current, agentName: agentName)
            try await outbound.write(.text(String(decoding: try JSONResponse.encode(snapshot), as: UTF8.self)))
        }
        defer { hub.unregister(registration) }
        let maxMessageBytes = settings.maxMessageBytes
        await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var iterator = inbound.messages(maxSize: maxMessageBytes).makeAsyncIterator()
                while (try? await iterator.next()) != nil {}
            }
            await Self.pump(registration, to: outbound, filter: filter, group: &group)
        }
    }

    private func assignedAgentName(_ handoff: Handoff) async -> String? {
        guard let agentID = handoff.assignedAgentID else { return nil }
        return try? await store.agent(agentID, tenant: handoff.tenantID).name
    }

    // MARK: Shared plumbing

    /// Writes the registration's frames until the reader (already in `group`) ends — the
    /// client closed — or the stream ends (hub shut down) or a write fails.
    private static func pump(
        _ registration: WebSocketHub.Registration, to outbound: WebSocketOutboundWriter, filter: FeedFilter = .everything,
        group: inout ThrowingTaskGroup<Void, any Error>
    ) async {
        group.addTask {
            var filter = filter
            for await frame in registration.frames where filter.admits(frame) { try await outbound.write(.text(frame.text)) }
        }
        _ = try? await group.next()
        group.cancelAll()
    }

    /// After the server sent a close frame: lets the reader see the client's reply, for at
    /// most `deadline`, then gives up on it.
    private static func awaitCloseReply(_ group: inout ThrowingTaskGroup<Void, any Error>, deadline: Duration) async {
        group.addTask { try await Task.sleep(for: deadline) }
        _ = try? await group.next()
        group.cancelAll()
    }
}

/// Drops the widget frames a socket's snapshot already covers: status changes that do not move
/// the handoff further along its lifecycle, and messages not newer than the last one it had.
/// Frames without an order (agent sockets) always pass.
struct FeedFilter: Sendable {
    var progress: Int
    var lastMessage: Timestamp?

    static let everything = FeedFilter(progress: -1, lastMessage: nil)

    mutating func admits(_ frame: WebSocketHub.OutboundFrame) -> Bool {
        switch frame.order {
        case nil:
            return true
        case .status(let next):
            guard next > progress else { return false }
            progress = next
            return true
        case .message(let timestamp):
            if let lastMessage, timestamp <= lastMessage { return false }
            lastMessage = timestamp
            return true
        }
    }
}
