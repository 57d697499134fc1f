/*
 * rerun.c - the stored entries of a decision log, fed back in order through
 * io/runner.c.  See rerun.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "termsafe.h"
#include "rerun.h"
#include "slatec.h"

int rr_load_policy(const char *path, slate_program **prog, uint8_t **image, size_t *image_len,
                   char **source, size_t *source_len, const char *cmd)
{
    *source = NULL;
    *source_len = 0;
    size_t len;
    char *bytes = slatec_read_file(path, &len);
    if (!bytes) {
        *prog = NULL;
        *image = NULL;
        *image_len = 0;
        fprintf(stderr, "slate %s: %s: %s\n", cmd, path, strerror(errno));
        return EXIT_IO;
    }
    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = stderr;
    o.summary = 1;
    char *err = NULL;
    int rc = slatec_load(&o, path, bytes, len, prog, image, image_len, &err);
    if (err) fprintf(stderr, "slate %s: %s: %s\n", cmd, path, err);
    slate_free(err);
    if (rc != SLATE_OK || slatec_is_image(bytes, len)) {
        free(bytes);
        return rc == SLATE_OK ? EXIT_OK : rc == SLATE_ERROR ? EXIT_INPUT : EXIT_IO;
    }
    *source = bytes; /* keep the text: the log stores it */
    *source_len = len;
    return EXIT_OK;
}

/* "slate CMD: PATH: <message>" on f, the message and path made terminal-safe:
 * messages quote the log (ids, payload values, the columns a divergence names). */
static void say(FILE *f, const char *cmd, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void say(FILE *f, const char *cmd, const char *path, const char *fmt, ...)
{
    char msg[2048], safe[2048], where[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    term_safe_str(safe, sizeof safe, msg, NULL);
    if (path) fprintf(f, "slate %s: %s: %s\n", cmd, term_safe_str(where, sizeof where, path, NULL),
                      safe);
    else fprintf(f, "slate %s: %s\n", cmd, safe);
}

void rr_options(const slate_log *log, int64_t *tolerance_ms, int *strict)
{
    const char *t = slate_log_option(log, "tolerance_ms"), *s = slate_log_option(log, "strict");
    *tolerance_ms = t ? strtoll(t, NULL, 10) : 0;
    *strict = s ? atoi(s) : 0;
}

int64_t rr_max_skip(const char *v)
{
    long long ms = v ? strtoll(v, NULL, 10) : 0;
    return ms > 0 ? ms : 0;
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
    rr->eopts = (slate_engine_opts)SLATE_ENGINE_OPTS_INIT;
    rr->eopts.tolerance_ms = tolerance_ms;
    rr->eopts.strict = strict >= 2; /* 1: a log from before fields were checked */
    rr->strict = strict;
    rr->log = log;
    rr->next = next;
    rr->next_ud = next_ud;
    rr->fixed = fixed;
    rr->msg = stderr;
    rr->part = -1;
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

/* Start, or swap to, `prog` (not owned here); a reader for it replaces the old. */
static int start_or_swap(rr_run *rr, const slate_program *prog, const slate_log_policy *lp,
                         const char *path, const char *cmd)
{
    int rc;
    if (!rr->started) {
        rc = runner_init(&rr->run, prog, &rr->eopts, NULL, rr->log, lp);
        rr->run.max_skip_ms = rr->max_skip_ms;
        rr->started = 1;
        if (!rr->log) {
            rr->run.out.next = rr->next;
            rr->run.out.next_ud = rr->next_ud;
            rr->run.out.seq = rr->carried; /* 0 but after a partition's block */
        }
    } else {
        rc = runner_swap(&rr->run, prog, lp);
    }
    if (rc) {
        say(rr->msg, cmd, path, "%s", rr->run.err);
        return rc == SLATE_NOMEM ? EXIT_IO : EXIT_INPUT;
    }
    ev_reader_free(rr->rd);
    rr->rd = ev_reader_new(prog, rr->strict);
    if (!rr->rd) {
        say(rr->msg, cmd, NULL, "out of memory");
        return EXIT_IO;
    }
    if (rr->part >= 0) {
        /* as a worker's partition reads (serve/part.c): one line before any
         * message, so that a byte order mark is never taken as the start of a
         * first event (the worker strips one from every message itself) */
        ev_result res;
        ev_parse_line(rr->rd, "-", 1, &res);
    }
    return EXIT_OK;
}

/* A partitioned log: entry `e` comes from partition e->part.  A policy entry of
 * another partition than the block's starts the next block: its own engine,
 * numbering on from the last block's.  Returns EXIT_OK or what failed. */
static int enter_part(rr_run *rr, const slate_log_stored *e, const char *path, const char *cmd)
{
    if (rr->log && slate_log_set_part(rr->log, (unsigned)e->part, (uint64_t)e->stream_seq)) {
        say(rr->msg, cmd, path, "entry %" PRId64 ": %s", e->id, slate_log_errmsg(rr->log));
        return EXIT_INPUT;
    }
    if (e->part == rr->part) return EXIT_OK;
    if (strcmp(e->kind, "policy")) {
        say(rr->msg, cmd, path, "entry %" PRId64 " of partition %" PRId64 " comes before its "
            "policy entry", e->id, e->part);
        return EXIT_INPUT;
    }
    if (rr->started) {
        rr->carried = rr->run.out.seq;
        runner_release(&rr->run);
        rr->started = 0;
    }
    rr->part = e->part;
    rr->parts++;
    return EXIT_OK;
}

/* Load the stored policy `hash` and start (or swap to) it. */
static int feed_policy(slate_log_reader *rd, rr_run *rr, const char *hash, const char *path,
                       const char *cmd)
{
    const slate_log_policy *sp = slate_log_read_policy(rd, hash);
    if (!sp) {
        say(rr->msg, cmd, path, "policy %.12s is not stored", hash);
        return EXIT_INPUT;
    }
    slate_program *prog = NULL;
    char *err = NULL;
    int rc = EXIT_OK;
    slate_program **progs = realloc(rr->progs, (rr->nprogs + 1) * sizeof *progs);
    if (!progs) {
        say(rr->msg, cmd, NULL, "out of memory");
        rc = EXIT_IO;
    } else if ((rr->progs = progs, slate_program_load(sp->image, sp->image_len, &prog, &err))) {
        say(rr->msg, cmd, path, "the stored image of policy %.12s does not load: %s", hash,
            err ? err : "?");
        slate_free(err);
        rc = EXIT_INPUT;
    } else if (strcmp(slate_program_hash(prog), hash)) {
        say(rr->msg, cmd, path, "the stored image of policy %.12s hashes to %.12s", hash,
            slate_program_hash(prog));
        slate_program_free(prog);
        rc = EXIT_INPUT;
    } else {
        rr->progs[rr->nprogs++] = prog;
        slate_log_policy lp = rr_policy_info(prog, sp->image, sp->image_len, sp->source,
                                             sp->source_len);
        rc = start_or_swap(rr, prog, &lp, path, cmd);
    }
    return rc;
}

/* A malloc'd copy of n bytes (and a NUL), or NULL for NULL or no memory. */
static char *copy_text(const char *s, size_t n)
{
    char *c = s ? malloc(n + 1) : NULL;
    if (c) {
        memcpy(c, s, n);
        c[n] = 0;
    }
    return c;
}

/* The stored reject of an event kept without payload: its case and sender id
 * (copies, with their lengths). */
static void opaque_ids(slate_log_reader *rd, int64_t entry, char **case_id, size_t *case_len,
                       char **event_id, size_t *event_id_len)
{
    *case_id = *event_id = NULL;
    *case_len = *event_id_len = 0;
    slate_log_scan scan = {.rows = SLATE_LOG_SCAN_DECISIONS, .entry = entry};
    slate_log_cursor *cur;
    slate_log_row row;
    if (slate_log_cursor_open(rd, &scan, &cur)) return;
    while (!slate_log_cursor_next(cur, &row) && row.what) {
        const slate_log_stored_decision *d = &row.decision;
        if (!d->action || strcmp(d->action, "reject")) continue;
        *case_id = copy_text(d->case_id, d->case_len);
        *case_len = *case_id ? d->case_len : 0;
        *event_id = copy_text(d->event_id, d->event_id_len);
        *event_id_len = *event_id ? d->event_id_len : 0;
        break;
    }
    slate_log_cursor_close(cur);
}

int rr_feed(const char *path, rr_run *rr, rr_result *res, const char *cmd)
{
    memset(res, 0, sizeof *res);
    slate_log_reader *rd = NULL;
    slate_log_cursor *cur = NULL;
    char *err = NULL;
    int rc = EXIT_OK;
    slate_log_scan entries = {.rows = SLATE_LOG_SCAN_ENTRIES};
    if (rr->reader) rd = rr->reader;
    if ((!rd && slate_log_read_open(path, NULL, &rd, &err)) ||
        (!rr->from_log && slate_log_cursor_open(rd, &entries, &cur))) {
        if (err) say(rr->msg, cmd, NULL, "%s", err);
        else say(rr->msg, cmd, path, "%s", slate_log_read_errmsg(rd));
        slate_log_free(err);
        if (rd != rr->reader) slate_log_read_close(rd);
        return EXIT_IO;
    }
    ev_result *er = malloc(sizeof *er);
    if (!er) rc = EXIT_IO;
    int read_failed = 0;
    slate_log_stored e;
    slate_log_row row;
    while (!rc) {
        if (rr->from_log) { /* the check log's verifying scan: no second read */
            if (slate_log_check_next(rr->log, &e)) {
                say(rr->msg, cmd, path, "%s", slate_log_errmsg(rr->log));
                rc = EXIT_INPUT;
                break;
            }
            if (!e.found) break;
            if (!e.kind || !e.policy_hash) { /* only a rebuilt schema allows it */
                say(rr->msg, cmd, path, "entry %" PRId64 " has no kind or policy", e.id);
                rc = EXIT_INPUT;
                break;
            }
        } else {
            if (slate_log_cursor_next(cur, &row)) {
                read_failed = 1;
                break;
            }
            if (!row.what) break;
            e = row.entry;
        }
        int64_t id = e.id;
        const char *kind = e.kind;
        uint64_t seq = (uint64_t)e.seq;
        int64_t at = e.at;
        const char *payload = e.payload;
        size_t plen = e.payload_len;
        const char *hash = e.policy_hash;
        if (!kind || !hash) continue;
        if (e.part >= 0 && (rc = enter_part(rr, &e, path, cmd))) break;
        if (!strcmp(kind, "policy")) {
            res->policies++;
            if (!rr->fixed) {
                rc = feed_policy(rd, rr, hash, path, cmd);
            } else if (!rr->started) { /* diff: one policy throughout, switches ignored */
                slate_log_policy lp = rr_policy_info(rr->fixed, NULL, 0, NULL, 0);
                rc = start_or_swap(rr, rr->fixed, &lp, path, cmd);
            }
            continue;
        }
        if (!rr->started) {
            say(rr->msg, cmd, path, "entry %" PRId64 " comes before any policy", id);
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
            size_t case_len, event_id_len;
            opaque_ids(rd, id, &case_id, &case_len, &event_id, &event_id_len);
            memset(er, 0, sizeof *er);
            er->ev.seq = seq;
            er->ev.at = at;
            er->ev.type = -1;
            er->ev.case_id = e.case_id ? e.case_id : case_id;
            er->ev.case_len = e.case_id ? e.case_len : case_len;
            er->ev.id = event_id;
            er->ev.id_len = event_id_len;
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
            say(rr->msg, cmd, path, "%s", rr->run.err);
            rc = frc == SLATE_NOMEM ? EXIT_IO : EXIT_INPUT;
        }
        if (rr->progress) rr->progress(rr->progress_ctx, res->events);
    }
    if (!er) say(rr->msg, cmd, NULL, "out of memory");
    if (!rc && read_failed) {
        say(rr->msg, cmd, path, "%s", slate_log_read_errmsg(rd));
        rc = EXIT_IO;
    }
    free(er);
    res->decisions = rr->started ? rr->run.out.seq : 0;
    res->partitions = rr->parts;
    slate_log_cursor_close(cur);
    if (rd != rr->reader) slate_log_read_close(rd);
    return rc;
}

int rr_check(const char *path, rr_result *res, slate_log_summary *sum, const char *cmd)
{
    return rr_check_progress(path, res, sum, cmd, NULL, NULL);
}

int rr_check_progress(const char *path, rr_result *res, slate_log_summary *sum, const char *cmd,
                      void (*progress)(void *ctx, uint64_t events), void *progress_ctx)
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
        say(msg, cmd, NULL, "%s", err ? err : "cannot open the log");
        slate_log_free(err);
        rc = EXIT_INPUT;
        vrc = slate_log_verify(path, sum, &verr); /* no one pass: verify alone */
    } else {
        int64_t tol;
        int strict;
        rr_options(log, &tol, &strict);
        rr_run rr;
        rr_init(&rr, tol, strict, log, NULL, NULL, NULL);
        rr.max_skip_ms = rr_max_skip(slate_log_option(log, "max_skip_ms"));
        rr.msg = msg;
        rr.from_log = 1;
        rr.progress = progress;
        rr.progress_ctx = progress_ctx;
        rc = rr_feed(path, &rr, res, cmd);
        if (!rc && slate_log_check_end(log)) {
            say(msg, cmd, path, "%s", slate_log_errmsg(log));
            rc = EXIT_INPUT;
        }
        vrc = slate_log_check_verify(log, sum, &verr);
        rr_free(&rr);
        slate_log_close(log, NULL);
    }
    fclose(msg);
    if (vrc) {
        say(stderr, cmd, path, "%s", verr ? verr : "cannot verify");
        rc = vrc == SLATE_NOMEM ? EXIT_IO : EXIT_INPUT;
    } else if (rc && text) {
        fwrite(text, 1, len, stderr);
    }
    free(text);
    slate_log_free(verr);
    return rc;
}
