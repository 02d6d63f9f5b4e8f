import HandoffClient
import HandoffEngine

/// Server push channels a driver can open for the virtual clients (the WebSocket client model).
///
/// The runner decides when a client opens or closes its channel (a widget after its request, an
/// agent after login) and applies what arrives; the driver only carries the frames. Received
/// pushes are buffered with their receive time, so a delivery latency is measured from the
/// message's server timestamp to the moment the frame arrived, however late the runner gets
/// to it.
public protocol PushChannels: Sendable {
    /// Opens the widget socket for one handoff; returns once the server accepted it.
    func openWidgetChannel(_ widget: WidgetActor, handoff: HandoffID) async throws(RequestFailure)
    func closeWidgetChannel(_ widget: String) async
    /// Opens the agent socket and authenticates it with the agent's token; returns after
    /// `auth:success`.
    func openAgentChannel(agent: String) async throws(RequestFailure)
    func closeAgentChannel(agent: String) async
    /// Every push received since the last call, in the order received.
    func drain() -> [ReceivedPush]
    /// Suspends until a push is waiting to be drained or the clock reaches `deadline`.
    func waitForPush(until deadline: Timestamp) async
}

/// One frame a client received.
public struct ReceivedPush: Hashable, Sendable {
    public enum Receiver: Hashable, Sendable {
        case widget(String)
        case agent(String)
    }

    public var receiver: Receiver
    /// When the frame arrived (the driver's clock).
    public var receivedAt: Timestamp
    public var event: PushEvent

    public init(receiver: Receiver, receivedAt: Timestamp, event: PushEvent) {
        self.receiver = receiver
        self.receivedAt = receivedAt
        self.event = event
    }
}

/// What a push said (docs/api.md and the widget socket extension).
public enum PushEvent: Hashable, Sendable {
    /// Widget socket: the handoff's status, as the status endpoint would return it.
    case handoffStatus(HandoffID, WidgetStatus)
    /// `handoff_message` / `agent_message`.
    case message(ObservedMessage)
    case newHandoff(ObservedHandoff)
    case pickedUp(HandoffID, agentName: String)
    case resolved(HandoffID)
    case agentStatus(AgentID?, String)
    /// The server closed the channel without the client asking.
    case closed(String)
    /// A frame the client could not read (the text says why).
    case unreadable(String)
    /// A frame of a type this client does not know.
    case other(String)
}
