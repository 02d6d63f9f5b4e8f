import Foundation
import HTTPTypes
import HandoffAPI
import HandoffEngine
import Hummingbird
import HummingbirdTesting
import Logging
import ServiceLifecycle
import Testing

@testable import HandoffServer

/// The WebSocket hub without sockets (buffering, shutdown), and the 500 path of the error mapping.
@Suite struct HubTests {
    private static let logger = Logger(label: "hub-tests")

    private static func statusEvent(_ name: String, tenant: TenantID = Fixture.acme) -> HandoffEvent {
        .agentStatusChanged(
            Agent(
                id: AgentID(uuid: UUID()), tenantID: tenant, name: name, email: "\(name)@x.test", status: .busy, maxChats: 5,
                createdAt: Fixture.start, lastSeen: Fixture.start))
    }

    private static func name(in frame: WebSocketHub.OutboundFrame?) throws -> String? {
        let text = try #require(frame).text
        let envelope = try JSONDecoder().decode(
            HandoffAPI.WebSocketFrame.Envelope<HandoffAPI.WebSocketFrame.AgentStatusChanged>.self, from: Data(text.utf8))
        return envelope.payload.agentId
    }

    @Test func slowReaderLosesTheOldestFramesNotTheSocket() async throws {
        let world = try await World()
        let metrics = ServerMetrics()
        let hub = WebSocketHub(store: world.store, bufferSize: 2, replayCapacity: 100, metrics: metrics, logger: Self.logger)
        let registration = hub.registerAgent(tenant: Fixture.acme)
        let events = (0..<5).map { Self.statusEvent("agent\($0)") }
        for (n, event) in events.enumerated() { hub.publish(PublishedEvent(sequence: UInt64(n + 1), event: event)) }
        hub.publish(PublishedEvent(sequence: 1, event: Self.statusEvent("other", tenant: Fixture.globex)))
        var iterator = registration.frames.makeAsyncIterator()
        let expected = events.suffix(2).map { event -> String in
            guard case .agentStatusChanged(let agent) = event else { return "" }
            return agent.id.description
        }
        #expect(try Self.name(in: await iterator.next()) == expected[0])
        #expect(try Self.name(in: await iterator.next()) == expected[1])
        #expect(metrics.render(gauges: .init(queueLength: 0, activeChats: 0, webSocketConnections: 1)).contains("websocket_dropped_frames_total 3"))
        #expect(hub.connectionCount == 1)
        hub.unregister(registration)
        #expect(await iterator.next() == nil)
        #expect(hub.connectionCount == 0)
    }

    /// The `seq` of a frame's text.
    private static func seq(_ frame: WebSocketHub.OutboundFrame?) throws -> UInt64? {
        struct Numbered: Decodable { var type: String; var seq: UInt64? }
        return try JSONDecoder().decode(Numbered.self, from: Data(try #require(frame).text.utf8)).seq
    }

    private static func type(_ frame: WebSocketHub.OutboundFrame?) throws -> String {
        try JSONDecoder().decode(HandoffAPI.WebSocketFrame.Header.self, from: Data(try #require(frame).text.utf8)).type
    }

    @Test func aReconnectGetsWhatItMissedOnceAndInOrderThenLiveFrames() async throws {
        let world = try await World()
        let hub = WebSocketHub(store: world.store, bufferSize: 16, replayCapacity: 4, metrics: ServerMetrics(), logger: Self.logger)
        let events = (0..<6).map { Self.statusEvent("agent\($0)") }
        for (n, event) in events.prefix(5).enumerated() { hub.publish(PublishedEvent(sequence: UInt64(n + 1), event: event)) }
        // Kept: 2…5. A client that saw 3 gets 4 and 5, then the live 6.
        let back = hub.registerAgent(tenant: Fixture.acme, resume: .after(3))
        // Caught up to what the client said; the replay carries it to 5.
        #expect(back.latestSequence == 3)
        hub.publish(PublishedEvent(sequence: 6, event: events[5]))
        var frames = back.frames.makeAsyncIterator()
        #expect(try Self.seq(await frames.next()) == 4)
        #expect(try Self.seq(await frames.next()) == 5)
        #expect(try Self.seq(await frames.next()) == 6)
        // Caught up (6): nothing replayed; the next live frame only.
        let current = hub.registerAgent(tenant: Fixture.acme, resume: .after(6))
        hub.publish(PublishedEvent(sequence: 7, event: Self.statusEvent("late")))
        var currentFrames = current.frames.makeAsyncIterator()
        #expect(try Self.seq(await currentFrames.next()) == 7)
        // Older than what is kept (1 is gone), or a number never given (a restarted server): one resync.
        for stale in [0, 1, 99] as [UInt64] {
            let lost = hub.registerAgent(tenant: Fixture.acme, resume: .after(stale))
            var lostFrames = lost.frames.makeAsyncIterator()
            let first = await lostFrames.next()
            #expect(try Self.type(first) == HandoffAPI.WebSocketFrame.FrameType.resync, "after \(stale)")
            #expect(try Self.seq(first) == 7)
            hub.unregister(lost)
        }
        // More missed than half the socket's buffer (16): a resync, so live frames cannot push replayed ones out.
        let busy = WebSocketHub(store: world.store, bufferSize: 4, replayCapacity: 100, metrics: ServerMetrics(), logger: Self.logger)
        for n in 1...5 { busy.publish(PublishedEvent(sequence: UInt64(n), event: Self.statusEvent("b\(n)"))) }
        let behind = busy.registerAgent(tenant: Fixture.acme, resume: .after(2))
        var behindFrames = behind.frames.makeAsyncIterator()
        #expect(try Self.type(await behindFrames.next()) == HandoffAPI.WebSocketFrame.FrameType.resync)
        #expect(behind.latestSequence == 5)
        let near = busy.registerAgent(tenant: Fixture.acme, resume: .after(3))
        var nearFrames = near.frames.makeAsyncIterator()
        #expect(try Self.seq(await nearFrames.next()) == 4)
        // A tenant with nothing yet: after 0 is caught up, anything else is a resync.
        let quiet = hub.registerAgent(tenant: Fixture.globex, resume: .after(0))
        let unknown = hub.registerAgent(tenant: Fixture.globex, resume: .after(3))
        hub.publish(PublishedEvent(sequence: 1, event: Self.statusEvent("first", tenant: Fixture.globex)))
        var quietFrames = quiet.frames.makeAsyncIterator()
        #expect(try Self.seq(await quietFrames.next()) == 1)
        var unknownFrames = unknown.frames.makeAsyncIterator()
        #expect(try Self.type(await unknownFrames.next()) == HandoffAPI.WebSocketFrame.FrameType.resync)
    }

    @Test func aWidgetReconnectReplaysOnlyItsHandoff() async throws {
        let world = try await World()
        let hub = WebSocketHub(store: world.store, bufferSize: 16, replayCapacity: 100, metrics: ServerMetrics(), logger: Self.logger)
        _ = try world.store.setAgentStatus(world.ann, to: .available, by: .system)
        let chat = try world.store.requestHandoff(HandoffRequest(chatID: "a"), tenant: Fixture.acme).handoff
        let other = try world.store.requestHandoff(HandoffRequest(chatID: "b"), tenant: Fixture.acme).handoff
        let picked = try world.store.pickUp(chat.id, by: world.ann)
        let pickedOther = try world.store.pickUp(other.id, by: world.ann)
        let mine = try world.store.postAgentMessage("hi", handoff: chat.id, by: world.ann)
        let theirs = try world.store.postAgentMessage("hi b", handoff: other.id, by: world.ann)
        let ann = try world.store.agent(world.ann, tenant: Fixture.acme)
        let published: [HandoffEvent] = [
            .handoffRequested(chat), .handoffRequested(other), .handoffPickedUp(picked, agent: ann), .handoffPickedUp(pickedOther, agent: ann),
            .messagePosted(mine, tenantID: Fixture.acme), .messagePosted(theirs, tenantID: Fixture.acme),
        ]
        for (n, event) in published.enumerated() { hub.publish(PublishedEvent(sequence: UInt64(n + 1), event: event)) }
        let widget = hub.registerWidget(tenant: Fixture.acme, handoff: chat.id, resume: .after(2))
        var frames = widget.frames.makeAsyncIterator()
        let first = await frames.next()
        #expect(try Self.type(first) == HandoffAPI.WebSocketFrame.FrameType.handoffStatus && Self.seq(first) == 3)
        #expect(try #require(first).text.contains("\"agentName\":\"Ann\""))
        let second = await frames.next()
        #expect(try Self.type(second) == HandoffAPI.WebSocketFrame.FrameType.agentMessage && Self.seq(second) == 5)
        hub.unregister(widget)
        #expect(await frames.next() == nil)
    }

    @Test func gracefulShutdownEndsTheHubAndEveryStream() async throws {
        let world = try await World()
        let hub = WebSocketHub(store: world.store, bufferSize: 8, replayCapacity: 100, metrics: ServerMetrics(), logger: Self.logger)
        let registration = hub.registerAgent(tenant: Fixture.acme)
        let group = ServiceGroup(configuration: .init(services: [hub], logger: Self.logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = registration.frames.makeAsyncIterator()
            _ = try world.store.setAgentStatus(world.ann, to: .available, by: .system)  // flows store → hub.run() → stream
            #expect(try Self.name(in: await iterator.next()) == world.ann.description)
            await group.triggerGracefulShutdown()
            #expect(await iterator.next() == nil)
            try await tasks.waitForAll()
        }
        // Registering after shutdown yields an already finished stream.
        var late = hub.registerAgent(tenant: Fixture.acme).frames.makeAsyncIterator()
        #expect(await late.next() == nil)
    }

    @Test func widgetFeedDropsWhatItsSnapshotAlreadyShows() {
        typealias Frame = WebSocketHub.OutboundFrame
        var filter = FeedFilter(progress: WebSocketHub.progress(.active), lastMessage: Fixture.start)
        let frames = [
            Frame(text: "picked up (stale)", order: .status(progress: WebSocketHub.progress(.active))),
            Frame(text: "old message", order: .message(Fixture.start)),
            Frame(text: "new message", order: .message(Fixture.start + .milliseconds(1))),
            Frame(text: "repeat", order: .message(Fixture.start + .milliseconds(1))),
            Frame(text: "resolved", order: .status(progress: WebSocketHub.progress(.resolved))),
            Frame(text: "resolved again", order: .status(progress: WebSocketHub.progress(.resolved))),
            Frame(text: "agent frame", order: nil),
        ]
        let admitted = frames.filter { filter.admits($0) }.map(\.text)
        #expect(admitted == ["new message", "resolved", "agent frame"])
        var everything = FeedFilter.everything
        let pending = everything.admits(Frame(text: "pending", order: .status(progress: WebSocketHub.progress(.pending))))
        #expect(pending)
    }

    @Test func unknownErrorsAreLogged500sWithoutDetail() async throws {
        struct DatabaseFailure: Error, CustomStringConvertible {
            var description: String { "ERROR: relation \"handoffs\" does not exist (SELECT * FROM handoffs)" }
        }
        let router = Router(context: AppRequestContext.self)
        router.add(
            middleware: EdgeMiddleware(
                metrics: ServerMetrics(), logLevel: .debug, limits: RequestLimits(perAddress: nil, trustForwardedFor: false, maxBodyBytes: 1024)))
        router.get("boom") { _, _ -> Response in throw DatabaseFailure() }
        try await Application(router: router).test(.router) { client in
            let response = try await client.send(.get, "/boom")
            #expect(response.status == .internalServerError)
            #expect(response.text == #"{"error":"Internal server error"}"#)
        }
    }
}
