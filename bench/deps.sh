#!/usr/bin/env bash
# deps.sh - install the packages the peer baselines of `make bench` need (never
# `make test`): Lua 5.4, LuaJIT 2.1, CLIPS 6.30 from Debian, json-rules-engine
# from npm into BUILD/node_modules; simdjson for the JSON Lines floor
# (bench/floor.cpp).  Installs only what is missing.
# Usage: bench/deps.sh [BUILD_DIR]   (default build/bench)
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build/bench}
want=(lua5.4 liblua5.4-dev luajit libluajit-5.1-dev clips libclips-dev libsimdjson-dev)
missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "deps: apt-get install ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi
if command -v npm >/dev/null; then
    mkdir -p "$B"
    if [ ! -d "$B/node_modules/json-rules-engine" ]; then
        echo "deps: npm install json-rules-engine into $B/node_modules"
        (cd "$B" && { [ -f package.json ] || echo '{"private":true}' > package.json; } &&
            npm install --no-audit --no-fund --silent json-rules-engine@6)
    fi
else
    echo "deps: no npm: the json-rules-engine baseline will be skipped"
fi
