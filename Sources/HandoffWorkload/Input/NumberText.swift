import Foundation

/// Number formatting shared by profile messages and the capacity reports (terminal, CSV, HTML). Locale-independent:
/// `String(format:)` without a locale always writes `.` as the decimal separator.
package enum NumberText {
    /// Seconds in a compact form: `720s`, `1.5s`, `0.05s`.
    package static func seconds(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : "inf" }
        return String(format: "%g", value) + "s"
    }

    /// A compact number (six significant digits): `60`, `0.8`, `1.5e-07`.
    package static func compact(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        return String(format: "%g", value)
    }

    /// Fixed decimals: `fixed(0.81234, 4)` → `0.8123`; `nan`, `inf` spelled out.
    package static func fixed(_ value: Double, _ decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        return String(format: "%.\(decimals)f", value)
    }

    /// A percentage with one decimal: `81.2%`.
    package static func percent(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        return String(format: "%.1f%%", value * 100)
    }

    /// A signed relative difference in percent: `+1.3%`, `-0.4%`; `–` when undefined.
    package static func relative(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "–" }
        return String(format: "%+.1f%%", value * 100)
    }

    /// Seconds of the day as `HH:MM` (`HH:MM:SS` when not whole minutes).
    package static func timeOfDay(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        let (h, m, s) = (total / 3600, total / 60 % 60, total % 60)
        return s == 0 ? String(format: "%02d:%02d", h, m) : String(format: "%02d:%02d:%02d", h, m, s)
    }
}

extension Duration {
    /// The duration in seconds, as a `Double` (profiles keep every duration in seconds).
    package var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
