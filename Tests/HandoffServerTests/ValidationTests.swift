import Foundation
import HTTPTypes
import HandoffAPI
import HandoffEngine
import Hummingbird
import NIOCore
import HummingbirdTesting
import Testing

@testable import HandoffServer

/// Bad input is a 400 with field-level details, an oversized body 413 — never a 500.
@Suite struct ValidationTests {
    private typealias Detail = ErrorBody.Detail

    @Test func widgetBodiesNameTheOffendingField() async throws {
        let world = try await World()
        let id = try world.activeHandoff()
        try await world.app().test(.router) { client in
            let key = Fixture.acmeKey
            let cases: [(String, String, Detail)] = [
                (APIPath.widgetHandoff, #"{"apiKey":"\#(key)"}"#, Detail(field: "chatId", problem: "chatId is required")),
                (APIPath.widgetHandoff, #"{"apiKey":"\#(key)","chatId":7}"#, Detail(field: "chatId", problem: "chatId must be a string")),
                (APIPath.widgetHandoff, #"{"apiKey":"\#(key)","chatId":null}"#, Detail(field: "chatId", problem: "chatId must be a string, not null")),
                (
                    APIPath.widgetHandoff, #"{"apiKey":"\#(key)","chatId":"c","conversationHistory":[{"role":"user","content":"a"},{"role":1,"content":"b"}]}"#,
                    Detail(field: "conversationHistory[1].role", problem: "conversationHistory[1].role must be a string")
                ),
                (
                    APIPath.widgetHandoff, #"{"apiKey":"\#(key)","chatId":"c","conversationHistory":"none"}"#,
                    Detail(field: "conversationHistory", problem: "conversationHistory must be an array")
                ),
                (APIPath.widgetHandoff, #"{"apiKey":"\#(key)","chatId":"  "}"#, Detail(field: "chatId", problem: "chatId must not be empty")),
                (
                    APIPath.widgetHandoff, #"{"apiKey":"\#(key)","chatId":"c","userEmail":"not-an-email"}"#,
                    Detail(field: "userEmail", problem: "'not-an-email' is not a valid email address")
                ),
                (APIPath.widgetMessage(id.description), #"{"apiKey":"\#(key)","message":123}"#, Detail(field: "message", problem: "message must be a string")),
                (APIPath.widgetMessage(id.description), #"{"apiKey":"\#(key)"}"#, Detail(field: "message", problem: "message is required")),
                (APIPath.widgetMessage(id.description), #"{"apiKey":"\#(key)","message":" \n "}"#, Detail(field: "message", problem: "Message must not be empty")),
                (APIPath.widgetEndChat, #"{"apiKey":"\#(key)","chatId":"c","handoffId":"nope"}"#, Detail(field: "handoffId", problem: "handoffId must be a UUID")),
                (APIPath.widgetEndChat, #"{"apiKey":"\#(key)","chatId":"c","handoffId":"nope""#, Detail(field: "body", problem: "The request body is not valid JSON")),
                (APIPath.widgetHandoff, #"[1,2]"#, Detail(field: "body", problem: "The request body must be a JSON object")),
                (APIPath.widgetHandoff, "", Detail(field: "body", problem: "A JSON request body is required")),
            ]
            for (path, body, detail) in cases {
                let response = try await client.send(.post, path, raw: body)
                expectError(response, .badRequest, detail.problem)
                #expect(response.error?.details == [detail], "\(body)")
                #expect(response.headers[.accessControlAllowOrigin] == "*")
            }
        }
    }

    @Test func queryParametersAreChecked() async throws {
        let world = try await World()
        let id = try world.activeHandoff()
        try await world.app().test(.router) { client in
            let token = try await client.login(Fixture.bobEmail)
            let since = try await client.send(.get, APIPath.widgetMessages(id.description) + widgetQuery(Fixture.acmeKey, "since=yesterday"))
            expectError(since, .badRequest, "since must be an ISO-8601 timestamp such as 2026-01-01T12:00:00.000Z")
            #expect(since.error?.details?.first?.field == "since")
            let empty = try await client.send(.get, APIPath.widgetMessages(id.description) + widgetQuery(Fixture.acmeKey, "since="))
            #expect(empty.status == .ok)
            for query in ["limit=0", "limit=abc", "limit=1001"] {
                let response = try await client.send(.get, APIPath.handoffs + "?" + query, token: token)
                expectError(response, .badRequest, "limit must be an integer from 1 to 1000")
            }
            let before = try await client.send(.get, APIPath.historyHandoffs + "?before=2026-13-01T00:00:00Z", token: token)
            #expect(before.status == .badRequest && before.error?.details?.first?.field == "before")
            let offset = try await client.send(.get, APIPath.handoffs + "?before=2026-01-01T01:00:00%2B01:00", token: token)
            #expect(offset.status == .ok)
        }
    }

    @Test func agentBodiesNameTheOffendingField() async throws {
        let world = try await World()
        let id = try world.activeHandoff()
        try await world.app().test(.router) { client in
            let ann = try await client.login(Fixture.annEmail)
            let boss = try await client.login(Fixture.bossEmail)
            let cases: [(HTTPRequest.Method, String, String, String, Detail)] = [
                (.post, APIPath.sendMessage(id.description), #"{"message":""}"#, ann, Detail(field: "message", problem: "Message must not be empty")),
                (.post, APIPath.sendMessage(id.description), #"{"message":false}"#, ann, Detail(field: "message", problem: "message must be a string")),
                (.post, APIPath.agents, #"{"name":"Z"}"#, boss, Detail(field: "email", problem: "email is required")),
                (.post, APIPath.agents, #"{"name":"Z","email":"z@acme.test","maxChats":"two"}"#, boss, Detail(field: "maxChats", problem: "maxChats must be an integer")),
                (.post, APIPath.agents, #"{"name":"Z","email":"z@@acme"}"#, boss, Detail(field: "email", problem: "'z@@acme' is not a valid email address")),
                (.post, APIPath.agents, #"{"name":"Z","email":"z@acme.test","status":"asleep"}"#, boss, Detail(field: "status", problem: "status must be one of available, busy, offline")),
                (.post, APIPath.login, #"{"email":"a@b.c"}"#, "", Detail(field: "password", problem: "password is required")),
                (.patch, APIPath.agentStatus(world.ann.description), #"{"state":"busy"}"#, ann, Detail(field: "status", problem: "status is required")),
                (.post, APIPath.assign(id.description), #"{}"#, boss, Detail(field: "agentId", problem: "agentId is required")),
            ]
            for (method, path, body, token, detail) in cases {
                let response = try await client.send(method, path, raw: body, token: token.isEmpty ? nil : token)
                expectError(response, .badRequest, detail.problem)
                #expect(response.error?.details == [detail], "\(path) \(body)")
            }
        }
    }

    @Test func oversizedBodiesAre413() async throws {
        let world = try await World()
        let id = try world.activeHandoff()
        try await world.app { $0.maxBodyBytes = 1024 }.test(.router) { client in
            let big = String(repeating: "x", count: 2000)
            let widget = try await client.send(.post, APIPath.widgetMessage(id.description), json: WidgetMessageRequest(apiKey: Fixture.acmeKey, message: big))
            expectError(widget, .contentTooLarge, "Request body too large")
            #expect(widget.headers[.accessControlAllowOrigin] == "*")
            let token = try await client.login(Fixture.annEmail)
            let agent = try await client.send(.post, APIPath.sendMessage(id.description), json: SendMessageRequest(message: big), token: token)
            expectError(agent, .contentTooLarge, "Request body too large")
            let fits = try await client.send(.post, APIPath.sendMessage(id.description), json: SendMessageRequest(message: "small"), token: token)
            #expect(fits.status == .ok)
        }
    }

    @Test func decodingDetailsForUnitCases() throws {
        struct Probe: Decodable {
            struct Inner: Decodable { var flag: Bool }
            var items: [Inner]
            var count: Double
        }
        func detail(_ json: String) -> Detail? {
            let result = Result { () throws(APIError) -> Probe in try JSONBody.decode(Probe.self, from: ByteBuffer(string: json)) }
            guard case .failure(let error) = result else { return nil }
            return error.body.details?.first
        }
        #expect(detail(#"{"items":[{"flag":"yes"}],"count":1}"#) == Detail(field: "items[0].flag", problem: "items[0].flag must be a boolean"))
        #expect(detail(#"{"items":[],"count":"x"}"#) == Detail(field: "count", problem: "count must be a number"))
        #expect(detail(#"{"items":{},"count":1}"#) == Detail(field: "items", problem: "items must be an array"))
        #expect(detail(#"{"items":[{}],"count":1}"#) == Detail(field: "items[0].flag", problem: "items[0].flag is required"))
        #expect(detail(#"{"items":[],"count":1}"#) == nil)
    }
}
