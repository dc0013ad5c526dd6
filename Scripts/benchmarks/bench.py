"""dmsnap's benchmarks, run as root where device-mapper is (Scripts/bench-steps
calls this; Scripts/bench is the command to use).

    bench.py run --binary DMSNAP --scratch DIR [--shared-binary DMSNAP] [--pie-binary DMSNAP] [--quick] [--real-budget SECONDS]
                 [--only SECTION[,SECTION...]]
    bench.py cleanup --scratch DIR

`run` prints one table, then the same figures as JSON between two marker lines.
"""
import argparse
import datetime
import os
import shutil
import platform
import sys
import tempfile
import time
import traceback

import fixtures
import harness
import measures
from copies import copies
from group_hold import group_hold
from write_stall import write_stall
from report import Report

JSON_BEGIN, JSON_END = "=== dmsnap-bench JSON begin ===", "=== dmsnap-bench JSON end ==="

COUNTS = {
    "full": dict(create=20, group=7, stall=7, scale_total=1000, scale_edge=50, catalog=10000, describe=10,
                 reset=7, fio_rounds=3, fio_seconds=6, copies=3),
    "quick": dict(create=3, group=2, stall=2, scale_total=40, scale_edge=5, catalog=200, describe=3,
                  reset=2, fio_rounds=1, fio_seconds=3, copies=2),
}


# In the order they run; `--only` picks some of them (the peak-RSS summary always follows).
SECTIONS = {
    "create": measures.snapshot_creation,
    "group": group_hold,
    "stall": write_stall,
    "scale": measures.scale,
    "rollback": measures.rollback,
    "write-cost": measures.write_cost,
    "copies": copies,
}


def sections(text):
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SECTIONS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown section {', '.join(unknown) or text!r}; the sections are {', '.join(SECTIONS)}")
    return set(names)


def virtualization():
    with open("/proc/cpuinfo") as file:
        if "QEMU TCG" in file.read():
            return "TCG (qemu, no KVM)"
    kind = fixtures.sh("systemd-detect-virt", check=False).strip()
    return {"kvm": "KVM (qemu with KVM)", "none": "no VM (bare metal)", "": "unknown"}.get(kind, f"VM: {kind}")


def memory_gib():
    with open("/proc/meminfo") as file:
        return int(file.readline().split()[1]) / (1 << 20)


def run(args):
    tempfile.tempdir = args.scratch
    mode = "quick" if args.quick else "full"
    started = time.monotonic()
    report = Report({
        "mode": mode, "kernel": platform.release(), "virtualization": virtualization(),
        "cpus": os.cpu_count(), "memory_gib": memory_gib(),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "binary": args.binary, "counts": COUNTS[mode], "real_budget_s": args.real_budget,
        "sections": sorted(args.only) if args.only else list(SECTIONS),
        "dmsnap_version": harness.run([args.binary, "--version"]).stdout.strip(),
        "lvm_version": fixtures.sh("lvm", "version").splitlines()[0].split(":", 1)[1].strip(),
        "fio_version": fixtures.sh("fio", "--version").strip(),
    })
    rig = fixtures.Rig(args.scratch)
    rig.require_clean_slate()
    failure = None
    try:
        harness.log(f"{mode} mode on {report.meta['kernel']}, {report.meta['virtualization']}")
        dmsnap = rig.dmsnap(args.binary, os.path.join(args.scratch, "state"))
        # The pool allocates forward through its data before it reuses freed
        # blocks, so its file ends up as large as the pool: 4 GiB holds what
        # any section keeps at once, with the VG and the raw pool, in the 8 GiB tmpfs.
        dmsnap.call("pool", "create", fixtures.DMSNAP_POOL, "--file-backed", "4G")
        rig.volume_group(6 * fixtures.GIB)
        pie_binary = None
        if args.pie_binary:     # installed beside dmsnap, on the same local storage
            pie_binary = os.path.join(args.scratch, "bin", "dmsnap-pie")
            shutil.copy2(args.pie_binary, pie_binary)
        context = measures.Context(rig, dmsnap, report, COUNTS[mode], args.real_budget, args.shared_binary, pie_binary)
        for name, section in SECTIONS.items():
            if args.only is None or name in args.only:
                section(context)
        measures.rss_summary(context)
    except Exception as error:    # the figures so far are still printed, then the failure
        failure = error
        traceback.print_exc()
    # The figures first: the clean-up after a full run can take minutes under TCG.
    report.meta["duration_s"] = time.monotonic() - started
    if failure is not None:
        report.meta["failed"] = str(failure)
    print(report.table())
    if failure is not None:
        print(f"\nTHE RUN FAILED, the table is incomplete: {failure}")
    print(JSON_BEGIN)
    print(report.json())
    print(JSON_END, flush=True)
    harness.log("removing every device, loop device and volume group made")
    try:
        fixtures.cleanup(args.scratch)
    except Exception:     # the figures still count; Scripts/bench-steps runs cleanup again on exit
        traceback.print_exc()
    return 1 if failure is not None else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run")
    run_parser.add_argument("--binary", required=True)
    run_parser.add_argument("--scratch", required=True)
    run_parser.add_argument("--shared-binary", help="dmsnap linked to the shared Swift libraries, for diagnostic rows")
    run_parser.add_argument("--pie-binary", help="dmsnap linked as a position-independent executable, for diagnostic rows")
    run_parser.add_argument("--quick", action="store_true")
    run_parser.add_argument("--real-budget", type=float, default=300,
                            help="seconds the snapshots between the timed ones may take through dmsnap before they are seeded")
    run_parser.add_argument("--only", type=sections, metavar="SECTION[,SECTION...]",
                            help=f"run these sections alone: {', '.join(SECTIONS)}")
    cleanup_parser = commands.add_parser("cleanup")
    cleanup_parser.add_argument("--scratch", required=True)
    args = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("bench.py: must run as root")
    if args.command == "cleanup":
        fixtures.cleanup(args.scratch)
        return 0
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
