/// One pending event of the capacity simulator: 32 bytes of plain data, no references.
struct ScheduledEvent: Sendable {
    enum Kind: UInt8, Sendable {
        /// A chat's handle time is over: its agent resolves it. `subject` = visitor.
        case serviceEnd
        /// Shared-rate model: the agent's chat with the least work left is done. `subject` =
        /// agent, `generation` = the agent's completion generation (stale when its load changed).
        case sharedServiceEnd
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

    /// The order key, (time, sequence) as one 128-bit integer; see ``EventKey``.
    let key: UInt128
    var kind: Kind
    var subject: Int32
    /// The visitor record's generation when scheduled (stale events are ignored).
    var generation: UInt32

    @inline(__always)
    init(key: UInt128, kind: Kind, subject: Int32, generation: UInt32) {
        self.key = key
        self.kind = kind
        self.subject = subject
        self.generation = generation
    }

    /// When the event happens, seconds of simulated time.
    @inline(__always)
    var time: Double { EventKey.time(of: key) }
}

/// The simulator's event order, (time, sequence), packed into one `UInt128` so that comparing
/// two events is a single branch-free integer comparison.
///
/// The high 64 bits are the time's IEEE-754 bit pattern: for non-negative doubles (+∞
/// included) it orders exactly like the values. The low 64 bits are a sequence number drawn at
/// scheduling, so events at the same time run in the order they were scheduled (FIFO); at
/// 2⁶⁴ draws it never wraps.
enum EventKey {
    /// The key of an event at `time` (≥ 0, not NaN) scheduled `sequence`-th.
    @inline(__always)
    static func make(time: Double, sequence: UInt64) -> UInt128 {
        precondition(time >= 0, "simulated time must be a non-negative number, got \(time)")
        // Clearing the sign bit turns −0 into +0 and changes nothing else here.
        return UInt128(time.bitPattern & ~(1 << 63)) << 64 | UInt128(sequence)
    }

    @inline(__always)
    static func time(of key: UInt128) -> Double { Double(bitPattern: UInt64(truncatingIfNeeded: key >> 64)) }

    /// Orders after every event.
    static let never = UInt128.max
}

/// The future-event list: a 4-ary min-heap on the event key, in one manually managed buffer.
///
/// `Heap` of swift-collections is a min-max heap (two comparisons per level and no
/// `popMin`-then-push fast path); this one is a plain 4-ary heap with hole-based sifting,
/// which is what a simulator's push/pop pattern wants: half the levels of a binary heap, and
/// the earliest of a node's four children is found with three branch-free comparisons (a
/// random event time would mispredict a branch half the time). The buffer only grows: after
/// the first minutes of simulated time no operation allocates. The owner calls
/// ``deallocate()`` once.
///
/// - Complexity: push and popMin O(log n); minKey O(1).
struct EventQueue {
    private var heap = UnsafeTable<ScheduledEvent>(capacity: 256)
    private var nextSequence: UInt64 = 0

    var count: Int { heap.count }
    var isEmpty: Bool { heap.isEmpty }

    /// The earliest event's key, ``EventKey/never`` when empty.
    @inline(__always)
    var minKey: UInt128 { heap.isEmpty ? EventKey.never : heap[0].key }

    /// The earliest event, if any.
    var min: ScheduledEvent? { heap.isEmpty ? nil : heap[0] }

    /// Draws the next sequence number (also used by the arrival stream, which lives outside
    /// the heap but must order consistently with it).
    @inline(__always)
    mutating func takeSequence() -> UInt64 {
        defer { nextSequence &+= 1 }
        return nextSequence
    }

    /// The key of something happening at `time`, drawing its sequence number now.
    @inline(__always)
    mutating func key(at time: Double) -> UInt128 { EventKey.make(time: time, sequence: takeSequence()) }

    @inline(__always)
    mutating func schedule(_ kind: ScheduledEvent.Kind, at time: Double, subject: Int32, generation: UInt32 = 0) {
        push(ScheduledEvent(key: key(at: time), kind: kind, subject: subject, generation: generation))
    }

    mutating func push(_ event: ScheduledEvent) {
        heap.append(event)
        let h = heap.base
        var hole = heap.count - 1
        while hole > 0 {
            let parent = (hole - 1) >> 2
            guard event.key < h[parent].key else { break }
            h[hole] = h[parent]
            hole = parent
        }
        h[hole] = event
    }

    /// Removes and returns the earliest event.
    /// - Precondition: not empty.
    mutating func popMin() -> ScheduledEvent {
        guard let last = heap.popLast() else { preconditionFailure("popMin on an empty event queue") }
        let n = heap.count
        guard n > 0 else { return last }
        let h = heap.base
        let top = h[0]
        var hole = 0
        while true {
            let first = 4 * hole + 1
            if first >= n { break }
            var child = first
            var key = h[first].key
            if first + 3 < n {
                // A full set of four: a two-round tournament of selects, no data-dependent branch.
                let k1 = h[first + 1].key
                let k2 = h[first + 2].key
                let k3 = h[first + 3].key
                let left = k1 < key ? first + 1 : first
                let leftKey = Swift.min(key, k1)
                let right = k3 < k2 ? first + 3 : first + 2
                let rightKey = Swift.min(k2, k3)
                child = rightKey < leftKey ? right : left
                key = Swift.min(leftKey, rightKey)
            } else {
                var c = first + 1
                while c < n {
                    let k = h[c].key
                    if k < key {
                        child = c
                        key = k
                    }
                    c += 1
                }
            }
            guard key < last.key else { break }
            h[hole] = h[child]
            hole = child
        }
        h[hole] = last
        return top
    }

    /// Frees the buffer; the queue must not be used afterwards.
    func deallocate() { heap.deallocate() }
}
