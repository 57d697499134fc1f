#!/usr/bin/env bash
# hostile-log.sh - the auditor's commands (replay, report, explain, diff) and
# `run --resume` against logs and inputs made to mislead them (issue 12): a NUL
# byte in the policy source, a forged policies row, tampered rows (an edited
# decision, a deleted row, a broken image, an edited payload) that every reader
# must refuse naming the row unless --no-verify (which every output then says),
# objects added to the schema (a trigger, a view, an index), a log on a
# read-only mount, no -wal/-shm left behind, terminal escapes in ids and fields,
# invalid UTF-8 in a policy string, a missing table, a schema_version that is
# no number, the wrong pseudonym key, and `check` on a directory.
# Logs are of schema version 2 (the default); the tamperings of version 1's own
# tables are made on a `--log-schema 1` log, each with its version 2 counterpart
# (the packed `decisions` column edited, an entry deleted, a view changed, a
# case_index row added, deleted or edited).
# Run by tests/run.sh with $SLATE and $BUILD set; the sanitizer build's slate
# (build/san/slate) also runs the NUL case when it has been built.
set -u
SLATE=${SLATE:?set SLATE to the slate binary}
cd "$(dirname "$0")/../.."
command -v sqlite3 >/dev/null 2>&1 || { echo "hostile-log.sh: the sqlite3 command is needed" >&2; exit 1; }
tmp=$(mktemp -d)
mnt=
cleanup() {
    [ -n "$mnt" ] && umount "$mnt" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "hostile-log.sh: $*" >&2; exit 1; }
expect_rc() { # expect_rc RC CMD...: run CMD, output to $tmp/out and $tmp/err
    local want=$1
    shift
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ "$rc" = "$want" ] || fail "$* exited $rc, expected $want: $(head -3 "$tmp/err")"
}
says() { # says FILE TEXT: FILE holds TEXT (fixed string)
    grep -qF -- "$2" "$1" || fail "$1 does not say \`$2\`: $(head -3 "$1")"
}
no_leftovers() { # no_leftovers DB: no -wal or -shm beside it
    [ ! -e "$1-wal" ] && [ ! -e "$1-shm" ] || fail "$1: a reader left $(ls "$1"-* | tr '\n' ' ')"
}
# control characters (tab and newline aside) or bytes that are not UTF-8 in FILE
has_controls() {
    LC_ALL=C grep -q "$(printf '[\001-\010\013-\037\177]')" "$1" && return 0
    ! iconv -f UTF-8 -t UTF-8 "$1" >/dev/null 2>&1
}
POLICY=policies/service-2025.slate

"$SLATE" gen --seed 5 --cases 60 -o "$tmp/events.jsonl" || fail "gen"
expect_rc 0 "$SLATE" run -q --log "$tmp/a.db" --until 2025-04-01T00:00:00Z "$POLICY" \
    "$tmp/events.jsonl"
expect_rc 0 "$SLATE" run -q --log-schema 1 --log "$tmp/a1.db" --until 2025-04-01T00:00:00Z \
    "$POLICY" "$tmp/events.jsonl"
[ "$(sqlite3 "$tmp/a1.db" "SELECT value FROM meta WHERE key = 'schema_version'")" = 1 ] &&
    [ "$(sqlite3 "$tmp/a.db" "SELECT value FROM meta WHERE key = 'schema_version'")" = 2 ] ||
    fail "the logs are not of versions 2 (a.db) and 1 (a1.db)"
case_id=$(sqlite3 -batch -noheader "$tmp/a.db" \
    "SELECT case_id FROM decisions WHERE action = 'stop' LIMIT 1")
[ -n "$case_id" ] || fail "the log has no stop decision"
fresh() { rm -f "$tmp/t.db"*; cp "$tmp/${1:-a}.db" "$tmp/t.db"; } # fresh [a1]: of version 1

# ---- defect 1: a NUL byte in the policy source, a forged policies row ----------
printf 'policy "x" version "1"\n# c \0 d\nclock c starts on opened stops on responded\nsla s { c within 1h }\n' \
    >"$tmp/n.slate"
echo '{"type":"opened","case":"a","at":"2025-01-01T00:00:00Z"}' >"$tmp/n.jsonl"
expect_rc 0 "$SLATE" run -q "$tmp/n.slate" "$tmp/n.jsonl" -o /dev/null --log "$tmp/n.db"
for s in "$SLATE" ${BUILD:+"$BUILD/san/slate"}; do
    [ -x "$s" ] || continue
    expect_rc 0 "$s" explain "$tmp/n.db" a
    says "$tmp/out" "clock c starts on opened stops on responded"
done
# a policies row with a NULL hash: refused (the chain); shown as "?" unverified
cp "$tmp/n.db" "$tmp/p.db"
sqlite3 "$tmp/p.db" "INSERT INTO policies (pos, hash, image, chain) VALUES (99, NULL, x'00', 'x')"
expect_rc 1 "$SLATE" explain "$tmp/p.db" a
expect_rc 0 "$SLATE" explain --no-verify "$tmp/p.db" a
grep -q "(null)" "$tmp/out" && fail "explain prints (null): $(grep null "$tmp/out")"
says "$tmp/out" "policy ? ? (?) from ?"

# ---- defect 2: every reader verifies; --no-verify marks every output -----------
tamper() { # tamper NAME SQL WANT [a1]: each reader refuses the tampered log naming WANT
    fresh "${4:-a}"
    sqlite3 "$tmp/t.db" "$2" || fail "$1: sqlite3"
    for cmd in "report" "report --json" "explain" "diff" "replay"; do
        case $cmd in
        explain) expect_rc 1 "$SLATE" explain "$tmp/t.db" "$case_id" ;;
        diff) expect_rc 1 "$SLATE" diff --policy "$POLICY" "$tmp/t.db" ;;
        *) expect_rc 1 "$SLATE" $cmd "$tmp/t.db" ;;
        esac
        says "$tmp/err" "$3"
        [ -s "$tmp/out" ] && [ "$cmd" != replay ] && fail "$1: $cmd printed a report: $(head -3 "$tmp/out")"
    done
    no_leftovers "$tmp/t.db"
}
# version 1: rows of the decisions table
tamper "met edited (v1)" "UPDATE decisions SET args = replace(args, '\"met\":false', '\"met\":true') \
    WHERE action = 'stop' AND args LIKE '%\"met\":false%'" "its content does not match its chain hash" a1
expect_rc 1 "$SLATE" report "$tmp/t.db"
grep -q "t.db: the log does not verify: decisions row seq [0-9]* (pos [0-9]*): its content" \
    "$tmp/err" || fail "no row named: $(cat "$tmp/err")"
tamper "decision deleted (v1)" "DELETE FROM decisions WHERE seq = 10" "decisions row seq 10 was deleted" a1
# version 2: the packed decisions of an events row
tamper "met edited" "UPDATE events SET decisions = replace(decisions, '\"met\":false', '\"met\":true') \
    WHERE id = (SELECT min(id) FROM events WHERE decisions LIKE '%\"met\":false%')" \
    "its content does not match its chain hash"
expect_rc 1 "$SLATE" report "$tmp/t.db"
grep -q "t.db: the log does not verify: events row id [0-9]* (event seq [0-9]*, pos [0-9]*): its content" \
    "$tmp/err" || fail "no row named: $(cat "$tmp/err")"
tamper "decision deleted" "UPDATE events SET decisions = json_remove(decisions, '\$[1]'), \
    ndecisions = ndecisions - 1 WHERE id = 2" "events row id 2 (event seq 1, pos 3): its content"
tamper "decisions moved" "UPDATE events SET decisions = (SELECT decisions FROM events WHERE id = 3) \
    WHERE id = 2" "events row id 2 (event seq 1, pos 3): its content"
tamper "packing spaced" "UPDATE events SET decisions = replace(decisions, '],[', '], [') WHERE id = 2" \
    "events row id 2 (event seq 1, pos 3): its content"
tamper "entry deleted" "DELETE FROM events WHERE id = 10" "events row id 10 was deleted (pos 11 is missing)"
tamper "last entry deleted" "DELETE FROM events WHERE id = (SELECT max(id) FROM events)" \
    "the last rows were deleted"
for v in a1 a; do
    tamper "image broken ($v)" "UPDATE policies SET image = x'00'" "policies row" $v
    tamper "payload edited ($v)" "UPDATE events SET payload = replace(payload, '\"type\"', ' \"type\"') \
        WHERE seq = 5" "event seq 5" $v
done

# --no-verify: a warning on stderr and in the text, JSON and HTML
fresh
sqlite3 "$tmp/t.db" "UPDATE events SET decisions = replace(decisions, '\"met\":false', '\"met\":true')"
expect_rc 0 "$SLATE" report --no-verify --html "$tmp/r.html" "$tmp/t.db"
says "$tmp/err" "warning: NOT VERIFIED (--no-verify)"
head -1 "$tmp/out" | grep -q "^NOT VERIFIED" || fail "report text: $(head -2 "$tmp/out")"
says "$tmp/r.html" "NOT VERIFIED (--no-verify)"
expect_rc 0 "$SLATE" report --no-verify --json "$tmp/t.db"
says "$tmp/out" '"verified": false'
says "$tmp/out" '"warning": "NOT VERIFIED'
expect_rc 0 "$SLATE" explain --no-verify "$tmp/t.db" "$case_id"
says "$tmp/err" "NOT VERIFIED"
head -1 "$tmp/out" | grep -q "^NOT VERIFIED" || fail "explain text: $(head -2 "$tmp/out")"
expect_rc 0 "$SLATE" diff --no-verify --policy "$POLICY" "$tmp/t.db"
head -1 "$tmp/out" | grep -q "^NOT VERIFIED" || fail "diff text: $(head -2 "$tmp/out")"
expect_rc 0 "$SLATE" diff --no-verify --json --policy "$POLICY" "$tmp/t.db"
says "$tmp/out" '"verified": false'
# the untampered log: no warning anywhere
expect_rc 0 "$SLATE" report --json "$tmp/a.db"
grep -q "verified\|NOT VERIFIED" "$tmp/out" "$tmp/err" && fail "a verified report warns"

# ---- defect 3: objects added to the schema --------------------------------------
schema() { # schema NAME SQL WANT [a1]
    fresh "${4:-a}"
    sqlite3 "$tmp/t.db" "$2" || fail "$1: sqlite3"
    local before
    before=$(sha256sum <"$tmp/t.db")
    expect_rc 1 "$SLATE" replay "$tmp/t.db"
    says "$tmp/err" "$3"
    expect_rc 1 "$SLATE" report "$tmp/t.db"
    says "$tmp/err" "$3"
    expect_rc 1 "$SLATE" run -q --log "$tmp/t.db" --resume "$POLICY" "$tmp/events.jsonl" -o /dev/null
    says "$tmp/err" "$3"
    [ "$(sha256sum <"$tmp/t.db")" = "$before" ] || fail "$1: run --resume changed the log"
}
schema "trigger (v1)" "CREATE TRIGGER t AFTER INSERT ON events BEGIN \
    UPDATE decisions SET args = '{}' WHERE seq = 1; END" "trigger \`t\` on \`events\`" a1
schema trigger "CREATE TRIGGER t AFTER INSERT ON events BEGIN \
    UPDATE events SET decisions = '[]' WHERE id = 1; END" "trigger \`t\` on \`events\`"
schema "trigger on case_index" "CREATE TRIGGER t BEFORE INSERT ON case_index BEGIN \
    SELECT RAISE(IGNORE); END" "trigger \`t\` on \`case_index\`"
# version 2's views: one added, one changed (a decision hidden from the auditor's
# breaches), one missing
schema "view (v1)" "CREATE VIEW v AS SELECT 1" "view \`v\`" a1
schema view "CREATE VIEW v AS SELECT 1" "view \`v\`"
# an object named with a terminal escape: named, but safely
schema escape "CREATE VIEW \"$(printf '\033[2J')x\" AS SELECT 1" "view \`?[2Jx\`"
has_controls "$tmp/err" && fail "run --resume prints control characters: $(cat -A "$tmp/err")"
schema "view changed" "DROP VIEW breaches; CREATE VIEW breaches AS \
    SELECT * FROM decisions WHERE action = 'breach' AND seq > 1" "view \`breaches\` is not the one slate creates"
schema "view dropped" "DROP VIEW case_decisions" "view \`case_decisions\` is missing"
schema "index (v1)" "CREATE INDEX i ON decisions(action)" "index \`i\` on \`decisions\`" a1
schema index "CREATE INDEX i ON events(decisions)" "index \`i\` on \`events\`"
schema "index dropped" "DROP INDEX events_policy" "index \`events_policy\` on \`events\` is missing"

# version 2's case_index is not chained, but the auditors' per-case SQL reads
# through it: verified as a whole, a row added, deleted or edited is refused
for q in "DELETE FROM case_index WHERE case_id = '$case_id'" \
    "UPDATE case_index SET entry = entry + 1 WHERE case_id = '$case_id'" \
    "INSERT INTO case_index SELECT '$case_id', id FROM events WHERE case_id <> '$case_id'"; do
    tamper "case_index: $q" "$q" "case_index"
done

# ---- defect 9 (readers): what is wrong with the log, exit 1 -----------------------
for drop in "a1 TABLE decisions" "a VIEW decisions" "a TABLE case_index"; do
    set -- $drop
    fresh "$1"
    sqlite3 "$tmp/t.db" "DROP $2 $3"
    what=$(echo "$2" | tr A-Z a-z)
    for cmd in report explain diff replay; do
        case $cmd in
        explain) expect_rc 1 "$SLATE" explain "$tmp/t.db" "$case_id" ;;
        diff) expect_rc 1 "$SLATE" diff --policy "$POLICY" "$tmp/t.db" ;;
        *) expect_rc 1 "$SLATE" $cmd "$tmp/t.db" ;;
        esac
        says "$tmp/err" "$what \`$3\` is missing"
    done
done
fresh
sqlite3 "$tmp/t.db" "UPDATE meta SET value = 'abc' WHERE key = 'schema_version'"
expect_rc 1 "$SLATE" report "$tmp/t.db"
says "$tmp/err" "schema_version is \`abc\`"
grep -q "version 0" "$tmp/err" && fail "abc shown as version 0"
expect_rc 1 "$SLATE" replay "$tmp/t.db"
says "$tmp/err" "schema_version is \`abc\`"
expect_rc 3 "$SLATE" check "$tmp"
says "$tmp/err" "Is a directory"
expect_rc 3 "$SLATE" report "$tmp"
says "$tmp/err" "Is a directory"
# the wrong pseudonym key
printf 'key one' >"$tmp/k1"
printf 'key two' >"$tmp/k2"
expect_rc 0 "$SLATE" run -q --log "$tmp/k.db" --pseudonymize-key "$tmp/k1" "$POLICY" \
    "$tmp/events.jsonl" -o /dev/null
expect_rc 0 "$SLATE" explain --pseudonymize-key "$tmp/k1" "$tmp/k.db" "$case_id"
expect_rc 1 "$SLATE" explain --pseudonymize-key "$tmp/k2" "$tmp/k.db" "$case_id"
says "$tmp/err" "the pseudonym key differs"
expect_rc 2 "$SLATE" explain --pseudonymize-key "$tmp/k1" "$tmp/a.db" "$case_id"
says "$tmp/err" "stores case ids in clear"

# ---- defect 4: read-only logs; nothing left beside a log -----------------------
for db in "$tmp/a.db" "$tmp/a1.db" "$tmp/n.db" "$tmp/k.db"; do no_leftovers "$db"; done
mkdir -p "$tmp/ro" "$tmp/src"
cp "$tmp/a.db" "$tmp/src/a.db"
if mount --bind "$tmp/src" "$tmp/ro" 2>/dev/null; then
    mnt=$tmp/ro
    mount -o remount,ro,bind "$tmp/ro" 2>/dev/null || fail "cannot remount read-only"
    touch "$tmp/ro/x" 2>/dev/null && fail "the mount is writable"
    where=$tmp/ro
elif [ "$(id -u)" != 0 ]; then
    chmod a-w "$tmp/src/a.db" "$tmp/src" # not root: the permissions alone hold
    where=$tmp/src
else
    where=
    echo "hostile-log.sh: no read-only mount possible here; read-only logs skipped"
fi
if [ -n "$where" ]; then
    expect_rc 0 "$SLATE" replay "$where/a.db"
    says "$tmp/out" "replay matches"
    expect_rc 0 "$SLATE" report "$where/a.db"
    expect_rc 0 "$SLATE" explain "$where/a.db" "$case_id"
    expect_rc 0 "$SLATE" diff --policy "$POLICY" "$where/a.db"
    no_leftovers "$where/a.db"
    [ -z "$mnt" ] && chmod u+w "$tmp/src/a.db" "$tmp/src"
fi

# ---- defect 5: terminal escapes and invalid UTF-8 ---------------------------------
cat >"$tmp/h.slate" <<'EOF'
policy "hostile" version "1"
case {
    category: string
    channel:  string
}
clock response starts on opened stops on responded
sla standard { response within 1h }
EOF
sed 's/within 1h/within 2h/' "$tmp/h.slate" >"$tmp/h2.slate"
printf '%s\n' \
    '{"type":"opened","case":"\u001b]0;pwned\u0007\u001b[2J","at":"2025-03-03T09:00:00Z","category":"\u001b[31mred","channel":"\u009b2J"}' \
    '{"type":"opened","case":"b\u0085","at":"2025-03-03T12:00:00Z","category":"x\u0007"}' \
    '{"type":"\u001b[2Jnope","case":"c","at":"2025-03-03T12:30:00Z"}' >"$tmp/h.jsonl"
expect_rc 0 "$SLATE" run -q "$tmp/h.slate" "$tmp/h.jsonl" -o /dev/null --log "$tmp/h.db"
esc_case=$(printf '\033]0;pwned\007\033[2J')
expect_rc 0 "$SLATE" explain "$tmp/h.db" "$esc_case"
says "$tmp/out" "category=?[31mred channel=?2J"
has_controls "$tmp/out" && fail "explain prints control characters: $(cat -A "$tmp/out" | head -3)"
expect_rc 0 "$SLATE" explain "$tmp/h.db" c
says "$tmp/out" "?[2Jnope"
has_controls "$tmp/out" && fail "explain prints control characters: $(cat -A "$tmp/out" | head -3)"
expect_rc 0 "$SLATE" report "$tmp/h.db" --html "$tmp/h.html"
says "$tmp/out" "?[31mred"
has_controls "$tmp/out" && fail "report prints control characters"
has_controls "$tmp/h.html" && fail "the report page holds control characters"
expect_rc 0 "$SLATE" diff --policy "$tmp/h2.slate" "$tmp/h.db"
says "$tmp/out" "case ?]0;pwned??[2J"
has_controls "$tmp/out" && fail "diff prints control characters: $(cat -A "$tmp/out" | head -3)"
# messages quoting the log's text (a row named by its policy hash) are escaped too
cp "$tmp/h.db" "$tmp/h3.db"
sqlite3 "$tmp/h3.db" "UPDATE policies SET hash = char(27) || '[2J' || substr(hash, 4)"
for cmd in replay report; do
    expect_rc 1 "$SLATE" $cmd "$tmp/h3.db"
    says "$tmp/err" "?[2J"
    has_controls "$tmp/err" && fail "$cmd's message holds control characters: $(cat -A "$tmp/err")"
done
# invalid UTF-8 in a policy string: refused where it is
printf 'policy "x\377y" version "1"\nclock c starts on opened\n' >"$tmp/u.slate"
expect_rc 1 "$SLATE" check "$tmp/u.slate"
says "$tmp/err" "u.slate:1:10: error: invalid UTF-8 in string (byte 0xFF)"

echo "hostile-log.sh: hostile logs refused or shown safely, read-only logs audited"
