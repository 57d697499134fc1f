/*
 * select.c - the plan of the tier selection block: where each failing test
 * jumps (docs/bytecode.md, "Decision tree").
 *
 * Place in the pipeline: gen.c asks for the plan before it emits the selection
 * block.  Each tier's condition is split into its top-level conjuncts; a
 * conjunct over one enum field, bool field or `level` against constants is an
 * "atom" meaning "that variable's value is in this set".  Walking the tiers in
 * file order, we track the values each variable may still have on every jump,
 * and send a failing conjunct to the first later tier that is not certainly
 * false there; a conjunct certainly true on every path that reaches it is not
 * tested at all.  Pure analysis: it emits nothing and changes no semantics.
 */
#include <string.h>

#include "lower_int.h"
#include "select.h"

/* An atom: variable `var` (a field index, or nfields for `level`) is in `set`. */
typedef struct atom {
    int var;        /* -1: not an atom */
    uint64_t set;
    uint64_t dom;   /* every value the variable can have */
} atom;

/* The variable an expression names (-1 if none) and the size of its domain. */
static int var_of(const cg_program *cg, const ast_expr *e, int *n)
{
    if (e->kind != EX_NAME) return -1;
    int f = -1;
    if (e->name_kind == NAME_FIELD) f = e->ref;
    else if (e->name_kind == NAME_LEVEL_FIELD || (e->name_kind == NAME_UNRESOLVED && !strcmp(e->u.sval, "level")))
        f = (int)cg->fields.n;
    else if (e->name_kind == NAME_UNRESOLVED) f = cg_field(cg, e->u.sval);
    if (f < 0) return -1;
    if (f == (int)cg->fields.n) *n = (int)cg->levels.n;
    else if (cg->fields.v[f].type == PT_ENUM) *n = (int)cg->fields.v[f].nvalues;
    else if (cg->fields.v[f].type == PT_BOOL) *n = 2;
    else return -1;
    return *n >= 1 && *n <= 64 ? f : -1;
}

/* The index of constant `e` in the domain of variable `var`, or -1. */
static int64_t const_of(const cg_program *cg, const ast_expr *e, int var)
{
    if (var < (int)cg->fields.n && cg->fields.v[var].type == PT_BOOL)
        return e->kind == EX_BOOL ? e->u.ival : -1;
    if (e->kind != EX_NAME) return -1;
    if (e->name_kind == NAME_ENUM_VALUE || e->name_kind == NAME_LEVEL) return e->ref;
    if (e->name_kind != NAME_UNRESOLVED) return -1;
    return var == (int)cg->fields.n ? cg_level(cg, e->u.sval) : cg_enum_value(cg, var, e->u.sval);
}

static uint64_t dom(int n) { return n >= 64 ? ~UINT64_C(0) : (UINT64_C(1) << n) - 1; }

static atom classify(const cg_program *cg, const ast_expr *e)
{
    atom a = {-1, 0, 0};
    int n = 0, v;
    switch (e->kind) {
    case EX_NAME:
        if ((v = var_of(cg, e, &n)) >= 0 && v < (int)cg->fields.n && cg->fields.v[v].type == PT_BOOL)
            a = (atom){v, 2, 3};
        return a;
    case EX_NOT: {
        atom x = classify(cg, e->u.operand);
        x.set = ~x.set & x.dom;
        return x;
    }
    case EX_IN: {
        if ((v = var_of(cg, e->u.in.l, &n)) < 0) return a;
        uint64_t s = 0;
        for (const ast_expr *i = e->u.in.items; i; i = i->next) {
            int64_t c = const_of(cg, i, v);
            if (c < 0 || c >= n) return a;
            s |= UINT64_C(1) << c;
        }
        return (atom){v, s, dom(n)};
    }
    case EX_CMP: {
        const ast_expr *x = e->u.bin.l, *k = e->u.bin.r;
        ast_cmp_op op = e->u.bin.op;
        if ((v = var_of(cg, x, &n)) < 0) {
            static const ast_cmp_op mirror[] = {CMP_EQ, CMP_NE, CMP_GT, CMP_GE, CMP_LT, CMP_LE};
            x = e->u.bin.r;
            k = e->u.bin.l;
            op = mirror[op];
            if ((v = var_of(cg, x, &n)) < 0) return a;
        }
        int64_t c = const_of(cg, k, v);
        if (c < 0 || c >= n) return a;
        uint64_t s = 0;
        for (int u = 0; u < n; u++) {
            int in = op == CMP_EQ ? u == c : op == CMP_NE ? u != c : op == CMP_LT ? u < c
                   : op == CMP_LE ? u <= c : op == CMP_GT ? u > c : u >= c;
            if (in) s |= UINT64_C(1) << u;
        }
        return (atom){v, s, dom(n)};
    }
    default: return a;
    }
}

static void flatten(const ast_expr *e, const ast_expr ***v, int *n, int *cap)
{
    if (e->kind == EX_AND) {
        flatten(e->u.bin.l, v, n, cap);
        flatten(e->u.bin.r, v, n, cap);
        return;
    }
    if (*n == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        *v = realloc(*v, (size_t)*cap * sizeof **v);
        if (!*v) abort();
    }
    (*v)[(*n)++] = e;
}

/* Is tier j certainly false when the variables lie in `k` and `failed` (a
 * conjunct that just failed) is false? */
static int certainly_false(const sel_tier *t, const uint64_t *k, const ast_expr *failed)
{
    for (int c = 0; c < t->nconj; c++) {
        if (t->atoms_var[c] >= 0 && !(t->atoms_set[c] & k[t->atoms_var[c]])) return 1;
        if (failed && ast_expr_equal(t->conj[c], failed, NULL)) return 1;
    }
    return 0;
}

int sel_plan_build(const cg_program *cg, sel_plan *p)
{
    memset(p, 0, sizeof *p);
    const ast_policy *a = cg->ast;
    int nvars = (int)cg->fields.n + 1, i = 0;
    for (const ast_sla *s = a->slas; s; s = s->next) p->n += s->when != NULL;
    p->t = calloc((size_t)p->n + 1, sizeof *p->t);
    uint64_t *entry = calloc((size_t)(p->n + 1) * (size_t)nvars, sizeof *entry);
    uint64_t *k = calloc((size_t)nvars, sizeof *k), *full = calloc((size_t)nvars, sizeof *full);
    if (!p->t || !entry || !k || !full) abort();
    for (int v = 0; v < nvars; v++) {
        int n = v == nvars - 1 ? (int)cg->levels.n
              : cg->fields.v[v].type == PT_ENUM ? (int)cg->fields.v[v].nvalues
              : cg->fields.v[v].type == PT_BOOL ? 2 : 64;
        full[v] = dom(n > 64 ? 64 : n);
    }
    uint32_t ti = 0;
    for (const ast_sla *s = a->slas; s; s = s->next, ti++) {
        if (!s->when) continue;
        sel_tier *t = &p->t[i++];
        t->tier = ti;
        t->sla = s;
        int cap = 0;
        flatten(s->when, &t->conj, &t->nconj, &cap);
        t->atoms_var = malloc((size_t)t->nconj * sizeof *t->atoms_var);
        t->atoms_set = malloc((size_t)t->nconj * sizeof *t->atoms_set);
        t->target = malloc((size_t)t->nconj * sizeof *t->target);
        if (!t->atoms_var || !t->atoms_set || !t->target) abort();
        for (int c = 0; c < t->nconj; c++) {
            atom at = classify(cg, t->conj[c]);
            t->atoms_var[c] = at.var;
            t->atoms_set[c] = at.set;
        }
    }
    if (p->n) {
        p->t[0].reached = 1;
        memcpy(entry, full, (size_t)nvars * sizeof *entry);
    }
    for (i = 0; i < p->n; i++) {
        sel_tier *t = &p->t[i];
        if (!t->reached) continue;
        memcpy(k, entry + (size_t)i * nvars, (size_t)nvars * sizeof *k);
        for (int c = 0; c < t->nconj; c++) {
            int v = t->atoms_var[c];
            t->target[c] = -1;
            if (v >= 0 && !(k[v] & ~t->atoms_set[c])) continue; /* certainly true here: no test */
            /* knowledge when conjunct c fails: the earlier ones held */
            uint64_t save = 0;
            if (v >= 0) {
                save = k[v];
                k[v] &= ~t->atoms_set[c];
            }
            int j = i + 1;
            while (j < p->n && certainly_false(&p->t[j], k, t->conj[c])) j++;
            t->target[c] = j;
            if (j < p->n) {
                uint64_t *e = entry + (size_t)j * nvars;
                if (!p->t[j].reached) memcpy(e, k, (size_t)nvars * sizeof *e);
                else for (int w = 0; w < nvars; w++) e[w] |= k[w];
                p->t[j].reached = 1;
            }
            if (v >= 0) k[v] = save & t->atoms_set[c]; /* it held on the way on */
        }
    }
    free(entry);
    free(k);
    free(full);
    return 0;
}

void sel_plan_free(sel_plan *p)
{
    for (int i = 0; i < p->n; i++) {
        free(p->t[i].conj);
        free(p->t[i].atoms_var);
        free(p->t[i].atoms_set);
        free(p->t[i].target);
    }
    free(p->t);
    memset(p, 0, sizeof *p);
}
