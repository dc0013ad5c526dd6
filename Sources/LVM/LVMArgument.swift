/// One word of an LVM command line.
///
/// `lvm2_run` takes a single string and splits it itself (`lvm_split` in
/// tools/lvmcmdline.c): on whitespace, with a word that starts with a quote
/// running to the matching quote, and a word that starts with '#' ending the
/// line as a comment. So each way to make an argument checks its word: no
/// whitespace, quotes or control characters, no leading '#', and only an option
/// may start with '-'. A command line built of arguments means what it says.
public struct LVMArgument: Sendable, Hashable, CustomStringConvertible {
    public let word: String

    private init(checked word: String) { self.word = word }

    public var description: String { word }

    /// An option, `-` or `--` then a letter, then letters, digits and '-':
    /// `--size`, `-K`, `--activate`.
    public static func option(_ text: String) throws(LVMError) -> LVMArgument {
        if let reason = optionProblem(text) { throw LVMError.invalid("LVM option", text, reason) }
        return LVMArgument(checked: text)
    }

    /// An option's value: `json`, `thin-pool`, `lv_name,lv_uuid`, `y`, `100%FREE`.
    /// Letters, digits and `_ + . , : = / % -`, not starting with '-'.
    public static func value(_ text: String) throws(LVMError) -> LVMArgument {
        if let reason = valueProblem(text) { throw LVMError.invalid("LVM option value", text, reason) }
        return LVMArgument(checked: text)
    }

    public static func name(_ name: LVMName) -> LVMArgument { LVMArgument(checked: name.value) }

    public static func volume(_ volume: LVMQualifiedName) -> LVMArgument { LVMArgument(checked: volume.description) }

    public static func device(_ device: LVMDevicePath) -> LVMArgument { LVMArgument(checked: device.value) }

    public static func size(_ size: LVMSize) -> LVMArgument { LVMArgument(checked: size.argument) }

    public static func tag(_ tag: LVMTag) -> LVMArgument { LVMArgument(checked: tag.value) }

    /// A single-quoted word, for a value made only of checked parts
    /// (`LVMMemoryLockFilter`): `text` holds no single quote, control
    /// character or newline, so the word ends at its closing quote.
    init(quoted text: String) {
        precondition(!text.contains("'") && !text.unicodeScalars.contains { $0.properties.generalCategory == .control },
                     "not a quotable LVM word: \(text.debugDescription)")
        self.init(checked: "'\(text)'")
    }

    /// An option or value written in dmsnap's own source. A bad one is a bug in
    /// dmsnap, not bad input, so it traps.
    static func literal(_ text: String) -> LVMArgument {
        precondition(optionProblem(text) == nil || valueProblem(text) == nil, "not an LVM word: \(text.debugDescription)")
        return LVMArgument(checked: text)
    }

    static let maximumLength = 4095

    static func optionProblem(_ text: String) -> String? {
        let body: Substring
        if text.hasPrefix("--") {
            body = text.dropFirst(2)
        } else if text.hasPrefix("-") {
            body = text.dropFirst()
        } else {
            return "an option starts with '-' or '--'"
        }
        guard let first = body.unicodeScalars.first, ("a"..."z").contains(first) || ("A"..."Z").contains(first) else {
            return "an option's name starts with a letter"
        }
        if text.utf8.count > 64 { return "it is longer than 64 bytes" }
        if let bad = body.unicodeScalars.first(where: { !isOptionCharacter($0) }) {
            return "character \(String(bad).debugDescription) is not allowed in an option (use letters, digits and -)"
        }
        return nil
    }

    static func valueProblem(_ text: String) -> String? {
        if text.isEmpty { return "it is empty" }
        if text.hasPrefix("-") { return "it starts with '-', which LVM reads as an option" }
        if text.utf8.count > maximumLength { return "it is longer than \(maximumLength) bytes" }
        if let bad = text.unicodeScalars.first(where: { !isValueCharacter($0) }) {
            return "character \(String(bad).debugDescription) is not allowed (use letters, digits and _ + . , : = / % -)"
        }
        return nil
    }

    private static func isOptionCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-": true
        default: false
        }
    }

    private static func isValueCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "_", "+", ".", ",", ":", "=", "/", "%", "-": true
        default: false
        }
    }
}
