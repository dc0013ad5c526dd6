"""The probe writer of the write-stall measurement (write_stall.py starts it):

    stall_probe.py DEVICE RING_BYTES OUT

Writes 4 KiB blocks with O_DIRECT round a ring of RING_BYTES at the start of
DEVICE, one at a time and as fast as they complete, and keeps the
CLOCK_MONOTONIC time at which each write returned. Prints "ready" once the
first write is done; on SIGTERM, or when its parent is gone, it stops and
writes the times (native int64 nanoseconds) to OUT.
"""
import array
import mmap
import os
import signal
import sys
import time

BLOCK = 4096


def main():
    device, ring, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    stopped = []
    signal.signal(signal.SIGTERM, lambda *_: stopped.append(True))
    parent = os.getppid()
    buffer = mmap.mmap(-1, BLOCK)            # page-aligned, as O_DIRECT needs
    buffer.write(os.urandom(BLOCK))
    blocks = ring // BLOCK
    times = array.array("q")
    clock = time.monotonic_ns
    descriptor = os.open(device, os.O_WRONLY | os.O_DIRECT)
    try:
        os.pwrite(descriptor, buffer, 0)
        times.append(clock())
        print("ready", flush=True)
        index = 1
        while not stopped:
            os.pwrite(descriptor, buffer, (index % blocks) * BLOCK)
            times.append(clock())
            index += 1
            # A probe left writing would keep the device open and the run's cleanup from removing it.
            if index % 1024 == 0 and os.getppid() != parent:
                break
    finally:
        os.close(descriptor)
    with open(out, "wb") as file:
        times.tofile(file)


if __name__ == "__main__":
    main()
