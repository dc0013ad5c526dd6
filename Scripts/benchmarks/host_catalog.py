"""DescribeSnapshots over a catalog of 10,000 snapshots, on the host itself
(Scripts/bench runs it after the VM part): the query reads the catalog alone,
never the kernel, so it needs no device-mapper, and here it is timed without
the emulated CPU of the VM rig.

    host_catalog.py --binary DMSNAP [--count N] [--small N] [--rounds N]

The catalog is made the way Scripts/benchmarks/catalog_seed.py makes its rows:
dmsnap creates the schema itself (a first DescribeSnapshots), then one pool, one
disk and N snapshots of it go in as rows of the shape dmsnap writes (no thin
devices: nothing here reads the kernel). A copy with the disk's newest `small`
snapshots is the comparison. Prints one table section and its JSON.
"""
import argparse
import datetime
import json
import os
import secrets
import sqlite3
import sys
import tempfile

from catalog_seed import ID_ALPHABET, copy_with_newest
from harness import interleave, log, median, run
from report import Report

TARGET_S = 0.1


def resource_id(prefix):
    return prefix + "-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(20))


def stamp(moment):
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]    # as GRDB stores a Date


def make_catalog(binary, state, count):
    """A catalog with one disk holding `count` snapshots; returns the disk's ID."""
    # dmsnap makes the schema (with LVM left alone: only the catalog is wanted).
    env_run(binary, ["DescribeSnapshots", "--state-dir", state])
    db = sqlite3.connect(os.path.join(state, "catalog.sqlite"), isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        now = datetime.datetime.now(datetime.timezone.utc)
        db.execute("INSERT INTO pool (name, dataDevice, metadataDevice, blockSizeSectors, lowWaterMarkBlocks, dataSectors,"
                   " transactionId, nextThinId, createdAt) VALUES ('bench', '/dev/null', '/dev/null', 128, 0, 2097152, 1, ?, ?)",
                   (count + 1, stamp(now)))
        disk = resource_id("d")
        db.execute("INSERT INTO disk (id, name, description, poolName, thinId, sizeBytes, createdAt) "
                   "VALUES (?, 'bench', '', 'bench', 0, 1073741824, ?)", (disk, stamp(now)))
        db.execute("INSERT INTO usedId (id) VALUES (?)", (disk,))
        start = now - datetime.timedelta(milliseconds=count)
        for index in range(count):
            snapshot = resource_id("s")
            created = stamp(start + datetime.timedelta(milliseconds=index))
            db.execute("INSERT INTO snapshot (id, name, description, diskId, poolName, thinId, sourceDiskSizeBytes,"
                       " createdAt, modifiedAt, holdWindowMicroseconds) VALUES (?, ?, '', ?, 'bench', ?, 1073741824, ?, ?, 0)",
                       (snapshot, snapshot, disk, index + 1, created, created))
            db.execute("INSERT INTO usedId (id) VALUES (?)", (snapshot,))
        db.execute("COMMIT")
    finally:
        db.close()
    return disk


def env_run(binary, argv):
    """One untimed dmsnap call with LVM out of scope."""
    previous = os.environ.get("DMSNAP_LVM_VOLUME_GROUPS")
    os.environ["DMSNAP_LVM_VOLUME_GROUPS"] = ""
    try:
        return run([binary] + argv)
    finally:
        if previous is None:
            del os.environ["DMSNAP_LVM_VOLUME_GROUPS"]
        else:
            os.environ["DMSNAP_LVM_VOLUME_GROUPS"] = previous


def measure(binary, count, small, rounds, scratch):
    big_state, small_state = os.path.join(scratch, "big"), os.path.join(scratch, "small")
    log(f"host catalog: {count:,} snapshot rows, and a copy with {small}")
    disk = make_catalog(binary, big_state, count)
    copy_with_newest(big_state, small_state, disk, small)

    # As a script pages through a disk's snapshots: dmsnap's default LVM scope,
    # which a native disk's query does not need.
    describe = [binary, "DescribeSnapshots", "--DiskId", disk, "--PageSize", "100"]
    names = (f"DescribeSnapshots, {count:,} snapshots", f"DescribeSnapshots, {small} snapshots (a copy)")
    actions = {
        names[0]: lambda rss: run(describe + ["--state-dir", big_state], rss=rss),
        names[1]: lambda rss: run(describe + ["--state-dir", small_state], rss=rss),
    }
    total = json.loads(actions[names[0]](False).stdout)["TotalCount"]
    if total != count:
        raise RuntimeError(f"DescribeSnapshots counted {total} snapshots, not {count}")
    samples, peaks = interleave(rounds, actions, "host DescribeSnapshots", rss_runs=2)
    big, little = median(samples[names[0]]), median(samples[names[1]])
    return names, samples, peaks, big, little


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", required=True)
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--small", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dmsnap-host-catalog.") as scratch:
        names, samples, peaks, big, little = measure(os.path.abspath(args.binary), args.count, args.small,
                                                     args.rounds, scratch)
    report = Report({"mode": "host", "kernel": os.uname().release, "virtualization": "the host itself",
                     "cpus": os.cpu_count(), "memory_gib": 0, "date": "", "duration_s": 0})
    report.section("3b. DescribeSnapshots on the host, no VM (the catalog alone; Scripts/benchmarks/host_catalog.py)")
    report.row(names[0], big, "s", args.rounds, target=("<=", TARGET_S, "s"),
               samples=[round(s.seconds, 4) for s in samples[names[0]]])
    report.row(names[1], little, "s", args.rounds, samples=[round(s.seconds, 4) for s in samples[names[1]]])
    report.row(f"  {args.count:,} against {args.small}", ratio=big / little)
    report.row(f"  peak RSS, {args.count:,} snapshots", peaks[names[0]] / 1024, "MiB", 2, target=("<", 30, "MiB"))
    report.note("one page of 100 of one disk's snapshots, as a script pages through them, with the TotalCount of all;"
                f" the rows are made straight in the catalog dmsnap created (host: {os.uname().nodename})")
    table = report.table().split("\n")
    # Only the section itself: the header and footer belong to the VM part's table.
    start = next(i for i, line in enumerate(table) if line.startswith("3b."))
    end = next(i for i, line in enumerate(table) if line.startswith("Targets missed"))
    print("\n".join(table[start:end]).rstrip())
    print("=== host JSON ===")
    print(json.dumps(report.sections[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
