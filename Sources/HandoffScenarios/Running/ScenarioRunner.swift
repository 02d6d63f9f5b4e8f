import HandoffEngine
import HandoffMeasurement
import HandoffWorkload

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
/// one, and for fixture tenants routed `auto` the routing invariant, observed through the
/// driver's queries ("no request waits while an agent has a free slot"). Between steps, and while a `wait` or a `within` check lets time pass, the virtual
/// clients poll and heartbeat on the ``ClientModel``'s schedule (or, with the WebSocket
/// model, apply the pushes that arrive). The driver's ``ScenarioDriver/finish()`` runs last.
public struct ScenarioRunner: Sendable {
    public var clientModel: ClientModel

    /// - Parameter clientModel: how the virtual clients behave. The ``ClientModel/websocket``
    ///   model needs a driver with push channels; with one that has none, every scenario fails
    ///   at its first client that would open a socket.
    public init(clientModel: ClientModel = .reference) {
        self.clientModel = clientModel
    }

    public func run<Driver: ScenarioDriver>(_ scenario: Scenario, driver: Driver) async -> ScenarioResult {
        let wallStart = ContinuousClock.now
        let execution = Execution(scenario: scenario, driver: driver, model: clientModel)
        var failures: [ScenarioResult.Failure] = []
        var stepsRun = 0
        if clientModel.transport == .websocket, driver.pushChannels == nil {
            failures.append(.init(step: "clients of \(scenario.file)",
                                  reason: "the \(clientModel.name) client model needs push channels, and target \(driver.target) has none"))
        } else {
            await prepare(execution, driver: driver, failures: &failures)
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
                let routing = await execution.observeRouting()
                if !routing.isEmpty {
                    failures.append(.init(step: step.reference, reason: "invariant violated: " + routing.prefix(5).joined(separator: "; ")))
                    break
                }
            }
        }
        await execution.closeChannels()
        await driver.finish()
        let wall = ContinuousClock.now - wallStart
        return ScenarioResult(
            name: scenario.name, file: scenario.file, failures: failures, stepsRun: stepsRun, stepsTotal: scenario.steps.count,
            wallMilliseconds: wall.seconds * 1000, scenarioMilliseconds: Double((driver.now() - execution.startedAt).wholeMilliseconds),
            counts: execution.counts, metrics: execution.metrics.summaries(), findings: execution.findings())
    }

    /// The driver's fixtures, then the clients that start online (their sockets, with the
    /// WebSocket model).
    private func prepare<Driver: ScenarioDriver>(_ execution: Execution<Driver>, driver: Driver, failures: inout [ScenarioResult.Failure]) async {
        let file = execution.scenario.file
        do {
            try await driver.prepare(execution.scenario.fixtures)
        } catch {
            failures.append(.init(step: "fixtures of \(file)", reason: "could not set up fixtures: \(error)"))
            return
        }
        execution.start()
        if let problem = await execution.flushEffects() { failures.append(.init(step: "clients of \(file)", reason: problem)) }
    }
}
