import HandoffEngine
import Testing

/// The store conformance suite: the checks every ``HandoffStore`` must pass, written once and
/// run against each store (the memory store today, the PostgreSQL store next).
///
/// Each check gets a fresh store from a factory, drives it only through the ``HandoffStore``
/// protocol, and uses only the ids and timestamps the store handed back (tenant and agent ids,
/// which the protocol has the caller choose, are random). Failures are `#expect`/`#require`
/// issues at the line of the check that failed. After every check the store's
/// ``HandoffStore/invariantViolations()`` must be empty.
///
/// To run the suite against a new store, add one test file to that store's test target (which
/// depends on `HandoffTestSupport`) whose factory makes a fresh, empty store. The memory
/// store's file is the whole recipe:
///
/// ```swift
/// import HandoffEngine
/// import HandoffTestSupport
/// import Testing
///
/// @Suite struct MemoryStoreConformanceTests {
///     @Test(.timeLimit(.minutes(1)), arguments: StoreConformance.checks)
///     func conforms(to check: StoreConformance.Check) async throws {
///         try await check.run {
///             let clock = ManualWallClock()
///             let store = MemoryHandoffStore(configuration: .init(clock: clock, passwordIterations: 1))
///             return StoreUnderTest(store: store, clock: clock)
///         }
///     }
/// }
/// ```
///
/// A database store's factory instead opens a store on a new, empty schema, passes an
/// `advance` that lets the database's clock move on (or a clock hook of its own), and a
/// `shutdown` that closes the connections and drops the schema; see ``StoreUnderTest``.
///
/// What the checks expect of the store beyond the protocol's signatures:
/// - the engine's default rules: closed handoffs are retained (history), admission
///   ``HandoffCore/Admission/freeSlot``, message length limits well above a few words;
/// - a fresh store per factory call, with no tenants;
/// - ``HandoffStore/subscribe()`` delivers every event published after it returned (the event
///   checks end each read at a marker event, so a missing event fails instead of hanging; give
///   the test a `.timeLimit` for a store that loses the marker itself).
///
/// Checks that race commands use task groups of up to 50 concurrent calls and never sleep.
public enum StoreConformance {
    /// One named check. `Sendable` and ``CustomTestStringConvertible``, so
    /// `@Test(arguments: StoreConformance.checks)` lists each check by its name.
    public struct Check: Sendable, CustomStringConvertible, CustomTestStringConvertible {
        /// The check's name, as tests list it (`lifecycleFromRequestToResolve`).
        public let name: String
        /// What the check requires of a store, in one sentence.
        public let summary: String
        let body: @Sendable (Stage) async throws -> Void

        init(_ name: String, _ summary: String, _ body: @escaping @Sendable (Stage) async throws -> Void) {
            self.name = name
            self.summary = summary
            self.body = body
        }

        public var description: String { name }
        public var testDescription: String { name }

        /// Runs the check on a store `makeStore` creates, then expects no invariant violations
        /// and tears the store down (also when the check failed or threw).
        ///
        /// - Parameter makeStore: makes a fresh, empty store; called once.
        /// - Throws: what the check or the factory threw (a failed `#require`, an unexpected
        ///   ``HandoffError``). Failed expectations are recorded as issues, not thrown.
        public func run(_ makeStore: @Sendable () async throws -> StoreUnderTest) async throws {
            let sut = try await makeStore()
            var failure: (any Error)?
            do {
                try await body(Stage(sut))
            } catch {
                failure = error
            }
            let violations = await sut.store.invariantViolations()
            #expect(violations == [], "\(name) left the store unsound: \(violations)")
            // The check's own failure comes first; a teardown error only when the check passed.
            do {
                try await sut.tearDown()
            } catch where failure == nil {
                throw error
            } catch {}
            if let failure { throw failure }
        }
    }

    /// Every check, in a stable order.
    public static let checks: [Check] = [
        // Lifecycle (StoreConformance+Lifecycle.swift)
        Check(
            "lifecycleFromRequestToResolve",
            "request, queue, pick-up, messages both ways and resolve, with statuses, times and activeChats",
            lifecycleFromRequestToResolve),
        Check(
            "afterHoursAnswerQueuesNothing",
            "an after-hours answer and its email form make one after-hours record each, never pending",
            afterHoursAnswerQueuesNothing),
        Check("endChatWithdrawsPendingRequest", "ending a waiting chat takes it out of the queue as abandoned", endChatWithdrawsPendingRequest),
        Check(
            "endChatResolvesActiveChat",
            "ending an active chat resolves it, frees the slot once and says \"User ended the chat\"",
            endChatResolvesActiveChat),
        // Rules (StoreConformance+Rules.swift)
        Check(
            "pickUpOfNonPendingIsRefused",
            "active, resolved, abandoned and after-hours handoffs cannot be picked up or assigned",
            pickUpOfNonPendingIsRefused),
        Check("capacityAndStatusGatePickUp", "an agent at maxChats, offline or busy cannot pick up or be assigned", capacityAndStatusGatePickUp),
        Check(
            "tenantScopingHidesOtherTenantsHandoffs",
            "another tenant's handoff is not found by any query or command",
            tenantScopingHidesOtherTenantsHandoffs),
        Check(
            "messagesSinceAreStrictlyLater",
            "polling messages since the newest one never repeats or skips a message",
            messagesSinceAreStrictlyLater),
        Check(
            "heartbeatNeverOverridesManualStatus",
            "heartbeats keep a manual busy or offline, and after a sweep restore busy, not available",
            heartbeatNeverOverridesManualStatus),
        Check(
            "accountsAndKeysAuthenticate",
            "users log in and out, API keys authenticate their tenant, expired keys and foreign referrers are refused",
            accountsAndKeysAuthenticate),
        Check(
            "refusalsAreHandoffErrors",
            "unknown keys, credentials and tenants, suspension and duplicates map to their HandoffError",
            refusalsAreHandoffErrors),
        // Routing (StoreConformance+Routing.swift)
        Check(
            "autoRoutingAssignsAndDrains",
            "auto routing: fewest chats, then idle longest; FIFO drain; a freed slot takes the head in the same command; published as pick-ups",
            autoRoutingAssignsAndDrains),
        Check(
            "autoRoutingFollowsEveryTrigger",
            "auto routing assigns on set available, raised maxChats, login, heartbeat after the sweep and a new agent",
            autoRoutingFollowsEveryTrigger),
        Check(
            "autoRoutingHoldsUnderConcurrency",
            "concurrent requests and resolves under auto routing: no slot given twice, no request beside a free slot",
            autoRoutingHoldsUnderConcurrency),
        Check("routingIsAdminOnly", "only the tenant's client admin reads and changes its routing", routingIsAdminOnly),
        // Events (StoreConformance+Events.swift)
        Check(
            "eventsArriveInCommandOrder",
            "a subscriber receives every command's events, in order, and nothing for refusals",
            eventsArriveInCommandOrder),
        Check(
            "lateSubscriberStartsAtSubscription",
            "every subscriber sees the same sequence from the moment it subscribed",
            lateSubscriberStartsAtSubscription),
        Check(
            "eachTenantNumbersItsEvents",
            "each tenant's events are numbered 1, 2, 3… without gaps, tenants separately",
            eachTenantNumbersItsEvents),
        // Concurrency (StoreConformance+Concurrency.swift)
        Check("pickUpRaceHasOneWinner", "50 concurrent pick-ups of one handoff by 10 agents: one winner, activeChats exact", pickUpRaceHasOneWinner),
        Check("capacityRaceStopsAtMaxChats", "one agent with 3 slots racing for 10 handoffs wins exactly 3", capacityRaceStopsAtMaxChats),
        Check(
            "resolveRacingEndChatFreesSlotOnce",
            "resolve racing end-chat closes each chat once and frees each slot once",
            resolveRacingEndChatFreesSlotOnce),
        Check(
            "concurrentRequestsForOneChatMakeOneHandoff",
            "20 concurrent requests for one chat queue one handoff; the rest get it back",
            concurrentRequestsForOneChatMakeOneHandoff),
    ]
}
