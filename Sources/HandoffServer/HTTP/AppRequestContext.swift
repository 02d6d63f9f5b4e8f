import HandoffEngine
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The per-request context of every route, HTTP and WebSocket alike.
///
/// Carries the peer address (rate limiting, logs) and, once ``AgentAuthMiddleware`` ran, the
/// authenticated caller. Lives as long as one request.
public struct AppRequestContext: RequestContext, WebSocketRequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<Self>
    /// The TCP peer; `nil` in router tests (no socket).
    public let remoteAddress: SocketAddress?
    /// Set by ``AgentAuthMiddleware`` on agent routes.
    var identity: Identity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        remoteAddress = source.channel.remoteAddress
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
