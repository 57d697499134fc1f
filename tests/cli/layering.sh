#!/usr/bin/env bash
# layering.sh - the module boundaries of the Makefile's "modules" block hold: a
# file of a module, compiled with exactly that module's flags (`make print-flags
# MOD=...`, so the include lists are not repeated here), can include its own
# headers, the public ones and those of the modules it uses, and cannot include
# another module's private header.  For each module a probe file is put in the
# module's folder (so "x.h" also finds the folder's own headers, as for a real
# source file): one that includes a forbidden header must fail with that header
# not found; one that includes every allowed header must compile.  Probes are
# dot-files (the Makefile's wildcards do not see them), removed on any exit.
# Not here: whether the sources actually keep to this (the build itself does).
set -u
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
CC=${CC:-cc}
probes=()
tmp=$(mktemp -d)
cleanup() { [ ${#probes[@]} -gt 0 ] && rm -f "${probes[@]}"; rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# The folders headers live in (not build/: generated headers are the grammar's).
SRC_DIRS="include common bytecode grammar compiler runtime io audit policytest import eventgen serve lsp cli bench"

# module | folder | headers it may include | private headers of others it must not reach
# (audit, cli and bench compile policies through include/slatec.h: the
# compiler's and the image format's headers are out of their reach; lsp reads
# the compiler's tree, so it sees the compiler's headers, not the runtime's.)
MODULES='
io|io|events.h dout.h runner.h decision_json.h program_info.h slate.h slate_log.h timestamp.h calendar.h status.h suggest.h|program.h diag.h lower.h load.h verify.h image.h engine_int.h vm.h log_int.h dlog.h policytest_int.h rerun.h cli.h gstate.h
audit|audit|audit.h report.h rerun.h events.h runner.h dout.h slate_log.h slatec.h decision_json.h program_info.h status.h|program.h load.h image.h frontend.h lower.h diag.h engine_int.h vm.h log_int.h dlog.h policytest_int.h cli.h gstate.h import.h
policytest|policytest|policytest.h policytest_int.h slate.h timestamp.h status.h|program.h engine_int.h log_int.h lower.h events.h decision_json.h cli.h audit.h
import|import|import.h csv.h tz.h calendar.h timestamp.h status.h|program.h engine_int.h log_int.h events.h cli.h policytest_int.h decision_json.h
eventgen|eventgen|eventgen.h civil.h timestamp.h status.h slate.h|program.h frontend.h engine_int.h log_int.h events.h policytest.h cli.h decision_json.h lower.h
lsp|lsp|lsp.h lsp_int.h frontend.h ast.h diag.h slatec.h slate_version.h|engine_int.h vm.h log_int.h dlog.h events.h runner.h cli.h audit.h policytest_int.h
cli|cli|cli.h events.h runner.h dout.h audit.h rerun.h report.h policytest.h import.h eventgen.h slate_log.h slatec.h program_info.h lsp.h|program.h load.h image.h frontend.h lower.h fmt.h disasm.h gstate.h engine_int.h vm.h log_int.h dlog.h
serve|serve|js.h js_int.h partition.h worker.h wk_int.h part_int.h events.h runner.h dout.h decision_json.h slate.h slatec.h slate_log.h timestamp.h status.h|program.h load.h image.h frontend.h lower.h engine_int.h vm.h log_int.h dlog.h cli.h rerun.h audit.h policytest_int.h
log|runtime/log|log_int.h dlog.h slate_log.h timestamp.h status.h|program.h engine_int.h vm.h events.h lower.h cli.h decision_json.h
bench|bench|bstream.h handwritten.h events.h program_info.h calendar.h slate.h slatec.h|program.h load.h frontend.h lower.h engine_int.h vm.h log_int.h cli.h rerun.h policytest_int.h
'

# compile FLAGS PROBE TEXT: write the probe, compile it (no output file); the
# compiler's messages are in $tmp/err.
compile() {
    printf '%s\nint layering_probe;\n' "$3" >"$2"
    # shellcheck disable=SC2086  # FLAGS is a list of words
    "$CC" $1 -fsyntax-only "$2" >"$tmp/err" 2>&1
}

while IFS='|' read -r mod dir allowed forbidden; do
    [ -n "$mod" ] || continue
    flags=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -s print-flags \
        MOD="$mod" B="$BUILD" 2>"$tmp/err") || { fail "$mod: make print-flags: $(cat "$tmp/err")"; continue; }
    case " $flags " in *" -Iinclude "*) ;; *) fail "$mod: print-flags gave no -Iinclude: $flags"; continue ;; esac
    probe="$dir/.layering-probe-$$.c"
    probes+=("$probe")

    text=''
    for h in $allowed; do text+="#include \"$h\""$'\n'; done
    compile "$flags" "$probe" "$text" || { fail "$mod: its allowed headers do not compile:"; cat "$tmp/err"; }

    for h in $forbidden; do
        # the header exists, in one folder that is not this module's
        # shellcheck disable=SC2086
        where=$(find $SRC_DIRS -name "$h" -type f)
        [ "$(printf '%s\n' "$where" | grep -c .)" -eq 1 ] || { fail "$mod: $h: not one file: ${where:-none}"; continue; }
        [ "$(dirname "$where")" != "$dir" ] || { fail "$mod: $h is its own header"; continue; }
        if compile "$flags" "$probe" "#include \"$h\""; then
            fail "$mod: a file in $dir/ can include $where"
        elif ! grep -q "$h: No such file" "$tmp/err"; then
            fail "$mod: including $h failed, but not for want of it:"; cat "$tmp/err"
        fi
    done
    rm -f "$probe"
done <<<"$MODULES"

# A module the Makefile does not know is an error, not an empty list.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -s print-flags MOD=nosuch \
    B="$BUILD" >/dev/null 2>&1 && fail "print-flags accepted an unknown module"

[ "$fails" -eq 0 ] && echo "layering: ok"
[ "$fails" -eq 0 ]
