import HandoffWorkload
/// The agents that can take a chat now (`available` with a free slot, as the engine decides),
/// bucketed by their number of active chats: O(1) insert, remove and move, a uniformly random
/// member in O(maxChats). (Automatic routing is the engine's, not the pool's.)
///
/// It mirrors the engine's eligibility so routing needs no scan of all agents; debug builds
/// check it against ``HandoffEngine/HandoffCore/canTakeHandoff(_:)`` on every decision.
/// Storage is one flat ``UnsafeTable`` per field (level k's members at `k·agents ..< k·agents +
/// sizes[k]`); the owner calls ``deallocate()``.
struct AgentPool {
    private let agents: Int
    private let levels: Int
    private var members: UnsafeTable<Int32>
    private var sizes: UnsafeTable<Int32>
    /// Where each agent sits: its level (−1 if not eligible) and index within the level.
    private var level: UnsafeTable<Int32>
    private var position: UnsafeTable<Int32>
    private(set) var count = 0

    init(agents: Int, maxChats: Int) {
        self.agents = max(agents, 1)
        levels = max(maxChats, 1)
        members = UnsafeTable(repeating: 0, count: self.agents * levels)
        sizes = UnsafeTable(repeating: 0, count: levels)
        level = UnsafeTable(repeating: -1, count: self.agents)
        position = UnsafeTable(repeating: 0, count: self.agents)
    }

    func deallocate() {
        members.deallocate()
        sizes.deallocate()
        level.deallocate()
        position.deallocate()
    }

    var isEmpty: Bool { count == 0 }

    @inline(__always)
    func contains(_ agent: Int32) -> Bool { level[Int(agent)] >= 0 }

    @inline(__always)
    mutating func insert(_ agent: Int32, activeChats: Int32) {
        let k = Int(activeChats)
        let size = sizes[k]
        level[Int(agent)] = activeChats
        position[Int(agent)] = size
        members[k * agents + Int(size)] = agent
        sizes[k] = size + 1
        count += 1
    }

    @inline(__always)
    mutating func remove(_ agent: Int32) {
        let k = Int(level[Int(agent)])
        let p = Int(position[Int(agent)])
        let lastIndex = Int(sizes[k]) - 1
        let last = members[k * agents + lastIndex]
        members[k * agents + p] = last
        position[Int(last)] = Int32(p)
        sizes[k] = Int32(lastIndex)
        level[Int(agent)] = -1
        count -= 1
    }

    /// Puts `agent` where its new state says: in the pool at `activeChats` when `eligible`,
    /// out of it otherwise.
    @inline(__always)
    mutating func update(_ agent: Int32, eligible: Bool, activeChats: Int32) {
        let current = level[Int(agent)]
        if current >= 0 {
            if eligible && current == activeChats { return }
            remove(agent)
        }
        if eligible { insert(agent, activeChats: activeChats) }
    }

    /// A uniformly random eligible agent. - Precondition: not empty.
    @inline(__always)
    func random(_ random: inout RandomStream) -> Int32 {
        var r = random.index(below: count)
        for k in 0..<levels {
            let size = Int(sizes[k])
            if r < size { return members[k * agents + r] }
            r -= size
        }
        preconditionFailure("AgentPool.random on an empty pool")
    }

    /// Appends every eligible agent to `list` (for the notification fan-out of non-instant
    /// modes), least loaded first.
    func appendMembers(to list: inout [Int32]) {
        for k in 0..<levels {
            for i in 0..<Int(sizes[k]) { list.append(members[k * agents + i]) }
        }
    }
}

/// The visitors waiting in the queue, oldest first: a ring buffer of (visitor, generation)
/// that mirrors the engine's pending queue. A visitor who abandons is not removed at once; its
/// entry is skipped when it reaches the head (its generation no longer matches).
struct WaitingLine: Sendable {
    private var ring: ContiguousArray<UInt64>
    private var head = 0
    private var tail = 0
    private var mask: Int

    init() {
        ring = ContiguousArray(repeating: 0, count: 64)
        mask = 63
    }

    @inline(__always)
    mutating func append(_ visitor: Int32, generation: UInt32) {
        if tail - head == ring.count { grow() }
        ring[tail & mask] = UInt64(UInt32(bitPattern: visitor)) | UInt64(generation) << 32
        tail += 1
    }

    /// The oldest entry without removing it.
    @inline(__always)
    func first() -> (visitor: Int32, generation: UInt32)? {
        guard head != tail else { return nil }
        let entry = ring[head & mask]
        return (Int32(bitPattern: UInt32(truncatingIfNeeded: entry)), UInt32(truncatingIfNeeded: entry >> 32))
    }

    @inline(__always)
    mutating func removeFirst() { head += 1 }

    private mutating func grow() {
        var bigger = ContiguousArray<UInt64>(repeating: 0, count: ring.count * 2)
        for i in head..<tail { bigger[i - head] = ring[i & mask] }
        tail -= head
        head = 0
        ring = bigger
        mask = ring.count - 1
    }
}
