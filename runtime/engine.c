/*
 * engine.c - the engine half of slate.h: events in, decisions out.
 *
 * The last stage of the runtime: a loaded program (program.h) and a stream of
 * events become decisions.  This file owns the order of everything that happens
 * for one event (docs/semantics.md, "Event processing order"): checks, timers,
 * case creation, fields and SLA selection, clock operations, pause conditions,
 * rules and their actions, closing.  Clock arithmetic is in clock.c, the case
 * store in casestore.c, the timer queue in timers.c, hot swap in swap.c.
 *
 * The engine never reads the clock: time is the watermark the events move (the
 * latest time less the tolerance; events after it wait in late.c's buffer and
 * are applied here, in time order, as it passes them).  It allocates only while
 * pre-flighting an event (a new case, a string never seen) and does so before
 * changing anything, so SLATE_NOMEM leaves it unchanged; and when holding an
 * event grows the buffer, likewise.  A held event that cannot get its memory
 * when its turn comes stays held.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "engine_int.h"
#include "optsize.h"
#include "timestamp.h"
#include "vm.h"

static void *std_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    if (n == 0) {
        free(p);
        return NULL;
    }
    return realloc(p, n);
}

static const slate_allocator std_allocator = {std_realloc, NULL};

/* Every block the engine allocates carries its size in front, so the engine
 * knows the bytes it holds (slate_engine_memory_used) whatever allocator it was
 * given.  16 bytes keep the block as aligned as the allocator made it. */
#define ENG_HDR 16
static void *counted_realloc(void *ud, void *p, size_t n)
{
    slate_engine *e = ud;
    unsigned char *h = p ? (unsigned char *)p - ENG_HDR : NULL;
    size_t old = 0;
    if (h) memcpy(&old, h, sizeof old);
    if (n == 0) {
        if (h) {
            e->user_al.realloc(e->user_al.ud, h, 0);
            e->mem -= old + ENG_HDR;
        }
        return NULL;
    }
    if (n > SIZE_MAX - ENG_HDR) return NULL;
    unsigned char *q = e->user_al.realloc(e->user_al.ud, h, n + ENG_HDR);
    if (!q) return NULL;
    memcpy(q, &n, sizeof n);
    e->mem = e->mem - (h ? old + ENG_HDR : 0) + n + ENG_HDR;
    return q + ENG_HDR;
}

static int fail(slate_engine *e, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(slate_engine *e, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->errmsg, sizeof e->errmsg, fmt, ap);
    va_end(ap);
    return rc;
}

/* ---- decisions ------------------------------------------------------------------ */

/* The members eng_decision_init sets add up to the struct less its three 4-byte
 * holes (after `action` and `rule_line`, and at the end): a member added
 * anywhere, holes included, breaks this until eng_decision_init sets it too. */
#define DM(m) sizeof(((slate_decision *)0)->m)
_Static_assert(DM(seq) + DM(at) + DM(case_id) + DM(case_len) + DM(action) + DM(event_seq) +
                       DM(event_id) + DM(event_id_len) + DM(program) + DM(rule_line) +
                       DM(rule_label) + DM(clock) + DM(tier) + DM(to) + DM(message) + DM(field) +
                       DM(value) + DM(target_ms) + DM(deadline) + DM(elapsed_ms) + DM(met) +
                       DM(percent) + DM(before_ms) + DM(after_ms) + DM(targets) +
                       DM(breached_ms) + DM(since) + DM(retroactive) + 12 ==
                   sizeof(slate_decision),
               "slate_decision changed: set the new member in eng_decision_init");
#undef DM

void eng_decision_init(slate_engine *e, slate_decision *d, slate_action a, uint32_t line)
{
    /* Every member stored once, no zeroing first: a memset or a compound literal
     * of the 216-byte struct compiles to `rep stos` (slow to start for so few
     * bytes) and is then overwritten in part.  The assertion above makes a new
     * member of slate_decision a compile error until it is set here too. */
    d->seq = 0;
    d->at = e->now;
    d->case_id = NULL;
    d->case_len = 0;
    d->action = a;
    d->event_seq = e->ctx.event_seq;
    d->event_id = e->ctx.event_id;
    d->event_id_len = e->ctx.event_id_len;
    d->program = e->prog;
    d->rule_line = line;
    d->rule_label = NULL;
    d->clock = NULL;
    d->tier = NULL;
    d->to = NULL;
    d->message = NULL;
    d->field = NULL;
    d->value = NULL;
    d->target_ms = 0;
    d->deadline = INT64_MIN;
    d->elapsed_ms = 0;
    d->met = 0;
    d->percent = 0;
    d->before_ms = 0;
    d->after_ms = 0;
    d->targets = NULL;
    d->breached_ms = 0;
    d->since = 0;
    d->retroactive = 0;
    if (e->ctx.slot != ENG_NONE) {
        const eng_case *c = cs_case(&e->cs, e->ctx.slot);
        d->case_id = case_id(c);
        d->case_len = c->id_len;
    }
}

/* Number the decision and hand it to the sink.  Once the sink has refused one,
 * the rest of the call's decisions are dropped (and not numbered) while the
 * engine finishes applying the event, so its state stays whole. */
void eng_emit(slate_engine *e, slate_decision *d)
{
    if (e->ctx.rc != SLATE_OK) return;
    d->seq = ++e->ndecisions;
    if (e->ctx.sink && e->ctx.sink(e->ctx.ud, d)) e->ctx.rc = SLATE_SINK;
}

const char *eng_str(const slate_engine *e, int64_t id)
{
    const char *s = id >= 0 && (uint64_t)id < e->st.n ? e->st.v[id].s : NULL;
    return s ? s : ""; /* NULL: a free id, which nothing in use holds */
}

/* The JSON for one value of a field's type: ints, bools, strings, durations in
 * seconds, enum values and levels by name. */
static void render_value(slate_engine *e, sbuf *b, uint8_t type, uint32_t field, int64_t v)
{
    const slate_program *p = e->prog;
    switch (type) {
    case PT_BOOL: sb_str(b, v ? "true" : "false"); break;
    case PT_STRING: {
        const char *s = eng_str(e, v);
        sb_json_str(b, s, strlen(s));
        break;
    }
    case PT_DURATION: sb_int(b, v / 1000); break;
    case PT_ENUM:
        if (field < p->nfields && v >= 0 && (uint64_t)v < p->fields[field].nvalues) {
            uint32_t s = p->enum_values[p->fields[field].first_value + v];
            sb_json_str(b, prog_str(p, s), p->strings[s].len);
        } else
            sb_int(b, v);
        break;
    case PT_LEVEL:
        if (v >= 0 && (uint64_t)v < p->nlevels)
            sb_json_str(b, prog_str(p, p->levels[v]), p->strings[p->levels[v]].len);
        else
            sb_int(b, v);
        break;
    default: sb_int(b, v);
    }
}

int eng_scratch_fit(slate_engine *e, const eng_aux *x)
{
    size_t need = x->jbase + (size_t)x->maxargs * ((size_t)e->st.maxlen * 6 + 8);
    if (need <= e->jcap) return SLATE_OK;
    char *b = eng_realloc(&e->al, e->jbuf, need);
    if (!b) return SLATE_NOMEM;
    e->jbuf = b;
    e->jcap = need;
    return SLATE_OK;
}

/* ---- running code ----------------------------------------------------------------- */

static int act(void *ud, const vm_instr *ins, const int64_t *R, uint32_t rule);

int64_t eng_run(slate_engine *e, int32_t pc)
{
    if (pc == PROG_NO_CODE || e->depth >= ENG_DEPTH) return VM_HALTED;
    eng_case *c = cs_case(&e->cs, e->ctx.slot);
    vm_host h = {case_fields(e, c), &c->level, e->aux.str_ids, act, e};
    uint32_t slot = e->ctx.slot;
    int64_t *regs = e->aux.regs + (size_t)e->depth * e->aux.nregs;
    e->depth++;
    int64_t r = vm_run(e->prog, pc, &h, regs);
    e->depth--;
    e->ctx.slot = slot;
    return r;
}

/* The VM's callback for every decision instruction.  Only the outermost block
 * (rules, ladder step actions) decides: selection and pause conditions that
 * tried to act are ignored. */
static int act(void *ud, const vm_instr *ins, const int64_t *R, uint32_t rule)
{
    slate_engine *e = ud;
    const slate_program *p = e->prog;
    if (e->depth > 1) return 0;
    uint32_t slot = e->ctx.slot;
    eng_case *c = cs_case(&e->cs, slot);
    int ruled = rule != UINT32_MAX && rule < p->nrules;
    uint32_t line = ruled ? p->rules[rule].line : e->ctx.line;
    const char *label = ruled && p->rules[rule].label ? prog_str(p, p->rules[rule].label) : NULL;
    slate_decision d;
    sbuf b = {e->jbuf, e->jcap, 0};

    switch (ins->op) {
    case OP_ROUTE:
    case OP_ASSIGN:
        eng_decision_init(e, &d, ins->op == OP_ROUTE ? SLATE_A_ROUTE : SLATE_A_ASSIGN, line);
        d.to = prog_str(p, (uint32_t)ins->c);
        break;
    case OP_NOTIFY:
        eng_decision_init(e, &d, SLATE_A_NOTIFY, line);
        d.to = prog_str(p, ins->b);
        d.message = prog_str(p, (uint32_t)ins->c);
        break;
    case OP_ESCALATE:
        if (ins->b <= c->level) return 0; /* never lowers, no decision */
        c->level = ins->b;
        eng_decision_init(e, &d, SLATE_A_ESCALATE, line);
        d.to = prog_str(p, p->levels[ins->b]);
        d.rule_label = label;
        eng_emit(e, &d);
        if (e->aux.sel_level) clk_select(e, slot, 0); /* a tier may depend on the level */
        return 0;
    case OP_SET: {
        int64_t *f = &case_fields(e, c)[ins->b];
        int64_t old = *f;
        *f = R[ins->a];
        fld_given(e, c, ins->b);
        eng_decision_init(e, &d, SLATE_A_SET, line);
        d.field = prog_str(p, p->fields[ins->b].name);
        render_value(e, &b, p->fields[ins->b].type, ins->b, *f);
        sb_done(&b);
        d.value = e->jbuf;
        d.rule_label = label;
        eng_emit(e, &d);
        if (old != *f && e->aux.sel_field[ins->b]) clk_select(e, slot, 0);
        return 0;
    }
    case OP_REQUIRE:
    case OP_REVIEW:
        clk_require(e, slot, ins->b, (uint32_t)ins->c,
                    ins->op == OP_REQUIRE ? SLATE_A_REQUIRE : SLATE_A_REVIEW, line, label);
        return 0;
    case OP_EMIT: {
        const prog_emit *em = &p->emits[ins->b];
        eng_decision_init(e, &d, SLATE_A_EMIT, line);
        d.field = prog_str(p, em->name);
        sb_puts(&b, "[", 1);
        for (uint32_t i = 0; i < em->nargs; i++) {
            const prog_emit_arg *a = &p->emit_args[em->first_arg + i];
            if (i) sb_puts(&b, ",", 1);
            render_value(e, &b, a->type, a->field, R[ins->a + i]);
        }
        sb_puts(&b, "]", 1);
        sb_done(&b);
        d.value = e->jbuf;
        break;
    }
    default: return 0;
    }
    d.rule_label = label;
    eng_emit(e, &d);
    return 0;
}

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

/* ---- events ---------------------------------------------------------------------------- */

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

/* The watermark when the latest time seen is `high`: high less the tolerance
 * (never before the first instant the engine accepts). */
static int64_t mark_of(const slate_engine *e, int64_t high)
{
    if (high == INT64_MIN) return INT64_MIN;
    return high - TS_MIN_MS > e->tolerance ? high - e->tolerance : TS_MIN_MS;
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
                    size_t *closed)
{
    const slate_program *p = e->prog;
    const char *tname = prog_str(p, p->events[ev->type].name);
    if (ev->type == EV_TICK) return 0;
    if (!ev->case_id || ev->case_len == 0) return reasonf(e, "event `%s` has no case", tname);
    if (ev->case_len > ENG_MAX_ID)
        return reasonf(e, "case id is %zu bytes long (at most %d)", ev->case_len, ENG_MAX_ID);
    for (size_t i = 0; i < ev->nvalues; i++) {
        const slate_value *v = &ev->values[i];
        const prog_field *f = &p->fields[v->field];
        if (f->type == PT_ENUM && (v->i < 0 || (uint64_t)v->i >= f->nvalues))
            return reasonf(e, "value %lld is not a value of the enum of field `%s`",
                           (long long)v->i, prog_str(p, f->name));
    }
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
 * (`revive`: it brings a closed case back). */
static int preflight(slate_engine *e, const slate_event *ev, int revive)
{
    int strings = 0;
    for (size_t i = 0; i < ev->nvalues; i++) {
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
    if (apply_fields(e, slot, ev) || opened || revived) clk_select(e, slot, 0);

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
        return fail(e, SLATE_MISUSE, "event type %d is not an event of the program", ev->type);
    if (ev->nvalues && !ev->values) return fail(e, SLATE_MISUSE, "event values are NULL");
    if (ev->case_len && !ev->case_id) return fail(e, SLATE_MISUSE, "case id is NULL");
    for (size_t i = 0; i < ev->nvalues; i++) {
        const slate_value *v = &ev->values[i];
        if (v->field < 0 || (uint32_t)v->field >= p->nfields)
            return fail(e, SLATE_MISUSE, "value %zu names field %d, not a field of the program",
                        i, v->field);
        if (v->len && !v->s) return fail(e, SLATE_MISUSE, "value %zu: string is NULL", i);
    }
    return SLATE_OK;
}

/* Why the engine may not move its time to t (check_time said it may not). */
static __attribute__((noinline, cold)) int time_refused(slate_engine *e, int64_t t,
                                                        const char *what)
{
    if (t < TS_MIN_MS || t > TS_MAX_MS)
        return fail(e, SLATE_MISUSE, "%s %lld ms is outside the years 0000-9999", what,
                    (long long)t);
    char a[40], w[40], by[40], lim[40];
    fmt_time(a, sizeof a, t);
    fmt_time(w, sizeof w, e->high);
    fmt_dur(by, sizeof by, t - e->high);
    fmt_dur(lim, sizeof lim, e->max_jump);
    return fail(e, SLATE_ERROR, "%s %s is %s after the engine's time %s (limit %s): refused",
                what, a, by, w, lim);
}

/* Whether the engine may move its time to t: SLATE_MISUSE outside the years
 * 0000-9999 (so no clock arithmetic can overflow), SLATE_ERROR for a jump
 * forward past the limit (one stray instant would breach every open case and
 * make every later event late); nothing has changed either way. */
static inline int check_time(slate_engine *e, int64_t t, const char *what)
{
    if (t >= TS_MIN_MS && t <= TS_MAX_MS &&
        (e->high == INT64_MIN || t <= e->high || t - e->high <= e->max_jump))
        return SLATE_OK;
    return time_refused(e, t, what);
}

void eng_begin(slate_engine *e, slate_sink sink, void *ud)
{
    e->ctx = (eng_ctx){sink, ud, SLATE_OK, 0, NULL, 0, ENG_NONE, 0};
}

int eng_reentered(slate_engine *e, const char *fn)
{
    return fail(e, SLATE_MISUSE,
                "%s: a call on this engine is in progress (a sink may not call into "
                "its own engine)",
                fn);
}

/* Apply one event now, at its own time or, when the watermark has passed it
 * (after an advance or a flush), at the watermark. */
static int apply_now(slate_engine *e, const slate_event *ev)
{
    uint32_t slot = ENG_NONE, hash = 0;
    size_t closed = CL_NONE;
    int rc;
    /* any usable event moves time (firing what is due), then is applied or
     * rejected; timers never open or close cases, so the verdict (and, for a
     * usable event, everything it must allocate) is settled first */
    int bad = unusable(e, ev, &slot, &hash, &closed);
    if (!bad && (rc = preflight(e, ev, ev->type != EV_OPENED && closed != CL_NONE)))
        return fail(e, rc, "out of memory");
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
        if (apply_now(e, &ev) == SLATE_NOMEM) {
            lb_unpop(e, &x);
            saved.rc = SLATE_NOMEM;
            e->ctx = saved;
            return fail(e, SLATE_NOMEM, "out of memory applying held event %llu (it stays held)",
                        (unsigned long long)x.seq);
        }
        lb_done(e, &x);
    }
    saved.rc = e->ctx.rc;
    e->ctx = saved;
    if (e->ctx.rc == SLATE_OK) eng_advance(e, t);
    return e->ctx.rc;
}

static int push(slate_engine *e, const slate_event *ev, slate_sink sink, void *ud)
{
    int rc = check_event(e, ev);
    if (!rc) rc = check_time(e, ev->at, "event time");
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
    int64_t w = mark_of(e, high);
    if ((e->lb.n == 0 && ev->at <= w) || (e->now != INT64_MIN && ev->at <= e->now))
        return apply_now(e, ev);
    /* else it waits for the watermark, which this event may move (a tick only
     * moves it) */
    if (ev->type != EV_TICK && lb_insert(e, ev)) return fail(e, SLATE_NOMEM, "out of memory");
    e->high = high;
    return eng_drain(e, w);
}

/* The entry points hold e->busy while they run, so a sink that calls back into
 * its own engine is refused instead of finding a case, a page or the context
 * half changed under the call it is inside. */
int slate_engine_push(slate_engine *e, const slate_event *ev, slate_sink sink, void *ud)
{
    if (!e) return SLATE_MISUSE;
    if (e->busy) return eng_reentered(e, "slate_engine_push");
    if (!ev) return fail(e, SLATE_MISUSE, "event is NULL");
    e->busy = 1;
    int rc = push(e, ev, sink, ud);
    e->busy = 0;
    return rc;
}

int slate_engine_advance(slate_engine *e, int64_t now, slate_sink sink, void *ud)
{
    if (!e) return SLATE_MISUSE;
    if (e->busy) return eng_reentered(e, "slate_engine_advance");
    int rc = check_time(e, now, "advance to");
    if (rc) return rc;
    e->busy = 1;
    eng_begin(e, sink, ud);
    if (e->high == INT64_MIN || now > e->high) e->high = now;
    int64_t w = mark_of(e, e->high);
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

int slate_engine_reject(slate_engine *e, const slate_event *ev, const char *reason,
                        slate_sink sink, void *ud)
{
    if (!e) return SLATE_MISUSE;
    if (e->busy) return eng_reentered(e, "slate_engine_reject");
    if (!ev || !reason) return fail(e, SLATE_MISUSE, "%s is NULL", ev ? "reason" : "event");
    if (ev->nvalues) return fail(e, SLATE_MISUSE, "a rejected event carries no values");
    if (ev->case_len && !ev->case_id) return fail(e, SLATE_MISUSE, "case id is NULL");
    if (ev->at != INT64_MIN && (ev->at < TS_MIN_MS || ev->at > TS_MAX_MS))
        return fail(e, SLATE_MISUSE, "event time %lld ms is outside the years 0000-9999",
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

/* ---- the engine's life ---------------------------------------------------------------- */

/* Give every distinct (kind, value) of a clock's steps, over all tiers, a bit;
 * (breach, 0) is always bit 0.  A clock with more than ENG_KEYS distinct steps
 * shares the last bit among the rest (no real policy comes near).  The keys are
 * kept (eng_aux.keys) so a hot swap can map fired bits by key. */
static int step_bits(slate_engine *e, const slate_program *p, eng_aux *x)
{
    uint32_t nc = p->nclocks ? p->nclocks : 1;
    x->keys = eng_realloc(&e->al, NULL, sizeof *x->keys * ENG_KEYS * nc);
    x->nkeys = eng_realloc(&e->al, NULL, sizeof *x->nkeys * nc);
    x->step_bit = eng_realloc(&e->al, NULL, sizeof *x->step_bit * (p->nsteps ? p->nsteps : 1));
    x->breach_bit = eng_realloc(&e->al, NULL, sizeof *x->breach_bit * nc);
    if (!x->keys || !x->nkeys || !x->step_bit || !x->breach_bit) return SLATE_NOMEM;
    for (uint32_t c = 0; c < nc; c++) {
        x->keys[c * ENG_KEYS] = (eng_stepkey){0, STEP_K_BREACH};
        x->nkeys[c] = 1;
        x->breach_bit[c] = 1;
    }
    for (uint32_t ti = 0; ti < p->ntargets; ti++) {
        const prog_target *t = &p->targets[ti];
        eng_stepkey *k = &x->keys[(size_t)t->clock * ENG_KEYS];
        uint8_t *n = &x->nkeys[t->clock];
        for (uint32_t i = 0; i < t->nsteps; i++) {
            const prog_step *s = &p->steps[t->first_step + i];
            uint32_t j = 0;
            while (j < *n && !(k[j].kind == s->kind && k[j].value == s->value)) j++;
            if (j == *n && j < ENG_KEYS) k[(*n)++] = (eng_stepkey){s->value, s->kind};
            x->step_bit[t->first_step + i] = 1u << (j < ENG_KEYS ? j : ENG_KEYS - 1);
        }
    }
    return SLATE_OK;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Number the program's distinct target durations from 1, in increasing order: a
 * clock run that breaches keeps the key of the target it breached
 * (eng_clock.breach, two bytes where a duration would take eight), and its
 * `stop` decision names that target.  A swap adds the durations its cases still
 * hold (swap.c).  Past 65,535 distinct durations the longest share the last key
 * (no real policy comes near). */
static int breach_keys(slate_engine *e, const slate_program *p, eng_aux *x)
{
    size_t n = p->ntargets ? p->ntargets : 1;
    x->breach_ms = eng_realloc(&e->al, NULL, sizeof *x->breach_ms * n);
    x->target_breach = eng_realloc(&e->al, NULL, sizeof *x->target_breach * n);
    if (!x->breach_ms || !x->target_breach) return SLATE_NOMEM;
    for (uint32_t ti = 0; ti < p->ntargets; ti++) x->breach_ms[ti] = p->targets[ti].target_ms;
    qsort(x->breach_ms, p->ntargets, sizeof *x->breach_ms, cmp_i64);
    uint32_t k = 0;
    for (uint32_t i = 0; i < p->ntargets; i++)
        if ((k == 0 || x->breach_ms[i] != x->breach_ms[k - 1]) && k < UINT16_MAX)
            x->breach_ms[k++] = x->breach_ms[i];
    x->nbreach = k;
    for (uint32_t ti = 0; ti < p->ntargets; ti++) {
        int64_t v = p->targets[ti].target_ms;
        uint32_t lo = 0, hi = k; /* the first key whose duration is >= v */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (x->breach_ms[mid] < v) lo = mid + 1;
            else hi = mid;
        }
        x->target_breach[ti] = (uint16_t)(lo < k ? lo + 1 : k);
    }
    return SLATE_OK;
}

/* For each event type, the ad-hoc clocks it meets (`require ... until EVENT`), in
 * clock order: the event stops them without a scan of every clock slot.  Also
 * the declared clocks, which a tier change retargets (the same reason). */
static int until_lists(slate_engine *e, const slate_program *p, eng_aux *x)
{
    uint32_t n = 0;
    for (uint32_t ci = 0; ci < p->nclocks; ci++) n += p->clocks[ci].kind != PCK_DECLARED;
    x->until_first = eng_realloc(&e->al, NULL, sizeof *x->until_first * ((size_t)p->nevents + 1));
    x->until_clock = eng_realloc(&e->al, NULL, sizeof *x->until_clock * (n ? n : 1));
    x->declared = eng_realloc(&e->al, NULL, sizeof *x->declared * (p->nclocks ? p->nclocks : 1));
    if (!x->until_first || !x->until_clock || !x->declared) return SLATE_NOMEM;
    x->ndeclared = 0;
    for (uint32_t ci = 0; ci < p->nclocks; ci++)
        if (p->clocks[ci].kind == PCK_DECLARED) x->declared[x->ndeclared++] = ci;
    n = 0;
    for (uint32_t ev = 0; ev < p->nevents; ev++) {
        x->until_first[ev] = n;
        for (uint32_t ci = 0; ci < p->nclocks; ci++)
            if (p->clocks[ci].kind != PCK_DECLARED && p->clocks[ci].until_event == ev)
                x->until_clock[n++] = ci;
    }
    x->until_first[p->nevents] = n;
    return SLATE_OK;
}

/* The constant head of each target's member in the `sla` decision's targets
 * list, rendered once per program: `{"clock":NAME,"target_s":N`. */
static int sla_frags(slate_engine *e, const slate_program *p, eng_aux *x)
{
    size_t n = 1;
    for (uint32_t ti = 0; ti < p->ntargets; ti++)
        n += (size_t)p->strings[p->clocks[p->targets[ti].clock].name].len * 6 + 48;
    x->sla_frag = eng_realloc(&e->al, NULL, n);
    x->sla_off = eng_realloc(&e->al, NULL, sizeof *x->sla_off * ((size_t)p->ntargets + 1));
    if (!x->sla_frag || !x->sla_off) return SLATE_NOMEM;
    sbuf b = {x->sla_frag, n, 0};
    for (uint32_t ti = 0; ti < p->ntargets; ti++) {
        const prog_target *tg = &p->targets[ti];
        x->sla_off[ti] = (uint32_t)b.len;
        sb_str(&b, "{\"clock\":");
        sb_json_str(&b, prog_str(p, p->clocks[tg->clock].name),
                    p->strings[p->clocks[tg->clock].name].len);
        sb_str(&b, ",\"target_s\":");
        sb_int(&b, tg->target_ms / 1000);
    }
    x->sla_off[p->ntargets] = (uint32_t)b.len;
    return sb_done(&b) ? SLATE_OK : SLATE_NOMEM; /* always fits: n is an upper bound */
}

/* Each calendar's derived tables (calendar.h: cal_pre), so cal_between/cal_add
 * neither rebuild the weekly sums nor search on every call. */
static int cal_tables(slate_engine *e, const slate_program *p, eng_aux *x)
{
    size_t n = 0;
    for (uint32_t i = 0; i < p->ncalendars; i++) n += cal_pre_size(&p->calendars[i]);
    x->cal_mem = eng_realloc(&e->al, NULL, n ? n : 8);
    x->cal_pre = eng_realloc(&e->al, NULL, sizeof *x->cal_pre * (p->ncalendars ? p->ncalendars : 1));
    if (!x->cal_mem || !x->cal_pre) return SLATE_NOMEM;
    n = 0;
    for (uint32_t i = 0; i < p->ncalendars; i++) {
        cal_pre_init(&p->calendars[i], (char *)x->cal_mem + n, &x->cal_pre[i]);
        n += cal_pre_size(&p->calendars[i]);
    }
    return SLATE_OK;
}

/* Which fields, and whether the level, the selection block reads.  The
 * selection is a pure function of them (the verifier allows no action in it, and
 * the VM reads nothing else of a case), and the case's tier is always its result
 * on the case's current fields and level (chosen at `opened`, again whenever
 * what it reads changes, and by hot swap): so a change to anything else cannot
 * change the tier, and clk_select need not run the block for it.  Jumps only go
 * forward (verified), so one pass in code order finds every reachable
 * instruction of the block. */
static int sel_inputs(slate_engine *e, const slate_program *p, eng_aux *x)
{
    size_t nf = p->nfields ? p->nfields : 1;
    x->sel_field = eng_realloc(&e->al, NULL, nf);
    if (!x->sel_field) return SLATE_NOMEM;
    memset(x->sel_field, 0, nf);
    x->sel_level = 0;
    /* a field that chooses a target's calendar moves the case's targets as the
     * tier's inputs do: clk_select looks at it too */
    for (uint32_t i = 0; i < p->ntarget_cals; i++) x->sel_field[p->target_cals[i].field] = 1;
    if (p->select == PROG_NO_CODE) return SLATE_OK;
    uint8_t *seen = eng_realloc(&e->al, NULL, p->ncode);
    if (!seen) return SLATE_NOMEM;
    memset(seen, 0, p->ncode);
    seen[p->select] = 1;
    for (uint32_t pc = (uint32_t)p->select; pc < p->ncode; pc++) {
        if (!seen[pc]) continue;
        const vm_instr *ins = &p->code[pc];
        if (prog_op_reads_field(ins->op)) x->sel_field[ins->b] = 1;
        if (ins->op == OP_LEVEL) x->sel_level = 1;
        if (prog_op_jumps(ins->op)) seen[ins->c] = 1;
        int ends = ins->op == OP_JMP || ins->op == OP_HALT || ins->op == OP_TIER || ins->op == OP_RET;
        if (!ends && pc + 1 < p->ncode) seen[pc + 1] = 1;
    }
    eng_realloc(&e->al, seen, 0);
    return SLATE_OK;
}

void eng_aux_free(slate_engine *e, eng_aux *x)
{
    eng_realloc(&e->al, x->str_ids, 0);
    eng_realloc(&e->al, x->regs, 0);
    eng_realloc(&e->al, x->step_bit, 0);
    eng_realloc(&e->al, x->breach_bit, 0);
    eng_realloc(&e->al, x->keys, 0);
    eng_realloc(&e->al, x->nkeys, 0);
    eng_realloc(&e->al, x->breach_ms, 0);
    eng_realloc(&e->al, x->target_breach, 0);
    eng_realloc(&e->al, x->until_first, 0);
    eng_realloc(&e->al, x->until_clock, 0);
    eng_realloc(&e->al, x->sla_frag, 0);
    eng_realloc(&e->al, x->sla_off, 0);
    eng_realloc(&e->al, x->declared, 0);
    eng_realloc(&e->al, x->sel_field, 0);
    eng_realloc(&e->al, x->req_first, 0);
    eng_realloc(&e->al, x->need_first, 0);
    eng_realloc(&e->al, x->need_field, 0);
    eng_realloc(&e->al, x->cal_mem, 0);
    eng_realloc(&e->al, x->cal_pre, 0);
    memset(x, 0, sizeof *x);
}

int eng_prepare(slate_engine *e, const slate_program *p, eng_aux *x)
{
    memset(x, 0, sizeof *x);
    x->nregs = p->nregs ? p->nregs : 1;
    x->str_ids = eng_realloc(&e->al, NULL, sizeof *x->str_ids * (p->nstrings ? p->nstrings : 1));
    x->regs = eng_realloc(&e->al, NULL, sizeof *x->regs * x->nregs * ENG_DEPTH);
    if (!x->str_ids || !x->regs || step_bits(e, p, x) || breach_keys(e, p, x) ||
        until_lists(e, p, x) ||
        sla_frags(e, p, x) || cal_tables(e, p, x) || sel_inputs(e, p, x) || fld_prepare(e, p, x))
        goto nomem;
    memset(x->regs, 0, sizeof *x->regs * x->nregs * ENG_DEPTH);
    for (uint32_t i = 0; i < p->nstrings; i++)
        if ((x->str_ids[i] = st_intern(&e->st, prog_str(p, i), p->strings[i].len)) < 0)
            goto nomem;
    /* JSON scratch: the longest `sla` targets list, and values apart from strings */
    size_t sla = 0, names = 0;
    for (uint32_t ti = 0; ti < p->ntiers; ti++) {
        size_t n = 2;
        for (uint32_t i = 0; i < p->tiers[ti].ntargets; i++) {
            const prog_target *t = &p->targets[p->tiers[ti].first_target + i];
            n += (size_t)p->strings[p->clocks[t->clock].name].len * 6 + 96;
        }
        if (n > sla) sla = n;
    }
    for (uint32_t i = 0; i < p->nenum_values; i++)
        if (p->strings[p->enum_values[i]].len > names) names = p->strings[p->enum_values[i]].len;
    for (uint32_t i = 0; i < p->nlevels; i++)
        if (p->strings[p->levels[i]].len > names) names = p->strings[p->levels[i]].len;
    x->maxargs = 1;
    for (uint32_t i = 0; i < p->nemits; i++)
        if (p->emits[i].nargs > x->maxargs) x->maxargs = p->emits[i].nargs;
    x->jbase = (size_t)x->maxargs * (names * 6 + 32) + 64;
    for (uint32_t i = 0; i < p->nclocks; i++)
        if (p->clocks[i].pause_while != PROG_NO_CODE) x->has_holds = 1;
    if (sla > x->jbase) x->jbase = sla;
    return SLATE_OK;
nomem:
    eng_aux_free(e, x);
    return SLATE_NOMEM;
}

/* The first published slate_engine_opts: this one, ending with `strict` (slate.h,
 * "ABI"); the assertion fails when a member is added after it, so that the
 * first layout's size is then written down here instead of sizeof. */
#define ENGINE_OPTS_V1_SIZE sizeof(slate_engine_opts)
_Static_assert(sizeof(slate_engine_opts) - (offsetof(slate_engine_opts, strict) + sizeof(int)) <
                   _Alignof(slate_engine_opts),
               "slate_engine_opts grew: keep ENGINE_OPTS_V1_SIZE at the first layout");

slate_engine *slate_engine_new(const slate_program *prog, const slate_engine_opts *given)
{
    slate_engine_opts mine, *opts = NULL;
    if (!prog) return NULL;
    if (given) {
        if (opts_copy(&mine, sizeof mine, ENGINE_OPTS_V1_SIZE, given)) return NULL;
        opts = &mine;
    }
    slate_allocator al = opts && opts->allocator ? *opts->allocator : std_allocator;
    slate_engine *e = al.realloc(al.ud, NULL, sizeof *e);
    if (!e) return NULL;
    memset(e, 0, sizeof *e);
    e->user_al = al;
    e->al = (slate_allocator){counted_realloc, e};
    e->mem = sizeof *e;
    e->prog = prog;
    e->tolerance = opts && opts->tolerance_ms > 0 ? opts->tolerance_ms : 0;
    e->max_jump = !opts || opts->max_jump_ms == 0 ? SLATE_MAX_JUMP_DEFAULT_MS
                  : opts->max_jump_ms < 0         ? INT64_MAX
                                                  : opts->max_jump_ms;
    e->strict = opts && opts->strict;
    e->now = INT64_MIN;
    e->high = INT64_MIN;
    e->nfields = prog->nfields;
    e->nclocks = prog->nclocks;
    e->nset = eng_nset(e->strict, e->nfields);
    e->stride = eng_stride(e->nfields, e->nclocks, e->nset);
    e->ctx.slot = ENG_NONE;
    e->closed.keep_ms = cl_keep_ms(prog);
    int ok = st_init(&e->st, &e->al) == SLATE_OK;
    if (ok) ok = cs_init(&e->cs, &e->al, e->stride, opts ? opts->expected_cases : 0) == SLATE_OK;
    if (ok) ok = eng_prepare(e, prog, &e->aux) == SLATE_OK;
    size_t expect = opts && opts->expected_cases <= e->cs.cap ? opts->expected_cases : 0;
    if (ok) ok = tq_reserve(e, expect * e->nclocks) == SLATE_OK; /* grows with the cases */
    if (ok) ok = eng_scratch_fit(e, &e->aux) == SLATE_OK;
    if (!ok) {
        slate_engine_free(e);
        return NULL;
    }
    return e;
}

void slate_engine_free(slate_engine *e)
{
    if (!e) return;
    if (e->busy) { /* from a sink: the call it is inside still needs the engine */
        eng_reentered(e, "slate_engine_free");
        return;
    }
    if (e->cs.al) cs_free(&e->cs);
    cl_free(e);
    if (e->st.al) st_free(&e->st);
    eng_aux_free(e, &e->aux);
    eng_realloc(&e->al, e->jbuf, 0);
    eng_realloc(&e->al, e->q.h, 0);
    lb_free(e);
    e->user_al.realloc(e->user_al.ud, e, 0);
}

int64_t slate_engine_now(const slate_engine *e)
{
    return e ? e->high : INT64_MIN;
}

int64_t slate_engine_watermark(const slate_engine *e)
{
    return e ? e->now : INT64_MIN;
}

size_t slate_engine_buffered(const slate_engine *e)
{
    return e ? e->lb.n : 0;
}

size_t slate_engine_open_cases(const slate_engine *e)
{
    return e ? e->cs.count : 0;
}

uint64_t slate_engine_decisions(const slate_engine *e)
{
    return e ? e->ndecisions : 0;
}

const slate_program *slate_engine_program(const slate_engine *e)
{
    return e ? e->prog : NULL;
}

int64_t slate_engine_next_due(const slate_engine *e)
{
    const tq_entry *top = e ? tq_top(e) : NULL;
    return top && top->at <= TS_MAX_MS ? top->at : INT64_MAX;
}

size_t slate_engine_pending_timers(const slate_engine *e)
{
    return e ? e->q.n : 0;
}

size_t slate_engine_memory_used(const slate_engine *e)
{
    return e ? e->mem : 0;
}

int slate_engine_trim(slate_engine *e)
{
    if (!e) return SLATE_MISUSE;
    if (e->busy) return eng_reentered(e, "slate_engine_trim");
    e->busy = 1;
    int rc = eng_trim(e, 1);
    lb_trim(e);
    e->busy = 0;
    if (rc) return fail(e, rc, "out of memory (trimmed what needed none)");
    return SLATE_OK;
}

const char *slate_errmsg(const slate_engine *e)
{
    if (!e) return "no engine (NULL handle)";
    return e->errmsg[0] ? e->errmsg : "not an error";
}
