#!/usr/bin/env bash
# peers.sh - the benchmark's peer baselines must decide as slate does (issue 7:
# "equivalence before speed"): Lua 5.4 and LuaJIT (bench/embed_lua.c with
# bench/lua/policy.lua), CLIPS 6.30 (bench/embed_clips.c, bench/clips/policy.clp)
# and json-rules-engine on Node (bench/node/policy.js) each run the small stream of
# `make bench` and their decisions are compared with slate's on the subset that
# bench/bstream.h names.  A peer that differs fails this test; the hand-written C
# baseline is checked by test_bench_equiv.
#
# The peers' packages are installed by bench/deps.sh (Debian's lua/luajit/clips,
# json-rules-engine from npm); a peer whose package cannot be installed here (no
# root, no registry) is skipped with the reason printed, not failed: its speed is
# then not reported by `make bench` either.  Timing is never asserted.
set -u
cd "$(dirname "$0")/../.."
SLATE=${SLATE:-build/slate}
B=${BUILD:-build}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
POL=policies/service-2025.slate
fails=0
fail() { echo "peers.sh: FAIL: $*" >&2; fails=$((fails + 1)); }
skip() { echo "peers.sh: skipped: $*"; }

bench/deps.sh "$B" >"$T/deps.log" 2>&1 || skip "bench/deps.sh failed ($(tail -1 "$T/deps.log"))"
make --no-print-directory B="$B" bench-peers >"$T/build.log" 2>&1 ||
    { cat "$T/build.log"; fail "building the peers"; }

# the small stream of `make bench`
"$SLATE" gen --seed 1 --cases 1600 -o "$T/small.jsonl" || fail "slate gen"

equal() { # equal NAME OUTPUT: the peer tool printed "equiv equal ..." with decisions
    case "$2" in
        "equiv equal"*) echo "peers.sh: $1 equal to slate ($(echo "$2" | sed -n 's/.*compared \([0-9]*\).*/\1/p') decisions)";;
        *) fail "$1 decides differently from slate: $2";;
    esac
}
for p in lua54:liblua5.4-dev luajit:libluajit-5.1-dev clips:libclips-dev; do
    bin=$B/slate-${p%%:*}
    if [ ! -x "$bin" ]; then skip "${p%%:*} (package ${p#*:} not installed)"; continue; fi
    equal "${p%%:*}" "$("$bin" equiv $POL "$T/small.jsonl" 2>&1 | tail -1)"
done

if ! command -v node >/dev/null; then
    skip "json-rules-engine (no node)"
elif [ ! -d "$B/node_modules/json-rules-engine" ]; then
    skip "json-rules-engine (npm could not install it into $B/node_modules)"
else
    "$B/slate-peercheck" calendar $POL >"$T/calendar.json" || fail "slate-peercheck calendar"
    NODE_PATH=$B/node_modules node bench/node/policy.js "$T/calendar.json" "$T/small.jsonl" decisions \
        >"$T/node.dec" || fail "node bench/node/policy.js"
    equal json-rules-engine "$("$B/slate-peercheck" check $POL "$T/small.jsonl" "$T/node.dec" 2>&1 | tail -1)"
fi

[ "$fails" -eq 0 ] && echo "peers.sh: ok"
[ "$fails" -eq 0 ]
