/*
 * gbuild.c - the tree builders behind parser.y's actions: nodes in the policy's
 * arena, the header and declaration-order checks, day names.
 *
 * Part of the second stage (lexer.l -> parser.y -> check.c -> ...): the grammar
 * decides what to build, these functions build it (declared in gbuild.h).
 */
#include <stdio.h>
#include <string.h>

#include "gbuild.h"

void *gr_alloc(gr_state *ps, size_t n) { return ast_alloc(ps->pol, n); }

ast_ident *gr_mk_ident(gr_state *ps, const char *name, SLATE_YYLTYPE loc)
{
    ast_ident *id = gr_alloc(ps, sizeof *id);
    id->name = name;
    id->loc = gr_loc(loc);
    id->ref = -1;
    return id;
}

/* An embedded ident copied from a parsed one (NULL: the absent name). */
ast_ident gr_ident_val(const ast_ident *id)
{
    ast_ident v = {NULL, {0, 0, 0, 0}, NULL, -1};
    if (id) {
        v = *id;
        v.next = NULL;
    }
    return v;
}

ast_expr *gr_mk_expr(gr_state *ps, ast_expr_kind k, SLATE_YYLTYPE loc)
{
    ast_expr *e = gr_alloc(ps, sizeof *e);
    e->kind = k;
    e->loc = gr_loc(loc);
    e->ref = -1;
    return e;
}

ast_expr *gr_mk_bin(gr_state *ps, ast_expr_kind k, ast_expr *l, ast_expr *r,
                    ast_cmp_op op, SLATE_YYLTYPE loc)
{
    ast_expr *e = gr_mk_expr(ps, k, loc);
    e->u.bin.l = l;
    e->u.bin.r = r;
    e->u.bin.op = op;
    if (k == EX_AND || k == EX_OR) {
        int dl = l ? l->depth : 0, dr = r ? r->depth : 0;
        e->depth = 1 + (dl > dr ? dl : dr);
        if (e->depth == AST_MAX_EXPR_DEPTH + 1) /* report once per chain */
            diag_error(ps->d, e->loc, "split the condition, or use `in (...)` for a list of values",
                       "the condition is too long: more than %d `and`/`or`", AST_MAX_EXPR_DEPTH);
    }
    return e;
}

ast_action *gr_mk_action(gr_state *ps, ast_action_kind k, SLATE_YYLTYPE loc,
                         const ast_ident *target)
{
    ast_action *a = gr_alloc(ps, sizeof *a);
    a->kind = k;
    a->loc = gr_loc(loc);
    a->target = gr_ident_val(target);
    a->calendar = gr_ident_val(NULL);
    a->until = gr_ident_val(NULL);
    return a;
}

ast_step *gr_mk_step(gr_state *ps, ast_step_kind k, SLATE_YYLTYPE loc,
                     const ast_ident *clock)
{
    ast_step *s = gr_alloc(ps, sizeof *s);
    s->kind = k;
    s->loc = gr_loc(loc);
    s->clock = gr_ident_val(clock);
    return s;
}

ast_duration gr_mk_dur(ast_dur_unit u, int64_t amount, SLATE_YYLTYPE loc)
{
    ast_duration d = {u, amount, gr_loc(loc)};
    return d;
}

/* `N working hours`: N hours of the calendar's time, in seconds. */
ast_duration gr_working_hours(gr_state *ps, int64_t n, SLATE_YYLTYPE loc)
{
    if (n > INT64_MAX / 3600) {
        diag_error(ps->d, gr_loc(loc), NULL, "duration is too long");
        n = 0;
    }
    return gr_mk_dur(DUR_SECONDS, n * 3600, loc);
}

/* Every declaration passes here: the `policy` header must come first. */
void gr_note_decl(gr_state *ps, SLATE_YYLTYPE kw)
{
    if (ps->ndecls++ == 0) ps->first_decl = gr_loc(kw);
}

void gr_note_header(gr_state *ps, SLATE_YYLTYPE kw, const char *name, const char *version,
                    SLATE_YYLTYPE whole)
{
    if (ps->have_header) {
        char hint[96];
        snprintf(hint, sizeof hint, "a file holds one policy; its header is on line %d",
                 ps->header_line);
        diag_error(ps->d, gr_loc(kw), hint, "a second `policy` header");
        return;
    }
    if (ps->ndecls > 0)
        diag_error(ps->d, gr_loc(kw), "move the header to the top of the file",
                   "the `policy` header must come before every declaration");
    ps->have_header = 1;
    ps->header_line = kw.first_line;
    ps->pol->name = name;
    ps->pol->version = version;
    ps->pol->header_loc = gr_loc(whole);
    ps->ndecls++;
}

static const char *const day_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* mon=0 .. sun=6; reports an unknown day and returns 0. */
int gr_day_index(gr_state *ps, const char *name, SLATE_YYLTYPE loc)
{
    for (int i = 0; i < 7; i++)
        if (!strcmp(name, day_names[i])) return i;
    diag_suggest s;
    diag_suggest_init(&s, name);
    for (int i = 0; i < 7; i++) diag_suggest_add(&s, day_names[i]);
    char hint[64];
    const char *h = diag_suggest_hint(&s, hint, sizeof hint);
    const char *dflt = "days are `mon` `tue` `wed` `thu` `fri` `sat` `sun`";
    diag_error(ps->d, gr_loc(loc), h ? h : dflt, "unknown day `%s`", name);
    return 0;
}
