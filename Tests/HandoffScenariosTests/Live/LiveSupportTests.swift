@testable import HandoffScenarios
import HandoffWorkload
import HandoffMeasurement
import HandoffClient
import Foundation
import HandoffEngine
import Testing


/// The pure parts of live runs: fixtures merging, metrics baselines, tolerance, client models.
@Suite struct LiveSupportTests {
    static let location = SourceLocation(file: "f.yaml", line: 1, column: 1)

    static func tenant(_ handle: String, password: String = "pw-1", keys: [String: String] = ["web": "k1"]) -> Fixtures.TenantFixture {
        Fixtures.TenantFixture(
            handle: handle, name: handle.uppercased(),
            apiKeys: keys.sorted { $0.key < $1.key }.map { Fixtures.APIKeyFixture(handle: $0.key, key: $0.value, location: location) },
            agents: [Fixtures.AgentFixture(handle: "ann", name: "Ann", email: "ann@\(handle).test", password: password, location: location)],
            location: location)
    }

    @Test func serverFixturesOverrideSameNamedEntriesOnly() {
        let scenario = Fixtures(tenants: [Self.tenant("acme", keys: ["web": "k1", "old": "k0"]), Self.tenant("other")])
        let server = Fixtures(tenants: [Self.tenant("acme", password: "real-pw", keys: ["web": "real-key"]), Self.tenant("extra")])
        let merged = scenario.overriding(with: server)
        #expect(merged.tenants.map(\.handle) == ["acme", "other"])
        let acme = merged.tenants[0]
        #expect(acme.agents.first?.password == "real-pw")
        #expect(acme.apiKeys.first { $0.handle == "web" }?.key == "real-key")
        #expect(acme.apiKeys.first { $0.handle == "old" }?.key == "k0")
        #expect(merged.tenants[1] == scenario.tenants[1])
    }

    @Test func unionTakesIdenticalTenantsOnceAndRefusesConflicts() throws {
        var elsewhere = Self.tenant("acme")
        elsewhere.location = SourceLocation(file: "g.yaml", line: 9, column: 1)
        let once = try Fixtures.union([Fixtures(tenants: [Self.tenant("acme")]), Fixtures(tenants: [elsewhere, Self.tenant("b")])])
        #expect(once.tenants.map(\.handle) == ["acme", "b"])
        let conflict = #expect(throws: FixturesConflict.self) {
            try Fixtures.union([Fixtures(tenants: [Self.tenant("acme")]), Fixtures(tenants: [Self.tenant("acme", password: "other")])])
        }
        #expect(conflict?.description.contains("tenant acme is defined at f.yaml:1:1 and differently at f.yaml:1:1") == true)
    }

    @Test func collectingTheScenariosDirectoryServesEveryTenant() throws {
        let fixtures = try FixturesLoader.collect([ScenarioSuiteTests.scenariosDirectory])
        #expect(Set(fixtures.tenants.map(\.handle)) == ["acme", "globex", "rally", "relay", "solo"])
        #expect(fixtures.tenant("relay")?.routing == .leastBusy)
    }

    @Test func metricsSinceABaselineAreTheScenariosOwn() {
        let before = TenantMetrics(requestsInWindow: 4, totalRequests: 4, pickedUp: 2, resolved: 2, abandoned: 1, afterHours: 1, pending: 0,
                                   active: 0, averageWaitMilliseconds: 1000, waitP50Milliseconds: 1000, waitP90Milliseconds: 1000,
                                   waitP99Milliseconds: 1000, agents: [])
        let after = TenantMetrics(requestsInWindow: 5, totalRequests: 5, pickedUp: 3, resolved: 2, abandoned: 1, afterHours: 1, pending: 0,
                                  active: 1, averageWaitMilliseconds: 2000, waitP50Milliseconds: 1000, waitP90Milliseconds: 4000,
                                  waitP99Milliseconds: 4000, agents: [])
        let delta = after.since(before)
        #expect(delta.totalRequests == 1)
        #expect(delta.pickedUp == 1)
        #expect(delta.active == 1)
        #expect(delta.averageWaitMilliseconds == 4000)  // (3 × 2000 − 2 × 1000) / 1
        #expect(after.since(after).averageWaitMilliseconds == nil)
    }

    @Test func measuredDurationsMayRunLateNeverEarly() {
        typealias E = Execution<InProcessDriver>
        #expect(E.matches(4.0, 4, isDuration: true, tolerance: 0))
        #expect(!E.matches(4.02, 4, isDuration: true, tolerance: 0))
        #expect(E.matches(4.2, 4, isDuration: true, tolerance: 0.5))
        #expect(!E.matches(4.6, 4, isDuration: true, tolerance: 0.5))
        #expect(!E.matches(3.9, 4, isDuration: true, tolerance: 0.5))
        #expect(!E.matches(2, 1, isDuration: false, tolerance: 0.5))
    }

    @Test func clientModelsByName() {
        #expect(ClientModel.named("reference") == .reference)
        #expect(ClientModel.named("websocket")?.transport == .websocket)
        #expect(ClientModel.named("carrier-pigeon") == nil)
        #expect(ClientModel.reference.queuePendingInterval == .seconds(2))
        #expect(ClientModel.reference.queueActiveInterval == .seconds(3))
        #expect(ClientModel.reference.queueAllInterval == .seconds(5))
    }
}
