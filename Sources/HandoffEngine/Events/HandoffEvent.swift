/// Something that happened in the engine, with a snapshot of what it happened to.
///
/// Every command reports the events it caused; stores publish them to subscribers (the
/// WebSocket hub, drivers, metrics) in the order they happened.
public enum HandoffEvent: Hashable, Sendable {
    /// A request joined the pending queue.
    case handoffRequested(Handoff)
    /// A request found nobody to take it, or its after-hours contact form was submitted.
    case afterHoursRecorded(Handoff)
    /// An agent picked up (or was assigned) a pending handoff.
    case handoffPickedUp(Handoff, agent: Agent)
    /// A user, an agent or the system posted a message.
    case messagePosted(Message, tenantID: TenantID)
    /// An active handoff ended.
    case handoffResolved(Handoff)
    /// The user left while still waiting.
    case handoffWithdrawn(Handoff)
    /// An agent's status or capacity changed.
    case agentStatusChanged(Agent)

    /// The tenant whose clients may see this event.
    public var tenantID: TenantID {
        switch self {
        case .handoffRequested(let h), .afterHoursRecorded(let h), .handoffPickedUp(let h, _), .handoffResolved(let h),
            .handoffWithdrawn(let h):
            h.tenantID
        case .messagePosted(_, let tenantID): tenantID
        case .agentStatusChanged(let agent): agent.tenantID
        }
    }
}

/// An event as a store publishes it, numbered in its tenant's sequence: 1, 2, 3… in the order the
/// events took effect, with no gaps and never reused (``HandoffCore/publish(_:)``). Clients that
/// reconnect say the last number they saw and get what they missed (docs/api.md, §10.2).
public struct PublishedEvent: Hashable, Sendable {
    public let sequence: UInt64
    public let event: HandoffEvent

    public init(sequence: UInt64, event: HandoffEvent) {
        self.sequence = sequence
        self.event = event
    }

    public var tenantID: TenantID { event.tenantID }
}
