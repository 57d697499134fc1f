#!/usr/bin/env python3
"""progress_pty.py - run a command with its stderr on a pseudo-terminal (as when a
person runs it) or on a pipe, and print what it wrote to stderr.

usage: progress_pty.py pty|pipe|both OUT_FILE COMMAND...
  pty:  stderr (and with `both`, stdout too) is a terminal; stdout goes to
        OUT_FILE unless `both`.  Exits with the command's status.
"""
import os
import pty
import select
import subprocess
import sys

mode, out_path, cmd = sys.argv[1], sys.argv[2], sys.argv[3:]
if mode == "pipe":
    with open(out_path, "wb") as out:
        p = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    sys.stdout.buffer.write(p.stderr)
    sys.exit(p.returncode)

master, slave = pty.openpty()
out = open(out_path, "wb")
p = subprocess.Popen(cmd, stdout=slave if mode == "both" else out, stderr=slave,
                     stdin=subprocess.DEVNULL)
os.close(slave)
got = b""
while True:
    r, _, _ = select.select([master], [], [], 1.0)
    if r:
        try:
            b = os.read(master, 65536)
        except OSError:
            b = b""
        if not b:
            break
        got += b
    elif p.poll() is not None:
        break
rc = p.wait()
sys.stdout.buffer.write(got)
sys.exit(rc)
