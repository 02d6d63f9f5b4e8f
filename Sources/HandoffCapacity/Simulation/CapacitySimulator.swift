import HandoffEngine
import HandoffWorkload

/// Runs a ``LoadProfile``'s replications and combines them: the entry point of
/// `handoff-sim simulate`.
///
/// ```swift
/// let profile = try ProfileLoader.load(file: "scenarios/capacity/mms-textbook.yaml")
/// let result = try CapacitySimulator(profile: profile).run()
/// result.summary[.waitProbability]   // Estimate(mean: 0.42, ciLow: 0.41, ciHigh: 0.43)
/// ```
///
/// Replications run one after the other on the calling thread (each is a synchronous
/// discrete-event loop, see ``SimulationKernel``); replication r uses a seed derived from the
/// profile's seed and r, so results never depend on timing and the same profile and seed give
/// the same result.
public struct CapacitySimulator: Sendable {
    public let profile: LoadProfile

    public init(profile: LoadProfile) {
        self.profile = profile
    }

    /// Runs every replication.
    /// - Throws: ``SimulationError`` if the engine refused a command the simulator believed legal,
    ///   or its invariants failed — a bug, reported loudly rather than averaged away.
    public func run() throws(SimulationError) -> SimulationResult {
        var outcomes: [ReplicationOutcome] = []
        var kernel = Duration.zero
        let clock = ContinuousClock()
        for r in 0..<profile.run.replications {
            let start = clock.now
            outcomes.append(try runReplication(r))
            kernel += clock.now - start
        }
        return SimulationResult(profile: profile, outcomes: outcomes, kernelSeconds: kernel.seconds)
    }

    /// One replication (0-based index).
    func runReplication(_ r: Int) throws(SimulationError) -> ReplicationOutcome {
        var kernel = try SimulationKernel(profile: profile, replication: r)
        defer { kernel.deallocate() }
        return try kernel.run()
    }

    /// Replication `r` (0-based) again, with every handoff it made as a `widget_handoffs` row in
    /// request order — the same run as in ``run()`` (same seed), warm-up and drain included.
    /// Memory grows with the handoffs: bound the run (`--arrivals`, the horizon).
    public func handoffLog(replication r: Int = 0) throws(SimulationError) -> [HandoffLogRow] {
        var kernel = try SimulationKernel(profile: profile, replication: r)
        defer { kernel.deallocate() }
        kernel.log = []
        _ = try kernel.run()
        return kernel.log ?? []
    }
}
