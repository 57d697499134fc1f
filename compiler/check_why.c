/*
 * check_why.c - why a tier's condition held or failed on a case's values
 * (include/slatec.h, slatec_tiers_why): the clause that decided it, as the
 * author wrote it, and the fields that clause reads.
 *
 * The values come from the caller (`slate explain` rebuilds them from a
 * decision log); the truth of each clause is the checker's constant folding
 * with fields read from them (check_expr.c, chk_eval_condition), not a second
 * evaluator.  It does not choose a tier: the caller walks the tiers in the
 * engine's order and compares its choice with the engine's.
 */
#include <stdlib.h>
#include <string.h>

#include "check_int.h"
#include "tiers_int.h"

int why_index(struct slatec_tiers *t)
{
    int n = 0, f = 0;
    for (const ast_sla *s = t->u.ast->slas; s; s = s->next) n++;
    for (const ast_field *x = t->u.ast->fields; x; x = x->next) f++;
    t->slas = calloc(n ? (size_t)n : 1, sizeof *t->slas);
    if (!t->slas) return -1;
    n = 0;
    for (const ast_sla *s = t->u.ast->slas; s; s = s->next) t->slas[n++] = s;
    t->n = n;
    t->nfields = f;
    return 0;
}

void slatec_tiers_free(slatec_tiers *t)
{
    if (!t) return;
    fe_release(&t->u);
    free(t->slas);
    free(t);
}

int slatec_tiers_count(const slatec_tiers *t)
{
    return t ? t->n : -1;
}

/* The clause that gave `e` the value `val` (see slatec_why). */
static const ast_expr *decider(const ast_expr *e, const chk_env *env, int val)
{
    for (;;) {
        if (!((e->kind == EX_AND && !val) || (e->kind == EX_OR && val))) return e;
        int l;
        if (!chk_eval_condition(e->u.bin.l, env, &l)) return e;
        e = l == val ? e->u.bin.l : e->u.bin.r;
    }
}

static void add_read(slatec_why *w, int f)
{
    int n = w->nreads < SLATEC_WHY_READS ? w->nreads : SLATEC_WHY_READS;
    for (int i = 0; i < n; i++)
        if (w->reads[i] == f) return;
    if (w->nreads < SLATEC_WHY_READS) w->reads[w->nreads] = f;
    w->nreads++;
}

/* Fields read by `e`, in the order written.  Depth is bounded by the parser
 * (AST_MAX_EXPR_DEPTH), as for every other pass. */
static void reads_of(const ast_expr *e, slatec_why *w)
{
    switch (e->kind) {
    case EX_NAME:
        if (e->name_kind == NAME_FIELD) add_read(w, e->ref);
        else if (e->name_kind == NAME_LEVEL_FIELD) add_read(w, -1);
        return;
    case EX_NOT: reads_of(e->u.operand, w); return;
    case EX_AND:
    case EX_OR:
    case EX_CMP:
        reads_of(e->u.bin.l, w);
        reads_of(e->u.bin.r, w);
        return;
    case EX_IN:
        reads_of(e->u.in.l, w);
        for (const ast_expr *i = e->u.in.items; i; i = i->next) reads_of(i, w);
        return;
    default: return;
    }
}

int slatec_tiers_why(const slatec_tiers *t, int tier, const slate_value *values, size_t nvalues,
                     int level, slatec_why *out)
{
    if (!t || !out || tier < 0 || tier >= t->n || (t->nfields && !values) ||
        nvalues < (size_t)t->nfields)
        return SLATE_MISUSE;
    memset(out, 0, sizeof *out);
    out->tier = tier;
    const ast_expr *cond = t->slas[tier]->when;
    if (!cond) return SLATE_OK;
    out->has_cond = 1;
    chk_value small[16], *vals = small;
    if (t->nfields > 16 && !(vals = malloc((size_t)t->nfields * sizeof *vals))) return SLATE_NOMEM;
    for (int f = 0; f < t->nfields; f++) vals[f] = (chk_value){values[f].i, values[f].s, values[f].len};
    chk_env env = {vals, (size_t)t->nfields, level};
    int held = 0;
    /* A checked policy's conditions always evaluate; a failure here is ours. */
    int ok = chk_eval_condition(cond, &env, &held);
    const ast_expr *c = ok ? decider(cond, &env, held) : cond;
    out->held = held;
    out->line = c->loc.line;
    out->col = c->loc.col;
    out->end_line = c->loc.end_line;
    out->end_col = c->loc.end_col;
    reads_of(c, out);
    if (vals != small) free(vals);
    return ok ? SLATE_OK : SLATEC_INTERNAL;
}
