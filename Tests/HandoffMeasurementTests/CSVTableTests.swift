@testable import HandoffMeasurement
import HandoffTestSupport
import Testing

@Suite("CSVTable")
struct CSVTableTests {
    @Test(arguments: [
        ("plain", "plain"),
        ("", ""),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("two\nlines", "\"two\nlines\""),
        ("cr\rhere", "\"cr\rhere\""),
        ("crlf\r\nhere", "\"crlf\r\nhere\""),
        // A quote followed by a combining accent is one Character; the quote must still be doubled.
        ("quote\"\u{301} with accent", "\"quote\"\"\u{301} with accent\""),
    ])
    func escapesCells(cell: String, expected: String) {
        #expect(CSVTable.escape(cell) == expected)
    }

    @Test func rendersHeaderAndRows() {
        var table = CSVTable(header: ["name", "p99Ms"])
        table.append(["pick-up race, two agents", "12.500"])
        table.append(["x", ""])
        #expect(table.text == "name,p99Ms\n\"pick-up race, two agents\",12.500\nx,\n")
    }

    @Test func roundTripsThroughAParser() {
        let rows = [["a,b", "\"q\"", "multi\nline"], ["", "plain", "é\u{301}\""]]
        let table = CSVTable(header: ["one", "two", "three"], rows: rows)
        #expect(CSVParser.parse(table.text) == [table.header] + rows)
    }
}
