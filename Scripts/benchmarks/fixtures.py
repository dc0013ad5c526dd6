"""What the benchmarks run on: loop devices over sparse files, an LVM volume
group, a thin pool made with plain dmsetup, and a dmsnap state directory with
a file-backed pool; directories (repositories) to remove.

Everything is written to a manifest in the scratch directory before it is
made; cleanup() resumes whatever of it is suspended, then undoes the manifest
in reverse. It is idempotent, and Scripts/bench-steps runs it again from its
EXIT trap, so a crash or a kill of the Python process still leaves nothing behind.
"""
import json
import os
import shutil
import sqlite3
import subprocess

import harness

PREFIX = "dmsnapbench"            # every dm device, VG and dmsnap pool made here starts with it
VOLUME_GROUP = PREFIX + "vg"
RAW_POOL = PREFIX + "-pool"       # the dmsetup-made thin pool and its volume
RAW_THIN = PREFIX + "-thin"
DMSNAP_POOL = PREFIX
BLOCK_SECTORS = 128               # 64 KiB thin blocks everywhere, as dmsnap's default
MIB = 1 << 20
GIB = 1 << 30


def sh(*argv, check=True):
    result = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if check and result.returncode != 0:
        raise harness.CommandFailed(list(argv), result.returncode, result.stderr or result.stdout)
    return result.stdout


class Manifest:
    def __init__(self, scratch):
        self.path = os.path.join(scratch, "manifest.jsonl")

    def add(self, kind, value):
        with open(self.path, "a") as file:
            file.write(json.dumps([kind, value]) + "\n")
            file.flush()
            os.fsync(file.fileno())

    def entries(self):
        if not os.path.exists(self.path):
            return []
        with open(self.path) as file:
            return [json.loads(line) for line in file if line.strip()]


class Rig:
    """Makes the fixtures and records each in the manifest."""

    def __init__(self, scratch):
        self.scratch = scratch
        self.manifest = Manifest(scratch)
        self.shared = set()      # what more than one section uses, made by whichever runs first (--only)

    def require_clean_slate(self):
        leftovers = [n for n in dm_names() if PREFIX in n]
        if leftovers or sh("vgs", "--noheadings", "-o", "vg_name", check=False).split().count(VOLUME_GROUP):
            raise RuntimeError(f"devices from an earlier run are still there ({', '.join(leftovers) or VOLUME_GROUP}); "
                               "remove them first (dmsetup remove / vgremove)")

    def loop(self, name, size_bytes):
        path = os.path.join(self.scratch, name)
        with open(path, "w") as file:
            file.truncate(size_bytes)
        self.manifest.add("loop", path)
        return sh("losetup", "--find", "--show", "--", path).strip()

    def dm_create(self, name, table):
        self.manifest.add("dm", name)
        sh("dmsetup", "create", name, "--table", table)

    def lvm_thin_pool(self):
        """The volume group's thin pool, with 64 KiB chunks as dmsnap's blocks."""
        if "lvm thin pool" not in self.shared:
            sh("lvcreate", "-q", "-T", "-L", "1G", "--chunksize", "64k", f"{VOLUME_GROUP}/thinpool")
            self.shared.add("lvm thin pool")
        return f"{VOLUME_GROUP}/thinpool"

    def raw_thin_pool(self, volume_bytes):
        """A thin pool and one thin volume made with dmsetup alone, as a user without LVM would."""
        if "raw thin pool" in self.shared:
            return
        self.shared.add("raw thin pool")
        metadata = self.loop("raw-metadata.img", 64 * MIB)
        data_bytes = 2 * volume_bytes
        data = self.loop("raw-data.img", data_bytes)
        blocks = data_bytes // (BLOCK_SECTORS * 512)
        self.dm_create(RAW_POOL, f"0 {data_bytes // 512} thin-pool {metadata} {data} {BLOCK_SECTORS} {max(16, blocks // 100)}")
        sh("dmsetup", "message", RAW_POOL, "0", "create_thin 0")
        self.dm_create(RAW_THIN, f"0 {volume_bytes // 512} thin /dev/mapper/{RAW_POOL} 0")

    def volume_group(self, size_bytes):
        device = self.loop("lvm.img", size_bytes)
        self.manifest.add("vg", [VOLUME_GROUP, device])
        sh("pvcreate", "-q", device)
        sh("vgcreate", "-q", VOLUME_GROUP, device)

    def dmsnap(self, binary, state):
        self.manifest.add("dmsnap", state)
        return DMSnap(binary, state)


class DMSnap:
    """dmsnap with its own state directory. Calls that set things up (not the
    timed ones) run under GNU time, so every operation's peak RSS is known."""

    def __init__(self, binary, state):
        self.binary = binary
        self.state = state
        self.peak_rss_kib = {}

    def argv(self, *args, udev=True):
        return [self.binary, *args, "--state-dir", self.state] + ([] if udev else ["--no-udev"])

    def record(self, operation, sample):
        if sample.rss_kib is not None:
            self.peak_rss_kib[operation] = max(self.peak_rss_kib.get(operation, 0), sample.rss_kib)
        return sample

    def call(self, *args):
        """Runs one command under GNU time; returns its JSON reply, if any."""
        sample = self.record(args[0] if args[0][0].isupper() else " ".join(args[:2]), harness.run(self.argv(*args), rss=True))
        text = sample.stdout.strip()
        return json.loads(text) if text.startswith("{") else text

    def create_disk(self, gib, name):
        return self.call("CreateDisk", "--Size", str(gib), "--DiskName", name)["DiskId"]

    def create_snapshot(self, disk):
        return self.call("CreateSnapshot", "--DiskId", disk)["SnapshotId"]

    def delete_snapshot(self, snapshot):
        self.call("DeleteSnapshot", "--SnapshotId", snapshot)

    @staticmethod
    def device(disk):
        return f"/dev/mapper/dmsnap-{disk}"

    def catalog(self):
        return os.path.join(self.state, "catalog.sqlite")


def write_spread(device, span_bytes, total_bytes, piece_bytes=MIB):
    """Writes total_bytes to device in O_DIRECT pieces spread evenly over its first span_bytes."""
    import mmap
    pieces = total_bytes // piece_bytes
    stride = span_bytes // pieces
    buffer = mmap.mmap(-1, piece_bytes)      # page-aligned, as O_DIRECT needs
    buffer.write(os.urandom(piece_bytes))
    descriptor = os.open(device, os.O_WRONLY | os.O_DIRECT)
    try:
        for index in range(pieces):
            os.pwrite(descriptor, buffer, index * stride)
    finally:
        os.close(descriptor)


# Cleanup

def dm_names():
    output = sh("dmsetup", "ls", check=False)
    return [line.split()[0] for line in output.splitlines() if line.strip() and "No devices found" not in line]


def dmsnap_devices(state):
    """The dm devices and backing files a dmsnap state directory made, from its catalog."""
    path = os.path.join(state, "catalog.sqlite")
    if not os.path.exists(path):
        return [], []
    db = sqlite3.connect(path, timeout=30)
    try:
        volumes = [row[0] for row in db.execute("SELECT id FROM snapshot UNION ALL SELECT id FROM disk")]
        pools = db.execute("SELECT name || '-' || poolId, dataFile, metadataFile FROM pool").fetchall()
    finally:
        db.close()
    # The manifest device stands on its pool, so it goes first. Pool devices carry the pool's identity.
    names = ([f"dmsnap-{v}" for v in volumes] + [f"dmsnap-manifest-{p[0]}" for p in pools]
             + [f"dmsnap-pool-{p[0]}" for p in pools])
    files = [f for p in pools for f in p[1:] if f]
    return names, files


def remove_dm(names):
    """Resumes, then removes; several passes, since a device cannot go before its holders."""
    for _ in range(4):
        present = set(dm_names())
        pending = [n for n in names if n in present]
        if not pending:
            return
        for name in pending:
            sh("dmsetup", "resume", name, check=False)
        for name in pending:
            sh("dmsetup", "remove", "--retry", name, check=False)
    left = [n for n in names if n in set(dm_names())]
    if left:
        harness.log(f"cleanup: could not remove {', '.join(left)}")


def detach_loops(path):
    for line in sh("losetup", "--noheadings", "--output", "NAME", "--associated", path, check=False).split():
        sh("losetup", "--detach", line, check=False)


def cleanup(scratch):
    entries = Manifest(scratch).entries()
    # Nothing of ours may stay suspended, whatever else fails.
    ours = [n for n in dm_names() if PREFIX in n]
    for kind, value in entries:
        if kind == "dm":
            ours.append(value)
        elif kind == "dmsnap":
            ours += dmsnap_devices(value)[0]
    present = set(dm_names())
    for name in ours:
        if name in present:
            sh("dmsetup", "resume", name, check=False)

    for kind, value in reversed(entries):
        if kind == "dm":
            remove_dm([value])
        elif kind == "dmsnap":
            names, files = dmsnap_devices(value)
            remove_dm(names)
            for path in files:
                detach_loops(path)
        elif kind == "vg":
            group, device = value
            sh("vgremove", "-q", "-ff", "-y", group, check=False)
            remove_dm([n for n in dm_names() if n.startswith(group + "-")])
            sh("pvremove", "-q", "-ff", "-y", device, check=False)
        elif kind == "loop":
            detach_loops(value)
        elif kind == "dir":         # a repository of section 7, after its pool's devices are gone
            shutil.rmtree(value, ignore_errors=True)
    remove_dm([n for n in dm_names() if PREFIX in n])
