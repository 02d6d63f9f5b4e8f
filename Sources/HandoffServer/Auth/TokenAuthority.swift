import Foundation
import HandoffEngine
import JWTKit
import Synchronization

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
    /// Tokens whose signature was verified, with what they claim: a token is the same bytes on
    /// every poll, and verifying it (an actor hop, HMAC, base64 and a JSON decode) cost more
    /// than the poll. Expiry and the store are still checked every time. Bounded: emptied when full.
    private let verified = VerifiedTokens(capacity: 10_000)

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
    func authenticate(token: String, store: any HandoffStore) async throws(APIError) -> (Identity, tenantStatus: Tenant.Status?) {
        let claim: VerifiedTokens.Claim
        if let known = verified.claim(token) {
            claim = known
        } else {
            let claims: SessionClaims
            do {
                claims = try await keys.verify(token, as: SessionClaims.self)
            } catch {
                throw .invalidToken
            }
            guard let userID = UserID(claims.userId) else { throw .invalidToken }
            let tenantID: TenantID?
            if let text = claims.tenantId {
                guard let id = TenantID(text) else { throw .invalidToken }
                tenantID = id
            } else {
                tenantID = nil
            }
            claim = VerifiedTokens.Claim(userID: userID, tenantID: tenantID, expiresAtMilliseconds: Int64((claims.exp.value.timeIntervalSince1970 * 1000).rounded(.down)))
            verified.remember(token, claim)
        }
        guard clock.now().milliseconds < claim.expiresAtMilliseconds else { throw .invalidToken }
        let found: AccountSession?
        do {
            found = try await store.lookUpSession(claim.userID)
        } catch {
            throw .storeUnavailable
        }
        guard let session = found, session.user.tenantID == claim.tenantID else { throw .invalidToken }
        return (Identity(userID: session.user.id, tenantID: session.user.tenantID, role: session.user.role), session.tenantStatus)
    }
}

/// The claims of tokens whose signature checked out, by token (see ``TokenAuthority``).
final class VerifiedTokens: Sendable {
    struct Claim: Sendable {
        var userID: UserID
        var tenantID: TenantID?
        var expiresAtMilliseconds: Int64
    }

    private let claims = Mutex<[String: Claim]>([:])
    private let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    func claim(_ token: String) -> Claim? { claims.withLock { $0[token] } }

    func remember(_ token: String, _ claim: Claim) {
        claims.withLock { claims in
            if claims.count >= capacity { claims.removeAll(keepingCapacity: true) }
            claims[token] = claim
        }
    }
}
