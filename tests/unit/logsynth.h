/*
 * logsynth.h - synthetic decision logs for the log and audit tests.
 *
 * Builds slate_decision values by hand and feeds them to the log sink, so the
 * log, its verifier and the audit tools are tested without the engine.  Header
 * only (static functions): each test executable includes it once, after
 * cmocka.h (syn_sql and the checking helpers fail the test with cmocka's
 * assertions).
 */
#ifndef SLATE_LOGSYNTH_H
#define SLATE_LOGSYNTH_H

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "slate_log.h"

/* Not every test uses every helper. */
#define SYN_FN static __attribute__((unused))

#define SYN_HASH1 "1111111111111111111111111111111111111111111111111111111111111111"
#define SYN_HASH2 "2222222222222222222222222222222222222222222222222222222222222222"

/* A fresh empty directory for the test's files; the path is malloc'd. */
SYN_FN char *syn_tmpdir(void)
{
    char tmpl[] = "/tmp/slate-test-XXXXXX";
    char *d = mkdtemp(tmpl);
    return d ? strdup(d) : NULL;
}

/* Run `stmt` on the database at `path` (a tamperer's edit, a check's setup);
 * any failure fails the test, naming the statement. */
SYN_FN void syn_sql(const char *path, const char *stmt)
{
    sqlite3 *db = NULL;
    if (sqlite3_open(path, &db) != SQLITE_OK) fail_msg("cannot open %s", path);
    char *msg = NULL;
    if (sqlite3_exec(db, stmt, NULL, NULL, &msg) != SQLITE_OK)
        fail_msg("%s: %s", stmt, msg ? msg : "?");
    sqlite3_close(db);
}

SYN_FN char *syn_path(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

SYN_FN void syn_rmdir(char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", dir);
    free(dir);
}

/* The usual fixture of a log test: a fresh directory and "audit.db" in it
 * (not created), removed after the test. */
typedef struct syn_fixture {
    char *dir, *db;
} syn_fixture;

SYN_FN int syn_setup(void **state)
{
    syn_fixture *f = calloc(1, sizeof *f);
    if (!f) return -1;
    f->dir = syn_tmpdir();
    f->db = syn_path(f->dir, "audit.db");
    *state = f;
    return 0;
}

SYN_FN int syn_teardown(void **state)
{
    syn_fixture *f = *state;
    syn_rmdir(f->dir);
    free(f->db);
    free(f);
    return 0;
}

SYN_FN int syn_policy(slate_log *log, const char *hash, const char *file, const char *source)
{
    static const unsigned char image[] = {'S', 'L', 'A', 'T', 0, 1, 2, 3};
    slate_log_policy p = {hash, "svc", "1", file, source, source ? strlen(source) : 0,
                          image, sizeof image};
    int rc = slate_log_begin_policy(log, &p);
    return rc ? rc : slate_log_end(log);
}

SYN_FN slate_decision syn_dec(uint64_t seq, int64_t at, const char *case_id, slate_action a,
                              uint64_t event_seq, uint32_t line)
{
    slate_decision d;
    memset(&d, 0, sizeof d);
    d.seq = seq;
    d.at = at;
    d.case_id = case_id;
    d.case_len = case_id ? strlen(case_id) : 0;
    d.action = a;
    d.event_seq = event_seq;
    d.rule_line = line;
    d.deadline = INT64_MIN;
    return d;
}

/* Log `n` simple events (case "c<i%3>", event seq first_seq..), each with
 * i%4 decisions, numbering decisions from *dseq.  Returns 0 or a slate code. */
SYN_FN int syn_events(slate_log *log, uint64_t first_seq, int n, uint64_t *dseq)
{
    for (int i = 0; i < n; i++) {
        char payload[128], cid[16];
        uint64_t seq = first_seq + (uint64_t)i;
        int64_t at = 1740992400000LL + (int64_t)seq * 60000;
        snprintf(cid, sizeof cid, "c%d", (int)(seq % 3));
        int len = snprintf(payload, sizeof payload,
                           "{\"case\":\"%s\",\"type\":\"updated\",\"at\":%lld,\"n\":%d}", cid,
                           (long long)at, i);
        slate_log_event ev = {seq, at, "updated", cid, strlen(cid), payload, (size_t)len, NULL};
        int rc = slate_log_begin_event(log, &ev);
        if (rc) return rc;
        for (int k = 0; k < (int)(seq % 4); k++) {
            slate_decision d = syn_dec((*dseq)++, at, cid, SLATE_A_NOTIFY, seq, 10 + (uint32_t)k);
            d.to = "supervisor";
            d.message = "a \"quoted\" message";
            if (slate_log_sink(log, &d)) return SLATE_ERROR;
        }
        rc = slate_log_end(log);
        if (rc) return rc;
    }
    return 0;
}

/* ---- the scenario the audit tools' golden files describe ----------------------- */

/* Monday 2025-03-03 09:00 UTC, and minutes from it. */
#define SYN_T0 1740992400000LL
#define SYN_MIN(m) (SYN_T0 + (int64_t)(m) * 60000)

static const char syn_source[] =
    "policy \"svc\" version \"1\"\n"                                               /* 1 */
    "calendar business { zone \"UTC\"; hours mon-fri 09:00-18:00 }\n"                /* 2 */
    "case {\n"                                                                      /* 3 */
    "    tier: enum { vip, high, medium, low }\n"                                   /* 4 */
    "    kind: enum { inquiry, request, complaint, incident, feedback }\n"          /* 5 */
    "    category: enum { technical, process, communication, quality, attitude, product, other }\n"
    "    channel: enum { phone, email, chat, onsite, sms, social }\n"               /* 7 */
    "    score: int\n"                                                              /* 8 */
    "}\n"                                                                           /* 9 */
    "clock response   starts on opened   stops on responded\n"                      /* 10 */
    "clock resolution starts on opened   stops on resolved   pauses while waiting\n" /* 11 */
    "clock follow_up  starts on resolved stops on followed_up\n"                    /* 12 */
    "ladder standard {\n"                                                           /* 13 */
    "    at 75% of resolution    notify assignee \"resolution target near\"\n"      /* 14 */
    "    at breach of response   escalate to specialist; notify supervisor\n"       /* 15 */
    "}\n"                                                                           /* 16 */
    "sla vip when tier == vip {\n"                                                  /* 17 */
    "    response within 15m; resolution within 4h; follow_up within 24h; ladder standard\n"
    "}\n"                                                                           /* 19 */
    "sla complaint when kind == complaint {\n"                                      /* 20 */
    "    response within 2h on business; resolution within 2 working days on business\n"
    "    follow_up within 24h; ladder standard\n"                                   /* 22 */
    "}\n"                                                                           /* 23 */
    "sla default { response within 24h on business; resolution within 48h on business }\n"
    "on opened when kind == complaint { route complaint_desk }\n"                   /* 25 */
    "on surveyed when score <= 2 { open review within 1 working day }\n";           /* 26 */

typedef struct syn_ctx {
    slate_log *log;
    uint64_t seq, dseq, ev; /* last event seq, next decision seq, current cause */
    int failed;
} syn_ctx;

SYN_FN void syn_event(syn_ctx *c, int64_t at, const char *case_id, const char *type,
                      const char *payload, const char *reject)
{
    slate_log_event ev = {++c->seq, at, type, case_id, case_id ? strlen(case_id) : 0,
                          payload, strlen(payload), reject};
    c->ev = c->seq;
    if (!c->failed && slate_log_begin_event(c->log, &ev)) c->failed = 1;
}

SYN_FN void syn_end(syn_ctx *c)
{
    if (!c->failed && slate_log_end(c->log)) c->failed = 1;
}

/* One decision; `timer` makes it a timer's (no event). */
SYN_FN void syn_d(syn_ctx *c, int64_t at, const char *case_id, slate_action a, uint32_t line,
                  int timer, const char *clock, int64_t target_ms, int64_t elapsed_ms,
                  int64_t deadline, int met, const char *to, const char *message)
{
    slate_decision d = syn_dec(c->dseq++, at, case_id, a, timer ? 0 : c->ev, line);
    d.clock = clock;
    d.target_ms = target_ms;
    d.elapsed_ms = elapsed_ms;
    d.deadline = deadline;
    d.met = met;
    d.to = to;
    d.message = message;
    if (!c->failed && slate_log_sink(c->log, &d)) c->failed = 1;
}

SYN_FN void syn_sla(syn_ctx *c, int64_t at, const char *case_id, uint32_t line, const char *tier,
                    const char *targets)
{
    slate_decision d = syn_dec(c->dseq++, at, case_id, SLATE_A_SLA, c->ev, line);
    d.tier = tier;
    d.targets = targets;
    if (!c->failed && slate_log_sink(c->log, &d)) c->failed = 1;
}

#define H(n) ((int64_t)(n) * 3600000)
#define M(n) ((int64_t)(n) * 60000)
#define NODL INT64_MIN

/* The scenario (times are minutes after Monday 09:00 UTC; business hours are
 * mon-fri 09-18 UTC):
 *   A  vip incident, technical, phone: responded in 10m, resolved in 2h50m,
 *      followed up, score 5.
 *   B  complaint (medium), attitude, email: response breached at 2h, responded
 *      at 2h55m, resolution paused 14:00-15:00, resolved at 5h55m of working
 *      time, score 2 (a review), follow-up breached on Tuesday 16:00.
 *   C  request (low), technical, chat: responded in 2h, still open.
 *   a line that is not JSON (rejected by the reader), and D opened with an
 *   unknown tier (rejected by the engine); then time advanced to Tuesday 18:00.
 * Writes the log at `path` (key may be NULL).  Returns 0 or -1. */
/* Variants of the stream, for replay checks: what differs from the log. */
enum { SYN_SAME = 0, SYN_ELAPSED, SYN_NO_ROUTE, SYN_EXTRA, SYN_SHORT };

/* Feed the scenario (or a variant) to an open log; returns 0 or -1. */
SYN_FN int syn_scenario_feed(slate_log *log, int variant)
{
    syn_ctx c = {0};
    c.log = log;
    c.dseq = 1;
    if (syn_policy(c.log, SYN_HASH1, "svc.slate", syn_source)) return -1;

    syn_event(&c, SYN_MIN(0), "A", "opened",
              "{\"case\":\"A\",\"type\":\"opened\",\"at\":\"2025-03-03T09:00:00Z\","
              "\"tier\":\"vip\",\"kind\":\"incident\",\"category\":\"technical\","
              "\"channel\":\"phone\"}", NULL);
    syn_sla(&c, SYN_MIN(0), "A", 17, "vip",
            "[{\"clock\":\"response\",\"target_s\":900,\"deadline\":\"2025-03-03T09:15:00.000Z\"},"
            "{\"clock\":\"resolution\",\"target_s\":14400,\"deadline\":\"2025-03-03T13:00:00.000Z\"},"
            "{\"clock\":\"follow_up\",\"target_s\":86400}]");
    syn_d(&c, SYN_MIN(0), "A", SLATE_A_START, 18, 0, "response", M(15), 0, SYN_MIN(15), 0, NULL, NULL);
    syn_d(&c, SYN_MIN(0), "A", SLATE_A_START, 18, 0, "resolution", H(4), 0, SYN_MIN(240), 0, NULL, NULL);
    syn_end(&c);

    syn_event(&c, SYN_MIN(5), "B", "opened",
              "{\"case\":\"B\",\"type\":\"opened\",\"at\":\"2025-03-03T09:05:00Z\","
              "\"tier\":\"medium\",\"kind\":\"complaint\",\"category\":\"attitude\","
              "\"channel\":\"email\"}", NULL);
    syn_sla(&c, SYN_MIN(5), "B", 20, "complaint",
            "[{\"clock\":\"response\",\"target_s\":7200,\"deadline\":\"2025-03-03T11:05:00.000Z\"},"
            "{\"clock\":\"resolution\",\"target_s\":64800,\"deadline\":\"2025-03-05T09:05:00.000Z\"},"
            "{\"clock\":\"follow_up\",\"target_s\":86400}]");
    syn_d(&c, SYN_MIN(5), "B", SLATE_A_START, 21, 0, "response", H(2), 0, SYN_MIN(125), 0, NULL, NULL);
    syn_d(&c, SYN_MIN(5), "B", SLATE_A_START, 21, 0, "resolution", H(18), 0,
          SYN_MIN(5) + H(48), 0, NULL, NULL);
    if (variant != SYN_NO_ROUTE)
        syn_d(&c, SYN_MIN(5), "B", SLATE_A_ROUTE, 25, 0, NULL, 0, 0, NODL, 0, "complaint_desk", NULL);
    syn_end(&c);

    syn_event(&c, SYN_MIN(10), "A", "responded",
              "{\"case\":\"A\",\"type\":\"responded\",\"at\":\"2025-03-03T09:10:00Z\"}", NULL);
    syn_d(&c, SYN_MIN(10), "A", SLATE_A_STOP, 18, 0, "response", M(15), M(10), NODL, 1, NULL, NULL);
    syn_end(&c);

    syn_event(&c, SYN_MIN(30), "C", "opened",
              "{\"case\":\"C\",\"type\":\"opened\",\"at\":\"2025-03-03T09:30:00Z\","
              "\"tier\":\"low\",\"kind\":\"request\",\"category\":\"technical\","
              "\"channel\":\"chat\"}", NULL);
    syn_sla(&c, SYN_MIN(30), "C", 24, "default",
            "[{\"clock\":\"response\",\"target_s\":86400,\"deadline\":\"2025-03-05T15:30:00.000Z\"},"
            "{\"clock\":\"resolution\",\"target_s\":172800,\"deadline\":\"2025-03-10T12:30:00.000Z\"}]");
    syn_d(&c, SYN_MIN(30), "C", SLATE_A_START, 24, 0, "response", H(24), 0,
          SYN_MIN(30) + H(48) + H(6), 0, NULL, NULL);
    syn_d(&c, SYN_MIN(30), "C", SLATE_A_START, 24, 0, "resolution", H(48), 0,
          SYN_MIN(30) + H(7 * 24) + H(3), 0, NULL, NULL);
    syn_end(&c);

    syn_event(&c, SLATE_LOG_NO_TIME, NULL, NULL, "{\"case\": C, oops", "not JSON: invalid token");
    syn_d(&c, SYN_MIN(30), NULL, SLATE_A_REJECT, 0, 0, NULL, 0, 0, NODL, 0, NULL,
          "not JSON: invalid token");
    syn_end(&c);

    syn_event(&c, SYN_MIN(150), "C", "responded",
              "{\"case\":\"C\",\"type\":\"responded\",\"at\":\"2025-03-03T11:30:00Z\"}", NULL);
    syn_d(&c, SYN_MIN(125), "B", SLATE_A_BREACH, 21, 1, "response", H(2), H(2), NODL, 0, NULL, NULL);
    syn_d(&c, SYN_MIN(125), "B", SLATE_A_ESCALATE, 15, 1, NULL, 0, 0, NODL, 0, "specialist", NULL);
    syn_d(&c, SYN_MIN(125), "B", SLATE_A_NOTIFY, 15, 1, NULL, 0, 0, NODL, 0, "supervisor",
          "response target breached");
    syn_d(&c, SYN_MIN(150), "C", SLATE_A_STOP, 24, 0, "response", H(24), H(2), NODL, 1, NULL, NULL);
    syn_end(&c);

    syn_event(&c, SYN_MIN(170), "A", "resolved",
              "{\"case\":\"A\",\"type\":\"resolved\",\"at\":\"2025-03-03T11:50:00Z\"}", NULL);
    syn_d(&c, SYN_MIN(170), "A", SLATE_A_STOP, 18, 0, "resolution", H(4), M(170), NODL, 1, NULL, NULL);
    syn_d(&c, SYN_MIN(170), "A", SLATE_A_START, 18, 0, "follow_up", H(24), 0, SYN_MIN(170) + H(24),
          0, NULL, NULL);
    syn_end(&c);

    syn_event(&c, SYN_MIN(180), "B", "responded",
              "{\"case\":\"B\",\"type\":\"responded\",\"at\":\"2025-03-03T12:00:00Z\"}", NULL);
    syn_d(&c, SYN_MIN(180), "B", SLATE_A_STOP, 21, 0, "response", H(2),
          variant == SYN_ELAPSED ? M(174) : M(175), NODL, 0, NULL, NULL);
    if (variant == SYN_EXTRA)
        syn_d(&c, SYN_MIN(180), "B", SLATE_A_NOTIFY, 15, 0, NULL, 0, 0, NODL, 0, "manager", "late");
    syn_end(&c);

    syn_event(&c, SYN_MIN(300), "B", "paused",
              "{\"case\":\"B\",\"type\":\"paused\",\"at\":\"2025-03-03T14:00:00Z\"}", NULL);
    syn_d(&c, SYN_MIN(300), "B", SLATE_A_PAUSE, 11, 0, "resolution", 0, M(295), NODL, 0, NULL, NULL);
    syn_end(&c);

    syn_event(&c, SYN_MIN(360), "B", "resumed",
              "{\"case\":\"B\",\"type\":\"resumed\",\"at\":\"2025-03-03T15:00:00Z\"}", NULL);
    syn_d(&c, SYN_MIN(360), "B", SLATE_A_RESUME, 11, 0, "resolution", 0, 0, SYN_MIN(65) + H(48), 0,
          NULL, NULL);
    syn_end(&c);

    syn_event(&c, SYN_MIN(420), "B", "resolved",
              "{\"case\":\"B\",\"type\":\"resolved\",\"at\":\"2025-03-03T16:00:00Z\"}", NULL);
    syn_d(&c, SYN_MIN(420), "B", SLATE_A_STOP, 21, 0, "resolution", H(18), M(355), NODL, 1, NULL, NULL);
    syn_d(&c, SYN_MIN(420), "B", SLATE_A_START, 22, 0, "follow_up", H(24), 0, SYN_MIN(420) + H(24),
          0, NULL, NULL);
    syn_end(&c);

    syn_event(&c, SYN_MIN(480), "A", "followed_up",
              "{\"case\":\"A\",\"type\":\"followed_up\",\"at\":\"2025-03-03T17:00:00Z\"}", NULL);
    syn_d(&c, SYN_MIN(480), "A", SLATE_A_STOP, 18, 0, "follow_up", H(24), M(310), NODL, 1, NULL, NULL);
    syn_end(&c);

    syn_event(&c, SYN_MIN(510), "B", "surveyed",
              "{\"case\":\"B\",\"type\":\"surveyed\",\"at\":\"2025-03-03T17:30:00Z\","
              "\"score\":2}", NULL);
    syn_d(&c, SYN_MIN(510), "B", SLATE_A_REVIEW, 26, 0, "review", H(9), 0, SYN_MIN(510) + H(24), 0,
          NULL, NULL);
    syn_end(&c);

    syn_event(&c, SYN_MIN(520), "A", "surveyed",
              "{\"case\":\"A\",\"type\":\"surveyed\",\"at\":\"2025-03-03T17:40:00Z\","
              "\"score\":5}", NULL);
    syn_end(&c);

    syn_event(&c, SYN_MIN(1500), "D", "opened",
              "{\"case\":\"D\",\"type\":\"opened\",\"at\":\"2025-03-04T10:00:00Z\","
              "\"tier\":\"gold\"}", NULL);
    syn_d(&c, SYN_MIN(1500), "D", SLATE_A_REJECT, 0, 0, NULL, 0, 0, NODL, 0, NULL,
          "`tier`: unknown value `gold` for enum `tier` (expected one of vip, high, medium, low)");
    syn_end(&c);

    if (variant != SYN_SHORT) {
        if (!c.failed && slate_log_begin_advance(c.log, SYN_MIN(1980))) c.failed = 1;
        syn_d(&c, SYN_MIN(1860), "B", SLATE_A_BREACH, 22, 1, "follow_up", H(24), H(24), NODL, 0,
              NULL, NULL);
        syn_end(&c);
    }
    return c.failed ? -1 : 0;
}

/* Write the scenario's log at `path` (key may be NULL) in schema version
 * `schema` (0: the version new logs get).  Returns 0 or -1. */
SYN_FN int syn_scenario_v(const char *path, const void *key, size_t key_len, unsigned schema)
{
    slate_log_opts opts = {.pseudonym_key = key, .pseudonym_key_len = key_len,
                           .options = (const char *[]){"tolerance_ms=0", NULL}, .schema = schema};
    slate_log *log;
    if (slate_log_open_opts(path, &opts, &log, NULL)) return -1;
    int rc = syn_scenario_feed(log, SYN_SAME);
    if (slate_log_close(log, NULL)) return -1;
    return rc;
}

SYN_FN int syn_scenario(const char *path, const void *key, size_t key_len)
{
    return syn_scenario_v(path, key, key_len, 0);
}

/* ---- reading and checking a log's tables (test_log.c, test_logv2.c) ------------- */

/* A log of one policy and 12 events (18 decisions: seq%4 for event seq),
 * closed; opts NULL: the version new logs get. */
SYN_FN void syn_write_basic(const char *path, const slate_log_opts *opts)
{
    slate_log *log = NULL;
    char *err = NULL;
    assert_int_equal(slate_log_open_opts(path, opts, &log, &err), SLATE_OK);
    assert_null(err);
    assert_int_equal(syn_policy(log, SYN_HASH1, "svc.slate", "policy \"svc\"\n"), SLATE_OK);
    uint64_t dseq = 1;
    assert_int_equal(syn_events(log, 1, 12, &dseq), SLATE_OK);
    assert_int_equal(slate_log_close(log, &err), SLATE_OK);
}

/* The first row of `query` on the database at path, prepared and stepped
 * (the caller finalizes st and closes db). */
SYN_FN void syn_sql_row(const char *path, const char *query, sqlite3 **db, sqlite3_stmt **st)
{
    assert_int_equal(sqlite3_open(path, db), SQLITE_OK);
    if (sqlite3_prepare_v2(*db, query, -1, st, NULL) != SQLITE_OK)
        fail_msg("%s: %s", query, sqlite3_errmsg(*db));
    assert_int_equal(sqlite3_step(*st), SQLITE_ROW);
}

/* The first column of the first row of `query`: an integer (-1 for NULL). */
SYN_FN int64_t syn_sql_int(const char *path, const char *query)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    syn_sql_row(path, query, &db, &st);
    int64_t v = sqlite3_column_type(st, 0) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* The same as text, malloc'd ("(null)" for NULL). */
SYN_FN char *syn_sql_text(const char *path, const char *query)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    syn_sql_row(path, query, &db, &st);
    const unsigned char *t = sqlite3_column_text(st, 0);
    char *v = strdup(t ? (const char *)t : "(null)");
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* Verifying the log at path must fail with a message containing every one
 * of the NULL-ended needles in ap; returns the message (malloc'd). */
SYN_FN char *syn_problem_v(const char *path, va_list ap)
{
    char *err = NULL;
    int rc = slate_log_verify(path, NULL, &err);
    if (rc == SLATE_OK) fail_msg("tampering was not detected");
    assert_int_equal(rc, SLATE_ERROR);
    assert_non_null(err);
    if (getenv("SLATE_TEST_VERBOSE")) fprintf(stderr, "  verify: %s\n", err);
    for (const char *s; (s = va_arg(ap, const char *));)
        if (!strstr(err, s)) fail_msg("message `%s` lacks `%s`", err, s);
    char *m = strdup(err);
    slate_log_free(err);
    return m;
}

/* syn_problem_v() with the needles as arguments, NULL-ended. */
SYN_FN char *syn_problem(const char *path, ...)
{
    va_list ap;
    va_start(ap, path);
    char *m = syn_problem_v(path, ap);
    va_end(ap);
    return m;
}

/* The same, the message dropped. */
SYN_FN void syn_expect_problem(const char *path, ...)
{
    va_list ap;
    va_start(ap, path);
    free(syn_problem_v(path, ap));
    va_end(ap);
}

/* Copy the file at `from` to `to` (a log to tamper with, its original kept). */
SYN_FN void syn_copy(const char *from, const char *to)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s'", from, to);
    if (system(cmd) != 0) fail_msg("cannot copy %s to %s", from, to);
}

/* A tampering: an edit of a log's rows, whether the chain is rebuilt after
 * it (as a forger with write access would), and the needles verify's message
 * must then hold (unused ones NULL). */
typedef struct syn_tamper {
    const char *sql;
    int rechained;
    const char *want[3];
} syn_tamper;

/* Each of the n tamperings on a fresh copy of the log at `log` at `copy`
 * (the log left as it is; the copy holds the last case), the chain rebuilt
 * by rechain() where the case says so: verify must refuse it. */
SYN_FN void syn_tamper_cases(const char *log, const char *copy, const syn_tamper *cases,
                             size_t n, void (*rechain)(const char *))
{
    for (size_t i = 0; i < n; i++) {
        syn_copy(log, copy);
        syn_sql(copy, cases[i].sql);
        if (cases[i].rechained) rechain(copy);
        syn_expect_problem(copy, cases[i].want[0], cases[i].want[1], cases[i].want[2], NULL);
    }
}

/* Feed a variant of the scenario to a check-mode handle on the scenario's
 * log; returns the message of the first divergence (malloc'd), or NULL when
 * all matched. */
SYN_FN char *syn_check_variant(const char *path, int variant)
{
    slate_log_opts opts = {.check = 1};
    slate_log *log = NULL;
    char *err = NULL;
    assert_int_equal(slate_log_open_opts(path, &opts, &log, &err), SLATE_OK);
    assert_string_equal(slate_log_option(log, "tolerance_ms"), "0");
    int rc = syn_scenario_feed(log, variant);
    if (!rc && slate_log_check_end(log)) rc = -1;
    char *msg = rc ? strdup(slate_log_errmsg(log)) : NULL;
    if (msg && getenv("SLATE_TEST_VERBOSE")) fprintf(stderr, "  check: %s\n", msg);
    slate_log_close(log, NULL);
    return msg;
}

/* Check mode on the log at path fed `variant` of the scenario must stop, its
 * message holding every one of the NULL-ended needles. */
SYN_FN void syn_check_says_a(const char *path, int variant, const char *const *needles)
{
    char *m = syn_check_variant(path, variant);
    if (!m) fail_msg("check mode took variant %d of the scenario", variant);
    for (; *needles; needles++)
        if (!strstr(m, *needles)) fail_msg("check mode's `%s` lacks `%s`", m, *needles);
    free(m);
}
#define SYN_CHECK_SAYS(path, variant, ...) \
    syn_check_says_a(path, variant, (const char *const[]){__VA_ARGS__, NULL})

/* Check mode on the scenario's log at path (either schema version): the same
 * input matches; a replay with another elapsed time (its message holding the
 * NULL-ended needles `elapsed`), lacking a decision, making one more or
 * ending early is refused at the first divergence; the log is only read. */
SYN_FN void syn_check_scenario(const char *path, const char *const *elapsed)
{
    char *before = syn_sql_text(path, "SELECT value FROM meta WHERE key = 'state.chain'");
    assert_null(syn_check_variant(path, SYN_SAME));
    syn_check_says_a(path, SYN_ELAPSED, elapsed);
    /* the replay lacks decision 7 */
    SYN_CHECK_SAYS(path, SYN_NO_ROUTE, "event seq 2", "decision seq 7 (route");
    SYN_CHECK_SAYS(path, SYN_EXTRA, "event seq 8", "the replay made decision seq 20 (notify");
    SYN_CHECK_SAYS(path, SYN_SHORT, "holds more than the replay made", "advance");
    char *after = syn_sql_text(path, "SELECT value FROM meta WHERE key = 'state.chain'");
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_int_equal(slate_log_verify(path, NULL, NULL), SLATE_OK);
}

/* A log at path of one policy entry (schema version `schema`, 0: the
 * default), continued with batches of 4 entries after `trigger` (a CREATE
 * TRIGGER named refuse whose RAISE says "refused") is added: events 1-4
 * (decisions 1-6) commit as a batch; 5 is pending; 6 fails, at its own end()
 * or, where `at_end` is 0, possibly at the flush after it (its row queued for
 * a multi-row INSERT, log_queue.c, fails at the commit that inserts it).
 * The handle's state must be the committed one, it refuses further entries
 * and its close reports the failure again.  The trigger is dropped after. */
SYN_FN void syn_failed_batch(const char *path, unsigned schema, const char *trigger, int at_end)
{
    slate_log *log = NULL;
    slate_log_opts first = {.schema = schema};
    assert_int_equal(slate_log_open_opts(path, &first, &log, NULL), SLATE_OK);
    assert_int_equal(syn_policy(log, SYN_HASH1, "svc.slate", NULL), SLATE_OK);
    assert_int_equal(slate_log_close(log, NULL), SLATE_OK);

    slate_log_opts opts = {.batch = 4};
    assert_int_equal(slate_log_open_opts(path, &opts, &log, NULL), SLATE_OK);
    /* added once the writer is open: opening refuses a log with a trigger */
    syn_sql(path, trigger);
    uint64_t dseq = 1;
    int rc = syn_events(log, 1, 6, &dseq);
    if (rc == SLATE_OK && !at_end) rc = slate_log_flush(log);
    assert_int_not_equal(rc, SLATE_OK);
    assert_non_null(strstr(slate_log_errmsg(log), "refused"));
    assert_int_equal(slate_log_last_event_seq(log), 4);
    assert_int_equal(slate_log_last_decision_seq(log), 6);
    char *head = syn_sql_text(path, "SELECT value FROM meta WHERE key = 'state.chain'");
    assert_string_equal(slate_log_head(log), head);
    free(head);
    /* the handle refuses further entries */
    slate_log_event ev = {7, 0, "opened", "a", 1, "{}", 2, NULL};
    assert_int_not_equal(slate_log_begin_event(log, &ev), SLATE_OK);
    /* and close says again that the batch was lost */
    char *err = NULL;
    assert_int_equal(slate_log_close(log, &err), SLATE_ERROR);
    assert_non_null(err);
    assert_non_null(strstr(err, "refused"));
    slate_log_free(err);
    syn_sql(path, "DROP TRIGGER refuse");
}

#undef H
#undef M
#undef NODL

#endif
