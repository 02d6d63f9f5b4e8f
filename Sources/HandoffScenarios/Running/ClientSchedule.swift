import HandoffEngine
import HeapModule

/// The virtual clients' timers: polls and heartbeats due at given instants, popped in time
/// order, ties in scheduling order (a sequence number: `Heap` does not order equal keys).
struct ClientSchedule {
    enum Activity: Hashable {
        case widgetStatus(widget: String, generation: Int)
        case widgetMessages(widget: String, generation: Int)
        case agentMessages(agent: String, generation: Int)
        case heartbeat(agent: String, generation: Int)
        /// The agent dashboard's poll of one queue list (real-time targets only).
        case agentQueue(agent: String, list: AgentQueueList, generation: Int)
        case sweep
    }

    private struct Entry: Comparable {
        var time: Timestamp
        var sequence: Int
        var activity: Activity
        static func < (l: Entry, r: Entry) -> Bool { (l.time, l.sequence) < (r.time, r.sequence) }
        static func == (l: Entry, r: Entry) -> Bool { l.time == r.time && l.sequence == r.sequence }
    }

    private var heap = Heap<Entry>()
    private var sequence = 0

    mutating func schedule(_ activity: Activity, at time: Timestamp) {
        sequence += 1
        heap.insert(Entry(time: time, sequence: sequence, activity: activity))
    }

    /// When the next activity is due.
    var nextTime: Timestamp? { heap.min?.time }

    /// The next activity due at or before `deadline`, removed from the schedule.
    mutating func popNext(notAfter deadline: Timestamp) -> (Timestamp, Activity)? {
        guard let next = heap.min, next.time <= deadline else { return nil }
        _ = heap.popMin()
        return (next.time, next.activity)
    }
}
