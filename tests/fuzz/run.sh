#!/usr/bin/env bash
# run.sh - `make fuzz`: seed a corpus for each libFuzzer target and run them.
#
#   tests/fuzz/run.sh FUZZ_DIR SECONDS TARGET...
#
# FUZZ_DIR holds the fuzz_TARGET binaries (built by `make fuzz`); the corpora
# live on in FUZZ_DIR/corpus/TARGET between runs, so each run starts where the
# last one stopped.  Seeds: the policies and test policies (frontend, fmt), their
# compiled images (load), generated and hand-written event streams (events),
# snapshots of engines of the events and reopen policies (snapshot).
# Crashes, leaks and timeouts (an input taking over FUZZ_TIMEOUT seconds, default
# 1) are written to FUZZ_DIR/crashes/TARGET/; minimise one with
#   FUZZ_DIR/fuzz_TARGET -minimize_crash=1 -runs=10000 FILE
# and add it to tests/fuzz/regress/TARGET/ so `make test` replays it for ever.
# FUZZ_JOBS=2 runs two targets at a time.  Exits 1 if any target failed.
set -u
cd "$(dirname "$0")/../.."
dir=$1 secs=$2
shift 2
slate=${SLATE:-build/slate}
timeout=${FUZZ_TIMEOUT:-1}
jobs=${FUZZ_JOBS:-1}

seed() {
    local t=$1 c=$dir/corpus/$1
    mkdir -p "$c" "$dir/crashes/$t"
    case $t in
    frontend|fmt)
        for f in policies/*.slate tests/golden/*.slate tests/bytecode/*.slate tests/fmt/*.slate; do
            [ -f "$f" ] && cp "$f" "$c/seed-$(basename "$f")"
        done ;;
    load)
        for f in policies/*.slate tests/bytecode/*.slate; do
            "$slate" build -q -o "$c/seed-$(basename "$f" .slate).slc" "$f" 2>/dev/null || true
        done ;;
    logread)
        cp tests/fuzz/seeds/logread/* "$c/" ;;
    snapshot)
        cp tests/fuzz/seeds/snapshot/* "$c/" ;;
    events)
        cp tests/fuzz/seeds/events/* "$c/"
        for s in 1 2 3; do
            { printf '\002'; "$slate" gen --seed $s --cases 20 --policy policies/example.slate; } \
                > "$c/seed-gen$s.jsonl" 2>/dev/null || true
        done ;;
    esac
    # the findings and coverage corpus test_fuzz_regress replays
    [ -d "tests/fuzz/regress/$t" ] && cp tests/fuzz/regress/"$t"/* "$c/" 2>/dev/null
    return 0
}

run_one() {
    local t=$1
    seed "$t"
    echo "fuzz: $t for ${secs}s"
    "$dir/fuzz_$t" -max_total_time="$secs" -timeout="$timeout" -rss_limit_mb=2048 \
        -print_final_stats=1 -artifact_prefix="$dir/crashes/$t/" "$dir/corpus/$t" \
        > "$dir/$t.log" 2>&1
    local rc=$?
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$dir/$t.log" | sed "s/^/fuzz: $t: /"
    if [ $rc -ne 0 ]; then
        echo "fuzz: $t FAILED (exit $rc); see $dir/$t.log and $dir/crashes/$t/"
        return 1
    fi
}

failed=0
pids=()
for t in "$@"; do
    run_one "$t" &
    pids+=($!)
    if [ ${#pids[@]} -ge "$jobs" ]; then
        wait "${pids[0]}" || failed=1
        pids=("${pids[@]:1}")
    fi
done
for p in "${pids[@]}"; do wait "$p" || failed=1; done
exit $failed
