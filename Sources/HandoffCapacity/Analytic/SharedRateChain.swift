import Foundation
import HandoffWorkload

/// A team of multi-chat agents under the shared-rate (limited processor sharing) model: an
/// agent holding k chats works at F(k) times the rate of one chat, shared equally among them.
///
/// Assumptions, beyond those of ``QueueModel`` (Poisson arrivals at λ, exponential work of mean
/// 1/μ at solo speed, exponential patience of waiting chats, stationary values, seconds):
/// - N identical agents, each holding at most c = ``maxChats`` chats;
/// - ``throughput`` F(1)…F(c) > 0: with k chats an agent completes chats at rate F(k)·μ
///   (each of its chats at F(k)/k of its solo speed; with exponential work only the total
///   matters);
/// - routing is work conserving and instant: a request is placed the moment it arrives if some
///   agent has a free slot, and a freed slot takes the head of the queue at once. ``Routing``
///   says which agent gets it;
/// - admission ``Admission/queue`` (a request waits while every slot is taken) or
///   ``Admission/loss`` (it is turned away, the after-hours form).
public struct SharedRateModel: Hashable, Sendable, Encodable {
    public enum Routing: String, Hashable, Sendable, CaseIterable, Encodable {
        /// An agent with the fewest chats (the engine's `leastBusy`; which one of them does not
        /// change the load vector).
        case leastBusy
        /// An agent with the most chats that still has a free slot (the engine's `mostBusy`).
        case mostBusy
        /// An agent chosen uniformly among those with a free slot (pick-up by instantly notified
        /// agents, the simulator's `manual` with instant notification and no pick-up time).
        case random
    }

    public enum Admission: String, Hashable, Sendable, Encodable {
        case queue, loss
    }

    /// λ, requests per second.
    public var arrivalRate: Double
    /// 1/μ, the mean work of a chat at solo speed, seconds.
    public var meanWork: Double
    /// N.
    public var agents: Int
    /// c.
    public var maxChats: Int
    /// F(1)…F(c).
    public var throughput: [Double]
    /// 1/θ of a waiting request; `nil`: nobody abandons.
    public var meanPatience: Double?
    public var routing: Routing
    public var admission: Admission

    public init(
        arrivalRate: Double, meanWork: Double, agents: Int, maxChats: Int, throughput: [Double], meanPatience: Double? = nil,
        routing: Routing = .leastBusy, admission: Admission = .queue
    ) {
        self.arrivalRate = arrivalRate
        self.meanWork = meanWork
        self.agents = agents
        self.maxChats = maxChats
        self.throughput = throughput
        self.meanPatience = meanPatience
        self.routing = routing
        self.admission = admission
    }

    /// F(k), 1 ≤ k ≤ c.
    func rate(chats k: Int) -> Double { throughput[k - 1] }

    /// The number of load vectors (n₀…n_c), Σ nₖ = N: C(N + c, c).
    public var stateCount: Double {
        var count = 1.0
        for i in 0..<max(0, maxChats) { count = count * Double(agents + i + 1) / Double(i + 1) }
        return count
    }

    /// Why the chain cannot be solved as given, or `nil`.
    func problem(stateLimit: Int) -> SharedRateChainError? {
        problemText(stateLimit: stateLimit).map { SharedRateChainError(reason: $0, isUnstable: $0.hasPrefix("unstable")) }
    }

    private func problemText(stateLimit: Int) -> String? {
        guard arrivalRate.isFinite, arrivalRate >= 0 else { return "the arrival rate must be finite and ≥ 0" }
        guard meanWork.isFinite, meanWork > 0 else { return "the mean work must be finite and > 0" }
        guard agents >= 1, maxChats >= 1 else { return "at least one agent with at least one chat is needed" }
        guard throughput.count == maxChats else { return "\(throughput.count) throughput factors F(k) for \(maxChats) chats an agent" }
        guard throughput.allSatisfy({ $0.isFinite && $0 > 0 }) else { return "every throughput factor F(k) must be finite and > 0" }
        if let meanPatience, !(meanPatience.isFinite && meanPatience > 0) { return "the mean patience must be finite and > 0" }
        guard stateCount <= Double(stateLimit) else {
            return "\(Int(stateCount.rounded())) load vectors (\(agents) agents × \(maxChats) chats) exceed the limit of \(stateLimit)"
        }
        if admission == .queue, meanPatience == nil, arrivalRate >= Double(agents) * rate(chats: maxChats) / meanWork {
            return "unstable: \(NumberText.compact(arrivalRate * 3600))/h reach the full team's rate of \(NumberText.compact(Double(agents) * rate(chats: maxChats) / meanWork * 3600))/h and nobody abandons"
        }
        return nil
    }
}

/// The exact stationary measures of a ``SharedRateModel``, from ``SharedRateChain/solve(_:stateLimit:)``.
/// Encoded with its public fields (reports).
public struct SharedRateSolution: Hashable, Sendable, Encodable {
    /// P(a request must wait) (queue admission; PASTA: the chance that every slot is taken).
    public var waitProbability: Double
    /// P(a request is turned away) (loss admission), 0 otherwise.
    public var blockingProbability: Double
    /// E[wait] over all requests that were queued (0 for those placed at once), seconds.
    public var meanWait: Double
    /// E[number waiting].
    public var meanQueueLength: Double
    /// Fraction of queued requests that abandon.
    public var abandonmentProbability: Double
    /// E[chats held] / (N·c).
    public var occupancy: Double
    /// E[chats held by one agent].
    public var meanLoadPerAgent: Double
    /// P(an agent holds k chats), k = 0…c (averaged over the agents).
    public var loadDistribution: [Double]
    /// Load vectors of the chain.
    public var states: Int
    /// Gauss–Seidel sweeps until the balance equations held.
    public var sweeps: Int
    /// ‖πQ‖₁ of the load-vector chain at the end (the balance equations' residual).
    public var residual: Double
    /// Bound on the probability left out where the queue was truncated (0: summed exactly).
    public var truncatedMass: Double

    let distribution: ErlangAWaitDistribution?
    /// Without patience: the full team's drain rate minus λ (the waits of those who wait are Exp of it).
    let drainSurplus: Double

    private enum CodingKeys: String, CodingKey {
        case waitProbability, blockingProbability, meanWait, meanQueueLength, abandonmentProbability, occupancy, meanLoadPerAgent
        case loadDistribution, states, sweeps, residual, truncatedMass
    }

    /// P(served within `t` of arriving), over the queued requests; abandoned ones are not served.
    public func serviceLevel(within t: Double) -> Double {
        if let distribution { return distribution.serviceLevel(within: t) }
        if t < 0 { return 0 }
        return 1 - waitProbability * exp(-drainSurplus * t)
    }

    /// P(W > t): still waiting `t` after arriving (queued requests).
    public func waitExceedance(beyond t: Double) -> Double {
        if let distribution { return distribution.waitExceedance(beyond: t) }
        if t < 0 { return 1 }
        return waitProbability * exp(-drainSurplus * t)
    }

    /// The `q`-quantile of the wait (served or abandoned), seconds.
    public func waitQuantile(_ q: Double) -> Double? {
        guard q >= 0, q <= 1 else { return nil }
        if let distribution { return distribution.waitQuantile(q, meanWait: meanWait) }
        if q <= 1 - waitProbability || waitProbability == 0 { return 0 }
        if q == 1 { return .infinity }
        return log(waitProbability / (1 - q)) / drainSurplus
    }
}

/// Solves ``SharedRateModel`` exactly, as a continuous-time Markov chain.
///
/// With work-conserving, instant routing a request waits only while all N agents hold c chats,
/// and from "full, m waiting" a completion (rate N·F(c)·μ) frees a slot that the head of the
/// queue takes at once. So the state is the load vector n = (n₀…n_c), nₖ agents holding k chats,
/// plus the queue length, which is nonzero only in the full vector (n_c = N), where the queue is
/// a birth–death chain with birth rate λ and death rates r + mθ, r = N·F(c)·μ.
///
/// The chain censored to the load vectors (each excursion into the queue starts and ends at
/// "full, nobody waiting") is the same under either admission: arrivals to the full vector
/// are ignored, an arrival elsewhere moves one agent from load k to k+1 (k chosen by the routing
/// policy), and a completion at an agent with k chats (rate nₖ·F(k)·μ) moves it to k−1. Its
/// stationary law p̃ is solved by Gauss–Seidel on the sparse balance equations, the states
/// ordered by total load, each sweep followed by an exact step on the chain lumped by load
/// (iterative aggregation–disaggregation); sweeps stop when the largest relative change is below
/// 1e-12, and the residual ‖p̃Q‖₁ (relative to the total flow) is reported — a residual above
/// 1e-9 is a failure, not a solution. Then
///
///     π(n) = p̃(n)/Z,  π(full, m) = p̃(full)·ρₘ/Z,  ρₘ = Πₖ₌₁ᵐ λ/(r + kθ),  Z = 1 − p̃(full) + p̃(full)·Σₘ ρₘ
///
/// (``PatientQueueTail``, which reports where the series was cut and a bound on what was left;
/// without patience the series is geometric and summed exactly). Waits follow as in Erlang A with
/// sμ replaced by r. With F(k) = k this is Erlang C/A (or B, under loss) with N·c servers.
public enum SharedRateChain {
    /// Chains with more load vectors than this are not solved by default (C(N + c, c)).
    public static let defaultStateLimit = 200_000

    /// The solution, or why there is none.
    public static func solve(_ model: SharedRateModel, stateLimit: Int = defaultStateLimit) -> Result<SharedRateSolution, SharedRateChainError> {
        if let problem = model.problem(stateLimit: stateLimit) { return .failure(problem) }
        let chain = LoadVectorChain(model)
        let (p, sweeps, residual) = chain.stationary()
        guard residual <= 1e-9 else {
            return .failure(SharedRateChainError(reason: "the solver did not converge: residual \(residual) after \(sweeps) sweeps"))
        }
        return .success(measures(model, chain: chain, censored: p, sweeps: sweeps, residual: residual))
    }

    private static func measures(_ m: SharedRateModel, chain: LoadVectorChain, censored p: [Double], sweeps: Int, residual: Double) -> SharedRateSolution {
        let n = m.agents, c = m.maxChats
        let lambda = m.arrivalRate
        let mu = 1 / m.meanWork
        let drain = Double(n) * m.rate(chats: c) * mu
        let full = chain.fullState
        let pFull = p[full]

        // The queue's part: π(full, m) for m ≥ 0 and its tail sums (queue admission only).
        var distribution: ErlangAWaitDistribution?
        var waitProbability = 0.0, meanQueue = 0.0, truncated = 0.0, z = 1.0
        var drainSurplus = 0.0
        if m.admission == .queue, lambda > 0, pFull > 0 {
            if let patience = m.meanPatience {
                let tail = PatientQueueTail(arrivalRate: lambda, drainRate: drain, abandonmentRate: 1 / patience)
                let logZ = Analytic.logAddExp(log1p(-pFull), log(pFull) + tail.logPeak + log(tail.mass))
                z = exp(logZ)
                let queue = tail.stationary(factor: exp(log(pFull) + tail.logPeak - logZ))
                waitProbability = min(1, queue.queueTail[0])
                meanQueue = queue.meanLength
                truncated = tail.neglectedMass
                distribution = ErlangAWaitDistribution(
                    fullServiceRate: drain, abandonmentRate: 1 / patience, noWaitProbability: max(0, 1 - waitProbability),
                    queueTail: queue.queueTail, servedTail: queue.servedTail)
            } else {
                // Σ_{m≥0} x^m = 1/(1 − x), Σ m·x^m = x/(1 − x)², x = λ/r < 1.
                let x = lambda / drain
                z = 1 - pFull + pFull / (1 - x)
                waitProbability = pFull / (1 - x) / z
                meanQueue = pFull * x / ((1 - x) * (1 - x)) / z
                drainSurplus = drain - lambda
            }
        }

        // The load: below full from p̃/Z; every waiting state holds N·c chats.
        var perLevel = [Double](repeating: 0, count: c + 1)
        var held = Analytic.CompensatedSum()
        for s in 0..<chain.count {
            let weight = p[s] / z
            for k in 0...c {
                let agents = Double(chain.agents(atLoad: k, in: s))
                perLevel[k] += weight * agents
                held.add(weight * agents * Double(k))
            }
        }
        let queuedBeyond = max(0, waitProbability - pFull / z)  // P(full, m ≥ 1)
        perLevel[c] += queuedBeyond * Double(n)
        held.add(queuedBeyond * Double(n * c))
        let meanHeld = held.value

        let abandonment = m.meanPatience.map { lambda > 0 ? min(1, meanQueue / $0 / lambda) : 0 } ?? 0
        return SharedRateSolution(
            waitProbability: waitProbability,
            blockingProbability: m.admission == .loss ? pFull : 0,
            meanWait: lambda > 0 ? meanQueue / lambda : 0,
            meanQueueLength: meanQueue,
            abandonmentProbability: abandonment,
            occupancy: meanHeld / Double(n * c),
            meanLoadPerAgent: meanHeld / Double(n),
            loadDistribution: perLevel.map { $0 / Double(n) },
            states: chain.count, sweeps: sweeps, residual: residual, truncatedMass: truncated,
            distribution: distribution, drainSurplus: drainSurplus)
    }
}

public struct SharedRateChainError: Error, Hashable, Sendable, CustomStringConvertible {
    public var reason: String
    /// No stationary state: no patience, and arrivals at or above the full team's rate.
    public var isUnstable = false
    public var description: String { reason }
}

/// The load vectors of a ``SharedRateModel`` and the censored chain's sparse transitions.
struct LoadVectorChain {
    let levels: Int  // c + 1
    /// State s's counts nₖ at `counts[s * levels + k]`.
    private var counts: [Int32] = []
    /// Incoming transitions of state s: `incoming[start[s]..<start[s+1]]`, (from, rate).
    private var start: [Int] = []
    private var incoming: [(from: Int32, rate: Double)] = []
    /// Total outflow rate of each state, and the part of it that raises the load (arrivals).
    private var outflow: [Double] = []
    private var upflow: [Double] = []
    /// States of total load L (chats held) are `levelStart[L]..<levelStart[L+1]`.
    private var levelStart: [Int] = []
    private(set) var fullState = 0

    var count: Int { outflow.count }

    func agents(atLoad k: Int, in s: Int) -> Int32 { counts[s * levels + k] }

    init(_ m: SharedRateModel) {
        let c = m.maxChats, n = m.agents
        levels = c + 1
        // Every composition of N into c + 1 parts, ordered by total load (then lexicographically).
        var vectors: [[Int32]] = []
        var current = [Int32](repeating: 0, count: c + 1)
        func fill(_ level: Int, _ left: Int) {
            if level == c {
                current[c] = Int32(left)
                vectors.append(current)
                return
            }
            for x in stride(from: left, through: 0, by: -1) {
                current[level] = Int32(x)
                fill(level + 1, left - x)
            }
        }
        fill(0, n)
        func load(_ v: [Int32]) -> Int { v.enumerated().reduce(0) { $0 + $1.offset * Int($1.element) } }
        vectors.sort { load($0) < load($1) }
        var index: [[Int32]: Int] = [:]
        index.reserveCapacity(vectors.count)
        for (i, v) in vectors.enumerated() { index[v] = i }
        fullState = index[vectors.last!]!
        counts = vectors.flatMap { $0 }
        levelStart = [Int](repeating: 0, count: n * c + 2)
        for v in vectors { levelStart[load(v) + 1] += 1 }
        for l in 0...(n * c) { levelStart[l + 1] += levelStart[l] }

        // Outgoing transitions, then inverted into incoming lists.
        let mu = 1 / m.meanWork
        var edges: [(to: Int, from: Int32, rate: Double)] = []
        edges.reserveCapacity(vectors.count * (2 * c))
        outflow = [Double](repeating: 0, count: vectors.count)
        upflow = [Double](repeating: 0, count: vectors.count)
        for (s, v) in vectors.enumerated() {
            func move(_ from: Int, _ to: Int, rate: Double) {
                guard rate > 0 else { return }
                var w = v
                w[from] -= 1
                w[to] += 1
                edges.append((index[w]!, Int32(s), rate))
                outflow[s] += rate
                if to > from { upflow[s] += rate }
            }
            // Arrivals, to a level below c (none in the full vector: those wait or are lost).
            let free = (0..<c).filter { v[$0] > 0 }
            if !free.isEmpty, m.arrivalRate > 0 {
                switch m.routing {
                case .leastBusy: move(free.first!, free.first! + 1, rate: m.arrivalRate)
                case .mostBusy: move(free.last!, free.last! + 1, rate: m.arrivalRate)
                case .random:
                    let open = free.reduce(0) { $0 + Double(v[$1]) }
                    for k in free { move(k, k + 1, rate: m.arrivalRate * Double(v[k]) / open) }
                }
            }
            // Completions at agents holding k ≥ 1.
            for k in 1...c where v[k] > 0 { move(k, k - 1, rate: Double(v[k]) * m.rate(chats: k) * mu) }
        }
        edges.sort { $0.to < $1.to }
        start = [Int](repeating: 0, count: vectors.count + 1)
        for e in edges { start[e.to + 1] += 1 }
        for s in 0..<vectors.count { start[s + 1] += start[s] }
        incoming = edges.map { ($0.from, $0.rate) }
    }

    /// Gauss–Seidel on p·Q = 0, Σ p = 1, each sweep followed by an aggregation step: (p, sweeps, ‖pQ‖₁).
    ///
    /// Every transition moves the total load L by one, so the chain lumped by L (with the
    /// current conditional law inside each level) is a birth–death chain, solved exactly; the
    /// levels are then rescaled to its masses (iterative aggregation–disaggregation). That takes
    /// about a quarter of plain Gauss–Seidel's sweeps (tens for tens of states, about a thousand
    /// for 10⁵). Without arrivals every agent is idle: no sweep is needed.
    func stationary(maxSweeps: Int = 20_000, tolerance: Double = 1e-12) -> ([Double], Int, Double) {
        let size = count
        if size == 1 { return ([1], 0, 0) }
        if levelStart.count > 2, (levelStart[0]..<levelStart[1]).allSatisfy({ upflow[$0] == 0 }) {
            // No arrivals: the only stationary state is every agent idle (load 0, state 0).
            var p = [Double](repeating: 0, count: size)
            p[levelStart[0]] = 1
            return (p, 0, 0)
        }
        var p = [Double](repeating: 1 / Double(size), count: size)
        var sweeps = 0
        while sweeps < maxSweeps {
            sweeps += 1
            var change = 0.0
            for s in 0..<size {
                var inflow = 0.0
                for e in start[s]..<start[s + 1] { inflow += p[Int(incoming[e].from)] * incoming[e].rate }
                let next = outflow[s] > 0 ? inflow / outflow[s] : p[s]
                if next > 0 { change = max(change, abs(next - p[s]) / next) } else if p[s] > 0 { change = max(change, 1) }
                p[s] = next
            }
            aggregate(&p)
            if change < tolerance { break }
        }
        // ‖pQ‖₁ relative to the total flow, with the normalised p.
        var residual = 0.0, flow = 0.0
        for s in 0..<size {
            var inflow = 0.0
            for e in start[s]..<start[s + 1] { inflow += p[Int(incoming[e].from)] * incoming[e].rate }
            residual += abs(inflow - p[s] * outflow[s])
            flow += p[s] * outflow[s]
        }
        return (p, sweeps, flow > 0 ? residual / flow : 0)
    }

    /// Rescales each load level to the stationary mass of the birth–death chain lumped by load
    /// (rates from the current conditional law within each level); leaves Σ p = 1.
    private func aggregate(_ p: inout [Double]) {
        let levels = levelStart.count - 1
        var mass = [Double](repeating: 0, count: levels)
        var up = [Double](repeating: 0, count: levels)
        var down = [Double](repeating: 0, count: levels)
        for l in 0..<levels {
            for s in levelStart[l]..<levelStart[l + 1] {
                mass[l] += p[s]
                up[l] += p[s] * upflow[s]
                down[l] += p[s] * (outflow[s] - upflow[s])
            }
            if mass[l] > 0 {
                up[l] /= mass[l]
                down[l] /= mass[l]
            }
        }
        // ln of the lumped chain's weights: w(l+1)/w(l) = up(l)/down(l+1).
        var logWeight = [Double](repeating: 0, count: levels)
        for l in 1..<levels {
            guard up[l - 1] > 0, down[l] > 0 else {
                // A level without mass yet: no aggregation step this sweep, only normalisation.
                let total = p.reduce(0, +)
                for s in p.indices { p[s] /= total }
                return
            }
            logWeight[l] = logWeight[l - 1] + log(up[l - 1]) - log(down[l])
        }
        let peak = logWeight.max() ?? 0
        let weights = logWeight.map { exp($0 - peak) }
        let total = weights.reduce(0, +)
        for l in 0..<levels where mass[l] > 0 {
            let scale = weights[l] / total / mass[l]
            for s in levelStart[l]..<levelStart[l + 1] { p[s] *= scale }
        }
    }
}
