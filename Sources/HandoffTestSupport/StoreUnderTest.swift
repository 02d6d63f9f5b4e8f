import HandoffEngine

/// One fresh store for one conformance check, with the hooks the check needs around it.
///
/// The factory given to ``StoreConformance/Check/run(_:)`` makes one per check: a new,
/// empty store (the memory store: a new instance; a database store: a new schema), so checks
/// never see each other's tenants, agents or events.
///
/// Time: a check never assumes exact instants. It only calls ``advance(by:)`` to let time
/// pass, then expects stored times to have moved *at least* that far. A store on a
/// ``ManualWallClock`` advances that clock; a store on a real clock (a database's `now()`) may
/// sleep, or configure a short ``inactivityTimeout`` so the sweep check stays fast.
public struct StoreUnderTest: Sendable {
    /// The store every check talks to, only through ``HandoffStore``.
    public var store: any HandoffStore
    /// The store's ``HandoffCore/Configuration/inactivityTimeout``: how long an agent may go
    /// unseen before ``HandoffStore/sweep()`` takes it offline. Default 120 s (the engine's).
    public var inactivityTimeout: Duration
    private let advanceClock: @Sendable (Duration) async throws -> Void
    private let shutdown: @Sendable () async throws -> Void

    /// - Parameters:
    ///   - store: a fresh, empty store (no tenants).
    ///   - inactivityTimeout: the inactivity timeout the store was configured with.
    ///   - advance: moves the store's clock forward by *at least* the given duration; when it
    ///     returns, every later command must read the later time.
    ///   - shutdown: releases the store after the check (close connections, drop the schema).
    ///     Called whether the check passed or not. Default: nothing.
    public init(
        store: any HandoffStore, inactivityTimeout: Duration = .seconds(120),
        advance: @escaping @Sendable (Duration) async throws -> Void,
        shutdown: @escaping @Sendable () async throws -> Void = {}
    ) {
        self.store = store
        self.inactivityTimeout = inactivityTimeout
        self.advanceClock = advance
        self.shutdown = shutdown
    }

    /// A store reading `clock`: ``advance(by:)`` moves the clock exactly.
    public init(store: any HandoffStore, clock: ManualWallClock, inactivityTimeout: Duration = .seconds(120)) {
        self.init(store: store, inactivityTimeout: inactivityTimeout, advance: { clock.advance(by: $0) })
    }

    /// Lets at least `duration` pass on the store's clock.
    public func advance(by duration: Duration) async throws { try await advanceClock(duration) }

    /// Releases the store (``init(store:inactivityTimeout:advance:shutdown:)``'s `shutdown`).
    public func tearDown() async throws { try await shutdown() }
}
