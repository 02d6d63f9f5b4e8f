/// How the virtual clients learn about changes: what they poll or listen to, and how often.
///
/// ``reference`` is the reference platform's clients (docs/api.md): the widget polls its
/// handoff's status every 2 s and, while active, its messages every 1 s; an agent's open chat
/// polls messages every 1 s and the agent heartbeats every 30 s. Against a live (real-time)
/// target the agent dashboard also polls its queue lists — pending every 2 s, active every 3 s,
/// the full list every 5 s — as traffic; their answers are not checked. A check such as "the
/// widget sees the reply within 2 s" therefore holds only if the service delivers within the
/// polling schedule — exactly what a real widget would experience.
///
/// ``websocket`` replaces the polls by push channels: a widget opens the widget socket after
/// its request, an agent opens `/api/ws` after login, and what they show comes from the frames
/// that arrive (delivery measured from the message's server timestamp to the frame's arrival).
/// Heartbeats stay HTTP. It needs a driver with ``ScenarioDriver/pushChannels``.
public struct ClientModel: Hashable, Sendable {
    /// How clients learn about changes.
    public enum Transport: String, Hashable, Sendable, CaseIterable {
        /// They poll the HTTP endpoints on the model's intervals.
        case polling
        /// They listen on WebSockets; only heartbeats are periodic requests.
        case websocket
    }

    public var name: String
    public var transport: Transport
    public var widgetStatusInterval: Duration
    public var widgetMessagesInterval: Duration
    public var agentMessagesInterval: Duration
    public var heartbeatInterval: Duration
    /// The agent dashboard's queue polls (real-time targets, polling transport only).
    public var queuePendingInterval: Duration
    public var queueActiveInterval: Duration
    public var queueAllInterval: Duration

    public init(name: String, transport: Transport = .polling, widgetStatusInterval: Duration, widgetMessagesInterval: Duration,
                agentMessagesInterval: Duration, heartbeatInterval: Duration, queuePendingInterval: Duration = .seconds(2),
                queueActiveInterval: Duration = .seconds(3), queueAllInterval: Duration = .seconds(5)) {
        self.name = name
        self.transport = transport
        self.widgetStatusInterval = widgetStatusInterval
        self.widgetMessagesInterval = widgetMessagesInterval
        self.agentMessagesInterval = agentMessagesInterval
        self.heartbeatInterval = heartbeatInterval
        self.queuePendingInterval = queuePendingInterval
        self.queueActiveInterval = queueActiveInterval
        self.queueAllInterval = queueAllInterval
    }

    /// The reference platform's polling clients (docs/api.md).
    public static let reference = ClientModel(
        name: "reference", widgetStatusInterval: .seconds(2), widgetMessagesInterval: .seconds(1), agentMessagesInterval: .seconds(1),
        heartbeatInterval: .seconds(30))

    /// Clients that listen on WebSockets instead of polling (heartbeat every 30 s as the reference).
    public static let websocket = ClientModel(
        name: "websocket", transport: .websocket, widgetStatusInterval: .seconds(2), widgetMessagesInterval: .seconds(1),
        agentMessagesInterval: .seconds(1), heartbeatInterval: .seconds(30))

    /// The models `--client` accepts, by name.
    public static let all: [ClientModel] = [.reference, .websocket]

    public static func named(_ name: String) -> ClientModel? { all.first { $0.name == name } }
}

// MARK: - What the reference clients poll, and when

extension ClientModel {
    /// Whether a reference widget polls its handoff's status while the handoff is in `status`
    /// (a wire status string): while the request is open, `pending` or `active`; not before it
    /// has one, after it ended, or after an after-hours answer.
    public static func widgetPollsStatus(_ status: String?) -> Bool { status == "pending" || status == "active" }

    /// Whether a reference widget polls the chat's messages while the handoff is in `status`:
    /// only while an agent has it (`active`).
    public static func widgetPollsMessages(_ status: String?) -> Bool { status == "active" }

    /// When a periodic poll that was due at `tick` runs next, at `now`: one interval later,
    /// skipping the beats a late real-time runner missed (``PeriodicTimer``). Times are whole
    /// milliseconds, so virtual time keeps the grid exactly.
    public static func nextPoll(after tick: Int64, every interval: Duration, now: Int64) -> Int64 {
        let (seconds, attoseconds) = interval.components
        let milliseconds = seconds * 1000 + attoseconds / 1_000_000_000_000_000
        let timer = PeriodicTimer(phase: Double(tick), interval: Double(max(milliseconds, 1)))
        return Int64(timer.tick(after: Double(tick), now: Double(now)))
    }
}
