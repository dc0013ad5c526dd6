/// An absolute block device path for commands such as `pvcreate`, in a
/// charset that cannot split, quote or comment an `lvm2_run` command line.
public struct LVMDevicePath: Sendable, Hashable, CustomStringConvertible {
    /// `PATH_MAX` less its terminating NUL.
    public static let maximumLength = 4095

    public let value: String

    public init(_ value: String) throws(LVMError) {
        if let reason = Self.problem(with: value) {
            throw LVMError.invalid("device path", value, reason)
        }
        self.value = value
    }

    public var description: String { value }

    static func problem(with value: String) -> String? {
        guard value.hasPrefix("/") else { return "it is not an absolute path" }
        if value == "/" { return "it names no device" }
        if value.utf8.count > maximumLength { return "it is longer than \(maximumLength) bytes" }
        // A path that climbs can name something other than what was checked upstream.
        if value.contains("..") { return "it contains '..'" }
        if let bad = value.unicodeScalars.first(where: { !isPathCharacter($0) }) {
            return "character \(String(bad).debugDescription) is not allowed (use letters, digits and / _ . + - :)"
        }
        return nil
    }

    static func isPathCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "/", "_", ".", "+", "-", ":": true
        default: false
        }
    }
}
