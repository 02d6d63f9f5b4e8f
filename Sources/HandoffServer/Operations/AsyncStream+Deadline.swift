extension AsyncStream where Element: Sendable {
    /// The stream's first element; `nil` if the stream ends first or `timeout` passes.
    ///
    /// A deadline guards against a peer that never answers (an unauthenticated socket, a server
    /// that never binds); it is never a way to order events. A timeout cancels the wait, and
    /// cancelling an `AsyncStream`'s iteration finishes the stream: after a `nil` from the
    /// deadline, the stream yields nothing more.
    public func first(within timeout: Duration) async -> Element? {
        await withTaskGroup(of: Element?.self) { group in
            group.addTask {
                for await element in self { return element }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }
}
