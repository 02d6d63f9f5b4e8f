import Foundation
import Yams

// MARK: - Types and paths

/// The type of a YAML node, as issue messages name it ("expected a string, found a mapping").
package enum YAMLType: Equatable {
    case null, boolean, integer, number, string, list, mapping, alias

    package var phrase: String {
        switch self {
        case .null: "null"
        case .boolean: "a boolean"
        case .integer: "an integer"
        case .number: "a number"
        case .string: "a string"
        case .list: "a list"
        case .mapping: "a mapping"
        case .alias: "an alias"
        }
    }
}

extension Yams.Resolver {
    /// YAML 1.2 core-schema scalars, stricter than Yams' YAML 1.1 default: `yes`/`no`/`on`/`off` are
    /// strings, integers are decimal only, there are no timestamps and no merge keys (`<<`).
    package static let strict: Yams.Resolver = {
        do {
            return try Yams.Resolver.basic
                .appending(.null, "^(?:~|null|Null|NULL|)$")
                .appending(.bool, "^(?:true|True|TRUE|false|False|FALSE)$")
                .appending(.int, "^[-+]?[0-9]+$")
                .appending(.float, "^(?:[-+]?(?:\\.[0-9]+|[0-9]+(?:\\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\\.(?:inf|Inf|INF)|\\.(?:nan|NaN|NAN))$")
        } catch {
            preconditionFailure("invalid scalar pattern: \(error)")
        }
    }()
}

extension Node {
    package var yamlType: YAMLType {
        switch self {
        case .mapping: return .mapping
        case .sequence: return .list
        case .alias: return .alias
        case .scalar:
            switch tag.description {
            case Tag.Name.null.rawValue: return .null
            case Tag.Name.bool.rawValue: return .boolean
            case Tag.Name.int.rawValue: return .integer
            case Tag.Name.float.rawValue: return .number
            default: return .string
            }
        }
    }

    /// "a mapping", or for a scalar its type and text: "a string ('five')".
    package var foundPhrase: String {
        guard let scalar, yamlType != .null else { return yamlType.phrase }
        return "\(yamlType.phrase) ('\(scalar.string)')"
    }
}

/// Document paths: `tenants.acme.agents.ann.maxChats`, `steps[3].pickUp`, `errors["No agents"]`.
package enum YAMLPath {
    package static func child(_ path: String, _ key: String) -> String {
        guard isHandle(key) else { return "\(path)[\"\(key)\"]" }
        return path.isEmpty ? key : "\(path).\(key)"
    }

    package static func index(_ path: String, _ index: Int) -> String { "\(path)[\(index)]" }

    /// Letters, digits, `-` and `_`; not empty.
    package static func isHandle(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
    }
}

/// A mapping whose keys were checked: all strings, known and unique.
package struct YAMLMapping {
    package struct Entry {
        package var key: String
        package var keyNode: Node
        package var value: Node
    }

    package var node: Node
    package var path: String
    package var entries: [Entry]

    package subscript(key: String) -> Node? { entries.first { $0.key == key }?.value }
    package func keyNode(_ key: String) -> Node? { entries.first { $0.key == key }?.keyNode }
    package func has(_ key: String) -> Bool { entries.contains { $0.key == key } }
    package func path(_ key: String) -> String { YAMLPath.child(path, key) }
    package var keys: [String] { entries.map(\.key) }
}

// MARK: - Reader

/// Reads typed values out of one file's nodes and collects every issue found on the way.
/// Getters return `nil` after reporting, so callers check everything before giving up.
package final class YAMLReader {
    package let file: String
    package private(set) var issues: [InputError.Issue] = []

    package init(file: String) { self.file = file }

    package func location(_ mark: Mark?) -> SourceLocation {
        SourceLocation(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1)
    }

    /// Where Yams' marks are unavailable (its `Mark` initializer is internal).
    package func report(_ message: String, line: Int, column: Int, path: String) {
        issues.append(InputError.Issue(location: SourceLocation(file: file, line: line, column: column), path: path, message: message))
    }

    package func report(_ message: String, at node: Node?, path: String) {
        report(message, at: node?.mark, path: path)
    }

    package func report(_ message: String, at mark: Mark?, path: String) {
        issues.append(InputError.Issue(location: location(mark), path: path, message: message))
    }

    package func add(_ other: [InputError.Issue]) { issues += other }

    package func reportType(_ expected: String, found node: Node, path: String) {
        report("expected \(expected), found \(node.foundPhrase)", at: node, path: path)
    }

    // MARK: Containers

    /// A mapping with only `keys` (`nil`: any keys), reporting unknown keys at the key and
    /// missing `required` keys at `anchor` (default: the mapping itself).
    package func mapping(_ node: Node, at path: String, keys allowed: [String]?, required: [String] = [], anchor: Node? = nil) -> YAMLMapping? {
        guard case .mapping(let pairs) = node else {
            reportType("a mapping", found: node, path: path)
            return nil
        }
        var entries: [YAMLMapping.Entry] = []
        for (keyNode, value) in pairs {
            guard let scalar = keyNode.scalar, keyNode.yamlType != .null else {
                report("expected a key (a string), found \(keyNode.yamlType.phrase)", at: keyNode, path: path)
                continue
            }
            let key = scalar.string
            if let allowed, !allowed.contains(key) {
                report("unknown key '\(key)'; expected one of: \(allowed.joined(separator: ", "))", at: keyNode, path: YAMLPath.child(path, key))
                continue
            }
            entries.append(.init(key: key, keyNode: keyNode, value: value))
        }
        let result = YAMLMapping(node: node, path: path, entries: entries)
        for key in required where !result.has(key) {
            report("missing required key '\(key)'", at: anchor ?? node, path: path)
        }
        return result
    }

    /// A mapping from handles (`acme`, `ann`) to values, in document order. Invalid handles are
    /// reported and left out.
    package func handleMapping(_ node: Node, at path: String, what: String) -> [YAMLMapping.Entry]? {
        guard let mapping = mapping(node, at: path, keys: nil) else { return nil }
        return mapping.entries.filter { entry in
            guard YAMLPath.isHandle(entry.key) else {
                report("invalid \(what) handle '\(entry.key)': use letters, digits, '-' and '_'", at: entry.keyNode, path: mapping.path(entry.key))
                return false
            }
            return true
        }
    }

    package func list(_ node: Node, at path: String, nonEmpty: Bool = false) -> [Node]? {
        guard case .sequence(let items) = node else {
            reportType("a list", found: node, path: path)
            return nil
        }
        if nonEmpty && items.isEmpty {
            report("must not be empty", at: node, path: path)
            return nil
        }
        return Array(items)
    }

    /// Every item is read (and its issues reported); `nil` if any was wrong.
    package func list<T>(_ node: Node, at path: String, nonEmpty: Bool = false, _ item: (Node, String) -> T?) -> [T]? {
        guard let items = list(node, at: path, nonEmpty: nonEmpty) else { return nil }
        let values = items.enumerated().map { item($1, YAMLPath.index(path, $0)) }
        return values.contains { $0 == nil } ? nil : values.compactMap { $0 }
    }

    // MARK: Scalars

    /// Any non-null scalar, as written (`password: 1234` is the string "1234").
    package func string(_ node: Node, at path: String, nonEmpty: Bool = false) -> String? {
        guard let scalar = node.scalar, node.yamlType != .null else {
            reportType("a string", found: node, path: path)
            return nil
        }
        if nonEmpty && scalar.string.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            report("must not be empty", at: node, path: path)
            return nil
        }
        return scalar.string
    }

    package func handle(_ node: Node, at path: String, what: String) -> String? {
        guard let text = string(node, at: path, nonEmpty: true) else { return nil }
        guard YAMLPath.isHandle(text) else {
            report("invalid \(what) handle '\(text)': use letters, digits, '-' and '_'", at: node, path: path)
            return nil
        }
        return text
    }

    package func int(_ node: Node, at path: String, min: Int? = nil) -> Int? {
        guard node.yamlType == .integer, let text = node.scalar?.string else {
            reportType("an integer", found: node, path: path)
            return nil
        }
        guard let value = Int(text) else {
            report("integer \(text) is out of range", at: node, path: path)
            return nil
        }
        if let min, value < min {
            report("must be at least \(min), found \(value)", at: node, path: path)
            return nil
        }
        return value
    }

    package func number(_ node: Node, at path: String) -> Double? {
        guard [.integer, .number].contains(node.yamlType) else {
            reportType("a number", found: node, path: path)
            return nil
        }
        guard let value = node.scalar.flatMap({ Double($0.string) }), value.isFinite else {
            report("must be a finite number", at: node, path: path)
            return nil
        }
        return value
    }

    package func bool(_ node: Node, at path: String) -> Bool? {
        guard node.yamlType == .boolean, let text = node.scalar?.string else {
            reportType("a boolean (true or false)", found: node, path: path)
            return nil
        }
        return text.lowercased() == "true"
    }

    /// One of the raw values of `T` (or of `allowed`).
    /// `aliases` are other names that read as a value (not listed in the message).
    package func choice<T: RawRepresentable & CaseIterable>(
        _ node: Node, at path: String, _ type: T.Type, allowed: [T]? = nil, aliases: [String: T] = [:]
    ) -> T?
    where T.RawValue == String {
        guard let text = string(node, at: path) else { return nil }
        let options = allowed ?? Array(T.allCases)
        guard let value = T(rawValue: text) ?? aliases[text], options.contains(where: { $0.rawValue == value.rawValue }) else {
            report("invalid value '\(text)'; expected one of: \(options.map(\.rawValue).joined(separator: ", "))", at: node, path: path)
            return nil
        }
        return value
    }

    /// One of `options` (for string-valued fields such as a wire status).
    package func choice(_ node: Node, at path: String, options: [String]) -> String? {
        guard let text = string(node, at: path) else { return nil }
        guard options.contains(text) else {
            report("invalid value '\(text)'; expected one of: \(options.joined(separator: ", "))", at: node, path: path)
            return nil
        }
        return text
    }

    /// `250ms`, `3s`, `2m`, `1h`, `1.5s`, or a plain number of seconds.
    package func duration(_ node: Node, at path: String, allowZero: Bool) -> Duration? {
        guard let scalar = node.scalar, [.integer, .number, .string].contains(node.yamlType) else {
            reportType("a duration (like 250ms, 3s, 2m, 1h or a number of seconds)", found: node, path: path)
            return nil
        }
        switch DurationText.parse(scalar.string) {
        case .success(let value):
            if !allowZero && value == .zero {
                report("must be longer than 0, found '\(scalar.string)'", at: node, path: path)
                return nil
            }
            return value
        case .failure(let problem):
            report(problem.message, at: node, path: path)
            return nil
        }
    }
}

// MARK: - Durations

package enum DurationText {
    package struct Problem: Error { package var message: String }

    private static let units: [(suffix: String, nanoseconds: Int128)] = [
        ("ms", 1_000_000), ("s", 1_000_000_000), ("m", 60_000_000_000), ("h", 3_600_000_000_000),
    ]

    /// Exact decimal arithmetic: `0.1s` is 100 ms, not the nearest binary fraction.
    package static func parse(_ raw: String) -> Result<Duration, Problem> {
        let text = raw.trimmingCharacters(in: .whitespaces)
        let invalid = Problem(
            message: "invalid duration '\(raw)'; use a number with ms, s, m or h (250ms, 1.5s, 2m, 1h) or a plain number of seconds")
        if text.hasPrefix("-") { return .failure(Problem(message: "a duration must not be negative, found '\(raw)'")) }
        var number = Substring(text)
        var unit: Int128 = 1_000_000_000
        if let match = units.first(where: { text.hasSuffix($0.suffix) }) {
            number = text.dropLast(match.suffix.count)
            unit = match.nanoseconds
        }
        if number.hasPrefix("+") { number = number.dropFirst() }
        let parts = number.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = parts[0]
        let fraction = parts.count > 1 ? parts[1] : ""
        let isDigits = { (s: Substring) in s.allSatisfy { $0.isASCII && $0.isNumber } }
        guard !whole.isEmpty, isDigits(whole), isDigits(fraction), parts.count == 1 || !fraction.isEmpty else { return .failure(invalid) }
        guard whole.count <= 12, let wholeValue = Int128(whole) else { return .failure(Problem(message: "duration '\(raw)' is too long")) }
        let digits = fraction.prefix(18)
        var nanoseconds = wholeValue * unit
        if !digits.isEmpty, let fractionValue = Int128(digits) {
            var scale: Int128 = 1
            for _ in 0..<digits.count { scale *= 10 }
            nanoseconds += fractionValue * unit / scale
        }
        guard nanoseconds <= Int128(Int64.max) else { return .failure(Problem(message: "duration '\(raw)' is too long")) }
        return .success(.nanoseconds(Int64(nanoseconds)))
    }

    /// The text as written, with `s` added to a plain number: "3s", "250ms", "1.5s".
    package static func label(_ raw: String) -> String {
        let text = raw.trimmingCharacters(in: .whitespaces)
        return text.last.map { $0.isNumber } == true ? text + "s" : text
    }
}
