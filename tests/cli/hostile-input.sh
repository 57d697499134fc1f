#!/usr/bin/env bash
# hostile-input.sh - issue 12's input side, as an attacker or a careless user
# would try it: an event dated in year 9999, outputs written over their inputs, a
# missing enum field, a reject with no date, a --until in the past, a reader
# that goes away, a file size limit, and the help and report that misled.  Every
# case runs even after another fails; each prints what it expected.  Run by
# tests/run.sh with $SLATE set (exit 0: all cases hold).
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
SLATE=$(cd "$(dirname "$SLATE")" && pwd)/$(basename "$SLATE")
cd "$(dirname "$0")/../.."
REPO=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 3
failures=0
bad() { echo "hostile-input.sh: $case: $*" >&2; failures=$((failures + 1)); }
# rc WANT CMD...: run CMD (stdout to out, stderr to err) and check its status
rc() {
    local want=$1
    shift
    "$@" >out 2>err
    local got=$?
    [ "$got" = "$want" ] || bad "\`$*\` exited $got, expected $want: $(head -2 err)"
}
has() { grep -qF -- "$2" "$1" || bad "$1 lacks: $2"; }
hasnt() { ! grep -qF -- "$2" "$1" || bad "$1 should not hold: $2"; }

# p.slate requires nothing (so each case below fails only for its own defect);
# r.slate, for defect 8, requires `priority` on `opened`.
cat > p.slate <<'EOF'
policy "hostile" version "1"
case {
    priority: enum { p1, p2, p3 }
    channel:  enum { phone, web }
}
clock response starts on opened stops on responded
sla urgent when priority == p1 { response within 15m }
sla normal { response within 4h }
on responded when channel == web { route web_desk }
EOF
sed 's/enum { p1, p2, p3 }/& required on opened/' p.slate > r.slate
ev() { printf '{"case":"%s","type":"%s","at":"%s"%s}\n' "$1" "$2" "$3" "${4:-}"; }

# ---- defect 6: one event in year 9999 ---------------------------------------------
case="year 9999"
{
    ev a opened 2025-03-10T09:00:00Z ',"priority":"p2"'
    ev b opened 2025-03-10T09:01:00Z ',"priority":"p2"'
    ev a responded 9999-03-10T09:02:00Z
    ev b responded 2025-03-10T09:03:00Z
    ev a responded 2025-03-10T09:04:00Z
} > skip.jsonl
rc 0 "$SLATE" run -q --log skip.db p.slate skip.jsonl
has out '"event":3,"reason":"event time 9999-03-10T09:02:00.000Z is 2912443d1m after the stream'"'"'s time 2025-03-10T09:01:00.000Z (max skip 1825d)"'
has out '"at":"2025-03-10T09:03:00.000Z","case":"b","action":"stop","rule":"p.slate:6","event":4,"clock":"response","met":true'
has out '"case":"a","action":"stop","rule":"p.slate:6","event":5,"clock":"response","met":true'
hasnt out '"action":"breach"'
rc 0 "$SLATE" replay skip.db
has out 'replay matches: 5 events'
if command -v sqlite3 >/dev/null 2>&1; then # the log records it as rejected
    [ "$(sqlite3 skip.db "SELECT status FROM events WHERE seq = 3")" = rejected ] ||
        bad "the log does not record event 3 as rejected"
fi
# a tick too; --max-skip changes the limit, `none` lifts it, 0 is no limit at all
{ ev a opened 2025-03-10T09:00:00Z ',"priority":"p2"'; printf '{"type":"tick","at":"2026-03-10T09:00:00Z"}\n'; } > tick.jsonl
rc 0 "$SLATE" run -q --max-skip 30d p.slate tick.jsonl
has out '"action":"reject","rule":"p.slate","event":2,"reason":"event time 2026-03-10T09:00:00.000Z is 365d after'
rc 0 "$SLATE" run -q --max-skip none p.slate skip.jsonl
has out '"event":3,"clock":"response","met":false'
rc 2 "$SLATE" run --max-skip 0 p.slate skip.jsonl
rc 2 "$SLATE" run --max-skip soon p.slate skip.jsonl
# --resume goes on with the limit the log was written with
head -2 skip.jsonl > part.jsonl
rc 0 "$SLATE" run -q --max-skip 10d --log part.db p.slate part.jsonl
rc 0 "$SLATE" run -q --resume --log part.db p.slate skip.jsonl
has out '(max skip 10d)'
rc 0 "$SLATE" replay part.db

# ---- defect 7: outputs over inputs --------------------------------------------------
case="same file"
cp skip.jsonl keep.jsonl
rc 2 "$SLATE" run -o keep.jsonl p.slate keep.jsonl
has err 'is the same file as the events keep.jsonl'
cmp -s keep.jsonl skip.jsonl || bad "run -o emptied its input"
cp p.slate keep.slate
rc 2 "$SLATE" build -o keep.slate keep.slate
cmp -s keep.slate p.slate || bad "build -o overwrote its source"
ln -f keep.slate link.slate
rc 2 "$SLATE" build -o link.slate keep.slate
rc 2 "$SLATE" run --log keep.jsonl p.slate keep.jsonl
rc 2 "$SLATE" run -o keep.slate keep.slate keep.jsonl
rc 2 "$SLATE" run --log same.db -o same.db p.slate keep.jsonl
timeout 20 "$SLATE" run -q p.slate keep.jsonl >> keep.jsonl 2>err # it would read its own output
[ $? = 2 ] || bad "run >> its own input did not exit 2"
cmp -s keep.jsonl skip.jsonl || bad "run >> grew its own input"
printf 'a,b\n' > in.csv
rc 2 "$SLATE" import volvo in.csv -o in.csv
rc 2 "$SLATE" gen --cases 1 --policy keep.slate -o keep.slate
cmp -s keep.slate p.slate || bad "gen -o overwrote its policy"
rc 2 "$SLATE" report --html skip.db skip.db
rc 0 "$SLATE" replay skip.db
rc 0 "$SLATE" run -q -o /dev/null p.slate /dev/null

# ---- defect 8: a missing enum field ----------------------------------------------------
case="required field"
{
    ev a opened 2025-03-10T09:00:00Z ',"channel":"web"'
    ev b opened 2025-03-10T09:00:00Z ',"priority":"p2"'
} > req.jsonl
rc 0 "$SLATE" run -q r.slate req.jsonl
has out '"case":"a","action":"reject","rule":"r.slate","event":1,"reason":"missing required field `priority`"}'
hasnt out '"tier":"urgent"'
rc 0 "$SLATE" build -q -o r.slc r.slate
rc 0 "$SLATE" run -q r.slc req.jsonl
has out 'missing required field `priority`'
rc 0 "$SLATE" disasm r.slc
has out 'format 3'
has out 'required on opened'
# --strict: a field the policy reads and nobody gave
{
    ev b opened 2025-03-10T09:00:00Z ',"priority":"p2"'
    ev b responded 2025-03-10T09:05:00Z
    ev b updated 2025-03-10T09:06:00Z ',"channel":"phone"'
    ev b responded 2025-03-10T09:07:00Z
} > strict.jsonl
rc 0 "$SLATE" run -q --strict --log strict.db r.slate strict.jsonl
has out '"event":2,"reason":"missing field `channel`, which the policy reads (strict: it has no value yet)"'
has out '"event":4,"clock":"response","met":true'
rc 0 "$SLATE" replay strict.db
rc 0 "$SLATE" run -q r.slate strict.jsonl
hasnt out 'missing field'
printf 'policy "x" version "1"\ncase { f: bool required on tick }\n' > tick.slate
rc 1 "$SLATE" check tick.slate
has err '`tick` cannot require a field'

# ---- defect 9: dates, --until, a reader that goes away, a size limit ------------------
case="reject dated"
ev a opend 2025-03-10T09:00:00Z > type.jsonl
rc 0 "$SLATE" run -q p.slate type.jsonl
has out '{"seq":1,"at":"2025-03-10T09:00:00.000Z","case":"a","action":"reject"'
case="--until in the past"
rc 0 "$SLATE" run --until 2025-01-01T00:00:00Z p.slate skip.jsonl
has err '--until 2025-01-01T00:00:00.000Z is before the stream'"'"'s time 2025-03-10T09:04:00.000Z: ignored'
case="SIGPIPE"
for i in $(seq 1 4000); do
    printf '{"case":"c%d","type":"opened","at":%d,"priority":"p2"}\n' "$i" $((1741597200000 + i * 1000))
done > many.jsonl
"$SLATE" run --log pipe.db p.slate many.jsonl 2>err | head -1 > /dev/null
st=${PIPESTATUS[0]}
[ "$st" = 3 ] || bad "run | head -1 exited $st, expected 3"
has err 'cannot write <stdout>: Broken pipe'
rc 0 "$SLATE" replay pipe.db
rc 0 "$SLATE" run -q --resume --log pipe.db -o /dev/null p.slate many.jsonl
rc 0 "$SLATE" replay pipe.db
has out 'replay matches: 4000 events'
case="SIGXFSZ"
(ulimit -f 64; "$SLATE" run -q -o big.out p.slate many.jsonl) 2>err
st=$?
[ "$st" = 3 ] || bad "run under ulimit -f exited $st, expected 3"
has err 'File too large'
(ulimit -f 64; "$SLATE" gen --cases 2000 -o big2.out) 2>err
[ $? = 3 ] || bad "gen under ulimit -f did not exit 3"
has err 'File too large'

# ---- defect 10: what a new user reads -----------------------------------------------------
case="help"
rc 0 "$SLATE" help run
cp out help.txt
rc 0 "$SLATE" run --help
cmp -s out help.txt || bad "\`slate help run\` is not \`slate run --help\`"
rc 2 "$SLATE" help nosuch
case="report sections"
rc 0 "$SLATE" run -q --log rep.db p.slate req.jsonl
rc 0 "$SLATE" report rep.db
hasnt out 'complaints'
hasnt out 'satisfaction'
hasnt out 'by category'
has out 'by channel'
rc 0 "$SLATE" report --json rep.db
hasnt out '"satisfaction"'
case="docs"
printf 'policy "x" version "1"\ncalendar c { zone "UTC" }\nclock k starts on opened stops on responded\nsla s { k within 1h on c }\n' > nohours.slate
rc 1 "$SLATE" check nohours.slate
has err 'has no working hours'
hasnt "$REPO/docs/calendars.md" 'A calendar with no hours has a working day of 0'
hasnt "$REPO/README.md" 'takes a few seconds'
grep -q 'demo: deps' "$REPO/Makefile" && ! sed -n '/^demo: deps/,/^$/p' "$REPO/Makefile" | grep -q -- '-j' &&
    bad "make demo does not build in parallel"

[ "$failures" = 0 ] || { echo "hostile-input.sh: $failures failures" >&2; exit 1; }
echo "hostile-input.sh: all cases hold"
