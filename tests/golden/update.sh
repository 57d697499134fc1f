#!/bin/sh
# update.sh - regenerate every tests/golden/NAME.err from what `build/slate check`
# prints for tests/golden/NAME.slate.
#
# For reviewed changes only: after you changed a message on purpose, run it, then
# read `git diff tests/golden` line by line before committing.  A golden file is a
# promise about what users see; never regenerate to make a failing test pass
# without reading the new output.
#
# usage: tests/golden/update.sh [NAME.slate ...]   (default: all)
set -eu
cd "$(dirname "$0")/../.."
SLATE=${SLATE:-build/slate}
[ -x "$SLATE" ] || { echo "update.sh: $SLATE not built; run make" >&2; exit 2; }
if [ $# -eq 0 ]; then set -- tests/golden/*.slate; fi
for f in "$@"; do
    case $f in tests/golden/*) ;; *) f=tests/golden/$(basename "$f") ;; esac
    "$SLATE" check "$f" 2>"${f%.slate}.err" || true
    echo "updated ${f%.slate}.err"
done
