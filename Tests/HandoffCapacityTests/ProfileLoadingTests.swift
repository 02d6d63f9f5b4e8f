@testable import HandoffCapacity
import HandoffWorkload
import HandoffEngine
import Foundation
import Testing

@Suite("Capacity profiles: loading and validation")
struct ProfileLoadingTests {
    static let header = "kind: profile\nname: p\n"

    @Test(arguments: ["mms-textbook.yaml", "mms-patience.yaml", "loss-system.yaml", "weekday-desk.yaml", "shared-desk.yaml"])
    func shippedExamplesLoad(_ name: String) throws {
        let profile = try ProfileLoader.load(file: Repository.path("scenarios/capacity/\(name)"))
        #expect(profile.totalSlots > 0)
    }

    /// HandoffWorkload may not import the engine, so a profile's default `maxChats` is its own
    /// constant: it must be the engine's default, or a profile would plan for other agents than
    /// the server runs.
    @Test func aProfilesDefaultMaxChatsIsTheEngines() throws {
        #expect(LoadProfile.AgentGroup.defaultMaxChats == HandoffCore.Configuration().defaultMaxChats)
        let profile = try ProfileLoader.load(
            yaml: Self.header + "arrivals: {poisson: {ratePerHour: 10}}\nagents: {desk: {count: 1}}\nconversation: {handleTime: {exponential: 5m}}\n",
            file: "default.yaml")
        #expect(profile.agentGroups[0].maxChats == HandoffCore.Configuration().defaultMaxChats)
    }

    @Test func weekdayDeskReadsItsCSVFiles() throws {
        let profile = try ProfileLoader.load(file: Repository.path("scenarios/capacity/weekday-desk.yaml"))
        guard case .piecewise(let table) = profile.arrivals else { Issue.record("not piecewise"); return }
        #expect(table.entries.count == 7)
        #expect(table.ratePerHour(atSecondOfDay: 12.5 * 3600) == 70)
        guard case .empirical(let sample) = profile.conversation.handleTime else { Issue.record("not empirical"); return }
        #expect(sample.values.count == 40)
        #expect(sample.values.contains(450))
        #expect(profile.agentGroups.map(\.shifts.first?.label) == ["07:00-15:00", "12:00-20:00"])
        #expect(profile.agentGroups[0].notification == .polling(interval: 2))
    }

    @Test func textbookProfilesMatchTheirFormula() throws {
        let c = try ProfileLoader.load(file: Repository.path("scenarios/capacity/mms-textbook.yaml"))
        #expect(c.analyticReference().reference?.formula == .erlangC)
        let a = try ProfileLoader.load(file: Repository.path("scenarios/capacity/mms-patience.yaml"))
        #expect(a.analyticReference().reference?.formula == .erlangA)
        let b = try ProfileLoader.load(file: Repository.path("scenarios/capacity/loss-system.yaml"))
        #expect(b.analyticReference().reference?.formula == .erlangB)
        let shared = try ProfileLoader.load(file: Repository.path("scenarios/capacity/shared-desk.yaml"))
        #expect(shared.conversation.concurrency == .shared(throughput: [1, 1.6, 2.0]))
        #expect(shared.analyticReference().reference?.formula == .sharedRate)
    }

    @Test func concurrencyModelsReadAndTheirMistakesAreNamed() throws {
        func conversation(_ text: String) throws -> LoadProfile.Conversation {
            try ProfileLoader.load(
                yaml: Self.header + "arrivals: {poisson: {ratePerHour: 10}}\nagents: {desk: {count: 1, maxChats: 3}}\nconversation: \(text)\n",
                file: "c.yaml"
            ).conversation
        }
        #expect(try conversation("{handleTime: {exponential: 5m}}").concurrency == .atPickUp(slowdown: []))
        #expect(try conversation("{handleTime: {exponential: 5m}, slowdown: [1, 1.2]}").concurrency == .atPickUp(slowdown: [1, 1.2]))
        #expect(
            try conversation("{handleTime: {exponential: 5m}, concurrency: {model: atPickUp, slowdown: [1, 1.3]}}").concurrency
                == .atPickUp(slowdown: [1, 1.3]))
        let shared = try conversation("{handleTime: {exponential: 5m}, concurrency: {model: shared, throughput: [1, 1.7, 2.5]}}")
        #expect(shared.concurrency == .shared(throughput: [1, 1.7, 2.5]))
        #expect(shared.throughput(chats: 5) == 2.5 && shared.hasSlowdown(maxChats: 3))
        #expect(try !conversation("{handleTime: {exponential: 5m}, concurrency: {model: shared, throughput: [1, 2, 3]}}").hasSlowdown(maxChats: 3))

        func problems(_ text: String) throws -> [String] {
            try profileIssues(Self.header + "arrivals: {poisson: {ratePerHour: 10}}\nagents: {desk: {count: 1}}\nconversation: \(text)\n").map(\.message)
        }
        let cases: [(String, String)] = [
            ("{handleTime: {exponential: 5m}, concurrency: {model: shared}}", "model shared needs throughput"),
            ("{handleTime: {exponential: 5m}, concurrency: {model: shared, throughput: [1.2, 2]}}", "F(1) must be 1"),
            ("{handleTime: {exponential: 5m}, concurrency: {model: shared, throughput: [1, 0]}}", "throughput F(k) must be > 0"),
            ("{handleTime: {exponential: 5m}, concurrency: {model: shared, throughput: []}}", "empty"),
            ("{handleTime: {exponential: 5m}, concurrency: {model: shared, slowdown: [1, 2]}}", "slowdown belongs to model atPickUp"),
            ("{handleTime: {exponential: 5m}, concurrency: {model: atPickUp, throughput: [1, 2]}}", "throughput belongs to model shared"),
            ("{handleTime: {exponential: 5m}, concurrency: {model: lps}}", "invalid concurrency model 'lps'"),
            ("{handleTime: {exponential: 5m}, concurrency: {throughput: [1]}}", "model"),
            ("{handleTime: {exponential: 5m}, slowdown: [1, 2], concurrency: {model: shared, throughput: [1, 2]}}", "either slowdown"),
            ("{handleTime: {exponential: 5m}, concurrency: {model: shared, throughput: [1, 2], extra: 1}}", "unknown key 'extra'"),
        ]
        for (text, expected) in cases {
            let found = try problems(text)
            #expect(found.contains { $0.contains(expected) }, "\(text): \(found)")
        }
    }

    @Test func badDistributionNegativeRateAndUnknownKeyAreReportedWithLines() throws {
        let yaml = Self.header + """
            arrivals:
              poisson: {ratePerHour: -5}
            agents:
              desk: {count: 2, maxChats: 2, colour: blue}
            conversation:
              handleTime: {weibull: 3m}
            users:
              patience: {exponential: -2m}
            """
        let found = try profileIssues(yaml)
        #expect(found.contains { $0.location.line == 4 && $0.message.contains("rate must be ≥ 0") }, "\(found)")
        #expect(found.contains { $0.location.line == 6 && $0.message.contains("unknown key 'colour'") }, "\(found)")
        #expect(found.contains { $0.location.line == 8 && $0.message.contains("unknown key 'weibull'") }, "\(found)")
        #expect(found.contains { $0.location.line == 10 && $0.message.contains("negative") }, "\(found)")
        #expect(found.allSatisfy { $0.location.file == "s.yaml" })
    }

    @Test func badCSVRowsAreReportedAtTheirLine() throws {
        let yaml = Self.header + """
            arrivals:
              piecewise: {file: rates.csv}
            agents:
              desk: {count: 2}
            conversation:
              handleTime: {empirical: times.csv}
            """
        let found = try profileIssues([("s.yaml", yaml), ("rates.csv", "from,ratePerHour\n00:00,5\n08:00,-3\n25:00,4\n"), ("times.csv", "t\n5m\nsoon\n")])
        #expect(found.contains { $0.location.file == "rates.csv" && $0.location.line == 3 && $0.message.contains("≥ 0") }, "\(found)")
        #expect(found.contains { $0.location.file == "rates.csv" && $0.location.line == 4 && $0.message.contains("time of day") }, "\(found)")
        #expect(found.contains { $0.location.file == "times.csv" && $0.location.line == 3 }, "\(found)")
    }

    @Test func missingCSVAndBadShiftAndNotification() throws {
        let yaml = Self.header + """
            arrivals:
              piecewise: {file: nowhere.csv}
            agents:
              desk: {count: 0, shifts: ["9-17"], notification: carrier-pigeon}
            conversation:
              handleTime: {exponential: 5m}
            run: {warmup: 2h, horizon: 1h, interval: 7m}
            """
        let found = try profileIssues(yaml)
        #expect(found.contains { $0.location.line == 4 && $0.message.contains("nowhere.csv") }, "\(found)")
        #expect(found.contains { $0.message.contains("at least 1") }, "\(found)")
        #expect(found.contains { $0.message.contains("invalid shift '9-17'") }, "\(found)")
        #expect(found.contains { $0.message.contains("carrier-pigeon") }, "\(found)")
        #expect(found.contains { $0.message.contains("interval must divide 24 h") }, "\(found)")
    }

    @Test func flagsOverrideAndValidate() throws {
        var flags = ProfileOverrides()
        flags.arrivalRatePerHour = 60
        #expect(throws: ProfileOverrides.Problems.self) { try flags.resolve(base: nil) }
        flags.agents = 15
        flags.handleTime = 720
        flags.notification = "polling:5"
        let profile = try flags.resolve(base: nil)
        #expect(profile.admission == .agentOnline)
        #expect(profile.agentGroups[0].notification == .polling(interval: 5))
        flags.notification = "smoke-signals"
        flags.replications = 0
        #expect(flags.problems().count == 2)
    }

    @Test(.enabled(if: Repository.binary != nil, "needs the built handoff-sim"))
    func cliRejectsBadInputWithExitTwo() async throws {
        let binary = try #require(Repository.binary)
        let cases: [[String]] = [
            ["simulate", "--arrival-rate", "60"],
            ["simulate", "--arrival-rate", "60", "--agents", "0", "--handle-time", "720"],
            ["simulate", "--arrival-rate", "60", "--agents", "3", "--handle-time", "720", "--notification", "fax"],
            ["simulate", "--bogus-flag"],
            ["simulate", "/nonexistent/profile.yaml"],
            ["plan", "--arrival-rate", "60", "--handle-time", "720"],
            ["plan", "--arrival-rate", "60", "--handle-time", "720", "--target-sl", "0.8", "--admission", "freeSlot"],
            ["plan", "--arrival-rate", "60", "--handle-time", "720", "--target-sl", "0.8", "--routings", "leastBusy,sideways"],
            ["simulate", "--arrival-rate", "60", "--agents", "3", "--handle-time", "720", "--routing", "roundRobin"],
            ["fit", "/nonexistent/handoffs.csv"],
            ["fit", Repository.path("scenarios/capacity/handle-times.csv")],
            ["fit", Repository.path("scenarios/capacity/handle-times.csv"), "--columns", "nope=x"],
            ["fit", Repository.path("scenarios/capacity/handle-times.csv"), "--interval", "7"],
        ]
        for arguments in cases {
            let (status, stderr, _) = try await runBinary(binary, arguments)
            #expect(status == 2, "\(arguments): exit \(status), \(stderr)")
            #expect(!stderr.isEmpty)
        }
    }

    /// The two commands of the README: a history written by `simulate --handoff-log`, fitted
    /// by `fit` into a profile that `simulate` runs again.
    @Test(.enabled(if: Repository.binary != nil, "needs the built handoff-sim"))
    func cliWritesAHistoryAndFitsIt() async throws {
        let binary = try #require(Repository.binary)
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fit-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (logged, logError, logOut) = try await runBinary(
            binary, ["simulate", Repository.path("scenarios/capacity/shared-desk.yaml"), "--replications", "1", "--handoff-log", dir + "/h/handoffs.csv", "--report-dir", dir + "/r"])
        #expect(logged == 0, "\(logError)")
        #expect(logOut.contains("handoff log: \(dir)/h/handoffs.csv"))
        let (fitted, fitError, _) = try await runBinary(binary, ["fit", dir + "/h/handoffs.csv", "--output", dir + "/p/fitted.yaml"])
        #expect(fitted == 0, "\(fitError)")
        #expect(fitError.contains("warning: the history covers 1.0 days"))
        let profile = try ProfileLoader.load(file: dir + "/p/fitted.yaml")
        #expect(profile.agentGroups.first?.count == 5 && profile.agentGroups.first?.maxChats == 3)
        let (again, againError, _) = try await runBinary(binary, ["simulate", dir + "/p/fitted.yaml", "--replications", "2", "--report-dir", dir + "/r2"])
        #expect(again == 0, "\(againError)")
    }
}
