import HandoffEngine
import HandoffWorkload

/// What one virtual widget knows and shows. Sans-IO: updated from replies and poll results,
/// it never calls anything itself, so every driver feeds it the same way.
struct WidgetSession {
    /// Its chat id becomes the assistant's conversation once the widget has chatted.
    var actor: WidgetActor
    /// The conversation with the assistant, once the widget wrote to it.
    var assistantChat: String?
    /// Every handoff this widget created, newest last.
    var handoffs: [HandoffID] = []
    var requestedAt: Timestamp?
    var status: String?
    /// Lines on the widget's screen, in order.
    var screen: [String] = []
    var seen: Set<MessageID> = []
    var lastMessageAt: Timestamp?
    var duplicatesSeen = 0
    var waitRecorded = false
    /// Bumped when polling must stop or restart, invalidating scheduled polls.
    var generation = 0
    var messagesPolling = false
    /// The handoff whose socket is open (WebSocket client model).
    var channelHandoff: HandoffID?

    init(actor: WidgetActor) { self.actor = actor }

    var handoff: HandoffID? { handoffs.last }
    /// The reference widget polls its status (or keeps its socket) while the request is open.
    var isPolling: Bool { ClientModel.widgetPollsStatus(status) }

    mutating func show(_ line: String) { screen.append(line) }

    /// A status poll's result: the status, and the joined / ended line when it changed.
    mutating func apply(_ poll: WidgetStatus) {
        let before = status
        status = poll.status
        if poll.status == "active", before != "active", let name = poll.agentName { show(WidgetScreenTexts.joined(name)) }
        if poll.status == "resolved", before != "resolved" { show(WidgetScreenTexts.agentEnded) }
    }

    /// Messages from a poll or a push: new messages from others appear; repeats are counted,
    /// not shown. User messages are the widget's own (a chat has one visitor): already on screen.
    mutating func apply(_ messages: [ObservedMessage]) -> [ObservedMessage] {
        var fresh: [ObservedMessage] = []
        for m in messages {
            if !seen.insert(m.id).inserted {
                duplicatesSeen += 1
                continue
            }
            if lastMessageAt.map({ m.timestamp > $0 }) ?? true { lastMessageAt = m.timestamp }
            if m.senderType == .user { continue }
            fresh.append(m)
            show(m.content)
        }
        return fresh
    }
}

/// What one virtual agent's browser tab knows and shows.
struct AgentSession {
    let handle: String
    var tabOpen = false
    /// Open chat windows: handoff → lines shown and message ids seen.
    var chats: [HandoffID: ChatWindow] = [:]
    var generation = 0
    /// Its `/api/ws` socket is open (WebSocket client model).
    var channelOpen = false

    struct ChatWindow {
        var lines: [String] = []
        var seen: Set<MessageID> = []
    }

    init(handle: String) { self.handle = handle }

    mutating func apply(_ messages: [ObservedMessage], to handoff: HandoffID) -> [ObservedMessage] {
        var window = chats[handoff] ?? ChatWindow()
        var fresh: [ObservedMessage] = []
        for m in messages {
            if !window.seen.insert(m.id).inserted { continue }
            fresh.append(m)
            window.lines.append(m.content)
        }
        chats[handoff] = window
        return fresh
    }
}
