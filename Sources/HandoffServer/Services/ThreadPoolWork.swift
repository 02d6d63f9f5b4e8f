import HandoffEngine
import NIOPosix

/// Runs a store's password hashing on a NIO thread pool, never on Swift's cooperative pool, so a
/// burst of logins cannot hold the threads that serve every other request. Logins beyond the
/// pool's threads queue there. `handoff-sim serve` gives it a pool of its own with one thread
/// fewer than the cores (so one core always serves requests, and static files, which use NIO's
/// shared pool, never wait behind logins).
///
/// Give it to the store the server uses: `MemoryHandoffStore(configuration: .init(passwordWork: ThreadPoolWork(pool: pool)))`.
public struct ThreadPoolWork: BlockingWork {
    private let pool: NIOThreadPool

    public init(pool: NIOThreadPool = .singleton) {
        self.pool = pool
    }

    /// `nil` when the work did not run: the caller was cancelled while it waited (the client
    /// went away), or the pool is shut down (the server is stopping). Never run inline instead.
    public func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T? {
        try? await pool.runIfActive(work)
    }
}
