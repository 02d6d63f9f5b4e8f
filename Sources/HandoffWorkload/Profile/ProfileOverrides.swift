
/// The model flags of `handoff-sim simulate` and `plan`, applied on top of a profile or, with no
/// profile, building the textbook model (``LoadProfile/textbook(_:)``).
///
/// Every field is optional: `nil` keeps the profile's value (or the textbook default).
public struct ProfileOverrides: Hashable, Sendable {
    /// `--arrival-rate`: Poisson arrivals per hour (replaces the profile's arrivals).
    public var arrivalRatePerHour: Double?
    /// `--agents`: agents of the (single) group.
    public var agents: Int?
    /// `--max-chats`: maxChats of every group (textbook default 1).
    public var maxChats: Int?
    /// `--handle-time`: mean handle time, seconds (exponential).
    public var handleTime: Double?
    /// `--patience`: mean patience, seconds (exponential).
    public var patience: Double?
    /// `--duration`: simulated hours per replication (default 24).
    public var durationHours: Double?
    /// `--warmup`: hours deleted from each replication (default 1).
    public var warmupHours: Double?
    public var replications: Int?
    public var seed: UInt64?
    /// `--service-level-threshold`: seconds.
    public var serviceLevelThreshold: Double?
    /// `--notification`: `instant`, `websocket`, `polling[:SECONDS]`.
    public var notification: String?
    /// `--routing`: `pickup`, `leastBusy`, `mostBusy` or `longestIdle` (aliases `manual`, `auto`).
    public var routing: String?
    /// `--admission`: `freeSlot` or `agentOnline`.
    public var admission: String?
    /// `--arrivals`: stop each replication after exactly this many requests.
    public var maxArrivals: Int?
    /// `--interval`: reporting interval, minutes.
    public var intervalMinutes: Double?

    public init() {}

    /// Why the flags cannot be used (empty when they can).
    public struct Problems: Error, Hashable, Sendable, CustomStringConvertible {
        public var messages: [String]
        public var description: String { messages.joined(separator: "\n") }
    }

    /// Checks the values on their own (signs, names), collecting every problem.
    public func problems() -> [String] {
        var out: [String] = []
        func positive(_ v: Double?, _ flag: String) {
            if let v, !(v.isFinite && v > 0) { out.append("--\(flag) must be a positive number, found \(NumberText.compact(v))") }
        }
        func nonNegative(_ v: Double?, _ flag: String) {
            if let v, !(v.isFinite && v >= 0) { out.append("--\(flag) must be a number ≥ 0, found \(NumberText.compact(v))") }
        }
        func atLeastOne(_ v: Int?, _ flag: String) {
            if let v, v < 1 { out.append("--\(flag) must be at least 1, found \(v)") }
        }
        nonNegative(arrivalRatePerHour, "arrival-rate")
        atLeastOne(agents, "agents")
        atLeastOne(maxChats, "max-chats")
        positive(handleTime, "handle-time")
        positive(patience, "patience")
        positive(durationHours, "duration")
        nonNegative(warmupHours, "warmup")
        atLeastOne(replications, "replications")
        nonNegative(serviceLevelThreshold, "service-level-threshold")
        atLeastOne(maxArrivals, "arrivals")
        positive(intervalMinutes, "interval")
        if let minutes = intervalMinutes, minutes > 0, !Self.dividesDay(minutes * 60) {
            out.append("--interval must divide 24 h into whole intervals (e.g. 15, 30, 60, 120 minutes), found \(NumberText.compact(minutes))")
        }
        if let text = notification, LoadProfile.Notification.parse(text) == nil {
            out.append("--notification '\(text)': expected instant, websocket, websocket:SECONDS, polling or polling:SECONDS")
        }
        if let text = routing, LoadProfile.Routing(name: text) == nil {
            out.append("--routing '\(text)': expected \(LoadProfile.Routing.allCases.map(\.rawValue).joined(separator: ", ")) (auto is leastBusy, manual is pickup)")
        }
        if let text = admission, LoadProfile.Admission(rawValue: text) == nil {
            out.append("--admission '\(text)': expected freeSlot or agentOnline")
        }
        return out
    }

    /// Whether `seconds` divides a day into a whole number of intervals.
    package static func dividesDay(_ seconds: Double) -> Bool {
        let n = 86_400 / seconds
        return seconds >= 1 && abs(n - n.rounded()) < 1e-9
    }

    /// The profile to simulate: `base` with these flags applied, or the textbook model when
    /// `base` is `nil` (then `--arrival-rate`, `--agents` and `--handle-time` are required).
    public func resolve(base: LoadProfile?) throws(Problems) -> LoadProfile {
        var problems = self.problems()
        var profile: LoadProfile
        if let base {
            profile = base
            if let rate = arrivalRatePerHour { profile.arrivals = .poisson(ratePerHour: rate) }
            if let agents {
                if profile.agentGroups.count == 1 {
                    profile.agentGroups[0].count = agents
                } else {
                    problems.append("--agents needs a profile with exactly one agent group; this one has \(profile.agentGroups.count)")
                }
            }
            if let maxChats { for g in profile.agentGroups.indices { profile.agentGroups[g].maxChats = maxChats } }
            if let handleTime { profile.conversation.handleTime = .exponential(mean: handleTime) }
            if let patience { profile.users.patience = .exponential(mean: patience) }
        } else {
            var missing: [String] = []
            if arrivalRatePerHour == nil { missing.append("--arrival-rate") }
            if agents == nil { missing.append("--agents") }
            if handleTime == nil { missing.append("--handle-time") }
            guard missing.isEmpty else {
                problems.append("give a PROFILE.yaml or the model flags; missing: \(missing.joined(separator: ", "))")
                throw Problems(messages: problems)
            }
            profile = LoadProfile.textbook(
                TextbookParameters(
                    arrivalRatePerHour: arrivalRatePerHour ?? 0, agents: agents ?? 1, maxChats: maxChats ?? 1, handleTime: handleTime ?? 1,
                    patience: patience))
        }
        if let text = notification, let mode = LoadProfile.Notification.parse(text) {
            for g in profile.agentGroups.indices { profile.agentGroups[g].notification = mode }
        }
        if let text = routing, let mode = LoadProfile.Routing(name: text) { profile.routing = mode }
        if let text = admission, let mode = LoadProfile.Admission(rawValue: text) { profile.admission = mode }
        if let durationHours { profile.run.horizon = durationHours * 3600 }
        if let warmupHours { profile.run.warmup = warmupHours * 3600 }
        if let replications { profile.run.replications = replications }
        if let seed { profile.run.seed = seed }
        if let serviceLevelThreshold { profile.run.serviceLevelThreshold = serviceLevelThreshold }
        if let intervalMinutes { profile.run.interval = intervalMinutes * 60 }
        if let maxArrivals {
            profile.run.maxArrivals = maxArrivals
            if durationHours == nil {
                profile.run.horizon = .infinity
                // Without a horizon only the arrivals end the run: with none, it would never end.
                if !(profile.arrivals.meanRatePerHour > 0) {
                    problems.append("--arrivals without --duration needs a positive arrival rate (the run ends after the N-th arrival)")
                }
            }
        }
        if profile.run.warmup >= profile.run.horizon {
            problems.append(
                "the warm-up (\(NumberText.compact(profile.run.warmup / 3600)) h) must be shorter than the duration (\(NumberText.compact(profile.run.horizon / 3600)) h)"
            )
        }
        guard problems.isEmpty else { throw Problems(messages: Array(Set(problems)).sorted()) }
        return profile
    }
}
