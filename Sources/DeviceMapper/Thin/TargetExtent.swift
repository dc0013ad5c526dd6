/// Checks the sectors a target covers: device-mapper refuses a zero-length
/// target, and a range past 2^64 sectors would wrap.
func validateExtent(start: UInt64, length: UInt64) throws(TargetArgumentError) {
    if length == 0 {
        throw TargetArgumentError("target length", value: "0", reason: .zeroLength)
    }
    if start.addingReportingOverflow(length).overflow {
        throw TargetArgumentError("target length", value: "\(length)", reason: .endsPastLastSector)
    }
}
