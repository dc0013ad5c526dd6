/// The version of thin-provisioning-tools (`thin_dump`, `thin_delta`) on this
/// host, checked once per scan: some releases give wrong block maps.
struct ThinToolsVersion: Comparable, CustomStringConvertible {
    let major: Int, minor: Int, patch: Int

    var description: String { "\(major).\(minor).\(patch)" }

    static func < (left: Self, right: Self) -> Bool {
        (left.major, left.minor, left.patch) < (right.major, right.minor, right.patch)
    }

    /// Reads `MAJOR.MINOR.PATCH` from what `-V` prints ("0.9.0", "thin_dump 1.0.12").
    init?(parsing output: String) {
        let word = output.split(whereSeparator: \.isWhitespace).first { $0.first?.isNumber == true } ?? ""
        let numbers = word.split(separator: ".").map { Int($0.prefix { $0.isNumber }) }
        guard numbers.count >= 2, let major = numbers[0], let minor = numbers[1] else { return nil }
        self.major = major
        self.minor = minor
        patch = numbers.count > 2 ? numbers[2] ?? 0 : 0
    }

    init(_ major: Int, _ minor: Int, _ patch: Int) {
        self.major = major
        self.minor = minor
        self.patch = patch
    }

    /// Why this version cannot be trusted with a block map, nil when it can.
    /// 1.0.0 ignored `-m` and read the live metadata (EBUSY, or a map of a
    /// moving target); 1.0.0 to 1.0.5 could report a changed block as `same`,
    /// so an incremental copy would silently miss data.
    var refusal: String? {
        guard ThinToolsVersion(1, 0, 0) <= self, self <= ThinToolsVersion(1, 0, 5) else { return nil }
        return self == ThinToolsVersion(1, 0, 0)
            ? "it ignores -m (the metadata snapshot) and can report a changed block as unchanged"
            : "it can report a changed block as unchanged, so an incremental copy would miss data"
    }

    /// The installed version; throws when the tools are missing, say nothing
    /// readable, or are a release that gives wrong maps.
    static func requireTrustworthy() throws -> ThinToolsVersion {
        let output: String
        do {
            output = try ExternalCommand.run("thin_dump", ["-V"])
        } catch {
            throw SnapshotsError(.kernel, """
                cannot run thin_dump from thin-provisioning-tools, which reads a thin pool's block maps: \(error); \
                install thin-provisioning-tools (0.9 or 1.0.6 and later)
                """)
        }
        guard let version = ThinToolsVersion(parsing: output) else {
            throw SnapshotsError(.kernel, "thin_dump -V printed \(Validation.shown(String(output.prefix(80)))), not a version dmsnap can read")
        }
        if let refusal = version.refusal {
            throw SnapshotsError(.kernel, """
                thin-provisioning-tools \(version) is installed, and dmsnap refuses it for block maps: \(refusal). \
                Install 1.0.6 or later (or 0.9)
                """)
        }
        return version
    }
}
