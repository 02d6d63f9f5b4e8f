import Foundation
import HTTPTypes
import HandoffEngine
import Hummingbird
import Logging
import NIOCore

// MARK: - Observability (outermost)

/// Times every request, counts it in ``ServerMetrics`` under its route *pattern* (never the raw
/// path), logs one line (request id, method, route, status, latency) and echoes the request id
/// in `X-Request-Id`. Outermost, so it sees the final status of every response, errors included.
struct ObservabilityMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: ServerMetrics
    let logLevel: Logger.Level

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            // ErrorMiddleware answers everything; this only runs if it was bypassed.
            response = try APIError.internalError.response(from: request, context: context)
        }
        let elapsed = ContinuousClock.now - start
        let route = Self.routeLabel(context.endpointPath)
        metrics.recordRequest(route: route, method: request.method.rawValue, status: response.status.code, duration: elapsed)
        // Hummingbird keeps the request id in the logger's metadata (`context.id` force-unwraps
        // it); a log handler that stores no metadata must not crash the server.
        if let id = context.logger[metadataKey: "hb.request.id"] { response.headers[.requestID] = "\(id)" }
        let status = response.status.code
        context.logger.log(
            level: status >= 500 ? .error : logLevel, "\(request.method.rawValue) \(route) \(status)",
            metadata: [
                "http.method": "\(request.method.rawValue)", "http.route": "\(route)", "http.status": "\(status)",
                "http.latency_ms": "\((elapsed.seconds * 1000 * 1000).rounded() / 1000)",
            ])
        return response
    }

    /// `/api/widget-handoffs/{id}/pickup` → `/api/widget-handoffs/:id/pickup`; unmatched → `unmatched`.
    static func routeLabel(_ endpointPath: String?) -> String {
        guard let path = endpointPath, path.hasPrefix("/") else { return "unmatched" }
        return String(path.compactMap { $0 == "{" ? ":" : $0 == "}" ? nil : $0 })
    }
}

// MARK: - CORS for widget routes

/// Widget routes (`/api/widget/…`) answer any origin, on every response including errors, and
/// answer `OPTIONS` preflights with 204 — the widget is embedded on customers' sites.
struct WidgetCORSMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    static let prefix = "/api/widget/"

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.uri.path.hasPrefix(Self.prefix) else { return try await next(request, context) }
        if request.method == .options {
            var response = Response(status: .noContent)
            Self.addHeaders(&response.headers)
            response.headers[.accessControlMaxAge] = "86400"
            return response
        }
        var response = try await next(request, context)
        Self.addHeaders(&response.headers)
        return response
    }

    static func addHeaders(_ headers: inout HTTPFields) {
        headers[.accessControlAllowOrigin] = "*"
        headers[.accessControlAllowMethods] = "GET, POST, OPTIONS"
        headers[.accessControlAllowHeaders] = "Content-Type"
    }
}

// MARK: - Per-address rate limit and body size

/// Refuses a request whose declared body exceeds the limit (413) before reading it, and one
/// whose client address is over its rate (429 with `Retry-After`). Bodies without a length
/// (chunked) are capped where they are read (``JSONBody``).
struct RequestLimitsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let perAddress: RateLimiter?
    let trustForwardedFor: Bool
    let maxBodyBytes: Int
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBodyBytes { throw APIError.payloadTooLarge }
        if let perAddress {
            let key = ClientAddress.key(request: request, context: context, trustForwardedFor: trustForwardedFor)
            if case .limited(let seconds) = perAddress.check(key) {
                metrics.recordRateLimited(.address)
                throw APIError.tooManyRequests(retryAfterSeconds: seconds)
            }
        }
        return try await next(request, context)
    }
}

/// The client address a rate limit is keyed by.
enum ClientAddress {
    /// The peer's IP (or the first `X-Forwarded-For` entry when trusted); `unknown` without a
    /// socket (router tests share one bucket).
    static func key(request: Request, context: AppRequestContext, trustForwardedFor: Bool) -> String {
        if trustForwardedFor, let forwarded = request.headers[.xForwardedFor] {
            let first = forwarded.split(separator: ",", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) }
            if let first, !first.isEmpty { return first }
        }
        return context.remoteAddress?.ipAddress ?? "unknown"
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
    static let xForwardedFor = HTTPField.Name("X-Forwarded-For")!
}

// MARK: - Static files

/// Serves ``ServerConfiguration/publicDirectory`` through Hummingbird's `FileMiddleware`
/// (content types by extension, `ETag`/`Last-Modified`, ranges) for `GET`/`HEAD` requests no
/// route answered, outside `/api/`. A script gets `Access-Control-Allow-Origin: *`, so a page on
/// any origin can load it with `crossorigin`. A missing file is the usual JSON 404.
struct PublicFilesMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let files: FileMiddleware<AppRequestContext, LocalFileSystem>

    init(directory: String) {
        let root = directory.hasPrefix("/") ? directory : FileManager.default.currentDirectoryPath + "/" + directory
        files = FileMiddleware(root, searchForIndexHtml: false, logger: Logger(label: "handoff.public"))
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard !request.uri.path.hasPrefix("/api/") else { return try await next(request, context) }
        var response = try await files.handle(request, context: context, next: next)
        if response.status == .ok || response.status == .notModified || response.status == .partialContent,
            request.uri.path.hasSuffix(".js") || request.uri.path.hasSuffix(".mjs")
        {
            response.headers[.accessControlAllowOrigin] = "*"
        }
        return response
    }
}

