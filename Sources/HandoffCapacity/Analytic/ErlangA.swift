import Foundation

/// The Erlang A (Palm) model M/M/s+M: Erlang C plus exponential patience of waiting chats.
///
/// Assumptions: see ``QueueModel``; ``QueueModel/meanPatience`` = 1/θ must be set. Because
/// waiting chats abandon, the model is stable for every load, including a > s.
///
/// The number N of chats in the system is a birth–death chain with birth rate λ and death rate
///
///     d(n) = min(n, s)·μ + max(0, n − s)·θ,
///
/// so its stationary distribution is πₙ ∝ Πₖ₌₁ⁿ λ / d(k). It is computed exactly in the form
///
///     πₙ = w(n) / Z                           for n ≤ s,  w = Erlang loss distribution on {0…s},
///                                                           Σ_{n≤s} w(n) = 1, w(s) = B(s, a)
///     π_{s+m} = B · ρₘ / Z,  ρₘ = Πₖ₌₁ᵐ λ / (sμ + kθ)   for m ≥ 0,
///     Z = (1 − B) + B · Σ_{m≥0} ρₘ,
///
/// with ln B from ``ErlangB/logBlockingProbability(servers:offeredLoad:)``, ln ρₘ accumulated
/// with compensated summation and the ρₘ rescaled by their maximum before they are summed
/// (again compensated, from the small end), so neither a tiny B nor the astronomically large ρₘ
/// of an overloaded system with long patience under- or overflow. The series is truncated at the first M after which the ratios
/// λ/(sμ + kθ) are < 1 and a geometric bound on both Σ_{m>M} ρₘ and Σ_{m>M} m·ρₘ is below
/// 1e-17 of the partial sums; all reported quantities therefore carry a relative truncation
/// error below ~1e-16.
public enum ErlangA {
    /// The stationary performance measures of the M/M/s+M model `m`; see ``ErlangAMetrics`` for
    /// the definitions.
    ///
    /// - Precondition: `m` is valid (see ``QueueModel``), `m.meanPatience != nil` and
    ///   `m.servers >= 1`.
    /// - Complexity: O(s + M) time and O(M) space, where M is the truncation point of the queue
    ///   length: roughly max(0, (λ − sμ)/θ) plus a few standard deviations of the queue length
    ///   (for a stable system with θ → 0, about ln(1e-17)/ln(a/s) terms). Evaluating
    ///   ``ErlangAMetrics/serviceLevel(within:)`` and friends afterwards costs O(M) each.
    public static func metrics(_ m: QueueModel) -> ErlangAMetrics {
        precondition(m.isValid, "ErlangA: invalid queue model \(m)")
        guard let patience = m.meanPatience else {
            preconditionFailure("ErlangA: meanPatience is required (use ErlangC without abandonment)")
        }
        precondition(m.servers >= 1, "ErlangA: at least one server is required")

        let lambda = m.arrivalRate
        let s = Double(m.servers)
        let theta = 1 / patience
        let serviceRate = s / m.meanHandleTime  // sμ
        let a = m.offeredLoad

        if lambda == 0 {
            let distribution = ErlangAWaitDistribution(
                fullServiceRate: serviceRate, abandonmentRate: theta,
                noWaitProbability: 1, queueTail: [0], servedTail: [0]
            )
            return ErlangAMetrics(
                waitProbability: 0, abandonmentProbability: 0, meanWait: 0,
                meanQueueLength: 0, occupancy: 0, distribution: distribution
            )
        }

        let tail = PatientQueueTail(arrivalRate: lambda, drainRate: serviceRate, abandonmentRate: theta)
        let logB = ErlangB.logBlockingProbability(servers: m.servers, offeredLoad: a)
        let b = exp(logB)
        let logNoQueueMass = log1p(-b)  // ln Σ_{n<s} w(n) = ln(1 − B)
        let logZ = Analytic.logAddExp(logNoQueueMass, logB + tail.logPeak + log(tail.mass))
        let queue = tail.stationary(factor: exp(logB + tail.logPeak - logZ))  // π_{s+m} = factor · scaled[m]
        let queueTail = queue.queueTail
        let servedTail = queue.servedTail

        let noWaitProbability = exp(logNoQueueMass - logZ)  // P(N < s)
        let waitProbability = min(1, queueTail[0])
        let meanQueueLength = queue.meanLength
        // E[busy] = Σ_{n<s} n·πₙ + s·P(N ≥ s), and Σ_{n<s} n·w(n) = a(1 − B) − s·B for the
        // Erlang loss distribution w (because n·w(n) = a·w(n−1)).
        let busyBelowS = max(0, a * (1 - b) - s * b) / exp(logZ)
        let occupancy = min(1, (busyBelowS + s * waitProbability) / s)

        let distribution = ErlangAWaitDistribution(
            fullServiceRate: serviceRate, abandonmentRate: theta,
            noWaitProbability: noWaitProbability, queueTail: queueTail, servedTail: servedTail
        )
        return ErlangAMetrics(
            waitProbability: waitProbability,
            abandonmentProbability: min(1, theta * meanQueueLength / lambda),
            meanWait: meanQueueLength / lambda,
            meanQueueLength: meanQueueLength,
            occupancy: occupancy,
            distribution: distribution
        )
    }
}

/// Stationary performance measures of an Erlang A (M/M/s+M) model, from ``ErlangA/metrics(_:)``.
///
/// Notation: s slots, λ, μ, θ as in ``QueueModel``; N the stationary number in system (πₙ its
/// distribution); for an arrival (who, by PASTA, sees N distributed as π):
/// - τ ~ Exp(θ) is its patience;
/// - V is its *offered wait*, the time it would wait if it were infinitely patient. If it
///   finds n ≥ s, there are j = n − s + 1 positions to clear; with k others ahead its position
///   advances at rate sμ + kθ (a completion or an abandonment ahead), so V is hypoexponential
///   with rates sμ + kθ, k = n−s, …, 1, 0. V = 0 if n < s;
/// - it is served iff V < τ (V = 0 counts as served), and W = min(V, τ) is the time it
///   actually spends waiting, ending either in service or in abandonment.
///
/// With x = e^{−θt} and c = sμ/θ these laws have exact closed forms in terms of the regularized
/// incomplete beta function, P(V > t | j) = I_x(c, j) = P(NB(c, x) ≤ j − 1), where NB(r, x) is
/// the negative binomial law P(NB = i) = Γ(r+i)/(Γ(r)·i!) · xʳ(1−x)ⁱ (j = 1 gives e^{−sμt}).
/// Exchanging the sums over j and i turns P(W > t) into a sum of non-negative terms and SL(t)
/// into a constant minus such a sum, which is how they are evaluated: no partial fractions (whose
/// alternating terms cancel catastrophically), no ODE solving, no numerical integration.
public struct ErlangAMetrics: Hashable, Sendable {
    /// P(an arrival must wait) = P(N ≥ s) = Σ_{n≥s} πₙ.
    public var waitProbability: Double
    /// P(an arrival abandons) = θ · E[Lq] / λ (rate balance: abandonments occur at rate θ·E[Lq]).
    public var abandonmentProbability: Double
    /// E[W] over all arrivals — those served immediately, those served after waiting and those
    /// that abandon (W = min(V, τ)) — = E[Lq] / λ by Little's law. Seconds.
    public var meanWait: Double
    /// E[Lq] = Σ_{n>s} (n − s)·πₙ, the mean number of waiting chats.
    public var meanQueueLength: Double
    /// E[busy slots] / s = (Σ_{n<s} n·πₙ + s·P(N ≥ s)) / s. (Equals a·(1 − P(abandon))/s.)
    public var occupancy: Double

    let distribution: ErlangAWaitDistribution

    /// The service level: the fraction of **all** arrivals that are served (reach a slot before
    /// their patience expires) after waiting at most `t` seconds,
    ///
    ///     SL(t) = P(V ≤ t, V < τ) = P(N < s) + Σ_{j≥1} π_{s+j−1} · c/(c+j) · (1 − I_x(c+1, j)),
    ///
    /// since for a waiting arrival with j positions to clear, the phase with k others ahead
    /// (k = j−1, …, 0) races against its own memoryless patience: the position advances first
    /// with probability (sμ+kθ)/(sμ+kθ+θ) and the phase lasts Exp(sμ+kθ+θ) whichever wins,
    /// independently of the winner. Hence
    /// P(served within t | j) = Πₖ (c+k)/(c+k+1) · P(Σₖ Exp(θ(c+k+1)) ≤ t) = c/(c+j) · (1 − I_x(c+1, j))
    /// (the product telescopes). Evaluated as
    ///
    ///     SL(t) = P(N < s) + Ĝ₀ − Σ_{i≥0} P(NB(c+1, x) = i) · Ĝᵢ,   Ĝᵢ = Σ_{j>i} π_{s+j−1} · c/(c+j).
    ///
    /// Abandoned arrivals count as *not* served within t, so SL(0) = 1 − P(wait), SL is
    /// non-decreasing and SL(∞) = P(served) = 1 − P(abandon). Returns 0 for t < 0.
    ///
    /// - Complexity: O(M), M the queue-length truncation point (see ``ErlangA``).
    public func serviceLevel(within t: Double) -> Double {
        distribution.serviceLevel(within: t)
    }

    /// P(W > t), the probability that an arrival is still waiting (neither served nor
    /// abandoned) `t` seconds after arriving:
    ///
    ///     P(W > t) = e^{−θt} · P(V > t) = e^{−θt} · Σ_{i≥0} P(NB(c, x) = i) · P(N ≥ s + i).
    ///
    /// P(W > 0) = P(wait); ∫₀^∞ P(W > t) dt = ``meanWait``. Returns 1 for t < 0.
    ///
    /// - Complexity: O(M)
    public func waitExceedanceProbability(beyond t: Double) -> Double {
        distribution.waitExceedance(beyond: t)
    }

    /// The q-quantile of W = min(V, τ) (time spent waiting by all arrivals, served or abandoned),
    /// the smallest t with P(W ≤ t) ≥ q: 0 when q ≤ 1 − P(wait), +∞ when q = 1 and somebody
    /// waits, otherwise the root of P(W > t) = 1 − q (P(W > t) is continuous and strictly
    /// decreasing for t > 0). The root is bracketed by [0, min(−ln(1−q)/θ, E[W]/(1−q))] and
    /// found by the Illinois method on ln P(W > t), with a bisection step every 8 iterations,
    /// until P(W > t) equals 1 − q to a relative 1e-12 or the bracket is 1e-13 (relative) wide.
    ///
    /// - Returns: seconds, or `nil` if `q` is NaN or outside [0, 1].
    /// - Complexity: O(M) per evaluation of ``waitExceedanceProbability(beyond:)``; typically
    ///   5–15 evaluations, at most ~300.
    public func waitQuantile(_ q: Double) -> Double? {
        guard q >= 0, q <= 1 else { return nil }
        return distribution.waitQuantile(q, meanWait: meanWait)
    }
}

/// The pieces of the stationary distribution the waiting-time laws need; see ``ErlangAMetrics``.
struct ErlangAWaitDistribution: Hashable, Sendable {
    /// sμ.
    var fullServiceRate: Double
    /// θ.
    var abandonmentRate: Double
    /// P(N < s).
    var noWaitProbability: Double
    /// Gᵢ = P(N ≥ s + i), i = 0…M.
    var queueTail: [Double]
    /// Ĝᵢ = Σ_{m≥i} π_{s+m} · c/(c+m+1), i = 0…M; Ĝ₀ = P(wait and served).
    var servedTail: [Double]

    func serviceLevel(within t: Double) -> Double {
        if t.isNaN { return .nan }
        if t < 0 { return 0 }
        let servedAfterWaiting = servedTail[0]
        let stillQueued = negativeBinomialMixture(
            shapeOffset: 1, logStart: -(fullServiceRate + abandonmentRate) * t, t: t, weights: servedTail
        )
        return min(1, max(0, noWaitProbability + max(0, servedAfterWaiting - stillQueued)))
    }

    func waitExceedance(beyond t: Double) -> Double {
        if t.isNaN { return .nan }
        if t < 0 { return 1 }
        // e^{−θt} · xᶜ = e^{−(sμ+θ)t}
        return min(1, negativeBinomialMixture(
            shapeOffset: 0, logStart: -(fullServiceRate + abandonmentRate) * t, t: t, weights: queueTail
        ))
    }

    func waitQuantile(_ q: Double, meanWait: Double) -> Double {
        let waitProbability = queueTail[0]
        if q <= 1 - waitProbability || waitProbability == 0 { return 0 }
        if q == 1 { return .infinity }
        let logTarget = log(1 - q)
        // g(t) = ln P(W > t) − ln(1 − q): positive at t = 0, decreasing, roughly linear in the tail.
        func g(_ t: Double) -> Double {
            max(log(waitExceedance(beyond: t)), -800) - logTarget
        }
        // Upper brackets: P(W > t) ≤ e^{−θt} and P(W > t) ≤ E[W]/t (Markov).
        var hi = -logTarget / abandonmentRate
        if meanWait > 0 { hi = min(hi, meanWait / (1 - q)) }
        var lo = 0.0
        var gLo = g(lo)
        var gHi = g(hi)
        while gHi > 0 { lo = hi; gLo = gHi; hi *= 2; gHi = g(hi) }  // guards against rounding only
        // Illinois (modified regula falsi): bracketing, hence as safe as bisection, but superlinear.
        var lastMoved = 0
        for iteration in 0..<300 {
            if gHi == 0 { return hi }
            if hi - lo <= 1e-13 * hi { break }
            var mid = (lo * gHi - hi * gLo) / (gHi - gLo)
            if !(mid > lo && mid < hi) || iteration % 8 == 7 { mid = 0.5 * (lo + hi) }
            let gMid = g(mid)
            if gMid > 0 {
                lo = mid
                gLo = gMid
                if lastMoved == 1 { gHi *= 0.5 }
                lastMoved = 1
            } else {
                hi = mid
                gHi = gMid
                if lastMoved == -1 { gLo *= 0.5 }
                lastMoved = -1
            }
            if abs(gMid) <= 1e-12 { return mid }  // P(W > mid) = (1 − q)·(1 ± 1e-12)
        }
        return 0.5 * (lo + hi)
    }

    /// Σᵢ P(NB(r, x) = i) · weights[i] · e^{extra} with x = e^{−θt}, r = c + `shapeOffset`, c = sμ/θ,
    /// where `logStart` = ln of the i = 0 probability xʳ times the common factor e^{extra}.
    /// The pmf is advanced in log space with the ratio (r + i)(1 − x)/(i + 1). `weights` must be
    /// non-increasing and non-negative; the sum stops once a geometric bound on the remaining
    /// terms is below 1e-17 of the partial sum (the ratios tend monotonically to 1 − x < 1).
    private func negativeBinomialMixture(shapeOffset: Double, logStart: Double, t: Double, weights: [Double]) -> Double {
        if t == 0 { return weights[0] }
        let shape = fullServiceRate / abandonmentRate + shapeOffset
        let oneMinusX = -expm1(-abandonmentRate * t)
        let logOneMinusX = log(oneMinusX)
        var logTerm = logStart
        var sum = Analytic.CompensatedSum()
        for i in weights.indices {
            if i > 0 {
                logTerm += log((shape + Double(i - 1)) / Double(i)) + logOneMinusX
            }
            let term = exp(logTerm) * weights[i]
            sum.add(term)
            // Every later ratio lies between the next one and its limit 1 − x.
            let nextRatio = max((shape + Double(i)) / Double(i + 1) * oneMinusX, oneMinusX)
            if nextRatio < 1, term > 0, term * nextRatio / (1 - nextRatio) <= 1e-17 * sum.value { break }
        }
        return sum.value
    }
}

/// The waiting part of a Markovian queue whose waiting chats, once every slot is taken, leave
/// at rate r + mθ with m of them waiting (r: the rate at which the full system frees a slot, θ:
/// the patience rate): ρₘ = Πₖ₌₁ᵐ λ / (r + kθ), the queue's stationary weights relative to
/// "full, nobody waiting". Shared by Erlang A (r = sμ) and the shared-rate chain (r = N·F(c)·μ).
///
/// ln ρₘ is accumulated with compensated summation and the ρₘ rescaled by their maximum
/// (``scaled``, summed from the small end into ``mass``), so neither the astronomically large ρₘ
/// of an overloaded system with long patience nor tiny ones under- or overflow. The series stops
/// at the first M after which the ratios λ/(r + kθ) are < 1 and a geometric bound on both
/// Σ_{m>M} ρₘ and Σ_{m>M} m·ρₘ is below 1e-17 of the partial sums (``neglectedMass`` is that
/// bound on the first, relative to the mass kept).
struct PatientQueueTail {
    /// ρₘ / max ρ, m = 0…M.
    let scaled: [Double]
    /// ln max ρ.
    let logPeak: Double
    /// Σ scaled.
    let mass: Double
    /// Bound on Σ_{m>M} ρₘ / Σ_{m≤M} ρₘ.
    let neglectedMass: Double
    /// r / θ.
    let shape: Double

    /// - Precondition: λ > 0, r ≥ 0, θ > 0, all finite.
    init(arrivalRate lambda: Double, drainRate: Double, abandonmentRate theta: Double) {
        let logLambda = log(lambda)
        let logTolerance = log(1e-17)
        var logRho: [Double] = [0]
        var logRhoSum = Analytic.CompensatedSum()
        var logMass = 0.0  // ln Σ_{k≤m} ρₖ (running, for the stopping rule only)
        var logWeighted = -Double.infinity  // ln Σ_{k≤m} k·ρₖ (likewise)
        var neglected = 0.0
        while true {
            let last = logRho.count - 1
            let rate = drainRate + Double(last + 1) * theta
            let ratio = lambda / rate  // ρ_{last+1} / ρ_last; decreasing in `last`
            if ratio < 1 {
                // Σ_{i≥1} ρ_{last+i} ≤ ρ_last·r/(1−r);  Σ_{i≥1} (last+i)·ρ_{last+i} ≤ ρ_last·(last·r/(1−r) + r/(1−r)²).
                let oneMinus = 1 - ratio
                let tailMass = logRho[last] + log(ratio / oneMinus)
                let tailWeighted = logRho[last] + log(Double(last) * ratio / oneMinus + ratio / (oneMinus * oneMinus))
                if tailMass < logMass + logTolerance, tailWeighted < logWeighted + logTolerance {
                    neglected = exp(tailMass - logMass)
                    break
                }
            }
            logRhoSum.add(logLambda - log(rate))
            let next = logRhoSum.value
            logRho.append(next)
            logMass = Analytic.logAddExp(logMass, next)
            logWeighted = Analytic.logAddExp(logWeighted, log(Double(last + 1)) + next)
        }
        let peak = logRho.max() ?? 0
        scaled = logRho.map { exp($0 - peak) }
        var sum = Analytic.CompensatedSum()
        for term in scaled.reversed() { sum.add(term) }
        logPeak = peak
        mass = sum.value
        neglectedMass = neglected
        shape = drainRate / theta
    }

    /// The tail sums of the stationary law π_full,m = `factor` · scaled[m]: Gᵢ = Σ_{m≥i} π_full,m,
    /// Ĝᵢ = Σ_{m≥i} π_full,m · c/(c+m+1) with c = r/θ, and E[number waiting].
    func stationary(factor: Double) -> (queueTail: [Double], servedTail: [Double], meanLength: Double) {
        let count = scaled.count
        var queueTail = [Double](repeating: 0, count: count)
        var servedTail = [Double](repeating: 0, count: count)
        var queueLength = Analytic.CompensatedSum()
        var runningTail = Analytic.CompensatedSum()
        var runningServed = Analytic.CompensatedSum()
        for mIndex in stride(from: count - 1, through: 0, by: -1) {
            let pi = factor * scaled[mIndex]
            runningTail.add(pi)
            runningServed.add(pi * (shape / (shape + Double(mIndex + 1))))
            queueTail[mIndex] = runningTail.value
            servedTail[mIndex] = runningServed.value
            queueLength.add(Double(mIndex) * pi)
        }
        return (queueTail, servedTail, queueLength.value)
    }
}
