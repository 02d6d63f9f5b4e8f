/// A point in time as whole milliseconds since 1970-01-01T00:00:00Z.
///
/// The wire contract carries ISO-8601 timestamps at millisecond precision, so the engine stores
/// exactly that precision: a timestamp a client echoes back (`since=`) compares equal to the
/// stored one, never "slightly earlier" (the reference platform's defect 7). Engine code never
/// reads a clock; every command is handed `now` by its caller.
public struct Timestamp: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) { self.milliseconds = milliseconds }

    public static let epoch = Timestamp(milliseconds: 0)

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    public static func + (lhs: Timestamp, rhs: Duration) -> Timestamp {
        Timestamp(milliseconds: lhs.milliseconds + rhs.wholeMilliseconds)
    }

    public static func - (lhs: Timestamp, rhs: Duration) -> Timestamp {
        Timestamp(milliseconds: lhs.milliseconds - rhs.wholeMilliseconds)
    }

    /// The time from `rhs` to `lhs`.
    public static func - (lhs: Timestamp, rhs: Timestamp) -> Duration {
        .milliseconds(lhs.milliseconds - rhs.milliseconds)
    }

    public var description: String { iso8601 }
}

extension Duration {
    /// This duration truncated to whole milliseconds.
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    /// This duration in seconds as a floating-point number.
    public var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

// MARK: - ISO-8601

extension Timestamp {
    /// `YYYY-MM-DDTHH:MM:SS.mmmZ`, always UTC, always three fraction digits.
    public var iso8601: String {
        let fields = fields
        guard (0...9999).contains(fields.year) else { return Self.plain(fields) }
        // Written into 24 bytes directly: every message and handoff in every poll has one.
        return String(unsafeUninitializedCapacity: 24) { out in Self.format(fields, into: out) }
    }

    /// Appends ``iso8601``'s bytes without making a `String` (the polled JSON responses).
    public func appendISO8601(to bytes: inout [UInt8]) {
        let fields = fields
        guard (0...9999).contains(fields.year) else { return bytes.append(contentsOf: Self.plain(fields).utf8) }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 24) { out in
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: out[..<Self.format(fields, into: out)]))
        }
    }

    private typealias Fields = (year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64, ms: Int64)

    private var fields: Fields {
        let (days, msOfDay) = milliseconds.floorDivided(by: 86_400_000)
        let (year, month, day) = Self.civil(fromDays: days)
        return (year, month, day, msOfDay / 3_600_000, msOfDay / 60_000 % 60, msOfDay / 1000 % 60, msOfDay % 1000)
    }

    /// Outside four-digit years (never a real timestamp here): the plain, slower form.
    private static func plain(_ f: Fields) -> String {
        "\(f.year)-\(Self.padded(f.month, 2))-\(Self.padded(f.day, 2))T\(Self.padded(f.hour, 2)):\(Self.padded(f.minute, 2)):\(Self.padded(f.second, 2)).\(Self.padded(f.ms, 3))Z"
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` into `out` (≥ 24 bytes) for a four-digit year; returns 24.
    private static func format(_ f: Fields, into out: UnsafeMutableBufferPointer<UInt8>) -> Int {
        func put(_ value: Int64, _ width: Int, at start: Int) {
            var rest = value
            for offset in stride(from: width - 1, through: 0, by: -1) {
                out[start + offset] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            }
        }
        put(f.year, 4, at: 0)
        out[4] = UInt8(ascii: "-")
        put(f.month, 2, at: 5)
        out[7] = UInt8(ascii: "-")
        put(f.day, 2, at: 8)
        out[10] = UInt8(ascii: "T")
        put(f.hour, 2, at: 11)
        out[13] = UInt8(ascii: ":")
        put(f.minute, 2, at: 14)
        out[16] = UInt8(ascii: ":")
        put(f.second, 2, at: 17)
        out[19] = UInt8(ascii: ".")
        put(f.ms, 3, at: 20)
        out[23] = UInt8(ascii: "Z")
        return 24
    }

    private static func padded(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }

    /// Parses an ISO-8601 date-time: `YYYY-MM-DDTHH:MM[:SS[.fraction]]` followed by `Z` or an
    /// offset `±HH:MM`, `±HHMM` or `±HH` (a space may stand for `T`: PostgreSQL's text form). Fractions finer than a millisecond are
    /// truncated towards the past, which keeps "strictly after" comparisons exact: a message at
    /// `.123` is not after `.123456`, and one at `.124` is. Returns `nil` for anything else.
    public init?(iso8601 text: String) {
        var scanner = DigitScanner(Array(text.utf8))
        guard let year = scanner.number(digits: 4), scanner.skip("-"),
              let month = scanner.number(digits: 2), scanner.skip("-"),
              let day = scanner.number(digits: 2), scanner.skip("T") || scanner.skip("t") || scanner.skip(" "),
              let hour = scanner.number(digits: 2), scanner.skip(":"),
              let minute = scanner.number(digits: 2)
        else { return nil }
        var second: Int64 = 0
        var fractionMs: Int64 = 0
        if scanner.skip(":") {
            guard let s = scanner.number(digits: 2) else { return nil }
            second = s
            if scanner.skip(".") || scanner.skip(",") {
                var digits = 0
                var value: Int64 = 0
                while let d = scanner.digit() {
                    if digits < 3 { value = value * 10 + d }
                    digits += 1
                }
                guard digits > 0 else { return nil }
                while digits < 3 { value *= 10; digits += 1 }
                fractionMs = value
            }
        }
        var offsetMinutes: Int64 = 0
        if scanner.skip("Z") || scanner.skip("z") {
        } else if let sign = scanner.sign() {
            guard let oh = scanner.number(digits: 2) else { return nil }
            var om: Int64 = 0
            if !scanner.atEnd {
                _ = scanner.skip(":")
                guard let minutes = scanner.number(digits: 2) else { return nil }
                om = minutes
            }
            guard oh < 24, om < 60 else { return nil }
            offsetMinutes = sign * (oh * 60 + om)
        } else {
            return nil
        }
        guard scanner.atEnd, (1...12).contains(month), day >= 1, day <= Self.daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 60
        else { return nil }
        let days = Self.days(fromCivil: year, month, day)
        let ms = ((days * 24 + hour) * 60 + minute - offsetMinutes) * 60_000 + second * 1000 + fractionMs
        self.init(milliseconds: ms)
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days-from-civil algorithms (proleptic Gregorian calendar).
    static func days(fromCivil y0: Int64, _ m: Int64, _ d: Int64) -> Int64 {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? yoe + era * 400 + 1 : yoe + era * 400, m, d)
    }
}

private struct DigitScanner {
    let bytes: [UInt8]
    var index = 0
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    var atEnd: Bool { index == bytes.count }
    mutating func digit() -> Int64? {
        guard index < bytes.count, bytes[index] >= 48, bytes[index] <= 57 else { return nil }
        defer { index += 1 }
        return Int64(bytes[index] - 48)
    }
    mutating func number(digits: Int) -> Int64? {
        var value: Int64 = 0
        for _ in 0..<digits {
            guard let d = digit() else { return nil }
            value = value * 10 + d
        }
        return value
    }
    mutating func skip(_ character: Unicode.Scalar) -> Bool {
        guard index < bytes.count, bytes[index] == UInt8(character.value) else { return false }
        index += 1
        return true
    }
    mutating func sign() -> Int64? {
        if skip("+") { return 1 }
        if skip("-") { return -1 }
        return nil
    }
}

extension Int64 {
    func floorDivided(by divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let q = self / divisor
        let r = self % divisor
        return r < 0 ? (q - 1, r + divisor) : (q, r)
    }
}
