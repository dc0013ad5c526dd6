import Foundation

/// This host's `i-` ID, derived from /etc/machine-id so that it is the same on
/// every run and after every reinstall of dmsnap, and differs between hosts.
///
/// machine-id(5) asks that the ID itself not be exposed, so it is hashed with a
/// dmsnap-specific key first. The hash (two FNV-1a 64 passes with different
/// seeds, each finished with the SplitMix64 mixer) is not cryptographic: the
/// instance ID identifies, it does not authenticate.
public enum InstanceIdentity {
    public struct Error: Swift.Error, Equatable, Sendable, CustomStringConvertible {
        public let description: String
    }

    public static let machineIDPath = "/etc/machine-id"
    /// Keeps dmsnap's derivation apart from any other hash of the machine ID.
    private static let key = "dmsnap instance id v1\u{0}"
    private static let seeds: (UInt64, UInt64) = (FNV1a64.offsetBasis, 0x9E37_79B9_7F4A_7C15)

    /// Reads the machine ID file and derives the instance ID from it.
    public static func instanceID(machineIDPath path: String = machineIDPath) throws(Error) -> ResourceID {
        let contents: String
        do {
            contents = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Error(description: "cannot read \(path) to derive the instance ID (systemd-machine-id-setup creates it): \(error.localizedDescription)")
        }
        return try instanceID(machineID: contents, source: path)
    }

    /// The instance ID for machine ID `contents`: 32 hexadecimal digits, with the
    /// file's trailing newline allowed.
    public static func instanceID(machineID contents: String, source: String = machineIDPath) throws(Error) -> ResourceID {
        let machineID = contents.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
        guard machineID.utf8.count == 32, machineID.utf8.allSatisfy({ isHexDigit($0) }), machineID != String(repeating: "0", count: 32) else {
            throw Error(description: "\(source) holds \(UntrustedText.quoted(contents)), not a machine ID of 32 hexadecimal digits")
        }
        let halves = [seeds.0, seeds.1].map { seed in
            var hasher = FNV1a64(seed: seed)
            hasher.combine(key)
            hasher.combine(machineID)
            return mix(hasher.value)
        }
        let body = halves.map(base36Digits).joined()
        return ResourceID(kind: .instance, body: body)
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    /// SplitMix64's finalizer: FNV-1a leaves the high bits weakly mixed for short
    /// inputs that differ only at the end, and the digits are taken from all bits.
    private static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Ten base-36 digits of `value` (36^10 < 2^64; the slight bias of the
    /// reduction does not matter for an identifier that is derived, not drawn).
    private static func base36Digits(_ value: UInt64) -> String {
        var rest = value
        var digits: [UInt8] = []
        for _ in 0..<10 {
            digits.append(ResourceID.alphabet[Int(rest % 36)])
            rest /= 36
        }
        return String(decoding: digits, as: UTF8.self)
    }
}
