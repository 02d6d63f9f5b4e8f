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
        let hub = WebSocketHub(store: world.store, bufferSize: 2, metrics: metrics, logger: Self.logger)
        let registration = hub.registerAgent(tenant: Fixture.acme)
        let events = (0..<5).map { Self.statusEvent("agent\($0)") }
        for event in events { hub.publish(event) }
        hub.publish(Self.statusEvent("other", tenant: Fixture.globex))
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

    @Test func gracefulShutdownEndsTheHubAndEveryStream() async throws {
        let world = try await World()
        let hub = WebSocketHub(store: world.store, bufferSize: 8, metrics: ServerMetrics(), logger: Self.logger)
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
        router.add(middleware: ErrorMiddleware<AppRequestContext>())
        router.get("boom") { _, _ -> Response in throw DatabaseFailure() }
        try await Application(router: router).test(.router) { client in
            let response = try await client.send(.get, "/boom")
            #expect(response.status == .internalServerError)
            #expect(response.text == #"{"error":"Internal server error"}"#)
        }
    }
}
