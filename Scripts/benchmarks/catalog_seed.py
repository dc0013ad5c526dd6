"""The documented shortcut for big catalogs, used only when making the
snapshots through `dmsnap CreateSnapshot` would not fit the time budget (the
report says when it was used, and for how many).

With kernel=True each seeded snapshot is a real thin snapshot of the disk in
the pool: a `create_snap NEW ORIGIN` message sent straight to the pool through
libdevmapper (ctypes: one ioctl, not one process, per snapshot; the pool
commits its metadata after each). With kernel=False only the catalog rows are
made: for DescribeSnapshots, which reads the catalog and never the kernel.

Either way the rows are cloned from the newest snapshot dmsnap itself made of
that disk (new ID, thin id and times; hold window 0), and the pool's next thin
id is moved past them, in one transaction while dmsnap's state lock is held.
The pool's transaction id is left alone: create_snap does not change it. The
disk is idle (nothing has it open), so no suspend is needed around the messages.
"""
import ctypes
import ctypes.util
import datetime
import fcntl
import os
import re
import secrets
import sqlite3
import string

DM_DEVICE_TARGET_MSG = 17   # enum position in libdevmapper.h
ID_ALPHABET = string.ascii_lowercase + string.digits
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$")   # as GRDB stores a Date


class PoolMessages:
    def __init__(self):
        lib = ctypes.CDLL(ctypes.util.find_library("devmapper") or "libdevmapper.so.1.02.1")
        lib.dm_task_create.restype = ctypes.c_void_p
        lib.dm_task_create.argtypes = [ctypes.c_int]
        lib.dm_task_destroy.argtypes = [ctypes.c_void_p]
        lib.dm_task_set_name.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.dm_task_set_sector.argtypes = [ctypes.c_void_p, ctypes.c_uint64]
        lib.dm_task_set_message.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
        lib.dm_task_run.argtypes = [ctypes.c_void_p]
        self.lib = lib

    def send(self, pool_device, message):
        lib = self.lib
        task = lib.dm_task_create(DM_DEVICE_TARGET_MSG)
        if not task:
            raise RuntimeError("dm_task_create failed")
        try:
            if not (lib.dm_task_set_name(task, pool_device.encode()) and lib.dm_task_set_sector(task, 0)
                    and lib.dm_task_set_message(task, message.encode()) and lib.dm_task_run(task)):
                raise RuntimeError(f"message {message!r} to {pool_device} failed")
        finally:
            lib.dm_task_destroy(task)


def new_snapshot_id(db):
    while True:
        candidate = "s-" + "".join(secrets.choice(ID_ALPHABET) for _ in range(20))
        if not db.execute("SELECT 1 FROM usedId WHERE id = ?", (candidate,)).fetchone():
            return candidate


def seed_snapshots(state, disk_id, count, kernel=True):
    """Adds `count` snapshots of disk_id as described above."""
    with open(os.path.join(state, "lock"), "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        db = sqlite3.connect(os.path.join(state, "catalog.sqlite"), timeout=60, isolation_level=None)
        db.row_factory = sqlite3.Row
        try:
            db.execute("BEGIN IMMEDIATE")
            template = db.execute("SELECT * FROM snapshot WHERE diskId = ? ORDER BY createdAt DESC LIMIT 1",
                                  (disk_id,)).fetchone()
            if template is None or not TIMESTAMP.match(template["createdAt"]):
                raise RuntimeError(f"no snapshot of {disk_id} made by dmsnap to clone, or an unknown date format")
            origin = db.execute("SELECT thinId FROM disk WHERE id = ?", (disk_id,)).fetchone()["thinId"]
            pool = db.execute("SELECT name, poolId, nextThinId FROM pool WHERE name = ?", (template["poolName"],)).fetchone()
            first = pool["nextThinId"]
            if kernel:
                messages = PoolMessages()
                for thin in range(first, first + count):
                    messages.send(f"dmsnap-pool-{pool['name']}-{pool['poolId']}", f"create_snap {thin} {origin}")

            columns = template.keys()
            start = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(milliseconds=count)
            for index in range(count):
                row = dict(template)
                row["id"] = row["name"] = new_snapshot_id(db)
                row["thinId"] = first + index
                row["createdAt"] = row["modifiedAt"] = \
                    (start + datetime.timedelta(milliseconds=index)).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
                row["holdWindowMicroseconds"] = 0
                db.execute(f"INSERT INTO snapshot ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                           [row[c] for c in columns])
                db.execute("INSERT INTO usedId (id) VALUES (?)", (row["id"],))
            db.execute("UPDATE pool SET nextThinId = ? WHERE name = ?", (first + count, pool["name"]))
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise
        finally:
            db.close()


def copy_with_newest(state, copy_dir, disk_id, keep):
    """A copy of the catalog in which disk_id keeps only its `keep` newest snapshots
    (the small catalog DescribeSnapshots is compared against; it never touches the kernel)."""
    os.makedirs(copy_dir, mode=0o700, exist_ok=True)
    source = sqlite3.connect(os.path.join(state, "catalog.sqlite"), timeout=60)
    target = sqlite3.connect(os.path.join(copy_dir, "catalog.sqlite"))
    try:
        source.backup(target)
        target.execute("DELETE FROM snapshot WHERE diskId = ? AND id NOT IN "
                       "(SELECT id FROM snapshot WHERE diskId = ? ORDER BY createdAt DESC LIMIT ?)",
                       (disk_id, disk_id, keep))
        target.commit()
        target.execute("VACUUM")
    finally:
        source.close()
        target.close()
