/*
 * test_logread.c - the log reader of slate_log.h (slate_log_read_*, cursors):
 * a small log written through the writer API read back in log order, one
 * case's rows, one entry's decisions, meta, policies (a source holding a NUL
 * byte), lookups, counts and head, the snapshot it reads, verification on
 * open, and what it says of files that are not logs or lack a table (more
 * hostile logs: test_loghostile.c).  Every test runs on a log of schema
 * version 1 and on one of version 2: the reader hands out the same rows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <sqlite3.h>

#include "logsynth.h"

typedef struct fixture {
    unsigned schema;   /* the log's schema version */
    char *dir, *db;
    char head[65];     /* the writer's head after the last entry */
    int64_t advance_id, rejected_id;
} fixture;

static const char source1[] = "policy \"svc\"\n# a \0 b\nclock c starts on opened\n";
#define SOURCE1_LEN (sizeof source1 - 1)
static const char nul_case[] = "x\0y"; /* a case id holding a NUL byte (3 bytes) */

static void policy(slate_log *log, const char *hash, const char *source, size_t len)
{
    static const unsigned char image[] = {'S', 'L', 'A', 'T', 0, 9};
    slate_log_policy p = {hash, "svc", "1", "svc.slate", source, len, image, sizeof image};
    assert_int_equal(slate_log_begin_policy(log, &p), SLATE_OK);
    assert_int_equal(slate_log_end(log), SLATE_OK);
}

/* The log: policy 1; events 1..6 (cases c1 c2 c0 c1 c2 c0, seq%4 decisions
 * each: 9); an advance with a timer decision of c1; policy 2 (no source); a
 * rejected event 7 of c1; event 8 of the case "x\0y" with one decision. */
static void write_log(fixture *f)
{
    const char *options[] = {"tolerance_ms=5", NULL};
    slate_log_opts o = {.options = options, .schema = f->schema};
    slate_log *log = NULL;
    char *err = NULL;
    assert_int_equal(slate_log_open_opts(f->db, &o, &log, &err), SLATE_OK);
    policy(log, SYN_HASH1, source1, SOURCE1_LEN);
    uint64_t dseq = 1;
    assert_int_equal(syn_events(log, 1, 6, &dseq), 0);
    assert_int_equal(slate_log_begin_advance(log, SYN_MIN(600)), SLATE_OK);
    slate_decision d = syn_dec(dseq++, SYN_MIN(600), "c1", SLATE_A_BREACH, 0, 12);
    d.clock = "response";
    assert_int_equal(slate_log_sink(log, &d), 0);
    assert_int_equal(slate_log_end(log), SLATE_OK);
    policy(log, SYN_HASH2, NULL, 0);
    slate_log_event ev = {7, SYN_MIN(601), "updated", "c1", 2, "{\"case\":\"c1\"}", 13, "late"};
    assert_int_equal(slate_log_begin_event(log, &ev), SLATE_OK);
    assert_int_equal(slate_log_end(log), SLATE_OK);
    static const char payload[] = "{\"case\":\"x\\u0000y\",\"type\":\"updated\"}";
    slate_log_event ev8 = {8, SYN_MIN(602), "updated", nul_case, 3, payload,
                           sizeof payload - 1, NULL};
    assert_int_equal(slate_log_begin_event(log, &ev8), SLATE_OK);
    d = syn_dec(dseq++, SYN_MIN(602), NULL, SLATE_A_ROUTE, 8, 20);
    d.case_id = nul_case;
    d.case_len = 3;
    d.to = "desk";
    assert_int_equal(slate_log_sink(log, &d), 0);
    assert_int_equal(slate_log_end(log), SLATE_OK);
    snprintf(f->head, sizeof f->head, "%s", slate_log_head(log));
    assert_int_equal(slate_log_close(log, &err), SLATE_OK);
    f->advance_id = 8;  /* policy 1, events 1..6, then the advance */
    f->rejected_id = 10;
}

static int setup(void **state, unsigned schema)
{
    fixture *f = calloc(1, sizeof *f);
    f->schema = schema;
    f->dir = syn_tmpdir();
    f->db = syn_path(f->dir, "audit.db");
    write_log(f);
    *state = f;
    return 0;
}

static int setup1(void **state) { return setup(state, 1); }
static int setup2(void **state) { return setup(state, 2); }

static int teardown(void **state)
{
    fixture *f = *state;
    syn_rmdir(f->dir);
    free(f->db);
    free(f);
    return 0;
}

static slate_log_reader *open_ok(const char *path)
{
    slate_log_reader *rd = NULL;
    char *err = NULL;
    int rc = slate_log_read_open(path, NULL, &rd, &err);
    if (rc) fail_msg("open: %d %s", rc, err ? err : "");
    assert_non_null(rd);
    return rd;
}

/* Open must fail with rc and a message "PATH: ...want...". */
static void open_fails(const char *path, int rc, const char *want)
{
    slate_log_reader *rd = NULL;
    char *err = NULL;
    assert_int_equal(slate_log_read_open(path, NULL, &rd, &err), rc);
    assert_null(rd);
    assert_non_null(err);
    assert_int_equal(strncmp(err, path, strlen(path)), 0);
    if (!strstr(err, want)) fail_msg("`%s` does not say `%s`", err, want);
    slate_log_free(err);
}

/* Every row in log order: each entry then exactly its decisions, positions
 * increasing, kinds and counts as written. */
static void test_iterate_all(void **state)
{
    fixture *f = *state;
    slate_log_reader *rd = open_ok(f->db);
    slate_log_cursor *cur;
    assert_int_equal(slate_log_cursor_open(rd, NULL, &cur), SLATE_OK);
    slate_log_row row;
    char kinds[32] = "";
    int64_t last_pos = 0, entry = 0, owed = 0, next_dseq = 1, next_id = 1;
    int nentries = 0, ndecisions = 0;
    while (slate_log_cursor_next(cur, &row) == SLATE_OK && row.what) {
        if (row.what == SLATE_LOG_SCAN_ENTRIES) {
            const slate_log_stored *e = &row.entry;
            assert_int_equal(owed, 0); /* the last entry got all its decisions */
            assert_true(e->found);
            assert_int_equal(e->id, next_id++);
            assert_true(e->pos > last_pos);
            last_pos = e->pos;
            entry = e->id;
            owed = e->ndecisions;
            strncat(kinds, e->kind[0] == 'e' ? "e" : e->kind[0] == 'p' ? "p" : "a", 2);
            nentries++;
            if (!strcmp(e->kind, "event")) {
                assert_true(e->seq >= 1 && e->seq <= 8);
                assert_non_null(e->payload);
                assert_int_equal(e->payload_len, strlen(e->payload));
                assert_string_equal(e->type, "updated");
            } else {
                assert_int_equal(e->seq, 0);
                assert_null(e->payload);
                assert_null(e->status);
            }
            if (e->id == f->advance_id) assert_int_equal(e->at, SYN_MIN(600));
            if (!strcmp(e->kind, "policy"))
                assert_string_equal(e->policy_hash, e->id == 1 ? SYN_HASH1 : SYN_HASH2);
        } else {
            const slate_log_stored_decision *d = &row.decision;
            assert_int_equal(d->entry, entry);
            assert_true(owed-- > 0);
            assert_int_equal(d->seq, next_dseq++);
            if (f->schema == 1)
                assert_true(d->pos == ++last_pos); /* right after its entry or sibling */
            else
                assert_true(d->pos == last_pos); /* in its entry's row */
            assert_non_null(d->args);
            assert_int_equal(d->args_len, strlen(d->args));
            assert_int_equal(d->args[0], '{');
            ndecisions++;
        }
    }
    assert_int_equal(row.what, 0);
    slate_log_cursor_close(cur);
    assert_string_equal(kinds, "peeeeeeapee");
    assert_int_equal(nentries, 11);
    assert_int_equal(ndecisions, 11);

    slate_log_info info;
    assert_int_equal(slate_log_read_info(rd, &info), SLATE_OK);
    assert_int_equal(info.policies, 2);
    assert_int_equal(info.entries, 11);
    assert_int_equal(info.decisions, 11);
    assert_int_equal(info.last_event_seq, 8);
    assert_int_equal(info.last_decision_seq, 11);
    /* version 1: 2 policies, 11 entries, 11 decisions; 2: no decision rows */
    assert_int_equal(info.pos, f->schema == 1 ? 24 : 13);
    assert_string_equal(info.head, f->head);
    slate_log_read_close(rd);
}

/* One case: its entries and decisions, every policy entry, and a timer of the
 * case fired by an entry outside it, in log order. */
static void test_case(void **state)
{
    fixture *f = *state;
    slate_log_reader *rd = open_ok(f->db);
    slate_log_scan scan = {.case_id = "c1", .case_len = 2};
    slate_log_cursor *cur;
    assert_int_equal(slate_log_cursor_open(rd, &scan, &cur), SLATE_OK);
    slate_log_row row;
    char seen[128] = "";
    while (slate_log_cursor_next(cur, &row) == SLATE_OK && row.what) {
        char item[32];
        if (row.what == SLATE_LOG_SCAN_ENTRIES)
            snprintf(item, sizeof item, "%s%" PRId64 " ", row.entry.kind, row.entry.seq);
        else
            snprintf(item, sizeof item, "d%" PRId64 "/%" PRId64 " ", row.decision.seq,
                     row.decision.entry);
        strcat(seen, item);
        if (row.what == SLATE_LOG_SCAN_DECISIONS) assert_string_equal(row.decision.case_id, "c1");
    }
    slate_log_cursor_close(cur);
    /* event 1 (1 decision), event 4 (none), the advance's timer (entry 8),
     * policy 2, the rejected event 7 */
    assert_string_equal(seen, "policy0 event1 d1/2 event4 d10/8 policy0 event7 ");

    uint64_t ne, nd;
    assert_int_equal(slate_log_read_case(rd, "c1", 2, &ne, &nd), SLATE_OK);
    assert_int_equal(ne, 3);
    assert_int_equal(nd, 2);
    assert_int_equal(slate_log_read_case(rd, "nope", 4, &ne, &nd), SLATE_OK);
    assert_int_equal(ne + nd, 0);

    /* a case id with a NUL byte is found by all its bytes, and only by them */
    assert_int_equal(slate_log_read_case(rd, nul_case, 3, &ne, &nd), SLATE_OK);
    assert_int_equal(ne, 1);
    assert_int_equal(nd, 1);
    assert_int_equal(slate_log_read_case(rd, nul_case, 1, &ne, &nd), SLATE_OK);
    assert_int_equal(ne + nd, 0);
    slate_log_scan nscan = {.case_id = nul_case, .case_len = 3,
                            .rows = SLATE_LOG_SCAN_DECISIONS};
    assert_int_equal(slate_log_cursor_open(rd, &nscan, &cur), SLATE_OK);
    assert_int_equal(slate_log_cursor_next(cur, &row), SLATE_OK);
    assert_int_equal(row.what, SLATE_LOG_SCAN_DECISIONS);
    assert_int_equal(row.decision.case_len, 3);
    assert_memory_equal(row.decision.case_id, nul_case, 3);
    assert_string_equal(row.decision.action, "route");
    assert_int_equal(slate_log_cursor_next(cur, &row), SLATE_OK);
    assert_int_equal(row.what, 0);
    slate_log_cursor_close(cur);
    slate_log_stored e;
    assert_int_equal(slate_log_read_event(rd, 8, &e), SLATE_OK);
    assert_int_equal(e.case_len, 3);
    assert_memory_equal(e.case_id, nul_case, 3);
    slate_log_read_close(rd);
}

/* One entry's decisions, and entries alone. */
static void test_entry_scans(void **state)
{
    fixture *f = *state;
    slate_log_reader *rd = open_ok(f->db);
    slate_log_scan scan = {.rows = SLATE_LOG_SCAN_DECISIONS, .entry = 4}; /* event 3 */
    slate_log_cursor *cur;
    slate_log_row row;
    assert_int_equal(slate_log_cursor_open(rd, &scan, &cur), SLATE_OK);
    int n = 0;
    while (slate_log_cursor_next(cur, &row) == SLATE_OK && row.what) {
        assert_int_equal(row.what, SLATE_LOG_SCAN_DECISIONS);
        assert_int_equal(row.decision.entry, 4);
        assert_int_equal(row.decision.event_seq, 3);
        assert_string_equal(row.decision.action, "notify");
        n++;
    }
    slate_log_cursor_close(cur);
    assert_int_equal(n, 3);

    slate_log_scan entries = {.rows = SLATE_LOG_SCAN_ENTRIES};
    assert_int_equal(slate_log_cursor_open(rd, &entries, &cur), SLATE_OK);
    n = 0;
    while (slate_log_cursor_next(cur, &row) == SLATE_OK && row.what) {
        assert_int_equal(row.what, SLATE_LOG_SCAN_ENTRIES);
        assert_int_equal(row.entry.id, ++n);
    }
    slate_log_cursor_close(cur);
    assert_int_equal(n, 11);
    slate_log_read_close(rd);
}

/* Meta values, policies (a source with a NUL byte kept whole), lookups. */
static void test_meta_policies_lookups(void **state)
{
    fixture *f = *state;
    slate_log_reader *rd = open_ok(f->db);
    assert_string_equal(slate_log_read_meta(rd, "schema_version"), f->schema == 1 ? "1" : "2");
    assert_string_equal(slate_log_read_meta(rd, "pseudonym"), "none");
    assert_string_equal(slate_log_read_meta(rd, "opt.tolerance_ms"), "5");
    assert_null(slate_log_read_meta(rd, "opt.strict"));

    const slate_log_policy *list;
    assert_int_equal(slate_log_read_policies(rd, &list), 2);
    assert_string_equal(list[0].hash, SYN_HASH1);
    assert_string_equal(list[0].name, "svc");
    assert_string_equal(list[0].file, "svc.slate");
    assert_int_equal(list[0].source_len, SOURCE1_LEN);
    assert_memory_equal(list[0].source, source1, SOURCE1_LEN);
    assert_int_equal(list[0].image_len, 6);
    assert_memory_equal(list[0].image, "SLAT\0\x09", 6);
    assert_null(list[1].source);
    assert_int_equal(list[1].source_len, 0);
    assert_ptr_equal(slate_log_read_policy(rd, SYN_HASH2), &list[1]);
    assert_null(slate_log_read_policy(rd, "abc"));

    slate_log_stored e;
    assert_int_equal(slate_log_read_event(rd, 4, &e), SLATE_OK);
    assert_true(e.found);
    assert_string_equal(e.case_id, "c1");
    assert_int_equal(e.case_len, 2);
    assert_string_equal(e.status, "accepted");
    assert_int_equal(e.ndecisions, 0);
    assert_non_null(strstr(e.payload, "\"n\":3"));
    assert_int_equal(slate_log_read_event(rd, 99, &e), SLATE_OK);
    assert_false(e.found);

    assert_int_equal(slate_log_read_last(rd, &e), SLATE_OK);
    assert_true(e.found);
    assert_int_equal(e.seq, 8);
    assert_int_equal(slate_log_read_event(rd, 7, &e), SLATE_OK);
    assert_int_equal(e.id, f->rejected_id);
    assert_string_equal(e.status, "rejected");
    assert_string_equal(e.reason, "late");
    slate_log_read_close(rd);
}

/* The reader reads the snapshot it opened on, while a writer appends. */
static void test_snapshot(void **state)
{
    fixture *f = *state;
    slate_log_reader *rd = open_ok(f->db);
    slate_log_opts o = {.must_exist = 1};
    const char *options[] = {"tolerance_ms=5", NULL};
    o.options = options;
    slate_log *log = NULL;
    assert_int_equal(slate_log_open_opts(f->db, &o, &log, NULL), SLATE_OK);
    uint64_t dseq = 12;
    assert_int_equal(syn_events(log, 9, 4, &dseq), 0);
    assert_int_equal(slate_log_close(log, NULL), SLATE_OK);

    slate_log_info info;
    assert_int_equal(slate_log_read_info(rd, &info), SLATE_OK);
    assert_int_equal(info.entries, 11);
    assert_int_equal(info.last_event_seq, 8);
    slate_log_stored e;
    assert_int_equal(slate_log_read_event(rd, 10, &e), SLATE_OK);
    assert_false(e.found);
    slate_log_read_close(rd);

    rd = open_ok(f->db); /* a new reader sees the new rows */
    assert_int_equal(slate_log_read_info(rd, &info), SLATE_OK);
    assert_int_equal(info.entries, 15);
    assert_int_equal(info.last_event_seq, 12);
    slate_log_read_close(rd);
}

/* Verification on open: a clean log passes with its summary, an edited one is
 * refused naming the row, and without `verify` it opens. */
static void test_verify_on_open(void **state)
{
    fixture *f = *state;
    slate_log_summary sum;
    slate_log_read_opts o = {.verify = 1, .summary = &sum};
    slate_log_reader *rd = NULL;
    char *err = NULL;
    assert_int_equal(slate_log_read_open(f->db, &o, &rd, &err), SLATE_OK);
    assert_int_equal(sum.decisions, 11);
    assert_string_equal(sum.head, f->head);
    slate_log_read_close(rd);

    /* decision 5 is the second of event 3's (entry 4) */
    if (f->schema == 1)
        syn_sql(f->db, "UPDATE decisions SET args = '{}' WHERE seq = 5");
    else
        syn_sql(f->db, "UPDATE events SET decisions = replace(decisions, '\"supervisor\"', "
                       "'\"nobody\"') WHERE id = 4");
    assert_int_equal(slate_log_read_open(f->db, &o, &rd, &err), SLATE_ERROR);
    assert_null(rd);
    assert_non_null(strstr(err, f->schema == 1 ? "decisions row seq 5" : "events row id 4"));
    slate_log_free(err);
    rd = open_ok(f->db);
    slate_log_read_close(rd);
}

/* Files that are not logs, logs of another version, missing tables. */
static void test_not_logs(void **state)
{
    fixture *f = *state;
    char *missing = syn_path(f->dir, "missing.db");
    open_fails(missing, SLATE_LOG_IOERR, "No such file or directory");
    free(missing);

    char *text = syn_path(f->dir, "text.txt");
    FILE *t = fopen(text, "w");
    fputs("hello, not a database\n", t);
    fclose(t);
    open_fails(text, SLATE_ERROR, "not a slate decision log");
    free(text);

    char *other = syn_path(f->dir, "other.db");
    syn_sql(other, "CREATE TABLE x (a)");
    open_fails(other, SLATE_ERROR, "not a slate decision log");
    free(other);

    syn_sql(f->db, "UPDATE meta SET value = '7' WHERE key = 'schema_version'");
    open_fails(f->db, SLATE_ERROR, "log schema version 7, this slate reads versions 1 to 2");
    syn_sql(f->db, f->schema == 1 ? "UPDATE meta SET value = '1' WHERE key = 'schema_version'"
                                  : "UPDATE meta SET value = '2' WHERE key = 'schema_version'");

    /* a missing table (or view) is named on open (issue 12: the input's fault) */
    if (f->schema == 1) {
        syn_sql(f->db, "DROP TABLE decisions");
        open_fails(f->db, SLATE_ERROR, "schema: table `decisions` is missing");
    } else {
        syn_sql(f->db, "DROP VIEW breaches");
        open_fails(f->db, SLATE_ERROR, "schema: view `breaches` is missing");
        syn_sql(f->db, "DROP TABLE case_index");
        open_fails(f->db, SLATE_ERROR, "schema: table `case_index` is missing");
    }
    syn_sql(f->db, "DROP TABLE policies");
    open_fails(f->db, SLATE_ERROR, "schema: table `policies` is missing");
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup1, teardown), \
        cmocka_unit_test_setup_teardown(fn, setup2, teardown)
    const struct CMUnitTest tests[] = {
        T(test_iterate_all),
        T(test_case),
        T(test_entry_scans),
        T(test_meta_policies_lookups),
        T(test_snapshot),
        T(test_verify_on_open),
        T(test_not_logs),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
