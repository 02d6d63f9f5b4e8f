/// A file format a report is written in (`--format json,csv,junit,html`).
///
/// JSON is the source of truth and is always written; the others are derived from the same
/// ``ReportDocument``. See ``ReportWriter`` for the file names.
public enum ReportFormat: String, CaseIterable, Hashable, Sendable {
    case json
    case csv
    case junit
    case html

    /// The file name suffix after the base name, e.g. `run` + `.junit.xml`.
    public var fileExtension: String {
        switch self {
        case .json: "json"
        case .csv: "csv"
        case .junit: "junit.xml"
        case .html: "html"
        }
    }

    /// Parses a comma-separated list such as `"json,csv,junit,html"`.
    ///
    /// Entries are trimmed of spaces and matched case-insensitively; empty entries (`"json,,csv"`,
    /// a trailing comma) are ignored; duplicates are fine.
    /// - Throws: ``ReportError/unknownFormat(_:)`` naming the first unknown entry and the valid ones,
    ///   or ``ReportError/emptyFormatList`` when the list has no entries.
    public static func parseList(_ text: String) throws(ReportError) -> Set<ReportFormat> {
        var formats: Set<ReportFormat> = []
        for entry in text.split(separator: ",", omittingEmptySubsequences: false) {
            let name = entry.trimmingSpaces()
            if name.isEmpty { continue }
            guard let format = ReportFormat(rawValue: name.lowercased()) else {
                throw .unknownFormat(name)
            }
            formats.insert(format)
        }
        if formats.isEmpty { throw .emptyFormatList }
        return formats
    }

    /// `json, csv, junit, html`: the valid names, for messages and `--help`.
    public static var validList: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }
}
