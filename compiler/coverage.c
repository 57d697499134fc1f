/*
 * coverage.c - the coverage proof of `slate check`: which tiers can ever be
 * chosen, which cases get no tier (with a concrete example), and which rule
 * conditions never hold or always hold.  Exact for the condition language; it
 * gives up (saying so, or silently leaving the older lint in check.c to run)
 * rather than guess.  It reports; it fills nothing in the AST.
 *
 * How.  Every condition compares fields (and `level`) with constants or with
 * each other, by ==, !=, <, <=, >, >= and `in`.  For each field the constants
 * it meets split its domain into finitely many classes inside which no
 * comparison can tell two values apart: each constant itself, and each gap
 * between two constants (ints; durations, whole seconds from 0 as events carry
 * them; strings, by equality only: the constants and "any other").  One value
 * stands for each class.  Fields compared with each other form one dimension
 * whose points are tuples, with as many values per gap as fields in the group,
 * so that every order among them is represented.  A condition is then a union
 * of boxes (a set of points per dimension) and tier selection (first match in
 * file order, then the default) is set algebra on unions of boxes: nothing is
 * sampled, so "unreachable" and "no tier" are proofs, and the box that
 * remains uncovered is the counterexample.
 *
 * Costs are bounded: a budget of word operations and of boxes, past which the
 * analysis stops with a note instead of taking long.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_int.h"

/* The most points a group of fields compared with each other may have. */
#define COV_MAX_GROUP_POINTS (1 << 16)
/* The most boxes one union may hold. */
#define COV_MAX_BOXES 100000
/* Word operations (and point evaluations) one analysis may spend. */
#define COV_BUDGET 300000000L
/* The largest whole number of seconds a duration field can hold. */
#define COV_DUR_MAX (INT64_MAX / 1000)

typedef struct cov_var {
    int field;             /* field index; nfields for `level` */
    ast_type_kind type;
    const ast_field *f;    /* NULL for `level` */
    int parent;            /* union-find over fields compared with each other */
    int64_t *ic;           /* constants met (ints, durations) */
    const char **sc;       /* constants met (strings) */
    int nc, capc;
    int ncand;             /* the values standing for its classes, nicest first */
    int64_t *iv;
    const char **sv;
    int dim, stride;
} cov_var;

typedef struct cov_dim {
    int *vars, nvars;
    size_t npoints;
    int off, nwords;       /* where its bits are in a box */
} cov_dim;

typedef struct cov_list {
    size_t n, cap;
    uint64_t *w;           /* n boxes of W words each */
} cov_list;

typedef struct cov_space {
    chk_ctx *c;
    cov_var *vars;
    int nvars;
    int *var_of;           /* field index (nfields: `level`) -> var, or -1 */
    cov_dim *dims;
    int ndims;
    int W;
    long budget;
    int failed;            /* unsupported shape, or over budget */
    uint64_t *full, *tmp;
    char **owned;          /* strings made up for "any other" values */
    int nowned;
} cov_space;

static void *xalloc(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        fputs("slate: out of memory\n", stderr);
        abort();
    }
    return p;
}

static void *xgrow(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fputs("slate: out of memory\n", stderr);
        abort();
    }
    return p;
}

/* ---- building the space ------------------------------------------------------ */

static int var_for(cov_space *s, const ast_expr *e)
{
    int field = e->name_kind == NAME_LEVEL_FIELD ? s->c->nfields : e->ref;
    if (field < 0 || field > s->c->nfields) {
        s->failed = 1;
        return -1;
    }
    if (s->var_of[field] >= 0) return s->var_of[field];
    s->vars = xgrow(s->vars, (size_t)(s->nvars + 1) * sizeof *s->vars);
    cov_var *v = &s->vars[s->nvars];
    memset(v, 0, sizeof *v);
    v->field = field;
    v->type = e->type.kind;
    v->f = NULL;
    if (e->name_kind == NAME_FIELD) {
        int i = 0;
        for (const ast_field *f = s->c->p->fields; f; f = f->next, i++)
            if (i == field) v->f = f;
    }
    v->parent = s->nvars;
    return s->var_of[field] = s->nvars++;
}

static int find_root(cov_space *s, int v)
{
    while (s->vars[v].parent != v) v = s->vars[v].parent = s->vars[s->vars[v].parent].parent;
    return v;
}

static void add_const(cov_space *s, int v, const ast_expr *k)
{
    cov_var *x = &s->vars[v];
    if (x->type != TY_INT && x->type != TY_DURATION && x->type != TY_STRING) return;
    if (x->nc == x->capc) {
        x->capc = x->capc ? x->capc * 2 : 4;
        x->ic = xgrow(x->ic, (size_t)x->capc * sizeof *x->ic);
        x->sc = xgrow(x->sc, (size_t)x->capc * sizeof *x->sc);
    }
    x->ic[x->nc] = k->kind == EX_STRING ? 0 : k->u.ival;
    x->sc[x->nc] = k->kind == EX_STRING ? k->u.sval : NULL;
    x->nc++;
}

/* A term of a comparison: a field (its var), a constant (-2), or neither (-1). */
static int term(cov_space *s, const ast_expr *e)
{
    switch (e->kind) {
    case EX_INT:
    case EX_BOOL:
    case EX_DURATION:
    case EX_STRING: return -2;
    case EX_NAME:
        if (e->name_kind == NAME_ENUM_VALUE || e->name_kind == NAME_LEVEL) return -2;
        if (e->name_kind == NAME_FIELD || e->name_kind == NAME_LEVEL_FIELD) return var_for(s, e);
        return -1;
    default: return -1;
    }
}

static void relate(cov_space *s, int a, int b)
{
    a = find_root(s, a);
    b = find_root(s, b);
    if (a != b) s->vars[a].parent = b;
}

/* Note the fields and constants of a condition; unsupported shapes fail. */
static void collect(cov_space *s, const ast_expr *e)
{
    if (s->failed) return;
    switch (e->kind) {
    case EX_BOOL: return;
    case EX_NAME:
        if (e->type.kind == TY_BOOL && term(s, e) >= 0) return;
        s->failed = 1;
        return;
    case EX_NOT: collect(s, e->u.operand); return;
    case EX_AND:
    case EX_OR:
        collect(s, e->u.bin.l);
        collect(s, e->u.bin.r);
        return;
    case EX_CMP:
    case EX_IN: {
        const ast_expr *l = e->kind == EX_CMP ? e->u.bin.l : e->u.in.l;
        const ast_expr *items = e->kind == EX_CMP ? e->u.bin.r : e->u.in.items;
        int lt = term(s, l);
        if (lt == -1) { s->failed = 1; return; }
        for (const ast_expr *i = items; i; i = e->kind == EX_CMP ? NULL : i->next) {
            int it = term(s, i);
            /* Both sides of one type, or the checker has already said otherwise. */
            if (it == -1 || s->failed || i->type.kind != l->type.kind ||
                i->type.enum_of != l->type.enum_of) {
                s->failed = 1;
                return;
            }
            if (lt >= 0 && it >= 0) relate(s, lt, it);
            else if (lt >= 0) add_const(s, lt, i);
            else if (it >= 0) add_const(s, it, l);
        }
        return;
    }
    default: s->failed = 1; return;
    }
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Nicest first: nearest to zero, then non-negative. */
static int nicer(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    uint64_t mx = x < 0 ? (uint64_t)0 - (uint64_t)x : (uint64_t)x;
    uint64_t my = y < 0 ? (uint64_t)0 - (uint64_t)y : (uint64_t)y;
    if (mx != my) return mx < my ? -1 : 1;
    return (x < y) - (x > y);
}

static void push_i(cov_var *v, int *cap, int64_t x)
{
    if (v->ncand == *cap) {
        *cap = *cap ? *cap * 2 : 8;
        v->iv = xgrow(v->iv, (size_t)*cap * sizeof *v->iv);
    }
    v->iv[v->ncand++] = x;
}

/* Up to k values of the gap [lo, hi], as near zero as the gap allows. */
static void gap_values(cov_var *v, int *cap, int64_t lo, int64_t hi, int k)
{
    uint64_t width = (uint64_t)hi - (uint64_t)lo; /* values in the gap, minus one */
    int64_t start;
    if (width < (uint64_t)k) {
        for (uint64_t i = 0; i <= width; i++) push_i(v, cap, (int64_t)((uint64_t)lo + i));
        return;
    }
    if (lo >= 0) start = lo;
    else if (hi < 0) start = hi - (k - 1);
    else start = hi - 0 < (int64_t)(k - 1) ? hi - (k - 1) : 0;
    for (int i = 0; i < k; i++) push_i(v, cap, start + i);
}

/* The values standing for the classes of an int or duration var. */
static void int_candidates(cov_var *v, const int64_t *cs, int n, int k)
{
    int64_t dlo = v->type == TY_DURATION ? 0 : INT64_MIN;
    int64_t dhi = v->type == TY_DURATION ? COV_DUR_MAX : INT64_MAX;
    int cap = 0;
    int64_t *in = xalloc((size_t)(n ? n : 1) * sizeof *in);
    int m = 0;
    for (int i = 0; i < n; i++)
        if (cs[i] >= dlo && cs[i] <= dhi) in[m++] = cs[i];
    qsort(in, (size_t)m, sizeof *in, cmp_i64);
    int u = 0;
    for (int i = 0; i < m; i++)
        if (!u || in[u - 1] != in[i]) in[u++] = in[i];
    if (!u) {
        gap_values(v, &cap, dlo, dhi, k);
    } else {
        if (in[0] > dlo) gap_values(v, &cap, dlo, in[0] - 1, k);
        for (int i = 0; i < u; i++) {
            push_i(v, &cap, in[i]);
            int64_t next = i + 1 < u ? in[i + 1] : dhi;
            if (i + 1 < u ? in[i] + 1 < next : in[i] < dhi)
                gap_values(v, &cap, in[i] + 1, i + 1 < u ? next - 1 : dhi, k);
        }
    }
    free(in);
    qsort(v->iv, (size_t)v->ncand, sizeof *v->iv, nicer);
}

static void string_candidates(cov_space *s, cov_var *v, const char **cs, int n, int k)
{
    v->sv = xalloc((size_t)(n + k) * sizeof *v->sv);
    v->iv = xalloc((size_t)(n + k) * sizeof *v->iv);
    /* "Any other" strings first: the example a reader expects. */
    for (int made = 0, tries = 0; made < k; tries++) {
        char buf[32];
        if (tries == 0) buf[0] = '\0';
        else if (tries == 1) snprintf(buf, sizeof buf, "other");
        else snprintf(buf, sizeof buf, "other%d", tries);
        int taken = 0;
        for (int i = 0; i < n && !taken; i++) taken = !strcmp(cs[i], buf);
        if (taken) continue;
        s->owned = xgrow(s->owned, (size_t)(s->nowned + 1) * sizeof *s->owned);
        char *copy = xalloc(strlen(buf) + 1);
        memcpy(copy, buf, strlen(buf) + 1);
        s->owned[s->nowned++] = copy;
        v->sv[v->ncand++] = copy;
        made++;
    }
    for (int i = 0; i < n; i++) {
        int dup = 0;
        for (int j = 0; j < i && !dup; j++) dup = !strcmp(cs[i], cs[j]);
        if (!dup) v->sv[v->ncand++] = cs[i];
    }
}

static void build(cov_space *s)
{
    if (s->failed) return;
    /* Group the vars. */
    int *dim_of_root = xalloc((size_t)(s->nvars ? s->nvars : 1) * sizeof *dim_of_root);
    for (int i = 0; i < s->nvars; i++) dim_of_root[i] = -1;
    for (int i = 0; i < s->nvars; i++) {
        int r = find_root(s, i);
        if (dim_of_root[r] < 0) {
            s->dims = xgrow(s->dims, (size_t)(s->ndims + 1) * sizeof *s->dims);
            memset(&s->dims[s->ndims], 0, sizeof *s->dims);
            dim_of_root[r] = s->ndims++;
        }
        cov_dim *d = &s->dims[dim_of_root[r]];
        d->vars = xgrow(d->vars, (size_t)(d->nvars + 1) * sizeof *d->vars);
        d->vars[d->nvars++] = i;
        s->vars[i].dim = dim_of_root[r];
    }
    free(dim_of_root);
    int off = 0;
    for (int di = 0; di < s->ndims && !s->failed; di++) {
        cov_dim *d = &s->dims[di];
        int k = d->nvars;
        /* The group's constants, for each member. */
        int n = 0;
        for (int j = 0; j < k; j++) n += s->vars[d->vars[j]].nc;
        int64_t *ic = xalloc((size_t)(n ? n : 1) * sizeof *ic);
        const char **sc = xalloc((size_t)(n ? n : 1) * sizeof *sc);
        n = 0;
        for (int j = 0; j < k; j++) {
            cov_var *v = &s->vars[d->vars[j]];
            for (int i = 0; i < v->nc; i++, n++) {
                ic[n] = v->ic[i];
                sc[n] = v->sc[i];
            }
        }
        d->npoints = 1;
        for (int j = 0; j < k; j++) {
            cov_var *v = &s->vars[d->vars[j]];
            switch (v->type) {
            case TY_BOOL:
            case TY_ENUM:
            case TY_LEVEL: {
                int m = v->type == TY_BOOL ? 2
                        : v->type == TY_ENUM ? (v->f ? v->f->nvalues : 0)
                                             : s->c->nlevels;
                if (m < 1) m = 1;
                v->iv = xalloc((size_t)m * sizeof *v->iv);
                for (int i = 0; i < m; i++) v->iv[i] = i;
                v->ncand = m;
                break;
            }
            case TY_INT:
            case TY_DURATION: int_candidates(v, ic, n, k); break;
            case TY_STRING: string_candidates(s, v, sc, n, k); break;
            default: s->failed = 1; break;
            }
            v->stride = (int)d->npoints;
            d->npoints *= (size_t)(v->ncand ? v->ncand : 1);
            if (k > 1 && d->npoints > COV_MAX_GROUP_POINTS) s->failed = 1;
            if (s->failed) break;
        }
        free(ic);
        free(sc);
        d->off = off;
        d->nwords = (int)((d->npoints + 63) / 64);
        off += d->nwords;
    }
    s->W = off ? off : 1;
    s->full = xalloc((size_t)s->W * sizeof *s->full);
    s->tmp = xalloc((size_t)s->W * sizeof *s->tmp);
    for (int di = 0; di < s->ndims; di++) {
        cov_dim *d = &s->dims[di];
        for (size_t p = 0; p < d->npoints; p++) s->full[d->off + p / 64] |= (uint64_t)1 << (p % 64);
    }
}

static void space_init(cov_space *s, chk_ctx *c)
{
    memset(s, 0, sizeof *s);
    s->c = c;
    s->budget = COV_BUDGET;
    s->var_of = xalloc((size_t)(c->nfields + 1) * sizeof *s->var_of);
    for (int i = 0; i <= c->nfields; i++) s->var_of[i] = -1;
}

static void space_free(cov_space *s)
{
    for (int i = 0; i < s->nvars; i++) {
        free(s->vars[i].ic);
        free(s->vars[i].sc);
        free(s->vars[i].iv);
        free(s->vars[i].sv);
    }
    for (int i = 0; i < s->ndims; i++) free(s->dims[i].vars);
    for (int i = 0; i < s->nowned; i++) free(s->owned[i]);
    free(s->owned);
    free(s->vars);
    free(s->dims);
    free(s->var_of);
    free(s->full);
    free(s->tmp);
}

/* ---- unions of boxes ---------------------------------------------------------- */

static int spend(cov_space *s, long n)
{
    s->budget -= n;
    if (s->budget < 0) s->failed = 1;
    return !s->failed;
}

static uint64_t *box(const cov_space *s, const cov_list *l, size_t i)
{
    return l->w + i * (size_t)s->W;
}

static void push(cov_space *s, cov_list *l, const uint64_t *b)
{
    if (l->n == l->cap) {
        if (l->n >= COV_MAX_BOXES) {
            s->failed = 1;
            return;
        }
        l->cap = l->cap ? l->cap * 2 : 4;
        l->w = xgrow(l->w, l->cap * (size_t)s->W * sizeof *l->w);
    }
    memcpy(box(s, l, l->n++), b, (size_t)s->W * sizeof *b);
}

static void list_free(cov_list *l)
{
    free(l->w);
    memset(l, 0, sizeof *l);
}

/* Some dimension of the box has no point left. */
static int box_empty(const cov_space *s, const uint64_t *b)
{
    for (int di = 0; di < s->ndims; di++) {
        const cov_dim *d = &s->dims[di];
        int any = 0;
        for (int i = 0; i < d->nwords && !any; i++) any = b[d->off + i] != 0;
        if (!any) return 1;
    }
    return 0;
}

static int boxes_meet(cov_space *s, const uint64_t *a, const uint64_t *b)
{
    spend(s, s->W);
    for (int i = 0; i < s->W; i++) s->tmp[i] = a[i] & b[i];
    return !box_empty(s, s->tmp);
}

static int lists_meet(cov_space *s, const cov_list *a, const cov_list *b)
{
    for (size_t i = 0; i < a->n && !s->failed; i++)
        for (size_t j = 0; j < b->n && !s->failed; j++)
            if (boxes_meet(s, box(s, a, i), box(s, b, j))) return 1;
    return 0;
}

/* l := l minus box b, as disjoint boxes. */
static void sub_box(cov_space *s, cov_list *l, const uint64_t *b)
{
    cov_list out = {0};
    uint64_t *t = xalloc((size_t)s->W * sizeof *t);
    uint64_t *piece = xalloc((size_t)s->W * sizeof *piece);
    for (size_t i = 0; i < l->n && spend(s, 2L * s->W); i++) {
        const uint64_t *u = box(s, l, i);
        if (!boxes_meet(s, u, b)) {
            push(s, &out, u);
            continue;
        }
        memcpy(t, u, (size_t)s->W * sizeof *t);
        for (int di = 0; di < s->ndims; di++) {
            const cov_dim *d = &s->dims[di];
            int outside = 0;
            for (int w = 0; w < d->nwords; w++) outside |= (t[d->off + w] & ~b[d->off + w]) != 0;
            if (!outside) continue;
            memcpy(piece, t, (size_t)s->W * sizeof *piece);
            for (int w = 0; w < d->nwords; w++) {
                piece[d->off + w] &= ~b[d->off + w];
                t[d->off + w] &= b[d->off + w];
            }
            push(s, &out, piece);
        }
    }
    free(t);
    free(piece);
    list_free(l);
    *l = out;
}

static void sub_list(cov_space *s, cov_list *l, const cov_list *m)
{
    for (size_t i = 0; i < m->n && l->n && !s->failed; i++) sub_box(s, l, box(s, m, i));
}

static cov_list full_list(cov_space *s)
{
    cov_list l = {0};
    if (!box_empty(s, s->full)) push(s, &l, s->full);
    return l;
}

/* ---- conditions as unions of boxes ---------------------------------------------- */

static int const_of(const ast_expr *e, int64_t *i, const char **str)
{
    *str = NULL;
    *i = 0;
    if (e->kind == EX_STRING) *str = e->u.sval;
    else if (e->kind == EX_NAME) *i = e->ref;
    else *i = e->u.ival;
    return 1;
}

/* The value of a term at point p of dimension d. */
static void term_at(const cov_space *s, const ast_expr *e, size_t p, int64_t *i, const char **str)
{
    if (e->kind == EX_NAME && (e->name_kind == NAME_FIELD || e->name_kind == NAME_LEVEL_FIELD)) {
        int field = e->name_kind == NAME_LEVEL_FIELD ? s->c->nfields : e->ref;
        const cov_var *v = &s->vars[s->var_of[field]];
        size_t k = (p / (size_t)v->stride) % (size_t)v->ncand;
        *i = v->iv[k];
        *str = v->sv ? v->sv[k] : NULL;
        return;
    }
    const_of(e, i, str);
}

static int compare(ast_cmp_op op, int64_t a, const char *as, int64_t b, const char *bs)
{
    int c = as && bs ? strcmp(as, bs) : (a > b) - (a < b);
    switch (op) {
    case CMP_EQ: return c == 0;
    case CMP_NE: return c != 0;
    case CMP_LT: return c < 0;
    case CMP_LE: return c <= 0;
    case CMP_GT: return c > 0;
    case CMP_GE: return c >= 0;
    }
    return 0;
}

static int eval_at(const cov_space *s, const ast_expr *e, size_t p)
{
    int64_t a, b;
    const char *as, *bs;
    if (e->kind == EX_NAME) {
        term_at(s, e, p, &a, &as);
        return a != 0;
    }
    if (e->kind == EX_CMP) {
        term_at(s, e->u.bin.l, p, &a, &as);
        term_at(s, e->u.bin.r, p, &b, &bs);
        return compare(e->u.bin.op, a, as, b, bs);
    }
    term_at(s, e->u.in.l, p, &a, &as);
    for (const ast_expr *i = e->u.in.items; i; i = i->next) {
        term_at(s, i, p, &b, &bs);
        if (compare(CMP_EQ, a, as, b, bs)) return 1;
    }
    return 0;
}

/* The dimension an atom reads, or -1 when it reads no field. */
static int atom_dim(const cov_space *s, const ast_expr *e)
{
    const ast_expr *t[2] = {NULL, NULL};
    if (e->kind == EX_NAME) t[0] = e;
    else if (e->kind == EX_CMP) t[0] = e->u.bin.l, t[1] = e->u.bin.r;
    else t[0] = e->u.in.l;
    for (int k = 0; k < 2; k++)
        if (t[k] && t[k]->kind == EX_NAME &&
            (t[k]->name_kind == NAME_FIELD || t[k]->name_kind == NAME_LEVEL_FIELD))
            return s->vars[s->var_of[t[k]->name_kind == NAME_LEVEL_FIELD ? s->c->nfields : t[k]->ref]].dim;
    if (e->kind == EX_IN)
        for (const ast_expr *i = e->u.in.items; i; i = i->next)
            if (i->kind == EX_NAME && (i->name_kind == NAME_FIELD || i->name_kind == NAME_LEVEL_FIELD))
                return s->vars[s->var_of[i->name_kind == NAME_LEVEL_FIELD ? s->c->nfields : i->ref]].dim;
    return -1;
}

static cov_list to_list(cov_space *s, const ast_expr *e)
{
    cov_list r = {0};
    if (s->failed) return r;
    switch (e->kind) {
    case EX_BOOL:
        if (e->u.ival) r = full_list(s);
        return r;
    case EX_NOT: {
        cov_list a = to_list(s, e->u.operand);
        r = full_list(s);
        sub_list(s, &r, &a);
        list_free(&a);
        return r;
    }
    case EX_AND: {
        cov_list a = to_list(s, e->u.bin.l);
        cov_list b = a.n ? to_list(s, e->u.bin.r) : (cov_list){0};
        for (size_t i = 0; i < a.n && !s->failed; i++)
            for (size_t j = 0; j < b.n && !s->failed; j++)
                if (boxes_meet(s, box(s, &a, i), box(s, &b, j))) push(s, &r, s->tmp);
        list_free(&a);
        list_free(&b);
        return r;
    }
    case EX_OR: {
        cov_list a = to_list(s, e->u.bin.l);
        cov_list b = to_list(s, e->u.bin.r);
        /* Keep the boxes disjoint-free of duplicates cheaply: b minus a. */
        sub_list(s, &b, &a);
        for (size_t j = 0; j < b.n && !s->failed; j++) push(s, &a, box(s, &b, j));
        list_free(&b);
        return a;
    }
    default: break;
    }
    int di = atom_dim(s, e);
    if (di < 0) {
        int v;
        if (chk_constant_condition(e, &v) && v) r = full_list(s);
        return r;
    }
    const cov_dim *d = &s->dims[di];
    if (!spend(s, (long)d->npoints)) return r;
    uint64_t *b = s->tmp;
    memcpy(b, s->full, (size_t)s->W * sizeof *b);
    for (int w = 0; w < d->nwords; w++) b[d->off + w] = 0;
    for (size_t p = 0; p < d->npoints; p++)
        if (eval_at(s, e, p)) b[d->off + p / 64] |= (uint64_t)1 << (p % 64);
    if (!box_empty(s, b)) push(s, &r, b);
    return r;
}

/* ---- examples --------------------------------------------------------------------- */

static void put(char *buf, size_t size, size_t *n, const char *fmt, const char *a, long long x)
{
    if (*n >= size) return;
    int k = a ? snprintf(buf + *n, size - *n, fmt, a) : snprintf(buf + *n, size - *n, fmt, x);
    if (k > 0) *n += (size_t)k;
}

static void put_duration(char *buf, size_t size, size_t *n, int64_t sec)
{
    static const char units[] = "dhms";
    static const int64_t secs[] = {86400, 3600, 60, 1};
    if (sec == 0) {
        put(buf, size, n, "0s", "", 0);
        return;
    }
    for (int i = 0; i < 4; i++)
        if (sec >= secs[i]) {
            put(buf, size, n, "%lld", NULL, (long long)(sec / secs[i]));
            char u[2] = {units[i], 0};
            put(buf, size, n, "%s", u, 0);
            sec %= secs[i];
        }
}

static void put_value(const cov_space *s, const cov_var *v, size_t k, char *buf, size_t size,
                      size_t *n)
{
    int64_t x = v->iv[k];
    switch (v->type) {
    case TY_BOOL: put(buf, size, n, "%s", x ? "true" : "false", 0); break;
    case TY_ENUM: {
        const ast_ident *id = v->f ? v->f->values : NULL;
        for (int64_t i = 0; id && i < x; i++) id = id->next;
        put(buf, size, n, "%s", id ? id->name : "?", 0);
        break;
    }
    case TY_LEVEL: {
        const ast_ident *id = s->c->p->levels;
        for (int64_t i = 0; id && i < x; i++) id = id->next;
        put(buf, size, n, "%s", id ? id->name : "0", 0);
        break;
    }
    case TY_DURATION: put_duration(buf, size, n, x); break;
    case TY_STRING:
        put(buf, size, n, "%s", "\"", 0);
        for (const char *p = v->sv[k]; *p; p++) {
            char ch[8];
            if (*p == '"' || *p == '\\') snprintf(ch, sizeof ch, "\\%c", *p);
            else if (*p == '\n') snprintf(ch, sizeof ch, "\\n");
            else if (*p == '\t') snprintf(ch, sizeof ch, "\\t");
            else if ((unsigned char)*p < 0x20) snprintf(ch, sizeof ch, "?");
            else snprintf(ch, sizeof ch, "%c", *p);
            put(buf, size, n, "%s", ch, 0);
        }
        put(buf, size, n, "%s", "\"", 0);
        break;
    default: put(buf, size, n, "%lld", NULL, (long long)x); break;
    }
}

static const char *var_name(const cov_space *s, const cov_var *v)
{
    return v->field == s->c->nfields ? "level" : v->f->name.name;
}

/* "kind = feedback, score = 0": a case in box b, naming the fields it
 * constrains, in declaration order. */
static const char *example(const cov_space *s, const uint64_t *b, char *buf, size_t size)
{
    size_t n = 0;
    buf[0] = '\0';
    for (int field = 0; field <= s->c->nfields; field++) {
        int vi = s->var_of[field];
        if (vi < 0) continue;
        const cov_var *v = &s->vars[vi];
        const cov_dim *d = &s->dims[v->dim];
        int whole = 1;
        for (size_t p = 0; p < d->npoints && whole; p++)
            whole = (b[d->off + p / 64] >> (p % 64)) & 1;
        if (whole) continue;
        size_t p = 0;
        while (p < d->npoints && !((b[d->off + p / 64] >> (p % 64)) & 1)) p++;
        size_t k = (p / (size_t)v->stride) % (size_t)v->ncand;
        put(buf, size, &n, n ? ", %s = " : "%s = ", var_name(s, v), 0);
        put_value(s, v, k, buf, size, &n);
    }
    if (!n) snprintf(buf, size, "any case");
    if (n >= size && size > 4) memcpy(buf + size - 4, "...", 4);
    return buf;
}

/* The box of `l` whose first points are nicest (values are ordered so). */
static const uint64_t *nicest(const cov_space *s, const cov_list *l)
{
    const uint64_t *best = NULL;
    size_t best_score = (size_t)-1;
    for (size_t i = 0; i < l->n && i < 1000; i++) {
        const uint64_t *b = box(s, l, i);
        size_t score = 0;
        for (int di = 0; di < s->ndims; di++) {
            const cov_dim *d = &s->dims[di];
            size_t p = 0;
            while (p < d->npoints && !((b[d->off + p / 64] >> (p % 64)) & 1)) p++;
            score += p;
        }
        if (score < best_score) {
            best_score = score;
            best = b;
        }
    }
    return best;
}

/* ---- the analyses --------------------------------------------------------------- */

/* The tiers that take the cases of tier i, in order, into buf. */
static void takers(cov_space *s, ast_sla **tiers, cov_list *conds, int i, char *buf, size_t size,
                   int *ntakers, const ast_sla **first)
{
    cov_list rest = {0};
    for (size_t k = 0; k < conds[i].n; k++) push(s, &rest, box(s, &conds[i], k));
    size_t n = 0;
    *ntakers = 0;
    *first = NULL;
    buf[0] = '\0';
    for (int j = 0; j < i && rest.n && !s->failed; j++) {
        if (!tiers[j]->when || !lists_meet(s, &rest, &conds[j])) continue;
        if (!*first) *first = tiers[j];
        if (*ntakers < 4) {
            char one[192];
            snprintf(one, sizeof one, "%s`%s` on line %d", *ntakers ? ", " : "",
                     tiers[j]->name.name, tiers[j]->name.loc.line);
            put(buf, size, &n, "%s", one, 0);
        }
        (*ntakers)++;
        sub_list(s, &rest, &conds[j]);
    }
    if (*ntakers > 4) {
        char more[64];
        snprintf(more, sizeof more, " and %d more", *ntakers - 4);
        put(buf, size, &n, "%s", more, 0);
    }
    list_free(&rest);
}

int chk_tier_coverage(chk_ctx *c, const ast_sla *default_tier)
{
    int ntiers = 0, nwhen = 0;
    for (ast_sla *t = c->p->slas; t; t = t->next, ntiers++)
        if (t->when) {
            if (chk_has_error(t->when)) return 0;
            nwhen++;
        }
    if (!nwhen) return 1;
    cov_space s;
    space_init(&s, c);
    for (ast_sla *t = c->p->slas; t; t = t->next)
        if (t->when) collect(&s, t->when);
    build(&s);
    /* Every tier evaluates its atoms over its dimensions: too many is a note. */
    size_t points = 0;
    for (int i = 0; i < s.ndims; i++) points += s.dims[i].npoints;
    if (!s.failed && (double)points * nwhen > (double)COV_BUDGET / 4) s.failed = 1;
    ast_sla **tiers = xalloc((size_t)ntiers * sizeof *tiers);
    cov_list *conds = xalloc((size_t)ntiers * sizeof *conds);
    int n = 0;
    for (ast_sla *t = c->p->slas; t; t = t->next) tiers[n++] = t;
    /* Find everything first, report after: a half-done analysis says nothing. */
    enum { OK, NEVER, SHADOWED } *verdict = xalloc((size_t)ntiers * sizeof *verdict);
    cov_list left = {0};
    if (!s.failed) left = full_list(&s);
    for (int i = 0; i < n && !s.failed; i++) {
        if (!tiers[i]->when) continue;
        conds[i] = to_list(&s, tiers[i]->when);
        if (s.failed) break;
        if (!conds[i].n) verdict[i] = NEVER;
        else if (!lists_meet(&s, &left, &conds[i])) verdict[i] = SHADOWED;
        else sub_list(&s, &left, &conds[i]);
    }
    int decided = !s.failed;
    for (int i = 0; i < n && decided; i++) {
        ast_sla *t = tiers[i];
        char text[64], hint[512], list[400];
        if (verdict[i] == NEVER) {
            snprintf(hint, sizeof hint, "`%s` holds for no case; the tier can never be chosen",
                     chk_src_text(c, t->when->loc, text, sizeof text));
            chk_report_code(c, DIAG_WARNING, "W011", t->name.loc, hint,
                            "the condition of tier `%s` never holds", t->name.name);
        } else if (verdict[i] == SHADOWED) {
            int k;
            const ast_sla *first;
            takers(&s, tiers, conds, i, list, sizeof list, &k, &first);
            if (s.failed) break;
            if (k == 1) {
                snprintf(hint, sizeof hint,
                         "`%s` comes first and matches every case that `%s` matches; "
                         "move `%s` above it",
                         first->name.name, t->name.name, t->name.name);
                chk_report_code(c, DIAG_WARNING, "W010", t->name.loc, hint,
                                "tier `%s` is shadowed by `%s` on line %d", t->name.name,
                                first->name.name, first->name.loc.line);
            } else {
                snprintf(hint, sizeof hint,
                         "together the tiers above match every case that `%s` matches, so it "
                         "is never chosen; move it above them, or narrow them",
                         t->name.name);
                chk_report_code(c, DIAG_WARNING, "W010", t->name.loc, hint,
                                "tier `%s` is shadowed by %s", t->name.name, list);
            }
        }
    }
    if (decided && !s.failed) {
        char ex[400], hint[512];
        if (default_tier && !left.n) {
            chk_report_code(c, DIAG_WARNING, "W013", default_tier->name.loc,
                            "every case matches a tier with `when` above; remove it, or narrow "
                            "those conditions",
                            "the default tier `%s` is never chosen", default_tier->name.name);
        } else if (!default_tier && left.n) {
            ast_sla *last = tiers[n - 1];
            snprintf(hint, sizeof hint,
                     "such a case runs no clock: add a default tier (one without `when`), or "
                     "widen a condition");
            example(&s, nicest(&s, &left), ex, sizeof ex);
            chk_report_code(c, DIAG_WARNING, "W012", last->name.loc, hint,
                            "some cases get no tier, e.g. %s", ex);
        }
    }
    if (s.failed && !decided)
        chk_report(c, DIAG_NOTE, tiers[0]->name.loc, NULL,
                   "the tier conditions are too many or too complex to prove which tiers can "
                   "be chosen");
    for (int i = 0; i < n; i++) list_free(&conds[i]);
    list_free(&left);
    free(conds);
    free(tiers);
    free(verdict);
    space_free(&s);
    return decided;
}

int chk_condition_range(chk_ctx *c, const ast_expr *cond, int *never, int *always)
{
    *never = *always = 0;
    if (!cond || chk_has_error(cond)) return 0;
    cov_space s;
    space_init(&s, c);
    collect(&s, cond);
    build(&s);
    cov_list l = to_list(&s, cond);
    if (!s.failed) {
        *never = l.n == 0;
        cov_list rest = full_list(&s);
        sub_list(&s, &rest, &l);
        *always = !s.failed && rest.n == 0;
        list_free(&rest);
    }
    int ok = !s.failed;
    list_free(&l);
    space_free(&s);
    return ok;
}
