import Foundation
import HandoffEngine
import Hummingbird

/// Authenticates agent routes: `Authorization: Bearer <JWT>` → ``AppRequestContext/identity``.
///
/// No header, or a scheme other than Bearer: 401 `{"error":"Not authenticated"}`. A token that
/// fails ``TokenAuthority/authenticate(token:store:)``: 401 `{"error":"Invalid or expired
/// token"}`. A suspended tenant: 403 `{"error":"Tenant is suspended"}`.
struct AgentAuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let tokens: TokenAuthority
    let store: any HandoffStore

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let token = Self.bearerToken(request.headers[.authorization]) else { throw APIError.notAuthenticated }
        let (identity, tenantStatus) = try await tokens.authenticate(token: token, store: store)
        if identity.tenantID != nil {
            guard let tenantStatus else { throw APIError.invalidToken }
            if tenantStatus == .suspended { throw HandoffError.tenantSuspended }
        }
        var context = context
        context.identity = identity
        return try await next(request, context)
    }

    /// The token of a `Bearer <token>` header (scheme case-insensitive, spaces and tabs
    /// around the token ignored); `nil` otherwise. Read by bytes: on every agent request,
    /// Foundation's `trimmingCharacters` cost more than the route.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let bytes = header.utf8
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let schemeStart = bytes.firstIndex(where: { !isBlank($0) }) else { return nil }
        let afterStart = bytes[schemeStart...]
        let schemeEnd = afterStart.firstIndex(where: isBlank) ?? bytes.endIndex
        let scheme = bytes[schemeStart..<schemeEnd]
        guard scheme.count == 6, zip(scheme, "bearer".utf8).allSatisfy({ $0 | 0x20 == $1 }) else { return nil }
        let rest = bytes[schemeEnd...]
        guard let tokenStart = rest.firstIndex(where: { !isBlank($0) }), let tokenLast = rest.lastIndex(where: { !isBlank($0) }) else { return nil }
        return String(Substring(header.utf8[tokenStart...tokenLast]))
    }
}
