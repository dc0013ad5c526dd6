import DeviceMapper
import Foundation

/// Which block devices stand on which, from sysfs: `/sys/class/block/X/holders`
/// lists the devices built on X (dm, md), `slaves` the devices X is built on.
public struct HolderGraph: Sendable {
    public struct Device: Sendable, Hashable, CustomStringConvertible {
        /// The kernel's name: `dm-3`, `md0`, `loop1`, `sda2`.
        public let name: String
        public let number: DeviceNumber

        public var description: String { name }
        public var isDeviceMapper: Bool { name.hasPrefix("dm-") }
    }

    public private(set) var devices: [String: Device] = [:]
    private var holders: [String: Set<String>] = [:]
    private var slaves: [String: Set<String>] = [:]

    /// Reads the graph under `root` (normally /sys/class/block).
    public static func read(root: String = "/sys/class/block") throws -> HolderGraph {
        var graph = HolderGraph()
        let names = try FileManager.default.contentsOfDirectory(atPath: root)
        for name in names {
            let path = "\(root)/\(name)"
            guard let text = try? String(contentsOfFile: "\(path)/dev", encoding: .utf8),
                  let number = DeviceNumber(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { continue }
            graph.devices[name] = Device(name: name, number: number)
            graph.holders[name] = Set((try? FileManager.default.contentsOfDirectory(atPath: "\(path)/holders")) ?? [])
            graph.slaves[name] = Set((try? FileManager.default.contentsOfDirectory(atPath: "\(path)/slaves")) ?? [])
        }
        return graph
    }

    public func device(_ number: DeviceNumber) -> Device? {
        devices.values.first { $0.number == number }
    }

    /// Every device built on `device`, directly or through others.
    public func above(_ device: Device) -> Set<Device> {
        closure(from: device.name, along: holders)
    }

    /// Every device `device` is built on, directly or through others.
    public func below(_ device: Device) -> Set<Device> {
        closure(from: device.name, along: slaves)
    }

    /// The devices nothing stands on: what users mount or open.
    public func isTop(_ device: Device) -> Bool {
        holders[device.name, default: []].isEmpty
    }

    func holders(of device: Device) -> [Device] {
        holders[device.name, default: []].compactMap { devices[$0] }.sorted { $0.name < $1.name }
    }

    private func closure(from start: String, along edges: [String: Set<String>]) -> Set<Device> {
        var seen = Set<String>()
        var queue = Array(edges[start, default: []])
        while let next = queue.popLast() {
            guard seen.insert(next).inserted else { continue }
            queue += edges[next, default: []]
        }
        return Set(seen.compactMap { devices[$0] })
    }
}
