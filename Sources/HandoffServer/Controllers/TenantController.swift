import HandoffAPI
import HandoffEngine
import Hummingbird

/// The caller's tenant settings (our extension), under `/api/tenant`, Bearer JWT.
///
/// | route | answer |
/// |---|---|
/// | GET `/routing` | `{routing}`: `manual` (agents pick up themselves, the reference platform) or an automatic policy, `leastBusy`, `mostBusy` or `longestIdle` (the engine assigns) |
/// | PUT `/routing` `{routing}` | `{routing}` as it now is (`auto` is read as `leastBusy`); switching to an automatic policy assigns the waiting queue at once (each assignment pushed as `handoff_picked_up`) |
///
/// Only the tenant's own `client_admin` (the token decides the tenant): support_staff 403
/// "Insufficient permissions to read routing" / "… to change routing", platform staff 403 (no
/// tenant). A body whose `routing` is missing, not a string, or none of those names is 400
/// with details.
struct TenantController {
    typealias RoutingBody = TenantRoutingBody

    let dependencies: ServerDependencies
    let authentication: AgentAuthMiddleware
    private var store: any HandoffStore { dependencies.store }

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.add(middleware: authentication)
        routes.get("routing", use: routing)
        routes.put("routing", use: setRouting)
        return routes
    }

    @Sendable func routing(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let tenant = try identity.requireTenant()
        let routing = try await store.routing(tenant: tenant, by: identity.caller)
        return try JSONResponse.make(RoutingBody(routing: routing.rawValue))
    }

    @Sendable func setRouting(_ request: Request, context: AppRequestContext) async throws -> Response {
        let identity = try context.requireIdentity()
        let tenant = try identity.requireTenant()
        let body = try await request.decode(as: RoutingBody.self, context: context)
        let routing = try FieldRules.routing(body.routing)
        let updated = try await store.setRouting(routing, tenant: tenant, by: identity.caller)
        return try JSONResponse.make(RoutingBody(routing: updated.routing.rawValue))
    }
}

extension FieldRules {
    /// A tenant routing string: `manual`, `leastBusy`, `mostBusy` or `longestIdle` (`auto`
    /// reads as `leastBusy`).
    static func routing(_ text: String, field: String = "routing") throws(APIError) -> Tenant.Routing {
        guard let routing = Tenant.Routing(name: text) else {
            throw .invalid(field, "\(field) must be one of \(Tenant.Routing.allCases.map(\.rawValue).joined(separator: ", ")) (auto is leastBusy)")
        }
        return routing
    }
}
