/// Replies of the wire contract (docs/api.md) whose content is a rule, not a field copy: built
/// here once, so the server's routes and the in-process driver (which must answer exactly as the
/// server does) call the same code. The server only turns them into JSON (ids as text, times as
/// ISO-8601); a live driver decodes the JSON back into them.
///
/// The other rules of that mapping live next to what they map: a handoff state's status string
/// (``HandoffState/wireStatus``), a request's answer (``RequestOutcome/wireStatus`` and
/// ``RequestOutcome/wireMessage``), the texts (``WireTexts``).

/// What the widget's status poll answers (`GET /api/widget/handoff/:handoffId/status`:
/// `{status, agentName, pickedUpAt, resolvedAt}`).
public struct WidgetStatus: Hashable, Sendable {
    /// The wire status: `pending`, `active`, `resolved` or `after-hours`.
    public var status: String
    /// The assigned agent's name; `nil` while nobody is assigned.
    public var agentName: String?
    public var pickedUpAt: Timestamp?
    public var resolvedAt: Timestamp?

    public init(status: String, agentName: String?, pickedUpAt: Timestamp?, resolvedAt: Timestamp?) {
        self.status = status
        self.agentName = agentName
        self.pickedUpAt = pickedUpAt
        self.resolvedAt = resolvedAt
    }

    /// `handoff` as the poll shows it.
    /// - Parameter agentName: the name of the handoff's assignee, which the caller looks up in its
    ///   store (`nil` when the lookup fails: the poll still answers). Ignored while nobody is assigned.
    public init(_ handoff: Handoff, agentName: String?) {
        self.init(
            status: handoff.state.wireStatus, agentName: handoff.assignedAgentID == nil ? nil : agentName,
            pickedUpAt: handoff.pickedUpAt, resolvedAt: handoff.resolvedAt)
    }
}

/// The `{handoffId, status, message}` answer of `POST /api/widget/handoff`.
///
/// A request is answered with its outcome's ``RequestOutcome/wireStatus`` and
/// ``RequestOutcome/wireMessage``; the email form (the same endpoint posted again with
/// `userEmail`) with ``afterHoursReceived(_:)``.
public struct HandoffReply: Hashable, Sendable {
    public var handoffID: HandoffID
    /// `pending` or `after-hours` for a new request; an open handoff's own status otherwise.
    public var status: String
    /// The text the widget shows.
    public var message: String

    public init(handoffID: HandoffID, status: String, message: String) {
        self.handoffID = handoffID
        self.status = status
        self.message = message
    }

    /// The email form's answer for the after-hours record it filled in: the record's status and
    /// the thank-you text.
    public static func afterHoursReceived(_ handoff: Handoff) -> HandoffReply {
        HandoffReply(handoffID: handoff.id, status: handoff.state.wireStatus, message: WireTexts.afterHoursReceived)
    }
}
