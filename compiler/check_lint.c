/*
 * check_lint.c - warnings for policies that are legal but almost certainly not
 * what the author meant: a ladder that escalates down, a `notify`/`route`
 * target that looks like a typo of another, a clock that never stops, a clock
 * that starts and stops (or pauses and resumes) on one event, a `before
 * breach` step longer than a target it applies to.  Runs on a tree the rest of
 * the checker passed without errors (every `ref` resolved); changes nothing.
 * Codes and examples: docs/diagnostics.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_int.h"

static const char *level_name(const chk_ctx *c, int i)
{
    const ast_ident *l = c->p->levels;
    while (l && i-- > 0) l = l->next;
    return l ? l->name : "?";
}

/* The level a step's actions escalate to (the last `escalate`), or -1. */
static int step_level(const ast_step *s, const ast_action **where)
{
    int level = -1;
    for (const ast_action *a = s->actions; a; a = a->next)
        if (a->kind == ACT_ESCALATE && a->target.ref >= 0) {
            level = a->target.ref;
            *where = a;
        }
    return level;
}

/* W020: steps of one clock fire in order (the checker insists), so a later
 * step's `escalate to` at or below an earlier one's does nothing. */
static void lint_ladder_levels(chk_ctx *c, const ast_ladder *ld)
{
    for (const ast_step *s = ld->steps; s; s = s->next) {
        const ast_action *a = NULL;
        int lv = step_level(s, &a);
        if (lv < 0) continue;
        const ast_step *prev = NULL;
        int plv = -1;
        for (const ast_step *t = ld->steps; t != s; t = t->next) {
            const ast_action *x = NULL;
            int l = t->clock.ref == s->clock.ref ? step_level(t, &x) : -1;
            if (l >= plv && l >= 0) {
                plv = l;
                prev = t;
            }
        }
        if (!prev || lv > plv) continue;
        char hint[256];
        snprintf(hint, sizeof hint,
                 "the step on line %d of the same clock fires earlier and already escalates to "
                 "`%s`; escalate to a higher level, or drop this `escalate`",
                 prev->loc.line, level_name(c, plv));
        chk_report_code(c, DIAG_WARNING, "W020", a->loc, hint,
                        "this step escalates to `%s`, %s the level of an earlier step (`%s`)",
                        level_name(c, lv), lv == plv ? "the same as" : "below",
                        level_name(c, plv));
    }
}

/* ---- W021: free names used once that look like a typo of another ------------ */

typedef struct use {
    const ast_ident *id;
    ast_action_kind kind;
} use;

typedef struct uses {
    use *v;
    int n, cap;
} uses;

static void add_use(uses *u, const ast_action *a)
{
    if (u->n == u->cap) {
        u->cap = u->cap ? u->cap * 2 : 32;
        use *nv = realloc(u->v, (size_t)u->cap * sizeof *nv);
        if (!nv) abort();
        u->v = nv;
    }
    u->v[u->n++] = (use){&a->target, a->kind};
}

static void collect_uses(uses *u, const ast_action *list)
{
    for (const ast_action *a = list; a; a = a->next)
        if (a->kind == ACT_ROUTE || a->kind == ACT_NOTIFY || a->kind == ACT_ASSIGN) add_use(u, a);
}

/* `a` and `b` are the same once digits are dropped. */
static int digits_apart(const char *a, const char *b)
{
    for (;;) {
        while (*a >= '0' && *a <= '9') a++;
        while (*b >= '0' && *b <= '9') b++;
        if (*a != *b) return 0;
        if (!*a) return 1;
        a++, b++;
    }
}

/* The three free-name actions share one namespace of people and teams
 * (`assign duty_manager`, `notify duty_manager`); compare across them. */
static void lint_free_names(chk_ctx *c)
{
    uses u = {0};
    for (const ast_ladder *l = c->p->ladders; l; l = l->next)
        for (const ast_step *s = l->steps; s; s = s->next) collect_uses(&u, s->actions);
    for (const ast_rule *r = c->p->rules; r; r = r->next) collect_uses(&u, r->actions);
    /* Quadratic in the distinct names: bounded, a generated policy may have many. */
    if (u.n > 4000) {
        free(u.v);
        return;
    }
    for (int i = 0; i < u.n; i++) {
        const char *name = u.v[i].id->name;
        int count = 0;
        for (int j = 0; j < u.n; j++) count += !strcmp(u.v[j].id->name, name);
        if (count != 1) continue;
        diag_suggest s;
        diag_suggest_init(&s, name);
        for (int j = 0; j < u.n; j++)
            if (strcmp(u.v[j].id->name, name)) diag_suggest_add(&s, u.v[j].id->name);
        const char *best = diag_suggest_best(&s);
        if (!best) continue;
        int best_count = 0;
        for (int j = 0; j < u.n; j++) best_count += !strcmp(u.v[j].id->name, best);
        /* The likely intended name is the one used elsewhere; short names and
         * numbered ones (`team_1`, `team_2`) are too alike to tell. */
        if (best_count < 2 || strlen(name) < 4 || digits_apart(name, best)) continue;
        char hint[256];
        snprintf(hint, sizeof hint, "did you mean `%s`? It is used %d time%s elsewhere", best,
                 best_count, best_count == 1 ? "" : "s");
        static const char *const verb[] = {[ACT_ROUTE] = "route", [ACT_NOTIFY] = "notify",
                                           [ACT_ASSIGN] = "assign"};
        chk_report_code(c, DIAG_WARNING, "W021", u.v[i].id->loc, hint,
                        "`%s %s` is the only use of `%s`", verb[u.v[i].kind], name, name);
    }
    free(u.v);
}

/* ---- clocks ------------------------------------------------------------------------ */

static const ast_ident *common_event(const ast_ident *a, const ast_ident *b)
{
    for (const ast_ident *x = a; x; x = x->next)
        for (const ast_ident *y = b; y; y = y->next)
            if (x->ref >= 0 && x->ref == y->ref) return y;
    return NULL;
}

static void lint_clock(chk_ctx *c, const ast_clock *k)
{
    if (!k->used) return; /* W001 already says it never runs */
    if (!k->stops_on) {
        chk_report_code(c, DIAG_WARNING, "W022", k->name.loc,
                        "without `stops on EVENT` every case breaches it; add the event that "
                        "meets it",
                        "clock `%s` can never stop", k->name.name);
    }
    const ast_ident *e;
    if ((e = common_event(k->starts_on, k->stops_on)))
        chk_report_code(c, DIAG_WARNING, "W024", e->loc,
                        "an event that starts the clock also stops it, so it never counts; "
                        "drop one of them",
                        "clock `%s` starts and stops on `%s`", k->name.name, e->name);
    if ((e = common_event(k->pauses_on, k->resumes_on)))
        chk_report_code(c, DIAG_WARNING, "W024", e->loc,
                        "an event that pauses the clock also resumes it; drop one of them",
                        "clock `%s` pauses and resumes on `%s`", k->name.name, e->name);
}

/* ---- W025: `at D before breach` longer than a target ------------------------------- */

static void lint_before_breach(chk_ctx *c)
{
    for (const ast_ladder *l = c->p->ladders; l; l = l->next)
        for (const ast_step *s = l->steps; s; s = s->next) {
            if (s->kind != STEP_BEFORE || s->clock.ref < 0) continue;
            const ast_sla *worst = NULL;
            const ast_target *wg = NULL;
            for (const ast_sla *t = c->p->slas; t; t = t->next) {
                if (t->ladder.ref != l->index) continue;
                for (const ast_target *g = t->targets; g; g = g->next)
                    /* The offset counts in the target's calendar: same units, comparable. */
                    if (g->clock.ref == s->clock.ref && g->within.unit == s->offset.unit &&
                        s->offset.amount >= g->within.amount &&
                        (!wg || g->within.amount < wg->within.amount)) {
                        worst = t;
                        wg = g;
                    }
            }
            if (!wg) continue;
            char text[64], ttext[64], hint[256];
            snprintf(hint, sizeof hint,
                     "the target of `%s` in tier `%s` (line %d) is `%s`, so the step fires as "
                     "the clock starts",
                     s->clock.name, worst->name.name, wg->loc.line,
                     chk_src_text(c, wg->within.loc, ttext, sizeof ttext));
            chk_report_code(c, DIAG_WARNING, "W025", s->offset.loc, hint,
                            "`%s before breach` is not shorter than a target it applies to",
                            chk_src_text(c, s->offset.loc, text, sizeof text));
        }
}

void chk_lint(chk_ctx *c)
{
    for (const ast_ladder *l = c->p->ladders; l; l = l->next) lint_ladder_levels(c, l);
    lint_free_names(c);
    for (const ast_clock *k = c->p->clocks; k; k = k->next) lint_clock(c, k);
    lint_before_breach(c);
}
