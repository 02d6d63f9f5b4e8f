/// A customer of the platform: owns agents, users, API keys and handoffs. Nothing crosses tenants.
public struct Tenant: Hashable, Sendable, Codable {
    public enum Status: String, Hashable, Sendable, Codable, CaseIterable {
        case active, suspended
    }

    public var id: TenantID
    public var name: String
    public var status: Status
    /// Hosts a widget may be embedded on. Empty: any referrer is accepted. A listed host also
    /// admits its subdomains (`example.com` admits `www.example.com`).
    public var allowedDomains: [String]
    /// The widget's greeting and look (`/api/widget/init`).
    public var greeting: String
    public var primaryColor: String
    public var textColor: String
    public var borderRadius: String
    public var position: String
    /// Who gives a waiting request to an agent. Default ``Routing/manual``. Change it on a live
    /// core with ``HandoffCore/setRouting(_:tenant:by:now:events:)``, which also applies what
    /// the new setting implies (switching to `auto` assigns the queue at once).
    public var routing: Routing
    /// The scripted virtual AI assistant the widget talks to before it asks for a human.
    public var assistant: AssistantScript

    public init(
        id: TenantID, name: String, status: Status = .active, allowedDomains: [String] = [],
        greeting: String = "Hi! How can we help you today?", primaryColor: String = "#2563eb",
        textColor: String = "#ffffff", borderRadius: String = "12px", position: String = "bottom-right",
        routing: Routing = .manual, assistant: AssistantScript = AssistantScript()
    ) {
        self.id = id
        self.name = name
        self.status = status
        self.allowedDomains = allowedDomains
        self.greeting = greeting
        self.primaryColor = primaryColor
        self.textColor = textColor
        self.borderRadius = borderRadius
        self.position = position
        self.routing = routing
        self.assistant = assistant
    }
}

extension Tenant {
    /// How waiting requests reach agents (the rule itself: ``HandoffCore`` "Automatic routing").
    ///
    /// - `manual`: the reference platform's way. Requests wait in the tenant's FIFO queue until
    ///   an agent picks one up (or an administrator assigns it).
    /// - The automatic policies: the engine assigns. A new request goes at once to the best
    ///   eligible agent; whenever a slot frees or an agent becomes eligible, the head of the
    ///   queue goes to the best eligible agent, repeatedly. So in an active automatically routed
    ///   tenant no request waits while an agent has a free slot. Manual pick-up stays possible,
    ///   under the same capacity rule. "Best" is, by policy:
    ///   - `leastBusy`: the fewest active chats (ties: the one idle longest);
    ///   - `mostBusy`: the most active chats below its limit, filling one agent before the next
    ///     (ties: the one idle longest);
    ///   - `longestIdle`: the one idle longest, whatever it holds.
    ///
    /// `auto`, the one automatic policy's name before there were several, reads as `leastBusy`
    /// (``init(name:)``; stored tenants and requests that say `auto`).
    ///
    /// Legal transitions: any to any, at any time (``HandoffCore/setRouting(_:tenant:by:now:events:)``).
    public enum Routing: String, Hashable, Sendable, Codable, CaseIterable {
        case manual, leastBusy, mostBusy, longestIdle

        /// The engine assigns (every policy but `manual`).
        public var isAutomatic: Bool { self != .manual }

        /// Names that read as a policy besides the policies' own: `auto` → `leastBusy`. The
        /// profiles' `LoadProfile.Routing.aliases` (HandoffWorkload, which cannot import the
        /// engine) says the same: add an alias to both.
        public static let aliases: [String: Routing] = ["auto": .leastBusy]

        /// A policy by its name or an alias; `nil` for anything else.
        public init?(name: String) {
            guard let routing = Routing(rawValue: name) ?? Self.aliases[name] else { return nil }
            self = routing
        }

        public init(from decoder: any Decoder) throws {
            let name = try decoder.singleValueContainer().decode(String.self)
            guard let routing = Routing(name: name) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown routing '\(name)'"))
            }
            self = routing
        }
    }

    private enum CodingKeys: String, CodingKey {
        case id, name, status, allowedDomains, greeting, primaryColor, textColor, borderRadius, position, routing, assistant
    }

    /// Decodes a tenant; `routing` and `assistant` may be absent (tenants stored before they
    /// existed): `manual` and the default script.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(TenantID.self, forKey: .id), name: try c.decode(String.self, forKey: .name),
            status: try c.decode(Status.self, forKey: .status), allowedDomains: try c.decode([String].self, forKey: .allowedDomains),
            greeting: try c.decode(String.self, forKey: .greeting), primaryColor: try c.decode(String.self, forKey: .primaryColor),
            textColor: try c.decode(String.self, forKey: .textColor), borderRadius: try c.decode(String.self, forKey: .borderRadius),
            position: try c.decode(String.self, forKey: .position), routing: try c.decodeIfPresent(Routing.self, forKey: .routing) ?? .manual,
            assistant: try c.decodeIfPresent(AssistantScript.self, forKey: .assistant) ?? AssistantScript())
    }
}

/// The role of a login account. `owner` and `admin` are platform staff with no tenant.
public enum Role: String, Hashable, Sendable, Codable, CaseIterable {
    case owner, admin
    case clientAdmin = "client_admin"
    case supportStaff = "support_staff"

    public var isPlatformStaff: Bool { self == .owner || self == .admin }
}

/// A login account (an agent's person, or a tenant's administrator).
public struct User: Hashable, Sendable {
    public var id: UserID
    /// `nil` for platform staff only.
    public var tenantID: TenantID?
    public var email: String
    public var passwordHash: PasswordHash
    public var firstName: String
    public var lastName: String
    public var role: Role

    public init(
        id: UserID, tenantID: TenantID?, email: String, passwordHash: PasswordHash,
        firstName: String, lastName: String, role: Role
    ) {
        self.id = id
        self.tenantID = tenantID
        self.email = email
        self.passwordHash = passwordHash
        self.firstName = firstName
        self.lastName = lastName
        self.role = role
    }

    public var isPlatformAdmin: Bool { role.isPlatformStaff }
}
