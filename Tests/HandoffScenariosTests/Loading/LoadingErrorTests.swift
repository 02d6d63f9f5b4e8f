@testable import HandoffScenarios
import HandoffWorkload
import HandoffMeasurement
import HandoffClient
import Foundation
import HandoffTestSupport
import Testing

/// Each class of input error: the issue's exact place (file:line:column), path and message.
@Suite struct LoadingErrorTests {
    @Test func unknownKeysNameTheAllowedOnes() throws {
        let found = try issues(
            """
            kind: fixtures
            tenants:
              acme:
                nmae: Acme
            """)
        #expect(
            lines(found) == [
                "s.yaml:3:3: tenants.acme: missing required key 'name'",
                "s.yaml:4:5: tenants.acme.nmae: unknown key 'nmae'; expected one of: name, status, allowedDomains, apiKeys, users, agents, routing, passwordIterations, assistant",
            ])
    }

    @Test func unknownStepParameterAndMissingOne() throws {
        let found = try issues(
            scenarioHeader + """
                  - pickUp: ann
                    handof: visitor
                """)
        #expect(
            lines(found) == [
                "s.yaml:13:5: steps[0]: missing required key 'handoff'",
                "s.yaml:14:5: steps[0].handof: unknown key 'handof'; expected one of: pickUp, handoff, expect",
            ])
    }

    @Test func wrongTypes() throws {
        let found = try issues(
            """
            kind: fixtures
            tenants:
              acme:
                name: {first: Acme}
                allowedDomains: acme.test
                agents:
                  ann: {name: Ann, email: ann@acme.test, password: pw, maxChats: five}
                  bob: {name: Bob, email: bob@acme.test, password: pw, maxChats: 0}
                  cy: {name: Cy, email: cy@acme.test, password: pw, maxChats: 2.5, status: away}
                users:
                  boss: {email: boss@acme.test, password: pw, role: owner}
                apiKeys:
                  web: {key: \(Keys.web), expired: yes}
            """)
        #expect(
            lines(found) == [
                "s.yaml:4:11: tenants.acme.name: expected a string, found a mapping",
                "s.yaml:5:21: tenants.acme.allowedDomains: expected a list, found a string ('acme.test')",
                "s.yaml:7:70: tenants.acme.agents.ann.maxChats: expected an integer, found a string ('five')",
                "s.yaml:8:70: tenants.acme.agents.bob.maxChats: must be at least 1, found 0",
                "s.yaml:9:67: tenants.acme.agents.cy.maxChats: expected an integer, found a number ('2.5')",
                "s.yaml:9:80: tenants.acme.agents.cy.status: invalid value 'away'; expected one of: available, busy, offline",
                "s.yaml:11:57: tenants.acme.users.boss.role: invalid value 'owner'; expected one of: client_admin, support_staff",
                "s.yaml:13:103: tenants.acme.apiKeys.web.expired: expected a boolean (true or false), found a string ('yes')",
            ])
    }

    @Test func missingRequiredKeys() throws {
        let found = try issues(
            """
            kind: fixtures
            tenants:
              acme:
                name: Acme
                users:
                  boss: {email: boss@acme.test, password: pw}
                agents:
                  ann:
                    name: Ann
                    email: ann@acme.test
            """)
        #expect(
            lines(found) == [
                "s.yaml:6:7: tenants.acme.users.boss: missing required key 'role'",
                "s.yaml:8:7: tenants.acme.agents.ann: missing required key 'password'",
            ])
        let scenario = try issues("kind: scenario\ndescription: no name, no steps\n")
        #expect(lines(scenario) == ["s.yaml:1:1: missing required key 'name'", "s.yaml:1:1: missing required key 'steps'"])
    }

    @Test func undefinedReferences() throws {
        let found = try issues(
            scenarioHeader + """
                  - pickUp: zed
                    handoff: ghost
                  - expectQueue: nowhere
                  - assign: nobody
                    handoff: visitor
                    to: boss
                """)
        #expect(
            lines(found) == [
                "s.yaml:13:13: steps[0].pickUp: undefined agent 'zed'; agents in the fixtures: ann, bob",
                "s.yaml:14:14: steps[0].handoff: undefined widget 'ghost'; defined widgets: visitor",
                "s.yaml:15:18: steps[1].expectQueue: undefined tenant 'nowhere'; tenants in the fixtures: acme",
                "s.yaml:16:13: steps[2].assign: undefined user 'nobody'; users and agents in the fixtures: boss, ann, bob",
                "s.yaml:18:9: steps[2].to: undefined agent 'boss'; 'boss' is a user, not an agent",
            ])
    }

    @Test func widgetsReferenceTenantsAndTheirKeys() throws {
        let found = try issues(
            """
            kind: scenario
            name: Widgets
            tenants: {acme: {name: Acme, apiKeys: {web: \(Keys.web)}}}
            widgets:
              a: {tenant: globex, apiKey: web}
              b: {tenant: acme, apiKey: mobile}
            steps:
              - request: c
              - expectHistory: acme
                first: a
            """)
        #expect(
            lines(found) == [
                "s.yaml:5:15: widgets.a.tenant: undefined tenant 'globex'; tenants in the fixtures: acme",
                "s.yaml:6:29: widgets.b.apiKey: undefined API key 'mobile' of tenant 'acme'; its keys: web",
                "s.yaml:8:14: steps[0].request: undefined widget 'c'; defined widgets: a, b",
            ])
    }

    @Test func badDurations() throws {
        let found = try issues(
            scenarioHeader + """
                  - wait: 0s
                  - wait: 3 sec
                  - expectWidget: visitor
                    sees: hi
                    within: -1s
                  - wait: [1]
                  - expectWidget: visitor
                    sees: hi
                    within: 0
                """)
        #expect(
            lines(found) == [
                "s.yaml:13:11: steps[0].wait: must be longer than 0, found '0s'",
                "s.yaml:14:11: steps[1].wait: invalid duration '3 sec'; "
                    + "use a number with ms, s, m or h (250ms, 1.5s, 2m, 1h) or a plain number of seconds",
                "s.yaml:17:13: steps[2].within: a duration must not be negative, found '-1s'",
                "s.yaml:18:11: steps[3].wait: expected a duration (like 250ms, 3s, 2m, 1h or a number of seconds), found a list",
            ])
    }

    @Test func badAPIKeys() throws {
        let found = try issues(
            """
            kind: fixtures
            tenants:
              acme:
                name: Acme
                apiKeys:
                  short: embellics_abc
                  upper: embellics_\(String(repeating: "AB", count: 32))
                  ok: \(Keys.web)
              globex:
                name: Globex
                apiKeys: {same: {key: \(Keys.web)}}
            """)
        #expect(
            lines(found) == [
                "s.yaml:6:14: tenants.acme.apiKeys.short: invalid API key: expected 'embellics_' followed by 64 lowercase hex digits",
                "s.yaml:7:14: tenants.acme.apiKeys.upper: invalid API key: expected 'embellics_' followed by 64 lowercase hex digits",
                "s.yaml:11:27: tenants.globex.apiKeys.same: API key already used by tenants.acme.apiKeys.ok at s.yaml:8:11; a key decides the tenant",
            ])
    }

    @Test func duplicateHandlesAndEmailsAcrossTenants() throws {
        let found = try issues(
            """
            kind: fixtures
            tenants:
              acme:
                name: Acme
                users: {boss: {email: boss@acme.test, password: pw, role: client_admin}}
                agents: {ann: {name: Ann, email: ann@acme.test, password: pw}}
              globex:
                name: Globex
                users: {ann: {email: x@globex.test, password: pw, role: client_admin}}
                agents:
                  boss: {name: B, email: b@globex.test, password: pw}
                  cy: {name: Cy, email: ANN@acme.test, password: pw}
                  bad handle: {name: D, email: d@globex.test, password: pw}
            """)
        #expect(
            lines(found) == [
                "s.yaml:9:13: tenants.globex.users.ann: duplicate handle 'ann': already an agent of tenant 'acme' at s.yaml:6:14",
                "s.yaml:11:7: tenants.globex.agents.boss: duplicate handle 'boss': already a user of tenant 'acme' at s.yaml:5:13",
                "s.yaml:12:29: tenants.globex.agents.cy.email: duplicate email 'ANN@acme.test': "
                    + "already used by tenants.acme.agents.ann.email at s.yaml:6:38",
                "s.yaml:13:7: tenants.globex.agents[\"bad handle\"]: invalid agent handle 'bad handle': use letters, digits, '-' and '_'",
            ])
    }

    @Test func duplicateYAMLKeys() throws {
        let block = try issues(
            """
            kind: fixtures
            tenants:
              acme:
                name: A
                status: active
                # a comment
                name: B
            """)
        #expect(lines(block) == ["s.yaml:7:5: duplicate key 'name' (first at line 4)"])
        let flow = try issues("kind: fixtures\ntenants: {acme: {name: A, name: B}}\n")
        #expect(lines(flow) == ["s.yaml:2:18: duplicate key 'name'"])
    }

    @Test func missingOrUnknownKind() throws {
        #expect(lines(try issues("name: x\nsteps: []\n")) == ["s.yaml:1:1: missing required key 'kind' (one of: scenario, fixtures, profile)"])
        #expect(
            lines(try issues("\n\nkind: scenarios\n")) == ["s.yaml:3:7: kind: unknown kind 'scenarios'; expected one of: scenario, fixtures, profile"]
        )
        #expect(
            lines(try issues("- kind: scenario\n")) == [
                "s.yaml:1:1: expected a mapping with 'kind' (one of: scenario, fixtures, profile), found a list"
            ])
        #expect(
            lines(try issues("# nothing\n")) == [
                "s.yaml:1:1: the file is empty; expected a mapping with 'kind' (one of: scenario, fixtures, profile)"
            ])
    }

    @Test func yamlSyntaxErrorsCarryYamsPosition() throws {
        let unclosed = try issues("kind: scenario\nname: [unclosed\nsteps: []\n")
        #expect(
            lines(unclosed) == [
                "s.yaml:3:6: YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 7)"
            ])
        let badIndent = try issues("kind: scenario\nname: x\n  steps: []\n")
        #expect(lines(badIndent) == ["s.yaml:3:8: YAML syntax error: mapping values are not allowed in this context"])
    }

    @Test func stepShapes() throws {
        let found = try issues(
            scenarioHeader + """
                  - {}
                  - login: ann
                    logout: ann
                  - race: {pickUp: [ann], handoff: visitor}
                  - race:
                      - wait: 1s
                      - login: ann
                  - pickUp: ann
                    handoff: visitor
                    expect: {status: pending}
                  - race: {pickUp: [ann, bob], handoff: visitor}
                    expect: {succeeded: 2, failed: 1}
                  - expectAgent: ann
                    sees: hi
                    status: busy
                  - justText
                """)
        #expect(
            lines(found) == [
                "s.yaml:13:5: steps[0]: a step needs exactly one of: \(allVerbs); found: nothing",
                "s.yaml:14:5: steps[1]: a step needs exactly one of: \(allVerbs); found: login, logout",
                "s.yaml:16:11: steps[2].race: a race needs at least 2 actions, found 1",
                "s.yaml:18:9: steps[3].race[0]: 'wait' cannot be raced; a raced action is one of: \(actionVerbs)",
                "s.yaml:22:22: steps[4].expect.status: 'status' can only be expected of request and submitEmail, not pickUp",
                "s.yaml:24:13: steps[5].expect: succeeded (2) + failed (1) must equal the race's 2 actions",
                "s.yaml:27:5: steps[6].status: 'sees' cannot be combined with 'status': "
                    + "check the chat window and the agent's state in separate steps",
                "s.yaml:28:5: steps[7]: expected a step (a mapping with one of: \(allVerbs)), found a string ('justText')",
            ])
    }

    @Test func everyProblemInOneFileIsReported() throws {
        let found = try issues(
            """
            kind: scenario
            name: ""
            colour: blue
            tenants:
              acme:
                name: Acme
                agents: {ann: {name: Ann, email: not-an-email, password: pw, maxChats: -1}}
            widgets:
              visitor: {tenant: acme, apiKey: web}
            steps:
              - pickUp: ann
                handoff: visitor
              - wait: 0
            """)
        #expect(
            lines(found) == [
                "s.yaml:2:7: name: must not be empty",
                "s.yaml:3:1: colour: unknown key 'colour'; expected one of: kind, name, description, fixtures, tenants, widgets, steps",
                "s.yaml:7:38: tenants.acme.agents.ann.email: invalid email 'not-an-email': expected name@domain.tld, at most 254 characters",
                "s.yaml:7:76: tenants.acme.agents.ann.maxChats: must be at least 1, found -1",
                "s.yaml:9:35: widgets.visitor.apiKey: undefined API key 'web' of tenant 'acme'; it has no API keys",
                "s.yaml:13:11: steps[1].wait: must be longer than 0, found '0'",
            ])
    }
}

let allVerbs =
    "chat, request, submitEmail, send, endChat, login, logout, heartbeat, closeTab, setStatus, pickUp, reply, resolve, assign, setRouting, wait, race, "
    + "expectWidget, expectAgent, expectQueue, expectHandoff, expectHistory, expectMetrics"
let actionVerbs = "chat, request, submitEmail, send, endChat, login, logout, heartbeat, closeTab, setStatus, pickUp, reply, resolve, assign, setRouting"

/// Parameters of checks and expectations that cannot hold together.
@Suite struct CheckShapeTests {
    static let twoTenants = """
        kind: scenario
        name: Checks
        tenants:
          acme: {name: Acme, apiKeys: {web: \(Keys.web)}, agents: {ann: {name: Ann, email: ann@acme.test, password: pw}}}
          globex: {name: Globex, apiKeys: {web: \(Keys.site)}}
        widgets:
          visitor: {tenant: acme, apiKey: web}
          foreign: {tenant: globex, apiKey: web}
        steps:

        """

    @Test func checksRejectContradictionsAndForeignWidgets() throws {
        let found = try issues(
            Self.twoTenants + """
                  - expectWidget: visitor
                  - expectWidget: visitor
                    sees: a
                    notSees: b
                  - expectQueue: acme
                    order: [visitor, foreign]
                  - expectQueue: acme
                    order: [visitor]
                    count: 2
                  - expectHistory: acme
                    contains: [visitor]
                    excludes: [visitor]
                  - expectMetrics: acme
                    within: 1s
                  - expectMetrics: acme
                    pickedUp: 1.5
                    averageWaitSeconds: -2
                  - expectAgent: ann
                    handoff: visitor
                  - expectHandoff: visitor
                    status: closed
                    messageCount: -1
                """)
        #expect(
            lines(found) == [
                "s.yaml:10:5: steps[0]: missing required key 'sees' or 'notSees'",
                "s.yaml:13:5: steps[1].notSees: use either 'sees' or 'notSees', not both",
                "s.yaml:15:22: steps[2].order[1]: widget 'foreign' belongs to tenant 'globex', not 'acme'",
                "s.yaml:18:12: steps[3].count: count 2 does not match the length of 'order' (1)",
                "s.yaml:21:15: steps[4].excludes: widget 'visitor' is in both 'contains' and 'excludes'",
                "s.yaml:22:5: steps[5]: expectMetrics needs at least one of: \(MetricName.allCases.map(\.rawValue).joined(separator: ", "))",
                "s.yaml:25:15: steps[6].pickedUp: expected an integer, found a number ('1.5')",
                "s.yaml:26:25: steps[6].averageWaitSeconds: must not be negative, found -2",
                "s.yaml:27:5: steps[7]: missing required key 'sees' ('sees' and 'handoff' go together)",
                "s.yaml:30:13: steps[8].status: invalid value 'closed'; expected one of: pending, active, resolved, after-hours",
                "s.yaml:31:19: steps[8].messageCount: must be at least 0, found -1",
            ])
    }

    @Test func expectationsOfActionsAndRaces() throws {
        let found = try issues(
            Self.twoTenants + """
                  - request: visitor
                    expect: {error: Invalid API key, status: pending}
                  - submitEmail: visitor
                  - race:
                      - request: visitor
                        expect: {status: pending}
                      - endChat: visitor
                  - race: {pickUp: [ann, ann, ann], handoff: visitor}
                    expect: {failed: 1, errors: {"Handoff is not available": 2}}
                  - race: {pickUp: [ann, ann], resolve: [ann], handoff: visitor}
                  - setStatus: ann
                    status: away
                """)
        #expect(
            lines(found) == [
                "s.yaml:11:46: steps[0].expect.status: 'status' cannot be combined with 'error': a failed request has no status",
                "s.yaml:12:5: steps[1]: missing required key 'email'",
                "s.yaml:15:9: steps[2].race[0].expect: unknown key 'expect'; expected one of: request, history, lastUserMessage",
                "s.yaml:18:13: steps[3].expect: the errors add up to 2, more than failed (1)",
                "s.yaml:19:11: steps[4].race: a race shorthand needs exactly one of: pickUp, resolve (a list of agents)",
                "s.yaml:21:13: steps[5].status: invalid value 'away'; expected one of: available, busy, offline",
            ])
    }

    @Test func notUTF8IsAFileIssue() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let file = dir.path + "/bin.yaml"
        try Data([0x6B, 0x3A, 0x20, 0xFF, 0xFE, 0x0A]).write(to: URL(fileURLWithPath: file))
        #expect(throws: InputError(issues: [.init(location: .init(file: file, line: 1, column: 1), path: "", message: "the file is not UTF-8 text")]))
        {
            try DocumentLoader.load(file: file)
        }
    }
}
