import DequeModule
import HandoffEngine
import Synchronization

/// Sends the writes of many tenants together: each statement carries every write that waited
/// for it (one per tenant), so they share a round trip and a commit.
///
/// PostgreSQL serialises the commits of transactions that notify, so a statement per command
/// would cap the whole process at one commit's latency however many connections it has. Here
/// at most ``maxInFlight`` statements run at once; writes that arrive meanwhile queue and go
/// in the next one. A lone write goes at once (no timer, no added latency when idle).
///
/// A statement that a constraint refused is sent again one write at a time, so the refusal
/// reaches only the write that caused it; the others are unaffected.
final class WriteCombiner: Sendable {
    typealias Flush = @Sendable ([Statements.TenantWrite]) async throws(DatabaseFailure) -> Set<TenantID>

    private struct Waiting {
        var write: Statements.TenantWrite
        var continuation: CheckedContinuation<Result<Bool, DatabaseFailure>, Never>
    }

    private struct State {
        var queue: Deque<Waiting> = []
        var inFlight = 0
    }

    private let state = Mutex(State())
    /// Statements sent, and tenant writes they carried (for ``PostgresHandoffStore/writeStatistics``);
    /// a refused statement's writes sent again one by one are not counted again.
    let statements = Atomic<Int>(0)
    let tenantWrites = Atomic<Int>(0)
    private let flush: Flush
    /// Statements at once.
    let maxInFlight: Int
    /// Tenants in one statement at most.
    let maxBatch: Int

    init(maxInFlight: Int, maxBatch: Int = 64, flush: @escaping Flush) {
        self.maxInFlight = max(1, maxInFlight)
        self.maxBatch = max(1, maxBatch)
        self.flush = flush
    }

    /// Writes queued for the next statement (for tests and diagnostics).
    var waitingCount: Int { state.withLock { $0.queue.count } }

    /// Writes `write` with whatever else is waiting. Returns whether its tenant was still at
    /// the write's version (so its rows are stored), or throws what the database said.
    func write(_ write: Statements.TenantWrite) async throws(DatabaseFailure) -> Bool {
        let result: Result<Bool, DatabaseFailure> = await withCheckedContinuation { continuation in
            let leads = state.withLock { state -> Bool in
                state.queue.append(Waiting(write: write, continuation: continuation))
                guard state.inFlight < maxInFlight else { return false }
                state.inFlight += 1
                return true
            }
            if leads { Task { await self.drain() } }
        }
        return try result.get()
    }

    /// Sends batches until the queue is empty.
    private func drain() async {
        while let batch = next() {
            statements.add(1, ordering: .relaxed)
            tenantWrites.add(batch.count, ordering: .relaxed)
            do {
                let written = try await flush(batch.map(\.write))
                for waiting in batch { waiting.continuation.resume(returning: .success(written.contains(waiting.write.tenant.id))) }
            } catch .rolledBack {
                // Nothing was written: each write's tenant reloads and runs its commands again.
                for waiting in batch { waiting.continuation.resume(returning: .success(false)) }
            } catch .constraint where batch.count > 1 {
                // Find the write the constraint refused: each alone.
                for waiting in batch {
                    do throws(DatabaseFailure) {
                        let written = try await flush([waiting.write])
                        waiting.continuation.resume(returning: .success(written.contains(waiting.write.tenant.id)))
                    } catch .rolledBack {
                        waiting.continuation.resume(returning: .success(false))
                    } catch {
                        waiting.continuation.resume(returning: .failure(error))
                    }
                }
            } catch {
                for waiting in batch { waiting.continuation.resume(returning: .failure(error)) }
            }
        }
    }

    /// The next batch, or `nil` (and this drainer ends) when nothing waits.
    private func next() -> [Waiting]? {
        state.withLock { state in
            guard !state.queue.isEmpty else {
                state.inFlight -= 1
                return nil
            }
            let count = min(maxBatch, state.queue.count)
            var batch: [Waiting] = []
            batch.reserveCapacity(count)
            for _ in 0..<count { batch.append(state.queue.removeFirst()) }
            return batch
        }
    }
}
