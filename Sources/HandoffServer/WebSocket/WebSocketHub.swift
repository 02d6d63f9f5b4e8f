import DequeModule
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
/// **Sequence numbers and replay**: every frame of an event carries the event's number in its
/// tenant's sequence (`seq`). The hub keeps the last ``ServerConfiguration/WebSocket/replayBufferSize``
/// events of each tenant; a socket that registers with the last number its client saw
/// (``Resume/after(_:)``) first gets, in order, every frame it missed since, and then the live
/// ones — replay and registration happen under the lock ``publish(_:)`` takes, so no event is
/// skipped or delivered twice. When the gap reaches past what is kept (or the number is not one
/// this server gave, e.g. after a restart), the socket gets one `resync` frame instead, carrying
/// the number the live stream continues from: its client refetches over HTTP.
///
/// **Ordering**: the hub runs a little behind the store, so a socket may be offered events
/// that took effect just before it registered. Agent sockets get them (clients treat events as
/// hints to refresh); widget frames carry their place in the handoff's lifecycle
/// (``OutboundFrame/Order``) so a widget socket that starts from a snapshot can drop anything
/// its snapshot already shows.
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
        /// What the socket is caught up to before the frames in `frames`: the tenant's last
        /// event number the hub had seen at registration (0: none yet), or — for a resume —
        /// the number the client gave (the replay in `frames` carries it further).
        let latestSequence: UInt64
    }

    /// Where a registering socket starts.
    enum Resume: Sendable, Equatable {
        /// From now on.
        case live
        /// After the event with this number: first the missed frames (or a `resync`).
        case after(UInt64)
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

    private typealias Continuation = AsyncStream<OutboundFrame>.Continuation

    /// An event as the hub keeps it for replay: with the assignee's name at that moment, for
    /// the widget's status frame.
    private struct Kept: Sendable {
        let published: PublishedEvent
        let agentName: String?
    }

    /// A tenant's recent events, oldest first, and the number of the newest one seen.
    private struct Recent {
        var events: Deque<Kept> = []
        var latest: UInt64 = 0
    }

    private struct State {
        var nextID = 0
        var agentSockets: [TenantID: [Int: Continuation]] = [:]
        var widgetSockets: [HandoffID: (tenant: TenantID, sockets: [Int: Continuation])] = [:]
        /// Connection id → where it is registered.
        var index: [Int: (tenant: TenantID, handoff: HandoffID?)] = [:]
        var recent: [TenantID: Recent] = [:]
        /// Agents' names, from the events that carry an agent (for widget status frames).
        var agentNames: [AgentID: String] = [:]
        var isShutDown = false
    }

    private let state = Mutex(State())
    private let events: AsyncStream<PublishedEvent>
    private let bufferSize: Int
    private let replayCapacity: Int
    private let metrics: ServerMetrics
    private let logger: Logger

    init(store: any HandoffStore, bufferSize: Int, replayCapacity: Int, metrics: ServerMetrics, logger: Logger) {
        self.events = store.subscribe()
        self.bufferSize = bufferSize
        self.replayCapacity = replayCapacity
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
            let all = state.agentSockets.values.flatMap(\.values) + state.widgetSockets.values.flatMap(\.sockets.values)
            state.agentSockets = [:]
            state.widgetSockets = [:]
            state.index = [:]
            return all
        }
        for continuation in continuations { continuation.finish() }
    }

    // MARK: Connections

    /// Registers an authenticated agent socket of `tenant`.
    func registerAgent(tenant: TenantID, resume: Resume = .live) -> Registration {
        register(tenant: tenant, handoff: nil, resume: resume)
    }

    /// Registers a widget socket following one handoff of `tenant`.
    func registerWidget(tenant: TenantID, handoff: HandoffID, resume: Resume = .live) -> Registration {
        register(tenant: tenant, handoff: handoff, resume: resume)
    }

    /// Tells the hub an agent's name, when a snapshot read after registering knows an
    /// assignee that no event has named yet (it was picked up before the hub started).
    func noteAgentName(_ name: String, for agent: AgentID) {
        state.withLock { state in
            if state.agentNames[agent] == nil { state.agentNames[agent] = name }
        }
    }

    func unregister(_ registration: Registration) {
        let continuation = state.withLock { state -> Continuation? in
            guard let place = state.index.removeValue(forKey: registration.id) else { return nil }
            if let handoff = place.handoff {
                let removed = state.widgetSockets[handoff]?.sockets.removeValue(forKey: registration.id)
                if state.widgetSockets[handoff]?.sockets.isEmpty == true { state.widgetSockets[handoff] = nil }
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

    private func register(tenant: TenantID, handoff: HandoffID?, resume: Resume) -> Registration {
        let (stream, continuation) = AsyncStream.makeStream(of: OutboundFrame.self, bufferingPolicy: .bufferingNewest(bufferSize))
        let registered = state.withLock { state -> (id: Int, latest: UInt64)? in
            guard !state.isShutDown else { return nil }
            let id = state.nextID
            state.nextID += 1
            let recent = state.recent[tenant] ?? Recent()
            var caughtUp = recent.latest
            if case .after(let seen) = resume {
                // Queued before the socket joins the fan-out, under the lock publish() takes:
                // the missed frames come first, each once, and the live ones follow.
                let (frames, replayed) = replay(after: seen, of: recent, handoff: handoff)
                for frame in frames { continuation.yield(frame) }
                if replayed { caughtUp = seen }
            }
            state.index[id] = (tenant, handoff)
            if let handoff {
                state.widgetSockets[handoff, default: (tenant, [:])].sockets[id] = continuation
            } else {
                state.agentSockets[tenant, default: [:]][id] = continuation
            }
            return (id, caughtUp)
        }
        guard let registered else {
            continuation.finish()
            return Registration(id: -1, frames: stream, latestSequence: 0)
        }
        return Registration(id: registered.id, frames: stream, latestSequence: registered.latest)
    }

    /// The frames a socket missed after event `seen` (`replayed`), or one `resync` frame when
    /// they are not all kept, or would take more than half the socket's buffer (live frames
    /// arriving behind them must not push them out).
    private func replay(after seen: UInt64, of recent: Recent, handoff: HandoffID?) -> (frames: [OutboundFrame], replayed: Bool) {
        let oldest = recent.events.first?.published.sequence ?? recent.latest + 1
        guard seen <= recent.latest, seen + 1 >= oldest else { return (resync(recent.latest), false) }
        var frames: [OutboundFrame] = []
        for kept in recent.events where kept.published.sequence > seen {
            if let frame = self.frame(for: kept, handoff: handoff) { frames.append(frame) }
        }
        guard frames.count <= bufferSize / 2 else { return (resync(recent.latest), false) }
        return (frames, true)
    }

    private func resync(_ latest: UInt64) -> [OutboundFrame] {
        encode(WireMapping.resyncFrame(seq: latest)).map { [OutboundFrame(text: $0, order: nil)] } ?? []
    }

    // MARK: Fan-out

    /// Offers one event to the sockets that may see it, and keeps it for replay. Synchronous
    /// and non-blocking; called from one task (``run()``), so each socket gets frames in the
    /// order of the events.
    ///
    /// Who listens is read under the lock; frames are encoded only if someone listens, and
    /// yielded outside the lock.
    func publish(_ published: PublishedEvent) {
        let event = published.event
        let tenant = published.tenantID
        let widgetHandoff = Self.widgetHandoff(of: event)
        let (kept, agentSockets, widgetSockets) = state.withLock { state -> (Kept, [Continuation], [Continuation]) in
            switch event {
            case .handoffPickedUp(_, let agent), .agentStatusChanged(let agent): state.agentNames[agent.id] = agent.name
            default: break
            }
            let kept = Kept(published: published, agentName: Self.assignee(of: event).flatMap { state.agentNames[$0] })
            // In place: a copy out of the dictionary would copy the whole buffer per event.
            state.recent[tenant, default: Recent()].events.append(kept)
            if state.recent[tenant]!.events.count > replayCapacity { state.recent[tenant]!.events.removeFirst() }
            state.recent[tenant]!.latest = published.sequence
            let agents = state.agentSockets[tenant].map { Array($0.values) } ?? []
            var widgets: [Continuation] = []
            if let widgetHandoff, let group = state.widgetSockets[widgetHandoff], group.tenant == tenant {
                widgets = Array(group.sockets.values)
            }
            return (kept, agents, widgets)
        }
        var dropped = 0
        if !agentSockets.isEmpty, let frame = frame(for: kept, handoff: nil) {
            for continuation in agentSockets { dropped += Self.yield(frame, to: continuation) }
        }
        if let widgetHandoff, !widgetSockets.isEmpty, let frame = frame(for: kept, handoff: widgetHandoff) {
            for continuation in widgetSockets { dropped += Self.yield(frame, to: continuation) }
        }
        for _ in 0..<dropped { metrics.recordDroppedFrame() }
    }

    /// The frame of a kept event for an agent socket (`handoff` nil) or for a widget socket of
    /// `handoff`; `nil` when that socket is not told about it.
    private func frame(for kept: Kept, handoff: HandoffID?) -> OutboundFrame? {
        let event = kept.published.event
        let seq = kept.published.sequence
        guard let handoff else {
            return WireMapping.agentFrame(event, seq: seq).flatMap { encode($0) }.map { OutboundFrame(text: $0, order: nil) }
        }
        guard Self.widgetHandoff(of: event) == handoff else { return nil }
        switch event {
        case .messagePosted(let message, _):
            return WireMapping.agentFrame(event, seq: seq).flatMap { encode($0) }.map { OutboundFrame(text: $0, order: .message(message.timestamp)) }
        case .handoffPickedUp(let h, _), .handoffResolved(let h), .handoffWithdrawn(let h), .afterHoursRecorded(let h):
            return encode(WireMapping.statusFrame(h, agentName: kept.agentName, seq: seq)).map {
                OutboundFrame(text: $0, order: .status(progress: Self.progress(h.state)))
            }
        case .handoffRequested, .agentStatusChanged:
            return nil
        }
    }

    /// The handoff a widget socket would follow this event for.
    private static func widgetHandoff(of event: HandoffEvent) -> HandoffID? {
        switch event {
        case .messagePosted(let message, _): message.handoffID
        case .handoffPickedUp(let h, _), .handoffResolved(let h), .handoffWithdrawn(let h), .afterHoursRecorded(let h): h.id
        case .handoffRequested, .agentStatusChanged: nil
        }
    }

    /// The assigned agent of the handoff a status event is about.
    private static func assignee(of event: HandoffEvent) -> AgentID? {
        switch event {
        case .handoffPickedUp(_, let agent): agent.id
        case .handoffResolved(let h), .handoffWithdrawn(let h), .afterHoursRecorded(let h): h.assignedAgentID
        case .messagePosted, .handoffRequested, .agentStatusChanged: nil
        }
    }

    /// Queues a frame; 1 when the buffer was full and the oldest frame was dropped.
    private static func yield(_ frame: OutboundFrame, to continuation: Continuation) -> Int {
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
