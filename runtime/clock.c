/*
 * clock.c - clocks over working time, their ladder steps, and SLA selection.
 *
 * Part of the engine (see engine_int.h; the rules are in docs/semantics.md).
 * A clock of a case is idle, active or stopped.  An active clock counts working
 * time on its target's calendar unless it is paused by an event, held by its
 * `pauses while` condition, or has no target in the case's tier.  Counting is
 * kept as (elapsed up to `since`, since): "settling" folds the time counted so
 * far into `elapsed` and moves `since` to now; every change of whether or on
 * which calendar a clock counts settles it first.
 *
 * Ladder steps (program.h: prog->steps of the tier's target, implicit breach
 * included; an ad-hoc clock has only its implicit breach) fire when the clock's
 * working time reaches their point.  Each counting clock has one timer: the
 * instant its lowest unfired step's point is reached.  Steps are remembered as
 * fired by key, (kind, value), so a step fires once per clock run even when a tier
 * change swaps the step list (eng->step_bit maps each step to its key's bit).
 * A tier target whose calendar a field chooses (`on CAL[FIELD]`) stands for one
 * variant per value of the field: a clock holds the variant of the case's value,
 * and a change of that value moves it to another exactly as a tier change does.
 */
#include <string.h>

#include "calendar.h"
#include "engine_int.h"
#include "vm.h"

#define MAX_GROUP 8 /* steps with one key in one list: implicit + explicit breach */

typedef struct step_view {
    uint8_t kind;
    uint8_t implicit;
    int64_t value;
    int32_t code;
    uint32_t line;
    uint32_t bit;
} step_view;

static const prog_target *target_of(const slate_engine *e, const eng_clock *k)
{
    return k->target == ENG_NONE ? NULL : &e->prog->targets[k->target];
}

static int64_t work(const slate_engine *e, uint16_t cal, int64_t a, int64_t b)
{
    if (b <= a) return 0;
    if (cal == PROG_NONE) return b - a;
    return cal_between_pre(&e->prog->calendars[cal], &e->aux.cal_pre[cal], a, b);
}

static int64_t add_work(const slate_engine *ce, uint16_t cal, int64_t t, int64_t w)
{
    if (w <= 0) return t;
    if (cal == PROG_NONE) return t > INT64_MAX - w ? INT64_MAX : t + w;
    /* the memo is a cache, not state: const callers (clk_deadline) may fill it */
    slate_engine *e = (slate_engine *)ce;
    for (uint32_t i = 0; i < ENG_ADDMEMO; i++) {
        const eng_addmemo *m = &e->addmemo[i];
        if (m->t == t && m->w == w && m->cal == cal) return m->r;
    }
    int64_t r = cal_add_pre(&e->prog->calendars[cal], &e->aux.cal_pre[cal], t, w);
    e->addmemo[e->addmemo_next] = (eng_addmemo){t, w, r, cal};
    e->addmemo_next = (e->addmemo_next + 1) % ENG_ADDMEMO;
    return r;
}

/* Inline here: asked on every settle, schedule and deadline. */
static inline int counting(const eng_clock *k)
{
    return k->state == CS_ACTIVE && !k->paused && !k->held && k->target != ENG_NONE;
}

/* Whether the clock's steps can fire: a running clock with a target, counting or
 * not.  One that does not count (paused, held) fires the steps a new target has
 * put at or below its working time, at once (a tier change, a swap), and no
 * others: its working time does not move. */
static inline int armed(const eng_clock *k)
{
    return k->state == CS_ACTIVE && k->target != ENG_NONE;
}

int clk_counting(const eng_clock *k)
{
    return counting(k);
}

int64_t clk_elapsed(const slate_engine *e, const eng_clock *k, int64_t t)
{
    if (!counting(k)) return k->elapsed;
    return k->elapsed + work(e, target_of(e, k)->calendar, k->since, t);
}

/* Fold the working time counted so far into `elapsed`; `since` becomes now. */
static void settle(const slate_engine *e, eng_clock *k)
{
    k->elapsed = clk_elapsed(e, k, e->now);
    k->since = e->now;
}

int64_t clk_deadline(const slate_engine *e, const eng_clock *k)
{
    if (!counting(k)) return INT64_MIN;
    const prog_target *t = target_of(e, k);
    if (k->elapsed >= t->target_ms) return INT64_MIN;
    int64_t d = add_work(e, t->calendar, k->since, t->target_ms - k->elapsed);
    return d == INT64_MAX ? INT64_MIN : d;
}

static eng_clock *clock_at(slate_engine *e, uint32_t slot, uint32_t ci)
{
    return &case_clocks(e, cs_case(&e->cs, slot))[ci];
}

/* ---- steps -------------------------------------------------------------------- */

static uint32_t nsteps(const prog_target *t)
{
    return t->nsteps ? t->nsteps : 1;
}

static void step_at(const slate_engine *e, const prog_target *t, uint32_t i, step_view *v)
{
    if (t->nsteps == 0) { /* an ad-hoc clock: only its implicit breach */
        *v = (step_view){STEP_K_BREACH, 1, 0, PROG_NO_CODE, t->line, e->aux.breach_bit[t->clock]};
        return;
    }
    const prog_step *s = &e->prog->steps[t->first_step + i];
    *v = (step_view){s->kind, s->implicit, s->value, s->code, s->line,
                     e->aux.step_bit[t->first_step + i]};
}

static int64_t step_point(const step_view *v, int64_t target)
{
    switch (v->kind) {
    case STEP_K_PERCENT: return target / 100 * v->value + target % 100 * v->value / 100;
    case STEP_K_BEFORE: return target > v->value ? target - v->value : 0;
    default: return target > INT64_MAX - v->value ? INT64_MAX : target + v->value;
    }
}

/* The unfired step with the lowest point (the first in list order on a tie):
 * returns its index or -1.  The verifier has checked that a target's steps are
 * sorted by point (verify.c), so that is simply the first unfired step in list
 * order, and only its point is computed. */
static int next_step(const slate_engine *e, const eng_clock *k, step_view *out, int64_t *point)
{
    const prog_target *t = target_of(e, k);
    uint32_t i = 0, n = nsteps(t);
    if (t->nsteps) {
        const uint32_t *bit = e->aux.step_bit + t->first_step;
        while (i < n && (k->fired & bit[i])) i++;
    } else if (k->fired & e->aux.breach_bit[t->clock]) {
        i = n;
    }
    if (i == n) return -1;
    step_at(e, t, i, out);
    *point = step_point(out, t->target_ms);
    return (int)i;
}

/* k is clock ci of the case in `slot` (the caller has it: records do not move
 * while an event or a timer is applied, code run included). */
static void schedule(slate_engine *e, uint32_t slot, uint32_t ci, eng_clock *k)
{
    step_view v;
    int64_t p = 0;
    if (!armed(k) || next_step(e, k, &v, &p) < 0) {
        tq_remove(e, k);
        return;
    }
    settle(e, k);
    if (!counting(k) && p > k->elapsed) { /* not due until it counts again */
        tq_remove(e, k);
        return;
    }
    int64_t at = p <= k->elapsed ? e->now
                                 : add_work(e, target_of(e, k)->calendar, e->now, p - k->elapsed);
    if (at == INT64_MAX)
        tq_remove(e, k); /* the calendar has no working time left */
    else
        tq_set(e, slot, ci, k, at);
}

void clk_schedule_all(slate_engine *e, uint32_t slot)
{
    /* most slots of a case are idle (service-2025: 14 slots, 10 of them
     * require/review clocks): a clock that is not running and has no timer has
     * nothing to schedule, so skip it without the call */
    eng_clock *k = case_clocks(e, cs_case(&e->cs, slot));
    for (uint32_t ci = 0; ci < e->nclocks; ci++)
        if (k[ci].heap != ENG_NONE || armed(&k[ci])) schedule(e, slot, ci, &k[ci]);
}

void clk_drop_timers(slate_engine *e, uint32_t slot)
{
    eng_clock *k = case_clocks(e, cs_case(&e->cs, slot));
    for (uint32_t ci = 0; ci < e->nclocks; ci++)
        if (k[ci].heap != ENG_NONE) tq_remove(e, &k[ci]);
}

/* ---- decisions about clocks ---------------------------------------------------- */

static void clock_decision(slate_engine *e, uint32_t ci, const eng_clock *k, slate_action a,
                           uint32_t line, slate_decision *d)
{
    const prog_target *t = target_of(e, k);
    eng_decision_init(e, d, a, line ? line : e->prog->clocks[ci].line);
    d->clock = prog_str(e->prog, e->prog->clocks[ci].name);
    d->target_ms = t ? t->target_ms : 0;
    d->elapsed_ms = k->elapsed;
}

static void emit_clock(slate_engine *e, uint32_t ci, const eng_clock *k, slate_action a)
{
    slate_decision d;
    clock_decision(e, ci, k, a, 0, &d);
    if (a == SLATE_A_START || a == SLATE_A_RESUME) d.deadline = clk_deadline(e, k);
    if (a == SLATE_A_STOP) {
        /* a run that breached stays missed, whatever its target now */
        d.breached_ms = k->breach ? e->aux.breach_ms[k->breach - 1] : 0;
        d.met = k->elapsed < d.target_ms && !k->breach;
    }
    eng_emit(e, &d);
}

/* Fire the steps of one clock whose points its working time has reached: each key
 * once, in order of point; a `warn` or `breach` decision, then the actions of
 * every step with that key. */
void clk_fire(slate_engine *e, uint32_t slot, uint32_t ci)
{
    e->ctx.slot = slot;
    eng_clock *k = clock_at(e, slot, ci);
    settle(e, k);
    /* a clock that stopped counting may have left its timer queued (clk_pause):
     * nothing fires unless a new target put a step at or below its working
     * time, and schedule() below removes the timer */
    for (;;) {
        step_view v;
        int64_t p = 0;
        if (!armed(k) || next_step(e, k, &v, &p) < 0 || p > k->elapsed) break;
        const prog_target *t = target_of(e, k);
        step_view group[MAX_GROUP];
        int ng = 0;
        uint32_t line = 0;
        int explicit = 0; /* the decision names a ladder step over the implicit breach */
        for (uint32_t i = 0; i < nsteps(t) && ng < MAX_GROUP; i++) {
            step_at(e, t, i, &group[ng]);
            if (group[ng].bit != v.bit) continue;
            if (!line || (!explicit && !group[ng].implicit)) line = group[ng].line;
            explicit |= !group[ng].implicit;
            ng++;
        }
        k->fired |= v.bit;
        if (v.kind == STEP_K_BREACH && v.value == 0 && !k->breach)
            k->breach = e->aux.target_breach[k->target];

        slate_decision d;
        clock_decision(e, ci, k, v.kind == STEP_K_BREACH ? SLATE_A_BREACH : SLATE_A_WARN, line,
                       &d);
        if (v.kind == STEP_K_PERCENT) d.percent = (int)v.value;
        if (v.kind == STEP_K_BEFORE) d.before_ms = v.value;
        if (v.kind == STEP_K_BREACH) d.after_ms = v.value;
        eng_emit(e, &d);
        for (int g = 0; g < ng; g++) {
            if (group[g].code == PROG_NO_CODE) continue;
            e->ctx.line = group[g].line;
            e->ctx.slot = slot;
            eng_run(e, group[g].code);
        }
        e->ctx.line = 0;
    }
    schedule(e, slot, ci, k);
}

/* ---- clock operations ---------------------------------------------------------- */

static int hold_of(slate_engine *e, uint32_t slot, uint32_t ci)
{
    int32_t pc = e->prog->clocks[ci].pause_while;
    if (pc == PROG_NO_CODE) return 0;
    e->ctx.slot = slot;
    return eng_run(e, pc) == 1;
}

/* Begin a new run: working time 0, no steps fired.  k is the clock's state. */
static void begin_run(slate_engine *e, uint32_t slot, uint32_t ci, eng_clock *k)
{
    int held = hold_of(e, slot, ci);
    k->state = CS_ACTIVE;
    k->elapsed = 0;
    k->fired = 0;
    k->breach = 0;
    k->paused = 0;
    k->held = (unsigned)held;
    k->since = e->now;
}

void clk_start(slate_engine *e, uint32_t slot, uint32_t ci)
{
    eng_clock *k = clock_at(e, slot, ci);
    if (k->state == CS_ACTIVE) return;
    if (k->target == ENG_NONE) {
        /* no target in this tier: it waits for one, remembering since when
         * (the first start event stands, as for a running clock) */
        if (k->state != CS_WAITING) {
            k->state = CS_WAITING;
            k->elapsed = e->now;
        }
        return;
    }
    begin_run(e, slot, ci, k);
    emit_clock(e, ci, k, SLATE_A_START);
    schedule(e, slot, ci, k);
}

void clk_stop(slate_engine *e, uint32_t slot, uint32_t ci)
{
    eng_clock *k = clock_at(e, slot, ci);
    if (k->state == CS_WAITING) { /* stopped before any tier gave it a target */
        k->state = CS_IDLE;
        k->elapsed = 0;
        return;
    }
    if (k->state != CS_ACTIVE) return;
    settle(e, k);
    k->state = CS_STOPPED;
    tq_remove(e, k);
    if (k->target != ENG_NONE) emit_clock(e, ci, k, SLATE_A_STOP);
}

void clk_pause(slate_engine *e, uint32_t slot, uint32_t ci)
{
    eng_clock *k = clock_at(e, slot, ci);
    if (k->state != CS_ACTIVE || k->paused) return;
    int was = counting(k);
    settle(e, k);
    k->paused = 1;
    if (was) emit_clock(e, ci, k, SLATE_A_PAUSE);
    /* The timer stays queued: a resume moves it (usually a level or two) where a
     * removal now and an insertion then would cost two sifts.  Should it come due
     * while the clock is still paused, clk_fire fires nothing and removes it. */
}

void clk_resume(slate_engine *e, uint32_t slot, uint32_t ci)
{
    eng_clock *k = clock_at(e, slot, ci);
    if (k->state != CS_ACTIVE || !k->paused) return;
    settle(e, k);
    k->paused = 0;
    if (counting(k)) emit_clock(e, ci, k, SLATE_A_RESUME);
    schedule(e, slot, ci, k);
}

void clk_reset(slate_engine *e, uint32_t slot, uint32_t ci)
{
    eng_clock *k = clock_at(e, slot, ci);
    if (k->state == CS_WAITING) { /* a late start will count from the reset */
        k->elapsed = e->now;
        return;
    }
    if (k->state != CS_ACTIVE) {
        k->elapsed = 0;
        k->fired = 0;
        k->breach = 0;
        k->state = CS_IDLE;
        return;
    }
    settle(e, k);
    if (k->elapsed == 0 && k->fired == 0) return; /* nothing to reset */
    k->elapsed = 0;
    k->fired = 0;
    k->breach = 0;
    if (k->target != ENG_NONE) emit_clock(e, ci, k, SLATE_A_START);
    schedule(e, slot, ci, k);
}

/* `reopened`: stopped clocks that start on `opened` run again, keeping their
 * working time and fired steps (`resume`), or from zero when they reset on
 * reopen (`start`). */
void clk_reopen(slate_engine *e, uint32_t slot)
{
    for (uint32_t ci = 0; ci < e->nclocks; ci++) {
        const prog_clock *pc = &e->prog->clocks[ci];
        if (pc->kind != PCK_DECLARED || !(pc->flags & PCF_REOPENS)) continue;
        eng_clock *k = clock_at(e, slot, ci);
        if (k->state != CS_STOPPED) continue;
        if (pc->flags & PCF_RESETS_ON_REOPEN) {
            begin_run(e, slot, ci, k);
            if (k->target != ENG_NONE) emit_clock(e, ci, k, SLATE_A_START);
        } else {
            int held = hold_of(e, slot, ci);
            k->state = CS_ACTIVE;
            k->paused = 0;
            k->held = (unsigned)held;
            k->since = e->now;
            if (counting(k)) emit_clock(e, ci, k, SLATE_A_RESUME);
        }
        schedule(e, slot, ci, k);
    }
}

void clk_require(slate_engine *e, uint32_t slot, uint32_t ci, uint32_t target,
                 slate_action a, uint32_t line, const char *label)
{
    eng_clock *k = clock_at(e, slot, ci);
    if (k->state == CS_ACTIVE) return; /* already pending: the first deadline stands */
    k->target = target;
    begin_run(e, slot, ci, k);
    slate_decision d;
    clock_decision(e, ci, k, a, line, &d);
    d.rule_label = label;
    d.deadline = clk_deadline(e, k);
    eng_emit(e, &d);
    schedule(e, slot, ci, k);
}

void clk_eval_holds(slate_engine *e, uint32_t slot)
{
    if (!e->aux.has_holds) return; /* runs per event and per timer: skip the scan */
    for (uint32_t ci = 0; ci < e->nclocks; ci++) {
        if (e->prog->clocks[ci].pause_while == PROG_NO_CODE) continue;
        eng_clock *k = clock_at(e, slot, ci);
        if (k->state != CS_ACTIVE) continue;
        int held = hold_of(e, slot, ci);
        if (held == k->held) continue;
        int was = counting(k);
        settle(e, k);
        k->held = (unsigned)held;
        int is = counting(k);
        if (was && !is) emit_clock(e, ci, k, SLATE_A_PAUSE);
        if (!was && is) emit_clock(e, ci, k, SLATE_A_RESUME);
        schedule(e, slot, ci, k);
    }
}

/* ---- SLA selection --------------------------------------------------------------- */

/* `on CAL[FIELD]`: the variant of tier target ti for the case's value of the
 * field (prog->target_cals, sorted by target); ti itself for any other target. */
static uint32_t field_variant(const slate_engine *e, eng_case *c, uint32_t ti)
{
    const slate_program *p = e->prog;
    uint32_t lo = 0, hi = p->ntarget_cals;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (p->target_cals[mid].target < ti) lo = mid + 1;
        else hi = mid;
    }
    if (lo == p->ntarget_cals || p->target_cals[lo].target != ti) return ti;
    const prog_targetcal *tc = &p->target_cals[lo];
    int64_t v = case_fields(e, c)[tc->field];
    if (v < 0 || v >= (int64_t)p->fields[tc->field].nvalues) v = 0; /* never: enums are checked */
    return tc->first_variant + (uint32_t)v;
}

static uint32_t tier_target(const slate_engine *e, eng_case *c, uint16_t tier, uint32_t ci)
{
    const slate_program *p = e->prog;
    if (tier == PROG_NONE) return ENG_NONE;
    const prog_tier *t = &p->tiers[tier];
    for (uint32_t i = 0; i < t->ntargets; i++)
        if (p->targets[t->first_target + i].clock == ci)
            return p->ntarget_cals ? field_variant(e, c, t->first_target + i) : t->first_target + i;
    return ENG_NONE;
}

/* Whether a field that chooses a calendar has moved some declared clock of the
 * case to another variant of its tier's target (the tier itself unchanged). */
static int variants_moved(slate_engine *e, uint32_t slot)
{
    eng_case *c = cs_case(&e->cs, slot);
    for (uint32_t i = 0; i < e->aux.ndeclared; i++) {
        uint32_t ci = e->aux.declared[i];
        if (case_clocks(e, c)[ci].target != tier_target(e, c, c->tier, ci)) return 1;
    }
    return 0;
}

static void emit_sla(slate_engine *e, uint32_t slot)
{
    eng_case *c = cs_case(&e->cs, slot);
    const slate_program *p = e->prog;
    slate_decision d;
    eng_decision_init(e, &d, SLATE_A_SLA, c->tier == PROG_NONE ? 0 : p->tiers[c->tier].line);
    /* jbuf holds the longest targets list of any tier (eng_prepare), so the
     * list is written without bounds checks: the constant head of each member
     * comes pre-rendered (eng_aux.sla_frag), only deadlines are formatted */
    sbuf b = {e->jbuf, e->jcap, 0};
    sb_puts(&b, "[", 1);
    if (c->tier != PROG_NONE) {
        const prog_tier *t = &p->tiers[c->tier];
        const eng_clock *clocks = case_clocks(e, c);
        d.tier = prog_str(p, t->name);
        if (e->aux.sla_plain) { /* no deadline unless some clock counts */
            uint32_t i = 0;
            while (i < t->ntargets && !counting(&clocks[p->targets[t->first_target + i].clock]))
                i++;
            if (i == t->ntargets) {
                d.targets = e->aux.sla_plain + e->aux.sla_plain_off[c->tier];
                eng_emit(e, &d);
                return;
            }
        }
        for (uint32_t i = 0; i < t->ntargets; i++) {
            uint32_t ti = t->first_target + i;
            const eng_clock *k = &clocks[p->targets[ti].clock];
            if (p->ntarget_cals && k->target != ENG_NONE) ti = k->target; /* its variant */
            if (i) sb_puts(&b, ",", 1);
            sb_puts(&b, e->aux.sla_frag + e->aux.sla_off[ti],
                    e->aux.sla_off[ti + 1] - e->aux.sla_off[ti]);
            int64_t dl = clk_deadline(e, k);
            if (dl != INT64_MIN) {
                sb_puts(&b, ",\"deadline\":\"", 13);
                sb_time(&b, dl);
                sb_puts(&b, "\"}", 2);
            } else
                sb_puts(&b, "}", 1);
        }
    }
    sb_puts(&b, "]", 1);
    sb_done(&b); /* jbuf is sized for every tier of the program */
    d.targets = e->jbuf;
    eng_emit(e, &d);
}

static uint16_t run_select(slate_engine *e, uint32_t slot)
{
    const slate_program *p = e->prog;
    e->ctx.slot = slot;
    int64_t r = p->select == PROG_NO_CODE ? VM_HALTED : eng_run(e, p->select);
    return r >= 0 && r < (int64_t)p->ntiers ? (uint16_t)r : PROG_NONE;
}

/* Every declared clock takes the target of the case's (new) tier, settling
 * first so the time counted so far is kept. */
static void retarget(slate_engine *e, uint32_t slot)
{
    eng_case *c = cs_case(&e->cs, slot);
    for (uint32_t i = 0; i < e->aux.ndeclared; i++) { /* not the require/review slots */
        uint32_t ci = e->aux.declared[i];
        eng_clock *k = &case_clocks(e, c)[ci];
        settle(e, k);
        k->target = tier_target(e, c, c->tier, ci);
        k->since = e->now;
    }
}

/* A clock whose start event came while the tier gave it no target (CS_WAITING)
 * starts once a tier gives it one: a new run counting from that event, with the
 * working time since then (pauses included: it was not running to be paused),
 * or from now for `starts late from change`.  Its `start` says which. */
static void late_starts(slate_engine *e, uint32_t slot)
{
    for (uint32_t i = 0; i < e->aux.ndeclared; i++) {
        uint32_t ci = e->aux.declared[i];
        eng_clock *k = clock_at(e, slot, ci);
        if (k->state != CS_WAITING || k->target == ENG_NONE) continue;
        int64_t from = e->prog->clocks[ci].flags & PCF_LATE_FROM_CHANGE ? e->now : k->elapsed;
        begin_run(e, slot, ci, k);
        k->elapsed = work(e, target_of(e, k)->calendar, from, e->now);
        slate_decision d;
        clock_decision(e, ci, k, SLATE_A_START, 0, &d);
        d.deadline = clk_deadline(e, k);
        if (from < e->now) {
            d.retroactive = 1;
            d.since = from;
        }
        eng_emit(e, &d);
    }
}

/* Run the selection block; on a new tier every declared clock takes the new
 * tier's target (settling first, so counted time is kept), `sla` is decided,
 * clocks waiting for a target start, and the case's timers are recomputed:
 * steps already fired stay fired, steps whose point has already passed come due
 * now. */
void clk_select(slate_engine *e, uint32_t slot, int how)
{
    int force = how & CLK_FORCE;
    uint16_t tier = run_select(e, slot);
    eng_case *c = cs_case(&e->cs, slot);
    /* the same tier: nothing to do, unless a field moved a clock to another
     * calendar (`on CAL[FIELD]`), which is a change of target like a tier's */
    if (tier == c->tier && !force && (!e->prog->ntarget_cals || !variants_moved(e, slot))) return;
    uint16_t old = c->tier;
    c->tier = tier;
    retarget(e, slot);
    if (tier != PROG_NONE || old != PROG_NONE || force) emit_sla(e, slot);
    if (how & CLK_FRESH) return; /* nothing waits, runs or is queued yet */
    late_starts(e, slot);
    clk_schedule_all(e, slot);
}

static uint64_t sig_mix(uint64_t h, const void *s, size_t n)
{
    const unsigned char *b = s;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3u;
    return (h ^ 0xff) * 0x100000001b3u; /* a separator, so fields cannot run together */
}

uint64_t clk_sla_sig(const slate_engine *e, uint32_t slot)
{
    const slate_program *p = e->prog;
    const eng_case *c = cs_case(&e->cs, slot);
    uint64_t h = 0xcbf29ce484222325u;
    if (c->tier == PROG_NONE) return h;
    const prog_tier *t = &p->tiers[c->tier];
    h = sig_mix(h, prog_str(p, t->name), p->strings[t->name].len);
    for (uint32_t i = 0; i < t->ntargets; i++) {
        const prog_target *g = &p->targets[t->first_target + i];
        /* a calendar chosen by a field: the variant the clock counts in */
        uint32_t held = case_clocks(e, (eng_case *)c)[g->clock].target;
        if (p->ntarget_cals && held != ENG_NONE) g = &p->targets[held];
        uint32_t cn = p->clocks[g->clock].name;
        const char *cal = g->calendar == PROG_NONE ? "" : prog_str(p, p->calendar_names[g->calendar]);
        h = sig_mix(h, prog_str(p, cn), p->strings[cn].len);
        h = sig_mix(h, &g->target_ms, sizeof g->target_ms);
        h = sig_mix(h, cal, strlen(cal));
    }
    return h;
}

void clk_reselect_swapped(slate_engine *e, uint32_t slot, uint64_t old_sig)
{
    uint16_t tier = run_select(e, slot);
    cs_case(&e->cs, slot)->tier = tier;
    retarget(e, slot);
    if (clk_sla_sig(e, slot) != old_sig) emit_sla(e, slot);
    late_starts(e, slot);
}

void clk_settle(const slate_engine *e, eng_clock *k)
{
    settle(e, k);
}
