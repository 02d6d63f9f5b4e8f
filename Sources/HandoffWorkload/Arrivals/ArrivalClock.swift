/// Generates the arrival times of a Poisson process whose rate is constant or piecewise
/// constant over the day, exactly.
///
/// Within a segment of constant rate λ the gap to the next arrival is Exp(λ); if that would
/// cross the segment's end, the clock restarts at the boundary with the next segment's rate —
/// exact by memorylessness (no thinning, no approximation). Zero-rate segments are skipped.
@usableFromInline
package struct ArrivalClock: Sendable {
    /// Segment starts (seconds of day) and rates per second; the first starts at 0.
    @usableFromInline let starts: [Double]
    @usableFromInline let rates: [Double]
    @usableFromInline let constantRate: Double?
    @usableFromInline var random: RandomStream

    package init(_ arrivals: LoadProfile.Arrivals, random: RandomStream) {
        self.random = random
        switch arrivals {
        case .poisson(let perHour):
            constantRate = perHour / 3600
            starts = [0]
            rates = [perHour / 3600]
        case .piecewise(let table):
            var starts: [Double] = [0]
            var rates: [Double] = [0]
            for entry in table.entries {
                if entry.start == 0 {
                    rates[0] = entry.ratePerHour / 3600
                } else {
                    starts.append(entry.start)
                    rates.append(entry.ratePerHour / 3600)
                }
            }
            self.starts = starts
            self.rates = rates
            constantRate = Set(rates).count == 1 ? rates[0] : nil
        }
    }

    /// The first arrival strictly after `time`, or +∞ if none before `limit`.
    @inlinable @inline(__always)
    package mutating func next(after time: Double, limit: Double) -> Double {
        if let constantRate {
            guard constantRate > 0 else { return .infinity }
            let t = time + random.exponential(mean: 1 / constantRate)
            return t < limit ? t : .infinity
        }
        return nextPiecewise(after: time, limit: limit)
    }

    @usableFromInline
    package mutating func nextPiecewise(after time: Double, limit: Double) -> Double {
        var t = time
        while t < limit {
            let day = (t / 86_400).rounded(.down) * 86_400
            let secondOfDay = t - day
            var segment = starts.count - 1
            while starts[segment] > secondOfDay { segment -= 1 }
            let end = day + (segment + 1 < starts.count ? starts[segment + 1] : 86_400)
            let rate = rates[segment]
            if rate > 0 {
                let candidate = t + random.exponential(mean: 1 / rate)
                if candidate < end { return candidate < limit ? candidate : .infinity }
            }
            t = end
        }
        return .infinity
    }
}
