#!/usr/bin/env bash
# demo.sh BUILD_DIR - the reference policy on a generated day of events, end to end.
#
# Called by `make demo`: builds policies/service-2025.slate, generates a day of
# case openings (about 3000 cases, with their whole life cycles) with `slate gen`,
# runs them through the policy with the SQLite decision log, prints the
# compliance report (also written as HTML), verifies the log as an auditor would
# (`slate replay`), and tells the story of one complaint (`slate explain`).
# Everything it writes goes to demo-out/ (git-ignored).  It installs nothing:
# `make demo` has already made sure the dependencies are there.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build}
S="$B/slate"
OUT=demo-out
POLICY=policies/service-2025.slate
CASES=${DEMO_CASES:-3000}
SEED=${DEMO_SEED:-2025}
START=2025-03-10T00:00:00+08:00 # a Monday

[ -x "$S" ] || { echo "demo: $S not found; run make first" >&2; exit 3; }
t0=$(date +%s.%N)
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== build: $POLICY"
"$S" build -q -o "$OUT/service-2025.slc" "$POLICY"
echo "   $OUT/service-2025.slc ($(wc -c < "$OUT/service-2025.slc") bytes)"

echo "== generate: $CASES cases opened from $START (seed $SEED)"
"$S" gen --seed "$SEED" --cases "$CASES" --start "$START" --policy "$POLICY" -o "$OUT/events.jsonl"
echo "   $OUT/events.jsonl ($(wc -l < "$OUT/events.jsonl") events)"

echo "== run, with the decision log"
DECISIONS="$OUT/decisions.jsonl"
LOG="$OUT/audit.db"
"$S" run --log "$LOG" --log-sync normal -o "$DECISIONS" "$OUT/service-2025.slc" "$OUT/events.jsonl"
echo "   $DECISIONS ($(wc -l < "$DECISIONS") decisions)"

echo "== report"
"$S" report --html "$OUT/report.html" "$LOG" | tee "$OUT/report.txt"

echo "== audit: replay the log and check every decision and the hash chain"
"$S" replay "$LOG"

CASE=$(sed -n 's/.*"case":"\([^"]*\)".*"kind":"complaint".*/\1/p' "$OUT/events.jsonl" | head -1)
if [ -n "$CASE" ]; then
    echo "== explain: the story of complaint $CASE (first lines; all in $OUT/explain.txt)"
    "$S" explain "$LOG" "$CASE" > "$OUT/explain.txt"
    head -25 "$OUT/explain.txt"
fi

t1=$(date +%s.%N)
echo "== done in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s; outputs in $OUT/:"
for f in "$OUT"/*; do printf '   %s\n' "$f"; done
