import HandoffEngine

/// Runs one scenario's steps against a driver and reports what passed, what failed and what
/// was measured.
///
/// ```swift
/// let runner = ScenarioRunner()
/// let result = await runner.run(scenario, driver: InProcessDriver(seed: 42))
/// ```
///
/// Steps run in order; the scenario stops at its first failed step (later steps would only
/// report the consequences). After every step the driver's invariant check runs when it has
/// one. Between steps, and while a `wait` or a `within` check lets time pass, the virtual
/// clients poll and heartbeat on the ``ClientModel``'s schedule.
public struct ScenarioRunner: Sendable {
    public var clientModel: ClientModel

    public init(clientModel: ClientModel = .reference) {
        self.clientModel = clientModel
    }

    public func run<Driver: ScenarioDriver>(_ scenario: Scenario, driver: Driver) async -> ScenarioResult {
        let wallStart = ContinuousClock.now
        let execution = Execution(scenario: scenario, driver: driver, model: clientModel)
        var failures: [ScenarioResult.Failure] = []
        var stepsRun = 0
        do {
            try await driver.prepare(scenario.fixtures)
            execution.start()
        } catch {
            failures.append(.init(step: "fixtures of \(scenario.file)", reason: "could not set up fixtures: \(error)"))
        }
        if failures.isEmpty {
            for step in scenario.steps {
                stepsRun += 1
                if let reason = await execution.run(step) {
                    failures.append(.init(step: step.reference, reason: reason))
                    break
                }
                if let violations = await driver.invariantViolations(), !violations.isEmpty {
                    failures.append(.init(step: step.reference, reason: "invariant violated: " + violations.prefix(5).joined(separator: "; ")))
                    break
                }
            }
        }
        let wall = ContinuousClock.now - wallStart
        return ScenarioResult(
            name: scenario.name, file: scenario.file, failures: failures, stepsRun: stepsRun, stepsTotal: scenario.steps.count,
            wallMilliseconds: wall.seconds * 1000, scenarioMilliseconds: Double((driver.now() - execution.startedAt).wholeMilliseconds),
            counts: execution.counts, metrics: execution.metrics.summaries(), findings: execution.findings())
    }
}

/// The mutable state of one scenario run. Used by one task only (race steps hand the driver,
/// not this, to their child tasks).
final class Execution<Driver: ScenarioDriver> {
    let scenario: Scenario
    let driver: Driver
    let model: ClientModel
    var widgets: [String: WidgetSession] = [:]
    var agents: [String: AgentSession] = [:]
    var owners: [HandoffID: String] = [:]
    var schedule = ClientSchedule()
    var counts = ScenarioResult.Counts()
    var metrics = MetricSet()
    var startedAt: Timestamp

    init(scenario: Scenario, driver: Driver, model: ClientModel) {
        self.scenario = scenario
        self.driver = driver
        self.model = model
        self.startedAt = driver.now()
        for w in scenario.widgets { widgets[w.handle] = WidgetSession(actor: w) }
        for t in scenario.fixtures.tenants { for a in t.agents { agents[a.handle] = AgentSession(handle: a.handle) } }
    }

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
        return out
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

    // MARK: Time

    /// Lets virtual clients act until `deadline`, or until `condition` holds after an activity.
    /// Returns whether the condition held.
    @discardableResult
    func advance(until deadline: Timestamp, condition: (() async -> Bool)? = nil) async -> Bool {
        while let (time, activity) = schedule.popNext(notAfter: deadline) {
            await driver.advance(to: time)
            await perform(activity, at: time)
            if let condition, await condition() { return true }
        }
        await driver.advance(to: deadline)
        if let condition { return await condition() }
        return true
    }

    func perform(_ activity: ClientSchedule.Activity, at time: Timestamp) async {
        switch activity {
        case .sweep:
            await driver.sweep()
            if let interval = driver.sweepInterval { schedule.schedule(.sweep, at: time + interval) }
        case .heartbeat(let handle, let generation):
            guard let session = agents[handle], session.generation == generation, session.tabOpen else { return }
            await timed(.heartbeat(agent: handle))
            schedule.schedule(.heartbeat(agent: handle, generation: generation), at: time + model.heartbeatInterval)
        case .agentMessages(let handle, let generation):
            guard let session = agents[handle], session.generation == generation, session.tabOpen else { return }
            for handoff in session.chats.keys.sorted() {
                guard let messages = try? await driver.agentMessages(agent: handle, handoff: handoff) else { continue }
                let fresh = agents[handle]!.apply(messages, to: handoff)
                for m in fresh where m.senderType == .user { metrics.record("delivery.widgetToAgent", time - m.timestamp) }
            }
            if !(agents[handle]?.chats.isEmpty ?? true) {
                schedule.schedule(.agentMessages(agent: handle, generation: generation), at: time + model.agentMessagesInterval)
            }
        case .widgetStatus(let handle, let generation):
            guard let session = widgets[handle], session.generation == generation, session.isPolling, let handoff = session.handoff else { return }
            guard let status = try? await driver.widgetStatus(session.actor, handoff: handoff) else {
                schedule.schedule(.widgetStatus(widget: handle, generation: generation), at: time + model.widgetStatusInterval)
                return
            }
            widgets[handle]!.apply(status)
            if status.status == "active", let picked = status.pickedUpAt, !session.waitRecorded, let requested = session.requestedAt {
                widgets[handle]!.waitRecorded = true
                metrics.record("wait", picked - requested)
            }
            if status.status == "active", !widgets[handle]!.messagesPolling {
                widgets[handle]!.messagesPolling = true
                schedule.schedule(.widgetMessages(widget: handle, generation: generation), at: time + model.widgetMessagesInterval)
            }
            if widgets[handle]!.isPolling {
                schedule.schedule(.widgetStatus(widget: handle, generation: generation), at: time + model.widgetStatusInterval)
            }
        case .widgetMessages(let handle, let generation):
            guard let session = widgets[handle], session.generation == generation, session.status == "active", let handoff = session.handoff else {
                return
            }
            if let messages = try? await driver.widgetMessages(session.actor, handoff: handoff, since: session.lastMessageAt) {
                let fresh = widgets[handle]!.apply(messages)
                for m in fresh where m.senderType == .agent { metrics.record("delivery.agentToWidget", time - m.timestamp) }
            }
            schedule.schedule(.widgetMessages(widget: handle, generation: generation), at: time + model.widgetMessagesInterval)
        }
    }

    /// Starts (or restarts) a widget's polling after it learned its handoff.
    func startPolling(widget handle: String) {
        widgets[handle]!.generation += 1
        widgets[handle]!.messagesPolling = false
        let generation = widgets[handle]!.generation
        let now = driver.now()
        schedule.schedule(.widgetStatus(widget: handle, generation: generation), at: now + model.widgetStatusInterval)
        if widgets[handle]!.status == "active" {
            widgets[handle]!.messagesPolling = true
            schedule.schedule(.widgetMessages(widget: handle, generation: generation), at: now + model.widgetMessagesInterval)
        }
    }

    func openTab(agent handle: String) {
        agents[handle]!.generation += 1
        agents[handle]!.tabOpen = true
        let generation = agents[handle]!.generation
        let now = driver.now()
        schedule.schedule(.heartbeat(agent: handle, generation: generation), at: now + model.heartbeatInterval)
        if !agents[handle]!.chats.isEmpty {
            schedule.schedule(.agentMessages(agent: handle, generation: generation), at: now + model.agentMessagesInterval)
        }
    }

    func closeTab(agent handle: String) {
        agents[handle]!.generation += 1
        agents[handle]!.tabOpen = false
    }

    func openChat(agent handle: String, handoff: HandoffID) {
        let wasIdle = agents[handle]!.chats.isEmpty
        if agents[handle]!.chats[handoff] == nil { agents[handle]!.chats[handoff] = AgentSession.ChatWindow() }
        if wasIdle, agents[handle]!.tabOpen {
            schedule.schedule(.agentMessages(agent: handle, generation: agents[handle]!.generation), at: driver.now() + model.agentMessagesInterval)
        }
    }

    /// Performs a command, recording its latency under `op.<name>`.
    @discardableResult
    func timed(_ command: DriverCommand) async -> Result<DriverReply, DriverFailure> {
        let start = ContinuousClock.now
        let result = await driver.perform(command)
        metrics.record("op." + command.operation, ContinuousClock.now - start)
        return result
    }
}
