/// Where a store runs slow, CPU-bound work: password hashing and verification.
///
/// PBKDF2 at its recommended cost holds a thread for hundreds of milliseconds. Run inline on
/// Swift's cooperative pool (one thread a core), a burst of logins would stall every other
/// request; the server passes a runner backed by a dedicated thread pool instead
/// (`NIOThreadPool`). The engine itself stays free of threads and networking.
public protocol BlockingWork: Sendable {
    /// Runs `work` to completion and returns its result; `nil` when it could not run (the
    /// caller was cancelled while waiting, or the runner is shutting down).
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T?
}

/// Runs the work on the caller's thread: for tools and tests with no requests to keep serving.
public struct InlineWork: BlockingWork {
    public init() {}
    public func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T? { work() }
}
