"""pexpect side of the bench workloads, tuned as pexpect 4.8 allows.

    python3 peers.py roundtrip N
    python3 peers.py throughput SIZE
    python3 peers.py nslookup PORT TABLE

Tuning: bytes mode (no decoding), delaybeforesend=None (the default sleeps
50 ms before each send), expect_exact (a plain search with a look-back of
the pattern's length), and maxread=65536 for the bulk output. pexpect still
keeps everything before a match in memory (spawn.before), which is what its
peak memory in the throughput workload is made of.
"""

import re
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


def nslookup(port, table):
    """Asks for each name of the csv table and checks its address, as
    nslookup.exp does: capture the address after the name's Name: line,
    wait for the prompt, compare; a "> " before the answer fails at once."""
    with open(table) as f:
        rows = [line.strip().split(",") for line in f.readlines()[1:] if line.strip()]
    c = spawn("nslookup", [])
    c.expect_exact(b"> ")
    c.send(b"server 127.0.0.1\r")
    c.expect_exact(b"> ")
    c.send(b"set port=%d\r" % port)
    c.expect_exact(b"> ")
    for i, (name, address) in enumerate(rows):
        c.send(name.encode() + b"\r")
        answer = re.compile(rb"Name:\s+" + re.escape(name.encode()) + rb"\r\nAddress: (\S+)\r\n")
        if c.expect([answer, re.compile(re.escape(b"> "))]) != 0:
            sys.exit("row %d %s: nslookup is at its prompt and printed no address" % (i, name))
        addr = c.match.group(1).decode()
        c.expect_exact(b"> ")
        if addr != address:
            sys.exit("row %d %s: address %s, want %s" % (i, name, addr, address))
    c.send(b"exit\r")
    c.expect(pexpect.EOF)
    c.close()
    if c.exitstatus != 0:
        sys.exit("nslookup exited %s" % c.exitstatus)
    if not rows:
        sys.exit("no names in %s" % table)


def main(argv):
    what = argv[1]
    if what == "nslookup":
        nslookup(int(argv[2]), argv[3])
        return
    args = [int(a) for a in argv[2:]]
    {"roundtrip": roundtrip, "throughput": throughput}[what](*args)


if __name__ == "__main__":
    main(sys.argv)
