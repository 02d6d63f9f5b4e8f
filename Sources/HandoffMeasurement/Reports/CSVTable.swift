/// A header and rows of text cells, rendered as CSV (RFC 4180 quoting, `\n` line ends).
///
/// A cell is quoted when it contains a comma, a double quote, a carriage return or a line feed;
/// quotes inside are doubled. Every other cell is written as is, so the output of plain values is
/// easy to read and `grep`. Cells are not altered otherwise (no spreadsheet-formula escaping).
///
/// ```swift
/// var table = CSVTable(header: ["name", "p99Ms"])
/// table.append(["pick-up race, two agents", "12.500"])
/// table.text   // "name,p99Ms\n\"pick-up race, two agents\",12.500\n"
/// ```
public struct CSVTable: Hashable, Sendable {
    public let header: [String]
    public private(set) var rows: [[String]]

    /// - Precondition: every row has as many cells as `header`.
    public init(header: [String], rows: [[String]] = []) {
        self.header = header
        self.rows = []
        for row in rows { append(row) }
    }

    /// Appends one row.
    /// - Precondition: `row` has as many cells as the header (a programmer error otherwise).
    public mutating func append(_ row: [String]) {
        precondition(row.count == header.count, "CSV row has \(row.count) cells, header has \(header.count)")
        rows.append(row)
    }

    /// The CSV text: the header line, then one line per row, each ending in `\n`.
    public var text: String {
        var out = ""
        for line in [header] + rows {
            out += line.map(Self.escape).joined(separator: ",")
            out += "\n"
        }
        return out
    }

    /// One cell, quoted if it needs to be.
    public static func escape(_ cell: String) -> String {
        let needsQuotes = cell.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        guard needsQuotes else { return cell }
        return "\"" + cell.replacingAll("\"", with: "\"\"") + "\""
    }
}

extension String {
    /// Replaces every occurrence of the scalar `target`. Works on Unicode scalars, not Characters, so a
    /// quote followed by a combining mark is still found.
    package func replacingAll(_ target: Unicode.Scalar, with replacement: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if scalar == target { out.append(contentsOf: replacement.unicodeScalars) } else { out.append(scalar) }
        }
        return String(out)
    }
}
