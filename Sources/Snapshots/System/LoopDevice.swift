import Foundation

/// Loop devices over the sparse files of a file-backed pool, through losetup.
enum LoopDevice {
    /// Makes a sparse file of `sizeBytes`. The filesystem's largest file is
    /// only known by asking it: ftruncate fails with EFBIG beyond it (ext4
    /// with 4 KiB blocks stops at 16 TiB), which becomes an error that says so.
    static func createSparseFile(_ path: String, sizeBytes: UInt64) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw SnapshotsError(.internalError, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(descriptor) }
        guard ftruncate(descriptor, off_t(sizeBytes)) == 0 else {
            let reason = String(cString: strerror(errno))
            if errno == EFBIG || errno == EINVAL {
                throw SnapshotsError(.invalidParameter, """
                    cannot make \(path) \(sizeBytes) bytes long (\(reason)): its filesystem does not allow a file that \
                    large; choose a smaller --file-backed size, or a state directory on a filesystem that allows it
                    """)
            }
            throw SnapshotsError(.internalError, "cannot size \(path): \(reason)")
        }
    }

    /// The process's file size limit (`ulimit -f`) must allow the pool's
    /// files: beyond it ftruncate raises SIGXFSZ, which would kill dmsnap.
    /// (RLIM_INFINITY is all ones.)
    static func requireFileSizeLimit(allows sizeBytes: UInt64) throws {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_FSIZE.rawValue), &limit) == 0, limit.rlim_cur != rlim_t.max, UInt64(limit.rlim_cur) < sizeBytes else { return }
        throw SnapshotsError(.invalidParameter, """
            a file-backed pool of this size needs a file of \(sizeBytes) bytes, more than this process's file size \
            limit of \(limit.rlim_cur) bytes (ulimit -f); raise the limit or choose a smaller --file-backed size
            """)
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
