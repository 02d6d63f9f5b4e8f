import Foundation
import HandoffAPI
import HandoffEngine
import HummingbirdCore
import Hummingbird
import NIOCore

// MARK: - JSON bodies

/// The context's request decoder (`request.decode(as:context:)`): the body is read up to the
/// context's ``AppRequestContext/maxBodyBytes`` (413 past it) and decoded with ``JSONBody``'s
/// rules, so every handler answers a bad body the same way.
public struct ContractRequestDecoder: RequestDecoder {
    public func decode<T: Decodable>(_ type: T.Type, from request: Request, context: some RequestContext) async throws -> T {
        try JSONBody.decode(T.self, from: try await JSONBody.collect(request, maxBytes: context.maxUploadSize))
    }
}

/// Reads request bodies into the wire types, turning every way a body can be wrong into a 400
/// with field-level details (never a 500), and an oversized body into 413.
enum JSONBody {
    /// The raw body, at most `maxBytes` long.
    static func collect(_ request: Request, maxBytes: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw APIError.payloadTooLarge
        }
    }

    /// Decodes a collected body. Empty bodies, malformed JSON, non-objects, missing fields,
    /// `null`s and wrong types each name the offending field.
    static func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws(APIError) -> T {
        guard buffer.readableBytes > 0 else { throw .invalid("body", "A JSON request body is required") }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw .invalid([detail(for: error)])
        } catch {
            throw .invalid("body", "The request body is not valid JSON")
        }
    }

    /// One field-level problem for a decoding failure, e.g. `conversationHistory[0].role must be a string`.
    static func detail(for error: DecodingError) -> ErrorBody.Detail {
        switch error {
        case .keyNotFound(let key, let context):
            let field = path(context.codingPath + [key])
            return ErrorBody.Detail(field: field, problem: "\(field) is required")
        case .valueNotFound(let type, let context):
            let field = path(context.codingPath)
            return ErrorBody.Detail(field: field, problem: "\(field) must be \(jsonKind(type)), not null")
        case .typeMismatch(let type, let context):
            let field = path(context.codingPath)
            if field == "body" { return ErrorBody.Detail(field: field, problem: "The request body must be a JSON object") }
            return ErrorBody.Detail(field: field, problem: "\(field) must be \(jsonKind(type))")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty { return ErrorBody.Detail(field: "body", problem: "The request body is not valid JSON") }
            let field = path(context.codingPath)
            return ErrorBody.Detail(field: field, problem: "\(field) is invalid")
        @unknown default:
            return ErrorBody.Detail(field: "body", problem: "The request body is invalid")
        }
    }

    /// `a.b[2].c`, or `body` for the top level.
    static func path(_ codingPath: [any CodingKey]) -> String {
        var text = ""
        for key in codingPath {
            if let index = key.intValue, key.stringValue.hasPrefix("Index") || key.stringValue == String(index) {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text.isEmpty ? "body" : text
    }

    private static func jsonKind(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        case is Int.Type, is Int64.Type, is Int32.Type: "an integer"
        case is Double.Type, is Float.Type: "a number"
        default:
            "\(type)".hasPrefix("Array") ? "an array" : "an object"
        }
    }
}

// MARK: - Query strings and path parameters

/// Reads query parameters and path ids with the contract's rules.
enum RequestParameters {
    /// A query parameter; an empty value (`?since=`) counts as absent, as the reference treats it.
    static func query(_ request: Request, _ name: String) -> String? {
        value(request.uri.queryParameters, name)
    }

    /// ``query(_:_:)`` from parameters parsed once (each `request.uri.queryParameters` parses anew).
    static func value(_ parameters: FlatDictionary<Substring, Substring>, _ name: String) -> String? {
        guard let value = parameters[name[...]], !value.isEmpty else { return nil }
        return String(value)
    }

    /// An optional ISO-8601 timestamp parameter (`since`, `before`).
    static func timestamp(_ request: Request, _ name: String) throws(APIError) -> Timestamp? {
        try timestamp(request.uri.queryParameters, name)
    }

    /// ``timestamp(_:_:)-(Request,_)`` from parameters parsed once.
    static func timestamp(_ parameters: FlatDictionary<Substring, Substring>, _ name: String) throws(APIError) -> Timestamp? {
        guard let text = value(parameters, name) else { return nil }
        guard let timestamp = Timestamp(iso8601: text) else {
            throw .invalid(name, "\(name) must be an ISO-8601 timestamp such as 2026-01-01T12:00:00.000Z")
        }
        return timestamp
    }

    /// The page size `limit`: default 50, 1...1000.
    static func limit(_ request: Request) throws(APIError) -> Int {
        guard let text = query(request, "limit") else { return 50 }
        guard let value = Int(text), (1...1000).contains(value) else {
            throw .invalid("limit", "limit must be an integer from 1 to 1000")
        }
        return value
    }

    /// A handoff id from the path. Not a UUID: no such handoff, 404 "Handoff not found" (the
    /// same answer as another tenant's id — the caller learns nothing either way).
    static func handoffID(_ context: some RequestContext, _ name: String = "id") throws(HandoffError) -> HandoffID {
        // The parameter's slice as it is: `parameters.get` would copy it into a String first.
        guard let text = context.parameters[name[...]], let id = HandoffID(text) else { throw .handoffNotFound }
        return id
    }

    /// An agent id from the path; not a UUID is 404 "Agent record not found".
    static func agentID(_ context: some RequestContext, _ name: String = "id") throws(HandoffError) -> AgentID {
        guard let text = context.parameters[name[...]], let id = AgentID(text) else { throw .agentNotFound }
        return id
    }
}

// MARK: - Field rules

/// Validation of decoded fields that the engine does not check itself.
enum FieldRules {
    /// An id in a request body must be a UUID: 400 with the field named (a body id is input,
    /// unlike a path id).
    static func identifier<ID: DomainIdentifier>(_ text: String, field: String, as type: ID.Type) throws(APIError) -> ID {
        guard let id = ID(text) else { throw .invalid(field, "\(field) must be a UUID") }
        return id
    }

    /// An agent status string: `available`, `busy` or `offline`.
    static func agentStatus(_ text: String, field: String = "status") throws(APIError) -> AgentStatus {
        guard let status = AgentStatus(rawValue: text) else {
            throw .invalid(field, "\(field) must be one of \(AgentStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return status
    }
}
