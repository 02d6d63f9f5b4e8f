@testable import HandoffCapacity
import HandoffWorkload
import HandoffMeasurement
import Foundation
import Testing

@Suite("Erlang B")
struct ErlangBTests {
    @Test func textbookValues() {
        // B(1, a) = a/(1+a); B(2, 1) = (1/2)/(1 + 1 + 1/2) = 1/5.
        #expect(abs(ErlangB.blockingProbability(servers: 1, offeredLoad: 1) - 0.5) < 1e-15)
        #expect(abs(ErlangB.blockingProbability(servers: 2, offeredLoad: 1) - 0.2) < 1e-15)
        let b10 = ErlangB.blockingProbability(servers: 10, offeredLoad: 5)
        #expect(abs(b10 - 0.018384) < 1e-6)  // 0.0183846 to 7 places
        // 0.01838457033664813313… from a 120-digit mpmath evaluation of the defining sum.
        #expect(erlangIsClose(b10, 0.018384570336648133, rel: 1e-13))
        // 0.003992028604553197… likewise.
        #expect(erlangIsClose(ErlangB.blockingProbability(servers: 100, offeredLoad: 80), 0.003992028604553197, rel: 1e-12))
    }

    @Test(arguments: [(100, 80.0), (1, 0.3), (50, 50.0), (20, 100.0), (300, 250.0), (40, 2.5), (7, 7000.0)])
    func matchesDirectLogSpaceSum(servers: Int, load: Double) {
        let expected = ErlangReference.erlangB(servers: servers, offeredLoad: load)
        let b = ErlangB.blockingProbability(servers: servers, offeredLoad: load)
        #expect(erlangIsClose(b, expected, rel: 1e-11), "B(\(servers), \(load)) = \(b), direct \(expected)")
        let logB = ErlangB.logBlockingProbability(servers: servers, offeredLoad: load)
        #expect(erlangIsClose(logB, log(expected), rel: 1e-11, abs: 1e-12))
    }

    @Test func edgeCases() {
        #expect(ErlangB.blockingProbability(servers: 0, offeredLoad: 3) == 1)
        #expect(ErlangB.blockingProbability(servers: 5, offeredLoad: 0) == 0)
        #expect(ErlangB.logBlockingProbability(servers: 0, offeredLoad: 3) == 0)
        #expect(ErlangB.logBlockingProbability(servers: 5, offeredLoad: 0) == -.infinity)
    }

    @Test(arguments: [(10_000, 9_500.0), (10_000, 10_000.0), (10_000, 12_000.0), (10, 1e6), (2_000, 1_800.0)])
    func largeSystemsStayFiniteAndAccurate(servers: Int, load: Double) {
        let b = ErlangB.blockingProbability(servers: servers, offeredLoad: load)
        #expect(b.isFinite && b > 0 && b < 1)
        let expected = ErlangReference.erlangB(servers: servers, offeredLoad: load)
        #expect(erlangIsClose(b, expected, rel: 1e-9), "B(\(servers), \(load)) = \(b), direct \(expected)")
    }

    @Test func logFormSurvivesUnderflow() {
        // B(1000, 10) ≈ e^{−3610}: the probability underflows, its logarithm must not.
        #expect(ErlangB.blockingProbability(servers: 1000, offeredLoad: 10) == 0)
        let logB = ErlangB.logBlockingProbability(servers: 1000, offeredLoad: 10)
        let expected = ErlangReference.logErlangB(servers: 1000, offeredLoad: 10)
        #expect(expected < -3000)
        #expect(erlangIsClose(logB, expected, rel: 1e-12))
    }
}
