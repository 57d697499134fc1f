/*
 * test_log.c - the SQLite decision log: schema, canonical renderings, the hash
 * chain and its verifier against every kind of tampering, pseudonyms, resuming
 * an existing log, and atomicity when the writer dies in the middle of a batch.
 * The tests that edit rows do it on logs of schema version 1 (a row per
 * decision), made so explicitly; version 2's layout: test_logv2.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include "log/dlog.h"
#include "logsynth.h"

typedef syn_fixture fixture;

/* syn_write_basic() in schema version 1 (one row per decision): the tests of
 * that layout edit its decisions table (version 2's: test_logv2.c). */
static void write_v1(const char *path)
{
    slate_log_opts opts = {.schema = 1};
    syn_write_basic(path, &opts);
}

/* ---- renderings ------------------------------------------------------------ */

static void test_time_format(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(slate_log_time(0, buf), "1970-01-01T00:00:00.000Z");
    assert_string_equal(slate_log_time(1741338000123LL, buf), "2025-03-07T09:00:00.123Z");
    assert_string_equal(slate_log_time(951782400000LL, buf), "2000-02-29T00:00:00.000Z");
    assert_string_equal(slate_log_time(-1, buf), "1969-12-31T23:59:59.999Z");
}

static void test_args_json(void **state)
{
    (void)state;
    slate_decision d = syn_dec(1, 0, "c", SLATE_A_STOP, 1, 5);
    d.clock = "response";
    d.target_ms = 900000;
    d.elapsed_ms = 600000;
    d.met = 1;
    char *j = slate_log_args_json(&d);
    assert_string_equal(j, "{\"clock\":\"response\",\"target_ms\":900000,"
                           "\"elapsed_ms\":600000,\"met\":true}");
    slate_log_free(j);

    d = syn_dec(2, 0, "c", SLATE_A_START, 1, 5);
    d.clock = "resolution";
    d.target_ms = 14400000;
    d.deadline = 1741352400000LL;
    j = slate_log_args_json(&d);
    assert_string_equal(j, "{\"clock\":\"resolution\",\"target_ms\":14400000,"
                           "\"deadline\":\"2025-03-07T13:00:00.000Z\"}");
    slate_log_free(j);
    /* a late start counting from its start event (issue 13, item 5) */
    d.retroactive = 1;
    d.since = 1741330800000LL;
    d.elapsed_ms = 3600000;
    j = slate_log_args_json(&d);
    assert_string_equal(j, "{\"clock\":\"resolution\",\"target_ms\":14400000,"
                           "\"elapsed_ms\":3600000,\"deadline\":\"2025-03-07T13:00:00.000Z\","
                           "\"retroactive\":true,\"since\":\"2025-03-07T07:00:00.000Z\"}");
    slate_log_free(j);

    /* a stop whose run breached an earlier target (issue 13, item 2) */
    d = syn_dec(2, 0, "c", SLATE_A_STOP, 1, 5);
    d.clock = "resolution";
    d.target_ms = 172800000;
    d.elapsed_ms = 21600000;
    d.breached_ms = 14400000;
    j = slate_log_args_json(&d);
    assert_string_equal(j, "{\"clock\":\"resolution\",\"target_ms\":172800000,"
                           "\"elapsed_ms\":21600000,\"met\":false,\"breached_ms\":14400000}");
    slate_log_free(j);

    d = syn_dec(3, 0, "c", SLATE_A_REJECT, 1, 0);
    d.message = "bad \"tier\"\n";
    j = slate_log_args_json(&d);
    assert_string_equal(j, "{\"reason\":\"bad \\\"tier\\\"\\n\"}");
    slate_log_free(j);

    d = syn_dec(4, 0, "c", SLATE_A_SET, 1, 7);
    d.field = "tier";
    d.value = "\"vip\"";
    j = slate_log_args_json(&d);
    assert_string_equal(j, "{\"field\":\"tier\",\"value\":\"vip\"}");
    slate_log_free(j);

    d = syn_dec(5, 0, "c", SLATE_A_ESCALATE, 0, 9);
    d.to = "specialist";
    j = slate_log_args_json(&d);
    assert_string_equal(j, "{\"level\":\"specialist\"}");
    slate_log_free(j);
}

static void test_replace_case(void **state)
{
    (void)state;
    static const char key[] = "k";
    char p1[65], p2[65];
    slate_log_pseudonym(key, 1, "A-1", 3, p1);
    slate_log_pseudonym(key, 1, "\xc3\xa9", 2, p2); /* é */
    struct {
        const char *in, *out;
    } cases[] = {
        {"{\"case\":\"A-1\",\"type\":\"opened\"}", NULL},
        {" { \"type\" : \"opened\" , \"c\\u0061se\" : \"A-1\" , \"x\":{\"case\":\"A-1\"}}", NULL},
        {"{\"case\":\"\\u00e9\",\"at\":1}", NULL},
    };
    char want[3][256];
    snprintf(want[0], 256, "{\"case\":\"%s\",\"type\":\"opened\"}", p1);
    snprintf(want[1], 256,
             " { \"type\" : \"opened\" , \"c\\u0061se\" : \"%s\" , \"x\":{\"case\":\"A-1\"}}", p1);
    snprintf(want[2], 256, "{\"case\":\"%s\",\"at\":1}", p2);
    for (int i = 0; i < 3; i++) {
        dlog_buf b = {0};
        assert_int_equal(dlog_replace_case(cases[i].in, strlen(cases[i].in), key, 1, &b), 0);
        assert_string_equal(b.p, want[i]);
        dlog_buf_free(&b);
    }
    const char *bad[] = {"not json", "[1]", "{\"case\":12}", "{\"case\":\"x", "{\"case\":\"\\ud800\"}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        dlog_buf b = {0};
        assert_int_equal(dlog_replace_case(bad[i], strlen(bad[i]), key, 1, &b), -1);
        dlog_buf_free(&b);
    }
}

/* ---- schema and round trip -------------------------------------------------- */

static void test_schema(void **state)
{
    fixture *f = *state;
    const char *opts_list[] = {"tolerance_ms=0", "strict=0", NULL};
    slate_log_opts opts = {.options = opts_list, .schema = 1}; /* version 2: test_logv2.c */
    syn_write_basic(f->db, &opts);
    char *s = syn_sql_text(f->db, "PRAGMA journal_mode");
    assert_string_equal(s, "wal");
    free(s);
    s = syn_sql_text(f->db, "SELECT value FROM meta WHERE key = 'schema_version'");
    assert_string_equal(s, "1");
    free(s);
    s = syn_sql_text(f->db, "SELECT value FROM meta WHERE key = 'opt.tolerance_ms'");
    assert_string_equal(s, "0");
    free(s);
    s = syn_sql_text(f->db, "SELECT value FROM meta WHERE key = 'slate_version'");
    assert_string_equal(s, SLATE_VERSION);
    free(s);
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM policies"), 1);
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM events"), 13);
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM events WHERE kind = 'event'"), 12);
    /* seq%4 decisions for seq 1..12: three rounds of 1+2+3 */
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM decisions"), 18);
    assert_int_equal(syn_sql_int(f->db, "SELECT max(pos) FROM events"), 1 + 13 + 18);
    s = syn_sql_text(f->db, "SELECT rule || ' ' || at || ' ' || args FROM decisions WHERE seq = 1");
    assert_string_equal(s, "svc.slate:10 2025-03-03T09:01:00.000Z "
                           "{\"to\":\"supervisor\",\"message\":\"a \\\"quoted\\\" message\"}");
    free(s);
    s = syn_sql_text(f->db, "SELECT payload FROM events WHERE seq = 2");
    assert_string_equal(s, "{\"case\":\"c2\",\"type\":\"updated\",\"at\":1740992520000,\"n\":1}");
    free(s);

    slate_log_summary sum;
    char *err = NULL;
    assert_int_equal(slate_log_verify(f->db, &sum, &err), SLATE_OK);
    assert_null(err);
    assert_int_equal(sum.policies, 1);
    assert_int_equal(sum.entries, 13);
    assert_int_equal(sum.events, 12);
    assert_int_equal(sum.decisions, 18);
    s = syn_sql_text(f->db, "SELECT value FROM meta WHERE key = 'state.chain'");
    assert_string_equal(s, sum.head);
    free(s);

    /* Options are sealed: another value is refused, none is fine. */
    slate_log *log = NULL;
    const char *other[] = {"tolerance_ms=5", NULL};
    opts.options = other;
    assert_int_equal(slate_log_open_opts(f->db, &opts, &log, &err), SLATE_ERROR);
    assert_non_null(strstr(err, "tolerance_ms"));
    slate_log_free(err);
    assert_int_equal(slate_log_open(f->db, &log, &err), SLATE_OK);
    assert_string_equal(slate_log_option(log, "strict"), "0");
    assert_int_equal(slate_log_close(log, NULL), SLATE_OK);
}

static void test_deterministic_head(void **state)
{
    fixture *f = *state;
    char *other = syn_path(f->dir, "again.db");
    syn_write_basic(f->db, NULL);
    syn_write_basic(other, NULL);
    slate_log_summary a, b;
    assert_int_equal(slate_log_verify(f->db, &a, NULL), SLATE_OK);
    assert_int_equal(slate_log_verify(other, &b, NULL), SLATE_OK);
    assert_string_equal(a.head, b.head); /* same inputs, same chain */
    free(other);
}

static void test_not_a_log(void **state)
{
    fixture *f = *state;
    syn_sql(f->db, "CREATE TABLE t (x)");
    slate_log *log = NULL;
    char *err = NULL;
    assert_int_equal(slate_log_open(f->db, &log, &err), SLATE_ERROR);
    assert_non_null(strstr(err, "not a slate decision log"));
    slate_log_free(err);
    slate_log_opts must = {.must_exist = 1};
    char *missing = syn_path(f->dir, "missing.db");
    assert_int_equal(slate_log_open_opts(missing, &must, &log, &err), SLATE_ERROR);
    slate_log_free(err);
    free(missing);
}

static void test_misuse(void **state)
{
    fixture *f = *state;
    slate_log *log = NULL;
    assert_int_equal(slate_log_open(f->db, &log, NULL), SLATE_OK);
    slate_log_event ev = {1, 0, "opened", "a", 1, "{}", 2, NULL};
    assert_int_equal(slate_log_begin_event(log, &ev), SLATE_MISUSE); /* no policy yet */
    assert_int_equal(syn_policy(log, SYN_HASH1, "svc.slate", NULL), SLATE_OK);
    assert_int_equal(slate_log_begin_event(log, &ev), SLATE_OK);
    assert_int_equal(slate_log_begin_event(log, &ev), SLATE_MISUSE); /* already open */
    slate_decision d = syn_dec(2, 0, "a", SLATE_A_CLOSE, 1, 1);
    assert_int_not_equal(slate_log_sink(log, &d), 0); /* seq 1 expected */
    assert_non_null(strstr(slate_log_errmsg(log), "gap-free"));
    assert_int_equal(slate_log_end(log), SLATE_OK);
    assert_int_equal(slate_log_begin_event(log, &ev), SLATE_MISUSE); /* seq 1 again */
    assert_int_not_equal(slate_log_sink(log, &d), 0);                /* outside an entry */
    assert_int_equal(slate_log_close(log, NULL), SLATE_OK);
    assert_int_equal(slate_log_verify(f->db, NULL, NULL), SLATE_OK);
}

static void test_reject_marks_event(void **state)
{
    fixture *f = *state;
    slate_log *log = NULL;
    assert_int_equal(slate_log_open(f->db, &log, NULL), SLATE_OK);
    assert_int_equal(syn_policy(log, SYN_HASH1, "svc.slate", NULL), SLATE_OK);
    slate_log_event ev = {7, 5, "opened", "a", 1, "{\"case\":\"a\"}", 12, NULL};
    assert_int_equal(slate_log_begin_event(log, &ev), SLATE_OK);
    slate_decision d = syn_dec(1, 5, "a", SLATE_A_REJECT, 7, 0);
    d.message = "unknown tier `gold`";
    assert_int_equal(slate_log_sink(log, &d), 0);
    assert_int_equal(slate_log_end(log), SLATE_OK);
    slate_log_event bad = {8, SLATE_LOG_NO_TIME, NULL, NULL, 0, "not json", 8, "not JSON"};
    assert_int_equal(slate_log_begin_event(log, &bad), SLATE_OK);
    assert_int_equal(slate_log_end(log), SLATE_OK);
    assert_int_equal(slate_log_close(log, NULL), SLATE_OK);
    char *s = syn_sql_text(f->db, "SELECT status || ': ' || reason FROM events WHERE seq = 7");
    assert_string_equal(s, "rejected: unknown tier `gold`");
    free(s);
    s = syn_sql_text(f->db, "SELECT status || ': ' || reason || ' ' || coalesce(at, '-') "
                            "FROM events WHERE seq = 8");
    assert_string_equal(s, "rejected: not JSON -");
    free(s);
    slate_log_summary sum;
    assert_int_equal(slate_log_verify(f->db, &sum, NULL), SLATE_OK);
    assert_int_equal(sum.rejected, 2);
}

/* ---- tampering --------------------------------------------------------------- */

static void test_tamper_edited_decision(void **state)
{
    fixture *f = *state;
    write_v1(f->db);
    syn_sql(f->db, "UPDATE decisions SET args = '{\"to\":\"nobody\"}' WHERE seq = 7");
    syn_expect_problem(f->db, "decisions row seq 7", "edited", NULL);
}

static void test_tamper_edited_decision_rehashed(void **state)
{
    /* Edit a row and give it a chain hash that fits its new content: the next
     * row no longer follows from it. */
    fixture *f = *state;
    write_v1(f->db);
    syn_sql(f->db, "UPDATE decisions SET chain = (SELECT chain FROM decisions WHERE seq = 8) "
               "WHERE seq = 7");
    syn_expect_problem(f->db, "decisions row seq 7", "edited", NULL);
}

static void test_tamper_blob_pos(void **state)
{
    /* a BLOB '5' hashes as the integer 5 but sorts after every integer */
    fixture *f = *state;
    write_v1(f->db);
    syn_sql(f->db, "UPDATE decisions SET pos = CAST(pos AS BLOB) WHERE seq = 5");
    syn_expect_problem(f->db, "decisions row seq 5", "deleted", NULL);
}

static void test_tamper_event_pos_zero(void **state)
{
    fixture *f = *state;
    syn_write_basic(f->db, NULL);
    syn_sql(f->db, "UPDATE events SET pos = 0 WHERE id = 3");
    syn_expect_problem(f->db, "events row id 3", "out of order", NULL);
}

static void test_tamper_deleted_decision(void **state)
{
    fixture *f = *state;
    write_v1(f->db);
    syn_sql(f->db, "DELETE FROM decisions WHERE seq = 5");
    syn_expect_problem(f->db, "decisions row seq 5", "deleted", NULL);
}

static void test_tamper_deleted_last_decision(void **state)
{
    fixture *f = *state;
    write_v1(f->db);
    syn_sql(f->db, "DELETE FROM decisions WHERE seq = 18");
    syn_expect_problem(f->db, "decisions row seq 18", "deleted", NULL);
}

static void test_tamper_inserted_decision(void **state)
{
    fixture *f = *state;
    write_v1(f->db);
    /* A decision appended at the end, claiming the last entry. */
    syn_sql(f->db, "INSERT INTO decisions SELECT seq + 1, 33, 13, event_seq, event_id, "
               "case_id, at_ms, at, rule, rule_line, rule_label, action, clock, tier, args, "
               "policy_hash, chain FROM decisions WHERE seq = 18");
    syn_expect_problem(f->db, "decisions row seq 19", "inserted", NULL);
}

static void test_tamper_inserted_event(void **state)
{
    fixture *f = *state;
    write_v1(f->db);
    syn_sql(f->db, "INSERT INTO events SELECT id + 1, pos + 1, kind, seq + 1, at_ms, at, case_id, "
               "type, status, reason, payload, policy_hash, 0, chain FROM events WHERE id = 13");
    syn_expect_problem(f->db, "events row id 14", "inserted", NULL);
}

static void test_tamper_inserted_policy(void **state)
{
    fixture *f = *state;
    write_v1(f->db);
    syn_sql(f->db, "INSERT INTO policies SELECT 33, '" SYN_HASH2 "', name, version, file, source, "
               "image, chain FROM policies");
    syn_expect_problem(f->db, "policies row 222222222222", "inserted", NULL);
}

static void test_tamper_inserted_same_pos(void **state)
{
    fixture *f = *state;
    write_v1(f->db);
    syn_sql(f->db, "INSERT INTO decisions SELECT seq + 1, pos + 1, entry, event_seq, event_id, "
               "case_id, at_ms, at, rule, rule_line, rule_label, action, clock, tier, args, "
               "policy_hash, chain FROM decisions WHERE seq = 18");
    syn_expect_problem(f->db, "decisions row seq 19", "events row id 13", "inserted", NULL);
}

static void test_tamper_inserted_decision_middle(void **state)
{
    fixture *f = *state;
    write_v1(f->db);
    /* Make room by shifting every later position, then insert at pos 6. */
    syn_sql(f->db, "UPDATE decisions SET pos = pos + 1000 WHERE pos >= 6;"
               "UPDATE events SET pos = pos + 1000 WHERE pos >= 6;"
               "UPDATE decisions SET pos = pos - 999 WHERE pos >= 1006;"
               "UPDATE events SET pos = pos - 999 WHERE pos >= 1006;"
               "UPDATE decisions SET seq = seq + 1000 WHERE seq >= 3;"
               "UPDATE decisions SET seq = seq - 999 WHERE seq >= 1003;"
               "INSERT INTO decisions SELECT 3, 6, entry, event_seq, event_id, "
               "case_id, at_ms, at, rule, rule_line, rule_label, action, clock, tier, args, "
               "policy_hash, chain FROM decisions WHERE seq = 2");
    syn_expect_problem(f->db, "decisions row seq 3", NULL);
}

static void test_tamper_edited_payload(void **state)
{
    fixture *f = *state;
    syn_write_basic(f->db, NULL);
    syn_sql(f->db, "UPDATE events SET payload = replace(payload, 'updated', 'resolved') "
               "WHERE seq = 4");
    syn_expect_problem(f->db, "events row id 5 (event seq 4", "edited", NULL);
}

static void test_tamper_deleted_event(void **state)
{
    fixture *f = *state;
    syn_write_basic(f->db, NULL);
    syn_sql(f->db, "DELETE FROM events WHERE seq = 4"); /* seq 4 has no decisions */
    syn_expect_problem(f->db, "events row id 5", "deleted", NULL);
}

static void test_tamper_deleted_event_and_decisions(void **state)
{
    fixture *f = *state;
    write_v1(f->db);
    syn_sql(f->db, "DELETE FROM decisions WHERE entry = 4; DELETE FROM events WHERE id = 4");
    syn_expect_problem(f->db, "events row id 4", "deleted", NULL);
}

static void test_tamper_truncated(void **state)
{
    fixture *f = *state;
    write_v1(f->db);
    syn_sql(f->db, "DELETE FROM decisions WHERE entry = 13; DELETE FROM events WHERE id = 13");
    syn_expect_problem(f->db, "last rows were deleted", NULL);
}

static void test_tamper_edited_policy(void **state)
{
    fixture *f = *state;
    syn_write_basic(f->db, NULL);
    syn_sql(f->db, "UPDATE policies SET source = 'policy \"evil\"'");
    syn_expect_problem(f->db, "policies row 111111111111", "edited", NULL);
}

static void test_tamper_deleted_policy(void **state)
{
    fixture *f = *state;
    syn_write_basic(f->db, NULL);
    syn_sql(f->db, "DELETE FROM policies");
    syn_expect_problem(f->db, "policies row 111111111111 was deleted", NULL);
}

static void test_tamper_meta(void **state)
{
    fixture *f = *state;
    syn_write_basic(f->db, NULL);
    syn_sql(f->db, "UPDATE meta SET value = 'hmac-sha256' WHERE key = 'pseudonym'");
    syn_expect_problem(f->db, "meta", "sealed", NULL);
}

static void test_tampered_log_refuses_append(void **state)
{
    fixture *f = *state;
    write_v1(f->db);
    syn_sql(f->db, "DELETE FROM decisions WHERE seq = 18");
    slate_log *log = NULL;
    char *err = NULL;
    assert_int_equal(slate_log_open(f->db, &log, &err), SLATE_ERROR);
    assert_non_null(strstr(err, "changed outside slate"));
    slate_log_free(err);
}

/* The recipe of docs/audit-log.md, implemented apart from slate, agrees. */
static void test_independent_recipe(void **state)
{
    fixture *f = *state;
    if (access("tools/verify-log.py", R_OK) || system("python3 -c '' 2>/dev/null")) skip();
    static const char key[] = "k";
    slate_log_opts opts = {.pseudonym_key = key, .pseudonym_key_len = 1,
                           .options = (const char *[]){"tolerance_ms=0", NULL},
                           .schema = 1}; /* version 2: test_logv2.c */
    syn_write_basic(f->db, &opts);
    slate_log_summary sum;
    assert_int_equal(slate_log_verify(f->db, &sum, NULL), SLATE_OK);
    char cmd[512], want[128];
    snprintf(cmd, sizeof cmd, "python3 tools/verify-log.py '%s'", f->db);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[256] = "";
    assert_non_null(fgets(line, sizeof line, p));
    assert_int_equal(pclose(p), 0);
    snprintf(want, sizeof want, "ok 32 rows, head %s\n", sum.head);
    assert_string_equal(line, want);
    syn_sql(f->db, "UPDATE events SET payload = '{}' WHERE seq = 3");
    snprintf(cmd, sizeof cmd, "python3 tools/verify-log.py '%s' 2>/dev/null", f->db);
    assert_int_not_equal(system(cmd), 0);
}

/* ---- resume and policies -------------------------------------------------------- */

static void test_resume_and_swap(void **state)
{
    fixture *f = *state;
    syn_write_basic(f->db, NULL);
    slate_log *log = NULL;
    char *err = NULL;
    assert_int_equal(slate_log_open(f->db, &log, &err), SLATE_OK);
    assert_int_equal(slate_log_last_event_seq(log), 12);
    assert_int_equal(slate_log_last_decision_seq(log), 18);
    assert_string_equal(slate_log_policy_hash(log), SYN_HASH1);
    uint64_t dseq = 19;
    assert_int_equal(syn_events(log, 13, 3, &dseq), SLATE_OK);
    /* A hot swap with one decision, then back to the first policy (stored once). */
    slate_log_policy p = {SYN_HASH2, "svc", "2", "svc2.slate", "x", 1, "img", 3};
    assert_int_equal(slate_log_begin_policy(log, &p), SLATE_OK);
    slate_decision d = syn_dec(dseq++, 0, "c1", SLATE_A_SLA, 0, 3);
    d.tier = "vip";
    d.targets = "[{\"clock\":\"response\",\"target_s\":900}]";
    assert_int_equal(slate_log_sink(log, &d), 0);
    assert_int_equal(slate_log_end(log), SLATE_OK);
    assert_int_equal(syn_events(log, 20, 2, &dseq), SLATE_OK);
    assert_int_equal(syn_policy(log, SYN_HASH1, "svc.slate", "policy \"svc\"\n"), SLATE_OK);
    assert_int_equal(slate_log_begin_advance(log, 1740999999000LL), SLATE_OK);
    assert_int_equal(slate_log_end(log), SLATE_OK);
    assert_int_equal(slate_log_close(log, NULL), SLATE_OK);

    assert_int_equal(slate_log_verify(f->db, NULL, &err), SLATE_OK);
    assert_null(err);
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM policies"), 2);
    char *s = syn_sql_text(f->db, "SELECT rule || ' ' || policy_hash FROM decisions "
                                  "WHERE action = 'sla'");
    assert_string_equal(s, "svc2.slate:3 " SYN_HASH2);
    free(s);
    s = syn_sql_text(f->db, "SELECT group_concat(kind, ',') FROM (SELECT kind FROM events "
                            "WHERE kind <> 'event' ORDER BY id)");
    assert_string_equal(s, "policy,policy,policy,advance");
    free(s);
}

static void test_batches_commit_between_entries(void **state)
{
    fixture *f = *state;
    slate_log_opts opts = {.batch = 4};
    slate_log *log = NULL;
    assert_int_equal(slate_log_open_opts(f->db, &opts, &log, NULL), SLATE_OK);
    assert_int_equal(syn_policy(log, SYN_HASH1, "svc.slate", NULL), SLATE_OK);
    uint64_t dseq = 1;
    assert_int_equal(syn_events(log, 1, 5, &dseq), SLATE_OK);
    /* 6 entries with a batch of 4: the first 4 are committed, 2 pending. */
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM events"), 4);
    assert_int_equal(slate_log_flush(log), SLATE_OK);
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM events"), 6);
    assert_int_equal(slate_log_verify(f->db, NULL, NULL), SLATE_OK); /* a reader meanwhile */
    assert_int_equal(slate_log_close(log, NULL), SLATE_OK);
}

static void test_one_writer(void **state)
{
    fixture *f = *state;
    syn_write_basic(f->db, NULL);
    slate_log *a = NULL, *b = NULL;
    assert_int_equal(slate_log_open(f->db, &a, NULL), SLATE_OK);
    assert_int_equal(slate_log_open(f->db, &b, NULL), SLATE_OK);
    uint64_t da = 19, db = 19;
    assert_int_equal(syn_events(a, 13, 2, &da), SLATE_OK);
    assert_int_equal(slate_log_flush(a), SLATE_OK);
    assert_int_equal(syn_events(b, 13, 1, &db), SLATE_ERROR);
    assert_non_null(strstr(slate_log_errmsg(b), "another writer"));
    assert_int_equal(slate_log_close(a, NULL), SLATE_OK);
    slate_log_close(b, NULL);
    assert_int_equal(slate_log_verify(f->db, NULL, NULL), SLATE_OK);
}

/* ---- pseudonyms ------------------------------------------------------------------- */

static void test_pseudonyms(void **state)
{
    fixture *f = *state;
    static const char key[] = "0123456789abcdef";
    slate_log_opts opts = {.pseudonym_key = key, .pseudonym_key_len = 16};
    syn_write_basic(f->db, &opts);
    char c1[65];
    slate_log_pseudonym(key, 16, "c1", 2, c1);
    char q[256];
    snprintf(q, sizeof q, "SELECT count(*) FROM events WHERE case_id = '%s'", c1);
    assert_int_equal(syn_sql_int(f->db, q), 4);
    snprintf(q, sizeof q, "SELECT count(*) FROM decisions WHERE case_id = '%s'", c1);
    assert_int_equal(syn_sql_int(f->db, q), 1 + 3 + 2); /* seq 1, 7, 10: 1, 3, 2 decisions */
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM events WHERE payload LIKE '%\"c1\"%' "
                                        "OR case_id = 'c1'"), 0);
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM decisions WHERE case_id = 'c1'"), 0);
    char *s = syn_sql_text(f->db, "SELECT payload FROM events WHERE seq = 1");
    char want[256];
    snprintf(want, sizeof want, "{\"case\":\"%s\",\"type\":\"updated\",\"at\":1740992460000,\"n\":0}", c1);
    assert_string_equal(s, want);
    free(s);
    assert_int_equal(slate_log_verify(f->db, NULL, NULL), SLATE_OK);

    slate_log *log = NULL;
    char *err = NULL;
    assert_int_equal(slate_log_open(f->db, &log, &err), SLATE_ERROR); /* key needed */
    slate_log_free(err);
    opts.pseudonym_key = "another key";
    opts.pseudonym_key_len = 11;
    assert_int_equal(slate_log_open_opts(f->db, &opts, &log, &err), SLATE_ERROR);
    assert_non_null(strstr(err, "key differs"));
    slate_log_free(err);

    /* A payload whose case cannot be found is not stored at all. */
    opts.pseudonym_key = key;
    opts.pseudonym_key_len = 16;
    assert_int_equal(slate_log_open_opts(f->db, &opts, &log, &err), SLATE_OK);
    slate_log_event ev = {99, SLATE_LOG_NO_TIME, NULL, NULL, 0, "{\"case\": c1}", 12, "not JSON"};
    assert_int_equal(slate_log_begin_event(log, &ev), SLATE_OK);
    assert_int_equal(slate_log_end(log), SLATE_OK);
    assert_int_equal(slate_log_close(log, NULL), SLATE_OK);
    assert_int_equal(syn_sql_int(f->db, "SELECT payload IS NULL FROM events WHERE seq = 99"), 1);
}

/* ---- check mode (replay) ------------------------------------------------------- */

static void test_check_mode(void **state)
{
    fixture *f = *state;
    assert_int_equal(syn_scenario(f->db, NULL, 0), 0);
    syn_check_scenario(f->db, (const char *const[]){
        "event seq 8", "decision seq 19",
        "`args`: expected {\"clock\":\"response\",\"target_ms\":7200000,"
        "\"elapsed_ms\":10440000,\"met\":false}, found {", NULL});
}

/* ---- atomicity ------------------------------------------------------------------ */

/* Counts rows down and kills the process when the count reaches zero. */
static void kill_at_row(void *ud, const char *table, int64_t pos)
{
    (void)table, (void)pos;
    if (--*(int64_t *)ud == 0) kill(getpid(), SIGKILL);
}

/* In a child: log entries until the row hook kills the process at its die-th row. */
static void child_writes(const char *path, unsigned batch, int64_t die, unsigned schema)
{
    slate_log_opts opts = {.batch = batch, .sync_normal = 1, .schema = schema};
    slate_log *log = NULL;
    if (slate_log_open_opts(path, &opts, &log, NULL)) _exit(3);
    dlog_set_row_hook(log, kill_at_row, &die);
    uint64_t dseq = slate_log_last_decision_seq(log) + 1;
    uint64_t first = slate_log_last_event_seq(log) + 1;
    if (!slate_log_policy_hash(log) && syn_policy(log, SYN_HASH1, "svc.slate", "x")) _exit(4);
    if (syn_events(log, first, 40, &dseq)) _exit(5);
    slate_log_close(log, NULL);
    _exit(0);
}

/* Every entry present holds exactly the decisions it declares, and the chain
 * verifies (`decisions` is version 2's view, with the same columns). */
static void check_whole(const char *path)
{
    char *err = NULL;
    if (slate_log_verify(path, NULL, &err) != SLATE_OK) fail_msg("verify: %s", err);
    assert_int_equal(syn_sql_int(path, "SELECT count(*) FROM events e WHERE ndecisions <> "
                                       "(SELECT count(*) FROM decisions d WHERE d.entry = e.id)"),
                     0);
}

static void test_atomic_when_killed(void **state)
{
    fixture *f = *state;
    srand(42);
    unsigned batches[] = {1, 3, 64};
    for (int round = 0; round < 24; round++) {
        unlink(f->db);
        char aux[512];
        snprintf(aux, sizeof aux, "%s-wal", f->db);
        unlink(aux);
        snprintf(aux, sizeof aux, "%s-shm", f->db);
        unlink(aux);
        unsigned batch = batches[round % 3];
        int64_t total = 0;
        /* Two sessions: each killed at a random row; the second resumes. */
        for (int session = 0; session < 2; session++) {
            int64_t die = 2 + rand() % 60;
            pid_t pid = fork();
            assert_true(pid >= 0);
            /* half the rounds in schema version 1, half in version 2 */
            if (pid == 0) child_writes(f->db, batch, die, round < 12 ? 1 : 2);
            int status;
            assert_int_equal(waitpid(pid, &status, 0), pid);
            assert_true(WIFSIGNALED(status) || (WIFEXITED(status) && WEXITSTATUS(status) == 0));
            check_whole(f->db);
            int64_t n = syn_sql_int(f->db, "SELECT count(*) FROM events");
            assert_true(n >= total); /* committed entries never disappear */
            total = n;
        }
        /* What is there is a prefix of what was written: seqs gap-free. */
        assert_int_equal(
            syn_sql_int(f->db, "SELECT coalesce(max(seq), 0) - count(seq) FROM events"), 0);
    }
}

/* A write that fails part way through an entry (here a trigger refuses
 * decision 9, the second of event 6) rolls back the whole open batch: the log
 * keeps the committed batches, no part of the failed entry, and the handle's
 * state is the committed one. */
static void test_failed_write_rolls_back_batch(void **state)
{
    fixture *f = *state;
    /* version 2: test_logv2.c */
    syn_failed_batch(f->db, 1, "CREATE TRIGGER refuse BEFORE INSERT ON decisions WHEN NEW.seq = 9 "
                               "BEGIN SELECT RAISE(ABORT, 'refused'); END", 1);
    check_whole(f->db);
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM events"), 5);
    assert_int_equal(syn_sql_int(f->db, "SELECT max(seq) FROM decisions"), 6);
}

static void test_failed_commit_reported_at_close(void **state)
{
    /* a commit that fails where the caller ignores the result (a flush while
     * the input is idle) must still fail the close */
    fixture *f = *state;
    slate_log *log = NULL;
    assert_int_equal(slate_log_open(f->db, &log, NULL), SLATE_OK);
    assert_int_equal(syn_policy(log, SYN_HASH1, "svc.slate", NULL), SLATE_OK);
    assert_int_equal(slate_log_close(log, NULL), SLATE_OK);
    assert_int_equal(slate_log_open(f->db, &log, NULL), SLATE_OK);
    /* added once the writer is open: opening refuses a log with a trigger */
    syn_sql(f->db, "CREATE TRIGGER refuse BEFORE UPDATE ON meta WHEN NEW.key = 'state.pos' "
               "BEGIN SELECT RAISE(ABORT, 'disk full'); END");
    uint64_t dseq = 1;
    assert_int_equal(syn_events(log, 1, 2, &dseq), SLATE_OK);
    assert_int_not_equal(slate_log_flush(log), SLATE_OK); /* ignored by the caller */
    char *err = NULL;
    assert_int_equal(slate_log_close(log, &err), SLATE_ERROR);
    assert_non_null(err);
    assert_non_null(strstr(err, "disk full"));
    slate_log_free(err);
    syn_sql(f->db, "DROP TRIGGER refuse");
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM events"), 1);
}

static void test_abort_drops_entry(void **state)
{
    fixture *f = *state;
    slate_log *log = NULL;
    assert_int_equal(slate_log_open(f->db, &log, NULL), SLATE_OK);
    assert_int_equal(syn_policy(log, SYN_HASH1, "svc.slate", NULL), SLATE_OK);
    slate_log_event ev = {1, 0, "opened", "a", 1, "{}", 2, NULL};
    assert_int_equal(slate_log_begin_event(log, &ev), SLATE_OK);
    slate_decision d = syn_dec(1, 0, "a", SLATE_A_CLOSE, 1, 1);
    assert_int_equal(slate_log_sink(log, &d), 0);
    slate_log_abort(log);
    assert_int_equal(slate_log_begin_event(log, &ev), SLATE_OK); /* seq 1 still free */
    assert_int_equal(slate_log_sink(log, &d), 0);                /* and decision 1 */
    assert_int_equal(slate_log_end(log), SLATE_OK);
    assert_int_equal(slate_log_close(log, NULL), SLATE_OK);
    check_whole(f->db);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, syn_setup, syn_teardown)
int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_format),
        cmocka_unit_test(test_args_json),
        cmocka_unit_test(test_replace_case),
        T(test_schema),
        T(test_deterministic_head),
        T(test_not_a_log),
        T(test_misuse),
        T(test_reject_marks_event),
        T(test_tamper_edited_decision),
        T(test_tamper_edited_decision_rehashed),
        T(test_tamper_blob_pos),
        T(test_tamper_event_pos_zero),
        T(test_tamper_deleted_decision),
        T(test_tamper_deleted_last_decision),
        T(test_tamper_inserted_decision),
        T(test_tamper_inserted_event),
        T(test_tamper_inserted_policy),
        T(test_tamper_inserted_same_pos),
        T(test_tamper_inserted_decision_middle),
        T(test_tamper_edited_payload),
        T(test_tamper_deleted_event),
        T(test_tamper_deleted_event_and_decisions),
        T(test_tamper_truncated),
        T(test_tamper_edited_policy),
        T(test_tamper_deleted_policy),
        T(test_tamper_meta),
        T(test_tampered_log_refuses_append),
        T(test_independent_recipe),
        T(test_resume_and_swap),
        T(test_check_mode),
        T(test_batches_commit_between_entries),
        T(test_one_writer),
        T(test_pseudonyms),
        T(test_atomic_when_killed),
        T(test_failed_commit_reported_at_close),
        T(test_abort_drops_entry),
        T(test_failed_write_rolls_back_batch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
