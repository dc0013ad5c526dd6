/// Why a string is not the resource ID that was asked for, printable for the
/// user who typed it. The input is kept only as a short escaped quotation.
public struct ResourceIDError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Problem: Equatable, Sendable {
        /// Nothing was given.
        case empty
        /// The prefix is not the expected kind's; `found` is the kind the input
        /// does look like, if any (a disk ID where a snapshot ID belongs).
        case wrongPrefix(found: ResourceID.Kind?)
        /// A character outside `[a-z0-9]`; `position` counts from 1 over the whole input.
        case badCharacter(Unicode.Scalar, position: Int)
        /// The body after the prefix has this many characters instead of 20.
        case wrongLength(Int)
    }

    /// The kind that was asked for; nil when any kind would do.
    public let expected: ResourceID.Kind?
    public let problem: Problem
    /// The input, quoted, escaped and cut short (see `UntrustedText`).
    public let quotedInput: String

    init(expected: ResourceID.Kind?, problem: Problem, input: String) {
        self.expected = expected
        self.problem = problem
        self.quotedInput = UntrustedText.quoted(input)
    }

    public var description: String {
        let noun = expected.map { "a \($0.noun) ID" } ?? "a resource ID"
        let shape = expected.map { "\($0.prefix) and 20 characters of a-z, 0-9" }
            ?? "i-, d-, s- or ssg- and 20 characters of a-z, 0-9"
        switch problem {
        case .empty:
            return "\(noun) is required: \(shape)"
        case .wrongPrefix(let found?):
            return "\(quotedInput) is a \(found.noun) ID, not \(noun) (expected \(shape))"
        case .wrongPrefix(nil):
            return "\(quotedInput) is not \(noun): it must start with \(expected.map(\.prefix) ?? "i-, d-, s- or ssg-")"
        case .badCharacter(let scalar, let position):
            let hint = ("A"..."Z").contains(scalar) ? " (IDs are lowercase)" : ""
            return "\(quotedInput) is not \(noun): character \(position) is \(UntrustedText.quoted(String(scalar)))\(hint); expected \(shape)"
        case .wrongLength(let length):
            return "\(quotedInput) is not \(noun): it has \(length) characters after the prefix, not 20"
        }
    }
}
