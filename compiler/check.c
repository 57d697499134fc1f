/*
 * check.c - the semantic pass over a parsed policy (parser.y -> here -> lowering):
 * declarations, name resolution, ranges and lint warnings.  Expressions are typed
 * in check_expr.c, calendars checked in check_cal.c.
 *
 * What it fills in the AST is the contract with code generation.  Index spaces,
 * every one counted from 0 in declaration (source) order:
 *
 *   calendars  the declared calendars 0..C-1; when the policy declares no calendar
 *              named `always`, the implicit 24x7 UTC `always` has index C.  A target,
 *              `require` or `review` without `on CAL` uses the `always` calendar
 *              (declared or implicit) and its `calendar.ref` says which index that is.
 *   fields     the declared case fields 0..F-1; the built-in `level` field is F.
 *   enum values  0..n-1 within their enum, as declared (this is their order).
 *   levels     0..L-1 as declared, lowest first.
 *   events     the built-in types 0..11 in the order of ast_builtin_events
 *              (opened=0 ... tick=11), then declared event types 12.. in order.
 *   clocks, ladders, tiers (slas), rules: their own declaration order.
 *
 * Each declaration's `index` and its name's `ref` hold its own index.  Uses set
 * `ref` to the index of what they denote (-1 when the name is unresolved, or is a
 * free name such as a team in `route`):
 *
 *   clock starts/stops/pauses/resumes/resets on   event ids
 *   ladder step clock                               clock index
 *   tier target clock / calendar / tier ladder      clock / calendar / ladder index
 *                                                   (ladder.ref -1 when there is none)
 *   rule event                                      event id
 *   rule label (`as NAME`)                          the rule's index
 *   escalate to LEVEL                               level index
 *   set FIELD                                       field index
 *   require NAME ... [until EVENT]                  until.ref: EVENT's id; target.ref:
 *                                                   the id of the event that meets it
 *                                                   (EVENT, or the event named NAME)
 *   require / review calendar                       calendar index (see above)
 *   route, assign, notify, emit names               -1 (free names)
 *
 * Expressions: see ast_name_kind; NAME_LEVEL_FIELD has ref F.  `used` flags: a
 * calendar is used when a target or action counts in it; a clock when some tier
 * gives it a target; a ladder when some tier names it.
 *
 * The parser owns the header rule (exactly one `policy` line, first): it sees
 * every header while the AST keeps only one.
 *
 * The policy's calendar count, `always` index and default tier (the one tier
 * without `when`) are not stored in the AST: code generation recomputes them from
 * the rules above.  After syntax errors the tree is checked all the same (see
 * "Recovery" in check_report.c, which keeps and prints the diagnostics), but it is
 * never lowered.
 */
#include "check.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_int.h"

/* ---- lookups ------------------------------------------------------------------ */

ast_field *chk_find_field(const chk_ctx *c, const char *name)
{
    for (ast_field *f = c->p->fields; f; f = f->next)
        if (!strcmp(f->name.name, name)) return f;
    return NULL;
}

int chk_find_level(const chk_ctx *c, const char *name)
{
    int i = 0;
    for (const ast_ident *l = c->p->levels; l; l = l->next, i++)
        if (!strcmp(l->name, name)) return i;
    return -1;
}

static int find_event(const chk_ctx *c, const char *name)
{
    for (int i = 0; i < AST_NBUILTIN_EVENTS; i++)
        if (!strcmp(ast_builtin_events[i], name)) return i;
    int i = AST_NBUILTIN_EVENTS;
    for (const ast_ident *e = c->p->events; e; e = e->next, i++)
        if (!strcmp(e->name, name)) return i;
    return -1;
}

static ast_calendar *find_calendar(const chk_ctx *c, const char *name)
{
    for (ast_calendar *k = c->p->calendars; k; k = k->next)
        if (!strcmp(k->name.name, name)) return k;
    return NULL;
}

static ast_clock *find_clock(const chk_ctx *c, const char *name)
{
    for (ast_clock *k = c->p->clocks; k; k = k->next)
        if (!strcmp(k->name.name, name)) return k;
    return NULL;
}

static ast_ladder *find_ladder(const chk_ctx *c, const char *name)
{
    for (ast_ladder *k = c->p->ladders; k; k = k->next)
        if (!strcmp(k->name.name, name)) return k;
    return NULL;
}

/* ---- reporting helpers ----------------------------------------------------------- */

/* Report an undefined name with the closest candidate as a hint, or `fallback`. */
static void undefined(chk_ctx *c, const ast_ident *id, const char *what,
                      const diag_suggest *s, const char *fallback)
{
    char hint[160];
    const char *h = diag_suggest_hint(s, hint, sizeof hint);
    chk_error(c, id->loc, h ? h : fallback, "unknown %s `%s`", what, id->name);
}

static void duplicate(chk_ctx *c, const ast_ident *second, const ast_ident *first,
                      const char *what)
{
    char hint[96];
    snprintf(hint, sizeof hint, "`%s` was first declared on line %d", first->name,
             first->loc.line);
    chk_error(c, second->loc, hint, "duplicate %s `%s`", what, second->name);
}

/* Resolve an event type name; returns its id or -1 (reported). */
static int resolve_event(chk_ctx *c, ast_ident *id)
{
    id->ref = find_event(c, id->name);
    if (id->ref >= 0) return id->ref;
    diag_suggest s;
    diag_suggest_init(&s, id->name);
    for (int i = 0; i < AST_NBUILTIN_EVENTS; i++) diag_suggest_add(&s, ast_builtin_events[i]);
    for (const ast_ident *e = c->p->events; e; e = e->next) diag_suggest_add(&s, e->name);
    undefined(c, id, "event type", &s, "declare it in `events { ... }`");
    return -1;
}

static void resolve_events(chk_ctx *c, ast_ident *list)
{
    for (ast_ident *id = list; id; id = id->next) resolve_event(c, id);
}

static ast_clock *resolve_clock(chk_ctx *c, ast_ident *id)
{
    ast_clock *k = find_clock(c, id->name);
    id->ref = k ? k->index : -1;
    if (k) return k;
    diag_suggest s;
    diag_suggest_init(&s, id->name);
    for (const ast_clock *x = c->p->clocks; x; x = x->next) diag_suggest_add(&s, x->name.name);
    undefined(c, id, "clock", &s, "declare it with `clock NAME starts on EVENT ...`");
    return NULL;
}

/* The declaration a misspelt name most likely meant (for the unused warnings: a
 * typo is reported once, as the typo). */
static void mark_meant(chk_ctx *c, const char *kind, const char *name)
{
    diag_suggest s;
    diag_suggest_init(&s, name);
    if (!strcmp(kind, "calendar")) {
        for (const ast_calendar *x = c->p->calendars; x; x = x->next) diag_suggest_add(&s, x->name.name);
        ast_calendar *k = diag_suggest_best(&s) ? find_calendar(c, diag_suggest_best(&s)) : NULL;
        if (k) k->used = 1;
    } else if (!strcmp(kind, "clock")) {
        for (const ast_clock *x = c->p->clocks; x; x = x->next) diag_suggest_add(&s, x->name.name);
        ast_clock *k = diag_suggest_best(&s) ? find_clock(c, diag_suggest_best(&s)) : NULL;
        if (k) k->used = 1;
    } else {
        for (const ast_ladder *x = c->p->ladders; x; x = x->next) diag_suggest_add(&s, x->name.name);
        ast_ladder *k = diag_suggest_best(&s) ? find_ladder(c, diag_suggest_best(&s)) : NULL;
        if (k) k->used = 1;
    }
}

/* Resolve `on CAL` (or its absence: the `always` calendar) and mark it used. */
static void resolve_calendar(chk_ctx *c, ast_ident *id)
{
    if (!id->name) {
        id->ref = c->always_cal;
        ast_calendar *a = find_calendar(c, "always");
        if (a) a->used = 1;
        return;
    }
    ast_calendar *k = find_calendar(c, id->name);
    if (k) {
        k->used = 1;
        id->ref = k->index;
        return;
    }
    if (!strcmp(id->name, "always")) {
        id->ref = c->always_cal;
        return;
    }
    id->ref = -1;
    diag_suggest s;
    diag_suggest_init(&s, id->name);
    for (const ast_calendar *x = c->p->calendars; x; x = x->next) diag_suggest_add(&s, x->name.name);
    diag_suggest_add(&s, "always");
    undefined(c, id, "calendar", &s, "declare it with `calendar NAME { hours ... }`");
    mark_meant(c, "calendar", id->name);
}

/* ---- header and namespaces ------------------------------------------------------ */

/* First declarations by name, so duplicates are found in linear time: a
 * generated policy with 100,000 tiers must not cost a quadratic scan.  Storage
 * comes from the policy's arena and dies with it. */
typedef struct nameset {
    const ast_ident **slot;
    size_t cap, n;
    ast_policy *p;
} nameset;

static uint64_t name_hash(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

/* Record `id`; returns the earlier identifier of the same name, or NULL. */
static const ast_ident *nameset_add(nameset *set, const ast_ident *id)
{
    if ((set->n + 1) * 2 > set->cap) {
        size_t cap = set->cap ? set->cap * 2 : 64;
        const ast_ident **slot = ast_alloc(set->p, cap * sizeof *slot);
        for (size_t i = 0; i < set->cap; i++) {
            if (!set->slot[i]) continue;
            size_t j = name_hash(set->slot[i]->name) & (cap - 1);
            while (slot[j]) j = (j + 1) & (cap - 1);
            slot[j] = set->slot[i];
        }
        set->slot = slot;
        set->cap = cap;
    }
    size_t j = name_hash(id->name) & (set->cap - 1);
    for (; set->slot[j]; j = (j + 1) & (set->cap - 1))
        if (!strcmp(set->slot[j]->name, id->name)) return set->slot[j];
    set->slot[j] = id;
    set->n++;
    return NULL;
}

/* Report `id` if `set` already holds its name. */
static void declare_once(chk_ctx *c, nameset *set, const ast_ident *id, const char *what)
{
    const ast_ident *first = nameset_add(set, id);
    if (first) duplicate(c, id, first, what);
}

/* Number a list of identifiers and report duplicates within it. */
static int number_idents(chk_ctx *c, ast_ident *list, int base, const char *what)
{
    nameset set = {.p = c->p};
    int n = 0;
    for (ast_ident *id = list; id; id = id->next, n++) {
        id->ref = base + n;
        declare_once(c, &set, id, what);
    }
    return n;
}

/* Set every declaration's index and report names declared twice. */
static void declare(chk_ctx *c)
{
    ast_policy *p = c->p;
    nameset calendars = {.p = p}, fields = {.p = p}, clocks = {.p = p}, ladders = {.p = p},
            tiers = {.p = p}, labels = {.p = p};
    int i = 0;
    for (ast_calendar *k = p->calendars; k; k = k->next, i++) {
        k->index = i;
        k->name.ref = i;
        declare_once(c, &calendars, &k->name, "calendar");
    }
    c->ncalendars = i;
    ast_calendar *always = find_calendar(c, "always");
    c->always_cal = always ? always->index : i;

    i = 0;
    for (ast_field *f = p->fields; f; f = f->next, i++) {
        f->index = i;
        f->name.ref = i;
        if (!strcmp(f->name.name, "level")) {
            chk_error(c, f->name.loc, "every case has a `level` field: it holds the escalation level",
                       "`level` is a built-in field");
            continue;
        }
        declare_once(c, &fields, &f->name, "field");
        if (f->kind == TY_ENUM) {
            int n = 0;
            for (ast_ident *v = f->values; v; v = v->next, n++) {
                v->ref = n;
                for (ast_ident *w = f->values; w != v; w = w->next)
                    if (!strcmp(w->name, v->name)) {
                        char hint[96];
                        snprintf(hint, sizeof hint, "`%s` was first declared on line %d",
                                 w->name, w->loc.line);
                        chk_error(c, v->loc, hint, "duplicate value `%s` in enum `%s`",
                                   v->name, f->name.name);
                        break;
                    }
            }
            f->nvalues = n;
        }
    }
    c->nfields = i;

    c->nlevels = number_idents(c, p->levels, 0, "level");
    for (ast_ident *e = p->events; e; e = e->next)
        for (int b = 0; b < AST_NBUILTIN_EVENTS; b++)
            if (!strcmp(ast_builtin_events[b], e->name)) {
                chk_error(c, e->loc, "built-in event types need no declaration: remove it",
                           "`%s` is already a built-in event type", e->name);
                break;
            }
    number_idents(c, p->events, AST_NBUILTIN_EVENTS, "event type");

    i = 0;
    for (ast_clock *k = p->clocks; k; k = k->next, i++) {
        k->index = i;
        k->name.ref = i;
        declare_once(c, &clocks, &k->name, "clock");
    }
    i = 0;
    for (ast_ladder *k = p->ladders; k; k = k->next, i++) {
        k->index = i;
        k->name.ref = i;
        declare_once(c, &ladders, &k->name, "ladder");
    }
    i = 0;
    for (ast_sla *k = p->slas; k; k = k->next, i++) {
        k->index = i;
        k->name.ref = i;
        declare_once(c, &tiers, &k->name, "tier");
    }
    i = 0;
    for (ast_rule *r = p->rules; r; r = r->next, i++) {
        r->index = i;
        r->label.ref = i;
        if (r->label.name) declare_once(c, &labels, &r->label, "rule name");
    }
}

/* ---- durations and actions ------------------------------------------------------- */

/* A duration that must be positive, counted in `cal` (absent: `always`). */
static void check_within(chk_ctx *c, const ast_duration *dur, ast_ident *cal)
{
    char text[64];
    if (dur->amount <= 0)
        chk_error(c, dur->loc, NULL, "duration `%s` must be longer than zero",
                   chk_src_text(c, dur->loc, text, sizeof text));
    else if (dur->unit == DUR_WORKING_DAYS && !cal->name)
        chk_error(c, dur->loc,
                   "working days count in a calendar: add `on CALENDAR`, e.g. `on business`",
                   "`%s` needs a calendar", chk_src_text(c, dur->loc, text, sizeof text));
    resolve_calendar(c, cal);
}

/* `on CAL[FIELD]`: FIELD is an enum field and every value V of it has a calendar
 * `CAL[V]`, each of which the target then uses.  The calendar of value 0 stands in
 * the target's own `calendar.ref` (lowering makes one target per value). */
static void check_field_calendar(chk_ctx *c, ast_target *g)
{
    char text[64];
    if (g->within.amount <= 0)
        chk_error(c, g->within.loc, NULL, "duration `%s` must be longer than zero",
                   chk_src_text(c, g->within.loc, text, sizeof text));
    g->calendar.ref = -1;
    ast_field *f = chk_find_field(c, g->cal_field.name);
    g->cal_field.ref = -1;
    if (!f || f->kind != TY_ENUM) {
        chk_error(c, g->cal_field.loc, "the calendar is chosen by an enum field: one calendar per value",
                   f ? "field `%s` is not an enum" : "unknown field `%s`", g->cal_field.name);
        return;
    }
    int fi = 0;
    for (const ast_field *x = c->p->fields; x && x != f; x = x->next) fi++;
    g->cal_field.ref = fi;
    for (const ast_ident *v = f->values; v; v = v->next) {
        size_t n = strlen(g->calendar.name) + strlen(v->name) + 3;
        char *name = malloc(n);
        if (!name) abort();
        snprintf(name, n, "%s[%s]", g->calendar.name, v->name);
        ast_calendar *k = find_calendar(c, name);
        if (k) {
            k->used = 1;
            if (v == f->values) g->calendar.ref = k->index;
        } else {
            char hint[200];
            snprintf(hint, sizeof hint, "declare `calendar %s { ... }`: every value of `%s` needs one",
                     name, f->name.name);
            chk_error(c, g->calendar.loc, hint, "no calendar for `%s = %s`: `%s` is missing",
                       f->name.name, v->name, name);
        }
        free(name);
    }
}

static void check_actions(chk_ctx *c, ast_action *list)
{
    ast_type none = {TY_ERROR, NULL};
    for (ast_action *a = list; a; a = a->next) {
        a->target.ref = -1;
        a->until.ref = -1;
        a->calendar.ref = -1;
        switch (a->kind) {
        case ACT_ROUTE:
        case ACT_ASSIGN:
        case ACT_NOTIFY: break;
        case ACT_ESCALATE: {
            a->target.ref = chk_find_level(c, a->target.name);
            if (a->target.ref >= 0) break;
            diag_suggest s;
            diag_suggest_init(&s, a->target.name);
            for (const ast_ident *l = c->p->levels; l; l = l->next) diag_suggest_add(&s, l->name);
            undefined(c, &a->target, "level", &s,
                      c->p->levels ? "`escalate to` names one of the declared `levels`"
                                   : "declare levels with `levels { ... }`");
            break;
        }
        case ACT_SET: {
            if (!strcmp(a->target.name, "level")) {
                chk_error(c, a->target.loc, "use `escalate to LEVEL` to raise the level",
                           "`level` cannot be set");
                ast_type lv = {TY_LEVEL, NULL};
                chk_expr(c, a->value, lv); /* type it, but say nothing more */
                break;
            }
            ast_field *f = chk_find_field(c, a->target.name);
            if (!f) {
                diag_suggest s;
                diag_suggest_init(&s, a->target.name);
                for (const ast_field *g = c->p->fields; g; g = g->next)
                    diag_suggest_add(&s, g->name.name);
                undefined(c, &a->target, "field", &s, "declare it in `case { ... }`");
                /* Without the field a bare value cannot be resolved: no follow-on error. */
                ast_expr *v = a->value;
                if (v->kind == EX_NAME && strcmp(v->u.sval, "level") && !chk_find_field(c, v->u.sval))
                    v->type = none;
                else
                    chk_expr(c, v, none);
                break;
            }
            a->target.ref = f->index;
            ast_type want = {f->kind, f->kind == TY_ENUM ? f : NULL};
            ast_type got = chk_expr(c, a->value, want);
            if (got.kind != TY_ERROR &&
                (got.kind != want.kind || (want.kind == TY_ENUM && got.enum_of != f))) {
                char t1[64], d1[64], d2[64];
                chk_error(c, a->value->loc, NULL, "cannot set `%s` (%s) to `%s` (%s)",
                           f->name.name, chk_type_desc(want, d1, sizeof d1),
                           chk_src_text(c, a->value->loc, t1, sizeof t1),
                           chk_type_desc(got, d2, sizeof d2));
            }
            break;
        }
        case ACT_REQUIRE:
            check_within(c, &a->within, &a->calendar);
            if (a->until.name) {
                a->target.ref = resolve_event(c, &a->until);
            } else {
                a->target.ref = find_event(c, a->target.name);
                if (a->target.ref < 0) {
                    char hint[192];
                    snprintf(hint, sizeof hint,
                             "it is met by an event `%s`: declare it in `events { ... }`, "
                             "or add `until EVENT`", a->target.name);
                    chk_error(c, a->target.loc, hint, "unknown event type `%s`",
                               a->target.name);
                }
            }
            break;
        case ACT_REVIEW: check_within(c, &a->within, &a->calendar); break;
        case ACT_EMIT:
            for (ast_expr *e = a->value; e; e = e->next) chk_expr(c, e, none);
            break;
        }
    }
}

/* ---- clocks, ladders, tiers, rules ------------------------------------------------- */

static void check_clock(chk_ctx *c, ast_clock *k)
{
    if (!k->starts_on)
        chk_error(c, k->name.loc, "add `starts on EVENT`", "clock `%s` never starts",
                   k->name.name);
    resolve_events(c, k->starts_on);
    resolve_events(c, k->stops_on);
    resolve_events(c, k->pauses_on);
    resolve_events(c, k->resumes_on);
    resolve_events(c, k->resets_on);
    if (k->pauses_while) chk_condition(c, k->pauses_while);
}

/* Where a step fires: percentages of the target, then offsets from the breach. */
typedef struct step_key {
    int relative;   /* 0: N% of the target; 1: breach-relative */
    int64_t value;  /* percent, or signed offset from the breach */
    ast_dur_unit unit;
} step_key;

static step_key key_of(const ast_step *s)
{
    step_key k = {0, s->percent, DUR_SECONDS};
    if (s->kind != STEP_PERCENT) {
        k.relative = 1;
        k.unit = s->offset.unit;
        k.value = s->kind == STEP_BEFORE ? -s->offset.amount : s->offset.amount;
    }
    return k;
}

/* The step's trigger, `at ... of CLOCK`, for underlining. */
static src_loc trigger_loc(const ast_step *s)
{
    src_loc l = s->loc;
    if (s->clock.loc.line == l.line) {
        l.end_line = l.line;
        l.end_col = s->clock.loc.end_col;
    }
    return l;
}

static void check_ladder(chk_ctx *c, ast_ladder *ld)
{
    for (ast_step *s = ld->steps; s; s = s->next) {
        ast_clock *k = resolve_clock(c, &s->clock);
        char text[64];
        if (s->kind == STEP_PERCENT && (s->percent < 1 || s->percent > 100))
            chk_error(c, trigger_loc(s),
                      s->percent < 1 ? "a step at 0% would fire as the clock starts: use 1% to 100%"
                                     : "use a percentage from 1% to 100%",
                       "percentage %d%% is out of range", s->percent);
        if (s->kind == STEP_BEFORE && s->offset.amount <= 0)
            chk_error(c, s->offset.loc, NULL, "duration `%s` must be longer than zero",
                       chk_src_text(c, s->offset.loc, text, sizeof text));
        if (s->kind == STEP_BREACH && s->offset.amount < 0)
            chk_error(c, s->offset.loc, NULL, "duration `%s` must not be negative",
                       chk_src_text(c, s->offset.loc, text, sizeof text));
        check_actions(c, s->actions);
        if (!k) continue;
        /* The previous step of the same clock in this ladder. */
        const ast_step *prev = NULL;
        for (const ast_step *t = ld->steps; t != s; t = t->next)
            if (t->clock.ref == k->index) prev = t;
        if (!prev) continue;
        step_key a = key_of(prev), b = key_of(s);
        int order; /* <0: fires earlier than prev, 0: same instant, >0: later, 2: unknown */
        if (a.relative != b.relative)
            order = b.relative ? 1 : -1;
        else if (a.relative && a.unit != b.unit && a.value && b.value)
            order = 2;
        else
            order = (b.value > a.value) - (b.value < a.value);
        if (order == 0) {
            char hint[96];
            snprintf(hint, sizeof hint, "merge it with the step on line %d", prev->loc.line);
            chk_error(c, trigger_loc(s), hint,
                       "this step of `%s` fires at the same time as the one on line %d",
                       k->name.name, prev->loc.line);
        } else if (order < 0) {
            chk_error(c, trigger_loc(s),
                       "order the steps of one clock as they fire: percentages, "
                       "`before breach`, `breach`, `breach + DURATION`",
                       "this step of `%s` fires before the one on line %d", k->name.name,
                       prev->loc.line);
        }
    }
}

static void check_sla(chk_ctx *c, ast_sla *t, ast_sla **default_tier)
{
    if (t->when) {
        chk_condition(c, t->when);
    } else if (*default_tier) {
        char hint[160];
        snprintf(hint, sizeof hint,
                 "`%s` on line %d is already the default; give this tier a `when` condition",
                 (*default_tier)->name.name, (*default_tier)->name.loc.line);
        chk_error(c, t->name.loc, hint, "a second default tier `%s`", t->name.name);
    } else {
        *default_tier = t;
    }
    for (ast_target *g = t->targets; g; g = g->next) {
        ast_clock *k = resolve_clock(c, &g->clock);
        if (!k) mark_meant(c, "clock", g->clock.name);
        if (k) {
            k->used = 1;
            for (ast_target *f = t->targets; f != g; f = f->next)
                if (f->clock.ref == k->index) {
                    char hint[96];
                    snprintf(hint, sizeof hint, "the first target for `%s` is on line %d",
                             k->name.name, f->clock.loc.line);
                    chk_error(c, g->clock.loc, hint,
                               "clock `%s` has two targets in tier `%s`", k->name.name,
                               t->name.name);
                    break;
                }
        }
        if (g->cal_field.name) check_field_calendar(c, g);
        else check_within(c, &g->within, &g->calendar);
    }
    if (t->ladder.name) {
        ast_ladder *l = find_ladder(c, t->ladder.name);
        t->ladder.ref = l ? l->index : -1;
        if (l) {
            l->used = 1;
        } else {
            diag_suggest s;
            diag_suggest_init(&s, t->ladder.name);
            for (const ast_ladder *x = c->p->ladders; x; x = x->next)
                diag_suggest_add(&s, x->name.name);
            undefined(c, &t->ladder, "ladder", &s, "declare it with `ladder NAME { ... }`");
            mark_meant(c, "ladder", t->ladder.name);
        }
    } else {
        t->ladder.ref = -1;
    }
}

/* A rule condition that never or always holds: folded when it mentions no
 * field, else proved over the fields' values (coverage.c). */
static void warn_constant(chk_ctx *c, const ast_expr *cond, const char *if_true,
                          const char *if_false)
{
    int v, never, always;
    if (chk_constant_condition(cond, &v)) {
        never = !v;
        always = v;
    } else if (!chk_condition_range(c, cond, &never, &always)) {
        return;
    }
    if (!never && !always) return;
    chk_report_code(c, DIAG_WARNING, always ? "W015" : "W014", cond->loc,
                    always ? if_true : if_false, "condition is always %s",
                    always ? "true" : "false");
}

static void check_rule(chk_ctx *c, ast_rule *r)
{
    resolve_event(c, &r->event);
    if (r->when) chk_condition(c, r->when); /* proved never/always later: warn_constant */
    check_actions(c, r->actions);
}

/* ---- warnings -------------------------------------------------------------------- */

/* Pairs of tiers the shadowing lint compares at most: it is quadratic by nature,
 * and a generated policy of 100,000 tiers must still check in a second. */
#define CHK_SHADOW_PAIRS 2000000L

static void warn_shadowed(chk_ctx *c)
{
    long budget = CHK_SHADOW_PAIRS;
    for (ast_sla *t = c->p->slas; t; t = t->next) {
        if (!t->when || chk_has_error(t->when)) continue;
        for (ast_sla *e = c->p->slas; e != t; e = e->next) {
            if (--budget < 0) {
                chk_report(c, DIAG_NOTE, t->name.loc, NULL,
                           "too many tiers to look for shadowed ones: stopped at `%s`",
                           t->name.name);
                return;
            }
            if (!e->when || chk_has_error(e->when)) continue;
            if (!chk_implies(c, t->when, e->when)) continue;
            char hint[256];
            snprintf(hint, sizeof hint,
                     "`%s` comes first and matches every case that `%s` matches; "
                     "move `%s` above it",
                     e->name.name, t->name.name, t->name.name);
            chk_report_code(c, DIAG_WARNING, "W010", t->name.loc, hint,
                            "tier `%s` is shadowed by `%s` on line %d",
                      t->name.name, e->name.name, e->name.loc.line);
            break;
        }
    }
}

static void warn_unused(chk_ctx *c)
{
    /* A second declaration of a name is already an error: say nothing more of it. */
    for (ast_clock *k = c->p->clocks; k; k = k->next)
        if (!k->used && find_clock(c, k->name.name) == k)
            chk_report_code(c, DIAG_WARNING, "W001", k->name.loc,
                            "no tier gives it a target, so it never runs",
                      "clock `%s` is never given a target", k->name.name);
    for (ast_ladder *l = c->p->ladders; l; l = l->next)
        if (!l->used && find_ladder(c, l->name.name) == l)
            chk_report_code(c, DIAG_WARNING, "W002", l->name.loc, "name it in a tier: `ladder NAME`",
                      "ladder `%s` is never used", l->name.name);
    for (ast_calendar *k = c->p->calendars; k; k = k->next)
        if (!k->used && find_calendar(c, k->name.name) == k)
            chk_report_code(c, DIAG_WARNING, "W003", k->name.loc,
                            "no target or action counts time in it",
                      "calendar `%s` is never used", k->name.name);
}

/* `starts late from change` decides where a clock counts from when a tier gives
 * it its first target after its start event; with a default tier and a target
 * for it in every tier, that never happens. */
static void warn_late_start(chk_ctx *c, const ast_sla *default_tier)
{
    if (!default_tier) return; /* a case may have no tier at all */
    for (const ast_clock *k = c->p->clocks; k; k = k->next) {
        if (!k->late_from_change) continue;
        const ast_sla *t = c->p->slas;
        for (; t; t = t->next) {
            const ast_target *g = t->targets;
            while (g && (!g->clock.name || strcmp(g->clock.name, k->name.name))) g = g->next;
            if (!g) break;
        }
        if (!t)
            chk_report_code(c, DIAG_WARNING, "W004", k->late_loc,
                            "it only matters when a case's tier gives the clock no target",
                      "clock `%s` has a target in every tier, so it never starts late",
                      k->name.name);
    }
}

/* `required on E, ...`: known event types, not `tick` (it has no case), each
 * once. */
static void check_required(chk_ctx *c, ast_field *f)
{
    for (ast_ident *e = f->required_on; e; e = e->next) {
        if (resolve_event(c, e) < 0) continue;
        if (!strcmp(e->name, "tick")) {
            chk_error(c, e->loc, "a `tick` only moves time: it has no case and carries no field",
                      "`tick` cannot require a field");
            continue;
        }
        for (const ast_ident *d = f->required_on; d != e; d = d->next)
            if (d->ref == e->ref) {
                chk_error(c, e->loc, NULL, "`%s` is listed twice", e->name);
                break;
            }
    }
}

/* `reopen [on E, ...] within D`: a period above zero and at most ten years (the
 * engine keeps a closed case for twice it); events that can reach a closed case
 * (not `opened`, which opens a new one, `closed` or `tick`), each once. */
#define REOPEN_MAX_S (3650 * 86400LL)
static void check_reopen(chk_ctx *c, ast_policy *p)
{
    if (!p->has_reopen) return;
    int64_t s = p->reopen_within.amount;
    if (s <= 0)
        chk_error(c, p->reopen_within.loc, "a closed case that can never come back needs no "
                  "`reopen`", "the reopen period must be longer than zero");
    else if (s > REOPEN_MAX_S)
        chk_error(c, p->reopen_within.loc, "closed cases are kept in memory for the period",
                  "the reopen period is at most 3650d");
    for (ast_ident *e = p->reopen_on; e; e = e->next) {
        if (resolve_event(c, e) < 0) continue;
        if (!strcmp(e->name, "opened") || !strcmp(e->name, "closed") || !strcmp(e->name, "tick")) {
            chk_error(c, e->loc,
                      !strcmp(e->name, "opened") ? "`opened` for a closed case's id opens a new case"
                      : !strcmp(e->name, "tick") ? "a `tick` has no case"
                                                 : "the case is closed already",
                      "`%s` cannot reopen a case", e->name);
            continue;
        }
        for (const ast_ident *d = p->reopen_on; d != e; d = d->next)
            if (d->ref == e->ref) {
                chk_error(c, e->loc, NULL, "`%s` is listed twice", e->name);
                break;
            }
    }
}

int chk_policy(ast_policy *p, diag_ctx *d)
{
    chk_ctx c = {.p = p, .d = d};
    int errors0 = d->errors;

    /* A tree with syntax errors has gaps: see "Recovery" above for what is
     * still reported. */
    c.partial = d->errors > 0;
    declare(&c);
    for (ast_field *f = p->fields; f; f = f->next) check_required(&c, f);
    check_reopen(&c, p);
    for (ast_calendar *k = p->calendars; k; k = k->next) chk_calendar(&c, k);
    for (ast_clock *k = p->clocks; k; k = k->next) check_clock(&c, k);
    for (ast_ladder *l = p->ladders; l; l = l->next) check_ladder(&c, l);
    ast_sla *default_tier = NULL;
    for (ast_sla *t = p->slas; t; t = t->next) check_sla(&c, t, &default_tier);
    for (ast_rule *r = p->rules; r; r = r->next) check_rule(&c, r);

    /* Proofs over a policy with errors would only add noise to them. */
    int errors = c.partial;
    for (int i = 0; i < c.npending; i++) errors += c.pending[i].level == DIAG_ERROR;
    if (!errors && !chk_tier_coverage(&c, default_tier)) warn_shadowed(&c);
    if (!errors) chk_lint(&c);
    if (!errors)
        for (ast_rule *r = p->rules; r; r = r->next)
            if (r->when) warn_constant(&c, r->when, "drop the `when`: the rule runs on every such event",
                                       "the rule never runs");
    warn_unused(&c);
    warn_late_start(&c, default_tier);
    chk_flush(&c);
    return d->errors - errors0;
}
