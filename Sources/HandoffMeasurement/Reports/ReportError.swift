/// Why a report could not be produced: a bad `--format` list or a file that could not be written.
///
/// A struct with static members rather than a public enum, so new cases do not break callers.
public struct ReportError: Error, Equatable, Sendable, CustomStringConvertible {
    private enum Code: Equatable, Sendable {
        case unknownFormat(String)
        case emptyFormatList
        case writeFailed(path: String, reason: String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// A `--format` entry that is not one of ``ReportFormat/allCases``.
    public static func unknownFormat(_ name: String) -> ReportError { ReportError(.unknownFormat(name)) }

    /// A `--format` list with no entries.
    public static let emptyFormatList = ReportError(.emptyFormatList)

    /// A report file or its directory could not be written.
    public static func writeFailed(path: String, reason: String) -> ReportError {
        ReportError(.writeFailed(path: path, reason: reason))
    }

    public var description: String {
        switch code {
        case .unknownFormat(let name):
            "unknown report format '\(name)'; valid formats: \(ReportFormat.validList)"
        case .emptyFormatList:
            "no report format given; valid formats: \(ReportFormat.validList)"
        case .writeFailed(let path, let reason):
            "could not write report \(path): \(reason)"
        }
    }
}
