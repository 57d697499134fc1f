#!/bin/sh
# deps.sh - make sure slate's build dependencies are installed (Debian).
#
# Installs with apt-get only the packages that are missing, and does nothing (and
# needs no root) when everything is present.  It does not build anything.
set -eu

PKGS="gcc make flex bison pkg-config libsqlite3-dev libcmocka-dev libjansson-dev \
nettle-dev tzdata sqlite3 valgrind unzip nats-server libnats-dev libmicrohttpd-dev python3"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

echo "slate: installing missing build dependencies:$missing" >&2
if ! command -v apt-get >/dev/null 2>&1; then
    echo "slate: apt-get not found; install these packages by hand:$missing" >&2
    exit 3
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "slate: need root to install:$missing" >&2
        exit 3
    fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
