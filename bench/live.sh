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
#      a backlog (half the events published, then the workers started, until
#      the last is acknowledged, which is after its decisions were stored) and
#      live (the other half published to the running workers, until the last
#      is acknowledged); the decisions are counted against `slate run`;
#   3. breach latency: one worker with the wall clock, cases opened now under a
#      2 s response target and left alone; for each breach, the time the
#      server stored it minus its deadline (p50, p99): on a busy stream (cases
#      opened one after another, whose events move time too) and a quiet one
#      (one case, nothing until its breach: only the 1 s ticks move time).
#
# Knobs: BENCH_RUNS (5), BENCH_CASES (100000) for 1; BENCH_JS_CASES (15000)
# for 2; BENCH_LAT_CASES (300) and BENCH_LAT_QUIET (15) for 3.  Raw lines go to $B/results/live-*.txt.
set -uo pipefail
cd "$(dirname "$0")/.."
B=${1:-build/bench}
SLATE=$(readlink -f "$B/slate")
RUNS=${BENCH_RUNS:-5}
CASES=${BENCH_CASES:-100000}
JS_CASES=${BENCH_JS_CASES:-15000}
LAT_CASES=${BENCH_LAT_CASES:-300}
LAT_QUIET=${BENCH_LAT_QUIET:-15}
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
half=$((njs / 2))
head -n "$half" "$D/js.jsonl" >"$SERVE_DIR/first.jsonl"
tail -n +"$((half + 1))" "$D/js.jsonl" >"$SERVE_DIR/second.jsonl"
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }
echo "JetStream ($njs events, 8 partitions, one nats-server, $POL, no ticks):"
echo "  backlog: the first half published, then the workers started, until all acknowledged"
echo "  live: the second half published to running workers, until all acknowledged"
for workers in 1 2; do
    nats_start 1 || { echo "  cannot start nats-server"; exit 0; }
    a=$(date +%s.%N)
    "$SLATE" publish -q --partitions 8 --nats "$NATS_URL" "$SERVE_DIR/first.jsonl" || echo "  publish failed"
    b=$(date +%s.%N)
    for w in $(seq "$workers"); do
        serve_start "b$workers-$w" $POL --nats "$NATS_URL" --partitions 8 --no-ticks \
            --checkpoint-every 1000000
    done
    serve_wait_acked 8 600 || echo "  not everything acknowledged in 600 s"
    c=$(date +%s.%N)
    "$SLATE" publish -q --partitions 8 --nats "$NATS_URL" "$SERVE_DIR/second.jsonl" || echo "  publish failed"
    d=$(date +%s.%N)
    serve_wait_acked 8 600 || echo "  not everything acknowledged in 600 s"
    e=$(date +%s.%N)
    "$SLATE" archive -q --partitions 8 --nats "$NATS_URL" --jsonl "$SERVE_DIR/arch.jsonl"
    got=$(wc -l <"$SERVE_DIR/arch.jsonl")
    echo "workers $workers publish_eps $(rate "$half" "$a" "$b") backlog_eps $(rate "$half" "$b" "$c") backlog_s $(secs "$b" "$c") live_eps $(rate "$((njs - half))" "$c" "$e") live_s $(secs "$c" "$e") decisions $got want $want" |
        tee -a "$R/live-js.txt" |
        awk '{ printf "  %d worker%s: backlog %s events/s (%s s, start-up included), live %s events/s (%s s; publishing alone: %s events/s); decisions %d (slate run: %d)\n", $2, $2 == 1 ? "" : "s", $6, $8, $10, $12, $4, $14, $16 }'
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
opened() { # opened CASE: publish an `opened` event dated now
    echo "{\"case\":\"$1\",\"type\":\"opened\",\"at\":$(now_ms),\"id\":\"$1\"}" >"$SERVE_DIR/one.jsonl"
    "$SLATE" publish -q --partitions 2 --nats "$NATS_URL" "$SERVE_DIR/one.jsonl"
}
breaches() { # breaches PREFIX: how many of those cases have their breach archived
    "$SLATE" archive -q --meta --partitions 2 --nats "$NATS_URL" --jsonl "$SERVE_DIR/lat.jsonl" &&
        grep -c "\"case\":\"$1[0-9]*\",\"action\":\"breach\"" "$SERVE_DIR/lat.jsonl"
}
# busy: a case opened after another (each publish a process: some 10 a second),
# so the events themselves move the time as often as the ticks do
for i in $(seq "$LAT_CASES"); do opened "L$i"; done
deadline=$((SECONDS + 15))
# (an event published after a tick past its time is late, with the default
# tolerance 0: its case is rejected and never breaches, hence the bound)
while [ $SECONDS -lt $deadline ] && [ "$(breaches L)" -lt "$LAT_CASES" ]; do sleep 0.5; done
# quiet: one case, then nothing until its breach: only a tick can fire it
for i in $(seq "$LAT_QUIET"); do opened "Q$i"; sleep 3.2; done
deadline=$((SECONDS + 30))
while [ $SECONDS -lt $deadline ] && [ "$(breaches Q)" -lt "$LAT_QUIET" ]; do sleep 0.5; done
python3 - "$SERVE_DIR/lat.jsonl" "$LAT_CASES" "$LAT_QUIET" <<'PY' | tee "$R/live-latency.txt"
import json, sys
from datetime import datetime
def ms(s): return datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp() * 1000
late = {"L": [], "Q": []}
rejected = {"L": 0, "Q": 0}
for line in open(sys.argv[1]):
    w = json.loads(line); d = w["decision"]
    if d["action"] == "breach":
        late[d["case"][0]].append(ms(w["stored"]) - ms(d["at"]))
    if d["action"] == "reject" and d.get("case", "?")[0] in rejected:
        rejected[d["case"][0]] += 1
def show(name, v, n, r):
    v.sort()
    q = lambda p: v[min(len(v) - 1, int(p * len(v)))] if v else float("nan")
    print("breach latency, %s (deadline to decision stored; %d of %s cases, %d rejected as late): "
          "p50 %.0f ms, p99 %.0f ms, max %.0f ms"
          % (name, len(v), n, r, q(0.5), q(0.99), v[-1] if v else float("nan")))
show("busy stream, a case opened every ~0.1 s", late["L"], sys.argv[2], rejected["L"])
show("quiet stream, only ticks (1 s) move time", late["Q"], sys.argv[3], rejected["Q"])
PY
serve_term lat 30 >/dev/null
SLATE=$SLATE_SAVE
