#!/usr/bin/env bash
# tutorial.sh - docs/tutorial.md stays true: every policy in docs/tutorial/ checks,
# its tests pass with full coverage, and the commands the tutorial shows print the
# lines it quotes.  Run by tests/run.sh from the repo root with $SLATE set.
set -u
SLATE=$(cd "$(dirname "${SLATE:-build/slate}")" && pwd)/$(basename "${SLATE:-build/slate}")
fail() { echo "tutorial.sh: $*" >&2; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
slate() { "$SLATE" "$@"; }
norm() { sed 's/, [0-9.]* s$/, T s/' "$@"; }
norm docs/tutorial.md > "$tmp/tutorial.md"
# has FILE LINE: the command's output FILE holds LINE, and so does the tutorial
# (timings, the one non-deterministic output, are normalised)
has() {
    norm "$1" | grep -qxF -- "$2" || { cat "$1"; fail "missing from the output: $2"; }
    grep -qxF -- "$2" "$tmp/tutorial.md" || fail "docs/tutorial.md no longer shows: $2"
}

for p in docs/tutorial/*.slate; do
    slate check -q "$p" 2> "$tmp/err" || { cat "$tmp/err"; fail "slate check $p"; }
done
slate fmt --check docs/tutorial/*.slate || fail "tutorial policies are not formatted"
slate test --coverage-min 100 docs/tutorial/ > "$tmp/t" || { cat "$tmp/t"; fail "slate test docs/tutorial/"; }

mkdir "$tmp/w" && cp docs/tutorial/* "$tmp/w/" && cd "$tmp/w" || fail "copy"

# 1. A first policy
slate check step1.slate > o 2>&1 || fail "step1"; has o 'step1.slate: ok'
sed 's/stops on responded/stops on responed/' step1.slate > typo.slate
slate check typo.slate > o 2>&1; [ $? -eq 1 ] || fail "typo: exit"
has o 'typo.slate:10:25: error: unknown event type `responed`'
has o '   10 |                stops on responed'
has o '      |                         ^~~~~~~~'
has o '      = hint: did you mean `responded`?'

# 2. Events and decisions
slate run step1.slate events.jsonl > o 2> e || fail "step2 run"
[ "$(wc -l < o)" -eq 5 ] || fail "step2: 5 decisions"
has o '{"seq":1,"at":"2025-03-10T09:00:00.000Z","case":"c1","action":"sla","rule":"step1.slate:12","event":1,"tier":"standard","targets":[{"clock":"response","target_s":14400}]}'
has o '{"seq":5,"at":"2025-03-10T10:00:00.000Z","case":"c1","action":"stop","rule":"step1.slate:9","event":3,"clock":"response","met":true,"elapsed_s":3600,"target_s":14400}'
has e 'slate run: 4 events (0 rejected), 5 decisions, 2 cases open, T s'
slate run step1.slate events.jsonl --until 2025-03-10T14:00:00Z > o 2>&1
has o '{"seq":6,"at":"2025-03-10T13:20:00.000Z","case":"c2","action":"breach","rule":"step1.slate:13","clock":"response","target_s":14400,"elapsed_s":14400}'

# 3. Working time
slate run step3.slate friday.jsonl --until 2025-03-20T00:00:00Z 2>/dev/null | grep '"start"\|"breach"' > o
[ "$(wc -l < o)" -eq 8 ] || fail "step3: 8 lines"
has o '{"seq":2,"at":"2025-03-07T17:30:00.000Z","case":"c3","action":"start","rule":"step3.slate:15","event":1,"clock":"response","target_s":7200,"deadline":"2025-03-10T10:30:00.000Z"}'
has o '{"seq":3,"at":"2025-03-07T17:30:00.000Z","case":"c3","action":"start","rule":"step3.slate:18","event":1,"clock":"resolution","target_s":57600,"deadline":"2025-03-11T17:30:00.000Z"}'
has o '{"seq":7,"at":"2025-03-14T17:30:00.000Z","case":"c4","action":"start","rule":"step3.slate:15","event":2,"clock":"response","target_s":7200,"deadline":"2025-03-18T10:30:00.000Z"}'
has o '{"seq":10,"at":"2025-03-19T17:30:00.000Z","case":"c4","action":"breach","rule":"step3.slate:23","clock":"resolution","target_s":57600,"elapsed_s":57600}'

# 4. Tiers
slate run step4.slate tiers.jsonl 2>/dev/null | grep '"sla"\|"response"' > o
[ "$(wc -l < o)" -eq 6 ] || fail "step4: 6 lines"
has o '{"seq":1,"at":"2025-03-07T17:30:00.000Z","case":"c5","action":"sla","rule":"step4.slate:22","event":1,"tier":"vip_problem","targets":[{"clock":"response","target_s":1800},{"clock":"resolution","target_s":14400}]}'
has o '{"seq":5,"at":"2025-03-07T17:30:00.000Z","case":"c6","action":"start","rule":"step4.slate:16","event":2,"clock":"response","target_s":3600,"deadline":"2025-03-07T18:30:00.000Z"}'
has o '{"seq":8,"at":"2025-03-07T17:30:00.000Z","case":"c7","action":"start","rule":"step4.slate:16","event":3,"clock":"response","target_s":7200,"deadline":"2025-03-10T10:30:00.000Z"}'
slate check step4-wrong-order.slate > o 2>&1 || fail "a warning must not fail check"
has o 'step4-wrong-order.slate:27:5: warning: tier `vip_problem` is shadowed by `vip` on line 22 [W010]'
has o '      = hint: `vip` comes first and matches every case that `vip_problem` matches; move `vip_problem` above it'
has o 'step4-wrong-order.slate: 0 errors, 1 warning'
slate check --werror step4-wrong-order.slate >/dev/null 2>&1 && fail "--werror must fail"

# 5. Pauses
slate run step5.slate pauses.jsonl 2> e | grep -v '"response"' > o
[ "$(wc -l < o)" -eq 6 ] || fail "step5: 6 lines"
has o '{"seq":6,"at":"2025-03-10T15:00:00.000Z","case":"c8","action":"resume","rule":"step5.slate:20","event":4,"clock":"resolution","target_s":57600,"deadline":"2025-03-12T13:00:00.000Z"}'
has o '{"seq":8,"at":"2025-03-11T11:00:00.000Z","case":"c8","action":"resume","rule":"step5.slate:20","event":7,"clock":"resolution","target_s":57600,"deadline":"2025-03-12T18:00:00.000Z"}'
has o '{"seq":9,"at":"2025-03-12T10:00:00.000Z","case":"c8","action":"stop","rule":"step5.slate:20","event":8,"clock":"resolution","met":true,"elapsed_s":32400,"target_s":57600}'
grep -q '"event":6' o && fail "step5: the resumed event while waiting decided something"
has e 'slate run: 8 events (0 rejected), 9 decisions, 1 cases open, T s'

# 6. Escalation
slate run step6.slate ladder.jsonl --until 2025-03-11T00:00:00Z > o 2> e
[ "$(wc -l < o)" -eq 15 ] || fail "step6: 15 decisions"
has o '{"seq":5,"at":"2025-03-10T12:00:00.000Z","case":"c9","action":"warn","rule":"step6.slate:29","clock":"resolution","percent":75,"elapsed_s":10800,"target_s":14400}'
has o '{"seq":8,"at":"2025-03-10T13:00:00.000Z","case":"c9","action":"escalate","rule":"step6.slate:31","level":"senior"}'
has o '{"seq":11,"at":"2025-03-10T16:00:00.000Z","case":"c9","action":"resume","rule":"step6.slate:22","event":4,"clock":"resolution","target_s":14400}'
has o '{"seq":12,"at":"2025-03-10T16:00:00.000Z","case":"c9","action":"notify","rule":"step6.slate:54#reopened_escalated","event":4,"to":"manager","message":"an escalated case was reopened"}'
has o '{"seq":13,"at":"2025-03-10T18:00:00.000Z","case":"c9","action":"breach","rule":"step6.slate:32","clock":"resolution","target_s":14400,"elapsed_s":28800,"after_s":14400}'
has o '{"seq":14,"at":"2025-03-10T18:00:00.000Z","case":"c9","action":"escalate","rule":"step6.slate:32","level":"manager"}'

# 7. Event rules and actions
slate run helpdesk.slate rules.jsonl > o 2> e
[ "$(wc -l < o)" -eq 25 ] || fail "step7: 25 decisions"
has e 'slate run: 8 events (0 rejected), 25 decisions, 2 cases open, T s'
has o '{"seq":6,"at":"2025-03-10T09:00:00.000Z","case":"c10","action":"require","rule":"helpdesk.slate:63#complaint_intake","event":1,"name":"apology","target_s":14400,"deadline":"2025-03-10T13:00:00.000Z"}'
has o '{"seq":14,"at":"2025-03-10T10:00:00.000Z","case":"c10","action":"stop","rule":"helpdesk.slate:66","event":5,"clock":"apology","met":true,"elapsed_s":3600,"target_s":14400}'
has o '{"seq":17,"at":"2025-03-10T12:00:00.000Z","case":"c11","action":"sla","rule":"helpdesk.slate:45","event":7,"tier":"complaint","targets":[{"clock":"response","target_s":3600},{"clock":"resolution","target_s":28800}]}'
has o '{"seq":18,"at":"2025-03-10T12:00:00.000Z","case":"c11","action":"review","rule":"helpdesk.slate:73#unhappy","event":7,"name":"review","target_s":28800,"deadline":"2025-03-11T12:00:00.000Z"}'
has o '{"seq":19,"at":"2025-03-10T12:00:00.000Z","case":"c11","action":"emit","rule":"helpdesk.slate:73#unhappy","event":7,"name":"unhappy_customer","args":["fay",1]}'
has o '{"seq":25,"at":"2025-03-11T10:00:00.000Z","case":"c11","action":"stop","rule":"helpdesk.slate:75","event":8,"clock":"review","met":true,"elapsed_s":21600,"target_s":28800}'

# 8. Testing the policy
slate test --coverage-min 100 helpdesk.test > o 2>&1 || { cat o; fail "step8 test"; }
has o 'coverage of helpdesk.slate: 100.0% (12 of 12 rules, tiers and ladder steps)'
has o 'tests: 7 passed, 0 failed'
sed 's/escalate manager at 2025-03-10T17:00/escalate manager at 2025-03-10T18:00/' helpdesk.test > oops.test
slate test oops.test > o 2>&1; [ $? -eq 1 ] || fail "oops.test: exit"
has o '  FAIL a VIP problem climbs the whole ladder'
has o '       line 30: the decisions differ from `expect exactly` (- expected, + actual):'
has o '       - escalate manager at 2025-03-10T18:00Z'
has o '       + escalate manager at 2025-03-10T17:00Z  # helpdesk.slate:35'
has o '         sla vip_problem at 2025-03-10T09:00Z  # helpdesk.slate:39'
has o 'tests: 6 passed, 1 failed'
rm oops.test

# 9. Shipping it
cat > sloppy.slate <<'EOF'
policy "sloppy" version "1"
case { kind: enum { question, problem } }
clock response starts on opened stops on responded
sla standard { response within 2h }
EOF
slate fmt sloppy.slate > o || fail "fmt"
printf '%s\n' 'policy "sloppy" version "1"' '' 'case {' '    kind: enum { question, problem }' '}' '' \
    'clock response starts on opened' '               stops on responded' '' 'sla standard {' \
    '    response within 2h' '}' | cmp -s - o || { cat o; fail "fmt output"; }
slate build helpdesk.slate > o 2>&1 || fail "build"
has o 'helpdesk.slc: 6336 bytes, at most 23 steps per event or timer, hash ed9dc9873ff801f1f9053fb901a3e5a061b19f309824052a63b62452617c2eb8'
slate run --log audit.db helpdesk.slc rules.jsonl --until 2025-03-12T00:00:00Z > decisions.jsonl 2> e || fail "run --log"
has e 'slate run: 8 events (0 rejected), 28 decisions, 2 cases open, T s'
slate replay audit.db > o 2>&1 || { cat o; fail "replay"; }
has o 'audit.db: chain verified: 11 rows, head 772818a9a87187c6eabdd626c9c6451944dcabc4e6590cfbdd5b16125010de9f'
has o 'audit.db: replay matches: 8 events (0 rejected), 1 policy entries, 28 decisions'
slate explain audit.db c11 > o 2>&1 || fail "explain"
has o 'policy helpdesk 7 (ed9dc9873ff8) from helpdesk.slate'
has o '  2025-03-10T12:00:00.000Z  complaint, by helpdesk.slate:45 (event 7)'
has o '    2025-03-10T11:00:00.000Z  stop      1h 55m worked  met at 1h 55m (target 8h)  [helpdesk.slate:25, event 6]'
has o '    2025-03-11T10:00:00.000Z  stop          6h worked  met at 6h (target 8h)  [helpdesk.slate:75, event 8]'
slate report audit.db > o 2>&1 || fail "report"
has o 'cases                2 (complaints: 2, 100.0%)'
has o '  target met         100.0%  (2 of 2)'
has o '  resolution rate    50.0%   (1 of 2 cases)'
has o '  by tier            complaint 1'
exit 0
