@testable import HandoffScenarios
import HandoffWorkload
import HandoffMeasurement
import HandoffClient
import Foundation
import HandoffEngine
import Testing


/// The shipped scenarios must fail against a service with the reference platform's defects,
/// at the step that exposes each defect: a check that cannot fail is a bug.
@Suite struct DefectDetectionTests {
    func scenario(_ suffix: String) throws -> Scenario {
        try #require(try ScenarioSuiteTests.loadScenarios().first { $0.file.hasSuffix(suffix) })
    }

    func run(_ suffix: String, _ defects: DefectiveDriver.Defects) async throws -> ScenarioResult {
        await ScenarioRunner().run(try scenario(suffix), driver: DefectiveDriver(seed: 3, defects: defects))
    }

    @Test func allScenariosPassWithNoDefects() async throws {
        for scenario in try ScenarioSuiteTests.loadScenarios() {
            let result = await ScenarioRunner().run(scenario, driver: DefectiveDriver(seed: 3, defects: []))
            #expect(result.passed, "\(scenario.file): \(result.failures)")
        }
    }

    @Test func pickUpRaceCatchesEveryoneWinning() async throws {
        let result = try await run("07-pickup-race.yaml", .pickUpAlwaysSucceeds)
        #expect(!result.passed)
        let failure = try #require(result.failures.first)
        #expect(failure.step.hasPrefix("step 2 (race"))
        #expect(failure.reason.contains("expected 1 to succeed, 20 did"))
    }

    @Test func endChatWhilePendingCatchesAnOrphanedRequest() async throws {
        let result = try await run("09-end-chat-while-pending.yaml", .endChatIgnoresPending)
        let failure = try #require(result.failures.first)
        #expect(failure.step.hasPrefix("step 7 (expectQueue acme)"))
        #expect(failure.reason.contains("queue is [visitor, other], expected [other]"))
    }

    @Test func heartbeatCatchesOverriddenBusy() async throws {
        let result = try await run("11-heartbeat-keeps-busy.yaml", .heartbeatForcesAvailable)
        let failure = try #require(result.failures.first)
        #expect(failure.step.hasPrefix("step 6 (expectAgent ann)"))
        #expect(failure.reason.contains("status is available, expected busy"))
    }

    @Test func repeatedMessagesAreAFindingNotDoubleCounted() async throws {
        let result = try await run("04-message-delivery.yaml", .sinceRepeatsNewest)
        #expect(result.passed)  // the widget de-duplicates by id, as clients must
        #expect(result.findings.count == 1)
        #expect(result.findings.first?.contains("already seen") == true)
        #expect(result.metrics["delivery.agentToWidget"]?.count == 3)  // each message measured once
    }

    @Test func afterHoursOrphanRowIsCaught() async throws {
        let result = try await run("06-after-hours.yaml", .afterHoursStaysQueued)
        let failure = try #require(result.failures.first)
        #expect(failure.step.hasPrefix("step 2 (expectQueue acme)"))
        #expect(failure.reason.contains("queue holds 1, expected 0"))
    }

    @Test func capacityRaceCatchesPickUpsBeyondMaxChats() async throws {
        let result = try await run("08-capacity-race.yaml", .pickUpIgnoresCapacity)
        let failure = try #require(result.failures.first)
        #expect(failure.step.hasPrefix("step 12 (race pickUp sol"))
        #expect(failure.reason.contains("expected 3 to succeed, 10 did"))
    }

    @Test func resolveRacingEndChatCatchesASlotFreedTwice() async throws {
        let result = try await run("10-resolve-races-end-chat.yaml", .closeFreesTwice)
        let failure = try #require(result.failures.first)
        #expect(failure.step.hasPrefix("step 8 (expectAgent ben)"))
        #expect(failure.reason.contains("agent ben: 0 active chats, expected 1"))
    }

    @Test func aWrongExpectationFailsNamingTheStep() async throws {
        let yaml = """
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
        guard case .scenario(let s) = try DocumentLoader.load(yaml: yaml, file: "wrong.yaml") else {
            Issue.record("not a scenario")
            return
        }
        let result = await ScenarioRunner().run(s, driver: InProcessDriver(seed: 1))
        #expect(!result.passed)
        #expect(result.stepsRun == 3)
        #expect(result.failures == [.init(step: "step 3 (expectAgent ann) at wrong.yaml:15:5", reason: "agent ann: 1 active chats, expected 2")])
    }
}
