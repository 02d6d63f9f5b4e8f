/// Where engine commands report the events they cause.
///
/// Commands take `events: inout some EventSink`: a store passes an array and publishes it after
/// the command; the capacity simulator passes ``DiscardEvents`` and the event values are never
/// even built (the argument is an autoclosure), so the hot loop does not pay for them.
public protocol EventSink {
    mutating func record(_ event: @autoclosure () -> HandoffEvent)
}

extension Array: EventSink where Element == HandoffEvent {
    public mutating func record(_ event: @autoclosure () -> HandoffEvent) { append(event()) }
}

/// An event sink that drops everything.
public struct DiscardEvents: EventSink {
    public init() {}
    @inlinable public mutating func record(_ event: @autoclosure () -> HandoffEvent) {}
}
