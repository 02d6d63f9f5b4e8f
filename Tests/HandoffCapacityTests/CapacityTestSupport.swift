@testable import HandoffCapacity
import HandoffWorkload
import HandoffMeasurement
import Foundation
import HandoffEngine
import Testing

/// The repository root (for the shipped examples and the built binary).
enum Repository {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func path(_ relative: String) -> String { root + "/" + relative }

    /// The debug `handoff-sim` if it was built (`swift build` / `scripts/test` build it).
    static var binary: String? {
        let candidates = [".build/debug/handoff-sim", ".build/x86_64-unknown-linux-gnu/debug/handoff-sim", ".build/arm64-apple-macosx/debug/handoff-sim"]
        return candidates.map(path).first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// Runs `work` on a thread of its own and awaits it, off Swift's cooperative thread pool.
///
/// A simulation (or a child process waited on) is seconds of synchronous work. The pool has
/// one thread per core, so on a 2-core CI machine two such tests run on the pool would hold
/// every thread and starve the suite's deadline-based tests (sockets, pushes) past their
/// deadlines. On a thread of its own it only competes for the CPU, which the OS shares.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}

/// `CapacitySimulator(profile:).run()` off the cooperative pool (``offPool(_:)``).
func simulate(_ profile: LoadProfile) async throws -> SimulationResult {
    try await offPool { try CapacitySimulator(profile: profile).run() }
}

/// A textbook profile with short, seeded runs for the statistical tests.
func textbook(
    ratePerHour: Double, agents: Int, maxChats: Int = 1, handle: Double, patience: Double? = nil, hours: Double = 20, warmup: Double = 1,
    replications: Int = 20, seed: UInt64 = 11, admission: LoadProfile.Admission = .agentOnline
) -> LoadProfile {
    var p = LoadProfile.textbook(
        TextbookParameters(
            arrivalRatePerHour: ratePerHour, agents: agents, maxChats: maxChats, handleTime: handle, patience: patience,
            run: .init(horizon: hours * 3600, warmup: warmup * 3600, replications: replications, seed: seed)))
    p.admission = admission
    return p
}

/// Runs a process and returns its exit status, standard error and output; waits off the
/// cooperative pool (``offPool(_:)``).
func runBinary(_ binary: String, _ arguments: [String]) async throws -> (status: Int32, stderr: String, stdout: String) {
    try await offPool { try runBinaryBlocking(binary, arguments) }
}

private func runBinaryBlocking(_ binary: String, _ arguments: [String]) throws -> (status: Int32, stderr: String, stdout: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: binary)
    process.arguments = arguments
    let err = Pipe()
    let out = Pipe()
    process.standardError = err
    process.standardOutput = out
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: errData, as: UTF8.self), String(decoding: outData, as: UTF8.self))
}

/// The issues that loading a profile reports; `files` are written to a fresh directory first and
/// the first one is loaded (so a profile's relative CSV paths resolve beside it). Fails the test
/// when the profile loads.
func profileIssues(_ files: [(String, String)], sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [InputError.Issue] {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("profile-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    for (name, text) in files { try text.write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
    do {
        let profile = try ProfileLoader.load(file: dir + "/" + files[0].0)
        Issue.record("expected issues, loaded \(profile.name)", sourceLocation: sourceLocation)
        return []
    } catch {
        // Issues name the file as it was given; tests compare against the bare name.
        return error.issues.map { issue in
            var issue = issue
            issue.location.file = issue.location.file.replacingOccurrences(of: dir + "/", with: "")
            issue.message = issue.message.replacingOccurrences(of: dir + "/", with: "")
            return issue
        }
    }
}

func profileIssues(_ yaml: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> [InputError.Issue] {
    try profileIssues([("s.yaml", yaml)], sourceLocation: sourceLocation)
}
