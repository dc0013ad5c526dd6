/// CRC-32C (Castagnoli), the checksum ext4, btrfs and iSCSI use for their own
/// metadata: it catches a torn or bit-rotted manifest slot, which is all it is
/// for (it is not a defence against someone forging a slot).
///
/// Reflected, initial value and final xor 0xFFFFFFFF; "123456789" gives 0xE3069283.
struct CRC32C {
    private static let table: [UInt32] = (0..<256).map { index in
        var crc = UInt32(index)
        for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        return crc
    }

    private var state: UInt32 = 0xFFFF_FFFF

    mutating func combine(_ bytes: UnsafeRawBufferPointer) {
        Self.table.withUnsafeBufferPointer { table in
            for byte in bytes {
                state = (state >> 8) ^ table[Int((state ^ UInt32(byte)) & 0xFF)]
            }
        }
    }

    mutating func combine(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { combine($0) }
    }

    var value: UInt32 { state ^ 0xFFFF_FFFF }
}
