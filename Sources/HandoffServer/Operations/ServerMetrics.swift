import HandoffEngine
import Synchronization

/// The server's own counters, rendered as Prometheus text by ``render(gauges:)``.
///
/// Labels are bounded: `route` is a route pattern (or `unmatched`), `method` an HTTP method,
/// `status` a status code, `scope` one of two words. Recording takes one short lock.
final class ServerMetrics: Sendable {
    /// Upper bounds of the latency histogram buckets, in seconds (`+Inf` is implied).
    static let durationBuckets: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private struct RequestKey: Hashable, Comparable {
        var route: String
        var method: String
        var status: Int
        static func < (a: Self, b: Self) -> Bool { (a.route, a.method, a.status) < (b.route, b.method, b.status) }
    }

    private struct RouteKey: Hashable, Comparable {
        var route: String
        var method: String
        static func < (a: Self, b: Self) -> Bool { (a.route, a.method) < (b.route, b.method) }
    }

    private struct Histogram {
        var buckets = [Int](repeating: 0, count: ServerMetrics.durationBuckets.count)
        var sum = 0.0
        var count = 0
    }

    private struct State {
        var requests: [RequestKey: Int] = [:]
        var durations: [RouteKey: Histogram] = [:]
        var rateLimited: [String: Int] = ["address": 0, "apiKey": 0]
        var droppedFrames = 0
    }

    private let state = Mutex(State())

    // MARK: Recording

    func recordRequest(route: String, method: String, status: Int, duration: Duration) {
        let seconds = duration.seconds
        state.withLock { state in
            state.requests[RequestKey(route: route, method: method, status: status), default: 0] += 1
            var histogram = state.durations[RouteKey(route: route, method: method)] ?? Histogram()
            if let index = Self.durationBuckets.firstIndex(where: { seconds <= $0 }) { histogram.buckets[index] += 1 }
            histogram.sum += seconds
            histogram.count += 1
            state.durations[RouteKey(route: route, method: method)] = histogram
        }
    }

    /// `scope`: `address` or `apiKey`.
    func recordRateLimited(scope: String) {
        state.withLock { $0.rateLimited[scope, default: 0] += 1 }
    }

    func recordDroppedFrame() {
        state.withLock { $0.droppedFrames += 1 }
    }

    // MARK: Prometheus text format

    /// Point-in-time values read at scrape time.
    struct Gauges: Sendable {
        var queueLength: Int
        var activeChats: Int
        var webSocketConnections: Int
    }

    /// The Prometheus text exposition (format 0.0.4) of every metric.
    func render(gauges: Gauges) -> String {
        let snapshot = state.withLock { state in
            (state.requests, state.durations, state.rateLimited, state.droppedFrames)
        }
        var out = ""
        out += "# HELP http_requests_total HTTP requests by route pattern, method and status.\n"
        out += "# TYPE http_requests_total counter\n"
        for (key, count) in snapshot.0.sorted(by: { $0.key < $1.key }) {
            out += "http_requests_total{route=\"\(escape(key.route))\",method=\"\(escape(key.method))\",status=\"\(key.status)\"} \(count)\n"
        }
        out += "# HELP http_request_duration_seconds Time to produce a response, by route pattern and method.\n"
        out += "# TYPE http_request_duration_seconds histogram\n"
        for (key, histogram) in snapshot.1.sorted(by: { $0.key < $1.key }) {
            let labels = "route=\"\(escape(key.route))\",method=\"\(escape(key.method))\""
            var cumulative = 0
            for (bound, count) in zip(Self.durationBuckets, histogram.buckets) {
                cumulative += count
                out += "http_request_duration_seconds_bucket{\(labels),le=\"\(format(bound))\"} \(cumulative)\n"
            }
            out += "http_request_duration_seconds_bucket{\(labels),le=\"+Inf\"} \(histogram.count)\n"
            out += "http_request_duration_seconds_sum{\(labels)} \(format(histogram.sum))\n"
            out += "http_request_duration_seconds_count{\(labels)} \(histogram.count)\n"
        }
        out += "# HELP handoff_queue_length Pending handoffs, summed over tenants.\n"
        out += "# TYPE handoff_queue_length gauge\n"
        out += "handoff_queue_length \(gauges.queueLength)\n"
        out += "# HELP handoff_active_chats Active handoffs, summed over tenants.\n"
        out += "# TYPE handoff_active_chats gauge\n"
        out += "handoff_active_chats \(gauges.activeChats)\n"
        out += "# HELP websocket_connections Open WebSocket connections (agent and widget).\n"
        out += "# TYPE websocket_connections gauge\n"
        out += "websocket_connections \(gauges.webSocketConnections)\n"
        out += "# HELP websocket_dropped_frames_total Frames dropped because a socket's outbound buffer was full.\n"
        out += "# TYPE websocket_dropped_frames_total counter\n"
        out += "websocket_dropped_frames_total \(snapshot.3)\n"
        out += "# HELP rate_limited_total Requests refused with 429, by limit.\n"
        out += "# TYPE rate_limited_total counter\n"
        for (scope, count) in snapshot.2.sorted(by: { $0.key < $1.key }) {
            out += "rate_limited_total{scope=\"\(escape(scope))\"} \(count)\n"
        }
        return out
    }

    private func escape(_ value: String) -> String {
        var out = ""
        for character in value {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    private func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}
