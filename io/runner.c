/*
 * runner.c - one engine fed from the event reader (runner.h).
 */
#include "runner.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

static int failf(runner *r, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int failf(runner *r, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->failed = rc;
    return rc;
}

/* Say why an engine or log call did not return SLATE_OK. */
static int engine_failed(runner *r, int rc, const char *what)
{
    if (rc == SLATE_SINK) {
        if (r->out.write_error)
            return failf(r, rc, "cannot write the decisions: %s", strerror(r->out.write_error));
        if (r->log) return failf(r, rc, "decision log: %s", slate_log_errmsg(r->log));
    }
    if (rc == SLATE_NOMEM) return failf(r, rc, "out of memory");
    return failf(r, rc, "%s: %s (%s)", what, slate_errmsg(r->eng), slate_errstr(rc));
}

static int log_failed(runner *r, int rc)
{
    return failf(r, rc == SLATE_NOMEM ? SLATE_NOMEM : SLATE_ERROR, "decision log: %s",
                 slate_log_errmsg(r->log));
}

int runner_init(runner *r, const slate_program *prog, const slate_engine_opts *opts, FILE *out,
                slate_log *log, const slate_log_policy *pol)
{
    memset(r, 0, sizeof *r);
    r->prog = prog;
    r->log = log;
    dout_init(&r->out, out, log ? slate_log_sink : NULL, log);
    /* No forward-jump limit unless the caller sets one: the bundled Volvo and
     * NYC 311 logs jump 300 and 999 days near their start, and `slate run`
     * decides on them as it always has. */
    slate_engine_opts eo = opts ? *opts : (slate_engine_opts)SLATE_ENGINE_OPTS_INIT;
    if (eo.max_jump_ms == 0) eo.max_jump_ms = -1;
    r->eng = slate_engine_new(prog, &eo);
    if (!r->eng) return failf(r, SLATE_NOMEM, "out of memory");
    if (log) {
        int rc = slate_log_begin_policy(log, pol);
        if (rc == SLATE_OK) rc = slate_log_end(log);
        if (rc != SLATE_OK) return log_failed(r, rc);
        /* Continue the log's numbering (a log may already hold earlier runs). */
        r->out.seq = slate_log_last_decision_seq(log);
    }
    return 0;
}

int runner_feed(runner *r, const ev_result *res)
{
    if (r->failed) return r->failed;
    const slate_event *ev = &res->ev;
    int rejected = res->reason[0] != '\0';
    if (r->log) {
        slate_log_event le;
        memset(&le, 0, sizeof le);
        le.seq = ev->seq;
        le.at = ev->at != INT64_MIN ? ev->at : SLATE_LOG_NO_TIME;
        le.type = slate_program_event_name(r->prog, ev->type); /* NULL: not known */
        le.case_id = ev->case_id;
        le.case_len = ev->case_len;
        le.payload = res->raw;
        le.payload_len = res->raw_len;
        le.reject_reason = rejected ? res->reason : NULL;
        int rc = slate_log_begin_event(r->log, &le);
        if (rc != SLATE_OK) return log_failed(r, rc);
    }
    int rc;
    if (rejected) {
        int64_t at = slate_engine_now(r->eng);
        if (at == INT64_MIN) at = ev->at != INT64_MIN ? ev->at : 0;
        rc = dout_reject(&r->out, r->prog, ev, res->reason, at) ? SLATE_SINK : SLATE_OK;
    } else {
        rc = slate_engine_push(r->eng, ev, dout_sink, &r->out);
    }
    if (rc != SLATE_OK) {
        if (r->log) slate_log_abort(r->log);
        char what[64];
        snprintf(what, sizeof what, "event %llu", (unsigned long long)ev->seq);
        return engine_failed(r, rc, what);
    }
    if (r->log && (rc = slate_log_end(r->log)) != SLATE_OK) return log_failed(r, rc);
    return 0;
}

int runner_swap(runner *r, const slate_program *prog, const slate_log_policy *pol)
{
    if (r->failed) return r->failed;
    int rc;
    if (r->log && (rc = slate_log_begin_policy(r->log, pol)) != SLATE_OK) return log_failed(r, rc);
    rc = slate_engine_swap(r->eng, prog, dout_sink, &r->out);
    if (rc != SLATE_OK) {
        if (r->log) slate_log_abort(r->log);
        return engine_failed(r, rc, "swapping the policy");
    }
    r->prog = prog;
    dout_forget(&r->out); /* the old program may go before the run ends */
    if (r->log && (rc = slate_log_end(r->log)) != SLATE_OK) return log_failed(r, rc);
    return 0;
}

int runner_advance(runner *r, int64_t now)
{
    if (r->failed) return r->failed;
    int rc;
    if (r->log && (rc = slate_log_begin_advance(r->log, now)) != SLATE_OK) return log_failed(r, rc);
    rc = slate_engine_advance(r->eng, now, dout_sink, &r->out);
    if (rc != SLATE_OK) {
        if (r->log) slate_log_abort(r->log);
        return engine_failed(r, rc, "advancing time");
    }
    if (r->log && (rc = slate_log_end(r->log)) != SLATE_OK) return log_failed(r, rc);
    return 0;
}

void runner_release(runner *r)
{
    slate_engine_free(r->eng);
    r->eng = NULL;
    dout_release(&r->out);
}
