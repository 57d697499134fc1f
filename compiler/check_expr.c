/*
 * check_expr.c - the expression half of the semantic pass: resolves bare names
 * (fields, `level`, enum values, level names), gives every expression a type,
 * reports type errors without cascades, folds constant conditions, and decides the
 * implication between two tier conditions that the shadowing warning needs.
 *
 * Called from check.c (declarations); see check_int.h.
 */
#include <stdio.h>
#include <string.h>

#include "check_int.h"

#define TEXT_MAX 48

static ast_type ty(ast_type_kind k)
{
    ast_type t = {k, NULL};
    return t;
}

static int same_type(ast_type a, ast_type b)
{
    return a.kind == b.kind && (a.kind != TY_ENUM || a.enum_of == b.enum_of);
}

static int ordered(ast_type_kind k)
{
    return k == TY_INT || k == TY_DURATION || k == TY_ENUM || k == TY_LEVEL;
}

const char *chk_type_desc(ast_type t, char *buf, size_t size)
{
    if (t.kind == TY_ENUM && t.enum_of)
        snprintf(buf, size, "enum %s", t.enum_of->name.name);
    else
        snprintf(buf, size, "%s", ast_type_name(t.kind));
    return buf;
}

const char *chk_src_text(const chk_ctx *c, src_loc loc, char *buf, size_t size)
{
    const diag_ctx *d = c->d;
    buf[0] = '\0';
    if (!d->src || loc.line < 1 || size < 8) return buf;
    const char *p = d->src, *end = d->src + d->len;
    for (int l = 1; l < loc.line; l++) {
        p = memchr(p, '\n', (size_t)(end - p));
        if (!p) return buf;
        p++;
    }
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    if (!eol) eol = end;
    const char *s = p + (loc.col > 1 ? loc.col - 1 : 0);
    const char *e = loc.end_line > loc.line ? eol : p + (loc.end_col > 1 ? loc.end_col - 1 : 0);
    if (s > eol) s = eol;
    if (e > eol) e = eol;
    while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r')) e--;
    size_t n = e > s ? (size_t)(e - s) : 0;
    if (n > TEXT_MAX && size > TEXT_MAX + 4) {
        snprintf(buf, size, "%.*s...", TEXT_MAX - 3, s);
    } else {
        if (n >= size) n = size - 1;
        memcpy(buf, s, n);
        buf[n] = '\0';
    }
    return buf;
}

int chk_has_error(const ast_expr *e)
{
    if (!e) return 0;
    if (e->type.kind == TY_ERROR) return 1;
    switch (e->kind) {
    case EX_NOT: return chk_has_error(e->u.operand);
    case EX_AND:
    case EX_OR:
    case EX_CMP: return chk_has_error(e->u.bin.l) || chk_has_error(e->u.bin.r);
    case EX_IN:
        if (chk_has_error(e->u.in.l)) return 1;
        for (const ast_expr *i = e->u.in.items; i; i = i->next)
            if (chk_has_error(i)) return 1;
        return 0;
    default: return 0;
    }
}

/* ---- names ---------------------------------------------------------------- */

/* A bare name that is neither a field nor `level`: its meaning comes from the
 * other operand. */
static int is_contextual(const chk_ctx *c, const ast_expr *e)
{
    return e->kind == EX_NAME && strcmp(e->u.sval, "level") != 0 &&
           !chk_find_field(c, e->u.sval);
}

/* The enum field that declares value `name`, and the value's index. */
static const ast_field *enum_owner(const chk_ctx *c, const char *name, int *idx)
{
    for (const ast_field *f = c->p->fields; f; f = f->next) {
        if (f->kind != TY_ENUM) continue;
        int i = 0;
        for (const ast_ident *v = f->values; v; v = v->next, i++)
            if (!strcmp(v->name, name)) {
                if (idx) *idx = i;
                return f;
            }
    }
    return NULL;
}

/* A name that resolved to nothing usable in this place. */
static void unknown_name(chk_ctx *c, ast_expr *e)
{
    const char *name = e->u.sval;
    char hint[256];
    const char *h = NULL;
    const ast_field *owner = enum_owner(c, name, NULL);
    if (owner) {
        snprintf(hint, sizeof hint, "`%s` is a value of `%s`; compare it: `%s == %s`", name,
                 owner->name.name, owner->name.name, name);
        chk_error(c, e->loc, hint, "`%s` is not a field", name);
        return;
    }
    if (chk_find_level(c, name) >= 0) {
        snprintf(hint, sizeof hint, "`%s` is a level; compare it: `level >= %s`", name, name);
        chk_error(c, e->loc, hint, "`%s` is not a field", name);
        return;
    }
    diag_suggest s;
    diag_suggest_init(&s, name);
    for (const ast_field *f = c->p->fields; f; f = f->next) diag_suggest_add(&s, f->name.name);
    diag_suggest_add(&s, "level");
    h = diag_suggest_hint(&s, hint, sizeof hint);
    chk_error(c, e->loc, h, "unknown field `%s`", name);
}

/* A name that must be one of the values of enum `f` (or, f NULL, a level). */
static void not_a_value(chk_ctx *c, ast_expr *e, const ast_field *f)
{
    const char *name = e->u.sval;
    char hint[256];
    diag_suggest s;
    diag_suggest_init(&s, name);
    if (f) {
        for (const ast_ident *v = f->values; v; v = v->next) diag_suggest_add(&s, v->name);
    } else {
        for (const ast_ident *v = c->p->levels; v; v = v->next) diag_suggest_add(&s, v->name);
    }
    const char *h = diag_suggest_hint(&s, hint, sizeof hint);
    const ast_field *owner = f ? enum_owner(c, name, NULL) : NULL;
    if (!h && owner) {
        snprintf(hint, sizeof hint, "`%s` is a value of `%s`, not of `%s`", name,
                 owner->name.name, f->name.name);
        h = hint;
    }
    if (!h) {
        /* No near miss: list what is allowed. */
        size_t n = (size_t)snprintf(hint, sizeof hint, f ? "`%s` is one of " : "the levels are ",
                                    f ? f->name.name : "");
        const ast_ident *v = f ? f->values : c->p->levels;
        if (!v) snprintf(hint, sizeof hint, "declare levels with `levels { ... }`");
        for (; v && n < sizeof hint - 40; v = v->next)
            n += (size_t)snprintf(hint + n, sizeof hint - n, "`%s`%s", v->name, v->next ? ", " : "");
        if (v) snprintf(hint + n, sizeof hint - n, "...");
        h = hint;
    }
    if (f)
        chk_error(c, e->loc, h, "`%s` is not a value of `%s`", name, f->name.name);
    else
        chk_error(c, e->loc, h, "`%s` is not a level", name);
}

static ast_type check_name(chk_ctx *c, ast_expr *e, ast_type expect)
{
    const char *name = e->u.sval;
    const ast_field *f = chk_find_field(c, name);
    if (f) {
        e->name_kind = NAME_FIELD;
        e->ref = f->index;
        e->type.kind = f->kind;
        e->type.enum_of = f->kind == TY_ENUM ? f : NULL;
        return e->type;
    }
    if (!strcmp(name, "level")) {
        e->name_kind = NAME_LEVEL_FIELD;
        e->ref = c->nfields;
        e->type = ty(TY_LEVEL);
        return e->type;
    }
    if (expect.kind == TY_ENUM && expect.enum_of) {
        int i = 0;
        for (const ast_ident *v = expect.enum_of->values; v; v = v->next, i++)
            if (!strcmp(v->name, name)) {
                e->name_kind = NAME_ENUM_VALUE;
                e->ref = i;
                e->type = expect;
                return e->type;
            }
        not_a_value(c, e, expect.enum_of);
    } else if (expect.kind == TY_LEVEL) {
        int i = chk_find_level(c, name);
        if (i >= 0) {
            e->name_kind = NAME_LEVEL;
            e->ref = i;
            e->type = ty(TY_LEVEL);
            return e->type;
        }
        not_a_value(c, e, NULL);
    } else {
        unknown_name(c, e);
    }
    e->type = ty(TY_ERROR);
    return e->type;
}

/* ---- operators --------------------------------------------------------------- */

/* `op` needs a bool operand; report and return 0 when `x` is something else. */
static void need_bool(chk_ctx *c, const ast_expr *x, const char *op)
{
    if (x->type.kind == TY_BOOL || x->type.kind == TY_ERROR) return;
    char t1[TEXT_MAX + 8], t2[64];
    chk_error(c, x->loc, NULL, "`%s` needs bool operands, but `%s` is %s", op,
               chk_src_text(c, x->loc, t1, sizeof t1), chk_type_desc(x->type, t2, sizeof t2));
}

static void mismatch(chk_ctx *c, src_loc loc, const ast_expr *a, const ast_expr *b)
{
    char t1[TEXT_MAX + 8], t2[TEXT_MAX + 8], d1[64], d2[64];
    const char *hint = NULL;
    if ((a->type.kind == TY_INT && b->type.kind == TY_DURATION) ||
        (a->type.kind == TY_DURATION && b->type.kind == TY_INT))
        hint = "write durations with a unit, e.g. `30m` or `4h`";
    chk_error(c, loc, hint, "cannot compare `%s` (%s) with `%s` (%s)",
               chk_src_text(c, a->loc, t1, sizeof t1), chk_type_desc(a->type, d1, sizeof d1),
               chk_src_text(c, b->loc, t2, sizeof t2), chk_type_desc(b->type, d2, sizeof d2));
}

/* `x` is a bare enum value or level name compared with `other`, whose type has no
 * values by name (int, string, ...): say what both are.  Returns 1 when reported. */
static int value_of_other_type(chk_ctx *c, ast_expr *x, const ast_expr *other, src_loc loc,
                               int x_first)
{
    if (other->type.kind == TY_ERROR || other->type.kind == TY_ENUM ||
        other->type.kind == TY_LEVEL || !is_contextual(c, x))
        return 0;
    ast_type t = {TY_ERROR, NULL};
    int idx;
    const ast_field *owner = enum_owner(c, x->u.sval, &idx);
    if (owner) {
        t.kind = TY_ENUM;
        t.enum_of = owner;
    } else if (chk_find_level(c, x->u.sval) >= 0) {
        t.kind = TY_LEVEL;
    } else {
        return 0;
    }
    x->type = t;
    if (x_first) mismatch(c, loc, x, other);
    else mismatch(c, loc, other, x);
    x->type = ty(TY_ERROR);
    return 1;
}

static ast_type check_cmp(chk_ctx *c, ast_expr *e)
{
    ast_expr *l = e->u.bin.l, *r = e->u.bin.r;
    ast_type none = ty(TY_ERROR);
    if (is_contextual(c, l) && !is_contextual(c, r)) {
        chk_expr(c, r, none);
        if (r->type.kind == TY_ERROR) l->type = none; /* cannot resolve: stay quiet */
        else if (!value_of_other_type(c, l, r, e->loc, 1)) chk_expr(c, l, r->type);
    } else {
        chk_expr(c, l, none);
        if (l->type.kind == TY_ERROR && is_contextual(c, r)) r->type = none;
        else if (!value_of_other_type(c, r, l, e->loc, 0)) chk_expr(c, r, l->type);
    }
    e->type = ty(TY_BOOL);
    if (l->type.kind == TY_ERROR || r->type.kind == TY_ERROR) return e->type;
    if (!same_type(l->type, r->type)) {
        mismatch(c, e->loc, l, r);
    } else if (e->u.bin.op != CMP_EQ && e->u.bin.op != CMP_NE && !ordered(l->type.kind)) {
        char t1[TEXT_MAX + 8], d1[64];
        chk_error(c, e->loc,
                   "`<`, `<=`, `>` and `>=` compare ints, durations, enum values and levels",
                   "cannot use `%s` on `%s` (%s)", ast_cmp_name(e->u.bin.op),
                   chk_src_text(c, l->loc, t1, sizeof t1), chk_type_desc(l->type, d1, sizeof d1));
    }
    return e->type;
}

static ast_type check_in(chk_ctx *c, ast_expr *e)
{
    ast_expr *l = e->u.in.l;
    ast_type lt = chk_expr(c, l, ty(TY_ERROR));
    for (ast_expr *i = e->u.in.items; i; i = i->next) {
        if (lt.kind == TY_ERROR && is_contextual(c, i)) {
            i->type = ty(TY_ERROR);
            continue;
        }
        if (value_of_other_type(c, i, l, i->loc, 0)) continue;
        ast_type it = chk_expr(c, i, lt);
        if (lt.kind != TY_ERROR && it.kind != TY_ERROR && !same_type(lt, it))
            mismatch(c, i->loc, l, i);
    }
    e->type = ty(TY_BOOL);
    return e->type;
}

ast_type chk_expr(chk_ctx *c, ast_expr *e, ast_type expect)
{
    e->name_kind = NAME_UNRESOLVED;
    e->ref = -1;
    /* The parser refused it (too long to walk); only reached after syntax errors. */
    if (e->depth > AST_MAX_EXPR_DEPTH) {
        e->type = ty(TY_ERROR);
        return e->type;
    }
    switch (e->kind) {
    case EX_INT: e->type = ty(TY_INT); break;
    case EX_BOOL: e->type = ty(TY_BOOL); break;
    case EX_STRING: e->type = ty(TY_STRING); break;
    case EX_DURATION: e->type = ty(TY_DURATION); break;
    case EX_NAME: return check_name(c, e, expect);
    case EX_NOT:
        chk_expr(c, e->u.operand, ty(TY_BOOL));
        need_bool(c, e->u.operand, "not");
        e->type = ty(TY_BOOL);
        break;
    case EX_AND:
    case EX_OR: {
        const char *op = e->kind == EX_AND ? "and" : "or";
        chk_expr(c, e->u.bin.l, ty(TY_BOOL));
        need_bool(c, e->u.bin.l, op);
        chk_expr(c, e->u.bin.r, ty(TY_BOOL));
        need_bool(c, e->u.bin.r, op);
        e->type = ty(TY_BOOL);
        break;
    }
    case EX_CMP: return check_cmp(c, e);
    case EX_IN: return check_in(c, e);
    }
    return e->type;
}

void chk_condition(chk_ctx *c, ast_expr *e)
{
    ast_type t = chk_expr(c, e, ty(TY_BOOL));
    if (t.kind == TY_BOOL || t.kind == TY_ERROR) return;
    char t1[TEXT_MAX + 8], d1[64], hint[160];
    const char *h = NULL;
    const char *text = chk_src_text(c, e->loc, t1, sizeof t1);
    if (t.kind == TY_ENUM && t.enum_of && t.enum_of->values) {
        snprintf(hint, sizeof hint, "compare it, e.g. `%s == %s`", text, t.enum_of->values->name);
        h = hint;
    } else if (t.kind == TY_INT) {
        snprintf(hint, sizeof hint, "compare it, e.g. `%s > 0`", text);
        h = hint;
    } else if (t.kind == TY_LEVEL && c->p->levels) {
        snprintf(hint, sizeof hint, "compare it, e.g. `%s >= %s`", text, c->p->levels->name);
        h = hint;
    }
    chk_error(c, e->loc, h, "a condition must be bool, but `%s` is %s", text,
               chk_type_desc(t, d1, sizeof d1));
}

/* ---- constant conditions --------------------------------------------------- */

typedef struct cval {
    int is_str;
    int64_t i;
    const char *s;
    size_t len;  /* of s */
} cval;

/* The same bytes: strings from an environment may hold NUL bytes. */
static int str_eq(const cval *a, const cval *b)
{
    return a->len == b->len && (a->len == 0 || memcmp(a->s, b->s, a->len) == 0);
}

/* Evaluate an expression: with env NULL only one that mentions no field (0 when
 * it does, or on errors); with an environment, fields and `level` read from it
 * (durations then in milliseconds, as the engine holds them). */
static int eval_in(const ast_expr *e, const chk_env *env, cval *v)
{
    v->is_str = 0;
    v->s = NULL;
    v->len = 0;
    switch (e->kind) {
    case EX_INT:
    case EX_BOOL: v->i = e->u.ival; return 1;
    case EX_DURATION: v->i = env ? e->u.ival * 1000 : e->u.ival; return 1;
    case EX_STRING:
        v->is_str = 1;
        v->s = e->u.sval;
        v->len = strlen(v->s);
        return 1;
    case EX_NAME:
        if (env && e->name_kind == NAME_FIELD) {
            if (e->ref < 0 || (size_t)e->ref >= env->nvalues) return 0;
            const chk_value *f = &env->values[e->ref];
            v->i = f->i;
            if (e->type.kind == TY_STRING) {
                v->is_str = 1;
                v->s = f->s ? f->s : "";
                v->len = f->s ? f->len : 0;
            }
            return 1;
        }
        if (env && e->name_kind == NAME_LEVEL_FIELD) {
            v->i = env->level;
            return 1;
        }
        if (e->name_kind != NAME_ENUM_VALUE && e->name_kind != NAME_LEVEL) return 0;
        v->i = e->ref;
        return 1;
    case EX_NOT: {
        cval a;
        if (!eval_in(e->u.operand, env, &a)) return 0;
        v->i = !a.i;
        return 1;
    }
    case EX_AND:
    case EX_OR: {
        cval a, b;
        if (!eval_in(e->u.bin.l, env, &a) || !eval_in(e->u.bin.r, env, &b)) return 0;
        v->i = e->kind == EX_AND ? (a.i && b.i) : (a.i || b.i);
        return 1;
    }
    case EX_CMP: {
        cval a, b;
        if (!eval_in(e->u.bin.l, env, &a) || !eval_in(e->u.bin.r, env, &b)) return 0;
        /* strings are only compared for (in)equality (check_cmp) */
        int cmp = a.is_str ? !str_eq(&a, &b) : (a.i > b.i) - (a.i < b.i);
        switch (e->u.bin.op) {
        case CMP_EQ: v->i = cmp == 0; break;
        case CMP_NE: v->i = cmp != 0; break;
        case CMP_LT: v->i = cmp < 0; break;
        case CMP_LE: v->i = cmp <= 0; break;
        case CMP_GT: v->i = cmp > 0; break;
        case CMP_GE: v->i = cmp >= 0; break;
        }
        return 1;
    }
    case EX_IN: {
        cval a, b;
        if (!eval_in(e->u.in.l, env, &a)) return 0;
        int hit = 0;
        for (const ast_expr *i = e->u.in.items; i; i = i->next) {
            if (!eval_in(i, env, &b)) return 0;
            if (a.is_str ? str_eq(&a, &b) : a.i == b.i) hit = 1;
        }
        v->i = hit;
        return 1;
    }
    }
    return 0;
}

int chk_constant_condition(const ast_expr *e, int *value)
{
    cval v;
    if (!e || chk_has_error(e) || e->type.kind != TY_BOOL || !eval_in(e, NULL, &v)) return 0;
    *value = v.i != 0;
    return 1;
}

int chk_eval_condition(const ast_expr *e, const chk_env *env, int *value)
{
    cval v;
    if (!e || !env || chk_has_error(e) || e->type.kind != TY_BOOL || !eval_in(e, env, &v)) return 0;
    *value = v.i != 0;
    return 1;
}

/* ---- implication between tier conditions ------------------------------------- */

/* Two resolved names are the same: same kind and referent, and (but for fields
 * and `level`) the same type. */
static int same_name(const ast_expr *a, const ast_expr *b)
{
    return a->name_kind == b->name_kind && a->ref == b->ref &&
           (a->name_kind == NAME_FIELD || a->name_kind == NAME_LEVEL_FIELD ||
            same_type(a->type, b->type));
}

#define MAXSET 64

/* A condition on one field: its value lies in a finite set, or (ints and
 * durations) in a closed range, or differs from one value. */
typedef struct atom {
    enum { A_NONE, A_SET, A_RANGE, A_NOTEQ } kind;
    int subj_kind, subj_ref; /* NAME_FIELD or NAME_LEVEL_FIELD, and the field */
    int64_t lo, hi;          /* A_RANGE; A_NOTEQ uses lo */
    int n;
    int64_t set[MAXSET];
} atom;

static int is_subject(const ast_expr *e)
{
    return e->kind == EX_NAME &&
           (e->name_kind == NAME_FIELD || e->name_kind == NAME_LEVEL_FIELD) &&
           e->type.kind != TY_STRING;
}

static int value_of(const ast_expr *e, int64_t *v)
{
    switch (e->kind) {
    case EX_INT:
    case EX_BOOL:
    case EX_DURATION: *v = e->u.ival; return 1;
    case EX_NAME:
        if (e->name_kind != NAME_ENUM_VALUE && e->name_kind != NAME_LEVEL) return 0;
        *v = e->ref;
        return 1;
    default: return 0;
    }
}

/* The number of values of a finite type, 0 for ints and durations. */
static int domain_size(const chk_ctx *c, ast_type t)
{
    if (t.kind == TY_BOOL) return 2;
    if (t.kind == TY_ENUM && t.enum_of) return t.enum_of->nvalues;
    if (t.kind == TY_LEVEL) return c->nlevels;
    return 0;
}

static int range_has(const atom *a, int64_t v)
{
    switch (a->kind) {
    case A_RANGE: return v >= a->lo && v <= a->hi;
    case A_NOTEQ: return v != a->lo;
    case A_SET:
        for (int i = 0; i < a->n; i++)
            if (a->set[i] == v) return 1;
        return 0;
    default: return 0;
    }
}

/* Read `f OP v`, `v OP f`, `f in (...)` or a bare bool field into an atom. */
static void to_atom(const chk_ctx *c, const ast_expr *e, atom *a)
{
    a->kind = A_NONE;
    a->n = 0;
    const ast_expr *subj = NULL;
    if (is_subject(e) && e->type.kind == TY_BOOL) {
        subj = e;
        a->kind = A_SET;
        a->set[a->n++] = 1;
    } else if (e->kind == EX_IN && is_subject(e->u.in.l)) {
        subj = e->u.in.l;
        a->kind = A_SET;
        for (const ast_expr *i = e->u.in.items; i; i = i->next) {
            if (a->n == MAXSET || !value_of(i, &a->set[a->n])) { a->kind = A_NONE; return; }
            a->n++;
        }
    } else if (e->kind == EX_CMP) {
        ast_cmp_op op = e->u.bin.op;
        const ast_expr *val;
        if (is_subject(e->u.bin.l)) {
            subj = e->u.bin.l;
            val = e->u.bin.r;
        } else if (is_subject(e->u.bin.r)) {
            subj = e->u.bin.r;
            val = e->u.bin.l;
            static const ast_cmp_op flip[] = {CMP_EQ, CMP_NE, CMP_GT, CMP_GE, CMP_LT, CMP_LE};
            op = flip[op];
        } else {
            return;
        }
        int64_t v;
        if (!value_of(val, &v)) return;
        a->lo = INT64_MIN;
        a->hi = INT64_MAX;
        switch (op) {
        case CMP_EQ: a->kind = A_SET; a->set[a->n++] = v; break;
        case CMP_NE: a->kind = A_NOTEQ; a->lo = v; break;
        case CMP_LT: if (v == INT64_MIN) return; a->kind = A_RANGE; a->hi = v - 1; break;
        case CMP_LE: a->kind = A_RANGE; a->hi = v; break;
        case CMP_GT: if (v == INT64_MAX) return; a->kind = A_RANGE; a->lo = v + 1; break;
        case CMP_GE: a->kind = A_RANGE; a->lo = v; break;
        }
    } else {
        return;
    }
    a->subj_kind = subj->name_kind;
    a->subj_ref = subj->ref;
    /* Over a finite type every condition is a set: enumerate it. */
    int dom = domain_size(c, subj->type);
    if (dom > 0 && a->kind != A_SET) {
        if (dom > MAXSET) { a->kind = A_NONE; return; }
        atom s = *a;
        a->kind = A_SET;
        a->n = 0;
        for (int v = 0; v < dom; v++)
            if (range_has(&s, v)) a->set[a->n++] = v;
    }
}

/* Does atom expression `b` imply atom expression `a`? */
static int atom_implies(const chk_ctx *c, const ast_expr *b, const ast_expr *a)
{
    if (a->kind == EX_BOOL && a->u.ival) return 1;
    if (ast_expr_equal(a, b, same_name)) return 1;
    atom x, y; /* x from b (the stronger), y from a */
    to_atom(c, b, &x);
    to_atom(c, a, &y);
    if (x.kind == A_NONE || y.kind == A_NONE) return 0;
    if (x.subj_kind != y.subj_kind || x.subj_ref != y.subj_ref) return 0;
    switch (x.kind) {
    case A_SET:
        for (int i = 0; i < x.n; i++)
            if (!range_has(&y, x.set[i])) return 0;
        return 1;
    case A_RANGE:
        if (y.kind == A_RANGE) return y.lo <= x.lo && x.hi <= y.hi;
        if (y.kind == A_NOTEQ) return y.lo < x.lo || y.lo > x.hi;
        return x.lo == x.hi && range_has(&y, x.lo);
    case A_NOTEQ: return y.kind == A_NOTEQ && y.lo == x.lo;
    default: return 0;
    }
}

/* Flatten a conjunction into its atoms; returns their number (at most max). */
static int conjuncts(const ast_expr *e, const ast_expr **out, int n, int max)
{
    if (e->kind == EX_AND) {
        n = conjuncts(e->u.bin.l, out, n, max);
        return conjuncts(e->u.bin.r, out, n, max);
    }
    if (n < max) out[n] = e;
    return n + 1;
}

int chk_implies(const chk_ctx *c, const ast_expr *later, const ast_expr *earlier)
{
    enum { MAXC = 32 };
    const ast_expr *a[MAXC], *b[MAXC];
    if (ast_expr_equal(later, earlier, same_name)) return 1;
    int na = conjuncts(earlier, a, 0, MAXC), nb = conjuncts(later, b, 0, MAXC);
    if (na > MAXC || nb > MAXC) return 0;
    for (int i = 0; i < na; i++) {
        int ok = 0;
        for (int j = 0; j < nb && !ok; j++) ok = atom_implies(c, b[j], a[i]);
        if (!ok) return 0;
    }
    return 1;
}
