import HandoffMeasurement

/// What one interval of the day — or a whole replication — accumulated in one replication
/// (summed over the days of the measured window).
///
/// Durations go into HdrHistograms (``LatencyRecorder``) next to their exact sums (for the
/// means). The recorders count zeros apart, so P(W > 0) is exact; the service level is counted
/// directly (``servedWithinThreshold``), not read from a histogram. Their range is the widest
/// (about 51 days: in an overloaded desk a wait can last hours).
///
/// Precision follows the role. An interval of the day keeps its distributions at 2 significant
/// digits (``LatencyRecorder/Precision/coarse``: quantiles within 0.8 %, as precise as the
/// simulator's statistics were before; 27 KiB a recorder), because there are intervals ×
/// replications of them and they only ever yield quantile numbers. The whole replication
/// (``ReplicationStatistics/intervals``' last element) keeps them at the reports' 3 digits
/// (188 KiB), the encoding `simulate.json` carries and merges. A recorder allocates its counters
/// at its first positive value, so an interval where nobody waited, and first responses when
/// messages are not modelled, cost nothing: a default run (24 intervals × 10 replications) holds
/// about 8 MiB of histograms.
struct IntervalAccumulator: Sendable {
    /// Requests that arrived in the interval (after-hours ones included).
    var arrivals = 0
    var afterHours = 0
    /// After-hours and abandoning visitors who left an email.
    var emailLeads = 0
    /// Queued requests whose wait ended: served, abandoned, or still waiting when the run
    /// stopped — one recorded wait each.
    var admitted: Int { waits.count }
    var served = 0
    var servedWithinThreshold = 0
    var abandoned = 0
    /// Still waiting when the run stopped (counted with the time waited so far, not served).
    var unfinished = 0
    /// W of every admitted request (0 for those picked up at once), and their exact sum in seconds.
    var waits: LatencyRecorder
    var waitSeconds = 0.0
    /// Request → the agent's first message, for chats that had one, and their exact sum in seconds.
    var firstResponses: LatencyRecorder
    var firstResponseSeconds = 0.0
    /// Time-weighted integrals over the measured time of the interval.
    var time = 0.0
    var queueArea = 0.0
    var busyArea = 0.0
    var staffedArea = 0.0
    var maxQueue = 0

    /// An empty accumulator: `.coarse` for an interval of the day, `.report` for a whole replication.
    init(precision: LatencyRecorder.Precision = .coarse) {
        waits = LatencyRecorder(highestTrackableMicroseconds: LatencyRecorder.maximumHighestTrackableMicroseconds, precision: precision)
        firstResponses = waits
    }

    /// Records a wait of `seconds` (negative counts as 0).
    /// - Complexity: O(1), no allocation after the accumulator's first positive wait.
    @inline(__always)
    mutating func recordWait(_ seconds: Double) {
        if seconds > 0 { waitSeconds += seconds }
        waits.record(seconds: seconds)
    }

    @inline(__always)
    mutating func recordFirstResponse(_ seconds: Double) {
        if seconds > 0 { firstResponseSeconds += seconds }
        firstResponses.record(seconds: seconds)
    }

    /// Adds `other`'s counts, sums and integrals; not its distributions.
    mutating func addCounts(_ other: IntervalAccumulator) {
        arrivals += other.arrivals
        afterHours += other.afterHours
        emailLeads += other.emailLeads
        served += other.served
        servedWithinThreshold += other.servedWithinThreshold
        abandoned += other.abandoned
        unfinished += other.unfinished
        waitSeconds += other.waitSeconds
        firstResponseSeconds += other.firstResponseSeconds
        time += other.time
        queueArea += other.queueArea
        busyArea += other.busyArea
        staffedArea += other.staffedArea
        maxQueue = max(maxQueue, other.maxQueue)
    }

    /// Adds everything `other` accumulated; both must have the same precision.
    mutating func merge(_ other: IntervalAccumulator) {
        addCounts(other)
        waits.merge(other.waits)
        firstResponses.merge(other.firstResponses)
    }

    /// The accumulators combined (all of one precision; an empty `.coarse` one when there are none).
    static func merged(_ parts: some Sequence<IntervalAccumulator>) -> IntervalAccumulator {
        var total: IntervalAccumulator?
        for part in parts {
            if total == nil { total = IntervalAccumulator(precision: part.waits.precision) }
            total!.merge(part)
        }
        return total ?? IntervalAccumulator()
    }

    /// E[W] over admitted requests, seconds (exact, not from the buckets); NaN when none.
    var meanWait: Double { waits.count == 0 ? .nan : waitSeconds / Double(waits.count) }

    /// Every ``CapacityMetric`` of this accumulator (NaN where undefined). Quantiles are
    /// HdrHistogram's (the top of the bucket holding the rank, never above the maximum; exactly 0
    /// inside the atom at zero).
    func metrics() -> [CapacityMetric: Double] {
        func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? .nan : Double(a) / Double(b) }
        func ratio(_ a: Double, _ b: Double) -> Double { b == 0 ? .nan : a / b }
        func seconds(_ recorder: LatencyRecorder, _ percentiles: [Double]) -> [Double] {
            guard recorder.count > 0 else { return percentiles.map { _ in .nan } }
            return recorder.valuesAtPercentiles(percentiles).map { Double($0) / 1_000_000 }
        }
        let w = seconds(waits, [50, 90, 95, 99])
        let f = seconds(firstResponses, [90])
        return [
            .waitProbability: ratio(waits.count - waits.zeroCount, waits.count),
            .meanWaitSeconds: meanWait,
            .serviceLevel: ratio(servedWithinThreshold, admitted),
            .abandonmentRate: ratio(abandoned, admitted),
            .occupancy: ratio(busyArea, staffedArea),
            .waitP50Seconds: w[0],
            .waitP90Seconds: w[1],
            .waitP95Seconds: w[2],
            .waitP99Seconds: w[3],
            .afterHoursProbability: ratio(afterHours, arrivals),
            .meanQueueLength: ratio(queueArea, time),
            .maxQueueLength: time > 0 ? Double(maxQueue) : .nan,
            .firstResponseSeconds: ratio(firstResponseSeconds, Double(firstResponses.count)),
            .firstResponseP90Seconds: f[0],
            .arrivalsPerHour: ratio(Double(arrivals), time / 3600),
            .emailLeadRate: ratio(emailLeads, arrivals),
        ]
    }
}

/// The statistics of one replication: visitor-based ones filed under the interval of the day in
/// which the visitor arrived, time-weighted ones integrated over the measured window
/// [warm-up, horizon) and split at interval boundaries.
struct ReplicationStatistics: Sendable {
    let warmup: Double
    private(set) var horizon: Double
    let intervalLength: Double
    let threshold: Double
    /// One accumulator per interval of the day (coarse distributions).
    private var perInterval: [IntervalAccumulator]
    /// The whole replication's distributions at the reports' precision (its counts are filled in
    /// by ``intervals``).
    private var wholeRun = IntervalAccumulator(precision: .report)

    /// What the replication accumulated: one accumulator per interval of the day, then one for
    /// the whole replication — the intervals' counts summed, with the waits and first responses
    /// at the reports' precision (``IntervalAccumulator``). Read once, at the end.
    var intervals: [IntervalAccumulator] {
        var whole = wholeRun
        for interval in perInterval { whole.addCounts(interval) }
        return perInterval + [whole]
    }

    // Time-weighted state: the current values, and what the current stretch accumulated.
    var queueLength = 0
    var busySlots = 0
    var staffedSlots = 0
    private var lastTime = 0.0
    private var bucket = -1
    private var nextBoundary = 0.0
    private var stretchTime = 0.0
    private var stretchQueue = 0.0
    private var stretchBusy = 0.0
    private var stretchStaffed = 0.0
    private var stretchMaxQueue = 0

    init(warmup: Double, horizon: Double, intervalLength: Double, threshold: Double) {
        self.warmup = warmup
        self.horizon = horizon
        self.intervalLength = intervalLength
        self.threshold = threshold
        perInterval = Array(repeating: IntervalAccumulator(), count: Int((86_400 / intervalLength).rounded(.up)))
        locate()
    }

    /// The interval of the day of time `t`.
    @inline(__always)
    func interval(of t: Double) -> Int {
        let secondOfDay = t - (t / 86_400).rounded(.down) * 86_400
        return min(Int(secondOfDay / intervalLength), perInterval.count - 1)
    }

    // MARK: Visitors

    /// Counts an arrival at `t` (non-decreasing from call to call) and returns the interval it
    /// is filed under, −1 if outside the measured window. The visitor keeps it for
    /// ``recordWait(bucket:wait:outcome:emailLead:)``.
    @inline(__always)
    mutating func recordArrival(at t: Double, afterHours: Bool, emailLead: Bool) -> Int32 {
        if !(t >= arrivalBucketStart && t < arrivalBucketEnd) { locateArrival(t) }
        let i = Int(arrivalBucket)
        guard i >= 0 else { return -1 }
        perInterval[i].arrivals += 1
        if afterHours { perInterval[i].afterHours += 1 }
        if emailLead { perInterval[i].emailLeads += 1 }
        return arrivalBucket
    }

    /// The arrival interval cache: [start, end) of the current stretch with one bucket.
    private var arrivalBucket: Int32 = -1
    private var arrivalBucketStart = 1.0
    private var arrivalBucketEnd = 0.0

    private mutating func locateArrival(_ t: Double) {
        if t < warmup {
            arrivalBucket = -1
            arrivalBucketStart = -.infinity
            arrivalBucketEnd = warmup
        } else if t >= horizon {
            arrivalBucket = -1
            arrivalBucketStart = horizon
            arrivalBucketEnd = .infinity
        } else {
            arrivalBucket = Int32(interval(of: t))
            arrivalBucketStart = (t / intervalLength).rounded(.down) * intervalLength
            arrivalBucketEnd = min(arrivalBucketStart + intervalLength, horizon)
        }
    }

    /// A queued visitor's wait ended: picked up (`served`), abandoned, or cut off at the end.
    /// `bucket` is what ``recordArrival(at:afterHours:emailLead:)`` returned for it.
    @inline(__always)
    mutating func recordWait(bucket: Int32, wait: Double, outcome: WaitOutcome, emailLead: Bool = false) {
        guard bucket >= 0 else { return }
        let i = Int(bucket)
        perInterval[i].recordWait(wait)
        wholeRun.waits.record(seconds: wait)
        switch outcome {
        case .served:
            perInterval[i].served += 1
            if wait <= threshold { perInterval[i].servedWithinThreshold += 1 }
        case .abandoned:
            perInterval[i].abandoned += 1
            if emailLead { perInterval[i].emailLeads += 1 }
        case .unfinished:
            perInterval[i].unfinished += 1
        }
    }

    @inline(__always)
    mutating func recordFirstResponse(bucket: Int32, delay: Double) {
        guard bucket >= 0 else { return }
        perInterval[Int(bucket)].recordFirstResponse(delay)
        wholeRun.firstResponses.record(seconds: delay)
    }

    enum WaitOutcome { case served, abandoned, unfinished }

    // MARK: Time-weighted

    /// Integrates the current queue length, busy and staffed slots up to `t`. Call before
    /// changing any of them.
    @inline(__always)
    mutating func advance(to t: Double) {
        if t >= nextBoundary { crossBoundaries(upTo: t) }
        if bucket >= 0 {
            let dt = t - lastTime
            stretchTime += dt
            stretchQueue += Double(queueLength) * dt
            stretchBusy += Double(busySlots) * dt
            stretchStaffed += Double(staffedSlots) * dt
        }
        lastTime = t
    }

    /// Call after the queue grew.
    @inline(__always)
    mutating func noteQueueLength() {
        if queueLength > stretchMaxQueue { stretchMaxQueue = queueLength }
    }

    private mutating func crossBoundaries(upTo t: Double) {
        while t >= nextBoundary {
            if bucket >= 0 {
                let dt = nextBoundary - lastTime
                stretchTime += dt
                stretchQueue += Double(queueLength) * dt
                stretchBusy += Double(busySlots) * dt
                stretchStaffed += Double(staffedSlots) * dt
            }
            lastTime = nextBoundary
            flush()
            locate()
        }
    }

    /// Files the current stretch under its interval.
    private mutating func flush() {
        if bucket >= 0 {
            perInterval[bucket].time += stretchTime
            perInterval[bucket].queueArea += stretchQueue
            perInterval[bucket].busyArea += stretchBusy
            perInterval[bucket].staffedArea += stretchStaffed
            perInterval[bucket].maxQueue = max(perInterval[bucket].maxQueue, stretchMaxQueue)
        }
        stretchTime = 0
        stretchQueue = 0
        stretchBusy = 0
        stretchStaffed = 0
        stretchMaxQueue = queueLength
    }

    /// The bucket of `lastTime` and the next time it changes.
    private mutating func locate() {
        let t = lastTime
        if t < warmup {
            bucket = -1
            nextBoundary = warmup
        } else if t >= horizon {
            bucket = -1
            nextBoundary = .infinity
        } else {
            bucket = interval(of: t)
            let nextInterval = ((t / intervalLength).rounded(.down) + 1) * intervalLength
            nextBoundary = min(nextInterval, horizon)
        }
        stretchMaxQueue = queueLength
    }

    /// Ends the measured window early, at `t` ≥ the last time advanced to (arrivals stopped
    /// after a fixed count).
    mutating func closeWindow(at t: Double) {
        horizon = t
        arrivalBucketEnd = min(arrivalBucketEnd, t)
        if lastTime < t { nextBoundary = min(nextBoundary, t) } else { crossBoundaries(upTo: t) }
    }

    /// Closes the time-weighted integrals at `t` (at least the horizon).
    mutating func finish(at t: Double) {
        advance(to: max(t, horizon))
        flush()
    }
}
