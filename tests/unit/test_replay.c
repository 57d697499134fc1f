/*
 * test_replay.c - the decision log through the whole pipeline: tests/audit/
 * svc.slate compiled in memory, tests/audit/svc.events.jsonl fed through the
 * event reader and the engine into a log (io/runner.c, what `slate run --log`
 * does), then `slate replay`, `explain`, `report` and `diff` on that log:
 * golden outputs, a replay that matches, forged logs whose chain was rebuilt
 * (only replay can tell), pseudonyms, a hot swap, and diff against svc2.slate.
 * Every test runs on a log of schema version 1 and on one of version 2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <jansson.h>
#include <sqlite3.h>

#include "cli.h"
#include "log/dlog.h"
#include "runner.h"
#include "logforge.h"
#include "logsynth.h"
#include "testutil.h"
#include "rerun.h"

#define UNTIL 1741111200000LL /* 2025-03-04T18:00:00Z */

typedef struct fixture {
    unsigned schema; /* the logs' schema version */
    char *dir, *db, *out;
} fixture;

static int setup(void **state, unsigned schema)
{
    fixture *f = calloc(1, sizeof *f);
    f->schema = schema;
    f->dir = syn_tmpdir();
    f->db = syn_path(f->dir, "audit.db");
    f->out = syn_path(f->dir, "out.txt");
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
    free(f->out);
    free(f);
    return 0;
}

/* Feed the scenario's events to a new log through the runner, as `slate run
 * --log` does: policy `p1`, and from event `swap_at` on (0: never) policy `p2`
 * (a hot swap, which slate run cannot do yet).  `key` may be NULL. */
static void build_log(const char *db, const char *p1, const char *p2, uint64_t swap_at,
                      const char *key, unsigned schema)
{
    char skip[48];
    snprintf(skip, sizeof skip, "max_skip_ms=%lld", (long long)RUNNER_MAX_SKIP_DEFAULT_MS);
    const char *opts_list[] = {"tolerance_ms=0", "strict=0", skip, NULL};
    slate_log_opts opts = {.options = opts_list, .batch = 4, .schema = schema};
    if (key) {
        opts.pseudonym_key = key;
        opts.pseudonym_key_len = strlen(key);
    }
    slate_log *log = NULL;
    char *err = NULL;
    assert_int_equal(slate_log_open_opts(db, &opts, &log, &err), SLATE_OK);
    slate_program *progs[2] = {NULL, NULL};
    uint8_t *img;
    char *src;
    size_t len, srclen;
    assert_int_equal(rr_load_policy(p1, &progs[0], &img, &len, &src, &srclen, "test"), EXIT_OK);
    slate_log_policy lp = rr_policy_info(progs[0], img, len, src, srclen);
    slate_engine_opts eo = SLATE_ENGINE_OPTS_INIT;
    runner run;
    if (runner_init(&run, progs[0], &eo, NULL, log, &lp)) fail_msg("%s", run.err);
    run.max_skip_ms = RUNNER_MAX_SKIP_DEFAULT_MS;
    free(img);
    free(src);
    ev_reader *rd = ev_reader_new(progs[0], 0);
    ev_result *res = malloc(sizeof *res);
    FILE *in = fopen("tests/audit/svc.events.jsonl", "r");
    assert_non_null(in);
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    uint64_t seq = 0;
    while ((n = getline(&line, &cap, in)) > 0) {
        if (line[n - 1] == '\n') n--;
        if (swap_at && seq + 1 == swap_at && !progs[1]) {
            assert_int_equal(rr_load_policy(p2, &progs[1], &img, &len, &src, &srclen, "test"),
                             EXIT_OK);
            lp = rr_policy_info(progs[1], img, len, src, srclen);
            if (runner_swap(&run, progs[1], &lp)) fail_msg("%s", run.err);
            free(img);
            free(src);
            ev_reader_free(rd);
            rd = ev_reader_new(progs[1], 0);
        }
        if (ev_parse_line(rd, line, (size_t)n, res) == EV_BLANK) continue;
        res->ev.seq = ++seq;
        if (runner_feed(&run, res)) fail_msg("%s", run.err);
    }
    if (runner_advance(&run, UNTIL)) fail_msg("%s", run.err);
    free(line);
    free(res);
    fclose(in);
    ev_reader_free(rd);
    runner_release(&run);
    slate_program_free(progs[0]);
    slate_program_free(progs[1]);
    assert_int_equal(slate_log_close(log, NULL), SLATE_OK);
}

/* Run a command in process, stdout and stderr to files; *out gets stdout and
 * *err stderr (may be NULL), with the test directory's path removed. */
static int run_cmd(fixture *f, char **out, char **errout, int (*cmd)(int, char **), ...)
{
    char *argv[16];
    int argc = 0;
    va_list ap;
    va_start(ap, cmd);
    for (char *a; argc < 15 && (a = va_arg(ap, char *));) argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    char *errpath = syn_path(f->dir, "err.txt");
    fflush(stdout);
    fflush(stderr);
    int so = dup(1), se = dup(2);
    int fd = open(f->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int fe = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fe, 2);
    close(fd);
    close(fe);
    int rc = cmd(argc, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(so, 1);
    dup2(se, 2);
    close(so);
    close(se);
    char *texts[2] = {tu_slurp(f->out), tu_slurp(errpath)};
    size_t dl = strlen(f->dir);
    for (int i = 0; i < 2; i++)
        for (char *p; (p = strstr(texts[i], f->dir));) memmove(p, p + dl + 1, strlen(p + dl + 1) + 1);
    *out = texts[0];
    if (errout) *errout = texts[1];
    else free(texts[1]);
    free(errpath);
    return rc;
}

/* Replace every 12-digit prefix of `hash` in s with `name` (the same length),
 * so goldens do not change with the compiler's image layout. */
static void mask_hash(char *s, const char *hash, const char *name)
{
    char pre[13];
    snprintf(pre, sizeof pre, "%.12s", hash);
    for (char *p; (p = strstr(s, pre));) memcpy(p, name, 12);
}

/* The policy hashes of tests/audit/svc.slate and svc2.slate as compiled now. */
static void policy_hash(const char *path, char out[65])
{
    slate_program *prog;
    uint8_t *img;
    char *src;
    size_t len, srclen;
    assert_int_equal(rr_load_policy(path, &prog, &img, &len, &src, &srclen, "test"), EXIT_OK);
    snprintf(out, 65, "%s", slate_program_hash(prog));
    slate_program_free(prog);
    free(img);
    free(src);
}

static void golden(const char *name, char *got)
{
    char h1[65], h2[65];
    policy_hash("tests/audit/svc.slate", h1);
    policy_hash("tests/audit/svc2.slate", h2);
    mask_hash(got, h1, "<svc.slate> ");
    mask_hash(got, h2, "<svc2.slate>");
    char path[256];
    snprintf(path, sizeof path, "tests/audit/%s", name);
    tu_golden(path, got);
}

/* B's late response (decision 19, the one decision of event 8) made to look
 * on time: in its decisions row (version 1) or its entry's packed column. */
static void forge_decision_19(const fixture *f)
{
    if (f->schema == 1)
        syn_sql(f->db, "UPDATE decisions SET args = replace(args, '\"met\":false', "
                       "'\"met\":true') WHERE seq = 19");
    else
        syn_sql(f->db, "UPDATE events SET decisions = replace(decisions, '\"met\":false', "
                       "'\"met\":true') WHERE seq = 8 AND dseq = 19 AND ndecisions = 1");
}

/* ---- replay ------------------------------------------------------------------- */

static void test_replay_matches(void **state)
{
    fixture *f = *state;
    build_log(f->db, "tests/audit/svc.slate", NULL, 0, NULL, f->schema);
    char *out;
    assert_int_equal(run_cmd(f, &out, NULL, cmd_replay, "replay", f->db, NULL), EXIT_OK);
    assert_non_null(strstr(out, "audit.db: replay matches: 15 events (2 rejected), 1 policy "
                                "entries, 28 decisions"));
    free(out);
    /* the same input gives the same log, head included */
    char *again = syn_path(f->dir, "again.db");
    build_log(again, "tests/audit/svc.slate", NULL, 0, NULL, f->schema);
    slate_log_summary a, b;
    assert_int_equal(slate_log_verify(f->db, &a, NULL), SLATE_OK);
    assert_int_equal(slate_log_verify(again, &b, NULL), SLATE_OK);
    assert_string_equal(a.head, b.head);
    free(again);
}

static void test_replay_forged_decision(void **state)
{
    fixture *f = *state;
    build_log(f->db, "tests/audit/svc.slate", NULL, 0, NULL, f->schema);
    /* B's late response made to look on time, chain rebuilt: only replay sees it */
    forge_decision_19(f);
    forge_rechain(f->db);
    assert_int_equal(slate_log_verify(f->db, NULL, NULL), SLATE_OK);
    char *out, *err;
    assert_int_equal(run_cmd(f, &out, &err, cmd_replay, "replay", f->db, NULL), EXIT_INPUT);
    assert_non_null(strstr(err, "first divergence at event seq 8 (entry 9), decision seq 19: "
                                "`args`: expected {\"clock\":\"response\",\"target_ms\":7200000,"
                                "\"elapsed_ms\":10500000,\"met\":false,\"breached_ms\":7200000}, "
                                "found {"));
    free(out);
    free(err);
}

static void test_replay_forged_event(void **state)
{
    fixture *f = *state;
    build_log(f->db, "tests/audit/svc.slate", NULL, 0, NULL, f->schema);
    /* B's response moved earlier in the payload, chain rebuilt */
    syn_sql(f->db, "UPDATE events SET payload = replace(payload, '12:00:00Z', '10:00:00Z') "
               "WHERE seq = 8");
    forge_rechain(f->db);
    char *out, *err;
    assert_int_equal(run_cmd(f, &out, &err, cmd_replay, "replay", f->db, NULL), EXIT_INPUT);
    assert_non_null(strstr(err, "first divergence at event seq 8"));
    free(out);
    free(err);
}

static void test_replay_edited_not_rechained(void **state)
{
    fixture *f = *state;
    build_log(f->db, "tests/audit/svc.slate", NULL, 0, NULL, f->schema);
    syn_sql(f->db, "UPDATE events SET payload = replace(payload, 'attitude', 'process') WHERE seq = 2");
    char *out, *err;
    assert_int_equal(run_cmd(f, &out, &err, cmd_replay, "replay", f->db, NULL), EXIT_INPUT);
    /* positions before it: the policies row, the policy entry, event 1 and
     * (version 1) its 3 decisions rows */
    assert_non_null(strstr(err, f->schema == 1 ? "events row id 3 (event seq 2, pos 7): "
                                               : "events row id 3 (event seq 2, pos 4): "));
    assert_non_null(strstr(err, "its content does not match its chain hash: the row was "
                                "edited"));
    free(out);
    free(err);
}

/* A forged decision (chain rebuilt: only the replay sees it) and, later in the
 * log, an edit that breaks the chain: verifying in the replay's pass must still
 * name the tampering, as verifying first did, not the earlier divergence. */
static void test_replay_names_tampering_before_divergence(void **state)
{
    fixture *f = *state;
    build_log(f->db, "tests/audit/svc.slate", NULL, 0, NULL, f->schema);
    forge_decision_19(f);
    forge_rechain(f->db);
    syn_sql(f->db, "UPDATE events SET reason = 'x' WHERE id = (SELECT max(id) FROM events)");
    char *verr = NULL;
    assert_int_equal(slate_log_verify(f->db, NULL, &verr), SLATE_ERROR);
    char *out, *err;
    assert_int_equal(run_cmd(f, &out, &err, cmd_replay, "replay", f->db, NULL), EXIT_INPUT);
    assert_non_null(strstr(err, verr));
    assert_non_null(strstr(err, "the row was edited"));
    assert_null(strstr(err, "divergence"));
    slate_log_free(verr);
    free(out);
    free(err);
}

/* slate_log_check_verify() with nothing replayed verifies the whole log, and
 * gives slate_log_verify()'s result: its summary, or its first problem. */
static void test_check_verify_is_verify(void **state)
{
    fixture *f = *state;
    build_log(f->db, "tests/audit/svc.slate", NULL, 0, NULL, f->schema);
    slate_log_opts opts = {.check = 1, .verify = 1};
    for (int tampered = 0; tampered < 2; tampered++) {
        /* an edit: a deleted row would already fail the open (row count) */
        if (tampered)
            syn_sql(f->db, f->schema == 1
                               ? "UPDATE decisions SET args = args || ' ' WHERE seq = 10"
                               : "UPDATE events SET decisions = replace(decisions, '}]', '} ]') "
                                 "WHERE dseq <= 10 AND dseq + ndecisions > 10");
        slate_log_summary a, b;
        char *ea = NULL, *eb = NULL;
        int ra = slate_log_verify(f->db, &a, &ea);
        slate_log *log;
        assert_int_equal(slate_log_open_opts(f->db, &opts, &log, NULL), SLATE_OK);
        int rb = slate_log_check_verify(log, &b, &eb);
        assert_int_equal(ra, tampered ? SLATE_ERROR : SLATE_OK);
        assert_int_equal(ra, rb);
        if (tampered) {
            assert_string_equal(ea, eb);
        } else {
            assert_memory_equal(&a, &b, sizeof a);
            assert_true(a.decisions > 0);
        }
        /* a second call gives the same */
        slate_log_free(eb);
        eb = NULL;
        assert_int_equal(slate_log_check_verify(log, NULL, &eb), ra);
        if (tampered) assert_string_equal(ea, eb);
        slate_log_free(ea);
        slate_log_free(eb);
        slate_log_close(log, NULL);
    }
    /* without verify it is misuse */
    slate_log_opts plain = {.check = 1};
    slate_log *log;
    assert_int_equal(slate_log_open_opts(f->db, &plain, &log, NULL), SLATE_OK);
    assert_int_equal(slate_log_check_verify(log, NULL, NULL), SLATE_MISUSE);
    slate_log_close(log, NULL);
}

/* Two decisions whose positions were swapped: read by seq (the verifier's
 * fast order) the log looks different than in pos order, and the problem must
 * be named as in pos order: the row at the first position has the wrong seq. */
static void test_verify_names_problems_in_pos_order(void **state)
{
    fixture *f = *state;
    build_log(f->db, "tests/audit/svc.slate", NULL, 0, NULL, f->schema);
    char *verr = NULL;
    if (f->schema == 1) {
        syn_sql(f->db, "CREATE TEMP TABLE t AS SELECT seq, pos FROM decisions WHERE seq IN (5, 9);"
                   "UPDATE decisions SET pos = -pos WHERE seq IN (5, 9);"
                   "UPDATE decisions SET pos = (SELECT pos FROM t WHERE t.seq = 14 - decisions.seq) "
                   "WHERE seq IN (5, 9)");
        assert_int_equal(slate_log_verify(f->db, NULL, &verr), SLATE_ERROR);
        assert_non_null(strstr(verr, "decisions row seq 9 ("));
        assert_non_null(strstr(verr, "expected decision seq 5"));
    } else { /* two entries' positions swapped: entries 4 and 8 */
        syn_sql(f->db, "CREATE TEMP TABLE t AS SELECT id, pos FROM events WHERE id IN (4, 8);"
                   "UPDATE events SET pos = -pos WHERE id IN (4, 8);"
                   "UPDATE events SET pos = (SELECT pos FROM t WHERE t.id = 12 - events.id) "
                   "WHERE id IN (4, 8)");
        assert_int_equal(slate_log_verify(f->db, NULL, &verr), SLATE_ERROR);
        assert_non_null(strstr(verr, "events row id 8 ("));
    }
    char *out, *err;
    assert_int_equal(run_cmd(f, &out, &err, cmd_replay, "replay", f->db, NULL), EXIT_INPUT);
    assert_non_null(strstr(err, verr));
    slate_log_free(verr);
    free(out);
    free(err);
}

static void test_replay_pseudonyms(void **state)
{
    fixture *f = *state;
    build_log(f->db, "tests/audit/svc.slate", NULL, 0, "k3y", f->schema);
    char *out;
    assert_int_equal(run_cmd(f, &out, NULL, cmd_replay, "replay", f->db, NULL), EXIT_OK);
    free(out);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(f->db, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*) FROM events WHERE payload LIKE "
                                            "'%\"case\":\"B\"%' OR case_id = 'B'", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
}

static void test_replay_swap(void **state)
{
    fixture *f = *state;
    build_log(f->db, "tests/audit/svc.slate", "tests/audit/svc2.slate", 7, NULL, f->schema);
    char *out;
    assert_int_equal(run_cmd(f, &out, NULL, cmd_replay, "replay", f->db, NULL), EXIT_OK);
    assert_non_null(strstr(out, "2 policy entries"));
    free(out);
}

static void test_replay_of_slate_run(void **state)
{
    fixture *f = *state;
    char *out, *err;
    assert_int_equal(run_cmd(f, &out, &err, cmd_run, "run", "-q", "--log", f->db, "--log-schema",
                             f->schema == 1 ? "1" : "2", "--until",
                             "2025-03-04T18:00:00Z", "tests/audit/svc.slate",
                             "tests/audit/svc.events.jsonl", NULL),
                     EXIT_OK);
    free(out);
    free(err);
    assert_int_equal(run_cmd(f, &out, &err, cmd_replay, "replay", f->db, NULL), EXIT_OK);
    assert_non_null(strstr(out, "replay matches: 15 events (2 rejected), 1 policy entries, "
                                "28 decisions"));
    free(out);
    free(err);
    /* the runner's log and slate run's log are the same log */
    char *mine = syn_path(f->dir, "mine.db");
    build_log(mine, "tests/audit/svc.slate", NULL, 0, NULL, f->schema);
    slate_log_summary a, b;
    assert_int_equal(slate_log_verify(f->db, &a, NULL), SLATE_OK);
    assert_int_equal(slate_log_verify(mine, &b, NULL), SLATE_OK);
    assert_string_equal(a.head, b.head);
    free(mine);
}

/* ---- explain, report, diff on the real log ---------------------------------------- */

static void test_goldens(void **state)
{
    fixture *f = *state;
    build_log(f->db, "tests/audit/svc.slate", NULL, 0, NULL, f->schema);
    char *out;
    assert_int_equal(run_cmd(f, &out, NULL, cmd_explain, "explain", f->db, "B", NULL), EXIT_OK);
    golden("svc.explain-B.txt", out);
    free(out);
    assert_int_equal(run_cmd(f, &out, NULL, cmd_report, "report", f->db, NULL), EXIT_OK);
    golden("svc.report.txt", out);
    free(out);
    /* The engine's stream is the synthetic scenario of test_audit.c (see the hand
     * computation there) plus what the synthetic log leaves out: B's review
     * breaches at Tuesday 17:30 (9 working hours after Monday 17:30), so 3
     * breaches, all of tier complaint. */
    assert_int_equal(run_cmd(f, &out, NULL, cmd_report, "report", "--json", f->db, NULL), EXIT_OK);
    json_t *r = json_loads(out, 0, NULL);
    assert_non_null(r);
    json_t *clocks = json_object_get(r, "clocks"), *br = json_object_get(r, "breaches");
    assert_true(json_real_value(json_object_get(json_object_get(clocks, "response"), "met_pct")) == 66.7);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(clocks, "response"), "avg_s")), 6100);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(clocks, "resolution"), "avg_s")), 15750);
    assert_int_equal(json_integer_value(json_object_get(br, "total")), 3);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(br, "by_tier"), "complaint")), 3);
    json_decref(r);
    free(out);
    assert_int_equal(run_cmd(f, &out, NULL, cmd_diff, "diff", "--policy", "tests/audit/svc2.slate",
                             f->db, NULL),
                     EXIT_OK);
    golden("svc.diff.txt", out);
    free(out);
}

static void test_diff(void **state)
{
    fixture *f = *state;
    build_log(f->db, "tests/audit/svc.slate", NULL, 0, NULL, f->schema);
    char *out;
    /* the same policy: no case differs */
    assert_int_equal(run_cmd(f, &out, NULL, cmd_diff, "diff", "--exit-code", "--policy",
                             "tests/audit/svc.slate", f->db, NULL),
                     EXIT_OK);
    assert_non_null(strstr(out, "4 compared, 0 differ"));
    free(out);
    assert_int_equal(run_cmd(f, &out, NULL, cmd_diff, "diff", "--exit-code", "--json", "--policy",
                             "tests/audit/svc2.slate", f->db, NULL),
                     EXIT_INPUT);
    json_t *j = json_loads(out, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "totals"),
                                                        "cases_differing")),
                     2);
    json_t *cases = json_object_get(j, "cases");
    assert_string_equal(json_string_value(json_object_get(json_array_get(cases, 0), "case")), "A");
    json_decref(j);
    free(out);
    char *err;
    assert_int_equal(run_cmd(f, &out, &err, cmd_diff, "diff", f->db, NULL), EXIT_USAGE);
    free(out);
    free(err);
}

int main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup1, teardown), \
        cmocka_unit_test_setup_teardown(fn, setup2, teardown)
    const struct CMUnitTest tests[] = {
        T(test_replay_matches),   T(test_replay_forged_decision), T(test_replay_forged_event),
        T(test_replay_edited_not_rechained), T(test_replay_pseudonyms), T(test_replay_swap),
        T(test_replay_of_slate_run), T(test_replay_names_tampering_before_divergence),
        T(test_check_verify_is_verify), T(test_verify_names_problems_in_pos_order),
        T(test_goldens),          T(test_diff),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
