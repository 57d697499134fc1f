#!/usr/bin/env bash
# live.sh - the issue-14 benchmarks (bench/RESULTS.md, "Live service"): not a
# test, nothing here asserts a time.  Usage: bench/live.sh BUILD_DIR (bench/run.sh
# calls it; alone it needs BUILD_DIR/slate).
#
#   1. `slate run --threads 1` against `--threads 2` on the big stream, in
#      interleaved rounds (wall and CPU seconds; the ratio is the median of the
#      per-round ratios), after checking that both give the same bytes;
#   2. end to end through JetStream (one nats-server on 127.0.0.1, 8
#      partitions, 1 then 2 workers, events of 2025 so no wall-clock ticks):
#      from the first event published to the last one acknowledged, which is
#      after its decisions were stored; the decisions are counted against
#      `slate run`;
#   3. breach latency: one worker with the wall clock, cases opened now under a
#      2 s response target and left alone; for each breach, the time the
#      server stored it minus its deadline (p50, p99).
#
# Knobs: BENCH_RUNS (5), BENCH_CASES (100000) for 1; BENCH_JS_CASES (15000)
# for 2; BENCH_LAT_CASES (300) for 3.  Raw lines go to $B/results/live-*.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
B=${1:-build/bench}
SLATE=$(readlink -f "$B/slate")
RUNS=${BENCH_RUNS:-5}
CASES=${BENCH_CASES:-100000}
JS_CASES=${BENCH_JS_CASES:-15000}
LAT_CASES=${BENCH_LAT_CASES:-300}
POL=policies/service-2025.slate
D=$B/data
R=$B/results
mkdir -p "$D" "$R"
med() { sort -g | awk '{ a[NR] = $1 } END { print (NR ? a[int((NR + 1) / 2)] : 0) }'; }

[ -s "$D/big.jsonl" ] || "$SLATE" gen --seed 1 --cases "$CASES" -o "$D/big.jsonl"
nbig=$(wc -l <"$D/big.jsonl")
echo "== live bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1. run --threads ----------------------------------------------------------------
"$SLATE" run -q $POL "$D/big.jsonl" >"$R/live-t1.dec"
"$SLATE" run -q --threads 2 $POL "$D/big.jsonl" >"$R/live-t2.dec"
cmp -s "$R/live-t1.dec" "$R/live-t2.dec" && same="same bytes" || same="DIFFERENT OUTPUT"
rm -f "$R/live-t1.dec" "$R/live-t2.dec"
one() { # one N: "wall cpu" of one run with --threads N
    local s e c
    s=$(date +%s.%N)
    c=$( { /usr/bin/time -f "%U %S" "$SLATE" run -q --threads "$1" $POL "$D/big.jsonl" >/dev/null; } 2>&1 | tail -1)
    e=$(date +%s.%N)
    awk -v s="$s" -v e="$e" -v c="$c" 'BEGIN { split(c, a, " "); print e - s, a[1] + a[2] }'
}
: >"$R/live-threads.txt"
for round in $(seq "$RUNS"); do
    a=$(one 1); b=$(one 2)
    echo "round $round t1 $a t2 $b" | tee -a "$R/live-threads.txt" >/dev/null
done
w1=$(awk '{ print $4 }' "$R/live-threads.txt" | med)
w2=$(awk '{ print $7 }' "$R/live-threads.txt" | med)
c1=$(awk '{ print $5 }' "$R/live-threads.txt" | med)
c2=$(awk '{ print $8 }' "$R/live-threads.txt" | med)
x=$(awk '{ print $4 / $7 }' "$R/live-threads.txt" | med)
echo "run --threads ($nbig events, $POL, $RUNS rounds, medians; output: $same)"
printf "  --threads 1: %.2f s wall, %.2f s CPU, %.0f events/s\n" "$w1" "$c1" "$(awk -v n="$nbig" -v w="$w1" 'BEGIN { print n / w }')"
printf "  --threads 2: %.2f s wall, %.2f s CPU, %.0f events/s\n" "$w2" "$c2" "$(awk -v n="$nbig" -v w="$w2" 'BEGIN { print n / w }')"
printf "  speed-up (median of per-round ratios): %.2fx (goal >= 1.8x)\n" "$x"

# ---- 2. and 3. through JetStream -------------------------------------------------------
. tests/cli/lib/nats.sh
if ! _nats_find >/dev/null; then
    echo "JetStream: skipped (no nats-server)"
    exit 0
fi
SERVE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/slate-bench.XXXXXX")
. tests/cli/lib/serve.sh
SLATE_SAVE=$SLATE
SERVE_NPARTS=8

[ -s "$D/js.jsonl" ] || "$SLATE" gen --seed 2 --cases "$JS_CASES" -o "$D/js.jsonl"
njs=$(wc -l <"$D/js.jsonl")
want=$("$SLATE" run -q $POL "$D/js.jsonl" | wc -l)
: >"$R/live-js.txt"
echo "JetStream end to end ($njs events, 8 partitions, one nats-server, $POL):"
for workers in 1 2; do
    nats_start 1 || { echo "  cannot start nats-server"; exit 0; }
    for w in $(seq "$workers"); do
        serve_start "b$workers-$w" $POL --nats "$NATS_URL" --partitions 8 --no-ticks \
            --checkpoint-every 1000000
    done
    deadline=$((SECONDS + 60))
    while [ $SECONDS -lt $deadline ]; do
        n=$(cat "$SERVE_DIR"/b$workers-*.err 2>/dev/null | grep -Ec "partition [0-9]+: taken")
        [ "$n" -ge 8 ] && break
        sleep 0.2
    done
    t0=$(date +%s.%N)
    "$SLATE" publish -q --partitions 8 --nats "$NATS_URL" "$D/js.jsonl" || echo "  publish failed"
    tp=$(date +%s.%N)
    serve_wait_acked 8 600 || echo "  not everything acknowledged in 600 s"
    t1=$(date +%s.%N)
    "$SLATE" archive -q --partitions 8 --nats "$NATS_URL" --jsonl "$SERVE_DIR/arch.jsonl"
    got=$(wc -l <"$SERVE_DIR/arch.jsonl")
    line=$(awk -v w="$workers" -v n="$njs" -v a="$t0" -v p="$tp" -v b="$t1" -v g="$got" -v want="$want" \
        'BEGIN { printf "workers %d events %d publish_s %.2f total_s %.2f events_per_s %.0f decisions %d of %d\n", w, n, p - a, b - a, n / (b - a), g, want }')
    echo "$line" >>"$R/live-js.txt"
    printf "  %d worker%s: %s events/s (publish %.2f s, all acknowledged after %.2f s); decisions %d (slate run: %d)\n" \
        "$workers" "$([ "$workers" = 1 ] && echo "" || echo s)" \
        "$(echo "$line" | awk '{ print $10 }')" "$(echo "$line" | awk '{ print $6 }')" \
        "$(echo "$line" | awk '{ print $8 }')" "$got" "$want"
    for w in $(seq "$workers"); do serve_term "b$workers-$w" 60 >/dev/null; done
    nats_stop 0
    rm -rf "$NATS_DIR"
done

# breach latency: a 2 s target, cases opened now, nothing after
cat >"$SERVE_DIR/live.slate" <<'EOF'
# live.slate - one clock, one target, for bench/live.sh
policy "live" version "1"

clock response starts on opened
               stops on responded

sla quick {
    response within 2s
}
EOF
nats_start 1 || exit 0
serve_start lat "$SERVE_DIR/live.slate" --nats "$NATS_URL" --partitions 2
serve_wait_log lat "partition 1: taken" 30 || echo "  the latency worker did not start"
for i in $(seq "$LAT_CASES"); do
    echo "{\"case\":\"L$i\",\"type\":\"opened\",\"at\":$(now_ms),\"id\":\"L$i\"}" >"$SERVE_DIR/one.jsonl"
    "$SLATE" publish -q --partitions 2 --nats "$NATS_URL" "$SERVE_DIR/one.jsonl"
done
sleep 5
"$SLATE" archive -q --meta --partitions 2 --nats "$NATS_URL" --jsonl "$SERVE_DIR/lat.jsonl"
python3 - "$SERVE_DIR/lat.jsonl" "$LAT_CASES" <<'PY' | tee "$R/live-latency.txt"
import json, sys
from datetime import datetime
def ms(s): return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000
late = []
for line in open(sys.argv[1]):
    w = json.loads(line); d = w["decision"]
    if d["action"] == "breach":
        late.append(ms(w["stored"]) - ms(d["at"]))
late.sort()
q = lambda p: late[min(len(late) - 1, int(p * len(late)))] if late else float("nan")
print("breach latency (deadline to decision stored, 1 worker, ticks every 1 s, %d of %s cases): "
      "p50 %.0f ms, p99 %.0f ms, max %.0f ms" % (len(late), sys.argv[2], q(0.5), q(0.99), late[-1] if late else float("nan")))
PY
serve_term lat 30 >/dev/null
SLATE=$SLATE_SAVE
