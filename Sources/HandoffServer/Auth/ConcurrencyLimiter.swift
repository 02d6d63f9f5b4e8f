import Synchronization

/// Lets at most `limit` callers run a body at once; the others wait, suspended (no thread is
/// blocked), and go in first come, first served.
///
/// The server puts logins through one: a login verifies a PBKDF2 hash, tens of milliseconds of
/// pure CPU on a cooperative thread, and a burst of them (a shift starting) would occupy every
/// thread and stall all other requests until it is over. With a limit below the core count,
/// some threads always stay free for them.
///
/// A caller cancelled while it waits keeps its place and runs when its turn comes (the body
/// sees the cancellation).
final class ConcurrencyLimiter: Sendable {
    private struct State {
        var available: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
        var head = 0
    }

    private let state: Mutex<State>

    /// - Precondition: `limit ≥ 1`.
    init(limit: Int) {
        precondition(limit >= 1, "a concurrency limit must be at least 1")
        state = Mutex(State(available: limit))
    }

    func withPermit<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        await acquire()
        defer { release() }
        return try await body()
    }

    /// Callers waiting for a permit now.
    var waiting: Int { state.withLock { $0.waiters.count - $0.head } }

    private func acquire() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                if state.available > 0 {
                    state.available -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Hands the permit to the longest waiter, or returns it to the pool.
    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.head < state.waiters.count else {
                state.available += 1
                return nil
            }
            let waiter = state.waiters[state.head]
            state.head += 1
            if state.head == state.waiters.count {
                state.waiters.removeAll(keepingCapacity: true)
                state.head = 0
            }
            return waiter
        }
        next?.resume()
    }
}
