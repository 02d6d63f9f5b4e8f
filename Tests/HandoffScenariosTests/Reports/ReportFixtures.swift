@testable import HandoffScenarios
import HandoffWorkload
import HandoffMeasurement
import HandoffClient

/// Reports with awkward text: commas, quotes, newlines, markup characters and a control character.
enum ReportFixtures {
    static let trickyName = "Tricky <&>\"' name, with comma"
    static let trickyStep = "step 4 (pickUp ann → visitor) at scenarios/02.yaml:23:5"
    /// Contains a newline and U+0001, which XML 1.0 forbids.
    static let trickyReason = "expected <queued> & got \"picked\"\nsecond line\u{1}"

    static func waitSummary(_ milliseconds: [Int]) -> LatencySummary {
        var recorder = LatencyRecorder()
        for ms in milliseconds { recorder.record(.milliseconds(ms)) }
        return recorder.summary()
    }

    /// Three scenarios: passed with metrics and a finding, failed with two failures, passed bare.
    /// `reverseMetricOrder` builds the metrics dictionaries in the other insertion order.
    static func report(reverseMetricOrder: Bool = false) -> RunReport {
        var counts = ScenarioResult.Counts()
        counts.requested = 3
        counts.pickedUp = 2
        counts.resolved = 2
        counts.afterHours = 1
        var metricPairs = [
            ("wait", waitSummary([5, 10, 20])),
            ("delivery.agentToWidget", waitSummary([1, 2])),
            ("op.pickUp", waitSummary([3])),
        ]
        if reverseMetricOrder { metricPairs.reverse() }
        var metrics: [String: LatencySummary] = [:]
        for (name, summary) in metricPairs { metrics[name] = summary }

        let first = ScenarioResult(
            name: "pick-up race, two agents", file: "scenarios/01-race.yaml", failures: [], stepsRun: 6, stepsTotal: 6,
            wallMilliseconds: 12.5, scenarioMilliseconds: 60_000, counts: counts, metrics: metrics,
            findings: ["poll returned a message already seen (the `since` defect) <b>"]
        )
        let second = ScenarioResult(
            name: trickyName, file: "scenarios/02 \"quoted\".yaml",
            failures: [
                .init(step: trickyStep, reason: trickyReason),
                .init(step: "step 5 (resolve)", reason: "agent at capacity; 'maxChats' = 2"),
            ],
            stepsRun: 4, stepsTotal: 7, wallMilliseconds: 3.25, scenarioMilliseconds: 1_500,
            counts: ScenarioResult.Counts(), metrics: ["wait": waitSummary([100])], findings: []
        )
        let third = ScenarioResult(
            name: "after hours email", file: "scenarios/03-after-hours.yaml", failures: [], stepsRun: 2, stepsTotal: 2,
            wallMilliseconds: 0.75, scenarioMilliseconds: 0, counts: ScenarioResult.Counts(), metrics: [:], findings: []
        )
        return RunReport(
            toolVersion: "0.1.0", commandLine: ["handoff-sim", "run", "scenarios/", "--format", "json,csv"], seed: 42,
            startedAt: "2025-01-02T03:04:05Z", endedAt: "2025-01-02T03:04:06Z", target: "http://localhost:8080/",
            scenarios: [first, second, third], skipped: [.init(file: "scenarios/profile.yaml", kind: "load profile")]
        )
    }
}
