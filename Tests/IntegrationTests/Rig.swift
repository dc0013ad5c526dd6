import Foundation
import Testing

/// What the integration tests need from the machine: root and a kernel with
/// device-mapper. Outside the VM rig a test without them is skipped; inside the
/// rig (`DMSNAP_RIG=1`, set by Scripts/vm) it fails, so a rig that lost its
/// kernel features cannot pass by skipping.
enum Rig {
    static let insideRig = ProcessInfo.processInfo.environment["DMSNAP_RIG"] == "1"

    /// Root, and a driver the kernel lists (a stale /dev/mapper/control node
    /// can exist on a kernel without one).
    static var hasDeviceMapper: Bool {
        let misc = (try? String(contentsOfFile: "/proc/misc", encoding: .utf8)) ?? ""
        return getuid() == 0 && misc.contains("device-mapper")
    }

    /// Use as `@Test(.enabled(if: Rig.enabled))`.
    static var enabled: Bool { insideRig || hasDeviceMapper }

    /// Call first in every integration test.
    static func requireKernel() throws {
        if getuid() == 0 { _ = try? shell("modprobe -a dm-mod dm-thin-pool loop") }
        if !hasDeviceMapper {
            throw RigError("this test needs root and a kernel with device-mapper (uid \(getuid()), /proc/misc lists no device-mapper)")
        }
    }

    /// Runs `command` with /bin/sh and returns its standard output.
    /// Throws with the command's standard error when it exits non-zero.
    @discardableResult
    static func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw RigError("`\(command)` exited \(process.terminationStatus): \(String(decoding: errors, as: UTF8.self))")
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// A unique name for a device or volume group made by one test.
    static func uniqueName(_ stem: String) -> String {
        "dmsnaptest-\(stem)-\(UInt32.random(in: 0...UInt32.max))"
    }
}

struct RigError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// A loop device over a sparse file in /tmp, detached and deleted on `detach()`.
struct LoopDevice {
    let path: String
    let backingFile: String

    static func attach(sizeMiB: Int) throws -> LoopDevice {
        let file = "/tmp/\(Rig.uniqueName("loop")).img"
        try Rig.shell("truncate -s \(sizeMiB)M \(file)")
        let path = try Rig.shell("losetup --find --show \(file)")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        return LoopDevice(path: path, backingFile: file)
    }

    var sectors: UInt64 {
        get throws {
            UInt64(try Rig.shell("blockdev --getsz \(path)")
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        }
    }

    func detach() {
        _ = try? Rig.shell("losetup -d \(path); rm -f \(backingFile)")
    }
}
