/// A refused or failed request: the text a client would show, and whether it is a protocol or
/// transport problem rather than a refusal by the service's rules.
///
/// Live calls fail with it (``WireClient``), and the in-process driver answers with the same
/// shape, so a scenario's expectations read the same against either.
public struct RequestFailure: Error, Hashable, Sendable, CustomStringConvertible {
    public var text: String
    /// The HTTP status for a live call; `nil` in-process.
    public var status: Int?
    /// A transport or protocol error (connection refused, unparseable body): never "expected".
    public var isTransport: Bool

    public init(_ text: String, status: Int? = nil, isTransport: Bool = false) {
        self.text = text
        self.status = status
        self.isTransport = isTransport
    }

    public var description: String { status.map { "\(text) (HTTP \($0))" } ?? text }

    /// A transport or protocol failure.
    public static func transport(_ text: String, status: Int? = nil) -> RequestFailure {
        RequestFailure(text, status: status, isTransport: true)
    }
}
