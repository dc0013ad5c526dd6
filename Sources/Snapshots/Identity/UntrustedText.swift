/// Text from a user or a file, made safe to put in a message: quoted, with
/// control, format and unassigned characters escaped (a terminal must not act
/// on them, and a bidi override must not reorder the message), and cut short
/// so that a megabyte argument cannot become a megabyte error.
public enum UntrustedText {
    /// `text` in double quotes, at most `limit` Unicode scalars of it, then `…`.
    ///
    /// Scalars, not Characters, are counted: one Character can carry any number
    /// of combining scalars, so a Character limit would not bound the length.
    public static func quoted(_ text: String, limit: Int = 40) -> String {
        var result = "\""
        var count = 0
        for scalar in text.unicodeScalars {
            if count == limit {
                result += "…"
                break
            }
            result += escaped(scalar)
            count += 1
        }
        return result + "\""
    }

    /// One scalar as it may appear inside a quoted message.
    public static func escaped(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\"": return "\\\""
        case "\\": return "\\\\"
        case "\n": return "\\n"
        case "\r": return "\\r"
        case "\t": return "\\t"
        default:
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned:
                return "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            default:
                return String(scalar)
            }
        }
    }
}
