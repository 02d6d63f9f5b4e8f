import ArgumentParser
import Foundation
import HandoffCapacity
import HandoffEngine
import HandoffMeasurement
import HandoffWorkload

/// The model flags shared by `simulate` and `plan` (the command-line contract: README.md).
struct CapacityModelOptions: ParsableArguments {
    @Option(help: "Arrivals per hour (Poisson at a constant rate; replaces a profile's arrivals).")
    var arrivalRate: Double?

    @Option(help: "Number of agents (a profile must have exactly one agent group).")
    var agents: Int?

    @Option(help: "Chats an agent handles at once (textbook default 1).")
    var maxChats: Int?

    @Option(help: "Mean handle time in seconds (exponential).")
    var handleTime: Double?

    @Option(help: "Mean patience of a waiting visitor in seconds (exponential). Without it (and without a profile's patience) nobody abandons.")
    var patience: Double?

    @Option(help: "Simulated hours per replication (default 24).")
    var duration: Double?

    @Option(help: "Hours deleted from the start of each replication (default 1).")
    var warmup: Double?

    @Option(help: "Independent replications, for the confidence intervals (default 10).")
    var replications: Int?

    @Option(help: "Seed of every random stream; echoed into the report (default 1).")
    var seed: UInt64?

    @Option(help: "The t of the service level P(wait ≤ t), seconds (default 60).")
    var serviceLevelThreshold: Double?

    @Option(help: "How agents learn of a waiting request: instant, websocket[:SECONDS] or polling[:SECONDS] (polling every 2 s without SECONDS). Default: instant, or the profile's.")
    var notification: String?

    @Option(help: "pickup (agents take the oldest request themselves; alias manual), or the engine assigns: leastBusy (fewest chats; alias auto), mostBusy (fill one agent before the next) or longestIdle. Ties go to the agent idle longest.")
    var routing: String?

    @Option(help: "The engine's after-hours rule: agentOnline (queue while anyone is available; the flags-only default) or freeSlot (queue only if a slot is free: the wire contract's rule).")
    var admission: String?

    @Option(help: "Stop each replication after exactly N requests instead of at --duration (benchmarks).")
    var arrivals: Int?

    @Option(help: "Reporting interval of the day in minutes (default 60).")
    var interval: Double?

    var overrides: ProfileOverrides {
        var o = ProfileOverrides()
        o.arrivalRatePerHour = arrivalRate
        o.agents = agents
        o.maxChats = maxChats
        o.handleTime = handleTime
        o.patience = patience
        o.durationHours = duration
        o.warmupHours = warmup
        o.replications = replications
        o.seed = seed
        o.serviceLevelThreshold = serviceLevelThreshold
        o.notification = notification
        o.routing = routing
        o.admission = admission
        o.maxArrivals = arrivals
        o.intervalMinutes = interval
        return o
    }

    /// The profile to simulate: the file with the flags applied, or the textbook model.
    /// Invalid input is printed and becomes exit 2.
    func resolveProfile(file: String?, placeholderAgents: Bool = false) throws -> LoadProfile {
        var base: LoadProfile?
        if let file {
            do {
                base = try ProfileLoader.load(file: file)
            } catch {
                FileHandle.standardError.write(Data("error: invalid profile, nothing was run:\n\(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        var overrides = self.overrides
        if placeholderAgents, base == nil, overrides.agents == nil { overrides.agents = 1 }
        do {
            return try overrides.resolve(base: base)
        } catch {
            throw ValidationError(error.description)
        }
    }
}

struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Simulate a day of the handoff service in virtual time and compare it with queueing theory.",
        discussion: """
            Give a profile (kind: profile, see scenarios/README.md) or the model flags. With \
            flags alone the model is the textbook one: Poisson arrivals at --arrival-rate, \
            exponential handle time, exponential patience (no --patience: nobody abandons), \
            one group of --agents agents with --max-chats slots each, instant notification, and \
            admission agentOnline (a request waits for a slot whenever an agent is available), so \
            the result is checked against Erlang C (or Erlang A with --patience). Flags given \
            with a profile override its values.

            Every replication drives the real engine core (request, pick up or assign, \
            messages, resolve, end chat, shift status) in virtual time and checks its \
            invariants at the end. Statistics are over the requests that arrived after the \
            warm-up, as means with 95% confidence intervals across replications; wait \
            statistics count queued requests, abandoned ones with the time they waited.

            Reports: simulate.json (the source of truth), simulate.csv (per interval of the \
            day) and simulate.html (charts), written into --report-dir. --handoff-log FILE \
            also writes replication 1's handoffs as a widget_handoffs CSV, the history \
            `handoff-sim fit` reads. Exit 0 when the run completed, 2 for invalid input \
            (nothing run), 1 if the engine disagreed with the simulator (a bug).
            """
    )

    @Argument(help: "A profile file (kind: profile). Optional when the model flags are given.")
    var profile: String?

    @OptionGroup var model: CapacityModelOptions

    @Option(help: "Directory for the reports.")
    var reportDir: String = "reports"

    @Option(help: "Report formats, comma-separated: json, csv, html. JSON is always written.")
    var format: String = "json,csv,html"

    @Option(help: "Also write replication 1's handoffs to this CSV (widget_handoffs columns: id, requested_at, picked_up_at, resolved_at, assigned_agent_id, status, user_email), as `fit` reads them.")
    var handoffLog: String?

    @Flag(help: "Print the kernel's throughput: requests per second of replication time (engine setup, event loop and the end-of-run check; process startup and reports excluded).")
    var timing = false

    func validate() throws {
        let problems = model.overrides.problems()
        if !problems.isEmpty { throw ValidationError(problems.joined(separator: "\n")) }
        try Self.checkFormats(format)
    }

    static func checkFormats(_ format: String) throws {
        let formats: Set<ReportFormat>
        do { formats = try ReportFormat.parseList(format) } catch { throw ValidationError("--format: \(error)") }
        if formats.contains(.junit) { throw ValidationError("--format: junit is not available for capacity reports; use json, csv, html") }
    }

    func run() throws {
        let started = SystemWallClock().now()
        let wallStart = ContinuousClock.now
        let profile = try model.resolveProfile(file: self.profile)
        let result: SimulationResult
        do {
            result = try CapacitySimulator(profile: profile).run()
        } catch {
            FileHandle.standardError.write(Data("error: the simulation stopped: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let wall = ContinuousClock.now - wallStart
        let report = SimulationReport(
            result: result, toolVersion: HandoffSim.version, commandLine: CommandLine.arguments, startedAt: started.iso8601,
            endedAt: SystemWallClock().now().iso8601, wallSeconds: wall.seconds)
        print(report.terminalSummary(), terminator: "")
        if timing { print(report.timingLine()) }
        if let handoffLog {
            do {
                let rows = try CapacitySimulator(profile: profile).handoffLog()
                try HandoffLogRow.csv(rows).text.writeFile(handoffLog)
                print("handoff log: \(handoffLog) (\(rows.count) handoffs of replication 1)")
            } catch let error as SimulationError {
                FileHandle.standardError.write(Data("error: the simulation stopped: \(error)\n".utf8))
                throw ExitCode(1)
            } catch {
                FileHandle.standardError.write(Data("error: could not write the handoff log \(handoffLog): \(error)\n".utf8))
                throw ExitCode(2)
            }
        }
        let formats = (try? ReportFormat.parseList(format)) ?? [.json]
        do {
            let written = try ReportWriter.write(report, formats: formats, to: URL(fileURLWithPath: reportDir, isDirectory: true))
            print("reports: \(written.map(\.relativePath).joined(separator: ", "))")
        } catch {
            FileHandle.standardError.write(Data("error: could not write reports to \(reportDir): \(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}
