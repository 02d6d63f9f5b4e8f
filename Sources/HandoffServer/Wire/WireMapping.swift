import Foundation
import HandoffAPI
import HandoffEngine

/// Engine ⇄ wire: every conversion between engine values and the HandoffAPI DTOs, in one file.
///
/// Where a reply's content is a rule — status strings, reply texts, the status poll's agent name,
/// the dashboard numbers — the engine computes it (``HandoffState/wireStatus``,
/// ``RequestOutcome/wireStatus``, ``RequestOutcome/wireMessage``, ``HandoffReply``,
/// ``WidgetStatus``, ``TenantMetrics``) and the in-process driver answers from the same values;
/// this file only changes their representation.
///
/// Times become ISO-8601 UTC with milliseconds (``Timestamp/iso8601``); ids their lowercase
/// UUID text; handoff states the contract's status strings (``HandoffState/wireStatus``:
/// `pending`, `active`, `resolved` — an abandoned request reads `resolved` — and `after-hours`).
enum WireMapping {
    // MARK: Engine → wire

    static func handoff(_ h: Handoff) -> HandoffBody {
        HandoffBody(
            id: h.id.description, tenantId: h.tenantID.description, chatId: h.chatID.rawValue, status: h.state.wireStatus,
            requestedAt: h.requestedAt.iso8601, pickedUpAt: h.pickedUpAt?.iso8601, resolvedAt: h.resolvedAt?.iso8601,
            assignedAgentId: h.assignedAgentID?.description, userEmail: h.userEmail, userMessage: h.userMessage,
            conversationHistory: h.conversationHistory.map { ChatTurnBody(role: $0.role, content: $0.content) },
            lastUserMessage: h.lastUserMessage, metadata: h.metadata)
    }

    static func message(_ m: Message) -> MessageBody {
        MessageBody(
            id: m.id.description, handoffId: m.handoffID.description, senderType: m.senderType.rawValue,
            senderId: m.senderID?.description, content: m.content, timestamp: m.timestamp.iso8601)
    }

    /// The widget's message poll: ``message(_:)``'s `MessagesResponse`, written straight from
    /// the engine's values (no `MessageBody` of `String`s per message; `JSONWriterTests` checks
    /// it writes what the mapping encodes).
    struct MessageList: JSONWritable {
        let messages: [Message]

        func encode(to encoder: any Encoder) throws {
            try MessagesResponse(messages: messages.map(WireMapping.message)).encode(to: encoder)
        }

        /// Ids, type and timestamp come to about 200 bytes a message; the content varies.
        var jsonSizeEstimate: Int { 16 + messages.count * 256 }

        func write(to writer: inout JSONWriter) {
            writer.object { w in
                w.key("messages")
                w.array(messages) { w, m in
                    w.object { w in
                        w.member(Keys.id, unescaped: m.id.appendText)
                        w.member(Keys.handoffId, unescaped: m.handoffID.appendText)
                        w.member(Keys.senderType, m.senderType.rawValue)
                        if let sender = m.senderID { w.member(Keys.senderId, unescaped: sender.appendText) }
                        w.member(Keys.content, m.content)
                        w.member(Keys.timestamp, unescaped: m.timestamp.appendISO8601)
                    }
                }
            }
        }

        private enum Keys {
            static let id = JSONWriter.Key("id")
            static let handoffId = JSONWriter.Key("handoffId")
            static let senderType = JSONWriter.Key("senderType")
            static let senderId = JSONWriter.Key("senderId")
            static let content = JSONWriter.Key("content")
            static let timestamp = JSONWriter.Key("timestamp")
        }
    }

    static func agent(_ a: Agent) -> AgentBody {
        AgentBody(
            id: a.id.description, tenantId: a.tenantID.description, name: a.name, email: a.email, status: a.status.rawValue,
            activeChats: a.activeChats, maxChats: a.maxChats, createdAt: a.createdAt.iso8601, lastSeen: a.lastSeen.iso8601)
    }

    static func user(_ u: User) -> UserBody {
        UserBody(
            id: u.id.description, email: u.email, firstName: u.firstName, lastName: u.lastName, role: u.role.rawValue,
            tenantId: u.tenantID?.description, isPlatformAdmin: u.isPlatformAdmin)
    }

    static func widgetInit(_ t: Tenant) -> WidgetInitResponse {
        WidgetInitResponse(
            tenantId: t.id.description, greeting: t.greeting, primaryColor: t.primaryColor, textColor: t.textColor,
            borderRadius: t.borderRadius, position: t.position)
    }

    /// The request endpoint's answer: the status and the text the widget shows. A request that
    /// automatic routing assigned at once still answers `pending` (``RequestOutcome/wireStatus``:
    /// the contract's clients know only `pending` and `after-hours` here); its status poll says
    /// `active` at once.
    static func created(_ outcome: RequestOutcome) -> HandoffCreatedResponse {
        HandoffCreatedResponse(handoffId: outcome.handoff.id.description, status: outcome.wireStatus, message: outcome.wireMessage)
    }

    /// The after-hours form's answer (``HandoffReply/afterHoursReceived(_:)``).
    static func afterHoursReceived(_ h: Handoff) -> HandoffCreatedResponse {
        reply(HandoffReply.afterHoursReceived(h))
    }

    static func reply(_ r: HandoffReply) -> HandoffCreatedResponse {
        HandoffCreatedResponse(handoffId: r.handoffID.description, status: r.status, message: r.message)
    }

    /// The widget's status poll (``WidgetStatus/init(_:agentName:)``); `agentName` is the
    /// assignee's, looked up by the caller.
    static func status(_ h: Handoff, agentName: String?) -> HandoffStatusResponse {
        status(WidgetStatus(h, agentName: agentName))
    }

    static func status(_ s: WidgetStatus) -> HandoffStatusResponse {
        HandoffStatusResponse(status: s.status, agentName: s.agentName, pickedUpAt: s.pickedUpAt?.iso8601, resolvedAt: s.resolvedAt?.iso8601)
    }

    /// A chat's history; `handoffStatus` is the status poll's word for the handoff, or `none`.
    static func history(_ h: ChatHistory) -> ChatHistoryResponse {
        ChatHistoryResponse(
            chatId: h.chatID.rawValue, handoffId: h.handoff?.id.description,
            handoffStatus: h.handoff.map { WidgetStatus($0, agentName: nil).status } ?? "none",
            messages: h.lines.map { ChatHistoryMessage(id: $0.id.description, role: $0.role.rawValue, content: $0.content, timestamp: $0.timestamp.iso8601) })
    }

    static func dashboard(_ m: TenantMetrics) -> DashboardMetricsBody {
        DashboardMetricsBody(
            requestsInWindow: m.requestsInWindow, totalRequests: m.totalRequests, pickedUp: m.pickedUp, resolved: m.resolved,
            abandoned: m.abandoned, afterHours: m.afterHours, pending: m.pending, active: m.active,
            averageWaitMilliseconds: m.averageWaitMilliseconds, waitP50Milliseconds: m.waitP50Milliseconds,
            waitP90Milliseconds: m.waitP90Milliseconds, waitP99Milliseconds: m.waitP99Milliseconds,
            agents: m.agents.map {
                AgentMetricsBody(
                    agentId: $0.agentID.description, name: $0.name, totalChats: $0.totalChats, activeChats: $0.activeChats,
                    averageChatMilliseconds: $0.averageChatMilliseconds)
            })
    }

    /// `resolvedBy` of the `handoff_resolved` frame: the agent's id, or `user`.
    static func resolver(_ h: Handoff) -> String {
        switch h.resolvedBy {
        case .agent(let id): id.description
        case .user, nil: "user"
        }
    }

    // MARK: Wire → engine

    static func request(_ body: HandoffRequestBody) -> HandoffRequest {
        HandoffRequest(
            chatID: chat(body.chatId), conversationHistory: (body.conversationHistory ?? []).map { ChatTurn(role: $0.role, content: $0.content) },
            lastUserMessage: body.lastUserMessage)
    }

    /// The widget's chat id (the engine checks it is non-empty and at most 256 bytes).
    static func chat(_ text: String) -> ChatID { ChatID(text) }

    /// A new agent of `tenant` with a fresh id; `status` already parsed (default `offline`).
    static func newAgent(_ body: CreateAgentRequest, tenant: TenantID, status: AgentStatus?) -> NewAgent {
        NewAgent(
            id: AgentID(uuid: UUID()), tenantID: tenant, name: body.name, email: body.email, status: status ?? .offline,
            maxChats: body.maxChats)
    }

    // MARK: WebSocket frames

    /// The agent-socket frame of an event, or `nil` when agents are not told about it
    /// (an after-hours record goes to history, not to the queue).
    static func agentFrame(_ event: HandoffEvent, seq: UInt64? = nil) -> (any Encodable & Sendable)? {
        typealias F = WebSocketFrame
        switch event {
        case .handoffRequested(let h):
            return F.Envelope(type: F.FrameType.newHandoff, payload: F.NewHandoff(handoff: handoff(h)), seq: seq)
        case .handoffPickedUp(let h, let agent):
            return F.Envelope(
                type: F.FrameType.handoffPickedUp,
                payload: F.PickedUp(handoffId: h.id.description, agentId: agent.id.description, agentName: agent.name), seq: seq)
        case .messagePosted(let m, _):
            return F.Envelope(type: messageFrameType(m), payload: F.MessagePosted(handoffId: m.handoffID.description, message: message(m)), seq: seq)
        case .handoffResolved(let h), .handoffWithdrawn(let h):
            // A withdrawn request leaves the queue the same way a resolved chat leaves the list.
            return F.Envelope(
                type: F.FrameType.handoffResolved, payload: F.Resolved(handoffId: h.id.description, resolvedBy: resolver(h)), seq: seq)
        case .agentStatusChanged(let a):
            return F.Envelope(
                type: F.FrameType.agentStatus, payload: F.AgentStatusChanged(agentId: a.id.description, status: a.status.rawValue), seq: seq)
        case .afterHoursRecorded:
            return nil
        }
    }

    /// `agent_message` for an agent's message, `handoff_message` for the user's and the system's.
    static func messageFrameType(_ m: Message) -> String {
        m.senderType == .agent ? WebSocketFrame.FrameType.agentMessage : WebSocketFrame.FrameType.handoffMessage
    }

    static func statusFrame(_ h: Handoff, agentName: String?, seq: UInt64? = nil) -> WebSocketFrame.Envelope<WebSocketFrame.HandoffStatusChanged> {
        WebSocketFrame.Envelope(
            type: WebSocketFrame.FrameType.handoffStatus,
            payload: WebSocketFrame.HandoffStatusChanged(handoffId: h.id.description, status: status(h, agentName: agentName)), seq: seq)
    }

    static func resyncFrame(seq: UInt64) -> WebSocketFrame.Envelope<WebSocketFrame.Resync> {
        WebSocketFrame.Envelope(type: WebSocketFrame.FrameType.resync, payload: WebSocketFrame.Resync(seq: seq), seq: seq)
    }
}
