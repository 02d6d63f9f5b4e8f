extension LoadProfile {
    /// The textbook model of `handoff-sim simulate` flags: Poisson arrivals, exponential handle
    /// time and (optional) patience, one group of identical agents, admission `agentOnline`.
    public static func textbook(_ p: TextbookParameters) -> LoadProfile {
        LoadProfile(
            name: p.patience == nil ? "textbook M/M/s" : "textbook M/M/s+M",
            description: "Poisson arrivals, exponential handle time\(p.patience == nil ? "" : " and patience"), from flags",
            arrivals: .poisson(ratePerHour: p.arrivalRatePerHour),
            agentGroups: [
                AgentGroup(name: "agents", count: p.agents, maxChats: p.maxChats, notification: p.notification, pickUpTime: .constant(0))
            ],
            conversation: Conversation(handleTime: .exponential(mean: p.handleTime)),
            users: Users(patience: p.patience.map { .exponential(mean: $0) }),
            routing: p.routing, admission: .agentOnline, run: p.run)
    }
}

/// The parameters of ``LoadProfile/textbook(_:)``.
public struct TextbookParameters: Hashable, Sendable {
    public var arrivalRatePerHour: Double
    public var agents: Int
    public var maxChats: Int
    /// Mean handle time, seconds.
    public var handleTime: Double
    /// Mean patience, seconds; `nil`: nobody abandons.
    public var patience: Double?
    public var notification: LoadProfile.Notification
    public var routing: LoadProfile.Routing
    public var run: LoadProfile.RunSettings

    public init(
        arrivalRatePerHour: Double, agents: Int, maxChats: Int, handleTime: Double, patience: Double? = nil,
        notification: LoadProfile.Notification = .instant, routing: LoadProfile.Routing = .pickup,
        run: LoadProfile.RunSettings = .init()
    ) {
        self.arrivalRatePerHour = arrivalRatePerHour
        self.agents = agents
        self.maxChats = maxChats
        self.handleTime = handleTime
        self.patience = patience
        self.notification = notification
        self.routing = routing
        self.run = run
    }
}
