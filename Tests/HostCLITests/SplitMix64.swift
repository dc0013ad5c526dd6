import Foundation

/// A small seeded generator (SplitMix64, Steele et al.), so that a fuzz run is
/// repeated exactly from its seed and a vector from (seed, index).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    /// The generator for vector `index` of a run: each vector is made on its own,
    /// in any order and on any worker, and reproduces alone.
    init(seed: UInt64, index: Int) {
        var mixer = SplitMix64(seed: seed ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        state = mixer.next()
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
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
