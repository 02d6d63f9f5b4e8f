import Foundation
import HTTPTypes
import HandoffAPI
import HandoffEngine
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import NIOWebSocket
import Synchronization
import Testing

@testable import HandoffServer

/// docs/api.md on a real listening server (port 0): authentication, tenant isolation,
/// every event type, and the widget socket extension. Ordering is asserted with fences (a
/// later event that must arrive first), never with sleeps.
@Suite struct WebSocketTests {
    private typealias F = HandoffAPI.WebSocketFrame

    // MARK: Authentication

    @Test func silentClientIsClosedWith1008AfterTheAuthTimeout() async throws {
        let world = try await World()
        try await world.app { $0.webSocket.authTimeout = .milliseconds(200) }.test(.live) { client in
            let started = ContinuousClock.now
            let close = try await withSocket(port: try #require(client.port), path: APIPath.agentSocket) { socket in
                #expect(await socket.next() == nil)
            }
            #expect(close?.closeCode == .policyViolation)
            #expect(ContinuousClock.now - started < .seconds(4))  // the 200 ms timeout, not the 5 s default; room for a loaded machine
        }
    }

    @Test(arguments: [
        #"{"type":"auth","token":"not-a-token"}"#, #"{"type":"hello","token":"x"}"#, "auth please", #"{"type":"auth"}"#,
    ])
    func badFirstFrameIsClosedWith1008(_ frame: String) async throws {
        let world = try await World()
        try await world.app().test(.live) { client in
            let close = try await withSocket(port: try #require(client.port), path: APIPath.agentSocket) { socket in
                socket.send(frame)
                #expect(await socket.next() == nil)
            }
            #expect(close?.closeCode == .policyViolation)
        }
    }

    @Test func forgedTokenIsClosedWith1008() async throws {
        let world = try await World()
        let forged = try await world.token(for: world.annUser, secret: "an-attackers-secret-that-is-long-enough-000")
        try await world.app().test(.live) { client in
            let close = try await withSocket(port: try #require(client.port), path: APIPath.agentSocket) { socket in
                try socket.send(F.Auth(token: forged))
                #expect(await socket.next() == nil)
            }
            #expect(close?.closeCode == .policyViolation)
        }
    }

    @Test func validTokenGetsAuthSuccess() async throws {
        let world = try await World()
        try await world.app().test(.live) { client in
            let token = try await client.login(Fixture.annEmail)
            let close = try await withSocket(port: try #require(client.port), path: APIPath.agentSocket) { socket in
                try socket.send(F.Auth(token: token))
                let success = try await socket.next(F.FrameType.authSuccess, as: F.AuthSuccess.self)
                #expect(success.tenantId == Fixture.acme.description)
            }
            #expect(close?.closeCode == .normalClosure)
        }
    }

    // MARK: Events

    @Test func eventsReachEveryTypeForTheOwnTenantOnly() async throws {
        let world = try await World()
        try await world.app().test(.live) { client in
            let port = try #require(client.port)
            let ann = try await client.login(Fixture.annEmail)
            let bob = try await client.login(Fixture.bobEmail)
            let gil = try await client.login(Fixture.gilEmail)
            try await withSocket(port: port, path: APIPath.agentSocket) { acme in
                try acme.send(F.Auth(token: bob))
                _ = try await acme.next(F.FrameType.authSuccess, as: F.AuthSuccess.self)
                try await withSocket(port: port, path: APIPath.agentSocket) { globex in
                    try globex.send(F.Auth(token: gil))
                    #expect(try await globex.next(F.FrameType.authSuccess, as: F.AuthSuccess.self).tenantId == Fixture.globex.description)
                    // Flush what the logins caused before the sockets existed.
                    try world.fence(world.bob)
                    try await acme.skip(untilStatusOf: world.bob.description)
                    try world.fence(world.gil)
                    try await globex.skip(untilStatusOf: world.gil.description)

                    // An Acme request, then a Globex one: Globex's socket must see its own first.
                    let acmeHandoff = try world.pendingHandoff("acme-1")
                    let globexHandoff = try world.pendingHandoff("globex-1", tenant: Fixture.globex)
                    #expect(try await globex.next(F.FrameType.newHandoff, as: F.NewHandoff.self).handoff.id == globexHandoff.description)
                    let created = try await acme.next(F.FrameType.newHandoff, as: F.NewHandoff.self)
                    #expect(created.handoff.id == acmeHandoff.description && created.handoff.status == "pending")

                    let id = acmeHandoff.description
                    #expect(try await client.send(.post, APIPath.pickUp(id), token: ann).status == .ok)
                    let picked = try await acme.next(F.FrameType.handoffPickedUp, as: F.PickedUp.self)
                    #expect(picked == F.PickedUp(handoffId: id, agentId: world.ann.description, agentName: "Ann"))

                    _ = try await client.send(.post, APIPath.sendMessage(id), json: SendMessageRequest(message: "Hello from Ann"), token: ann)
                    let agentMessage = try await acme.next(F.FrameType.agentMessage, as: F.MessagePosted.self)
                    #expect(agentMessage.handoffId == id && agentMessage.message.content == "Hello from Ann")
                    #expect(agentMessage.message.senderType == "agent")

                    _ = try await client.send(.post, APIPath.widgetMessage(id), json: WidgetMessageRequest(apiKey: Fixture.acmeKey, message: "Hi Ann"))
                    let userMessage = try await acme.next(F.FrameType.handoffMessage, as: F.MessagePosted.self)
                    #expect(userMessage.message.content == "Hi Ann" && userMessage.message.senderType == "user")

                    #expect(try await client.send(.post, APIPath.resolve(id), token: ann).status == .ok)
                    #expect(try await acme.next(F.FrameType.handoffResolved, as: F.Resolved.self) == F.Resolved(handoffId: id, resolvedBy: world.ann.description))

                    _ = try await client.send(.patch, APIPath.agentStatus(world.ann.description), json: StatusRequest(status: "busy"), token: ann)
                    #expect(try await acme.next(F.FrameType.agentStatus, as: F.AgentStatusChanged.self) == F.AgentStatusChanged(agentId: world.ann.description, status: "busy"))

                    // Fences: each socket's next frame is its own tenant's next event, so none
                    // of the other tenant's events above reached it.
                    _ = try world.store.setAgentStatus(world.gil, to: .busy, by: .system)
                    #expect(try await globex.next(F.FrameType.agentStatus, as: F.AgentStatusChanged.self).agentId == world.gil.description)
                    _ = try world.store.setAgentStatus(world.bob, to: .busy, by: .system)
                    #expect(try await acme.next(F.FrameType.agentStatus, as: F.AgentStatusChanged.self).agentId == world.bob.description)
                }
            }
        }
    }

    @Test func withdrawnRequestLeavesTheQueueAsResolvedByTheUser() async throws {
        let world = try await World()
        try await world.app().test(.live) { client in
            let token = try await client.login(Fixture.annEmail)
            try await withSocket(port: try #require(client.port), path: APIPath.agentSocket) { socket in
                try socket.send(F.Auth(token: token))
                _ = try await socket.next(F.FrameType.authSuccess, as: F.AuthSuccess.self)
                try world.fence(world.ann)
                try await socket.skip(untilStatusOf: world.ann.description)
                let id = try world.pendingHandoff("gone")
                _ = try await socket.next(F.FrameType.newHandoff, as: F.NewHandoff.self)
                _ = try await client.send(.post, APIPath.widgetEndChat, json: EndChatRequest(apiKey: Fixture.acmeKey, chatId: "gone"))
                #expect(try await socket.next(F.FrameType.handoffResolved, as: F.Resolved.self) == F.Resolved(handoffId: id.description, resolvedBy: "user"))
            }
        }
    }

    // MARK: Replay after reconnect (extension)

    /// A frame's type, `seq` and, for messages, the text.
    private struct Seen: Decodable, Equatable {
        struct Payload: Decodable, Equatable {
            struct Message: Decodable, Equatable { var content: String }
            var message: Message?
        }
        var type: String
        var seq: UInt64?
        var payload: Payload?
        var content: String? { payload?.message?.content }
    }

    private func seen(_ socket: TestSocket, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Seen {
        let text = try #require(await socket.next(), "expected a frame", sourceLocation: sourceLocation)
        return try JSONDecoder().decode(Seen.self, from: Data(text.utf8))
    }

    /// The agent socket drops mid-chat; the chat goes on; the reconnect with the last `seq`
    /// gets every missed message once, in order, and then the live ones.
    @Test func agentSocketDroppedMidChatGetsEveryMessageOnce() async throws {
        let world = try await World()
        try await world.app().test(.live) { client in
            let port = try #require(client.port)
            let token = try await client.login(Fixture.annEmail)
            let id = try world.activeHandoff("w")
            let lastSeen = Mutex<UInt64>(0)
            try await withSocket(port: port, path: APIPath.agentSocket) { socket in
                try socket.send(F.Auth(token: token))
                let welcome = try await seen(socket)
                #expect(welcome.type == F.FrameType.authSuccess && welcome.seq != nil)
                _ = try world.store.postUserMessage("m1", handoff: id, tenant: Fixture.acme)
                var frame = try await seen(socket)
                while frame.content != "m1" { frame = try await seen(socket) }  // events from before the socket
                lastSeen.withLock { $0 = frame.seq ?? 0 }
            }
            // Disconnected: the chat goes on.
            _ = try world.store.postUserMessage("m2", handoff: id, tenant: Fixture.acme)
            _ = try await client.send(.post, APIPath.sendMessage(id.description), json: SendMessageRequest(message: "m3"), token: token)
            _ = try world.store.postUserMessage("m4", handoff: id, tenant: Fixture.acme)
            let resumeFrom = lastSeen.withLock { $0 }
            #expect(resumeFrom > 0)
            try await withSocket(port: port, path: APIPath.agentSocket) { socket in
                try socket.send(F.Auth(token: token, lastSeq: resumeFrom))
                #expect(try await seen(socket).type == F.FrameType.authSuccess)
                var frames: [Seen] = []
                for _ in 0..<3 { frames.append(try await seen(socket)) }
                _ = try world.store.postUserMessage("m5", handoff: id, tenant: Fixture.acme)
                frames.append(try await seen(socket))
                #expect(frames.map(\.content) == ["m2", "m3", "m4", "m5"])
                #expect(frames.map(\.seq) == (1...4).map { resumeFrom + UInt64($0) })
            }
        }
    }

    @Test func widgetSocketDroppedMidChatGetsEveryMessageOnceOrAResync() async throws {
        let world = try await World()
        try await world.app { $0.webSocket.replayBufferSize = 3 }.test(.live) { client in
            let port = try #require(client.port)
            let token = try await client.login(Fixture.annEmail)
            let id = try world.activeHandoff("w")
            let path = APIPath.widgetSocket + "?apiKey=\(Fixture.acmeKey)&handoffId=\(id)"
            let lastSeen = Mutex<UInt64>(0)
            try await withSocket(port: port, path: path) { socket in
                #expect(try await seen(socket).type == F.FrameType.handoffStatus)  // the snapshot
                _ = try await client.send(.post, APIPath.sendMessage(id.description), json: SendMessageRequest(message: "a1"), token: token)
                let frame = try await seen(socket)
                #expect(frame.content == "a1")
                lastSeen.withLock { $0 = frame.seq ?? 0 }
            }
            _ = try await client.send(.post, APIPath.sendMessage(id.description), json: SendMessageRequest(message: "a2"), token: token)
            _ = try world.store.postUserMessage("u3", handoff: id, tenant: Fixture.acme)
            let resumeFrom = lastSeen.withLock { $0 }
            try await withSocket(port: port, path: path + "&lastSeq=\(resumeFrom)") { socket in
                let first = try await seen(socket)
                let second = try await seen(socket)
                #expect([first.content, second.content] == ["a2", "u3"])
                #expect([first.seq, second.seq] == [resumeFrom + 1, resumeFrom + 2])
            }
            // More missed than the server keeps (3 events): one resync, then live frames. The
            // store publishes to the hub asynchronously, so a fence (an agent socket) must see the
            // last missed message before the widget resumes; else the hub may not have it yet.
            try await withSocket(port: port, path: APIPath.agentSocket) { fence in
                try fence.send(F.Auth(token: token))
                #expect(try await seen(fence).type == F.FrameType.authSuccess)
                for n in 0..<4 { _ = try world.store.postUserMessage("lost \(n)", handoff: id, tenant: Fixture.acme) }
                var fenced = false
                for _ in 0..<10 where !fenced { fenced = try await seen(fence).content == "lost 3" }
                #expect(fenced)
                try await withSocket(port: port, path: path + "&lastSeq=\(resumeFrom)") { socket in
                    let resync = try await seen(socket)
                    #expect(resync.type == F.FrameType.resync && resync.seq == resumeFrom + 6)
                    _ = try world.store.postUserMessage("after", handoff: id, tenant: Fixture.acme)
                    let live = try await seen(socket)
                    #expect(live.content == "after" && live.seq == resumeFrom + 7)
                }
            }
            expectError(try await client.send(.get, path + "&lastSeq=soon"), .badRequest, "lastSeq must be a whole number (the seq of the last frame seen)")
        }
    }

    // MARK: Widget socket (extension)

    @Test func widgetSocketFollowsItsHandoff() async throws {
        let world = try await World()
        try await world.app().test(.live) { client in
            let token = try await client.login(Fixture.annEmail)
            let id = try world.activeHandoff("w")
            let other = try world.activeHandoff("other")
            let path = APIPath.widgetSocket + "?apiKey=\(Fixture.acmeKey)&handoffId=\(id)"
            try await withSocket(port: try #require(client.port), path: path) { socket in
                let snapshot = try await socket.next(F.FrameType.handoffStatus, as: F.HandoffStatusChanged.self)
                #expect(snapshot.handoffId == id.description)
                #expect(snapshot.status.status == "active" && snapshot.status.agentName == "Ann")

                _ = try await client.send(.post, APIPath.sendMessage(other.description), json: SendMessageRequest(message: "not yours"), token: token)
                _ = try await client.send(.post, APIPath.sendMessage(id.description), json: SendMessageRequest(message: "How can I help?"), token: token)
                let agentMessage = try await socket.next(F.FrameType.agentMessage, as: F.MessagePosted.self)
                #expect(agentMessage.message.content == "How can I help?" && agentMessage.handoffId == id.description)

                _ = try world.store.postUserMessage("My order", handoff: id, tenant: Fixture.acme)
                #expect(try await socket.next(F.FrameType.handoffMessage, as: F.MessagePosted.self).message.content == "My order")

                _ = try await client.send(.post, APIPath.resolve(id.description), token: token)
                let resolved = try await socket.next(F.FrameType.handoffStatus, as: F.HandoffStatusChanged.self)
                #expect(resolved.status.status == "resolved" && resolved.status.agentName == "Ann" && resolved.status.resolvedAt != nil)
            }
        }
    }

    @Test func widgetSocketRefusesBadKeysAndForeignHandoffs() async throws {
        let world = try await World()
        let id = try world.activeHandoff()
        try await world.app().test(.live) { client in
            let port = try #require(client.port)
            for query in ["apiKey=\(Fixture.unknownKey)&handoffId=\(id)", "apiKey=\(Fixture.globexKey)&handoffId=\(id)", "handoffId=\(id)"] {
                await #expect(throws: WebSocketClientError.webSocketUpgradeFailed) {
                    try await withSocket(port: port, path: APIPath.widgetSocket + "?" + query) { _ in }
                }
            }
        }
    }

    @Test func plainRequestsToSocketPathsAreExplained() async throws {
        let world = try await World()
        let id = try world.activeHandoff()
        try await world.app().test(.router) { client in
            expectError(try await client.send(.get, APIPath.agentSocket), .badRequest, "WebSocket upgrade required")
            let badKey = try await client.send(.get, APIPath.widgetSocket + "?apiKey=nope&handoffId=\(id)")
            expectError(badKey, .unauthorized, "Invalid API key")
            #expect(badKey.headers[.accessControlAllowOrigin] == "*")
            expectError(
                try await client.send(.get, APIPath.widgetSocket + "?apiKey=\(Fixture.acmeKey)&handoffId=\(id)"), .badRequest,
                "WebSocket upgrade required")
        }
        try await world.app { $0.webSocket.isEnabled = false }.test(.router) { client in
            expectError(try await client.send(.get, APIPath.agentSocket), .notFound, "Not found")
            // Polling is unaffected.
            #expect(try await client.send(.get, APIPath.widgetStatus(id.description) + widgetQuery()).status == .ok)
        }
    }

    @Test func metricsCountOpenSockets() async throws {
        let world = try await World()
        try await world.app().test(.live) { client in
            let token = try await client.login(Fixture.annEmail)
            try await withSocket(port: try #require(client.port), path: APIPath.agentSocket) { socket in
                try socket.send(F.Auth(token: token))
                _ = try await socket.next(F.FrameType.authSuccess, as: F.AuthSuccess.self)
                #expect(try await client.send(.get, APIPath.prometheus).text.contains("websocket_connections 1"))
            }
        }
    }
}
