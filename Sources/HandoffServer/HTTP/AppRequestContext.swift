import HandoffEngine
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import NIOCore

/// The per-request context of every route, HTTP and WebSocket alike.
///
/// Carries the peer address (rate limiting, logs), the body limit, and once authenticated the
/// caller: an agent's ``Identity`` (``AgentAuthMiddleware``) or a widget's ``WidgetAccess``
/// (``WidgetKeyMiddleware``, or ``WidgetController`` for keys in a body). Lives as long as one request.
public struct AppRequestContext: RequestContext, WebSocketRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    /// The TCP peer; `nil` in router tests (no socket).
    public let remoteAddress: SocketAddress?
    /// Set by ``AgentAuthMiddleware`` on agent routes.
    var identity: Identity?
    /// Set by widget authentication on widget routes.
    var widget: WidgetAccess?
    /// Made by ``EdgeMiddleware`` on widget routes with an `Origin`: widget authentication notes the
    /// caller there, so the CORS headers (outside) can answer for the tenant's origins.
    var widgetNote: WidgetAccessNote?
    /// The query ``WidgetKeyMiddleware`` parsed (each `request.uri.queryParameters` parses anew),
    /// for the route's other parameters.
    var query: FlatDictionary<Substring, Substring>?
    /// Largest body read (``ServerConfiguration/maxBodyBytes``, set by ``EdgeMiddleware`` for requests that may have one).
    var maxBodyBytes = ServerConfiguration.defaultMaxBodyBytes

    /// Bodies are read through ``ContractRequestDecoder``: the contract's 400 details, 413 past the limit.
    public var requestDecoder: ContractRequestDecoder { ContractRequestDecoder() }
    public var maxUploadSize: Int { maxBodyBytes }

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        remoteAddress = source.channel.remoteAddress
    }

    /// The tenant of an authenticated widget route.
    /// - Throws: 401 "Invalid API key" when the route was not authenticated.
    func requireWidget() throws(HandoffError) -> WidgetAccess {
        guard let widget else { throw .invalidAPIKey }
        return widget
    }

    /// The authenticated caller of an agent route.
    /// - Throws: 401 "Not authenticated" when the route was not behind ``AgentAuthMiddleware``.
    func requireIdentity() throws(APIError) -> Identity {
        guard let identity else { throw .notAuthenticated }
        return identity
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
