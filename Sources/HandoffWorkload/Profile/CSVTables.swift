import Foundation
import Yams

/// The CSV files a profile may name: a piecewise arrival-rate table and an empirical sample.
///
/// Format: comma-separated, one header line, then one row per line; blank lines and lines
/// starting with `#` are ignored; cells are trimmed (no quoting — the values are plain numbers
/// and times). Problems are reported with the CSV's own `file:line:column`; a missing file is
/// reported where the profile names it.
package enum CSVTables {
    package struct Row {
        package var line: Int
        package var cells: [(text: String, column: Int)]
    }

    /// The header and rows of `file`, or `nil` after reporting why not.
    package static func read(_ file: String, from node: Node, at path: String, reader: YAMLReader) -> (header: [String], rows: [Row])? {
        let text: String
        switch InputDocument.readText(file) {
        case .success(let value): text = value
        case .failure(let problem):
            reader.report("CSV file \(file): \(problem.message)", at: node, path: path)
            return nil
        }
        var lines: [Row] = []
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var content = Substring(line)
            if content.hasSuffix("\r") { content = content.dropLast() }
            let trimmed = content.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed.hasPrefix("#") { continue }
            var cells: [(String, Int)] = []
            var column = 1
            for cell in content.split(separator: ",", omittingEmptySubsequences: false) {
                cells.append((cell.trimmingCharacters(in: .whitespaces), column))
                column += cell.count + 1
            }
            lines.append(Row(line: i + 1, cells: cells))
        }
        guard let header = lines.first else {
            reader.report("CSV file \(file) is empty; expected a header line and rows", at: node, path: path)
            return nil
        }
        return (header.cells.map(\.text), Array(lines.dropFirst()))
    }

    private static func report(_ message: String, file: String, line: Int, column: Int, reader: YAMLReader) {
        reader.add([InputError.Issue(location: SourceLocation(file: file, line: line, column: column), path: "", message: message)])
    }

    /// A rate table with columns `from` (HH:MM) and `ratePerHour`.
    package static func rateTable(_ file: String, from node: Node, at path: String, reader: YAMLReader) -> LoadProfile.RateTable? {
        guard let (header, rows) = read(file, from: node, at: path, reader: reader) else { return nil }
        guard let fromColumn = header.firstIndex(of: "from"), let rateColumn = header.firstIndex(of: "ratePerHour") else {
            report("expected a header with columns 'from' and 'ratePerHour', found '\(header.joined(separator: ","))'", file: file, line: 1, column: 1, reader: reader)
            return nil
        }
        guard !rows.isEmpty else {
            report("the rate table has no rows", file: file, line: 1, column: 1, reader: reader)
            return nil
        }
        var entries: [LoadProfile.RateTable.Entry] = []
        var valid = true
        for row in rows {
            guard row.cells.count == header.count else {
                report("expected \(header.count) cells, found \(row.cells.count)", file: file, line: row.line, column: 1, reader: reader)
                valid = false
                continue
            }
            let (fromText, fromAt) = row.cells[fromColumn]
            let (rateText, rateAt) = row.cells[rateColumn]
            guard let start = ProfileParser.parseTimeOfDay(fromText, allowEndOfDay: false) else {
                report("invalid time of day '\(fromText)' in column 'from'; expected HH:MM", file: file, line: row.line, column: fromAt, reader: reader)
                valid = false
                continue
            }
            guard let rate = Double(rateText), rate.isFinite else {
                report("invalid rate '\(rateText)' in column 'ratePerHour'; expected a number", file: file, line: row.line, column: rateAt, reader: reader)
                valid = false
                continue
            }
            guard rate >= 0 else {
                report("an arrival rate must be ≥ 0, found \(rateText)", file: file, line: row.line, column: rateAt, reader: reader)
                valid = false
                continue
            }
            if let last = entries.last, start <= last.start {
                report(
                    "'from' must be later than the previous row's (\(NumberText.timeOfDay(last.start)))", file: file, line: row.line,
                    column: fromAt, reader: reader)
                valid = false
                continue
            }
            entries.append(.init(start: start, ratePerHour: rate))
        }
        return valid ? LoadProfile.RateTable(entries: entries, source: file) : nil
    }

    /// An empirical sample: the durations of one column (`column`, or the only one).
    package static func empirical(_ file: String, column: String?, from node: Node, at path: String, reader: YAMLReader) -> EmpiricalSample? {
        guard let (header, rows) = read(file, from: node, at: path, reader: reader) else { return nil }
        let index: Int
        if let column {
            guard let found = header.firstIndex(of: column) else {
                reader.report("CSV file \(file) has no column '\(column)'; its columns: \(header.joined(separator: ", "))", at: node, path: path)
                return nil
            }
            index = found
        } else {
            guard header.count == 1 else {
                reader.report("CSV file \(file) has \(header.count) columns; name one with 'column:'", at: node, path: path)
                return nil
            }
            index = 0
        }
        var values: [Double] = []
        var valid = true
        for row in rows {
            guard row.cells.count == header.count else {
                report("expected \(header.count) cells, found \(row.cells.count)", file: file, line: row.line, column: 1, reader: reader)
                valid = false
                continue
            }
            let (text, at) = row.cells[index]
            switch DurationText.parse(text) {
            case .success(let d): values.append(d.inSeconds)
            case .failure(let problem):
                report(problem.message, file: file, line: row.line, column: at, reader: reader)
                valid = false
            }
        }
        guard valid else { return nil }
        guard !values.isEmpty else {
            report("the sample has no values", file: file, line: 1, column: 1, reader: reader)
            return nil
        }
        return EmpiricalSample(values: values, source: file)
    }
}
