/// The parameters of a Markovian multi-server queue: M/M/s (Erlang C) or,
/// when ``meanPatience`` is set, M/M/s+M (Erlang A / Palm).
///
/// Assumptions shared by every formula in this folder:
/// - chats arrive as a Poisson process with rate λ = ``arrivalRate`` per second;
/// - each of the s = ``servers`` slots (agents × max concurrent chats) serves one chat at a time,
///   handle times are i.i.d. exponential with mean 1/μ = ``meanHandleTime`` seconds;
/// - a single FCFS queue feeds all slots and no slot idles while a chat waits (work conserving);
/// - if ``meanPatience`` is set, every *waiting* chat abandons after an independent exponential
///   patience with mean 1/θ = ``meanPatience`` seconds (a chat that reaches a slot never abandons);
///   `nil` means nobody abandons (θ = 0);
/// - all quantities are stationary (long-run) values. All times are seconds.
///
/// A model is *valid* when λ is finite and ≥ 0, 1/μ is finite and > 0, s ≥ 0 and the patience is
/// `nil` or finite and > 0. Functions that return optionals return `nil` for invalid models.
public struct QueueModel: Hashable, Sendable {
    /// λ, chats per second.
    public var arrivalRate: Double
    /// 1/μ, mean handle time in seconds.
    public var meanHandleTime: Double
    /// s = agents × maxChats, the number of chat slots.
    public var servers: Int
    /// 1/θ, mean patience in seconds of a waiting chat; `nil` means nobody abandons.
    public var meanPatience: Double?

    /// Creates a model from its rates; see the type documentation for the assumptions.
    public init(arrivalRate: Double, meanHandleTime: Double, servers: Int, meanPatience: Double? = nil) {
        self.arrivalRate = arrivalRate
        self.meanHandleTime = meanHandleTime
        self.servers = servers
        self.meanPatience = meanPatience
    }

    /// Creates a model with s = `agents` × `maxChats` slots.
    public init(arrivalRate: Double, meanHandleTime: Double, agents: Int, maxChats: Int, meanPatience: Double? = nil) {
        self.init(
            arrivalRate: arrivalRate,
            meanHandleTime: meanHandleTime,
            servers: agents * maxChats,
            meanPatience: meanPatience
        )
    }

    /// The offered load a = λ/μ = λ · (1/μ), in Erlangs (the mean number of busy slots an
    /// infinite-server system would have).
    ///
    /// - Complexity: O(1)
    public var offeredLoad: Double { arrivalRate * meanHandleTime }

    /// Whether the parameters are inside the domain described in the type documentation.
    var isValid: Bool {
        guard arrivalRate.isFinite, arrivalRate >= 0 else { return false }
        guard meanHandleTime.isFinite, meanHandleTime > 0 else { return false }
        guard servers >= 0 else { return false }
        if let meanPatience {
            guard meanPatience.isFinite, meanPatience > 0 else { return false }
        }
        return true
    }
}
