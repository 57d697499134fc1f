# nats.sh - sourced (never run) by the CLI tests that need NATS JetStream: starts
# 1 or 3 nats-server processes on 127.0.0.1, on free ports, with their stores in
# a temporary directory, waits until JetStream answers, and stops them when the
# test exits, passes or fails.  Nothing listens beyond 127.0.0.1.  It does not
# install nats-server (tools/deps.sh does); where it cannot be found, the test
# is skipped with a message (exit 0), and only then.
#
#   nats_start N      start N servers (1, or 3 as one cluster); sets
#                     NATS_URL     client URLs, comma-separated (for --nats)
#                     NATS_PORTS   their client ports (array, server i at [i])
#                     NATS_MON     their monitoring base URLs (array)
#                     NATS_DIR     the temporary directory (logs: s<i>.log)
#   nats_stop I       stop server I (SIGTERM, then SIGKILL after 5 s)
#   nats_kill I       kill server I at once (SIGKILL)
#   nats_restart I    start server I again, same ports and store; waits
#   nats_ready I...   wait (bounded) until the servers' JetStream is healthy
#   nats_http PATH [I]  GET a monitoring page (e.g. "/jsz?streams=true") of server I
#   nats_free_port    print a TCP port free on 127.0.0.1 now
#   nats_on_exit CMD  run CMD (a string for eval) when the test exits
#   nats_logs         print the tail of every server's log (for a failure)
#
# NATS_READY_S (default 30) bounds each wait for readiness.

NATS_PIDS=()
NATS_PORTS=()
NATS_MON=()
NATS_CONF=()
NATS_DIR=""
NATS_URL=""
_NATS_EXIT_CMDS=()

nats_on_exit() { _NATS_EXIT_CMDS+=("$1"); }

# Stop every server still running and remove the directory; then the test's own
# exit commands.  Installed as the EXIT trap when this file is sourced.
nats_cleanup() {
    local i
    for i in "${!NATS_PIDS[@]}"; do _nats_signal "$i" TERM; done
    for i in "${!NATS_PIDS[@]}"; do _nats_reap "$i" 5; done
    [ -n "$NATS_DIR" ] && rm -rf "$NATS_DIR"
    for i in "${!_NATS_EXIT_CMDS[@]}"; do eval "${_NATS_EXIT_CMDS[$i]}"; done
}
trap nats_cleanup EXIT
trap 'exit 130' INT TERM

_nats_find() {
    local p
    for p in "$(command -v nats-server 2>/dev/null)" /usr/sbin/nats-server /usr/bin/nats-server \
             /usr/local/bin/nats-server; do
        [ -n "$p" ] && [ -x "$p" ] && { echo "$p"; return 0; }
    done
    return 1
}

nats_free_port() {
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
    else
        echo $((20000 + RANDOM % 40000))
    fi
}

nats_http() { # nats_http PATH [I]
    local url="${NATS_MON[${2:-0}]}$1"
    if command -v python3 >/dev/null 2>&1; then
        python3 -c 'import sys, urllib.request
try: sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=2).read().decode())
except Exception: sys.exit(1)' "$url"
    else
        curl -fsS --max-time 2 "$url"
    fi
}

_nats_signal() { # _nats_signal I SIG: signal server I if it is still ours and alive
    local pid=${NATS_PIDS[$1]:-}
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill -"$2" "$pid" 2>/dev/null
    return 0
}

_nats_reap() { # _nats_reap I SECONDS: wait for server I to exit, SIGKILL after SECONDS
    local pid=${NATS_PIDS[$1]:-} n=0
    [ -n "$pid" ] || return 0
    while kill -0 "$pid" 2>/dev/null && [ $n -lt $(($2 * 10)) ]; do
        sleep 0.1
        n=$((n + 1))
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    n=0
    while kill -0 "$pid" 2>/dev/null && [ $n -lt 20 ]; do sleep 0.1; n=$((n + 1)); done
    NATS_PIDS[$1]=""
}

# Write server I's configuration: client, monitoring and (for a cluster) route
# ports, its own store.  $1 = I, $2 = N, the rest = the N route ports.
_nats_conf() {
    local i=$1 n=$2
    shift 2
    local conf="$NATS_DIR/s$i.conf"
    {
        echo "server_name: s$i"
        echo "listen: 127.0.0.1:${NATS_PORTS[$i]}"
        echo "http: 127.0.0.1:$(echo "${NATS_MON[$i]}" | sed 's/.*://')"
        echo "jetstream { store_dir: \"$NATS_DIR/store$i\", max_memory_store: 64MB, max_file_store: 4GB }"
        if [ "$n" -gt 1 ]; then
            local routes="" r
            for r in "$@"; do routes="${routes:+$routes, }\"nats-route://127.0.0.1:$r\""; done
            local args=("$@")
            echo "cluster { name: slate-test, listen: 127.0.0.1:${args[$i]}, routes: [$routes] }"
        fi
    } >"$conf"
    NATS_CONF[$i]=$conf
}

_nats_launch() { # _nats_launch I
    "$NATS_SERVER" -c "${NATS_CONF[$1]}" >>"$NATS_DIR/s$1.log" 2>&1 &
    NATS_PIDS[$1]=$!
    disown "$!" # still reaped by bash, but no "Killed" job notice on stderr
}

nats_ready() {
    local deadline=$((SECONDS + ${NATS_READY_S:-30})) i
    for i in "$@"; do
        while :; do
            kill -0 "${NATS_PIDS[$i]:-0}" 2>/dev/null || { echo "nats: server $i exited"; return 1; }
            nats_http "/healthz" "$i" 2>/dev/null | grep -q '"ok"' && break
            [ $SECONDS -ge "$deadline" ] && { echo "nats: server $i not ready in time"; return 1; }
            sleep 0.2
        done
    done
}

_nats_try_start() { # _nats_try_start N: one attempt with fresh ports
    local n=$1 i routes=()
    NATS_PORTS=() NATS_MON=() NATS_PIDS=()
    for ((i = 0; i < n; i++)); do
        NATS_PORTS[$i]=$(nats_free_port)
        NATS_MON[$i]="http://127.0.0.1:$(nats_free_port)"
        routes[$i]=$(nats_free_port)
    done
    for ((i = 0; i < n; i++)); do _nats_conf "$i" "$n" "${routes[@]}"; done
    for ((i = 0; i < n; i++)); do _nats_launch "$i"; done
    local all=()
    for ((i = 0; i < n; i++)); do all+=("$i"); done
    nats_ready "${all[@]}"
}

nats_start() { # nats_start N
    local n=${1:-1} attempt i
    NATS_SERVER=$(_nats_find) || { echo "SKIP: nats-server not found (tools/deps.sh installs it)"; exit 0; }
    NATS_DIR=$(mktemp -d "${TMPDIR:-/tmp}/slate-nats.XXXXXX")
    for attempt in 1 2 3; do
        if _nats_try_start "$n" >"$NATS_DIR/start.err"; then
            NATS_URL=""
            for i in "${!NATS_PORTS[@]}"; do
                NATS_URL="${NATS_URL:+$NATS_URL,}nats://127.0.0.1:${NATS_PORTS[$i]}"
            done
            return 0
        fi
        # a port taken between choosing and binding, most likely: start afresh
        for i in "${!NATS_PIDS[@]}"; do _nats_signal "$i" KILL; _nats_reap "$i" 1; done
        rm -rf "$NATS_DIR"/store*
    done
    cat "$NATS_DIR/start.err"
    nats_logs
    echo "nats: could not start $n server(s)"
    return 1
}

nats_stop() { _nats_signal "$1" TERM; _nats_reap "$1" 5; }
nats_kill() { _nats_signal "$1" KILL; _nats_reap "$1" 1; }
nats_restart() { _nats_launch "$1"; nats_ready "$1"; }

nats_logs() {
    local f
    for f in "$NATS_DIR"/s*.log; do
        [ -f "$f" ] || continue
        echo "--- $f"
        tail -20 "$f"
    done
}
