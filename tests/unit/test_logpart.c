/*
 * test_logpart.c - partitioned decision logs (the archive of a cluster,
 * docs/audit-log.md "Partitioned logs"): the sealed `partitions` row and the
 * events columns part and stream_seq exist only there, every entry carries
 * them in the chain, partitions come as blocks that start with a policy entry,
 * and neither kind of log takes the other's entries; in schema version 1
 * (where a log of one engine has neither column) and in version 2 (where
 * every log has both).  The engine is not used
 * (logsynth.h); the archive itself is tested by tests/cli/archive-log.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>

#include "log/dlog.h"
#include "logsynth.h"

typedef syn_fixture fixture;

/* Events seq first..first+n-1 of partition p at stream sequences 2, 3, ...
 * (1 is the partition's policy marker in this synthetic stream), one decision
 * each. */
static void part_events(slate_log *log, unsigned p, uint64_t first, int n, uint64_t *dseq)
{
    for (int i = 0; i < n; i++) {
        uint64_t seq = first + (uint64_t)i;
        int64_t at = SYN_T0 + (int64_t)seq * 60000;
        char payload[96], cid[16];
        snprintf(cid, sizeof cid, "p%uc%d", p, i % 2);
        int len = snprintf(payload, sizeof payload, "{\"case\":\"%s\",\"type\":\"updated\"}", cid);
        assert_int_equal(slate_log_set_part(log, p, 2 + (uint64_t)i), SLATE_OK);
        slate_log_event ev = {seq, at, "updated", cid, strlen(cid), payload, (size_t)len, NULL};
        assert_int_equal(slate_log_begin_event(log, &ev), SLATE_OK);
        slate_decision d = syn_dec((*dseq)++, at, cid, SLATE_A_NOTIFY, seq, 10);
        d.to = "supervisor";
        assert_int_equal(slate_log_sink(log, &d), 0);
        assert_int_equal(slate_log_end(log), SLATE_OK);
    }
}

/* Two partitions (0 and 2 of 3): each a policy, 3 events, an advance. */
static void write_parts_v(const char *path, unsigned schema)
{
    slate_log_opts o = {.partitions = 3, .schema = schema};
    slate_log *log = NULL;
    char *err = NULL;
    assert_int_equal(slate_log_open_opts(path, &o, &log, &err), SLATE_OK);
    uint64_t dseq = 1, eseq = 1;
    for (unsigned p = 0; p < 3; p += 2) {
        assert_int_equal(slate_log_set_part(log, p, 0), SLATE_OK);
        assert_int_equal(syn_policy(log, p ? SYN_HASH2 : SYN_HASH1, "svc.slate", NULL), SLATE_OK);
        part_events(log, p, eseq, 3, &dseq);
        eseq += 3;
        assert_int_equal(slate_log_set_part(log, p, 9), SLATE_OK);
        assert_int_equal(slate_log_begin_advance(log, SYN_T0 + 86400000), SLATE_OK);
        assert_int_equal(slate_log_end(log), SLATE_OK);
    }
    assert_int_equal(slate_log_close(log, &err), SLATE_OK);
}

static void partitioned_log(fixture *f, unsigned schema)
{
    write_parts_v(f->db, schema);
    assert_int_equal(syn_sql_int(f->db, "SELECT value FROM meta WHERE key = 'partitions'"), 3);
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM pragma_table_info('events')"),
                     schema == 1 ? DLOG_NEVENT_COLS_V1 + 2 + 1 : DLOG_NEVENT_COLS + 1);
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM events WHERE part = 2"), 5);
    /* NULL */
    assert_int_equal(syn_sql_int(f->db, "SELECT stream_seq FROM events WHERE id = 1"), -1);
    assert_int_equal(syn_sql_int(f->db, "SELECT stream_seq FROM events WHERE seq = 5"), 3);
    slate_log_summary sum;
    char *err = NULL;
    assert_int_equal(slate_log_verify(f->db, &sum, &err), SLATE_OK);
    assert_null(err);
    assert_int_equal(sum.entries, 10);
    assert_int_equal(sum.decisions, 6);

    /* the reader hands out both columns */
    slate_log_reader *rd = NULL;
    slate_log_read_opts ro = {.verify = 1};
    assert_int_equal(slate_log_read_open(f->db, &ro, &rd, &err), SLATE_OK);
    assert_string_equal(slate_log_read_meta(rd, "partitions"), "3");
    slate_log_stored e;
    assert_int_equal(slate_log_read_event(rd, 5, &e), SLATE_OK);
    assert_int_equal(e.found, 1);
    assert_int_equal(e.part, 2);
    assert_int_equal(e.stream_seq, 3);
    slate_log_cursor *cur;
    slate_log_scan scan = {.rows = SLATE_LOG_SCAN_ENTRIES};
    assert_int_equal(slate_log_cursor_open(rd, &scan, &cur), SLATE_OK);
    slate_log_row row;
    int n = 0;
    while (slate_log_cursor_next(cur, &row) == SLATE_OK && row.what) {
        assert_int_equal(row.entry.part, n < 5 ? 0 : 2);
        assert_int_equal(row.entry.stream_seq, n % 5 == 0 ? 0 : n % 5 == 4 ? 9 : n % 5 + 1);
        n++;
    }
    assert_int_equal(n, 10);
    slate_log_cursor_close(cur);
    slate_log_read_close(rd);

    /* check mode reads them as stored */
    slate_log_opts co = {.check = 1, .verify = 1};
    slate_log *log = NULL;
    assert_int_equal(slate_log_open_opts(f->db, &co, &log, &err), SLATE_OK);
    assert_int_equal(slate_log_check_next(log, &e), SLATE_OK);
    assert_int_equal(e.part, 0);
    assert_string_equal(e.kind, "policy");
    slate_log_close(log, NULL);
}

static void test_partitioned_log(void **state) { partitioned_log(*state, 2); }

static void test_partitioned_log_v1(void **state)
{
    fixture *f = *state;
    partitioned_log(f, 1);
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM decisions WHERE pos > 0"), 6);
}

/* A log of one engine: version 1 has neither column (its schema, rows and
 * chain what they always were), version 2 has both, part 0 and stream_seq
 * NULL, which the reader hands out as part -1 (not partitioned). */
static void one_engine_log(fixture *f, unsigned schema)
{
    slate_log *log = NULL;
    slate_log_opts one = {.schema = schema};
    assert_int_equal(slate_log_open_opts(f->db, &one, &log, NULL), SLATE_OK);
    assert_int_equal(slate_log_set_part(log, 0, 1), SLATE_MISUSE); /* not partitioned */
    assert_int_equal(syn_policy(log, SYN_HASH1, "svc.slate", NULL), SLATE_OK);
    assert_int_equal(slate_log_close(log, NULL), SLATE_OK);
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM pragma_table_info('events')"),
                     schema == 1 ? DLOG_NEVENT_COLS_V1 + 1 : DLOG_NEVENT_COLS + 1);
    assert_int_equal(syn_sql_int(f->db, "SELECT count(*) FROM meta WHERE key = 'partitions'"), 0);
    if (schema != 1) {
        assert_int_equal(syn_sql_int(f->db, "SELECT part FROM events WHERE id = 1"), 0);
        assert_int_equal(syn_sql_int(f->db, "SELECT stream_seq FROM events WHERE id = 1"), -1);
    }
    slate_log_reader *rd = NULL;
    assert_int_equal(slate_log_read_open(f->db, NULL, &rd, NULL), SLATE_OK);
    slate_log_stored e;
    assert_int_equal(slate_log_read_last(rd, &e), SLATE_OK);
    assert_int_equal(e.part, -1);
    slate_log_read_close(rd);

    /* neither takes the other's entries */
    slate_log_opts po = {.partitions = 2};
    char *err = NULL;
    assert_int_equal(slate_log_open_opts(f->db, &po, &log, &err), SLATE_ERROR);
    assert_non_null(strstr(err, "new file"));
    slate_log_free(err);
    char *arch = syn_path(f->dir, "arch.db");
    write_parts_v(arch, schema);
    assert_int_equal(slate_log_open(arch, &log, &err), SLATE_ERROR);
    assert_non_null(strstr(err, "partitioned archive of 3 partitions"));
    slate_log_free(err);
    free(arch);
}

static void test_one_engine_log_unchanged(void **state) { one_engine_log(*state, 1); }
static void test_one_engine_log_v2(void **state) { one_engine_log(*state, 2); }

static void test_part_misuse(void **state)
{
    fixture *f = *state;
    slate_log_opts o = {.partitions = 4};
    slate_log *log = NULL;
    assert_int_equal(slate_log_open_opts(f->db, &o, &log, NULL), SLATE_OK);
    slate_log_policy pol = {SYN_HASH1, "svc", "1", "svc.slate", NULL, 0, "img", 3};
    assert_int_equal(slate_log_begin_policy(log, &pol), SLATE_MISUSE); /* no partition yet */
    assert_int_equal(slate_log_set_part(log, 4, 0), SLATE_MISUSE);      /* out of range */
    assert_int_equal(slate_log_set_part(log, 1, 0), SLATE_OK);
    assert_int_equal(slate_log_begin_advance(log, SYN_T0), SLATE_MISUSE); /* not its policy */
    assert_non_null(strstr(slate_log_errmsg(log), "not its policy"));
    assert_int_equal(syn_policy(log, SYN_HASH1, "svc.slate", NULL), SLATE_OK);
    assert_int_equal(slate_log_set_part(log, 1, 5), SLATE_OK);
    assert_int_equal(slate_log_begin_advance(log, SYN_T0), SLATE_OK);
    assert_int_equal(slate_log_set_part(log, 2, 0), SLATE_MISUSE); /* an entry is open */
    assert_int_equal(slate_log_end(log), SLATE_OK);
    assert_int_equal(slate_log_set_part(log, 0, 0), SLATE_OK);
    assert_int_equal(slate_log_begin_policy(log, &pol), SLATE_MISUSE); /* backwards */
    assert_non_null(strstr(slate_log_errmsg(log), "increasing order"));
    assert_int_equal(slate_log_close(log, NULL), SLATE_OK);
    assert_int_equal(slate_log_verify(f->db, NULL, NULL), SLATE_OK);
    slate_log_opts big = {.partitions = SLATE_LOG_MAX_PARTITIONS + 1};
    char *other = syn_path(f->dir, "big.db"), *err = NULL;
    assert_int_equal(slate_log_open_opts(other, &big, &log, &err), SLATE_MISUSE);
    slate_log_free(err);
    free(other);
}

static void part_tamper(fixture *f, unsigned schema)
{
    const syn_tamper cases[] = {
        {"UPDATE events SET part = 1 WHERE id = 7", 0, {"events row id 7"}},
        {"UPDATE events SET stream_seq = 4 WHERE seq = 5", 0, {"the row was edited"}},
        {"UPDATE meta SET value = '4' WHERE key = 'partitions'", 0, {"sealed settings"}},
        {"UPDATE meta SET value = 'x' WHERE key = 'partitions'", 0, {"partition count"}},
        /* read as a log of one engine; version 1: its events table has two
         * columns too many; version 2: the same schema, and the sealed
         * settings without the row hash otherwise */
        {"DELETE FROM meta WHERE key = 'partitions'", 0,
         {schema == 1 ? "schema: table `events` is not the one slate creates"
                      : "sealed settings"}},
    };
    write_parts_v(f->db, schema);
    char *copy = syn_path(f->dir, "t.db");
    syn_tamper_cases(f->db, copy, cases, sizeof cases / sizeof *cases, NULL);
    free(copy);
}

static void test_part_tamper(void **state) { part_tamper(*state, 2); }
static void test_part_tamper_v1(void **state) { part_tamper(*state, 1); }

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_partitioned_log, syn_setup, syn_teardown),
        cmocka_unit_test_setup_teardown(test_one_engine_log_unchanged, syn_setup, syn_teardown),
        cmocka_unit_test_setup_teardown(test_part_misuse, syn_setup, syn_teardown),
        cmocka_unit_test_setup_teardown(test_part_tamper, syn_setup, syn_teardown),
        cmocka_unit_test_setup_teardown(test_partitioned_log_v1, syn_setup, syn_teardown),
        cmocka_unit_test_setup_teardown(test_one_engine_log_v2, syn_setup, syn_teardown),
        cmocka_unit_test_setup_teardown(test_part_tamper_v1, syn_setup, syn_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
