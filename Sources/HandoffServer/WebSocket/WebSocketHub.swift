import Foundation
import HandoffEngine
import Logging
import ServiceLifecycle
import Synchronization

/// Fans the store's events out to WebSocket connections: agent sockets get every event of
/// their tenant, widget sockets the messages and status changes of their one handoff.
///
/// One subscription to ``HandoffStore/subscribe()`` is taken when the hub is made (so no
/// event between start-up and the first connection is lost) and read by ``run()``, the hub's
/// `Service` loop, in the store's order; frames are encoded once per event and queued to each
/// connection's outbound stream. Tenants never mix: an event is offered only to the sockets
/// registered under the event's own tenant.
///
/// **Ordering**: the hub runs a little behind the store, so a socket may be offered events
/// that took effect just before it registered. Agent sockets get them (clients treat events as
/// hints to refresh); widget frames carry their place in the handoff's lifecycle
/// (``OutboundFrame/Order``) so the widget socket can drop anything its snapshot already shows.
///
/// **Buffering**: each connection's stream holds at most
/// ``ServerConfiguration/WebSocket/outboundBufferSize`` frames; when a reader falls that far
/// behind, the oldest queued frame is dropped (and counted), the socket stays open. Publishing
/// never waits for a socket.
final class WebSocketHub: Service, Sendable {
    /// A registered connection's outbound frames; ``unregister(_:)`` when the socket ends.
    struct Registration: Sendable {
        let id: Int
        let frames: AsyncStream<OutboundFrame>
    }

    /// One encoded frame, with where it stands in its handoff's history (widget frames only).
    struct OutboundFrame: Sendable {
        enum Order: Sendable {
            /// A status change to a state of this ``WebSocketHub/progress(_:)``.
            case status(progress: Int)
            /// A message with this timestamp (strictly increasing within a handoff).
            case message(Timestamp)
        }

        let text: String
        let order: Order?
    }

    /// How far along the lifecycle a state is; every transition strictly increases it.
    static func progress(_ state: HandoffState) -> Int {
        switch state {
        case .pending: 0
        case .active: 1
        case .resolved, .abandoned, .afterHours: 2
        }
    }

    private struct WidgetGroup {
        var tenant: TenantID
        /// The assigned agent's name, for `handoff_status` frames after the pick-up.
        var agentName: String?
        var sockets: [Int: AsyncStream<OutboundFrame>.Continuation] = [:]
    }

    private struct State {
        var nextID = 0
        var agentSockets: [TenantID: [Int: AsyncStream<OutboundFrame>.Continuation]] = [:]
        var widgetGroups: [HandoffID: WidgetGroup] = [:]
        /// Connection id → where it is registered.
        var index: [Int: (tenant: TenantID, handoff: HandoffID?)] = [:]
        var isShutDown = false
    }

    private let state = Mutex(State())
    private let events: AsyncStream<HandoffEvent>
    private let bufferSize: Int
    private let metrics: ServerMetrics
    private let logger: Logger

    init(store: any HandoffStore, bufferSize: Int, metrics: ServerMetrics, logger: Logger) {
        self.events = store.subscribe()
        self.bufferSize = bufferSize
        self.metrics = metrics
        self.logger = logger
    }

    // MARK: Service

    /// Reads the store's events until graceful shutdown, then ends every connection's stream.
    func run() async {
        for await event in events.cancelOnGracefulShutdown() {
            publish(event)
        }
        let continuations = state.withLock { state in
            state.isShutDown = true
            let all = state.agentSockets.values.flatMap(\.values) + state.widgetGroups.values.flatMap(\.sockets.values)
            state.agentSockets = [:]
            state.widgetGroups = [:]
            state.index = [:]
            return all
        }
        for continuation in continuations { continuation.finish() }
    }

    // MARK: Connections

    /// Registers an authenticated agent socket of `tenant`; events from now on are queued.
    func registerAgent(tenant: TenantID) -> Registration {
        register(tenant: tenant, handoff: nil)
    }

    /// Registers a widget socket following one handoff of `tenant`.
    func registerWidget(tenant: TenantID, handoff: HandoffID) -> Registration {
        register(tenant: tenant, handoff: handoff)
    }

    /// Tells the hub the assigned agent's name of a followed handoff, when a snapshot read
    /// after registering knows it and no pick-up event has (it happened just before).
    func noteAgentName(_ name: String, for handoff: HandoffID) {
        state.withLock { state in
            if state.widgetGroups[handoff]?.agentName == nil { state.widgetGroups[handoff]?.agentName = name }
        }
    }

    func unregister(_ registration: Registration) {
        let continuation = state.withLock { state -> AsyncStream<OutboundFrame>.Continuation? in
            guard let place = state.index.removeValue(forKey: registration.id) else { return nil }
            if let handoff = place.handoff {
                let removed = state.widgetGroups[handoff]?.sockets.removeValue(forKey: registration.id)
                if state.widgetGroups[handoff]?.sockets.isEmpty == true { state.widgetGroups[handoff] = nil }
                return removed
            }
            let removed = state.agentSockets[place.tenant]?.removeValue(forKey: registration.id)
            if state.agentSockets[place.tenant]?.isEmpty == true { state.agentSockets[place.tenant] = nil }
            return removed
        }
        continuation?.finish()
    }

    /// Open connections, agent and widget.
    var connectionCount: Int { state.withLock { $0.index.count } }

    private func register(tenant: TenantID, handoff: HandoffID?) -> Registration {
        let (stream, continuation) = AsyncStream.makeStream(of: OutboundFrame.self, bufferingPolicy: .bufferingNewest(bufferSize))
        let id = state.withLock { state -> Int? in
            guard !state.isShutDown else { return nil }
            let id = state.nextID
            state.nextID += 1
            state.index[id] = (tenant, handoff)
            if let handoff {
                state.widgetGroups[handoff, default: WidgetGroup(tenant: tenant)].sockets[id] = continuation
            } else {
                state.agentSockets[tenant, default: [:]][id] = continuation
            }
            return id
        }
        guard let id else {
            continuation.finish()
            return Registration(id: -1, frames: stream)
        }
        return Registration(id: id, frames: stream)
    }

    // MARK: Fan-out

    /// Offers one event to the sockets that may see it. Synchronous and non-blocking; called
    /// from one task (``run()``), so each socket gets frames in the order of the events.
    ///
    /// Who listens (and the widget group's agent name) is read under the lock; frames are
    /// encoded only if someone listens, and yielded outside the lock.
    func publish(_ event: HandoffEvent) {
        typealias Continuation = AsyncStream<OutboundFrame>.Continuation
        let widgetTarget = Self.widgetTarget(of: event)
        let (agentSockets, widget) = state.withLock { state -> ([Continuation], (sockets: [Continuation], agentName: String?)?) in
            let agents = state.agentSockets[event.tenantID].map { Array($0.values) } ?? []
            guard let (handoffID, change) = widgetTarget, var group = state.widgetGroups[handoffID], group.tenant == event.tenantID,
                !group.sockets.isEmpty
            else { return (agents, nil) }
            if case .status(_, let agentName?) = change {
                group.agentName = agentName
                state.widgetGroups[handoffID] = group
            }
            return (agents, (Array(group.sockets.values), group.agentName))
        }
        guard !agentSockets.isEmpty || widget != nil else { return }
        let agentText = WireMapping.agentFrame(event).flatMap { encode($0) }
        var dropped = 0
        if let agentText {
            let frame = OutboundFrame(text: agentText, order: nil)
            for continuation in agentSockets { dropped += Self.yield(frame, to: continuation) }
        }
        if let widget, let (_, change) = widgetTarget {
            let frame: OutboundFrame?
            switch change {
            case .message(let timestamp):
                frame = agentText.map { OutboundFrame(text: $0, order: .message(timestamp)) }
            case .status(let handoff, _):
                frame = encode(WireMapping.statusFrame(handoff, agentName: widget.agentName)).map {
                    OutboundFrame(text: $0, order: .status(progress: Self.progress(handoff.state)))
                }
            }
            if let frame {
                for continuation in widget.sockets { dropped += Self.yield(frame, to: continuation) }
            }
        }
        for _ in 0..<dropped { metrics.recordDroppedFrame() }
    }

    private enum WidgetChange {
        case message(Timestamp)
        case status(Handoff, agentName: String?)
    }

    /// The handoff a widget socket would follow this event for, and what changed.
    private static func widgetTarget(of event: HandoffEvent) -> (HandoffID, WidgetChange)? {
        switch event {
        case .messagePosted(let message, _): (message.handoffID, .message(message.timestamp))
        case .handoffPickedUp(let h, let agent): (h.id, .status(h, agentName: agent.name))
        case .handoffResolved(let h), .handoffWithdrawn(let h), .afterHoursRecorded(let h): (h.id, .status(h, agentName: nil))
        case .handoffRequested, .agentStatusChanged: nil
        }
    }

    /// Queues a frame; 1 when the buffer was full and the oldest frame was dropped.
    private static func yield(_ frame: OutboundFrame, to continuation: AsyncStream<OutboundFrame>.Continuation) -> Int {
        if case .dropped = continuation.yield(frame) { return 1 }
        return 0
    }

    private func encode(_ frame: any Encodable) -> String? {
        do {
            return String(decoding: try JSONResponse.encode(frame), as: UTF8.self)
        } catch {
            logger.error("Could not encode a WebSocket frame", metadata: ["error": "\(error)"])
            return nil
        }
    }
}
