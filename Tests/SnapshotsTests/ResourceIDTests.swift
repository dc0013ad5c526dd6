import Foundation
@testable import Snapshots
import Testing
import TestSupport

/// A deterministic generator, so statistical tests cannot flake.
typealias SeededGenerator = SplitMix64

/// Returns the given draws in order, then zeros.
struct ScriptedGenerator: RandomNumberGenerator {
    var draws: [UInt64]
    mutating func next() -> UInt64 { draws.isEmpty ? 0 : draws.removeFirst() }
}

struct ResourceIDGenerationTests {
    @Test func aHundredThousandSnapshotIDsAreDistinctAndWellFormed() {
        let ids = (0..<100_000).map { _ in ResourceID.generate(.snapshot).rawValue }
        #expect(Set(ids).count == 100_000)
        // ^s-[a-z0-9]{20}$, checked bytewise: a Regex per ID takes seconds in a debug build.
        let malformed = ids.filter { id in
            id.utf8.count != 22 || !id.hasPrefix("s-")
                || !id.utf8.dropFirst(2).allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) }
        }
        #expect(malformed.isEmpty, "\(malformed.prefix(3))")
        #expect(ids[0].wholeMatch(of: #/s-[a-z0-9]{20}/#) != nil)
    }

    @Test(arguments: [(ResourceID.Kind.instance, "i-"), (.disk, "d-"), (.snapshot, "s-"), (.snapshotGroup, "ssg-")])
    func eachKindHasItsPrefix(kind: ResourceID.Kind, prefix: String) {
        let id = ResourceID.generate(kind)
        #expect(id.kind == kind)
        #expect(id.rawValue.hasPrefix(prefix))
        #expect(id.body.count == 20)
    }

    @Test func everyCharacterIsEquallyLikely() {
        var generator = SeededGenerator(state: 42)
        var counts = [Character: Int]()
        for _ in 0..<50_000 {
            for character in ResourceID.generate(.disk, using: &generator).body { counts[character, default: 0] += 1 }
        }
        #expect(counts.count == 36)
        let expected = Double(50_000 * 20) / 36
        let chiSquare = counts.values.reduce(0.0) { $0 + pow(Double($1) - expected, 2) / expected }
        // 35 degrees of freedom: 66.6 is the 0.999 quantile; a modulo bias of
        // 2^64 mod 36 would not show here, but a wrong alphabet mapping would.
        #expect(chiSquare < 66.6, "chi-square \(chiSquare)")
    }

    @Test func drawsAboveTheLastWholeBlockAreRejectedNotReduced() {
        // 3 × 36^12 is the first draw that would make `draw % 36^12` biased.
        let firstRejected: UInt64 = 3 * 4_738_381_338_321_616_896
        var generator = ScriptedGenerator(draws: [UInt64.max, firstRejected, 0, 0])
        let id = ResourceID.generate(.snapshot, using: &generator)
        #expect(id.rawValue == "s-aaaaaaaaaaaaaaaaaaaa", "both high draws were skipped; zeros map to 'a'")
        var lastAccepted = ScriptedGenerator(draws: [firstRejected - 1, 0])
        #expect(ResourceID.generate(.snapshot, using: &lastAccepted).rawValue == "s-999999999999aaaaaaaa")
    }

    @Test func idsEncodeAsPlainStrings() throws {
        let id = try ResourceID(parsing: "d-bp1afnc98r8kjh4x7q2m")
        let data = try JSONEncoder().encode([id])
        #expect(String(decoding: data, as: UTF8.self) == #"["d-bp1afnc98r8kjh4x7q2m"]"#)
        #expect(try JSONDecoder().decode([ResourceID].self, from: data) == [id])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([ResourceID].self, from: Data(#"["d-short"]"#.utf8)) }
    }
}

struct ResourceIDParsingTests {
    @Test func aWellFormedIDParsesAsItsKind() throws {
        let id = try ResourceID(parsing: "s-bp1afnc98r8kjh4x7q2m", as: .snapshot)
        #expect(id.kind == .snapshot)
        #expect(id.body == "bp1afnc98r8kjh4x7q2m")
        #expect(id.description == "s-bp1afnc98r8kjh4x7q2m")
        #expect(try ResourceID(parsing: "ssg-00000000000000000000").kind == .snapshotGroup)
    }

    @Test(arguments: [
        ("", ResourceIDError.Problem.empty),
        ("d-bp1afnc98r8kjh4x7q2m", .wrongPrefix(found: .disk)),
        ("ssg-bp1afnc98r8kjh4x7q2m", .wrongPrefix(found: .snapshotGroup)),
        ("x-bp1afnc98r8kjh4x7q2m", .wrongPrefix(found: nil)),
        ("S-bp1afnc98r8kjh4x7q2m", .wrongPrefix(found: nil)),
        ("s-", .wrongLength(0)),
        ("s-abc", .wrongLength(3)),
        ("s-bp1afnc98r8kjh4x7q2m0", .wrongLength(21)),
        ("s-bp1afnc98r8kjh4x7q2!", .badCharacter("!", position: 22)),
        ("s-BP1AFNC98R8KJH4X7Q2M", .badCharacter("B", position: 3)),
        ("s-bp1afnc98r8kjh4x7q\n", .badCharacter("\n", position: 21)),
        ("s-bp1afnc98r8kjh4x7qé", .badCharacter("é", position: 21)),
        (" s-bp1afnc98r8kjh4x7q2m", .wrongPrefix(found: nil)),
    ])
    func malformedSnapshotIDsSayWhatIsWrong(input: String, problem: ResourceIDError.Problem) {
        #expect(throws: ResourceIDError(expected: .snapshot, problem: problem, input: input)) {
            try ResourceID(parsing: input, as: .snapshot)
        }
    }

    @Test func messagesNameTheKindAndTheFault() {
        func message(_ input: String, _ kind: ResourceID.Kind?) -> String {
            do throws(ResourceIDError) {
                if let kind { _ = try ResourceID(parsing: input, as: kind) } else { _ = try ResourceID(parsing: input) }
                return "parsed"
            } catch {
                return error.description
            }
        }
        #expect(message("d-bp1afnc98r8kjh4x7q2m", .snapshot) == #""d-bp1afnc98r8kjh4x7q2m" is a disk ID, not a snapshot ID (expected s- and 20 characters of a-z, 0-9)"#)
        #expect(message("s-BP1", .snapshot) == #""s-BP1" is not a snapshot ID: character 3 is "B" (IDs are lowercase); expected s- and 20 characters of a-z, 0-9"#)
        #expect(message("s-abc", .snapshot) == #""s-abc" is not a snapshot ID: it has 3 characters after the prefix, not 20"#)
        #expect(message("", .disk) == "a disk ID is required: d- and 20 characters of a-z, 0-9")
        #expect(message("q-1", nil) == #""q-1" is not a resource ID: it must start with i-, d-, s- or ssg-"#)
    }

    @Test func hugeInputIsNeitherEchoedNorScannedWhole() throws {
        let huge = "s-" + String(repeating: "a", count: 1_000_000)
        let error = try #require(throws: ResourceIDError.self) { try ResourceID(parsing: huge, as: .snapshot) }
        #expect(error.problem == .wrongLength(1_000_000))
        #expect(error.description.count < 200)
    }

    @Test func controlAndBidiCharactersAreEscapedInMessages() throws {
        let error = try #require(throws: ResourceIDError.self) { try ResourceID(parsing: "s-\u{1B}[2J\u{202E}evil", as: .snapshot) }
        #expect(!error.description.unicodeScalars.contains { $0.properties.generalCategory == .control || $0 == "\u{202E}" })
        #expect(error.description.contains(#"\u{1B}"#))
        #expect(error.description.contains(#"\u{202E}"#))
    }
}
