/*
 * test_logv2.c - schema version 2 of the decision log: an entry's decisions
 * packed in its events row (dseq, decisions), one chain hash per row over
 * policies and events, case_index and the auditors' views.  Its layout,
 * which version a log is written and continued in, tampering with entries and
 * with the packed column (with and without the chain rebuilt: a column that
 * only the structure check can refuse must be refused with a message, never
 * crash a reader), the chain recomputed here from SQL alone as
 * docs/audit-log.md describes, a write failing mid-batch, check mode naming
 * the first divergent decision, and the same input giving the same reader rows
 * and the same `decisions` (the view) as a version 1 log, hostile ids
 * included.
 *
 * Not here: what both versions share (test_log.c, test_logread.c,
 * test_loghostile.c, test_replay.c and test_logpart.c run on both).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <nettle/sha2.h>
#include <sqlite3.h>

#include "log/dlog.h"
#include "logforge.h"
#include "logsynth.h"

typedef syn_fixture fixture;

/* ---- helpers ------------------------------------------------------------------ */

/* Set events.decisions of entry `id` to the n bytes at s (as text). */
static void set_packed(const char *path, int64_t id, const char *s, size_t n)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "UPDATE events SET decisions = ?1 WHERE id = ?2", -1,
                                        &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, s, (int)n, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, id);
    assert_int_equal(sqlite3_step(st), SQLITE_DONE);
    assert_int_equal(sqlite3_changes(db), 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

#define EXPECT(...) syn_expect_problem(__VA_ARGS__, NULL)

/* The log verifies; every entry holds exactly the decisions it declares, the
 * positions run without a gap over policies and events, and case_index names
 * only entries the log has. */
static void check_whole(const char *path)
{
    char *err = NULL;
    if (slate_log_verify(path, NULL, &err) != SLATE_OK) fail_msg("verify: %s", err);
    assert_int_equal(syn_sql_int(path, "SELECT count(*) FROM events WHERE ndecisions <> "
                                       "coalesce(json_array_length(decisions), 0)"),
                     0);
    assert_int_equal(syn_sql_int(path, "SELECT (SELECT count(*) FROM policies) + "
                                       "(SELECT count(*) FROM events) - "
                                       "(SELECT value FROM meta WHERE key = 'state.pos')"),
                     0);
    assert_int_equal(syn_sql_int(path, "SELECT count(*) FROM case_index WHERE entry NOT IN "
                                       "(SELECT id FROM events)"),
                     0);
}

/* ---- layout -------------------------------------------------------------------- */

static void test_schema(void **state)
{
    fixture *f = *state;
    const char *opts_list[] = {"tolerance_ms=0", NULL};
    slate_log_opts opts = {.options = opts_list};
    syn_write_basic(f->db, &opts);
    char *s = syn_sql_text(f->db, "SELECT value FROM meta WHERE key = 'schema_version'");
    assert_string_equal(s, "2");
    free(s);
    /* no decisions table: a view */
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM sqlite_master WHERE "
                                        "name = 'decisions' AND type = 'view'"), 1);
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM pragma_table_info('events')"),
                     DLOG_NEVENT_COLS + 1);
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM events"), 13);
    /* positions count policies and events rows only */
    assert_int_equal(syn_sql_int(f->db, "SELECT max(pos) FROM events"), 1 + 13);
    assert_int_equal(syn_sql_int(f->db, "SELECT value FROM meta WHERE key = 'state.pos'"), 14);
    /* an entry without decisions: both columns NULL; with: dseq its first */
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM events WHERE ndecisions = 0 AND "
                                        "(dseq IS NOT NULL OR decisions IS NOT NULL)"), 0);
    assert_int_equal(syn_sql_int(f->db, "SELECT dseq FROM events WHERE seq = 3"), 4);
    assert_int_equal(syn_sql_int(f->db, "SELECT sum(ndecisions) FROM events"), 18);
    assert_int_equal(syn_sql_int(f->db, "SELECT part FROM events WHERE seq = 3"), 0);
    assert_int_equal(syn_sql_int(f->db, "SELECT stream_seq FROM events WHERE seq = 3"), -1);
    s = syn_sql_text(f->db, "SELECT decisions FROM events WHERE seq = 1");
    assert_string_equal(s, "[[\"notify\",10,null,1740992460000,\"c1\",1,null,"
                           "{\"to\":\"supervisor\",\"message\":\"a \\\"quoted\\\" message\"}]]");
    free(s);
    /* the views: one row per decision */
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM decisions"), 18);
    assert_int_equal(syn_sql_int(f->db, "SELECT count(DISTINCT seq) FROM decisions"), 18);
    s = syn_sql_text(f->db, "SELECT rule || ' ' || at || ' ' || args || ' ' || entry "
                            "FROM decisions WHERE seq = 1");
    assert_string_equal(s, "svc.slate:10 2025-03-03T09:01:00.000Z "
                           "{\"to\":\"supervisor\",\"message\":\"a \\\"quoted\\\" message\"} 2");
    free(s);
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM breaches"), 0);
    /* case_index: each event's case, once per entry */
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM case_index"), 12);
    assert_int_equal(syn_sql_int(f->db, "SELECT entries FROM cases WHERE case_id = 'c1'"), 4);
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM case_decisions "
                                        "WHERE case_key = 'c1'"),
                     1 + 3 + 2);
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM decisions WHERE case_id = 'c1'"),
                     1 + 3 + 2);

    slate_log_summary sum;
    char *err = NULL;
    assert_int_equal(slate_log_verify(f->db, &sum, &err), SLATE_OK);
    assert_int_equal(sum.policies, 1);
    assert_int_equal(sum.entries, 13);
    assert_int_equal(sum.events, 12);
    assert_int_equal(sum.decisions, 18);
    assert_int_equal(sum.first_at, 1740992460000LL);
    s = syn_sql_text(f->db, "SELECT value FROM meta WHERE key = 'state.chain'");
    assert_string_equal(s, sum.head);
    free(s);
}

/* New logs are version 2 unless asked; an existing log is continued in its
 * own version whatever the options say; a version this slate does not write
 * is refused. */
static void test_version_choice(void **state)
{
    fixture *f = *state;
    char *v1 = syn_path(f->dir, "v1.db"), *v2 = syn_path(f->dir, "v2.db");
    slate_log_opts o1 = {.schema = 1}, o2 = {.schema = 2};
    syn_write_basic(v1, &o1);
    syn_write_basic(v2, &o2);
    syn_write_basic(f->db, NULL);
    assert_int_equal(syn_sql_int(v1, "SELECT value FROM meta WHERE key = 'schema_version'"), 1);
    assert_int_equal(syn_sql_int(v2, "SELECT value FROM meta WHERE key = 'schema_version'"), 2);
    assert_int_equal(syn_sql_int(f->db, "SELECT value FROM meta WHERE key = 'schema_version'"), 2);
    /* the same input, the same entries, another chain */
    slate_log_summary a, b, c;
    assert_int_equal(slate_log_verify(v1, &a, NULL), SLATE_OK);
    assert_int_equal(slate_log_verify(v2, &b, NULL), SLATE_OK);
    assert_int_equal(slate_log_verify(f->db, &c, NULL), SLATE_OK);
    assert_string_equal(b.head, c.head);
    assert_string_not_equal(a.head, b.head);
    assert_int_equal(a.decisions, b.decisions);
    assert_int_equal(a.entries, b.entries);
    assert_int_equal(a.first_at, b.first_at);
    assert_int_equal(a.last_at, b.last_at);

    /* continued in their own version */
    slate_log *log = NULL;
    assert_int_equal(slate_log_open_opts(v1, &o2, &log, NULL), SLATE_OK);
    uint64_t dseq = 19;
    assert_int_equal(syn_events(log, 13, 3, &dseq), SLATE_OK);
    assert_int_equal(slate_log_close(log, NULL), SLATE_OK);
    /* events 13-15: 1, 2 and 3 decisions */
    assert_int_equal(syn_sql_int(v1, "SELECT count(*) FROM decisions WHERE pos > 0"), 18 + 6);
    assert_int_equal(slate_log_open_opts(v2, &o1, &log, NULL), SLATE_OK);
    dseq = 19;
    assert_int_equal(syn_events(log, 13, 3, &dseq), SLATE_OK);
    assert_int_equal(slate_log_close(log, NULL), SLATE_OK);
    assert_int_equal(syn_sql_int(v2, "SELECT sum(ndecisions) FROM events"), 18 + 6);
    assert_int_equal(syn_sql_int(v2, "SELECT value FROM meta WHERE key = 'schema_version'"), 2);
    check_whole(v2);
    assert_int_equal(slate_log_verify(v1, &a, NULL), SLATE_OK);
    assert_int_equal(slate_log_verify(v2, &b, NULL), SLATE_OK);
    assert_int_equal(a.decisions, b.decisions);

    slate_log_opts o3 = {.schema = 3};
    char *other = syn_path(f->dir, "v3.db"), *err = NULL;
    assert_int_equal(slate_log_open_opts(other, &o3, &log, &err), SLATE_MISUSE);
    assert_non_null(strstr(err, "schema version 3"));
    slate_log_free(err);
    assert_int_equal(access(other, F_OK), -1); /* nothing created */
    free(other);
    free(v1);
    free(v2);
}

/* ---- tampering with entries ---------------------------------------------------------- */

/* Entry ids in syn_write_basic(): 1 the policy entry, 1 + seq for event seq. */

/* Each tampering on a fresh copy of f's log at copy (the copy holds the
 * last case). */
#define TAMPER(f, copy, cases) \
    syn_tamper_cases((f)->db, copy, cases, sizeof cases / sizeof *cases, forge_rechain)

static void test_tamper_edited_packed(void **state)
{
    static const syn_tamper cases[] = {
        {"UPDATE events SET decisions = replace(decisions, 'supervisor', 'nobody') "
         "WHERE seq = 6",
         0, {"events row id 7 (event seq 6", "edited"}},
        /* a chain that fits no row: the next row no longer follows from it */
        {"UPDATE events SET decisions = replace(decisions, 'supervisor', 'nobody'), "
         "chain = (SELECT chain FROM events WHERE id = 8) WHERE id = 7",
         0, {"events row id 7", "edited"}},
    };
    fixture *f = *state;
    syn_write_basic(f->db, NULL);
    char *copy = syn_path(f->dir, "t.db");
    TAMPER(f, copy, cases);
    free(copy);
}

static void test_tamper_edited_packed_rechained(void **state)
{
    /* The whole chain rebuilt after the edit: the log verifies (as in
     * version 1, only a replay, or a head kept elsewhere, tells). */
    fixture *f = *state;
    syn_write_basic(f->db, NULL);
    slate_log_summary before, after;
    assert_int_equal(slate_log_verify(f->db, &before, NULL), SLATE_OK);
    syn_sql(f->db, "UPDATE events SET decisions = replace(decisions, 'supervisor', 'nobody') "
               "WHERE seq = 6");
    forge_rechain(f->db);
    assert_int_equal(slate_log_verify(f->db, &after, NULL), SLATE_OK);
    assert_string_not_equal(before.head, after.head);
    assert_int_equal(before.decisions, after.decisions);
}

/* The counts around the packed column (event seq 6 is entry 7: decisions 8
 * and 9): edited alone, the chain refuses them; with the chain rebuilt, the
 * structure check names each. */
static void test_tamper_counts(void **state)
{
    static const syn_tamper cases[] = {
        {"UPDATE events SET ndecisions = 3 WHERE id = 7",
         0, {"events row id 7", "edited", NULL}},
        {"UPDATE events SET dseq = 9 WHERE id = 7",
         0, {"events row id 7", "edited", NULL}},
        {"UPDATE events SET ndecisions = 3 WHERE id = 7",
         1, {"events row id 7 (event seq 6", "declares 3 decisions but holds 2", NULL}},
        {"UPDATE events SET ndecisions = 1 WHERE id = 7",
         1, {"events row id 7", "declares 1 decisions but holds 2", NULL}},
        {"UPDATE events SET ndecisions = 0 WHERE id = 7",
         1, {"events row id 7", "declares 0 decisions but holds some", NULL}},
        {"UPDATE events SET dseq = 9 WHERE id = 7",
         1, {"events row id 7", "its decisions start at seq 9, expected 8", NULL}},
        {"UPDATE events SET dseq = NULL WHERE id = 7",
         1, {"events row id 7", "declares 2 decisions but holds none", NULL}},
        {"UPDATE events SET decisions = NULL WHERE id = 7",
         1, {"events row id 7", "declares 2 decisions but holds none", NULL}},
        {"UPDATE events SET decisions = (SELECT decisions FROM events WHERE id = 2) WHERE id = 5",
         1, {"events row id 5 (event seq 4", "declares 0 decisions but holds some", NULL}},
        {"UPDATE events SET decisions = json_remove(decisions, '$[1]'), ndecisions = 1 WHERE id = 7",
         1, {"events row id 8 (event seq 7", "its decisions start at seq 10, expected 9",
             "inserted or deleted"}},
        {"UPDATE events SET decisions = json_insert(decisions, '$[#]', "
         "json_extract(decisions, '$[0]')), ndecisions = 3 WHERE id = 7",
         1, {"events row id 8 (event seq 7", "its decisions start at seq 10, expected 11", NULL}},
    };
    fixture *f = *state;
    syn_write_basic(f->db, NULL);
    assert_int_equal(syn_sql_int(f->db, "SELECT dseq FROM events WHERE id = 7"), 8);
    char *copy = syn_path(f->dir, "t.db");
    TAMPER(f, copy, cases);
    free(copy);
}

static void test_tamper_deleted_entry(void **state)
{
    static const syn_tamper cases[] = {
        {"DELETE FROM events WHERE seq = 4", 0, {"events row id 5", "deleted"}}, /* no decisions */
        {"DELETE FROM events WHERE id = 4; DELETE FROM case_index WHERE entry = 4",
         0, {"events row id 4", "deleted"}},
        /* the last entry: the head names a row the log no longer has */
        {"DELETE FROM events WHERE id = 13", 0, {"last rows were deleted"}},
        {"DELETE FROM events WHERE id >= 10", 0, {"last rows were deleted"}},
    };
    fixture *f = *state;
    syn_write_basic(f->db, NULL);
    char *copy = syn_path(f->dir, "t.db");
    TAMPER(f, copy, cases);
    /* a tampered log is not appended to */
    slate_log *log = NULL;
    char *err = NULL;
    assert_int_equal(slate_log_open(copy, &log, &err), SLATE_ERROR);
    assert_non_null(strstr(err, "changed outside slate"));
    slate_log_free(err);
    free(copy);
}

static void test_tamper_inserted_entry(void **state)
{
    static const syn_tamper cases[] = {
        /* the last entry again, its seqs moved on, appended */
        {"INSERT INTO events SELECT id + 1, pos + 1, kind, seq + 1, at_ms, at, case_id, "
         "type, status, reason, payload, policy_hash, ndecisions, part, stream_seq, "
         "dseq + ndecisions, decisions, chain FROM events WHERE id = 13",
         0, {"events row id 14", "inserted"}},
        /* a policies row at the same position as the last entry */
        {"INSERT INTO policies SELECT 14, '" SYN_HASH2 "', name, version, file, source, "
         "image, chain FROM policies",
         0, {"policies row 222222222222", "inserted"}},
        /* in the middle: later positions and ids shifted to make room */
        {"UPDATE events SET pos = pos + 1000, id = id + 1000, seq = seq + 1000 "
         "WHERE id >= 6;"
         "UPDATE events SET pos = pos - 999, id = id - 999, seq = seq - 999 WHERE id >= 1006;"
         "INSERT INTO events SELECT 6, 7, kind, seq + 1, at_ms, at, case_id, type, status, "
         "reason, payload, policy_hash, ndecisions, part, stream_seq, dseq, decisions, "
         "chain FROM events WHERE id = 5",
         0, {"events row id 6"}},
        /* a policy row: its position is taken */
        {"INSERT INTO policies SELECT 15, '" SYN_HASH2 "', name, version, file, source, "
         "image, chain FROM policies",
         0, {"policies row 222222222222", "inserted"}},
    };
    fixture *f = *state;
    syn_write_basic(f->db, NULL);
    char *copy = syn_path(f->dir, "t.db");
    TAMPER(f, copy, cases);
    free(copy);
}

/* case_index is not chained but verified as a whole against the cases the
 * verified entries name: a row added, deleted, edited or stored as another
 * class is refused (auditors' per-case SQL reads through it). */
static void test_tamper_case_index(void **state)
{
    fixture *f = *state;
    syn_write_basic(f->db, NULL);
    char *copy = syn_path(f->dir, "t.db");
    static const char *const edits[] = {
        "DELETE FROM case_index WHERE entry = 4",
        "INSERT INTO case_index VALUES ('c1', 3)",
        "INSERT INTO case_index VALUES ('nope', 3)",
        "UPDATE case_index SET case_id = 'c9' WHERE entry = 4",
        "UPDATE case_index SET entry = 5 WHERE entry = 4",
        "UPDATE case_index SET case_id = CAST(case_id AS BLOB) WHERE entry = 4",
        "DELETE FROM case_index",
        /* two rows' cases swapped: the same count, the same ids */
        "UPDATE case_index SET case_id = CASE case_id WHEN 'c1' THEN 'c2' ELSE 'c1' END "
        "WHERE entry IN (2, 3)",
    };
    for (size_t i = 0; i < sizeof edits / sizeof *edits; i++) {
        syn_copy(f->db, copy);
        syn_sql(copy, edits[i]);
        char *m = syn_problem(copy, "case_index: ", NULL);
        free(m);
        /* a verifying reader refuses it; one that does not opens it */
        slate_log_reader *rd = NULL;
        slate_log_read_opts vo = {.verify = 1};
        char *err = NULL;
        assert_int_equal(slate_log_read_open(copy, &vo, &rd, &err), SLATE_ERROR);
        assert_non_null(strstr(err, "case_index: "));
        slate_log_free(err);
        assert_int_equal(slate_log_read_open(copy, NULL, &rd, NULL), SLATE_OK);
        slate_log_read_close(rd);
    }
    /* the rows put back as they were: it verifies */
    syn_copy(f->db, copy);
    syn_sql(copy, "CREATE TEMP TABLE k AS SELECT * FROM case_index; DELETE FROM case_index; "
              "INSERT INTO case_index SELECT * FROM k ORDER BY entry DESC");
    assert_int_equal(slate_log_verify(copy, NULL, NULL), SLATE_OK);
    free(copy);
}

/* A packed column that is not what slate writes, the chain rebuilt so the
 * structure check alone can refuse it: the verifier names the row, an
 * unverified reader fails at that entry (or hands out what is there), check
 * mode reports a divergence, nothing crashes (the sanitizer build runs this). */
static void test_malformed_packed(void **state)
{
    fixture *f = *state;
    syn_write_basic(f->db, NULL);
    /* entry 2 (event seq 1): one decision */
    char *orig = syn_sql_text(f->db, "SELECT decisions FROM events WHERE id = 2");
    const char *args = strchr(orig, '{');
    assert_non_null(args);
    char deep[400];
    size_t k = (size_t)snprintf(deep, sizeof deep, "[[\"notify\",10,null,1740992460000,\"c1\",1,null,{\"a\":");
    for (int i = 0; i < 100; i++) deep[k++] = '[';
    for (int i = 0; i < 100; i++) deep[k++] = ']';
    snprintf(deep + k, sizeof deep - k, "}]]");
#define D(pre, post) "[[\"notify\"," pre "1740992460000,\"c1\",1,null," post "]]"
    static const struct {
        const char *s;
        size_t n; /* 0: strlen */
        const char *says;
    } bad[] = {
        {"", 0, "not as slate packs it"},
        {"[", 0, "not as slate packs it"},
        {"[]", 0, "declares 1 decisions but holds 0"},
        {"[[]]", 0, "not as slate packs it"},
        {"null", 0, "not as slate packs it"},
        {"{}", 0, "not as slate packs it"},
        {D("10,null,", "{}") " ", 0, "not as slate packs it"},
        {" " D("10,null,", "{}"), 0, "not as slate packs it"},
        {"[ [\"notify\",10,null,1740992460000,\"c1\",1,null,{}]]", 0, "not as slate packs it"},
        {"[[\"notify\", 10,null,1740992460000,\"c1\",1,null,{}]]", 0, "not as slate packs it"},
        {"[[\"notify\",10,null,1740992460000,\"c1\",1,null,{}],]", 0, "not as slate packs it"},
        {"[[\"notify\",10,null,1740992460000,\"c1\",1,null,{}]]]", 0, "not as slate packs it"},
        {"[[\"notify\",10,null,1740992460000,\"c1\",1,null,{}]", 0, "not as slate packs it"},
        {"[[\"notify\",10,null,1740992460000,\"c1\",1,null]]", 0, "not as slate packs it"},
        {"[[\"notify\",10,null,1740992460000,\"c1\",1,null,{},1]]", 0, "not as slate packs it"},
        {"[[\"nope\",10,null,1740992460000,\"c1\",1,null,{}]]", 0, "not as slate packs it"},
        {"[[\"NOTIFY\",10,null,1740992460000,\"c1\",1,null,{}]]", 0, "not as slate packs it"},
        {"[[null,10,null,1740992460000,\"c1\",1,null,{}]]", 0, "not as slate packs it"},
        {D("010,null,", "{}"), 0, "not as slate packs it"},
        {D("-1,null,", "{}"), 0, "not as slate packs it"},
        {D("+1,null,", "{}"), 0, "not as slate packs it"},
        {D("1.5,null,", "{}"), 0, "not as slate packs it"},
        {D("4294967296,null,", "{}"), 0, "not as slate packs it"},
        {D("10,\"x\\u0041\",", "{}"), 0, "not as slate packs it"},
        {D("10,\"x\\u001F\",", "{}"), 0, "not as slate packs it"},
        {D("10,\"x\\/\",", "{}"), 0, "not as slate packs it"},
        {D("10,\"x\\n\",", "{}"), 0, "not as slate packs it"},
        {D("10,\"x\\", "{}"), 0, "not as slate packs it"},
        {D("10,\"x\x01\",", "{}"), 0, "not as slate packs it"},
        {D("10,\"x\\u00", "{}"), 0, "not as slate packs it"},
        {D("10,nul,", "{}"), 0, "not as slate packs it"},
        {D("10,1,", "{}"), 0, "not as slate packs it"},
        {"[[\"notify\",10,null,-0,\"c1\",1,null,{}]]", 0, "not as slate packs it"},
        {"[[\"notify\",10,null,1e3,\"c1\",1,null,{}]]", 0, "not as slate packs it"},
        {"[[\"notify\",10,null,99999999999999999999,\"c1\",1,null,{}]]", 0, "not as slate packs it"},
        {"[[\"notify\",10,null,-9223372036854775809,\"c1\",1,null,{}]]", 0, "not as slate packs it"},
        {"[[\"notify\",10,null,1740992460000,\"c1\",0,null,{}]]", 0, "not as slate packs it"},
        {"[[\"notify\",10,null,1740992460000,\"c1\",-1,null,{}]]", 0, "not as slate packs it"},
        {"[[\"notify\",10,null,1740992460000,c1,1,null,{}]]", 0, "not as slate packs it"},
        {D("10,null,", "[]"), 0, "not as slate packs it"},
        {D("10,null,", "\"x\""), 0, "not as slate packs it"},
        {D("10,null,", "null"), 0, "not as slate packs it"},
        {D("10,null,", "{\"a\":\"b}"), 0, "not as slate packs it"},
        {D("10,null,", "{\"a\":[}"), 0, "not as slate packs it"},
        {D("10,null,", "{\"a\":\"b\\"), 0, "not as slate packs it"},
        {D("10,null,", "{\"a\":\x01}"), 0, "not as slate packs it"},
        {D("10,null,", "{}") "\0", sizeof(D("10,null,", "{}")), "not as slate packs it"},
        {"[[\"notify\"\0,10,null,1740992460000,\"c1\",1,null,{}]]", 47, "not as slate packs it"},
        /* two decisions where one is declared */
        {"[[\"notify\",10,null,1740992460000,\"c1\",1,null,{}],"
         "[\"notify\",10,null,1740992460000,\"c1\",1,null,{}]]", 0, "declares 1 decisions but holds 2"},
    };
#undef D
    char *copy = syn_path(f->dir, "t.db");
    for (size_t i = 0; i <= sizeof bad / sizeof *bad; i++) {
        const char *s = i < sizeof bad / sizeof *bad ? bad[i].s : deep;
        size_t n = i < sizeof bad / sizeof *bad && bad[i].n ? bad[i].n : strlen(s);
        const char *says = i < sizeof bad / sizeof *bad ? bad[i].says : "not as slate packs it";
        syn_copy(f->db, copy);
        set_packed(copy, 2, s, n);
        forge_rechain(copy);
        char *m = syn_problem(copy, "events row id 2 (event seq 1", says, NULL);
        if (!strstr(m, "the row was edited")) fail_msg("case %zu: %s", i, m);
        free(m);

        /* unverified, the reader reads on or fails at the entry, by name */
        slate_log_reader *rd = NULL;
        assert_int_equal(slate_log_read_open(copy, NULL, &rd, NULL), SLATE_OK);
        slate_log_cursor *cur;
        assert_int_equal(slate_log_cursor_open(rd, NULL, &cur), SLATE_OK);
        slate_log_row row;
        int rc, rows = 0;
        while ((rc = slate_log_cursor_next(cur, &row)) == SLATE_OK && row.what) rows++;
        if (rc) {
            if (!strstr(slate_log_read_errmsg(rd), "entry 2"))
                fail_msg("case %zu: %s", i, slate_log_read_errmsg(rd));
            assert_int_equal(slate_log_cursor_next(cur, &row), SLATE_ERROR); /* and stays so */
        }
        slate_log_cursor_close(cur);
        slate_log_scan cs = {.case_id = "c1", .case_len = 2};
        assert_int_equal(slate_log_cursor_open(rd, &cs, &cur), SLATE_OK);
        while (slate_log_cursor_next(cur, &row) == SLATE_OK && row.what) {
        }
        slate_log_cursor_close(cur);
        uint64_t ne, nd;
        int rcase = slate_log_read_case(rd, "c1", 2, &ne, &nd);
        assert_true(rcase == SLATE_OK || rcase == SLATE_ERROR);
        slate_log_read_close(rd);

        /* check mode, replaying the input without verification, diverges */
        slate_log_opts co = {.check = 1};
        slate_log *log = NULL;
        assert_int_equal(slate_log_open_opts(copy, &co, &log, NULL), SLATE_OK);
        rc = syn_policy(log, SYN_HASH1, "svc.slate", "policy \"svc\"\n");
        uint64_t dseq = 1;
        if (!rc) rc = syn_events(log, 1, 12, &dseq);
        if (!rc) rc = slate_log_check_end(log);
        if (rc == SLATE_OK) fail_msg("case %zu: check mode took it", i);
        if (!strstr(slate_log_errmsg(log), "event seq 1"))
            fail_msg("case %zu: %s", i, slate_log_errmsg(log));
        slate_log_close(log, NULL);
    }
    /* the original, put back: the log verifies again */
    set_packed(copy, 2, orig, strlen(orig));
    forge_rechain(copy);
    assert_int_equal(slate_log_verify(copy, NULL, NULL), SLATE_OK);
    free(orig);
    free(copy);
}

/* ---- the chain from SQL alone ------------------------------------------------------ */

typedef struct netsum {
    struct sha256_ctx h;
} netsum;

static void ns_bytes(netsum *s, const void *p, size_t n)
{
    char len[32];
    int k = snprintf(len, sizeof len, "%zu:", n);
    sha256_update(&s->h, (size_t)k, (const uint8_t *)len);
    if (n) sha256_update(&s->h, n, p);
    sha256_update(&s->h, 1, (const uint8_t *)",");
}

/* ns() of column i of st, as docs/audit-log.md defines it. */
static void ns_col(netsum *s, sqlite3_stmt *st, int i)
{
    char num[32];
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL: sha256_update(&s->h, 1, (const uint8_t *)"~"); break;
    case SQLITE_INTEGER:
        ns_bytes(s, num, (size_t)snprintf(num, sizeof num, "%lld",
                                          (long long)sqlite3_column_int64(st, i)));
        break;
    case SQLITE_BLOB:
        ns_bytes(s, sqlite3_column_blob(st, i), (size_t)sqlite3_column_bytes(st, i));
        break;
    case SQLITE_TEXT:
        ns_bytes(s, sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
        break;
    default: fail_msg("a REAL in a log row");
    }
}

static void hexof(const uint8_t b[32], char out[65])
{
    for (int i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", b[i]);
}

/* The recipe: chain[0] over the sealed meta rows sorted by key, then every
 * row of policies and events (a version 2 log's chained tables) in pos order
 * over all its columns but the last (chain), SELECT * order.  0 when every
 * row's chain and meta's head agree, else the pos of the first that does not
 * (or -1: positions not 1..n). */
static int64_t recipe(const char *path, char head_out[65])
{
    sqlite3 *db;
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    netsum s;
    sha256_init(&s.h);
    ns_bytes(&s, "slate-log", 9);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT key, value FROM meta WHERE key NOT LIKE "
                                            "'state.%' ORDER BY CAST(key AS BLOB)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (sqlite3_step(st) == SQLITE_ROW) {
        ns_col(&s, st, 0);
        ns_col(&s, st, 1);
    }
    sqlite3_finalize(st);
    uint8_t h[32];
    sha256_digest(&s.h, 32, h);
    char hex[65];
    hexof(h, hex);
    char *genesis = syn_sql_text(path, "SELECT value FROM meta WHERE key = 'state.genesis'");
    assert_string_equal(hex, genesis);
    free(genesis);

    int64_t bad = 0, n = 0;
    static const char *const tables[] = {"policies", "events"};
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT 0, pos FROM policies UNION ALL "
                                            "SELECT 1, pos FROM events ORDER BY 2",
                                        -1, &st, NULL),
                     SQLITE_OK);
    while (!bad && sqlite3_step(st) == SQLITE_ROW) {
        int t = sqlite3_column_int(st, 0);
        int64_t pos = sqlite3_column_int64(st, 1);
        if (pos != ++n) {
            bad = -1;
            break;
        }
        char q[96];
        snprintf(q, sizeof q, "SELECT * FROM %s WHERE pos = %" PRId64, tables[t], pos);
        sqlite3_stmt *row;
        assert_int_equal(sqlite3_prepare_v2(db, q, -1, &row, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(row), SQLITE_ROW);
        int ncols = sqlite3_column_count(row);
        sha256_init(&s.h);
        sha256_update(&s.h, 32, h);
        ns_bytes(&s, tables[t], strlen(tables[t]));
        for (int i = 0; i < ncols - 1; i++) ns_col(&s, row, i);
        sha256_digest(&s.h, 32, h);
        hexof(h, hex);
        const char *chain = (const char *)sqlite3_column_text(row, ncols - 1);
        if (!chain || strcmp(chain, hex)) bad = pos;
        sqlite3_finalize(row);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (!bad) {
        char *head = syn_sql_text(path, "SELECT value FROM meta WHERE key = 'state.chain'");
        if (strcmp(head, hex) ||
            syn_sql_int(path, "SELECT value FROM meta WHERE key = 'state.pos'") != n)
            bad = n;
        free(head);
    }
    snprintf(head_out, 65, "%s", hex);
    return bad;
}

static void test_independent_recipe(void **state)
{
    fixture *f = *state;
    static const char key[] = "k";
    slate_log_opts opts = {.pseudonym_key = key, .pseudonym_key_len = 1,
                           .options = (const char *[]){"tolerance_ms=0", NULL}};
    syn_write_basic(f->db, &opts);
    /* and a hot swap, an advance and a rejected line: every kind of entry */
    slate_log *log = NULL;
    assert_int_equal(slate_log_open_opts(f->db, &opts, &log, NULL), SLATE_OK);
    slate_log_policy p = {SYN_HASH2, "svc", "2", NULL, NULL, 0, "img", 3};
    assert_int_equal(slate_log_begin_policy(log, &p), SLATE_OK);
    slate_decision d = syn_dec(19, 0, "c1", SLATE_A_SLA, 0, 3);
    d.tier = "vip";
    assert_int_equal(slate_log_sink(log, &d), 0);
    assert_int_equal(slate_log_end(log), SLATE_OK);
    assert_int_equal(slate_log_begin_advance(log, 1740999999000LL), SLATE_OK);
    assert_int_equal(slate_log_end(log), SLATE_OK);
    slate_log_event bad = {13, SLATE_LOG_NO_TIME, NULL, NULL, 0, "nope", 4, "not JSON"};
    assert_int_equal(slate_log_begin_event(log, &bad), SLATE_OK);
    assert_int_equal(slate_log_end(log), SLATE_OK);
    assert_int_equal(slate_log_close(log, NULL), SLATE_OK);

    slate_log_summary sum;
    assert_int_equal(slate_log_verify(f->db, &sum, NULL), SLATE_OK);
    char head[65];
    assert_int_equal(recipe(f->db, head), 0);
    assert_string_equal(head, sum.head);
    /* 2 policies rows, 13 + 3 entries */
    assert_int_equal(syn_sql_int(f->db, "SELECT value FROM meta WHERE key = 'state.pos'"), 2 + 16);

    /* an edited packed decision: the recipe finds its row */
    char *copy = syn_path(f->dir, "t.db");
    syn_copy(f->db, copy);
    int64_t pos = syn_sql_int(copy, "SELECT pos FROM events WHERE seq = 5");
    syn_sql(copy, "UPDATE events SET decisions = replace(decisions, '\"notify\"', '\"route\"') "
              "WHERE seq = 5");
    assert_int_equal(recipe(copy, head), pos);
    /* rechained by slate's own code: the recipe agrees with it */
    forge_rechain(copy);
    assert_int_equal(recipe(copy, head), 0);
    assert_int_equal(slate_log_verify(copy, &sum, NULL), SLATE_OK);
    assert_string_equal(head, sum.head);
    /* case_index is not chained: its rows change nothing here */
    syn_sql(copy, "DELETE FROM case_index");
    assert_int_equal(recipe(copy, head), 0);
    assert_string_equal(head, sum.head);
    free(copy);
}

/* ---- atomicity ------------------------------------------------------------------ */

/* A write that fails part way through a batch (a trigger refuses event 6's
 * row, or its case_index row) rolls back the whole open batch: the log keeps
 * the committed batches and no part of the failed ones, case_index included,
 * and the handle's state is the committed one. */
static void failed_write(const char *path, const char *trigger)
{
    syn_failed_batch(path, 0, trigger, 0);
    check_whole(path);
    assert_int_equal(syn_sql_int(path, "SELECT count(*) FROM events"), 5);
    assert_int_equal(syn_sql_int(path, "SELECT max(seq) FROM decisions"), 6);
    assert_int_equal(syn_sql_int(path, "SELECT max(entry) FROM case_index"), 5);
    /* and the log is continued from there */
    slate_log *log = NULL;
    assert_int_equal(slate_log_open(path, &log, NULL), SLATE_OK);
    uint64_t dseq = 7;
    assert_int_equal(syn_events(log, 5, 2, &dseq), SLATE_OK);
    assert_int_equal(slate_log_close(log, NULL), SLATE_OK);
    check_whole(path);
    assert_int_equal(syn_sql_int(path, "SELECT max(seq) FROM decisions"), 6 + 1 + 2);
}

static void test_failed_write_rolls_back_batch(void **state)
{
    fixture *f = *state;
    failed_write(f->db, "CREATE TRIGGER refuse BEFORE INSERT ON events WHEN NEW.seq = 6 "
                        "BEGIN SELECT RAISE(ABORT, 'refused'); END");
    char *other = syn_path(f->dir, "ci.db");
    /* event 6 is entry 7 (the policy entry is 1) */
    failed_write(other, "CREATE TRIGGER refuse BEFORE INSERT ON case_index WHEN NEW.entry = 7 "
                        "BEGIN SELECT RAISE(ABORT, 'refused'); END");
    free(other);
}

/* ---- check mode ------------------------------------------------------------------ */

static void test_check_mode(void **state)
{
    fixture *f = *state;
    assert_int_equal(syn_scenario_v(f->db, NULL, 0, 2), 0);
    syn_check_scenario(f->db, (const char *const[]){
        "event seq 8",
        "decision seq 19: `args`: expected {\"clock\":\"response\","
        "\"target_ms\":7200000,\"elapsed_ms\":10440000,\"met\":false}, "
        "found {\"clock\":\"response\",\"target_ms\":7200000,"
        "\"elapsed_ms\":10500000,\"met\":false}", NULL});

    /* the first divergent decision of an entry of several, by seq and column:
     * A's opened holds decisions 1-3; its second (a start) edited, rechained */
    char *copy = syn_path(f->dir, "t.db");
    syn_copy(f->db, copy);
    syn_sql(copy, "UPDATE events SET decisions = json_set(decisions, '$[1][1]', 99) WHERE seq = 1");
    forge_rechain(copy);
    assert_int_equal(slate_log_verify(copy, NULL, NULL), SLATE_OK);
    SYN_CHECK_SAYS(copy, SYN_SAME, "event seq 1",
                   "decision seq 2: `rule_line`: expected 18, found 99");
    syn_copy(f->db, copy);
    syn_sql(copy, "UPDATE events SET decisions = json_set(decisions, '$[2][4]', 'Z') WHERE seq = 1");
    forge_rechain(copy);
    SYN_CHECK_SAYS(copy, SYN_SAME, "decision seq 3: `case_id`: expected A, found Z");
    free(copy);
    /* the log was only read */
    assert_int_equal(slate_log_verify(f->db, NULL, NULL), SLATE_OK);
}

/* ---- the same input in both versions ------------------------------------------------ */

/* Case and event ids an embedder may pass: quotes, backslashes, control
 * characters, NUL bytes, invalid UTF-8 (length-counted, so NULs count). */
typedef struct hid {
    const char *s;
    size_t n;
} hid;
#define HID(lit) {lit, sizeof(lit) - 1}
static const hid hostile[] = {
    HID("q\"uo\"te"),  HID("back\\sl\\\\ash"), HID("ctl\x01\x08\t\n\x0c\r\x1f"),
    HID("nul\0byte"),  HID("\0"),             HID("bad\xff\xfe"),
    HID("\xc0\xaf"),   HID("del\x7f"),        HID("ls\xe2\x80\xa8"),
    HID("\"},{\"x\":["), HID("caf\xc3\xa9"),  HID("emoji\xf0\x9f\x98\x80"),
};
#define NHOSTILE (sizeof hostile / sizeof *hostile)

/* The scenario (logsynth.h), then per hostile id an event of that case with
 * decisions naming it and another case, the id as event id and rule label, a
 * clock and tier with quotes, backslashes and control characters, times with
 * odd milliseconds; a hot swap to a policy without a file (its decision in
 * the policy entry), an advance with a timer of a hostile case.  (Not invalid
 * UTF-8 in a tier or clock: version 2 keeps them only in the args, where the
 * escaper replaced such bytes with U+FFFD, while version 1 stored them as
 * given; the engine's come from a policy's identifiers.) */
static void write_same(const char *path, unsigned schema)
{
    slate_log_opts opts = {.options = (const char *[]){"tolerance_ms=0", NULL}, .schema = schema};
    slate_log *log = NULL;
    char *err = NULL;
    assert_int_equal(slate_log_open_opts(path, &opts, &log, &err), SLATE_OK);
    assert_int_equal(syn_scenario_feed(log, SYN_SAME), 0);
    uint64_t seq = slate_log_last_event_seq(log), dseq = slate_log_last_decision_seq(log) + 1;
    static const char *const clocks[] = {"c\"l", "c\\l", "c\nl\tk\x01", "plain"};
    for (size_t i = 0; i < NHOSTILE; i++) {
        const hid *h = &hostile[i];
        int64_t at = SYN_MIN(2000 + (int)i) + (int64_t)(i * 37 % 1000);
        slate_log_event ev = {++seq, at, "updated", h->s, h->n, "{\"x\":1}", 7, NULL};
        assert_int_equal(slate_log_begin_event(log, &ev), SLATE_OK);
        slate_decision d = syn_dec(dseq++, at, NULL, SLATE_A_NOTIFY, seq, 10 + (uint32_t)i);
        d.case_id = h->s;
        d.case_len = h->n;
        d.event_id = h->s;
        d.event_id_len = h->n;
        d.rule_label = h->s[0] ? h->s : "label"; /* a C string: up to its first NUL */
        d.to = "supervisor";
        d.message = h->s;
        assert_int_equal(slate_log_sink(log, &d), 0);
        d = syn_dec(dseq++, at + 1, "other", SLATE_A_START, seq, 0);
        d.clock = clocks[i % 4];
        d.target_ms = 1000;
        d.deadline = at + 999;
        assert_int_equal(slate_log_sink(log, &d), 0);
        d = syn_dec(dseq++, at, NULL, SLATE_A_SLA, seq, 3);
        d.case_id = h->s;
        d.case_len = h->n;
        d.tier = clocks[(i + 1) % 4];
        d.targets = "[]";
        assert_int_equal(slate_log_sink(log, &d), 0);
        assert_int_equal(slate_log_end(log), SLATE_OK);
    }
    slate_log_policy p = {SYN_HASH2, "svc", "2", NULL, NULL, 0, "img", 3};
    assert_int_equal(slate_log_begin_policy(log, &p), SLATE_OK);
    slate_decision d = syn_dec(dseq++, SYN_MIN(3000), "A", SLATE_A_SLA, 0, 3);
    d.tier = "vip";
    assert_int_equal(slate_log_sink(log, &d), 0);
    assert_int_equal(slate_log_end(log), SLATE_OK);
    assert_int_equal(slate_log_begin_advance(log, SYN_MIN(4000)), SLATE_OK);
    d = syn_dec(dseq++, SYN_MIN(3999) + 1, NULL, SLATE_A_BREACH, 0, 7);
    d.case_id = hostile[3].s;
    d.case_len = hostile[3].n;
    d.clock = "response";
    assert_int_equal(slate_log_sink(log, &d), 0);
    assert_int_equal(slate_log_end(log), SLATE_OK);
    assert_int_equal(slate_log_close(log, &err), SLATE_OK);
}

/* Append a field to b, every byte outside printable ASCII as \xHH, NULL as
 * (null): rows compare as text and a difference reads. */
static void put(dlog_buf *b, const char *name, const char *s, size_t n)
{
    dlog_buf_printf(b, " %s=", name);
    if (!s) {
        dlog_buf_puts(b, "(null)");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c < 0x7f && c != '\\') dlog_buf_put(b, s + i, 1);
        else dlog_buf_printf(b, "\\x%02x", c);
    }
}
#define PUTS(b, name, s) put(b, name, s, (s) ? strlen(s) : 0)

/* One row of a cursor as text, without its pos (the versions differ there). */
static void row_text(dlog_buf *b, const slate_log_row *r)
{
    b->len = 0;
    if (r->what == SLATE_LOG_SCAN_ENTRIES) {
        const slate_log_stored *e = &r->entry;
        dlog_buf_printf(b, "E id=%" PRId64 " seq=%" PRId64 " at=%" PRId64 " n=%" PRId64
                           " part=%" PRId64 " sseq=%" PRId64,
                        e->id, e->seq, e->at, e->ndecisions, e->part, e->stream_seq);
        PUTS(b, "kind", e->kind);
        put(b, "case", e->case_id, e->case_len);
        PUTS(b, "type", e->type);
        PUTS(b, "status", e->status);
        PUTS(b, "reason", e->reason);
        put(b, "payload", e->payload, e->payload_len);
        PUTS(b, "policy", e->policy_hash);
    } else {
        const slate_log_stored_decision *d = &r->decision;
        dlog_buf_printf(b, "D seq=%" PRId64 " entry=%" PRId64 " eseq=%" PRId64 " at=%" PRId64
                           " line=%" PRIu32,
                        d->seq, d->entry, d->event_seq, d->at, d->rule_line);
        put(b, "event_id", d->event_id, d->event_id_len);
        put(b, "case", d->case_id, d->case_len);
        PUTS(b, "rule", d->rule);
        PUTS(b, "label", d->rule_label);
        PUTS(b, "action", d->action);
        PUTS(b, "clock", d->clock);
        PUTS(b, "tier", d->tier);
        put(b, "args", d->args, d->args_len);
        if (d->args) assert_int_equal(strlen(d->args), d->args_len);
        PUTS(b, "policy", d->policy_hash);
    }
    dlog_buf_put(b, "", 1);
}

/* The rows of a scan of each reader, as text, must be the same. */
static int same_scan(slate_log_reader *want, slate_log_reader *got, const slate_log_scan *scan,
                     const char *what)
{
    slate_log_cursor *a, *b;
    assert_int_equal(slate_log_cursor_open(want, scan, &a), SLATE_OK);
    assert_int_equal(slate_log_cursor_open(got, scan, &b), SLATE_OK);
    dlog_buf ta = {0}, tb = {0};
    slate_log_row ra, rb;
    int n = 0;
    for (;; n++) {
        int rca = slate_log_cursor_next(a, &ra), rcb = slate_log_cursor_next(b, &rb);
        if (rca || rcb)
            fail_msg("%s: row %d: %s / %s", what, n, slate_log_read_errmsg(want),
                     slate_log_read_errmsg(got));
        if (!ra.what || !rb.what) {
            if (ra.what || rb.what) fail_msg("%s: one scan ends at row %d", what, n);
            break;
        }
        row_text(&ta, &ra);
        row_text(&tb, &rb);
        if (strcmp(ta.p, tb.p)) fail_msg("%s: row %d:\n  v1: %s\n  v2: %s", what, n, ta.p, tb.p);
    }
    dlog_buf_free(&ta);
    dlog_buf_free(&tb);
    slate_log_cursor_close(a);
    slate_log_cursor_close(b);
    return n;
}

static slate_log_reader *reader(const char *path, int verify)
{
    slate_log_read_opts o = {.verify = verify};
    slate_log_reader *rd = NULL;
    char *err = NULL;
    if (slate_log_read_open(path, &o, &rd, &err)) fail_msg("%s", err);
    return rd;
}

/* A version 2 log's reader hands out exactly the rows a version 1 log of the
 * same input gives, every field but pos, verified and not: all rows, entries
 * alone, decisions alone, each entry's decisions, each case's rows; and the
 * same counts, lookups and summary. */
static void test_reader_same_as_v1(void **state)
{
    fixture *f = *state;
    char *v1 = syn_path(f->dir, "v1.db");
    write_same(v1, 1);
    write_same(f->db, 2);
    slate_log_summary s1, s2;
    assert_int_equal(slate_log_verify(v1, &s1, NULL), SLATE_OK);
    assert_int_equal(slate_log_verify(f->db, &s2, NULL), SLATE_OK);
    assert_int_equal(s1.policies, s2.policies);
    assert_int_equal(s1.entries, s2.entries);
    assert_int_equal(s1.events, s2.events);
    assert_int_equal(s1.decisions, s2.decisions);
    assert_int_equal(s1.rejected, s2.rejected);
    assert_int_equal(s1.first_at, s2.first_at);
    assert_int_equal(s1.last_at, s2.last_at);

    slate_log_reader *want = reader(v1, 1);
    slate_log_info i1, i2;
    assert_int_equal(slate_log_read_info(want, &i1), SLATE_OK);
    for (int verify = 0; verify <= 1; verify++) {
        slate_log_reader *got = reader(f->db, verify);
        assert_int_equal(slate_log_read_info(got, &i2), SLATE_OK);
        assert_int_equal(i1.policies, i2.policies);
        assert_int_equal(i1.entries, i2.entries);
        assert_int_equal(i1.decisions, i2.decisions);
        assert_int_equal(i1.last_event_seq, i2.last_event_seq);
        assert_int_equal(i1.last_decision_seq, i2.last_decision_seq);
        assert_true(i2.pos < i1.pos);

        slate_log_scan all = {0}, ents = {.rows = SLATE_LOG_SCAN_ENTRIES},
                       decs = {.rows = SLATE_LOG_SCAN_DECISIONS};
        assert_int_equal(same_scan(want, got, &all, "all rows"),
                         (int)(i1.entries + i1.decisions));
        assert_int_equal(same_scan(want, got, &ents, "entries"), (int)i1.entries);
        assert_int_equal(same_scan(want, got, &decs, "decisions"), (int)i1.decisions);
        int total = 0;
        for (int64_t id = 1; id <= (int64_t)i1.entries; id++) {
            slate_log_scan one = {.rows = SLATE_LOG_SCAN_DECISIONS, .entry = id};
            total += same_scan(want, got, &one, "one entry's decisions");
        }
        assert_int_equal(total, (int)i1.decisions);
        /* every case: the scenario's, the hostile ones, one a prefix of
         * another ("nul" of "nul\0byte"), and none */
        hid cases[NHOSTILE + 8];
        size_t nc = 0;
        static const char *const plain[] = {"A", "B", "C", "D", "other", "nul", "nope"};
        for (size_t i = 0; i < sizeof plain / sizeof *plain; i++)
            cases[nc++] = (hid){plain[i], strlen(plain[i])};
        for (size_t i = 0; i < NHOSTILE; i++) cases[nc++] = hostile[i];
        for (size_t i = 0; i < nc; i++) {
            for (unsigned rows = 0; rows <= SLATE_LOG_SCAN_DECISIONS; rows++) {
                slate_log_scan cs = {.rows = rows, .case_id = cases[i].s, .case_len = cases[i].n};
                int n = same_scan(want, got, &cs, "a case's rows");
                if (i < 5 || (i >= 7 && rows != SLATE_LOG_SCAN_ENTRIES)) assert_true(n > 0);
            }
            uint64_t e1, d1, e2, d2;
            assert_int_equal(slate_log_read_case(want, cases[i].s, cases[i].n, &e1, &d1), SLATE_OK);
            assert_int_equal(slate_log_read_case(got, cases[i].s, cases[i].n, &e2, &d2), SLATE_OK);
            if (e1 != e2 || d1 != d2)
                fail_msg("case %zu: %" PRIu64 "/%" PRIu64 " entries, %" PRIu64 "/%" PRIu64
                         " decisions", i, e1, e2, d1, d2);
        }
        /* lookups */
        dlog_buf ta = {0}, tb = {0};
        for (uint64_t seq = 0; seq <= i1.last_event_seq + 1; seq++) {
            slate_log_row ra = {.what = SLATE_LOG_SCAN_ENTRIES}, rb = ra;
            assert_int_equal(slate_log_read_event(want, seq, &ra.entry), SLATE_OK);
            assert_int_equal(slate_log_read_event(got, seq, &rb.entry), SLATE_OK);
            assert_int_equal(ra.entry.found, rb.entry.found);
            row_text(&ta, &ra);
            row_text(&tb, &rb);
            assert_string_equal(ta.p, tb.p);
        }
        slate_log_row ra = {.what = SLATE_LOG_SCAN_ENTRIES}, rb = ra;
        assert_int_equal(slate_log_read_last(want, &ra.entry), SLATE_OK);
        assert_int_equal(slate_log_read_last(got, &rb.entry), SLATE_OK);
        row_text(&ta, &ra);
        row_text(&tb, &rb);
        assert_string_equal(ta.p, tb.p);
        dlog_buf_free(&ta);
        dlog_buf_free(&tb);
        slate_log_read_close(got);
    }
    slate_log_read_close(want);
    free(v1);
}

/* The auditors' `decisions` view of a version 2 log against the decisions
 * table of a version 1 log of the same input: the same seqs, and per column
 * the same values (storage class and bytes) on every row, but for one thing:
 * SQLite's JSON functions (3.40 here) end a string they decode at a NUL byte,
 * so the view's case_id and event_id hold an id with a NUL byte cut there
 * ("nul\0byte" as "nul").  Those rows are the only ones allowed to differ,
 * in those two columns only; invalid UTF-8, quotes, backslashes and control
 * characters come back exact.  The C reader hands the NUL ones out whole
 * (test_reader_same_as_v1).  Then EXCEPT both ways over all the columns,
 * without those rows, is empty. */
static void test_view_same_as_v1(void **state)
{
    fixture *f = *state;
    char *v1 = syn_path(f->dir, "v1.db");
    write_same(v1, 1);
    write_same(f->db, 2);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    char attach[512];
    snprintf(attach, sizeof attach, "ATTACH '%s' AS one", v1);
    assert_int_equal(sqlite3_exec(db, attach, NULL, NULL, NULL), SQLITE_OK);
    static const char *const cols[] = {"seq", "entry", "event_seq", "event_id", "case_id",
                                       "at_ms", "at", "rule", "rule_line", "rule_label",
                                       "action", "clock", "tier", "args", "policy_hash"};
    enum { NCOLS = sizeof cols / sizeof *cols };
    sqlite3_stmt *st;
    /* the same seqs */
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM one.decisions), "
                                            "(SELECT count(*) FROM main.decisions), "
                                            "(SELECT count(*) FROM one.decisions a JOIN "
                                            "main.decisions b ON a.seq = b.seq)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    assert_true(n > 40);
    assert_int_equal(sqlite3_column_int64(st, 1), n);
    assert_int_equal(sqlite3_column_int64(st, 2), n);
    sqlite3_finalize(st);
    static const char nul_rows[] =
        "SELECT seq FROM one.decisions WHERE instr(CAST(case_id AS BLOB), x'00') OR "
        "instr(CAST(event_id AS BLOB), x'00')";
    char q[2048];
    snprintf(q, sizeof q, "SELECT count(*) FROM (%s)", nul_rows);
    assert_int_equal(sqlite3_prepare_v2(db, q, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(st, 0), 5); /* two ids with a NUL, a timer of one */
    sqlite3_finalize(st);
    for (int c = 0; c < NCOLS; c++) {
        int may = !strcmp(cols[c], "case_id") || !strcmp(cols[c], "event_id");
        snprintf(q, sizeof q,
                 "SELECT coalesce(group_concat(seq, ' '), '') FROM (SELECT a.seq AS seq FROM "
                 "one.decisions a JOIN main.decisions b ON a.seq = b.seq WHERE "
                 "(typeof(a.%s) <> typeof(b.%s) OR CAST(a.%s AS BLOB) IS NOT CAST(b.%s AS BLOB))"
                 "%s%s%s ORDER BY a.seq)",
                 cols[c], cols[c], cols[c], cols[c], may ? " AND a.seq NOT IN (" : "",
                 may ? nul_rows : "", may ? ")" : "");
        if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
            fail_msg("%s: %s", q, sqlite3_errmsg(db));
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        const char *seqs = (const char *)sqlite3_column_text(st, 0);
        if (seqs[0]) fail_msg("the view's `%s` differs from version 1's at seq %s", cols[c], seqs);
        sqlite3_finalize(st);
    }
    char list[512] = "";
    for (int c = 0; c < NCOLS; c++)
        snprintf(list + strlen(list), sizeof list - strlen(list), "%s%s", c ? ", " : "", cols[c]);
    for (int way = 0; way < 2; way++) {
        snprintf(q, sizeof q, "SELECT count(*) FROM (SELECT %s FROM %s.decisions WHERE seq NOT IN "
                              "(%s) EXCEPT SELECT %s FROM %s.decisions)",
                 list, way ? "main" : "one", nul_rows, list, way ? "one" : "main");
        if (sqlite3_prepare_v2(db, q, -1, &st, NULL) != SQLITE_OK)
            fail_msg("%s: %s", q, sqlite3_errmsg(db));
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        if (sqlite3_column_int64(st, 0))
            fail_msg("%" PRId64 " rows of %s not in the other", (int64_t)sqlite3_column_int64(st, 0),
                     way ? "the view" : "version 1's table");
        sqlite3_finalize(st);
    }
    /* the other views agree with it */
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM main.breaches), "
                                            "(SELECT count(*) FROM one.decisions WHERE action = "
                                            "'breach'), (SELECT count(*) FROM main.case_decisions "
                                            "WHERE case_key = 'B'), (SELECT count(*) FROM "
                                            "one.decisions WHERE case_id = 'B')",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1));
    assert_true(sqlite3_column_int64(st, 0) >= 3);
    assert_int_equal(sqlite3_column_int64(st, 2), sqlite3_column_int64(st, 3));
    sqlite3_finalize(st);
    sqlite3_close(db);
    free(v1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, syn_setup, syn_teardown)
int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_schema),
        T(test_version_choice),
        T(test_tamper_edited_packed),
        T(test_tamper_edited_packed_rechained),
        T(test_tamper_counts),
        T(test_tamper_deleted_entry),
        T(test_tamper_inserted_entry),
        T(test_tamper_case_index),
        T(test_malformed_packed),
        T(test_independent_recipe),
        T(test_failed_write_rolls_back_batch),
        T(test_check_mode),
        T(test_reader_same_as_v1),
        T(test_view_same_as_v1),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
