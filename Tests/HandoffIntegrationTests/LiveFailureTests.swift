import HandoffScenarios
import HandoffWorkload
import HandoffClient
import Foundation
import HandoffEngine
import Testing

/// A live run must fail where the scenario is wrong, and say so clearly when there is no server.
@Suite struct LiveFailureTests {
    static let wrongYAML = """
        kind: scenario
        name: wrong on purpose
        tenants:
          t:
            name: T
            apiKeys: {web: embellics_6b6c3b2f0de478f07faa9de113103853acb3e5c08f4ee18e3e61764fb3fbc8d2}
            agents:
              ann: {name: Ann, email: ann@t.test, password: pw-123456, status: available}
        widgets:
          w: {tenant: t, apiKey: web}
        steps:
          - request: w
          - pickUp: ann
            handoff: w
          - expectAgent: ann
            activeChats: 2
        """

    static func wrongScenario() throws -> Scenario {
        guard case .scenario(let s) = try DocumentLoader.load(yaml: wrongYAML, file: "wrong.yaml") else { throw LiveScenarioTests.LoadError(file: "wrong.yaml") }
        return s
    }

    @Test(arguments: ["reference", "websocket"])
    func aWrongExpectationFailsNamingTheStep(client: String) async throws {
        let scenario = try Self.wrongScenario()
        let result = try await LiveScenarioTests.run(scenario, client: try #require(ClientModel.named(client)))
        #expect(!result.passed)
        #expect(result.stepsRun == 3)
        #expect(result.failures == [.init(step: "step 3 (expectAgent ann) at wrong.yaml:15:5", reason: "agent ann: 1 active chats, expected 2")])
    }

    /// A port nothing listens on (bound and released by the kernel's choice is not needed:
    /// port 9, discard, is never served here).
    static let deadURL = "http://127.0.0.1:9"

    @Test(.timeLimit(.minutes(1)))
    func noServerIsAClearTransportError() async throws {
        let started = ContinuousClock.now
        let failure = await #expect(throws: RequestFailure.self) {
            try await LiveTarget.withTarget(Self.deadURL) { target in try await target.probe() }
        }
        #expect(failure?.isTransport == true)
        #expect(failure?.text.contains("cannot reach a server at http://127.0.0.1:9") == true, "\(String(describing: failure))")
        #expect(ContinuousClock.now - started < .seconds(15))
    }

    @Test(.timeLimit(.minutes(1)))
    func aScenarioAgainstNoServerFailsAtItsFixtures() async throws {
        let scenario = try Self.wrongScenario()
        let result = try await LiveTarget.withTarget(Self.deadURL) { target in
            await ScenarioRunner().run(scenario, driver: LiveDriver(target: target))
        }
        #expect(!result.passed)
        #expect(result.stepsRun == 0)
        let failure = try #require(result.failures.first)
        #expect(failure.step == "fixtures of wrong.yaml")
        #expect(failure.reason.contains("cannot use the server at http://127.0.0.1:9"), "\(failure.reason)")
    }

    @Test func aServerWithoutTheFixturesIsNamedPrecisely() async throws {
        let scenario = try Self.wrongScenario()
        let result = try await LiveServer.with(fixtures: Fixtures()) { url in
            try await LiveTarget.withTarget(url) { target in await ScenarioRunner().run(scenario, driver: LiveDriver(target: target)) }
        }
        let failure = try #require(result.failures.first)
        #expect(failure.reason.contains("does not hold this scenario's fixtures"), "\(failure.reason)")
        #expect(failure.reason.contains("API key 'web' is refused"), "\(failure.reason)")
        #expect(failure.reason.contains("account ann cannot log in"), "\(failure.reason)")
    }
}
