#!/usr/bin/env bash
# serve.sh - `slate serve` end to end on one nats-server (tests/cli/lib/nats.sh):
# the events of `slate gen --seed 5 --cases 2000` (dated 2025, so the worker runs
# with --no-ticks: wall-clock ticks of today would move every engine past every
# deadline), closed by a tick after the last event so that every partition ends
# at the same time as `slate run`, then a malformed line and a line longer than
# 1 MiB.  One worker consumes them; the decisions it published (`slate archive`)
# equal `slate run`'s case by case, none lost, none doubled; the two odd lines
# are rejects, acknowledged, never redelivered; /metrics counts what happened;
# every partition is checkpointed; SIGTERM drains (exit 0, everything
# acknowledged, leases released at once) and a second worker restores the
# checkpoints and publishes nothing.
# Then the failures a user meets first: a server nobody listens on (retries with
# a message, exit 3), streams made for another partition count (exit 1), a
# worker name already live (exit 1).  Last, decisions stored out of their `seq`
# order (as a batch sent again after an outage is) come out of `slate archive`
# in `seq` order.  Skipped without nats-server or python3.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
cd "$(dirname "$0")/../.."
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 0; }
. tests/cli/lib/nats.sh
. tests/cli/lib/serve.sh
tmp=$SERVE_DIR
fail() { serve_fail serve.sh "$@"; }
POLICY=policies/service-2025.slate

nats_start 1 || fail "no server"

"$SLATE" gen --seed 5 --cases 2000 -o "$tmp/gen.jsonl" || fail "gen"
python3 - "$tmp/gen.jsonl" >"$tmp/ev.jsonl" <<'PY'
import json, sys
last = None
for line in open(sys.argv[1]):
    sys.stdout.write(line)
    last = json.loads(line)["at"]
# a tick a day after the last event: every partition's time ends where run's does
from datetime import datetime, timedelta
t = datetime.fromisoformat(last) + timedelta(days=1)
print(json.dumps({"type": "tick", "at": t.isoformat()}))
print("not json {")
print('{"case":"C000001","type":"updated","pad":"' + "x" * 1100000 + '"}')
PY
events=$(grep -c . "$tmp/ev.jsonl")
"$SLATE" run -q "$POLICY" "$tmp/ev.jsonl" >"$tmp/run.jsonl" || fail "slate run"
"$SLATE" publish -q --partitions 8 --nats "$NATS_URL" "$tmp/ev.jsonl" || fail "publish"

# 1. one worker consumes everything; decisions per case as `slate run`'s
t0=$(now_ms)
mport=$(nats_free_port)
serve_start w1 "$POLICY" --nats "$NATS_URL" --no-ticks --metrics 127.0.0.1:"$mport" \
    --checkpoint-every 2000,5s
serve_wait_acked 8 120 || { serve_consumers; fail "not everything acknowledged in 120 s"; }
t1=$(now_ms)
echo "serve.sh: one worker: $events events in $(((t1 - t0)))ms from start to the last acknowledgement"
serve_metrics "$mport" >"$tmp/metrics.txt" || fail "no /metrics on $mport"
msgs=$(serve_consumers | awk '{s += $2} END {print s}')
python3 - "$tmp/metrics.txt" "$msgs" <<'PY' || fail "metrics: $(grep -v '^#' "$tmp/metrics.txt" | head -30)"
import re, sys
m = {}
for line in open(sys.argv[1]):
    if line.startswith("#"): continue
    k, v = line.rsplit(" ", 1)
    m[k] = float(v)
def total(name): return sum(v for k, v in m.items() if k.startswith(name + "{"))
assert total("slate_events_consumed_total") == int(sys.argv[2]), "consumed"
assert m["slate_owned_partitions"] == 8, "owned"
assert total("slate_partition_owned") == 8
assert m['slate_rejects_total{reason="malformed"}'] == 1, "malformed"
assert m['slate_rejects_total{reason="too_long"}'] == 1, "too long"
assert total("slate_consumer_lag") == 0
assert total("slate_open_cases") == 0
assert total("slate_breaches_total") > 0
assert total("slate_decisions_published_total") > 0
PY
# checkpoints (every 2000 events or 5 s): one per partition once it is idle
deadline=$((SECONDS + 20))
until [ "$(serve_metrics "$mport" | grep -c '^slate_checkpoint_age_seconds{')" -eq 8 ]; do
    [ $SECONDS -lt $deadline ] || fail "no checkpoint of every partition in 20 s"
    sleep 0.5
done
# the odd lines: rejected with slate run's reasons, and acknowledged once
grep -q '"action":"reject".*"reason":"not JSON' "$tmp/run.jsonl" || fail "run did not reject"
sleep 1
serve_consumers | awk '$5 != 0 { bad = 1 } END { exit bad }' || fail "redeliveries: $(serve_consumers)"

# 2. SIGTERM drains: exit 0, everything acknowledged, leases given back at once
serve_term w1 40
st=$?
[ $st -eq 0 ] || fail "SIGTERM: exit $st"
grep -q "drained: every event processed is acknowledged" "$tmp/w1.err" || fail "no drain notice"
serve_acked 8 || fail "unacknowledged after the drain: $(serve_consumers)"
"$SLATE" archive -q --nats "$NATS_URL" --jsonl "$tmp/arch.jsonl" || fail "archive"
python3 tests/cli/lib/decisions_cmp.py "$tmp/run.jsonl" "$tmp/arch.jsonl" "$tmp/ev.jsonl" \
    >"$tmp/cmp.txt" || fail "decisions differ: $(cat "$tmp/cmp.txt")"
echo "serve.sh: $(head -1 "$tmp/cmp.txt")"
# a second worker right after the drain takes every partition at once (released),
# restores the checkpoints the drain saved (nothing left to replay), and
# publishes nothing new
serve_start w2 "$POLICY" --nats "$NATS_URL" --no-ticks
serve_wait_log w2 "partition 7: taken" 20 || fail "w2 did not take the partitions over"
for p in 0 1 2 3 4 5 6 7; do
    serve_wait_log w2 "partition $p: taken: 0 events rebuilt after a checkpoint, 0 caught up" 20 ||
        fail "w2 partition $p: $(grep "partition $p:" "$tmp/w2.err")"
done
serve_term w2 40 || fail "w2 SIGTERM"
"$SLATE" archive -q --nats "$NATS_URL" --jsonl "$tmp/arch2.jsonl" || fail "archive 2"
cmp -s "$tmp/arch.jsonl" "$tmp/arch2.jsonl" || fail "the second worker published something"

# 3. a server nobody listens on: retries with a notice, then exit 3 naming it
port=$(nats_free_port)
start=$SECONDS
"$SLATE" serve "$POLICY" --nats "nats://127.0.0.1:$port" --timeout 2 --worker w3 2>"$tmp/down.err"
st=$?
[ $st -eq 3 ] || fail "unreachable: exit $st: $(cat "$tmp/down.err")"
[ $((SECONDS - start)) -le 10 ] || fail "unreachable took $((SECONDS - start)) s"
grep -q "retrying for up to" "$tmp/down.err" || fail "no retry notice: $(cat "$tmp/down.err")"
grep -q "no NATS server with JetStream at nats://127.0.0.1:$port" "$tmp/down.err" ||
    fail "unreachable message: $(cat "$tmp/down.err")"

# 4. streams made for another partition count: refused, exit 1, naming it
"$SLATE" serve "$POLICY" --nats "$NATS_URL" --partitions 4 --worker w4 2>"$tmp/mismatch.err"
st=$?
[ $st -eq 1 ] || fail "mismatch: exit $st: $(cat "$tmp/mismatch.err")"
grep -q 'stream SLATE_EV_0 exists as "slate events partition 0 of 8", expected "slate events partition 0 of 4"' \
    "$tmp/mismatch.err" || fail "mismatch message: $(cat "$tmp/mismatch.err")"

# 5. a worker name already live: refused, exit 1
serve_start w5 "$POLICY" --nats "$NATS_URL" --no-ticks
serve_wait_log w5 "serving 8 partitions" 20 || fail "w5 did not start"
"$SLATE" serve "$POLICY" --nats "$NATS_URL" --worker w5 2>"$tmp/dup.err"
st=$?
[ $st -eq 1 ] || fail "same name: exit $st: $(cat "$tmp/dup.err")"
grep -q "a worker named w5 is live already" "$tmp/dup.err" || fail "same name: $(cat "$tmp/dup.err")"
serve_term w5 40 || fail "w5 SIGTERM"

# 6. decisions stored out of their seq order (a batch sent again after an
#    outage lands after later ones): archive writes them in seq order
python3 tests/cli/lib/nats_hpub.py "$NATS_URL" slate.decisions.7 \
    'Slate-Decision-Seq: 1000002' '{"seq":1000002,"case":"Z","action":"late-stored"}' \
    'Slate-Decision-Seq: 1000001' '{"seq":1000001,"case":"Z","action":"early"}' || fail "hpub"
sleep 0.5
"$SLATE" archive -q --nats "$NATS_URL" --jsonl "$tmp/arch3.jsonl" || fail "archive 3"
[ "$(grep '"case":"Z"' "$tmp/arch3.jsonl" | tr -d '\n')" = \
  '{"seq":1000001,"case":"Z","action":"early"}{"seq":1000002,"case":"Z","action":"late-stored"}' ] ||
    fail "archive not in seq order: $(grep '"case":"Z"' "$tmp/arch3.jsonl")"
echo "serve.sh: ok"
