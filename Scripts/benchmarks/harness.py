"""Timing: whole commands from spawn to reap; peak RSS through GNU time;
interleaved rounds; medians."""
import os
import statistics
import subprocess
import tempfile
import threading
import time

STARTED = time.monotonic()
COMMAND_TIMEOUT_S = 600
GNU_TIME = "/usr/bin/time"


def log(message):
    """A progress line, stamped with the minutes since the run began. It goes to
    stdout with the figures: the VM carries the guest's stdout and stderr apart,
    and a line on stderr once landed inside the JSON that Scripts/bench reads."""
    elapsed = int(time.monotonic() - STARTED)
    print(f"[{elapsed // 60:2d}:{elapsed % 60:02d}] {message}", flush=True)


class CommandFailed(Exception):
    def __init__(self, argv, code, output):
        super().__init__(f"`{' '.join(argv)}` exited {code}: {output.strip()[-2000:]}")


class Sample:
    """One unit of work: wall seconds from spawn to reap, peak RSS in KiB (None
    unless measured), and what the command printed."""

    def __init__(self, seconds, rss_kib=None, stdout=""):
        self.seconds = seconds
        self.rss_kib = rss_kib
        self.stdout = stdout


def run(argv, rss=False, check=True):
    """Runs argv to completion; the clock starts just before the spawn and stops
    when wait4 has reaped the process.

    Timed runs spawn the command directly. Peak RSS cannot come from those: the
    child of a Python process is born with Python's memory counted as its own
    (vfork shares the parent's mm, whose high-water mark the kernel keeps at
    exec). So with rss=True the command runs under GNU time (`-f %M`), whose own
    1 MiB is all that is inherited; such runs give RSS and their time is not used."""
    with tempfile.NamedTemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(mode="r") as rss_file:
        if rss:
            argv = [GNU_TIME, "-f", "%M", "-o", rss_file.name, "--"] + list(argv)
        # A hung command is killed rather than hanging the run. The watchdog
        # thread starts before the clock; the wait itself blocks.
        spawned = []
        watchdog = threading.Timer(COMMAND_TIMEOUT_S, lambda: [p.kill() for p in spawned])
        watchdog.start()
        try:
            start = time.perf_counter()
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=err)
            spawned.append(process)
            _, status, _ = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - start
        finally:
            watchdog.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
        rss_kib = int(rss_file.read().split()[-1]) if rss else None
    if check and process.returncode != 0:
        raise CommandFailed(argv, process.returncode, stderr or stdout)
    return Sample(seconds, rss_kib, stdout)


def run_sequence(argvs, rss=False):
    """Several commands one after the other, timed as one unit (the dmsetup trio)."""
    start = time.perf_counter()
    samples = [run(argv, rss=rss) for argv in argvs]
    rss_kib = max(s.rss_kib for s in samples) if rss else None
    return Sample(time.perf_counter() - start, rss_kib)


def settle():
    """Waits, untimed, until udev has handled every queued event. Without it the
    udev work one tool leaves behind (LVM's writes to its PV end in a change
    event and a pvscan, for one) lands on the next tool's clock."""
    subprocess.run(["udevadm", "settle", "--timeout=120"], check=False)


def interleave(rounds, actions, label="", rss_runs=1):
    """Each action is a callable taking `rss` and returning a Sample.

    First every action runs `rss_runs` times under GNU time: these are the
    warm-up (the binary and its libraries in the page cache) and give peak RSS.
    Then `rounds` timed rounds of A, B, C, A, B, C, ..., udev settled before each.
    Returns (name -> [timed Sample], name -> peak RSS KiB)."""
    peaks = {}
    for name, action in actions.items():
        peaks[name] = max(action(rss=True).rss_kib for _ in range(max(1, rss_runs)))
    samples = {name: [] for name in actions}
    for index in range(rounds):
        for name, action in actions.items():
            settle()
            samples[name].append(action(rss=False))
        if label and ((index + 1) % max(1, rounds // 4) == 0 or index + 1 == rounds):
            log(f"{label}: round {index + 1}/{rounds}")
    return samples, peaks


def median(samples):
    return statistics.median(s.seconds for s in samples)
