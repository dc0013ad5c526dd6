import Foundation
import TestSupport

extension SplitMix64 {
    init(seed: UInt64) { self.init(state: seed) }

    /// The generator for vector `index` of a run: each vector is made on its own,
    /// in any order and on any worker, and reproduces alone.
    init(seed: UInt64, index: Int) {
        var mixer = SplitMix64(state: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        self.init(state: mixer.next())
    }

    mutating func chance(_ probability: Double) -> Bool { Double.random(in: 0..<1, using: &self) < probability }

    mutating func pick<T>(_ choices: [T]) -> T { choices[Int.random(in: 0..<choices.count, using: &self)] }
}

/// The fuzz run's knobs, from the environment so a failure reproduces:
/// `DMSNAP_FUZZ_SEED` (a number, or `random`), `DMSNAP_FUZZ_COUNT`, and
/// `DMSNAP_FUZZ_VECTOR` to run the one vector of that index.
struct FuzzSettings {
    static let defaultSeed: UInt64 = 0x646D_736E_6170 // "dmsnap"
    static let defaultCount = 10_000

    var seed: UInt64
    var indices: [Int]

    static func fromEnvironment() -> FuzzSettings {
        let environment = ProcessInfo.processInfo.environment
        let seed: UInt64 = switch environment["DMSNAP_FUZZ_SEED"] {
        case nil, "": defaultSeed
        case "random": UInt64.random(in: 0...UInt64.max)
        case let text?: UInt64(text) ?? UInt64(text.dropFirst(2), radix: 16) ?? defaultSeed
        }
        if let only = environment["DMSNAP_FUZZ_VECTOR"].flatMap({ Int($0) }) {
            return FuzzSettings(seed: seed, indices: [only])
        }
        let count = environment["DMSNAP_FUZZ_COUNT"].flatMap { Int($0) } ?? defaultCount
        return FuzzSettings(seed: seed, indices: Array(0..<count))
    }
}
