/// An RFC 4180 CSV file as read for `handoff-sim fit`: a header and rows of the same width,
/// each cell with the line and column it starts at. Quoted cells may hold commas, doubled
/// quotes and line breaks; `\r\n` and `\n` both end a row; blank lines are skipped.
package struct CSVDocument: Sendable {
    package struct Cell: Sendable {
        package var text: String
        package var line: Int
        package var column: Int
    }

    package var file: String
    package var header: [Cell]
    package var rows: [[Cell]]

    /// Reads `text`: the document without its malformed rows, and each of those reported with its
    /// `file:line:column` (nothing is guessed): an unterminated quote, a quote inside an unquoted
    /// cell, text after a closing quote, a row wider or narrower than the header. `nil` for a
    /// file without a header.
    package static func parse(_ text: String, file: String) -> (document: CSVDocument?, issues: [InputError.Issue]) {
        var issues: [InputError.Issue] = []
        func report(_ message: String, _ line: Int, _ column: Int) {
            issues.append(InputError.Issue(location: SourceLocation(file: file, line: line, column: column), path: "", message: message))
        }
        var records: [[Cell]] = []
        var record: [Cell] = []
        var field = String.UnicodeScalarView()
        var line = 1, column = 1
        var fieldLine = 1, fieldColumn = 1
        var quoted = false, inQuotes = false, afterQuote = false, badRecord = false
        var lastFieldQuoted = false
        var scalars = text.unicodeScalars[...]

        func endField() {
            record.append(Cell(text: String(field), line: fieldLine, column: fieldColumn))
            field = .init()
            lastFieldQuoted = quoted
            quoted = false
            afterQuote = false
            fieldLine = line
            fieldColumn = column
        }
        func endRecord() {
            let blank = record.count == 1 && record[0].text.isEmpty && !lastFieldQuoted
            if !blank && !badRecord { records.append(record) }
            record = []
            badRecord = false
        }
        while let c = scalars.popFirst() {
            if inQuotes {
                if c == "\"" {
                    if scalars.first == "\"" {
                        scalars.removeFirst()
                        field.append("\"")
                        column += 2
                        continue
                    }
                    inQuotes = false
                    afterQuote = true
                } else {
                    field.append(c)
                }
                if c == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
                continue
            }
            switch c {
            case ",":
                column += 1
                endField()
            case "\r" where scalars.first == "\n":
                scalars.removeFirst()
                fallthrough
            case "\n":
                line += 1
                column = 1
                endField()
                endRecord()
            case "\"":
                if field.isEmpty && !afterQuote && !quoted {
                    quoted = true
                    inQuotes = true
                } else {
                    report("a quote inside an unquoted cell; quote the whole cell and double the quote (\"\")", line, column)
                    badRecord = true
                }
                column += 1
            default:
                if afterQuote && c != " " {
                    report("text after a cell's closing quote", line, column)
                    badRecord = true
                    afterQuote = false
                }
                if !afterQuote { field.append(c) }
                column += 1
            }
        }
        if inQuotes {
            report("a quoted cell is not closed before the end of the file", fieldLine, fieldColumn)
            badRecord = true
        }
        if !field.isEmpty || !record.isEmpty || quoted { endField(); endRecord() }
        guard let header = records.first else {
            report("the file is empty; expected a header line and rows", 1, 1)
            return (nil, issues)
        }
        var rows: [[Cell]] = []
        for row in records.dropFirst() {
            if row.count == header.count { rows.append(row) } else { report("\(row.count) cells where the header has \(header.count)", row[0].line, 1) }
        }
        return (CSVDocument(file: file, header: header, rows: rows), issues)
    }
}
