import Foundation
import Testing
import TestSupport

/// Issue 7, item 6: at least 10,000 generated argument vectors through the real
/// binary, over every command it has. None may crash or hang dmsnap, every
/// refusal must say why (an ECS verb: one JSON error), and none may change the
/// state directory, create /dev/mapper or /dev/dmsnap entries, or reach a
/// state directory smuggled inside a value.
///
/// The host has no device-mapper: a vector that passes validation fails
/// talking to the kernel, which must be just as clear and leave just as little.
///
/// Reproduce a failure with `DMSNAP_FUZZ_SEED=<seed> DMSNAP_FUZZ_VECTOR=<index>`;
/// `DMSNAP_FUZZ_COUNT` changes the number of vectors, `DMSNAP_FUZZ_SEED=random` the seed.
struct HostileInputFuzzTests {
    /// Two, one a core: each run is CPU-bound (about 30 ms of a core).
    static let workers = ProcessInfo.processInfo.environment["DMSNAP_FUZZ_WORKERS"].flatMap { Int($0) } ?? 2

    @Test(.timeLimit(.minutes(30)))
    func hostileArgumentVectorsCrashNothingAndChangeNothing() throws {
        let settings = FuzzSettings.fromEnvironment()
        let binary = DMSnapBinary.path
        let tree = try CommandTree(binary: binary)
        let root = try DMSnapBinary.scratchDirectory("fuzz")
        defer { try? FileManager.default.removeItem(atPath: root) }
        let targets = FuzzTargets(decoyDirectory: root + "/decoy", commandMarker: root + "/pwned")
        let seeded = try SeededState(directory: root + "/seed")
        let watched = ["/dev/mapper", "/dev/dmsnap", targets.decoyDirectory, targets.commandMarker, "/var/lib/dmsnap"]
        let baseline = try StateFingerprint(directory: seeded.directory, watching: watched)
        #expect(try CatalogDump.rows(atPath: seeded.directory + "/catalog.sqlite").count >= 6, "the seeded rows are there")
        let generator = VectorGenerator(seeded: seeded, hostile: HostileValues(targets: targets))
        print("fuzz: seed \(settings.seed), \(settings.indices.count) vectors, \(tree.leaves.count) commands: "
              + tree.leaves.map(\.name).joined(separator: ", "))

        let tally = FuzzTally()
        let started = ContinuousClock.now
        DispatchQueue.concurrentPerform(iterations: Self.workers) { worker in
            let state = root + "/worker\(worker)"
            do {
                try baseline.restore(into: state)
                for index in settings.indices where index % Self.workers == worker {
                    try runVector(index, tree: tree, generator: generator, settings: settings, state: state,
                                  baseline: baseline, tally: tally)
                    if tally.tried % 1000 == 0 { print(tally.summary(seed: settings.seed, seconds: (ContinuousClock.now - started).seconds)) }
                }
            } catch {
                Issue.record("fuzz worker \(worker) stopped: \(error)")
            }
        }

        print(tally.summary(seed: settings.seed, seconds: (ContinuousClock.now - started).seconds))
        for finding in tally.findings.prefix(25) {
            Issue.record("""
                vector \(finding.index) (reproduce: DMSNAP_FUZZ_SEED=\(settings.seed) DMSNAP_FUZZ_VECTOR=\(finding.index)): \
                dmsnap \(finding.vector)
                  \(finding.problems.map { $0.count > 1500 ? $0.prefix(1500) + "…" : $0 }.joined(separator: "\n  "))
                  stderr: \(finding.stderr)
                """)
        }
        #expect(tally.findings.count == 0, "vectors with a problem")
        #expect(tally.tried == settings.indices.count)
        if settings.indices.count >= 10 * tree.leaves.count {
            for leaf in tree.leaves {
                #expect(tally.perCommand[leaf.name, default: 0] >= 10, "dmsnap \(leaf.name) was fuzzed")
            }
            #expect(tally.rejected > tally.accepted, "most hostile vectors are refused")
        }
    }

    private func runVector(_ index: Int, tree: CommandTree, generator: VectorGenerator, settings: FuzzSettings,
                           state: String, baseline: StateFingerprint, tally: FuzzTally) throws {
        var random = SplitMix64(seed: settings.seed, index: index)
        let leaf = tree.leaves[index % tree.leaves.count]
        var arguments = generator.vector(for: leaf, using: &random)
        // Last, so it wins over nothing the vector says; the environment
        // covers a vector whose `--` turns it into a positional.
        if leaf.takesStateDirectory { arguments += [Array("--state-dir".utf8), Array(state.utf8)] }
        var invocation = Invocation(DMSnapBinary.path, arguments)
        invocation.environment["DMSNAP_STATE_DIR"] = state
        // LVM discovery costs a liblvm2cmd session (a quarter second here) and finds
        // nothing on this host, which has no volume groups; one vector in ten keeps it.
        if index % 10 != 0 { invocation.environment["DMSNAP_LVM_VOLUME_GROUPS"] = "" }
        let result = try invocation.run()
        // The vector may have swapped its command word for another's: what
        // dmsnap ran, and so the shape of its error, follows the first word.
        let first = arguments.first.map { String(decoding: $0, as: UTF8.self) }
        let ranECSVerb = tree.leaves.contains { $0.isECSVerb && $0.path.first == first }
        var problems = Verdict.problems(result, ecsVerb: ranECSVerb)
        let changes = try StateFingerprint(directory: state, watching: Array(baseline.watched.keys)).differences(from: baseline)
        if !changes.isEmpty {
            problems += changes.map { "changed state: \($0)" }
            try baseline.restore(into: state)
        }
        let finding = problems.isEmpty ? nil : FuzzTally.Finding(
            index: index, command: leaf.name, vector: Verdict.shown(arguments), problems: problems,
            stderr: String(result.errorText.prefix(400)))
        tally.record(command: leaf.name, bytes: arguments.reduce(0) { $0 + $1.count }, status: result.status, finding: finding)
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
