import ArgumentParser
import Foundation
import HandoffCapacity
import HandoffWorkload

struct FitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fit",
        abstract: "Fit a load profile to a team's own handoff history (a widget_handoffs CSV export).",
        discussion: """
            Reads the columns id, requested_at, picked_up_at, resolved_at, assigned_agent_id, \
            status and user_email (--columns maps other names, e.g. \
            --columns requested_at=created,assigned_agent_id=agent). Estimates arrival rates \
            per interval of the day, the work time and the throughput curve F(k) of the \
            shared-rate model (chats completed per agent-hour at each concurrency), exponential \
            patience from the censored waits (with the Kaplan–Meier median beside it), and the \
            email shares. Writes the profile, with a comment on what each value rests on, to \
            standard output or --output; warnings where the data is thin go to standard error. \
            Exit 2 for a malformed file, naming each problem's file:line:column.

            Example: handoff-sim simulate scenarios/capacity/shared-desk.yaml --handoff-log h.csv \
            && handoff-sim fit h.csv --output fitted.yaml && handoff-sim simulate fitted.yaml
            """
    )

    @Argument(help: "The CSV export of the handoffs table.")
    var history: String

    @Option(help: "Column names of the file, NAME=HEADER, comma-separated (e.g. requested_at=created).")
    var columns: String?

    @Option(help: "Interval of the day for the arrival rates, minutes; divides 24 h (default 60).")
    var interval: Double = 60

    @Option(help: "When the export was taken (ISO-8601, e.g. 2026-01-12T00:00:00Z): open chats and waiting requests are censored there, and arrival rates count the time up to it. Default: the file's latest timestamp.")
    var until: String?

    @Option(help: "Write the profile here instead of standard output.")
    var output: String?

    @Option(help: "The profile's name (default: from the file name).")
    var name: String?

    func validate() throws {
        var problems: [String] = []
        if !(interval.isFinite && interval >= 1 && interval <= 1440) || (1440 / interval).rounded() * interval != 1440 {
            problems.append("--interval must divide 24 h into whole intervals (e.g. 15, 30, 60 minutes), found \(NumberText.compact(interval))")
        }
        if let until, HandoffHistory.timestamp(until) == nil {
            problems.append("--until '\(until)' is not a timestamp (e.g. 2026-01-12T00:00:00Z or 2026-01-12 00:00:00+00)")
        }
        if let columns {
            if let map = Self.columnMap(columns) {
                problems += HandoffHistory.unknownColumns(map).map { "--columns: \($0)" }
            } else {
                problems.append("--columns '\(columns)': expected NAME=HEADER pairs separated by commas, each NAME once")
            }
        }
        if !problems.isEmpty { throw ValidationError(problems.joined(separator: "\n")) }
    }

    static func columnMap(_ text: String) -> [String: String]? {
        var map: [String: String] = [:]
        for pair in text.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, map[parts[0]] == nil else { return nil }
            map[parts[0]] = parts[1]
        }
        return map.isEmpty ? nil : map
    }

    func run() throws {
        let text: String
        switch InputDocument.readText(history) {
        case .success(let value): text = value
        case .failure(let problem):
            FileHandle.standardError.write(Data("error: \(history): \(problem.message)\n".utf8))
            throw ExitCode(2)
        }
        let records: HandoffHistory
        do {
            records = try HandoffHistory.parse(text, file: history, columns: columns.flatMap(Self.columnMap) ?? [:])
        } catch {
            FileHandle.standardError.write(Data("error: invalid handoff history, nothing was fitted:\n\(error)\n".utf8))
            throw ExitCode(2)
        }
        let fit: HandoffFit
        do {
            fit = try HandoffFit.fit(records, interval: interval * 60, until: until.flatMap(HandoffHistory.timestamp))
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(2)
        }
        for warning in fit.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        let yaml = fit.profileYAML(name: name)
        guard let output else {
            print(yaml, terminator: "")
            return
        }
        do {
            try yaml.writeFile(output)
        } catch {
            FileHandle.standardError.write(Data("error: could not write \(output): \(error)\n".utf8))
            throw ExitCode(2)
        }
        print("profile: \(output) (\(fit.requests) requests over \(NumberText.fixed(fit.days, 1)) days)")
    }
}

extension String {
    /// Writes the text to `path`, making its directory first (as the report writer does for
    /// `--report-dir`): `simulate --handoff-log` and `fit --output`.
    func writeFile(_ path: String) throws {
        let parent = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        try write(toFile: path, atomically: true, encoding: .utf8)
    }
}
