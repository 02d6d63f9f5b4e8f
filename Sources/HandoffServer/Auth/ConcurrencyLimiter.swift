import DequeModule
import Synchronization

/// Lets at most `limit` callers run a body at once; the others wait, suspended (no thread is
/// blocked), and go in first come, first served.
///
/// The server puts logins through one: a login verifies a PBKDF2 hash, tens of milliseconds of
/// pure CPU on a cooperative thread, and a burst of them (a shift starting) would occupy every
/// thread and stall all other requests until it is over. With a limit below the core count,
/// some threads always stay free for them.
///
/// A caller cancelled while it waits keeps its place; when its turn comes it passes the permit
/// on at once and throws `CancellationError` instead of running the body.
final class ConcurrencyLimiter: Sendable {
    private struct State {
        var available: Int
        var waiters: Deque<CheckedContinuation<Void, Never>> = []
    }

    private let state: Mutex<State>
    /// Told the number waiting each time a caller starts to wait (tests observe the queue with it).
    private let onWait: @Sendable (_ waiting: Int) -> Void

    /// - Precondition: `limit ≥ 1`.
    init(limit: Int, onWait: @escaping @Sendable (_ waiting: Int) -> Void = { _ in }) {
        precondition(limit >= 1, "a concurrency limit must be at least 1")
        state = Mutex(State(available: limit))
        self.onWait = onWait
    }

    func withPermit<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        try Task.checkCancellation()
        return try await body()
    }

    /// Callers waiting for a permit now.
    var waiting: Int { state.withLock { $0.waiters.count } }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let waiting = state.withLock { state -> Int? in
                if state.available > 0 {
                    state.available -= 1
                    return nil
                }
                state.waiters.append(continuation)
                return state.waiters.count
            }
            if let waiting { onWait(waiting) } else { continuation.resume() }
        }
    }

    /// Hands the permit to the longest waiter, or returns it to the pool.
    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiters.popFirst() else {
                state.available += 1
                return nil
            }
            return waiter
        }
        next?.resume()
    }
}
