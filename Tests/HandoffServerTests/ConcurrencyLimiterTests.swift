import Synchronization
import Testing

@testable import HandoffServer

@Suite("Login gate: at most N at once, first come first served")
struct ConcurrencyLimiterTests {
    /// How many bodies are inside at once, and the most there ever were.
    final class Occupancy: Sendable {
        private let state = Mutex((inside: 0, most: 0, finished: 0))
        func enter() { state.withLock { $0.inside += 1; $0.most = max($0.most, $0.inside) } }
        func leave() { state.withLock { $0.inside -= 1; $0.finished += 1 } }
        var most: Int { state.withLock { $0.most } }
        var finished: Int { state.withLock { $0.finished } }
    }

    /// Who went in, in order.
    final class Entries: Sendable {
        private let list = Mutex<[Int]>([])
        func append(_ k: Int) { list.withLock { $0.append(k) } }
        var all: [Int] { list.withLock { $0 } }
    }

    @Test(arguments: [1, 3])
    func neverMoreThanTheLimitInside(limit: Int) async throws {
        let limiter = ConcurrencyLimiter(limit: limit)
        let occupancy = Occupancy()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    try await limiter.withPermit {
                        occupancy.enter()
                        try await Task.sleep(for: .milliseconds(2))
                        for _ in 0..<5 { await Task.yield() }
                        occupancy.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(occupancy.finished == 12)
        #expect(occupancy.most <= limit)
        #expect(limiter.waiting == 0)
    }

    /// Waiters go in in the order they arrived, a body that throws still hands its permit on,
    /// and a caller cancelled while waiting passes its turn without running.
    @Test func waitersGoInFirstComeFirstServedAndErrorsReleaseThePermit() async throws {
        let (queued, queueChanged) = AsyncStream.makeStream(of: Int.self)
        let limiter = ConcurrencyLimiter(limit: 1) { queueChanged.yield($0) }
        var queue = queued.makeAsyncIterator()
        let order = Entries()
        let (entered, holderEntered) = AsyncStream.makeStream(of: Void.self)
        let (gate, open) = AsyncStream.makeStream(of: Void.self)
        let holder = Task {
            try await limiter.withPermit {
                holderEntered.yield()
                for await _ in gate { break }  // holds the only permit until the test opens the gate
            }
        }
        for await _ in entered { break }
        var waiters: [Task<Void, any Error>] = []
        for k in 1...5 {
            waiters.append(Task {
                try await limiter.withPermit {
                    order.append(k)
                    if k == 2 { throw Refused() }
                }
            })
            // Waiter k is queued before waiter k + 1 starts.
            #expect(await queue.next() == k)
        }
        waiters[3].cancel()  // waiter 4 gives up while it waits
        open.yield()
        try await holder.value
        for (index, waiter) in waiters.enumerated() {
            switch index + 1 {
            case 2: await #expect(throws: Refused.self) { try await waiter.value }
            case 4: await #expect(throws: CancellationError.self) { try await waiter.value }
            default: try await waiter.value
            }
        }
        #expect(order.all == [1, 2, 3, 5])
        #expect(limiter.waiting == 0)
    }

    struct Refused: Error {}
}
