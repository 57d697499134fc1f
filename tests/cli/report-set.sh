#!/usr/bin/env bash
# report-set.sh - `slate report` counts a case as a complaint however its `kind`
# became `complaint`: in the opening payload (P), by a rule's `set` (S, whose
# clocks started before the rule ran), or by a later `updated` payload (U); N
# never is one.  Every decision of those three cases counts in the complaint
# figures.  The expected report is tests/report/set-complaint.report.txt (hand
# checked: response 1800 + 5400 + 2520 s, resolution 7200 + 10800 + 18000 s).
# Run by tests/run.sh with $SLATE set.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "report-set.sh: $*" >&2; exit 1; }

"$SLATE" run -q --log "$tmp/r.db" tests/report/set-complaint.slate \
    tests/report/set-complaint.events.jsonl >/dev/null || fail "run --log"
"$SLATE" report "$tmp/r.db" >"$tmp/out.txt" || fail "report"
sed "s|$tmp/||" "$tmp/out.txt" >"$tmp/report.txt"
grep -q '^cases  *4 (complaints: 3, 75.0%)' "$tmp/report.txt" ||
    fail "complaints not counted from set decisions: $(grep '^cases' "$tmp/report.txt")"
diff -u tests/report/set-complaint.report.txt "$tmp/report.txt" || fail "report differs"
"$SLATE" report --json "$tmp/r.db" >"$tmp/report.json" || fail "report --json"
grep -q '"complaint_rate_pct": 75.0' "$tmp/report.json" ||
    fail "report --json: $(grep complaint_rate "$tmp/report.json")"
echo "report-set.sh: complaints from payloads and from set decisions ok"
