import Foundation
import Yams

/// Loads `kind: profile` files into ``LoadProfile``s (format: `scenarios/README.md`).
public enum ProfileLoader {
    /// Loads a `kind: profile` file; any other kind is an issue. Every problem in the file (and
    /// the CSV files it names) is collected into one error.
    public static func load(file path: String) throws(InputError) -> LoadProfile {
        switch InputDocument.readText(path) {
        case .success(let text): return try load(yaml: text, file: path)
        case .failure(let problem): throw InputError(issues: [InputDocument.fileIssue(path, problem.message)])
        }
    }

    /// Loads YAML text as if read from `file` (which names it in issues and anchors the
    /// profile's relative CSV paths).
    public static func load(yaml: String, file: String) throws(InputError) -> LoadProfile {
        let reader = YAMLReader(file: file)
        guard let root = InputDocument.compose(yaml, reader: reader), let (kind, mapping) = InputDocument.documentKind(root, reader: reader) else {
            throw InputError(issues: InputDocument.inDocumentOrder(reader.issues))
        }
        guard kind == .profile else {
            throw InputError(issues: [InputDocument.fileIssue(file, "expected a profile file (kind: profile), found kind: \(kind.rawValue)")])
        }
        guard let profile = ProfileParser(reader: reader).parse(mapping), reader.issues.isEmpty else {
            throw InputError(issues: InputDocument.inDocumentOrder(reader.issues))
        }
        return profile
    }
}
