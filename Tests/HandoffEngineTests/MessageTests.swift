import Testing

@testable import HandoffEngine

/// Rule 5: chat messages and `messages(since:)`.
@Suite struct MessageTests {
    /// Acme with agents Ann and Bob, and one active handoff of Ann's on "chat-1".
    static func activeChat() throws -> (World, HandoffID, ann: AgentID, bob: AgentID) {
        var world = World()
        let ann = try world.addAgent("Ann")
        let bob = try world.addAgent("Bob")
        let id = try world.queue("chat-1")
        try world.pickUp(id, by: ann)
        world.events = []
        return (world, id, ann, bob)
    }

    @Test func userWritesOnlyWhileActive() throws {
        var world = World()
        let ann = try world.addAgent("Ann")
        let id = try world.queue("chat-1")
        #expect(throws: HandoffError.handoffNotActive) { try world.userMessage("hello?", id) }

        try world.pickUp(id, by: ann)
        world.events = []
        world.advance(.seconds(1))
        let message = try world.userMessage("  hello  ", id)
        #expect(message.content == "hello")
        #expect(message.senderType == .user)
        #expect(message.senderID == nil)
        #expect(message.handoffID == id)
        #expect(message.timestamp == world.now)
        #expect(world.handoff(id).lastUserMessage == "hello")
        #expect(world.takeEvents() == [.messagePosted(message, tenantID: World.acme)])

        try world.resolve(id, by: ann)
        #expect(throws: HandoffError.handoffNotActive) { try world.userMessage("still there?", id) }
        // Another tenant's widget cannot see the handoff at all.
        #expect(throws: HandoffError.handoffNotFound) { try world.userMessage("hi", id, tenant: World.globex) }
        // Nor can anyone write in an after-hours record.
        try world.setStatus(ann, .offline)
        let afterHours = try world.request("chat-2").handoff.id
        #expect(throws: HandoffError.handoffNotActive) { try world.userMessage("hi", afterHours) }
        #expect(try world.core.messages(handoff: id, tenant: World.acme) == [message])
    }

    @Test func agentWritesOnlyAsTheAssignee() throws {
        var (world, id, ann, bob) = try Self.activeChat()
        let gus = try world.addAgent("Gus", tenant: World.globex)
        world.events = []
        #expect(throws: HandoffError.notAssignee) { try world.agentMessage("mine now", id, by: bob) }
        #expect(throws: HandoffError.handoffNotFound) { try world.agentMessage("hi", id, by: gus) }
        #expect(world.events == [])

        let message = try world.agentMessage("Hi, I'm Ann", id, by: ann)
        #expect(message.senderType == .agent)
        #expect(message.senderID == ann)
        #expect(world.takeEvents() == [.messagePosted(message, tenantID: World.acme)])

        let pending = try world.queue("chat-2")
        #expect(throws: HandoffError.handoffNotActive) { try world.agentMessage("hi", pending, by: ann) }
        try world.resolve(id, by: ann)
        #expect(throws: HandoffError.handoffNotActive) { try world.agentMessage("bye", id, by: ann) }
        #expect(try world.core.messages(handoff: id, tenant: World.acme) == [message])
    }

    @Test(arguments: ["", " ", "\n\t  \n"])
    func emptyOrWhitespaceMessagesAreRejected(_ text: String) throws {
        var (world, id, ann, _) = try Self.activeChat()
        expectInvalid("message") { try world.userMessage(text, id) }
        expectInvalid("message") { try world.agentMessage(text, id, by: ann) }
        #expect(world.events == [])
        #expect(try world.core.messages(handoff: id, tenant: World.acme) == [])
    }

    @Test func overlongMessagesAreRejected() throws {
        var world = World(configuration: .init(maxMessageLength: 10))
        let ann = try world.addAgent("Ann")
        let id = try world.queue("chat-1")
        try world.pickUp(id, by: ann)
        expectInvalid("message") { try world.userMessage("12345678901", id) }
        expectInvalid("message") { try world.agentMessage("12345678901", id, by: ann) }
        // The limit counts characters after trimming.
        #expect(try world.userMessage("  1234567890  ", id).content == "1234567890")
        #expect(try world.agentMessage("éééééééééé", id, by: ann).content.count == 10)

        var defaults = World()
        let bob = try defaults.addAgent("Bob")
        let other = try defaults.queue("chat-1")
        try defaults.pickUp(other, by: bob)
        expectInvalid("message") { try defaults.userMessage(String(repeating: "x", count: 10_001), other) }
        #expect(try defaults.userMessage(String(repeating: "x", count: 10_000), other).content.count == 10_000)
    }

    @Test func sequenceNumbersCountFromOneAndTimestampsStrictlyIncrease() throws {
        var (world, id, ann, _) = try Self.activeChat()
        let t = world.now
        // Three messages in the same millisecond.
        let first = try world.userMessage("a", id)
        let second = try world.agentMessage("b", id, by: ann)
        let third = try world.userMessage("c", id)
        #expect([first, second, third].map(\.sequence) == [1, 2, 3])
        #expect([first, second, third].map(\.timestamp) == [t, t + .milliseconds(1), t + .milliseconds(2)])
        // A clock that has not caught up yet still moves the conversation forward…
        world.advance(.milliseconds(1))
        #expect(try world.userMessage("d", id).timestamp == t + .milliseconds(3))
        // …and a later clock is used as is.
        world.advance(.seconds(1))
        let fifth = try world.userMessage("e", id)
        #expect(fifth.timestamp == world.now)
        #expect(fifth.sequence == 5)
        // A `now` older than the newest stored time never moves time backwards.
        let stale = try world.core.postUserMessage("f", handoff: id, tenant: World.acme, id: IDs.message(501), now: t, events: &world.events)
        #expect(stale.timestamp == world.now + .milliseconds(1))
        world.expectSound()
    }

    @Test func messagesSinceIsExclusive() throws {
        var (world, id, ann, _) = try Self.activeChat()
        var posted: [Message] = []
        for i in 0..<4 {
            world.advance(.seconds(1))
            posted.append(i.isMultiple(of: 2) ? try world.userMessage("u\(i)", id) : try world.agentMessage("a\(i)", id, by: ann))
        }
        func since(_ t: Timestamp?) throws -> [Message] { try world.core.messages(handoff: id, tenant: World.acme, since: t) }
        #expect(try since(nil) == posted)
        #expect(try since(posted[0].timestamp - .milliseconds(1)) == posted)
        #expect(try since(posted[0].timestamp) == Array(posted[1...]))
        #expect(try since(posted[1].timestamp) == Array(posted[2...]))
        #expect(try since(posted[3].timestamp) == [])
        #expect(try since(posted[3].timestamp + .seconds(60)) == [])
        #expect(throws: HandoffError.handoffNotFound) { try world.core.messages(handoff: id, tenant: World.globex) }
    }

    @Test(arguments: 0...9)
    func messagesSinceBinarySearchIsExactAtEveryBoundary(_ count: Int) throws {
        var (world, id, ann, _) = try Self.activeChat()
        var posted: [Message] = []
        for i in 0..<count {
            // Gaps of 0 ms (bumped to +1 ms by the engine), 1 ms and 7 ms.
            world.advance(.milliseconds([0, 1, 7][i % 3]))
            posted.append(try world.agentMessage("m\(i)", id, by: ann))
        }
        for k in 0..<count {
            let t = posted[k].timestamp
            #expect(try world.core.messages(handoff: id, tenant: World.acme, since: t) == Array(posted[(k + 1)...]), "since message \(k) of \(count)")
            #expect(try world.core.messages(handoff: id, tenant: World.acme, since: t - .milliseconds(1)) == Array(posted[k...]), "just before message \(k) of \(count)")
        }
        #expect(try world.core.messages(handoff: id, tenant: World.acme, since: .epoch) == posted)
    }

    @Test func pollingWithTheLastTimestampNeverRepeatsOrSkips() throws {
        var (world, id, ann, _) = try Self.activeChat()
        var rng = SplitMix64(seed: 7)
        var seen: [MessageID] = []
        var cursor: String? = nil
        var posted: [MessageID] = []
        for round in 0..<60 {
            for _ in 0..<Int.random(in: 0...3, using: &rng) {
                world.advance(.milliseconds(Int64.random(in: 0...2, using: &rng)))
                let m = Bool.random(using: &rng) ? try world.userMessage("r\(round)", id) : try world.agentMessage("r\(round)", id, by: ann)
                posted.append(m.id)
            }
            // The client echoes the newest timestamp back as ISO text, like the widget does.
            let since = try cursor.map { try #require(Timestamp(iso8601: $0)) }
            let batch = try world.core.messages(handoff: id, tenant: World.acme, since: since)
            seen += batch.map(\.id)
            if let last = batch.last { cursor = last.timestamp.iso8601 }
        }
        #expect(seen == posted)
        #expect(Set(seen).count == seen.count)
    }

    @Test func messagesSinceAcceptsSubMillisecondTextFromClients() throws {
        var (world, id, _, _) = try Self.activeChat()
        world.now = try #require(Timestamp(iso8601: "2026-01-01T00:00:01.123Z"))
        let first = try world.userMessage("first", id)
        world.now = try #require(Timestamp(iso8601: "2026-01-01T00:00:01.124Z"))
        let second = try world.userMessage("second", id)
        func since(_ text: String) throws -> [Message] {
            let parsed = try #require(Timestamp(iso8601: text))
            return try world.core.messages(handoff: id, tenant: World.acme, since: parsed)
        }
        // A microsecond echo of .123 is not before the message at .123: it is not repeated.
        #expect(try since("2026-01-01T00:00:01.123456Z") == [second])
        #expect(try since("2026-01-01T00:00:01.123999Z") == [second])
        #expect(try since("2026-01-01T00:00:01.122999Z") == [first, second])
        #expect(try since("2026-01-01T01:00:01.124+01:00") == [])
        #expect(try since("2026-01-01T00:00:01.1239999Z") == [second])
    }
}
