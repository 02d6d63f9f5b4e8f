import HandoffAPI
import HandoffEngine
import Hummingbird
import Logging
import ServiceLifecycle

/// Health and metrics for operators, unauthenticated.
///
/// - GET `/health` → 200 `{"status":"ok"}` while the server answers.
/// - GET `/metrics` → Prometheus text format: `http_requests_total{route,method,status}`,
///   `http_request_duration_seconds{route,method}` (histogram, fixed buckets from 1 ms to
///   10 s), `handoff_queue_length` and `handoff_active_chats` (over every tenant),
///   `websocket_connections`, `websocket_dropped_frames_total`, `rate_limited_total{scope}`.
struct OperationsController {
    let dependencies: ServerDependencies
    /// `nil` when WebSockets are disabled.
    let hub: WebSocketHub?

    var endpoints: RouteCollection<AppRequestContext> {
        let routes = RouteCollection(context: AppRequestContext.self)
        routes.get(RouterPath(APIPath.health), use: health)
        routes.get(RouterPath(APIPath.prometheus), use: metrics)
        return routes
    }

    @Sendable func health(_ request: Request, context: AppRequestContext) async throws -> Response {
        try JSONResponse.make(HealthResponse())
    }

    @Sendable func metrics(_ request: Request, context: AppRequestContext) async throws -> Response {
        let totals = await dependencies.store.queueTotals()
        let text = dependencies.metrics.render(
            gauges: .init(queueLength: totals.pending, activeChats: totals.active, webSocketConnections: hub?.connectionCount ?? 0))
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}

/// Runs the inactivity sweep (``HandoffStore/sweep()``) every interval until graceful shutdown:
/// agents whose clients stopped heartbeating go offline (their chats stay theirs).
struct SweepService: Service {
    let store: any HandoffStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
            let swept = await store.sweep()
            if !swept.isEmpty { logger.info("Inactivity sweep took agents offline", metadata: ["count": "\(swept.count)"]) }
        }
    }
}
