import Foundation
import TestSupport

/// The kinds of hostile text the fuzz run feeds dmsnap, each a family of
/// values an attacker or a confused script might pass.
enum HostileFamily: CaseIterable {
    case randomBytes, huge, unicode, optionInjection, pathTraversal, dmTable, lvm, malformedID, size, json, number

    /// The longest single argument Linux passes to a program (MAX_ARG_STRLEN,
    /// 32 pages, NUL included); a longer one fails execve with E2BIG before
    /// dmsnap runs, so "huge" means up to this, and 1 MiB spread over several.
    static let longestArgument = 32 * 4096 - 1
}

/// Places the run aims hostile text at: `--state-dir` smuggled in a value must
/// point here (never at real state), and `$(touch …)` would leave a file here.
struct FuzzTargets {
    let decoyDirectory: String
    let commandMarker: String
}

struct HostileValues {
    let targets: FuzzTargets

    func make(_ family: HostileFamily, using random: inout SplitMix64) -> [UInt8] {
        switch family {
        case .randomBytes:
            // NUL cannot be in an argument; every other byte can, valid UTF-8 or not.
            return (0..<Int.random(in: 1...64, using: &random)).map { _ in UInt8.random(in: 1...255, using: &random) }
        case .huge:
            return huge(using: &random)
        case .unicode:
            return Array(unicode(using: &random).utf8)
        case .optionInjection:
            return Array(random.pick(optionInjections).utf8)
        case .pathTraversal:
            return Array(random.pick(pathTraversals).utf8)
        case .dmTable:
            return Array(random.pick(Self.dmTableText).utf8)
        case .lvm:
            return Array(random.pick(lvmText).utf8)
        case .malformedID:
            return Array(malformedID(using: &random).utf8)
        case .size:
            return Array(random.pick(Self.sizes).utf8)
        case .json:
            return Array(json(using: &random).utf8)
        case .number:
            return Array(random.pick(Self.numbers).utf8)
        }
    }

    private func huge(using random: inout SplitMix64) -> [UInt8] {
        let length = random.chance(0.5) ? Int.random(in: 4096...65536, using: &random)
                                        : Int.random(in: 65536...HostileFamily.longestArgument, using: &random)
        let prefix: [UInt8] = Array(random.pick(["", "d-", "s-", "ssg-", "--", "/dev/", "[\"", "vg/", "cols="]).utf8)
        let unit: [UInt8] = Array(random.pick(["a", "0", "é", "🧨", "../", "\u{301}", " ", "s-", "9", "[", "\""]).utf8)
        var bytes = prefix
        bytes.reserveCapacity(length)
        while bytes.count + unit.count <= length { bytes += unit }
        return bytes
    }

    private func unicode(using random: inout SplitMix64) -> String {
        let pieces = [
            "e\u{301}\u{301}\u{301}\u{301}", "\u{202E}gpj.exe", "\u{202B}שלום\u{202C}", "مرحبا", "\u{200B}", "\u{FEFF}",
            "\u{200D}", "👩‍👩‍👧‍👦", "🇩🇪", "🧨", "\u{1}", "\u{1B}[31m", "\u{7F}", "\u{85}", "\u{9B}", "\t", "\r", "\n",
            "\u{2028}", "\u{2029}", "ｄ-", "İ", "ı", "ß", "Ａ", "１", "٣", "\u{FFFD}", "\u{10FFFF}", "\u{E000}", "\u{3000}",
        ]
        var text = random.chance(0.5) ? random.pick(["web", "before", "d-", "s-", "p0", "a"]) : ""
        for _ in 0..<Int.random(in: 1...6, using: &random) { text += random.pick(pieces) }
        if random.chance(0.3) { text += String(repeating: "\u{301}", count: Int.random(in: 100...5000, using: &random)) }
        return text
    }

    private var optionInjections: [String] {
        let decoy = targets.decoyDirectory
        return [
            "-", "--", "---", "-rf", "-h", "--help", "--version", "-x", "--json", "--force", "--no-udev",
            // --state-dir only ever inside a value: given as an option of its own,
            // dmsnap is right to use it.
            " --state-dir=\(decoy)", "x --state-dir \(decoy)", "--name=--state-dir=\(decoy)", "--state-dir\(decoy)",
            "-—state-dir", "—state-dir", "\u{2212}\u{2212}help", "--DiskId=d-aaaaaaaaaaaaaaaaaaaa",
            "--SnapshotId", "--output", "--Disk.1.DiskId", "--=", "-=", "--json=true", "--force=false", "-vvvv",
            "--data=/dev/null", "--file-backed=1G", "-x=1",
        ]
    }

    private var pathTraversals: [String] {
        [
            "../../etc", "../../../../../../etc/passwd", "/dev/../etc/passwd", "/dev/mapper/../../etc/shadow",
            "/dev/dmsnap/../../etc/passwd", "/dev/mapper/dmsnap-../../../etc", "/dev/mapper/control", "/dev/null",
            "/dev/zero", "/proc/self/mem", "/dev/mapper/", "/dev/", "/", ".", "..", "./x", "//dev//mapper//x",
            "/dev/dmsnap/", "/dev/dmsnap/..", "/dev/dmsnap/web/../web", "/dev/vg0/../../etc", "/dev/vg/lv/../x",
            targets.decoyDirectory, "\(targets.decoyDirectory)/../decoy", "/tmp/../var/lib/dmsnap", "~root", "\\..\\..\\etc",
        ]
    }

    static let dmTableText = [
        "0 100 linear /dev/sda 0", "0 8 zero", "x\n0 8 error", "a b", " ", "\t", "name\r\n", "dmsnap-pool-p0",
        "dmsnap-d-aaaaaaaaaaaaaaaaaaaa", "control", "thin-pool", "delete 1", "create_thin 5", "set_transaction_id 0 1",
        "0 2097152 thin /dev/mapper/dmsnap-pool-p0 7", "1 2 3 4 5 6 7 8 9", "a\nb",
        String(repeating: "x", count: 128), String(repeating: "y", count: 129), "dmsnap-", "dmsnap-pool-", "-",
    ]

    private var lvmText: [String] {
        [
            "#", "vg#lv", "\"quoted\"", "'single'", "--config 'devices{filter=[\"a|.*|\"]}'", "--config=x",
            "vg/lv/extra", "vg/", "/lv", "-vg/lv", "vg/-lv", "@tag", "vg/lv@tag", "$(touch \(targets.commandMarker))",
            "`touch \(targets.commandMarker)`", "a;touch \(targets.commandMarker)", "a|b", "a&&b", "vg/lv -y", "vg/lv --yes",
            "vg0/lv0", "vg0/snap_lv0", "vg0/[lv0_tdata]", "vg 0/lv 0", "vg0/lv0\n", "%s%s%n", "{}", "vg/lv;lvremove -f vg",
        ]
    }

    private func malformedID(using random: inout SplitMix64) -> String {
        let prefix = random.pick(["d-", "s-", "ssg-", "i-", "D-", "S-", "d_", "d", "-", "d--", "ssg", "x-", "s-d-"])
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789")
        let hostileCharacters = Array("ABCXYZ_-.:/ é🧨\u{301}\u{FF10}٣")
        let length = random.pick([0, 1, 19, 20, 20, 20, 21, 40, 1000])
        var body = String((0..<length).map { _ in random.pick(alphabet) })
        if !body.isEmpty, random.chance(0.6) {
            var characters = Array(body)
            characters[Int.random(in: 0..<characters.count, using: &random)] = random.pick(hostileCharacters)
            body = String(characters)
        }
        let suffix = random.pick(["", "", "", " ", "\n", "\t", "/", "/..", "'", "\""])
        return (random.chance(0.1) ? " " : "") + prefix + body + suffix
    }

    static let sizes = [
        "0", "-1", "-5G", "99999999999999999999G", "18446744073709551616", "18446744073709551615", "9223372036854775807",
        "-9223372036854775808", "1e3", "1E3G", "NaN", "nan", "inf", "-inf", "-0", "0x10", "0x10G", "1.5G", "1,5G", "1 G",
        " 1G", "1G ", "1GG", "G", "", "1P", "1E", "1024T", "1025T", "1K", "1B", "1b", "1iB", "1GiB", "1gib", "+1",
        "１G", "1\u{0660}", "0000000000000000000001G", "17179869184G", "16777216T", "1125899906842624", "1M", "512",
    ]

    static let numbers = [
        "0", "-1", "1", "100", "101", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808",
        "-9223372036854775809", "99999999999999999999", "1e3", "NaN", "inf", "0x1", "", " 1", "1 ", "+5", "٣", "1.0",
        "100.0001", "1e308", "1e309", "-1e309", "0x1p3", "5%", "true", "65536", "65537",
    ]

    private func json(using random: inout SplitMix64) -> String {
        switch Int.random(in: 0..<10, using: &random) {
        case 0: return random.pick(["[", "]", "{}", "[]", "null", "[1,2]", "[\"s-x\",]", "\u{FEFF}[]", "[\"\\u0000\"]",
                                    "[\"\\ud800\"]", "[1e999999]", "[\"a\":1]", "\"s-x\"", "[true]", "[[]]", "[{}]", "'[]'"])
        case 1: return String(repeating: "[", count: Int.random(in: 100...100_000, using: &random))
        case 2:
            let depth = Int.random(in: 100...30000, using: &random)
            return String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        case 3:
            let ids = (0..<Int.random(in: 101...5000, using: &random)).map { _ in "\"s-aaaaaaaaaaaaaaaaaaaa\"" }
            return "[" + ids.joined(separator: ",") + "]"
        case 4: return "[\"" + String(repeating: "s", count: Int.random(in: 1000...100_000, using: &random)) + "\"]"
        case 5: return "[\"\\u202e\", \"\\n\", \"d-aaaaaaaaaaaaaaaaaaaa\\u0000\"]"
        case 6: return "[\"" + malformedID(using: &random).replacingOccurrences(of: "\"", with: "\\\"") + "\"]"
        case 7: return "{\"SnapshotIds\":[\"s-aaaaaaaaaaaaaaaaaaaa\"]}"
        case 8: return "[" + String(repeating: "\"d-aaaaaaaaaaaaaaaaaaaa\",", count: 50) + "]"
        default: return "[\"s-" + String(repeating: "\\u0041", count: 20) + "\"]"
        }
    }
}
