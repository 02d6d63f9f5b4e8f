/// One pending event of the capacity simulator: 24 bytes of plain data, no references.
struct ScheduledEvent: Sendable {
    enum Kind: UInt8, Sendable {
        /// A chat's handle time is over: its agent resolves it. `subject` = visitor.
        case serviceEnd
        /// A waiting visitor's patience runs out. `subject` = visitor.
        case patience
        /// An agent notices the queue (push delivered, or its poll). `subject` = agent.
        case notice
        /// An agent issues a pick-up after noticing. `subject` = agent.
        case attempt
        /// The next chat message of a visitor's chat. `subject` = visitor.
        case message
        /// A group's shift boundary: statuses are recomputed. `subject` = group.
        case shift
    }

    var time: Double
    var sequence: UInt32
    var kind: Kind
    var subject: Int32
    /// The visitor record's generation when scheduled (stale events are ignored).
    var generation: UInt32

    /// (time, sequence) order: same-time events run in the order they were scheduled (FIFO).
    @inline(__always)
    static func precedes(_ a: ScheduledEvent, _ b: ScheduledEvent) -> Bool {
        a.time < b.time || (a.time == b.time && Int32(bitPattern: a.sequence &- b.sequence) < 0)
    }
}

/// The future-event list: a 4-ary min-heap on (time, sequence), in one contiguous buffer.
///
/// `Heap` of swift-collections is a min-max heap (two comparisons per level and no
/// `popMin`-then-push fast path); this one is a plain 4-ary heap with hole-based sifting,
/// which is what a simulator's push/pop pattern wants: half the levels of a binary heap, and
/// a parent's four children share a cache line. The buffer only grows: after the first
/// minutes of simulated time no operation allocates.
///
/// Sequence numbers are 32-bit and compared with wrap-around arithmetic (serial-number
/// arithmetic, RFC 1982), so the order stays exact as long as fewer than 2³¹ events separate
/// two pending events with the same time — always true here.
///
/// - Complexity: push and popMin O(log n); min O(1).
struct EventQueue: Sendable {
    private var heap: ContiguousArray<ScheduledEvent> = []
    private var nextSequence: UInt32 = 0

    init() { heap.reserveCapacity(256) }

    var count: Int { heap.count }
    var isEmpty: Bool { heap.isEmpty }

    /// The earliest event, if any.
    @inline(__always)
    var min: ScheduledEvent? { heap.first }

    /// Draws the next sequence number (also used by the arrival stream, which lives outside
    /// the heap but must order consistently with it).
    @inline(__always)
    mutating func takeSequence() -> UInt32 {
        defer { nextSequence &+= 1 }
        return nextSequence
    }

    @inline(__always)
    mutating func schedule(_ kind: ScheduledEvent.Kind, at time: Double, subject: Int32, generation: UInt32 = 0) {
        push(ScheduledEvent(time: time, sequence: takeSequence(), kind: kind, subject: subject, generation: generation))
    }

    mutating func push(_ event: ScheduledEvent) {
        heap.append(event)
        heap.withUnsafeMutableBufferPointer { h in
            var hole = h.count - 1
            while hole > 0 {
                let parent = (hole - 1) >> 2
                guard ScheduledEvent.precedes(event, h[parent]) else { break }
                h[hole] = h[parent]
                hole = parent
            }
            h[hole] = event
        }
    }

    mutating func popMin() -> ScheduledEvent? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        return heap.withUnsafeMutableBufferPointer { h in
            let top = h[0]
            let n = h.count
            var hole = 0
            while true {
                let first = 4 * hole + 1
                if first >= n { break }
                // The earliest of up to four children.
                var child = first
                let end = Swift.min(first + 4, n)
                var c = first + 1
                while c < end {
                    if ScheduledEvent.precedes(h[c], h[child]) { child = c }
                    c += 1
                }
                guard ScheduledEvent.precedes(h[child], last) else { break }
                h[hole] = h[child]
                hole = child
            }
            h[hole] = last
            return top
        }
    }

    mutating func removeAll() {
        heap.removeAll(keepingCapacity: true)
        nextSequence = 0
    }
}
