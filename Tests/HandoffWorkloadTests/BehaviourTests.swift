import Foundation
import Testing

@testable import HandoffWorkload

/// The virtual visitor and agent behaviours, driven by hand as a driver would: each test feeds
/// inputs and checks the decisions, with explicit times.
@Suite("Behaviours: virtual visitors, virtual agents, periodic timers")
struct BehaviourTests {
    static func profile(
        patience: Distribution? = .exponential(mean: 120), emailAfterHours: Double = 0.5, emailAfterAbandon: Double = 0.25,
        messages: LoadProfile.Messages? = nil, notification: LoadProfile.Notification = .instant, pickUp: Distribution = .constant(0),
        slowdown: [Double] = [], shifts: [LoadProfile.Shift] = []
    ) -> LoadProfile {
        var p = LoadProfile.textbook(TextbookParameters(arrivalRatePerHour: 60, agents: 2, maxChats: 3, handleTime: 600))
        p.users = LoadProfile.Users(patience: patience, emailAfterHours: emailAfterHours, emailAfterAbandon: emailAfterAbandon)
        p.conversation = LoadProfile.Conversation(handleTime: .exponential(mean: 600), slowdown: slowdown, messages: messages)
        p.agentGroups[0].notification = notification
        p.agentGroups[0].pickUpTime = pickUp
        p.agentGroups[0].shifts = shifts
        return p
    }

    // MARK: Visitors

    @Test func arrivalDrawsComeFromTheVisitorsStreamInAFixedOrder() {
        let behaviour = VisitorBehaviour(Self.profile())
        let stream = RandomStream(state: 42)
        let visitor = behaviour.arrive(at: 10, random: stream)
        var expected = stream
        #expect(visitor.emailDraw == expected.uniform())
        #expect(visitor.patience == expected.exponential(mean: 120))
        #expect(visitor.work == expected.exponential(mean: 600))
        #expect(visitor.random == expected)
        #expect(visitor.arrival == 10 && visitor.state == .asking)
        // Same stream, same visitor: what it does never depends on who serves it.
        #expect(behaviour.arrive(at: 10, random: stream).work == visitor.work)
    }

    @Test func queuedVisitorsWaitUntilTheirPatienceRunsOutThenAbandon() {
        let behaviour = VisitorBehaviour(Self.profile())
        var visitor = behaviour.arrive(at: 100, random: RandomStream(state: 7))
        #expect(behaviour.answered(&visitor, queued: true) == .wait(deadline: 100 + visitor.patience))
        #expect(visitor.state == .waiting)
        let leavesEmail = behaviour.patienceRanOut(&visitor)
        #expect(leavesEmail == (visitor.emailDraw < 0.25))
        #expect(visitor.state == .done)
        // A second, stale timer does nothing.
        #expect(behaviour.patienceRanOut(&visitor) == nil)
    }

    @Test func withoutPatienceNobodyGivesUp() {
        let behaviour = VisitorBehaviour(Self.profile(patience: nil))
        var visitor = behaviour.arrive(at: 0, random: RandomStream(state: 1))
        #expect(visitor.patience == .infinity)
        #expect(behaviour.answered(&visitor, queued: true) == .wait(deadline: nil))
    }

    @Test func aPatienceTimerAfterThePickUpIsStale() {
        let behaviour = VisitorBehaviour(Self.profile())
        var visitor = behaviour.arrive(at: 0, random: RandomStream(state: 3))
        _ = behaviour.answered(&visitor, queued: true)
        _ = behaviour.joined(&visitor, at: 5, chatEnd: 600)
        #expect(visitor.state == .chatting)
        #expect(behaviour.patienceRanOut(&visitor) == nil)
        #expect(visitor.state == .chatting)
    }

    @Test(arguments: [0.0, 0.3, 1.0])
    func afterHoursVisitorsLeaveAnEmailInTheProfilesShare(share: Double) {
        let behaviour = VisitorBehaviour(Self.profile(emailAfterHours: share))
        var family = RandomStream(state: 99)
        var emails = 0
        let n = 20_000
        for _ in 0..<n {
            var visitor = behaviour.arrive(at: 0, random: RandomStream(state: family.next()))
            guard case .leave(let leavesEmail) = behaviour.answered(&visitor, queued: false) else {
                Issue.record("an after-hours answer must make the visitor leave")
                return
            }
            if leavesEmail { emails += 1 }
            #expect(visitor.state == .done)
        }
        // Binomial(20 000, p): 5 standard deviations is at most 0.018.
        #expect(abs(Double(emails) / Double(n) - share) < 0.018)
    }

    @Test func messagesAlternateFromTheAgentAndStopAtTheLimitOrTheChatsEnd() {
        let messages = LoadProfile.Messages(firstResponse: .constant(30), thinkTime: .constant(60), perChat: 4)
        let behaviour = VisitorBehaviour(Self.profile(messages: messages))
        var visitor = behaviour.arrive(at: 0, random: RandomStream(state: 5))
        _ = behaviour.answered(&visitor, queued: true)
        var times: [Double] = []
        var senders: [MessageSender] = []
        var next = behaviour.joined(&visitor, at: 10, chatEnd: 1_000)
        while let t = next, times.count < 10 {
            times.append(t)
            senders.append(behaviour.nextSender(visitor))
            next = behaviour.messageSent(&visitor, at: t, chatEnd: 1_000)
        }
        #expect(times == [40, 100, 160, 220])
        #expect(senders == [.agent, .visitor, .agent, .visitor])
        // A short chat cuts the conversation off.
        var short = behaviour.arrive(at: 0, random: RandomStream(state: 6))
        _ = behaviour.answered(&short, queued: true)
        let first = behaviour.joined(&short, at: 10, chatEnd: 90)
        #expect(first == 40)
        #expect(behaviour.messageSent(&short, at: 40, chatEnd: 90) == nil)
        // A first response that would come after the chat ended is not sent at all.
        var brief = behaviour.arrive(at: 0, random: RandomStream(state: 8))
        _ = behaviour.answered(&brief, queued: true)
        #expect(behaviour.joined(&brief, at: 0, chatEnd: 20) == nil)
    }

    // MARK: Agents

    @Test func pollingAgentsNoticeAtTheirNextPollAndOnlyOnce() {
        let behaviour = AgentBehaviour(Self.profile(notification: .polling(interval: 2)).agentGroups[0], conversation: Self.profile().conversation)
        var agent = behaviour.agent(random: RandomStream(state: 11))
        #expect(agent.pollPhase >= 0 && agent.pollPhase < 2)
        let phase = agent.pollPhase
        let at = behaviour.workMayBeWaiting(&agent, at: 101.3)
        let expected = PeriodicTimer(phase: phase, interval: 2).firstTick(atOrAfter: 101.3)
        #expect(at == expected)
        #expect(expected >= 101.3 && expected < 103.3)
        // Already about to look: a second request changes nothing.
        #expect(behaviour.workMayBeWaiting(&agent, at: 101.5) == nil)
        #expect(behaviour.noticed(&agent, at: expected) == expected)  // zero pick-up time
        #expect(behaviour.attempted(&agent, at: expected, stillLooking: false) == nil)
        #expect(!agent.lookPending)
        #expect(behaviour.workMayBeWaiting(&agent, at: 200) != nil)
    }

    @Test func pushedAgentsNoticeAfterTheirDelayAndPickUpAfterTheirPickUpTime() {
        let group = Self.profile(notification: .websocket(delay: .constant(0.05)), pickUp: .constant(4)).agentGroups[0]
        let behaviour = AgentBehaviour(group, conversation: Self.profile().conversation)
        #expect(!behaviour.isImmediate)
        var agent = behaviour.agent(random: RandomStream(state: 2))
        #expect(behaviour.workMayBeWaiting(&agent, at: 10) == 10.05)
        #expect(behaviour.noticed(&agent, at: 10.05) == 14.05)
        #expect(behaviour.attempted(&agent, at: 14.05, stillLooking: true) == 18.05)
        #expect(agent.lookPending)
    }

    @Test func instantAgentsWithoutPickUpTimeAreImmediate() {
        let behaviour = AgentBehaviour(Self.profile().agentGroups[0], conversation: Self.profile().conversation)
        #expect(behaviour.isImmediate)
        var agent = behaviour.agent(random: RandomStream(state: 2))
        #expect(behaviour.workMayBeWaiting(&agent, at: 7) == 7)
    }

    @Test func chatsTakeLongerByTheSlowdownOfTheConcurrencyTheyWereTakenAt() {
        let profile = Self.profile(slowdown: [1, 1.5, 2])
        let behaviour = AgentBehaviour(profile.agentGroups[0], conversation: profile.conversation)
        #expect(behaviour.chatDuration(work: 100, concurrency: 1) == 100)
        #expect(behaviour.chatDuration(work: 100, concurrency: 2) == 150)
        #expect(behaviour.chatDuration(work: 100, concurrency: 3) == 200)
        #expect(behaviour.chatDuration(work: 100, concurrency: 7) == 200)
        let plain = AgentBehaviour(Self.profile().agentGroups[0], conversation: Self.profile().conversation)
        #expect(plain.chatDuration(work: 100, concurrency: 3) == 100)
    }

    @Test func shiftsDecideWhoIsOnDutyAcrossMidnight() {
        let night = Self.profile(shifts: [LoadProfile.Shift(start: 22 * 3600, end: 6 * 3600)])
        let behaviour = AgentBehaviour(night.agentGroups[0], conversation: night.conversation)
        #expect(behaviour.isOnDuty(atSecondOfDay: 23 * 3600))
        #expect(behaviour.isOnDuty(atSecondOfDay: 1 * 3600))
        #expect(!behaviour.isOnDuty(atSecondOfDay: 6 * 3600))
        #expect(!behaviour.isOnDuty(atSecondOfDay: 12 * 3600))
        let always = AgentBehaviour(Self.profile().agentGroups[0], conversation: night.conversation)
        #expect(always.isOnDuty(atSecondOfDay: 12 * 3600))
    }

    // MARK: Timers

    @Test func periodicTimersKeepTheirGridAndSkipMissedTicks() {
        let timer = PeriodicTimer(phase: 0.5, interval: 2)
        #expect(timer.firstTick(atOrAfter: 0.5) == 0.5)
        #expect(timer.firstTick(atOrAfter: 0.6) == 2.5)
        #expect(timer.firstTick(atOrAfter: -3) == -1.5)
        #expect(timer.tick(after: 2.5, now: 2.5) == 4.5)
        #expect(timer.tick(after: 2.5, now: 9) == 10.5)  // 4.5, 6.5 and 8.5 were missed
        // Whole milliseconds stay exact on the grid, as the scenario runner needs.
        #expect(ClientModel.nextPoll(after: 1_767_225_600_000, every: .seconds(2), now: 1_767_225_600_000) == 1_767_225_602_000)
        #expect(ClientModel.nextPoll(after: 1_767_225_600_000, every: .seconds(2), now: 1_767_225_607_001) == 1_767_225_608_000)
    }

    @Test func theReferenceWidgetPollsItsStatusWhileOpenAndMessagesWhileActive() {
        #expect(ClientModel.widgetPollsStatus("pending") && ClientModel.widgetPollsStatus("active"))
        #expect(!ClientModel.widgetPollsStatus("resolved") && !ClientModel.widgetPollsStatus("after-hours") && !ClientModel.widgetPollsStatus(nil))
        #expect(ClientModel.widgetPollsMessages("active") && !ClientModel.widgetPollsMessages("pending"))
    }
}
