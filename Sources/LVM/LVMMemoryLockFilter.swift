/// Files LVM need not lock in memory around its suspends.
///
/// Before it suspends a device LVM locks every mapping of its process in
/// memory (`activation/use_mlockall=0`), so that no page fault waits on a
/// device it holds. In-process that is all of dmsnap: its binary and every
/// library, most of an LVM command's time under liblvm2cmd. LVM skips a
/// mapping whose line in /proc/self/maps contains one of the strings of
/// `activation/mlock_filter`; the caller names the files that cannot be read
/// from a device LVM may suspend, and they are passed as that setting with
/// `--config`.
public struct LVMMemoryLockFilter: Sendable, Hashable {
    /// What LVM's own default skips (lvm.conf), kept: the override replaces it.
    public static let lvmDefaults = ["locale/locale-archive", "gconv/gconv-modules.cache"]

    /// The exempted files, in order, without duplicates.
    public let paths: [String]

    /// - Parameter paths: absolute paths of mapped files. Letters, digits and
    ///   `/ . _ + - @ :` only: a path with anything else (a quote, a space, a
    ///   backslash) is refused, and the caller leaves it locked.
    public init(exempting paths: [String]) throws(LVMError) {
        var seen = Set<String>(), kept: [String] = []
        for path in paths where seen.insert(path).inserted {
            if let reason = Self.problem(path) { throw LVMError.invalid("memory lock filter path", path, reason) }
            kept.append(path)
        }
        self.paths = kept
        let word = arguments[1].word
        guard word.utf8.count <= LVMArgument.maximumLength else {
            throw LVMError.invalid("memory lock filter", "\(paths.count) paths",
                                   "longer than the \(LVMArgument.maximumLength) characters of one LVM word")
        }
    }

    /// Whether `path` can be written into the setting: nil when it can.
    public static func problem(_ path: String) -> String? {
        guard path.hasPrefix("/") else { return "not an absolute path" }
        let allowed = path.unicodeScalars.allSatisfy { scalar in
            ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar)
                || "/._+-@:".unicodeScalars.contains(scalar)
        }
        return allowed ? nil : "only letters, digits and / . _ + - @ : may appear"
    }

    /// `--config 'activation{mlock_filter=["…",…]}'`. lvm2_run reads a word
    /// that starts with a quote up to the next one and drops both; no path
    /// holds a quote.
    var arguments: [LVMArgument] {
        let strings = (Self.lvmDefaults + paths).map { "\"\($0)\"" }.joined(separator: ",")
        return [.literal("--config"), LVMArgument(quoted: "activation{mlock_filter=[\(strings)]}")]
    }
}
