import HandoffEngine
import NIOPosix

/// Runs a store's password hashing on a NIO thread pool (default: NIO's shared blocking pool,
/// one thread a core), never on Swift's cooperative pool, so a burst of logins cannot hold
/// the threads that serve every other request. Logins beyond the pool's threads queue there.
///
/// Give it to the store the server uses: `MemoryHandoffStore(configuration: .init(passwordWork: ThreadPoolWork()))`.
public struct ThreadPoolWork: BlockingWork {
    private let pool: NIOThreadPool

    public init(pool: NIOThreadPool = .singleton) {
        self.pool = pool
    }

    public func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        do {
            return try await pool.runIfActive(work)
        } catch {
            // The pool only refuses work once it is shut down (the process is ending); the
            // answer is still owed, so compute it here.
            return work()
        }
    }
}
