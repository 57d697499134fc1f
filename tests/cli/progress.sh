#!/usr/bin/env bash
# progress.sh - the progress line of `run`, `replay`, `diff` and `import`
# (cli/progress.c): shown on stderr when it is a terminal (a pseudo-terminal
# here, tests/cli/lib/progress_pty.py), with events done, events/s and, when the
# input's size is known, the percentage and time left; never with --quiet/-q,
# never when stderr is a pipe, never when the decisions go to the terminal too;
# erased before the summary; and the outputs the same with or without it.
# SLATE_PROGRESS_MS=0 redraws on every event, so a small input shows it.
#
# Run by tests/run.sh with $SLATE and $BUILD set.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
cd "$(dirname "$0")/../.."
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || { echo "progress.sh: no python3" >&2; exit 1; }
export PYTHONDONTWRITEBYTECODE=1 SLATE_PROGRESS_MS=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
fail() { echo "progress.sh: $*" >&2; bad=1; }
tty() { "$py" tests/cli/lib/progress_pty.py "$@"; }
pol=policies/service-2025.slate

"$SLATE" gen --cases 200 -o "$tmp/ev.jsonl" || exit 1
"$SLATE" run -q "$pol" "$tmp/ev.jsonl" -o "$tmp/want.jsonl" --log "$tmp/log.db" || exit 1

# run: a terminal shows the line, with the percentage and time left of a file
tty pty "$tmp/got.jsonl" "$SLATE" run "$pol" "$tmp/ev.jsonl" > "$tmp/err" || fail "run under a terminal failed"
grep -aq 'slate run: [0-9]* events, [0-9]* events/s, [0-9]*%, [0-9]* s left' "$tmp/err" ||
    fail "run: no progress line on the terminal: $(head -c 300 "$tmp/err" | od -c | head -5)"
cmp -s "$tmp/want.jsonl" "$tmp/got.jsonl" || fail "run: the decisions differ with the progress line"
# the last thing before the summary erases the line
grep -aq $'\e\\[Kslate run: [0-9]* events ([0-9]* rejected)' "$tmp/err" ||
    fail "run: the line is not erased before the summary"
# from standard input: no size, no time left
tty pty "$tmp/got2.jsonl" sh -c "cat '$tmp/ev.jsonl' | '$SLATE' run '$pol'" > "$tmp/err" || fail "run from a pipe"
grep -aq 'slate run: [0-9]* events, [0-9]* events/s' "$tmp/err" || fail "run from stdin: no progress line"
grep -aq 's left' "$tmp/err" && fail "run from stdin: a time left with no size known"
# --quiet, a pipe, the decisions on the terminal: none
tty pty "$tmp/got.jsonl" "$SLATE" run --quiet "$pol" "$tmp/ev.jsonl" > "$tmp/err"
grep -aq 'events/s' "$tmp/err" && fail "run --quiet shows progress"
tty pipe "$tmp/got.jsonl" "$SLATE" run "$pol" "$tmp/ev.jsonl" > "$tmp/err"
grep -aq 'events/s' "$tmp/err" && fail "run shows progress in a pipe"
grep -q 'slate run: [0-9]* events (' "$tmp/err" || fail "run in a pipe: no summary"
tty both "$tmp/none" "$SLATE" run "$pol" "$tmp/ev.jsonl" > "$tmp/err"
grep -aq 'events/s' "$tmp/err" && fail "run shows progress over decisions on the terminal"

# replay, diff
tty pty "$tmp/out" "$SLATE" replay "$tmp/log.db" > "$tmp/err" || fail "replay under a terminal failed"
grep -aq 'slate replay: [0-9]* events, [0-9]* events/s' "$tmp/err" || fail "replay: no progress line"
grep -q 'replay matches' "$tmp/out" || fail "replay: no result"
tty pty "$tmp/out" "$SLATE" replay -q "$tmp/log.db" > "$tmp/err"
grep -aq 'events/s' "$tmp/err" && fail "replay -q shows progress"
tty pipe "$tmp/out" "$SLATE" replay "$tmp/log.db" > "$tmp/err"
grep -aq 'events/s' "$tmp/err" && fail "replay shows progress in a pipe"
tty pty "$tmp/out" "$SLATE" diff --policy policies/example.slate "$tmp/log.db" > "$tmp/err"
grep -aq 'slate diff: [0-9]* events, [0-9]* events/s' "$tmp/err" || fail "diff: no progress line"
"$SLATE" diff --policy policies/example.slate "$tmp/log.db" > "$tmp/diff.want" 2>/dev/null
cmp -s "$tmp/out" "$tmp/diff.want" || fail "diff: the output differs with the progress line"

# import (servicenow rows), by rows, with the size of the file
"$py" - "$tmp/sn.csv" <<'PY'
import sys
with open(sys.argv[1], "w") as f:
    f.write("number,incident_state,reassignment_count,made_sla,opened_at,sys_updated_at,contact_type,category,priority\n")
    for i in range(300):
        f.write("I%d,New,0,true,29/2/2016 01:16,29/2/2016 01:23,Phone,Category 5,3 - Moderate\n" % i)
        f.write("I%d,Resolved,0,true,29/2/2016 01:16,29/2/2016 04:00,Phone,Category 5,3 - Moderate\n" % i)
PY
"$SLATE" import -q servicenow "$tmp/sn.csv" -o "$tmp/sn.want" || fail "import failed"
tty pty "$tmp/sn.got" "$SLATE" import servicenow "$tmp/sn.csv" > "$tmp/err" || fail "import under a terminal failed"
grep -aq 'slate import: [0-9]* rows, [0-9]* rows/s, [0-9]*%' "$tmp/err" || fail "import: no progress line"
cmp -s "$tmp/sn.want" "$tmp/sn.got" || fail "import: the events differ with the progress line"
tty pty "$tmp/sn.got" "$SLATE" import -q servicenow "$tmp/sn.csv" > "$tmp/err"
grep -aq 'rows/s' "$tmp/err" && fail "import -q shows progress"
exit $bad
