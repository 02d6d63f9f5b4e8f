import HandoffEngine
import HandoffWorkload

/// The queueing formula that describes a profile exactly, with its predictions.
public struct AnalyticReference: Hashable, Sendable {
    public enum Formula: String, Hashable, Sendable, Encodable {
        /// Loss system M/M/s/s (admission `freeSlot`, instant pick-up): nobody waits, a request
        /// finding every slot busy gets the after-hours form.
        case erlangB
        /// Delay system M/M/s (admission `agentOnline`, nobody abandons).
        case erlangC
        /// Delay system with exponential patience M/M/s+M.
        case erlangA
    }

    public var formula: Formula
    public var model: QueueModel
    /// In the simulator's definitions (see ``CapacityMetric``): wait statistics over the
    /// requests that were queued, i.e. not after-hours.
    public var summary: AnalyticSummary
    /// P(a request gets the after-hours form): Erlang B's blocking probability, else 0.
    public var afterHoursProbability: Double
    /// E[number waiting] (Erlang C/A), 0 for Erlang B.
    public var meanQueueLength: Double
}

extension LoadProfile {
    /// The formula that applies exactly to this profile, or `nil` with every reason why none does.
    ///
    /// Erlang C / Erlang A (``Analytic/summary(_:serviceLevelThreshold:)``) apply when: Poisson
    /// arrivals at one constant rate; exponential handle time; no slowdown; patience absent or
    /// exponential; every group `instant` with zero pick-up time and no shifts; admission
    /// `agentOnline` (so a request waits for a slot instead of being sent to after-hours); and,
    /// without patience, a stable load a < s. Messages and routing do not matter (FCFS, work
    /// conserving). Erlang B applies instead under admission `freeSlot` with the same conditions
    /// except that the handle time may have any distribution (insensitivity) and patience does
    /// not matter (nobody waits).
    public func analyticReference() -> (reference: AnalyticReference?, reasons: [String]) {
        var reasons: [String] = []
        guard let ratePerHour = arrivals.constantRatePerHour else {
            return (nil, ["arrival rate varies over the day"])
        }
        if conversation.hasSlowdown { reasons.append("handle time grows with concurrent chats (slowdown)") }
        for group in agentGroups {
            if group.notification != .instant { reasons.append("group \(group.name): notification \(group.notification.label), not instant") }
            if !group.pickUpTime.isZero { reasons.append("group \(group.name): pick-up time is not zero") }
            if !group.shifts.isEmpty { reasons.append("group \(group.name): has shifts") }
        }
        let slots = totalSlots
        let lambda = ratePerHour / 3600
        let handle = conversation.handleTime.mean
        switch admission {
        case .freeSlot:
            guard reasons.isEmpty else { return (nil, reasons) }
            let a = lambda * handle
            let b = ErlangB.blockingProbability(servers: slots, offeredLoad: a)
            let model = QueueModel(arrivalRate: lambda, meanHandleTime: handle, servers: slots)
            let summary = AnalyticSummary(
                waitProbability: 0, meanWaitSeconds: 0, serviceLevel: 1, abandonmentRate: 0,
                occupancy: slots == 0 ? 0 : a * (1 - b) / Double(slots), waitP90Seconds: 0, waitP99Seconds: 0)
            return (AnalyticReference(formula: .erlangB, model: model, summary: summary, afterHoursProbability: b, meanQueueLength: 0), [])
        case .agentOnline:
            if !conversation.handleTime.isExponential { reasons.append("handle time is \(conversation.handleTime.label), not exponential") }
            if let patience = users.patience, !patience.isExponential { reasons.append("patience is \(patience.label), not exponential") }
            guard reasons.isEmpty else { return (nil, reasons) }
            let model = QueueModel(arrivalRate: lambda, meanHandleTime: handle, servers: slots, meanPatience: users.patience?.mean)
            guard let summary = Analytic.summary(model, serviceLevelThreshold: run.serviceLevelThreshold) else {
                return (nil, ["unstable: offered load \(NumberText.compact(model.offeredLoad)) ≥ \(slots) slots and nobody abandons"])
            }
            let queue = model.meanPatience == nil ? (ErlangC.meanQueueLength(model) ?? .nan) : ErlangA.metrics(model).meanQueueLength
            return (
                AnalyticReference(
                    formula: model.meanPatience == nil ? .erlangC : .erlangA, model: model, summary: summary, afterHoursProbability: 0,
                    meanQueueLength: queue), []
            )
        }
    }
}

extension HandoffCore.Admission {
    /// The engine's rule of the same name as the profile's.
    init(_ admission: LoadProfile.Admission) {
        switch admission {
        case .freeSlot: self = .freeSlot
        case .agentOnline: self = .agentOnline
        }
    }
}
