/*
 * index.c - every name a policy declares or uses, with its span: what
 * definition, references, hover and rename-free navigation in the language
 * server stand on.  The tree comes from the compiler's own front end
 * (frontend.h), so a name means here what it means to `slate build`; names in
 * conditions are taken as the checker resolved them.  Does not report
 * diagnostics (features.c gets those through include/slatec.h).
 */
#include <stdlib.h>
#include <string.h>

#include "lsp_int.h"

static int add(lsp_index *x, sym_kind k, const char *name, const char *owner, src_loc loc,
               int is_def)
{
    if (!name || loc.line < 1) return 0;
    if (x->n == x->cap) {
        size_t cap = x->cap ? x->cap * 2 : 64;
        occ *v = realloc(x->v, cap * sizeof *v);
        if (!v) return -1;
        x->v = v;
        x->cap = cap;
    }
    x->v[x->n++] = (occ){k, name, owner, loc, is_def};
    return 0;
}

static int add_id(lsp_index *x, sym_kind k, const ast_ident *id, int is_def)
{
    return id ? add(x, k, id->name, NULL, id->loc, is_def) : 0;
}

static int add_list(lsp_index *x, sym_kind k, const ast_ident *id, int is_def)
{
    for (; id; id = id->next)
        if (add_id(x, k, id, is_def)) return -1;
    return 0;
}

static int walk_expr(lsp_index *x, const ast_expr *e)
{
    /* a chain the parser refused as too long is not walked (the C stack) */
    if (!e || e->depth > AST_MAX_EXPR_DEPTH) return 0;
    switch (e->kind) {
    case EX_NAME:
        switch (e->name_kind) {
        case NAME_FIELD:
        case NAME_LEVEL_FIELD: return add(x, SYM_FIELD, e->u.sval, NULL, e->loc, 0);
        case NAME_LEVEL: return add(x, SYM_LEVEL, e->u.sval, NULL, e->loc, 0);
        case NAME_ENUM_VALUE:
            return e->type.enum_of ? add(x, SYM_VALUE, e->u.sval, e->type.enum_of->name.name, e->loc, 0)
                                   : 0;
        default: return 0;
        }
    case EX_NOT: return walk_expr(x, e->u.operand);
    case EX_AND:
    case EX_OR:
    case EX_CMP: return walk_expr(x, e->u.bin.l) || walk_expr(x, e->u.bin.r) ? -1 : 0;
    case EX_IN:
        if (walk_expr(x, e->u.in.l)) return -1;
        for (const ast_expr *i = e->u.in.items; i; i = i->next)
            if (walk_expr(x, i)) return -1;
        return 0;
    default: return 0;
    }
}

static int walk_actions(lsp_index *x, const ast_action *a)
{
    for (; a; a = a->next) {
        int r = 0;
        switch (a->kind) {
        case ACT_ESCALATE: r = add_id(x, SYM_LEVEL, &a->target, 0); break;
        case ACT_SET:
            r = add_id(x, SYM_FIELD, &a->target, 0) || walk_expr(x, a->value);
            break;
        case ACT_REQUIRE:
            r = add_id(x, SYM_EVENT, &a->target, 0) || add_id(x, SYM_EVENT, &a->until, 0);
            break;
        case ACT_EMIT:
            for (const ast_expr *e = a->value; e && !r; e = e->next) r = walk_expr(x, e);
            break;
        default: break;
        }
        if (!r && (a->kind == ACT_REQUIRE || a->kind == ACT_REVIEW))
            r = add_id(x, SYM_CALENDAR, &a->calendar, 0);
        if (r) return -1;
    }
    return 0;
}

static int collect(lsp_index *x, const ast_policy *p)
{
    for (const ast_calendar *c = p->calendars; c; c = c->next)
        if (add_id(x, SYM_CALENDAR, &c->name, 1)) return -1;
    for (const ast_field *f = p->fields; f; f = f->next) {
        if (add_id(x, SYM_FIELD, &f->name, 1)) return -1;
        for (const ast_ident *v = f->values; v; v = v->next)
            if (add(x, SYM_VALUE, v->name, f->name.name, v->loc, 1)) return -1;
        if (add_list(x, SYM_EVENT, f->required_on, 0)) return -1;
    }
    if (add_list(x, SYM_LEVEL, p->levels, 1) || add_list(x, SYM_EVENT, p->events, 1)) return -1;
    for (const ast_clock *c = p->clocks; c; c = c->next)
        if (add_id(x, SYM_CLOCK, &c->name, 1) || add_list(x, SYM_EVENT, c->starts_on, 0) ||
            add_list(x, SYM_EVENT, c->stops_on, 0) || add_list(x, SYM_EVENT, c->pauses_on, 0) ||
            add_list(x, SYM_EVENT, c->resumes_on, 0) || add_list(x, SYM_EVENT, c->resets_on, 0) ||
            walk_expr(x, c->pauses_while))
            return -1;
    for (const ast_ladder *l = p->ladders; l; l = l->next) {
        if (add_id(x, SYM_LADDER, &l->name, 1)) return -1;
        for (const ast_step *s = l->steps; s; s = s->next)
            if (add_id(x, SYM_CLOCK, &s->clock, 0) || walk_actions(x, s->actions)) return -1;
    }
    for (const ast_sla *s = p->slas; s; s = s->next) {
        if (add_id(x, SYM_TIER, &s->name, 1) || walk_expr(x, s->when)) return -1;
        for (const ast_target *t = s->targets; t; t = t->next)
            if (add_id(x, SYM_CLOCK, &t->clock, 0) || add_id(x, SYM_CALENDAR, &t->calendar, 0))
                return -1;
        if (add_id(x, SYM_LADDER, &s->ladder, 0)) return -1;
    }
    for (const ast_rule *r = p->rules; r; r = r->next)
        if (add_id(x, SYM_EVENT, &r->event, 0) || walk_expr(x, r->when) ||
            add_id(x, SYM_RULE, &r->label, 1) || walk_actions(x, r->actions))
            return -1;
    return 0;
}

int idx_build(lsp_index *x, const char *file, const char *text, size_t len)
{
    memset(x, 0, sizeof *x);
    if (fe_load_text(&x->fe, file, text, len, NULL, 0) == 3 || !x->fe.ast) return -1;
    return collect(x, x->fe.ast);
}

void idx_free(lsp_index *x)
{
    free(x->v);
    fe_release(&x->fe);
    memset(x, 0, sizeof *x);
}

/* Whether (line, col) falls in the span (the column just past the end counts,
 * so a cursor at the end of a name still finds it). */
static int inside(src_loc l, int line, int col)
{
    int el = l.end_line ? l.end_line : l.line;
    if (line < l.line || line > el) return 0;
    if (line == l.line && col < l.col) return 0;
    if (line == el && col > l.end_col) return 0;
    return 1;
}

const occ *idx_at(const lsp_index *x, int line, int col)
{
    const occ *best = NULL;
    for (size_t i = 0; i < x->n; i++)
        if (inside(x->v[i].loc, line, col)) {
            best = &x->v[i];
            /* a cursor between two names (`a,b`) means the one it is on */
            if (col < x->v[i].loc.end_col) break;
        }
    return best;
}

int occ_same(const occ *a, const occ *b)
{
    if (a->kind != b->kind || strcmp(a->name, b->name)) return 0;
    if (!a->owner || !b->owner) return a->owner == b->owner;
    return !strcmp(a->owner, b->owner);
}

const occ *idx_def(const lsp_index *x, const occ *o)
{
    for (size_t i = 0; i < x->n; i++)
        if (x->v[i].is_def && occ_same(&x->v[i], o)) return &x->v[i];
    return NULL;
}

const ast_field *idx_field(const lsp_index *x, const char *name)
{
    for (const ast_field *f = x->fe.ast ? x->fe.ast->fields : NULL; f; f = f->next)
        if (f->name.name && !strcmp(f->name.name, name)) return f;
    return NULL;
}

int idx_is_builtin_event(const char *name)
{
    for (int i = 0; i < AST_NBUILTIN_EVENTS; i++)
        if (!strcmp(ast_builtin_events[i], name)) return 1;
    return 0;
}
