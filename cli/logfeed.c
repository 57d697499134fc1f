/*
 * logfeed.c - input lines -> reader -> engine -> dout -> decision log, one
 * entry per step.  See logfeed.h.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "logfeed.h"
#include "program.h"

static int failf(lf_run *r, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int failf(lf_run *r, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    return rc;
}

/* An engine or log call failed: say why, preferring the log's message when the
 * log sink is what stopped the engine. */
static int log_fail(lf_run *r, int rc, const char *what)
{
    if (r->log && *slate_log_errmsg(r->log))
        return failf(r, rc == SLATE_OK ? SLATE_ERROR : rc, "%s", slate_log_errmsg(r->log));
    if (r->out.write_error) return failf(r, SLATE_ERROR, "%s: cannot write decisions", what);
    return failf(r, rc, "%s: %s", what, r->eng ? slate_errmsg(r->eng) : slate_errstr(rc));
}

void lf_init(lf_run *r, FILE *decisions, slate_log *log, int64_t tolerance_ms, int strict)
{
    memset(r, 0, sizeof *r);
    r->log = log;
    r->strict = strict;
    r->eopts.tolerance_ms = tolerance_ms;
    dout_init(&r->out, decisions, log ? slate_log_sink : NULL, log);
}

/* A reader for the program in force; the numbering goes on from the old one. */
static int new_reader(lf_run *r)
{
    if (r->rd) r->seq_base += ev_reader_stats(r->rd).events;
    ev_reader_free(r->rd);
    r->rd = r->prog ? ev_reader_new(r->prog, r->strict) : NULL;
    if (r->prog && !r->rd) return failf(r, SLATE_NOMEM, "out of memory");
    return SLATE_OK;
}

int lf_restart_reader(lf_run *r)
{
    int rc = new_reader(r);
    r->seq_base = 0;
    return rc;
}

int lf_policy(lf_run *r, slate_program *prog, const void *image, size_t image_len,
              const char *source, size_t source_len)
{
    slate_program **p = realloc(r->progs, (r->nprogs + 1) * sizeof *p);
    if (!p) {
        slate_program_free(prog);
        return failf(r, SLATE_NOMEM, "out of memory");
    }
    r->progs = p;
    r->progs[r->nprogs++] = prog;
    if (r->log) {
        slate_log_policy lp = {slate_program_hash(prog), slate_program_name(prog),
                               slate_program_version(prog), prog_str(prog, prog->source),
                               source, source_len, image, image_len};
        if (slate_log_begin_policy(r->log, &lp)) return log_fail(r, SLATE_ERROR, "log");
    }
    int rc = SLATE_OK;
    if (!r->eng) {
        r->eng = slate_engine_new(prog, &r->eopts);
        if (!r->eng) rc = failf(r, SLATE_NOMEM, "out of memory");
    } else {
        rc = slate_engine_swap(r->eng, prog, dout_sink, &r->out);
        if (rc) rc = log_fail(r, rc, "policy swap");
    }
    r->prog = prog;
    if (!rc) rc = new_reader(r);
    if (r->log) {
        if (rc) slate_log_abort(r->log);
        else if (slate_log_end(r->log)) rc = log_fail(r, SLATE_ERROR, "log");
    }
    return rc;
}

/* The time of the CLI's own reject: the watermark, or the line's time when the
 * engine has seen none, or 0 (docs/io.md). */
static int64_t reject_at(const lf_run *r, const slate_event *ev)
{
    int64_t now = slate_engine_now(r->eng);
    if (now != INT64_MIN) return now;
    return ev->at != INT64_MIN ? ev->at : 0;
}

int lf_line(lf_run *r, const char *line, size_t len, uint64_t seq, uint64_t skip_upto, int *fed)
{
    if (fed) *fed = 0;
    if (!r->eng || !r->rd) return failf(r, SLATE_MISUSE, "no policy loaded");
    ev_result res;
    ev_status st = ev_parse_line(r->rd, line, len, &res);
    if (st == EV_BLANK) return SLATE_OK;
    res.ev.seq += r->seq_base;
    if (res.ev.seq <= skip_upto) return SLATE_OK;
    if (seq) res.ev.seq = seq;
    r->events++;
    if (st == EV_REJECT) r->rejected++;
    const char *type = res.ev.type >= 0 && (uint32_t)res.ev.type < r->prog->nevents
                           ? prog_str(r->prog, r->prog->events[res.ev.type].name)
                           : NULL;
    if (r->log) {
        slate_log_event le = {res.ev.seq, res.ev.at, type, res.ev.case_id, res.ev.case_len,
                              line, len, st == EV_REJECT ? res.reason : NULL};
        if (slate_log_begin_event(r->log, &le)) return log_fail(r, SLATE_ERROR, "log");
    }
    int rc;
    if (st == EV_OK) {
        rc = slate_engine_push(r->eng, &res.ev, dout_sink, &r->out);
    } else {
        rc = dout_reject(&r->out, r->prog, &res.ev, res.reason, reject_at(r, &res.ev))
                 ? SLATE_SINK : SLATE_OK;
    }
    if (rc) {
        if (r->log) slate_log_abort(r->log);
        return log_fail(r, rc, "event");
    }
    if (r->log && slate_log_end(r->log)) return log_fail(r, SLATE_ERROR, "log");
    if (fed) *fed = 1;
    return SLATE_OK;
}

int lf_opaque(lf_run *r, uint64_t seq, int64_t at, const char *case_id, const char *event_id,
              const char *reason)
{
    if (!r->eng) return failf(r, SLATE_MISUSE, "no policy loaded");
    slate_event ev;
    memset(&ev, 0, sizeof ev);
    ev.seq = seq;
    ev.at = at;
    ev.type = -1;
    ev.case_id = case_id;
    ev.case_len = case_id ? strlen(case_id) : 0;
    ev.id = event_id;
    ev.id_len = event_id ? strlen(event_id) : 0;
    r->events++;
    r->rejected++;
    if (r->log) {
        slate_log_event le = {seq, at, NULL, case_id, ev.case_len, NULL, 0,
                              reason ? reason : "rejected"};
        if (slate_log_begin_event(r->log, &le)) return log_fail(r, SLATE_ERROR, "log");
    }
    if (dout_reject(&r->out, r->prog, &ev, reason ? reason : "rejected", reject_at(r, &ev))) {
        if (r->log) slate_log_abort(r->log);
        return log_fail(r, SLATE_SINK, "event");
    }
    if (r->log && slate_log_end(r->log)) return log_fail(r, SLATE_ERROR, "log");
    return SLATE_OK;
}

int lf_advance(lf_run *r, int64_t now)
{
    if (!r->eng) return failf(r, SLATE_MISUSE, "no policy loaded");
    if (r->log && slate_log_begin_advance(r->log, now)) return log_fail(r, SLATE_ERROR, "log");
    int rc = slate_engine_advance(r->eng, now, dout_sink, &r->out);
    if (rc) {
        if (r->log) slate_log_abort(r->log);
        return log_fail(r, rc, "advance");
    }
    if (r->log && slate_log_end(r->log)) return log_fail(r, SLATE_ERROR, "log");
    return SLATE_OK;
}

void lf_free(lf_run *r)
{
    ev_reader_free(r->rd);
    slate_engine_free(r->eng);
    for (size_t i = 0; i < r->nprogs; i++) slate_program_free(r->progs[i]);
    free(r->progs);
    dout_release(&r->out);
    memset(r, 0, sizeof *r);
}
