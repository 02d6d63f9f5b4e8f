@testable import HandoffScenarios
import HandoffEngine
import HandoffTestSupport
import HandoffWorkload
import Testing

/// The `chat:` step (the visitor and the scripted assistant) and the `assistant:` fixture key.
@Suite struct AssistantStepTests {
    static func load(_ yaml: String) throws -> Scenario {
        let dir = try TempDir()
        defer { dir.remove() }
        guard case .scenario(let s) = try DocumentLoader.load(file: try dir.write("s.yaml", yaml)) else {
            throw HandoffError.invalid("file", "not a scenario")
        }
        return s
    }

    static let header = """
        kind: scenario
        name: Assistant
        tenants:
          acme:
            name: Acme
            apiKeys: {web: \(Keys.web)}
            agents: {ann: {name: Ann, email: ann@acme.test, password: pw}}
            assistant:
              greeting: Hello!
              rules: [{keywords: [refund], reply: Refunds take 3 days.}]
        widgets: {visitor: {tenant: acme, apiKey: web}}
        steps:

        """

    @Test func repliesAreCheckedAndTheTranscriptBecomesTheHistory() async throws {
        let passing = try Self.load(
            Self.header + """
              - login: ann
              - chat: visitor
                message: "I want a refund"
                expect: {replies: [Hello!, Refunds take 3 days.]}
              - request: visitor
              - expectHandoff: visitor
                history:
                  - {role: user, content: "I want a refund"}
                  - {role: assistant, content: "Hello!"}
                  - {role: assistant, content: "Refunds take 3 days."}
            """)
        let result = await ScenarioRunner().run(passing, driver: InProcessDriver(seed: 3))
        #expect(result.passed, "\(result.failures)")

        let wrong = try Self.load(
            Self.header + """
              - chat: visitor
                message: "I want a refund"
                expect: {replies: [Hello!]}
            """)
        let failed = await ScenarioRunner().run(wrong, driver: InProcessDriver(seed: 3))
        #expect(!failed.passed)
        #expect(failed.failures.first?.reason == "expected the replies 'Hello!', got 'Hello!', 'Refunds take 3 days.'", "\(failed.failures)")
    }

    @Test func badStepsAndScriptsAreClearErrors() throws {
        let found = try issues(
            scenarioHeader + """
                  - chat: visitor
                  - send: visitor
                    text: hi
                    expect: {replies: [x]}
                  - chat: nobody
                    message: hi
            """)
        #expect(
            lines(found) == [
                "s.yaml:13:9: steps[0]: missing required key 'message'",
                "s.yaml:16:27: steps[1].expect.replies: 'replies' can only be expected of chat, not send",
                "s.yaml:17:15: steps[2].chat: undefined widget 'nobody'; defined widgets: visitor",
            ])
        let script = try issues(
            """
            kind: fixtures
            tenants:
              acme:
                name: Acme
                assistant:
                  greeting: ""
                  rules: [{keywords: ["!!"], reply: x}, {reply: y}]
                  handoffAfterMessages: 0
                  tone: friendly
            """)
        #expect(
            lines(script) == [
                "s.yaml:6:17: tenants.acme.assistant.greeting: must not be empty",
                "s.yaml:7:27: tenants.acme.assistant.rules[0].keywords[0]: a keyword needs letters or digits, found '!!'",
                "s.yaml:7:45: tenants.acme.assistant.rules[1]: missing required key 'keywords'",
                "s.yaml:8:29: tenants.acme.assistant.handoffAfterMessages: must be at least 1, found 0",
                "s.yaml:9:7: tenants.acme.assistant.tone: unknown key 'tone'; expected one of: greeting, defaultReply, rules, handoffAfterMessages, handoffSuggestion",
            ])
    }
}
