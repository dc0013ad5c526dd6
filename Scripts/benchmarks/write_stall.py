"""2c. The longest stall an O_DIRECT writer sees while a snapshot is taken of
its disk: dmsnap (a group of the disk and one more; the disk alone) against
`lvcreate -s` of an LVM thin LV and the dmsetup trio, in interleaved rounds."""
import array
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

from fixtures import GIB, MIB, RAW_POOL, RAW_THIN, VOLUME_GROUP, sh, write_spread
from harness import log, run, run_sequence, settle

PROBE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "stall_probe.py")
RING = 4 * MIB            # the probe's ring: written in full first, so no write in it allocates
LEAD_S = 1.0              # the probe runs alone this long before the command, as its noise floor
TAIL_S = 0.5              # and this long after, so the write that waited out the resume completes
LVCREATE = "lvcreate -s of an LVM thin LV"


class Stall:
    """One probed command: the longest gap between completed writes that overlaps the command,
    the longest in the LEAD_S before it, and the probe's writes per second over that lead."""

    def __init__(self, times, begin, end):
        pairs = list(zip(times, times[1:]))
        lead_begin = begin - LEAD_S * 1e9

        def longest_ms(start, stop):
            return max(b - a for a, b in pairs if b > start and a < stop) / 1e6
        self.during_ms = longest_ms(begin, end)
        self.lead_ms = longest_ms(lead_begin, begin)
        self.lead_writes_per_s = sum(1 for t in times if lead_begin <= t < begin) / LEAD_S


def probed(device, command):
    """Runs command() while the probe writes to device; returns the Stall and what command() returned."""
    with tempfile.NamedTemporaryFile() as out:
        probe = subprocess.Popen([sys.executable, PROBE, device, str(RING), out.name],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE)
        try:
            if probe.stdout.readline().strip() != b"ready":
                raise RuntimeError(f"the stall probe on {device} did not start (exit {probe.wait()})")
            time.sleep(LEAD_S)
            begin = time.monotonic_ns()
            result = command()
            end = time.monotonic_ns()
            time.sleep(TAIL_S)
        finally:
            probe.terminate()
            probe.wait(timeout=120)
        times = array.array("q")
        times.frombytes(out.read())
    return Stall(times, begin, end), result


def write_stall(ctx):
    ds = ctx.dmsnap
    disk, peer = ds.create_disk(1, "stall"), ds.create_disk(1, "stall-peer")
    sh("lvcreate", "-q", "-T", ctx.rig.lvm_thin_pool(), "-V", "1G", "-n", "probed")
    ctx.rig.raw_thin_pool(GIB)
    lv = f"/dev/{VOLUME_GROUP}/probed"
    for device in (ds.device(disk), lv, f"/dev/mapper/{RAW_THIN}"):
        write_spread(device, RING, RING)
    lvm_names = (f"probedsnap{n}" for n in itertools.count(1))
    raw_ids = itertools.count(1 << 20)     # clear of the ids section 1 gave its snapshots

    def group():
        reply = json.loads(run(ds.argv("CreateSnapshotGroup", "--DiskId.1", disk, "--DiskId.2", peer)).stdout)
        return lambda: ds.call("DeleteSnapshotGroup", "--SnapshotGroupId", reply["SnapshotGroupId"])

    def snapshot():
        made = json.loads(run(ds.argv("CreateSnapshot", "--DiskId", disk)).stdout)["SnapshotId"]
        return lambda: ds.delete_snapshot(made)

    def lvcreate():
        name = next(lvm_names)
        run(["lvcreate", "-q", "-s", f"{VOLUME_GROUP}/probed", "-n", name])
        return lambda: sh("lvremove", "-q", "-f", f"{VOLUME_GROUP}/{name}")

    def trio():
        made = next(raw_ids)
        run_sequence([["dmsetup", "suspend", RAW_THIN],
                      ["dmsetup", "message", RAW_POOL, "0", f"create_snap {made} 0"],
                      ["dmsetup", "resume", RAW_THIN]])
        return lambda: sh("dmsetup", "message", RAW_POOL, "0", f"delete {made}")

    cases = {
        "dmsnap CreateSnapshotGroup, the disk + 1": (ds.device(disk), group),
        "dmsnap CreateSnapshot of the disk": (ds.device(disk), snapshot),
        LVCREATE: (lv, lvcreate),
        "dmsetup suspend; message create_snap; resume": (f"/dev/mapper/{RAW_THIN}", trio),
    }

    def measure(device, take):
        """Each take() makes one snapshot and returns how to remove it, which runs after the probe stops."""
        settle()
        stall, remove = probed(device, take)
        remove()
        return stall

    rounds = ctx.counts["stall"]
    log(f"write stall: a warm-up, then {rounds} interleaved rounds of {len(cases)} probed snapshots")
    for device, take in cases.values():
        measure(device, take)
    stalls = {name: [] for name in cases}
    for index in range(rounds):
        for name, (device, take) in cases.items():
            stalls[name].append(measure(device, take))
        log(f"write stall: round {index + 1}/{rounds}")

    longest = {name: statistics.median(s.during_ms for s in found) for name, found in stalls.items()}
    every = [s for found in stalls.values() for s in found]
    r = ctx.report
    r.section("2c. Write stall: the longest gap between a 4 KiB O_DIRECT writer's completed writes, during the command")
    for name, found in stalls.items():
        r.row(name, longest[name], "ms", rounds, ratio=None if name == LVCREATE else longest[name] / longest[LVCREATE],
              samples=[round(s.during_ms, 2) for s in found])
    r.row("probe alone: longest gap in the second before", statistics.median(s.lead_ms for s in every), "ms", len(every))
    r.row("probe alone: writes per second", round(statistics.median(s.lead_writes_per_s for s in every)), "/s", len(every))
    r.note("ratios against lvcreate -s; the group's probed disk is its --DiskId.1; each probe is on the volume being snapshotted (1 GiB thin, 64 KiB blocks), "
           f"writing one block at a time round its first {RING // MIB} MiB, written in full beforehand")
    r.note("the stall is the median over rounds of each round's longest gap that overlaps the command, "
           "from its spawn to its exit; the snapshot is removed after each round, untimed")
