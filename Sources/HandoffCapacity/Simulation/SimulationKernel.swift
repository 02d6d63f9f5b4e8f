import HandoffEngine
import HandoffWorkload

/// One replication of a capacity profile in virtual time: a synchronous discrete-event loop that
/// drives the real ``HandoffCore`` through its handle API.
///
/// The loop owns everything (no actors, tasks or `await`): a 4-ary heap of 32-byte events
/// keyed by (time, sequence) — same-time events run in scheduling order — plus the arrival
/// stream, kept outside the heap and merged by the same key. Every visitor and agent has its own
/// ``RandomStream``. Visitor and agent records are dense arrays reused through free lists, so
/// once the tables have grown nothing allocates (except the engine's message lists, when chat
/// messages are modelled) and memory is proportional to the open handoffs, not to the handoffs
/// simulated.
///
/// What happens, with the engine command for each step:
/// - a visitor asks for a human (`requestHandoff`): after-hours (`nil`) or queued;
/// - routing `pickup`: an agent with a free slot takes the oldest waiting request (`pickUp`);
///   with `instant` notification the moment a request and a free slot meet, otherwise after the
///   agent notices (WebSocket delay, or its next poll) and the pick-up time;
/// - routing `leastBusy`, `mostBusy`, `longestIdle`: the tenant routes automatically by that
///   policy (``Tenant/Routing``) and the engine itself assigns, inside `requestHandoff`,
///   `resolve` and `setStatus` (a freed slot takes the queue head). The kernel reads the
///   engine's ``RoutingAssignments`` and starts those chats: it makes no routing decision;
/// - chat messages (`postMessage`), if modelled; the chat ends after its handle time (`resolve`),
///   fixed at pick-up under the pick-up concurrency model; under the shared model each of an
///   agent's k chats progresses at F(k)/k of its solo speed, re-timed whenever k changes: the
///   agent keeps its work clock (work-seconds done per chat since it started, advancing at
///   F(k)/k), each chat ends when the clock reaches its start reading plus its work, and one
///   completion event per agent, rescheduled on every change, ends the chat closest to done;
///   message gaps are work too, so each chat's next message is re-timed with it;
/// - a waiting visitor whose patience runs out ends the chat (`endChat` → abandoned);
/// - shifts start and end (`setStatus` available / offline; open chats continue).
///
/// Under `pickup` the kernel mirrors the engine's queue (oldest first) and the eligible agents
/// (the engine's ``HandoffCore/canTakeHandoff(_:)``, asked after every change) to find who
/// notices and picks up without scanning;
/// debug builds also check the queue order against the engine at every pick-up, and every
/// replication ends with ``HandoffCore/invariantViolations()`` and a comparison of the queue
/// length, each agent's chats and who is offered work.
struct SimulationKernel {
    // MARK: Configuration

    /// One agent group: its members' shared behaviour (HandoffWorkload's ``AgentBehaviour``).
    struct Group {
        let behaviour: AgentBehaviour
        let agents: Range<Int>
    }

    /// A visitor record: the behaviour's state (``VirtualVisitor``) plus the kernel's handles.
    struct Visitor {
        var handoff: HandoffRef?
        var person: VirtualVisitor
        /// When the chat ends; under the shared model, the agent's work-clock reading at which it does.
        var serviceEnd: Double
        var generation: UInt32
        var agent: Int32
        /// The statistics interval the arrival is filed under (−1: not measured).
        var bucket: Int32
        /// Its row in ``log`` (−1: not logged).
        var logRow: Int32 = -1
        /// Shared model: the agent's work-clock reading at which the chat's next message is due
        /// (its gaps are work, done at the chat's speed), whether one is due, and the generation
        /// of its message event (stale when the agent's load re-timed it).
        var messageDue = 0.0
        var messagePending = false
        var messageGeneration: UInt32 = 0
    }

    struct AgentState {
        let ref: AgentRef
        let group: Int32
        let maxChats: Int32
        var active: Int32 = 0
        var onShift: Bool
        /// The behaviour's state (``VirtualAgent``): notice pending, poll phase, own stream.
        var virtual: VirtualAgent
        var lastChange = 0.0
        var busyArea = 0.0
        var staffedTime = 0.0
        /// Shared model: work-seconds each open chat has progressed since the agent started
        /// (advances at F(k)/k with k chats), and the generation of its completion event.
        var workClock = 0.0
        var completionGeneration: UInt32 = 0
    }

    private(set) var horizon: Double
    let warmup: Double
    let maxArrivals: UInt64
    /// After the horizon, the queue drains for at most this long (then the rest is cut off).
    let drainLimit = 2 * 86_400.0
    let routing: LoadProfile.Routing
    /// Pick-up routing where every group is immediate: the textbook fast path.
    let allImmediate: Bool
    /// The shared-rate concurrency model (per profile, so every group or none).
    let sharesRate: Bool
    /// Shared model: agent a's open chats (visitors) at `agentChats[a * chatStride ..< + active]`.
    var agentChats = UnsafeTable<Int32>(capacity: 0)
    let chatStride: Int
    /// What the visitors do (HandoffWorkload: patience, email shares, messages).
    let visitorBehaviour: VisitorBehaviour
    let groups: [Group]
    /// Visitor k's stream is `visitorStreams[k]`.
    let visitorStreams: RandomStream.Family
    let replication: Int

    // MARK: State

    var core: HandoffCore
    let tenant: TenantRef
    var queue = EventQueue()
    var now = 0.0
    var arrivals: ArrivalClock
    var nextArrival = 0.0
    /// The next arrival's place in the event order (it lives outside the heap).
    var nextArrivalKey = EventKey.never
    var visitorCount: UInt64 = 0
    var visitors = UnsafeTable<Visitor>(capacity: 256)
    var freeVisitors = UnsafeTable<Int32>(capacity: 256)
    var line = WaitingLine()
    var waiting = 0
    var agents: UnsafeTable<AgentState>
    var pool: AgentPool
    var routingRandom: RandomStream
    var scratch: [Int32] = []
    /// Automatic routing: the engine's assignments in the last command (one buffer, reused).
    var routed = RoutingAssignments()
    /// Automatic routing: visitor by ``HandoffRef/index`` (−1: none), to map assignments back.
    var visitorOfHandoff = UnsafeTable<Int32>(capacity: 256)
    var stats: ReplicationStatistics
    var calls = EngineCallCounts()
    /// Every handoff as a `widget_handoffs` row, when asked for (``CapacitySimulator/handoffLog(replication:)``).
    var log: [HandoffLogRow]?

    static let agentText = "Thanks for waiting — how can I help?"
    static let visitorText = "I have a question about my order."

    init(profile: LoadProfile, replication: Int) throws(SimulationError) {
        let run = profile.run
        let seed = RandomStream.derived(seed: run.seed, stream: 0x7265_706C, index: UInt64(replication)).state
        self.replication = replication
        horizon = run.horizon
        maxArrivals = run.maxArrivals.map { UInt64(max(0, $0)) } ?? .max
        warmup = run.warmup
        routing = profile.routing
        visitorBehaviour = VisitorBehaviour(profile)
        visitorStreams = RandomStream.Family(seed: RandomStream.derived(seed: seed, stream: 1).state, stream: 0)
        arrivals = ArrivalClock(profile.arrivals, random: .derived(seed: seed, stream: 2))
        routingRandom = .derived(seed: seed, stream: 3)
        stats = ReplicationStatistics(
            warmup: run.warmup, horizon: run.horizon, intervalLength: run.interval, threshold: run.serviceLevelThreshold)

        var core = HandoffCore(configuration: .init(retainsClosedHandoffs: false, admission: HandoffCore.Admission(profile.admission)))
        let tenantID = TenantID(namespace: 0x5100, number: 1)
        var groups: [Group] = []
        var agents: [AgentState] = []
        var sink = DiscardEvents()
        do {
            try core.addTenant(Tenant(id: tenantID, name: profile.name.isEmpty ? "capacity" : profile.name))
            tenant = try core.tenantRef(tenantID)
            for (g, group) in profile.agentGroups.enumerated() {
                let first = agents.count
                let behaviour = AgentBehaviour(group, conversation: profile.conversation)
                let onShift = behaviour.isOnDuty(atSecondOfDay: 0)
                for k in 0..<group.count {
                    let number = UInt64(agents.count + 1)
                    let id = AgentID(namespace: 0x5101, number: number)
                    _ = try core.addAgent(
                        NewAgent(
                            id: id, tenantID: tenantID, name: "\(group.name) \(k + 1)", email: "agent-\(number)@capacity.sim",
                            status: onShift ? .available : .offline, maxChats: group.maxChats),
                        by: .system, now: .epoch, events: &sink)
                    let virtual = behaviour.agent(random: .derived(seed: seed, stream: 4, index: number))
                    agents.append(
                        AgentState(ref: try core.agentRef(id), group: Int32(g), maxChats: Int32(group.maxChats), onShift: onShift, virtual: virtual))
                }
                groups.append(Group(behaviour: behaviour, agents: first..<agents.count))
            }
        } catch {
            throw SimulationError("could not set up the engine: \(error)")
        }
        let policy = Tenant.Routing(profile.routing)
        if policy.isAutomatic {
            core.setRouting(policy, tenant: tenant, now: .epoch, assignments: &routed)
        }
        self.core = core
        self.groups = groups
        self.agents = UnsafeTable(capacity: agents.count)
        for agent in agents { self.agents.append(agent) }
        allImmediate = groups.allSatisfy(\.behaviour.isImmediate)
        sharesRate = groups.first?.behaviour.sharesRate ?? false
        chatStride = profile.agentGroups.map(\.maxChats).max() ?? 1
        if sharesRate {
            agentChats = UnsafeTable(capacity: agents.count * chatStride)
            for _ in 0..<(agents.count * chatStride) { agentChats.append(-1) }
        }
        pool = AgentPool(agents: agents.count, maxChats: profile.agentGroups.map(\.maxChats).max() ?? 1)
        for a in agents.indices where agents[a].onShift {
            pool.insert(Int32(a), activeChats: 0)
            stats.staffedSlots += Int(agents[a].maxChats)
        }
        scratch.reserveCapacity(agents.count)
    }

    // MARK: The loop

    /// Runs the replication to the horizon, drains the queue, and checks the engine.
    mutating func run() throws(SimulationError) -> ReplicationOutcome {
        scheduleShifts()
        nextArrival = maxArrivals > 0 ? arrivals.next(after: 0, limit: horizon) : .infinity
        nextArrivalKey = queue.key(at: nextArrival)
        while true {
            if nextArrival != .infinity {
                if queue.minKey < nextArrivalKey { try dispatch(queue.popMin()) } else { try arrive() }
                continue
            }
            guard let top = queue.min, top.time < horizon || (waiting > 0 && top.time <= horizon + drainLimit) else { break }
            try dispatch(queue.popMin())
        }
        return try finish()
    }

    @inline(__always)
    private mutating func dispatch(_ event: ScheduledEvent) throws(SimulationError) {
        now = event.time
        switch event.kind {
        case .serviceEnd: try serviceEnded(Int(event.subject))
        case .sharedServiceEnd: try sharedChatDone(Int(event.subject), generation: event.generation)
        case .patience: try patienceRanOut(Int(event.subject), generation: event.generation)
        case .notice: try noticed(Int(event.subject))
        case .attempt: try attempt(Int(event.subject))
        case .message: try postMessage(Int(event.subject), generation: event.generation)
        case .shift: try shiftBoundary(Int(event.subject), boundary: Int(event.generation))
        }
    }

    @inline(__always)
    var timestamp: Timestamp { Timestamp(milliseconds: Int64(now * 1000)) }

    // MARK: Arrivals

    private mutating func arrive() throws(SimulationError) {
        now = nextArrival
        var random = visitorStreams[visitorCount]
        visitorCount &+= 1
        if visitorCount < maxArrivals {
            nextArrival = arrivals.next(after: now, limit: horizon)
            nextArrivalKey = queue.key(at: nextArrival)
        } else {
            nextArrival = .infinity
            horizon = now.nextUp
            stats.closeWindow(at: horizon)
        }
        var person = visitorBehaviour.arrive(at: now, random: random)

        calls.requestHandoff += 1
        let admitted: HandoffRef?
        do {
            admitted = routing.isAutomatic
                ? try core.requestHandoff(tenant: tenant, now: timestamp, assignments: &routed)
                : try core.requestHandoff(tenant: tenant, now: timestamp)
        } catch {
            throw .engine("requestHandoff", error, at: now)
        }
        guard let ref = admitted else {
            guard case .leave(let leavesEmail) = visitorBehaviour.answered(&person, queued: false) else { return }
            _ = stats.recordArrival(at: now, afterHours: true, emailLead: leavesEmail)
            log?.append(
                HandoffLogRow(number: Int(visitorCount), requested: now, pickedUp: nil, ended: nil, agent: nil, status: .afterHours, leftEmail: leavesEmail))
            return
        }
        let bucket = stats.recordArrival(at: now, afterHours: false, emailLead: false)
        let v = allocateVisitor(ref, person: person, bucket: bucket)
        if log != nil {
            visitors[v].logRow = Int32(log!.count)
            log!.append(HandoffLogRow(number: Int(visitorCount), requested: now, pickedUp: nil, ended: nil, agent: nil, status: .pending, leftEmail: false))
        }

        if routing.isAutomatic {
            // The engine assigned it at once, or it waits for the next freed slot.
            if !routed.isEmpty {
                try startAssignedChats()
                guard visitors[v].person.state == .asking else { return }
                throw .inconsistent("the engine assigned others than the new request", at: now)
            }
        } else if !pool.isEmpty {
            if allImmediate {
                try takeVisitor(v, by: Int(pool.random(&routingRandom)))
                return
            }
            if let agent = randomImmediateAgent() {
                try takeVisitor(v, by: agent)
                return
            }
        }
        enqueue(v)
        if case .wait(let deadline?) = visitorBehaviour.answered(&visitors[v].person, queued: true) {
            queue.schedule(.patience, at: deadline, subject: Int32(v), generation: visitors[v].generation)
        }
        if routing == .pickup && !allImmediate { notifyEligibleAgents() }
    }

    private mutating func allocateVisitor(_ ref: HandoffRef, person: VirtualVisitor, bucket: Int32) -> Int {
        if let free = freeVisitors.popLast() {
            let v = Int(free)
            visitors[v].handoff = ref
            visitors[v].person = person
            visitors[v].bucket = bucket
            noteHandoff(ref, of: v)
            return v
        }
        visitors.append(Visitor(handoff: ref, person: person, serviceEnd: 0, generation: 0, agent: -1, bucket: bucket))
        noteHandoff(ref, of: visitors.count - 1)
        return visitors.count - 1
    }

    @inline(__always)
    private mutating func noteHandoff(_ ref: HandoffRef, of v: Int) {
        guard routing.isAutomatic else { return }
        while visitorOfHandoff.count <= ref.index { visitorOfHandoff.append(-1) }
        visitorOfHandoff[ref.index] = Int32(v)
    }

    /// Moves visitor `v`'s row of the handoff log on to `status`, when there is a log.
    @inline(__always)
    private mutating func updateLog(_ v: Int, _ status: HandoffState, pickedUp: Double? = nil, ended: Double? = nil, agent: Int? = nil, leftEmail: Bool? = nil) {
        guard log != nil, visitors[v].logRow >= 0 else { return }
        let r = Int(visitors[v].logRow)
        log![r].status = status
        if let pickedUp { log![r].pickedUp = pickedUp }
        if let ended { log![r].ended = ended }
        if let agent { log![r].agent = agent }
        if let leftEmail { log![r].leftEmail = leftEmail }
    }

    @inline(__always)
    private mutating func release(_ v: Int) {
        visitors[v].logRow = -1
        visitors[v].messagePending = false
        visitors[v].messageGeneration &+= 1
        visitors[v].generation &+= 1
        visitors[v].handoff = nil
        visitors[v].agent = -1
        visitors[v].person.state = .done
        freeVisitors.append(Int32(v))
    }

    /// Whether visitor `v` is in the queue (the behaviour's state says so).
    @inline(__always)
    func isWaiting(_ v: Int) -> Bool { visitors[v].person.state == .waiting }

    // MARK: The queue

    @inline(__always)
    private mutating func enqueue(_ v: Int) {
        // Under automatic routing the engine picks the head itself; only `pickup` pops the mirror.
        if !routing.isAutomatic { line.append(Int32(v), generation: visitors[v].generation) }
        waiting += 1
        stats.advance(to: now)
        stats.queueLength += 1
        stats.noteQueueLength()
    }

    /// Removes and returns the oldest waiting visitor (the engine's oldest pending handoff).
    @inline(__always)
    mutating func popOldestVisitor() -> Int? {
        while let (visitor, generation) = line.first() {
            line.removeFirst()
            let v = Int(visitor)
            guard visitors[v].generation == generation, isWaiting(v) else { continue }
            assert(core.oldestPending(tenant: tenant) == visitors[v].handoff, "the engine's oldest pending handoff is another one")
            leaveQueue()
            return v
        }
        return nil
    }

    @inline(__always)
    private mutating func leaveQueue() {
        waiting -= 1
        stats.advance(to: now)
        stats.queueLength -= 1
    }

    private mutating func patienceRanOut(_ v: Int, generation: UInt32) throws(SimulationError) {
        guard visitors[v].generation == generation, let ref = visitors[v].handoff,
            let leavesEmail = visitorBehaviour.patienceRanOut(&visitors[v].person)
        else { return }
        calls.endChat += 1
        let ended: HandoffState?
        do { ended = try core.endChat(ref, now: timestamp) } catch { throw .engine("endChat", error, at: now) }
        guard ended == .abandoned else { throw .inconsistent("ending a waiting chat gave \(String(describing: ended)), not abandoned", at: now) }
        leaveQueue()
        stats.recordWait(bucket: visitors[v].bucket, wait: now - visitors[v].person.arrival, outcome: .abandoned, emailLead: leavesEmail)
        updateLog(v, .abandoned, ended: now, leftEmail: leavesEmail)
        release(v)
    }

    // MARK: Chats

    /// Agent `a` picks up visitor `v` (routing `pickup`).
    mutating func takeVisitor(_ v: Int, by a: Int) throws(SimulationError) {
        guard let ref = visitors[v].handoff else { throw .inconsistent("visitor \(v) has no handoff", at: now) }
        assert(core.canTakeHandoff(agents[a].ref), "the pool offered an agent the engine says cannot take a chat")
        calls.pickUp += 1
        do { try core.pickUp(ref, by: agents[a].ref, now: timestamp) } catch { throw .engine("pickUp", error, at: now) }
        beginChat(v, by: a)
    }

    /// Automatic routing: starts the chats the engine assigned in the last command (``routed``),
    /// in its order; a visitor that was queued leaves the queue.
    mutating func startAssignedChats() throws(SimulationError) {
        for assignment in routed {
            let v = assignment.handoff.index < visitorOfHandoff.count ? Int(visitorOfHandoff[assignment.handoff.index]) : -1
            guard v >= 0, visitors[v].handoff == assignment.handoff else {
                throw .inconsistent("the engine assigned a handoff no visitor holds", at: now)
            }
            // The kernel adds its only tenant's agents in order, so the engine's agent slot is
            // the kernel's agent number.
            let a = assignment.agent.index
            guard a < agents.count, agents[a].ref == assignment.agent else {
                throw .inconsistent("the engine assigned to an agent the simulator does not know", at: now)
            }
            if isWaiting(v) { leaveQueue() }
            calls.assign += 1
            beginChat(v, by: a)
        }
        routed.removeAll()
    }

    /// Agent `a` has visitor `v`'s chat (picked up, or assigned by the engine): the slot's
    /// bookkeeping, the wait, the chat's end and its first message.
    private mutating func beginChat(_ v: Int, by a: Int) {
        stats.advance(to: now)
        stats.busySlots += 1
        accrueAgent(a)
        agents[a].active += 1
        updatePool(a)
        stats.recordWait(bucket: visitors[v].bucket, wait: now - visitors[v].person.arrival, outcome: .served)
        visitors[v].agent = Int32(a)
        updateLog(v, .active, pickedUp: now, agent: a + 1)
        if sharesRate {
            // Ends when the agent's work clock (just brought up to now) has advanced by its work;
            // its first message when the clock has advanced by the first gap.
            visitors[v].serviceEnd = agents[a].workClock + visitors[v].person.work
            agentChats[a * chatStride + Int(agents[a].active) - 1] = Int32(v)
            if let first = visitorBehaviour.joined(&visitors[v].person, at: 0, chatEnd: .infinity) {
                visitors[v].messageDue = agents[a].workClock + first
                visitors[v].messagePending = true
            }
            retimeSharedChats(a)
            return
        }
        let behaviour = groups[Int(agents[a].group)].behaviour
        let end = now + behaviour.chatDuration(work: visitors[v].person.work, concurrency: Int(agents[a].active))
        visitors[v].serviceEnd = end
        queue.schedule(.serviceEnd, at: end, subject: Int32(v), generation: visitors[v].generation)
        if let first = visitorBehaviour.joined(&visitors[v].person, at: now, chatEnd: end) {
            queue.schedule(.message, at: first, subject: Int32(v), generation: visitors[v].generation)
        }
    }

    /// Shared model: (re)schedules agent `a`'s next completion — its chat with the least work
    /// left — and each of its chats' next message, at the speed of its current load, making the
    /// earlier events stale. Call after its load changed (its work clock is current then).
    private mutating func retimeSharedChats(_ a: Int) {
        agents[a].completionGeneration &+= 1
        let active = Int(agents[a].active)
        guard active > 0 else { return }
        let rate = groups[Int(agents[a].group)].behaviour.progressRate(chats: active)
        var least = Double.infinity
        for i in 0..<active {
            let v = Int(agentChats[a * chatStride + i])
            least = min(least, visitors[v].serviceEnd)
            if visitors[v].messagePending { scheduleSharedMessage(v, clock: agents[a].workClock, rate: rate) }
        }
        let at = now + max(0, least - agents[a].workClock) / rate
        queue.schedule(.sharedServiceEnd, at: at, subject: Int32(a), generation: agents[a].completionGeneration)
    }

    /// Shared model: visitor `v`'s next message at its agent's current speed, given the work
    /// clock's reading now; an earlier message event becomes stale.
    @inline(__always)
    private mutating func scheduleSharedMessage(_ v: Int, clock: Double, rate: Double) {
        visitors[v].messageGeneration &+= 1
        let at = now + max(0, visitors[v].messageDue - clock) / rate
        queue.schedule(.message, at: at, subject: Int32(v), generation: visitors[v].messageGeneration)
    }

    /// Shared model: agent `a`'s completion event; ends its chat with the least work left.
    private mutating func sharedChatDone(_ a: Int, generation: UInt32) throws(SimulationError) {
        guard agents[a].completionGeneration == generation, agents[a].active > 0 else { return }
        var done = 0
        for i in 1..<Int(agents[a].active)
        where visitors[Int(agentChats[a * chatStride + i])].serviceEnd < visitors[Int(agentChats[a * chatStride + done])].serviceEnd {
            done = i
        }
        try serviceEnded(Int(agentChats[a * chatStride + done]))
    }

    /// Shared model: takes visitor `v` off agent `a`'s chat list (its load is about to drop).
    private mutating func removeSharedChat(_ v: Int, of a: Int) throws(SimulationError) {
        let base = a * chatStride, last = Int(agents[a].active) - 1
        guard let i = (0...last).first(where: { agentChats[base + $0] == Int32(v) }) else {
            throw .inconsistent("a chat ended that its agent did not hold", at: now)
        }
        agentChats[base + i] = agentChats[base + last]
        agentChats[base + last] = -1
    }

    private mutating func serviceEnded(_ v: Int) throws(SimulationError) {
        let a = Int(visitors[v].agent)
        guard a >= 0, let ref = visitors[v].handoff else { throw .inconsistent("a chat ended that was not being served", at: now) }
        calls.resolve += 1
        do {
            if routing.isAutomatic {
                try core.resolve(ref, by: agents[a].ref, now: timestamp, assignments: &routed)
            } else {
                try core.resolve(ref, by: agents[a].ref, now: timestamp)
            }
        } catch {
            throw .engine("resolve", error, at: now)
        }
        updateLog(v, .resolved, ended: now)
        stats.advance(to: now)
        stats.busySlots -= 1
        accrueAgent(a)
        if sharesRate { try removeSharedChat(v, of: a) }
        agents[a].active -= 1
        if sharesRate { retimeSharedChats(a) }
        updatePool(a)
        release(v)
        if routing.isAutomatic {
            try startAssignedChats()
        } else if waiting > 0 {
            try offerWork(to: a)
        }
    }

    private mutating func postMessage(_ v: Int, generation: UInt32) throws(SimulationError) {
        if sharesRate {
            guard visitors[v].messagePending, visitors[v].messageGeneration == generation else { return }
        } else {
            guard visitors[v].generation == generation else { return }
        }
        guard visitors[v].agent >= 0, let ref = visitors[v].handoff else { return }
        let fromAgent = visitorBehaviour.nextSender(visitors[v].person) == .agent
        calls.postMessage += 1
        do {
            try core.postMessage(
                fromAgent ? Self.agentText : Self.visitorText, handoff: ref, from: fromAgent ? .agent : .user, now: timestamp)
        } catch {
            throw .engine("postMessage", error, at: now)
        }
        if visitors[v].person.messagesSent == 0 { stats.recordFirstResponse(bucket: visitors[v].bucket, delay: now - visitors[v].person.arrival) }
        guard sharesRate else {
            if let next = visitorBehaviour.messageSent(&visitors[v].person, at: now, chatEnd: visitors[v].serviceEnd) {
                queue.schedule(.message, at: next, subject: Int32(v), generation: generation)
            }
            return
        }
        // The next gap is work too: from the agent's work clock as it reads now.
        let a = Int(visitors[v].agent)
        let rate = groups[Int(agents[a].group)].behaviour.progressRate(chats: Int(agents[a].active))
        let clock = agents[a].workClock + (now - agents[a].lastChange) * rate
        if let gap = visitorBehaviour.messageSent(&visitors[v].person, at: 0, chatEnd: .infinity) {
            visitors[v].messageDue = clock + gap
            scheduleSharedMessage(v, clock: clock, rate: rate)
        } else {
            visitors[v].messagePending = false
        }
    }

    // MARK: Bookkeeping

    /// Adds agent `a`'s busy and staffed time since its last change (inside the measured window)
    /// and, under the shared model, brings its work clock up to now at the speed of its load.
    @inline(__always)
    mutating func accrueAgent(_ a: Int) {
        if sharesRate, agents[a].active > 0 {
            agents[a].workClock += (now - agents[a].lastChange) * groups[Int(agents[a].group)].behaviour.progressRate(chats: Int(agents[a].active))
        }
        let lo = max(agents[a].lastChange, warmup)
        let hi = min(now, horizon)
        if hi > lo {
            agents[a].busyArea += Double(agents[a].active) * (hi - lo)
            if agents[a].onShift { agents[a].staffedTime += hi - lo }
        }
        agents[a].lastChange = now
    }

    @inline(__always)
    mutating func updatePool(_ a: Int) {
        // The engine's own capacity rule decides who may be offered work.
        pool.update(Int32(a), eligible: core.canTakeHandoff(agents[a].ref), activeChats: agents[a].active)
    }

    // MARK: End of a replication

    /// Frees the manually managed tables; call once, after ``run()`` (or if it threw).
    func deallocate() {
        agentChats.deallocate()
        visitors.deallocate()
        freeVisitors.deallocate()
        visitorOfHandoff.deallocate()
        agents.deallocate()
        pool.deallocate()
        queue.deallocate()
    }

    private mutating func finish() throws(SimulationError) -> ReplicationOutcome {
        stats.finish(at: now)
        for v in visitors.indices where isWaiting(v) {
            stats.recordWait(bucket: visitors[v].bucket, wait: now - visitors[v].person.arrival, outcome: .unfinished)
        }
        let end = max(now, horizon)
        let saved = now
        now = end
        for a in agents.indices { accrueAgent(a) }
        now = saved
        try checkAgainstEngine()
        let occupancy = agents.array.map { agent in
            agent.staffedTime > 0 ? agent.busyArea / (Double(agent.maxChats) * agent.staffedTime) : Double.nan
        }
        return ReplicationOutcome(
            intervals: stats.intervals, agentOccupancy: occupancy, engineCalls: calls, requests: Int(visitorCount),
            visitorRecords: visitors.count)
    }

    /// The mirror must equal the engine, and the engine must be sound.
    private func checkAgainstEngine() throws(SimulationError) {
        let pending = core.pendingCount(tenant: tenant)
        guard pending == waiting else { throw .inconsistent("\(waiting) visitors waiting but the engine has \(pending) pending", at: now) }
        for (a, agent) in agents.array.enumerated() {
            let active = core.activeChats(of: agent.ref)
            guard active == Int(agent.active) else {
                throw .inconsistent("agent \(a + 1) serves \(agent.active) chats but the engine counts \(active)", at: now)
            }
            guard pool.contains(Int32(a)) == core.canTakeHandoff(agent.ref) else {
                throw .inconsistent("agent \(a + 1) is \(pool.contains(Int32(a)) ? "" : "not ")offered work, but the engine disagrees", at: now)
            }
        }
        let problems = core.invariantViolations()
        guard problems.isEmpty else { throw .invariants(problems, replication: replication) }
    }
}
