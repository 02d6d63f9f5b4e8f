import Foundation
import HandoffEngine
@testable import HandoffHarness

/// The repository root (for the shipped examples and the built binary).
enum Repository {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    static func path(_ relative: String) -> String { root + "/" + relative }

    /// The debug `handoff-sim` if it was built (`swift build` / `scripts/test` build it).
    static var binary: String? {
        let candidates = [".build/debug/handoff-sim", ".build/x86_64-unknown-linux-gnu/debug/handoff-sim", ".build/arm64-apple-macosx/debug/handoff-sim"]
        return candidates.map(path).first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}

/// A textbook profile with short, seeded runs for the statistical tests.
func textbook(
    ratePerHour: Double, agents: Int, maxChats: Int = 1, handle: Double, patience: Double? = nil, hours: Double = 20, warmup: Double = 1,
    replications: Int = 20, seed: UInt64 = 11, admission: HandoffCore.Admission = .agentOnline
) -> CapacityProfile {
    var p = CapacityProfile.textbook(
        TextbookParameters(
            arrivalRatePerHour: ratePerHour, agents: agents, maxChats: maxChats, handleTime: handle, patience: patience,
            run: .init(horizon: hours * 3600, warmup: warmup * 3600, replications: replications, seed: seed)))
    p.admission = admission
    return p
}

/// Runs a process and returns its exit status and standard error.
func runBinary(_ binary: String, _ arguments: [String]) throws -> (status: Int32, stderr: String, stdout: String) {
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
