/// How often the kernel called each engine command in one replication.
public struct EngineCallCounts: Hashable, Sendable, Codable {
    public var requestHandoff = 0
    public var pickUp = 0
    /// Assignments made by the engine's automatic routing (`routing: auto`) inside the other
    /// commands; not commands themselves, so not in ``total``.
    public var assign = 0
    public var resolve = 0
    public var endChat = 0
    public var postMessage = 0
    public var setStatus = 0

    public init() {}

    /// Engine commands called.
    public var total: Int { requestHandoff + pickUp + resolve + endChat + postMessage + setStatus }

    mutating func add(_ other: EngineCallCounts) {
        requestHandoff += other.requestHandoff
        pickUp += other.pickUp
        assign += other.assign
        resolve += other.resolve
        endChat += other.endChat
        postMessage += other.postMessage
        setStatus += other.setStatus
    }
}
