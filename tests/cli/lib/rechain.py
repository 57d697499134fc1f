#!/usr/bin/env python3
"""rechain.py AUDIT.DB - recompute every chain hash of a slate decision log and
meta's head, as someone able to write the file could after an edit (so that a
test can show what `slate replay` finds that the chain cannot).

The recipe of docs/audit-log.md, as tools/verify-log.py checks it: the chained
tables are those of policies, events and decisions that are tables (schema
version 1: all three; version 2: policies and events).  Not a tool for users:
it rewrites the file in place, and checks nothing.  tamper-random.sh imports
rechain().
"""
import hashlib
import sqlite3
import sys


def ns(v):
    if v is None:
        return b"~"
    if isinstance(v, int):
        v = str(v).encode()
    elif isinstance(v, str):
        v = v.encode()
    return b"%d:%s," % (len(v), v)


def rechain(db):
    """Rewrite every chain hash of the open log db and meta's head; commit."""
    head = bytes.fromhex(db.execute("SELECT value FROM meta WHERE key = 'state.genesis'").fetchone()[0])
    tables = [n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
              if n in ("policies", "events", "decisions")]
    rows = []
    for t in tables:
        cur = db.execute("SELECT rowid, * FROM %s" % t)
        cols = [d[0] for d in cur.description][1:-1]
        for r in cur:
            rows.append((r[1 + cols.index("pos")], t, r[0], r[1:-1]))
    rows.sort(key=lambda r: (r[0] if isinstance(r[0], int) else 0))
    for pos, t, rowid, values in rows:
        head = hashlib.sha256(head + ns(t) + b"".join(ns(v) for v in values)).digest()
        db.execute("UPDATE %s SET chain = ? WHERE rowid = ?" % t, (head.hex(), rowid))
    db.execute("UPDATE meta SET value = ? WHERE key = 'state.chain'", (head.hex(),))
    db.execute("UPDATE meta SET value = ? WHERE key = 'state.pos'", (str(len(rows)),))
    db.commit()


if __name__ == "__main__":
    rechain(sqlite3.connect(sys.argv[1]))
