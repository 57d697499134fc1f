/*
 * watermark.c - moving the engine's time: timers firing as the watermark passes
 * them, the events held within the tolerance applied in time order
 * (eng_drain), and the entry points that only move time
 * (slate_engine_advance, slate_engine_flush).
 *
 * Part of the engine (see engine_int.h).  Not here: applying one event
 * (push.c), what a timer firing does to a clock (clock.c), the buffer of held
 * events itself (late.c).
 */
#include "engine_int.h"
#include "timestamp.h"

/* ---- time ---------------------------------------------------------------------------- */

/* Fire every timer due at or before t, each at its own instant, in (instant,
 * case creation, clock) order; then the watermark is t. */
void eng_advance_due(slate_engine *e, int64_t t)
{
    eng_ctx saved = e->ctx;
    e->ctx.event_seq = 0;
    e->ctx.event_id = NULL;
    e->ctx.event_id_len = 0;
    for (const tq_entry *top; (top = tq_top(e)) && top->at <= t;) {
        if (top->at > e->now) e->now = top->at;
        uint32_t slot = top->slot, ci = top->clock;
        e->ctx.slot = slot;
        clk_fire(e, slot, ci);
        clk_eval_holds(e, slot);
    }
    if (t > e->now) e->now = t;
    saved.rc = e->ctx.rc;
    e->ctx = saved;
}

/* Why the engine may not move its time to t (eng_check_time said it may not). */
int eng_time_refused(slate_engine *e, int64_t t, const char *what)
{
    if (t < TS_MIN_MS || t > TS_MAX_MS)
        return eng_fail(e, SLATE_MISUSE, "%s %lld ms is outside the years 0000-9999", what,
                        (long long)t);
    char a[40], w[40], by[40], lim[40];
    fmt_time(a, sizeof a, t);
    fmt_time(w, sizeof w, e->high);
    fmt_dur(by, sizeof by, t - e->high);
    fmt_dur(lim, sizeof lim, e->max_jump);
    return eng_fail(e, SLATE_ERROR, "%s %s is %s after the engine's time %s (limit %s): refused",
                    what, a, by, w, lim);
}

int eng_drain(slate_engine *e, int64_t t)
{
    eng_ctx saved = e->ctx;
    while (e->ctx.rc == SLATE_OK && e->lb.n && e->lb.h[0].at <= t) {
        lb_entry x = lb_pop(e);
        slate_event ev;
        slate_value *vals;
        lb_event(e, &x, &ev, &vals);
        e->ctx.event_seq = ev.seq;
        e->ctx.event_id = ev.id;
        e->ctx.event_id_len = ev.id ? ev.id_len : 0;
        e->ctx.slot = ENG_NONE;
        if (eng_apply_now(e, &ev) == SLATE_NOMEM) {
            lb_unpop(e, &x);
            saved.rc = SLATE_NOMEM;
            e->ctx = saved;
            return eng_fail(e, SLATE_NOMEM,
                            "out of memory applying held event %llu (it stays held)",
                            (unsigned long long)x.seq);
        }
        lb_done(e, &x);
    }
    saved.rc = e->ctx.rc;
    e->ctx = saved;
    if (e->ctx.rc == SLATE_OK) eng_advance(e, t);
    return e->ctx.rc;
}

int slate_engine_advance(slate_engine *e, int64_t now, slate_sink sink, void *ud)
{
    if (!e) return SLATE_MISUSE;
    if (e->busy) return eng_reentered(e, "slate_engine_advance");
    int rc = eng_check_time(e, now, "advance to");
    if (rc) return rc;
    e->busy = 1;
    eng_begin(e, sink, ud);
    if (e->high == INT64_MIN || now > e->high) e->high = now;
    int64_t w = eng_mark_of(e, e->high);
    rc = eng_drain(e, now > w ? now : w);
    e->busy = 0;
    return rc;
}

int slate_engine_flush(slate_engine *e, slate_sink sink, void *ud)
{
    if (!e) return SLATE_MISUSE;
    if (e->busy) return eng_reentered(e, "slate_engine_flush");
    e->busy = 1;
    eng_begin(e, sink, ud);
    int rc = e->high == INT64_MIN ? SLATE_OK : eng_drain(e, e->high);
    e->busy = 0;
    return rc;
}
