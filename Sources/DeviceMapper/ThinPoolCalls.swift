/// dm-thin through the binding: messages to a pool and parsed status.
extension DeviceMapper {
    /// Sends `message` to sector 0 of the pool device `pool`.
    public func send(_ message: ThinPoolMessage, toPool pool: String) throws(DeviceMapperError) {
        try self.message(pool, sector: 0, message.text)
    }

    /// The pool's parsed status line.
    public func thinPoolStatus(_ pool: String, noFlush: Bool = false) throws(DeviceMapperError) -> ThinPoolStatus {
        let line = try singleLine(of: pool, type: "thin-pool", noFlush: noFlush)
        do {
            return try ThinPoolStatus(parsing: line)
        } catch {
            throw DeviceMapperError(.status, device: pool, kind: .failed, message: "\(error)")
        }
    }

    /// A thin volume's parsed status line.
    public func thinStatus(_ volume: String) throws(DeviceMapperError) -> ThinStatus {
        let line = try singleLine(of: volume, type: "thin", noFlush: false)
        do {
            return try ThinStatus(parsing: line)
        } catch {
            throw DeviceMapperError(.status, device: volume, kind: .failed, message: "\(error)")
        }
    }

    private func singleLine(of device: String, type: String, noFlush: Bool) throws(DeviceMapperError) -> TargetLine {
        let lines = try status(device, noFlush: noFlush)
        guard lines.count == 1, let line = lines.first, line.type == type else {
            throw DeviceMapperError(.status, device: device, kind: .failed,
                                    message: "expected one \(type) target, found \(lines.map(\.type))")
        }
        return line
    }
}
