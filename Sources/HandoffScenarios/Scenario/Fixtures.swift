import HandoffEngine
import HandoffWorkload

/// Tenants with their API keys, login accounts and agents, addressed by short handles that
/// scenarios use (`acme`, `web`, `ann`). Loaded from `kind: fixtures` files or inline in a
/// scenario; seeded into a store by the in-process driver, or expected to exist on a live
/// server (`handoff-sim serve --fixtures`).
public struct Fixtures: Hashable, Sendable {
    public struct TenantFixture: Hashable, Sendable {
        public var handle: String
        public var name: String
        public var status: Tenant.Status
        public var allowedDomains: [String]
        public var apiKeys: [APIKeyFixture]
        public var users: [UserFixture]
        public var agents: [AgentFixture]
        /// How the tenant's requests reach agents (YAML `routing: manual | leastBusy | mostBusy | longestIdle`, `auto` read as `leastBusy`). Default
        /// `manual`. Under `auto` the runner also checks, after every step, that no request
        /// waits while an agent has a free slot.
        public var routing: Tenant.Routing
        /// PBKDF2 rounds for this tenant's accounts (YAML `passwordIterations`); `nil`: the
        /// store's default, ``PasswordHash/recommendedIterations``. Lower it only for tests.
        public var passwordIterations: Int?
        /// The scripted assistant of `POST /api/widget/chat` (YAML `assistant:`). Default: the
        /// engine's generic script.
        public var assistant: AssistantScript
        public var location: SourceLocation

        public init(handle: String, name: String, status: Tenant.Status = .active, allowedDomains: [String] = [],
                    apiKeys: [APIKeyFixture] = [], users: [UserFixture] = [], agents: [AgentFixture] = [], routing: Tenant.Routing = .manual,
                    passwordIterations: Int? = nil, assistant: AssistantScript = AssistantScript(), location: SourceLocation) {
            self.handle = handle
            self.name = name
            self.status = status
            self.allowedDomains = allowedDomains
            self.apiKeys = apiKeys
            self.users = users
            self.agents = agents
            self.routing = routing
            self.passwordIterations = passwordIterations
            self.assistant = assistant
            self.location = location
        }
    }

    public struct APIKeyFixture: Hashable, Sendable {
        public var handle: String
        /// The raw key (`embellics_` + 64 hex digits).
        public var key: String
        /// Already expired when loaded (to test refusal).
        public var expired: Bool
        public var location: SourceLocation

        public init(handle: String, key: String, expired: Bool = false, location: SourceLocation) {
            self.handle = handle
            self.key = key
            self.expired = expired
            self.location = location
        }
    }

    /// A login account that is not an agent (typically a `client_admin`).
    public struct UserFixture: Hashable, Sendable {
        public var handle: String
        public var email: String
        public var password: String
        public var role: Role
        public var firstName: String
        public var lastName: String
        public var location: SourceLocation

        public init(handle: String, email: String, password: String, role: Role, firstName: String = "", lastName: String = "", location: SourceLocation) {
            self.handle = handle
            self.email = email
            self.password = password
            self.role = role
            self.firstName = firstName
            self.lastName = lastName
            self.location = location
        }
    }

    /// An agent, and its login account (`support_staff` unless `role` says otherwise).
    public struct AgentFixture: Hashable, Sendable {
        public var handle: String
        public var name: String
        public var email: String
        public var password: String
        public var role: Role
        public var maxChats: Int
        /// Status before anyone logs in. Default `offline`.
        public var status: AgentStatus
        public var location: SourceLocation

        public init(handle: String, name: String, email: String, password: String, role: Role = .supportStaff, maxChats: Int = HandoffCore.Configuration().defaultMaxChats,
                    status: AgentStatus = .offline, location: SourceLocation) {
            self.handle = handle
            self.name = name
            self.email = email
            self.password = password
            self.role = role
            self.maxChats = maxChats
            self.status = status
            self.location = location
        }
    }

    public var tenants: [TenantFixture]

    public init(tenants: [TenantFixture] = []) { self.tenants = tenants }

    public func tenant(_ handle: String) -> TenantFixture? { tenants.first { $0.handle == handle } }

    /// The agent with this handle and its tenant.
    public func agent(_ handle: String) -> (tenant: TenantFixture, agent: AgentFixture)? {
        for t in tenants { if let a = t.agents.first(where: { $0.handle == handle }) { return (t, a) } }
        return nil
    }

    public func user(_ handle: String) -> (tenant: TenantFixture, user: UserFixture)? {
        for t in tenants { if let u = t.users.first(where: { $0.handle == handle }) { return (t, u) } }
        return nil
    }

    /// Deterministic ids, so a fixture means the same tenant in every run and every driver.
    public static func tenantID(_ handle: String) -> TenantID { TenantID(namespace: 1, number: stableHash(handle)) }
    public static func agentID(tenant: String, agent: String) -> AgentID { AgentID(namespace: 2, number: stableHash(tenant + "/" + agent)) }
    public static func userID(tenant: String, user: String) -> UserID { UserID(namespace: 3, number: stableHash(tenant + "/" + user)) }

    /// FNV-1a over UTF-8, truncated to 48 bits (the ids' number field).
    static func stableHash(_ text: String) -> UInt64 { stableHash(text, seed: 0) & 0xffff_ffff_ffff }

    /// FNV-1a over UTF-8 with `seed` folded into the offset basis: stable across runs and
    /// platforms (unlike `hashValue`).
    public static func stableHash(_ text: String, seed: UInt64) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        return hash
    }
}
