/// The LVM commands dmsnap may run: the first word of every command line.
///
/// A closed list, so a command line can never start with anything else (such
/// as `_memlock_inc`, which `lvm2_run` treats as an instruction of its own).
public enum LVMCommand: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case pvcreate, pvremove, pvs, pvscan
    case vgcreate, vgremove, vgchange, vgextend, vgreduce, vgs, vgscan
    case lvcreate, lvremove, lvchange, lvconvert, lvrename, lvextend, lvresize, lvs, lvscan
    case version

    public var description: String { rawValue }

    /// Commands that only read LVM's metadata.
    public var isReport: Bool {
        switch self {
        case .pvs, .vgs, .lvs, .version: true
        default: false
        }
    }
}

/// A whole command line for `lvm2_run`, built only of checked words.
public struct LVMCommandLine: Sendable, Hashable, CustomStringConvertible {
    /// `lvm2_run` splits into at most 64 words (`MAX_ARGS`) and refuses a line
    /// that reaches the limit, so 63 is the most, the command included.
    public static let maximumWords = 63

    public let command: LVMCommand
    public let arguments: [LVMArgument]

    public init(_ command: LVMCommand, _ arguments: [LVMArgument]) throws(LVMError) {
        guard arguments.count + 1 <= Self.maximumWords else {
            throw LVMError.invalid("\(command) command line", "\(arguments.count + 1) words",
                                   "lvm2_run takes at most \(Self.maximumWords) words")
        }
        self.command = command
        self.arguments = arguments
    }

    /// The string given to `lvm2_run`.
    public var text: String {
        ([command.rawValue] + arguments.map(\.word)).joined(separator: " ")
    }

    public var description: String { text }
}
