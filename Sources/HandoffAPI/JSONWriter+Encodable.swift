import Foundation

extension JSONWriter {
    /// Any `Encodable` value written through ``JSONWriter`` as it is encoded, for values too
    /// many or too varied to hand-write (``JSONWritable``) yet written too often for
    /// `JSONEncoder`, which builds a tree of every value before serialising it: the PostgreSQL
    /// store's rows, sent with every write.
    ///
    /// The JSON value is `JSONEncoder`'s (default strategies) for the same value — the same
    /// keys, omissions and nulls (keys in encoding order), strings escaped as ``string(_:)``
    /// does, `Date`, `Data` and `URL` as `JSONEncoder` writes them by default — for what it
    /// streams: keyed, unkeyed and single-value containers, one per value. A value that asks
    /// for a nested container or a super encoder is refused with ``Unsupported`` (the caller
    /// falls back to `JSONEncoder`); a non-finite number with `EncodingError.invalidValue`.
    public static func encode<T: Encodable>(_ value: T, capacity: Int = 512) throws -> [UInt8] {
        let output = Output(capacity: capacity)
        try output.value(value)
        if output.unsupported { throw Unsupported() }
        return output.writer.bytes
    }

    /// ``encode(_:capacity:)`` met something it does not stream.
    public struct Unsupported: Error {}
}

/// The writer every container of one ``JSONWriter/encode(_:capacity:)`` call appends to.
private final class Output {
    var writer: JSONWriter
    var unsupported = false

    init(capacity: Int) { writer = JSONWriter(capacity: capacity) }

    func floating<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F) throws {
        guard value.isFinite else {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "\(value) is not a JSON number"))
        }
        // Whole numbers without a fraction, as JSONEncoder writes them (3.0 → 3).
        if value == value.rounded(), abs(value) < 1e15 { writer.number(String(Int64(value))) } else { writer.number(value.description) }
    }

    /// One value: primitives directly, anything else through its `encode(to:)`, closing
    /// whatever that opened.
    func value<T: Encodable>(_ value: T) throws {
        switch value {
        case let v as String: writer.string(v)
        case let v as Bool: writer.bool(v)
        case let v as Int: writer.integer(v)
        case let v as Int64: writer.number(String(v))
        case let v as Int32: writer.number(String(v))
        case let v as Int16: writer.number(String(v))
        case let v as Int8: writer.number(String(v))
        case let v as UInt: writer.number(String(v))
        case let v as UInt64: writer.number(String(v))
        case let v as UInt32: writer.number(String(v))
        case let v as UInt16: writer.number(String(v))
        case let v as UInt8: writer.number(String(v))
        case let v as Double: try floating(v)
        case let v as Float: try floating(v)
        case let v as URL: writer.string(v.absoluteString)
        case let v as Data: writer.string(v.base64EncodedString())
        case let v as Date: try floating(v.timeIntervalSinceReferenceDate)
        default:
            let frame = Frame()
            try value.encode(to: StreamingEncoder(output: self, frame: frame))
            switch frame.kind {
            case .none:
                writer.beginObject()
                writer.endObject()
            case .object: writer.endObject()
            case .array: writer.endArray()
            case .single: break
            }
        }
    }
}

/// What the value being encoded has opened (closed by ``Output/value(_:)`` afterwards).
private final class Frame {
    enum Kind { case none, object, array, single }
    var kind = Kind.none
}

private struct StreamingEncoder: Encoder {
    let output: Output
    let frame: Frame
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        switch frame.kind {
        case .none:
            frame.kind = .object
            output.writer.beginObject()
        case .object: break  // asked again: the same object goes on
        case .array, .single: output.unsupported = true
        }
        return KeyedEncodingContainer(KeyedStream<Key>(output: output))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        switch frame.kind {
        case .none:
            frame.kind = .array
            output.writer.beginArray()
        case .array: break
        case .object, .single: output.unsupported = true
        }
        return UnkeyedStream(output: output)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        if frame.kind != .none { output.unsupported = true }
        frame.kind = .single
        return SingleStream(output: output)
    }
}

/// Where a refused container writes: nowhere that matters (the result is thrown away).
private func discarded() -> Output { Output(capacity: 0) }

private struct KeyedStream<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let output: Output
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws {
        output.writer.key(key.stringValue)
        output.writer.null()
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        output.writer.key(key.stringValue)
        try output.value(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        output.unsupported = true
        return KeyedEncodingContainer(KeyedStream<NestedKey>(output: discarded()))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        output.unsupported = true
        return UnkeyedStream(output: discarded())
    }

    mutating func superEncoder() -> any Encoder {
        output.unsupported = true
        return StreamingEncoder(output: discarded(), frame: Frame())
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder() }
}

private struct UnkeyedStream: UnkeyedEncodingContainer {
    let output: Output
    var codingPath: [any CodingKey] { [] }
    private(set) var count = 0

    init(output: Output) { self.output = output }

    mutating func encodeNil() throws {
        count += 1
        output.writer.null()
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        count += 1
        try output.value(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        output.unsupported = true
        return KeyedEncodingContainer(KeyedStream<NestedKey>(output: discarded()))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        output.unsupported = true
        return UnkeyedStream(output: discarded())
    }

    mutating func superEncoder() -> any Encoder {
        output.unsupported = true
        return StreamingEncoder(output: discarded(), frame: Frame())
    }
}

private struct SingleStream: SingleValueEncodingContainer {
    let output: Output
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { output.writer.null() }
    mutating func encode<T: Encodable>(_ value: T) throws { try output.value(value) }
}
