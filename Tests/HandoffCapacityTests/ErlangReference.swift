@testable import HandoffCapacity
import HandoffWorkload
import HandoffMeasurement
import Foundation

/// Independent, deliberately naive reference computations for the analytic queueing tests.
/// Nothing here calls the code under test.
enum ErlangReference {
    static func logSumExp(_ values: [Double]) -> Double {
        guard let top = values.max(), top > -.infinity else { return -.infinity }
        return top + log(values.reduce(0) { $0 + exp($1 - top) })
    }

    /// ln(aᵏ/k!) via lgamma.
    static func logPoissonWeight(_ k: Int, _ a: Double) -> Double {
        Double(k) * log(a) - lgamma(Double(k) + 1)
    }

    /// B(s, a) = (aˢ/s!) / Σ_{k≤s} aᵏ/k!, summed directly in log space.
    static func logErlangB(servers s: Int, offeredLoad a: Double) -> Double {
        let terms = (0...s).map { logPoissonWeight($0, a) }
        return terms[s] - logSumExp(terms)
    }

    static func erlangB(servers s: Int, offeredLoad a: Double) -> Double {
        exp(logErlangB(servers: s, offeredLoad: a))
    }

    /// C(s, a) = (aˢ/s!·s/(s−a)) / (Σ_{k<s} aᵏ/k! + aˢ/s!·s/(s−a)), directly in log space (a < s).
    static func erlangC(servers s: Int, offeredLoad a: Double) -> Double {
        let top = logPoissonWeight(s, a) + log(Double(s) / (Double(s) - a))
        let below = (0..<s).map { logPoissonWeight($0, a) }
        return exp(top - logSumExp(below + [top]))
    }

    /// The M/M/s+M birth–death chain on {0…states}, solved by the detailed-balance product
    /// πₙ ∝ Π λ/(min(k,s)μ + max(0,k−s)θ) in log space.
    struct Chain {
        var lambda: Double
        var mu: Double
        var theta: Double
        var servers: Int
        var pi: [Double]

        var waitProbability: Double { pi[servers...].reduce(0, +) }
        var meanQueueLength: Double {
            pi.indices.reduce(0) { $0 + Double(max(0, $1 - servers)) * pi[$1] }
        }
        var abandonmentProbability: Double { theta * meanQueueLength / lambda }
        var meanBusy: Double { pi.indices.reduce(0) { $0 + Double(min($1, servers)) * pi[$1] } }
        var occupancy: Double { meanBusy / Double(servers) }
        var noWaitProbability: Double { pi[..<servers].reduce(0, +) }
    }

    static func birthDeath(_ m: QueueModel, states: Int = 2000) -> Chain {
        let lambda = m.arrivalRate
        let mu = 1 / m.meanHandleTime
        let theta = m.meanPatience.map { 1 / $0 } ?? 0
        let s = m.servers
        var logWeights = [0.0]
        for n in 1...states {
            let death = Double(min(n, s)) * mu + Double(max(0, n - s)) * theta
            logWeights.append(logWeights[n - 1] + log(lambda) - log(death))
        }
        let logTotal = logSumExp(logWeights)
        return Chain(lambda: lambda, mu: mu, theta: theta, servers: s, pi: logWeights.map { exp($0 - logTotal) })
    }

    /// The fate of a tagged arrival by time t, by uniformization of its own Markov chain:
    /// it arrives with j = n − s + 1 positions to clear (n ~ π, n ≥ s), each position clears at
    /// rate sμ + (j−1)θ, it is served when j reaches 0 and it abandons at rate θ while waiting.
    /// Returns P(still waiting at t) and P(waited and was served by t).
    static func taggedArrival(_ chain: Chain, at t: Double) -> (stillWaiting: Double, servedAfterWaiting: Double) {
        let s = chain.servers
        let serviceRate = Double(s) * chain.mu
        // v[j] for j = 1…J (index 0 unused); drop states with negligible mass.
        var positions = chain.pi.count - s
        while positions > 1, chain.pi[s + positions - 1] < 1e-300 { positions -= 1 }
        var v = [0.0] + (1...positions).map { chain.pi[s + $0 - 1] }
        let clearRate: (Int) -> Double = { serviceRate + Double($0 - 1) * chain.theta }
        let uniform = clearRate(positions) + chain.theta
        let lt = uniform * t
        let steps = Int(lt + 12 * lt.squareRoot() + 40)
        var served = 0.0
        var stillWaiting = 0.0
        var servedAfter = 0.0
        var logPoisson = -lt
        for k in 0...steps {
            if k > 0 { logPoisson += log(lt / Double(k)) }
            let weight = exp(logPoisson)
            stillWaiting += weight * v.dropFirst().reduce(0, +)
            servedAfter += weight * served
            // one step of P = I + Q/Λ
            served += v[1] * clearRate(1) / uniform
            var next = v
            for j in 1...positions {
                var value = v[j] * (1 - (clearRate(j) + chain.theta) / uniform)
                if j < positions { value += v[j + 1] * clearRate(j + 1) / uniform }
                next[j] = value
            }
            v = next
        }
        return (stillWaiting, servedAfter)
    }

    /// Composite Simpson rule on [0, upper] with an even number of intervals.
    static func simpson(upTo upper: Double, intervals: Int, _ f: (Double) -> Double) -> Double {
        let h = upper / Double(intervals)
        var sum = f(0) + f(upper)
        for i in 1..<intervals {
            sum += (i % 2 == 1 ? 4 : 2) * f(Double(i) * h)
        }
        return sum * h / 3
    }
}

/// |x − y| ≤ rel·max(|x|, |y|) + abs.
func erlangIsClose(_ x: Double, _ y: Double, rel: Double, abs absolute: Double = 1e-15) -> Bool {
    Swift.abs(x - y) <= rel * max(Swift.abs(x), Swift.abs(y)) + absolute
}
