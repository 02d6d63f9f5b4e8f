/// The head, tail and length of a doubly linked list threaded through handoff records
/// (`HandoffCore.HandoffRecord.previous/next`). A record is in at most one list at a time —
/// its tenant's pending queue or its tenant's active list — so one pair of links serves both.
///
/// - Complexity: append, remove and first are O(1); iteration is O(count).
struct IntrusiveList: Sendable {
    static let none = -1
    private(set) var head = IntrusiveList.none
    private(set) var tail = IntrusiveList.none
    private(set) var count = 0

    mutating func append(_ slot: Int, in records: inout [HandoffCore.HandoffRecord]) {
        records.withUnsafeMutableBufferPointer { append(slot, in: $0) }
    }

    mutating func remove(_ slot: Int, in records: inout [HandoffCore.HandoffRecord]) {
        records.withUnsafeMutableBufferPointer { remove(slot, in: $0) }
    }

    /// Appends through a buffer the caller already holds exclusively (one access for several
    /// list operations). `slot` must be an in-use record.
    @inline(__always)
    mutating func append(_ slot: Int, in r: UnsafeMutableBufferPointer<HandoffCore.HandoffRecord>) {
        r[slot].previous = tail
        r[slot].next = Self.none
        if tail == Self.none { head = slot } else { r[tail].next = slot }
        tail = slot
        count += 1
    }

    /// Removes through a buffer the caller already holds exclusively. `slot` must be in this list.
    @inline(__always)
    mutating func remove(_ slot: Int, in r: UnsafeMutableBufferPointer<HandoffCore.HandoffRecord>) {
        let previous = r[slot].previous
        let next = r[slot].next
        if previous == Self.none { head = next } else { r[previous].next = next }
        if next == Self.none { tail = previous } else { r[next].previous = previous }
        r[slot].previous = Self.none
        r[slot].next = Self.none
        count -= 1
    }

    func slots(in records: [HandoffCore.HandoffRecord]) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(count)
        var slot = head
        while slot != Self.none {
            result.append(slot)
            slot = records[slot].next
        }
        return result
    }
}
