"""The floor of the throughput workload under a pty: a bare read loop on
the pty master, with no matching but a look at the last bytes for the
marker. It is what the kernel's pty costs; no expect tool can be much
faster. Standard library only.

    python3 floor.py SIZE
"""

import os
import pty
import sys

LINE = "the quick brown fox jumps over the lazy dog 0123456789"


def spawn(cmd):
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp("sh", ["sh", "-c", cmd])
    return pid, fd


def read(size):
    pid, fd = spawn("yes '%s' | head -c %d; echo MARKER" % (LINE, size))
    last = b""
    while True:
        try:
            b = os.read(fd, 65536)
        except OSError:  # EIO: every slave is closed.
            break
        if not b:
            break
        last = (last + b)[-64:]
    if b"MARKER" not in last:
        sys.exit("no marker")
    _, status = os.waitpid(pid, 0)
    if status != 0:
        sys.exit("child status %d" % status)


if __name__ == "__main__":
    read(int(sys.argv[1]))
