"""2b. The hold window of a snapshot group of 1, 2, 4 and 8 native disks of one
pool, dmsnap's own figure (HoldWindowMs), beside CreateSnapshot of one disk;
and CreateSnapshotGroup's whole-command time."""
import json
import statistics

from harness import interleave, log, median, run
from measures import DISK_GIB, seconds_of

SIZES = (1, 2, 4, 8)
TARGET = 3.0                     # the hold window of 8 disks against 1
SINGLE = "dmsnap CreateSnapshot of one disk"
GROUPS = [(size, True) for size in SIZES] + [(1, False), (max(SIZES), False)]    # (disks, udev)


def label(size, udev=True):
    return f"group of {size} disk{'s' if size > 1 else ''}" + ("" if udev else " --no-udev")


def group_hold(ctx):
    ds = ctx.dmsnap
    disks = [ds.create_disk(DISK_GIB, f"group{n}") for n in range(1, max(SIZES) + 1)]
    windows = {}                 # action -> HoldWindowMs of each timed run

    def group(size, udev=True):
        words = [word for index, disk in enumerate(disks[:size], 1) for word in (f"--DiskId.{index}", disk)]
        name = label(size, udev)

        def action(rss):
            sample = run(ds.argv("CreateSnapshotGroup", *words, udev=udev), rss=rss)
            # The reply carries the group's HoldWindowMs, as DescribeSnapshotGroups does; a failed group exits non-zero.
            reply = json.loads(sample.stdout)
            ds.call("DeleteSnapshotGroup", "--SnapshotGroupId", reply["SnapshotGroupId"])     # so the pool does not fill
            if not rss:
                windows.setdefault(name, []).append(reply["HoldWindowMs"])
            return sample
        return name, action

    def single(rss):
        sample = run(ds.argv("CreateSnapshot", "--DiskId", disks[0]), rss=rss)
        made = json.loads(sample.stdout)["SnapshotId"]
        described = ds.call("DescribeSnapshots", "--SnapshotIds", json.dumps([made]))["Snapshots"]["Snapshot"][0]
        ds.delete_snapshot(made)
        if not rss:
            windows.setdefault(SINGLE, []).append(described["HoldWindowMs"])
        return sample

    actions = dict(group(size, udev) for size, udev in GROUPS)
    actions[SINGLE] = single
    rounds = ctx.counts["group"]
    log(f"group hold window: {rounds} interleaved rounds of {len(actions)}")
    samples, peaks = interleave(rounds, actions, "group hold window")
    ctx.note_rss(f"CreateSnapshotGroup ({max(SIZES)} disks)", peaks[label(max(SIZES))])
    held = {name: statistics.median(ms) for name, ms in windows.items()}
    wall = {name: median(found) for name, found in samples.items()}

    r = ctx.report
    r.section(f"2b. Group hold window: CreateSnapshotGroup of N idle {DISK_GIB} GiB native disks of one pool")
    for size, udev in GROUPS:
        name, one = label(size, udev), label(1, udev)
        r.row(f"{name}, hold window", held[name], "ms", rounds,
              ratio=None if size == 1 else held[name] / held[one],
              target=("<=", TARGET, "x") if udev and size == max(SIZES) else None, samples=windows[name])
    r.row(f"{SINGLE}, hold window", held[SINGLE], "ms", rounds, samples=windows[SINGLE])
    r.row("group of 1 / CreateSnapshot, hold window", ratio=held[label(1)] / held[SINGLE])
    for size in SIZES:
        name = label(size)
        r.row(f"{name}, whole CreateSnapshotGroup", wall[name], "s", rounds,
              ratio=None if size == 1 else wall[name] / wall[label(1)], samples=seconds_of(samples[name]))
    r.row(f"{SINGLE}, whole command", wall[SINGLE], "s", rounds, samples=seconds_of(samples[SINGLE]))
    r.note("hold window: dmsnap's HoldWindowMs (CreateSnapshotGroup's reply, the figure DescribeSnapshotGroups "
           "gives; DescribeSnapshots for the snapshot), first hold taken to last released; ratios against 1 disk")
    r.note("--no-udev rows are diagnostic (libdevmapper makes the /dev nodes, no udev wait at each resume)")
    r.note("each group or snapshot is deleted after its run, untimed")
