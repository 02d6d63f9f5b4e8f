/// What a virtual visitor does, as an I/O-free state machine: it asks for a human, waits with
/// its patience, leaves an email after hours or after giving up (with the profile's shares),
/// and chats with think times until the agent ends the chat.
///
/// One behaviour for every time base: the capacity simulator drives it in virtual time
/// (HandoffCapacity's kernel), and the load generator drives it in real time over the wire.
/// Each entry point takes the visitor's state and the current time and returns what to do next
/// (send this request, wake me at t); the driver carries it out and feeds the outcome back. The
/// behaviour never reads a clock, never awaits and never allocates.
///
/// A visitor's random draws come from its own ``RandomStream`` in a fixed order (email share,
/// patience, work, then one per message), so its behaviour does not depend on who serves it:
/// two staffing options compared with the same seed see the same visitors.
///
/// States and their legal transitions:
/// - ``VirtualVisitor/State-swift.enum/asking`` → `waiting` (queued) or `done` (after hours);
/// - `asking` → `chatting` (an agent took the request at once);
/// - `waiting` → `chatting` (picked up or assigned) or `done` (patience ran out: abandoned);
/// - `chatting` → `done` (the agent resolved the chat).
///
/// ```swift
/// let behaviour = VisitorBehaviour(profile)
/// var visitor = behaviour.arrive(at: now, random: stream)
/// switch behaviour.answered(&visitor, queued: true) {
/// case .wait(let deadline): scheduleAbandon(at: deadline)   // nil: never gives up
/// case .leave(let leavesEmail): …
/// }
/// ```
public struct VisitorBehaviour: Sendable {
    @usableFromInline let patience: Sampler?
    @usableFromInline let work: Sampler
    @usableFromInline let firstResponse: Sampler?
    @usableFromInline let thinkTime: Sampler?
    @usableFromInline let messagesPerChat: Int32
    /// Share of after-hours visitors who leave an email in the form (0…1).
    public let emailAfterHours: Double
    /// Share of abandoning visitors who leave an email (0…1).
    public let emailAfterAbandon: Double

    /// The visitors of `profile`: its `users` (patience, email shares) and `conversation`
    /// (handle time, messages).
    public init(_ profile: LoadProfile) {
        patience = profile.users.patience.map(Sampler.init)
        work = Sampler(profile.conversation.handleTime)
        firstResponse = profile.conversation.messages.map { Sampler($0.firstResponse) }
        thinkTime = profile.conversation.messages.map { Sampler($0.thinkTime) }
        messagesPerChat = Int32(clamping: profile.conversation.messages?.perChat ?? Int(Int32.max))
        emailAfterHours = profile.users.emailAfterHours
        emailAfterAbandon = profile.users.emailAfterAbandon
    }

    /// Whether chat messages are modelled at all.
    public var sendsMessages: Bool { firstResponse != nil && messagesPerChat > 0 }

    // MARK: Transitions

    /// A visitor asks for a human at `now`: its draws, made once, in a fixed order.
    /// - Complexity: O(1), no allocation.
    @inlinable @inline(__always)
    public func arrive(at now: Double, random: RandomStream) -> VirtualVisitor {
        var random = random
        let emailDraw = random.uniform()
        let patience = self.patience?.sample(&random) ?? .infinity
        let work = self.work.sample(&random)
        return VirtualVisitor(arrival: now, work: work, patience: patience, emailDraw: emailDraw, random: random)
    }

    /// What the visitor does with the answer to its request.
    public enum Answer: Equatable, Sendable {
        /// Queued: wait, giving up at `deadline` (`nil`: never).
        case wait(deadline: Double?)
        /// After hours: leaves, with an email in the form or without.
        case leave(leavesEmail: Bool)
    }

    /// The service answered the request: queued (`true`) or after hours.
    @inlinable @inline(__always)
    public func answered(_ visitor: inout VirtualVisitor, queued: Bool) -> Answer {
        precondition(visitor.state == .asking, "a visitor got a second answer to its request")
        if queued {
            visitor.state = .waiting
            return .wait(deadline: visitor.patience.isFinite ? visitor.arrival + visitor.patience : nil)
        }
        visitor.state = .done
        return .leave(leavesEmail: visitor.emailDraw < emailAfterHours)
    }

    /// The visitor's patience ran out while it was still waiting: it ends the chat (the request
    /// is abandoned). Returns whether it leaves an email, or `nil` if it was no longer waiting
    /// (an agent took it first: the timer is stale and nothing happens).
    @inlinable @inline(__always)
    public func patienceRanOut(_ visitor: inout VirtualVisitor) -> Bool? {
        guard visitor.state == .waiting else { return nil }
        visitor.state = .done
        return visitor.emailDraw < emailAfterAbandon
    }

    /// An agent took the chat at `now`; it will end at `chatEnd` (`.infinity` when not known
    /// yet). Returns when the first chat message (the agent's first response) is due, or `nil`
    /// when no message falls inside the chat or none are modelled. (A driver whose chats change
    /// speed passes 0 and `.infinity` and reads the result as a gap of work.)
    @inlinable @inline(__always)
    public func joined(_ visitor: inout VirtualVisitor, at now: Double, chatEnd: Double) -> Double? {
        precondition(visitor.state == .asking || visitor.state == .waiting, "a visitor was taken twice")
        visitor.state = .chatting
        guard let firstResponse, messagesPerChat > 0 else { return nil }
        let first = now + firstResponse.sample(&visitor.random)
        return first < chatEnd ? first : nil
    }

    /// Who sends the chat's next message: the agent first, then turn about.
    @inlinable @inline(__always)
    public func nextSender(_ visitor: VirtualVisitor) -> MessageSender {
        visitor.messagesSent % 2 == 0 ? .agent : .visitor
    }

    /// The message due now was sent; returns when the next one is due (after a think time), or
    /// `nil` when the chat's messages are done or the next would fall after `chatEnd`.
    @inlinable @inline(__always)
    public func messageSent(_ visitor: inout VirtualVisitor, at now: Double, chatEnd: Double) -> Double? {
        visitor.messagesSent += 1
        guard visitor.state == .chatting, visitor.messagesSent < messagesPerChat, let thinkTime else { return nil }
        let next = now + thinkTime.sample(&visitor.random)
        return next < chatEnd ? next : nil
    }

    /// The agent ended the chat.
    @inlinable @inline(__always)
    public func chatEnded(_ visitor: inout VirtualVisitor) {
        visitor.state = .done
    }
}

/// One virtual visitor's state: 48 bytes, kept inline in a driver's visitor table.
@frozen
public struct VirtualVisitor: Sendable {
    /// Where the visitor is in its handoff (see ``VisitorBehaviour`` for the transitions).
    @frozen
    public enum State: UInt8, Sendable {
        /// Has asked for a human, no answer yet.
        case asking
        /// Queued, watching for an agent; gives up at `arrival + patience`.
        case waiting
        /// An agent has the chat.
        case chatting
        /// After hours, abandoned, or resolved.
        case done
    }

    /// When it asked for a human (seconds of the time base).
    public var arrival: Double
    /// The chat's work: its handle time at solo speed, seconds.
    public var work: Double
    /// How long it waits before giving up, seconds; `.infinity`: forever.
    public var patience: Double
    /// One uniform draw deciding the email shares (after hours, after abandoning).
    public var emailDraw: Double
    /// The visitor's own stream, after the arrival draws (think times continue from it).
    public var random: RandomStream
    /// Chat messages sent so far, both sides.
    public var messagesSent: Int32
    public var state: State

    @inlinable
    public init(arrival: Double, work: Double, patience: Double, emailDraw: Double, random: RandomStream) {
        self.arrival = arrival
        self.work = work
        self.patience = patience
        self.emailDraw = emailDraw
        self.random = random
        self.messagesSent = 0
        self.state = .asking
    }
}

/// The author of a chat message in a behaviour's conversation.
@frozen
public enum MessageSender: UInt8, Sendable {
    case agent, visitor
}
