/*
 * runner.c - one engine fed from the event reader (runner.h).
 */
#include "runner.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "timestamp.h"

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
    r->sink = dout_sink;
    r->sink_ud = &r->out;
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

/* "1825d", "2h30m", "45s", "250ms": a duration for a reason. */
static void fmt_span(char *buf, size_t size, uint64_t ms)
{
    static const struct { uint64_t ms; const char *unit; } parts[] = {
        {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}};
    size_t n = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof parts / sizeof parts[0] && n < size; i++) {
        if (ms < parts[i].ms) continue;
        n += (size_t)snprintf(buf + n, size - n, "%llu%s",
                              (unsigned long long)(ms / parts[i].ms), parts[i].unit);
        ms %= parts[i].ms;
    }
    if (n == 0 || (ms && n < size)) snprintf(buf + n, size - n, "%llums", (unsigned long long)ms);
}

/* Whether a usable event jumps too far ahead of the stream (the reason in buf).
 * The first event sets the time, so it has nothing to be measured against. */
static int skips_too_far(const runner *r, const slate_event *ev, char *buf, size_t size)
{
    int64_t now = slate_engine_now(r->eng);
    if (r->max_skip_ms <= 0 || now == INT64_MIN || ev->at <= now) return 0;
    uint64_t ahead = (uint64_t)ev->at - (uint64_t)now; /* no overflow whatever the instants */
    if (ahead <= (uint64_t)r->max_skip_ms) return 0;
    char a[TS_FORMAT_MAX + 1], w[TS_FORMAT_MAX + 1], d[48], lim[48];
    ts_format(ev->at, a);
    ts_format(now, w);
    fmt_span(d, sizeof d, ahead);
    fmt_span(lim, sizeof lim, (uint64_t)r->max_skip_ms);
    snprintf(buf, size,
             "event time %s is %s after the stream's time %s (max skip %s)", a, d, w, lim);
    return 1;
}

int runner_feed(runner *r, const ev_result *res)
{
    if (r->failed) return r->failed;
    const slate_event *ev = &res->ev;
    char skip[EV_REASON_MAX];
    const char *reason = res->reason[0] ? res->reason : NULL;
    if (!reason && skips_too_far(r, ev, skip, sizeof skip)) reason = skip;
    int rejected = reason != NULL;
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
        le.reject_reason = reason;
        int rc = slate_log_begin_event(r->log, &le);
        if (rc != SLATE_OK) return log_failed(r, rc);
    }
    int rc;
    if (rejected) {
        int64_t at = slate_engine_watermark(r->eng); /* the instant decisions are at */
        if (at == INT64_MIN) at = ev->at != INT64_MIN ? ev->at : 0;
        rc = dout_reject(&r->out, r->prog, ev, reason, at) ? SLATE_SINK : SLATE_OK;
    } else {
        rc = slate_engine_push(r->eng, ev, r->sink, r->sink_ud);
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
    /* held events were read for the old program: applied under it, as an
     * advance entry of their own (the swap would apply them too, but inside the
     * policy entry of the new program) */
    if ((rc = runner_flush(r))) return rc;
    if (r->log && (rc = slate_log_begin_policy(r->log, pol)) != SLATE_OK) return log_failed(r, rc);
    rc = slate_engine_swap(r->eng, prog, r->sink, r->sink_ud);
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
    rc = slate_engine_advance(r->eng, now, r->sink, r->sink_ud);
    if (rc != SLATE_OK) {
        if (r->log) slate_log_abort(r->log);
        return engine_failed(r, rc, "advancing time");
    }
    if (r->log && (rc = slate_log_end(r->log)) != SLATE_OK) return log_failed(r, rc);
    return 0;
}

int runner_flush(runner *r)
{
    if (r->failed) return r->failed;
    if (!slate_engine_buffered(r->eng)) return 0;
    return runner_advance(r, slate_engine_now(r->eng));
}

void runner_release(runner *r)
{
    slate_engine_free(r->eng);
    r->eng = NULL;
    dout_release(&r->out);
}
