@testable import HandoffCapacity
import HandoffWorkload
import HandoffMeasurement
import Foundation
import Testing

@Suite("Erlang A")
struct ErlangATests {
    /// Parameter sets covering light, critical, overloaded (a > s) and impatient regimes.
    static let models: [QueueModel] = [
        QueueModel(arrivalRate: 1.0 / 60, meanHandleTime: 720, servers: 15, meanPatience: 120),  // headline, a = 12
        QueueModel(arrivalRate: 1, meanHandleTime: 1, servers: 1, meanPatience: 1),  // a = s = 1
        QueueModel(arrivalRate: 2, meanHandleTime: 10, servers: 10, meanPatience: 20),  // a = 20 > s
        QueueModel(arrivalRate: 10, meanHandleTime: 5, servers: 5, meanPatience: 3),  // a = 50 ≫ s
        QueueModel(arrivalRate: 1, meanHandleTime: 30, servers: 50, meanPatience: 60),  // a = 30 < s
        QueueModel(arrivalRate: 5.2, meanHandleTime: 100, servers: 500, meanPatience: 300),  // a = 520 > s = 500
        QueueModel(arrivalRate: 0.5, meanHandleTime: 4, servers: 3, meanPatience: 0.1),  // very impatient
        QueueModel(arrivalRate: 0.05, meanHandleTime: 100, servers: 4, meanPatience: 1000),  // a = 5 > s, patient
    ]

    @Test(arguments: models)
    func matchesBruteForceBirthDeathChain(model: QueueModel) {
        let chain = ErlangReference.birthDeath(model, states: 2000)
        // The truncated reference must itself have converged.
        #expect(chain.pi[2000] < 1e-25)
        let metrics = ErlangA.metrics(model)
        #expect(erlangIsClose(metrics.waitProbability, chain.waitProbability, rel: 1e-9))
        #expect(erlangIsClose(metrics.meanQueueLength, chain.meanQueueLength, rel: 1e-9))
        #expect(erlangIsClose(metrics.abandonmentProbability, chain.abandonmentProbability, rel: 1e-9))
        #expect(erlangIsClose(metrics.meanWait, chain.meanQueueLength / chain.lambda, rel: 1e-9))
        #expect(erlangIsClose(metrics.occupancy, chain.occupancy, rel: 1e-9))

        // The per-arrival derivation behind the service level: an arrival finding s + m in system
        // abandons with probability (m+1)/(c+m+1), c = sμ/θ; averaged over π this must equal the
        // rate-balance value θ·E[Lq]/λ. (Reference-only check of the identity the code relies on.)
        let c = Double(chain.servers) * chain.mu / chain.theta
        let perArrival = chain.pi.indices.dropFirst(chain.servers).reduce(0.0) { sum, n in
            let m = Double(n - chain.servers)
            return sum + chain.pi[n] * (m + 1) / (c + m + 1)
        }
        #expect(erlangIsClose(perArrival, chain.abandonmentProbability, rel: 1e-9))
    }

    /// Values from an independent 120-digit mpmath computation (stationary distribution by the
    /// detailed-balance product, offered wait by partial fractions of the hypoexponential law,
    /// service level by integrating its density against e^{−θu}).
    @Test func matchesHighPrecisionReference() throws {
        let headline = ErlangA.metrics(QueueModel(arrivalRate: 1.0 / 60, meanHandleTime: 720, servers: 15, meanPatience: 120))
        #expect(erlangIsClose(headline.waitProbability, 0.15498347486627850857, rel: 1e-12))
        #expect(erlangIsClose(headline.abandonmentProbability, 0.060298413941016442949, rel: 1e-12))
        #expect(erlangIsClose(headline.meanWait, 7.2358096729219731538, rel: 1e-12))
        #expect(erlangIsClose(headline.meanQueueLength, 0.12059682788203288590, rel: 1e-12))
        #expect(erlangIsClose(headline.occupancy, 0.75176126884718684564, rel: 1e-12))
        let headlineTable: [(t: Double, exceed: Double, level: Double)] = [
            (30, 0.085123324796056616404, 0.88558973966587542124),
            (60, 0.044316193101603565574, 0.91070419270458452224),
            (120, 0.010586903248220424405, 0.93251252136215169444),
            (600, 1.4560502267488189586e-8, 0.93970157566753281086),
        ]
        for row in headlineTable {
            #expect(erlangIsClose(headline.waitExceedanceProbability(beyond: row.t), row.exceed, rel: 1e-10), "t = \(row.t)")
            #expect(erlangIsClose(headline.serviceLevel(within: row.t), row.level, rel: 1e-12), "t = \(row.t)")
        }
        #expect(erlangIsClose(try #require(headline.waitQuantile(0.9)), 22.211506238337288286, rel: 1e-10))
        #expect(erlangIsClose(try #require(headline.waitQuantile(0.99)), 122.27763026409225663, rel: 1e-10))

        let overloaded = ErlangA.metrics(QueueModel(arrivalRate: 2, meanHandleTime: 10, servers: 10, meanPatience: 20))
        #expect(erlangIsClose(overloaded.waitProbability, 0.99983509837332049896, rel: 1e-12))
        #expect(erlangIsClose(overloaded.abandonmentProbability, 0.50001354911088538729, rel: 1e-12))
        #expect(erlangIsClose(overloaded.meanWait, 10.000270982217707746, rel: 1e-12))
        #expect(erlangIsClose(overloaded.occupancy, 0.99997290177822922543, rel: 1e-12))
        let overloadedTable: [(t: Double, exceed: Double, level: Double)] = [
            (5, 0.76829050234882075371, 0.011236360523029107591),
            (20, 0.040286378842366910162, 0.46417420637877963644),
        ]
        for row in overloadedTable {
            #expect(erlangIsClose(overloaded.waitExceedanceProbability(beyond: row.t), row.exceed, rel: 1e-11), "t = \(row.t)")
            #expect(erlangIsClose(overloaded.serviceLevel(within: row.t), row.level, rel: 1e-10), "t = \(row.t)")
        }
        #expect(erlangIsClose(try #require(overloaded.waitQuantile(0.9)), 17.472005681336112196, rel: 1e-10))
        #expect(erlangIsClose(try #require(overloaded.waitQuantile(0.99)), 23.170034894989772086, rel: 1e-10))
    }

    @Test(arguments: models)
    func waitDistributionMatchesUniformizedTaggedArrival(model: QueueModel) {
        let chain = ErlangReference.birthDeath(model, states: 2000)
        let metrics = ErlangA.metrics(model)
        let scale = max(metrics.meanWait / max(metrics.waitProbability, 1e-300), 1e-3)  // E[W | wait]
        for factor in [0.05, 0.3, 1, 2.5, 6] {
            let t = factor * scale
            let reference = ErlangReference.taggedArrival(chain, at: t)
            let exceed = metrics.waitExceedanceProbability(beyond: t)
            let level = metrics.serviceLevel(within: t)
            #expect(erlangIsClose(exceed, reference.stillWaiting, rel: 1e-9, abs: 1e-13), "P(W > \(t))")
            #expect(
                erlangIsClose(level, chain.noWaitProbability + reference.servedAfterWaiting, rel: 1e-9, abs: 1e-13),
                "SL(\(t))"
            )
        }
    }

    @Test(arguments: models)
    func serviceLevelAtZeroIsNoWaitAndRisesToServedFraction(model: QueueModel) {
        let metrics = ErlangA.metrics(model)
        #expect(abs(metrics.serviceLevel(within: 0) - (1 - metrics.waitProbability)) < 1e-12)
        #expect(metrics.serviceLevel(within: -5) == 0)
        #expect(abs(metrics.waitExceedanceProbability(beyond: 0) - metrics.waitProbability) < 1e-15)

        let scale = max(metrics.meanWait / max(metrics.waitProbability, 1e-300), 1e-3)
        var previousLevel = metrics.serviceLevel(within: 0)
        var previousExceed = metrics.waitExceedanceProbability(beyond: 0)
        var previousAbandoned = 0.0
        for step in 1...200 {
            let t = Double(step) * scale / 20
            let level = metrics.serviceLevel(within: t)
            let exceed = metrics.waitExceedanceProbability(beyond: t)
            #expect(level >= previousLevel - 1e-15, "SL not increasing at t = \(t)")
            #expect(exceed <= previousExceed + 1e-15, "P(W > t) not decreasing at t = \(t)")
            // Every arrival is, at time t, either served within t, still waiting, or abandoned within t.
            let abandonedByT = 1 - level - exceed
            #expect(abandonedByT >= previousAbandoned - 1e-12)
            #expect(abandonedByT <= metrics.abandonmentProbability + 1e-12)
            previousLevel = level
            previousExceed = exceed
            previousAbandoned = abandonedByT
        }
        let served = 1 - metrics.abandonmentProbability
        #expect(abs(metrics.serviceLevel(within: .infinity) - served) < 1e-12)
        #expect(abs(metrics.serviceLevel(within: 1e9) - served) < 1e-12)
        #expect(metrics.waitExceedanceProbability(beyond: .infinity) == 0)
    }

    @Test(arguments: models)
    func littlesLawAndFlowBalance(model: QueueModel) {
        let metrics = ErlangA.metrics(model)
        let lambda = model.arrivalRate
        // Little's law on the queue, with E[W] recomputed from the waiting-time law: ∫ P(W > t) dt.
        // Integrate up to where the integrand is negligible (P(W > t) ≤ e^{−θt} guarantees a finite end).
        var upper = 1e-3
        while metrics.waitExceedanceProbability(beyond: upper) > 1e-17 * metrics.waitProbability { upper *= 1.5 }
        let integral = ErlangReference.simpson(upTo: upper, intervals: 40_000) {
            metrics.waitExceedanceProbability(beyond: $0)
        }
        #expect(erlangIsClose(integral, metrics.meanWait, rel: 1e-8), "∫P(W>t)dt = \(integral), E[W] = \(metrics.meanWait)")
        #expect(erlangIsClose(metrics.meanQueueLength, lambda * metrics.meanWait, rel: 1e-14))
        // Little's law on the slots: E[busy] = throughput × handle time = λ(1 − P(abandon))/μ.
        let busy = metrics.occupancy * Double(model.servers)
        #expect(erlangIsClose(busy, model.offeredLoad * (1 - metrics.abandonmentProbability), rel: 1e-10))
        // Abandonments happen only from the queue: P(abandon) ≤ P(wait), E[W] ≤ mean patience.
        #expect(metrics.abandonmentProbability <= metrics.waitProbability)
        #expect(metrics.meanWait <= model.meanPatience!)
    }

    @Test(arguments: [
        QueueModel(arrivalRate: 1.0 / 60, meanHandleTime: 720, servers: 15),
        QueueModel(arrivalRate: 100.0 / 1800, meanHandleTime: 180, servers: 12),
        QueueModel(arrivalRate: 1, meanHandleTime: 1, servers: 2),
        QueueModel(arrivalRate: 9.5, meanHandleTime: 100, servers: 1000),
    ])
    func approachesErlangCAsPatienceGrows(model: QueueModel) throws {
        var patient = model
        patient.meanPatience = 1e9
        let a = ErlangA.metrics(patient)
        let tolerance = 1e-5
        #expect(erlangIsClose(a.waitProbability, try #require(ErlangC.waitProbability(model)), rel: tolerance))
        #expect(erlangIsClose(a.meanWait, try #require(ErlangC.meanWait(model)), rel: tolerance))
        #expect(erlangIsClose(a.meanQueueLength, try #require(ErlangC.meanQueueLength(model)), rel: tolerance))
        #expect(erlangIsClose(a.occupancy, try #require(ErlangC.occupancy(model)), rel: tolerance))
        #expect(a.abandonmentProbability < 1e-6)
        let cWait = try #require(ErlangC.meanWait(model))
        let cProbability = try #require(ErlangC.waitProbability(model))
        for t in [0, 0.5, 2, 5].map({ $0 * cWait / cProbability }) {
            #expect(erlangIsClose(a.serviceLevel(within: t), try #require(ErlangC.serviceLevel(model, within: t)), rel: tolerance))
        }
        for q in [0.9, 0.99] {
            #expect(
                erlangIsClose(try #require(a.waitQuantile(q)), try #require(ErlangC.waitQuantile(model, q)), rel: tolerance, abs: 1e-9)
            )
        }
    }

    @Test(arguments: models)
    func quantileInvertsWaitDistribution(model: QueueModel) throws {
        let metrics = ErlangA.metrics(model)
        let noWait = 1 - metrics.waitProbability
        for q in [0.5, 0.8, 0.9, 0.95, 0.99, 0.999] {
            let t = try #require(metrics.waitQuantile(q))
            if q <= noWait {
                #expect(t == 0)
            } else {
                #expect(t > 0)
                #expect(abs((1 - metrics.waitExceedanceProbability(beyond: t)) - q) < 1e-11, "q = \(q)")
            }
        }
        #expect(metrics.waitQuantile(noWait) == 0)
        #expect(metrics.waitQuantile(1) == .infinity)
        #expect(metrics.waitQuantile(1.01) == nil)
        #expect(metrics.waitQuantile(.nan) == nil)
    }

    @Test func noArrivals() throws {
        let metrics = ErlangA.metrics(QueueModel(arrivalRate: 0, meanHandleTime: 60, servers: 2, meanPatience: 30))
        #expect(metrics.waitProbability == 0)
        #expect(metrics.abandonmentProbability == 0)
        #expect(metrics.meanWait == 0)
        #expect(metrics.occupancy == 0)
        #expect(metrics.serviceLevel(within: 0) == 1)
        #expect(try #require(metrics.waitQuantile(0.99)) == 0)
    }

    @Test func summaryUsesErlangAWhenPatienceIsSet() throws {
        let model = QueueModel(arrivalRate: 2, meanHandleTime: 10, servers: 10, meanPatience: 20)
        let summary = try #require(Analytic.summary(model, serviceLevelThreshold: 5))
        let metrics = ErlangA.metrics(model)
        #expect(summary.waitProbability == metrics.waitProbability)
        #expect(summary.meanWaitSeconds == metrics.meanWait)
        #expect(summary.serviceLevel == metrics.serviceLevel(within: 5))
        #expect(summary.abandonmentRate == metrics.abandonmentProbability)
        #expect(summary.occupancy == metrics.occupancy)
        #expect(summary.waitP90Seconds == metrics.waitQuantile(0.9))
        #expect(summary.waitP99Seconds == metrics.waitQuantile(0.99))
    }
}
