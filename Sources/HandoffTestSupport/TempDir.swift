import Foundation

/// A fresh directory under the system temporary directory, for tests that write input files;
/// removed by ``remove()`` (call it in a `defer`).
public struct TempDir: Sendable {
    /// The directory's absolute path, without a trailing slash.
    public let path: String

    public init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("handoff-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` (creating folders) and returns the full path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    public func remove() { try? FileManager.default.removeItem(atPath: path) }
}
