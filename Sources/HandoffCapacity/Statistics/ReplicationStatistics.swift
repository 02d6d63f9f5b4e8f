/// What one interval of the day accumulated in one replication (summed over the days of the
/// measured window).
struct IntervalAccumulator: Sendable {
    /// Requests that arrived in the interval (after-hours ones included).
    var arrivals = 0
    var afterHours = 0
    /// After-hours and abandoning visitors who left an email.
    var emailLeads = 0
    /// Queued requests whose wait ended: served, abandoned, or still waiting when the run stopped.
    var admitted = 0
    var served = 0
    var servedWithinThreshold = 0
    var abandoned = 0
    /// Still waiting when the run stopped (counted with the time waited so far, not served).
    var unfinished = 0
    /// W of every admitted request (0 for those picked up at once).
    var waits = WaitHistogram()
    /// Request → the agent's first message, for chats that had one.
    var firstResponses = WaitHistogram()
    /// Time-weighted integrals over the measured time of the interval.
    var time = 0.0
    var queueArea = 0.0
    var busyArea = 0.0
    var staffedArea = 0.0
    var maxQueue = 0

    mutating func merge(_ other: IntervalAccumulator) {
        arrivals += other.arrivals
        afterHours += other.afterHours
        emailLeads += other.emailLeads
        admitted += other.admitted
        served += other.served
        servedWithinThreshold += other.servedWithinThreshold
        abandoned += other.abandoned
        unfinished += other.unfinished
        waits.merge(other.waits)
        firstResponses.merge(other.firstResponses)
        time += other.time
        queueArea += other.queueArea
        busyArea += other.busyArea
        staffedArea += other.staffedArea
        maxQueue = max(maxQueue, other.maxQueue)
    }

    /// Every ``CapacityMetric`` of this accumulator (NaN where undefined).
    func metrics() -> [CapacityMetric: Double] {
        func ratio(_ a: Int, _ b: Int) -> Double { b == 0 ? .nan : Double(a) / Double(b) }
        func ratio(_ a: Double, _ b: Double) -> Double { b == 0 ? .nan : a / b }
        return [
            .waitProbability: waits.positiveFraction,
            .meanWaitSeconds: waits.mean,
            .serviceLevel: ratio(servedWithinThreshold, admitted),
            .abandonmentRate: ratio(abandoned, admitted),
            .occupancy: ratio(busyArea, staffedArea),
            .waitP50Seconds: waits.quantile(0.5),
            .waitP90Seconds: waits.quantile(0.9),
            .waitP95Seconds: waits.quantile(0.95),
            .waitP99Seconds: waits.quantile(0.99),
            .afterHoursProbability: ratio(afterHours, arrivals),
            .meanQueueLength: ratio(queueArea, time),
            .maxQueueLength: time > 0 ? Double(maxQueue) : .nan,
            .firstResponseSeconds: firstResponses.mean,
            .firstResponseP90Seconds: firstResponses.quantile(0.9),
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
    private(set) var intervals: [IntervalAccumulator]

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
        intervals = Array(repeating: IntervalAccumulator(), count: Int((86_400 / intervalLength).rounded(.up)))
        locate()
    }

    /// The interval of the day of time `t`.
    @inline(__always)
    func interval(of t: Double) -> Int {
        let secondOfDay = t - (t / 86_400).rounded(.down) * 86_400
        return min(Int(secondOfDay / intervalLength), intervals.count - 1)
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
        intervals[i].arrivals += 1
        if afterHours { intervals[i].afterHours += 1 }
        if emailLead { intervals[i].emailLeads += 1 }
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
        intervals[i].admitted += 1
        intervals[i].waits.record(seconds: wait)
        switch outcome {
        case .served:
            intervals[i].served += 1
            if wait <= threshold { intervals[i].servedWithinThreshold += 1 }
        case .abandoned:
            intervals[i].abandoned += 1
            if emailLead { intervals[i].emailLeads += 1 }
        case .unfinished:
            intervals[i].unfinished += 1
        }
    }

    @inline(__always)
    mutating func recordFirstResponse(bucket: Int32, delay: Double) {
        guard bucket >= 0 else { return }
        intervals[Int(bucket)].firstResponses.record(seconds: delay)
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
            intervals[bucket].time += stretchTime
            intervals[bucket].queueArea += stretchQueue
            intervals[bucket].busyArea += stretchBusy
            intervals[bucket].staffedArea += stretchStaffed
            intervals[bucket].maxQueue = max(intervals[bucket].maxQueue, stretchMaxQueue)
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
