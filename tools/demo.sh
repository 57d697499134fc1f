#!/usr/bin/env bash
# demo.sh BUILD_DIR - the reference policy on a generated day of events.
#
# Called by `make demo`.  Builds policies/service-2025.slate, generates a day of
# events for about 3000 cases with `slate gen`, runs them through the policy
# with `slate run` (and the SQLite decision log when this build's `slate run`
# has --log), and prints a short report (`slate report` over the log, else
# counts computed from the decisions file).  Everything it writes goes to demo-out/ (git-ignored).
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
has() { "$S" "$1" --help 2>/dev/null | grep -q -- "${2:-usage}"; }
t0=$(date +%s.%N)
rm -rf "$OUT"
mkdir -p "$OUT"

echo "== build: $POLICY"
"$S" build -q -o "$OUT/service-2025.slc" "$POLICY"
echo "   $OUT/service-2025.slc ($(wc -c < "$OUT/service-2025.slc") bytes)"

echo "== generate: $CASES cases from $START (seed $SEED)"
"$S" gen --seed "$SEED" --cases "$CASES" --start "$START" --policy "$POLICY" -o "$OUT/events.jsonl"
echo "   $OUT/events.jsonl ($(wc -l < "$OUT/events.jsonl") events)"

echo "== run"
DECISIONS="$OUT/decisions.jsonl"
LOG=""
if has run --log; then
    LOG="$OUT/audit.db"
    "$S" run --log "$LOG" -o "$DECISIONS" "$OUT/service-2025.slc" "$OUT/events.jsonl"
else
    "$S" run -o "$DECISIONS" "$OUT/service-2025.slc" "$OUT/events.jsonl"
fi
echo "   $DECISIONS ($(wc -l < "$DECISIONS") decisions)"

echo "== report"
if [ -n "$LOG" ] && has report; then
    "$S" report "$LOG" | tee "$OUT/report.txt"
else
    # No log: counts computed from the decisions file.
    actions() { sed -n 's/.*"action":"\([a-z_]*\)".*/\1/p' "$DECISIONS"; }
    breaches() { grep '"action":"breach"' "$DECISIONS" | sed -n 's/.*"clock":"\([a-z_]*\)".*/\1/p'; }
    tiers() { grep '"action":"sla"' "$DECISIONS" | sed -n 's/.*"tier":"\([a-z_]*\)".*/\1/p'; }
    {
        echo "decisions by action:"
        actions | sort | uniq -c | sort -rn | awk '{ printf "  %-10s %7d\n", $2, $1 }'
        echo "SLA tiers chosen (first choice and re-selections):"
        tiers | sort | uniq -c | sort -rn | awk '{ printf "  %-20s %5d\n", $2, $1 }'
        echo "breaches by clock:"
        breaches | sort | uniq -c | sort -rn | awk '{ printf "  %-16s %5d\n", $2, $1 }'
    } | tee "$OUT/report.txt"
fi

t1=$(date +%s.%N)
echo "== done in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s; outputs in $OUT/:"
for f in "$OUT"/*; do printf '   %s\n' "$f"; done
