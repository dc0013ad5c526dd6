import Foundation
import TestSupport

/// Makes argument vectors for one command: its real options and positionals,
/// each value either plausible (a seeded ID or name, a sane size) or hostile,
/// plus now and then a wrong arity, a missing value, `=` forms, a mutated
/// command word or stray words.
struct VectorGenerator {
    /// What an argument means, guessed from its name, so a plausible value fits it.
    enum Slot {
        case disk, snapshot, diskIds, snapshotIds, size, gibibytes, number, percent, name, description, pool, device,
             bool, output, status, token, words, any
    }

    let seeded: SeededState
    let hostile: HostileValues

    /// The words after `dmsnap` (the state directory is added by the caller).
    func vector(for leaf: CommandTree.Leaf, using random: inout SplitMix64) -> [[UInt8]] {
        let focus = random.pick(HostileFamily.allCases)
        // The share of slots that get hostile text: sometimes one, sometimes all.
        let hostility = random.pick([0.15, 0.35, 0.6, 1.0])
        func value(_ slot: Slot) -> [UInt8] {
            guard random.chance(hostility) else { return Array(plausible(slot, using: &random).utf8) }
            return hostile.make(random.chance(0.7) ? focus : random.pick(HostileFamily.allCases), using: &random)
        }

        var chunks: [[[UInt8]]] = []
        let positionalCount = random.chance(0.85) ? leaf.positionals + (leaf.repeatingPositional ? Int.random(in: 0...4, using: &random) : 0)
                                                  : max(0, leaf.positionals + Int.random(in: -2...2, using: &random))
        for index in 0..<positionalCount {
            chunks.append([value(positionalSlot(leaf, index: index))])
        }
        if leaf.path == ["ResetDisks"] {
            for (flag, slot) in diskPairFlags(using: &random) { chunks.append([flag, value(slot)]) }
        }
        for option in leaf.options where !Self.steeredClear.contains(option.spelling) {
            let rare = ["-h", "--help", "--version"].contains(option.spelling)
            guard random.chance(rare ? 0.005 : 0.35) else { continue }
            let name = Array(option.spelling.utf8)
            guard option.takesValue else { chunks.append([name]); continue }
            let slot = optionSlot(option.spelling)
            for _ in 0..<(option.repeats ? Int.random(in: 1...3, using: &random) : (random.chance(0.05) ? 2 : 1)) {
                switch Int.random(in: 0..<20, using: &random) {
                case 0: chunks.append([name])                          // the value missing
                case 1...5: chunks.append([name + Array("=".utf8) + value(slot)])
                default: chunks.append([name, value(slot)])
                }
            }
        }
        if random.chance(0.1) {
            for _ in 0..<Int.random(in: 1...3, using: &random) { chunks.append([hostile.make(random.pick(HostileFamily.allCases), using: &random)]) }
        }
        // Now and then about a mebibyte in all, in arguments of the most Linux passes.
        if focus == .huge, random.chance(0.2) {
            for _ in 0..<12 { chunks.append([hostile.make(.huge, using: &random)]) }
        }
        if random.chance(0.3) { chunks.shuffle(using: &random) }
        return mutated(leaf.path, using: &random) + chunks.flatMap { $0 }
    }

    /// Options the run does not choose at random: the caller sets the state directory.
    static let steeredClear: Set<String> = ["--state-dir", "--experimental-dump-help"]

    /// The command words, now and then mistyped.
    private func mutated(_ path: [String], using random: inout SplitMix64) -> [[UInt8]] {
        var words = path.map { Array($0.utf8) }
        guard random.chance(0.03), !words.isEmpty else { return words }
        let index = Int.random(in: 0..<words.count, using: &random)
        switch Int.random(in: 0..<3, using: &random) {
        case 0: words[index] = Array(path[index].uppercased().utf8)
        case 1: words.remove(at: index)
        default: words.insert(hostile.make(random.pick(HostileFamily.allCases), using: &random), at: index)
        }
        return words
    }

    /// ResetDisks' `--Disk.N.DiskId` words, N and the field sometimes wrong.
    private func diskPairFlags(using random: inout SplitMix64) -> [(flag: [UInt8], slot: Slot)] {
        (0..<Int.random(in: 0...4, using: &random)).map { _ in
            let index = random.pick(["1", "2", "0", "-1", "100", "101", "99999999999999999999", "a", "1.5", "", "١"])
            let field = random.pick(["DiskId", "SnapshotId", "DiskId", "SnapshotId", "Diskid", "Id"])
            let slot: Slot = field == "SnapshotId" ? .snapshot : .disk
            return (Array("--Disk.\(index).\(field)".utf8), slot)
        }
    }

    private func positionalSlot(_ leaf: CommandTree.Leaf, index: Int) -> Slot {
        let path = leaf.path
        if path == ["help"] || path == ["ResetDisks"] { return .words }
        if path == ["disk", "create"] { return .size }
        if path == ["rollback"] && index == 1 || path == ["clone"] || path.first == "snapshot" { return .snapshot }
        if path.first == "pool" { return .pool }
        if path.contains(where: { $0.lowercased().contains("disk") || $0 == "rollback" || $0 == "snapshots" }) { return .disk }
        return .any
    }

    private func optionSlot(_ spelling: String) -> Slot {
        let name = spelling.lowercased()
        if name.hasSuffix("diskids") { return .diskIds }
        if name.hasSuffix("snapshotids") { return .snapshotIds }
        if name.hasSuffix("diskid") { return .disk }
        if name.hasSuffix("snapshotid") || name.hasSuffix("groupid") { return .snapshot }
        if name == "--size" { return .gibibytes }
        if name.contains("size") || name.contains("file-backed") { return name.contains("page") ? .number : .size }
        if ["--pagenumber", "--maxresults", "--retentiondays", "--low-water-mark"].contains(name) { return .number }
        if name.contains("limit") { return .percent }
        if name.contains("description") { return .description }
        if name.contains("pool") { return .pool }
        if name.contains("name") { return .name }
        if name == "--data" || name == "--metadata" { return .device }
        if name == "--force" || name == "--deferred" { return .bool }
        if name == "--output" { return .output }
        if name == "--status" { return .status }
        if name.contains("token") { return .token }
        return .any
    }

    private func plausible(_ slot: Slot, using random: inout SplitMix64) -> String {
        switch slot {
        case .disk: random.pick(seeded.plausibleDiskReferences)
        case .snapshot: random.pick(seeded.plausibleSnapshotReferences)
        case .diskIds: "[\"\(seeded.diskId)\"]"
        case .snapshotIds: "[\"\(seeded.snapshotId)\",\"s-aaaaaaaaaaaaaaaaaaaa\"]"
        case .size: random.pick(["1G", "512M", "10G", "64K", "1T"])
        case .gibibytes: random.pick(["1", "20", "65536"])
        case .number: random.pick(["1", "10", "100"])
        case .percent: random.pick(["50", "95", "99.5"])
        case .name: random.pick(["web-2", "copy.1", "a:b_c"])
        case .description: random.pick(["before the upgrade", ""])
        case .pool: SeededState.poolName
        case .device: random.pick(["/dev/loop90", "/dev/loop91", "/dev/null"])
        case .bool: random.pick(["true", "false"])
        case .output: random.pick(["cols=SnapshotId,SnapshotName", "cols=DiskId rows=Disks.Disk[]"])
        case .status: random.pick(["accomplished", "all", "missing"])
        case .token: "eyJvZmZzZXQiOjF9"
        case .words: random.pick(["CreateSnapshot", "snapshot", "create", "pool", "--help"])
        case .any: random.pick(["web", seeded.diskId, "1G"])
        }
    }
}
