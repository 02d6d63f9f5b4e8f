import Foundation
import HTTPTypes
import HandoffAPI
import HandoffEngine
import Hummingbird
import HummingbirdTesting
import Testing

/// `POST /api/widget/chat` (the scripted assistant) and `GET /api/widget/session/:chatId/history`.
@Suite struct AssistantRouteTests {
    @Test func aNewConversationOpensWithTheGreetingAndKeepsItsId() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            // The reference widget's opening message: the greeting alone.
            let opening = try await client.send(.post, APIPath.widgetChat, json: WidgetChatRequest(apiKey: Fixture.acmeKey, message: "👋"))
            #expect(opening.status == .ok)
            let first = try opening.decode(WidgetChatResponse.self)
            #expect(first.messages == [AssistantScript.defaultGreeting])
            #expect(first.chatId.hasPrefix("chat_") && first.chatId.count == 37)
            // The same conversation continues; the default script answers with its default reply.
            let next = try await client.send(
                .post, APIPath.widgetChat, json: WidgetChatRequest(apiKey: Fixture.acmeKey, message: "Where is my order?", chatId: first.chatId))
            let second = try next.decode(WidgetChatResponse.self)
            #expect(second.chatId == first.chatId)
            #expect(second.messages == [AssistantScript.defaultDefaultReply])
            // An unknown id, and another tenant's, start a conversation: never 400 or 404.
            for (key, chat) in [(Fixture.acmeKey, "chat_unknown"), (Fixture.globexKey, first.chatId)] {
                let fresh = try await client.send(.post, APIPath.widgetChat, json: WidgetChatRequest(apiKey: key, message: "hello", chatId: chat))
                #expect(fresh.status == .ok)
                let reply = try fresh.decode(WidgetChatResponse.self)
                #expect(reply.chatId != chat && reply.messages.first == AssistantScript.defaultGreeting)
            }
            // The key is still checked first.
            expectError(
                try await client.send(.post, APIPath.widgetChat, json: WidgetChatRequest(apiKey: "embellics_nope", message: "hi")), .unauthorized,
                "Invalid API key")
        }
    }

    @Test func theTranscriptBecomesTheHandoffsHistoryAndTheSessionHistoryMergesBoth() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let opening = try await client.send(.post, APIPath.widgetChat, json: WidgetChatRequest(apiKey: Fixture.acmeKey, message: "👋"))
            let chat = try opening.decode(WidgetChatResponse.self).chatId
            _ = try await client.send(.post, APIPath.widgetChat, json: WidgetChatRequest(apiKey: Fixture.acmeKey, message: "I want a human", chatId: chat))
            // An agent is online, so the request queues; the widget sends no history: the server's transcript is used.
            let token = try await client.login(Fixture.annEmail)
            let created = try await client.send(
                .post, APIPath.widgetHandoff, json: HandoffRequestBody(apiKey: Fixture.acmeKey, chatId: chat))
            let handoffID = try created.decode(HandoffCreatedResponse.self).handoffId
            let picked = try await client.send(.post, APIPath.pickUp(handoffID), json: [String: String](), token: token)
            try #require(picked.status == .ok, "pick-up: \(picked.status) \(picked.text)")
            let handoff = try picked.decode(HandoffBody.self)
            #expect(handoff.conversationHistory.map(\.role) == ["user", "assistant", "user", "assistant"])
            #expect(handoff.conversationHistory.map(\.content) == [
                "👋", AssistantScript.defaultGreeting, "I want a human", AssistantScript.defaultDefaultReply,
            ])
            #expect(handoff.lastUserMessage == "I want a human")
            _ = try await client.send(.post, APIPath.sendMessage(handoffID), json: SendMessageRequest(message: "Hi, I'm Ann"), token: token)
            _ = try await client.send(.post, APIPath.widgetMessage(handoffID), json: WidgetMessageRequest(apiKey: Fixture.acmeKey, message: "Thanks"))

            let reply = try await client.send(.get, APIPath.widgetHistory(chat) + widgetQuery(Fixture.acmeKey, "handoffId=\(handoffID)"))
            #expect(reply.status == .ok)
            let history = try reply.decode(ChatHistoryResponse.self)
            #expect(history.chatId == chat && history.handoffId == handoffID && history.handoffStatus == "active")
            #expect(history.messages.map(\.role) == ["user", "assistant", "user", "assistant", "agent", "user"])
            #expect(history.messages.suffix(2).map(\.content) == ["Hi, I'm Ann", "Thanks"])
            // The handoff's message ids are the ones the message poll gives (the widget de-duplicates by id).
            let polled = try await client.send(.get, APIPath.widgetMessages(handoffID) + widgetQuery())
            #expect(try polled.decode(MessagesResponse.self).messages.map(\.id) == history.messages.suffix(2).map(\.id))
            // Without handoffId: the chat's handoff is found all the same.
            let implicit = try await client.send(.get, APIPath.widgetHistory(chat) + widgetQuery()).decode(ChatHistoryResponse.self)
            #expect(implicit == history)
        }
    }

    @Test func historyOfAnUnknownChatIsEmptyAndAnotherTenantsIs404() async throws {
        let world = try await World()
        try await world.app().test(.router) { client in
            let unknown = try await client.send(.get, APIPath.widgetHistory("chat_never") + widgetQuery())
            #expect(unknown.status == .ok)
            #expect(unknown.object?["handoffId"] is NSNull)
            let body = try unknown.decode(ChatHistoryResponse.self)
            #expect(body.handoffStatus == "none" && body.messages.isEmpty)

            let opening = try await client.send(.post, APIPath.widgetChat, json: WidgetChatRequest(apiKey: Fixture.acmeKey, message: "👋"))
            let chat = try opening.decode(WidgetChatResponse.self).chatId
            expectError(try await client.send(.get, APIPath.widgetHistory(chat) + widgetQuery(Fixture.globexKey)), .notFound, "Chat not found")
            expectError(
                try await client.send(.get, APIPath.widgetHistory(chat) + widgetQuery(Fixture.acmeKey, "handoffId=nope")), .notFound, "Handoff not found")
            expectError(
                try await client.send(.get, APIPath.widgetHistory(chat) + widgetQuery(Fixture.acmeKey, "handoffId=\(UUID().uuidString)")), .notFound,
                "Handoff not found")
        }
    }

    /// The reference widget's page reload mid-chat: its unload beacon ends the chat, the new
    /// page reads the history and polls again. With a grace the chat survives; a closed tab's
    /// end-chat still takes effect once the grace is over.
    @Test func aReloadMidChatKeepsTheChatUnderAGrace() async throws {
        let world = try await World(core: .init(endChatGrace: .seconds(10)))
        try await world.app().test(.router) { client in
            let token = try await client.login(Fixture.annEmail)
            let created = try await client.send(.post, APIPath.widgetHandoff, json: HandoffRequestBody(apiKey: Fixture.acmeKey, chatId: "c-reload"))
            let id = try created.decode(HandoffCreatedResponse.self).handoffId
            _ = try await client.send(.post, APIPath.pickUp(id), json: [String: String](), token: token)
            let beacon = EndChatRequest(apiKey: Fixture.acmeKey, chatId: "c-reload", handoffId: id)
            let ended = try await client.send(.post, APIPath.widgetEndChat, json: beacon, headers: [.origin: "https://shop.example"])
            #expect(ended.status == .ok && ended.headers[.accessControlAllowCredentials] == "true")
            // The reloaded page: history, then its status poll, within the grace.
            world.clock.advance(by: .seconds(1))
            let history = try await client.send(.get, APIPath.widgetHistory("c-reload") + widgetQuery(Fixture.acmeKey, "handoffId=\(id)"))
            #expect(try history.decode(ChatHistoryResponse.self).handoffStatus == "active")
            world.clock.advance(by: .seconds(30))
            world.store.sweep()
            let status = try await client.send(.get, APIPath.widgetStatus(id) + widgetQuery())
            #expect(try status.decode(HandoffStatusResponse.self).status == "active")
            // The tab closes for good: nobody comes back, and the sweep after the grace ends the chat.
            _ = try await client.send(.post, APIPath.widgetEndChat, json: beacon)
            world.clock.advance(by: .seconds(9))
            world.store.sweep()
            #expect(try world.store.handoff(try #require(HandoffID(id)), tenant: Fixture.acme).state == .active)
            world.clock.advance(by: .seconds(1))
            world.store.sweep()
            let closed = try world.store.handoff(try #require(HandoffID(id)), tenant: Fixture.acme)
            #expect(closed.state == .resolved && closed.resolvedBy == .user)
            #expect(try world.store.agent(world.ann, tenant: Fixture.acme).activeChats == 0)
        }
    }
}
