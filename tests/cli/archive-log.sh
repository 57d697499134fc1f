#!/usr/bin/env bash
# archive-log.sh - `slate archive --log`: a cluster's history as a partitioned
# decision log.  One nats-server, 4 partitions, one worker (--no-ticks: the
# events of `slate gen` are dated 2025) that gets a SIGHUP half-way (a policy of
# another version, so each partition records a policy marker and swaps at it,
# deciding the same), everything acknowledged, then:
#   1. `slate archive --log` writes the log (each decision checked against the
#      one published); its decisions are the published ones, which equal `slate
#      run`'s over the same events case by case (decisions_cmp.py), and each
#      partition's block is in it: its policy, the swap, partition and stream
#      sequence on every entry;
#   2. `slate replay` passes (each partition through its own engine);
#   3. `slate report`, `slate explain` and `slate diff` work on it;
#   4. a row edited with sqlite3 (a stream sequence, a packed decision): replay
#      exits 1 naming it; tools/verify-log.py refuses it too;
#   5. archiving with another --tolerance than the worker's is refused (exit 1)
#      and leaves no file; an existing file is not overwritten (exit 3);
#   6. a case opened now and a worker with wall-clock ticks: the ticks are
#      archived as advance entries with their stream sequences, and the replay
#      passes.
# Skipped without nats-server, python3 or python3's sqlite3.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
cd "$(dirname "$0")/../.."
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 0; }
python3 -c 'import sqlite3' 2>/dev/null || { echo "SKIP: python3 has no sqlite3"; exit 0; }
. tests/cli/lib/nats.sh
. tests/cli/lib/serve.sh
tmp=$SERVE_DIR
fail() { serve_fail archive-log.sh "$@"; }
export SERVE_NPARTS=4

nats_start 1 || fail "no server"

# the worker's policy file: the reference policy; its reload differs in the
# version alone (same lines, so the same `rule` citations and decisions)
POLICY=$tmp/policy.slate
cp policies/service-2025.slate "$POLICY"
"$SLATE" gen --seed 11 --cases 400 -o "$tmp/ev.jsonl" || fail "gen"
total=$(grep -c . "$tmp/ev.jsonl")
half=$((total / 2))
head -n "$half" "$tmp/ev.jsonl" >"$tmp/ev1.jsonl"
tail -n +"$((half + 1))" "$tmp/ev.jsonl" >"$tmp/ev2.jsonl"
"$SLATE" run -q "$POLICY" "$tmp/ev.jsonl" >"$tmp/run.jsonl" || fail "slate run"

"$SLATE" publish -q --partitions 4 --nats "$NATS_URL" "$tmp/ev1.jsonl" || fail "publish 1"
# 0. events no worker has run yet: nothing to archive them with (exit 1, no file)
"$SLATE" archive --nats "$NATS_URL" --partitions 4 --log "$tmp/early.db" 2>"$tmp/early.err"
st=$?
[ $st -eq 1 ] || fail "archive before any worker: exit $st: $(cat "$tmp/early.err")"
grep -q "partition 0: .*no worker has run" "$tmp/early.err" || fail "early: $(cat "$tmp/early.err")"
[ ! -e "$tmp/early.db" ] || fail "a refused archive left $tmp/early.db"
serve_start w1 "$POLICY" --nats "$NATS_URL" --partitions 4 --no-ticks
serve_wait_acked 4 60 || { serve_consumers; fail "first half not acknowledged in 60 s"; }
sed -i 's/^policy "service-2025" version "2025.1"/policy "service-2025" version "2025.2"/' "$POLICY"
grep -q 'version "2025.2"' "$POLICY" || fail "the policy's version line moved"
kill -HUP "${SERVE_PID[w1]}"
serve_wait_log w1 "reload: policy [0-9a-f]+ replaces" 10 || fail "reload not done"
for p in 0 1 2 3; do
    serve_wait_log w1 "partition $p: policy [0-9a-f]* -> [0-9a-f]* at sequence" 20 ||
        fail "partition $p did not swap"
done
"$SLATE" publish -q --partitions 4 --nats "$NATS_URL" "$tmp/ev2.jsonl" || fail "publish 2"
serve_wait_acked 4 60 || { serve_consumers; fail "second half not acknowledged in 60 s"; }
serve_term w1 40 || fail "worker SIGTERM"

# 1. the archive: every decision as published, published = slate run's
t0=$(now_ms)
"$SLATE" archive --nats "$NATS_URL" --partitions 4 --log "$tmp/audit.db" 2>"$tmp/arch.err" ||
    fail "archive --log: $(cat "$tmp/arch.err")"
echo "archive-log.sh: archived in $(($(now_ms) - t0)) ms: $(tail -1 "$tmp/arch.err")"
grep -q "partition 3: .* 1 policy swaps; .* each as published" "$tmp/arch.err" ||
    fail "archive summary: $(cat "$tmp/arch.err")"
"$SLATE" archive -q --nats "$NATS_URL" --partitions 4 --jsonl "$tmp/pub.jsonl" || fail "archive --jsonl"
python3 tests/cli/lib/decisions_cmp.py "$tmp/run.jsonl" "$tmp/pub.jsonl" "$tmp/ev.jsonl" \
    >"$tmp/cmp.txt" || fail "published decisions differ from run's: $(cat "$tmp/cmp.txt")"
echo "archive-log.sh: $(head -1 "$tmp/cmp.txt")"
python3 - "$tmp/audit.db" "$tmp/pub.jsonl" "$tmp/run.jsonl" <<'PY' || fail "log contents"
import collections, json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
meta = dict(db.execute("SELECT key, value FROM meta"))
assert meta["partitions"] == "4", meta
pub = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
run = [json.loads(l) for l in open(sys.argv[3]) if l.strip()]
n = db.execute("SELECT count(*) FROM decisions").fetchone()[0]
assert n == len(pub) == len(run), (n, len(pub), len(run))
# per case: the log's actions in order are the published ones
logged = collections.defaultdict(list)
for case, action in db.execute("SELECT case_id, action FROM decisions ORDER BY seq"):
    logged[case].append(action)
published = collections.defaultdict(list)
for d in pub:
    published[d.get("case")].append(d["action"])
assert logged == published, "per-case actions differ"
# each partition: one block, a policy entry first, then one swap to another
# policy; every entry carries its partition, each event its stream sequence
parts = [r[0] for r in db.execute("SELECT part FROM events ORDER BY id")]
assert parts == sorted(parts) and set(parts) == {0, 1, 2, 3}, "blocks"
for p in range(4):
    rows = db.execute("SELECT kind, stream_seq, policy_hash FROM events WHERE part = ? "
                      "ORDER BY id", (p,)).fetchall()
    assert rows[0][0] == "policy" and rows[0][1] is None, rows[0]
    pols = [r for r in rows if r[0] == "policy"]
    assert len(pols) == 2 and pols[1][1] is not None and pols[0][2] != pols[1][2], pols
    seqs = [r[1] for r in rows[1:]]
    assert all(s is not None for s in seqs) and seqs == sorted(seqs), "stream sequences"
ev = db.execute("SELECT count(*) FROM events WHERE kind = 'event'").fetchone()[0]
assert ev == sum(1 for l in open(sys.argv[3].replace("run.jsonl", "ev.jsonl")) if l.strip()), ev
print("log ok:", n, "decisions,", ev, "events")
PY
python3 tools/verify-log.py "$tmp/audit.db" >"$tmp/verify.txt" || fail "verify-log.py: $(cat "$tmp/verify.txt")"

# 2. replay: each partition through its own engine, bit for bit
"$SLATE" replay "$tmp/audit.db" >"$tmp/replay.txt" 2>&1 || fail "replay: $(cat "$tmp/replay.txt")"
grep -q "replay matches: $total events .* 4 partitions" "$tmp/replay.txt" ||
    fail "replay summary: $(cat "$tmp/replay.txt")"
head=$(sed -n 's/.*head \([0-9a-f]*\).*/\1/p' "$tmp/replay.txt" | head -1)
grep -q "head $head" "$tmp/arch.err" || fail "replay's head $head is not the archive's"
grep -q "head $head" "$tmp/verify.txt" || fail "verify-log.py's head is not replay's"

# 3. report, explain, diff
"$SLATE" report "$tmp/audit.db" >"$tmp/report.txt" 2>&1 || fail "report: $(cat "$tmp/report.txt")"
grep -qi "breach" "$tmp/report.txt" || fail "report: $(head -20 "$tmp/report.txt")"
case_id=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["case"])' \
    "$tmp/ev.jsonl")
"$SLATE" explain "$tmp/audit.db" "$case_id" >"$tmp/explain.txt" 2>&1 ||
    fail "explain: $(cat "$tmp/explain.txt")"
grep -q "$case_id" "$tmp/explain.txt" || fail "explain: $(head -20 "$tmp/explain.txt")"
"$SLATE" diff --policy policies/service-2025.slate "$tmp/audit.db" >"$tmp/diff.txt" 2>&1 ||
    fail "diff: $(cat "$tmp/diff.txt")"

# 4. a row edited: replay exits 1 and names it
cp "$tmp/audit.db" "$tmp/tampered.db"
python3 - "$tmp/tampered.db" <<'PY' || fail "tamper"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE events SET stream_seq = stream_seq + 1 WHERE id = "
           "(SELECT max(id) FROM events WHERE part = 2 AND kind = 'event')")
db.commit()
PY
"$SLATE" replay "$tmp/tampered.db" >"$tmp/tampered.txt" 2>&1
st=$?
[ $st -eq 1 ] || fail "tampered replay: exit $st: $(cat "$tmp/tampered.txt")"
grep -q "events row id .* edited" "$tmp/tampered.txt" || fail "tampered: $(cat "$tmp/tampered.txt")"
python3 tools/verify-log.py "$tmp/tampered.db" >/dev/null 2>&1 && fail "verify-log.py took the edit"
# the same for a decision of partition 1 edited in its entry's packed column
# (the archive is of schema version 2)
cp "$tmp/audit.db" "$tmp/tampered.db"
python3 - "$tmp/tampered.db" <<'PY' || fail "tamper decisions"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "2"
db.execute("UPDATE events SET decisions = replace(decisions, '\"breach\"', '\"warn\"') WHERE id = "
           "(SELECT min(id) FROM events WHERE part = 1 AND decisions LIKE '%\"breach\"%')")
assert db.total_changes == 1
db.commit()
PY
"$SLATE" replay "$tmp/tampered.db" >"$tmp/tampered.txt" 2>&1
st=$?
[ $st -eq 1 ] || fail "tampered decisions, replay: exit $st: $(cat "$tmp/tampered.txt")"
grep -q "events row id .* edited" "$tmp/tampered.txt" || fail "tampered: $(cat "$tmp/tampered.txt")"
python3 tools/verify-log.py "$tmp/tampered.db" >/dev/null 2>&1 && fail "verify-log.py took the decisions' edit"

# 5. another tolerance than the worker's: refused, no file; no overwriting
"$SLATE" archive -q --nats "$NATS_URL" --partitions 4 --tolerance 1h --log "$tmp/tol.db" \
    2>"$tmp/tol.err"
st=$?
[ $st -eq 1 ] || fail "--tolerance 1h: exit $st: $(cat "$tmp/tol.err")"
grep -q "partition 0: .*the workers' --tolerance and --strict must be given" "$tmp/tol.err" ||
    fail "--tolerance 1h: $(cat "$tmp/tol.err")"
[ ! -e "$tmp/tol.db" ] || fail "a refused archive left $tmp/tol.db"
"$SLATE" archive -q --nats "$NATS_URL" --partitions 4 --log "$tmp/audit.db" 2>"$tmp/exists.err"
st=$?
[ $st -eq 3 ] || fail "existing file: exit $st: $(cat "$tmp/exists.err")"
"$SLATE" replay -q "$tmp/audit.db" || fail "the existing log was changed"
# 6. wall-clock ticks: a case opened now, a worker without --no-ticks; its
# ticks are messages of the event stream, archived as advance entries
before=$(serve_consumers | awk '{s += $2} END {print s}')
python3 - "$tmp/ev.jsonl" >"$tmp/live.jsonl" <<'PY'
import json, sys, time
for line in open(sys.argv[1]):
    d = json.loads(line)
    if d["type"] == "opened":
        d.update(case="LIVE-1", id="live-1", at=int(time.time() * 1000))
        print(json.dumps(d))
        break
PY
"$SLATE" publish -q --partitions 4 --nats "$NATS_URL" "$tmp/live.jsonl" || fail "publish live"
serve_start w2 "$POLICY" --nats "$NATS_URL" --partitions 4
deadline=$((SECONDS + 20))
until [ "$(serve_consumers | awk '{s += $2} END {print s}')" -ge $((before + 4)) ]; do
    [ $SECONDS -lt $deadline ] || fail "no ticks in 20 s: $(serve_consumers)"
    sleep 0.5
done
serve_term w2 40 || fail "w2 SIGTERM"
"$SLATE" archive --nats "$NATS_URL" --partitions 4 --log "$tmp/ticks.db" 2>"$tmp/ticks.err" ||
    fail "archive with ticks: $(cat "$tmp/ticks.err")"
grep -q " [1-9][0-9]* ticks" "$tmp/ticks.err" || fail "no ticks archived: $(cat "$tmp/ticks.err")"
"$SLATE" replay "$tmp/ticks.db" >"$tmp/replay2.txt" 2>&1 || fail "replay with ticks: $(cat "$tmp/replay2.txt")"
python3 - "$tmp/ticks.db" <<'PY' || fail "tick entries"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
n = db.execute("SELECT count(*) FROM events WHERE kind = 'advance' AND stream_seq IS NOT NULL "
               "AND at_ms > 1750000000000").fetchone()[0]
assert n >= 2, n
PY

# usage errors: exit 2
"$SLATE" archive --log "$tmp/u.db" --jsonl - 2>/dev/null
[ $? -eq 2 ] || fail "--log with --jsonl: not a usage error"
"$SLATE" archive --tolerance 1s --jsonl - 2>/dev/null
[ $? -eq 2 ] || fail "--tolerance without --log: not a usage error"
echo "archive-log.sh: ok"
