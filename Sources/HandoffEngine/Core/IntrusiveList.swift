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
        let tail = self.tail
        records.withUnsafeMutableBufferPointer { r in
            r[slot].previous = tail
            r[slot].next = Self.none
            if tail != Self.none { r[tail].next = slot }
        }
        if tail == Self.none { head = slot }
        self.tail = slot
        count += 1
    }

    mutating func remove(_ slot: Int, in records: inout [HandoffCore.HandoffRecord]) {
        // One exclusive access to the array for the three records touched. Slots are valid
        // indices by construction (the list holds only in-use slots).
        let (previous, next) = records.withUnsafeMutableBufferPointer { r in
            let previous = r[slot].previous
            let next = r[slot].next
            if previous != Self.none { r[previous].next = next }
            if next != Self.none { r[next].previous = previous }
            r[slot].previous = Self.none
            r[slot].next = Self.none
            return (previous, next)
        }
        if previous == Self.none { head = next }
        if next == Self.none { tail = previous }
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
