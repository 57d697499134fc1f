#!/usr/bin/env bash
# python.sh - the Python binding (bindings/python/slate.py, issue 17) under
# Debian's python3: its unittest file against this build's libslate.so and
# libslatec.so, with the build's `slate` as the reference for decisions.
#
# Run by tests/run.sh with $SLATE and $BUILD set.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
BUILD=${BUILD:?set BUILD to the build directory}
cd "$(dirname "$0")/../.."

py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || { echo "python.sh: no python3 (tools/deps.sh installs it)" >&2; exit 1; }
for f in "$BUILD/libslate.so" "$BUILD/libslatec.so"; do
    [ -f "$f" ] || { echo "python.sh: $f is missing (make all)" >&2; exit 1; }
done
# no __pycache__ in the source tree
PYTHONDONTWRITEBYTECODE=1 SLATE_LIBSLATE="$(realpath "$BUILD/libslate.so")" \
    SLATE_LIBSLATEC="$(realpath "$BUILD/libslatec.so")" SLATE="$(realpath "$SLATE")" \
    "$py" -m unittest bindings/python/test_slate.py 2>&1 | tail -n 25
exit "${PIPESTATUS[0]}"
