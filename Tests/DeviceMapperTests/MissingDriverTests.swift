import DeviceMapper
import Foundation
import Testing

/// On a kernel without device-mapper (this host), every call fails with
/// `driverMissing` before libdevmapper runs: libdevmapper, as root, would
/// otherwise mknod /dev/mapper/control for a driver that is not there.
struct MissingDriverTests {
    static var hostLacksTheDriver: Bool {
        let misc = (try? String(contentsOfFile: "/proc/misc", encoding: .utf8)) ?? ""
        return !misc.contains("device-mapper") && !FileManager.default.fileExists(atPath: "/dev/mapper/control")
    }

    @Test(.enabled(if: hostLacksTheDriver, "needs a host without device-mapper"))
    func everyCallChecksForTheDriverAndCreatesNoControlNode() throws {
        let deviceMapper = DeviceMapper(udev: nil)
        let calls: [(String, () throws(DeviceMapperError) -> Void)] = [
            ("info", { () throws(DeviceMapperError) in _ = try deviceMapper.info("dmsnap-x") }),
            ("status", { () throws(DeviceMapperError) in _ = try deviceMapper.status("dmsnap-x") }),
            ("table", { () throws(DeviceMapperError) in _ = try deviceMapper.table("dmsnap-x") }),
            ("deps", { () throws(DeviceMapperError) in _ = try deviceMapper.deps("dmsnap-x") }),
            ("resume", { () throws(DeviceMapperError) in try deviceMapper.resume("dmsnap-x") }),
            ("remove", { () throws(DeviceMapperError) in try deviceMapper.remove("dmsnap-x") }),
            ("message", { () throws(DeviceMapperError) in _ = try deviceMapper.message("dmsnap-x", "delete 1") }),
            ("list", { () throws(DeviceMapperError) in _ = try deviceMapper.list() }),
        ]
        for (name, call) in calls {
            let error = try #require(throws: DeviceMapperError.self, "\(name)") { try call() }
            #expect(error.kind == .driverMissing, "\(name): \(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: "/dev/mapper/control"), "no control node was made")
    }
}
