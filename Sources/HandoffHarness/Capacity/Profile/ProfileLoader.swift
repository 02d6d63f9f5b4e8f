import Foundation
import Yams

/// Loads `kind: profile` files into ``CapacityProfile``s (format: `scenarios/README.md`).
public enum ProfileLoader {
    /// Loads a `kind: profile` file; any other kind is an issue.
    public static func load(file path: String) throws(InputError) -> CapacityProfile {
        switch try DocumentLoader.load(file: path) {
        case .profile(let profile): return profile
        case let other:
            throw InputError(issues: [DocumentLoader.fileIssue(path, "expected a profile file (kind: profile), found kind: \(other.kind)")])
        }
    }
}
