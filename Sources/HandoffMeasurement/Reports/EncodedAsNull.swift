/// An optional report field written as `null` when absent, where synthesized `Encodable` would
/// leave the key out: a report's stable keys are always there.
@propertyWrapper
public struct EncodedAsNull<Value: Encodable & Sendable>: Encodable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
