import HandoffEngine
import Logging
import PostgresNIO
import Synchronization

/// The events of every process on the database, delivered to this process's subscribers in each
/// tenant's sequence order, each exactly once.
///
/// A command's events are stored in `handoff_events` in the statement that commits it, and the
/// commit notifies `handoff_changes` with the tenant and the numbers of its events. The process
/// that ran the command delivers them at once; every other process gets the notification and
/// reads the numbers it has not delivered yet from the table. Whichever path brings an event
/// first delivers it: a tenant's deliveries take turns on its own lock and move one counter
/// forward, so a gap (a notification overtaken by a later local commit) is filled from the
/// table before anything after it goes out.
final class EventFanout: Sendable {
    private struct Subscribers {
        var continuations: [Int: AsyncStream<PublishedEvent>.Continuation] = [:]
        var next = 0
    }

    private final class TenantStream: Sendable {
        let lock = AsyncLock()
        /// The last sequence number delivered; `nil` until the first event of the tenant is seen.
        let delivered = Mutex<UInt64?>(nil)
    }

    private let subscribers = Mutex(Subscribers())
    private let streams = Mutex<[TenantID: TenantStream]>([:])

    func subscribe() -> AsyncStream<PublishedEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: PublishedEvent.self, bufferingPolicy: .unbounded)
        let key = subscribers.withLock { s in
            let key = s.next
            s.next += 1
            s.continuations[key] = continuation
            return key
        }
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLock { _ = $0.continuations.removeValue(forKey: key) }
        }
        return stream
    }

    private func stream(_ tenant: TenantID) -> TenantStream {
        streams.withLock { streams in
            if let stream = streams[tenant] { return stream }
            let stream = TenantStream()
            streams[tenant] = stream
            return stream
        }
    }

    /// Delivers the tenant's events numbered `first…last`. `known` are those events when this
    /// process has them (its own commit); otherwise, or where they do not start right after the
    /// last one delivered, the missing ones are read with `fetch`.
    func deliver(
        tenant: TenantID, first: UInt64, last: UInt64, known: [PublishedEvent],
        fetch: @Sendable (_ after: UInt64, _ through: UInt64) async throws -> [PublishedEvent]
    ) async {
        guard last >= first else { return }
        let stream = stream(tenant)
        do { try await stream.lock.lock() } catch { return }
        defer { stream.lock.unlock() }
        let delivered = stream.delivered.withLock { value -> UInt64 in
            if value == nil { value = first - 1 }  // the first event this process sees: nothing before it is owed
            return value!
        }
        guard last > delivered else { return }
        var batch = known.filter { $0.sequence > delivered && $0.sequence <= last }
        if batch.first?.sequence != delivered + 1 || batch.count != Int(last - delivered) {
            // A gap: read what is missing (the later ones included, to keep one order).
            guard let fetched = try? await fetch(delivered, last) else { return }
            batch = fetched
        }
        guard let end = batch.last?.sequence else { return }
        let continuations = subscribers.withLock { Array($0.continuations.values) }
        for event in batch {
            for continuation in continuations { continuation.yield(event) }
        }
        stream.delivered.withLock { $0 = end }
    }

    /// The tenants this process has delivered events of, with the last number delivered.
    var deliveredSoFar: [(TenantID, UInt64)] {
        streams.withLock { streams in streams.compactMap { key, value in value.delivered.withLock { $0 }.map { (key, $0) } } }
    }
}
