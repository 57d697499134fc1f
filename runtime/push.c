/*
 * push.c - applying one event: the checks, the verdict (too late, unusable,
 * rejected), the memory it needs taken before anything changes, the case found
 * or opened or brought back, and the order of everything that happens for it
 * (docs/semantics.md, "Event processing order"): timers, case creation, fields
 * and SLA selection, clock operations, pause conditions, rules and their
 * actions, closing.  slate_engine_push and slate_engine_reject (a batch of
 * pushes: batch.c).
 *
 * Part of the engine (see engine_int.h).  Not here: time moving by itself and
 * the held events (watermark.c), clock arithmetic (clock.c), actions and
 * decisions (decide.c), the case store (casestore.c).
 */
#include <stdarg.h>
#include <stdio.h>

#include "engine_int.h"
#include "timestamp.h"

static void reject(slate_engine *e, const slate_event *ev, int64_t at)
{
    slate_decision d;
    e->ctx.slot = ENG_NONE;
    eng_decision_init(e, &d, SLATE_A_REJECT, 0);
    d.at = at;
    if (ev->case_id && ev->case_len > 0 && ev->case_len <= ENG_MAX_ID) {
        d.case_id = ev->case_id;
        d.case_len = ev->case_len;
    }
    d.message = e->reason;
    eng_emit(e, &d);
}

static int reasonf(slate_engine *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int reasonf(slate_engine *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->reason, sizeof e->reason, fmt, ap);
    va_end(ap);
    return 1;
}

/* Whether the event is too late to use (the reason in e->reason): more than the
 * tolerance before the latest time seen. */
static int too_late(slate_engine *e, const slate_event *ev)
{
    /* unsigned difference: no overflow whatever the instants */
    uint64_t behind = (uint64_t)e->high - (uint64_t)ev->at;
    if (e->high != INT64_MIN && ev->at < e->high && behind > (uint64_t)e->tolerance) {
        char a[40], w[40], late[40], tol[40];
        fmt_time(a, sizeof a, ev->at);
        fmt_time(w, sizeof w, e->high);
        fmt_dur(late, sizeof late, behind > INT64_MAX ? INT64_MAX : (int64_t)behind);
        fmt_dur(tol, sizeof tol, e->tolerance);
        return reasonf(e, "event time %s is %s before the stream's time %s (tolerance %s)", a,
                       late, w, tol);
    }
    return 0;
}

/* Why the event cannot be used, in e->reason; 0 when it can.  Looks the case up
 * once: *slot is its slot (ENG_NONE when not open) and *hash its id's hash, which
 * open_case reuses; *closed is the record of a closed case it reopens (or an
 * `opened` makes new), else CL_NONE. */
static int unusable(slate_engine *e, const slate_event *ev, uint32_t *slot, uint32_t *hash,
                    size_t *closed, int *strings)
{
    const slate_program *p = e->prog;
    const char *tname = prog_str(p, p->events[ev->type].name);
    *strings = 1; /* unknown until the values are looked at below */
    if (ev->type == EV_TICK) return 0;
    if (!ev->case_id || ev->case_len == 0) return reasonf(e, "event `%s` has no case", tname);
    if (ev->case_len > ENG_MAX_ID)
        return reasonf(e, "case id is %zu bytes long (at most %d)", ev->case_len, ENG_MAX_ID);
    int str = 0;
    for (size_t i = 0; i < ev->nvalues; i++) {
        const slate_value *v = &ev->values[i];
        const prog_field *f = &p->fields[v->field];
        if (f->type == PT_ENUM && (v->i < 0 || (uint64_t)v->i >= f->nvalues))
            return reasonf(e, "value %lld is not a value of the enum of field `%s`",
                           (long long)v->i, prog_str(p, f->name));
        str |= f->type == PT_STRING;
    }
    *strings = str;
    *hash = cs_hash(ev->case_id, ev->case_len);
    *slot = cs_find(&e->cs, ev->case_id, ev->case_len, *hash);
    int len = (int)ev->case_len;
    if (ev->type == EV_OPENED && *slot != ENG_NONE)
        return reasonf(e, "case `%.*s` is already open", len, ev->case_id);
    if (*slot == ENG_NONE && e->closed.count) {
        /* a record older than twice the period is gone, whether or not
         * cl_expire has dropped it yet */
        int64_t t = e->now != INT64_MIN && ev->at < e->now ? e->now : ev->at;
        size_t off = cl_find(e, ev->case_id, ev->case_len, *hash);
        if (off != CL_NONE && t - cl_closed_at(e, off) <= e->closed.keep_ms) {
            if (ev->type != EV_OPENED && cl_verdict(e, ev, cl_closed_at(e, off))) return 1;
            *closed = off;
        }
    }
    if (ev->type != EV_OPENED && *slot == ENG_NONE && *closed == CL_NONE)
        return reasonf(e, "unknown case `%.*s`", len, ev->case_id);
    return fld_missing(e, ev, *slot, ev->type == EV_OPENED ? CL_NONE : *closed);
}

/* Everything an event may need to allocate, before it changes anything
 * (`revive`: it brings a closed case back; `maybe_strings`: 0 when unusable's
 * pass over the values found no string, so this one is skipped). */
static int preflight(slate_engine *e, const slate_event *ev, int revive, int maybe_strings)
{
    int strings = 0;
    for (size_t i = 0; maybe_strings && i < ev->nvalues; i++) {
        const slate_value *v = &ev->values[i];
        if (e->prog->fields[v->field].type != PT_STRING) continue;
        if (st_intern(&e->st, v->s ? v->s : "", v->s ? v->len : 0) < 0) return SLATE_NOMEM;
        strings = 1;
    }
    /* the JSON scratch depends on the longest interned string: it was fitted when
     * the program's strings were interned (new, swap) and whenever an event
     * brought strings, so only a string value of this event can call for more
     * (and a string reaches a case, to be rendered, only with such an event) */
    if (strings && eng_scratch_fit(e, &e->aux)) return SLATE_NOMEM;
    if (ev->type == EV_CLOSED && e->closed.keep_ms) {
        cl_layout l = cl_layout_of(e);
        if (cl_reserve(e, cl_max_record(&l, ev->case_len))) return SLATE_NOMEM;
    }
    if (ev->type == EV_OPENED || revive) {
        if (cs_reserve(&e->cs, ev->case_len)) return SLATE_NOMEM;
        /* at most one timer per clock of each open case */
        if (tq_reserve(e, ((size_t)e->cs.count + 1) * e->nclocks)) return SLATE_NOMEM;
    }
    return SLATE_OK;
}

static uint32_t open_case(slate_engine *e, const slate_event *ev, uint32_t hash)
{
    uint32_t slot = cs_add(&e->cs, ev->case_id, ev->case_len, hash);
    eng_case *c = cs_case(&e->cs, slot);
    c->created = ++e->ncreated;
    c->tier = PROG_NONE;
    eng_clock *k = case_clocks(e, c);
    for (uint32_t ci = 0; ci < e->nclocks; ci++) {
        k[ci].target = ENG_NONE;
        k[ci].heap = ENG_NONE;
    }
    return slot;
}

/* Write the event's fields into the case; 1 when a value the selection reads
 * changed (eng_aux.sel_field: any other change cannot change the tier). */
static int apply_fields(slate_engine *e, uint32_t slot, const slate_event *ev)
{
    eng_case *c = cs_case(&e->cs, slot);
    int64_t *f = case_fields(e, c);
    int changed = 0;
    for (size_t i = 0; i < ev->nvalues; i++) {
        const slate_value *v = &ev->values[i];
        fld_given(e, c, v->field);
        int64_t x = v->i;
        switch (e->prog->fields[v->field].type) {
        case PT_STRING: x = st_intern(&e->st, v->s ? v->s : "", v->s ? v->len : 0); break;
        case PT_BOOL: x = x != 0; break;
        }
        changed |= (f[v->field] != x) & e->aux.sel_field[v->field];
        f[v->field] = x;
    }
    return changed;
}

static void apply_event(slate_engine *e, const slate_event *ev, uint32_t slot, uint32_t hash,
                        size_t closed)
{
    const slate_program *p = e->prog;
    const prog_event *pe = &p->events[ev->type];
    int opened = ev->type == EV_OPENED, revived = 0;
    if (opened) {
        slot = open_case(e, ev, hash);
        if (closed != CL_NONE) cl_take(e, closed); /* the id begins anew */
    } else if (closed != CL_NONE) {
        slot = cl_revive(e, closed, hash); /* a closed case comes back */
        revived = 1;
    }
    e->ctx.slot = slot;

    /* fields, then the tier they choose (`sla` before any clock starts; a case
     * that comes back has no tier until it chooses one again) */
    if (apply_fields(e, slot, ev) || opened || revived)
        clk_select(e, slot, opened ? CLK_FRESH : 0);

    /* clocks: reopening, then the event's operations in stored order (stops,
     * starts, pauses, resumes, resets), then ad-hoc clocks this event meets */
    if (ev->type == EV_REOPENED || revived) clk_reopen(e, slot);
    for (uint32_t i = 0; i < pe->nops; i++) {
        const prog_evop *op = &p->evops[pe->first_op + i];
        switch (op->op) {
        case EVOP_STOP: clk_stop(e, slot, op->clock); break;
        case EVOP_START: clk_start(e, slot, op->clock); break;
        case EVOP_PAUSE: clk_pause(e, slot, op->clock); break;
        case EVOP_RESUME: clk_resume(e, slot, op->clock); break;
        case EVOP_RESET: clk_reset(e, slot, op->clock); break;
        }
    }
    for (uint32_t i = e->aux.until_first[ev->type]; i < e->aux.until_first[ev->type + 1]; i++)
        clk_stop(e, slot, e->aux.until_clock[i]);
    clk_eval_holds(e, slot);

    /* rules in file order; `set` re-selects as it goes */
    if (pe->rules != PROG_NO_CODE) {
        e->ctx.slot = slot;
        eng_run(e, pe->rules);
        clk_eval_holds(e, slot);
    }

    if (ev->type == EV_CLOSED) {
        slate_decision d;
        e->ctx.slot = slot;
        eng_decision_init(e, &d, SLATE_A_CLOSE, 0);
        eng_emit(e, &d);
        clk_drop_timers(e, slot);
        if (e->closed.keep_ms) cl_put(e, slot); /* kept for reopening */
        cs_remove(&e->cs, slot);
    }
    e->ctx.slot = ENG_NONE;
}

static int check_event(slate_engine *e, const slate_event *ev)
{
    const slate_program *p = e->prog;
    if (ev->type < 0 || (uint32_t)ev->type >= p->nevents)
        return eng_fail(e, SLATE_MISUSE, "event type %d is not an event of the program",
                        ev->type);
    if (ev->nvalues && !ev->values) return eng_fail(e, SLATE_MISUSE, "event values are NULL");
    if (ev->case_len && !ev->case_id) return eng_fail(e, SLATE_MISUSE, "case id is NULL");
    for (size_t i = 0; i < ev->nvalues; i++) {
        const slate_value *v = &ev->values[i];
        if (v->field < 0 || (uint32_t)v->field >= p->nfields)
            return eng_fail(e, SLATE_MISUSE,
                            "value %zu names field %d, not a field of the program", i, v->field);
        if (v->len && !v->s) return eng_fail(e, SLATE_MISUSE, "value %zu: string is NULL", i);
    }
    return SLATE_OK;
}

/* Apply one event now, at its own time or, when the watermark has passed it
 * (after an advance or a flush), at the watermark. */
static int apply_now(slate_engine *e, const slate_event *ev)
{
    uint32_t slot = ENG_NONE, hash = 0;
    size_t closed = CL_NONE;
    int rc, strings;
    /* any usable event moves time (firing what is due), then is applied or
     * rejected; timers never open or close cases, so the verdict (and, for a
     * usable event, everything it must allocate) is settled first */
    int bad = unusable(e, ev, &slot, &hash, &closed, &strings);
    if (!bad && (rc = preflight(e, ev, ev->type != EV_OPENED && closed != CL_NONE, strings)))
        return eng_fail(e, rc, "out of memory");
    if (e->high == INT64_MIN || ev->at > e->high) e->high = ev->at;
    int64_t t = e->now != INT64_MIN && ev->at < e->now ? e->now : ev->at;
    eng_advance(e, t);
    cl_expire_due(e); /* never the record `closed` names: it is within its time */
    if (ev->type == EV_TICK) return e->ctx.rc;
    if (bad) {
        reject(e, ev, e->now);
        return e->ctx.rc;
    }
    apply_event(e, ev, slot, hash, closed);
    eng_advance(e, t); /* steps the event made due at once */
    if (__builtin_expect(e->st.sweep_due | cs_shrink_due(&e->cs), 0)) eng_trim(e, 0);
    return e->ctx.rc;
}

/* For eng_drain (watermark.c); push's own call stays a static one. */
int eng_apply_now(slate_engine *e, const slate_event *ev)
{
    return apply_now(e, ev);
}

static int push(slate_engine *e, const slate_event *ev, slate_sink sink, void *ud)
{
    int rc = check_event(e, ev);
    if (!rc) rc = eng_check_time(e, ev->at, "event time");
    if (rc) return rc;
    eng_begin(e, sink, ud);
    e->ctx.event_seq = ev->seq;
    e->ctx.event_id = ev->id;
    e->ctx.event_id_len = ev->id ? ev->id_len : 0;

    /* too late: rejected at the engine's time, and nothing else happens */
    if (too_late(e, ev)) {
        reject(e, ev, e->now);
        return e->ctx.rc;
    }
    /* at or before the watermark it would set, with nothing waiting: applied at
     * once (always so with tolerance 0); at the watermark, before everything
     * held (which is after it): applied at once too; before the watermark (an
     * advance or flush moved it past the latest time less the tolerance): at
     * the watermark */
    int64_t high = e->high == INT64_MIN || ev->at > e->high ? ev->at : e->high;
    int64_t w = eng_mark_of(e, high);
    if ((e->lb.n == 0 && ev->at <= w) || (e->now != INT64_MIN && ev->at <= e->now))
        return apply_now(e, ev);
    /* else it waits for the watermark, which this event may move (a tick only
     * moves it) */
    if (ev->type != EV_TICK && lb_insert(e, ev)) return eng_fail(e, SLATE_NOMEM, "out of memory");
    e->high = high;
    return eng_drain(e, w);
}

/* For slate_engine_push_batch (batch.c), which holds e->busy itself. */
int eng_push(slate_engine *e, const slate_event *ev, slate_sink sink, void *ud)
{
    return push(e, ev, sink, ud);
}

/* The entry points hold e->busy while they run, so a sink that calls back into
 * its own engine is refused instead of finding a case, a page or the context
 * half changed under the call it is inside. */
int slate_engine_push(slate_engine *e, const slate_event *ev, slate_sink sink, void *ud)
{
    if (!e) return SLATE_MISUSE;
    if (e->busy) return eng_reentered(e, "slate_engine_push");
    if (!ev) return eng_fail(e, SLATE_MISUSE, "event is NULL");
    e->busy = 1;
    int rc = push(e, ev, sink, ud);
    e->busy = 0;
    return rc;
}

int slate_engine_reject(slate_engine *e, const slate_event *ev, const char *reason,
                        slate_sink sink, void *ud)
{
    if (!e) return SLATE_MISUSE;
    if (e->busy) return eng_reentered(e, "slate_engine_reject");
    if (!ev || !reason) return eng_fail(e, SLATE_MISUSE, "%s is NULL", ev ? "reason" : "event");
    if (ev->nvalues) return eng_fail(e, SLATE_MISUSE, "a rejected event carries no values");
    if (ev->case_len && !ev->case_id) return eng_fail(e, SLATE_MISUSE, "case id is NULL");
    if (ev->at != INT64_MIN && (ev->at < TS_MIN_MS || ev->at > TS_MAX_MS))
        return eng_fail(e, SLATE_MISUSE, "event time %lld ms is outside the years 0000-9999",
                        (long long)ev->at);
    e->busy = 1;
    eng_begin(e, sink, ud);
    e->ctx.event_seq = ev->seq;
    e->ctx.event_id = ev->id;
    e->ctx.event_id_len = ev->id ? ev->id_len : 0;
    snprintf(e->reason, sizeof e->reason, "%s", reason);
    reject(e, ev, e->now != INT64_MIN ? e->now : ev->at != INT64_MIN ? ev->at : 0);
    e->busy = 0;
    return e->ctx.rc;
}
