import Foundation
import HandoffEngine
import HandoffWorkload

/// A load profile estimated from a team's own handoff history (`handoff-sim fit`).
///
/// - **Arrivals**: requests per hour for each interval of the day, each interval's count over
///   the time the history covers it (partial first and last days count for what they cover).
/// - **Work and throughput** (the shared-rate model with exponential work): while an agent holds
///   k chats it completes them at rate F(k)·μ, so the maximum-likelihood estimate of that rate
///   is the chats completed while agents held k, over the time agents spent holding k (open chats
///   at the end of the export count as time without a completion). μ is the rate at k = 1
///   (mean work 1/μ), F(k) the rate at k over μ. Chats that were worked alone from start to end
///   check the exponential assumption: their coefficient of variation should be near 1.
/// - **Patience** from the waits of queued requests, censored: a request picked up after w
///   seconds had patience above w, one that gave up after w had patience w, one still waiting
///   at the end of the export had patience above its wait so far. Exponential patience's
///   estimate is gave-ups over total waiting time; the Kaplan–Meier curve gives its median
///   without that assumption.
/// - **After hours**: the share of requests answered with the email form, and the shares of
///   those, and of the visitors who gave up, who left an email.
///
/// What the history cannot say is written as an assumption in the profile: the routing, the
/// admission rule, notification, pick-up times and shifts.
public struct HandoffFit: Sendable {
    public struct Interval: Sendable {
        /// Seconds after midnight.
        public var start: Double
        public var ratePerHour: Double
        public var requests: Int
        /// Hours of history covering this interval of the day.
        public var coveredHours: Double
    }

    public struct Level: Sendable {
        public var chats: Int
        public var completions: Int
        /// Agent-hours spent holding this many chats.
        public var hours: Double
        /// F(k).
        public var throughput: Double
    }

    public var file: String
    public var requests: Int
    public var days: Double
    public var intervals: [Interval]
    public var agents: Int
    public var maxChats: Int
    /// 1/μ, seconds.
    public var meanWork: Double
    public var levels: [Level]
    /// Chats worked alone throughout: how many and their durations' coefficient of variation.
    public var soloChats: Int
    public var soloVariation: Double?
    /// Queued requests (not after-hours) and those that gave up (with a known time).
    public var queued: Int
    public var abandonments: Int
    public var waitingHours: Double
    /// Exponential patience's mean, seconds; `nil` when nobody gave up.
    public var meanPatience: Double?
    /// Kaplan–Meier median patience, seconds; `nil` when the curve stays above one half.
    public var medianPatience: Double?
    public var afterHours: Int
    public var emailAfterHours: Double?
    public var emailAfterAbandon: Double?
    /// Where the data is thin or an assumption looks doubtful.
    public var warnings: [String]

    /// Fewer samples than this behind an estimate earn a warning.
    public static let thinSample = 30

    /// Why a history cannot be fitted at all.
    public struct Failure: Error, Hashable, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// - Parameters:
    ///   - interval: the length of an interval of the day, seconds; divides 24 h.
    ///   - until: when the export was taken (seconds since the epoch): chats still open and
    ///     requests still waiting are censored there, and the arrival rates count the time up to
    ///     it. Default: the history's latest timestamp.
    /// - Throws: ``Failure`` when no handoff was picked up and resolved (nothing says who the
    ///   agents are or how long a chat takes), or when `until` is before the latest timestamp.
    public static func fit(_ history: HandoffHistory, interval: Double = 3600, until: Double? = nil) throws(Failure) -> HandoffFit {
        let records = history.records
        let first = records.map(\.requested).min() ?? 0
        if let until, until < history.end {
            throw Failure(description: "--until is before the history's latest timestamp (\(Timestamp(milliseconds: Int64(history.end * 1000)).iso8601))")
        }
        let last = max(until ?? history.end, first)
        var warnings: [String] = []

        // Arrivals per interval of the (local) day, over the time the history covers each.
        let count = Int((86_400 / interval).rounded())
        var perInterval = [Int](repeating: 0, count: count)
        for r in records { perInterval[min(count - 1, Int(secondOfDay(r.requested + r.utcOffset) / interval))] += 1 }
        let shift = records.first?.utcOffset ?? 0
        let covered = (0..<count).map { coverage(of: $0, length: interval, from: first + shift, to: last + shift) }
        let intervals = (0..<count).map { i in
            Interval(
                start: Double(i) * interval, ratePerHour: covered[i] > 0 ? Double(perInterval[i]) / (covered[i] / 3600) : 0,
                requests: perInterval[i], coveredHours: covered[i] / 3600)
        }
        let days = (last - first) / 86_400
        if days < 7 { warnings.append("the history covers \(NumberText.fixed(days, 1)) days: each hour of the day is seen fewer than 7 times") }

        // Completions and exposure at each concurrency level, agent by agent. A chat picked up
        // and resolved in the same instant has no time at any level: it is left out.
        var chatsByAgent: [String: [(start: Double, end: Double?)]] = [:]
        var instantChats = 0
        for r in records {
            guard case .served(let p, let e, let agent) = r.outcome else { continue }
            if e == p {
                instantChats += 1
                continue
            }
            chatsByAgent[agent, default: []].append((p, e))
        }
        guard !chatsByAgent.isEmpty else {
            throw Failure(
                description: "no handoff in \(history.file) was picked up and lasted any time: who the agents are and how long a chat takes cannot be fitted")
        }
        if instantChats > 0 { warnings.append("\(instantChats) chats were picked up and resolved in the same instant: left out of the work fit") }
        var completions: [Int] = [0]
        var exposure: [Double] = [0]
        var soloDurations: [Double] = []
        for (_, chats) in chatsByAgent {
            // Ends before starts at the same instant (no chat ends where it starts, see above);
            // open chats end with the export.
            var events: [(time: Double, delta: Int, closes: Bool)] = []
            for c in chats {
                events.append((c.start, 1, false))
                events.append((c.end ?? last, -1, c.end != nil))
            }
            events.sort { $0.time != $1.time ? $0.time < $1.time : $0.delta < $1.delta }
            var k = 0
            var previous = events.first?.time ?? 0
            for e in events {
                if k > 0 {
                    while exposure.count <= k { exposure.append(0); completions.append(0) }
                    exposure[k] += e.time - previous
                }
                previous = e.time
                if e.delta < 0, e.closes {
                    while completions.count <= k { exposure.append(0); completions.append(0) }
                    completions[k] += 1
                }
                k += e.delta
            }
            soloDurations += soloChats(chats)
        }
        let maxChats = max(1, exposure.count - 1)
        var levels: [Level] = []
        let soloRate = exposure.count > 1 && exposure[1] > 0 ? Double(completions[1]) / exposure[1] : 0
        var previousF = 1.0
        for k in 1...maxChats {
            let rate = exposure[k] > 0 ? Double(completions[k]) / exposure[k] : 0
            var f = soloRate > 0 ? rate / soloRate : Double(k)
            if k == 1 { f = 1 }
            if completions[k] == 0 && k > 1 {
                warnings.append("no chat ended while an agent held \(k): F(\(k)) is taken as F(\(k - 1))")
                f = previousF
            } else if completions[k] < thinSample {
                warnings.append("F(\(k)) rests on \(completions[k]) completions (fewer than \(thinSample))")
            }
            previousF = f
            levels.append(Level(chats: k, completions: completions[k], hours: exposure[k] / 3600, throughput: f))
        }
        let meanWork = soloRate > 0 ? 1 / soloRate : mean(soloDurations) ?? 600
        if soloRate == 0 { warnings.append("no chat ended while its agent held only it: the work time cannot be fitted (600 s assumed)") }
        let variation = coefficientOfVariation(soloDurations)
        if let variation, soloDurations.count >= thinSample, abs(variation - 1) > 0.25 {
            warnings.append(
                "chats worked alone have a coefficient of variation of \(NumberText.fixed(variation, 2)) (exponential: 1): the fitted exponential work may misstate the waits")
        }

        // Patience: waits of queued requests, censored by pick-up or the export's end.
        var exposures: [(time: Double, event: Bool)] = []
        var unknownEnds = 0
        var abandonedTotal = 0, abandonedWithEmail = 0
        for r in records {
            switch r.outcome {
            case .served(let p, _, _): exposures.append((p - r.requested, false))
            case .abandoned(let at):
                abandonedTotal += 1
                if r.leftEmail { abandonedWithEmail += 1 }
                if let at { exposures.append((at - r.requested, true)) } else { unknownEnds += 1 }
            case .waiting: exposures.append((last - r.requested, false))
            case .afterHours: break
            }
        }
        if unknownEnds > 0 { warnings.append("\(unknownEnds) requests gave up without resolved_at: left out of the patience fit") }
        let abandonments = exposures.filter(\.event).count
        let waiting = exposures.reduce(0) { $0 + $1.time }
        let meanPatience = abandonments > 0 ? waiting / Double(abandonments) : nil
        if abandonments > 0 && abandonments < thinSample { warnings.append("patience rests on \(abandonments) requests that gave up (fewer than \(thinSample))") }
        if abandonments == 0 { warnings.append("nobody gave up in \(exposures.count) waits: the profile has no patience (nobody abandons)") }

        let afterHoursRecords = records.filter { $0.outcome == .afterHours }
        if !afterHoursRecords.isEmpty && afterHoursRecords.count < thinSample {
            warnings.append("the email share after hours rests on \(afterHoursRecords.count) requests (fewer than \(thinSample))")
        }
        return HandoffFit(
            file: history.file, requests: records.count, days: days, intervals: intervals, agents: chatsByAgent.count, maxChats: maxChats,
            meanWork: meanWork, levels: levels, soloChats: soloDurations.count, soloVariation: variation, queued: exposures.count,
            abandonments: abandonments, waitingHours: waiting / 3600, meanPatience: meanPatience, medianPatience: kaplanMeierMedian(exposures),
            afterHours: afterHoursRecords.count,
            emailAfterHours: afterHoursRecords.isEmpty ? nil : Double(afterHoursRecords.filter(\.leftEmail).count) / Double(afterHoursRecords.count),
            emailAfterAbandon: abandonedTotal == 0 ? nil : Double(abandonedWithEmail) / Double(abandonedTotal), warnings: warnings)
    }

    /// The durations of the closed chats no other chat of their agent overlapped (in start order,
    /// a chat is alone when it starts after every earlier one ended and ends before the next starts).
    private static func soloChats(_ chats: [(start: Double, end: Double?)]) -> [Double] {
        let sorted = chats.map { ($0.start, $0.end ?? .infinity) }.sorted { $0.0 < $1.0 }
        var out: [Double] = []
        var endedBefore = -Double.infinity  // the latest end among the earlier chats
        for (i, chat) in sorted.enumerated() {
            let nextStart = i + 1 < sorted.count ? sorted[i + 1].0 : .infinity
            if chat.0 >= endedBefore, chat.1 <= nextStart, chat.1.isFinite { out.append(chat.1 - chat.0) }
            endedBefore = max(endedBefore, chat.1)
        }
        return out
    }

    /// Seconds of `[from, to]` that fall in interval `i` (of `length` seconds) of some day,
    /// counted day by day only at the two ends.
    static func coverage(of i: Int, length: Double, from: Double, to: Double) -> Double {
        guard to > from else { return 0 }
        func overlap(day: Double) -> Double {
            let lo = max(from, day + Double(i) * length), hi = min(to, day + Double(i + 1) * length)
            return max(0, hi - lo)
        }
        let firstDay = (from / 86_400).rounded(.down) * 86_400, lastDay = (to / 86_400).rounded(.down) * 86_400
        if firstDay == lastDay { return overlap(day: firstDay) }
        let between = max(0, (lastDay - firstDay) / 86_400 - 1)
        return overlap(day: firstDay) + between * length + overlap(day: lastDay)
    }

    /// The median of a right-censored sample by Kaplan–Meier, or `nil` when the curve stays above 1/2.
    static func kaplanMeierMedian(_ sample: [(time: Double, event: Bool)]) -> Double? {
        let sorted = sample.sorted { $0.time != $1.time ? $0.time < $1.time : ($0.event && !$1.event) }
        var atRisk = Double(sorted.count)
        var survival = 1.0
        var i = 0
        while i < sorted.count {
            let t = sorted[i].time
            var events = 0.0, leaving = 0.0
            while i < sorted.count, sorted[i].time == t {
                if sorted[i].event { events += 1 }
                leaving += 1
                i += 1
            }
            if events > 0 {
                survival *= 1 - events / atRisk
                if survival <= 0.5 { return t }
            }
            atRisk -= leaving
        }
        return nil
    }

    private static func secondOfDay(_ t: Double) -> Double {
        let s = t.truncatingRemainder(dividingBy: 86_400)
        return s < 0 ? s + 86_400 : s
    }

    private static func mean(_ xs: [Double]) -> Double? { xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count) }

    private static func coefficientOfVariation(_ xs: [Double]) -> Double? {
        guard xs.count >= 2, let m = mean(xs), m > 0 else { return nil }
        let variance = xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count - 1)
        return variance.squareRoot() / m
    }

    // MARK: The profile

    /// The fitted profile as YAML, a comment on each value with what it rests on.
    public func profileYAML(name: String? = nil) -> String {
        func n(_ v: Double, _ decimals: Int = 3) -> String { NumberText.fixed(v, decimals) }
        var y = "# Fitted by `handoff-sim fit` from \(file): \(requests) requests over \(n(days, 1)) days.\n"
        y += "# Not in the history, so assumed below: routing, admission, notification and pick-up time, shifts.\n"
        y += "kind: profile\n"
        y += "name: \(Self.quoted(name ?? "fitted from \((file as NSString).lastPathComponent)"))\n"
        y += "arrivals:\n  piecewise:                           # requests per hour by time of day (count / hours of history)\n"
        for i in intervals {
            let from = NumberText.timeOfDay(i.start)
            y += "    - {from: \"\(from)\", ratePerHour: \(n(i.ratePerHour))}   # \(i.requests) in \(n(i.coveredHours, 1)) h\n"
        }
        y += "agents:\n"
        y += "  team: {count: \(agents), maxChats: \(maxChats)}   # agents seen; maxChats: the most chats one held at once\n"
        y += "conversation:\n"
        let solo = levels.first
        y += "  handleTime: {exponential: \(n(meanWork, 1))}   # work of a chat alone: \(solo?.completions ?? 0) chats ended in \(n(solo?.hours ?? 0, 1)) agent-hours at 1 chat"
        if let soloVariation { y += "; \(soloChats) worked alone throughout, CV \(n(soloVariation, 2))" }
        y += "\n"
        if maxChats > 1 {
            let f = levels.map { n($0.throughput) }.joined(separator: ", ")
            y += "  concurrency: {model: shared, throughput: [\(f)]}\n"
            for l in levels.dropFirst() {
                y += "  #   F(\(l.chats)): \(l.completions) chats ended in \(n(l.hours, 1)) agent-hours at \(l.chats) chats\n"
            }
        }
        y += "users:\n"
        if let meanPatience {
            y += "  patience: {exponential: \(n(meanPatience, 1))}   # \(abandonments) of \(queued) queued gave up over \(n(waitingHours, 1)) h of waiting"
            y += medianPatience.map { "; Kaplan–Meier median \(n($0, 1)) s (exponential: \(n(meanPatience * log(2), 1)) s)" } ?? ""
            y += "\n"
        } else {
            y += "  # patience: none — nobody gave up in \(queued) waits\n"
        }
        if let emailAfterHours { y += "  emailAfterHours: \(n(emailAfterHours))   # of \(afterHours) after-hours answers\n" }
        if let emailAfterAbandon { y += "  emailAfterAbandon: \(n(emailAfterAbandon))\n" }
        y += "routing: pickup                        # assumed: the reference platform's manual pick-up\n"
        if afterHours > 0 {
            y += "admission: freeSlot                    # the contract's rule, which answered \(afterHours) requests after hours; plan needs agentOnline\n"
        } else {
            y += "admission: agentOnline                 # assumed: requests wait while an agent is online (plan needs it)\n"
        }
        y += "# after hours: \(afterHours) of \(requests) requests (\(n(requests > 0 ? Double(afterHours) / Double(requests) : 0))) got the email form\n"
        y += "run: {horizon: 24h, warmup: 1h, replications: 10, seed: 1}\n"
        return y
    }

    private static func quoted(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
