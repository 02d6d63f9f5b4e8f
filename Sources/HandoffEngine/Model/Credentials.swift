/// A salted PBKDF2-HMAC-SHA-256 password digest.
public struct PasswordHash: Hashable, Sendable {
    public var salt: [UInt8]
    public var iterations: Int
    public var digest: [UInt8]

    /// Digests `password` with a caller-chosen random `salt` (the engine has no randomness).
    public init(password: String, salt: [UInt8], iterations: Int = 10_000) {
        self.salt = salt
        self.iterations = iterations
        self.digest = SHA256.pbkdf2(password: Array(password.utf8), salt: salt, iterations: iterations)
    }

    /// A hash from its parts (as stored).
    public init(salt: [UInt8], iterations: Int, digest: [UInt8]) {
        self.salt = salt
        self.iterations = iterations
        self.digest = digest
    }

    public func verify(_ password: String) -> Bool {
        SHA256.constantTimeEquals(SHA256.pbkdf2(password: Array(password.utf8), salt: salt, iterations: iterations), digest)
    }
}

/// The first half of a login (``HandoffCore/loginChallenge(email:)``): which account, and the
/// hash its password must match. Verifying it (``PasswordHash/verify(_:)``) is the slow part.
public struct LoginChallenge: Hashable, Sendable {
    /// `nil`: no account has that email; the hash is then a decoy that no password matches,
    /// as costly as the newest account's, so unknown emails take as long to refuse.
    public let userID: UserID?
    public let passwordHash: PasswordHash

    /// A decoy of the given cost: its digest is all zeros, which no PBKDF2 output is in practice.
    static func decoy(iterations: Int) -> PasswordHash {
        PasswordHash(salt: Array("handoff-login-decoy".utf8), iterations: iterations, digest: [UInt8](repeating: 0, count: 32))
    }
}

/// A widget API key as stored: never the key itself, only a lookup prefix and a digest.
///
/// Keys look like `embellics_` followed by 64 lowercase hex digits. The first
/// ``prefixLength`` hex digits index the key (an O(1) lookup, never a scan over every key on
/// the platform — the reference platform's defect 9); the SHA-256 digest of the whole key is
/// then compared in constant time.
public struct APIKey: Hashable, Sendable {
    public static let scheme = "embellics_"
    public static let secretHexDigits = 64
    public static let prefixLength = 12

    public var id: APIKeyID
    public var tenantID: TenantID
    public var keyPrefix: String
    public var keyDigest: [UInt8]
    public var name: String
    public var createdAt: Timestamp
    public var expiresAt: Timestamp?
    public var lastUsed: Timestamp?

    /// Whether `raw` has the key format (scheme plus 64 lowercase hex digits).
    public static func isWellFormed(_ raw: String) -> Bool {
        let bytes = Array(raw.utf8)
        let scheme = Array(Self.scheme.utf8)
        guard bytes.count == scheme.count + secretHexDigits, bytes.starts(with: scheme) else { return false }
        return bytes[scheme.count...].allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    /// The lookup prefix of a well-formed key.
    public static func prefix(of raw: String) -> String {
        String(raw.dropFirst(Self.scheme.count).prefix(prefixLength))
    }

    /// Makes a key from 32 random bytes chosen by the caller.
    public static func rawKey(fromRandomBytes bytes: [UInt8]) -> String {
        precondition(bytes.count == secretHexDigits / 2, "an API key needs 32 random bytes")
        return scheme + bytes.hexString
    }
}
