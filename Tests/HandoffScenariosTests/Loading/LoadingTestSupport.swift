@testable import HandoffScenarios
import HandoffWorkload
import HandoffMeasurement
import HandoffClient
import Foundation
import HandoffTestSupport
import Testing

/// Test keys: well-formed, distinct.
enum Keys {
    static let web = "embellics_" + String(repeating: "a1", count: 32)
    static let old = "embellics_" + String(repeating: "b2", count: 32)
    static let site = "embellics_" + String(repeating: "c3", count: 32)
}

/// The issues that loading `files` (written first, all of them) reports for `load` (default: the
/// first file); fails the test if loading succeeds.
func issues(_ files: [(String, String)], load: String? = nil, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [InputError.Issue]
{
    let dir = try TempDir()
    defer { dir.remove() }
    var paths: [String] = []
    for (name, text) in files { paths.append(try dir.write(name, text)) }
    let target = load.map { dir.path + "/" + $0 } ?? paths[0]
    do {
        let document = try DocumentLoader.load(file: target)
        Issue.record("expected issues, loaded \(document)", sourceLocation: sourceLocation)
        return []
    } catch {
        // Paths relative to the temporary directory, so tests can compare them.
        return error.issues.map { issue in
            var issue = issue
            issue.location.file = issue.location.file.replacingOccurrences(of: dir.path + "/", with: "")
            issue.message = issue.message.replacingOccurrences(of: dir.path + "/", with: "")
            return issue
        }
    }
}

func issues(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [InputError.Issue] {
    try issues([("s.yaml", yaml)], sourceLocation: sourceLocation)
}

/// `file:line:col: path: message` lines, the form users see.
func lines(_ issues: [InputError.Issue]) -> [String] { issues.map(\.description) }

/// Fixtures header shared by the error tests: tenant `acme` (key `web`), agents `ann`, `bob`,
/// user `boss`; widget `visitor`. 12 lines, so a test's own lines start at line 13.
let scenarioHeader = """
    kind: scenario
    name: Errors
    tenants:
      acme:
        name: Acme
        apiKeys: {web: \(Keys.web)}
        users: {boss: {email: boss@acme.test, password: pw, role: client_admin}}
        agents:
          ann: {name: Ann, email: ann@acme.test, password: pw}
          bob: {name: Bob, email: bob@acme.test, password: pw}
    widgets: {visitor: {tenant: acme, apiKey: web}}
    steps:

    """
