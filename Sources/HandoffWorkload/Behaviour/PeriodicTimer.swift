/// A repeating timer on a fixed grid: ticks at `phase + k · interval` for every integer k.
///
/// The one rule for periodic client activity in every time base: a polling agent's queue
/// refresh in the simulator, the reference clients' polls and heartbeats in the scenario
/// runner and the load generator. A late runner skips the ticks it missed instead of catching
/// up (a browser timer does not fire twice either), so in virtual time, where nothing is ever
/// late, the grid is kept exactly.
@frozen
public struct PeriodicTimer: Hashable, Sendable {
    /// Any instant on the grid (seconds of the time base).
    public var phase: Double
    /// Seconds between ticks, > 0.
    public var interval: Double

    @inlinable
    public init(phase: Double, interval: Double) {
        precondition(interval > 0, "a periodic timer needs a positive interval")
        self.phase = phase
        self.interval = interval
    }

    /// The first tick at or after `time`.
    /// - Complexity: O(1).
    @inlinable @inline(__always)
    public func firstTick(atOrAfter time: Double) -> Double {
        var next = phase + ((time - phase) / interval).rounded(.up) * interval
        if next < time { next += interval }  // rounding of the product can land just below
        return next
    }

    /// The tick after the one at `tick` that is not already past at `now`: one interval later,
    /// or the first tick at or after `now` when the runner fell behind.
    @inlinable @inline(__always)
    public func tick(after tick: Double, now: Double) -> Double {
        let next = tick + interval
        return next >= now ? next : firstTick(atOrAfter: now)
    }
}
