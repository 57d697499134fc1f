#!/usr/bin/env python3
"""verify-log.py AUDIT.DB - check a slate decision log's hash chain without slate.

An independent implementation of the recipe in docs/audit-log.md, using only
Python's standard library: it recomputes every row's chain hash in log order and
compares the head with meta.  It checks the chain only; `slate replay` also checks
the structure and re-runs the decisions.  Prints the head and exits 0, or names
the first row that does not verify and exits 1.

A partitioned log (an archive of a cluster, `slate archive --log`) is checked by
the same recipe: its sealed meta row `partitions` is one of the rows hashed into
the chain's start, and its events rows' columns `part` and `stream_seq` are
hashed like every other column (SELECT * gives them in schema order).

The chained tables are those of policies, events and decisions that are tables:
all three in schema version 1; policies and events in version 2, whose
`decisions` is a view over the events rows (not read: the rows it shows are
hashed as the events rows' packed `decisions` column).

ns(), chained_tables() and link() are also what tests/cli/lib/rechain.py
rebuilds a chain with; this file stays a standalone script.
"""
import hashlib
import sqlite3
import sys


def ns(v):
    """The netstring of one column value; NULL is "~"."""
    if v is None:
        return b"~"
    if isinstance(v, int):
        v = str(v).encode()
    elif isinstance(v, str):
        v = v.encode()
    return b"%d:%s," % (len(v), v)


def chained_tables(db):
    """The chained tables of the open log db, in the recipe's order: those of
    policies, events and decisions that are tables."""
    tables = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    return [t for t in ("policies", "events", "decisions") if t in tables]


def link(head, table, values):
    """The chain hash of a row of `table` after the hash `head`: values are the
    row's columns in SELECT * order but the last (chain)."""
    return hashlib.sha256(head + ns(table) + b"".join(ns(v) for v in values)).digest()


def main(path):
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
    meta = dict(db.execute("SELECT key, value FROM meta"))
    sealed = sorted((k, v) for k, v in meta.items() if not k.startswith("state."))
    head = hashlib.sha256(ns("slate-log") + b"".join(ns(k) + ns(v) for k, v in sealed)).digest()
    if head.hex() != meta["state.genesis"]:
        return "meta: sealed rows do not hash to state.genesis"
    rows = []
    chained = chained_tables(db)
    if len(chained) != (3 if meta["schema_version"] == "1" else 2):
        return "schema: tables %s are not those of schema version %s" % (
            ", ".join(chained), meta["schema_version"])
    for table in chained:
        cur = db.execute("SELECT * FROM %s" % table)
        cols = [d[0] for d in cur.description]
        assert cols[-1] == "chain"
        for r in cur:
            rows.append((r[cols.index("pos")], table, r[:-1], r[-1]))
    rows.sort(key=lambda r: r[0])
    for n, (pos, table, values, chain) in enumerate(rows, 1):
        if pos != n:
            return "%s: pos %d found where %d was expected" % (table, pos, n)
        head = link(head, table, values)
        if head.hex() != chain:
            return "%s: the row at pos %d does not match its chain hash" % (table, pos)
    if int(meta["state.pos"]) != len(rows) or meta["state.chain"] != head.hex():
        return "meta: state.pos/state.chain do not name the last row"
    parts = " (partitioned: %s partitions)" % meta["partitions"] if "partitions" in meta else ""
    print("ok %d rows, head %s%s" % (len(rows), head.hex(), parts))
    return None


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: verify-log.py AUDIT.DB")
    problem = main(sys.argv[1])
    if problem:
        print(problem, file=sys.stderr)
        sys.exit(1)
