import Foundation
import Yams

/// What an input file is, from its top-level `kind`.
public enum DocumentKind: String, Hashable, Sendable, CaseIterable {
    case scenario, fixtures, profile

    public static var allowedList: String { allCases.map(\.rawValue).joined(separator: ", ") }

    /// "a scenario", "a fixtures", "a profile" (for "expected a … file").
    public var article: String { "a \(rawValue)" }
}

/// The input layer every loader shares: finding YAML files, reading them, composing strict YAML
/// (duplicate keys and syntax errors reported with `file:line:column`), and reading the
/// top-level `kind` that says which loader a file belongs to. The loaders themselves
/// (`ProfileLoader` here, the scenario and fixtures loaders in HandoffScenarios) parse the
/// content; none calls another's parser.
public enum InputDocument {
    /// Expands files and directories (recursively: `*.yaml` and `*.yml`, skipping names that start
    /// with `.`) into file paths. A directory's files are sorted by path (component by component);
    /// a file named explicitly is kept whatever its extension. Paths are returned once, in the order
    /// given. A missing path is an issue.
    public static func discover(_ paths: [String]) throws(InputError) -> [String] {
        var files: [String] = []
        var issues: [InputError.Issue] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                issues.append(fileIssue(path, "no such file or directory"))
                continue
            }
            if isDirectory.boolValue {
                var visited: Set<String> = []
                let found = yamlFiles(in: trimmingSlashes(path), visited: &visited)
                files += found.sorted { $0.split(separator: "/").lexicographicallyPrecedes($1.split(separator: "/")) }
            } else {
                files.append(path)
            }
        }
        guard issues.isEmpty else { throw InputError(issues: issues) }
        var seen: Set<String> = []
        return files.filter { seen.insert($0).inserted }
    }

    /// Grouped by file (in the order files first appear), then by line and column; stable.
    public static func inDocumentOrder(_ issues: [InputError.Issue]) -> [InputError.Issue] {
        var fileRank: [String: Int] = [:]
        for issue in issues where fileRank[issue.location.file] == nil { fileRank[issue.location.file] = fileRank.count }
        return issues.enumerated().sorted { a, b in
            let (x, y) = (a.element.location, b.element.location)
            return (fileRank[x.file]!, x.line, x.column, a.offset) < (fileRank[y.file]!, y.line, y.column, b.offset)
        }.map(\.element)
    }

    // MARK: - Reading and composing

    public struct ReadProblem: Error { public var message: String }

    public static func readText(_ path: String) -> Result<String, ReadProblem> {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return .failure(ReadProblem(message: "file not found"))
        }
        guard !isDirectory.boolValue else { return .failure(ReadProblem(message: "is a directory, not a file")) }
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(ReadProblem(message: "cannot read the file")) }
        guard let text = String(data: data, encoding: .utf8) else { return .failure(ReadProblem(message: "the file is not UTF-8 text")) }
        return .success(text)
    }

    public static func fileIssue(_ path: String, _ message: String) -> InputError.Issue {
        InputError.Issue(location: SourceLocation(file: path, line: 1, column: 1), path: "", message: message)
    }

    /// The root node, or `nil` after reporting a syntax error or an empty document.
    package static func compose(_ text: String, reader: YAMLReader) -> Node? {
        do {
            guard let root = try Yams.compose(yaml: text, .strict, .default, .utf8) else {
                reader.report("the file is empty; expected a mapping with 'kind' (one of: \(DocumentKind.allowedList))", at: nil as Mark?, path: "")
                return nil
            }
            return root
        } catch let error as YamlError {
            report(error, in: text, reader: reader)
            return nil
        } catch {
            reader.report("YAML error: \(error)", at: nil as Mark?, path: "")
            return nil
        }
    }

    private static func report(_ error: YamlError, in text: String, reader: YAMLReader) {
        func syntax(_ context: YamlError.Context?, _ problem: String) -> String {
            guard let context else { return "YAML syntax error: \(problem)" }
            return "YAML syntax error: \(problem) (\(context.text) at line \(context.mark.line), column \(context.mark.column))"
        }
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            reader.report(syntax(context, problem), at: mark, path: "")
        case .reader(let problem, let offset, _, _):
            let (line, column) = offset.map { position(atCharacterOffset: $0, in: text) } ?? (1, 1)
            reader.report("YAML syntax error: \(problem)", line: line, column: column, path: "")
        case .duplicatedKeysInMapping(let duplicates, let context):
            for (i, key) in duplicates.enumerated() {
                if i == 0, let again = repeatedKeyLine(key, first: context.mark, in: text) {
                    reader.report("duplicate key '\(key)' (first at line \(context.mark.line))", line: again, column: context.mark.column, path: "")
                } else {
                    reader.report("duplicate key '\(key)'", at: context.mark, path: "")
                }
            }
        default:
            reader.report("YAML error: \(error)", at: nil as Mark?, path: "")
        }
    }

    private static func position(atCharacterOffset offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for character in text.prefix(offset) {
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += 1
            }
        }
        return (line, column)
    }

    /// Yams reports a duplicate key where it first appears; the second occurrence is what a user
    /// must remove. Best effort for block mappings: the next line indented to the same column that
    /// starts with the key, before the mapping ends. `nil` if not found (e.g. flow style).
    package static func repeatedKeyLine(_ key: String, first: Mark, in text: String) -> Int? {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let indent = first.column - 1
        guard first.line >= 1, first.line < lines.count else { return nil }
        for number in first.line..<lines.count {
            let line = lines[number]
            let content = line.drop { $0 == " " }
            if content.isEmpty || content.hasPrefix("#") { continue }
            let leading = line.count - content.count
            if leading < indent { return nil }
            guard leading == indent else { continue }
            for spelling in [key, "\"\(key)\"", "'\(key)'"] where content.hasPrefix(spelling) {
                if content.dropFirst(spelling.count).drop(while: { $0 == " " }).hasPrefix(":") {
                    return number + 1
                }
            }
        }
        return nil
    }

    /// The document's kind and its top-level mapping, or `nil` after reporting why not.
    package static func documentKind(_ root: Node, reader: YAMLReader) -> (DocumentKind, Node)? {
        guard case .mapping(let pairs) = root else {
            reader.reportType("a mapping with 'kind' (one of: \(DocumentKind.allowedList))", found: root, path: "")
            return nil
        }
        guard let entry = pairs.first(where: { $0.key.scalar?.string == "kind" }) else {
            reader.report("missing required key 'kind' (one of: \(DocumentKind.allowedList))", at: root, path: "")
            return nil
        }
        guard let text = reader.string(entry.value, at: "kind") else { return nil }
        guard let kind = DocumentKind(rawValue: text) else {
            reader.report("unknown kind '\(text)'; expected one of: \(DocumentKind.allowedList)", at: entry.value, path: "kind")
            return nil
        }
        return (kind, root)
    }

    // MARK: - Discovery

    private static func trimmingSlashes(_ path: String) -> String {
        var path = path
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        return path
    }

    private static func yamlFiles(in directory: String, visited: inout Set<String>) -> [String] {
        let canonical = URL(fileURLWithPath: directory).resolvingSymlinksInPath().path
        guard visited.insert(canonical).inserted, let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
        var files: [String] = []
        for name in names where !name.hasPrefix(".") {
            let path = directory == "/" ? "/" + name : directory + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                files += yamlFiles(in: path, visited: &visited)
            } else if name.hasSuffix(".yaml") || name.hasSuffix(".yml") {
                files.append(path)
            }
        }
        return files
    }
}
