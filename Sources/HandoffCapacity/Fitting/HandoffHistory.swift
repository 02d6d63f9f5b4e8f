import Foundation
import HandoffEngine
import HandoffWorkload

/// A team's handoff history as exported from the reference platform's `widget_handoffs` table:
/// what `handoff-sim fit` reads.
///
/// Columns (the table's names; ``parse(_:file:columns:)`` maps other names): `requested_at` and
/// `status` are required; `picked_up_at`, `resolved_at` and `assigned_agent_id` are needed for
/// the work and concurrency fit and `user_email` for the email shares (a missing one is an
/// error naming it); `id` is optional. Timestamps are ISO-8601 or PostgreSQL's text form
/// (`2026-01-05T09:00:00Z`, `2026-01-05 09:00:00.123+01`, with `T` or a space, a fraction
/// (read to the millisecond), `Z`, `±HH`, `±HHMM` or `±HH:MM`; without a zone they are UTC).
/// An empty cell is NULL.
///
/// What a row means, from its timestamps first and its status where they are silent:
/// - status `after-hours` (also `after_hours`, `afterHours`): answered with the email form;
///
/// Times of day (the arrival rates) are the timestamps' own: `requested_at` with its offset, UTC
/// when it has none or `Z`.
/// - picked up: served (ended at `resolved_at`, or still open at the end of the export);
/// - not picked up but ended (`resolved_at`, or status `abandoned` / `cancelled`): the visitor
///   gave up after waiting until `resolved_at`;
/// - otherwise still waiting at the end of the export.
public struct HandoffHistory: Sendable {
    public enum Outcome: Hashable, Sendable {
        case afterHours
        case served(pickedUp: Double, ended: Double?, agent: String)
        /// `at`: when the visitor gave up; `nil` when the history does not say.
        case abandoned(at: Double?)
        case waiting
    }

    public struct Record: Hashable, Sendable {
        public var line: Int
        /// Seconds since 1970-01-01 UTC.
        public var requested: Double
        /// The offset from UTC `requested_at` was written with, seconds (0 for `Z` or none): its
        /// time of day is the team's local one.
        public var utcOffset: Double
        public var outcome: Outcome
        public var leftEmail: Bool
    }

    public var file: String
    public var records: [Record]

    /// The canonical column names.
    public static let columnNames = ["id", "requested_at", "picked_up_at", "resolved_at", "assigned_agent_id", "status", "user_email"]

    /// Problems with a `--columns` map: names that are not canonical ones.
    public static func unknownColumns(_ map: [String: String]) -> [String] {
        map.keys.sorted().filter { !columnNames.contains($0) }.map { "'\($0)' is not one of \(columnNames.joined(separator: ", "))" }
    }

    /// Status spellings, lower-cased.
    static let afterHoursStatuses: Set<String> = ["after-hours", "after_hours", "afterhours"]
    static let endedStatuses: Set<String> = ["abandoned", "cancelled", "canceled", "resolved"]
    static let knownStatuses = afterHoursStatuses.union(endedStatuses).union(["pending", "active"])

    /// The latest timestamp in the history: where open chats and waiting requests are censored.
    public var end: Double {
        records.reduce(-Double.infinity) { latest, r in
            switch r.outcome {
            case .served(let p, let e, _): max(latest, r.requested, p, e ?? p)
            case .abandoned(let at): max(latest, r.requested, at ?? r.requested)
            default: max(latest, r.requested)
            }
        }
    }

    /// Reads a CSV export. `columns` maps a canonical name to the file's header (`--columns
    /// requested_at=created`). Every problem is reported with its `file:line:column`.
    public static func parse(_ text: String, file: String, columns: [String: String] = [:]) throws(InputError) -> HandoffHistory {
        let (read, csvIssues) = CSVDocument.parse(text, file: file)
        var issues = csvIssues
        guard let document = read else { throw InputError(issues: issues) }
        func report(_ message: String, line: Int, column: Int) {
            issues.append(InputError.Issue(location: SourceLocation(file: file, line: line, column: column), path: "", message: message))
        }
        for problem in unknownColumns(columns) { report("--columns: \(problem)", line: 1, column: 1) }
        let header = document.header.map(\.text)
        func index(_ name: String) -> Int? { header.firstIndex(of: columns[name] ?? name) }
        for name in ["requested_at", "status", "picked_up_at", "resolved_at", "assigned_agent_id", "user_email"] where index(name) == nil {
            let asked = columns[name].map { "'\($0)' (for \(name))" } ?? "'\(name)'"
            report("no column \(asked) in the header (\(header.joined(separator: ","))); map another name with --columns \(name)=NAME", line: 1, column: 1)
        }
        guard let requestedAt = index("requested_at"), let status = index("status"), let pickedAt = index("picked_up_at"),
            let resolvedAt = index("resolved_at"), let agentAt = index("assigned_agent_id"), let emailAt = index("user_email")
        else { throw InputError(issues: issues) }

        var records: [Record] = []
        for row in document.rows {
            func time(_ i: Int, required: Bool) -> Double?? {
                let cell = row[i]
                if cell.text.isEmpty {
                    if required { report("\(header[i]) is empty", line: cell.line, column: cell.column) }
                    return .some(nil)
                }
                guard let t = Self.timestamp(cell.text) else {
                    report("\(header[i]) '\(cell.text)' is not a timestamp (e.g. 2026-01-05T09:00:00Z or 2026-01-05 09:00:00+00)", line: cell.line, column: cell.column)
                    return nil
                }
                return t
            }
            let statusCell = row[status]
            let statusText = statusCell.text.lowercased()
            let statusKnown = knownStatuses.contains(statusText)
            if !statusKnown {
                report("status '\(statusCell.text)' is not one of pending, active, resolved, abandoned, cancelled, after-hours", line: statusCell.line, column: statusCell.column)
            }
            let requestedCell = time(requestedAt, required: true), pickedCell = time(pickedAt, required: false)
            let endedCell = time(resolvedAt, required: false)
            guard statusKnown, let requestedCell, let requested = requestedCell, let pickedCell, let endedCell else { continue }
            let outcome: Outcome
            if afterHoursStatuses.contains(statusText) {
                outcome = .afterHours
            } else if let picked = pickedCell {
                guard picked >= requested else {
                    report("picked_up_at is before requested_at", line: row[pickedAt].line, column: row[pickedAt].column)
                    continue
                }
                if let ended = endedCell, ended < picked {
                    report("resolved_at is before picked_up_at", line: row[resolvedAt].line, column: row[resolvedAt].column)
                    continue
                }
                let agent = row[agentAt].text
                guard !agent.isEmpty else {
                    report("a picked-up handoff without assigned_agent_id: whose chat it was is needed", line: row[agentAt].line, column: row[agentAt].column)
                    continue
                }
                outcome = .served(pickedUp: picked, ended: endedCell, agent: agent)
            } else if let ended = endedCell {
                guard ended >= requested else {
                    report("resolved_at is before requested_at", line: row[resolvedAt].line, column: row[resolvedAt].column)
                    continue
                }
                outcome = .abandoned(at: ended)
            } else if endedStatuses.contains(statusText) {
                outcome = .abandoned(at: nil)
            } else {
                outcome = .waiting
            }
            records.append(
                Record(
                    line: row[0].line, requested: requested, utcOffset: Self.utcOffset(row[requestedAt].text), outcome: outcome,
                    leftEmail: !row[emailAt].text.isEmpty))
        }
        if records.isEmpty && issues.isEmpty { report("the file has a header but no handoffs", line: 1, column: 1) }
        if !issues.isEmpty {
            throw InputError(issues: issues.sorted { ($0.location.line, $0.location.column) < ($1.location.line, $1.location.column) })
        }
        return HandoffHistory(file: file, records: records)
    }

    /// Seconds since the Unix epoch, or `nil` when `text` is no timestamp of the documented
    /// forms: the engine's ISO-8601 reader, and without a zone, UTC.
    /// The zone offset a timestamp was written with, seconds east of UTC: `+01`, `+0100`,
    /// `+01:00`, `-05`; 0 for `Z` or none. For a text ``timestamp(_:)`` read.
    static func utcOffset(_ text: String) -> Double {
        let b = Array(text.utf8)
        guard b.count > 19 else { return 0 }
        // The zone follows the seconds and their fraction: the last + or - after the time.
        guard let sign = b[19...].lastIndex(where: { $0 == UInt8(ascii: "+") || $0 == UInt8(ascii: "-") }) else { return 0 }
        let digits = b[(sign + 1)...].filter { $0 != UInt8(ascii: ":") }.map { Int($0) - 48 }
        guard digits.count == 2 || digits.count == 4, digits.allSatisfy({ (0...9).contains($0) }) else { return 0 }
        let seconds = (digits[0] * 10 + digits[1]) * 3600 + (digits.count == 4 ? (digits[2] * 10 + digits[3]) * 60 : 0)
        return Double(b[sign] == UInt8(ascii: "+") ? seconds : -seconds)
    }

    public static func timestamp(_ text: String) -> Double? {
        guard let t = Timestamp(iso8601: text) ?? Timestamp(iso8601: text + "Z") else { return nil }
        return Double(t.milliseconds) / 1000
    }
}
