#!/usr/bin/env bash
# tamper-random.sh - random tamperings of a decision log, every one found by
# `slate replay` (exit 1): 800 on a log of schema version 2 and 800 on one of
# version 1, the 1,600 of issue 16's review.  A tampering is one of: a value of
# a chained row changed (a byte replaced, inserted, deleted or two swapped, the
# text cut, a number moved by one, the storage class changed, NULL), a row
# deleted or copied in, two rows' values of a column swapped, a meta row edited;
# then, for an edit of the decisions (version 2: an events row's decisions,
# dseq or ndecisions; version 1: the decisions table), one time in four the
# chain rebuilt over it (tests/cli/lib/rechain.py), which the replay's re-run
# must find where the chain cannot (not done for an input, a payload say: the
# edited input may decide the same, and replay then rightly agrees).  An edit
# that leaves the row as it was is drawn again.  Version 2's case_index
# (verified as a whole) is tampered too: a row deleted, added or edited.  Not
# tampered: state.writer (docs/audit-log.md: no check can judge it).
# SLATE_TAMPER_SEED picks the sequence (default fixed); SLATE_LONG=1 does 5x.
# Run by tests/run.sh with $SLATE set; about half a minute.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
cd "$(dirname "$0")/../.."
command -v python3 >/dev/null 2>&1 || { echo "tamper-random.sh: python3 is needed" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "tamper-random.sh: $*" >&2; exit 1; }
n=800
[ -n "${SLATE_LONG:-}" ] && n=4000

"$SLATE" gen --seed 4 --cases 12 -o "$tmp/events.jsonl" || fail "gen"
for v in 2 1; do
    "$SLATE" run -q --log-schema $v --log "$tmp/v$v.db" --until 2025-04-01T00:00:00Z \
        -o /dev/null policies/service-2025.slate "$tmp/events.jsonl" || fail "run --log-schema $v"
    "$SLATE" replay -q "$tmp/v$v.db" || fail "the untampered log of version $v does not replay"
    PYTHONPATH=tests/cli/lib python3 - "$SLATE" "$tmp/v$v.db" $n "${SLATE_TAMPER_SEED:-16}$v" <<'PY' ||
import os, random, shutil, sqlite3, subprocess, sys
from rechain import rechain

slate, src, count, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
rnd = random.Random(seed)
work = src + ".t"
db0 = sqlite3.connect(src)
version = db0.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
tables = [t for t in ("policies", "events", "decisions")
          if db0.execute("SELECT type FROM sqlite_master WHERE name = ?", (t,)).fetchone() == ("table",)]
assert len(tables) == (3 if version == "1" else 2), tables
cols = {t: [r[1] for r in db0.execute("PRAGMA table_info(%s)" % t)] for t in tables}
rowids = {t: [r for (r,) in db0.execute("SELECT rowid FROM %s" % t)] for t in tables}
index = db0.execute("SELECT case_id, entry FROM case_index").fetchall() if version != "1" else []
db0.close()


def text_edit(s):
    b = s.encode() if isinstance(s, str) else bytes(s)
    i = rnd.randrange(len(b) + 1)
    op = rnd.randrange(5)
    if op == 0 and i < len(b):    # a byte replaced
        b = b[:i] + bytes([rnd.choice(b'{}[]",:\\0123456789aez ~') if rnd.random() < .8
                           else rnd.randrange(256)]) + b[i + 1:]
    elif op == 1:                 # a byte inserted
        b = b[:i] + bytes([rnd.choice(b' ,"0\\]')]) + b[i:]
    elif op == 2 and i < len(b):  # a byte deleted
        b = b[:i] + b[i + 1:]
    elif op == 3 and i + 1 < len(b):  # two swapped
        b = b[:i] + b[i + 1:i + 2] + b[i:i + 1] + b[i + 2:]
    else:                         # cut
        b = b[:i]
    if isinstance(s, bytes):
        return b
    return b.decode("utf-8", "surrogateescape") if rnd.random() < .9 else b


def value_edit(v):
    r = rnd.random()
    if r < .08:
        return None
    if isinstance(v, int):
        return rnd.choice([v + 1, v - 1, str(v), float(v), 0, -v])
    if v is None:
        return rnd.choice([0, "", "null", "[]"])
    if r < .14:
        return v.encode() if isinstance(v, str) else v.decode("utf-8", "replace")
    return text_edit(v)


def bind(v):
    if isinstance(v, str):
        try:
            v.encode()
        except UnicodeEncodeError:
            return v.encode("utf-8", "surrogateescape")
    return v


def tamper(db):
    """One random edit; returns its description, or None if it changed nothing."""
    k = rnd.random()
    if index and k < .08:  # version 2's case_index, verified as a whole
        c, e = rnd.choice(index)
        try:
            if k < .03:
                db.execute("DELETE FROM case_index WHERE case_id = ? AND entry = ?", (c, e))
                return "case_index row (%r, %d) deleted" % (c, e)
            if k < .05:
                e2 = rnd.choice(index)[1]
                db.execute("INSERT INTO case_index VALUES (?, ?)", (c, e2))
                return "case_index row (%r, %d) added" % (c, e2)
            new = (text_edit(c), e) if k < .065 else (c, e + rnd.choice([-1, 1]))
            db.execute("UPDATE case_index SET case_id = ?, entry = ? WHERE case_id = ? AND entry = ?",
                       (bind(new[0]), new[1], c, e))
            return None if new == (c, e) else "case_index row (%r, %d) -> %r" % (c, e, new)
        except sqlite3.IntegrityError:
            return None
    t = rnd.choice(tables)
    # version 2's packed decisions column drawn as often as version 1's table
    if version != "1" and rnd.random() < .3:
        t, col = "events", "decisions"
    else:
        col = rnd.choice(cols[t])
    rid = rnd.choice(rowids[t])
    if k < .06:
        db.execute("DELETE FROM %s WHERE rowid = ?" % t, (rid,))
        return "%s rowid %d deleted" % (t, rid)
    if k < .12:
        keys = [c for c in cols[t] if c in ("id", "seq", "hash")][:1]
        row = list(db.execute("SELECT * FROM %s WHERE rowid = ?" % t, (rid,)).fetchone())
        for c in keys + ["pos"]:
            i = cols[t].index(c)
            row[i] = rnd.choice([10 ** 6, row[i] + 1 if isinstance(row[i], int) else "x" + row[i]])
        try:
            db.execute("INSERT INTO %s VALUES (%s)" % (t, ",".join("?" * len(row))), row)
        except sqlite3.IntegrityError:
            return None
        return "%s rowid %d copied in" % (t, rid)
    if k < .18:
        other = rnd.choice(rowids[t])
        a, b = (db.execute("SELECT %s FROM %s WHERE rowid = ?" % (col, t), (r,)).fetchone()[0]
                for r in (rid, other))
        if a == b and type(a) == type(b):
            return None
        try:
            db.execute("UPDATE %s SET %s = ? WHERE rowid = ?" % (t, col), (b, rid))
            db.execute("UPDATE %s SET %s = ? WHERE rowid = ?" % (t, col), (a, other))
        except sqlite3.IntegrityError:
            return None
        return "%s.%s of rowids %d and %d swapped" % (t, col, rid, other)
    if k < .24:
        key = rnd.choice([k for (k,) in db.execute("SELECT key FROM meta WHERE key <> 'state.writer'")])
        old = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()[0]
        new = value_edit(old)
        try:
            db.execute("UPDATE meta SET value = ? WHERE key = ?", (bind(new), key))
        except sqlite3.IntegrityError:
            return None
        got = db.execute("SELECT value, typeof(value) FROM meta WHERE key = ?", (key,)).fetchone()
        return None if got == (old, "text") else "meta %s: %r -> %r" % (key, old, new)
    old = db.execute("SELECT %s, typeof(%s) FROM %s WHERE rowid = ?" % (col, col, t), (rid,)).fetchone()
    new = value_edit(old[0])
    try:
        db.execute("UPDATE %s SET %s = ? WHERE rowid = ?" % (t, col), (bind(new), rid))
    except sqlite3.IntegrityError:
        return None
    got = db.execute("SELECT %s, typeof(%s) FROM %s WHERE rowid = ?" % (col, col, t), (rid,)).fetchone()
    if got == old:
        return None
    return "%s.%s of rowid %d: %r -> %r" % (t, col, rid, old[0], new)


done = rechained = indexed = 0
while done < count:
    for f in (work, work + "-wal", work + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    shutil.copyfile(src, work)
    db = sqlite3.connect(work)
    db.text_factory = lambda b: b.decode("utf-8", "surrogateescape")
    what = tamper(db)
    if what is None:
        db.close()
        continue
    db.commit()
    # the chain rebuilt: only over the decisions, which replay re-derives (an
    # edited input may well decide the same)
    if (rnd.random() < .25 and what.startswith(("decisions.", "decisions rowid", "events.decisions",
                                                 "events.dseq", "events.ndecisions"))
            and "copied" not in what and ".chain " not in what):
        try:
            rechain(db)
            what += ", chain rebuilt"
            rechained += 1
        except Exception:
            pass
    db.close()
    r = subprocess.run([slate, "replay", "-q", work], capture_output=True)
    if r.returncode != 1:
        sys.exit("version %s, tampering %d (%s): replay exited %d: %s"
                 % (version, done + 1, what, r.returncode, r.stderr.decode(errors="replace")[:300]))
    done += 1
    indexed += what.startswith("case_index")
print("version %s: %d tamperings found (%d with the chain rebuilt, %d of case_index)"
      % (version, done, rechained, indexed))
PY
        fail "version $v: a tampering was not found"
done
