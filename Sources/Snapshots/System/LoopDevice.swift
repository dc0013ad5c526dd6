import Foundation

/// Loop devices over the sparse files of a file-backed pool, through losetup.
enum LoopDevice {
    static func createSparseFile(_ path: String, sizeBytes: UInt64) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SnapshotsError(.internalError, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard ftruncate(descriptor, off_t(sizeBytes)) == 0 else {
            throw SnapshotsError(.internalError, "cannot size \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The loop device backing `file`, attaching one when there is none.
    static func attach(file: String) throws -> String {
        if let existing = try device(backing: file) { return existing }
        return try ExternalCommand.run("losetup", ["--find", "--show", "--nooverlap", "--", file])
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func device(backing file: String) throws -> String? {
        let output = try ExternalCommand.run("losetup", ["--noheadings", "--output", "NAME", "--associated", file])
        return output.split(separator: "\n").first.map { $0.trimmingCharacters(in: .whitespaces) }
    }

    static func detach(file: String) throws {
        while let device = try device(backing: file) {
            try ExternalCommand.run("losetup", ["--detach", device])
        }
    }
}
