import Foundation
import Synchronization

/// The clock seam: where stores and drivers read "now". The engine core never reads a clock.
public protocol WallClock: Sendable {
    func now() -> Timestamp
}

/// The system's real-time clock, at millisecond precision.
public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Timestamp {
        Timestamp(milliseconds: Int64((Date().timeIntervalSince1970 * 1000).rounded(.down)))
    }
}

/// A clock that moves only when told to: virtual time for scenarios and tests.
///
/// Time never goes backwards; `advance(to:)` with an earlier instant is a programmer error.
public final class ManualWallClock: WallClock {
    private let current: Mutex<Timestamp>

    public init(start: Timestamp = Timestamp(milliseconds: 1_767_225_600_000)) {  // 2026-01-01T00:00:00Z
        current = Mutex(start)
    }

    public func now() -> Timestamp { current.withLock { $0 } }

    public func advance(by duration: Duration) {
        precondition(duration >= .zero, "time cannot go backwards")
        current.withLock { $0 = $0 + duration }
    }

    public func advance(to instant: Timestamp) {
        current.withLock {
            precondition(instant >= $0, "time cannot go backwards")
            $0 = instant
        }
    }
}
