import Crypto
import CryptoExtras

/// A salted PBKDF2-HMAC-SHA-256 password digest, derived by swift-crypto.
///
/// Why PBKDF2 and not bcrypt (docs/architecture.md, "Passwords"): it is in swift-crypto, the
/// one cryptography library the engine depends on; it has no 72-byte password limit; and at
/// ``recommendedIterations`` it costs what OWASP asks of it today. Deriving is slow on purpose
/// (a few hundred milliseconds at the default cost), so stores run it off the caller's thread
/// (``MemoryHandoffStore/Configuration/passwordWork``).
public struct PasswordHash: Hashable, Sendable {
    /// OWASP Password Storage Cheat Sheet (2023) for PBKDF2-HMAC-SHA-256: 600 000 rounds.
    /// The default for every new password; fixtures may lower it for tests, explicitly.
    public static let recommendedIterations = 600_000
    /// Bytes of derived key stored.
    static let digestBytes = 32

    public var salt: [UInt8]
    public var iterations: Int
    public var digest: [UInt8]

    /// Digests `password` with a caller-chosen random `salt` (the engine has no randomness).
    ///
    /// - Precondition: `iterations ≥ 1` (checked where the cost is read: fixtures, flags).
    public init(password: String, salt: [UInt8], iterations: Int = recommendedIterations) {
        self.salt = salt
        self.iterations = iterations
        // Derivation fails only if BoringSSL cannot allocate; an empty digest then matches no
        // password (the account cannot log in) rather than crashing the process.
        self.digest = Self.derive(password, salt: salt, iterations: iterations).map { $0.withUnsafeBytes { Array($0) } } ?? []
    }

    /// A hash from its parts (as stored).
    public init(salt: [UInt8], iterations: Int, digest: [UInt8]) {
        self.salt = salt
        self.iterations = iterations
        self.digest = digest
    }

    /// Whether `password` derives this digest, compared in constant time.
    public func verify(_ password: String) -> Bool {
        guard digest.count == Self.digestBytes, let derived = Self.derive(password, salt: salt, iterations: iterations) else { return false }
        return derived == SymmetricKey(data: digest)
    }

    private static func derive(_ password: String, salt: [UInt8], iterations: Int) -> SymmetricKey? {
        guard iterations >= 1 else { return nil }
        // `unsafeUncheckedRounds`: the library refuses fewer than 210 000 rounds otherwise, and
        // tests and fixtures may ask for fewer explicitly; the default is above that floor.
        return try? KDF.Insecure.PBKDF2.deriveKey(
            from: Array(password.utf8), salt: salt, using: .sha256, outputByteCount: digestBytes, unsafeUncheckedRounds: iterations)
    }
}

/// The first half of a login (``HandoffCore/loginChallenge(email:)``): which account, and the
/// hash its password must match. Verifying it (``PasswordHash/verify(_:)``) is the slow part.
public struct LoginChallenge: Hashable, Sendable {
    /// `nil`: no account has that email; the hash is then a decoy that no password matches,
    /// as costly as the costliest account's, so unknown emails take as long to refuse.
    public let userID: UserID?
    public let passwordHash: PasswordHash

    /// A decoy of the given cost: its digest is all zeros, which no PBKDF2 output is in practice.
    public static func decoy(iterations: Int) -> PasswordHash {
        PasswordHash(salt: Array("handoff-login-decoy".utf8), iterations: iterations, digest: [UInt8](repeating: 0, count: PasswordHash.digestBytes))
    }

    /// The challenge for an email no account has: a decoy of the given cost (a store that
    /// looks accounts up outside a core passes the costliest account's).
    public static func unknownAccount(iterations: Int) -> LoginChallenge {
        LoginChallenge(userID: nil, passwordHash: decoy(iterations: iterations))
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
        var raw = raw
        return raw.withUTF8(isWellFormed)
    }

    /// As ``isWellFormed(_:)``, over the key's UTF-8 (every widget request checks one).
    static func isWellFormed(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        let schemeLength = schemeBytes.count
        guard utf8.count == schemeLength + secretHexDigits else { return false }
        for i in 0..<schemeLength where utf8[i] != schemeBytes[i] { return false }
        for i in schemeLength..<utf8.count {
            let byte = utf8[i]
            guard (48...57).contains(byte) || (97...102).contains(byte) else { return false }
        }
        return true
    }

    private static let schemeBytes = Array(scheme.utf8)

    /// The lookup prefix of a well-formed key (of anything else, the characters where it would be).
    public static func prefix(of raw: String) -> String {
        var bytes = raw
        let ascii = bytes.withUTF8 { utf8 in
            utf8.count >= schemeBytes.count + prefixLength && utf8.allSatisfy({ $0 < 0x80 }) ? prefix(ascii: utf8) : nil
        }
        return ascii ?? String(raw.dropFirst(scheme.count).prefix(prefixLength))
    }

    /// The prefix read by bytes (every widget request makes one; `String.dropFirst` walks
    /// Characters). `utf8` is ASCII and at least scheme plus prefix long.
    static func prefix(ascii utf8: UnsafeBufferPointer<UInt8>) -> String {
        let start = schemeBytes.count
        return String(decoding: UnsafeBufferPointer(rebasing: utf8[start..<start + prefixLength]), as: UTF8.self)
    }

    /// The SHA-256 digest of a raw key, as stored in ``keyDigest``.
    public static func digest(of raw: String) -> [UInt8] {
        var raw = raw
        return Array(raw.withUTF8(sha256))
    }

    /// SHA-256 of a key's UTF-8, hashed in place (no copy into an array first).
    static func sha256(_ utf8: UnsafeBufferPointer<UInt8>) -> SHA256Digest {
        SHA256.hash(data: UnsafeRawBufferPointer(utf8))
    }

    /// Whether `raw`'s digest is this key's, compared in constant time: every byte is looked at
    /// whatever the others are. By hand over the bytes: swift-crypto's `==` against `[UInt8]`
    /// is generic over `DataProtocol` and, unspecialised here, cost several times as much.
    func matches(digest: SHA256Digest) -> Bool {
        digest.withUnsafeBytes { given in
            keyDigest.withUnsafeBytes { stored in
                guard given.count == stored.count else { return false }
                var difference: UInt8 = 0
                for i in 0..<given.count { difference |= given[i] ^ stored[i] }
                return difference == 0
            }
        }
    }

    /// Makes a key from 32 random bytes chosen by the caller.
    public static func rawKey(fromRandomBytes bytes: [UInt8]) -> String {
        precondition(bytes.count == secretHexDigits / 2, "an API key needs 32 random bytes")
        return scheme + bytes.hexString
    }

    /// A key from its stored fields (prefix and digest; the raw key is never stored).
    public init(
        id: APIKeyID, tenantID: TenantID, keyPrefix: String, keyDigest: [UInt8], name: String, createdAt: Timestamp,
        expiresAt: Timestamp?, lastUsed: Timestamp?
    ) {
        self.id = id
        self.tenantID = tenantID
        self.keyPrefix = keyPrefix
        self.keyDigest = keyDigest
        self.name = name
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.lastUsed = lastUsed
    }
}

/// A raw widget key made ready for ``HandoffCore/authenticateWidget(_:referrer:now:)``: its
/// lookup prefix and SHA-256 digest, computed without any store lock held.
public struct WidgetKey: Sendable {
    public let prefix: String
    let digest: SHA256Digest

    /// `nil` when `rawKey` does not have the key format.
    public init?(_ rawKey: String) {
        // One pass over the key's bytes for the format, the prefix and the digest.
        var rawKey = rawKey
        let parts = rawKey.withUTF8 { utf8 -> (String, SHA256Digest)? in
            guard APIKey.isWellFormed(utf8) else { return nil }
            return (APIKey.prefix(ascii: utf8), APIKey.sha256(utf8))
        }
        guard let parts else { return nil }
        (prefix, digest) = parts
    }
}

/// An account as a session check sees it (``HandoffCore/session(_:)``).
public struct AccountSession: Hashable, Sendable {
    public var user: User
    /// The account's tenant's status; `nil` for platform staff.
    public var tenantStatus: Tenant.Status?

    public init(user: User, tenantStatus: Tenant.Status?) {
        self.user = user
        self.tenantStatus = tenantStatus
    }
}

/// Who a widget request acts for: the key's tenant, and whether that tenant's allowed domains
/// admit the request's `Origin` (then the server echoes it for credentialed requests).
public struct WidgetAccess: Hashable, Sendable {
    public var tenant: TenantID
    public var originAllowed: Bool

    public init(tenant: TenantID, originAllowed: Bool) {
        self.tenant = tenant
        self.originAllowed = originAllowed
    }
}

extension Sequence<UInt8> {
    /// Lowercase hexadecimal, two digits a byte.
    public var hexString: String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
