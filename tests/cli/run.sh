#!/usr/bin/env bash
# run.sh - `slate run` end to end: a small policy and event file against golden
# decisions and notes, byte-identical output over repeated runs, .slc and -o,
# input fed in odd chunk sizes and line by line from a live pipe, every exit
# status, --strict, --tolerance, --quiet, long lines, the decision log, and one
# run under valgrind.  Run by tests/run.sh with $SLATE set; regenerate the golden
# files with `UPDATE=1 SLATE=build/slate bash tests/cli/run.sh`.
set -u
cd "$(dirname "$0")/../.."
SLATE=${SLATE:-build/slate}
D=tests/cli/run
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
POL=$D/basic.slate
EV=$D/basic.jsonl
UNTIL=2025-03-11T12:00:00Z
n=0

fail() { echo "run.sh: FAIL: $*" >&2; exit 1; }
step() { n=$((n + 1)); }

# expect_rc RC CMD...: run CMD (stdout and stderr to $T/out, $T/err), check status
expect_rc() {
    local want=$1; shift
    step
    "$@" >"$T/out" 2>"$T/err"
    local rc=$?
    [ "$rc" -eq "$want" ] || { cat "$T/err" >&2; fail "exit $rc, expected $want: $*"; }
}

# the stderr of a run with the timing masked (the only non-deterministic text)
mask() { sed -E 's/, [0-9]+\.[0-9]+ s$/, T s/' "$1"; }

# ---- golden decisions and notes -----------------------------------------------
expect_rc 0 "$SLATE" run "$POL" "$EV" --until $UNTIL
if [ "${UPDATE:-0}" = 1 ]; then
    cp "$T/out" $D/basic.decisions
    mask "$T/err" >$D/basic.stderr
fi
cmp -s "$T/out" $D/basic.decisions || { diff $D/basic.decisions "$T/out" | head -20; fail "decisions differ from $D/basic.decisions"; }
mask "$T/err" | cmp -s - $D/basic.stderr || { mask "$T/err" | diff $D/basic.stderr - | head; fail "notes differ from $D/basic.stderr"; }
cp "$T/out" "$T/golden"

# every line is one JSON object with seq 1..N in order (jq if present)
if command -v jq >/dev/null; then
    step
    seqs=$(jq -r .seq "$T/golden" | tr '\n' ' ')
    [ "$seqs" = "$(seq 1 "$(wc -l <"$T/golden")" | tr '\n' ' ')" ] || fail "seq is not 1..N: $seqs"
fi

# ---- byte-identical: repeated runs, .slc, -o, stdin, chunked and live input ----
for i in 1 2 3 4 5 6 7 8 9 10; do
    expect_rc 0 "$SLATE" run -q "$POL" "$EV" --until $UNTIL
    cmp -s "$T/out" "$T/golden" || fail "run $i differs"
    [ -s "$T/err" ] && fail "--quiet printed: $(cat "$T/err")"
done

expect_rc 0 "$SLATE" build -q -o "$T/basic.slc" "$POL"
expect_rc 0 "$SLATE" run "$T/basic.slc" "$EV" --until $UNTIL -o "$T/from-slc"
[ -s "$T/out" ] && fail "-o still wrote to stdout"
cmp -s "$T/from-slc" "$T/golden" || fail ".slc with -o differs"

expect_rc 0 "$SLATE" run "$POL" - --until=$UNTIL <"$EV"
cmp -s "$T/out" "$T/golden" || fail "stdin (-) differs"

for bs in 1 7 13 4096; do
    step
    dd if="$EV" bs=$bs 2>/dev/null | "$SLATE" run -q "$POL" --until $UNTIL >"$T/out" \
        || fail "chunks of $bs: exit $?"
    cmp -s "$T/out" "$T/golden" || fail "input in chunks of $bs bytes differs"
done

# a slow pipe: one line at a time
step
while IFS= read -r line; do printf '%s\n' "$line"; sleep 0.01; done <"$EV" \
    | "$SLATE" run -q "$POL" --until $UNTIL >"$T/out" || fail "slow pipe: exit $?"
cmp -s "$T/out" "$T/golden" || fail "line-by-line pipe differs"

# a live stream: decisions of the first line are out before the input ends
step
mkfifo "$T/fifo"
"$SLATE" run -q "$POL" "$T/fifo" -o "$T/live" &
pid=$!
exec 7>"$T/fifo"
head -1 "$EV" >&7
for _ in $(seq 100); do [ -s "$T/live" ] && break; sleep 0.05; done
[ "$(wc -l <"$T/live")" -eq 3 ] || { exec 7>&-; wait $pid; fail "no decisions before end of input"; }
exec 7>&-
wait $pid || fail "live stream: exit $?"

# ---- options --------------------------------------------------------------------
# --tolerance: the `responded` 1h late (event 10) is no longer rejected, and is
# applied at its own instant, before the `responded` of 09:05 (event 4)
grep -q '"action":"reject","rule":"basic.slate","event":10,' "$T/golden" || fail "golden: event 10"
for tol in 1h 3600 59m60s; do
    expect_rc 0 "$SLATE" run -q "$POL" "$EV" --tolerance $tol
    grep -q '"action":"reject","rule":"basic.slate","event":10,' "$T/out" &&
        fail "--tolerance $tol: event 10 still rejected"
    grep -q '"at":"2025-03-07T09:00:00.000Z","case":"A","action":"stop",.*"event":10,.*"met":true,"elapsed_s":0' \
        "$T/out" || fail "--tolerance $tol: event 10 not applied at 09:00"
done
expect_rc 0 "$SLATE" run -q "$POL" "$EV" --tolerance 59m
grep -q '"action":"reject","rule":"basic.slate","event":10,' "$T/out" || fail "--tolerance 59m"

# --strict: the undeclared `note` rejects event 2
expect_rc 0 "$SLATE" run "$POL" "$EV" --strict
grep -q '"action":"reject","rule":"basic.slate","event":2,"id":"2","reason":"`note`: undeclared field (rejected by --strict)"}' "$T/out" \
    || fail "--strict did not reject event 2"
grep -q '1 undeclared key rejected' "$T/err" || fail "--strict summary"

# blank-only and empty input: nothing out, status 0
printf '\n\n' >"$T/blank.jsonl"
expect_rc 0 "$SLATE" run "$POL" "$T/blank.jsonl"
[ -s "$T/out" ] && fail "blank input produced decisions"
grep -q '^slate run: 0 events (0 rejected), 0 decisions, 0 cases open' "$T/err" || fail "empty summary"
expect_rc 0 "$SLATE" run "$POL" /dev/null

# a line over 1 MiB is rejected and the next one read
step
{ head -1 "$EV"
  printf '{"case":"L","type":"opened","at":"2025-03-07T09:00:01Z","agent":"'
  head -c 1100000 /dev/zero | tr '\0' 'x'
  printf '"}\n'
  sed -n 2p "$EV"; } >"$T/long.jsonl"
expect_rc 0 "$SLATE" run -q "$POL" "$T/long.jsonl"
grep -q '"event":2,"reason":"line of 1100067 bytes is longer than the limit of 1048576 (1 MiB)"' "$T/out" \
    || fail "long line not rejected: $(cut -c1-200 "$T/out")"
grep -q '"case":"B","action":"sla"' "$T/out" || fail "the line after a long one was lost"

# --until in epoch ms is the same instant as in RFC 3339; an earlier --until gives
# a prefix of the golden decisions
expect_rc 0 "$SLATE" run -q "$POL" "$EV" --until 1741392000000
cp "$T/out" "$T/until-ms"
expect_rc 0 "$SLATE" run -q "$POL" "$EV" --until 2025-03-08T08:00:00+08:00
cmp -s "$T/out" "$T/until-ms" || fail "--until in epoch ms differs from RFC 3339"
[ "$(wc -l <"$T/out")" -lt "$(wc -l <"$T/golden")" ] || fail "--until 03-08 fired the later timers"
head -n "$(wc -l <"$T/out")" "$T/golden" | cmp -s - "$T/out" || fail "--until 03-08 is not a prefix"

# ---- exit statuses ----------------------------------------------------------------
expect_rc 2 "$SLATE" run
expect_rc 2 "$SLATE" run "$POL" "$EV" extra
expect_rc 2 "$SLATE" run --frobnicate "$POL"
expect_rc 2 "$SLATE" run "$POL" --until tomorrow
grep -q -- '--until: `tomorrow` is not RFC 3339' "$T/err" || fail "--until message"
expect_rc 2 "$SLATE" run "$POL" --until 2025-02-29T00:00:00Z
expect_rc 2 "$SLATE" run "$POL" --tolerance 5x
expect_rc 2 "$SLATE" run "$POL" -o
expect_rc 2 "$SLATE" run "$POL" --log-batch 5
expect_rc 2 "$SLATE" run "$POL" --log-schema 1
expect_rc 2 "$SLATE" run "$POL" "$EV" --log "$T/x.db" --log-schema 3
grep -q -- '--log-schema: expected 1 or 2, not `3`' "$T/err" || fail "--log-schema 3: $(cat "$T/err")"
[ -e "$T/x.db" ] && fail "--log-schema 3 made a log"
expect_rc 0 "$SLATE" run --help
grep -q '^usage: slate run' "$T/out" || fail "--help"

expect_rc 3 "$SLATE" run "$T/missing.slate" "$EV"
expect_rc 3 "$SLATE" run "$POL" "$T/missing.jsonl"
grep -q "cannot read $T/missing.jsonl" "$T/err" || fail "message for a missing event file"
expect_rc 3 "$SLATE" run "$POL" "$EV" -o "$T/no/such/dir/out"
if [ -w /dev/full ]; then
    expect_rc 3 "$SLATE" run -q "$POL" "$EV" -o /dev/full
    grep -q "cannot write /dev/full" "$T/err" || fail "message for a full disk"
fi

printf 'policy "bad" version "1"\ncase { tier: enum { a } }\nsla x when tierr == a { }\n' >"$T/bad.slate"
expect_rc 1 "$SLATE" run "$T/bad.slate" "$EV"
grep -q 'bad.slate:3' "$T/err" || fail "policy errors are not shown"
[ -s "$T/out" ] && fail "a broken policy produced decisions"
printf 'SLATEBC\0 cut short' >"$T/bad.slc"
expect_rc 1 "$SLATE" run "$T/bad.slc" "$EV"
grep -q 'not a valid compiled policy' "$T/err" || fail "corrupt image message"
# source or image is told by the bytes (the magic), not by the name
printf 'not an image' >"$T/text.slc"
expect_rc 1 "$SLATE" run "$T/text.slc" "$EV"
grep -q 'text.slc:1:1: error' "$T/err" || fail "a .slc holding text is not read as source"
"$SLATE" build -q -o "$T/image.slate" "$POL" || fail "build for the named-as-source image"
expect_rc 0 "$SLATE" run -q "$T/image.slate" "$EV" --until $UNTIL
cmp -s "$T/out" "$T/golden" || fail "an image named .slate decides differently"

# rejected events do not change the status
printf 'garbage\n{"case":"x"}\n' >"$T/rejects.jsonl"
expect_rc 0 "$SLATE" run "$POL" "$T/rejects.jsonl"
[ "$(wc -l <"$T/out")" -eq 2 ] || fail "two rejects expected"

# ---- the decision log ---------------------------------------------------------------
expect_rc 0 "$SLATE" run -q "$POL" "$EV" --until $UNTIL --log "$T/a.db"
cmp -s "$T/out" "$T/golden" || fail "--log changed the decisions"
if command -v sqlite3 >/dev/null; then
    step
    got=$(sqlite3 "$T/a.db" "SELECT count(*) FROM decisions; SELECT count(*) FROM events WHERE kind='event';
                           SELECT count(*) FROM events WHERE status='rejected'; SELECT max(seq) FROM decisions;" | tr '\n' ' ')
    [ "$got" = "$(wc -l <"$T/golden") 19 6 $(wc -l <"$T/golden") " ] || fail "log counts: $got"
    expect_rc 0 "$SLATE" run -q "$POL" "$EV" --until $UNTIL --log "$T/b.db" --log-batch 3 --log-sync normal
    h1=$(sqlite3 "$T/a.db" "SELECT value FROM meta WHERE key='opt.strict' OR key='state.chain' ORDER BY key")
    h2=$(sqlite3 "$T/b.db" "SELECT value FROM meta WHERE key='opt.strict' OR key='state.chain' ORDER BY key")
    [ "$h1" = "$h2" ] || fail "two logs of the same run differ: $h1 / $h2"
    # version 2 by default; --log-schema 1 writes version 1, a decisions table of
    # the same rows as version 2's view shows, and that --resume continues as 1
    step
    expect_rc 0 "$SLATE" run -q "$POL" "$EV" --until $UNTIL --log "$T/one.db" --log-schema 1
    cmp -s "$T/out" "$T/golden" || fail "--log-schema 1 changed the decisions"
    [ "$(sqlite3 "$T/a.db" "SELECT value FROM meta WHERE key = 'schema_version'")" = 2 ] ||
        fail "a new log is not of version 2"
    [ "$(sqlite3 "$T/one.db" "SELECT value FROM meta WHERE key = 'schema_version';
        SELECT type FROM sqlite_master WHERE name = 'decisions'" | tr '\n' ' ')" = "1 table " ] ||
        fail "--log-schema 1 wrote no version 1 log"
    got1=$(sqlite3 "$T/one.db" "SELECT count(*) FROM decisions; SELECT count(*) FROM events WHERE kind='event';
                           SELECT count(*) FROM events WHERE status='rejected'; SELECT max(seq) FROM decisions;" | tr '\n' ' ')
    [ "$got1" = "$got" ] || fail "version 1 log counts: $got1, version 2: $got"
    head -5 "$EV" >"$T/head.jsonl"
    expect_rc 0 "$SLATE" run -q "$POL" "$T/head.jsonl" --log "$T/r1.db" --log-schema 1
    expect_rc 0 "$SLATE" run -q --resume "$POL" "$EV" --until $UNTIL --log "$T/r1.db"
    [ "$(sqlite3 "$T/r1.db" "SELECT value FROM meta WHERE key = 'schema_version'")" = 1 ] ||
        fail "--resume did not continue a version 1 log as version 1"
    [ "$(sqlite3 "$T/r1.db" "SELECT value FROM meta WHERE key = 'state.chain'")" = \
      "$(sqlite3 "$T/one.db" "SELECT value FROM meta WHERE key = 'state.chain'")" ] ||
        fail "a resumed version 1 log differs from one written at once"
fi
if command -v python3 >/dev/null && [ -f tools/verify-log.py ]; then
    step
    python3 tools/verify-log.py "$T/a.db" >/dev/null || fail "tools/verify-log.py refuses the log"
    python3 tools/verify-log.py "$T/one.db" >/dev/null || fail "tools/verify-log.py refuses the version 1 log"
fi
# slate replay re-derives every row of the logs, the CLI's rejects and a line
# too long to keep included
for db in a one; do
    expect_rc 0 "$SLATE" replay "$T/$db.db"
    grep -q 'replay matches: 19 events' "$T/out" "$T/err" || fail "replay: $(cat "$T/out" "$T/err")"
done
printf '\xef\xbb\xbf\n' >"$T/odd.jsonl"          # a BOM alone: a blank line
sed -n 1p "$EV" | sed 's/^/\xef\xbb\xbf/' >>"$T/odd.jsonl"   # a BOM before the first event
cat "$T/long.jsonl" >>"$T/odd.jsonl"
printf 'not json\r\n{"case":"B","type":"updated","at":"2025-03-07T09:00:02Z","x":1}\n' >>"$T/odd.jsonl"
expect_rc 0 "$SLATE" run -q "$POL" "$T/odd.jsonl" --until $UNTIL --log "$T/odd.db"
expect_rc 0 "$SLATE" replay "$T/odd.db"
expect_rc 0 "$SLATE" run -q "$POL" "$EV" --strict --tolerance 5m --log "$T/strict.db"
expect_rc 0 "$SLATE" replay "$T/strict.db"
expect_rc 1 "$SLATE" run -q "$POL" "$EV" --log "$T/a.db"
grep -q 'already holds 19 events' "$T/err" || fail "a used log was not refused"
printf 'k3y' >"$T/key"
expect_rc 0 "$SLATE" run -q "$POL" "$EV" --log "$T/p.db" --pseudonymize-key "$T/key"
if command -v sqlite3 >/dev/null; then
    [ "$(sqlite3 "$T/p.db" "SELECT count(*) FROM events WHERE case_id IN ('A','B')")" = 0 ] \
        || fail "pseudonyms not applied"
fi

# ---- valgrind ----------------------------------------------------------------------------
if command -v valgrind >/dev/null && [ "${SKIP_VALGRIND:-0}" != 1 ]; then
    step
    valgrind -q --leak-check=full --error-exitcode=9 "$SLATE" run -q "$POL" "$EV" --until $UNTIL \
        --log "$T/v.db" --strict >"$T/out" 2>"$T/err"
    rc=$?
    [ $rc -eq 0 ] || { cat "$T/err" >&2; fail "valgrind: exit $rc"; }
    valgrind -q --leak-check=full --error-exitcode=9 "$SLATE" run -q "$T/bad.slate" "$EV" \
        >/dev/null 2>"$T/err"
    [ $? -eq 1 ] || { cat "$T/err" >&2; fail "valgrind on a broken policy"; }
    valgrind -q --leak-check=full --error-exitcode=9 "$SLATE" run -q "$T/bad.slc" "$EV" \
        >/dev/null 2>"$T/err"
    [ $? -eq 1 ] || { cat "$T/err" >&2; fail "valgrind on a corrupt image"; }
fi

echo "run.sh: $n checks passed"
