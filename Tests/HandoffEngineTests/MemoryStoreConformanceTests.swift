import HandoffEngine
import HandoffTestSupport
import Testing

/// The store conformance suite against ``MemoryHandoffStore``: every check on a fresh store
/// with a manual clock (one PBKDF2 round, so account checks stay fast).
@Suite struct MemoryStoreConformanceTests {
    @Test(.timeLimit(.minutes(1)), arguments: StoreConformance.checks)
    func conforms(to check: StoreConformance.Check) async throws {
        try await check.run {
            let clock = ManualWallClock()
            let store = MemoryHandoffStore(configuration: .init(clock: clock, passwordIterations: 1))
            return StoreUnderTest(store: store, clock: clock)
        }
    }

    @Test func checksHaveDistinctNames() {
        let names = StoreConformance.checks.map(\.name)
        #expect(Set(names).count == names.count)
        #expect(names.count >= 21)
    }
}
