#!/usr/bin/env bash
# serve-failover.sh - three `slate serve` workers share 8 partitions on one
# nats-server; one is killed with SIGKILL while events are still arriving; its
# partitions move to the two survivors within 10 s (the lease TTL is 6 s), they
# restore the partitions' last checkpoints (every 1000 events), replay the
# streams from there and go on, and at the end the decisions
# published equal `slate run`'s case by case: none lost, none doubled.  Prints
# the figures (events, decisions, lost, duplicated, failover time).  The events
# are `slate gen --seed 7 --cases 4000` (2025, hence --no-ticks; see serve.sh),
# published in three parts: before the kill, during it, after it.  Skipped
# without nats-server or python3.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
cd "$(dirname "$0")/../.."
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 0; }
. tests/cli/lib/nats.sh
. tests/cli/lib/serve.sh
tmp=$SERVE_DIR
fail() { serve_fail serve-failover.sh "$@"; }
POLICY=policies/service-2025.slate
CASES=${SLATE_FAILOVER_CASES:-4000}

nats_start 1 || fail "no server"
"$SLATE" gen --seed 7 --cases "$CASES" -o "$tmp/gen.jsonl" || fail "gen"
python3 tests/cli/lib/split_parts.py "$tmp/gen.jsonl" "$tmp" || fail "split"
events=$(grep -c . "$tmp/ev.jsonl")
"$SLATE" run -q "$POLICY" "$tmp/ev.jsonl" >"$tmp/run.jsonl" || fail "slate run"

declare -A MPORT=()
for w in w1 w2 w3; do
    MPORT[$w]=$(nats_free_port)
    serve_start $w "$POLICY" --nats "$NATS_URL" --no-ticks --log-time --checkpoint-every 1000 --metrics 127.0.0.1:"${MPORT[$w]}"
done
serve_wait_shared 30 "${MPORT[w1]}" "${MPORT[w2]}" "${MPORT[w3]}" ||
    fail "not shared in 30 s: ${SHARED[*]}"
echo "serve-failover.sh: shared ${SHARED[0]}/${SHARED[1]}/${SHARED[2]}"

"$SLATE" publish -q --partitions 8 --nats "$NATS_URL" "$tmp/part0.jsonl" || fail "publish 0"
victim=w2
serve_owned "${MPORT[$victim]}" >"$tmp/victim.parts"
# mid-stream: the victim has consumed events, and more are arriving
deadline=$((SECONDS + 30))
until serve_metrics "${MPORT[$victim]}" | grep -Eq '^slate_events_consumed_total\{partition="[0-9]+"\} [1-9]'; do
    [ $SECONDS -lt $deadline ] || fail "the victim consumed nothing"
    sleep 0.1
done
"$SLATE" publish -q --partitions 8 --nats "$NATS_URL" "$tmp/part1.jsonl" &
pubpid=$!
sleep 0.3
kill_ms=$(now_ms)
serve_kill $victim
wait $pubpid || fail "publish 1"
"$SLATE" publish -q --partitions 8 --nats "$NATS_URL" "$tmp/part2.jsonl" || fail "publish 2"

# every partition of the victim is acquired by a survivor and rebuilt: when?
deadline=$((SECONDS + 60))
until python3 tests/cli/lib/failover_time.py "$kill_ms" "$(cat "$tmp/victim.parts")" \
        "$tmp/w1.err" "$tmp/w3.err" >"$tmp/failover"; do
    [ $SECONDS -lt $deadline ] || fail "the killed worker's partitions: $(cat "$tmp/failover")"
    sleep 0.5
done
read -r _ acquired _ worst <"$tmp/failover"
for p in $(cat "$tmp/victim.parts"); do
    grep -Eq "partition $p: taken: [0-9]+ events rebuilt after a checkpoint" "$tmp/w1.err" "$tmp/w3.err" ||
        fail "partition $p was not restored from a checkpoint"
done
echo "serve-failover.sh: partitions $(tr '\n' ' ' <"$tmp/victim.parts")of the killed worker" \
     "acquired by survivors within $acquired ms, rebuilt and consuming within $worst ms"
[ "$worst" -le 10000 ] || fail "failover took $worst ms (more than 10 s)"

serve_wait_acked 8 120 || { serve_consumers; fail "not everything acknowledged in 120 s"; }
for w in w1 w3; do serve_term $w 40 || fail "$w SIGTERM"; done
"$SLATE" archive -q --nats "$NATS_URL" --jsonl "$tmp/arch.jsonl" || fail "archive"
python3 tests/cli/lib/decisions_cmp.py "$tmp/run.jsonl" "$tmp/arch.jsonl" "$tmp/ev.jsonl" \
    >"$tmp/cmp.txt" || fail "decisions differ: $(cat "$tmp/cmp.txt")"
echo "serve-failover.sh: $(head -1 "$tmp/cmp.txt"); failover ${worst} ms"
