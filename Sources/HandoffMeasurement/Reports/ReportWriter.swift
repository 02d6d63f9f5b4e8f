import Foundation

/// A report model that can be written in every ``ReportFormat``: its JSON is the source of
/// truth (`Encodable`), and the other formats are rendered from the same value.
public protocol ReportDocument: Encodable {
    /// The file name before the extension: `run`, `simulate`, `plan`, `loadgen`.
    static var baseName: String { get }
    /// The CSV form.
    func csvTable() -> CSVTable
    /// A self-contained HTML page (inline CSS and SVG, no external resources).
    func htmlPage() -> String
    /// JUnit XML for CI test tabs, or `nil` (the default) when the report is not a set of test
    /// results: the format is then skipped.
    func junitDocument() -> String?
}

extension ReportDocument {
    public func junitDocument() -> String? { nil }
}

/// Writes report files: a report's JSON (always) plus the derived CSV, JUnit XML and HTML.
///
/// File names are deterministic: `<baseName>.json`, `<baseName>.csv`, `<baseName>.junit.xml` and
/// `<baseName>.html` (base name ``ReportDocument/baseName``: `run` for `handoff-sim run`,
/// `simulate`, `plan`) in the directory the caller chooses
/// (`--report-dir`). The directory is one run's output: a file of the same name already there is
/// **replaced**. Callers that must keep earlier runs give each run its own directory.
///
/// Every file is written atomically (to a temporary file in the same directory, then renamed over
/// the destination), so a reader never sees half a report and an interrupted write leaves the
/// previous file intact.
///
/// ```swift
/// let files = try ReportWriter.write(report, formats: [.junit, .html], to: URL(filePath: "reports"))
/// // reports/run.json, reports/run.junit.xml, reports/run.html
/// ```
public enum ReportWriter {
    /// Writes `report` as `<baseName>.json` and in each of `formats`.
    ///
    /// - Parameters:
    ///   - report: the report; every format is derived from it.
    ///   - formats: the formats to write; JSON is written whether or not it is included, and
    ///     JUnit only for reports that have it.
    ///   - directory: created, with intermediate directories, if missing.
    ///   - baseName: the file name before the extension; default the report type's.
    /// - Returns: the files written, JSON first, then in ``ReportFormat/allCases`` order.
    /// - Throws: ``ReportError/writeFailed(path:reason:)`` when the directory or a file cannot be written,
    ///   or an `EncodingError` if the report cannot be encoded.
    @discardableResult
    public static func write<Report: ReportDocument>(
        _ report: Report, formats: Set<ReportFormat>, to directory: URL, baseName: String? = nil
    ) throws -> [URL] {
        try createDirectory(directory)
        var written: [URL] = []
        let baseName = baseName ?? Report.baseName
        for format in ReportFormat.allCases where format == .json || formats.contains(format) {
            let url = directory.appendingPathComponent("\(baseName).\(format.fileExtension)", isDirectory: false)
            let data: Data
            switch format {
            case .json: data = try jsonData(report)
            case .csv: data = Data(report.csvTable().text.utf8)
            case .junit:
                guard let xml = report.junitDocument() else { continue }
                data = Data(xml.utf8)
            case .html: data = Data(report.htmlPage().utf8)
            }
            try writeAtomically(data, to: url)
            written.append(url)
        }
        return written
    }

    /// Writes any report model as JSON, atomically, creating the parent directory if needed;
    /// for `simulate.json`, `loadgen.json` and the like. Replaces an existing file.
    public static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        try createDirectory(url.deletingLastPathComponent())
        try writeAtomically(try jsonData(value), to: url)
    }

    /// Writes text as UTF-8, atomically, creating the parent directory if needed (e.g. a
    /// ``CSVTable``'s text). Replaces an existing file.
    public static func writeText(_ text: String, to url: URL) throws {
        try createDirectory(url.deletingLastPathComponent())
        try writeAtomically(Data(text.utf8), to: url)
    }

    /// The JSON every report file uses: pretty-printed, keys sorted, slashes unescaped, ending in a
    /// newline, so the same value always gives the same bytes. Non-finite numbers are written as
    /// the strings `"NaN"`, `"Infinity"`, `"-Infinity"` rather than failing the whole report.
    public static func jsonData<T: Encodable>(_ value: T) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        var data = try encoder.encode(value)
        data.append(UInt8(ascii: "\n"))
        return data
    }

    // MARK: Files

    private static func createDirectory(_ directory: URL) throws {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw ReportError.writeFailed(path: directory.path, reason: reason(error))
        }
    }

    /// `Data.WritingOptions.atomic` writes an auxiliary file and renames it over `url`.
    private static func writeAtomically(_ data: Data, to url: URL) throws {
        do {
            try data.write(to: url, options: .atomic)
        } catch {
            throw ReportError.writeFailed(path: url.path, reason: reason(error))
        }
    }

    private static func reason(_ error: any Error) -> String {
        (error as? CocoaError)?.localizedDescription ?? String(describing: error)
    }
}
