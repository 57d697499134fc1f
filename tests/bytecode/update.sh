#!/bin/sh
# update.sh - regenerate every tests/bytecode/*.asm from `build/slate disasm`.
# Run from anywhere; review `git diff tests/bytecode` by eye before committing:
# each .asm pins the code the compiler generates and the listing people read.
set -eu
cd "$(dirname "$0")/../.."
[ -x build/slate ] || { echo "update.sh: build/slate missing; run make" >&2; exit 3; }
for f in tests/bytecode/*.slate; do
    build/slate disasm "$f" >"${f%.slate}.asm"
done
