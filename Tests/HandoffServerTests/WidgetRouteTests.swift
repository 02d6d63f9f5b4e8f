import Foundation
import HTTPTypes
import HandoffAPI
import HandoffEngine
import Hummingbird
import HummingbirdTesting
import Testing

@testable import HandoffServer

/// docs/api.md over HTTP: shapes, texts, key handling, CORS, tenancy.
@Suite struct WidgetRouteTests {
    // MARK: Init and API keys

    @Test func initReturnsTheTenantsLook() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let response = try await client.send(.post, APIPath.widgetInit, json: WidgetInitRequest(apiKey: Fixture.acmeKey))
            #expect(response.status == .ok)
            let body = try response.decode(WidgetInitResponse.self)
            #expect(body.tenantId == Fixture.acme.description)
            #expect(body.greeting == "Hi! How can we help you today?")
            #expect(body.primaryColor == "#2563eb" && body.textColor == "#ffffff")
            #expect(body.borderRadius == "12px" && body.position == "bottom-right")
            // No WhatsApp channel, said explicitly: `false` and `null`, not absent keys.
            #expect(response.text.contains(#""whatsappAvailable":false"#) && response.text.contains(#""whatsappPhoneNumber":null"#), "\(response.text)")
            #expect(body.whatsappAvailable == false && body.whatsappPhoneNumber == nil)
            #expect(response.headers[.accessControlAllowOrigin] == "*")
        }
    }

    @Test(arguments: [
        ("unknown", #"{"apiKey":"embellics_e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5e5"}"#),
        ("malformed", #"{"apiKey":"not-a-key"}"#),
        ("expired", #"{"apiKey":"embellics_d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4d4"}"#),
        ("missing", #"{}"#),
        ("not a string", #"{"apiKey":42}"#),
    ])
    func badKeysAre401WithCORS(_ kind: String, _ body: String) async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let response = try await client.send(.post, APIPath.widgetInit, raw: body)
            expectError(response, .unauthorized, "Invalid API key")
            #expect(response.headers[.accessControlAllowOrigin] == "*", "\(kind)")
            #expect(response.headers[.accessControlAllowMethods]?.contains("POST") == true)
            #expect(response.headers[.accessControlAllowHeaders] == "Content-Type")
        }
    }

    @Test func keyInAHeaderIsNotAccepted() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let response = try await client.send(
                .get, APIPath.widgetStatus(UUID().uuidString), headers: [HTTPField.Name("X-API-Key")!: Fixture.acmeKey])
            expectError(response, .unauthorized, "Invalid API key")
        }
    }

    @Test func preflightIsAnsweredWithCORS() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            for path in [APIPath.widgetHandoff, APIPath.widgetMessages(UUID().uuidString), APIPath.widgetEndChat, APIPath.widgetChat] {
                // A web origin is echoed with credentials (the end-chat beacon is credentialed).
                let response = try await client.send(
                    .options, path, headers: [.origin: "https://shop.example", .accessControlRequestMethod: "POST"])
                #expect(response.status == .noContent, "\(path)")
                #expect(response.headers[.accessControlAllowOrigin] == "https://shop.example")
                #expect(response.headers[.accessControlAllowCredentials] == "true")
                #expect(response.headers[.vary] == "Origin")
                #expect(response.headers[.accessControlAllowMethods] == "GET, POST, OPTIONS")
                #expect(response.headers[.accessControlAllowHeaders] == "Content-Type")
                // No origin, or an opaque one: `*`, never credentials.
                for headers: HTTPFields in [[.accessControlRequestMethod: "POST"], [.origin: "null", .accessControlRequestMethod: "POST"]] {
                    let plain = try await client.send(.options, path, headers: headers)
                    #expect(plain.headers[.accessControlAllowOrigin] == "*")
                    #expect(plain.headers[.accessControlAllowCredentials] == nil)
                }
            }
        }
    }

    /// Responses echo the origin with credentials only where the key's tenant admits it.
    @Test func credentialedCORSFollowsTheTenantsAllowedDomains() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            func origin(_ response: TestResponse) -> (String?, String?) {
                (response.headers[.accessControlAllowOrigin], response.headers[.accessControlAllowCredentials])
            }
            // Acme lists no domains: any web origin.
            let acme = try await client.send(.post, APIPath.widgetInit, json: WidgetInitRequest(apiKey: Fixture.acmeKey), headers: [.origin: "https://shop.example"])
            #expect(acme.status == .ok)
            #expect(origin(acme) == ("https://shop.example", "true"))
            // Initech lists initech.test: its subdomain yes, another host no.
            let own = try await client.send(
                .post, APIPath.widgetInit, json: WidgetInitRequest(apiKey: Fixture.initechKey, referrer: "www.initech.test"),
                headers: [.origin: "https://www.initech.test"])
            #expect(origin(own) == ("https://www.initech.test", "true"))
            let foreign = try await client.send(
                .post, APIPath.widgetInit, json: WidgetInitRequest(apiKey: Fixture.initechKey, referrer: "www.initech.test"),
                headers: [.origin: "https://evil.test"])
            #expect(foreign.status == .ok)
            #expect(origin(foreign) == ("*", nil))
            // Keys in the query (the middleware's path) alike; a refused key gets `*`.
            let poll = try await client.send(.get, APIPath.widgetStatus(UUID().uuidString) + widgetQuery(), headers: [.origin: "https://shop.example"])
            #expect(poll.status == .notFound)
            #expect(origin(poll) == ("https://shop.example", "true"))
            let refused = try await client.send(
                .get, APIPath.widgetStatus(UUID().uuidString) + widgetQuery("embellics_nope"), headers: [.origin: "https://shop.example"])
            #expect(refused.status == .unauthorized)
            #expect(origin(refused) == ("*", nil))
            // Without an Origin (not a browser): `*`.
            let curl = try await client.send(.post, APIPath.widgetInit, json: WidgetInitRequest(apiKey: Fixture.acmeKey))
            #expect(origin(curl) == ("*", nil))
        }
    }

    @Test func referrerOutsideTheAllowedDomainsIs403() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let denied = try await client.send(
                .post, APIPath.widgetInit, json: WidgetInitRequest(apiKey: Fixture.initechKey, referrer: "https://evil.test/shop"))
            expectError(denied, .forbidden, "Domain not allowed")
            #expect(denied.headers[.accessControlAllowOrigin] == "*")
            let none = try await client.send(.post, APIPath.widgetInit, json: WidgetInitRequest(apiKey: Fixture.initechKey))
            expectError(none, .forbidden, "Domain not allowed")
            let allowed = try await client.send(
                .post, APIPath.widgetInit, json: WidgetInitRequest(apiKey: Fixture.initechKey, referrer: "https://www.initech.test/page"))
            #expect(allowed.status == .ok)
            let query = try await client.send(.get, APIPath.widgetMessages(UUID().uuidString) + widgetQuery(Fixture.initechKey, "referrer=https://evil.test/"))
            expectError(query, .forbidden, "Domain not allowed")
        }
    }

    @Test func suspendedTenantIs403() async throws {
        let world = try await World()
        try world.store.setTenantStatus(Fixture.globex, .suspended)
        try await world.app().test(.router) { client in
            let response = try await client.send(.post, APIPath.widgetInit, json: WidgetInitRequest(apiKey: Fixture.globexKey))
            expectError(response, .forbidden, "Tenant is suspended")
        }
    }

    // MARK: Requesting a human

    @Test func requestQueuesWhenAnAgentCanTakeIt() async throws {
        let world = try await World()
        try world.online(world.ann)
        try await world.app().test(.router) { client in
            let request = HandoffRequestBody(
                apiKey: Fixture.acmeKey, chatId: "chat-1", conversationHistory: [ChatTurnBody(role: "user", content: "hi")],
                lastUserMessage: "I need a human")
            let first = try await client.send(.post, APIPath.widgetHandoff, json: request)
            #expect(first.status == .ok)
            let created = try first.decode(HandoffCreatedResponse.self)
            #expect(created.status == "pending")
            #expect(created.message == WireTexts.handoffCreated)
            let again = try await client.send(.post, APIPath.widgetHandoff, json: request).decode(HandoffCreatedResponse.self)
            #expect(again.handoffId == created.handoffId)
            #expect(again.status == "pending")
            let stored = try world.store.handoff(try #require(HandoffID(created.handoffId)), tenant: Fixture.acme)
            #expect(stored.conversationHistory == [ChatTurn(role: "user", content: "hi")])
            #expect(stored.lastUserMessage == "I need a human")
        }
    }

    @Test func afterHoursFlowLeavesOneHistoryRowAndNoPendingOrphan() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let token = try await client.login(Fixture.bossEmail)  // a client_admin: brings no agent online
            let first = try await client.send(.post, APIPath.widgetHandoff, json: HandoffRequestBody(apiKey: Fixture.acmeKey, chatId: "late"))
            let offer = try first.decode(HandoffCreatedResponse.self)
            #expect(offer.status == "after-hours")
            #expect(offer.message == WireTexts.noAgentsAvailable)
            let form = HandoffRequestBody(apiKey: Fixture.acmeKey, chatId: "late", userEmail: "Visitor@Example.com", userMessage: "call me")
            let second = try await client.send(.post, APIPath.widgetHandoff, json: form)
            #expect(second.status == .ok)
            let received = try second.decode(HandoffCreatedResponse.self)
            #expect(received.status == "after-hours")
            #expect(received.message == WireTexts.afterHoursReceived)
            #expect(received.handoffId == offer.handoffId)
            let pending = try await client.send(.get, APIPath.pendingHandoffs, token: token).decode([HandoffBody].self)
            #expect(pending.isEmpty)
            let history = try await client.send(.get, APIPath.historyHandoffs, token: token).decode([HandoffBody].self)
            #expect(history.count == 1)
            #expect(history.first?.id == offer.handoffId)
            #expect(history.first?.userEmail == "visitor@example.com")
            #expect(history.first?.userMessage == "call me")
            #expect(history.first?.status == "after-hours")
        }
    }

    // MARK: Status and messages

    @Test func statusHasExplicitNullsThenTheAgent() async throws {
        let world = try await World()
        try world.online(world.ann)
        let id = try world.pendingHandoff()
        try await world.app().test(.router) { client in
            let pending = try await client.send(.get, APIPath.widgetStatus(id.description) + widgetQuery())
            #expect(pending.status == .ok)
            let object = try #require(pending.object)
            #expect(object["status"] as? String == "pending")
            for key in ["agentName", "pickedUpAt", "resolvedAt"] { #expect(object[key] is NSNull, "\(key) must be an explicit null") }
            _ = try world.store.pickUp(id, by: world.ann)
            let active = try await client.send(.get, APIPath.widgetStatus(id.description) + widgetQuery()).decode(HandoffStatusResponse.self)
            #expect(active.status == "active")
            #expect(active.agentName == "Ann")
            #expect(active.pickedUpAt == Fixture.start.iso8601)
            #expect(active.resolvedAt == nil)
        }
    }

    @Test func userMessagesOnlyWhileActive() async throws {
        let world = try await World()
        try world.online(world.ann)
        let pending = try world.pendingHandoff()
        let active = try world.activeHandoff()
        try await world.app().test(.router) { client in
            let refused = try await client.send(.post, APIPath.widgetMessage(pending.description), json: WidgetMessageRequest(apiKey: Fixture.acmeKey, message: "hello?"))
            expectError(refused, .badRequest, "Handoff is not active")
            let sent = try await client.send(.post, APIPath.widgetMessage(active.description), json: WidgetMessageRequest(apiKey: Fixture.acmeKey, message: "hello"))
            #expect(sent.status == .ok)
            #expect(try sent.decode(SuccessBody.self).success)
            let messages = try await client.send(.get, APIPath.widgetMessages(active.description) + widgetQuery()).decode(MessagesResponse.self)
            #expect(messages.messages.map(\.content) == ["hello"])
            #expect(messages.messages.first?.senderType == "user")
            #expect(messages.messages.first?.senderId == nil)
            #expect(messages.messages.first?.handoffId == active.description)
        }
    }

    @Test func sinceIsExclusiveAndNeverRepeats() async throws {
        let world = try await World()
        let id = try world.activeHandoff()
        try await world.app().test(.router) { client in
            var seen: [String] = []
            var cursor: String?
            for round in 0..<4 {
                // Two messages in the same millisecond each round: timestamps still strictly increase.
                _ = try world.store.postUserMessage("user \(round)", handoff: id, tenant: Fixture.acme)
                _ = try world.store.postAgentMessage("agent \(round)", handoff: id, by: world.ann)
                let query = widgetQuery(Fixture.acmeKey, cursor.map { "since=\($0)" } ?? "")
                let page = try await client.send(.get, APIPath.widgetMessages(id.description) + query).decode(MessagesResponse.self)
                #expect(page.messages.map(\.content) == ["user \(round)", "agent \(round)"], "round \(round)")
                seen += page.messages.map(\.id)
                cursor = page.messages.last?.timestamp ?? cursor
                let empty = try await client.send(.get, APIPath.widgetMessages(id.description) + widgetQuery(Fixture.acmeKey, "since=\(cursor!)"))
                #expect(try empty.decode(MessagesResponse.self).messages.isEmpty, "the newest message must not come back")
                world.clock.advance(by: .milliseconds(round % 2 == 0 ? 0 : 1))
            }
            #expect(Set(seen).count == seen.count)
            #expect(seen.count == 8)
        }
    }

    // MARK: Ending the chat

    @Test func endChatResolvesAnActiveChatOnce() async throws {
        let world = try await World()
        let id = try world.activeHandoff("bye")
        try await world.app().test(.router) { client in
            let body = EndChatRequest(apiKey: Fixture.acmeKey, chatId: "bye", handoffId: id.description)
            let response = try await client.send(.post, APIPath.widgetEndChat, json: body)
            #expect(response.status == .ok)
            let ended = try response.decode(SuccessBody.self)
            #expect(ended.success && ended.message == "Chat ended successfully")
            let status = try await client.send(.get, APIPath.widgetStatus(id.description) + widgetQuery()).decode(HandoffStatusResponse.self)
            #expect(status.status == "resolved")
            #expect(status.resolvedAt != nil)
            let messages = try await client.send(.get, APIPath.widgetMessages(id.description) + widgetQuery()).decode(MessagesResponse.self)
            #expect(messages.messages.last?.content == WireTexts.userEndedChat)
            #expect(messages.messages.last?.senderType == "system")
            let again = try await client.send(.post, APIPath.widgetEndChat, json: body)
            #expect(again.status == .ok)
            #expect(try world.store.agent(world.ann, tenant: Fixture.acme).activeChats == 0)
            #expect(world.store.invariantViolations().isEmpty)
        }
    }

    @Test func endChatWithdrawsAPendingRequest() async throws {
        let world = try await World()
        try world.online(world.ann)
        let id = try world.pendingHandoff("leaving")
        try await world.app().test(.router) { client in
            let response = try await client.send(.post, APIPath.widgetEndChat, json: EndChatRequest(apiKey: Fixture.acmeKey, chatId: "leaving"))
            #expect(response.status == .ok)
            #expect(try world.store.pendingHandoffs(tenant: Fixture.acme).isEmpty)
            #expect(try world.store.handoff(id, tenant: Fixture.acme).state == .abandoned)
        }
    }

    // MARK: Tenancy

    @Test func anotherTenantsHandoffIsNotFound() async throws {
        let world = try await World()
        let id = try world.activeHandoff("acme-chat")
        try await world.app().test(.router) { client in
            let key = Fixture.globexKey
            expectError(try await client.send(.get, APIPath.widgetStatus(id.description) + widgetQuery(key)), .notFound, "Handoff not found")
            expectError(try await client.send(.get, APIPath.widgetMessages(id.description) + widgetQuery(key)), .notFound, "Handoff not found")
            expectError(
                try await client.send(.post, APIPath.widgetMessage(id.description), json: WidgetMessageRequest(apiKey: key, message: "x")),
                .notFound, "Handoff not found")
            expectError(
                try await client.send(.post, APIPath.widgetEndChat, json: EndChatRequest(apiKey: key, chatId: "acme-chat", handoffId: id.description)),
                .notFound, "Handoff not found")
            #expect(try world.store.handoff(id, tenant: Fixture.acme).state == .active)
        }
    }

    @Test func pathIdsThatAreNotUUIDsAreNotFound() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            expectError(try await client.send(.get, APIPath.widgetStatus("42") + widgetQuery()), .notFound, "Handoff not found")
            expectError(try await client.send(.get, APIPath.widgetMessages("abc") + widgetQuery()), .notFound, "Handoff not found")
        }
    }
}
