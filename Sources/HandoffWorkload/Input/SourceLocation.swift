/// A place in an input file, for error messages and failure reasons (`file:line:column`).
public struct SourceLocation: Hashable, Sendable, CustomStringConvertible, Codable {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public var description: String { "\(file):\(line):\(column)" }
}

/// Everything wrong with an input file, collected in one pass (not just the first problem).
public struct InputError: Error, Hashable, Sendable, CustomStringConvertible {
    public struct Issue: Hashable, Sendable, CustomStringConvertible {
        public var location: SourceLocation
        /// Where in the document, e.g. `steps[3].pickUp`.
        public var path: String
        public var message: String

        public init(location: SourceLocation, path: String, message: String) {
            self.location = location
            self.path = path
            self.message = message
        }

        public var description: String { path.isEmpty ? "\(location): \(message)" : "\(location): \(path): \(message)" }
    }

    public var issues: [Issue]

    public init(issues: [Issue]) { self.issues = issues }

    public var description: String { issues.map(\.description).joined(separator: "\n") }
}
