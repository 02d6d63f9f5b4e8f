import HandoffEngine
import Hummingbird
import Synchronization

/// Token buckets keyed by client (an address or an API key), on an injected clock.
///
/// Each key's bucket holds up to `burst` tokens and refills continuously at
/// `requestsPerSecond`; a request takes one token or is refused with the time until one is
/// back. Time comes from the ``WallClock`` the server was given, so tests decide exactly when
/// a bucket refills. The table is bounded by ``ServerConfiguration/RateLimits/maxTrackedClients``:
/// when it is full, buckets that have refilled completely (equivalent to fresh ones) are
/// dropped; if every bucket is still draining, the table is cleared (an attacker with that
/// many addresses is beyond what a per-process limiter can stop).
final class RateLimiter: Sendable {
    /// What a check decided.
    enum Decision: Hashable, Sendable {
        case allowed
        /// Refused; a token is back after this many whole seconds (at least 1).
        case limited(retryAfterSeconds: Int)
    }

    private struct Bucket {
        var tokens: Double
        var updated: Timestamp
    }

    let limit: ServerConfiguration.RateLimit
    private let clock: any WallClock
    private let maxKeys: Int
    private let buckets = Mutex<[String: Bucket]>([:])

    init(limit: ServerConfiguration.RateLimit, clock: any WallClock, maxKeys: Int) {
        self.limit = limit
        self.clock = clock
        self.maxKeys = max(1, maxKeys)
    }

    /// Takes one token from `key`'s bucket if it has one.
    /// - Complexity: O(1) amortised; O(keys) when the table is full and must be pruned.
    func check(_ key: String) -> Decision {
        let now = clock.now()
        let rate = limit.requestsPerSecond
        let capacity = Double(limit.burst)
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = Double(max(0, now.milliseconds - bucket.updated.milliseconds)) / 1000
            bucket.tokens = min(capacity, bucket.tokens + elapsed * rate)
            bucket.updated = max(bucket.updated, now)
            let decision: Decision
            if bucket.tokens >= 1 {
                bucket.tokens -= 1
                decision = .allowed
            } else {
                let seconds = ((1 - bucket.tokens) / rate).rounded(.up)
                decision = .limited(retryAfterSeconds: max(1, Int(min(seconds, 86_400))))
            }
            if buckets[key] == nil, buckets.count >= maxKeys {
                Self.prune(&buckets, now: now, rate: rate, capacity: capacity, maxKeys: maxKeys)
            }
            buckets[key] = bucket
            return decision
        }
    }

    /// How many keys are tracked (tests and diagnostics).
    var trackedKeys: Int { buckets.withLock { $0.count } }

    private static func prune(_ buckets: inout [String: Bucket], now: Timestamp, rate: Double, capacity: Double, maxKeys: Int) {
        buckets = buckets.filter { _, bucket in
            let elapsed = Double(max(0, now.milliseconds - bucket.updated.milliseconds)) / 1000
            return bucket.tokens + elapsed * rate < capacity
        }
        if buckets.count >= maxKeys {
            // Still full of draining buckets: start over rather than grow without bound.
            buckets.removeAll(keepingCapacity: true)
        }
    }
}
