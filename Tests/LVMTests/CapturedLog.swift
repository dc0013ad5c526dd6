@testable import LVM

/// What liblvm2cmd passed to the log function, one message per call, for real
/// commands run through `lvm2_run` (LVM 2.03.16, 6.1 kernel under qemu).
/// Verbose and debug messages, which dmsnap drops, are left out.
enum CapturedLog {
    ///     lvs --reportformat json --units b --nosuffix -o lv_name,lv_uuid probevg/nosuch
    ///
    /// The report arrives line by line, without the CLI's indent, and the error
    /// is logged in the middle of it. `lvm2_run` returned 5.
    static let reportOfMissingVolume: [LVMLogMessage] = [
        LVMLogMessage(level: .print, text: "{", file: "device_mapper/libdm-report.c", line: 4719),
        LVMLogMessage(level: .print, text: "    \"report\": [", file: "device_mapper/libdm-report.c", line: 4751),
        LVMLogMessage(level: .error, text: "Failed to find logical volume \"probevg/nosuch\"", file: "toollib.c", line: 3488),
        LVMLogMessage(level: .print, text: "        {", file: "device_mapper/libdm-report.c", line: 4747),
        LVMLogMessage(level: .print, text: "            \"lv\": [", file: "device_mapper/libdm-report.c", line: 4751),
        LVMLogMessage(level: .print, text: "            ]", file: "device_mapper/libdm-report.c", line: 5015),
        LVMLogMessage(level: .print, text: "        }", file: "device_mapper/libdm-report.c", line: 5019),
        LVMLogMessage(level: .print, text: "    ]", file: "device_mapper/libdm-report.c", line: 5015),
        LVMLogMessage(level: .print, text: "}", file: "device_mapper/libdm-report.c", line: 5087),
    ]

    ///     lvs --reportformat json --units b --nosuffix -o lv_name,lv_uuid,thin_id,lv_tags,lv_attr probevg
    ///
    /// `lvm2_run` returned 1.
    static let report: [LVMLogMessage] = [
        LVMLogMessage(level: .print, text: "{", file: "device_mapper/libdm-report.c", line: 4719),
        LVMLogMessage(level: .print, text: "    \"report\": [", file: "device_mapper/libdm-report.c", line: 4751),
        LVMLogMessage(level: .print, text: "        {", file: "device_mapper/libdm-report.c", line: 4747),
        LVMLogMessage(level: .print, text: "            \"lv\": [", file: "device_mapper/libdm-report.c", line: 4751),
        LVMLogMessage(level: .print, text: "                {\"lv_name\":\"data\", \"lv_uuid\":\"DMp0Wf-h3FD-yLph-7K7E-fgSu-ZJ1s-I9oYcu\", \"thin_id\":\"1\", \"lv_tags\":\"\", \"lv_attr\":\"Vwi-a-tz--\"},", file: "device_mapper/libdm-report.c", line: 4684),
        LVMLogMessage(level: .print, text: "                {\"lv_name\":\"pool0\", \"lv_uuid\":\"6BD1Nr-zaxv-Q0UP-jR4Y-93Hp-nQXA-B7dd2g\", \"thin_id\":\"\", \"lv_tags\":\"\", \"lv_attr\":\"twi-aotz--\"}", file: "device_mapper/libdm-report.c", line: 4684),
        LVMLogMessage(level: .print, text: "            ]", file: "device_mapper/libdm-report.c", line: 5015),
        LVMLogMessage(level: .print, text: "        }", file: "device_mapper/libdm-report.c", line: 5019),
        LVMLogMessage(level: .print, text: "    ]", file: "device_mapper/libdm-report.c", line: 5015),
        LVMLogMessage(level: .print, text: "}", file: "device_mapper/libdm-report.c", line: 5087),
    ]

    ///     lvcreate --type thin --virtualsize 64m --thinpool pool0 --name x nosuchvg
    ///
    /// Two errors; `lvm2_run` returned 5.
    static let lvcreateInMissingVolumeGroup: [LVMLogMessage] = [
        LVMLogMessage(level: .error, text: "Volume group \"nosuchvg\" not found", file: "metadata/metadata.c", line: 5017),
        LVMLogMessage(level: .error, text: "Cannot process volume group nosuchvg", file: "toollib.c", line: 288),
    ]

    ///     lvcreate --type thin --virtualsize 64m --thinpool pool0 --name scratch1 probevg
    ///
    /// Warnings share the print level with ordinary messages; `lvm2_run` returned 1.
    static let lvcreateWithWarnings: [LVMLogMessage] = [
        LVMLogMessage(level: .print, text: "WARNING: Sum of all thin volume sizes (192.00 MiB) exceeds the size of thin pool probevg/pool0 (128.00 MiB).", file: "metadata/thin_manip.c", line: 414),
        LVMLogMessage(level: .print, text: "WARNING: You have not turned on protection against thin pools running out of space.", file: "metadata/thin_manip.c", line: 422),
        LVMLogMessage(level: .print, text: "WARNING: Set activation/thin_pool_autoextend_threshold below 100 to trigger automatic extension of thin pools before they get full.", file: "metadata/thin_manip.c", line: 424),
        LVMLogMessage(level: .print, text: "Logical volume \"scratch1\" created.", file: "metadata/lv_manip.c", line: 8987),
    ]
}
