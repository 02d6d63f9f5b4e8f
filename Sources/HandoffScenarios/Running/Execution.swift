import HandoffClient
import HandoffEngine
import HandoffMeasurement
import HandoffWorkload

/// The mutable state of one scenario run. Used by one task only (race steps hand the driver,
/// not this, to their child tasks).
///
/// What the clients know lives in the sessions; what they do next lives in the schedule
/// (polls, heartbeats) and in ``effects`` (channels to open or close, chats to catch up on):
/// applying a reply or a push only records decisions, and ``flushEffects()`` carries them out.
final class Execution<Driver: ScenarioDriver> {
    let scenario: Scenario
    let driver: Driver
    let model: ClientModel
    var widgets: [String: WidgetSession] = [:]
    var agents: [String: AgentSession] = [:]
    var owners: [HandoffID: String] = [:]
    /// Where each handoff stands after the scenario's own successful commands (request, pick-up
    /// or assignment, resolve, end chat): how an end chat whose reply does not say what it did
    /// is counted, without guessing from a widget's possibly stale poll.
    var phases: [HandoffID: HandoffPhase] = [:]
    enum HandoffPhase { case pending, active, closed }
    /// Each fixture tenant's routing as the scenario's own commands left it (the fixtures'
    /// `routing`, then every successful `setRouting`): what ``observeRouting()`` checks.
    var routing: [String: Tenant.Routing] = [:]
    var schedule = ClientSchedule()
    var counts = ScenarioResult.Counts()
    var metrics = MetricSet()
    var startedAt: Timestamp
    /// Client decisions waiting to be carried out, in order.
    var effects: [ClientEffect] = []
    /// What the push channels told us that is not a check's business (unexpected closes, unreadable frames).
    var channelFindings: [String] = []

    /// Something a client does that needs the driver but no step: opening or closing its push
    /// channel, or catching up on a chat it just opened.
    enum ClientEffect: Hashable {
        case openWidgetChannel(String)
        case closeWidgetChannel(String)
        case openAgentChannel(String)
        case closeAgentChannel(String)
        case catchUp(agent: String, handoff: HandoffID)
    }

    init(scenario: Scenario, driver: Driver, model: ClientModel) {
        self.scenario = scenario
        self.driver = driver
        self.model = model
        self.startedAt = driver.now()
        for w in scenario.widgets { widgets[w.handle] = WidgetSession(actor: w) }
        for t in scenario.fixtures.tenants { routing[t.handle] = t.routing }
        for t in scenario.fixtures.tenants { for a in t.agents { agents[a.handle] = AgentSession(handle: a.handle) } }
    }

    var usesPush: Bool { model.transport == .websocket }

    func start() {
        startedAt = driver.now()
        if let interval = driver.sweepInterval { schedule.schedule(.sweep, at: startedAt + interval) }
        // An agent that starts online has its dashboard open.
        for t in scenario.fixtures.tenants { for a in t.agents where a.status != .offline { openTab(agent: a.handle) } }
    }

    func findings() -> [String] {
        var out: [String] = []
        for (handle, w) in widgets.sorted(by: { $0.key < $1.key }) where w.duplicatesSeen > 0 {
            out.append("widget \(handle) received \(w.duplicatesSeen) message(s) it had already seen (a 'since' that repeats messages); de-duplicated by id")
        }
        return out + channelFindings
    }

    /// Runs one step; returns why it failed, or `nil`.
    func run(_ step: Step) async -> String? {
        switch step.kind {
        case .act(let action, let expect):
            return await act(action, expect: expect)
        case .race(let actions, let expect):
            return await race(actions, expect: expect)
        case .wait(let duration):
            await advance(until: driver.now() + duration)
            return nil
        case .check(let check, let within):
            return await eventually(check, within: within)
        }
    }

    // MARK: Client lifecycles

    /// Starts (or restarts) a widget's polling — or opens its socket — after it learned its handoff.
    func startPolling(widget handle: String) {
        widgets[handle]!.generation += 1
        widgets[handle]!.messagesPolling = false
        if usesPush {
            effects.append(.openWidgetChannel(handle))
            return
        }
        let generation = widgets[handle]!.generation
        let now = driver.now()
        schedule.schedule(.widgetStatus(widget: handle, generation: generation), at: now + model.widgetStatusInterval)
        if ClientModel.widgetPollsMessages(widgets[handle]!.status) {
            widgets[handle]!.messagesPolling = true
            schedule.schedule(.widgetMessages(widget: handle, generation: generation), at: now + model.widgetMessagesInterval)
        }
    }

    /// The widget's chat is over: polls stop (by generation), its socket closes.
    func stopWidget(_ handle: String) {
        widgets[handle]!.generation += 1
        if usesPush { effects.append(.closeWidgetChannel(handle)) }
    }

    func openTab(agent handle: String) {
        agents[handle]!.generation += 1
        agents[handle]!.tabOpen = true
        let generation = agents[handle]!.generation
        let now = driver.now()
        schedule.schedule(.heartbeat(agent: handle, generation: generation), at: now + model.heartbeatInterval)
        if usesPush {
            effects.append(.openAgentChannel(handle))
            return
        }
        if !agents[handle]!.chats.isEmpty {
            schedule.schedule(.agentMessages(agent: handle, generation: generation), at: now + model.agentMessagesInterval)
        }
        if driver.isRealTime {
            for list in AgentQueueList.allCases {
                schedule.schedule(.agentQueue(agent: handle, list: list, generation: generation), at: now + queueInterval(list))
            }
        }
    }

    func closeTab(agent handle: String) {
        agents[handle]!.generation += 1
        agents[handle]!.tabOpen = false
        if usesPush { effects.append(.closeAgentChannel(handle)) }
    }

    func openChat(agent handle: String, handoff: HandoffID) {
        let wasIdle = agents[handle]!.chats.isEmpty
        if agents[handle]!.chats[handoff] == nil { agents[handle]!.chats[handoff] = AgentSession.ChatWindow() }
        if usesPush {
            effects.append(.catchUp(agent: handle, handoff: handoff))
        } else if wasIdle, agents[handle]!.tabOpen {
            schedule.schedule(.agentMessages(agent: handle, generation: agents[handle]!.generation), at: driver.now() + model.agentMessagesInterval)
        }
    }

    func queueInterval(_ list: AgentQueueList) -> Duration {
        switch list {
        case .pending: model.queuePendingInterval
        case .active: model.queueActiveInterval
        case .all: model.queueAllInterval
        }
    }

    // MARK: Measured requests

    /// Performs a command, recording its latency under `op.<name>`.
    @discardableResult
    func timed(_ command: DriverCommand) async -> Result<DriverReply, RequestFailure> {
        let start = ContinuousClock.now
        let result = await driver.perform(command)
        metrics.record("op." + command.operation, ContinuousClock.now - start)
        return result
    }

    /// Performs a poll or query a client makes, recording its latency under `op.<name>`.
    /// A failed poll is like one that was not answered: the client polls again next time.
    func timed<T>(_ name: String, _ body: () async throws -> T) async -> T? {
        let start = ContinuousClock.now
        let result = try? await body()
        metrics.record("op." + name, ContinuousClock.now - start)
        return result
    }

    // MARK: What clients learn (from polls and pushes alike)

    /// A widget learned its handoff's status at `received`.
    func learn(widget handle: String, status: WidgetStatus, at received: Timestamp) {
        let before = widgets[handle]!.status
        widgets[handle]!.apply(status)
        if status.status == "active", before != "active", let picked = status.pickedUpAt {
            metrics.record("delivery.pickUpToWidget", received - picked)
        }
        if status.status == "resolved", before != "resolved", let resolved = status.resolvedAt {
            metrics.record("delivery.resolveToWidget", received - resolved)
        }
        if status.status == "active", let picked = status.pickedUpAt, !widgets[handle]!.waitRecorded, let requested = widgets[handle]!.requestedAt {
            widgets[handle]!.waitRecorded = true
            metrics.record("wait", picked - requested)
        }
    }

    /// A widget received messages at `received`.
    func learn(widget handle: String, messages: [ObservedMessage], at received: Timestamp) {
        let fresh = widgets[handle]!.apply(messages)
        for m in fresh where m.senderType == .agent { metrics.record("delivery.agentToWidget", received - m.timestamp) }
    }

    /// An agent's chat window received messages at `received`.
    func learn(agent handle: String, messages: [ObservedMessage], handoff: HandoffID, at received: Timestamp) {
        let fresh = agents[handle]!.apply(messages, to: handoff)
        for m in fresh where m.senderType == .user { metrics.record("delivery.widgetToAgent", received - m.timestamp) }
    }
}
