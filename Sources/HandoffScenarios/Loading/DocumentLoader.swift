import Foundation
import HandoffWorkload
import Yams

/// One loaded and validated input file.
public enum LoadedDocument: Hashable, Sendable {
    case scenario(Scenario)
    /// A fixtures file (``Fixtures`` itself has no file: a scenario's merges a file and inline tenants).
    case fixtures(Fixtures, file: String)
    /// A file of another kind (a load profile): recognised by its `kind`, not parsed here
    /// (`ProfileLoader` in HandoffWorkload loads profiles).
    case other(DocumentKind, file: String)

    /// The file it came from, as given.
    public var file: String {
        switch self {
        case .scenario(let scenario): scenario.file
        case .other(_, let file): file
        case .fixtures(_, let file): file
        }
    }

    /// `scenario`, `fixtures`, or the other file's kind.
    public var kind: String {
        switch self {
        case .scenario: DocumentKind.scenario.rawValue
        case .fixtures: DocumentKind.fixtures.rawValue
        case .other(let kind, _): kind.rawValue
        }
    }
}

/// Loads scenario and fixtures files: strict YAML (unknown keys, wrong types and dangling
/// references are errors) with every problem of every file collected. Files of other kinds (load
/// profiles) are recognised by their `kind` and returned as ``LoadedDocument/other(_:file:)``
/// unparsed, so `handoff-sim run scenarios/` can list them as skipped.
public enum DocumentLoader {
    /// Expands files and directories into YAML file paths; see ``InputDocument/discover(_:)``.
    public static func discover(_ paths: [String]) throws(InputError) -> [String] {
        try InputDocument.discover(paths)
    }

    /// Loads one file. Every problem in it (and in the fixtures file a scenario names) is
    /// collected into one error.
    /// - Parameter expected: when given, a file of another kind is refused before its content
    ///   is checked ("expected a fixtures file (kind: fixtures), found kind: profile").
    public static func load(file path: String, expecting expected: DocumentKind? = nil) throws(InputError) -> LoadedDocument {
        switch InputDocument.readText(path) {
        case .success(let text): try load(yaml: text, file: path, expecting: expected)
        case .failure(let problem): throw InputError(issues: [InputDocument.fileIssue(path, problem.message)])
        }
    }

    /// Loads YAML text as if read from `file` (which names it in issues and anchors a scenario's
    /// relative `fixtures:` path).
    public static func load(yaml: String, file: String, expecting expected: DocumentKind? = nil) throws(InputError) -> LoadedDocument {
        let reader = YAMLReader(file: file)
        guard let root = InputDocument.compose(yaml, reader: reader), let (kind, mapping) = InputDocument.documentKind(root, reader: reader) else {
            throw InputError(issues: InputDocument.inDocumentOrder(reader.issues))
        }
        if let expected, kind != expected {
            throw InputError(issues: [InputDocument.fileIssue(file, "expected \(expected.article) file (kind: \(expected.rawValue)), found kind: \(kind.rawValue)")])
        }
        let document: LoadedDocument?
        switch kind {
        case .profile: document = .other(kind, file: file)
        case .fixtures: document = FixturesLoader.parse(mapping, reader: reader).map { .fixtures($0, file: file) }
        case .scenario: document = ScenarioParser(reader: reader).parse(mapping).map { .scenario($0) }
        }
        guard let document, reader.issues.isEmpty else { throw InputError(issues: InputDocument.inDocumentOrder(reader.issues)) }
        return document
    }

    /// Loads every file, in order (one document per file); the issues of all files are collected
    /// into one error, each reported once.
    public static func loadAll(_ files: [String]) throws(InputError) -> [LoadedDocument] {
        var documents: [LoadedDocument] = []
        var issues: [InputError.Issue] = []
        for file in files {
            do throws(InputError) {
                documents.append(try load(file: file))
            } catch {
                issues += error.issues
            }
        }
        guard issues.isEmpty else {
            var seen: Set<InputError.Issue> = []
            throw InputError(issues: issues.filter { seen.insert($0).inserted })
        }
        return documents
    }
}
