import DequeModule
import Foundation
import HandoffEngine
import Logging
import PostgresNIO
import ServiceLifecycle
import Synchronization

/// The PostgreSQL store: several server processes on one database, every rule still decided
/// once, by ``HandoffCore``.
///
/// **How a command runs** (docs/architecture.md, "The PostgreSQL store"). Each tenant has a row
/// with a `version`. This process keeps, per tenant, a ``HandoffCore`` rebuilt from that
/// tenant's rows (``HandoffCore/init(configuration:restoring:platformStaff:)``) and the version it
/// was built at. A command of the tenant takes the tenant's lock in this process, runs on the
/// cached core, and writes the rows it changed in **one statement** that first moves the tenant
/// row from the cached version to the next (``Statements/write``): a compare-and-set on the
/// version, so the whole write commits or none of it does. If another process moved the tenant
/// first, nothing is written; the core is rebuilt from the rows and the command runs again.
/// So the commands of one tenant are serialised across every process (exactly one pick-up of a
/// handoff wins, a slot is never given twice), tenants proceed in parallel, and no database
/// lock is held across a round trip.
///
/// **Batches.** Commands of a tenant that arrive while its last write is in flight queue, and
/// the next holder of the tenant's lock runs them all, one after another on the core, and
/// writes them with one compare-and-set; none is answered before that write committed. Writes
/// of different tenants that wait at the same time share a statement too (``WriteCombiner``).
/// So under load a round trip and a commit carry many commands, where PostgreSQL would
/// otherwise serialise one notifying commit per command.
///
/// A command that changes nothing (a refused pick-up, say) checks the version before it answers,
/// so its answer is never based on a stale cache. Reads are answered from the cache, which the
/// notifications of other processes' commits mark stale (rebuilt on the next use): a read may
/// lag another process's commit by the notification's delay, never this process's own.
///
/// **Events**: see ``EventFanout``. **Failures**: a database that is down, or does not answer
/// within ``Configuration/timeout``, fails the call with ``HandoffError/unavailable`` (503); the
/// cache is dropped, since a write's outcome is then unknown, and the next call rebuilds it.
public final class PostgresHandoffStore: HandoffStore, Service {
    /// Store settings.
    public struct Configuration: Sendable {
        /// The engine's rules. Closed handoffs are always retained (the rows are the history).
        public var core: HandoffCore.Configuration
        /// Where "now" comes from (each process's own clock; stored times never go backwards
        /// within a tenant whatever the clocks say).
        public var clock: any WallClock
        /// PBKDF2 rounds for new passwords that do not name their own.
        public var passwordIterations: Int
        /// Where password hashing and verification run.
        public var passwordWork: any BlockingWork
        /// The longest one database call may take before the request fails with 503.
        public var timeout: Duration
        /// How often a command is run again after another process moved its tenant first.
        public var maxAttempts: Int
        /// Write statements this process runs at once; writes that arrive meanwhile share the
        /// next one (``WriteCombiner``).
        public var writesInFlight: Int

        public init(
            core: HandoffCore.Configuration = .init(), clock: any WallClock = SystemWallClock(),
            passwordIterations: Int = PasswordHash.recommendedIterations, passwordWork: any BlockingWork = InlineWork(),
            timeout: Duration = .seconds(5), maxAttempts: Int = 64, writesInFlight: Int = 2
        ) {
            self.core = core
            self.clock = clock
            self.passwordIterations = passwordIterations
            self.passwordWork = passwordWork
            self.timeout = timeout
            self.maxAttempts = maxAttempts
            self.writesInFlight = writesInFlight
        }
    }

    /// One tenant's cache in this process.
    final class Partition: @unchecked Sendable {
        let tenant: TenantID
        let lock = AsyncLock()
        /// Commands waiting for the next batch (``PostgresHandoffStore/command(_:mode:caller:touching:touchedBy:_:)``).
        let queue = Mutex<Deque<Queued>>([])
        /// The core at ``version``, or `nil` when it must be rebuilt. Guarded by ``lock``.
        var core: HandoffCore?
        /// Guarded by ``lock``.
        var version: Int64 = -1
        /// Accounts of other tenants that acted on this one (``HandoffCore/init(configuration:restoring:platformStaff:visitors:)``). Guarded by ``lock``.
        var visitors: [User] = []
        /// The newest version other processes announced (set by the listener, lock-free).
        let announced = Atomic<Int64>(-1)

        init(tenant: TenantID) { self.tenant = tenant }

        var isFresh: Bool { core != nil && announced.load(ordering: .acquiring) <= version }
    }

    /// Facts that never change once made (which tenant an account, agent or key belongs to).
    struct Directory {
        var agentTenant: [AgentID: TenantID] = [:]
        var userTenant: [UserID: TenantID?] = [:]
        var keyTenants: [String: Set<TenantID>] = [:]
        var costliestPassword = 1
    }

    let client: PostgresClient
    let configuration: Configuration
    let coreConfiguration: HandoffCore.Configuration
    let logger: Logger
    private let partitions = Mutex<[TenantID: Partition]>([:])
    let directory = Mutex(Directory())
    let fanout = EventFanout()
    /// This process's mark on its notifications.
    let origin: String
    /// Where every write goes: several tenants' writes share a statement.
    let writer: WriteCombiner
    /// Commands whose changes were written (a batch's commands count one each).
    private let commandsWritten = Atomic<Int>(0)

    /// How this process's writes were grouped so far.
    public struct WriteStatistics: Sendable, Equatable {
        /// Write statements sent (each one round trip and one commit; a refused statement's writes
        /// sent again one by one are not counted again).
        public var statements: Int
        /// Tenant writes they carried (one compare-and-set each).
        public var tenantWrites: Int
        /// Commands those writes held.
        public var commands: Int
    }

    public var writeStatistics: WriteStatistics {
        WriteStatistics(
            statements: writer.statements.load(ordering: .relaxed), tenantWrites: writer.tenantWrites.load(ordering: .relaxed),
            commands: commandsWritten.load(ordering: .relaxed))
    }
    /// Platform staff, as last read (they act on every tenant).
    let staff = Mutex<[User]?>(nil)
    private let ready = Mutex<(migrated: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    /// A store on `client`. Call ``run()`` (or run it as a service) before using it: it runs the
    /// client, applies the migrations and listens for other processes' changes.
    public init(client: PostgresClient, configuration: Configuration = Configuration(), logger: Logger) {
        self.client = client
        self.configuration = configuration
        let origin = UUID().uuidString.lowercased()
        self.origin = origin
        self.writer = WriteCombiner(maxInFlight: configuration.writesInFlight) { [logger, timeout = configuration.timeout] writes throws(DatabaseFailure) in
            try await withDeadline(timeout) { try await Statements.write(writes, origin: origin, on: client, logger: logger) }
        }
        var core = configuration.core
        core.retainsClosedHandoffs = true
        coreConfiguration = core
        self.logger = logger
        directory.withLock { $0.costliestPassword = max(1, configuration.passwordIterations) }
    }

    /// A store on the database at `url` (``DatabaseURL``) with at most `poolSize` connections.
    public convenience init(
        url: String, poolSize: Int = 16, searchPath: String? = nil, configuration: Configuration = Configuration(), logger: Logger
    ) throws(DatabaseURL.Invalid) {
        var clientConfiguration = try DatabaseURL.configuration(url)
        clientConfiguration.options.maximumConnections = max(2, poolSize)
        clientConfiguration.options.connectTimeout = configuration.timeout
        if let searchPath { clientConfiguration.options.additionalStartupParameters.append(("search_path", searchPath)) }
        self.init(client: PostgresClient(configuration: clientConfiguration, backgroundLogger: logger), configuration: configuration, logger: logger)
    }

    // MARK: Lifecycle

    /// Runs the connection pool, applies the migrations (retrying while the database is not
    /// reachable yet) and listens for other processes' changes until cancelled.
    public func run() async throws {
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { await self.client.run() }
            var delay = Duration.milliseconds(200)
            while true {
                try Task.checkCancellation()
                do {
                    let applied = try await withDeadline(configuration.timeout * 4) { [client, logger] in
                        try await Migrations.apply(on: client, logger: logger)
                    }
                    if !applied.isEmpty { logger.info("Applied database migrations", metadata: ["versions": "\(applied)"]) }
                    break
                } catch {
                    logger.warning("Database not ready; retrying", metadata: ["error": "\(error)"])
                    try await Task.sleep(for: delay)
                    delay = min(delay * 2, .seconds(5))
                }
            }
            let waiters = ready.withLock { state in
                state.migrated = true
                defer { state.waiters = [] }
                return state.waiters
            }
            for waiter in waiters { waiter.resume() }
            try await listen()
        }
    }

    /// Returns once the migrations are applied (``run()`` has started and reached the database).
    public func waitUntilReady() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = ready.withLock { state -> Bool in
                if state.migrated { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    private var isReady: Bool { ready.withLock { $0.migrated } }

    /// LISTENs on a leased connection; on a lost connection, reconnects, and since notifications
    /// may have been missed meanwhile, marks every cache stale and catches up on events.
    private func listen() async throws {
        var delay = Duration.milliseconds(100)
        while !Task.isCancelled {
            do {
                try await client.withConnection { connection in
                    try await connection.listen(on: Migrations.channel) { notifications in
                        self.afterReconnect()
                        delay = .milliseconds(100)
                        for try await notification in notifications { self.received(notification.payload) }
                    }
                }
            } catch {
                if Task.isCancelled { return }
                logger.warning("Lost the change notifications; reconnecting", metadata: ["error": "\(error)"])
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    /// `tenant version first last origin`.
    private func received(_ payload: String) {
        let parts = payload.split(separator: " ")
        guard parts.count == 5, let tenant = TenantID(parts[0]), let version = Int64(parts[1]), let first = UInt64(parts[2]),
            let last = UInt64(parts[3])
        else {
            logger.error("Ignoring a malformed change notification", metadata: ["payload": "\(payload)"])
            return
        }
        let partition = partition(tenant)
        var seen = partition.announced.load(ordering: .relaxed)
        while seen < version {
            let (exchanged, original) = partition.announced.compareExchange(expected: seen, desired: version, ordering: .acquiringAndReleasing)
            if exchanged { break }
            seen = original
        }
        // This process delivers its own commits' events itself, as they commit.
        guard last >= first, parts[4] != origin else { return }
        Task { await self.fanout.deliver(tenant: tenant, first: first, last: last, known: [], fetch: self.eventFetcher(tenant)) }
    }

    private func afterReconnect() {
        for partition in partitions.withLock({ Array($0.values) }) {
            partition.announced.store(Int64.max, ordering: .releasing)
        }
        Task {
            for (tenant, _) in fanout.deliveredSoFar { await catchUp(tenant) }
        }
    }

    /// Delivers the tenant's events stored after the last one delivered here.
    func catchUp(_ tenant: TenantID) async {
        guard let delivered = fanout.deliveredSoFar.first(where: { $0.0 == tenant })?.1,
            let published = try? await withDeadline(configuration.timeout, { [client, logger] in
                try await client.query("SELECT published_events FROM tenants WHERE id = \(tenant.description)::uuid", logger: logger)
                    .decode(Int64.self).first { _ in true }
            }), UInt64(published) > delivered
        else { return }
        await fanout.deliver(tenant: tenant, first: delivered + 1, last: UInt64(published), known: [], fetch: eventFetcher(tenant))
    }

    func eventFetcher(_ tenant: TenantID) -> @Sendable (UInt64, UInt64) async throws -> [PublishedEvent] {
        { [client, logger, timeout = configuration.timeout] after, through in
            try await withDeadline(timeout) { try await Statements.events(tenant: tenant, after: after, through: through, on: client, logger: logger) }
        }
    }

    // MARK: Partitions

    func partitionsSnapshot() -> [Partition] { partitions.withLock { Array($0.values) } }

    func partition(_ tenant: TenantID) -> Partition {
        partitions.withLock { partitions in
            if let partition = partitions[tenant] { return partition }
            let partition = Partition(tenant: tenant)
            partitions[tenant] = partition
            return partition
        }
    }

    /// Calls the database with the store's deadline; any failure is ``HandoffError/unavailable``
    /// (logged), a constraint violation is passed to `constraint`.
    func database<T: Sendable>(
        _ what: String, constraint: (String) -> HandoffError? = { _ in nil }, _ work: @escaping @Sendable () async throws -> T
    ) async throws(HandoffError) -> T {
        guard isReady else { throw .unavailable }
        do {
            return try await withDeadline(configuration.timeout, work)
        } catch {
            switch error {
            case .constraint(let name, let state):
                if let mapped = constraint(name) { throw mapped }
                logger.error("Database refused a write", metadata: ["operation": "\(what)", "constraint": "\(name)", "sqlstate": "\(state)"])
            case .unavailable(let reason), .rolledBack(let reason):
                logger.warning("Database call failed", metadata: ["operation": "\(what)", "error": "\(reason)"])
            }
            throw .unavailable
        }
    }

    /// Rebuilds the partition's core from the rows. The caller holds its lock.
    func reload(_ partition: Partition) async throws(HandoffError) {
        partition.core = nil
        let announced = partition.announced.load(ordering: .acquiring)
        let tenant = partition.tenant
        let loaded = try await database("load tenant") { [client, logger] in try await Statements.loadTenant(tenant, on: client, logger: logger) }
        guard let loaded else { throw .tenantNotFound }
        let core: HandoffCore
        do {
            core = try HandoffCore(
                configuration: coreConfiguration, restoring: loaded.stored, platformStaff: loaded.staff, visitors: partition.visitors)
        } catch {
            logger.critical("Stored rows of a tenant contradict each other", metadata: ["tenant": "\(tenant)", "error": "\(error)"])
            throw .unavailable
        }
        partition.core = core
        partition.version = loaded.version
        // What was announced before this load began (or the reconnect marker) is covered by
        // it; an announcement that came in meanwhile stays and decides freshness.
        _ = partition.announced.compareExchange(expected: announced, desired: loaded.version, ordering: .acquiringAndReleasing)
        staff.withLock { $0 = loaded.staff }
        directory.withLock { d in
            for agent in loaded.stored.agents { d.agentTenant[agent.agent.id] = tenant }
            for user in loaded.stored.users { d.userTenant[user.id] = tenant }
            for user in loaded.staff { d.userTenant[user.id] = .some(nil) }
            for key in loaded.stored.apiKeys { d.keyTenants[key.keyPrefix, default: []].insert(tenant) }
            for user in loaded.stored.users + loaded.staff { d.costliestPassword = max(d.costliestPassword, user.passwordHash.iterations) }
        }
    }

    /// Rebuilds the partition's core if another process moved the tenant, or if `caller` is an
    /// account the cache does not know yet. The caller holds the partition's lock.
    func freshen(_ partition: Partition, caller: HandoffCore.Caller?) async throws(HandoffError) {
        if !partition.isFresh { try await reload(partition) }
        if case .user(let id)? = caller, partition.core?.user(id) == nil {
            // A new account of this tenant or of the staff, or one of another tenant.
            try await reload(partition)
            if partition.core?.user(id) == nil, let visitor = try await account(id: id), visitor.tenantID != partition.tenant {
                partition.visitors.append(visitor)
                try await reload(partition)
            }
        }
    }

    /// Holds the partition's lock with a fresh core (``freshen(_:caller:)``).
    func withFreshCore<T>(
        _ partition: Partition, caller: HandoffCore.Caller? = nil, _ body: (Partition) async throws(HandoffError) -> T
    ) async throws(HandoffError) -> T {
        do { try await partition.lock.lock() } catch { throw .unavailable }
        defer { partition.lock.unlock() }
        try await freshen(partition, caller: caller)
        return try await body(partition)
    }

    /// A read of one tenant's state (answered from the cache when it is fresh).
    func read<T>(_ tenant: TenantID, _ body: (HandoffCore) throws(HandoffError) -> T) async throws(HandoffError) -> T {
        try await withFreshCore(partition(tenant)) { partition throws(HandoffError) in try body(partition.core!) }
    }

    /// What a command may change that its events do not name.
    struct Touch {
        var agents: [AgentID] = []
        var handoffs: [HandoffID] = []
        var chats: [ChatID] = []
        var users: [UserID] = []
        var keys = false
    }

    /// How a command's answer relates to the database.
    enum Mode {
        /// Its answer must reflect the latest commit: an answer that wrote nothing is checked
        /// against the tenant's version first.
        case command
        /// A poll: answered from the cache when it wrote nothing.
        case read
    }

    typealias Body<T> = @Sendable (inout HandoffCore, inout IdentifierGenerator, Timestamp, inout [HandoffEvent]) throws(HandoffError) -> T

    /// A command waiting in its partition's queue, or run. Its state is guarded by the
    /// partition's lock (the queue itself by its mutex).
    class Queued: @unchecked Sendable {
        let mode: Mode
        let caller: HandoffCore.Caller?
        let touching: Touch
        /// Set, with the outcome, once the command's batch ended.
        var done = false
        /// Set (under the queue's mutex) when its caller stopped waiting: a cancelled command
        /// still queued is dropped, never run later.
        var cancelled = false

        init(mode: Mode, caller: HandoffCore.Caller?, touching: Touch) {
            self.mode = mode
            self.caller = caller
            self.touching = touching
        }

        /// Runs the command on `core` and keeps its outcome; returns what its result names.
        func run(_ core: inout HandoffCore, _ ids: inout IdentifierGenerator, _ now: Timestamp, _ events: inout [HandoffEvent]) -> Touch {
            preconditionFailure("subclass")
        }

        /// Replaces the outcome with `error`.
        func fail(_ error: HandoffError) { preconditionFailure("subclass") }
    }

    final class Job<T>: Queued, @unchecked Sendable {
        let body: Body<T>
        let touchedBy: @Sendable (T) -> Touch
        var outcome: Result<T, HandoffError>?

        init(mode: Mode, caller: HandoffCore.Caller?, touching: Touch, touchedBy: @escaping @Sendable (T) -> Touch, body: @escaping Body<T>) {
            self.body = body
            self.touchedBy = touchedBy
            super.init(mode: mode, caller: caller, touching: touching)
        }

        override func run(_ core: inout HandoffCore, _ ids: inout IdentifierGenerator, _ now: Timestamp, _ events: inout [HandoffEvent]) -> Touch {
            do {
                let value = try body(&core, &ids, now, &events)
                outcome = .success(value)
                return touchedBy(value)
            } catch {
                outcome = .failure(error)
                return Touch()
            }
        }

        override func fail(_ error: HandoffError) { outcome = .failure(error) }
    }

    /// Runs one command of `tenant` on its cached core and writes what it changed (see the
    /// type's documentation), publishing its events once committed.
    ///
    /// Commands of one tenant that arrive while another of its batches is being written wait in
    /// the partition's queue; whoever takes the lock next runs every waiting command, one after
    /// another on the core, and writes them with one compare-and-set. None is answered before
    /// that write committed, so a batch that lost its tenant to another process is simply run
    /// again on the rows, and a refusal of the database's (a constraint) runs each alone.
    ///
    /// - Parameters:
    ///   - touching: records the command may change without an event naming them; they are
    ///     compared before and after and written if they changed.
    ///   - touchedBy: records the result names that may have changed (written whenever named).
    func command<T>(
        _ tenant: TenantID, mode: Mode = .command, caller: HandoffCore.Caller? = nil, touching: Touch = Touch(),
        touchedBy: @escaping @Sendable (T) -> Touch = { _ in Touch() }, _ body: @escaping Body<T>
    ) async throws(HandoffError) -> T {
        let partition = partition(tenant)
        let job = Job(mode: mode, caller: caller, touching: touching, touchedBy: touchedBy, body: body)
        partition.queue.withLock { $0.append(job) }
        do {
            try await partition.lock.lock()
        } catch {
            // Cancelled while waiting. Withdrawn if nobody took it yet; otherwise its outcome is
            // unknown to this caller, as after a timeout.
            partition.queue.withLock { queue in
                job.cancelled = true
                if let index = queue.firstIndex(where: { $0 === job }) { queue.remove(at: index) }
            }
            throw .unavailable
        }
        defer { partition.lock.unlock() }
        while !job.done {
            let batch = partition.queue.withLock { queue -> [Queued] in
                defer { queue.removeAll() }
                return Array(queue)
            }
            // Not done and not in a batch in progress (the lock is ours), so it is queued.
            precondition(!batch.isEmpty, "a command that is not done is always queued")
            await runBatch(partition, batch)
        }
        guard let outcome = job.outcome else { throw .unavailable }
        return try outcome.get()
    }

    /// Runs `batch` (in order) to its end: every command it ran is done, with its outcome;
    /// those it could not run yet (their caller needs a reload first) go back to the front of
    /// the queue. The caller holds the partition's lock.
    private func runBatch(_ partition: Partition, _ batch: [Queued]) async {
        var attempts = 0
        while true {
            attempts += 1
            let ran: Int
            do {
                try await freshen(partition, caller: batch[0].caller)
            } catch {
                for job in batch.prefix(1) { job.fail(error) }
                batch[0].done = true
                requeue(partition, batch.dropFirst())
                return
            }
            do throws(BatchFailure) {
                guard let count = try await attempt(partition, batch) else {
                    guard attempts < max(1, configuration.maxAttempts) else {
                        logger.warning("Commands lost their tenant to other processes too often", metadata: ["tenant": "\(partition.tenant)"])
                        for job in batch { job.fail(.unavailable) }
                        ran = batch.count
                        break
                    }
                    continue
                }
                ran = count
            } catch .refusedByDatabase where batch.count > 1 {
                // Which command the database refused is unknown: each alone, in order.
                for job in batch where !job.done { await runBatch(partition, [job]) }
                return
            } catch {
                for job in batch { job.fail(error.handoffError) }
                ran = batch.count
            }
            for job in batch.prefix(ran) { job.done = true }
            if ran < batch.count { requeue(partition, batch[ran...]) }
            return
        }
    }

    /// Puts commands a batch did not run back at the front of the queue, in order, except
    /// those whose callers stopped waiting meanwhile.
    private func requeue(_ partition: Partition, _ jobs: ArraySlice<Queued>) {
        guard !jobs.isEmpty else { return }
        partition.queue.withLock { queue in queue.insert(contentsOf: jobs.filter { !$0.cancelled }, at: 0) }
    }

    /// Why a batch could not be written.
    enum BatchFailure: Error {
        /// The store cannot answer (the database is down, or the write's outcome is unknown).
        case unavailable
        /// A constraint refused the write: the engine's refusal it stands for, or `nil` for a
        /// constraint that should never fire (a 503, logged).
        case refusedByDatabase(HandoffError?)

        var handoffError: HandoffError {
            switch self {
            case .unavailable: .unavailable
            case .refusedByDatabase(let error): error ?? .unavailable
            }
        }
    }

    /// One try of a batch under the partition's lock: how many of its commands ran (from the
    /// first; the rest need their caller loaded first), or `nil` when another process moved
    /// the tenant first (the core is dropped, the batch runs again).
    private func attempt(_ partition: Partition, _ batch: [Queued]) async throws(BatchFailure) -> Int? {
        guard var core = partition.core else { throw .unavailable }
        partition.core = nil  // keeps the core uniquely referenced while it mutates; restored below
        let tenantID = partition.tenant
        let tenantBefore = core.tenant(tenantID)
        var ids = IdentifierGenerator(seed: nil)
        var events: [HandoffEvent] = []

        // What changed: every record an event names, plus the touched ones that differ.
        var agentIDs: [AgentID] = []
        var handoffIDs: [HandoffID] = []
        var chatIDs: [ChatID] = []
        var userIDs: [UserID] = []
        var messages: [Message] = []
        var keyIDs: [APIKeyID] = []
        func addAgent(_ id: AgentID?) { if let id, !agentIDs.contains(id) { agentIDs.append(id) } }
        func addHandoff(_ id: HandoffID) { if !handoffIDs.contains(id) { handoffIDs.append(id) } }
        func addChat(_ id: ChatID) { if !chatIDs.contains(id) { chatIDs.append(id) } }
        var ran = 0
        var answersNeedVersion = false
        for job in batch {
            // A caller this core does not know waits for a batch of its own (which loads it).
            if ran > 0, case .user(let id)? = job.caller, core.user(id) == nil { break }
            let touching = job.touching
            let agentsBefore = touching.agents.map { core.storedAgent($0) }
            let handoffsBefore = touching.handoffs.map { core.storedHandoff($0) }
            let endsBefore = core.handoffsWithPendingEnds
            let chatsBefore = touching.chats.map { core.storedAssistantChat($0) }
            let keysBefore = touching.keys ? core.allAPIKeys : [:]
            let firstEvent = events.count
            let named = job.run(&core, &ids, configuration.clock.now(), &events)
            ran += 1
            if job.mode == .command { answersNeedVersion = true }
            for event in events[firstEvent...] {
                switch event {
                case .handoffRequested(let h), .afterHoursRecorded(let h), .handoffWithdrawn(let h):
                    addHandoff(h.id)
                case .handoffPickedUp(let h, let a):
                    addHandoff(h.id)
                    addAgent(a.id)
                case .handoffResolved(let h):
                    addHandoff(h.id)
                    addAgent(h.assignedAgentID)
                case .messagePosted(let m, _):
                    addHandoff(m.handoffID)
                    addAgent(m.senderID)
                    messages.append(m)
                case .agentStatusChanged(let a):
                    addAgent(a.id)
                }
            }
            for (id, before) in zip(touching.agents, agentsBefore) where core.storedAgent(id) != before { addAgent(id) }
            for (id, before) in zip(touching.handoffs, handoffsBefore) where core.storedHandoff(id) != before { addHandoff(id) }
            let endsAfter = core.handoffsWithPendingEnds
            if endsAfter != endsBefore { for id in Set(endsBefore).symmetricDifference(endsAfter) { addHandoff(id) } }
            for id in named.agents { addAgent(id) }
            for id in named.handoffs { addHandoff(id) }
            for (id, before) in zip(touching.chats, chatsBefore) where core.storedAssistantChat(id) != before { addChat(id) }
            for id in named.chats { addChat(id) }
            for id in touching.users + named.users where !userIDs.contains(id) { userIDs.append(id) }
            if touching.keys {
                for (id, key) in core.allAPIKeys where keysBefore[id] != key && !keyIDs.contains(id) { keyIDs.append(id) }
            }
        }

        var changes = Statements.Changes()
        for id in agentIDs { if let stored = core.storedAgent(id) { changes.agents.append(AgentRow(stored)) } }
        for id in handoffIDs {
            if let stored = core.storedHandoff(id) { changes.handoffs.append(HandoffRow(stored.handoff, pendingEnd: stored.pendingEnd)) }
        }
        changes.messages = messages.map(MessageRow.init)
        changes.chats = chatIDs.compactMap { core.storedAssistantChat($0).map { AssistantChatRow($0, tenant: tenantID) } }
        for id in userIDs { if let user = core.user(id), user.tenantID == tenantID { changes.users.append(UserRow(user)) } }
        let keys = keyIDs.isEmpty ? [:] : core.allAPIKeys
        changes.keys = keyIDs.compactMap { keys[$0].map(APIKeyRow.init) }
        let tenantAfter = core.tenant(tenantID)

        if changes.isEmpty && tenantAfter == tenantBefore {
            partition.core = core
            if answersNeedVersion {
                let version: Int64?
                do {
                    version = try await database("check tenant version") { [client, logger] in
                        try await Statements.version(of: tenantID, on: client, logger: logger)
                    }
                } catch {
                    throw .unavailable
                }
                guard version == partition.version else {
                    partition.core = nil
                    return nil
                }
            }
            return ran
        }

        var published: [PublishedEvent] = []
        for event in events { published.append(core.publish(event)) }
        changes.events = published
        guard let tenant = tenantAfter, let counters = core.counters(tenant: tenantID) else {
            for job in batch.prefix(ran) { job.fail(.tenantNotFound) }
            return ran
        }
        let version = partition.version
        let write = Statements.TenantWrite(
            tenant: tenant, tenantChanged: tenantAfter != tenantBefore, publishedEvents: counters.publishedEvents, latest: counters.latest, version: version, changes: changes)
        let wrote: Bool
        do {
            wrote = try await writer.write(write)
        } catch {
            // Refused, or the outcome is unknown: the cache holds what may not be stored, so it
            // stays dropped; if the write did commit, its events are still owed to subscribers.
            Task { await self.catchUp(tenantID) }
            switch error {
            case .constraint(let name, let state):
                if batch.count == 1, Self.refusal(name) == nil {
                    logger.error("Database refused a write", metadata: ["constraint": "\(name)", "sqlstate": "\(state)"])
                }
                throw .refusedByDatabase(Self.refusal(name))
            case .rolledBack:
                return nil  // nothing written: run again on the rows
            case .unavailable(let reason):
                logger.warning("Database call failed", metadata: ["operation": "write commands", "error": "\(reason)"])
            }
            throw .unavailable
        }
        guard wrote else { return nil }
        commandsWritten.add(ran, ordering: .relaxed)
        partition.core = core
        partition.version = version + 1
        directory.withLock { d in
            for row in changes.agents { if let id = AgentID(row.id) { d.agentTenant[id] = tenantID } }
            for row in changes.users { if let id = UserID(row.id) { d.userTenant[id] = tenantID } }
            for row in changes.keys { d.keyTenants[row.key_prefix, default: []].insert(tenantID) }
        }
        if let first = published.first?.sequence, let last = published.last?.sequence {
            await fanout.deliver(tenant: tenantID, first: first, last: last, known: published, fetch: eventFetcher(tenantID))
        }
        return ran
    }

    /// The engine's refusal for a constraint that only the whole table can check (uniqueness
    /// across tenants), or `nil` for one that should never fire.
    static func refusal(_ constraint: String) -> HandoffError? {
        switch constraint {
        case "client_users_email_key": .duplicate("email", "Email already in use")
        case "widget_api_keys_key_prefix_key_hash_key": .duplicate("apiKey", "This API key is already registered")
        case "tenants_pkey": .duplicate("id", "Tenant already exists")
        default: nil
        }
    }
}
