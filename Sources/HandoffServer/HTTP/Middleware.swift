import Foundation
import HTTPTypes
import HandoffEngine
import Hummingbird
import Logging
import NIOCore
import Synchronization

// MARK: - The edge: observability, widget CORS, error mapping, limits

/// The one middleware layer in front of every route. It does four things, in this order from
/// the outside in, so that every response (errors and 429s included) is counted, logged and,
/// on widget routes, carries CORS headers:
///
/// 1. **Observability**: times the request, counts it in ``ServerMetrics`` under its route
///    *pattern* (never the raw path), logs one line (request id, method, route, status,
///    latency) and echoes the request id in `X-Request-Id`.
/// 2. **Widget CORS** (``WidgetCORS``): answers `OPTIONS` preflights of `/api/widget/…` and adds
///    the CORS headers to every widget response.
/// 3. **Error mapping** (``ErrorMapping``): every error becomes the contract's JSON response.
/// 4. **Limits** (``RequestLimits``): a declared body over the limit (413), a client address
///    over its rate (429).
///
/// They are one layer rather than four because each layer of Hummingbird middleware costs every
/// request an async frame and a copy of the context, which on a status poll came to several per
/// cent of the request (`scripts/bench-server`); each concern keeps its own type.
struct EdgeMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: ServerMetrics
    let logLevel: Logger.Level
    let limits: RequestLimits

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response = await respond(request, context: context, next: next)
        let elapsed = ContinuousClock.now - start
        let route = metrics.recordRequest(endpoint: context.endpointPath, method: request.method, status: response.status.code, duration: elapsed)
        // Hummingbird keeps the request id in the logger's metadata (`context.id` force-unwraps
        // it); a log handler that stores no metadata must not crash the server.
        if let id = context.logger[metadataKey: "hb.request.id"] { response.headers.append(HTTPField(name: .requestID, value: id.description)) }
        let status = response.status.code
        context.logger.log(
            level: status >= 500 ? .error : logLevel, "\(request.method.rawValue) \(route) \(status)",
            metadata: [
                "http.method": "\(request.method.rawValue)", "http.route": "\(route)", "http.status": "\(status)",
                "http.latency_ms": "\((elapsed.seconds * 1000 * 1000).rounded() / 1000)",
            ])
        return response
    }

    /// CORS around the error mapping around the limits and the route.
    private func respond(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async -> Response {
        let isWidget = request.uri.path.hasPrefix(WidgetCORS.prefix)
        let origin = isWidget ? request.headers[.origin].flatMap { WidgetCORS.isWebOrigin($0) ? $0 : nil } : nil
        if isWidget && request.method == .options { return WidgetCORS.preflight(origin: origin) }
        // The context is copied only when something must be added to it (a copy costs on every poll).
        let note = origin != nil ? WidgetAccessNote() : nil
        let mayHaveBody = request.method != .get && request.method != .head
        var response: Response
        do {
            try limits.check(request, context: context, metrics: metrics)
            if note != nil || mayHaveBody {
                var context = context
                context.widgetNote = note
                context.maxBodyBytes = limits.maxBodyBytes
                response = try await next(request, context)
            } else {
                response = try await next(request, context)
            }
        } catch {
            response = ErrorMapping.response(for: error, request: request, context: context)
        }
        if isWidget { WidgetCORS.addHeaders(&response.headers, credentialedOrigin: note?.originAllowed == true ? origin : nil) }
        return response
    }
}

// MARK: - CORS for widget routes

/// Widget routes (`/api/widget/…`) answer cross-origin requests on every response, errors
/// included; the widget is embedded on customers' sites. Applied by ``EdgeMiddleware``.
///
/// - A response for a caller whose tenant's allowed domains admit the request's `Origin`
///   (widget authentication notes that in ``AppRequestContext/widgetNote``) echoes the origin
///   with `Access-Control-Allow-Credentials: true` and `Vary: Origin`: browsers refuse `*` for
///   credentialed requests, and the widget's end-chat beacon on page unload is one.
/// - Any other response (no `Origin`, an origin the tenant does not admit, a refused key):
///   `Access-Control-Allow-Origin: *`.
/// - `OPTIONS` preflights get 204. They carry no key, so no tenant can be asked: an http(s)
///   `Origin` is echoed with credentials allowed (the widget API uses no cookies, so this grants
///   nothing a plain request could not do; the key and referrer are still checked on the request
///   itself), anything else gets `*`.
enum WidgetCORS {
    static let prefix = "/api/widget/"

    /// `https://host[:port]` or `http://…`; not `null` or other schemes.
    static func isWebOrigin(_ origin: String) -> Bool {
        origin.hasPrefix("https://") || origin.hasPrefix("http://")
    }

    static func preflight(origin: String?) -> Response {
        var response = Response(status: .noContent)
        addHeaders(&response.headers, credentialedOrigin: origin)
        response.headers[.accessControlMaxAge] = "86400"
        return response
    }

    /// Appended, not set: no widget route writes these headers itself, and a lookup per
    /// header costs on every poll. The fixed ones are made once (a field checks its value
    /// when it is made).
    static func addHeaders(_ headers: inout HTTPFields, credentialedOrigin: String?) {
        if let credentialedOrigin {
            headers.append(HTTPField(name: .accessControlAllowOrigin, value: credentialedOrigin))
            headers.append(Fixed.allowCredentials)
        } else {
            headers.append(Fixed.allowAnyOrigin)
        }
        // Always: the answer depends on the Origin, so a shared cache must not reuse one for another.
        headers.append(Fixed.varyOrigin)
        headers.append(Fixed.allowMethods)
        headers.append(Fixed.allowHeaders)
    }

    private enum Fixed {
        static let allowCredentials = HTTPField(name: .accessControlAllowCredentials, value: "true")
        static let allowAnyOrigin = HTTPField(name: .accessControlAllowOrigin, value: "*")
        static let varyOrigin = HTTPField(name: .vary, value: "Origin")
        static let allowMethods = HTTPField(name: .accessControlAllowMethods, value: "GET, POST, OPTIONS")
        static let allowHeaders = HTTPField(name: .accessControlAllowHeaders, value: "Content-Type")
    }
}

/// Where widget authentication leaves its verdict for ``WidgetCORS``, which runs
/// outside it and so never sees the inner context.
final class WidgetAccessNote: Sendable {
    private let allowed = Mutex(false)

    var originAllowed: Bool { allowed.withLock { $0 } }

    func record(_ access: WidgetAccess) {
        allowed.withLock { $0 = access.originAllowed }
    }
}

// MARK: - Widget keys

/// Authenticates the widget routes whose key travels in the query (the polls, the history,
/// the widget socket's upgrade): `?apiKey=&referrer=`, checked by the store with the request's
/// `Origin`, charged to the key's rate limit; the caller lands in
/// ``HandoffRequestContext/widget``. Routes whose key is in a JSON body authenticate in
/// ``WidgetController`` instead, from the body they decode once.
struct WidgetKeyMiddleware<Context: HandoffRequestContext>: RouterMiddleware {
    let dependencies: ServerDependencies

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let query = request.uri.queryParameters  // parsed once, for the route too
        context.query = query
        context.widget = try await dependencies.widgetAccess(
            apiKey: RequestParameters.value(query, "apiKey"), referrer: RequestParameters.value(query, "referrer"),
            request: request, note: context.widgetNote)
        return try await next(request, context)
    }
}

// MARK: - Per-address rate limit and body size

/// Refuses a request whose declared body exceeds the limit (413) before reading it, and one
/// whose client address is over its rate (429 with `Retry-After`). Bodies without a length
/// (chunked) are capped where they are read (``JSONBody``). Applied by ``EdgeMiddleware``,
/// which also puts ``maxBodyBytes`` into the context of requests that may have a body.
struct RequestLimits: Sendable {
    let perAddress: RateLimiter?
    let trustForwardedFor: Bool
    let maxBodyBytes: Int

    func check(_ request: Request, context: AppRequestContext, metrics: ServerMetrics) throws(APIError) {
        if let length = request.headers[.contentLength].flatMap({ Int($0) }), length > maxBodyBytes { throw APIError.payloadTooLarge }
        if let perAddress {
            let key = ClientAddress.key(request: request, context: context, trustForwardedFor: trustForwardedFor)
            if case .limited(let seconds) = perAddress.check(key) {
                metrics.recordRateLimited(.address)
                throw APIError.tooManyRequests(retryAfterSeconds: seconds)
            }
        }
    }
}

/// The client address a rate limit is keyed by.
enum ClientAddress {
    /// The peer's IP (or the first `X-Forwarded-For` entry when trusted); `unknown` without a
    /// socket (router tests share one bucket).
    static func key(request: Request, context: some HandoffRequestContext, trustForwardedFor: Bool) -> String {
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
/// route answered, outside `/api/`. A script (a JavaScript content type) gets `Access-Control-Allow-Origin: *`, so a page on
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
        // By the content type FileMiddleware chose (`text/javascript`, `application/javascript`).
        if response.status == .ok || response.status == .notModified || response.status == .partialContent,
            response.headers[.contentType]?.contains("javascript") == true
        {
            response.headers[.accessControlAllowOrigin] = "*"
        }
        return response
    }
}

