import DeviceMapper

extension TargetLine {
    /// A line as `dmsetup status` prints it, `start length type parameters`,
    /// so captured lines can be pasted into tests verbatim. The parameters keep
    /// the kernel's trailing space.
    init(dmsetup line: String) {
        let fields = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
        precondition(fields.count == 4, "not a dmsetup line: \(line.debugDescription)")
        self.init(start: UInt64(fields[0])!, length: UInt64(fields[1])!, type: String(fields[2]), parameters: String(fields[3]))
    }
}
