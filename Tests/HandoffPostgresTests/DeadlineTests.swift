import Foundation
@testable import HandoffPostgres
import Synchronization
import Testing

/// Every database call has a deadline: the answer if it comes in time, else `unavailable` at
/// the deadline, with the call cancelled.
@Suite struct DeadlineTests {
    struct Boom: Error {}

    @Test func anAnswerInTimeIsTheResult() async throws {
        let value = try await withDeadline(.seconds(5)) { 42 }
        #expect(value == 42)
        await #expect(throws: DatabaseFailure.self) { try await withDeadline(.seconds(5)) { () async throws -> Int in throw Boom() } }
    }

    @Test(.timeLimit(.minutes(1)))
    func aCallThatHangsFailsAtTheDeadlineAndIsCancelled() async throws {
        let cancelled = Atomic<Bool>(false)
        let start = ContinuousClock.now
        do {
            _ = try await withDeadline(.milliseconds(200)) { () async throws -> Int in
                // Bounded: 30 s at most, and cancellation ends it at once.
                do { try await Task.sleep(for: .seconds(30)) } catch { cancelled.store(true, ordering: .relaxed) }
                return 1
            }
            Issue.record("a hanging call answered")
        } catch {
            if case .unavailable = error {} else { Issue.record("\(error)") }
        }
        let took = ContinuousClock.now - start
        #expect(took < .seconds(5), "failed after \(took), not at the 200 ms deadline")
        for _ in 0..<200 where !cancelled.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(10)) }
        let wasCancelled = cancelled.load(ordering: .relaxed)
        #expect(wasCancelled, "the call was not cancelled at the deadline")
    }
}
