import Foundation

/// A load and capacity profile: who arrives when, who serves them and how, and how long to
/// simulate. Loaded from a `kind: profile` file (``ProfileLoader``, format in
/// `scenarios/README.md`) or built from `handoff-sim simulate` flags (``textbook(_:)``).
///
/// Simulated time starts at 00:00 of day 1; "time of day" is simulated time modulo 24 h. Every
/// duration is in seconds.
public struct LoadProfile: Hashable, Sendable {
    /// A short name for reports.
    public var name: String
    public var description: String
    /// The file it was loaded from; `nil` when built from flags.
    public var file: String?
    public var arrivals: Arrivals
    /// At least one group with at least one agent.
    public var agentGroups: [AgentGroup]
    public var conversation: Conversation
    public var users: Users
    /// Default ``Routing/pickup`` (the reference behaviour).
    public var routing: Routing
    /// The after-hours rule the engine applies. Profiles default to ``Admission/freeSlot`` (the
    /// wire contract's rule); the flags-only textbook model uses `agentOnline` (Erlang C/A).
    public var admission: Admission
    public var run: RunSettings

    public init(
        name: String, description: String = "", file: String? = nil, arrivals: Arrivals, agentGroups: [AgentGroup],
        conversation: Conversation, users: Users = Users(), routing: Routing = .pickup, admission: Admission = .freeSlot,
        run: RunSettings = RunSettings()
    ) {
        self.name = name
        self.description = description
        self.file = file
        self.arrivals = arrivals
        self.agentGroups = agentGroups
        self.conversation = conversation
        self.users = users
        self.routing = routing
        self.admission = admission
        self.run = run
    }

    /// Agents over all groups.
    public var totalAgents: Int { agentGroups.reduce(0) { $0 + $1.count } }
    /// Chat slots (Σ count × maxChats): the s of the Erlang formulas.
    public var totalSlots: Int { agentGroups.reduce(0) { $0 + $1.count * $1.maxChats } }

    // MARK: Arrivals

    /// When visitors ask for a human: a Poisson process, homogeneous or with a rate per interval
    /// of the day. Generated exactly (the exponential clock restarts at each boundary).
    public enum Arrivals: Hashable, Sendable {
        /// λ per hour, all day.
        case poisson(ratePerHour: Double)
        /// A rate table repeated every day.
        case piecewise(RateTable)

        /// The rate at `secondOfDay`, per hour.
        public func ratePerHour(atSecondOfDay t: Double) -> Double {
            switch self {
            case .poisson(let rate): rate
            case .piecewise(let table): table.ratePerHour(atSecondOfDay: t)
            }
        }

        /// The daily mean rate per hour.
        public var meanRatePerHour: Double {
            switch self {
            case .poisson(let rate): rate
            case .piecewise(let table): table.meanRatePerHour
            }
        }

        /// The single rate if it is the same all day (a piecewise table with one rate counts).
        public var constantRatePerHour: Double? {
            switch self {
            case .poisson(let rate): return rate
            case .piecewise(let table):
                let rates = Set(table.entries.map(\.ratePerHour))
                return rates.count == 1 && table.entries.first?.start == 0 ? rates.first : nil
            }
        }
    }

    /// A piecewise-constant arrival rate over the day: each entry holds from its `start` until
    /// the next entry's (the last until 24:00). Before the first entry the rate is 0.
    public struct RateTable: Hashable, Sendable {
        public struct Entry: Hashable, Sendable, Encodable {
            /// Seconds after midnight, in 0..<86 400; strictly increasing along the table.
            public var start: Double
            /// Arrivals per hour, ≥ 0.
            public var ratePerHour: Double
            public init(start: Double, ratePerHour: Double) {
                self.start = start
                self.ratePerHour = ratePerHour
            }
        }

        public var entries: [Entry]
        /// The CSV file the table came from, if any.
        public var source: String?

        public init(entries: [Entry], source: String? = nil) {
            self.entries = entries
            self.source = source
        }

        public func ratePerHour(atSecondOfDay t: Double) -> Double {
            var rate = 0.0
            for entry in entries where entry.start <= t { rate = entry.ratePerHour }
            return rate
        }

        public var meanRatePerHour: Double {
            var total = 0.0
            for (i, entry) in entries.enumerated() {
                let end = i + 1 < entries.count ? entries[i + 1].start : 86_400
                total += entry.ratePerHour * (end - entry.start)
            }
            return total / 86_400
        }
    }

    // MARK: Agents

    /// Agents that share capacity, shifts and client behaviour.
    public struct AgentGroup: Hashable, Sendable {
        /// The group's handle in the profile.
        public var name: String
        /// ≥ 1.
        public var count: Int
        /// ≥ 1, the engine's per-agent capacity. Default ``defaultMaxChats``.
        public var maxChats: Int
        /// The wire contract's default `maxChats` (5). The capacity tests check that it equals
        /// the engine's own default, so a profile without `maxChats` means what a server does.
        public static let defaultMaxChats = 5
        /// Working hours, repeated daily. Empty: on duty all the time (from 00:00 of day 1).
        public var shifts: [Shift]
        /// How an agent learns of a request waiting for it. Default ``Notification/instant``.
        public var notification: Notification
        /// Time from noticing a request to the pick-up command. Default constant 0.
        public var pickUpTime: Distribution

        public init(
            name: String, count: Int, maxChats: Int, shifts: [Shift] = [], notification: Notification = .instant,
            pickUpTime: Distribution = .constant(0)
        ) {
            self.name = name
            self.count = count
            self.maxChats = maxChats
            self.shifts = shifts
            self.notification = notification
            self.pickUpTime = pickUpTime
        }
    }

    /// An agent's working hours on every day: `available` from `start`, `offline` at `end` (an
    /// end earlier than the start wraps past midnight). Chats open at the end continue.
    public struct Shift: Hashable, Sendable, Encodable {
        /// Seconds after midnight.
        public var start: Double
        /// Seconds after midnight; `end == start` is not allowed.
        public var end: Double
        public init(start: Double, end: Double) {
            self.start = start
            self.end = end
        }

        /// `08:00-16:00`.
        public var label: String { "\(NumberText.timeOfDay(start))-\(NumberText.timeOfDay(end))" }

        /// Whether the shift covers `secondOfDay`.
        public func covers(_ t: Double) -> Bool {
            start < end ? (t >= start && t < end) : (t >= start || t < end)
        }
    }

    /// How an agent notices that a request is waiting for one of its free slots.
    public enum Notification: Hashable, Sendable {
        /// At once: the textbook queue (a free slot takes the oldest request the moment either
        /// appears).
        case instant
        /// Pushed over a WebSocket: noticed after `delay` (near zero, default constant 50 ms).
        case websocket(delay: Distribution)
        /// The client refreshes the queue every `interval` seconds (the reference client: 2 s),
        /// each agent with its own random phase; a request is noticed at the next refresh.
        case polling(interval: Double)

        /// The default WebSocket delivery delay, 50 ms.
        public static let defaultWebSocketDelay = Distribution.constant(0.05)
        /// The reference client's refresh interval, 2 s.
        public static let defaultPollingInterval = 2.0

        /// `instant`, `websocket`, `polling:2s`.
        public var label: String {
            switch self {
            case .instant: "instant"
            case .websocket(let delay): delay == Self.defaultWebSocketDelay ? "websocket" : "websocket(\(delay.label))"
            case .polling(let interval): "polling:\(NumberText.seconds(interval))"
            }
        }

        /// Parses `instant`, `websocket`, `websocket:0.2s` (constant delay), `polling` or
        /// `polling:SECONDS` (`polling:5`, `polling:500ms`); `nil` for anything else.
        public static func parse(_ text: String) -> Notification? {
            let parts = text.split(separator: ":", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard let head = parts.first?.lowercased() else { return nil }
            let argument: Double?
            if parts.count == 2 {
                guard case .success(let d) = DurationText.parse(parts[1]), d > .zero else { return nil }
                argument = d.inSeconds
            } else {
                argument = nil
            }
            switch head {
            case "instant": return argument == nil ? .instant : nil
            case "websocket": return .websocket(delay: argument.map { .constant($0) } ?? defaultWebSocketDelay)
            case "polling": return .polling(interval: argument ?? defaultPollingInterval)
            default: return nil
            }
        }
    }

    // MARK: Conversation and users

    /// What happens once an agent has the chat.
    public struct Conversation: Hashable, Sendable {
        /// The work of one chat: the time an agent spends on it, from pick-up to resolve, when
        /// it is the agent's only chat (solo speed).
        public var handleTime: Distribution
        /// How an agent's concurrent chats slow each other down.
        public var concurrency: Concurrency
        /// Chat messages, if modelled (for first response time and message load).
        public var messages: Messages?

        /// How an agent holding several chats works them.
        public enum Concurrency: Hashable, Sendable {
            /// `slowdown[k-1]` multiplies, once, the handle time of a chat taken as the agent's
            /// k-th concurrent chat (this one included); the last factor holds for higher k.
            /// Empty: no slowdown. Later changes in the agent's load do not change it.
            case atPickUp(slowdown: [Double])
            /// Limited processor sharing: an agent holding k chats works at `throughput[k-1]`
            /// (F(k), F(1) = 1) times the rate of one chat, shared equally, so each chat
            /// progresses at F(k)/k of its solo speed, changing the moment k does; F(k) past
            /// the list is its last value.
            case shared(throughput: [Double])
        }

        public init(handleTime: Distribution, concurrency: Concurrency, messages: Messages? = nil) {
            self.handleTime = handleTime
            self.concurrency = concurrency
            self.messages = messages
        }

        /// The pick-up model with `slowdown` (empty: none).
        public init(handleTime: Distribution, slowdown: [Double] = [], messages: Messages? = nil) {
            self.init(handleTime: handleTime, concurrency: .atPickUp(slowdown: slowdown), messages: messages)
        }

        /// Pick-up model: the factor for a chat taken as the agent's `k`-th concurrent chat
        /// (k ≥ 1); 1 under the shared model (its slowdown is not fixed at pick-up).
        public func slowdownFactor(concurrency k: Int) -> Double {
            guard case .atPickUp(let slowdown) = concurrency, !slowdown.isEmpty else { return 1 }
            return slowdown[min(k, slowdown.count) - 1]
        }

        /// Shared model: F(k), the agent's total rate with `k` ≥ 1 chats in units of one chat's;
        /// `nil` under the pick-up model.
        public func throughput(chats k: Int) -> Double? {
            guard case .shared(let f) = concurrency else { return nil }
            return f.isEmpty ? Double(k) : f[min(k, f.count) - 1]
        }

        /// Whether concurrent chats change how long a chat takes: a pick-up factor other than
        /// 1, or a shared throughput F(k) other than k for some k ≤ `maxChats`.
        public func hasSlowdown(maxChats: Int) -> Bool {
            switch concurrency {
            case .atPickUp(let slowdown): return slowdown.prefix(max(1, maxChats)).contains { $0 != 1 }
            case .shared: return (1...max(1, maxChats)).contains { throughput(chats: $0) != Double($0) }
            }
        }
    }

    /// Messages of a chat: the agent's first reply after `firstResponse`, then visitor and
    /// agent alternate after each `thinkTime`, until `perChat` messages were sent or the chat
    /// ends (the handle time ends it; messages never extend it).
    public struct Messages: Hashable, Sendable {
        public var firstResponse: Distribution
        public var thinkTime: Distribution
        /// At most this many messages per chat; `nil`: as many as fit.
        public var perChat: Int?

        public init(firstResponse: Distribution, thinkTime: Distribution, perChat: Int? = nil) {
            self.firstResponse = firstResponse
            self.thinkTime = thinkTime
            self.perChat = perChat
        }
    }

    /// Widget visitors' behaviour.
    public struct Users: Hashable, Sendable {
        /// How long a waiting visitor waits before ending the chat (abandoning). `nil`: forever.
        public var patience: Distribution?
        /// Share of after-hours visitors who leave an email in the form. Default 0.
        public var emailAfterHours: Double
        /// Share of abandoning visitors who leave an email. Default 0.
        public var emailAfterAbandon: Double

        public init(patience: Distribution? = nil, emailAfterHours: Double = 0, emailAfterAbandon: Double = 0) {
            self.patience = patience
            self.emailAfterHours = emailAfterHours
            self.emailAfterAbandon = emailAfterAbandon
        }
    }

    /// Who decides which agent takes a request.
    public enum Routing: String, Hashable, Sendable, CaseIterable, Encodable {
        /// Agents pick up the oldest request themselves (the reference behaviour, the engine's
        /// `manual`); with instant notification the first to react is a random free agent.
        case pickup
        /// The engine routes automatically, by its tenant policy of the same name: a request
        /// goes to the best available agent with a free slot as soon as one exists, and a freed
        /// slot takes the queue head; notification delays do not apply. Best is the fewest
        /// chats (`leastBusy`), the most (`mostBusy`, filling one agent before the next) or
        /// none (`longestIdle`); ties, and every choice of `longestIdle`, to the one idle longest.
        case leastBusy, mostBusy, longestIdle

        /// The engine assigns (all but `pickup`).
        public var isAutomatic: Bool { self != .pickup }

        /// Other names: `auto` (the one automatic policy's name before there were several) and
        /// `manual` (the engine's name for pick-up). The engine's `Tenant.Routing.aliases` reads
        /// `auto` the same way: add an alias to both.
        public static let aliases: [String: Routing] = ["auto": .leastBusy, "manual": .pickup]

        /// A policy by its name or an alias.
        public init?(name: String) {
            guard let routing = Routing(rawValue: name) ?? Self.aliases[name] else { return nil }
            self = routing
        }
    }

    /// When a request is queued rather than answered with the after-hours form. The names are
    /// the engine's admission rules; the capacity simulator hands this to the engine as is.
    public enum Admission: String, Hashable, Sendable, CaseIterable, Encodable {
        /// Queued only if some agent is `available` with a free slot (the wire contract's rule):
        /// with instant pick-up a loss system (Erlang B).
        case freeSlot
        /// Queued whenever some agent is `available`, even with every slot busy (the waiting
        /// system of Erlang C, or Erlang A with patience).
        case agentOnline
    }

    // MARK: Run settings

    /// Horizon, warm-up, replications, seed and what to measure.
    public struct RunSettings: Hashable, Sendable, Encodable {
        /// Simulated time per replication, seconds. Default 24 h.
        public var horizon: Double
        /// Deleted from the start of every replication, seconds. Default 1 h.
        public var warmup: Double
        /// Independent replications (each with its own seed). Default 10.
        public var replications: Int
        /// Default 1.
        public var seed: UInt64
        /// The service-level threshold t of P(wait ≤ t), seconds. Default 60 s.
        public var serviceLevelThreshold: Double
        /// The reporting interval of the day, seconds; divides 24 h. Default 1 h.
        public var interval: Double
        /// Stop each replication's arrivals after this many requests (then the measured window
        /// ends at the last one) instead of at the horizon. `nil` (default): the horizon decides.
        /// For benchmarks that must push an exact number of arrivals through the engine.
        public var maxArrivals: Int?

        public init(
            horizon: Double = 86_400, warmup: Double = 3_600, replications: Int = 10, seed: UInt64 = 1,
            serviceLevelThreshold: Double = 60, interval: Double = 3_600, maxArrivals: Int? = nil
        ) {
            self.maxArrivals = maxArrivals
            self.horizon = horizon
            self.warmup = warmup
            self.replications = replications
            self.seed = seed
            self.serviceLevelThreshold = serviceLevelThreshold
            self.interval = interval
        }
    }
}
