import HandoffAPI
import HandoffEngine
import Hummingbird

/// The tenant's dashboard numbers (our extension), at `GET /api/metrics/dashboard`, Bearer JWT:
/// ``HandoffStore/metrics(tenant:)`` as ``DashboardMetricsBody`` — request counts, outcomes,
/// the queue, wait mean and p50/p90/p99 in milliseconds, and per-agent totals.
struct DashboardController {
    let dependencies: ServerDependencies
    let authentication: AgentAuthMiddleware

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.add(middleware: authentication)
        routes.get("dashboard", use: dashboard)
        return routes
    }

    @Sendable func dashboard(_ request: Request, context: AppRequestContext) async throws -> Response {
        let tenant = try context.requireIdentity().requireTenant()
        return try JSONResponse.make(WireMapping.dashboard(try await dependencies.store.metrics(tenant: tenant)))
    }
}
