import DequeModule
import Synchronization

/// A lock held across suspension points, granted first come, first served.
///
/// A tenant's commands hold it from reading the cached core until their write committed, so
/// no command of that tenant in this process runs on state the database has not accepted
/// yet, except within one batch, which commits or runs again as a whole. Waiters suspend; nobody spins. A waiter cancelled before it got the lock
/// leaves the queue and throws ``HandoffError/unavailable``.
final class AsyncLock: Sendable {
    private struct State {
        var held = false
        var waiters: Deque<(id: UInt64, continuation: CheckedContinuation<Void, any Error>)> = []
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())

    func lock() async throws(HandoffErrorBox) {
        let id = state.withLock { s -> UInt64? in
            if !s.held {
                s.held = true
                return nil
            }
            s.nextID += 1
            return s.nextID
        }
        guard let id else { return }
        do {
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let cancelled = state.withLock { s -> Bool in
                        if Task.isCancelled { return true }
                        s.waiters.append((id, continuation))
                        return false
                    }
                    if cancelled { continuation.resume(throwing: CancellationError()) }
                }
            } onCancel: {
                let waiter = state.withLock { s -> CheckedContinuation<Void, any Error>? in
                    guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                    return s.waiters.remove(at: index).continuation
                }
                waiter?.resume(throwing: CancellationError())
            }
        } catch {
            throw HandoffErrorBox()
        }
    }

    func unlock() {
        let next = state.withLock { s -> CheckedContinuation<Void, any Error>? in
            if let next = s.waiters.popFirst() { return next.continuation }  // ownership passes on: `held` stays true
            s.held = false
            return nil
        }
        next?.resume()
    }
}

/// Thrown by ``AsyncLock/lock()`` when the waiting task was cancelled.
struct HandoffErrorBox: Error {}
