/*
 * rerun.c - the stored entries of a decision log, fed back in order through
 * cli/logfeed.c.  See rerun.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "status.h"
#include "frontend.h"
#include "lower.h"
#include "rerun.h"

int rr_load_policy(const char *path, slate_program **prog, uint8_t **image, size_t *image_len,
                   char **source, size_t *source_len, const char *cmd)
{
    *prog = NULL;
    *image = NULL;
    *source = NULL;
    *image_len = *source_len = 0;
    size_t n = strlen(path);
    if (n > 6 && !strcmp(path + n - 6, ".slate")) {
        fe_unit u;
        int rc = fe_load(&u, path, stderr, 0);
        if (rc) {
            if (rc != 3) diag_summary(&u.diag);
            fe_release(&u);
            return rc == 3 ? EXIT_IO : EXIT_INPUT;
        }
        if (cg_compile(u.ast, &u.diag, image, image_len)) {
            diag_summary(&u.diag);
            fe_release(&u);
            return EXIT_INPUT;
        }
        *source = u.src; /* keep the text: the log stores it */
        *source_len = u.len;
        u.src = NULL;
        fe_release(&u);
    } else {
        *image = (uint8_t *)fe_read_file(path, image_len);
        if (!*image) {
            fprintf(stderr, "slate %s: %s: %s\n", cmd, path, strerror(errno));
            return EXIT_IO;
        }
    }
    char *err = NULL;
    if (slate_program_load(*image, *image_len, prog, &err)) {
        fprintf(stderr, "slate %s: %s: %s\n", cmd, path, err ? err : "the image does not load");
        slate_free(err);
        free(*image);
        free(*source);
        *image = NULL;
        *source = NULL;
        return EXIT_INPUT;
    }
    return EXIT_OK;
}

void rr_options(const slate_log *log, int64_t *tolerance_ms, int *strict)
{
    const char *t = slate_log_option(log, "tolerance_ms"), *s = slate_log_option(log, "strict");
    *tolerance_ms = t ? strtoll(t, NULL, 10) : 0;
    *strict = s ? atoi(s) : 0;
}

slate_log_policy rr_policy_info(const slate_program *prog, const void *image, size_t image_len,
                                const char *source, size_t source_len)
{
    slate_log_policy lp = {slate_program_hash(prog), slate_program_name(prog),
                           slate_program_version(prog), slate_program_source(prog),
                           source, source_len, image, image_len};
    return lp;
}

void rr_init(rr_run *rr, int64_t tolerance_ms, int strict, slate_log *log, slate_sink next,
             void *next_ud, slate_program *fixed)
{
    memset(rr, 0, sizeof *rr);
    rr->eopts.tolerance_ms = tolerance_ms;
    rr->strict = strict;
    rr->log = log;
    rr->next = next;
    rr->next_ud = next_ud;
    rr->fixed = fixed;
    rr->msg = stderr;
}

void rr_free(rr_run *rr)
{
    ev_reader_free(rr->rd);
    if (rr->started) runner_release(&rr->run);
    for (size_t i = 0; i < rr->nprogs; i++) slate_program_free(rr->progs[i]);
    free(rr->progs);
    slate_program_free(rr->fixed);
    memset(rr, 0, sizeof *rr);
}

static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? strdup((const char *)t) : NULL;
}

/* Start, or swap to, `prog` (not owned here); a reader for it replaces the old. */
static int start_or_swap(rr_run *rr, const slate_program *prog, const slate_log_policy *lp,
                         const char *path, const char *cmd)
{
    int rc;
    if (!rr->started) {
        rc = runner_init(&rr->run, prog, &rr->eopts, NULL, rr->log, lp);
        rr->started = 1;
        if (!rr->log) {
            rr->run.out.next = rr->next;
            rr->run.out.next_ud = rr->next_ud;
        }
    } else {
        rc = runner_swap(&rr->run, prog, lp);
    }
    if (rc) {
        fprintf(rr->msg, "slate %s: %s: %s\n", cmd, path, rr->run.err);
        return rc == SLATE_NOMEM ? EXIT_IO : EXIT_INPUT;
    }
    ev_reader_free(rr->rd);
    rr->rd = ev_reader_new(prog, rr->strict);
    if (!rr->rd) {
        fprintf(rr->msg, "slate %s: out of memory\n", cmd);
        return EXIT_IO;
    }
    return EXIT_OK;
}

/* Load the stored policy `hash` and start (or swap to) it. */
static int feed_policy(sqlite3 *db, rr_run *rr, const char *hash, const char *path,
                       const char *cmd)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT image, source FROM policies WHERE hash = ?1", -1, &st,
                           NULL) != SQLITE_OK) {
        fprintf(rr->msg, "slate %s: %s: %s\n", cmd, path, sqlite3_errmsg(db));
        return EXIT_IO;
    }
    sqlite3_bind_text(st, 1, hash, -1, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_ROW) {
        fprintf(rr->msg, "slate %s: %s: policy %.12s is not stored\n", cmd, path, hash);
        sqlite3_finalize(st);
        return EXIT_INPUT;
    }
    const void *img = sqlite3_column_blob(st, 0);
    size_t len = (size_t)sqlite3_column_bytes(st, 0);
    const char *src = (const char *)sqlite3_column_text(st, 1);
    size_t srclen = src ? (size_t)sqlite3_column_bytes(st, 1) : 0;
    slate_program *prog = NULL;
    char *err = NULL;
    int rc = EXIT_OK;
    slate_program **progs = realloc(rr->progs, (rr->nprogs + 1) * sizeof *progs);
    if (!progs) {
        fprintf(rr->msg, "slate %s: out of memory\n", cmd);
        rc = EXIT_IO;
    } else if ((rr->progs = progs, slate_program_load(img, len, &prog, &err))) {
        fprintf(rr->msg, "slate %s: %s: the stored image of policy %.12s does not load: %s\n", cmd,
                path, hash, err ? err : "?");
        slate_free(err);
        rc = EXIT_INPUT;
    } else if (strcmp(slate_program_hash(prog), hash)) {
        fprintf(rr->msg, "slate %s: %s: the stored image of policy %.12s hashes to %.12s\n", cmd,
                path, hash, slate_program_hash(prog));
        slate_program_free(prog);
        rc = EXIT_INPUT;
    } else {
        rr->progs[rr->nprogs++] = prog;
        slate_log_policy lp = rr_policy_info(prog, img, len, src, srclen);
        rc = start_or_swap(rr, prog, &lp, path, cmd);
    }
    sqlite3_finalize(st);
    return rc;
}

/* The stored reject of an event kept without payload: its case and sender id. */
static void opaque_ids(sqlite3 *db, int64_t entry, char **case_id, char **event_id)
{
    sqlite3_stmt *st;
    *case_id = *event_id = NULL;
    if (sqlite3_prepare_v2(db, "SELECT case_id, event_id FROM decisions WHERE entry = ?1 AND "
                               "action = 'reject' ORDER BY seq LIMIT 1", -1, &st, NULL) != SQLITE_OK)
        return;
    sqlite3_bind_int64(st, 1, entry);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *case_id = col_dup(st, 0);
        *event_id = col_dup(st, 1);
    }
    sqlite3_finalize(st);
}

int rr_feed(const char *path, rr_run *rr, rr_result *res, const char *cmd)
{
    memset(res, 0, sizeof *res);
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = EXIT_OK;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK ||
        sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "SELECT id, kind, seq, at_ms, payload, policy_hash, case_id, reason "
                               "FROM events ORDER BY id", -1, &st, NULL) != SQLITE_OK) {
        fprintf(rr->msg, "slate %s: %s: %s\n", cmd, path, db ? sqlite3_errmsg(db) : "cannot open");
        sqlite3_close(db);
        return EXIT_IO;
    }
    ev_result *er = malloc(sizeof *er);
    if (!er) rc = EXIT_IO;
    int step = SQLITE_DONE;
    slate_log_stored e;
    while (!rc) {
        if (rr->from_log) { /* the check log's verifying scan: no second read */
            if (slate_log_check_next(rr->log, &e)) {
                fprintf(rr->msg, "slate %s: %s: %s\n", cmd, path, slate_log_errmsg(rr->log));
                rc = EXIT_INPUT;
                break;
            }
            if (!e.found) break;
            if (!e.kind || !e.policy_hash) { /* only a rebuilt schema allows it */
                fprintf(rr->msg, "slate %s: %s: entry %" PRId64 " has no kind or policy\n", cmd,
                        path, e.id);
                rc = EXIT_INPUT;
                break;
            }
        } else {
            if ((step = sqlite3_step(st)) != SQLITE_ROW) break;
            e.id = sqlite3_column_int64(st, 0);
            e.kind = (const char *)sqlite3_column_text(st, 1);
            e.seq = sqlite3_column_int64(st, 2);
            e.at = sqlite3_column_type(st, 3) == SQLITE_NULL ? INT64_MIN
                                                              : sqlite3_column_int64(st, 3);
            e.payload = (const char *)sqlite3_column_text(st, 4);
            e.payload_len = (size_t)sqlite3_column_bytes(st, 4);
            e.policy_hash = (const char *)sqlite3_column_text(st, 5);
            e.case_id = (const char *)sqlite3_column_text(st, 6);
            e.reason = (const char *)sqlite3_column_text(st, 7);
        }
        int64_t id = e.id;
        const char *kind = e.kind;
        uint64_t seq = (uint64_t)e.seq;
        int64_t at = e.at;
        const char *payload = e.payload;
        size_t plen = e.payload_len;
        const char *hash = e.policy_hash;
        if (!kind || !hash) continue;
        if (!strcmp(kind, "policy")) {
            res->policies++;
            if (!rr->fixed) {
                rc = feed_policy(db, rr, hash, path, cmd);
            } else if (!rr->started) { /* diff: one policy throughout, switches ignored */
                slate_log_policy lp = rr_policy_info(rr->fixed, NULL, 0, NULL, 0);
                rc = start_or_swap(rr, rr->fixed, &lp, path, cmd);
            }
            continue;
        }
        if (!rr->started) {
            fprintf(rr->msg, "slate %s: %s: entry %" PRId64 " comes before any policy\n", cmd, path, id);
            rc = EXIT_INPUT;
            break;
        }
        int frc;
        if (!strcmp(kind, "advance")) {
            res->advances++;
            frc = runner_advance(&rr->run, at);
        } else if (payload) {
            res->events++;
            ev_status est = ev_parse_line(rr->rd, payload, plen, er);
            er->ev.seq = seq; /* the logged numbering, whatever came before */
            if (est == EV_REJECT) res->rejected++;
            if (est == EV_BLANK) {
                /* a stored blank line cannot come from slate run: feed it as rejected */
                snprintf(er->reason, sizeof er->reason, "blank line");
                res->rejected++;
            }
            frc = runner_feed(&rr->run, er);
        } else {
            char *case_id, *event_id, *reason = e.reason ? strdup(e.reason) : NULL;
            const char *stored_case = e.case_id;
            opaque_ids(db, id, &case_id, &event_id);
            memset(er, 0, sizeof *er);
            er->ev.seq = seq;
            er->ev.at = at;
            er->ev.type = -1;
            er->ev.case_id = stored_case ? stored_case : case_id;
            er->ev.case_len = er->ev.case_id ? strlen(er->ev.case_id) : 0;
            er->ev.id = event_id;
            er->ev.id_len = event_id ? strlen(event_id) : 0;
            snprintf(er->reason, sizeof er->reason, "%s", reason ? reason : "rejected");
            res->events++;
            res->rejected++;
            res->opaque++;
            frc = runner_feed(&rr->run, er);
            free(case_id);
            free(event_id);
            free(reason);
        }
        if (frc) {
            fprintf(rr->msg, "slate %s: %s: %s\n", cmd, path, rr->run.err);
            rc = frc == SLATE_NOMEM ? EXIT_IO : EXIT_INPUT;
        }
    }
    if (!er) fprintf(rr->msg, "slate %s: out of memory\n", cmd);
    if (!rc && !rr->from_log && step != SQLITE_ROW && step != SQLITE_DONE) {
        fprintf(rr->msg, "slate %s: %s: %s\n", cmd, path, sqlite3_errmsg(db));
        rc = EXIT_IO;
    }
    free(er);
    res->decisions = rr->started ? rr->run.out.seq : 0;
    sqlite3_finalize(st);
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

int rr_check(const char *path, rr_result *res, slate_log_summary *sum, const char *cmd)
{
    memset(res, 0, sizeof *res);
    /* The replay's messages wait here: a problem verification finds anywhere
     * in the log is named instead, as when the log was verified first. */
    char *text = NULL, *verr = NULL;
    size_t len = 0;
    FILE *msg = open_memstream(&text, &len);
    if (!msg) {
        fprintf(stderr, "slate %s: out of memory\n", cmd);
        return EXIT_IO;
    }
    slate_log_opts opts = {.check = 1, .verify = 1};
    slate_log *log = NULL;
    char *err = NULL;
    int rc, vrc;
    if (slate_log_open_opts(path, &opts, &log, &err)) {
        fprintf(msg, "slate %s: %s\n", cmd, err ? err : "cannot open the log");
        slate_log_free(err);
        rc = EXIT_INPUT;
        vrc = slate_log_verify(path, sum, &verr); /* no one pass: verify alone */
    } else {
        int64_t tol;
        int strict;
        rr_options(log, &tol, &strict);
        rr_run rr;
        rr_init(&rr, tol, strict, log, NULL, NULL, NULL);
        rr.msg = msg;
        rr.from_log = 1;
        rc = rr_feed(path, &rr, res, cmd);
        if (!rc && slate_log_check_end(log)) {
            fprintf(msg, "slate %s: %s: %s\n", cmd, path, slate_log_errmsg(log));
            rc = EXIT_INPUT;
        }
        vrc = slate_log_check_verify(log, sum, &verr);
        rr_free(&rr);
        slate_log_close(log, NULL);
    }
    fclose(msg);
    if (vrc) {
        fprintf(stderr, "slate %s: %s: %s\n", cmd, path, verr ? verr : "cannot verify");
        rc = vrc == SLATE_NOMEM ? EXIT_IO : EXIT_INPUT;
    } else if (rc && text) {
        fwrite(text, 1, len, stderr);
    }
    free(text);
    slate_log_free(verr);
    return rc;
}
