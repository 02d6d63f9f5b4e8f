import Foundation
import HandoffEngine
import HandoffMeasurement

/// One simulated handoff as the reference platform's `widget_handoffs` table would hold it: the
/// history `handoff-sim fit` reads, written by `simulate --handoff-log` (replication 1).
public struct HandoffLogRow: Hashable, Sendable {
    public var number: Int
    /// Seconds of simulated time (00:00 of day 1 is 0).
    public var requested: Double
    public var pickedUp: Double?
    /// Resolved, or the moment a waiting visitor gave up.
    public var ended: Double?
    /// The agent's number (1-based), when picked up.
    public var agent: Int?
    public var status: HandoffState
    public var leftEmail: Bool
}

extension HandoffLogRow {
    /// Day 1 of every simulated history: Monday 2026-01-05 00:00 UTC.
    public static let epoch = Timestamp(milliseconds: 1_767_571_200_000)

    /// The table in `widget_handoffs`' column names; timestamps ISO-8601 UTC from ``epoch``,
    /// ids made from the numbers (the same run gives the same file).
    public static func csv(_ rows: [HandoffLogRow]) -> CSVTable {
        var table = CSVTable(header: HandoffHistory.columnNames)
        func time(_ seconds: Double?) -> String {
            seconds.map { Timestamp(milliseconds: epoch.milliseconds + Int64(($0 * 1000).rounded())).iso8601 } ?? ""
        }
        for row in rows {
            table.append([
                HandoffID(namespace: 0x5102, number: UInt64(row.number)).description, time(row.requested), time(row.pickedUp), time(row.ended),
                row.agent.map { AgentID(namespace: 0x5101, number: UInt64($0)).description } ?? "", row.status.rawValue,
                row.leftEmail ? "visitor-\(row.number)@example.com" : "",
            ])
        }
        return table
    }
}
