import HandoffEngine
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import NIOCore

/// What every request context of the server carries: the peer address (rate limits, logs) and,
/// once a widget key is checked (``WidgetKeyMiddleware``), the widget caller and the parsed query.
protocol HandoffRequestContext: RequestContext, RemoteAddressRequestContext {
    /// Set by widget authentication on widget routes.
    var widget: WidgetAccess? { get set }
    /// Where widget authentication notes the caller for the CORS headers (``EdgeMiddleware``).
    var widgetNote: WidgetAccessNote? { get }
    /// The query ``WidgetKeyMiddleware`` parsed (each `request.uri.queryParameters` parses anew),
    /// for the route's other parameters.
    var query: FlatDictionary<Substring, Substring>? { get set }
}

extension HandoffRequestContext {
    /// The tenant of an authenticated widget route.
    /// - Throws: 401 "Invalid API key" when the route was not authenticated.
    func requireWidget() throws(HandoffError) -> WidgetAccess {
        guard let widget else { throw .invalidAPIKey }
        return widget
    }
}

/// The per-request context of every HTTP route.
///
/// Carries the peer address (rate limiting, logs), the body limit, and once authenticated the
/// caller: an agent's ``Identity`` (``AgentAuthMiddleware``) or a widget's ``WidgetAccess``
/// (``WidgetKeyMiddleware``, or ``WidgetController`` for keys in a body). Lives as long as one
/// request. The WebSocket upgrades have their own, ``SocketRequestContext``: the socket's
/// handler reference it needs is an allocation that no HTTP request should make.
public struct AppRequestContext: HandoffRequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TCP peer; `nil` in router tests (no socket).
    public let remoteAddress: SocketAddress?
    /// Set by ``AgentAuthMiddleware`` on agent routes.
    var identity: Identity?
    var widget: WidgetAccess?
    /// Made by ``EdgeMiddleware`` on widget routes with an `Origin`: widget authentication notes the
    /// caller there, so the CORS headers (outside) can answer for the tenant's origins.
    var widgetNote: WidgetAccessNote?
    var query: FlatDictionary<Substring, Substring>?
    /// Largest body read (``ServerConfiguration/maxBodyBytes``, set by ``EdgeMiddleware`` for requests that may have one).
    var maxBodyBytes = ServerConfiguration.defaultMaxBodyBytes

    /// Bodies are read through ``ContractRequestDecoder``: the contract's 400 details, 413 past the limit.
    public var requestDecoder: ContractRequestDecoder { ContractRequestDecoder() }
    public var maxUploadSize: Int { maxBodyBytes }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }

    /// The authenticated caller of an agent route.
    /// - Throws: 401 "Not authenticated" when the route was not behind ``AgentAuthMiddleware``.
    func requireIdentity() throws(APIError) -> Identity {
        guard let identity else { throw .notAuthenticated }
        return identity
    }
}

/// The context of the WebSocket upgrade routes (the agent and widget sockets): the peer and,
/// on the widget socket, the caller ``WidgetKeyMiddleware`` found, which the upgraded socket reads.
public struct SocketRequestContext: HandoffRequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    public let remoteAddress: SocketAddress?
    var widget: WidgetAccess?
    /// Upgrades answer no CORS (browsers do not preflight a socket).
    var widgetNote: WidgetAccessNote? { nil }
    var query: FlatDictionary<Substring, Substring>?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        remoteAddress = source.channel.remoteAddress
    }
}

/// Who an agent-side request acts for: the verified claims of its token, checked against the
/// store (the user exists and still belongs to the token's tenant).
struct Identity: Hashable, Sendable {
    var userID: UserID
    /// `nil` for platform staff only.
    var tenantID: TenantID?
    var role: Role

    var caller: HandoffCore.Caller { .user(userID) }

    /// The tenant every query and command of the request is scoped to — always the token's,
    /// never an id from the body or path.
    /// - Throws: 403 for platform staff, who have no tenant to act in.
    func requireTenant() throws(HandoffError) -> TenantID {
        guard let tenantID else { throw .forbidden("act without a tenant") }
        return tenantID
    }
}
