@testable import HandoffScenarios
import HandoffWorkload
import HandoffMeasurement
import HandoffClient
import Foundation
import HandoffEngine
import HandoffTestSupport
import Testing

@Suite struct ScenarioLoadingTests {
    static let fixturesYAML = """
        kind: fixtures
        tenants:
          acme:
            name: Acme Inc
            allowedDomains: [acme.test]
            apiKeys:
              web: \(Keys.web)
              old: {key: \(Keys.old), expired: true}
            users:
              boss: {email: boss@acme.test, password: secret, role: client_admin, firstName: Bo, lastName: Ss}
            agents:
              ann: {name: Ann Lee, email: ann@acme.test, password: ann-pass, maxChats: 2, status: available}
              bob: {name: Bob Ray, email: bob@acme.test, password: bob-pass}
        """

    static let scenarioYAML = """
        kind: scenario
        name: Everything
        description: every step form
        fixtures: fixtures.yaml
        tenants:
          globex:
            name: Globex
            status: suspended
            apiKeys:
              site: \(Keys.site)
            agents:
              gil: {name: Gil, email: gil@globex.test, password: pw, role: client_admin, maxChats: 1}
        widgets:
          visitor: {tenant: acme, apiKey: web, chat: chat-1, referrer: "https://acme.test/pricing"}
          late: {tenant: acme, apiKey: old}
          other: {tenant: globex, apiKey: site}
        steps:
          - request: visitor
            history:
              - {role: user, content: Hi}
              - {role: assistant, content: Hello}
            lastUserMessage: I need a human
            expect: {status: pending, text: An agent will be with you shortly}
          - submitEmail: late
            email: v@x.test
            message: call me
            expect: {status: after-hours}
          - send: visitor
            text: hello?
          - endChat: late
            expect: {error: Handoff not found}
          - login: ann
          - logout: bob
          - heartbeat: ann
          - closeTab: bob
          - setStatus: ann
            status: busy
          - pickUp: ann
            handoff: visitor
          - reply: ann
            to: visitor
            text: Hi, I'm Ann
          - resolve: ann
            handoff: visitor
          - assign: boss
            handoff: visitor
            to: bob
          - wait: 3s
          - wait: 1.5
          - race: {pickUp: [ann, bob, ann], handoff: visitor}
            expect: {succeeded: 1, failed: 2, errors: {"Handoff is not available": 2}}
          - race:
              - resolve: ann
                handoff: visitor
              - endChat: visitor
          - expectWidget: visitor
            sees: Ann
            within: 250ms
          - expectWidget: visitor
            notSees: error
          - expectAgent: ann
            sees: hello?
            handoff: visitor
            within: 2m
          - expectAgent: bob
            status: offline
            activeChats: 0
            available: false
          - expectQueue: acme
            order: [visitor, late]
            count: 2
            rows:
              - {widget: visitor, lastMessage: hello?, status: pending}
          - expectHandoff: visitor
            status: active
            assignedTo: ann
            email: v@x.test
            userMessage: call me
            history: [{role: user, content: Hi}]
            messageCount: 3
          - expectHistory: acme
            contains: [visitor]
            excludes: [late]
            first: visitor
          - expectMetrics: globex
            totalRequests: 4
            averageWaitSeconds: 12.5
            within: 0
        """

    @Test func loadsEveryStepFormIntoExactValues() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let fixturesFile = try dir.write("fixtures.yaml", Self.fixturesYAML)
        let file = try dir.write("s.yaml", Self.scenarioYAML)

        let scenario = try ScenarioLoader.load(file: file)

        func at(_ line: Int, _ column: Int, _ f: String = file) -> HandoffWorkload.SourceLocation { .init(file: f, line: line, column: column) }
        let acme = Fixtures.TenantFixture(
            handle: "acme", name: "Acme Inc", allowedDomains: ["acme.test"],
            apiKeys: [
                .init(handle: "web", key: Keys.web, location: at(7, 7, fixturesFile)),
                .init(handle: "old", key: Keys.old, expired: true, location: at(8, 7, fixturesFile)),
            ],
            users: [
                .init(
                    handle: "boss", email: "boss@acme.test", password: "secret", role: .clientAdmin, firstName: "Bo", lastName: "Ss",
                    location: at(10, 7, fixturesFile))
            ],
            agents: [
                .init(
                    handle: "ann", name: "Ann Lee", email: "ann@acme.test", password: "ann-pass", maxChats: 2, status: .available,
                    location: at(12, 7, fixturesFile)),
                .init(handle: "bob", name: "Bob Ray", email: "bob@acme.test", password: "bob-pass", location: at(13, 7, fixturesFile)),
            ],
            location: at(3, 3, fixturesFile))
        let globex = Fixtures.TenantFixture(
            handle: "globex", name: "Globex", status: .suspended,
            apiKeys: [.init(handle: "site", key: Keys.site, location: at(10, 7))],
            agents: [
                .init(handle: "gil", name: "Gil", email: "gil@globex.test", password: "pw", role: .clientAdmin, maxChats: 1, location: at(12, 7))
            ],
            location: at(6, 3))
        #expect(scenario.name == "Everything")
        #expect(scenario.description == "every step form")
        #expect(scenario.file == file)
        #expect(scenario.fixtures == Fixtures(tenants: [acme, globex]))
        #expect(
            scenario.widgets == [
                WidgetActor(handle: "visitor", tenant: "acme", apiKey: "web", chatID: "chat-1", referrer: "https://acme.test/pricing"),
                WidgetActor(handle: "late", tenant: "acme", apiKey: "old"),
                WidgetActor(handle: "other", tenant: "globex", apiKey: "site"),
            ])
        #expect(scenario.widget("late")?.chatID == "chat-late")

        let hi = ChatTurn(role: "user", content: "Hi")
        let expected: [(line: Int, label: String, kind: Step.Kind)] = [
            (
                18, "request visitor",
                .act(
                    .requestHandoff(
                        widget: "visitor", history: [hi, ChatTurn(role: "assistant", content: "Hello")],
                        lastUserMessage: "I need a human"),
                    expect: ResultExpectation(status: "pending", text: "An agent will be with you shortly"))
            ),
            (
                24, "submitEmail late",
                .act(.submitEmail(widget: "late", email: "v@x.test", message: "call me"), expect: ResultExpectation(status: "after-hours"))
            ),
            (28, "send visitor", .act(.widgetSend(widget: "visitor", text: "hello?"), expect: .success)),
            (30, "endChat late", .act(.endChat(widget: "late"), expect: ResultExpectation(error: "Handoff not found"))),
            (32, "login ann", .act(.login(agent: "ann"), expect: .success)),
            (33, "logout bob", .act(.logout(agent: "bob"), expect: .success)),
            (34, "heartbeat ann", .act(.heartbeat(agent: "ann"), expect: .success)),
            (35, "closeTab bob", .act(.closeTab(agent: "bob"), expect: .success)),
            (36, "setStatus ann busy", .act(.setStatus(agent: "ann", status: .busy), expect: .success)),
            (38, "pickUp ann → visitor", .act(.pickUp(agent: "ann", widget: "visitor"), expect: .success)),
            (40, "reply ann → visitor", .act(.agentSend(agent: "ann", widget: "visitor", text: "Hi, I'm Ann"), expect: .success)),
            (43, "resolve ann → visitor", .act(.resolve(agent: "ann", widget: "visitor"), expect: .success)),
            (45, "assign visitor → bob by boss", .act(.assign(admin: "boss", widget: "visitor", agent: "bob"), expect: .success)),
            (48, "wait 3s", .wait(.seconds(3))),
            (49, "wait 1.5s", .wait(.milliseconds(1500))),
            (
                50, "race 3× pickUp → visitor",
                .race(
                    [.pickUp(agent: "ann", widget: "visitor"), .pickUp(agent: "bob", widget: "visitor"), .pickUp(agent: "ann", widget: "visitor")],
                    expect: RaceExpectation(succeeded: 1, failed: 2, errors: ["Handoff is not available": 2]))
            ),
            (
                52, "race resolve ann → visitor vs endChat visitor",
                .race([.resolve(agent: "ann", widget: "visitor"), .endChat(widget: "visitor")], expect: RaceExpectation())
            ),
            (56, "expectWidget visitor", .check(.widgetSees(widget: "visitor", text: "Ann"), within: .milliseconds(250))),
            (59, "expectWidget visitor", .check(.widgetDoesNotSee(widget: "visitor", text: "error"), within: .zero)),
            (61, "expectAgent ann", .check(.agentSees(agent: "ann", widget: "visitor", text: "hello?"), within: .seconds(120))),
            (
                65, "expectAgent bob",
                .check(.agent(agent: "bob", AgentExpectation(status: .offline, activeChats: 0, available: false)), within: .zero)
            ),
            (
                69, "expectQueue acme",
                .check(
                    .queue(
                        tenant: "acme",
                        QueueExpectation(
                            order: ["visitor", "late"], count: 2,
                            rows: [.init(widget: "visitor", lastMessage: "hello?", status: "pending")])), within: .zero)
            ),
            (
                74, "expectHandoff visitor",
                .check(
                    .handoff(
                        widget: "visitor",
                        HandoffExpectation(
                            status: "active", assignedTo: "ann", email: "v@x.test", userMessage: "call me",
                            history: [hi], messageCount: 3)), within: .zero)
            ),
            (
                81, "expectHistory acme",
                .check(.history(tenant: "acme", HistoryExpectation(contains: ["visitor"], excludes: ["late"], first: "visitor")), within: .zero)
            ),
            (85, "expectMetrics globex", .check(.metrics(tenant: "globex", [.totalRequests: 4, .averageWaitSeconds: 12.5]), within: .zero)),
        ]
        #expect(scenario.steps.count == expected.count)
        for (i, (step, want)) in zip(scenario.steps, expected).enumerated() {
            #expect(step == Step(index: i + 1, location: at(want.line, 5), label: want.label, kind: want.kind), "step \(i + 1)")
        }
        #expect(scenario.steps[9].reference == "step 10 (pickUp ann → visitor) at \(file):38:5")
    }

    @Test func documentLoaderReturnsEachKind() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let fixtures = try dir.write("fixtures.yaml", Self.fixturesYAML)
        let scenario = try dir.write("s.yaml", Self.scenarioYAML)
        let profile = try dir.write(
            "p.yaml", "kind: profile\nname: p\narrivals: {poisson: {ratePerHour: 60}}\nagents: {day: {count: 2}}\nconversation: {handleTime: {exponential: 5m}}\n")

        let documents = try DocumentLoader.loadAll([fixtures, scenario, profile])

        #expect(documents.map(\.kind) == ["fixtures", "scenario", "profile"])
        #expect(documents.map(\.file) == [fixtures, scenario, profile])
        guard case .fixtures(let loaded, let file) = documents[0] else { Issue.record("not fixtures"); return }
        #expect(file == fixtures)
        #expect(loaded.tenants.map(\.handle) == ["acme"])
        #expect(loaded.agent("bob")?.agent.maxChats == 5)
        #expect(loaded.agent("bob")?.agent.status == .offline)
        #expect(loaded.agent("bob")?.agent.role == .supportStaff)
        // A profile is recognised by its kind, not parsed here (ProfileLoader's job).
        #expect(documents[2] == .other(.profile, file: profile))
        #expect(try FixturesLoader.load(file: fixtures) == loaded)
    }

    @Test func durationsAcceptEveryUnitExactly() throws {
        let yaml =
            scenarioHeader + """
                  - wait: 250ms
                  - wait: 2m
                  - wait: 1h
                  - wait: 0.1s
                  - wait: 2
                  - wait: "0.75"
                """
        let dir = try TempDir()
        defer { dir.remove() }
        let scenario = try ScenarioLoader.load(file: try dir.write("s.yaml", yaml))
        let waits = scenario.steps.map(\.kind)
        #expect(
            waits == [
                .wait(.milliseconds(250)), .wait(.seconds(120)), .wait(.seconds(3600)), .wait(.milliseconds(100)),
                .wait(.seconds(2)), .wait(.milliseconds(750)),
            ])
        #expect(scenario.steps.map(\.label) == ["wait 250ms", "wait 2m", "wait 1h", "wait 0.1s", "wait 2s", "wait 0.75s"])
    }

    @Test func scenarioWithoutFixturesOrWidgetsNeedsNoReferences() throws {
        let dir = try TempDir()
        defer { dir.remove() }
        let scenario = try ScenarioLoader.load(file: try dir.write("s.yaml", "kind: scenario\nname: Idle\nsteps:\n  - wait: 1s\n"))
        #expect(scenario.fixtures == Fixtures())
        #expect(scenario.widgets.isEmpty)
        #expect(
            scenario.steps == [Step(index: 1, location: .init(file: scenario.file, line: 4, column: 5), label: "wait 1s", kind: .wait(.seconds(1)))])
    }

    /// The scenarios shipped in the repository load (all of them, with their shared fixtures).
    @Test func repositoryScenariosLoad() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scenarios").path
        try #require(FileManager.default.fileExists(atPath: root))
        let documents = try DocumentLoader.loadAll(try DocumentLoader.discover([root]))
        let scenarios = documents.compactMap { document -> Scenario? in
            if case .scenario(let scenario) = document { return scenario }
            return nil
        }
        #expect(!scenarios.isEmpty)
        #expect(documents.contains { $0.kind == "fixtures" })
        #expect(scenarios.allSatisfy { !$0.steps.isEmpty })
    }
}
