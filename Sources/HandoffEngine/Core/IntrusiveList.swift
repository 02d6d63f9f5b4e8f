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
        records[slot].previous = tail
        records[slot].next = Self.none
        if tail == Self.none { head = slot } else { records[tail].next = slot }
        tail = slot
        count += 1
    }

    mutating func remove(_ slot: Int, in records: inout [HandoffCore.HandoffRecord]) {
        let previous = records[slot].previous
        let next = records[slot].next
        if previous == Self.none { head = next } else { records[previous].next = next }
        if next == Self.none { tail = previous } else { records[next].previous = previous }
        records[slot].previous = Self.none
        records[slot].next = Self.none
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
