#!/usr/bin/env bash
# lsp.sh - `slate lsp` in scripted JSON-RPC sessions (tests/cli/lib/lsp_session.py):
# initialize, diagnostics on open and change, hover, definition, references,
# completion, document symbols, formatting, shutdown and exit, then hostile
# input (bad headers, bodies that are not JSON or not requests, unknown methods,
# wrong parameters, random bytes).  The same sessions run again under valgrind's
# memcheck when it is installed (no invalid access, no leak).
#
# Run by tests/run.sh with $SLATE and $BUILD set.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
cd "$(dirname "$0")/../.."

py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3) || { echo "lsp.sh: no python3 (tools/deps.sh installs it)" >&2; exit 1; }
export PYTHONDONTWRITEBYTECODE=1
"$py" tests/cli/lib/lsp_session.py "$SLATE" || exit 1
if command -v valgrind >/dev/null 2>&1; then
    "$py" tests/cli/lib/lsp_session.py "$SLATE" valgrind -q --leak-check=full \
        --show-leak-kinds=definite,indirect,possible --errors-for-leak-kinds=definite,indirect,possible \
        --error-exitcode=99 || { echo "lsp.sh: the sessions fail under valgrind"; exit 1; }
fi
exit 0
