@testable import HandoffCapacity
import HandoffWorkload
import HandoffMeasurement
import Foundation
import Testing

/// The planner's headline model: one chat a minute, 12-minute exponential handle time,
/// 15 slots (a = 12 Erlangs), with and without 2-minute exponential patience.
@Suite("Erlang headline model")
struct ErlangHeadlineTests {
    static let lambda = 1.0 / 60
    static let handle = 720.0
    static let slots = 15
    static let threshold = 60.0

    static var patient: QueueModel { QueueModel(arrivalRate: lambda, meanHandleTime: handle, servers: slots) }
    static var impatient: QueueModel {
        QueueModel(arrivalRate: lambda, meanHandleTime: handle, agents: 5, maxChats: 3, meanPatience: 120)
    }

    @Test func withoutPatience() throws {
        let m = Self.patient
        #expect(abs(m.offeredLoad - 12) < 1e-12)
        let summary = try #require(Analytic.summary(m, serviceLevelThreshold: Self.threshold))
        let c = ErlangReference.erlangC(servers: 15, offeredLoad: 12)  // ≈ 0.31919
        #expect(erlangIsClose(summary.waitProbability, c, rel: 1e-12))
        #expect(erlangIsClose(summary.waitProbability, 0.31919042511255973, rel: 1e-12))  // mpmath
        let drain = 15 / Self.handle - Self.lambda  // 1/240 per second
        #expect(erlangIsClose(summary.meanWaitSeconds, c / drain, rel: 1e-12))  // ≈ 76.6 s
        #expect(erlangIsClose(summary.serviceLevel, 1 - c * exp(-drain * Self.threshold), rel: 1e-12))
        #expect(summary.abandonmentRate == 0)
        #expect(erlangIsClose(summary.occupancy, 0.8, rel: 1e-14))
        #expect(summary.waitP90Seconds > 0 && summary.waitP90Seconds < summary.waitP99Seconds)
        #expect(erlangIsClose(summary.waitP90Seconds, log(c / 0.1) / drain, rel: 1e-12))
        #expect(erlangIsClose(summary.waitP99Seconds, log(c / 0.01) / drain, rel: 1e-12))
        #expect(summary.serviceLevel > 1 - summary.waitProbability && summary.serviceLevel < 1)
    }

    @Test func withPatience() throws {
        let m = Self.impatient
        #expect(m.servers == 15)
        let c = try #require(Analytic.summary(Self.patient, serviceLevelThreshold: Self.threshold))
        let a = try #require(Analytic.summary(m, serviceLevelThreshold: Self.threshold))
        let metrics = ErlangA.metrics(m)

        for p in [a.waitProbability, a.serviceLevel, a.abandonmentRate, a.occupancy] {
            #expect(p > 0 && p < 1)
        }
        // Abandonment relieves congestion: fewer wait, shorter waits, fewer busy slots.
        #expect(a.waitProbability < c.waitProbability)
        #expect(a.meanWaitSeconds < c.meanWaitSeconds)
        #expect(a.occupancy < c.occupancy)
        #expect(a.waitP99Seconds < c.waitP99Seconds)
        // Consistency.
        #expect(a.abandonmentRate < a.waitProbability)
        #expect(a.meanWaitSeconds < 120)
        #expect(erlangIsClose(a.occupancy * 15, 12 * (1 - a.abandonmentRate), rel: 1e-10))
        #expect(a.serviceLevel >= 1 - a.waitProbability && a.serviceLevel <= 1 - a.abandonmentRate)
        #expect(a.waitP90Seconds > 0 && a.waitP90Seconds < a.waitP99Seconds)
        #expect(abs(metrics.waitExceedanceProbability(beyond: a.waitP90Seconds) - 0.1) < 1e-11)
        #expect(abs(metrics.waitExceedanceProbability(beyond: a.waitP99Seconds) - 0.01) < 1e-11)
        // A chat cannot wait longer than its patience: P(W > t) ≤ e^{−t/120}.
        #expect(a.waitP99Seconds <= -120 * log(0.01))
    }
}
