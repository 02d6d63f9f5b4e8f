// MARK: - Tenant routing (our extension)

extension APIPath {
    /// `GET` / `PUT` the caller's tenant routing, `{routing}` both ways (`client_admin` only).
    public static let tenantRouting = "/api/tenant/routing"
}

/// `{"routing": "manual" | "leastBusy" | "mostBusy" | "longestIdle"}`: how the tenant's waiting
/// requests reach agents — `manual`, agents pick them up (the reference platform); otherwise the
/// server assigns each to the best eligible agent by that policy (`auto`, accepted in a `PUT`,
/// is `leastBusy`). The body of `GET` and `PUT` ``APIPath/tenantRouting``.
public struct TenantRoutingBody: Codable, Hashable, Sendable {
    public var routing: String
    public init(routing: String) { self.routing = routing }
}
