# serve.sh - sourced (after nats.sh) by the CLI tests of `slate serve`: start and
# stop workers, wait until the streams are consumed, read the servers' view of
# the consumers and a worker's /metrics.  Everything on 127.0.0.1.  It does not
# start servers (nats.sh does) nor judge decisions (decisions_cmp.py does).
#
#   serve_start NAME ARGS...   start `$SLATE serve ARGS... --worker NAME` in the
#                              background (under "${SERVE_WRAP[@]}" when set, e.g.
#                              valgrind), stderr to $SERVE_DIR/NAME.err; its pid
#                              in SERVE_PID[NAME]; stopped (KILL) when the test exits
#   serve_term NAME [S]        SIGTERM it, wait up to S seconds (default 40);
#                              returns its exit status (124: it did not exit)
#   serve_kill NAME            SIGKILL it
#   serve_acked NPARTS [I]     0 when every SLATE_EV_<p> (p < NPARTS) has its
#                              durable consumer with every stored message
#                              acknowledged (through server I; default: any)
#   serve_wait_acked NPARTS S [I]  wait up to S seconds for serve_acked
#   serve_consumers [I]        print "p last_seq ack_floor ack_pending redelivered"
#                              for SERVE_NPARTS (default 8) partitions
#   serve_metrics PORT         print a worker's /metrics page
#   serve_owned PORT           the partitions the worker on PORT runs now, one a line
#   serve_wait_shared S P1 P2 P3  wait up to S seconds until the workers on ports
#                              P1..P3 share the 8 partitions, 2 or 3 each; the
#                              counts at the last look in SHARED (an array)
#   serve_wait_log NAME REGEX S  wait up to S seconds for a line of NAME's stderr
#   now_ms                     wall-clock milliseconds
#   serve_fail TEST MSG...     print the servers' and workers' log tails, where
#                              each live worker's threads are (gdb, when there),
#                              the consumers, then "TEST: MSG" last (a log cut to
#                              its tail says why); keep the files under
#                              $SLATE_KEEP when set; exit 1

SERVE_DIR=${SERVE_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/slate-serve.XXXXXX")}
declare -A SERVE_PID=()
SERVE_WRAP=()

_serve_cleanup() {
    local n
    for n in "${!SERVE_PID[@]}"; do
        kill -0 "${SERVE_PID[$n]}" 2>/dev/null && kill -KILL "${SERVE_PID[$n]}" 2>/dev/null
    done
    rm -rf "$SERVE_DIR"
}
nats_on_exit _serve_cleanup

now_ms() { date +%s%3N; }

# One line per thread of each live worker: its innermost frames of slate's own
# code and libnats's, so that a worker that stopped deciding shows where.
_serve_stacks() {
    command -v gdb >/dev/null 2>&1 || return 0
    local n
    for n in "${!SERVE_PID[@]}"; do
        kill -0 "${SERVE_PID[$n]}" 2>/dev/null || continue
        echo "--- threads of $n"
        timeout 30 gdb -p "${SERVE_PID[$n]}" -batch -ex "thread apply all bt 16" 2>/dev/null |
            awk '/^Thread /{if (l) print l; l="thread"; next}
                 /^#[0-9]/{for (i = 1; i <= NF; i++) if ($i == "in") {f = $(i + 1); break}
                           if (f ~ /^(sjs_|part|consume|probe|flush|read_through|serve|wk_|natsSub|natsConn|_fetch|js_|nats_)/) l = l " " f}
                 END{if (l) print l}' | sort | uniq -c
    done
}

serve_fail() {
    local t=$1 f
    shift
    [ -n "${SLATE_KEEP:-}" ] && cp -r "$SERVE_DIR" "$NATS_DIR" "$SLATE_KEEP"/
    nats_logs >&2
    for f in "$SERVE_DIR"/*.err; do
        [ -f "$f" ] && { echo "--- $f"; tail -15 "$f"; } >&2
    done
    _serve_stacks >&2
    { echo "--- consumers (p last_seq ack_floor ack_pending redelivered)"
      serve_consumers 2>&1 | head -9; } >&2
    echo "$t: $*" >&2
    exit 1
}

serve_start() {
    local name=$1
    shift
    "${SERVE_WRAP[@]}" "$SLATE" serve "$@" --worker "$name" 2>"$SERVE_DIR/$name.err" &
    SERVE_PID[$name]=$!
    disown "$!" 2>/dev/null
}

serve_term() {
    local pid=${SERVE_PID[$1]} n=0 limit=$((${2:-40} * 10))
    kill -TERM "$pid" 2>/dev/null
    while kill -0 "$pid" 2>/dev/null && [ $n -lt $limit ]; do sleep 0.1; n=$((n + 1)); done
    kill -0 "$pid" 2>/dev/null && return 124
    wait "$pid" 2>/dev/null
}

serve_kill() { kill -KILL "${SERVE_PID[$1]}" 2>/dev/null; }

serve_consumers() { # asked of the leaders through the JetStream API
    local url=$NATS_URL
    [ -n "${1:-}" ] && url="nats://127.0.0.1:${NATS_PORTS[$1]}"
    "$SLATE" archive --consumers --partitions "${SERVE_NPARTS:-8}" --timeout 10 --nats "$url"
}

serve_acked() {
    local n=$1
    SERVE_NPARTS=$n serve_consumers "${2:-}" 2>/dev/null | awk -v n="$n" '
        $1 < n && $3 == $2 && $4 == 0 { ok++ } END { exit ok == n ? 0 : 1 }'
}

serve_wait_acked() {
    local deadline=$((SECONDS + $2))
    while [ $SECONDS -lt $deadline ]; do
        serve_acked "$1" "${3:-0}" && return 0
        sleep 0.3
    done
    return 1
}

serve_metrics() {
    python3 -c 'import sys, urllib.request
try: sys.stdout.write(urllib.request.urlopen("http://127.0.0.1:%s/metrics" % sys.argv[1], timeout=3).read().decode())
except Exception: sys.exit(1)' "$1"
}

serve_wait_log() {
    local deadline=$((SECONDS + $3))
    while [ $SECONDS -lt $deadline ]; do
        grep -Eq "$2" "$SERVE_DIR/$1.err" 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}

serve_owned() {
    serve_metrics "$1" 2>/dev/null |
        sed -n 's/^slate_partition_owned{partition="\([0-9]*\)"} 1$/\1/p'
}

serve_wait_shared() { # 8 partitions, at most ceil(8/3) = 3 each
    local deadline=$((SECONDS + $1)) a b c
    shift
    while :; do
        a=$(serve_owned "$1" | wc -l) b=$(serve_owned "$2" | wc -l) c=$(serve_owned "$3" | wc -l)
        SHARED=("$a" "$b" "$c")
        [ $((a + b + c)) -eq 8 ] && [ "$a" -le 3 ] && [ "$b" -le 3 ] && [ "$c" -le 3 ] &&
            [ "$a" -ge 2 ] && [ "$b" -ge 2 ] && [ "$c" -ge 2 ] && return 0
        [ $SECONDS -lt $deadline ] || return 1
        sleep 0.2
    done
}
