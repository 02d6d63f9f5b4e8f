@testable import HandoffCapacity
import HandoffEngine
import HandoffWorkload
import HandoffMeasurement
import Foundation
import Testing

/// `fit`: a history the simulator wrote from a known profile is fitted back to that profile
/// within stated tolerances; a broken history is refused with every problem located.
@Suite("Fit: profiles from a handoff history")
struct FitTests {
    static let truth = """
        kind: profile
        name: known
        arrivals:
          piecewise:
            - {from: "00:00", ratePerHour: 20}
            - {from: "08:00", ratePerHour: 60}
            - {from: "18:00", ratePerHour: 30}
        agents:
          desk: {count: 6, maxChats: 3}
        conversation:
          handleTime: {exponential: 10m}
          concurrency: {model: shared, throughput: [1, 1.6, 2.0]}
        users:
          patience: {exponential: 3m}
          emailAfterHours: 0.4
          emailAfterAbandon: 0.3
        routing: leastBusy
        admission: agentOnline
        run: {horizon: 240h, warmup: 0h, replications: 1, seed: 3}
        """

    static func history(_ yaml: String) throws -> HandoffHistory {
        let profile = try ProfileLoader.load(yaml: yaml, file: "truth.yaml")
        let rows = try CapacitySimulator(profile: profile).handoffLog()
        return try HandoffHistory.parse(HandoffLogRow.csv(rows).text, file: "history.csv")
    }

    static func close(_ x: Double, _ y: Double, within relative: Double) -> Bool { abs(x - y) <= relative * abs(y) }

    @Test func recoversTheProfileThatMadeTheHistory() async throws {
        let history = try await offPool { try Self.history(Self.truth) }
        let fit = try HandoffFit.fit(history)
        #expect(fit.requests > 9000 && Self.close(fit.days, 10, within: 0.02))
        // Arrival rates: each hour of the day holds 200–600 requests, so ±15 % is about 3 standard errors.
        for i in fit.intervals {
            let hour = Int(i.start / 3600)
            let rate: Double = hour < 8 ? 20 : hour < 18 ? 60 : 30
            #expect(Self.close(i.ratePerHour, rate, within: 0.15), "\(hour):00 fitted \(i.ratePerHour), true \(rate)")
        }
        #expect(fit.agents == 6 && fit.maxChats == 3)
        // Work and throughput: thousands of completions at each level, ±6 %.
        #expect(Self.close(fit.meanWork, 600, within: 0.06), "work \(fit.meanWork)")
        #expect(fit.levels.map(\.chats) == [1, 2, 3])
        #expect(Self.close(fit.levels[1].throughput, 1.6, within: 0.06), "F(2) \(fit.levels[1].throughput)")
        #expect(Self.close(fit.levels[2].throughput, 2.0, within: 0.06), "F(3) \(fit.levels[2].throughput)")
        #expect(fit.soloVariation.map { abs($0 - 1) < 0.15 } == true, "solo CV \(String(describing: fit.soloVariation))")
        // Patience from a few hundred gave-ups: ±25 %; the email share of those ±0.1.
        let patience = try #require(fit.meanPatience)
        #expect(fit.abandonments > 150)
        #expect(Self.close(patience, 180, within: 0.25), "patience \(patience)")
        #expect(abs((fit.emailAfterAbandon ?? 0) - 0.3) < 0.1)
        // The profile it writes loads, and says what it fitted.
        let fitted = try ProfileLoader.load(yaml: fit.profileYAML(), file: "fitted.yaml")
        guard case .shared(let f) = fitted.conversation.concurrency else { Issue.record("not the shared model"); return }
        #expect(f.count == 3 && f[0] == 1)
        #expect(fitted.agentGroups.first?.maxChats == 3 && fitted.users.patience?.isExponential == true)
        guard case .piecewise(let table) = fitted.arrivals else { Issue.record("not piecewise"); return }
        #expect(table.entries.count == 24)
    }

    @Test func afterHoursSharesComeFromTheEmailForms() async throws {
        // freeSlot: a request that finds every slot taken gets the form.
        let yaml = Self.truth.replacingOccurrences(of: "admission: agentOnline", with: "admission: freeSlot")
        let history = try await offPool { try Self.history(yaml) }
        let fit = try HandoffFit.fit(history)
        #expect(fit.afterHours > 300)
        #expect(abs((fit.emailAfterHours ?? 0) - 0.4) < 0.06, "email share \(String(describing: fit.emailAfterHours))")
        #expect(fit.profileYAML().contains("emailAfterHours: "))
    }

    @Test func aBrokenHistoryIsRefusedWithEveryProblemLocated() {
        let text = """
            requested_at,picked_up_at,resolved_at,assigned_agent_id,status,user_email
            2026-01-05T00:00:00Z,2026-01-04T00:00:00Z,,a,active,
            2026-01-05T00:00:00Z,x,,,weird,
            not-a-time,,,,pending,
            2026-01-05T00:00:00Z,,,,pending
            2026-01-05T00:00:00Z,2026-01-05T00:00:01Z,,,active,
            ab"c,,,,pending,
            "unterminated,,,,pending,
            """
        do {
            _ = try HandoffHistory.parse(text, file: "h.csv")
            Issue.record("a broken history was accepted")
        } catch {
            let lines = error.issues.map(\.description)
            let expected = [
                "h.csv:2:22: picked_up_at is before requested_at",
                "h.csv:3:22: picked_up_at 'x' is not a timestamp",
                "h.csv:3:26: status 'weird' is not one of",
                "h.csv:4:1: requested_at 'not-a-time' is not a timestamp",
                "h.csv:5:1: 5 cells where the header has 6",
                "h.csv:6:44: a picked-up handoff without assigned_agent_id",
                "h.csv:7:3: a quote inside an unquoted cell",
                "h.csv:8:1: a quoted cell is not closed before the end of the file",
            ]
            #expect(lines.count == expected.count, "\(lines)")
            for (line, prefix) in zip(lines, expected) { #expect(line.hasPrefix(prefix), "\(line)") }
        }
    }

    @Test func columnsAreMappedAndTheirAbsenceNamed() throws {
        let text = "created,claimed,closed,agent,state,email\n2026-01-05 09:00:00+01,2026-01-05 09:00:30+01,2026-01-05 09:10:00+01,a1,resolved,\n"
        let history = try HandoffHistory.parse(
            text, file: "x.csv",
            columns: ["requested_at": "created", "picked_up_at": "claimed", "resolved_at": "closed", "assigned_agent_id": "agent", "status": "state", "user_email": "email"])
        #expect(history.records.count == 1)
        #expect(history.records[0].requested == 1_767_600_000)  // 08:00 UTC on 2026-01-05
        #expect(history.records[0].outcome == .served(pickedUp: 1_767_600_030, ended: 1_767_600_600, agent: "a1"))
        #expect(throws: InputError.self) { try HandoffHistory.parse(text, file: "x.csv") }
        do {
            _ = try HandoffHistory.parse(text, file: "x.csv", columns: ["requested_at": "created"])
        } catch {
            #expect(error.issues.contains { $0.message.contains("no column 'picked_up_at'") && $0.message.contains("--columns picked_up_at=NAME") })
            #expect(!error.issues.contains { $0.message.contains("requested_at") })
        }
    }

    @Test func csvQuotingFollowsRFC4180() {
        let (document, issues) = CSVDocument.parse("a,b\r\n\"x, \"\"y\"\"\",\"two\nlines\"\n\n3,4", file: "q.csv")
        #expect(issues.isEmpty)
        #expect(document?.rows.map { $0.map(\.text) } == [["x, \"y\"", "two\nlines"], ["3", "4"]])
        #expect(document?.rows.last?.first?.line == 5)
        #expect(CSVDocument.parse("", file: "e.csv").issues.first?.message.contains("empty") == true)
        #expect(CSVDocument.parse("a,b\n\"x\"y,2\n", file: "t.csv").issues.first?.message.contains("after a cell's closing quote") == true)
    }

    @Test func kaplanMeierMedianHandlesCensoring() {
        // Events at 1, 3, 5; censored at 2 and 4: S(1) = 4/5, S(3) = 4/5 · 2/3 = 0.533, S(5) = 0 → median 5.
        #expect(HandoffFit.kaplanMeierMedian([(1, true), (2, false), (3, true), (4, false), (5, true)]) == 5)
        #expect(HandoffFit.kaplanMeierMedian([(1, true), (2, false), (3, false)]) == nil)
        #expect(HandoffFit.kaplanMeierMedian([(1, true), (2, true), (3, false)]) == 2)
    }

    /// Review cases: no served chat, a chat of no time, the team's local time, long spans.
    @Test func edgesOfAHistory() throws {
        let header = "requested_at,picked_up_at,resolved_at,assigned_agent_id,status,user_email\n"
        let onlyWaits = try HandoffHistory.parse(header + "2026-01-05T09:00:00Z,,,,after-hours,a@b.c\n2026-01-05T09:01:00Z,,2026-01-05T09:02:00Z,,abandoned,\n", file: "w.csv")
        #expect(throws: HandoffFit.Failure.self) { try HandoffFit.fit(onlyWaits) }

        // One agent: 9:00–9:10, 9:01–9:20 and a chat of no time at 9:05 (left out, with a warning).
        let chats = try HandoffHistory.parse(
            header + """
                2026-01-05T09:00:00Z,2026-01-05T09:00:00Z,2026-01-05T09:10:00Z,a,resolved,
                2026-01-05T09:01:00Z,2026-01-05T09:01:00Z,2026-01-05T09:20:00Z,a,resolved,
                2026-01-05T09:05:00Z,2026-01-05T09:05:00Z,2026-01-05T09:05:00Z,a,resolved,

                """, file: "c.csv")
        let fit = try HandoffFit.fit(chats)
        #expect(fit.maxChats == 2)
        #expect(fit.levels.map(\.completions) == [1, 1])
        #expect(abs(fit.levels[1].hours - 9.0 / 60) < 1e-9 && abs(fit.levels[0].hours - 11.0 / 60) < 1e-9)
        #expect(fit.warnings.contains { $0.contains("1 chats were picked up and resolved in the same instant") })

        // Times of day are the team's own: 09:30 at +01 is the 09:00 interval, not 08:00.
        let local = try HandoffHistory.parse(header + "2026-01-05 09:30:00+01,2026-01-05 09:31:00+01,2026-01-05 09:40:00+01,a,resolved,\n", file: "l.csv")
        #expect(local.records[0].utcOffset == 3600)
        let localFit = try HandoffFit.fit(local)
        #expect(localFit.intervals[9].requests == 1 && localFit.intervals[8].requests == 0)
        #expect(HandoffHistory.utcOffset("2026-01-05T09:30:00.123-05:30") == -19_800 && HandoffHistory.utcOffset("2026-01-05T09:30:00Z") == 0)

        // Coverage by arithmetic equals counting day by day, also over long spans.
        for (from, to) in [(1000.0, 90_000.0), (5000.0, 6000.0), (86_000.0, 86_400.0 * 40 + 7), (0.0, 86_400.0 * 3)] {
            for i in [0, 5, 23] {
                var slow = 0.0
                var day = (from / 86_400).rounded(.down) * 86_400
                while day < to {
                    slow += max(0, min(to, day + Double(i + 1) * 3600) - max(from, day + Double(i) * 3600))
                    day += 86_400
                }
                #expect(abs(HandoffFit.coverage(of: i, length: 3600, from: from, to: to) - slow) < 1e-6, "\(from)…\(to) interval \(i)")
            }
        }
        // The export's time: a chat still open is censored there, not at the last timestamp.
        let open = try HandoffHistory.parse(
            header + "2026-01-05T09:00:00Z,2026-01-05T09:00:00Z,2026-01-05T09:10:00Z,a,resolved,\n2026-01-05T09:05:00Z,2026-01-05T09:05:00Z,,a,active,\n",
            file: "o.csv")
        let atLast = try HandoffFit.fit(open)
        let atExport = try HandoffFit.fit(open, until: try #require(HandoffHistory.timestamp("2026-01-05T10:05:00Z")))
        #expect(abs(atLast.levels[0].hours - 5.0 / 60) < 1e-9)  // 9:00–9:05 alone; 9:10 is the latest timestamp
        #expect(abs(atExport.levels[0].hours - 60.0 / 60) < 1e-9)  // and the open chat alone from 9:10 to 10:05
        #expect(throws: HandoffFit.Failure.self) { try HandoffFit.fit(open, until: try #require(HandoffHistory.timestamp("2026-01-05T09:06:00Z"))) }

        // A quoted empty cell is a cell, not a blank line.
        #expect(CSVDocument.parse("a,b\n\"\"\n", file: "q.csv").issues.first?.message == "1 cells where the header has 2")
    }
}
