"""pexpect side of the bench workloads, tuned as pexpect 4.8 allows.

    python3 peers.py roundtrip N
    python3 peers.py throughput SIZE
    python3 peers.py nslookup PORT N

Tuning: bytes mode (no decoding), delaybeforesend=None (the default sleeps
50 ms before each send), expect_exact (a plain search with a look-back of
the pattern's length), and maxread=65536 for the bulk output. pexpect still
keeps everything before a match in memory (spawn.before), which is what its
peak memory in the throughput workload is made of.
"""

import sys

import pexpect

LINE = "the quick brown fox jumps over the lazy dog 0123456789"


def spawn(cmd, args, timeout=10):
    c = pexpect.spawn(cmd, args, timeout=timeout, maxread=65536)
    c.delaybeforesend = None
    return c


def roundtrip(n):
    c = spawn("sh", ["-c", "stty -echo; echo ready; exec cat"])
    c.expect_exact(b"ready\r\n")
    for i in range(n):
        ping = b"ping-%d" % i
        c.send(ping + b"\r")
        c.expect_exact(ping + b"\r\n")
    c.sendeof()
    c.expect(pexpect.EOF)


def throughput(size):
    c = spawn("sh", ["-c", "yes '%s' | head -c %d; echo MARKER" % (LINE, size)], timeout=600)
    c.expect_exact(b"MARKER")
    c.expect(pexpect.EOF)


def nslookup(port, n):
    names = [b"www", b"api", b"mail"]
    addrs = [b"192.0.2.10", b"192.0.2.11", b"192.0.2.25"]
    c = spawn("nslookup", [])
    c.expect_exact(b"> ")
    c.send(b"server 127.0.0.1\r")
    c.expect_exact(b"> ")
    c.send(b"set port=%d\r" % port)
    c.expect_exact(b"> ")
    for i in range(n):
        k = i % 3
        c.send(names[k] + b".example.test.\r")
        c.expect_exact(b"Address: " + addrs[k] + b"\r\n")
        c.expect_exact(b"> ")
    c.send(b"exit\r")
    c.expect(pexpect.EOF)
    c.close()
    if c.exitstatus != 0:
        sys.exit("nslookup exited %s" % c.exitstatus)


def main(argv):
    what, args = argv[1], [int(a) for a in argv[2:]]
    {"roundtrip": roundtrip, "throughput": throughput, "nslookup": nslookup}[what](*args)


if __name__ == "__main__":
    main(sys.argv)
