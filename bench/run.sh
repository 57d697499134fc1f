#!/usr/bin/env bash
# run.sh - the issue-7 benchmarks, every driver in one run on one machine, so the
# ratios compare like with like (STYLE.md: ratios against baselines in the same
# run, medians).  Usage: bench/run.sh BUILD_DIR (make bench passes build/bench).
#
# Inputs: `slate gen` for the reference policy, seed 1: the big stream (100k
# cases, ~630k events; BENCH_CASES overrides) and a small one (~10k events).
# Output: tables on stdout; raw lines in $B/results/*.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build/bench}
RUNS=${BENCH_RUNS:-5}
CASES=${BENCH_CASES:-100000}
POL=policies/service-2025.slate
D=$B/data
R=$B/results
mkdir -p "$D" "$R"
SB=$B/slate-bench
SLATE=$B/slate

gen() { # gen FILE CASES
    [ -s "$1" ] || "$SLATE" gen --seed 1 --cases "$2" -o "$1"
}
gen "$D/big.jsonl" "$CASES"
gen "$D/small.jsonl" 1600
nbig=$(wc -l < "$D/big.jsonl"); nsmall=$(wc -l < "$D/small.jsonl")
field() { sed -n "s/.*\\b$1 \\([^ ]*\\).*/\\1/p"; }

echo "== slate bench: $(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $RUNS runs per driver"
echo "inputs: big $nbig events ($CASES cases), small $nsmall events; policy $POL"
echo

# ---- equivalence of the hand-written baseline (the compared subset) -------------
eq_small=$("$SB" equiv $POL "$D/small.jsonl" | tee "$R/equiv-small.txt")
eq_big=$("$SB" equiv $POL "$D/big.jsonl" | tee "$R/equiv-big.txt")
status() { case "$1" in "equiv equal"*) echo "equal ($(echo "$1" | field compared) decisions)";; *) echo "DIFFERENT";; esac; }
echo "equivalence subset: sla tier + start/stop/pause/resume/warn/breach of the clocks"
echo "  response, handling, resolution, follow_up (per decision: action, case, instant,"
echo "  clock, tier); rule actions, require/review clocks and close are not compared"
echo "  small: $(status "$eq_small")   big: $(status "$eq_big")"
echo

# ---- throughput --------------------------------------------------------------------
capi=$("$SB" capi $POL "$D/big.jsonl" "$RUNS" | tee "$R/capi.txt")
hand=$("$SB" hand $POL "$D/big.jsonl" "$RUNS" | tee "$R/hand.txt")
base=$(echo "$capi" | field median_eps)
row() { # row NAME EPS EQUIV NOTE
    awk -v n="$1" -v e="$2" -v b="$base" -v q="$3" -v x="$4" \
        'BEGIN { printf "%-26s %12.0f %8.2f  %-22s %s\n", n, e, e / b, q, x }'
}
printf '%-26s %12s %8s  %-22s %s\n' driver "events/s" "x capi" equivalence note
row "slate C API" "$base" "reference" "$(echo "$capi" | field decisions) decisions, all actions"
row "hand-written C (subset)" "$(echo "$hand" | field median_eps)" "$(status "$eq_big" | cut -d' ' -f1) (subset)" \
    "$(echo "$hand" | field decisions) decisions, subset only"

jsonl=$("$SB" jsonl $POL "$D/big.jsonl" "$RUNS" | tee "$R/jsonl.txt")
row "JSONL reader+engine+JSON" "$(echo "$jsonl" | field median_eps)" "same engine" \
    "in process: cli/events.c reader, decisions as JSON to /dev/null"
# the CLI, the log and replay, once they are on this branch
if "$SLATE" run --help >/dev/null 2>&1; then
    ts=()
    for _ in $(seq "$RUNS"); do
        s=$(date +%s.%N); "$SLATE" run $POL "$D/big.jsonl" -o /dev/null; e=$(date +%s.%N)
        ts+=("$(awk -v s="$s" -v e="$e" -v n="$nbig" 'BEGIN { print n / (e - s) }')")
    done
    med=$(printf '%s\n' "${ts[@]}" | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
    row "slate run (JSONL)" "$med" "same engine" "compile + parse + JSON out to /dev/null"
else
    echo "slate run (JSONL)          not measured: \`slate run\` has not landed on this branch"
fi
if "$SLATE" run --help 2>&1 | grep -q -- --log && "$SLATE" replay --help >/dev/null 2>&1; then
    echo "(log/replay: see bench/RESULTS.md)"
else
    echo "slate run --log / replay   not measured: the SQLite log's \`run --log\` and \`replay\` have not landed"
fi

# ---- peer baselines: the hand-written subset in other rule/script engines --------
# Each is equivalence-checked on the small and the big stream before its time is
# shown; one that is missing its package (bench/deps.sh) is skipped with the reason.
echo "peer baselines (the subset above; events/s of the per-event work, events pre-parsed):"
lua_peer() { # lua_peer NAME BINARY PACKAGE
    if [ ! -x "$2" ]; then
        printf '%-26s skipped: %s not built (package %s missing? run bench/deps.sh)\n' "$1" "$2" "$3"
        return
    fi
    local qs qb t
    qs=$("$2" equiv $POL "$D/small.jsonl" 2>/dev/null | tee "$R/$(basename "$2")-equiv-small.txt" || true)
    qb=$("$2" equiv $POL "$D/big.jsonl" 2>/dev/null | tee "$R/$(basename "$2")-equiv-big.txt" || true)
    t=$("$2" time $POL "$D/big.jsonl" "$RUNS" | tee "$R/$(basename "$2").txt")
    row "$1" "$(echo "$t" | field median_eps)" "$(status "$qs" | cut -d' ' -f1)/$(status "$qb" | cut -d' ' -f1)" \
        "$(echo "$t" | field decisions) decisions; equivalence small/big; bench/lua/policy.lua"
}
lua_peer "Lua 5.4 (embedded)" "$B/slate-lua54" "liblua5.4-dev"
lua_peer "LuaJIT 2.1 (embedded)" "$B/slate-luajit" "libluajit-5.1-dev"
# json-rules-engine: the tiers as its rules, the clocks in plain JS; Node prints its
# decisions and slate-peercheck compares them with slate's
PC=$B/slate-peercheck
if ! command -v node >/dev/null; then
    printf '%-26s skipped: no node\n' "json-rules-engine (Node)"
elif [ ! -d "$B/node_modules/json-rules-engine" ]; then
    printf '%-26s skipped: %s missing (bench/deps.sh runs npm install)\n' "json-rules-engine (Node)" \
        "$B/node_modules/json-rules-engine"
else
    "$PC" calendar $POL > "$D/calendar.json"
    node_js() { NODE_PATH=$B/node_modules node bench/node/policy.js "$D/calendar.json" "$@"; }
    node_js "$D/small.jsonl" decisions > "$R/node-small.dec"
    node_js "$D/big.jsonl" decisions > "$R/node-big.dec"
    qs=$("$PC" check $POL "$D/small.jsonl" "$R/node-small.dec" | tee "$R/node-equiv-small.txt" || true)
    qb=$("$PC" check $POL "$D/big.jsonl" "$R/node-big.dec" | tee "$R/node-equiv-big.txt" || true)
    t=$(node_js "$D/big.jsonl" time "$RUNS" | tee "$R/node.txt")
    row "json-rules-engine (Node)" "$(echo "$t" | field median_eps)" \
        "$(status "$qs" | cut -d' ' -f1)/$(status "$qb" | cut -d' ' -f1)" \
        "$(echo "$t" | field decisions) decisions; node $(node --version); bench/node/policy.js"
fi
# CLIPS through its C API: ~1-2k events/s, so it is timed and checked on the small
# stream (a big run takes ~7 minutes; BENCH_CLIPS_BIG=1 checks the big one too), and
# its ratio is to the slate C API on that same small stream
if [ ! -x "$B/slate-clips" ]; then
    printf '%-26s skipped: %s not built (package libclips-dev missing? run bench/deps.sh)\n' \
        "CLIPS 6.30 (embedded)" "$B/slate-clips"
else
    qs=$("$B/slate-clips" equiv $POL "$D/small.jsonl" | tee "$R/clips-equiv-small.txt" || true)
    qb="not checked"
    if [ "${BENCH_CLIPS_BIG:-0}" = 1 ]; then
        qb=$("$B/slate-clips" equiv $POL "$D/big.jsonl" | tee "$R/clips-equiv-big.txt" || true)
    fi
    t=$("$B/slate-clips" time $POL "$D/small.jsonl" "$RUNS" | tee "$R/clips.txt")
    cs=$("$SB" capi $POL "$D/small.jsonl" "$RUNS" | tee "$R/capi-small.txt" | field median_eps)
    awk -v n="CLIPS 6.30 (embedded)" -v e="$(echo "$t" | field median_eps)" -v b="$cs" \
        -v q="$(status "$qs" | cut -d' ' -f1)/$(case "$qb" in "equiv equal"*) echo equal;; "not checked") echo -;; *) echo DIFFERENT;; esac)" \
        -v x="SMALL stream ($nsmall events); ratio to slate C API on it ($cs events/s); bench/clips/policy.clp" \
        'BEGIN { printf "%-26s %12.0f %8.2f  %-22s %s\n", n, e, e / b, q, x }'
fi
echo

# ---- memory and scale -----------------------------------------------------------------
echo "memory (counting slate_allocator; N cases opened, none closed):"
for n in 10000 100000; do "$SB" mem $POL $n | tee -a "$R/mem.txt" | sed 's/^/  /'; done
"$SB" mem bench/policies/three-clocks.slate 100000 | tee -a "$R/mem.txt" | sed 's/^/  3 clocks: /'
echo "scale (pause/resume on random open cases, 200k events, median of $RUNS):"
for n in 10000 100000 1000000; do "$SB" scale $POL $n 200000 "$RUNS" | tee -a "$R/scale.txt" | sed 's/^/  /'; done
for n in 10000 100000 1000000; do "$SB" scale-hand $POL $n 200000 "$RUNS" | tee -a "$R/scale.txt" | sed 's/^/  /'; done
echo

# ---- compile, image, load+verify ---------------------------------------------------------
echo "compile / image / load+verify (generated policies, bench/genpolicy.sh):"
for n in 10 100 1000 10000; do
    f=$D/rules-$n.slate
    [ -s "$f" ] || bench/genpolicy.sh $n > "$f"
    printf '  %6d rules: ' $n
    "$SB" compile "$f" "$RUNS" | tee -a "$R/compile.txt"
done
printf '  service-2025: '; "$SB" compile $POL "$RUNS"
