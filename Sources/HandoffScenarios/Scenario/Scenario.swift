import HandoffEngine
import HandoffWorkload

/// A verification scenario: fixtures, the virtual widgets that act in it, and the steps to run
/// in order. Immutable and validated: runners never see raw YAML, and every reference in a
/// step names a widget, agent, user or tenant that exists.
public struct Scenario: Hashable, Sendable {
    public var name: String
    public var description: String
    /// The file it came from, as given on the command line.
    public var file: String
    public var fixtures: Fixtures
    public var widgets: [WidgetActor]
    public var steps: [Step]

    public init(name: String, description: String = "", file: String, fixtures: Fixtures, widgets: [WidgetActor], steps: [Step]) {
        self.name = name
        self.description = description
        self.file = file
        self.fixtures = fixtures
        self.widgets = widgets
        self.steps = steps
    }

    public func widget(_ handle: String) -> WidgetActor? { widgets.first { $0.handle == handle } }
}

/// A virtual chat widget on a customer's page: one visitor, one chat.
public struct WidgetActor: Hashable, Sendable {
    public var handle: String
    /// The fixture tenant and the handle of the API key it embeds.
    public var tenant: String
    public var apiKey: String
    /// The widget's chat id. Default: `chat-<handle>`.
    public var chatID: String
    /// The page the widget runs on (`referrer`); `nil` sends none.
    public var referrer: String?

    public init(handle: String, tenant: String, apiKey: String, chatID: String? = nil, referrer: String? = nil) {
        self.handle = handle
        self.tenant = tenant
        self.apiKey = apiKey
        self.chatID = chatID ?? "chat-\(handle)"
        self.referrer = referrer
    }
}

/// One step of a scenario: an action (with the result it expects) or a check.
public struct Step: Hashable, Sendable {
    /// 1-based position in the scenario.
    public var index: Int
    public var location: SourceLocation
    /// Short text naming the step in results: `pickUp ann → visitor`.
    public var label: String
    public var kind: Kind

    public init(index: Int, location: SourceLocation, label: String, kind: Kind) {
        self.index = index
        self.location = location
        self.label = label
        self.kind = kind
    }

    public enum Kind: Hashable, Sendable {
        /// Do one thing; check its result.
        case act(Action, expect: ResultExpectation)
        /// Do several things at the same instant, concurrently; check how many won.
        case race([Action], expect: RaceExpectation)
        /// Let time pass (virtual time in-process: costs nothing).
        case wait(Duration)
        /// Check that something holds now, or becomes true within `within`.
        case check(Check, within: Duration)
    }

    /// "step 4 (pickUp ann → visitor) at scenarios/02-queue.yaml:23:5".
    public var reference: String { "step \(index) (\(label)) at \(location)" }
}

/// Something a widget, an agent or an administrator does.
public enum Action: Hashable, Sendable {
    // Widget (visitor) actions.
    /// The visitor writes to the tenant's scripted assistant (`POST /api/widget/chat`).
    case chat(widget: String, message: String)
    case requestHandoff(widget: String, history: [ChatTurn], lastUserMessage: String?)
    case submitEmail(widget: String, email: String, message: String?)
    case widgetSend(widget: String, text: String)
    case endChat(widget: String)
    // Agent actions.
    case login(agent: String)
    case logout(agent: String)
    case heartbeat(agent: String)
    case setStatus(agent: String, status: AgentStatus)
    /// The agent's browser tab closes: its client stops heartbeating and polling (no logout).
    case closeTab(agent: String)
    case pickUp(agent: String, widget: String)
    case agentSend(agent: String, widget: String, text: String)
    case resolve(agent: String, widget: String)
    // Administrator actions.
    case assign(admin: String, widget: String, agent: String)
    /// A `client_admin` account switches its tenant's routing (`PUT /api/tenant/routing`).
    case setRouting(admin: String, routing: Tenant.Routing)

    /// Who acts: the widget, agent or user handle.
    public var actor: String {
        switch self {
        case .chat(let w, _), .requestHandoff(let w, _, _), .submitEmail(let w, _, _), .widgetSend(let w, _), .endChat(let w): w
        case .login(let a), .logout(let a), .heartbeat(let a), .setStatus(let a, _), .closeTab(let a), .pickUp(let a, _),
            .agentSend(let a, _, _), .resolve(let a, _):
            a
        case .assign(let admin, _, _), .setRouting(let admin, _): admin
        }
    }
}

/// What an action's result must be. Default: it succeeds.
public struct ResultExpectation: Hashable, Sendable {
    /// The error text the client must get (e.g. "Handoff is not available"); `nil`: success.
    public var error: String?
    /// For a handoff request: `pending` or `after-hours`.
    public var status: String?
    /// A text the widget must show as a result (e.g. "An agent will be with you shortly...").
    public var text: String?
    /// For a chat step: the assistant's replies, exactly and in order.
    public var replies: [String]?

    public init(error: String? = nil, status: String? = nil, text: String? = nil, replies: [String]? = nil) {
        self.error = error
        self.status = status
        self.text = text
        self.replies = replies
    }

    public static let success = ResultExpectation()
}

/// How a race must end. `nil` fields are not checked.
public struct RaceExpectation: Hashable, Sendable {
    public var succeeded: Int?
    public var failed: Int?
    /// Error text → how many got it.
    public var errors: [String: Int]

    public init(succeeded: Int? = nil, failed: Int? = nil, errors: [String: Int] = [:]) {
        self.succeeded = succeeded
        self.failed = failed
        self.errors = errors
    }
}

/// A condition on what clients see or what the service holds.
public enum Check: Hashable, Sendable {
    /// The widget's screen shows `text` (rendered from what its polls returned).
    case widgetSees(widget: String, text: String)
    /// The widget's screen does not show `text`.
    case widgetDoesNotSee(widget: String, text: String)
    /// The agent's chat window for the widget's handoff shows `text` (a message).
    case agentSees(agent: String, widget: String, text: String)
    /// The tenant's pending queue, oldest first, as the agent dashboard lists it.
    case queue(tenant: String, QueueExpectation)
    case handoff(widget: String, HandoffExpectation)
    case agent(agent: String, AgentExpectation)
    /// The tenant's history (closed handoffs, most recent first).
    case history(tenant: String, HistoryExpectation)
    /// Dashboard metrics of the tenant: name → expected value (see ``MetricName``).
    case metrics(tenant: String, [MetricName: Double])
}

public struct QueueExpectation: Hashable, Sendable {
    /// Exactly these widgets' handoffs, in this order (oldest first); `nil`: not checked.
    public var order: [String]?
    public var count: Int?
    /// Rows that must appear with these fields.
    public var rows: [QueueRow]

    public init(order: [String]? = nil, count: Int? = nil, rows: [QueueRow] = []) {
        self.order = order
        self.count = count
        self.rows = rows
    }

    public struct QueueRow: Hashable, Sendable {
        public var widget: String
        public var lastMessage: String?
        public var status: String?

        public init(widget: String, lastMessage: String? = nil, status: String? = nil) {
            self.widget = widget
            self.lastMessage = lastMessage
            self.status = status
        }
    }
}

public struct HandoffExpectation: Hashable, Sendable {
    /// Wire status: `pending`, `active`, `resolved`, `after-hours`.
    public var status: String?
    public var assignedTo: String?
    public var email: String?
    public var userMessage: String?
    /// The AI conversation shown to the agent.
    public var history: [ChatTurn]?
    /// Number of chat messages (user, agent and system).
    public var messageCount: Int?

    public init(status: String? = nil, assignedTo: String? = nil, email: String? = nil, userMessage: String? = nil,
                history: [ChatTurn]? = nil, messageCount: Int? = nil) {
        self.status = status
        self.assignedTo = assignedTo
        self.email = email
        self.userMessage = userMessage
        self.history = history
        self.messageCount = messageCount
    }
}

public struct AgentExpectation: Hashable, Sendable {
    public var status: AgentStatus?
    public var activeChats: Int?
    /// Listed among the tenant's available agents (`available` with a free slot).
    public var available: Bool?

    public init(status: AgentStatus? = nil, activeChats: Int? = nil, available: Bool? = nil) {
        self.status = status
        self.activeChats = activeChats
        self.available = available
    }
}

public struct HistoryExpectation: Hashable, Sendable {
    /// These widgets' handoffs appear in history.
    public var contains: [String]
    /// These do not.
    public var excludes: [String]
    /// The most recent entry is this widget's.
    public var first: String?

    public init(contains: [String] = [], excludes: [String] = [], first: String? = nil) {
        self.contains = contains
        self.excludes = excludes
        self.first = first
    }
}

/// Dashboard metrics a scenario can check.
public enum MetricName: String, Hashable, Sendable, CaseIterable, Codable {
    case requestsLast24h, totalRequests, pickedUp, resolved, abandoned, afterHours, pending, active
    case averageWaitSeconds
}
