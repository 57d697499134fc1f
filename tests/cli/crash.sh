#!/usr/bin/env bash
# crash.sh - kill `slate run --log` with SIGKILL at random points and check what
# it leaves: the log opens, its chain verifies and it replays (slate replay), no
# entry is there without all of its decisions, and `slate run --resume` then
# finishes the run without duplicates: the resumed log is the log of a run that
# was never interrupted, row for row (the same chain head).
#
# Run by tests/run.sh with $SLATE set.  Short by default (50 kills of runs of
# about 700 events); SLATE_LONG=1 does 300 kills of runs of about 6700 events.  SLATE_CRASH_SEED
# picks the random sequence (default: fixed, so a failure can be repeated).
# The logs are of schema version 2 (the default); a quarter as many kills then
# land on runs writing version 1 (--log-schema 1), resumed as version 1.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
cd "$(dirname "$0")/../.."

if ! command -v sqlite3 >/dev/null 2>&1; then
    echo "crash.sh: the sqlite3 command is needed (tools/deps.sh installs it)" >&2
    exit 1
fi

if [ -n "${SLATE_LONG:-}" ]; then want=300 cases=1000; else want=50 cases=100; fi
RANDOM=${SLATE_CRASH_SEED:-20250303}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "crash.sh: round $round: $*" >&2; exit 1; }

"$SLATE" gen --seed 7 --cases "$cases" -o "$tmp/events.jsonl" || exit 1
"$SLATE" build -q policies/service-2025.slate -o "$tmp/policy.slc" || exit 1
until=2025-04-30T00:00:00Z

# the runs that are never interrupted, one per schema version
for v in 1 2; do
    "$SLATE" run -q --log-schema $v --log "$tmp/ref$v.db" --until "$until" "$tmp/policy.slc" \
        "$tmp/events.jsonl" >/dev/null || exit 1
done

# Settings the killed runs use (batch size, sync mode), each timed once so the
# kills spread over a whole run.  Batches of 1 are run with synchronous=NORMAL:
# a sync per event makes a run seconds long and a SIGKILL is no power loss.
configs=("1 normal" "8 full" "64 full" "64 normal")
durations=()
for c in "${configs[@]}"; do
    set -- $c
    rm -f "$tmp/t.db" "$tmp/t.db-wal" "$tmp/t.db-shm"
    t0=$(date +%s%N)
    "$SLATE" run -q --log "$tmp/t.db" --log-batch "$1" --log-sync "$2" --until "$until" \
        "$tmp/policy.slc" "$tmp/events.jsonl" >/dev/null || exit 1
    ms=$((($(date +%s%N) - t0) / 1000000))
    durations+=($((ms < 20 ? 20 : ms)))
done
q() { sqlite3 -batch -noheader "$1" "$2"; }
ref_decisions=$(q "$tmp/ref2.db" "SELECT count(*) FROM decisions")
[ "$ref_decisions" = "$(q "$tmp/ref1.db" "SELECT count(*) FROM decisions")" ] ||
    { echo "crash.sh: the reference logs of versions 1 and 2 differ" >&2; exit 1; }

# What a killed run leaves must be whole and replay exactly.
check_partial() {
    local db=$1
    [ -s "$db" ] || return 0                     # killed before the file was made
    local tables
    tables=$(q "$db" "SELECT count(*) FROM sqlite_master WHERE name = 'meta'") ||
        fail "the log does not open"
    [ "$tables" = 1 ] || return 0                # killed before the schema committed
    [ "$(q "$db" "PRAGMA integrity_check")" = ok ] || fail "integrity_check failed"
    "$SLATE" replay -q "$db" || fail "the log left by the kill does not verify and replay"
    local partial gaps
    if [ "$(q "$db" "SELECT value FROM meta WHERE key = 'schema_version'")" = 1 ]; then
        partial=$(q "$db" "SELECT count(*) FROM events e WHERE ndecisions <>
                           (SELECT count(*) FROM decisions d WHERE d.entry = e.id)")
    else # version 2: the packed column, and the decisions view over it
        partial=$(q "$db" "SELECT count(*) FROM events e WHERE ndecisions <>
                           coalesce(json_array_length(e.decisions), 0) OR (ndecisions > 0) <>
                           (dseq IS NOT NULL); SELECT count(*) - coalesce(max(seq), 0) FROM decisions" |
                  awk '{s += $1 < 0 ? -$1 : $1} END {print s}')
    fi
    [ "$partial" = 0 ] || fail "$partial entries are missing some of their decisions"
    gaps=$(q "$db" "SELECT coalesce(max(seq), 0) - count(seq) FROM events")
    [ "$gaps" = 0 ] || fail "the events logged are not a prefix of the input"
}

delay() { printf '%d.%03d' $(($1 / 1000)) $(($1 % 1000)); }
# kill_rounds V WANT: until WANT kills have landed on a live process writing a
# log of version V (a kill after the run ended does not count), at most 4 *
# WANT rounds
rounds=0 kills=0
kill_rounds() {
local v=$1 want=$2 kills0=$kills round
local ref_head
ref_head=$(q "$tmp/ref$v.db" "SELECT value FROM meta WHERE key = 'state.chain'")
[ -n "$ref_head" ] || { echo "crash.sh: no reference log" >&2; exit 1; }
for ((round = 1; kills - kills0 < want; round++)); do
    ((round > 4 * want)) && { echo "crash.sh: only $((kills - kills0)) kills landed in $round rounds" >&2; exit 1; }
    db="$tmp/crash.db"
    rm -f "$db" "$db-wal" "$db-shm"
    k=$((RANDOM % ${#configs[@]}))
    set -- ${configs[$k]}
    batch=$1 sync=$2 ms=${durations[$k]}
    args=(-q --log "$db" --log-schema "$v" --log-batch "$batch" --log-sync "$sync" --until "$until")
    wait_ms=$(((RANDOM * 32768 + RANDOM) % ms))

    "$SLATE" run "${args[@]}" "$tmp/policy.slc" "$tmp/events.jsonl" >/dev/null 2>&1 &
    pid=$!
    sleep "$(delay "$wait_ms")"
    kill -KILL "$pid" 2>/dev/null && kills=$((kills + 1))
    wait "$pid" 2>/dev/null
    check_partial "$db"

    # every fourth round, kill the resumed run too
    if ((round % 4 == 0)); then
        "$SLATE" run --resume "${args[@]}" "$tmp/policy.slc" "$tmp/events.jsonl" \
            >/dev/null 2>&1 &
        pid=$!
        sleep "$(delay $(((RANDOM * 32768 + RANDOM) % ms)))"
        kill -KILL "$pid" 2>/dev/null && kills=$((kills + 1))
        wait "$pid" 2>/dev/null
        check_partial "$db"
    fi

    out=$("$SLATE" run --resume "${args[@]}" "$tmp/policy.slc" "$tmp/events.jsonl" 2>&1 >/dev/null) ||
        fail "resume failed: $out"
    head=$(q "$db" "SELECT value FROM meta WHERE key = 'state.chain'")
    [ "$head" = "$ref_head" ] || fail "the resumed log differs from the uninterrupted one (batch $batch, sync $sync)"
    n=$(q "$db" "SELECT count(*) FROM decisions")
    [ "$n" = "$ref_decisions" ] || fail "$n decisions after resuming, $ref_decisions expected"
    [ "$(q "$db" "SELECT value FROM meta WHERE key = 'schema_version'")" = "$v" ] ||
        fail "the resumed log is not of version $v"
done
rounds=$((rounds + round - 1))
}
kill_rounds 2 "$want"
kill_rounds 1 $((want / 4))

# A live input that goes quiet: the open batch (far below the default 4096
# entries) is committed while the run waits for more, so a crash then loses
# nothing that was read.  A file never goes quiet; a pipe does.
round=live
mkfifo "$tmp/live.fifo" || fail "mkfifo"
"$SLATE" run -q --log "$tmp/live.db" "$tmp/policy.slc" "$tmp/live.fifo" >/dev/null 2>&1 &
pid=$!
exec 3>"$tmp/live.fifo"
head -n 40 "$tmp/events.jsonl" >&3
n=0
for _ in $(seq 100); do
    n=$(q "$tmp/live.db" "SELECT count(*) FROM events WHERE kind = 'event'" 2>/dev/null) || n=0
    [ "$n" = 40 ] && break
    sleep 0.05
done
kill -KILL "$pid" 2>/dev/null
exec 3>&-
wait "$pid" 2>/dev/null
[ "$n" = 40 ] || fail "a quiet input did not commit its batch: $n of 40 events logged"
check_partial "$tmp/live.db"

echo "crash.sh: $rounds rounds, $kills kills (versions 2 and 1): every log whole, verified, replayed and resumed"
