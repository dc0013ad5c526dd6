import Foundation

/// Copies run in a worker process of their own, so that CreateSnapshot and
/// `snapshot copy` return at once while the copy goes on after the command
/// has exited: `dmsnap copy-worker SNAPSHOT REPOSITORY`, in a session of its
/// own (a hangup or Ctrl-C meant for the command does not reach it), its
/// output in the state directory's `copies/SNAPSHOT.log`.
///
/// A detached process rather than a transient systemd unit: it works the same
/// on hosts, containers and the test rig without systemd as PID 1, and the
/// worker's lease (`copies/SNAPSHOT.lease`, a lock the kernel drops when the
/// worker dies) is what tells a running copy from an interrupted one, which
/// `recover` and `activate` start again.
enum CopyWorker {
    /// glibc's POSIX_SPAWN_SETSID, which Swift does not import.
    private static let spawnNewSession: Int16 = 0x80

    static func directory(_ stateDirectory: String) throws -> String {
        let directory = stateDirectory + "/copies"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        return directory
    }

    static func leasePath(_ stateDirectory: String, snapshotId: String) throws -> String {
        try directory(stateDirectory) + "/\(snapshotId).lease"
    }

    /// Starts the worker; returns its process ID.
    static func start(snapshotId: String, repositoryName: String, stateDirectory: String, executable: String) throws -> pid_t {
        let log = try directory(stateDirectory) + "/\(snapshotId).log"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, log, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, spawnNewSession)
        let arguments = [executable, "copy-worker", snapshotId, repositoryName, "--state-dir", stateDirectory]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, &argv, environ)
        guard status == 0 else {
            throw SnapshotsError(.internalError, "cannot start the copy worker \(executable): \(String(cString: strerror(status)))")
        }
        return pid
    }
}
