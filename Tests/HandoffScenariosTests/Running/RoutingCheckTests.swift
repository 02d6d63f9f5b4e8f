@testable import HandoffScenarios
import HandoffEngine
import HandoffTestSupport
import HandoffWorkload
import Testing

/// The `routing: auto` fixture key, the `setRouting` step, and the runner's routing invariant
/// ("no request waits while an agent has a free slot"), which must catch a service that
/// ignores the setting.
@Suite struct RoutingCheckTests {
    static func scenario(_ file: String = "14-auto-routing.yaml") throws -> Scenario {
        guard case .scenario(let s) = try DocumentLoader.load(file: ScenarioSuiteTests.scenariosDirectory + "/" + file) else {
            throw HandoffError.invalid("file", "not a scenario")
        }
        return s
    }

    @Test func theShippedScenarioPassesAndCountsTheEnginesAssignments() async throws {
        let result = await ScenarioRunner().run(try Self.scenario(), driver: InProcessDriver(seed: 11))
        #expect(result.passed, "\(result.failures)")
        // Eight requests were assigned by the engine, none by a pick-up step.
        #expect(result.counts.pickedUp == 8 && result.counts.resolved == 3 && result.counts.afterHours == 1)
    }

    @Test func aServerThatDoesNotRouteFailsTheRoutingInvariant() async throws {
        let result = await ScenarioRunner().run(try Self.scenario(), driver: DefectiveDriver(seed: 5, defects: .ignoresRouting))
        #expect(!result.passed)
        let failure = try #require(result.failures.first)
        #expect(failure.step.hasPrefix("step 7 (request v1)"), "\(failure)")
        #expect(failure.reason.contains("invariant violated: tenant relay routes automatically, but [v1] wait(s) while [ada, bo, cy] ha(s) a free slot"), "\(failure.reason)")
    }

    @Test func theFixtureKeyAndTheStepLoad() throws {
        let scenario = try Self.scenario()
        #expect(scenario.fixtures.tenant("relay")?.routing == .leastBusy)
        #expect(scenario.steps.contains { if case .act(.setRouting("chief", .manual), _) = $0.kind { true } else { false } })
        // Default manual; the key takes part in a tenant's identity when fixture sets are combined.
        let other = try Self.scenario("02-agent-queue.yaml")
        #expect(other.fixtures.tenants.allSatisfy { $0.routing == .manual })
        var changed = scenario.fixtures.tenant("relay")!
        changed.routing = .manual
        #expect(throws: FixturesConflict.self) { try Fixtures.union([scenario.fixtures, Fixtures(tenants: [changed])]) }
        #expect(scenario.fixtures.overriding(with: Fixtures(tenants: [changed])).tenant("relay")?.routing == .manual)
    }

    @Test func aBadRoutingValueIsAClearError() throws {
        let found = try issues(
            """
            kind: fixtures
            tenants:
              acme:
                name: Acme
                routing: sideways
            """)
        #expect(lines(found) == ["s.yaml:5:14: tenants.acme.routing: invalid value 'sideways'; expected one of: manual, leastBusy, mostBusy, longestIdle"])
        let step = try issues(
            scenarioHeader + """
                  - setRouting: boss
                    routing: always
                  - setRouting: nobody
                    routing: auto
                """)
        #expect(lines(step) == [
            "s.yaml:14:14: steps[0].routing: invalid value 'always'; expected one of: manual, leastBusy, mostBusy, longestIdle",
            "s.yaml:15:17: steps[1].setRouting: undefined user 'nobody'; users and agents in the fixtures: boss, ann, bob",
        ])
    }
}
