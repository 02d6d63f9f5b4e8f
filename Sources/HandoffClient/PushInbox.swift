import Synchronization

/// What the open sockets of one client received, waiting for their owner.
///
/// Socket tasks ``deliver(_:)``; the owner ``drain()``s and ``wait(for:)``s. A waiter is
/// woken by the first delivery or its deadline, whichever comes first.
public final class PushInbox<Item: Sendable>: Sendable {
    private struct State {
        package var items: [Item] = []
        package var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        package var nextWaiter = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func deliver(_ push: Item) {
        let waiters = state.withLock { state in
            state.items.append(push)
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    public func drain() -> [Item] {
        state.withLock { state in
            defer { state.items = [] }
            return state.items
        }
    }

    /// Returns when something is waiting to be drained, or after `duration`.
    public func wait(for duration: Duration) async {
        guard duration > .zero else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: duration) }
            group.addTask { await self.waitForItem() }
            await group.next()
            group.cancelAll()
        }
    }

    private func waitForItem() async {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if !state.items.isEmpty || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume()
        }
    }
}

/// A one-time outcome that one task sets and another awaits with a timeout (a socket's
/// "open" or "refused").
public final class OneShot<Value: Sendable>: Sendable {
    private struct State {
        package var value: Value?
        package var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    /// Sets the outcome; later calls are ignored. Returns whether this call set it.
    public init() {}

    @discardableResult
    public func set(_ value: Value) -> Bool {
        let (set, waiter): (Bool, CheckedContinuation<Void, Never>?) = state.withLock { state in
            guard state.value == nil else { return (false, nil) }
            state.value = value
            defer { state.waiter = nil }
            return (true, state.waiter)
        }
        waiter?.resume()
        return set
    }

    public var value: Value? { state.withLock { $0.value } }

    /// The outcome, or `nil` if none was set within `timeout`.
    public func wait(timeout: Duration) async -> Value? {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await Task.sleep(for: timeout) }
            group.addTask { await self.waitForValue() }
            await group.next()
            group.cancelAll()
        }
        return value
    }

    private func waitForValue() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state in
                    if state.value != nil || Task.isCancelled { return true }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
    }
}
