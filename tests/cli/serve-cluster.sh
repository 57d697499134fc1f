#!/usr/bin/env bash
# serve-cluster.sh - the headline test of the live service (issue 14): a
# three-server JetStream cluster on 127.0.0.1, streams and buckets with three
# replicas, 8 partitions, 3 workers; events from `slate gen` published in three
# parts; mid-stream one worker is killed (SIGKILL) and one server is stopped.
# Afterwards every event is acknowledged and the decisions published equal
# `slate run`'s over the same events, case by case: none lost, none doubled;
# `slate archive --log` writes the history as an audit log and `slate replay`
# passes on it, one engine per partition.
# Prints the figures.  Size: SLATE_CLUSTER_CASES cases (default 30000: the
# 202,347 events issue 14 asks for, 70-85 s here with other work running; 3000
# gives about 20,000 events for a quick look).  Events are dated 2025, hence
# --no-ticks (see serve.sh).  Skipped without nats-server or python3.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
cd "$(dirname "$0")/../.."
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 not found"; exit 0; }
. tests/cli/lib/nats.sh
. tests/cli/lib/serve.sh
tmp=$SERVE_DIR
fail() { serve_fail serve-cluster.sh "$@"; }
POLICY=policies/service-2025.slate
CASES=${SLATE_CLUSTER_CASES:-30000}
WAIT=$((120 + CASES / 100))   # seconds allowed for the whole stream to be acknowledged

nats_start 3 || fail "no cluster"
"$SLATE" gen --seed 11 --cases "$CASES" -o "$tmp/gen.jsonl" || fail "gen"
python3 tests/cli/lib/split_parts.py "$tmp/gen.jsonl" "$tmp" || fail "split"
events=$(grep -c . "$tmp/ev.jsonl")
"$SLATE" run -q "$POLICY" "$tmp/ev.jsonl" >"$tmp/run.jsonl" || fail "slate run"
# publish a part; what a server's stop leaves unstored is sent again (the ids make
# that safe: `slate publish` says so), as an operator would
pub() {
    local try
    for try in 1 2 3; do
        "$SLATE" publish -q --partitions 8 --replicas 3 --timeout 30 --nats "$NATS_URL" "$1" \
            2>>"$tmp/publish.err" && return 0
        sleep 1
    done
    return 1
}

t0=$SECONDS
declare -A MPORT=()
for w in w1 w2 w3; do
    MPORT[$w]=$(nats_free_port)
    serve_start $w "$POLICY" --nats "$NATS_URL" --replicas 3 --no-ticks --log-time --checkpoint-every 1000 \
        --metrics 127.0.0.1:"${MPORT[$w]}"
done
serve_wait_shared 60 "${MPORT[w1]}" "${MPORT[w2]}" "${MPORT[w3]}" ||
    fail "not shared in 60 s: ${SHARED[*]}"

pub "$tmp/part0.jsonl" || fail "publish 0"
victim=w3
deadline=$((SECONDS + 60))
until serve_metrics "${MPORT[$victim]}" | grep -Eq '^slate_events_consumed_total\{partition="[0-9]+"\} [1-9]'; do
    [ $SECONDS -lt $deadline ] || fail "the victim consumed nothing"
    sleep 0.1
done
serve_owned "${MPORT[$victim]}" >"$tmp/victim.parts"
pub "$tmp/part1.jsonl" &
pubpid=$!
sleep 0.3
kill_ms=$(now_ms)
serve_kill $victim
wait $pubpid || fail "publish 1 (a worker killed meanwhile)"
# One server of three stops while the workers still consume: the R3 streams keep
# a quorum.  Not while a publish is under way: messages in flight when a server
# stops are sent again after later ones, so the stream's order (serve's order of
# truth) would no longer be the file's, and `slate run` over the file would no
# longer be the reference (docs/deploy.md, "A server that is down").
nats_stop 2
pub "$tmp/part2.jsonl" || fail "publish 2 (two servers of three)"

# the killed worker's partitions: acquired by the survivors, and rebuilt
deadline=$((SECONDS + 60))
until python3 tests/cli/lib/failover_time.py "$kill_ms" "$(cat "$tmp/victim.parts")" \
        "$tmp/w1.err" "$tmp/w2.err" >"$tmp/failover"; do
    [ $SECONDS -lt $deadline ] || fail "the killed worker's partitions: $(cat "$tmp/failover")"
    sleep 0.5
done
read -r _ failover _ taken <"$tmp/failover"
[ "$failover" -le 10000 ] || fail "failover took $failover ms"

serve_wait_acked 8 "$WAIT" 0 || { serve_consumers 0; fail "not everything acknowledged in $WAIT s"; }
busy=$((SECONDS - t0))
for w in w1 w2; do serve_term $w 60 || fail "$w SIGTERM: exit $?"; done
"$SLATE" archive -q --timeout 30 --nats "$NATS_URL" --jsonl "$tmp/arch.jsonl" || fail "archive"
python3 tests/cli/lib/decisions_cmp.py "$tmp/run.jsonl" "$tmp/arch.jsonl" "$tmp/ev.jsonl" \
    >"$tmp/cmp.txt" || fail "decisions differ: $(cat "$tmp/cmp.txt")"
# the cluster's history as an audit log: every partition re-run as its workers
# ran it (the kill and the failover included) and checked against what they
# published; then replayed, one engine per partition
t1=$SECONDS
"$SLATE" archive -q --timeout 30 --nats "$NATS_URL" --log "$tmp/audit.db" 2>"$tmp/alog.err" ||
    fail "archive --log: $(tail -3 "$tmp/alog.err")"
"$SLATE" replay "$tmp/audit.db" >"$tmp/replay.txt" 2>&1 || fail "replay: $(tail -3 "$tmp/replay.txt")"
grep -q "8 partitions" "$tmp/replay.txt" || fail "replay: not per partition: $(cat "$tmp/replay.txt")"
audit=$((SECONDS - t1))
[ -n "${SLATE_KEEP:-}" ] && cp -r "$tmp" "$SLATE_KEEP"/ && echo "kill at $kill_ms" >"$SLATE_KEEP/kill"
echo "serve-cluster.sh: 3 servers (one stopped), R3, 8 partitions, 3 workers (one killed):" \
     "$(head -1 "$tmp/cmp.txt"); partitions moved in $failover ms, rebuilt and consuming" \
     "in $taken ms (a server stopped meanwhile); all acknowledged" \
     "${busy} s after the workers started; archived as an audit log and replayed in ${audit} s:" \
     "$(grep -o '[0-9]* decisions.*' "$tmp/replay.txt" | head -1)"
