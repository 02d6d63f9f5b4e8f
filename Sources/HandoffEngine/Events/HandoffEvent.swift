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
