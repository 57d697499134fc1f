#!/usr/bin/env bash
# run.sh - runs every test binary in each build directory given (the plain build,
# then the sanitizer build), then the CLI scripts in tests/cli/ against the first
# build's `slate`.  Prints each suite's cmocka summary and ends with one line
# "tests: N passed, M failed" summing cmocka's counts.  Exits 1 if anything failed.
set -u
cd "$(dirname "$0")/.."
passed=0 failed=0 broken=() why=()
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

for dir in "$@"; do
    for t in "$dir"/tests/test_*; do
        [ -x "$t" ] || continue
        out=$(timeout 900 "$t" 2>&1); rc=$?
        p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
        f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
        passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
        if [ $rc -ne 0 ]; then
            [ -z "$f" ] && failed=$((failed + 1))
            broken+=("$t")
            printf '%s\n' "$out"
        fi
        printf '%-40s %s passed, %s failed\n' "$t" "${p:-0}" "${f:-0}"
    done
done

first=${1:-build}
for s in tests/cli/*.sh; do
    [ -f "$s" ] || continue
    if out=$(SLATE="$first/slate" BUILD="$first" timeout 900 bash "$s" 2>&1); then
        passed=$((passed + 1)); printf '%-40s ok\n' "$s"
    else
        failed=$((failed + 1)); broken+=("$s"); printf '%s\n%-40s FAILED\n' "$out" "$s"
        why+=("--- why $s failed (its last lines):"$'\n'"$(printf '%s\n' "$out" | tail -30)")
    fi
done

# a failing script's last lines again, so that a log cut to its tail still says why
for w in "${why[@]}"; do printf '%s\n' "$w"; done
[ ${#broken[@]} -gt 0 ] && printf 'failing: %s\n' "${broken[*]}"
echo "tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ ${#broken[@]} -eq 0 ]
