import DeviceMapper
import Foundation
import Snapshots
import Testing

/// The built `dmsnap` binary, run as a user runs it.
struct CLI {
    struct Result {
        let status: Int32
        let output: String
        let errors: String
        var killed: Bool { status == SIGKILL + 128 }
    }

    let stateDirectory: String
    /// The binary run: the built one, or a copy of it elsewhere.
    var executable = CLI.binary
    /// Set for every command, under each call's own: a test's LVM scope, say.
    var environment: [String: String] = [:]

    static var binary: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("dmsnap").path
    }

    /// A started invocation; `wait()` collects its result.
    struct Running {
        let process: Process
        let output: Pipe
        let errors: Pipe

        /// Longer than any dmsnap command takes under TCG on a loaded host
        /// (the slowest seen, a rollback under the 50-way concurrency test, took
        /// about 2 minutes): a hung command fails its test, not the whole CI run.
        static let watchdog: Duration = .seconds(600)

        func wait() throws -> Result {
            nonisolated(unsafe) var timedOut = false
            let pid = process.processIdentifier
            let watchdog = DispatchWorkItem {
                timedOut = true
                kill(pid, SIGKILL)
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(Int(Self.watchdog.components.seconds)), execute: watchdog)
            // Drain both pipes while the process runs, so neither can fill and block it.
            nonisolated(unsafe) var errorData = Data()
            let group = DispatchGroup()
            group.enter()
            DispatchQueue.global().async {
                errorData = errors.fileHandleForReading.readDataToEndOfFile()
                group.leave()
            }
            let outputData = output.fileHandleForReading.readDataToEndOfFile()
            group.wait()
            process.waitUntilExit()
            watchdog.cancel()
            if timedOut {
                throw RigError("dmsnap \((process.arguments ?? []).joined(separator: " ")) did not finish within \(Self.watchdog); "
                               + "the test killed it. Its standard error: \(String(decoding: errorData, as: UTF8.self))")
            }
            let status = process.terminationReason == .uncaughtSignal ? process.terminationStatus + 128 : process.terminationStatus
            return Result(status: status, output: String(decoding: outputData, as: UTF8.self),
                          errors: String(decoding: errorData, as: UTF8.self))
        }
    }

    /// Execs its arguments with no signal blocked and every stop signal at its
    /// default action, as from a login shell: the test runner's threads block
    /// them, and a child started by Process inherits that mask.
    static let asFromAShell = """
        import os, signal, sys
        signal.pthread_sigmask(signal.SIG_SETMASK, [])
        for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGTSTP, signal.SIGPIPE):
            signal.signal(number, signal.SIG_DFL)
        os.execv(sys.argv[1], sys.argv[1:])
        """

    func start(_ arguments: [String], environment: [String: String] = [:], stateful: Bool = true,
               signalsAsFromAShell: Bool = false) throws -> Running {
        let process = Process()
        let arguments = arguments + (stateful ? ["--state-dir", stateDirectory] : [])
        if signalsAsFromAShell {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
            process.arguments = ["-c", Self.asFromAShell, executable] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        }
        // LVM stays out of a test's catalog unless the test names its volume group:
        // other suites make and remove VGs in the same machine meanwhile.
        process.environment = ProcessInfo.processInfo.environment
            .merging([LVMScope.environmentVariable: ""]) { $1 }
            .merging(self.environment) { $1 }
            .merging(environment) { $1 }
        let running = Running(process: process, output: Pipe(), errors: Pipe())
        process.standardOutput = running.output
        process.standardError = running.errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return running
    }

    @discardableResult
    func run(_ arguments: [String], environment: [String: String] = [:], stateful: Bool = true) throws -> Result {
        try start(arguments, environment: environment, stateful: stateful).wait()
    }

    /// Runs a command that must succeed, and returns its standard output.
    func succeed(_ arguments: [String], stateful: Bool = true) throws -> String {
        let result = try run(arguments, stateful: stateful)
        guard result.status == 0 else {
            throw RigError("dmsnap \(arguments.joined(separator: " ")) exited \(result.status): \(result.errors)")
        }
        return result.output
    }

    /// A value from a JSON response, by key path.
    static func field(_ json: String, _ path: String...) -> Any? {
        var value: Any? = try? JSONSerialization.jsonObject(with: Data(json.utf8))
        for key in path { value = (value as? [String: Any])?[key] }
        return value
    }
}

/// Checks that the catalog and the kernel agree: every disk's device maps the
/// catalog's thin id, the pool holds exactly the catalog's thin ids, nothing is
/// suspended, and no intent is left.
enum Agreement {
    /// `poolDevice` when another state directory has a live pool of the same name.
    static func check(stateDirectory: String, poolName: String, poolDevice: String? = nil) throws {
        let poolDevice = try poolDevice ?? PoolDevice.name(poolName)
        let service = try SnapshotService(stateDirectory: stateDirectory, lvmScope: .only([]))
        let deviceMapper = DeviceMapper()
        let disks = try service.describeDisks().filter { $0.record.poolName == poolName }
        let snapshots = try service.describeSnapshots().filter { $0.poolName == poolName }
        for disk in disks {
            let table = try deviceMapper.table("dmsnap-\(disk.record.id)")
            #expect(table.first?.parameters.split(separator: " ").last.map(String.init) == String(disk.record.thinId),
                    "disk \(disk.record.id) maps thin id \(disk.record.thinId)")
        }
        // Only this pool's devices: tests running beside this one may be mid-snapshot.
        for name in [poolDevice] + disks.map({ "dmsnap-\($0.record.id)" }) {
            #expect(try deviceMapper.info(name)?.isSuspended == false, "\(name) is not left suspended")
        }
        // A released snapshot has no thin device: its data is in a repository.
        let expected = Set(disks.map(\.record.thinId) + snapshots.filter { !$0.isReleased }.map(\.thinId))
        #expect(try thinIds(pool: poolDevice) == expected, "no orphan thin device and no record without one")
        #expect(try service.recover().finished.isEmpty, "nothing left to recover")
    }

    /// The thin id of the pool's own manifest device, which no record names.
    static let manifestThinId: UInt32 = 0xFF_FFFF

    /// The thin ids the pool's metadata holds, read with thin_ls from a metadata
    /// snapshot, less the manifest's.
    static func thinIds(pool: String) throws -> Set<UInt32> {
        try allThinIds(pool: pool).subtracting([manifestThinId])
    }

    static func allThinIds(pool: String) throws -> Set<UInt32> {
        let deviceMapper = DeviceMapper()
        let metadata = try #require(try deviceMapper.table(pool).first?.parameters.split(separator: " ").first)
        try deviceMapper.send(.reserveMetadataSnapshot, toPool: pool)
        defer { try? deviceMapper.send(.releaseMetadataSnapshot, toPool: pool) }
        let output = try Rig.shell("thin_ls --metadata-snap --no-headers -o DEV /dev/block/\(metadata)")
        return Set(output.split(whereSeparator: \.isWhitespace).compactMap { UInt32($0) })
    }
}

/// A pool's device-mapper names carry its identity (`dmsnap-pool-NAME-ID`,
/// `dmsnap-manifest-NAME-ID`); the tests find them by the pool's name, which
/// each test makes unique.
enum PoolDevice {
    static func all(_ poolName: String, kind: String = "pool") throws -> [String] {
        let prefix = "dmsnap-\(kind)-\(poolName)-"
        return try DeviceMapper().list().map(\.name).filter { name in
            name.hasPrefix(prefix) && name.dropFirst(prefix.count).count == 20
                && name.dropFirst(prefix.count).allSatisfy { $0.isLowercase || $0.isNumber }
        }
    }

    /// The one live pool device of that name.
    static func name(_ poolName: String) throws -> String {
        let found = try all(poolName)
        guard found.count == 1 else { throw RigError("pool \(poolName) has \(found.count) live devices: \(found)") }
        return found[0]
    }

    static func manifest(_ poolName: String) throws -> String {
        let found = try all(poolName, kind: "manifest")
        guard found.count == 1 else { throw RigError("pool \(poolName) has \(found.count) live manifest devices: \(found)") }
        return found[0]
    }
}
