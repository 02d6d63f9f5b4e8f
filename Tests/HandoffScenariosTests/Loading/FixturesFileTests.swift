@testable import HandoffScenarios
import HandoffWorkload
import HandoffMeasurement
import HandoffClient
import Foundation
import HandoffTestSupport
import Testing

/// A scenario's `fixtures:` file: found relative to the scenario, of the right kind, its own
/// problems reported under its own name, and merged with inline tenants.
@Suite struct FixturesFileTests {
    static let acmeFixtures = """
        kind: fixtures
        tenants:
          acme:
            name: Acme
            apiKeys: {web: \(Keys.web)}
            agents: {ann: {name: Ann, email: ann@acme.test, password: pw}}
        """

    @Test func notFoundIsReportedAtTheScenarioAndSilencesFixtureReferences() throws {
        let found = try issues([
            (
                "dir/s.yaml",
                """
                kind: scenario
                name: Missing fixtures
                fixtures: missing.yaml
                widgets: {visitor: {tenant: acme, apiKey: web}}
                steps:
                  - pickUp: ann
                    handoff: visitor
                  - pickUp: ann
                    handoff: nobody
                """
            )
        ])
        #expect(
            lines(found) == [
                "dir/s.yaml:3:11: fixtures: fixtures file not found: dir/missing.yaml",
                "dir/s.yaml:9:14: steps[1].handoff: undefined widget 'nobody'; defined widgets: visitor",
            ])
    }

    @Test func passwordIterationsAreReadAndBounded() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let file = try dir.write("f.yaml", "kind: fixtures\ntenants:\n  acme:\n    name: Acme\n    passwordIterations: 1000\n  globex:\n    name: Globex\n")
        let fixtures = try FixturesLoader.load(file: file)
        #expect(fixtures.tenant("acme")?.passwordIterations == 1000)
        #expect(fixtures.tenant("globex")?.passwordIterations == nil)
        let found = try issues([
            ("f.yaml", "kind: fixtures\ntenants:\n  acme:\n    name: Acme\n    passwordIterations: 0\n  globex:\n    name: Globex\n    passwordIterations: 20000000\n  initech:\n    name: Initech\n    passwordIterations: fast\n")
        ])
        #expect(
            lines(found) == [
                "f.yaml:5:25: tenants.acme.passwordIterations: must be at least 1, found 0",
                "f.yaml:8:25: tenants.globex.passwordIterations: must be at most 10000000, found 20000000",
                "f.yaml:11:25: tenants.initech.passwordIterations: expected an integer, found a string ('fast')",
            ])
    }

    @Test func wrongKindIsReportedAtTheScenario() throws {
        let found = try issues([
            ("s.yaml", "kind: scenario\nname: x\nfixtures: other.yaml\nsteps: [{wait: 1s}]\n"),
            ("other.yaml", "kind: scenario\nname: other\nsteps: [{wait: 1s}]\n"),
        ])
        #expect(lines(found) == ["s.yaml:3:11: fixtures: 'other.yaml' is a scenario file; expected a file with kind: fixtures"])
    }

    @Test func problemsInsideTheFixturesFileCarryItsName() throws {
        let found = try issues([
            ("s.yaml", "kind: scenario\nname: x\nfixtures: shared/f.yaml\nsteps: [{login: ann}]\n"),
            ("shared/f.yaml", "kind: fixtures\ntenants:\n  acme:\n    name: Acme\n    agents: {ann: {name: Ann, email: ann@acme.test}}\n"),
        ])
        #expect(lines(found) == ["shared/f.yaml:5:14: tenants.acme.agents.ann: missing required key 'password'"])
    }

    @Test func syntaxErrorInTheFixturesFile() throws {
        let found = try issues([
            ("s.yaml", "kind: scenario\nname: x\nfixtures: f.yaml\nsteps: [{login: ann}]\n"),
            ("f.yaml", "kind: fixtures\ntenants: {acme: {name: Acme}\n"),
        ])
        #expect(
            lines(found) == ["f.yaml:3:1: YAML syntax error: did not find expected ',' or '}' (while parsing a flow mapping at line 2, column 10)"])
    }

    @Test func tenantInBothTheFileAndInlineIsADuplicate() throws {
        let found = try issues([
            (
                "s.yaml",
                """
                kind: scenario
                name: Both
                fixtures: f.yaml
                tenants:
                  globex: {name: Globex}
                  acme: {name: Acme again}
                steps: [{login: ann}]
                """
            ),
            ("f.yaml", Self.acmeFixtures),
        ])
        #expect(lines(found) == ["s.yaml:6:3: tenants.acme: duplicate tenant handle 'acme' (also defined at f.yaml:3:3)"])
    }

    @Test func inlineAgentMayNotReuseAHandleOrEmailOfTheFile() throws {
        let found = try issues([
            (
                "s.yaml",
                """
                kind: scenario
                name: Both
                fixtures: f.yaml
                tenants:
                  globex:
                    name: Globex
                    agents: {ann: {name: Ann, email: ANN@acme.test, password: pw}}
                steps: [{login: ann}]
                """
            ),
            ("f.yaml", Self.acmeFixtures),
        ])
        #expect(
            lines(found) == [
                "s.yaml:7:14: tenants.globex.agents.ann: duplicate handle 'ann': already an agent of tenant 'acme' at f.yaml:6:14",
                "s.yaml:7:38: tenants.globex.agents.ann.email: duplicate email 'ANN@acme.test': "
                    + "already used by tenants.acme.agents.ann.email at f.yaml:6:38",
            ])
    }

    @Test func fileAndInlineTenantsAreMergedInOrder() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        try dir.write("f.yaml", Self.acmeFixtures)
        let file = try dir.write(
            "s.yaml",
            """
            kind: scenario
            name: Merge
            fixtures: f.yaml
            tenants: {globex: {name: Globex, users: {gus: {email: gus@globex.test, password: pw, role: client_admin}}}}
            widgets: {visitor: {tenant: acme, apiKey: web}}
            steps:
              - assign: gus
                handoff: visitor
                to: ann
            """)
        let scenario = try ScenarioLoader.load(file: file)
        #expect(scenario.fixtures.tenants.map(\.handle) == ["acme", "globex"])
        #expect(scenario.fixtures.tenants[0].location.file == dir.path + "/f.yaml")
        #expect(scenario.fixtures.user("gus")?.tenant.handle == "globex")
        #expect(scenario.steps.map(\.kind) == [.act(.assign(admin: "gus", widget: "visitor", agent: "ann"), expect: .success)])
    }

    @Test func loadAllCollectsEveryFileAndReportsASharedProblemOnce() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let broken = "kind: fixtures\ntenants: {acme: {nme: Acme}}\n"
        let files = [
            try dir.write("a.yaml", "kind: scenario\nname: A\nfixtures: f.yaml\nsteps: [{wait: 1s}]\n"),
            try dir.write("b.yaml", "kind: scenario\nname: B\nfixtures: f.yaml\nsteps: [{wait: 0s}]\n"),
            try dir.write("f.yaml", broken),
            try dir.write(
                "p.yaml",
                "kind: profile\nname: P\narrivals: {poisson: {ratePerHour: 60}}\nagents: {desk: {count: 2, maxChats: 1}}\n"
                    + "conversation: {handleTime: {exponential: 5m}}\n"),
        ]
        #expect(throws: InputError.self) { try DocumentLoader.loadAll(files) }
        do {
            _ = try DocumentLoader.loadAll(files)
        } catch {
            let f = dir.path + "/f.yaml"
            #expect(
                lines(error.issues) == [
                    "\(f):2:11: tenants.acme: missing required key 'name'",
                    "\(f):2:18: tenants.acme.nme: unknown key 'nme'; expected one of: name, status, allowedDomains, apiKeys, users, agents, routing, passwordIterations, assistant",
                    "\(dir.path)/b.yaml:4:16: steps[0].wait: must be longer than 0, found '0s'",
                ])
        }
    }

    @Test func kindSpecificLoadersRefuseOtherKinds() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let profile = try dir.write("p.yaml", "kind: profile\n")
        #expect(
            throws: InputError(issues: [
                .init(
                    location: .init(file: profile, line: 1, column: 1), path: "",
                    message: "expected a scenario file (kind: scenario), found kind: profile")
            ])
        ) {
            try ScenarioLoader.load(file: profile)
        }
        #expect(
            throws: InputError(issues: [
                .init(
                    location: .init(file: profile, line: 1, column: 1), path: "",
                    message: "expected a fixtures file (kind: fixtures), found kind: profile")
            ])
        ) {
            try FixturesLoader.load(file: profile)
        }
        #expect(
            throws: InputError(issues: [
                .init(
                    location: .init(file: dir.path + "/none.yaml", line: 1, column: 1), path: "",
                    message: "file not found")
            ])
        ) {
            try DocumentLoader.load(file: dir.path + "/none.yaml")
        }
    }
}
