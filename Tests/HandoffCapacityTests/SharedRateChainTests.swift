import Foundation
import Testing

@testable import HandoffCapacity

/// The exact shared-rate chain against values derived independently: Erlang C/A/B when
/// F(k) = k, a one-agent birth–death chain, and a brute-force chain over each agent's own load.
@Suite("Shared-rate chain")
struct SharedRateChainTests {
    static let policies = SharedRateModel.Routing.allCases

    static func solved(_ model: SharedRateModel) throws -> SharedRateSolution {
        switch SharedRateChain.solve(model) {
        case .success(let solution):
            #expect(solution.residual < 1e-10, "residual \(solution.residual)")
            return solution
        case .failure(let error): throw error
        }
    }

    // MARK: F(k) = k is Erlang with N·c servers, whatever the routing

    @Test(arguments: [
        (agents: 4, maxChats: 3, rate: 1.0 / 30, work: 300.0, patience: nil as Double?),
        (agents: 3, maxChats: 2, rate: 1.0 / 60, work: 300.0, patience: 120.0),
        (agents: 5, maxChats: 4, rate: 0.2, work: 100.0, patience: 30.0),  // overloaded: a = 20 = N·c
        (agents: 1, maxChats: 5, rate: 0.01, work: 200.0, patience: nil),
    ])
    func linearThroughputIsErlangWithAllSlots(agents: Int, maxChats: Int, rate: Double, work: Double, patience: Double?) throws {
        let erlang = QueueModel(arrivalRate: rate, meanHandleTime: work, servers: agents * maxChats, meanPatience: patience)
        let reference = try #require(Analytic.summary(erlang, serviceLevelThreshold: 60))
        for routing in Self.policies {
            let model = SharedRateModel(
                arrivalRate: rate, meanWork: work, agents: agents, maxChats: maxChats, throughput: (1...maxChats).map(Double.init),
                meanPatience: patience, routing: routing)
            let exact = try Self.solved(model)
            #expect(erlangIsClose(exact.waitProbability, reference.waitProbability, rel: 1e-8), "\(routing)")
            #expect(erlangIsClose(exact.meanWait, reference.meanWaitSeconds, rel: 1e-8), "\(routing)")
            #expect(erlangIsClose(exact.serviceLevel(within: 60), reference.serviceLevel, rel: 1e-8), "\(routing)")
            #expect(erlangIsClose(exact.abandonmentProbability, reference.abandonmentRate, rel: 1e-8, abs: 1e-12), "\(routing)")
            #expect(erlangIsClose(exact.occupancy, reference.occupancy, rel: 1e-8), "\(routing)")
            #expect(erlangIsClose(exact.waitQuantile(0.9) ?? .nan, reference.waitP90Seconds, rel: 1e-6, abs: 1e-9), "\(routing)")
        }
    }

    @Test func linearThroughputUnderLossIsErlangB() throws {
        for routing in Self.policies {
            let model = SharedRateModel(
                arrivalRate: 0.05, meanWork: 120, agents: 3, maxChats: 2, throughput: [1, 2], routing: routing, admission: .loss)
            let exact = try Self.solved(model)
            #expect(erlangIsClose(exact.blockingProbability, ErlangB.blockingProbability(servers: 6, offeredLoad: 6), rel: 1e-9))
            #expect(exact.waitProbability == 0 && exact.meanWait == 0)
        }
    }

    // MARK: One agent: a birth–death chain

    @Test(arguments: [nil, 45.0] as [Double?])
    func oneAgentIsABirthDeathChain(patience: Double?) throws {
        let (lambda, mu, c) = (1.0 / 70, 1.0 / 120, 3)  // λ = 51/h below F(3)·μ = 63/h
        let f = [1.0, 1.6, 2.1]
        let theta = patience.map { 1 / $0 } ?? 0
        // Unnormalised weights: k chats (k ≤ c), then c chats and m waiting.
        var weights = [1.0]
        for k in 1...c { weights.append(weights[k - 1] * lambda / (f[k - 1] * mu)) }
        for m in 1...4000 { weights.append(weights[c + m - 1] * lambda / (f[c - 1] * mu + Double(m) * theta)) }
        let total = weights.reduce(0, +)
        let pi = weights.map { $0 / total }
        let waiting = pi[c...].reduce(0, +)
        let queue = pi.indices.dropFirst(c).reduce(0.0) { $0 + Double($1 - c) * pi[$1] }
        let held = pi.indices.reduce(0.0) { $0 + Double(min($1, c)) * pi[$1] }
        let model = SharedRateModel(arrivalRate: lambda, meanWork: 1 / mu, agents: 1, maxChats: c, throughput: f, meanPatience: patience)
        let exact = try Self.solved(model)
        #expect(erlangIsClose(exact.waitProbability, waiting, rel: 1e-9))
        #expect(erlangIsClose(exact.meanQueueLength, queue, rel: 1e-9))
        #expect(erlangIsClose(exact.meanLoadPerAgent, held, rel: 1e-9))
        #expect(erlangIsClose(exact.loadDistribution[0], pi[0], rel: 1e-9))
        // Rate balance: requests served = chats completed.
        let completed = (1...c).reduce(0.0) { $0 + exact.loadDistribution[$1] * f[$1 - 1] * mu }
        #expect(erlangIsClose(lambda * (1 - exact.abandonmentProbability), completed, rel: 1e-9))
    }

    // MARK: Brute force over each agent's own load

    @Test(arguments: SharedRateModel.Routing.allCases)
    func matchesAChainOverEachAgentsLoad(routing: SharedRateModel.Routing) throws {
        let model = SharedRateModel(
            arrivalRate: 1.0 / 40, meanWork: 100, agents: 2, maxChats: 2, throughput: [1, 1.5], meanPatience: 60, routing: routing)
        let brute = BruteForce(model, queueLimit: 120)
        let exact = try Self.solved(model)
        #expect(erlangIsClose(exact.waitProbability, brute.waitProbability, rel: 1e-9))
        #expect(erlangIsClose(exact.meanQueueLength, brute.meanQueueLength, rel: 1e-9))
        #expect(erlangIsClose(exact.meanLoadPerAgent, brute.meanLoadPerAgent, rel: 1e-9))
        #expect(erlangIsClose(exact.loadDistribution[1], brute.shareAtLoad(1), rel: 1e-9))
    }

    // MARK: What the model is for

    /// With concave F, spreading chats keeps agents at the fast end of F: least-busy waits
    /// less than most-busy; with one chat each the two are the same.
    @Test func routingMattersOnlyWhenAgentsSlowDown() throws {
        func wait(_ routing: SharedRateModel.Routing, _ f: [Double]) throws -> Double {
            try Self.solved(
                SharedRateModel(arrivalRate: 1.0 / 20, meanWork: 150, agents: 4, maxChats: 3, throughput: f, meanPatience: 120, routing: routing)
            ).meanWait
        }
        let concave = [1.0, 1.5, 1.8]
        #expect(try wait(.leastBusy, concave) < wait(.random, concave))
        #expect(try wait(.random, concave) < wait(.mostBusy, concave))
        #expect(erlangIsClose(try wait(.leastBusy, [1, 2, 3]), try wait(.mostBusy, [1, 2, 3]), rel: 1e-9))
    }

    @Test func withoutArrivalsEveryAgentIsIdle() throws {
        let idle = try Self.solved(SharedRateModel(arrivalRate: 0, meanWork: 60, agents: 3, maxChats: 2, throughput: [1, 1.5]))
        #expect(idle.loadDistribution == [1, 0, 0] && idle.occupancy == 0 && idle.waitProbability == 0)
    }

    @Test func refusesWhatItCannotSolve() {
        func reason(_ m: SharedRateModel, limit: Int = SharedRateChain.defaultStateLimit) -> String? {
            if case .failure(let error) = SharedRateChain.solve(m, stateLimit: limit) { return error.reason }
            return nil
        }
        let base = SharedRateModel(arrivalRate: 0.1, meanWork: 10, agents: 2, maxChats: 2, throughput: [1, 1.5])
        var unstable = base
        unstable.arrivalRate = 0.3  // the full team completes 2 · 1.5 / 10 = 0.3 a second
        #expect(reason(unstable)?.contains("unstable") == true)
        var big = base
        (big.agents, big.maxChats, big.throughput) = (60, 6, [1, 1.5, 1.8, 2, 2.1, 2.2])
        #expect(reason(big)?.contains("exceed the limit") == true)
        var short = base
        short.maxChats = 3
        #expect(reason(short)?.contains("2 throughput factors F(k) for 3 chats") == true)
        var bad = base
        bad.throughput = [1, 0]
        #expect(reason(bad)?.contains("F(k)") == true)
        #expect(reason(base, limit: 5)?.contains("6 load vectors") == true)
        #expect(reason(base) == nil)
    }
}

/// The chain over each agent's own load (k₁, …, k_N) and the queue length, truncated at
/// `queueLimit`, solved by dense Gaussian elimination; routing applied to agents, not levels.
private struct BruteForce {
    var states: [[Int]] = []  // loads…, queue
    var pi: [Double] = []
    let model: SharedRateModel

    init(_ m: SharedRateModel, queueLimit: Int) {
        model = m
        let n = m.agents, c = m.maxChats
        func loads(_ i: Int) -> [[Int]] { i == n ? [[]] : loads(i + 1).flatMap { rest in (0...c).map { [$0] + rest } } }
        for load in loads(0) {
            states.append(load + [0])
            if load.allSatisfy({ $0 == c }) { for q in 1...queueLimit { states.append(load + [q]) } }
        }
        var index: [[Int]: Int] = [:]
        for (i, s) in states.enumerated() { index[s] = i }
        let size = states.count
        var q = [[Double]](repeating: [Double](repeating: 0, count: size), count: size)
        let mu = 1 / m.meanWork, theta = m.meanPatience.map { 1 / $0 } ?? 0
        for (i, s) in states.enumerated() {
            let load = Array(s.prefix(n)), waiting = s[n]
            func add(_ target: [Int], _ rate: Double) {
                guard let j = index[target], rate > 0 else { return }
                q[i][j] += rate
                q[i][i] -= rate
            }
            let open = (0..<n).filter { load[$0] < c }
            if open.isEmpty {
                if waiting < queueLimit { add(load + [waiting + 1], m.arrivalRate) }
            } else {
                let chosen: [(Int, Double)]
                switch m.routing {
                case .leastBusy:
                    let least = open.map { load[$0] }.min()!
                    let ties = open.filter { load[$0] == least }
                    chosen = ties.map { ($0, 1 / Double(ties.count)) }
                case .mostBusy:
                    let most = open.map { load[$0] }.max()!
                    let ties = open.filter { load[$0] == most }
                    chosen = ties.map { ($0, 1 / Double(ties.count)) }
                case .random: chosen = open.map { ($0, 1 / Double(open.count)) }
                }
                for (agent, share) in chosen {
                    var next = load
                    next[agent] += 1
                    add(next + [0], m.arrivalRate * share)
                }
            }
            for agent in 0..<n where load[agent] > 0 {
                let rate = m.rate(chats: load[agent]) * mu
                if waiting > 0 { add(load + [waiting - 1], rate) } else {
                    var next = load
                    next[agent] -= 1
                    add(next + [0], rate)
                }
            }
            if waiting > 0 { add(load + [waiting - 1], Double(waiting) * theta) }
        }
        // πQ = 0 with Σπ = 1: solve Qᵀπ = 0 with the last equation replaced by the normalisation.
        var a = (0..<size).map { row in (0..<size).map { q[$0][row] } + [0.0] }
        a[size - 1] = [Double](repeating: 1, count: size) + [1]
        for col in 0..<size {
            let pivot = (col..<size).max { abs(a[$0][col]) < abs(a[$1][col]) }!
            a.swapAt(col, pivot)
            for row in 0..<size where row != col && a[row][col] != 0 {
                let factor = a[row][col] / a[col][col]
                for k in col...size { a[row][k] -= factor * a[col][k] }
            }
        }
        pi = (0..<size).map { a[$0][size] / a[$0][$0] }
    }

    var waitProbability: Double { zip(states, pi).filter { $0.0.prefix(model.agents).allSatisfy { $0 == model.maxChats } }.map(\.1).reduce(0, +) }
    var meanQueueLength: Double { zip(states, pi).reduce(0) { $0 + Double($1.0[model.agents]) * $1.1 } }
    var meanLoadPerAgent: Double { zip(states, pi).reduce(0) { $0 + Double($1.0.prefix(model.agents).reduce(0, +)) * $1.1 } / Double(model.agents) }
    func shareAtLoad(_ k: Int) -> Double {
        zip(states, pi).reduce(0) { $0 + Double($1.0.prefix(model.agents).filter { $0 == k }.count) * $1.1 } / Double(model.agents)
    }
}
