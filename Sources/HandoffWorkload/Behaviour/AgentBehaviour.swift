/// What a virtual agent of one group does, as an I/O-free state machine: it notices waiting
/// requests by its notification mode (a push after its delay, or its next poll of the queue as
/// the reference dashboard polls), takes its pick-up time, picks up the oldest request while it
/// has room, works each chat for its handle time (slower when it juggles several), and follows
/// its shifts.
///
/// The same machine runs in virtual time (the capacity simulator) and, over the wire, in real
/// time (the load generator). Entry points take the agent's state and the current time and say
/// when to act next; the driver owns the timers and the service calls, and tells the machine
/// what happened. Nothing here reads a clock, awaits or allocates.
///
/// States: an agent is *idle* (no notice or attempt pending) or *about to look*
/// (``VirtualAgent/lookPending``): a notice is scheduled, or a pick-up attempt after its
/// pick-up time. Transitions:
/// - idle → about to look: ``workMayBeWaiting(_:at:)`` (a request arrived, a slot freed, a
///   shift began) returns the instant it will notice;
/// - notice → attempt: ``noticed(_:at:)`` returns the instant of the pick-up attempt;
/// - attempt → idle, or another attempt while it has room and requests wait:
///   ``attempted(_:at:stillLooking:)``.
public struct AgentBehaviour: Sendable {
    /// How the agent learns that a request waits.
    @frozen
    public enum Mode: UInt8, Sendable {
        /// At once (the textbook queue).
        case instant
        /// A push, noticed after a delay.
        case push
        /// The next poll of the queue, on the agent's own phase.
        case polling
    }

    public let mode: Mode
    @usableFromInline let pushDelay: Sampler
    /// Polling: seconds between queue polls.
    public let pollInterval: Double
    @usableFromInline let pickUp: Sampler
    /// Instant notification and zero pick-up time: the agent takes a request the moment a
    /// request and a free slot meet, so a driver may route it without timers.
    public let isImmediate: Bool
    /// Working hours, repeated daily; empty: always on duty.
    public let shifts: [LoadProfile.Shift]
    /// Pick-up model: the factors (empty: none, or the shared model).
    @usableFromInline let slowdown: [Double]
    /// Shared model: F(k)/k for k = 1…maxChats (each chat's speed with k open); `nil` under the
    /// pick-up model.
    @usableFromInline let sharedProgress: [Double]?

    /// The agents of `group`, working chats of `conversation`.
    public init(_ group: LoadProfile.AgentGroup, conversation: LoadProfile.Conversation) {
        var delay = Sampler(.constant(0))
        var interval = 0.0
        switch group.notification {
        case .instant: mode = .instant
        case .websocket(let d):
            mode = .push
            delay = Sampler(d)
        case .polling(let i):
            mode = .polling
            interval = i
        }
        pushDelay = delay
        pollInterval = interval
        pickUp = Sampler(group.pickUpTime)
        isImmediate = mode == .instant && group.pickUpTime.isZero
        shifts = group.shifts
        switch conversation.concurrency {
        case .atPickUp(let factors):
            slowdown = factors
            sharedProgress = nil
        case .shared:
            slowdown = []
            sharedProgress = (1...max(1, group.maxChats)).map { k in conversation.throughput(chats: k)! / Double(k) }
        }
    }

    /// A new agent of this group: its poll phase is drawn from its stream (agents of a group
    /// do not poll in lockstep, as real dashboards opened at different times don't).
    @inlinable
    public func agent(random: RandomStream) -> VirtualAgent {
        var random = random
        let phase = mode == .polling ? random.uniform() * pollInterval : 0
        return VirtualAgent(pollPhase: phase, random: random)
    }

    // MARK: Noticing and picking up

    /// Work may be waiting for the agent (a request arrived, one of its slots freed, its shift
    /// began). Returns when it will notice the queue, or `nil` when it is already about to look.
    /// A poll at exactly `now` counts: the poll sees the request.
    @inlinable @inline(__always)
    public func workMayBeWaiting(_ agent: inout VirtualAgent, at now: Double) -> Double? {
        guard !agent.lookPending else { return nil }
        agent.lookPending = true
        switch mode {
        case .instant: return now
        case .push: return now + pushDelay.sample(&agent.random)
        case .polling: return PeriodicTimer(phase: agent.pollPhase, interval: pollInterval).firstTick(atOrAfter: now)
        }
    }

    /// The agent has seen the queue at `now`: returns when it tries to pick up (after its
    /// pick-up time; `now` when that is zero).
    @inlinable @inline(__always)
    public func noticed(_ agent: inout VirtualAgent, at now: Double) -> Double {
        now + pickUp.sample(&agent.random)
    }

    /// A pick-up attempt at `now` is over (it took the oldest request, or another agent was
    /// faster). `stillLooking`: the agent still has room and requests still wait. Returns when
    /// it tries again, or `nil` when it goes idle.
    @inlinable @inline(__always)
    public func attempted(_ agent: inout VirtualAgent, at now: Double, stillLooking: Bool) -> Double? {
        guard stillLooking else {
            agent.lookPending = false
            return nil
        }
        return now + pickUp.sample(&agent.random)
    }

    /// Marks the agent idle: a pending look was overtaken (e.g. the driver handed it work
    /// directly), so the next ``workMayBeWaiting(_:at:)`` schedules a new one.
    @inlinable @inline(__always)
    public func lookDone(_ agent: inout VirtualAgent) {
        agent.lookPending = false
    }

    // MARK: Chats and shifts

    /// How long a chat of `work` seconds (at solo speed) takes when the agent took it as its
    /// `concurrency`-th open chat (the profile's pick-up slowdown; 1 without one). Under the
    /// shared model the duration is not known at pick-up: see ``progressRate(chats:)``.
    @inlinable @inline(__always)
    public func chatDuration(work: Double, concurrency: Int) -> Double {
        guard !slowdown.isEmpty else { return work }
        return work * slowdown[Swift.min(concurrency, slowdown.count) - 1]
    }

    /// Shared model: how fast each of an agent's `k` ≥ 1 chats progresses, in seconds of work
    /// per second, F(k)/k (1 under the pick-up model, whose slowdown is in the duration).
    @inlinable @inline(__always)
    public func progressRate(chats k: Int) -> Double {
        guard let progress = sharedProgress, k > 0 else { return 1 }
        return progress[Swift.min(k, progress.count) - 1]
    }

    /// Whether the group works under the shared model.
    public var sharesRate: Bool { sharedProgress != nil }

    /// Whether the agent is on duty at `secondOfDay` (0 ..< 86 400): some shift covers it, or
    /// there are no shifts at all.
    public func isOnDuty(atSecondOfDay secondOfDay: Double) -> Bool {
        shifts.isEmpty || shifts.contains { $0.covers(secondOfDay) }
    }
}

/// One virtual agent's state: 24 bytes, kept inline in a driver's agent table.
@frozen
public struct VirtualAgent: Sendable {
    /// A notice or a pick-up attempt is scheduled: another "work may be waiting" changes nothing.
    public var lookPending: Bool
    /// Polling: the agent polls at `pollPhase + k · interval`.
    public let pollPhase: Double
    /// The agent's own stream (push delays, pick-up times).
    public var random: RandomStream

    @inlinable
    public init(pollPhase: Double, random: RandomStream) {
        self.lookPending = false
        self.pollPhase = pollPhase
        self.random = random
    }
}
