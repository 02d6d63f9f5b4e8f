/// What one replication produced.
struct ReplicationOutcome: Sendable {
    var intervals: [IntervalAccumulator]
    /// Per agent: busy slot-time / (maxChats × time on shift) in the measured window.
    var agentOccupancy: [Double]
    var engineCalls: EngineCallCounts
    /// Requests generated, warm-up included.
    var requests: Int
    /// Visitor records ever allocated: the most handoffs open at once (memory is bounded by it).
    var visitorRecords: Int
}
