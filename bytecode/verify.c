/*
 * verify.c - the bytecode verifier behind verify.h.
 *
 * Place in the pipeline: image -> load.c (decode) -> here -> engine/VM.  Works
 * on a decoded slate_program whose arrays may hold anything; reads only inside
 * the counts it was given.  Order: tables first (so code checks may index them),
 * then the code, cut into blocks at every entry point a table names, each block
 * checked by one forward pass that carries a type per register (jumps go forward
 * only, so one pass in pc order sees every predecessor of an instruction before
 * the instruction itself).  Only the registers a block names are tracked, and a
 * state is saved only at jump targets, so the cost is linear in the block and
 * does not grow with the program's register count.  A backward pass over each
 * verified block computes its longest (weighted) path, from which the
 * per-event step bound is summed.
 */
#include "verify.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const vrf_builtin_events[PROG_NBUILTIN_EVENTS] = {
#define BUILTIN_EVENT(id, name, meaning) name,
#include "builtins.def"
#undef BUILTIN_EVENT
};

typedef struct vctx {
    const slate_program *p;
    char *err;
    size_t errsize;
    const slate_allocator *al; /* scratch memory; NULL: the C library's */
} vctx;

/* Scratch memory through the caller's allocator (slate_program_load_opts). */
static void *v_realloc(const vctx *v, void *p, size_t n)
{
    if (v->al) return v->al->realloc(v->al->ud, p, n);
    if (n) return realloc(p, n);
    free(p);
    return NULL;
}

static void *v_alloc(const vctx *v, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    return v_realloc(v, NULL, n * size);
}

static void *v_zalloc(const vctx *v, size_t n, size_t size)
{
    void *p = v_alloc(v, n, size);
    if (p) memset(p, 0, n * size);
    return p;
}

static void v_free(const vctx *v, void *p)
{
    if (p) v_realloc(v, p, 0);
}

static int fail(vctx *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(vctx *v, const char *fmt, ...)
{
    if (v->errsize) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(v->err, v->errsize, fmt, ap);
        va_end(ap);
    }
    return -1;
}

#define STR_OK(p, i) ((i) < (p)->nstrings)
/* first + n <= total, without overflow */
#define RANGE_OK(first, n, total) ((uint64_t)(first) + (uint64_t)(n) <= (uint64_t)(total))

/* ---- tables ------------------------------------------------------------------- */

typedef struct named {
    const char *s;
    uint32_t len, idx;
} named;

static int cmp_named(const void *a, const void *b)
{
    const named *x = a, *y = b;
    uint32_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->s, y->s, n);
    if (c) return c;
    if (x->len != y->len) return x->len < y->len ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Refuse duplicate names among `n` string indices read by get(i) (API lookups by
 * name must be unambiguous).  O(n log n) so a hostile table cannot stall us. */
static int check_unique(vctx *v, const char *what, uint32_t n,
                        uint32_t (*get)(const slate_program *, uint32_t))
{
    if (n < 2) return 0;
    named *a = v_alloc(v, n, sizeof *a);
    if (!a) return fail(v, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        uint32_t s = get(v->p, i);
        a[i] = (named){prog_str(v->p, s), v->p->strings[s].len, i};
    }
    qsort(a, n, sizeof *a, cmp_named);
    int rc = 0;
    for (uint32_t i = 1; i < n && !rc; i++)
        if (a[i].len == a[i - 1].len && !memcmp(a[i].s, a[i - 1].s, a[i].len))
            rc = fail(v, "%s[%u]: duplicate name `%s`", what, a[i].idx, a[i].s);
    v_free(v, a);
    return rc;
}

static uint32_t event_name(const slate_program *p, uint32_t i) { return p->events[i].name; }
static uint32_t field_name(const slate_program *p, uint32_t i) { return p->fields[i].name; }
static uint32_t clock_name(const slate_program *p, uint32_t i) { return p->clocks[i].name; }
static uint32_t level_name(const slate_program *p, uint32_t i) { return p->levels[i]; }
static uint32_t tier_name(const slate_program *p, uint32_t i) { return p->tiers[i].name; }

int64_t vrf_step_point(int64_t target_ms, const prog_step *s)
{
    switch (s->kind) {
    case STEP_K_PERCENT: return target_ms * s->value / 100;
    case STEP_K_BEFORE: return target_ms > s->value ? target_ms - s->value : 0;
    default: return target_ms + s->value;
    }
}

static int check_strings(vctx *v)
{
    const slate_program *p = v->p;
    if (p->nstrings == 0) return fail(v, "strings: empty (string 0 must be \"\")");
    if (p->strings[0].len != 0) return fail(v, "strings[0]: not the empty string");
    for (uint32_t i = 0; i < p->nstrings; i++)
        if (memchr(prog_str(p, i), '\0', p->strings[i].len))
            return fail(v, "strings[%u]: contains a NUL byte", i);
    if (!STR_OK(p, p->name) || !STR_OK(p, p->version) || !STR_OK(p, p->source))
        return fail(v, "meta: policy name, version or source out of range");
    return 0;
}

/* The values of one enum must have distinct names (events name them). */
static int enum_unique(vctx *v, const prog_field *f)
{
    const slate_program *p = v->p;
    if (f->nvalues < 2) return 0;
    named *a = v_alloc(v, f->nvalues, sizeof *a);
    if (!a) return fail(v, "out of memory");
    for (uint32_t i = 0; i < f->nvalues; i++) {
        uint32_t s = p->enum_values[f->first_value + i];
        a[i] = (named){prog_str(p, s), p->strings[s].len, f->first_value + i};
    }
    qsort(a, f->nvalues, sizeof *a, cmp_named);
    int rc = 0;
    for (uint32_t i = 1; i < f->nvalues && !rc; i++)
        if (a[i].len == a[i - 1].len && !memcmp(a[i].s, a[i - 1].s, a[i].len))
            rc = fail(v, "enumvals[%u]: duplicate value `%s` in `%s`", a[i].idx, a[i].s, prog_str(p, f->name));
    v_free(v, a);
    return rc;
}

static int check_schema(vctx *v)
{
    const slate_program *p = v->p;
    if (p->nfields >= 0xFFFFu - PROG_TAG_ENUM) return fail(v, "fields: too many (%u)", p->nfields);
    for (uint32_t i = 0; i < p->nfields; i++) {
        const prog_field *f = &p->fields[i];
        if (!STR_OK(p, f->name)) return fail(v, "fields[%u]: name out of range", i);
        if (f->type < PT_INT || f->type > PT_ENUM) return fail(v, "fields[%u]: bad type %u", i, f->type);
        if (f->type == PT_ENUM) {
            if (f->nvalues == 0 || f->nvalues > 0xFFFFu || !RANGE_OK(f->first_value, f->nvalues, p->nenum_values))
                return fail(v, "fields[%u]: enum values out of range", i);
        } else if (f->first_value || f->nvalues) {
            return fail(v, "fields[%u]: values on a non-enum field", i);
        }
    }
    if (check_unique(v, "fields", p->nfields, field_name)) return -1;
    if (p->nlevels > 0xFFFFu) return fail(v, "levels: too many (%u)", p->nlevels);
    for (uint32_t i = 0; i < p->nlevels; i++)
        if (!STR_OK(p, p->levels[i])) return fail(v, "levels[%u]: name out of range", i);
    if (check_unique(v, "levels", p->nlevels, level_name)) return -1;
    for (uint32_t i = 0; i < p->nfields; i++) {
        const prog_field *f = &p->fields[i];
        for (uint32_t k = 0; k < f->nvalues; k++)
            if (!STR_OK(p, p->enum_values[f->first_value + k]))
                return fail(v, "enumvals[%u]: name out of range", f->first_value + k);
        if (enum_unique(v, f)) return -1;
    }
    for (uint32_t i = 0; i < p->nladders; i++)
        if (!STR_OK(p, p->ladder_names[i])) return fail(v, "ladders[%u]: name out of range", i);
    return 0;
}

static int check_events_clocks(vctx *v)
{
    const slate_program *p = v->p;
    if (p->nevents < PROG_NBUILTIN_EVENTS || p->nevents > 0xFFFFu)
        return fail(v, "events: %u events (the %d built-ins and at most 65535 in all)", p->nevents,
                    PROG_NBUILTIN_EVENTS);
    for (uint32_t i = 0; i < p->nevents; i++) {
        const prog_event *e = &p->events[i];
        if (!STR_OK(p, e->name)) return fail(v, "events[%u]: name out of range", i);
        if (i < PROG_NBUILTIN_EVENTS && strcmp(prog_str(p, e->name), vrf_builtin_events[i]))
            return fail(v, "events[%u]: built-in event `%s` expected", i, vrf_builtin_events[i]);
        if (!RANGE_OK(e->first_op, e->nops, p->nevops))
            return fail(v, "events[%u]: clock operations out of range", i);
        for (uint32_t k = e->first_op; k < e->first_op + e->nops; k++) {
            const prog_evop *o = &p->evops[k];
            if (o->op > EVOP_RESET) return fail(v, "evops[%u]: bad operation %u", k, o->op);
            if (o->clock >= p->nclocks) return fail(v, "evops[%u]: clock %u out of range", k, o->clock);
            if (p->clocks[o->clock].kind != PCK_DECLARED)
                return fail(v, "evops[%u]: operation on an ad-hoc clock", k);
            if (k > e->first_op) {
                const prog_evop *q = o - 1;
                if (q->op > o->op || (q->op == o->op && q->clock >= o->clock))
                    return fail(v, "evops[%u]: not in STOP, START, PAUSE, RESUME, RESET, clock order", k);
            }
        }
    }
    if (check_unique(v, "events", p->nevents, event_name)) return -1;
    if (p->nclocks > 0xFFFFu) return fail(v, "clocks: too many (%u)", p->nclocks);
    for (uint32_t i = 0; i < p->nclocks; i++) {
        const prog_clock *c = &p->clocks[i];
        if (!STR_OK(p, c->name)) return fail(v, "clocks[%u]: name out of range", i);
        if (c->kind > PCK_REVIEW) return fail(v, "clocks[%u]: bad kind %u", i, c->kind);
        if (c->flags & ~(unsigned)(PCF_RESETS_ON_REOPEN | PCF_REOPENS | PCF_LATE_FROM_CHANGE))
            return fail(v, "clocks[%u]: bad flags %#x", i, c->flags);
        if (c->kind == PCK_DECLARED) {
            if (c->until_event != PROG_NONE) return fail(v, "clocks[%u]: declared clock with an until event", i);
        } else {
            if (c->until_event >= p->nevents) return fail(v, "clocks[%u]: until event out of range", i);
            if (c->flags || c->pause_while != PROG_NO_CODE)
                return fail(v, "clocks[%u]: flags or pause condition on an ad-hoc clock", i);
        }
    }
    return check_unique(v, "clocks", p->nclocks, clock_name);
}

/* `required on`: known events other than `tick` (index 11, builtins.def),
 * known fields, sorted by (event, field) without repeats; only from format 3. */
static int check_required(vctx *v)
{
    const slate_program *p = v->p;
    if (p->nrequired && p->format < 3)
        return fail(v, "required: %u records in a format %u image", p->nrequired, p->format);
    for (uint32_t i = 0; i < p->nrequired; i++) {
        const prog_required *r = &p->required[i];
        if (r->event >= p->nevents) return fail(v, "required[%u]: event out of range", i);
        if (!strcmp(prog_str(p, p->events[r->event].name), "tick") && r->event < PROG_NBUILTIN_EVENTS)
            return fail(v, "required[%u]: a `tick` has no case and carries no field", i);
        if (r->field >= p->nfields) return fail(v, "required[%u]: field out of range", i);
        if (i && (p->required[i - 1].event > r->event ||
                  (p->required[i - 1].event == r->event && p->required[i - 1].field >= r->field)))
            return fail(v, "required[%u]: not in (event, field) order, or repeated", i);
    }
    return 0;
}

/* `reopen`: known events other than the built-in `opened`, `closed` and `tick`,
 * sorted without repeats, one period above zero and at most ten
 * years (the engine keeps a closed case for twice it); only from format 5. */
static int check_reopen(vctx *v)
{
    const slate_program *p = v->p;
    if (p->nreopen && p->format < 5)
        return fail(v, "reopen: %u records in a format %u image", p->nreopen, p->format);
    for (uint32_t i = 0; i < p->nreopen; i++) {
        const prog_reopen *r = &p->reopen[i];
        if (r->event >= p->nevents) return fail(v, "reopen[%u]: event out of range", i);
        const char *en = prog_str(p, p->events[r->event].name);
        if (r->event < PROG_NBUILTIN_EVENTS &&
            (!strcmp(en, "opened") || !strcmp(en, "closed") || !strcmp(en, "tick")))
            return fail(v, "reopen[%u]: `%s` cannot reopen a case", i, en);
        if (i && p->reopen[i - 1].event >= r->event)
            return fail(v, "reopen[%u]: not in event order, or repeated", i);
        if (r->within_ms <= 0 || r->within_ms > INT64_C(3650) * 86400000 ||
            r->within_ms != p->reopen[0].within_ms)
            return fail(v, "reopen[%u]: period %lld ms out of range or not the first's", i,
                        (long long)r->within_ms);
    }
    return 0;
}

static int check_calendars(vctx *v)
{
    const slate_program *p = v->p;
    if (p->ncalendars >= PROG_NONE) return fail(v, "calendars: too many (%u)", p->ncalendars);
    if (p->ncalopen && p->format < 4)
        return fail(v, "calopen: %u records in a format %u image", p->ncalopen, p->format);
    uint32_t nopen = 0;
    for (uint32_t i = 0; i < p->ncalendars; i++) {
        if (!STR_OK(p, p->calendar_names[i])) return fail(v, "calendars[%u]: name out of range", i);
        const char *why = cal_validate(&p->calendars[i]);
        if (why) return fail(v, "calendars[%u]: %s", i, why);
        nopen += p->calendars[i].nopen;
    }
    /* every span of the table is some calendar's (the loader hands them out) */
    if (nopen != p->ncalopen) return fail(v, "calopen: %u records, the calendars hold %u", p->ncalopen, nopen);
    return 0;
}

/* `on CAL[FIELD]`: each record names a tier target (once, in target order) and an
 * enum field, and the field's values have variants of that target in range: the
 * same clock, each with its breach step (the engine counts in them instead). */
static int check_target_cals(vctx *v)
{
    const slate_program *p = v->p;
    if (p->ntarget_cals && p->format < 4)
        return fail(v, "targetcals: %u records in a format %u image", p->ntarget_cals, p->format);
    for (uint32_t i = 0; i < p->ntarget_cals; i++) {
        const prog_targetcal *tc = &p->target_cals[i];
        if (tc->target >= p->ntargets) return fail(v, "targetcals[%u]: target out of range", i);
        if (i && p->target_cals[i - 1].target >= tc->target)
            return fail(v, "targetcals[%u]: not in target order, or repeated", i);
        int in_tier = 0;
        for (uint32_t t = 0; t < p->ntiers && !in_tier; t++)
            in_tier = tc->target - p->tiers[t].first_target < p->tiers[t].ntargets;
        if (!in_tier) return fail(v, "targetcals[%u]: target %u is no tier's", i, tc->target);
        if (tc->field >= p->nfields || p->fields[tc->field].type != PT_ENUM)
            return fail(v, "targetcals[%u]: field out of range or not an enum", i);
        uint32_t n = p->fields[tc->field].nvalues;
        if (!RANGE_OK(tc->first_variant, n, p->ntargets)) return fail(v, "targetcals[%u]: variants out of range", i);
        for (uint32_t k = tc->first_variant; k < tc->first_variant + n; k++)
            if (p->targets[k].clock != p->targets[tc->target].clock || p->targets[k].nsteps == 0)
                return fail(v, "targetcals[%u]: variant %u is not a target of the same clock with its steps", i, k);
    }
    return 0;
}

/* Targets, their steps, tiers; rules and emits. */
static int check_sla(vctx *v)
{
    const slate_program *p = v->p;
    for (uint32_t i = 0; i < p->ntargets; i++) {
        const prog_target *t = &p->targets[i];
        if (t->clock >= p->nclocks) return fail(v, "targets[%u]: clock out of range", i);
        if (t->calendar != PROG_NONE && t->calendar >= p->ncalendars)
            return fail(v, "targets[%u]: calendar out of range", i);
        if (t->target_ms <= 0 || t->target_ms > VRF_MAX_MS)
            return fail(v, "targets[%u]: target %lld ms out of range", i, (long long)t->target_ms);
        if (!RANGE_OK(t->first_step, t->nsteps, p->nsteps)) return fail(v, "targets[%u]: steps out of range", i);
        int breaches = 0;
        int64_t last = 0;
        for (uint32_t k = t->first_step; k < t->first_step + t->nsteps; k++) {
            const prog_step *s = &p->steps[k];
            if (s->kind > STEP_K_BREACH) return fail(v, "steps[%u]: bad kind %u", k, s->kind);
            if (s->implicit > 1) return fail(v, "steps[%u]: bad implicit flag", k);
            if (s->value < 0 || s->value > VRF_MAX_MS || (s->kind == STEP_K_PERCENT && s->value > 100))
                return fail(v, "steps[%u]: value %lld out of range", k, (long long)s->value);
            if (s->implicit && (s->kind != STEP_K_BREACH || s->value || s->code != PROG_NO_CODE))
                return fail(v, "steps[%u]: implicit step that is not a plain breach", k);
            if (s->kind == STEP_K_BREACH && s->value == 0) breaches++;
            int64_t at = vrf_step_point(t->target_ms, s);
            if (k > t->first_step && at < last)
                return fail(v, "steps[%u]: not sorted by the point it fires at", k);
            last = at;
        }
        if (t->nsteps && breaches != 1)
            return fail(v, "targets[%u]: %d breach steps (exactly one expected)", i, breaches);
    }
    if (p->ntiers > 0xFFFFu) return fail(v, "tiers: too many (%u)", p->ntiers);
    int defaults = 0;
    for (uint32_t i = 0; i < p->ntiers; i++) {
        const prog_tier *t = &p->tiers[i];
        if (!STR_OK(p, t->name)) return fail(v, "tiers[%u]: name out of range", i);
        if (!RANGE_OK(t->first_target, t->ntargets, p->ntargets))
            return fail(v, "tiers[%u]: targets out of range", i);
        if (t->ladder != PROG_NONE && t->ladder >= p->nladders) return fail(v, "tiers[%u]: ladder out of range", i);
        if (t->is_default > 1) return fail(v, "tiers[%u]: bad default flag", i);
        defaults += t->is_default;
        for (uint32_t k = t->first_target; k < t->first_target + t->ntargets; k++) {
            const prog_target *g = &p->targets[k];
            if (p->clocks[g->clock].kind != PCK_DECLARED)
                return fail(v, "targets[%u]: tier target on an ad-hoc clock", k);
            if (g->nsteps == 0) return fail(v, "targets[%u]: tier target without its breach step", k);
            if (k > t->first_target && g->clock <= p->targets[k - 1].clock)
                return fail(v, "targets[%u]: tier targets not in clock order", k);
        }
    }
    if (defaults > 1) return fail(v, "tiers: %d default tiers", defaults);
    if (check_unique(v, "tiers", p->ntiers, tier_name)) return -1;
    for (uint32_t i = 0; i < p->nrules; i++) {
        const prog_rule *r = &p->rules[i];
        if (!STR_OK(p, r->label)) return fail(v, "rules[%u]: label out of range", i);
        if (r->event >= p->nevents) return fail(v, "rules[%u]: event out of range", i);
    }
    for (uint32_t i = 0; i < p->nemits; i++) {
        const prog_emit *e = &p->emits[i];
        if (!STR_OK(p, e->name)) return fail(v, "emits[%u]: name out of range", i);
        if (e->nargs > VRF_MAX_REGS || !RANGE_OK(e->first_arg, e->nargs, p->nemit_args))
            return fail(v, "emits[%u]: arguments out of range", i);
    }
    for (uint32_t i = 0; i < p->nemit_args; i++) {
        const prog_emit_arg *a = &p->emit_args[i];
        if (a->type < PT_INT || a->type > PT_LEVEL) return fail(v, "emitargs[%u]: bad type %u", i, a->type);
        if (a->type == PT_ENUM ? a->field >= p->nfields || p->fields[a->field].type != PT_ENUM
                               : a->field != PROG_NONE)
            return fail(v, "emitargs[%u]: bad enum field", i);
    }
    return 0;
}

/* ---- code ------------------------------------------------------------------- */

/* Kinds of block, by what names their entry point. */
enum { BK_NONE = 0, BK_SELECT, BK_RULES, BK_PAUSE, BK_STEP };
static const char *const bk_names[] = {"", "selection", "rules", "pause-while", "step"};

/* Register types during the pass. */
enum { RT_UNDEF = 0, RT_CONFLICT, RT_BOOL, RT_INT, RT_STRING, RT_DURATION, RT_LEVEL, RT_ENUM0 };

static const char *rt_name(const slate_program *p, uint16_t t)
{
    static const char *const n[] = {"undefined", "conflicting", "bool", "int", "string", "duration", "level"};
    if (t < RT_ENUM0) return n[t];
    return prog_str(p, p->fields[t - RT_ENUM0].name);
}

/* The register type of a value of type `type` (enum of `field`). */
static uint16_t rt_of(uint8_t type, uint32_t field)
{
    switch (type) {
    case PT_INT: return RT_INT;
    case PT_BOOL: return RT_BOOL;
    case PT_STRING: return RT_STRING;
    case PT_DURATION: return RT_DURATION;
    case PT_LEVEL: return RT_LEVEL;
    default: return (uint16_t)(RT_ENUM0 + field);
    }
}

typedef struct bctx {
    vctx *v;
    uint32_t start, end, nregs;
    int kind;
    uint32_t event;       /* BK_RULES: the event the block belongs to */
    uint32_t width;       /* registers this block names (<= nregs): the rest stay
                             undefined and are never read, so are not tracked */
    uint32_t *slot;       /* per pc: index of its saved state if a jump targets it */
    uint8_t *slot_seen;   /* per slot: some jump has delivered a state */
    uint16_t *st;         /* per slot, `width` types: the state a jump delivers */
    size_t stcap, seencap;/* entries allocated in st and slot_seen */
    uint16_t *cur;        /* `width` types: the state flowing through the pass */
    uint64_t *wlong;      /* scratch for weighted_path() */
} bctx;

static int is_action(int op)
{
    return op == OP_ROUTE || op == OP_ASSIGN || op == OP_ESCALATE || op == OP_NOTIFY ||
           op == OP_SET || op == OP_REQUIRE || op == OP_REVIEW || op == OP_EMIT;
}

/* The static checks of one operand: letter `l`, value `x`. */
static int check_operand(bctx *b, uint32_t pc, char l, char which, int64_t x)
{
    const slate_program *p = b->v->p;
    uint64_t lim;
    const char *what;
    switch (l) {
    case '-': if (x) return fail(b->v, "code[%u]: operand %c must be 0", pc, which); return 0;
    case 'r': lim = b->nregs; what = "register"; break;
    case 'f': lim = p->nfields; what = "field"; break;
    case 'l': lim = p->nlevels; what = "level"; break;
    case 's': lim = p->nstrings; what = "string"; break;
    case 'k': lim = p->nconsts; what = "constant"; break;
    case 't': lim = p->ntargets; what = "target"; break;
    case 'c': lim = p->nclocks; what = "clock"; break;
    case 'e': lim = p->nemits; what = "emit"; break;
    case 'u': lim = p->nrules; what = "rule"; break;
    case 'T': lim = (uint64_t)p->ntiers + 1; what = "tier"; break;
    case 'j':
        if (x <= (int64_t)pc) return fail(b->v, "code[%u]: jump backwards", pc);
        if (x >= (int64_t)b->end) return fail(b->v, "code[%u]: jump out of its block", pc);
        return 0;
    case 'y': {
        if (x == PT_INT || x == PT_BOOL || x == PT_DURATION || x == PT_LEVEL) return 0;
        if (x >= PROG_TAG_ENUM && x - PROG_TAG_ENUM < p->nfields &&
            p->fields[x - PROG_TAG_ENUM].type == PT_ENUM)
            return 0;
        return fail(b->v, "code[%u]: bad type tag %lld", pc, (long long)x);
    }
    default: return 0; /* 'i': any immediate; checked with its tag */
    }
    if (x < 0 || (uint64_t)x >= lim)
        return fail(b->v, "code[%u]: %s %lld out of range", pc, what, (long long)x);
    return 0;
}

/* The immediate of a field-immediate jump (FJEQ..) against its field's type:
 * the same ranges LOADI's immediates have, and the same comparisons the
 * register compares allow.  Checked on every instruction, reachable or not,
 * after the operands are known to be in range. */
static int check_field_imm(bctx *b, uint32_t pc, const vm_instr *ins)
{
    const slate_program *p = b->v->p;
    const prog_field *f = &p->fields[ins->b];
    int order = ins->op != OP_FJEQ && ins->op != OP_FJNE;
    const char *name = prog_op_names[ins->op];
    switch (f->type) {
    case PT_INT:
    case PT_DURATION: return 0;
    case PT_BOOL:
        if (order) return fail(b->v, "code[%u]: %s orders bool values", pc, name);
        if (ins->a > 1) return fail(b->v, "code[%u]: immediate %u out of range for a bool", pc, ins->a);
        return 0;
    case PT_ENUM:
        if (ins->a >= f->nvalues)
            return fail(b->v, "code[%u]: immediate %u out of range for field %u", pc, ins->a, ins->b);
        return 0;
    default: return fail(b->v, "code[%u]: %s compares a string field with an immediate", pc, name);
    }
}

#define NO_SLOT UINT32_MAX

/* Merge state `s` into saved state `d` (`seen`: d holds a state already). */
static void merge(uint32_t width, uint16_t *d, uint8_t *seen, const uint16_t *s)
{
    if (!*seen) {
        memcpy(d, s, width * sizeof *d);
        *seen = 1;
        return;
    }
    for (uint32_t r = 0; r < width; r++)
        if (d[r] != s[r]) d[r] = (d[r] == RT_UNDEF || s[r] == RT_UNDEF) ? RT_UNDEF : RT_CONFLICT;
}

static int readable(bctx *b, uint32_t pc, const uint16_t *s, uint32_t r)
{
    if (s[r] == RT_UNDEF) return fail(b->v, "code[%u]: register %u read before it is written", pc, r);
    if (s[r] == RT_CONFLICT) return fail(b->v, "code[%u]: register %u has different types on different paths", pc, r);
    return 0;
}

static int want(bctx *b, uint32_t pc, const uint16_t *s, uint32_t r, uint16_t type)
{
    if (s[r] == type) return 0;
    if (s[r] == RT_UNDEF || s[r] == RT_CONFLICT) return readable(b, pc, s, r);
    return fail(b->v, "code[%u]: register %u is %s, %s expected", pc, r, rt_name(b->v->p, s[r]),
                rt_name(b->v->p, type));
}

/* The typing rule of instruction `ins` at pc: check reads, apply the write to `s`. */
static int step_types(bctx *b, uint32_t pc, const vm_instr *ins, uint16_t *s)
{
    const slate_program *p = b->v->p;
    switch (ins->op) {
    case OP_LOADK:
    case OP_LOADI: {
        uint16_t t = ins->b >= PROG_TAG_ENUM ? (uint16_t)(RT_ENUM0 + ins->b - PROG_TAG_ENUM)
                                             : rt_of((uint8_t)ins->b, 0);
        if (ins->op == OP_LOADK && t != RT_INT && t != RT_DURATION)
            return fail(b->v, "code[%u]: LOADK of a %s", pc, rt_name(p, t));
        if (ins->op == OP_LOADI) {
            int64_t c = ins->c;
            int ok = t == RT_INT || t == RT_DURATION || (t == RT_BOOL && (c == 0 || c == 1)) ||
                     (t == RT_LEVEL && c >= 0 && c < (int64_t)p->nlevels) ||
                     (t >= RT_ENUM0 && c >= 0 && c < (int64_t)p->fields[t - RT_ENUM0].nvalues);
            if (!ok) return fail(b->v, "code[%u]: immediate %d out of range for a %s", pc, ins->c, rt_name(p, t));
        }
        s[ins->a] = t;
        return 0;
    }
    case OP_LOADS: s[ins->a] = RT_STRING; return 0;
    case OP_FIELD: {
        const prog_field *f = &p->fields[ins->b];
        s[ins->a] = rt_of(f->type, ins->b);
        return 0;
    }
    case OP_LEVEL: s[ins->a] = RT_LEVEL; return 0;
    case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE: {
        uint32_t x = ins->b, y = (uint32_t)ins->c;
        if (readable(b, pc, s, x) || readable(b, pc, s, y)) return -1;
        if (s[x] != s[y])
            return fail(b->v, "code[%u]: %s compares %s with %s", pc, prog_op_names[ins->op],
                        rt_name(p, s[x]), rt_name(p, s[y]));
        if (ins->op != OP_EQ && ins->op != OP_NE && (s[x] == RT_BOOL || s[x] == RT_STRING))
            return fail(b->v, "code[%u]: %s orders %s values", pc, prog_op_names[ins->op], rt_name(p, s[x]));
        s[ins->a] = RT_BOOL;
        return 0;
    }
    case OP_JEQ: case OP_JNE: case OP_JLT: case OP_JLE: case OP_JGT: case OP_JGE: {
        uint32_t x = ins->a, y = ins->b;
        if (readable(b, pc, s, x) || readable(b, pc, s, y)) return -1;
        if (s[x] != s[y])
            return fail(b->v, "code[%u]: %s compares %s with %s", pc, prog_op_names[ins->op],
                        rt_name(p, s[x]), rt_name(p, s[y]));
        if (ins->op != OP_JEQ && ins->op != OP_JNE && (s[x] == RT_BOOL || s[x] == RT_STRING))
            return fail(b->v, "code[%u]: %s orders %s values", pc, prog_op_names[ins->op], rt_name(p, s[x]));
        return 0;
    }
    case OP_NOT:
        if (want(b, pc, s, ins->b, RT_BOOL)) return -1;
        s[ins->a] = RT_BOOL;
        return 0;
    case OP_JMPF: case OP_JMPT: case OP_RET:
        return want(b, pc, s, ins->a, RT_BOOL);
    case OP_SET: {
        const prog_field *f = &p->fields[ins->b];
        return want(b, pc, s, ins->a, rt_of(f->type, ins->b));
    }
    case OP_EMIT: {
        const prog_emit *e = &p->emits[ins->b];
        if ((uint64_t)ins->a + e->nargs > b->nregs)
            return fail(b->v, "code[%u]: emit arguments beyond the registers", pc);
        for (uint32_t i = 0; i < e->nargs; i++) {
            const prog_emit_arg *a = &p->emit_args[e->first_arg + i];
            if (want(b, pc, s, ins->a + i, rt_of(a->type, a->field))) return -1;
        }
        return 0;
    }
    default: return 0;
    }
}

/* Before the pass over [start, end): the registers the block names (b->width)
 * and a state slot for each pc a forward jump inside the block targets.  Operands
 * are not trusted yet: out-of-range ones are ignored here and refused by the
 * pass, so every register an accepted block reads or writes is below width.
 * Only jump targets need a saved state (everything else is reached by falling
 * through, carried in b->cur), so memory and time are O(block + targets *
 * width), not O(block * nregs). */
static int plan_block(bctx *b, uint32_t *nslots)
{
    const slate_program *p = b->v->p;
    uint32_t n = b->end - b->start, width = 0, ns = 0;
    for (uint32_t i = 0; i < n; i++) b->slot[i] = NO_SLOT;
    for (uint32_t i = 0; i < n; i++) {
        const vm_instr *ins = &p->code[b->start + i];
        if (ins->op >= OP__COUNT) continue;
        const char *ops = prog_op_operands[ins->op];
        int64_t x[3] = {ins->a, ins->b, ins->c};
        for (int k = 0; k < 3; k++) {
            if (ops[k] == 'r' && x[k] >= 0 && x[k] < (int64_t)b->nregs && (uint32_t)x[k] >= width)
                width = (uint32_t)x[k] + 1;
            if (ops[k] == 'j' && x[k] > (int64_t)(b->start + i) && x[k] < (int64_t)b->end &&
                b->slot[x[k] - b->start] == NO_SLOT)
                b->slot[x[k] - b->start] = ns++;
        }
        if (ins->op == OP_EMIT && ins->b < p->nemits) {
            uint64_t top = (uint64_t)ins->a + p->emits[ins->b].nargs;
            if (top <= b->nregs && top > width) width = (uint32_t)top;
        }
    }
    b->width = width;
    size_t need = (size_t)ns * (width ? width : 1);
    if (need > b->stcap) {
        uint16_t *st = need > SIZE_MAX / sizeof *st ? NULL : v_realloc(b->v, b->st, need * sizeof *st);
        if (!st) return fail(b->v, "out of memory");
        b->st = st;
        b->stcap = need;
    }
    if (ns > b->seencap) {
        uint8_t *seen = v_realloc(b->v, b->slot_seen, ns);
        if (!seen) return fail(b->v, "out of memory");
        b->slot_seen = seen;
        b->seencap = ns;
    }
    if (ns) memset(b->slot_seen, 0, ns);
    *nslots = ns;
    return 0;
}

/* Check the block [start, end).
 * One forward pass in pc order: the state before each instruction is the merge
 * of the fall-through state (b->cur) and of the states jumps saved in its slot,
 * all of which come from lower pcs. */
static int check_block(bctx *b)
{
    const slate_program *p = b->v->p;
    uint32_t n = b->end - b->start, nslots;
    if (plan_block(b, &nslots)) return -1;
    uint32_t width = b->width;
    uint16_t *cur = b->cur;
    memset(cur, 0, (width ? width : 1) * sizeof *cur); /* RT_UNDEF */
    int reach = 1; /* the block's entry reaches pc 0 */
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc; i++) {
        uint32_t pc = b->start + i;
        const vm_instr *ins = &p->code[pc];
        if (ins->op >= OP__COUNT) { rc = fail(b->v, "code[%u]: bad opcode %u", pc, ins->op); break; }
        const char *ops = prog_op_operands[ins->op];
        const char *name = prog_op_names[ins->op];
        if (check_operand(b, pc, ops[0], 'a', ins->a) || check_operand(b, pc, ops[1], 'b', ins->b) ||
            check_operand(b, pc, ops[2], 'c', ins->c)) { rc = -1; break; }
        if (ops[0] == 'v' && check_field_imm(b, pc, ins)) { rc = -1; break; }
        if (p->format < 2 && ins->op >= PROG_OP_FORMAT2) {
            rc = fail(b->v, "code[%u]: %s in a format %u image", pc, name, p->format);
            break;
        }
        int op = ins->op;
        int term = op == OP_HALT || op == OP_TIER || op == OP_RET;
        if (i == 0 && b->kind == BK_RULES && op != OP_RULE) {
            rc = fail(b->v, "code[%u]: rules block does not start with RULE", pc);
            break;
        }
        if ((op == OP_TIER && b->kind != BK_SELECT) || (op == OP_RET && b->kind != BK_PAUSE) ||
            (op == OP_HALT && b->kind != BK_RULES && b->kind != BK_STEP) ||
            (op == OP_RULE && b->kind != BK_RULES) ||
            (is_action(op) && b->kind != BK_RULES && b->kind != BK_STEP)) {
            rc = fail(b->v, "code[%u]: %s in a %s block", pc, name, bk_names[b->kind]);
            break;
        }
        if (op == OP_RULE && p->rules[ins->c].event != b->event) {
            rc = fail(b->v, "code[%u]: rule %d belongs to another event", pc, ins->c);
            break;
        }
        if (op == OP_REQUIRE || op == OP_REVIEW) {
            const prog_clock *c = &p->clocks[ins->b];
            const prog_target *t = &p->targets[ins->c];
            if (c->kind != (op == OP_REQUIRE ? PCK_REQUIRE : PCK_REVIEW) || t->clock != ins->b || t->nsteps) {
                rc = fail(b->v, "code[%u]: %s with a wrong clock or target", pc, name);
                break;
            }
        }
        if (i == n - 1 && !term) { rc = fail(b->v, "code[%u]: block does not end in HALT, TIER or RET", pc); break; }
        uint32_t sl = b->slot[i];
        if (sl != NO_SLOT && b->slot_seen[sl]) {
            uint16_t *saved = b->st + (size_t)sl * width;
            if (reach) merge(width, saved, &b->slot_seen[sl], cur);
            memcpy(cur, saved, width * sizeof *cur);
            reach = 1;
        }
        if (!reach) continue; /* unreachable: checked statically only */
        if (step_types(b, pc, ins, cur)) { rc = -1; break; }
        if (prog_op_jumps(op)) {
            uint32_t t = b->slot[(uint32_t)ins->c - b->start];
            merge(width, b->st + (size_t)t * width, &b->slot_seen[t], cur);
        }
        reach = !term && op != OP_JMP;
    }
    return rc;
}

static uint64_t sat_add(uint64_t a, uint64_t b) { return a > UINT64_MAX - b ? UINT64_MAX : a + b; }

/* The costliest path through the verified block [s, e): one per instruction,
 * plus `sel` for each SET or ESCALATE (each may run the selection again).
 * Jumps are forward, so one backward pass over `w` (e - s entries) suffices. */
static uint64_t weighted_path(const slate_program *p, uint32_t s, uint32_t e, uint64_t sel, uint64_t *w)
{
    for (uint32_t i = e - s; i-- > 0;) {
        const vm_instr *ins = &p->code[s + i];
        uint64_t here = 1 + (ins->op == OP_SET || ins->op == OP_ESCALATE ? sel : 0);
        if (ins->op == OP_HALT || ins->op == OP_TIER || ins->op == OP_RET) {
            w[i] = here;
            continue;
        }
        uint64_t next = ins->op == OP_JMP ? w[(uint32_t)ins->c - s] : w[i + 1];
        if (prog_op_cond_jump(ins->op) && w[(uint32_t)ins->c - s] > next) next = w[(uint32_t)ins->c - s];
        w[i] = here + next;
    }
    return w[0];
}

/* Record that `pc` starts a block of `kind` (for BK_RULES, of event `event`). */
static int mark_entry(vctx *v, uint32_t *info, int32_t pc, int kind, uint32_t event, const char *who)
{
    if (pc == PROG_NO_CODE && kind != BK_SELECT) return 0;
    if (pc < 0 || (uint32_t)pc >= v->p->ncode) return fail(v, "%s: code pc %d out of range", who, pc);
    uint32_t want = (uint32_t)kind | event << 3;
    if (info[pc] && info[pc] != want)
        return fail(v, "%s: block at pc %d already used as a %s block", who, pc, bk_names[info[pc] & 7]);
    info[pc] = want;
    return 0;
}

static int check_code(vctx *v, uint32_t *max_steps)
{
    const slate_program *p = v->p;
    char who[48];
    if (p->ncode == 0) return fail(v, "code: empty");
    if (p->nregs > VRF_MAX_REGS) return fail(v, "meta: %u registers (at most %u)", p->nregs, VRF_MAX_REGS);
    uint32_t *info = v_zalloc(v, p->ncode, sizeof *info);
    uint64_t *cost = v_zalloc(v, p->ncode, sizeof *cost);
    bctx b = {.v = v, .nregs = p->nregs};
    int rc = 0;
    if (!info || !cost) { rc = fail(v, "out of memory"); goto out; }
    if (mark_entry(v, info, p->select, BK_SELECT, 0, "meta: select")) { rc = -1; goto out; }
    for (uint32_t i = 0; i < p->nevents; i++) {
        snprintf(who, sizeof who, "events[%u]", i);
        if (mark_entry(v, info, p->events[i].rules, BK_RULES, i, who)) { rc = -1; goto out; }
    }
    for (uint32_t i = 0; i < p->nclocks; i++) {
        snprintf(who, sizeof who, "clocks[%u]", i);
        if (mark_entry(v, info, p->clocks[i].pause_while, BK_PAUSE, 0, who)) { rc = -1; goto out; }
    }
    for (uint32_t i = 0; i < p->nsteps; i++) {
        snprintf(who, sizeof who, "steps[%u]", i);
        if (mark_entry(v, info, p->steps[i].code, BK_STEP, 0, who)) { rc = -1; goto out; }
    }
    if (!info[0]) { rc = fail(v, "code[0]: not the start of any block"); goto out; }
    /* The largest block bounds the scratch state. */
    uint32_t maxlen = 0;
    for (uint32_t s = 0, e; s < p->ncode; s = e) {
        for (e = s + 1; e < p->ncode && !info[e]; e++) {}
        if (e - s > maxlen) maxlen = e - s;
    }
    if ((uint64_t)maxlen * (p->nregs ? p->nregs : 1) > (UINT64_C(1) << 26))
        { rc = fail(v, "code: a block of %u instructions is too large to verify", maxlen); goto out; }
    b.slot = v_alloc(v, maxlen, sizeof *b.slot);
    b.cur = v_alloc(v, p->nregs ? p->nregs : 1, sizeof *b.cur);
    b.wlong = v_alloc(v, maxlen, sizeof *b.wlong);
    if (!b.slot || !b.cur || !b.wlong) { rc = fail(v, "out of memory"); goto out; }
    for (uint32_t s = 0, e; s < p->ncode; s = e) {
        for (e = s + 1; e < p->ncode && !info[e]; e++) {}
        b.start = s;
        b.end = e;
        b.kind = (int)(info[s] & 7);
        b.event = info[s] >> 3;
        if (check_block(&b)) { rc = -1; goto out; }
        /* A selection or pause block holds no action: its weighted path with
         * no selection cost is its longest path. */
        if (b.kind == BK_SELECT || b.kind == BK_PAUSE) cost[s] = weighted_path(p, s, e, 0, b.wlong);
    }
    /* The bound: see docs/bytecode.md, "Step bound".  S = the selection's
     * longest path, P = every pause condition's, each action block weighted so
     * that a `set` or `escalate` also pays for the selection it triggers. */
    uint64_t sel = cost[p->select], pause = 0, worst = 0;
    for (uint32_t i = 0; i < p->nclocks; i++)
        if (p->clocks[i].pause_while != PROG_NO_CODE) pause += cost[p->clocks[i].pause_while];
    for (uint32_t s = 0, e; s < p->ncode; s = e) {
        for (e = s + 1; e < p->ncode && !info[e]; e++) {}
        int kind = (int)(info[s] & 7);
        if (kind == BK_RULES || kind == BK_STEP) cost[s] = weighted_path(p, s, e, sel, b.wlong);
    }
    for (uint32_t i = 0; i < p->nevents; i++) {
        uint64_t unit = (p->events[i].rules != PROG_NO_CODE ? cost[p->events[i].rules] : 0) + sel + 2 * pause;
        if (unit > worst) worst = unit;
    }
    for (uint32_t k = 0; k < p->ntargets; k++) {
        uint64_t unit = pause;
        for (uint32_t j = p->targets[k].first_step; j < p->targets[k].first_step + p->targets[k].nsteps; j++)
            if (p->steps[j].code != PROG_NO_CODE) unit = sat_add(unit, cost[p->steps[j].code]);
        if (unit > worst) worst = unit;
    }
    if (worst > UINT32_MAX) { rc = fail(v, "code: step bound overflows"); goto out; }
    *max_steps = (uint32_t)worst;
out:
    v_free(v, info);
    v_free(v, cost);
    v_free(v, b.slot);
    v_free(v, b.slot_seen);
    v_free(v, b.st);
    v_free(v, b.cur);
    v_free(v, b.wlong);
    return rc;
}

int vrf_program(const slate_program *p, uint32_t *max_steps, char *err, size_t errsize)
{
    return vrf_program_al(p, NULL, max_steps, err, errsize);
}

int vrf_program_al(const slate_program *p, const slate_allocator *al, uint32_t *max_steps,
                   char *err, size_t errsize)
{
    vctx v = {p, err, errsize, al};
    if (errsize) err[0] = '\0';
    if (check_strings(&v) || check_schema(&v) || check_events_clocks(&v) || check_required(&v) || check_reopen(&v) ||
        check_calendars(&v) ||
        check_sla(&v) || check_target_cals(&v) || check_code(&v, max_steps))
        return -1;
    return 0;
}
