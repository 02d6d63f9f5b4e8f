import HandoffMeasurement
/// The result of `handoff-sim run`: the JSON report's model and the source of every other format.
///
/// Stable keys (users' scripts read them; never rename): `summary.{total, passed, failed}`,
/// `scenarios[].{name, file, passed, failures[].{step, reason}}`.
public struct RunReport: Codable, Hashable, Sendable {
    public var tool: String
    public var toolVersion: String
    public var commandLine: [String]
    public var seed: UInt64
    /// ISO-8601 wall-clock times of the run.
    public var startedAt: String
    public var endedAt: String
    /// `inprocess` or the live server's URL.
    public var target: String
    public private(set) var summary: Summary
    public private(set) var scenarios: [ScenarioResult]
    /// Files under the given paths that are not scenarios (fixtures, load profiles), not run.
    public var skipped: [SkippedFile]

    public init(tool: String = "handoff-sim", toolVersion: String, commandLine: [String], seed: UInt64, startedAt: String, endedAt: String,
                target: String, scenarios: [ScenarioResult], skipped: [SkippedFile]) {
        self.tool = tool
        self.toolVersion = toolVersion
        self.commandLine = commandLine
        self.seed = seed
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.target = target
        self.scenarios = scenarios
        self.skipped = skipped
        let passed = scenarios.filter(\.passed).count
        self.summary = Summary(total: scenarios.count, passed: passed, failed: scenarios.count - passed)
    }

    public struct Summary: Codable, Hashable, Sendable {
        public var total: Int
        public var passed: Int
        public var failed: Int
    }

    public struct SkippedFile: Codable, Hashable, Sendable {
        public var file: String
        public var kind: String
        public init(file: String, kind: String) {
            self.file = file
            self.kind = kind
        }
    }
}

/// One scenario's outcome.
public struct ScenarioResult: Codable, Hashable, Sendable {
    public var name: String
    public var file: String
    public private(set) var passed: Bool
    /// Every failed check, in order; empty when passed.
    public private(set) var failures: [Failure]
    /// Steps executed (a scenario stops at its first failed step).
    public var stepsRun: Int
    public var stepsTotal: Int
    /// Wall-clock time the scenario took, in milliseconds.
    public var wallMilliseconds: Double
    /// Time that passed on the scenario's clock (virtual in-process), in milliseconds.
    public var scenarioMilliseconds: Double
    public var counts: Counts
    /// Measured quantities by name: `wait`, `delivery.agentToWidget`, `delivery.widgetToAgent`,
    /// `op.<action>` (how long each action took to answer).
    public var metrics: [String: LatencySummary]
    /// Observations that are not failures of the scenario's own checks but say something about
    /// the service (e.g. a poll returned a message already seen: the `since` defect).
    public var findings: [String]

    public init(name: String, file: String, failures: [Failure], stepsRun: Int, stepsTotal: Int, wallMilliseconds: Double,
                scenarioMilliseconds: Double, counts: Counts, metrics: [String: LatencySummary], findings: [String]) {
        self.name = name
        self.file = file
        self.passed = failures.isEmpty
        self.failures = failures
        self.stepsRun = stepsRun
        self.stepsTotal = stepsTotal
        self.wallMilliseconds = wallMilliseconds
        self.scenarioMilliseconds = scenarioMilliseconds
        self.counts = counts
        self.metrics = metrics
        self.findings = findings
    }

    public struct Failure: Codable, Hashable, Sendable {
        /// Which step: "step 4 (pickUp ann → visitor) at scenarios/02.yaml:23:5".
        public var step: String
        public var reason: String
        public init(step: String, reason: String) {
            self.step = step
            self.reason = reason
        }
    }

    /// Handoffs as the scenario's widgets experienced them.
    public struct Counts: Codable, Hashable, Sendable {
        public var requested = 0
        public var pickedUp = 0
        public var resolved = 0
        public var afterHours = 0
        public var abandoned = 0
        public init() {}
    }
}
