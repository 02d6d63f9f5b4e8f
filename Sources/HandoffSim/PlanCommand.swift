import ArgumentParser
import Foundation
import HandoffCapacity
import HandoffEngine
import HandoffMeasurement
import HandoffWorkload

struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Find the cheapest staffing (agents × maxChats × notification mode × routing) that meets a service target.",
        discussion: """
            Sweeps the grid for the profile (or the textbook model from the flags, as in \
            simulate; the profile's admission must be agentOnline). A cell is screened only \
            where that is sound: where an exact result applies to it (Erlang C/A, or the exact \
            shared-rate chain for agents who slow down under the shared model: Poisson \
            arrivals, exponential work and patience, instant notification) and misses a \
            service-level or abandonment target, or, without slowdown, where Erlang C/A with \
            instant notification (an optimistic bound) misses one by more than 0.05. The rest \
            is simulated, for each routing, mode and maxChats from the smallest agent count \
            upwards until one meets the target with its whole 95% CI; larger cells are \
            dominated. Prints the interior maxChats optima (where more chats per agent make \
            waits worse), the cheapest configurations (fewest agents, then fewest slots), and \
            writes plan.json, plan.csv and plan.html (heat maps of the grid) into --report-dir.

            Example: handoff-sim plan --arrival-rate 60 --handle-time 720 --patience 120 \
            --target-sl 0.8 --within 60 --max-abandon 0.05 --max-occupancy 0.85 \
            --max-chats-list 1,2,3
            """
    )

    @Argument(help: "A profile file (kind: profile) with one agent group. Optional when the model flags are given.")
    var profile: String?

    @OptionGroup var model: CapacityModelOptions

    @Option(help: "Target service level: the share of queued requests picked up within --within (e.g. 0.8).")
    var targetSl: Double?

    @Option(help: "Service-level threshold in seconds (default: the profile's, 60).")
    var within: Double?

    @Option(help: "Maximum abandonment rate (e.g. 0.05).")
    var maxAbandon: Double?

    @Option(help: "Maximum occupancy (e.g. 0.85).")
    var maxOccupancy: Double?

    @Option(help: "Agents to sweep, MIN-MAX (default: derived from the offered load).")
    var agentsRange: String?

    @Option(help: "maxChats values to sweep, comma-separated (default 1,2,3).")
    var maxChatsList: String?

    @Option(help: "Notification modes to sweep, comma-separated, e.g. instant,websocket,polling:2 (default: the profile's).")
    var notifications: String?

    @Option(help: "Routings to sweep, comma-separated: pickup, leastBusy, mostBusy, longestIdle (default: the profile's).")
    var routings: String?

    @Option(help: "Directory for the reports.")
    var reportDir: String = "reports"

    @Option(help: "Report formats, comma-separated: json, csv, html. JSON is always written.")
    var format: String = "json,csv,html"

    func validate() throws {
        var problems = model.overrides.problems()
        if targetSl == nil && maxAbandon == nil && maxOccupancy == nil {
            problems.append("give at least one target: --target-sl, --max-abandon or --max-occupancy")
        }
        for (flag, value) in [("target-sl", targetSl), ("max-abandon", maxAbandon), ("max-occupancy", maxOccupancy)] {
            if let value, !(value >= 0 && value <= 1) { problems.append("--\(flag) must be a share between 0 and 1, found \(value)") }
        }
        if let within, !(within.isFinite && within >= 0) { problems.append("--within must be a number of seconds ≥ 0") }
        if within != nil && model.serviceLevelThreshold != nil {
            problems.append("--within and --service-level-threshold both set the service-level threshold: give one")
        }
        if let agentsRange, Self.parseRange(agentsRange) == nil { problems.append("--agents-range '\(agentsRange)': expected MIN-MAX with 1 ≤ MIN ≤ MAX ≤ 10000") }
        if let maxChatsList, Self.parseList(maxChatsList) == nil { problems.append("--max-chats-list '\(maxChatsList)': expected positive integers, e.g. 1,2,3") }
        if let notifications {
            for item in notifications.split(separator: ",") where LoadProfile.Notification.parse(String(item)) == nil {
                problems.append("--notifications: '\(item)' is not instant, websocket[:SECONDS] or polling[:SECONDS]")
            }
        }
        if let routings {
            for item in routings.split(separator: ",", omittingEmptySubsequences: false) where LoadProfile.Routing(name: String(item)) == nil {
                problems.append("--routings: '\(item)' is not one of \(LoadProfile.Routing.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            if model.overrides.routing != nil { problems.append("--routing and --routings both set the routing: give one") }
        }
        if !problems.isEmpty { throw ValidationError(problems.joined(separator: "\n")) }
        try SimulateCommand.checkFormats(format)
    }

    static func parseRange(_ text: String) -> ClosedRange<Int>? {
        let parts = text.split(separator: "-").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        if parts.count == 1, let n = parts[0], n >= 1, n <= 10_000 { return n...n }
        guard parts.count == 2, let lo = parts[0], let hi = parts[1], lo >= 1, lo <= hi, hi <= 10_000 else { return nil }
        return lo...hi
    }

    static func parseList(_ text: String) -> [Int]? {
        let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.isEmpty, values.allSatisfy({ ($0 ?? 0) >= 1 }) else { return nil }
        return Array(Set(values.compactMap { $0 })).sorted()
    }

    func run() throws {
        let started = SystemWallClock().now()
        let wallStart = ContinuousClock.now
        var base = try model.resolveProfile(file: profile, placeholderAgents: true)
        guard base.agentGroups.count == 1 else {
            throw ValidationError("plan needs a profile with exactly one agent group; this one has \(base.agentGroups.count)")
        }
        guard base.admission == .agentOnline else {
            throw ValidationError(
                "plan needs admission agentOnline (requests wait for a slot): under freeSlot a request that finds every slot busy "
                    + "gets the after-hours form, which the service-level and abandonment targets do not count. "
                    + "Pass --admission agentOnline or set `admission: agentOnline` in the profile.")
        }
        if let within { base.run.serviceLevelThreshold = within }
        let maxChats = model.maxChats.map { [$0] } ?? maxChatsList.flatMap(Self.parseList) ?? [1, 2, 3]
        let agents = model.agents.map { $0...$0 } ?? agentsRange.flatMap(Self.parseRange)
            ?? CapacityPlanner.defaultAgents(for: base, maxChats: maxChats)
        let modes = notifications.map { $0.split(separator: ",").compactMap { LoadProfile.Notification.parse(String($0)) } }
            ?? [base.agentGroups[0].notification]
        let target = PlanTarget(
            serviceLevel: targetSl, within: base.run.serviceLevelThreshold, maxAbandonment: maxAbandon, maxOccupancy: maxOccupancy)
        let routingList = routings.map { text in
            var seen: [LoadProfile.Routing] = []
            for item in text.split(separator: ",") { if let r = LoadProfile.Routing(name: String(item)), !seen.contains(r) { seen.append(r) } }
            return seen
        } ?? [base.routing]
        let planner = CapacityPlanner(
            profile: base, target: target, grid: PlanGrid(agents: agents, maxChats: maxChats, notifications: modes, routings: routingList))
        let cells: [PlanCell]
        do {
            cells = try planner.run()
        } catch {
            FileHandle.standardError.write(Data("error: the simulation stopped: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let wall = ContinuousClock.now - wallStart
        let report = PlanReport(
            planner: planner, cells: cells, toolVersion: HandoffSim.version, commandLine: CommandLine.arguments, startedAt: started.iso8601,
            endedAt: SystemWallClock().now().iso8601, wallSeconds: wall.seconds)
        print(report.terminalSummary(), terminator: "")
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
