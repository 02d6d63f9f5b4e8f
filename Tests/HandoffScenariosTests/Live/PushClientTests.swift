@testable import HandoffScenarios
import HandoffWorkload
import HandoffMeasurement
import HandoffClient
import Foundation
import HandoffEngine
import Synchronization
import Testing


/// The WebSocket client model in the runner, without a server: a real-time driver whose push
/// channel delivers a status change some time after the widget's socket opens.
@Suite struct PushClientTests {
    /// A real-time service with one handoff: `request` answers pending, and once the widget's
    /// channel is open a `handoff_status: active` push arrives after `pushDelay`.
    final class ScriptedPushDriver: ScenarioDriver, PushChannels {
        let handoff = HandoffID(namespace: 9, number: 1)
        let pushDelay: Duration
        let clock = SystemWallClock()
        private let state = Mutex<(pushes: [ReceivedPush], opened: [String], closed: [String], pending: Task<Void, Never>?)>(([], [], [], nil))

        init(pushDelay: Duration) { self.pushDelay = pushDelay }

        var target: String { "scripted" }
        var isRealTime: Bool { true }
        var pushChannels: (any PushChannels)? { self }
        var sweepInterval: Duration? { nil }
        var opened: [String] { state.withLock { $0.opened } }
        var closed: [String] { state.withLock { $0.closed } }

        func prepare(_ fixtures: Fixtures) async throws {}
        func now() -> Timestamp { clock.now() }
        func advance(to instant: Timestamp) async {
            let delay = instant - clock.now()
            if delay > .zero { try? await Task.sleep(for: delay) }
        }
        func sweep() async {}

        func perform(_ command: DriverCommand) async -> Result<DriverReply, RequestFailure> {
            guard case .requestHandoff = command else { return .failure(RequestFailure("not scripted")) }
            return .success(.handoff(id: handoff, status: "pending", message: WireTexts.handoffCreated, created: true))
        }

        func widgetStatus(_ widget: WidgetActor, handoff: HandoffID) async throws(RequestFailure) -> WidgetStatus {
            WidgetStatus(status: "pending", agentName: nil, pickedUpAt: nil, resolvedAt: nil)
        }
        func widgetMessages(_ widget: WidgetActor, handoff: HandoffID, since: Timestamp?) async throws(RequestFailure) -> [ObservedMessage] { [] }
        func agentMessages(agent: String, handoff: HandoffID) async throws(RequestFailure) -> [ObservedMessage] { [] }
        func pendingQueue(tenant: String) async throws(RequestFailure) -> [ObservedHandoff] { [] }
        func handoff(_ id: HandoffID, tenant: String) async throws(RequestFailure) -> ObservedHandoff { throw RequestFailure("not scripted") }
        func handoffMessages(_ id: HandoffID, tenant: String) async throws(RequestFailure) -> [ObservedMessage] { [] }
        func agents(tenant: String) async throws(RequestFailure) -> [Agent] { [] }
        func availableAgents(tenant: String) async throws(RequestFailure) -> [Agent] { [] }
        func history(tenant: String) async throws(RequestFailure) -> [ObservedHandoff] { [] }
        func metrics(tenant: String) async throws(RequestFailure) -> TenantMetrics? { nil }
        func invariantViolations() async -> [String]? { nil }

        func openWidgetChannel(_ widget: WidgetActor, handoff: HandoffID) async throws(RequestFailure) {
            state.withLock { $0.opened.append(widget.handle) }
            let delay = pushDelay
            let clock = clock
            let task = Task {
                guard (try? await Task.sleep(for: delay)) != nil else { return }
                let now = clock.now()
                let status = WidgetStatus(status: "active", agentName: "Ann Lee", pickedUpAt: now - .milliseconds(5), resolvedAt: nil)
                self.state.withLock { $0.pushes.append(ReceivedPush(receiver: .widget(widget.handle), receivedAt: now, event: .handoffStatus(handoff, status))) }
            }
            state.withLock { $0.pending = task }
        }
        func closeWidgetChannel(_ widget: String) async {
            let pending = state.withLock { state in
                state.closed.append(widget)
                defer { state.pending = nil }
                return state.pending
            }
            pending?.cancel()
        }
        func openAgentChannel(agent: String) async throws(RequestFailure) {}
        func closeAgentChannel(agent: String) async {}
        func drain() -> [ReceivedPush] { state.withLock { s in defer { s.pushes = [] }; return s.pushes } }
        func waitForPush(until deadline: Timestamp) async { await advance(to: deadline) }
    }

    static func scenario(within: String) throws -> Scenario {
        let yaml = """
            kind: scenario
            name: push
            tenants:
              t:
                name: T
                apiKeys: {web: embellics_6b6c3b2f0de478f07faa9de113103853acb3e5c08f4ee18e3e61764fb3fbc8d2}
            widgets:
              w: {tenant: t, apiKey: web}
            steps:
              - request: w
              - expectWidget: w
                sees: "Ann Lee has joined the chat"
                within: \(within)
            """
        guard case .scenario(let s) = try DocumentLoader.load(yaml: yaml, file: "push.yaml") else { throw CancellationError() }
        return s
    }

    @Test func aCheckPassesAsSoonAsThePushLands() async throws {
        let driver = ScriptedPushDriver(pushDelay: .milliseconds(300))
        let started = ContinuousClock.now
        let result = await ScenarioRunner(clientModel: .websocket).run(try Self.scenario(within: "30s"), driver: driver)
        let elapsed = ContinuousClock.now - started
        #expect(result.passed, "\(result.failures)")
        // Not a timing test: it only tells "returned when the push landed" from "waited for the
        // 30 s deadline", with room for a loaded machine.
        #expect(elapsed < .seconds(25), "waited \(elapsed) for a push that came after 300 ms (deadline 30 s)")
        #expect(driver.opened == ["w"])
        #expect(result.metrics["delivery.pickUpToWidget"]?.count == 1)
        #expect(result.metrics["op.widgetStatus"]?.count == 1)  // the catch-up read when the socket opened; no polls
    }

    @Test func aLatePushFailsTheCheckAtItsDeadline() async throws {
        let driver = ScriptedPushDriver(pushDelay: .seconds(30))
        let started = ContinuousClock.now
        let result = await ScenarioRunner(clientModel: .websocket).run(try Self.scenario(within: "500ms"), driver: driver)
        #expect(!result.passed)
        #expect(result.failures.first?.reason.contains("(still after 500ms)") == true, "\(result.failures)")
        #expect(ContinuousClock.now - started < .seconds(25))  // failed at the 500 ms deadline, not after the 30 s push
        #expect(driver.closed == ["w"])  // the runner closes what it opened
    }

    @Test func theWebSocketModelNeedsPushChannels() async throws {
        let result = await ScenarioRunner(clientModel: .websocket).run(try Self.scenario(within: "1s"), driver: InProcessDriver(seed: 1))
        #expect(!result.passed)
        #expect(result.failures.first?.reason.contains("needs push channels") == true, "\(result.failures)")
    }
}
