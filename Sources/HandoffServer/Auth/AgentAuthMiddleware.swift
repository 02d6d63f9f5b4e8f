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

    /// The token of a `Bearer <token>` header (scheme case-insensitive); `nil` otherwise.
    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}
