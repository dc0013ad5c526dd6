/// An LVM tag, as given to `--addtag` or `--deltag`.
///
/// LVM's charset (`validate_tag` in lib/misc/lvm-string.c) is `[A-Za-z0-9_+.-/=!:&#]`.
/// Two more rules come from the command line, not from LVM's metadata: a tag
/// must not start with '-' (it would be read as an option), nor with '#':
/// `lvm_split`, which splits the string given to `lvm2_run`, treats a word
/// starting with '#' as a comment and silently drops it and everything after it.
public struct LVMTag: Sendable, Hashable, CustomStringConvertible {
    public let value: String

    public init(_ value: String) throws(LVMError) {
        if let reason = Self.problem(with: value) {
            throw LVMError.invalid("tag", value, reason)
        }
        self.value = value
    }

    public var description: String { value }

    static func problem(with value: String) -> String? {
        if value.isEmpty { return "it is empty" }
        if value.hasPrefix("-") { return "it starts with '-', which LVM reads as an option" }
        if value.hasPrefix("#") { return "it starts with '#', which ends an lvm2_run command line" }
        if let bad = value.unicodeScalars.first(where: { !isTagCharacter($0) }) {
            return "character \(String(bad).debugDescription) is not allowed (use letters, digits and _ + . - / = ! : & #)"
        }
        return nil
    }

    static func isTagCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "+", ".", "-", "/", "=", "!", ":", "&", "#": true
        default: false
        }
    }
}
