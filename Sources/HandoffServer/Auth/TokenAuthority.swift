import Foundation
import HandoffEngine
import JWTKit

/// The claims of an agent session token (docs/api.md), signed HS256.
struct SessionClaims: JWTPayload, Equatable {
    var userId: String
    /// Absent for platform staff.
    var tenantId: String?
    var email: String
    var role: String
    var isPlatformAdmin: Bool
    var exp: ExpirationClaim

    /// Expiry is checked by ``TokenAuthority`` against the server's injected clock, not here
    /// (jwt-kit would read the system clock).
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Issues and checks agent session tokens.
///
/// Verification has three steps, any failing one a 401 "Invalid or expired token": the
/// signature (HS256 with the configured secret), the expiry (against the injected clock), and
/// the store — the user must still exist in the token's tenant, with its current role and
/// email (so a deleted or moved account's token stops working at once).
struct TokenAuthority: Sendable {
    private let keys: JWTKeyCollection
    private let clock: any WallClock
    private let lifetime: Duration

    /// - Precondition: `secret` is at least ``ServerConfiguration/minimumSecretBytes`` long
    ///   (``ServerConfiguration/validate()`` checks it; jwt-kit asserts on shorter keys).
    init(secret: String, lifetime: Duration, clock: any WallClock) async {
        precondition(secret.utf8.count >= ServerConfiguration.minimumSecretBytes, "validate the configuration first")
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.keys = keys
        self.clock = clock
        self.lifetime = lifetime
    }

    /// A token for `user`, valid for the configured lifetime from now.
    func issue(for user: User) async throws -> String {
        let expiry = clock.now() + lifetime
        let claims = SessionClaims(
            userId: user.id.description, tenantId: user.tenantID?.description, email: user.email, role: user.role.rawValue,
            isPlatformAdmin: user.isPlatformAdmin,
            exp: ExpirationClaim(value: Date(timeIntervalSince1970: Double(expiry.milliseconds) / 1000)))
        return try await keys.sign(claims)
    }

    /// The caller a bearer token stands for.
    /// - Throws: ``APIError/invalidToken`` for a bad signature, a malformed or expired token,
    ///   or a user the store no longer has in that tenant.
    func authenticate(token: String, store: any HandoffStore) async throws(APIError) -> Identity {
        let claims: SessionClaims
        do {
            claims = try await keys.verify(token, as: SessionClaims.self)
        } catch {
            throw .invalidToken
        }
        let now = Date(timeIntervalSince1970: Double(clock.now().milliseconds) / 1000)
        guard now < claims.exp.value, let userID = UserID(claims.userId) else { throw .invalidToken }
        let tenantID: TenantID?
        if let text = claims.tenantId {
            guard let id = TenantID(text) else { throw .invalidToken }
            tenantID = id
        } else {
            tenantID = nil
        }
        guard let user = await store.user(userID), user.tenantID == tenantID else { throw .invalidToken }
        return Identity(userID: user.id, tenantID: user.tenantID, role: user.role)
    }
}
