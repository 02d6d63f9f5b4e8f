import Foundation

/// The eligible agents of one automatically routed tenant, best first: an indexed binary
/// min-heap ordered by ``Key`` — the policy's rank (fewest chats, most chats, or none), then
/// idle longest, then the smaller agent id.
///
/// Members are tenant-local agent numbers (an agent's index in its tenant's creation-ordered
/// list), so the position table is dense and small. The core keeps the index exact through its
/// one agent-update path (`HandoffCore.updateAgent`): an agent is a member exactly while it can
/// take a handoff (``Agent/canTakeHandoff``), under the key its current state gives. Tenants
/// routed `manual` keep it empty, so the manual path pays nothing for it.
///
/// - Complexity: ``first`` O(1); ``update(_:key:)`` O(log e), e = the tenant's eligible agents
///   (independent of the number of handoffs). Nothing allocates once the tables have grown.
struct RoutingIndex: Sendable {
    /// The routing order. Smaller is better.
    struct Key: Hashable, Sendable, Comparable {
        /// The policy's first criterion: activeChats (`leastBusy`), −activeChats (`mostBusy`), 0 (`longestIdle`).
        var rank: Int
        /// `HandoffCore.AgentRecord.idleSince`, in milliseconds since the epoch.
        var idleSince: Int64
        /// The agent id's 128 bits as two big-endian words: compares like ``AgentID``'s `<`.
        var idHigh: UInt64
        var idLow: UInt64

        init(rank: Int, idleSince: Timestamp, id: AgentID) {
            self.rank = rank
            self.idleSince = idleSince.milliseconds
            (idHigh, idLow) = withUnsafeBytes(of: id.uuid.uuid) {
                (UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)), UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            }
        }

        @inline(__always)
        static func < (a: Key, b: Key) -> Bool {
            if a.rank != b.rank { return a.rank < b.rank }
            if a.idleSince != b.idleSince { return a.idleSince < b.idleSince }
            if a.idHigh != b.idHigh { return a.idHigh < b.idHigh }
            return a.idLow < b.idLow
        }
    }

    private struct Entry: Sendable {
        var key: Key
        var member: Int32
    }

    private var heap: [Entry] = []
    /// Member → its index in `heap`, or −1 when it is not in the index.
    private var positions: [Int32] = []

    var count: Int { heap.count }
    var isEmpty: Bool { heap.isEmpty }

    /// The best member: the agent automatic routing gives the next request to. O(1).
    @inline(__always)
    var first: Int? { heap.isEmpty ? nil : Int(heap[0].member) }

    /// The member's key, or `nil` when it is not in the index.
    func key(of member: Int) -> Key? {
        guard member < positions.count, positions[member] >= 0 else { return nil }
        return heap[Int(positions[member])].key
    }

    /// Puts `member` where `key` says, or takes it out when `key` is `nil`.
    /// - Complexity: O(log count); O(1) when nothing changes.
    @inline(__always)
    mutating func update(_ member: Int, key: Key?) {
        if member >= positions.count {
            guard key != nil else { return }
            positions.append(contentsOf: repeatElement(-1, count: member - positions.count + 1))
        }
        let position = Int(positions[member])
        guard let key else {
            if position >= 0 { remove(at: position) }
            return
        }
        if position < 0 {
            heap.append(Entry(key: key, member: Int32(member)))
            positions[member] = Int32(heap.count - 1)
            siftUp(heap.count - 1)
            return
        }
        let old = heap[position].key
        guard old != key else { return }
        heap[position].key = key
        if key < old { siftUp(position) } else { siftDown(position) }
    }

    /// Empties the index (the tenant stops routing automatically). Keeps the storage.
    mutating func removeAll() {
        heap.removeAll(keepingCapacity: true)
        positions.removeAll(keepingCapacity: true)
    }

    /// Every member with its key, in no particular order (for the invariant check).
    var members: [(member: Int, key: Key)] { heap.map { (Int($0.member), $0.key) } }

    /// Structural problems (heap order, position table): empty when sound. O(count).
    func structuralViolations() -> [String] {
        var problems: [String] = []
        for i in heap.indices {
            let recorded = positions[Int(heap[i].member)]
            if Int(recorded) != i { problems.append("routing index: member \(heap[i].member) is at \(i) but recorded at \(recorded)") }
            if i > 0, heap[i].key < heap[(i - 1) / 2].key { problems.append("routing index: entry \(i) orders before its parent") }
        }
        let recorded = positions.filter { $0 >= 0 }.count
        if recorded != heap.count { problems.append("routing index: \(recorded) positions recorded for \(heap.count) members") }
        return problems
    }

    // MARK: Heap mechanics

    private mutating func remove(at position: Int) {
        let last = heap.count - 1
        positions[Int(heap[position].member)] = -1
        if position == last {
            heap.removeLast()
            return
        }
        heap[position] = heap[last]
        heap.removeLast()
        positions[Int(heap[position].member)] = Int32(position)
        // The moved entry may belong above or below its new place.
        if position > 0, heap[position].key < heap[(position - 1) / 2].key { siftUp(position) } else { siftDown(position) }
    }

    private mutating func siftUp(_ start: Int) {
        var i = start
        let entry = heap[i]
        while i > 0 {
            let parent = (i - 1) / 2
            guard entry.key < heap[parent].key else { break }
            heap[i] = heap[parent]
            positions[Int(heap[i].member)] = Int32(i)
            i = parent
        }
        heap[i] = entry
        positions[Int(entry.member)] = Int32(i)
    }

    private mutating func siftDown(_ start: Int) {
        var i = start
        let entry = heap[i]
        let n = heap.count
        while true {
            let left = 2 * i + 1
            guard left < n else { break }
            let right = left + 1
            let child = right < n && heap[right].key < heap[left].key ? right : left
            guard heap[child].key < entry.key else { break }
            heap[i] = heap[child]
            positions[Int(heap[i].member)] = Int32(i)
            i = child
        }
        heap[i] = entry
        positions[Int(entry.member)] = Int32(i)
    }
}
