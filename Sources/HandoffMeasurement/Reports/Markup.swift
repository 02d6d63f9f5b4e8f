/// Escaping for the XML (JUnit) and HTML reports. Works on Unicode scalars so no combining
/// character can hide a `<`, `&` or quote from it.
package enum Markup {
    /// Whether XML 1.0 allows `scalar` at all (`Char` production): tab, LF, CR, U+0020–U+D7FF,
    /// U+E000–U+FFFD, U+10000–U+10FFFF. Everything else is dropped from reports.
    package static func isValidXMLCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x9, 0xA, 0xD, 0x20...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: true
        default: false
        }
    }

    /// Text for XML element content or attribute values: `& < > " '` escaped, characters XML 1.0
    /// forbids removed. In attributes, tab, LF and CR are written as character references so parsers
    /// do not normalise them to spaces; in content, CR is (parsers turn a raw CR into LF).
    package static func xml(_ text: String, attribute: Bool = false) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars where isValidXMLCharacter(scalar) {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\r": out += "&#13;"
            case "\n" where attribute: out += "&#10;"
            case "\t" where attribute: out += "&#9;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Text for HTML content or quoted attribute values: `& < > " '` escaped, control characters
    /// other than tab, LF and CR removed.
    package static func html(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars where isValidXMLCharacter(scalar) {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
