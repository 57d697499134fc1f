#!/bin/sh
# update.sh - regenerate every tests/golden/*.err from what `build/slate check`
# prints on stderr.  Run from anywhere; review `git diff tests/golden` by eye
# before committing: each .err is a promise about a message users will read.
set -eu
cd "$(dirname "$0")/../.."
[ -x build/slate ] || { echo "update.sh: build/slate missing; run make" >&2; exit 3; }
for f in tests/golden/*.slate; do
    build/slate check "$f" 2>"${f%.slate}.err" >/dev/null || true
done
