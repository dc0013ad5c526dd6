/// A block device as a table line names it: an absolute path under /dev, or
/// `MAJ:MIN`.
///
/// The kernel resolves either form (`dm_get_device`). dmsnap refuses anything
/// else, so a reference can never carry a space, a newline or a second argument
/// into the table line it is written into.
public struct DeviceReference: Sendable, Hashable, CustomStringConvertible {
    /// The longest path the kernel will look up (PATH_MAX less the NUL).
    public static let maximumPathLength = 4095

    /// Exactly what goes into the table line.
    public let argument: String

    /// Checks `text`, a /dev path or `MAJ:MIN`.
    public init(_ text: String) throws(TargetArgumentError) {
        if let number = DeviceNumber(text) {
            try self.init(number)
        } else {
            try Self.validatePath(text)
            self.init(checked: text)
        }
    }

    /// A device by number, as sysfs and `dmsetup table` name it.
    public init(_ number: DeviceNumber) throws(TargetArgumentError) {
        // The kernel packs a dev_t as 12 bits of major and 20 of minor and
        // refuses (EOVERFLOW) a pair that does not round-trip.
        guard number.major < 1 << 12, number.minor < 1 << 20 else {
            throw TargetArgumentError("device", value: number.description, reason: .deviceNumberOutOfRange)
        }
        self.init(checked: number.description)
    }

    private init(checked argument: String) {
        self.argument = argument
    }

    public var description: String { argument }

    /// The characters of udev's device names and links (by-id, by-path, mapper),
    /// none of which a table line or a shell treats specially.
    static let allowedPathCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+_.-:#@/")

    private static func validatePath(_ path: String) throws(TargetArgumentError) {
        func refuse(_ reason: TargetArgumentError.Reason) -> TargetArgumentError {
            TargetArgumentError("device", value: path, reason: reason)
        }
        if path.isEmpty { throw refuse(.empty) }
        if path.utf8.count > maximumPathLength { throw refuse(.tooLong(limit: maximumPathLength)) }
        // Checked before the prefix so that "dev/x y" is refused for its space,
        // the more dangerous of its two faults.
        if let bad = path.first(where: { !allowedPathCharacters.contains($0) }) {
            throw refuse(.forbiddenCharacter(bad))
        }
        guard path.hasPrefix("/dev/") else { throw refuse(.notADeviceReference) }
        let components = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        if components.contains(where: { $0.isEmpty || $0 == "." || $0 == ".." }) {
            throw refuse(.badPathComponent)
        }
    }
}
