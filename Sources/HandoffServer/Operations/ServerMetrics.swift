import CoreMetrics
import HTTPTypes
import Metrics
import Prometheus
import Synchronization

/// The server's own metrics, recorded through swift-metrics into an injected swift-prometheus
/// registry and exposed as Prometheus text by ``render(gauges:)`` (`GET /metrics`).
///
/// Nothing is bootstrapped globally (`MetricsSystem` is never touched): every metric is made
/// with `factory:` on a ``PrometheusMetricsFactory`` over this instance's own registry, so two
/// servers in one process (tests) never share counters. The names (docs/api.md, "Metrics"):
///
/// | name | type | labels |
/// |---|---|---|
/// | `http_requests_total` | counter | `route` (pattern or `unmatched`), `method`, `status` |
/// | `http_request_duration_seconds` | histogram (``durationBuckets``) | `route`, `method` |
/// | `handoff_queue_length` | gauge | — |
/// | `handoff_active_chats` | gauge | — |
/// | `websocket_connections` | gauge | — |
/// | `websocket_dropped_frames_total` | counter | — |
/// | `rate_limited_total` | counter | `scope` (`address` or `apiKey`) |
///
/// Labels are bounded (route patterns, methods, status codes, two scopes), and always given
/// in the order above: the registry keys a series by its labels in order.
final class ServerMetrics: Sendable {
    /// Upper bounds of the latency histogram buckets, in seconds (`+Inf` is implied).
    static let durationBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private static let requestsName = "http_requests_total"
    private static let durationName = "http_request_duration_seconds"

    /// Where every metric of this server lives.
    let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    private let queueLength: CoreMetrics.Gauge
    private let activeChats: CoreMetrics.Gauge
    private let webSocketConnections: CoreMetrics.Gauge
    private let droppedFrames: CoreMetrics.Counter
    private let rateLimitedByAddress: CoreMetrics.Counter
    private let rateLimitedByAPIKey: CoreMetrics.Counter

    /// The series of one route, method and status, made once: the registry's own lookup (label
    /// checks, hashing, its lock) cost a microsecond a request.
    private struct RequestKey: Hashable {
        var endpoint: String?
        var method: HTTPRequest.Method
        var status: Int
    }

    private struct RequestSeries {
        var route: String
        var count: CoreMetrics.Counter
        var duration: Metrics.Timer
    }

    private let series = Mutex<[RequestKey: RequestSeries]>([:])

    init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets = [Self.durationName: Self.durationBuckets.map { .nanoseconds(Int64(($0 * 1e9).rounded())) }]
        self.registry = registry
        self.factory = factory
        // Made up front, so each shows 0 before anything happens.
        queueLength = CoreMetrics.Gauge(label: "handoff_queue_length", factory: factory)
        activeChats = CoreMetrics.Gauge(label: "handoff_active_chats", factory: factory)
        webSocketConnections = CoreMetrics.Gauge(label: "websocket_connections", factory: factory)
        droppedFrames = CoreMetrics.Counter(label: "websocket_dropped_frames_total", factory: factory)
        rateLimitedByAddress = CoreMetrics.Counter(label: "rate_limited_total", dimensions: [("scope", "address")], factory: factory)
        rateLimitedByAPIKey = CoreMetrics.Counter(label: "rate_limited_total", dimensions: [("scope", "apiKey")], factory: factory)
    }

    // MARK: Recording

    /// One response: counted by route pattern, method and status; timed by route and method.
    /// `endpoint` is the router's matched path (`/api/widget-handoffs/{id}/pickup`), `nil` for
    /// none. Returns the route label (`/api/widget-handoffs/:id/pickup`, or `unmatched`).
    @discardableResult
    func recordRequest(endpoint: String?, method: HTTPRequest.Method, status: Int, duration: Duration) -> String {
        let key = RequestKey(endpoint: endpoint, method: method, status: status)
        let known = series.withLock { $0[key] }
        let entry = known ?? makeSeries(key)
        entry.count.increment()
        entry.duration.record(duration: duration)
        return entry.route
    }

    private func makeSeries(_ key: RequestKey) -> RequestSeries {
        let route = Self.routeLabel(key.endpoint)
        let method = key.method.rawValue
        let entry = RequestSeries(
            route: route,
            count: CoreMetrics.Counter(
                label: Self.requestsName, dimensions: [("route", route), ("method", method), ("status", String(key.status))], factory: factory),
            duration: Metrics.Timer(label: Self.durationName, dimensions: [("route", route), ("method", method)], factory: factory))
        series.withLock { $0[key] = entry }
        return entry
    }

    /// `/api/widget-handoffs/{id}/pickup` → `/api/widget-handoffs/:id/pickup`; unmatched → `unmatched`.
    static func routeLabel(_ endpointPath: String?) -> String {
        guard let path = endpointPath, path.hasPrefix("/") else { return "unmatched" }
        return String(path.compactMap { $0 == "{" ? ":" : $0 == "}" ? nil : $0 })
    }

    enum RateLimitScope {
        case address, apiKey
    }

    func recordRateLimited(_ scope: RateLimitScope) {
        switch scope {
        case .address: rateLimitedByAddress.increment()
        case .apiKey: rateLimitedByAPIKey.increment()
        }
    }

    func recordDroppedFrame() {
        droppedFrames.increment()
    }

    // MARK: Exposition

    /// Point-in-time values read at scrape time.
    struct Gauges: Sendable {
        var queueLength: Int
        var activeChats: Int
        var webSocketConnections: Int
    }

    /// The Prometheus text exposition (format 0.0.4) of every metric, after setting the
    /// scrape-time gauges. Families and series come in the registry's order, not sorted.
    func render(gauges: Gauges) -> String {
        queueLength.record(gauges.queueLength)
        activeChats.record(gauges.activeChats)
        webSocketConnections.record(gauges.webSocketConnections)
        return registry.emitToString()
    }
}
