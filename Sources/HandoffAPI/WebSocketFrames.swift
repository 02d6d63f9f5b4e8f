/// WebSocket frames of docs/api.md: every frame is `{"type": T, "payload": {…}}`.
public enum WebSocketFrame {
    /// Frame types.
    public enum FrameType {
        public static let auth = "auth"
        public static let authSuccess = "auth:success"
        public static let newHandoff = "new_handoff"
        public static let handoffPickedUp = "handoff_picked_up"
        public static let handoffMessage = "handoff_message"
        public static let agentMessage = "agent_message"
        public static let handoffResolved = "handoff_resolved"
        public static let agentStatus = "agent_status"
        /// Widget socket extension: the handoff's status changed.
        public static let handoffStatus = "handoff_status"
        /// Our extension: the events a reconnecting client missed are older than the server
        /// keeps; refetch over HTTP, then carry on from the frame's `seq`.
        public static let resync = "resync"
    }

    /// The client's first frame: `{"type":"auth","token":"<JWT>"}`, with our extension
    /// `lastSeq`: the `seq` of the last frame a reconnecting client saw.
    public struct Auth: Codable, Hashable, Sendable {
        public var type: String
        public var token: String
        public var lastSeq: UInt64?
        public init(token: String, lastSeq: UInt64? = nil) {
            self.type = FrameType.auth
            self.token = token
            self.lastSeq = lastSeq
        }
    }

    /// A frame with a typed payload. `seq` (our extension) is the event's number in its
    /// tenant's sequence; `auth:success` carries the last number at that moment.
    public struct Envelope<Payload: Codable & Hashable & Sendable>: Codable, Hashable, Sendable {
        public var type: String
        public var payload: Payload
        public var seq: UInt64?
        public init(type: String, payload: Payload, seq: UInt64? = nil) {
            self.type = type
            self.payload = payload
            self.seq = seq
        }
    }

    /// `resync`: the number the stream carries on from.
    public struct Resync: Codable, Hashable, Sendable {
        public var seq: UInt64
        public init(seq: UInt64) { self.seq = seq }
    }

    /// Only the type, to decide how to decode the rest.
    public struct Header: Codable, Hashable, Sendable {
        public var type: String
    }

    public struct AuthSuccess: Codable, Hashable, Sendable {
        public var tenantId: String
        public init(tenantId: String) { self.tenantId = tenantId }
    }

    public struct NewHandoff: Codable, Hashable, Sendable {
        public var handoff: HandoffBody
        public init(handoff: HandoffBody) { self.handoff = handoff }
    }

    public struct PickedUp: Codable, Hashable, Sendable {
        public var handoffId: String
        public var agentId: String
        public var agentName: String
        public init(handoffId: String, agentId: String, agentName: String) {
            self.handoffId = handoffId
            self.agentId = agentId
            self.agentName = agentName
        }
    }

    public struct MessagePosted: Codable, Hashable, Sendable {
        public var handoffId: String
        public var message: MessageBody
        public init(handoffId: String, message: MessageBody) {
            self.handoffId = handoffId
            self.message = message
        }
    }

    public struct Resolved: Codable, Hashable, Sendable {
        public var handoffId: String
        /// The agent's id, or `user` when the visitor ended the chat.
        public var resolvedBy: String
        public init(handoffId: String, resolvedBy: String) {
            self.handoffId = handoffId
            self.resolvedBy = resolvedBy
        }
    }

    public struct AgentStatusChanged: Codable, Hashable, Sendable {
        public var agentId: String
        public var status: String
        public init(agentId: String, status: String) {
            self.agentId = agentId
            self.status = status
        }
    }

    /// Widget socket: the handoff's status as the status endpoint would return it.
    public struct HandoffStatusChanged: Codable, Hashable, Sendable {
        public var handoffId: String
        public var status: HandoffStatusResponse
        public init(handoffId: String, status: HandoffStatusResponse) {
            self.handoffId = handoffId
            self.status = status
        }
    }
}
