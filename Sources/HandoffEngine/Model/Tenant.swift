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

    public init(
        id: TenantID, name: String, status: Status = .active, allowedDomains: [String] = [],
        greeting: String = "Hi! How can we help you today?", primaryColor: String = "#2563eb",
        textColor: String = "#ffffff", borderRadius: String = "12px", position: String = "bottom-right"
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
