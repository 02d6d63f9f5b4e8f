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
        /// Multi-chat agents under the shared-rate model (limited processor sharing): the exact
        /// chain over the agents' loads (``SharedRateChain``), delay or loss.
        case sharedRate
    }

    public var formula: Formula
    /// The Erlang model; under ``Formula/sharedRate`` the same rates with s = N·c slots (for
    /// the offered load), the chain itself in ``sharedRate``.
    public var model: QueueModel
    /// The shared-rate chain's model and solution (``Formula/sharedRate`` only).
    public var sharedRate: (model: SharedRateModel, solution: SharedRateSolution)?
    /// In the simulator's definitions (see ``CapacityMetric``): wait statistics over the
    /// requests that were queued, i.e. not after-hours.
    public var summary: AnalyticSummary
    /// P(a request gets the after-hours form): Erlang B's blocking probability, else 0.
    public var afterHoursProbability: Double
    /// E[number waiting] (Erlang C/A), 0 for Erlang B.
    public var meanQueueLength: Double

    public static func == (a: Self, b: Self) -> Bool {
        a.formula == b.formula && a.model == b.model && a.summary == b.summary && a.afterHoursProbability == b.afterHoursProbability
            && a.meanQueueLength == b.meanQueueLength && a.sharedRate?.model == b.sharedRate?.model && a.sharedRate?.solution == b.sharedRate?.solution
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(formula)
        hasher.combine(model)
        hasher.combine(summary)
    }

    /// P(W ≤ t) of a queued request, abandoned ones counting as not served.
    public func waitCDF(_ t: Double) -> Double {
        switch formula {
        case .erlangB: 1
        case .erlangC: ErlangC.serviceLevel(model, within: t) ?? .nan
        case .erlangA: 1 - ErlangA.metrics(model).waitExceedanceProbability(beyond: t)
        case .sharedRate: sharedRate.map { 1 - $0.solution.waitExceedance(beyond: t) } ?? .nan
        }
    }

    /// The `q`-quantile of the wait of a queued request.
    public func waitQuantile(_ q: Double) -> Double? {
        switch formula {
        case .erlangB: 0
        case .erlangC: ErlangC.waitQuantile(model, q)
        case .erlangA: ErlangA.metrics(model).waitQuantile(q)
        case .sharedRate: sharedRate?.solution.waitQuantile(q)
        }
    }
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
        var sharedRate = false
        if slowsDown {
            if case .shared = conversation.concurrency { sharedRate = true } else {
                reasons.append("handle time grows with concurrent chats (slowdown fixed at pick-up)")
            }
        }
        for group in agentGroups {
            if group.notification != .instant { reasons.append("group \(group.name): notification \(group.notification.label), not instant") }
            if !group.pickUpTime.isZero { reasons.append("group \(group.name): pick-up time is not zero") }
            if !group.shifts.isEmpty { reasons.append("group \(group.name): has shifts") }
        }
        let slots = totalSlots
        let lambda = ratePerHour / 3600
        let handle = conversation.handleTime.mean
        if sharedRate { return sharedRateReference(lambda: lambda, reasons: reasons) }
        switch admission {
        case .freeSlot:
            guard reasons.isEmpty else { return (nil, reasons) }
            let a = lambda * handle
            let b = ErlangB.blockingProbability(servers: slots, offeredLoad: a)
            let model = QueueModel(arrivalRate: lambda, meanHandleTime: handle, servers: slots)
            let summary = AnalyticSummary(
                waitProbability: 0, meanWaitSeconds: 0, serviceLevel: 1, abandonmentRate: 0,
                occupancy: slots == 0 ? 0 : a * (1 - b) / Double(slots), waitP90Seconds: 0, waitP99Seconds: 0)
            return (AnalyticReference(formula: .erlangB, model: model, sharedRate: nil, summary: summary, afterHoursProbability: b, meanQueueLength: 0), [])
        case .agentOnline:
            reasons += markovianReasons()
            guard reasons.isEmpty else { return (nil, reasons) }
            let model = QueueModel(arrivalRate: lambda, meanHandleTime: handle, servers: slots, meanPatience: users.patience?.mean)
            guard let summary = Analytic.summary(model, serviceLevelThreshold: run.serviceLevelThreshold) else {
                return (nil, [Self.unstable + "offered load \(NumberText.compact(model.offeredLoad)) ≥ \(slots) slots and nobody abandons"])
            }
            let queue = model.meanPatience == nil ? (ErlangC.meanQueueLength(model) ?? .nan) : ErlangA.metrics(model).meanQueueLength
            return (
                AnalyticReference(
                    formula: model.meanPatience == nil ? .erlangC : .erlangA, model: model, sharedRate: nil, summary: summary, afterHoursProbability: 0,
                    meanQueueLength: queue), []
            )
        }
    }
}

extension LoadProfile {
    /// The shared-rate chain, when its assumptions hold besides those checked already
    /// (`reasons` so far): exponential work and patience, one `maxChats` for every agent, and a
    /// routing policy the chain knows.
    private func sharedRateReference(lambda: Double, reasons: [String]) -> (reference: AnalyticReference?, reasons: [String]) {
        var reasons = reasons + markovianReasons()
        let limits = Set(agentGroups.map(\.maxChats))
        if limits.count > 1 { reasons.append("agents differ in maxChats (\(limits.sorted().map(String.init).joined(separator: ", ")))") }
        guard reasons.isEmpty, let c = limits.first else { return (nil, reasons) }
        let routing: SharedRateModel.Routing
        switch self.routing {
        case .leastBusy: routing = .leastBusy
        case .mostBusy: routing = .mostBusy
        case .pickup: routing = .random  // instant notification, no pick-up time: a random free agent reacts first
        case .longestIdle:
            return (nil, ["routing longestIdle: who gets a request depends on when each agent last changed, not only on the loads (no chain over loads)"])
        }
        let team = SharedRateModel(
            arrivalRate: lambda, meanWork: conversation.handleTime.mean, agents: agentGroups.reduce(0) { $0 + $1.count }, maxChats: c,
            throughput: (1...c).map { conversation.throughput(chats: $0)! }, meanPatience: users.patience?.mean, routing: routing,
            admission: admission == .freeSlot ? .loss : .queue)
        let solution: SharedRateSolution
        switch SharedRateChain.solve(team) {
        case .success(let solved): solution = solved
        case .failure(let error): return (nil, [error.isUnstable ? Self.unstable + error.reason : "shared-rate chain: \(error.reason)"])
        }
        let model = QueueModel(
            arrivalRate: lambda, meanHandleTime: team.meanWork, servers: team.agents * c, meanPatience: team.meanPatience)
        let threshold = run.serviceLevelThreshold
        let summary = AnalyticSummary(
            waitProbability: solution.waitProbability, meanWaitSeconds: solution.meanWait,
            serviceLevel: team.admission == .loss ? 1 : solution.serviceLevel(within: threshold),
            abandonmentRate: solution.abandonmentProbability, occupancy: solution.occupancy,
            waitP90Seconds: solution.waitQuantile(0.9) ?? .nan, waitP99Seconds: solution.waitQuantile(0.99) ?? .nan)
        return (
            AnalyticReference(
                formula: .sharedRate, model: model, sharedRate: (team, solution), summary: summary,
                afterHoursProbability: solution.blockingProbability, meanQueueLength: solution.meanQueueLength), []
        )
    }
}

extension LoadProfile {
    /// The first words of the one reason given when an exact model applies but has no
    /// stationary state (no patience, the arrivals at or above the team's full rate): an exact
    /// miss of every target, as `plan` reads it.
    public static let unstable = "unstable: "

    /// Whether concurrent chats change how long a chat takes, for some group.
    public var slowsDown: Bool { agentGroups.contains { conversation.hasSlowdown(maxChats: $0.maxChats) } }

    /// Why the work and patience are not the Markov chains' (exponential work; patience
    /// exponential or absent — a loss system's patience never matters).
    func markovianReasons() -> [String] {
        var reasons: [String] = []
        if !conversation.handleTime.isExponential { reasons.append("handle time is \(conversation.handleTime.label), not exponential") }
        if admission == .agentOnline, let patience = users.patience, !patience.isExponential {
            reasons.append("patience is \(patience.label), not exponential")
        }
        return reasons
    }
}

extension Tenant.Routing {
    /// The engine's policy of the profile's routing (`pickup` is `manual`).
    init(_ routing: LoadProfile.Routing) {
        switch routing {
        case .pickup: self = .manual
        case .leastBusy: self = .leastBusy
        case .mostBusy: self = .mostBusy
        case .longestIdle: self = .longestIdle
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
