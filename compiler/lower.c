/*
 * lower.c - the back end's tables: checked AST -> the index spaces of
 * bytecode/program.h (strings, fields, levels, events and their clock
 * operations, clocks, calendars, tiers with their targets and ladder steps,
 * rules, emits), then gen.c for the code, the verifier for the step bound, and
 * emit.c for the bytes.
 *
 * Names are looked up here by name rather than through the checker's indices,
 * so the index spaces are defined in one place (this file, per program.h) and a
 * tree that passed the checker is all lowering needs.
 */
#include "lower_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "calbuild.h"
#include "emit.h"
#include "image.h"
#include "slate.h"
#include "verify.h"

void *cg_vec_slot(void **v, uint32_t *n, uint32_t *cap, size_t size)
{
    if (*n == *cap) {
        uint32_t nc = *cap ? *cap * 2 : 16;
        void *nv = realloc(*v, (size_t)nc * size);
        if (!nv) {
            fputs("slate: out of memory\n", stderr);
            abort();
        }
        *v = nv;
        *cap = nc;
    }
    return (char *)*v + (size_t)(*n)++ * size;
}

void cg_error(cg_program *cg, src_loc loc, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    diag_error(cg->d, loc, NULL, "%s", msg);
    cg->errors++;
}

/* ---- strings --------------------------------------------------------------- */

static uint32_t fnv(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (uint8_t)s[i]) * 16777619u;
    return h;
}

static void strhash_insert(cg_program *cg, uint32_t idx)
{
    const prog_string *ps = &cg->strings.v[idx];
    uint32_t m = cg->strhash_cap - 1, h = fnv(cg->strdata.v + ps->off, ps->len) & m;
    while (cg->strhash[h]) h = (h + 1) & m;
    cg->strhash[h] = idx + 1;
}

uint32_t cg_str(cg_program *cg, const char *s)
{
    size_t n = strlen(s);
    if (cg->strhash_cap) {
        uint32_t m = cg->strhash_cap - 1;
        for (uint32_t h = fnv(s, n) & m; cg->strhash[h]; h = (h + 1) & m) {
            const prog_string *ps = &cg->strings.v[cg->strhash[h] - 1];
            if (ps->len == n && !memcmp(cg->strdata.v + ps->off, s, n)) return cg->strhash[h] - 1;
        }
    }
    if (2 * (cg->strings.n + 1) > cg->strhash_cap) {
        free(cg->strhash);
        cg->strhash_cap = cg->strhash_cap ? 2 * cg->strhash_cap : 64;
        cg->strhash = calloc(cg->strhash_cap, sizeof *cg->strhash);
        if (!cg->strhash) abort();
        for (uint32_t i = 0; i < cg->strings.n; i++) strhash_insert(cg, i);
    }
    prog_string ps = {cg->strdata.n, (uint32_t)n};
    for (size_t i = 0; i <= n; i++) VEC_PUSH(cg->strdata, s[i]);
    uint32_t idx = VEC_PUSH(cg->strings, ps);
    strhash_insert(cg, idx);
    return idx;
}

/* ---- lookups ------------------------------------------------------------------ */

int cg_event(const cg_program *cg, const char *name)
{
    for (uint32_t i = 0; i < cg->events.n; i++)
        if (!strcmp(cg->strdata.v + cg->strings.v[cg->events.v[i].name].off, name)) return (int)i;
    return -1;
}

int cg_field(const cg_program *cg, const char *name)
{
    int i = 0;
    for (const ast_field *f = cg->ast->fields; f; f = f->next, i++)
        if (!strcmp(f->name.name, name)) return i;
    return -1;
}

int cg_level(const cg_program *cg, const char *name)
{
    int i = 0;
    for (const ast_ident *l = cg->ast->levels; l; l = l->next, i++)
        if (!strcmp(l->name, name)) return i;
    return -1;
}

int cg_clock(const cg_program *cg, const char *name)
{
    for (uint32_t i = 0; i < cg->clocks.n; i++)
        if (!strcmp(cg->strdata.v + cg->strings.v[cg->clocks.v[i].name].off, name)) return (int)i;
    return -1;
}

int cg_calendar(const cg_program *cg, const char *name)
{
    for (uint32_t i = 0; i < cg->calendar_names.n; i++)
        if (!strcmp(cg->strdata.v + cg->strings.v[cg->calendar_names.v[i]].off, name)) return (int)i;
    return -1;
}

int cg_enum_value(const cg_program *cg, int field, const char *name)
{
    int i = 0;
    for (const ast_field *f = cg->ast->fields; f; f = f->next, i++) {
        if (i != field) continue;
        int k = 0;
        for (const ast_ident *v = f->values; v; v = v->next, k++)
            if (!strcmp(v->name, name)) return k;
    }
    return -1;
}

int64_t cg_duration_ms(const cg_program *cg, const ast_duration *dur, uint16_t cal)
{
    int64_t unit = 1000;
    if (dur->unit == DUR_WORKING_DAYS)
        unit = cal == PROG_NONE ? CAL_DAY_MS : cg->calendars.v[cal].workday_ms;
    if (dur->amount < 0 || (unit && dur->amount > VRF_MAX_MS / unit)) return -1;
    return dur->amount * unit;
}

const char *cg_duration_limit(const cg_program *cg, const ast_duration *dur, uint16_t cal,
                              char *buf, size_t size)
{
    if (dur->unit == DUR_WORKING_DAYS) {
        int64_t unit = cal == PROG_NONE ? CAL_DAY_MS : cg->calendars.v[cal].workday_ms;
        if (unit > 0) {
            snprintf(buf, size, "%lld working days", (long long)(VRF_MAX_MS / unit));
            return buf;
        }
    }
    snprintf(buf, size, "%lld hours (%lld days)", (long long)(VRF_MAX_MS / 3600000),
             (long long)(VRF_MAX_MS / 86400000));
    return buf;
}

static int ident_in(const ast_ident *list, const char *name)
{
    for (; list; list = list->next)
        if (!strcmp(list->name, name)) return 1;
    return 0;
}

/* ---- tables --------------------------------------------------------------- */

static uint8_t prog_type_of(ast_type_kind k)
{
    switch (k) {
    case TY_INT: return PT_INT;
    case TY_BOOL: return PT_BOOL;
    case TY_STRING: return PT_STRING;
    case TY_DURATION: return PT_DURATION;
    case TY_ENUM: return PT_ENUM;
    case TY_LEVEL: return PT_LEVEL;
    default: return 0;
    }
}

static void lower_schema(cg_program *cg)
{
    const ast_policy *a = cg->ast;
    for (const ast_field *f = a->fields; f; f = f->next) {
        prog_field pf = {cg_str(cg, f->name.name), prog_type_of(f->kind), 0, 0};
        if (f->kind == TY_ENUM) {
            pf.first_value = cg->enum_values.n;
            for (const ast_ident *v = f->values; v; v = v->next, pf.nvalues++)
                VEC_PUSH(cg->enum_values, cg_str(cg, v->name));
        }
        VEC_PUSH(cg->fields, pf);
    }
    for (const ast_ident *l = a->levels; l; l = l->next) VEC_PUSH(cg->levels, cg_str(cg, l->name));
    for (const ast_ladder *l = a->ladders; l; l = l->next) VEC_PUSH(cg->ladder_names, cg_str(cg, l->name.name));
    for (int i = 0; i < AST_NBUILTIN_EVENTS; i++)
        VEC_PUSH(cg->events, ((prog_event){cg_str(cg, ast_builtin_events[i]), 0, 0, PROG_NO_CODE}));
    for (const ast_ident *e = a->events; e; e = e->next)
        VEC_PUSH(cg->events, ((prog_event){cg_str(cg, e->name), 0, 0, PROG_NO_CODE}));
    if (cg->fields.n >= 0xFFFFu - PROG_TAG_ENUM || cg->events.n > 0xFFFFu || cg->levels.n > 0xFFFFu)
        cg_error(cg, a->header_loc, "too many fields, events or levels for the image format");
}

/* Call fn on every action of the policy: the rules' in file order, then the
 * ladders' steps'. */
static void each_action(cg_program *cg, void (*fn)(cg_program *, const ast_action *))
{
    for (const ast_rule *r = cg->ast->rules; r; r = r->next)
        for (const ast_action *x = r->actions; x; x = x->next) fn(cg, x);
    for (const ast_ladder *l = cg->ast->ladders; l; l = l->next)
        for (const ast_step *s = l->steps; s; s = s->next)
            for (const ast_action *x = s->actions; x; x = x->next) fn(cg, x);
}

/* The clock slot of `require NAME`, added at its first use. */
static void require_slot(cg_program *cg, const ast_action *act)
{
    if (act->kind != ACT_REQUIRE || cg_clock(cg, act->target.name) >= 0) return;
    const char *until = act->until.name ? act->until.name : act->target.name;
    int ev = cg_event(cg, until);
    if (ev < 0) {
        cg_error(cg, act->loc, "no event `%s` meets the required clock `%s`", until, act->target.name);
        ev = 0;
    }
    VEC_PUSH(cg->clocks, ((prog_clock){cg_str(cg, act->target.name), PCK_REQUIRE, 0, PROG_NO_CODE,
                                       (uint16_t)ev, (uint32_t)act->loc.line}));
}

/* The one clock slot of `open review`, added at its first use. */
static void review_slot(cg_program *cg, const ast_action *act)
{
    if (act->kind != ACT_REVIEW || cg->review_slot >= 0) return;
    cg->review_slot = (int)cg->clocks.n;
    VEC_PUSH(cg->clocks, ((prog_clock){cg_str(cg, "review"), PCK_REVIEW, 0, PROG_NO_CODE,
                                       (uint16_t)cg_event(cg, "reviewed"), (uint32_t)act->loc.line}));
}

static void lower_clocks(cg_program *cg)
{
    const ast_policy *a = cg->ast;
    for (const ast_clock *c = a->clocks; c; c = c->next) {
        uint8_t flags = 0;
        /* A reopen undoes a resolution: it brings back what `resolved` stopped
         * (and started with the case), not a response that was already given. */
        if (ident_in(c->starts_on, "opened") && ident_in(c->stops_on, "resolved"))
            flags |= PCF_REOPENS;
        if (ident_in(c->resets_on, "reopened")) flags |= PCF_RESETS_ON_REOPEN | PCF_REOPENS;
        if (c->late_from_change) flags |= PCF_LATE_FROM_CHANGE;
        VEC_PUSH(cg->clocks, ((prog_clock){cg_str(cg, c->name.name), PCK_DECLARED, flags, PROG_NO_CODE,
                                           PROG_NONE, (uint32_t)c->loc.line}));
    }
    cg->ndeclared_clocks = cg->clocks.n;
    each_action(cg, require_slot); /* every require slot, then the review slot */
    each_action(cg, review_slot);
    if (cg->clocks.n >= PROG_NONE) cg_error(cg, a->header_loc, "too many clocks for the image format");

    /* Clock operations per event: STOP, START, PAUSE, RESUME, RESET, each in clock order. */
    for (uint32_t e = 0; e < cg->events.n; e++) {
        const char *en = cg->strdata.v + cg->strings.v[cg->events.v[e].name].off;
        cg->events.v[e].first_op = cg->evops.n;
        for (int op = EVOP_STOP; op <= EVOP_RESET; op++) {
            uint16_t ci = 0;
            for (const ast_clock *c = a->clocks; c; c = c->next, ci++) {
                const ast_ident *list = op == EVOP_STOP ? c->stops_on : op == EVOP_START ? c->starts_on
                                      : op == EVOP_PAUSE ? c->pauses_on : op == EVOP_RESUME ? c->resumes_on
                                      : c->resets_on;
                if (ident_in(list, en)) VEC_PUSH(cg->evops, ((prog_evop){ci, (uint8_t)op}));
            }
        }
        cg->events.v[e].nops = cg->evops.n - cg->events.v[e].first_op;
    }
}

static int names_always(const ast_ident *cal) { return cal->name && !strcmp(cal->name, "always"); }

static int uses_always(const ast_policy *a)
{
    for (const ast_sla *s = a->slas; s; s = s->next)
        for (const ast_target *t = s->targets; t; t = t->next)
            if (names_always(&t->calendar)) return 1;
    for (const ast_rule *r = a->rules; r; r = r->next)
        for (const ast_action *x = r->actions; x; x = x->next)
            if (names_always(&x->calendar)) return 1;
    for (const ast_ladder *l = a->ladders; l; l = l->next)
        for (const ast_step *s = l->steps; s; s = s->next)
            for (const ast_action *x = s->actions; x; x = x->next)
                if (names_always(&x->calendar)) return 1;
    return 0;
}

static void lower_calendars(cg_program *cg)
{
    const ast_policy *a = cg->ast;
    int declared_always = 0;
    for (const ast_calendar *c = a->calendars; c; c = c->next) {
        cal_table t;
        char err[256];
        if (calb_build(c, CALB_VALID_FROM_MS, CALB_VALID_TO_MS, &t, err, sizeof err)) {
            /* The builder's reasons may already name the calendar. */
            src_loc at = c->zone && strstr(err, "time zone") ? c->zone_loc : c->loc;
            if (!strncmp(err, "calendar `", 10)) cg_error(cg, at, "%s", err);
            else cg_error(cg, at, "calendar `%s`: %s", c->name.name, err);
            memset(&t, 0, sizeof t);
        }
        /* the image keeps every calendar's open days in one table, by calendar */
        for (uint32_t k = 0; k < t.nopen; k++) {
            ((cal_open *)t.open)[k].calendar = (uint16_t)cg->calendars.n;
            VEC_PUSH(cg->calopen, t.open[k]);
        }
        VEC_PUSH(cg->calendars, t);
        VEC_PUSH(cg->calendar_names, cg_str(cg, c->name.name));
        declared_always |= !strcmp(c->name.name, "always");
    }
    if (!declared_always && uses_always(a)) {
        cal_table t;
        if (calb_always(&t)) abort();
        cg->always_implicit = (int)cg->calendars.n;
        VEC_PUSH(cg->calendars, t);
        VEC_PUSH(cg->calendar_names, cg_str(cg, "always"));
    }
    if (cg->calendars.n >= PROG_NONE) cg_error(cg, a->header_loc, "too many calendars for the image format");
}

/* The calendar a target or action counts in.  Without `on CAL` it is `always`:
 * the policy's own calendar of that name, or else wall-clock time (PROG_NONE),
 * which is what the implicit 24x7 UTC `always` measures. */
uint16_t cg_calendar_of(cg_program *cg, const ast_ident *name)
{
    if (!name->name) {
        int c = cg_calendar(cg, "always");
        return c < 0 || c == cg->always_implicit ? PROG_NONE : (uint16_t)c;
    }
    int c = cg_calendar(cg, name->name);
    if (c < 0) {
        cg_error(cg, name->loc, "unknown calendar `%s`", name->name);
        return PROG_NONE;
    }
    return (uint16_t)c;
}

typedef struct pending_step {
    prog_step s;
    const ast_step *src;
    int64_t at;
} pending_step;

/* The steps of one tier target: the ladder's steps on its clock and the breach
 * (the explicit `at breach of C` if there is one, else an implicit one), stably
 * sorted by the point they fire at. */
static void lower_steps(cg_program *cg, const ast_ladder *lad, const ast_target *t, prog_target *pt)
{
    pending_step buf[64], *ps = buf;
    size_t n = 0, cap = 64;
    int have_breach = 0;
    pt->first_step = cg->steps.n;
    for (const ast_step *s = lad ? lad->steps : NULL;; s = s->next) {
        pending_step p = {0};
        if (!s) {
            if (have_breach) break;
            p.s = (prog_step){STEP_K_BREACH, 1, 0, PROG_NO_CODE, (uint32_t)t->loc.line};
        } else {
            if (strcmp(s->clock.name, t->clock.name)) continue;
            int64_t v = s->kind == STEP_PERCENT ? s->percent : cg_duration_ms(cg, &s->offset, pt->calendar);
            if (v < 0) {
                char lim[96];
                cg_error(cg, s->offset.loc, "step offset is too long: at most %s",
                         cg_duration_limit(cg, &s->offset, pt->calendar, lim, sizeof lim));
            }
            uint8_t kind = s->kind == STEP_PERCENT ? STEP_K_PERCENT : s->kind == STEP_BEFORE ? STEP_K_BEFORE
                                                                                           : STEP_K_BREACH;
            p.s = (prog_step){kind, 0, v < 0 ? 0 : v, PROG_NO_CODE, (uint32_t)s->loc.line};
            p.src = s;
            if (kind == STEP_K_BREACH && v == 0) {
                if (have_breach) continue; /* the checker warns; the first one counts */
                have_breach = 1;
            }
        }
        p.at = vrf_step_point(pt->target_ms, &p.s);
        if (n == cap) {
            pending_step *np = malloc(2 * cap * sizeof *np);
            if (!np) abort();
            memcpy(np, ps, n * sizeof *np);
            if (ps != buf) free(ps);
            ps = np;
            cap *= 2;
        }
        /* insertion keeps equal points in ladder order, the implicit breach last */
        size_t i = n++;
        for (; i > 0 && ps[i - 1].at > p.at; i--) ps[i] = ps[i - 1];
        ps[i] = p;
        if (!s) break;
    }
    for (size_t i = 0; i < n; i++) {
        VEC_PUSH(cg->steps, ps[i].s);
        VEC_PUSH(cg->step_src, ps[i].src);
    }
    pt->nsteps = (uint32_t)n;
    if (ps != buf) free(ps);
}

/* The calendar of `on CAL[FIELD]` for the field's value v: `CAL[V]`. */
static uint16_t field_calendar(cg_program *cg, const ast_target *g, int field, int v)
{
    const ast_field *f = cg->ast->fields;
    for (int i = 0; f && i < field; i++) f = f->next;
    const ast_ident *val = f ? f->values : NULL;
    for (int i = 0; val && i < v; i++) val = val->next;
    if (!val) return PROG_NONE;
    size_t n = strlen(g->calendar.name) + strlen(val->name) + 3;
    char *name = malloc(n);
    if (!name) abort();
    snprintf(name, n, "%s[%s]", g->calendar.name, val->name);
    int c = cg_calendar(cg, name);
    if (c < 0) cg_error(cg, g->calendar.loc, "unknown calendar `%s`", name);
    free(name);
    return c < 0 ? PROG_NONE : (uint16_t)c;
}

/* One target of the clock and ladder of `g` counting in calendar `cal`. */
static prog_target make_target(cg_program *cg, const ast_ladder *lad, const ast_target *g, uint16_t clock,
                               uint16_t cal)
{
    prog_target pt = {clock, cal, 0, 0, 0, (uint32_t)g->loc.line};
    pt.target_ms = cg_duration_ms(cg, &g->within, pt.calendar);
    if (pt.target_ms <= 0) {
        char lim[96];
        cg_error(cg, g->within.loc, "target is too long: at most %s",
                 cg_duration_limit(cg, &g->within, pt.calendar, lim, sizeof lim));
        pt.target_ms = 1;
    }
    lower_steps(cg, lad, g, &pt);
    return pt;
}

/* A tier target whose calendar a field chooses, waiting for its variants. */
typedef struct field_target {
    uint32_t target;
    const ast_target *src;
    const ast_ladder *lad;
    int field;
} field_target;

static void lower_tiers(cg_program *cg)
{
    const ast_policy *a = cg->ast;
    field_target *ft = NULL;
    size_t nft = 0;
    for (const ast_sla *s = a->slas; s; s = s->next) {
        const ast_ladder *lad = NULL;
        uint16_t li = PROG_NONE, k = 0;
        for (const ast_ladder *l = a->ladders; l && s->ladder.name; l = l->next, k++)
            if (!strcmp(l->name.name, s->ladder.name)) lad = l, li = k;
        prog_tier t = {cg_str(cg, s->name.name), cg->targets.n, 0, li, (uint32_t)s->loc.line, s->when == NULL};
        /* targets in clock order */
        for (uint32_t c = 0; c < cg->ndeclared_clocks; c++) {
            const char *cn = cg->strdata.v + cg->strings.v[cg->clocks.v[c].name].off;
            for (const ast_target *g = s->targets; g; g = g->next) {
                if (strcmp(g->clock.name, cn)) continue;
                if (g->cal_field.name) {
                    /* the tier's own target is value 0's; the variants follow all tiers */
                    int fi = cg_field(cg, g->cal_field.name);
                    field_target *nf = realloc(ft, (nft + 1) * sizeof *ft);
                    if (!nf) abort();
                    ft = nf;
                    ft[nft++] = (field_target){cg->targets.n, g, lad, fi};
                    VEC_PUSH(cg->targets, make_target(cg, lad, g, (uint16_t)c, field_calendar(cg, g, fi, 0)));
                } else {
                    VEC_PUSH(cg->targets, make_target(cg, lad, g, (uint16_t)c, cg_calendar_of(cg, &g->calendar)));
                }
                t.ntargets++;
                break;
            }
        }
        for (const ast_target *g = s->targets; g; g = g->next) {
            int c = cg_clock(cg, g->clock.name);
            if (c < 0 || (uint32_t)c >= cg->ndeclared_clocks) cg_error(cg, g->clock.loc, "unknown clock `%s`", g->clock.name);
        }
        VEC_PUSH(cg->tiers, t);
    }
    /* `on CAL[FIELD]`: one target per value of the field, outside every tier */
    for (size_t i = 0; i < nft; i++) {
        const prog_field *f = ft[i].field >= 0 ? &cg->fields.v[ft[i].field] : NULL;
        if (!f || f->type != PT_ENUM) continue; /* the checker has said why */
        prog_targetcal tc = {ft[i].target, (uint16_t)ft[i].field, cg->targets.n};
        uint16_t clock = cg->targets.v[ft[i].target].clock;
        for (uint32_t v = 0; v < f->nvalues; v++)
            VEC_PUSH(cg->targets, make_target(cg, ft[i].lad, ft[i].src, clock,
                                              field_calendar(cg, ft[i].src, ft[i].field, (int)v)));
        VEC_PUSH(cg->target_cals, tc);
    }
    free(ft);
}

static int cmp_required(const void *a, const void *b)
{
    const prog_required *x = a, *y = b;
    if (x->event != y->event) return x->event < y->event ? -1 : 1;
    return (x->field > y->field) - (x->field < y->field);
}

/* `required on`: (event, field) pairs in the order the image keeps them (the
 * checker has refused unknown events, `tick` and repeats). */
static void lower_required(cg_program *cg)
{
    for (const ast_field *f = cg->ast->fields; f; f = f->next) {
        int fi = cg_field(cg, f->name.name);
        for (const ast_ident *e = f->required_on; e && fi >= 0; e = e->next) {
            int ev = cg_event(cg, e->name);
            if (ev >= 0) VEC_PUSH(cg->required, ((prog_required){(uint16_t)ev, (uint16_t)fi}));
        }
    }
    if (cg->required.n)
        qsort(cg->required.v, cg->required.n, sizeof *cg->required.v, cmp_required);
}

static int cmp_reopen(const void *a, const void *b)
{
    const prog_reopen *x = a, *y = b;
    return (x->event > y->event) - (x->event < y->event);
}

/* `reopen [on E, ...] within D`: one record per reopening event (`reopened`
 * when none is named), by event; the checker has refused the rest. */
static void lower_reopen(cg_program *cg)
{
    const ast_policy *a = cg->ast;
    if (!a->has_reopen) return;
    int64_t ms = a->reopen_within.amount * 1000;
    if (!a->reopen_on) {
        int ev = cg_event(cg, "reopened");
        if (ev >= 0) VEC_PUSH(cg->reopen, ((prog_reopen){(uint16_t)ev, ms}));
    }
    for (const ast_ident *e = a->reopen_on; e; e = e->next) {
        int ev = cg_event(cg, e->name);
        if (ev >= 0) VEC_PUSH(cg->reopen, ((prog_reopen){(uint16_t)ev, ms}));
    }
    if (cg->reopen.n) qsort(cg->reopen.v, cg->reopen.n, sizeof *cg->reopen.v, cmp_reopen);
}

static void lower_rules(cg_program *cg)
{
    for (const ast_rule *r = cg->ast->rules; r; r = r->next) {
        int ev = cg_event(cg, r->event.name);
        if (ev < 0) {
            cg_error(cg, r->event.loc, "unknown event `%s`", r->event.name);
            ev = 0;
        }
        VEC_PUSH(cg->rules, ((prog_rule){(uint32_t)r->loc.line, r->label.name ? cg_str(cg, r->label.name) : 0,
                                         (uint16_t)ev}));
    }
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static void make_view(cg_program *cg)
{
    slate_program *p = &cg->view;
    memset(p, 0, sizeof *p);
    p->name = cg_str(cg, cg->ast->name ? cg->ast->name : "");
    p->version = cg_str(cg, cg->ast->version ? cg->ast->version : "");
    p->source = cg_str(cg, base_name(cg->ast->file ? cg->ast->file : ""));
#define SETV(field, nfield, vec) (p->field = (vec).v, p->nfield = (vec).n)
    p->strtab = cg->strdata.v;
    SETV(strings, nstrings, cg->strings);
    SETV(consts, nconsts, cg->consts);
    SETV(fields, nfields, cg->fields);
    SETV(enum_values, nenum_values, cg->enum_values);
    SETV(levels, nlevels, cg->levels);
    SETV(events, nevents, cg->events);
    SETV(evops, nevops, cg->evops);
    SETV(clocks, nclocks, cg->clocks);
    SETV(calendars, ncalendars, cg->calendars);
    p->calendar_names = cg->calendar_names.v;
    SETV(targets, ntargets, cg->targets);
    SETV(steps, nsteps, cg->steps);
    SETV(tiers, ntiers, cg->tiers);
    SETV(ladder_names, nladders, cg->ladder_names);
    SETV(rules, nrules, cg->rules);
    SETV(emits, nemits, cg->emits);
    SETV(emit_args, nemit_args, cg->emit_args);
    SETV(code, ncode, cg->code);
    SETV(required, nrequired, cg->required);
    SETV(calopen, ncalopen, cg->calopen);
    SETV(target_cals, ntarget_cals, cg->target_cals);
    SETV(reopen, nreopen, cg->reopen);
    p->code_lines = cg->lines.v;
#undef SETV
    p->select = cg->select;
    p->nregs = cg->nregs;
    p->format = img_format_for(p->nrequired, p->ncalopen, p->ntarget_cals, p->nreopen); /* the format the image writer produces */
}

int cg_lower(const ast_policy *ast, diag_ctx *d, cg_program **out)
{
    *out = NULL;
    cg_program *cg = calloc(1, sizeof *cg);
    if (!cg) return -1;
    cg->ast = ast;
    cg->d = d;
    cg->always_implicit = -1;
    cg->review_slot = -1;
    cg->select = PROG_NO_CODE;
    cg_str(cg, ""); /* string 0 */
    lower_schema(cg);
    lower_clocks(cg);
    lower_calendars(cg);
    lower_tiers(cg);
    lower_rules(cg);
    lower_required(cg);
    lower_reopen(cg);
    if (!cg->errors) gen_code(cg);
    if (!cg->errors) {
        make_view(cg);
        char err[256];
        uint32_t steps;
        if (vrf_program(&cg->view, &steps, err, sizeof err)) {
            cg_error(cg, ast->header_loc, "internal error: the generated code fails verification: %s", err);
        } else {
            cg->view.max_steps = steps;
        }
    }
    if (cg->errors) {
        cg_free(cg);
        return -1;
    }
    *out = cg;
    return 0;
}

const slate_program *cg_view(const cg_program *cg) { return &cg->view; }

void cg_free(cg_program *cg)
{
    if (!cg) return;
    for (uint32_t i = 0; i < cg->calendars.n; i++) calb_free(&cg->calendars.v[i]);
    free(cg->strdata.v);
    free(cg->strings.v);
    free(cg->strhash);
    free(cg->consts.v);
    free(cg->fields.v);
    free(cg->enum_values.v);
    free(cg->levels.v);
    free(cg->events.v);
    free(cg->evops.v);
    free(cg->clocks.v);
    free(cg->calendars.v);
    free(cg->calendar_names.v);
    free(cg->targets.v);
    free(cg->steps.v);
    free(cg->step_src.v);
    free(cg->tiers.v);
    free(cg->ladder_names.v);
    free(cg->rules.v);
    free(cg->emits.v);
    free(cg->emit_args.v);
    free(cg->required.v);
    free(cg->calopen.v);
    free(cg->target_cals.v);
    free(cg->reopen.v);
    free(cg->code.v);
    free(cg->lines.v);
    free(cg);
}

int cg_compile(const ast_policy *ast, diag_ctx *d, uint8_t **img, size_t *len)
{
    cg_program *cg;
    *img = NULL;
    *len = 0;
    if (cg_lower(ast, d, &cg)) return -1;
    char err[256];
    int rc = cg_write_image(cg_view(cg), img, len, err, sizeof err);
    if (rc) diag_error(d, ast->header_loc, NULL, "cannot write the image: %s", err);
    cg_free(cg);
    return rc;
}
