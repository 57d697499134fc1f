/*
 * test_loghostile.c - decision logs changed outside slate, as the reader, the
 * verifier, replay's check mode and the writer (`run --resume`) meet them
 * (issue 12): objects added to or missing from the schema, a schema_version
 * that is no number, meta rows slate does not write, values stored as another
 * type than slate writes (which the chain alone does not see), an index that
 * answers for another table, and how the files are opened (immutable, no -wal
 * or -shm left behind, a directory, a FIFO).  The CLI side is
 * tests/cli/hostile-log.sh.  Each test runs on the scenario's log in schema
 * version 1 and in version 2, with the objects and columns of each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "logsynth.h"

typedef struct fixture {
    unsigned schema;  /* the logs' schema version */
    char *dir, *base, *db;
} fixture;

static void copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    assert_non_null(in);
    assert_non_null(out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0) assert_int_equal(fwrite(buf, 1, n, out), n);
    fclose(in);
    assert_int_equal(fclose(out), 0);
}

static int exists(const char *path, const char *suffix)
{
    char p[4096];
    snprintf(p, sizeof p, "%s%s", path, suffix);
    struct stat st;
    return stat(p, &st) == 0;
}

static int setup(void **state, unsigned schema)
{
    fixture *f = calloc(1, sizeof *f);
    f->schema = schema;
    f->dir = syn_tmpdir();
    f->base = syn_path(f->dir, "base.db");
    f->db = syn_path(f->dir, "audit.db");
    assert_int_equal(syn_scenario_v(f->base, NULL, 0, schema), 0);
    *state = f;
    return 0;
}

static int setup1(void **state) { return setup(state, 1); }
static int setup2(void **state) { return setup(state, 2); }

static int teardown(void **state)
{
    fixture *f = *state;
    syn_rmdir(f->dir);
    free(f->base);
    free(f->db);
    free(f);
    return 0;
}

/* Run stmt on the log at path (a connection of its own: one schema per statement). */
/* A fresh copy of the scenario's log at f->db, then `stmt` run on it. */
static void fresh(fixture *f, const char *stmt)
{
    unlink(f->db);
    copy_file(f->base, f->db);
    if (stmt) syn_sql(f->db, stmt);
}

static void says(const char *err, const char *want)
{
    assert_non_null(err);
    if (!strstr(err, want)) fail_msg("`%s` does not say `%s`", err, want);
}

/* Every door refuses the log, naming `want`: the reader (with and without
 * verification), slate_log_verify(), replay's check mode and the writer. */
static void all_refuse(const char *path, const char *want)
{
    slate_log_reader *rd = NULL;
    char *err = NULL;
    slate_log_read_opts vo = {.verify = 1};
    assert_int_equal(slate_log_read_open(path, NULL, &rd, &err), SLATE_ERROR);
    says(err, want);
    slate_log_free(err);
    assert_int_equal(slate_log_read_open(path, &vo, &rd, &err), SLATE_ERROR);
    says(err, want);
    slate_log_free(err);
    assert_int_equal(slate_log_verify(path, NULL, &err), SLATE_ERROR);
    says(err, want);
    slate_log_free(err);
    slate_log *log = NULL;
    slate_log_opts co = {.check = 1, .verify = 1};
    assert_int_equal(slate_log_open_opts(path, &co, &log, &err), SLATE_ERROR);
    says(err, want);
    slate_log_free(err);
    slate_log_opts wo = {.must_exist = 1};
    assert_int_equal(slate_log_open_opts(path, &wo, &log, &err), SLATE_ERROR);
    says(err, want);
    slate_log_free(err);
}

/* Only verification refuses it (the reader opens it when not asked to verify). */
static void verify_refuses(const char *path, const char *want)
{
    slate_log_reader *rd = NULL;
    char *err = NULL;
    slate_log_read_opts vo = {.verify = 1};
    assert_int_equal(slate_log_read_open(path, &vo, &rd, &err), SLATE_ERROR);
    says(err, want);
    says(err, "the log does not verify");
    slate_log_free(err);
    assert_int_equal(slate_log_verify(path, NULL, &err), SLATE_ERROR);
    says(err, want);
    slate_log_free(err);
    assert_int_equal(slate_log_read_open(path, NULL, &rd, &err), SLATE_OK);
    slate_log_read_close(rd);
}

/* An edit of the scenario's log and what refusing it must say (one or two
 * needles, each checked on its own). */
typedef struct edit {
    const char *sql;
    const char *says[2];
} edit;

/* Each edit on a fresh copy of the log, refused by refuses() for each needle. */
static void each_refused(fixture *f, const edit *e, size_t n,
                         void (*refuses)(const char *, const char *))
{
    for (size_t i = 0; i < n; i++) {
        fresh(f, e[i].sql);
        for (int k = 0; k < 2 && e[i].says[k]; k++) refuses(f->db, e[i].says[k]);
    }
}
#define ALL_REFUSE(f, edits) each_refused(f, edits, sizeof edits / sizeof *edits, all_refuse)
#define VERIFY_REFUSES(f, edits) \
    each_refused(f, edits, sizeof edits / sizeof *edits, verify_refuses)

/* Issue 12, defect 3: a trigger (it would rewrite rows as `run --resume`
 * writes), a view, an index, a table: every object slate does not create is
 * refused by name, and so is one missing or changed. */
static void test_schema_objects(void **state)
{
    static const edit both[] = {
        {"CREATE TRIGGER t AFTER INSERT ON events BEGIN "
         "UPDATE policies SET name = 'x' WHERE pos = 1; END",
         {"schema: the log holds trigger `t` on `events`, which slate does not create"}},
        {"CREATE VIEW v AS SELECT * FROM events", {"view `v`"}},
        {"CREATE INDEX extra ON events(type)", {"index `extra` on `events`"}},
        {"CREATE TABLE notes (x)", {"table `notes`"}},
        {"ANALYZE", {"table `sqlite_stat1`"}},
        /* a table rebuilt without a constraint (the rows and the chain intact) */
        {"PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, "
         "'status TEXT CHECK (status IN (''accepted'',''rejected''))', 'status TEXT') "
         "WHERE name = 'events'",
         {"schema: table `events` is not the one slate creates"}},
    };
    static const edit v1[] = {
        {"DROP INDEX decisions_entry",
         {"schema: index `decisions_entry` on `decisions` is missing"}},
        /* defect 9: a missing table is the input's fault, named */
        {"DROP TABLE decisions", {"schema: table `decisions` is missing"}},
    };
    static const edit v2[] = {
        {"DROP INDEX events_policy", {"schema: index `events_policy` on `events` is missing"}},
        {"DROP TABLE case_index", {"schema: table `case_index` is missing"}},
        {"DROP VIEW decisions", {"schema: view `decisions` is missing"}},
        /* an auditor's view that answers otherwise (the rows and chain intact) */
        {"DROP VIEW breaches; CREATE VIEW breaches AS SELECT * FROM decisions "
         "WHERE action = 'breach' AND case_id <> 'B'",
         {"schema: view `breaches` is not the one slate creates"}},
        {"DROP VIEW cases; CREATE VIEW cases AS SELECT case_id, count(*) AS entries, "
         "min(entry) AS first_entry, max(entry) AS last_entry FROM case_index "
         "GROUP BY case_id HAVING count(*) > 1",
         {"schema: view `cases` is not the one slate creates"}},
        /* a trigger that would change what the index holds as rows come */
        {"CREATE TRIGGER ci AFTER INSERT ON case_index BEGIN "
         "DELETE FROM case_index WHERE case_id = 'B'; END",
         {"schema: the log holds trigger `ci` on `case_index`"}},
        /* case_index rebuilt as a rowid table (same columns) */
        {"PRAGMA writable_schema = ON; UPDATE sqlite_master SET sql = replace(sql, "
         "' WITHOUT ROWID', '') WHERE name = 'case_index'",
         {"schema: table `case_index` is not the one slate creates"}},
    };
    fixture *f = *state;
    ALL_REFUSE(f, both);
    if (f->schema == 1) ALL_REFUSE(f, v1);
    else ALL_REFUSE(f, v2);
    fresh(f, NULL);
    assert_int_equal(slate_log_verify(f->db, NULL, NULL), SLATE_OK);
}

/* Defect 9: a schema_version that is not a number is named as it is, not as
 * "version 0". */
static void test_version_text(void **state)
{
    fixture *f = *state;
    const edit edits[] = {
        {"UPDATE meta SET value = 'abc' WHERE key = 'schema_version'",
         {"schema_version is `abc`, not a version number"}},
        {"UPDATE meta SET value = '7' WHERE key = 'schema_version'",
         {"log schema version 7, this slate reads versions 1 to 2"}},
        {"UPDATE meta SET value = '02' WHERE key = 'schema_version'",
         {"log schema version 02, this slate reads versions 1 to 2"}},
        /* the other version than the tables are: the schema is not its */
        {f->schema == 1 ? "UPDATE meta SET value = '2' WHERE key = 'schema_version'"
                        : "UPDATE meta SET value = '1' WHERE key = 'schema_version'",
         {"schema: "}},
        {"DELETE FROM meta WHERE key = 'schema_version'", {"not a slate decision log"}},
    };
    ALL_REFUSE(f, edits);
}

/* Meta rows the chain cannot seal must still be the ones slate writes. */
static void test_meta_rows(void **state)
{
    static const edit edits[] = {
        {"INSERT INTO meta VALUES ('state.note', 'x')",
         {"meta: `state.note` is not a row slate writes"}},
        {"INSERT INTO meta VALUES (NULL, 'x')", {"meta: the row `NULL` is not text"}},
        /* a sealed value as a blob of the same bytes hashes the same */
        {"UPDATE meta SET value = CAST(value AS BLOB) WHERE key = 'pseudonym'",
         {"meta: the row `pseudonym` is not text"}},
        /* a NUL byte would cut the sealed value the genesis hashes */
        {"UPDATE meta SET value = value || char(0) || 'x' WHERE key = 'pseudonym'",
         {"meta: the row `pseudonym` is not text"}},
        {"UPDATE meta SET value = value || 'x' WHERE key = 'state.pos'", {"is not a position"}},
        {"DELETE FROM meta WHERE key = 'state.writer'", {"meta: state.writer is missing"}},
    };
    fixture *f = *state;
    VERIFY_REFUSES(f, edits);
    /* a key held twice by the table, once by its index (the file edited below
     * SQL): the genesis read through the index would hash the sealed value
     * while the reader's meta would take the other */
    fresh(f, "PRAGMA writable_schema = ON;"
             "UPDATE sqlite_master SET sql = 'CREATE TABLE meta (key TEXT, value TEXT NOT NULL)'"
             "  WHERE name = 'meta';"
             "DELETE FROM sqlite_master WHERE name = 'sqlite_autoindex_meta_1'");
    syn_sql(f->db, "INSERT INTO meta VALUES ('pseudonym', 'hmac-sha256')");
    /* meta and its key index are the first objects slate creates: pages 2, 3 */
    syn_sql(f->db, "PRAGMA writable_schema = ON;"
               "UPDATE sqlite_master SET sql = 'CREATE TABLE meta (key TEXT PRIMARY KEY, "
               "value TEXT NOT NULL)' WHERE name = 'meta';"
               "INSERT INTO sqlite_master VALUES ('index', 'sqlite_autoindex_meta_1', 'meta', 3, "
               "NULL)");
    verify_refuses(f->db, "meta: the key `pseudonym` is stored twice");
}

/* A value stored as another storage class than slate writes, with the same
 * bytes, hashes alike: the verifier names the type. */
static void test_value_types(void **state)
{
    static const edit both[] = {
        {"UPDATE events SET chain = CAST(chain AS BLOB) WHERE id = 2",
         {"`chain` is stored as a blob, not text"}},
        {"UPDATE policies SET image = CAST(image AS TEXT)",
         {"`image` is stored as text, not a blob"}},
    };
    static const edit v1[] = {
        {"UPDATE decisions SET args = CAST(args AS BLOB) WHERE seq = 3",
         {"decisions row seq 3 (pos", "`args` is stored as a blob, not text"}},
        {"UPDATE decisions SET rule_line = rule_line + 0.5 WHERE seq = 2",
         {"`rule_line` is stored as a real, not an integer"}},
    };
    static const edit v2[] = {
        /* entry 2 is A's opened: decisions 1-3 */
        {"UPDATE events SET decisions = CAST(decisions AS BLOB) WHERE id = 2",
         {"events row id 2 (event seq 1, pos", "`decisions` is stored as a blob, not text"}},
        {"UPDATE events SET dseq = dseq + 0.5 WHERE id = 2",
         {"`dseq` is stored as a real, not an integer"}},
        /* (CAST AS TEXT would come back an integer: the columns' affinity) */
        {"UPDATE events SET dseq = CAST(dseq AS BLOB) WHERE id = 3",
         {"`dseq` is stored as a blob, not an integer"}},
        {"UPDATE events SET part = CAST(part AS BLOB) WHERE id = 3",
         {"`part` is stored as a blob, not an integer"}},
        {"UPDATE events SET ndecisions = CAST(ndecisions AS BLOB) WHERE id = 3",
         {"`ndecisions` is stored as a blob, not an integer"}},
    };
    fixture *f = *state;
    if (f->schema == 1) VERIFY_REFUSES(f, v1);
    else VERIFY_REFUSES(f, v2);
    VERIFY_REFUSES(f, both);
}

/* Rows of one case from a reader, as "E<id>" and "D<seq>" words. */
static void case_rows(slate_log_reader *rd, const char *case_id, char *out, size_t size)
{
    slate_log_scan scan = {.case_id = case_id, .case_len = strlen(case_id)};
    slate_log_cursor *cur;
    assert_int_equal(slate_log_cursor_open(rd, &scan, &cur), SLATE_OK);
    slate_log_row row;
    size_t n = 0;
    out[0] = 0;
    while (slate_log_cursor_next(cur, &row) == SLATE_OK && row.what && n < size)
        n += (size_t)snprintf(out + n, size - n, "%s%c%" PRId64, n ? " " : "",
                              row.what == SLATE_LOG_SCAN_ENTRIES ? 'E' : 'D',
                              row.what == SLATE_LOG_SCAN_ENTRIES ? row.entry.id
                                                                 : row.decision.seq);
    slate_log_cursor_close(cur);
}

/* A reader's rows of one case.  (Not slate_log_read_case(): it counts by the
 * case index, verified or not, as slate_log.h says.) */
static void case_view(slate_log_reader *rd, const char *case_id, char *out, size_t size)
{
    case_rows(rd, case_id, out, size);
}

/* The chain covers tables, not indexes: with the case indexes swapped
 * (version 1: the rows and the chain untouched, so the log verifies), a
 * verified reader still finds exactly the case's rows.  Version 2's
 * case_index, which auditors' per-case SQL reads through, is verified as a
 * whole: rows deleted and added there are refused. */
static void test_indexes_not_trusted(void **state)
{
    fixture *f = *state;
    char want[2048], got[2048];
    fresh(f, NULL);
    slate_log_read_opts vo = {.verify = 1};
    slate_log_reader *rd = NULL;
    assert_int_equal(slate_log_read_open(f->db, &vo, &rd, NULL), SLATE_OK);
    case_view(rd, "B", want, sizeof want);
    slate_log_read_close(rd);
    assert_non_null(strchr(want, 'D'));

    if (f->schema == 1)
        fresh(f, "CREATE TEMP TABLE r AS SELECT name, rootpage FROM main.sqlite_master "
                 "  WHERE name IN ('events_case', 'decisions_case');"
                 "PRAGMA writable_schema = ON;"
                 "UPDATE main.sqlite_master SET rootpage = (SELECT rootpage FROM r "
                 "  WHERE name = 'decisions_case') WHERE name = 'events_case';"
                 "UPDATE main.sqlite_master SET rootpage = (SELECT rootpage FROM r "
                 "  WHERE name = 'events_case') WHERE name = 'decisions_case';");
    else /* B's opened (entry 3) unlisted, A's opened (entry 2) listed for B */
        fresh(f, "DELETE FROM case_index WHERE case_id = 'B' AND entry = 3;"
                 "INSERT INTO case_index VALUES ('B', 2)");
    if (f->schema == 1) assert_int_equal(slate_log_verify(f->db, NULL, NULL), SLATE_OK);
    else verify_refuses(f->db, "case_index: ");
    /* through the indexes the case's rows are others (what the test guards) */
    assert_int_equal(slate_log_read_open(f->db, NULL, &rd, NULL), SLATE_OK);
    case_rows(rd, "B", got, sizeof got);
    slate_log_read_close(rd);
    assert_string_not_equal(got, want);
    if (f->schema == 1) {
        assert_int_equal(slate_log_read_open(f->db, &vo, &rd, NULL), SLATE_OK);
        case_view(rd, "B", got, sizeof got);
        slate_log_read_close(rd);
        assert_string_equal(got, want);
    }
}

/* The reader's files: nothing left beside the log, immutable on request, a
 * -wal holding rows read even then, a writer's files left alone. */
static void test_files(void **state)
{
    fixture *f = *state;
    fresh(f, NULL);
    slate_log_reader *rd = NULL;
    slate_log_info info, ref;
    assert_int_equal(slate_log_read_open(f->db, NULL, &rd, NULL), SLATE_OK);
    assert_int_equal(slate_log_read_info(rd, &ref), SLATE_OK);
    slate_log_read_close(rd);
    assert_false(exists(f->db, "-wal"));
    assert_false(exists(f->db, "-shm"));
    slate_log_read_opts io = {.verify = 1, .immutable = 1};
    assert_int_equal(slate_log_read_open(f->db, &io, &rd, NULL), SLATE_OK);
    assert_false(exists(f->db, "-wal")); /* immutable: nothing created, even open */
    slate_log_read_close(rd);
    assert_int_equal(slate_log_verify(f->db, NULL, NULL), SLATE_OK);
    assert_false(exists(f->db, "-wal"));
    assert_false(exists(f->db, "-shm"));

    /* a writer appends and stays open: its files are its own */
    slate_log_opts wo = {.must_exist = 1, .batch = 1};
    slate_log *log = NULL;
    assert_int_equal(slate_log_open_opts(f->db, &wo, &log, NULL), SLATE_OK);
    uint64_t dseq = ref.last_decision_seq + 1;
    assert_int_equal(syn_events(log, ref.last_event_seq + 1, 2, &dseq), 0);
    assert_int_equal(slate_log_flush(log), SLATE_OK);
    assert_true(exists(f->db, "-wal"));
    assert_int_equal(slate_log_read_open(f->db, NULL, &rd, NULL), SLATE_OK);
    slate_log_read_close(rd);
    assert_true(exists(f->db, "-wal"));
    /* a copy of the file with its -wal, as a killed writer leaves them: the
     * rows in the -wal are read, immutable or not */
    char *copy = syn_path(f->dir, "copy.db"), *copy_wal = syn_path(f->dir, "copy.db-wal");
    char wal[4096];
    snprintf(wal, sizeof wal, "%s-wal", f->db);
    copy_file(f->db, copy);
    copy_file(wal, copy_wal);
    assert_int_equal(slate_log_close(log, NULL), SLATE_OK);
    assert_false(exists(f->db, "-wal"));
    assert_int_equal(slate_log_read_open(copy, &io, &rd, NULL), SLATE_OK);
    assert_int_equal(slate_log_read_info(rd, &info), SLATE_OK);
    assert_int_equal(info.entries, ref.entries + 2);
    slate_log_read_close(rd);
    free(copy);
    free(copy_wal);

    /* not files a log can be */
    char *err = NULL;
    assert_int_equal(slate_log_read_open(f->dir, NULL, &rd, &err), SLATE_LOG_IOERR);
    says(err, "Is a directory");
    slate_log_free(err);
    char *fifo = syn_path(f->dir, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    assert_int_equal(slate_log_read_open(fifo, NULL, &rd, &err), SLATE_ERROR);
    says(err, "not a regular file");
    slate_log_free(err);
    free(fifo);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup1, teardown), \
        cmocka_unit_test_setup_teardown(fn, setup2, teardown)
    const struct CMUnitTest tests[] = {
        T(test_schema_objects),
        T(test_version_text),
        T(test_meta_rows),
        T(test_value_types),
        T(test_indexes_not_trusted),
        T(test_files),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
