import Foundation
import HTTPTypes
import HandoffAPI
import HandoffEngine
import Hummingbird
import Logging
import NIOCore

// MARK: - Engine refusals → HTTP (the one mapping)

/// The HTTP face of the engine's refusals: every ``HandoffError`` code's status, in one place.
///
/// | code | status | body |
/// |---|---|---|
/// | handoffNotFound | 404 | `{"error":"Handoff not found"}` |
/// | agentNotFound | 404 | `{"error":"Agent record not found"}` |
/// | tenantNotFound | 404 | `{"error":"Tenant not found"}` |
/// | chatNotFound | 404 | `{"error":"Chat not found"}` (another tenant's chat history) |
/// | handoffNotAvailable | 400 | `{"error":"Handoff is not available"}` |
/// | handoffNotActive | 400 | `{"error":"Handoff is not active"}` |
/// | invalidInput | 400 | `{"error":<problem>,"details":[{field,problem}]}` |
/// | notAssignee | 403 | `{"error":"Unauthorized","message":"This conversation is assigned to another agent"}` |
/// | forbidden | 403 | `{"error":"Insufficient permissions to …"}` |
/// | domainNotAllowed | 403 | `{"error":"Domain not allowed"}` |
/// | tenantSuspended | 403 | `{"error":"Tenant is suspended"}` |
/// | invalidAPIKey | 401 | `{"error":"Invalid API key"}` |
/// | invalidCredentials | 401 | `{"error":"Invalid credentials"}` |
/// | userNotFound | 401 | `{"error":"Invalid or expired token"}` (only a token can name a user) |
/// | agentAtCapacity, agentNotAvailable | 409 | `{"error":"Agent is at capacity"}` / `"Agent is not available"` |
/// | unavailable | 503 | `{"error":"Service unavailable, try again"}` (a login cancelled or the server stopping) |
/// | duplicate | 409 | `{"error":<message>,"details":[{field,problem}]}` |
/// | a code added later | 400 | `{"error":<message>}` (a refusal, whose message is client-safe) |
extension HandoffError: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch code {
        case .handoffNotFound, .agentNotFound, .tenantNotFound, .chatNotFound: .notFound
        case .unavailable: .serviceUnavailable
        case .handoffNotAvailable, .handoffNotActive, .invalidInput: .badRequest
        case .notAssignee, .forbidden, .domainNotAllowed, .tenantSuspended: .forbidden
        case .invalidAPIKey, .invalidCredentials, .userNotFound: .unauthorized
        case .agentAtCapacity, .agentNotAvailable, .duplicate: .conflict
        default: .badRequest
        }
    }

    /// The JSON body: the engine's client-safe message, in the contract's shapes.
    var body: ErrorBody {
        switch code {
        case .notAssignee: ErrorBody(error: "Unauthorized", message: message)
        case .userNotFound: ErrorBody(error: APIError.invalidToken.body.error)
        case .invalidInput, .duplicate:
            ErrorBody(error: message, details: [ErrorBody.Detail(field: field ?? "body", problem: message)])
        default: ErrorBody(error: message)
        }
    }

    public func response(from request: Request, context: some RequestContext) -> Response {
        JSONResponse.make(body, status: status)
    }
}

// MARK: - The server's own errors

/// A refusal by the server itself, before or around the engine: authentication, validation,
/// limits. Its body never carries internal detail.
struct APIError: Error, HTTPResponseError, Sendable {
    var status: HTTPResponse.Status
    var body: ErrorBody
    var headers: HTTPFields = [:]

    init(_ status: HTTPResponse.Status, _ error: String, details: [ErrorBody.Detail]? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.body = ErrorBody(error: error, details: details)
        self.headers = headers
    }

    func response(from request: Request, context: some RequestContext) -> Response {
        var response = JSONResponse.make(body, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    static let notAuthenticated = APIError(.unauthorized, "Not authenticated")
    static let invalidToken = APIError(.unauthorized, "Invalid or expired token")
    static let payloadTooLarge = APIError(.contentTooLarge, "Request body too large")
    static let notFound = APIError(.notFound, "Not found")
    static let webSocketRequired = APIError(.badRequest, "WebSocket upgrade required")
    static let internalError = APIError(.internalServerError, "Internal server error")
    /// The store cannot answer now (its database is down): the same body as ``HandoffError/unavailable``'s.
    static let storeUnavailable = APIError(.serviceUnavailable, HandoffError.unavailable.message)

    /// 400 with every problem found; `error` is the first problem's text, so a client that only
    /// shows `error` still shows something meaningful.
    static func invalid(_ details: [ErrorBody.Detail]) -> APIError {
        APIError(.badRequest, details.first?.problem ?? "Invalid request", details: details)
    }

    static func invalid(_ field: String, _ problem: String) -> APIError {
        invalid([ErrorBody.Detail(field: field, problem: problem)])
    }

    /// 429 with `Retry-After` in whole seconds (at least 1).
    static func tooManyRequests(retryAfterSeconds: Int) -> APIError {
        APIError(.tooManyRequests, "Too many requests", headers: [.retryAfter: String(max(1, retryAfterSeconds))])
    }
}

// MARK: - Middleware

/// Turns every error into a JSON response (``EdgeMiddleware`` applies it inside the CORS
/// headers, metrics and logs, so they see the final status). Engine refusals and server errors
/// use their own mapping; Hummingbird's own errors (unknown route, oversized body) get the
/// contract's JSON shape; anything else is logged with its detail and answered 500
/// `{"error":"Internal server error"}` without it.
enum ErrorMapping {
    static func response(for error: any Error, request: Request, context: some RequestContext) -> Response {
        switch error {
        case let error as HandoffError:
            return error.response(from: request, context: context)
        case let error as APIError:
            return error.response(from: request, context: context)
        case is NIOTooManyBytesError:
            return APIError.payloadTooLarge.response(from: request, context: context)
        case let error as HTTPError:
            let text = error.status == .notFound ? APIError.notFound.body.error : error.status.reasonPhrase
            var response = JSONResponse.make(ErrorBody(error: text), status: error.status)
            response.headers.append(contentsOf: error.headers)
            return response
        default:
            context.logger.error(
                "Unhandled error", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return APIError.internalError.response(from: request, context: context)
        }
    }
}

// MARK: - JSON responses

/// Builds JSON responses and WebSocket frames; the one encoder configuration of the server.
enum JSONResponse {
    /// One encoder for every response (its options never change after this).
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    static func encode(_ value: some Encodable) throws -> Data {
        try encoder.encode(value)
    }

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        response(ByteBuffer(bytes: try encode(value)), status: status)
    }

    /// The polled responses: written by ``JSONWriter``, the same JSON without `JSONEncoder`'s cost.
    static func make(_ value: some JSONWritable, status: HTTPResponse.Status = .ok) -> Response {
        response(ByteBuffer(bytes: value.jsonBytes), status: status)
    }

    private static func response(_ body: ByteBuffer, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers.append(contentType)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
    }

    /// Made once: a field checks its value when it is made.
    private static let contentType = HTTPField(name: .contentType, value: "application/json; charset=utf-8")
}
