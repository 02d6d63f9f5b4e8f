import ArgumentParser
import Foundation

/// `handoff-sim`: verify, simulate and serve live-chat human handoff.
///
/// Exit codes (a public contract, see README.md): 0 all passed, 1 a check failed, 2 invalid input
/// (a bad file or flag; nothing ran) or reports that could not be written.
@main
struct HandoffSim: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "handoff-sim",
        abstract: "Verify, serve and plan capacity for live-chat human handoff.",
        discussion: """
            Exit status: 0 when every check passed, 1 when a check failed, 2 when the input \
            (a scenario, profile or history file, or a flag) is invalid and nothing was run, or when the reports \
            could not be written.
            """,
        version: version,
        subcommands: [RunCommand.self, ServeCommand.self, SimulateCommand.self, PlanCommand.self, FitCommand.self]
    )

    /// Parses and runs, mapping every input problem — ArgumentParser's own included — to exit 2.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch {
            let exit = exitCode(for: error)
            if exit == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
            Foundation.exit(2)
        }
    }
}

/// Exit 2: the input is invalid and nothing ran. Carries the message already printed.
struct InvalidInput: Error, CustomStringConvertible {
    var description: String
}
