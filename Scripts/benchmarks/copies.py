"""7. Copies into a repository (issue 17): dmsnap snapshot copy and restore
against dd and zstd on the same snapshot, an incremental copy of an 8 GiB disk
against a 1 GiB one, repository growth, peak RSS and RemainTime's accuracy."""
import json
import mmap
import os
import shutil
import statistics
import time

from fixtures import GIB, MIB, PREFIX, sh
from harness import interleave, log, median, run, settle

COPY_POOL = PREFIX + "copies"     # a pool of its own: a restore makes a second disk as large as the first
CHANGED = 64 * MIB                # what changes between two incremental copies
SIZES = {"full": dict(disk=4 * GIB, written=2 * GIB), "quick": dict(disk=1 * GIB, written=256 * MIB)}   # --Size is in whole GiB
TARGETS = dict(copy=1.5, incremental=1.3, restore=1.5, growth=1.5, rss_mib=64, remain_pct=30)
POLL_S = 0.5


def seconds_of(samples):
    return [round(s.seconds, 3) for s in samples]


def write_unique(device, span_bytes, total_bytes):
    """Writes total_bytes to device in 1 MiB O_DIRECT pieces spread evenly over its first span_bytes,
    each half fresh random bytes and half zeros: about 2:1 for zstd, and no two pieces alike, so the
    repository's content addressing finds nothing to share that dd | zstd could not."""
    pieces = total_bytes // MIB
    stride = span_bytes // pieces
    buffer = mmap.mmap(-1, MIB)      # page-aligned, as O_DIRECT needs; its second half stays zero
    descriptor = os.open(device, os.O_WRONLY | os.O_DIRECT)
    try:
        for index in range(pieces):
            buffer[:MIB // 2] = os.urandom(MIB // 2)
            os.pwrite(descriptor, buffer, index * stride)
    finally:
        os.close(descriptor)


def tree_bytes(path):
    return sum(os.path.getsize(os.path.join(top, name)) for top, _, names in os.walk(path) for name in names)


class Repositories:
    """Repositories in directories of the scratch directory, each recorded in the manifest (kind "dir")
    before it is made, so cleanup removes them whatever happens."""

    def __init__(self, ctx):
        self.ctx = ctx
        self.count = 0

    def add(self, label):
        self.count += 1
        name = f"{label}{self.count}"
        path = os.path.join(self.ctx.rig.scratch, "repositories", name)
        self.ctx.rig.manifest.add("dir", path)
        os.makedirs(path)
        self.ctx.dmsnap.call("repository", "add", name, path)
        return name, path

    def remove(self, name, path):
        self.ctx.dmsnap.call("repository", "remove", name)
        shutil.rmtree(path)


def drop_disk(ds, disk):
    """Deletes a disk, discarding its blocks first: the pool passes the discards down to its loop device,
    which punches them out of the pool's file, so repeated restores do not fill the tmpfs."""
    sh("blkdiscard", ds.device(disk))
    ds.call("DeleteDisk", "--DiskId", disk)


def copy_argv(ds, snapshot, repository, wait=True):
    return ds.argv("snapshot", "copy", snapshot, "--to", repository, "--json", *(["--wait"] if wait else []))


def copied(sample):
    row = json.loads(sample.stdout)
    if row["status"] != "accomplished":
        raise RuntimeError(f"copy of {row['snapshotId']} ended {row['status']}: {row.get('reason')}")
    return row


def copies(ctx):
    ds, mode = ctx.dmsnap, ctx.report.meta["mode"]
    size, written = SIZES[mode]["disk"], SIZES[mode]["written"]
    rounds = ctx.counts["copies"]
    repositories = Repositories(ctx)
    ds.call("pool", "create", COPY_POOL, "--file-backed", f"{(2 * written + GIB) // MIB}M")
    disk = ds.call("CreateDisk", "--Size", str(size // GIB), "--DiskName", "copy-source", "--PoolName", COPY_POOL)["DiskId"]
    log(f"copies: writing {written // MIB} MiB over the {size // MIB} MiB disk")
    write_unique(ds.device(disk), size, written)
    snapshot = ds.create_snapshot(disk)
    image = os.path.join(ctx.rig.scratch, "repositories", "image.zst")
    ctx.rig.manifest.add("dir", os.path.dirname(image))
    os.makedirs(os.path.dirname(image), exist_ok=True)

    # Full copy: every run into a repository of its own, so each is full; the last one is kept to restore from.
    kept = []

    def dmsnap_copy(rss):
        if kept:
            repositories.remove(*kept.pop())
        kept.append(repositories.add("full"))
        sample = run(copy_argv(ds, snapshot, kept[0][0]), rss=rss)
        copied(sample)
        return sample

    def dd_zstd(rss):
        device = ds.call("snapshot", "expose", snapshot).strip()     # untimed; dmsnap's own activation is on its clock
        try:
            return run(["sh", "-c", f"dd if={device} bs=4M iflag=direct status=none | zstd -1 -q > {image}"], rss=rss)
        finally:
            ds.call("snapshot", "hide", snapshot)

    log(f"copies: full copy, {rounds} interleaved rounds")
    samples, peaks = interleave(rounds, {"dmsnap": dmsnap_copy, "dd | zstd": dd_zstd}, "full copy")
    ctx.note_rss(f"snapshot copy (full, {written // MIB} MiB mapped)", peaks["dmsnap"])
    full_repo_bytes = tree_bytes(kept[0][1])
    copy_s, dd_s = median(samples["dmsnap"]), median(samples["dd | zstd"])
    full = (samples, copy_s, dd_s, full_repo_bytes, os.path.getsize(image))

    # Restore, onto a new disk each time, deleted (untimed) after it.
    def dmsnap_restore(rss):
        sample = run(ds.argv("snapshot", "restore", snapshot, "--from", kept[0][0], "--pool", COPY_POOL, "--json"), rss=rss)
        drop_disk(ds, json.loads(sample.stdout)["DiskId"])
        return sample

    def zstd_dd(rss):
        target = ds.call("CreateDisk", "--Size", str(size // GIB), "--DiskName", "dd-target", "--PoolName", COPY_POOL)["DiskId"]
        settle()
        sample = run(["sh", "-c", f"zstd -d -q < {image} | dd of={ds.device(target)} bs=4M iflag=fullblock "
                                  "oflag=direct conv=sparse status=none"], rss=rss)
        drop_disk(ds, target)
        return sample

    log(f"copies: restore, {rounds} interleaved rounds")
    restored, restore_peaks = interleave(rounds, {"dmsnap": dmsnap_restore, "zstd | dd": zstd_dd}, "restore")
    ctx.note_rss(f"snapshot restore ({written // MIB} MiB mapped)", restore_peaks["dmsnap"])
    repositories.remove(*kept.pop())
    os.remove(image)

    remain = remain_time(ctx, repositories, snapshot)
    incremental = incremental_copies(ctx, repositories, rounds)
    report(ctx, size, written, rounds, full, restored, remain, incremental)


def remain_time(ctx, repositories, snapshot):
    """A background copy, polled through DescribeSnapshots: RemainTime when Progress first reaches 25%
    against the time from then until the Status is accomplished."""
    ds = ctx.dmsnap
    name, path = repositories.add("background")
    describe = ds.argv("DescribeSnapshots", "--SnapshotIds", json.dumps([snapshot]))
    log("copies: a background copy, polled for Progress and RemainTime")
    started = time.monotonic()
    run(copy_argv(ds, snapshot, name, wait=False))
    at_quarter = estimate = progress = None
    polls = 0
    while True:
        row = json.loads(run(describe).stdout)["Snapshots"]["Snapshot"][0]
        now, polls = time.monotonic(), polls + 1
        if row["Status"] == "failed":
            raise RuntimeError(f"the background copy of {snapshot} failed: {row}")
        if row["Status"] == "accomplished":
            break
        progress = int(row["Progress"].rstrip("%"))
        if at_quarter is None and progress >= 25 and row["RemainTime"] >= 0:
            at_quarter, estimate = (now, progress), row["RemainTime"]
        if now - started > 3600:
            raise RuntimeError(f"the background copy of {snapshot} has not ended in an hour")
        time.sleep(POLL_S)
    repositories.remove(name, path)
    if at_quarter is None:
        return dict(total=now - started, polls=polls, seen=None)
    actual = now - at_quarter[0]
    return dict(total=now - started, polls=polls, seen=at_quarter[1], estimate=estimate, actual=actual,
                error_pct=abs(estimate - actual) / actual * 100)


def incremental_copies(ctx, repositories, rounds):
    """The same 64 MiB changed on an 8 GiB disk and a 1 GiB one before each incremental copy."""
    ds = ctx.dmsnap
    name, path = repositories.add("incremental")
    disks = {}
    for gib in (8, 1):
        disk = ds.call("CreateDisk", "--Size", str(gib), "--DiskName", f"copy{gib}", "--PoolName", COPY_POOL)["DiskId"]
        ds.call("snapshot", "copy", ds.create_snapshot(disk), "--to", name, "--wait", "--json")     # the base: full, empty
        disks[gib] = disk
    growth, read = [], []

    def copy(gib):
        def action(rss):
            write_unique(ds.device(disks[gib]), gib * GIB, CHANGED)       # untimed
            snapshot = ds.create_snapshot(disks[gib])
            before = tree_bytes(path)
            settle()
            sample = run(copy_argv(ds, snapshot, name), rss=rss)
            row = copied(sample)
            if row.get("baseSnapshotId") is None:
                raise RuntimeError(f"the copy of {snapshot} was full, not incremental")
            growth.append(tree_bytes(path) - before)
            read.append(row["bytesRead"])
            return sample
        return action

    log(f"copies: incremental copies, {rounds} interleaved rounds")
    samples, peaks = interleave(rounds, {"8 GiB": copy(8), "1 GiB": copy(1)}, "incremental copy")
    ctx.note_rss("snapshot copy (incremental)", max(peaks.values()))
    repositories.remove(name, path)
    return dict(samples=samples, growth=growth, read=read)


def report(ctx, size, written, rounds, full, restored, remain, incremental):
    samples, copy_s, dd_s, repo_bytes, image_bytes = full
    restore_s, unzstd_s = median(restored["dmsnap"]), median(restored["zstd | dd"])
    r = ctx.report
    r.section(f"7. Copies into a repository ({size // GIB} GiB disk, {written // MIB} MiB written)")
    r.row("dmsnap snapshot copy --wait (full)", copy_s, "s", rounds, samples=seconds_of(samples["dmsnap"]))
    r.row("dd iflag=direct | zstd -1 > FILE (exposed)", dd_s, "s", rounds, samples=seconds_of(samples["dd | zstd"]))
    r.row("full copy: dmsnap / dd | zstd", ratio=copy_s / dd_s, target=("<=", TARGETS["copy"], "x"))
    r.row("  repository / zstd file", ratio=repo_bytes / image_bytes,
          text=f"{repo_bytes / MIB:.0f} / {image_bytes / MIB:.0f} MiB")
    r.row("dmsnap snapshot restore", restore_s, "s", rounds, samples=seconds_of(restored["dmsnap"]))
    r.row("zstd -d < FILE | dd oflag=direct (new disk)", unzstd_s, "s", rounds, samples=seconds_of(restored["zstd | dd"]))
    r.row("restore: dmsnap / zstd | dd", ratio=restore_s / unzstd_s, target=("<=", TARGETS["restore"], "x"))
    big, small = (median(incremental["samples"][k]) for k in ("8 GiB", "1 GiB"))
    r.row(f"incremental copy, {CHANGED // MIB} MiB changed, 8 GiB disk", big, "s", rounds,
          samples=seconds_of(incremental["samples"]["8 GiB"]))
    r.row(f"incremental copy, {CHANGED // MIB} MiB changed, 1 GiB disk", small, "s", rounds,
          samples=seconds_of(incremental["samples"]["1 GiB"]))
    r.row("incremental: 8 GiB / 1 GiB", ratio=big / small, target=("<=", TARGETS["incremental"], "x"))
    growth = statistics.median(incremental["growth"])
    r.row("repository growth per incremental / changed", ratio=growth / CHANGED,
          target=("<=", TARGETS["growth"], "x"), n=len(incremental["growth"]), samples=incremental["growth"])
    r.row("  bytes read per incremental / changed", ratio=statistics.median(incremental["read"]) / CHANGED,
          n=len(incremental["read"]), samples=incremental["read"])
    for operation, kib in ctx.rss_kib.items():
        if operation.startswith("snapshot copy"):
            r.row(f"peak RSS, {operation}", kib / 1024, "MiB", target=("<", TARGETS["rss_mib"], "MiB"))
    if remain["seen"] is None:
        r.row("RemainTime at 25%", text=f"never seen in {remain['polls']} polls over {remain['total']:.0f} s")
    else:
        r.row(f"RemainTime at {remain['seen']}% (a {remain['total']:.0f} s background copy)", remain["estimate"], "s",
              text=f"{remain['estimate']} s / {remain['actual']:.1f} s")
        r.row("  |estimate - actual| / actual", remain["error_pct"], "%", target=("<=", TARGETS["remain_pct"], "%"))
    if remain["total"] < 30:
        r.note(f"the background copy took {remain['total']:.0f} s, under the 30 s the RemainTime target is set for "
               "(--quick's sizes)")
    r.note(f"written: {written // MIB} MiB in 1 MiB O_DIRECT pieces spread evenly over the disk, each half fresh random "
           "bytes and half zeros (about 2:1 for zstd, no two pieces alike); the incremental rows write "
           f"{CHANGED // MIB} MiB the same way before each copy (untimed), then snapshot")
    r.note("every full copy goes into a new repository; dd reads the snapshot exposed with `dmsnap snapshot expose` "
           "(untimed), and restores onto a new dmsnap disk of the same size with iflag=fullblock conv=sparse, "
           "which skips zero blocks as dmsnap's restore does (without it the pool would provision the whole disk)")
    r.note(f"the disks are in a file-backed pool of their own ({COPY_POOL}); repositories and the zstd file in the "
           "scratch directory (tmpfs in the VM)")
