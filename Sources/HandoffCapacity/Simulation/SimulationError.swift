import HandoffWorkload
import HandoffEngine

/// The simulator found the engine and its own bookkeeping in disagreement — a bug in one of
/// them, never a property of the profile. Carries what, when and the engine's reason.
public struct SimulationError: Error, Hashable, Sendable, CustomStringConvertible {
    public let message: String

    init(_ message: String) { self.message = message }

    static func engine(_ command: String, _ error: HandoffError, at time: Double) -> SimulationError {
        SimulationError("the engine refused \(command) at t=\(NumberText.seconds(time)): \(error)")
    }

    static func inconsistent(_ what: String, at time: Double) -> SimulationError {
        SimulationError("simulator and engine disagree at t=\(NumberText.seconds(time)): \(what)")
    }

    static func invariants(_ problems: [String], replication: Int) -> SimulationError {
        SimulationError("engine invariants violated after replication \(replication + 1): " + problems.prefix(5).joined(separator: "; "))
    }

    public var description: String { message }
}
