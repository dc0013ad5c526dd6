/// How a command answers LVM's yes/no prompts, which a library must never leave
/// to the terminal: `yes_no_prompt` reads stdin, so a prompt would block the
/// shared queue on whoever holds the terminal.
enum PromptAnswer {
    /// `--yes`: for operations whose request already is the confirmation
    /// (removing the LV asked for, wiping stale signatures off a new LV).
    case yes
    /// `--quiet --quiet`: LVM's silent mode answers no without reading stdin
    /// (it still prints the question on stderr), and the command fails.
    /// Silent mode also keeps print-level messages from the log function;
    /// errors still arrive.
    case no

    var arguments: [LVMArgument] {
        switch self {
        case .yes: [.literal("--yes")]
        case .no: [.literal("--quiet"), .literal("--quiet")]
        }
    }
}
