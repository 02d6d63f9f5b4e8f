import AsyncHTTPClient
import Foundation
import HandoffAPI
import NIOCore
import NIOHTTP1

/// HTTP requests of the contract against one target: JSON in and out, the Bearer token or the
/// widget's referrer, and every failure turned into the ``RequestFailure`` a client would see.
///
/// - A non-2xx reply with the contract's error body fails with its
///   ``ErrorBody/displayText`` and the status.
/// - No connection, a timeout, a non-JSON error body or a 2xx body that does not decode is a
///   transport failure (`isTransport`), naming the request.
///
/// Requests the harness makes for itself (setup, observation, the invariant check) pass
/// `patient: true`: a 429 is then waited out (`Retry-After`, at most 5 s, up to 5 times) rather
/// than failing a check that has nothing to do with rate limits. What the virtual clients send
/// is never retried: a 429 there is what a real client would get.
public struct WireClient: Sendable {
    public let target: LiveTarget

    public init(target: LiveTarget) { self.target = target }

    /// The HTTP methods the contract uses.
    public enum Method: String, Sendable {
        case GET, POST, PUT, PATCH, DELETE

        var nio: HTTPMethod {
            switch self {
            case .GET: .GET
            case .POST: .POST
            case .PUT: .PUT
            case .PATCH: .PATCH
            case .DELETE: .DELETE
            }
        }
    }

    /// A `{}` body.
    public struct EmptyBody: Codable, Hashable, Sendable { public init() {} }

    /// The URL of `path` with `query` percent-encoded (nil values left out).
    public func url(_ path: String, query: [(String, String?)] = []) -> String {
        let pairs = query.compactMap { name, value in value.map { "\(name)=\(Self.encode($0))" } }
        return target.baseURL + path + (pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&"))
    }

    public static func encode(_ value: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&+=?#")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    /// Sends a request and decodes a 2xx reply as `Reply`.
    public func call<Reply: Decodable>(
        _ method: Method, _ path: String, query: [(String, String?)] = [], body: (any Encodable)? = nil, token: String? = nil,
        referrer: String? = nil, connection: HTTPConnection? = nil, patient: Bool = false, as type: Reply.Type = Reply.self
    ) async throws(RequestFailure) -> Reply {
        let (status, data) = try await send(method, path, query: query, body: body, token: token, referrer: referrer, connection: connection, patient: patient)
        guard (200..<300).contains(status) else { throw Self.failure(status: status, data: data, request: "\(method) \(path)") }
        do {
            return try JSONDecoder().decode(Reply.self, from: data)
        } catch {
            throw .transport("\(method) \(path) answered \(status) with a body that is not the contract's \(Reply.self): \(Self.excerpt(data))", status: status)
        }
    }

    /// Sends a request; returns the status and body whatever the status (a `patient` request
    /// first waits out up to five 429s).
    public func send(
        _ method: Method, _ path: String, query: [(String, String?)] = [], body: (any Encodable)? = nil, token: String? = nil,
        referrer: String? = nil, connection: HTTPConnection? = nil, patient: Bool = false
    ) async throws(RequestFailure) -> (status: Int, data: Data) {
        var attempt = 0
        while true {
            let (status, data, retryAfter) = try await sendOnce(method, path, query: query, body: body, token: token, referrer: referrer, connection: connection)
            attempt += 1
            guard patient, status == 429, attempt <= 5 else { return (status, data) }
            try? await Task.sleep(for: .milliseconds(Int(min(max(retryAfter ?? 1, 0.2), 5) * 1000)))
        }
    }

    private func sendOnce(
        _ method: Method, _ path: String, query: [(String, String?)], body: (any Encodable)?, token: String?, referrer: String?,
        connection: HTTPConnection?
    ) async throws(RequestFailure) -> (status: Int, data: Data, retryAfter: Double?) {
        var request = HTTPClientRequest(url: url(path, query: query))
        request.method = method.nio
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let referrer { request.headers.add(name: "Referer", value: referrer) }
        if let body {
            let data: Data
            do { data = try JSONEncoder().encode(body) } catch { throw .transport("cannot encode the body of \(method) \(path): \(error)") }
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        let timeout = TimeAmount(target.configuration.requestTimeout)
        do {
            let response = try await (connection?.client ?? target.sharedClient).execute(request, timeout: timeout)
            let buffer = try await response.body.collect(upTo: 16 << 20)
            return (Int(response.status.code), Data(buffer.readableBytesView), response.headers.first(name: "Retry-After").flatMap(Double.init))
        } catch {
            throw .transport("\(method) \(path) to \(target.baseURL) failed: \(Self.describe(error))")
        }
    }

    /// The failure of a non-2xx reply.
    public static func failure(status: Int, data: Data, request: String) -> RequestFailure {
        if let body = try? JSONDecoder().decode(ErrorBody.self, from: data) { return RequestFailure(body.displayText, status: status) }
        return .transport("\(request) answered \(status) without the contract's error body: \(excerpt(data))", status: status)
    }

    public static func excerpt(_ data: Data) -> String {
        let text = String(decoding: data.prefix(200), as: UTF8.self)
        return text.isEmpty ? "(empty)" : "'\(text)'" + (data.count > 200 ? "…" : "")
    }

    /// A short, readable cause for a transport error.
    public static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .connectTimeout: return "connection timed out"
            case .deadlineExceeded, .readTimeout: return "no reply in time"
            case .remoteConnectionClosed: return "the server closed the connection"
            default: return "\(error)"
            }
        }
        let text = "\(error)"
        if text.contains("refused") || text.contains("errno: 111") { return "connection refused (is the server running?)" }
        return text
    }
}
