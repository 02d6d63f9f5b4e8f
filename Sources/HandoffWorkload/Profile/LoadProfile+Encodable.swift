
/// The profile as echoed into reports: every setting, in seconds, times of day as `HH:MM`.
extension LoadProfile: Encodable {
    private enum Keys: String, CodingKey {
        case name, description, file, arrivals, agentGroups, conversation, users, routing, admission, run
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(name, forKey: .name)
        try c.encode(description, forKey: .description)
        try c.encode(file, forKey: .file)
        try c.encode(arrivals, forKey: .arrivals)
        try c.encode(agentGroups, forKey: .agentGroups)
        try c.encode(conversation, forKey: .conversation)
        try c.encode(users, forKey: .users)
        try c.encode(routing, forKey: .routing)
        try c.encode(admission.rawValue, forKey: .admission)
        try c.encode(run, forKey: .run)
    }
}

extension LoadProfile.Arrivals: Encodable {
    private enum Keys: String, CodingKey { case kind, ratePerHour, table, source, meanRatePerHour }
    private struct Row: Encodable {
        package var from: String
        package var ratePerHour: Double
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        switch self {
        case .poisson(let rate):
            try c.encode("poisson", forKey: .kind)
            try c.encode(rate, forKey: .ratePerHour)
        case .piecewise(let table):
            try c.encode("piecewise", forKey: .kind)
            try c.encode(table.entries.map { Row(from: NumberText.timeOfDay($0.start), ratePerHour: $0.ratePerHour) }, forKey: .table)
            try c.encode(table.source, forKey: .source)
            try c.encode(table.meanRatePerHour, forKey: .meanRatePerHour)
        }
    }
}

extension LoadProfile.AgentGroup: Encodable {
    private enum Keys: String, CodingKey { case name, count, maxChats, shifts, notification, pickUpTime }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(name, forKey: .name)
        try c.encode(count, forKey: .count)
        try c.encode(maxChats, forKey: .maxChats)
        try c.encode(shifts.map(\.label), forKey: .shifts)
        try c.encode(notification.label, forKey: .notification)
        try c.encode(pickUpTime, forKey: .pickUpTime)
    }
}

extension LoadProfile.Conversation: Encodable {
    private enum Keys: String, CodingKey { case handleTime, concurrency, messages }
    private enum ConcurrencyKeys: String, CodingKey { case model, slowdown, throughput }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(handleTime, forKey: .handleTime)
        var model = c.nestedContainer(keyedBy: ConcurrencyKeys.self, forKey: .concurrency)
        switch concurrency {
        case .atPickUp(let slowdown):
            try model.encode("atPickUp", forKey: .model)
            try model.encode(slowdown, forKey: .slowdown)
        case .shared(let throughput):
            try model.encode("shared", forKey: .model)
            try model.encode(throughput, forKey: .throughput)
        }
        try c.encode(messages, forKey: .messages)
    }
}

extension LoadProfile.Messages: Encodable {
    private enum Keys: String, CodingKey { case firstResponse, thinkTime, perChat }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(firstResponse, forKey: .firstResponse)
        try c.encode(thinkTime, forKey: .thinkTime)
        try c.encode(perChat, forKey: .perChat)
    }
}

extension LoadProfile.Users: Encodable {
    private enum Keys: String, CodingKey { case patience, emailAfterHours, emailAfterAbandon }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Keys.self)
        try c.encode(patience, forKey: .patience)
        try c.encode(emailAfterHours, forKey: .emailAfterHours)
        try c.encode(emailAfterAbandon, forKey: .emailAfterAbandon)
    }
}
