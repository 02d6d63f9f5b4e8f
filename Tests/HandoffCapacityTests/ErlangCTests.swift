@testable import HandoffCapacity
import HandoffWorkload
import HandoffMeasurement
import Foundation
import Testing

@Suite("Erlang C")
struct ErlangCTests {
    @Test func twoServersOneErlang() throws {
        // λ = μ = 1, s = 2: C = (1/2·2)/(1 + 1 + 1) = 1/3, E[W] = C/(2 − 1), E[Lq] = C·1/(2 − 1).
        let m = QueueModel(arrivalRate: 1, meanHandleTime: 1, servers: 2)
        #expect(m.offeredLoad == 1)
        let c = try #require(ErlangC.waitProbability(m))
        #expect(abs(c - 1.0 / 3) < 1e-15)
        #expect(abs(try #require(ErlangC.meanWait(m)) - 1.0 / 3) < 1e-15)
        #expect(abs(try #require(ErlangC.meanQueueLength(m)) - 1.0 / 3) < 1e-15)
        #expect(try #require(ErlangC.occupancy(m)) == 0.5)
    }

    /// 100 chats per half hour, 3-minute handle time (a = 10 Erlangs), 12 slots, 20 s target.
    @Test func callCentreExample() throws {
        let lambda = 100.0 / 1800
        let handle = 180.0
        let m = QueueModel(arrivalRate: lambda, meanHandleTime: handle, servers: 12)
        let s = 12.0
        let a = 10.0
        #expect(abs(m.offeredLoad - a) < 1e-12)

        // Expected values from the test's own formulas: direct Erlang C sum, and C = sB/(s − a(1 − B))
        // with B from the direct Erlang B sum; both must agree with each other and with the code.
        let direct = ErlangReference.erlangC(servers: 12, offeredLoad: a)
        let b = ErlangReference.erlangB(servers: 12, offeredLoad: a)
        let viaB = s * b / (s - a * (1 - b))
        #expect(erlangIsClose(direct, viaB, rel: 1e-13))
        #expect(erlangIsClose(direct, 0.44938822429827087, rel: 1e-13))  // 120-digit mpmath value

        let c = try #require(ErlangC.waitProbability(m))
        #expect(erlangIsClose(c, direct, rel: 1e-12))
        let drain = s / handle - lambda  // sμ − λ = 1/90 per second
        #expect(erlangIsClose(try #require(ErlangC.meanWait(m)), direct / drain, rel: 1e-12))  // ≈ 40.4 s
        #expect(erlangIsClose(try #require(ErlangC.meanQueueLength(m)), direct * a / (s - a), rel: 1e-12))
        #expect(erlangIsClose(try #require(ErlangC.meanQueueLength(m)), lambda * (direct / drain), rel: 1e-12))
        #expect(erlangIsClose(try #require(ErlangC.serviceLevel(m, within: 20)), 1 - direct * exp(-drain * 20), rel: 1e-12))
        #expect(erlangIsClose(try #require(ErlangC.occupancy(m)), a / s, rel: 1e-15))
        // 80th percentile: 1 − C·e^{−drain·t} = 0.8  ⇔  t = ln(C/0.2)/drain ≈ 72.8 s.
        #expect(erlangIsClose(try #require(ErlangC.waitQuantile(m, 0.8)), log(direct / 0.2) / drain, rel: 1e-12))
    }

    @Test func serviceLevelEndpoints() throws {
        let m = QueueModel(arrivalRate: 100.0 / 1800, meanHandleTime: 180, servers: 12)
        let c = try #require(ErlangC.waitProbability(m))
        #expect(abs(try #require(ErlangC.serviceLevel(m, within: 0)) - (1 - c)) < 1e-15)
        #expect(try #require(ErlangC.serviceLevel(m, within: -1)) == 0)
        #expect(try #require(ErlangC.serviceLevel(m, within: .infinity)) == 1)
        #expect(ErlangC.serviceLevel(m, within: .nan) == nil)
    }

    @Test(arguments: [
        QueueModel(arrivalRate: 100.0 / 1800, meanHandleTime: 180, servers: 12),
        QueueModel(arrivalRate: 1, meanHandleTime: 1, servers: 2),
        QueueModel(arrivalRate: 9.5, meanHandleTime: 100, servers: 1000),
        QueueModel(arrivalRate: 1.0 / 60, meanHandleTime: 720, servers: 15),
    ])
    func quantileInvertsServiceLevel(model: QueueModel) throws {
        let c = try #require(ErlangC.waitProbability(model))
        for q in [1 - c + 1e-9, 1 - c / 2, 0.9, 0.95, 0.99, 0.999] where q > 1 - c {
            let t = try #require(ErlangC.waitQuantile(model, q))
            #expect(t > 0)
            let level = try #require(ErlangC.serviceLevel(model, within: t))
            #expect(abs(level - q) < 1e-12, "q = \(q): SL(\(t)) = \(level)")
        }
        #expect(ErlangC.waitQuantile(model, 1 - c) == 0)
        #expect(ErlangC.waitQuantile(model, 0) == 0)
        #expect(ErlangC.waitQuantile(model, 1) == .infinity)
        #expect(ErlangC.waitQuantile(model, 1.5) == nil)
        #expect(ErlangC.waitQuantile(model, -0.1) == nil)
        #expect(ErlangC.waitQuantile(model, .nan) == nil)
    }

    @Test(arguments: [
        QueueModel(arrivalRate: 1, meanHandleTime: 2, servers: 2),  // a = s
        QueueModel(arrivalRate: 1, meanHandleTime: 3, servers: 2),  // a > s
        QueueModel(arrivalRate: 1, meanHandleTime: 3, servers: 0),
        QueueModel(arrivalRate: 0.1, meanHandleTime: 3, servers: 2, meanPatience: 60),  // patience: use Erlang A
        QueueModel(arrivalRate: -1, meanHandleTime: 3, servers: 2),
        QueueModel(arrivalRate: 0.1, meanHandleTime: 0, servers: 2),
        QueueModel(arrivalRate: .nan, meanHandleTime: 3, servers: 2),
    ])
    func inapplicableModelsReturnNil(model: QueueModel) {
        #expect(ErlangC.waitProbability(model) == nil)
        #expect(ErlangC.meanWait(model) == nil)
        #expect(ErlangC.serviceLevel(model, within: 20) == nil)
        #expect(ErlangC.waitQuantile(model, 0.9) == nil)
        #expect(ErlangC.occupancy(model) == nil)
        #expect(ErlangC.meanQueueLength(model) == nil)
    }

    @Test func unstableSummaryIsNil() {
        #expect(Analytic.summary(QueueModel(arrivalRate: 1, meanHandleTime: 3, servers: 2), serviceLevelThreshold: 20) == nil)
        #expect(Analytic.summary(QueueModel(arrivalRate: 1, meanHandleTime: 1, servers: 2), serviceLevelThreshold: -1) == nil)
    }

    @Test func largeSystemIsFinite() throws {
        // s = 1000, a = 950.
        let m = QueueModel(arrivalRate: 9.5, meanHandleTime: 100, servers: 1000)
        let c = try #require(ErlangC.waitProbability(m))
        #expect(c.isFinite && c > 0 && c < 1)
        #expect(erlangIsClose(c, ErlangReference.erlangC(servers: 1000, offeredLoad: 950), rel: 1e-10))
        let wait = try #require(ErlangC.meanWait(m))
        #expect(wait.isFinite && wait > 0)
        #expect(erlangIsClose(wait, c / (1000.0 / 100 - 9.5), rel: 1e-12))

        let huge = QueueModel(arrivalRate: 99.9, meanHandleTime: 100, servers: 10_000)  // a = 9990
        let ch = try #require(ErlangC.waitProbability(huge))
        #expect(ch.isFinite && ch > 0 && ch < 1)
        #expect(erlangIsClose(ch, ErlangReference.erlangC(servers: 10_000, offeredLoad: 9_990), rel: 1e-9))
    }

    @Test func noArrivalsNeverWait() throws {
        let m = QueueModel(arrivalRate: 0, meanHandleTime: 60, servers: 3)
        #expect(try #require(ErlangC.waitProbability(m)) == 0)
        #expect(try #require(ErlangC.meanWait(m)) == 0)
        #expect(try #require(ErlangC.waitQuantile(m, 1)) == 0)
        #expect(try #require(ErlangC.serviceLevel(m, within: 0)) == 1)
    }
}
