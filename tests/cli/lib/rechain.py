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
import importlib.util
import os
import sqlite3
import sys

# The chained tables and the chain step are tools/verify-log.py's (a file
# name with a hyphen: loaded by path), so the two cannot drift apart; no
# bytecode is left in tools/.
_spec = importlib.util.spec_from_file_location(
    "verify_log", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                               "tools", "verify-log.py"))
verify_log = importlib.util.module_from_spec(_spec)
_dont_write, sys.dont_write_bytecode = sys.dont_write_bytecode, True
_spec.loader.exec_module(verify_log)
sys.dont_write_bytecode = _dont_write


def rechain(db):
    """Rewrite every chain hash of the open log db and meta's head; commit."""
    head = bytes.fromhex(db.execute("SELECT value FROM meta WHERE key = 'state.genesis'").fetchone()[0])
    rows = []
    for t in verify_log.chained_tables(db):
        cur = db.execute("SELECT rowid, * FROM %s" % t)
        cols = [d[0] for d in cur.description][1:-1]
        for r in cur:
            rows.append((r[1 + cols.index("pos")], t, r[0], r[1:-1]))
    rows.sort(key=lambda r: (r[0] if isinstance(r[0], int) else 0))
    for pos, t, rowid, values in rows:
        head = verify_log.link(head, t, values)
        db.execute("UPDATE %s SET chain = ? WHERE rowid = ?" % t, (head.hex(), rowid))
    db.execute("UPDATE meta SET value = ? WHERE key = 'state.chain'", (head.hex(),))
    db.execute("UPDATE meta SET value = ? WHERE key = 'state.pos'", (str(len(rows)),))
    db.commit()


if __name__ == "__main__":
    rechain(sqlite3.connect(sys.argv[1]))
