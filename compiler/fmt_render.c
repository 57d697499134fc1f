/*
 * fmt_render.c - the formatter's small pieces: strings, durations as the author
 * spelled them, wrapped lists, expressions (keeping the author's parentheses)
 * and actions, each appended to a growing string.
 *
 * It prints no lines and places no comments (fmt_lines.c does); the blocks and
 * declarations that use these pieces are in fmt_layout.c.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_int.h"

void fmt_r_string(sbuf *b, const char *s)
{
    sb_putc(b, '"');
    for (; *s; s++) {
        switch (*s) {
        case '"': sb_puts(b, "\\\""); break;
        case '\\': sb_puts(b, "\\\\"); break;
        case '\n': sb_puts(b, "\\n"); break;
        case '\t': sb_puts(b, "\\t"); break;
        default: sb_putc(b, *s);
        }
    }
    sb_putc(b, '"');
}

/* A wall-clock duration literal as the author spelled it, with parts of zero and
 * leading zeros dropped: `1h0m` -> `1h`, `090m` -> `90m`, `0h0m` -> `0m`. */
static void r_durlit(sbuf *b, const char *s, size_t n)
{
    size_t i = 0, start = b->n;
    char last_unit = 's';
    while (i < n) {
        size_t d = i;
        while (d < n && is_digit(s[d])) d++;
        if (d >= n) break;
        size_t z = i;
        while (z + 1 < d && s[z] == '0') z++;
        last_unit = s[d];
        if (!(d - z == 1 && s[z] == '0')) {
            sb_putn(b, s + z, d - z);
            sb_putc(b, s[d]);
        }
        i = d + 1;
    }
    if (b->n == start) {
        sb_putc(b, '0');
        sb_putc(b, last_unit);
    }
}

void fmt_r_dur(fmt_p *P, sbuf *b, ast_duration d)
{
    if (d.unit == DUR_WORKING_DAYS) {
        sb_printf(b, "%" PRId64 " working %s", d.amount, d.amount == 1 ? "day" : "days");
        return;
    }
    size_t i = tok_at(P, loc_start(P, d.loc));
    while (tok_is(P, i, "(")) i++; /* a parenthesised literal in an expression */
    if (i + 1 < P->S.nt && tok_is(P, i + 1, "working")) {
        int64_t h = d.amount / 3600;
        sb_printf(b, "%" PRId64 " working %s", h, h == 1 ? "hour" : "hours");
    } else if (i < P->S.nt && P->S.t[i].kind == TK_NUM) {
        r_durlit(b, P->src + P->S.t[i].off, P->S.t[i].len);
    } else {
        sb_printf(b, "%" PRId64 "s", d.amount);
    }
}

/* Would the current line pass the width with `extra` more columns? */
static int too_wide(const sbuf *b, int extra) { return sb_col(b) + extra > FMT_WIDTH; }

/* Items separated by ", ", wrapped to column `cont` where a line would grow past
 * the width; `tail` columns are kept free after the last item. */
void fmt_r_list(fmt_p *P, sbuf *b, const void *const *items, size_t n, fmt_r_item_fn fn,
                   int cont, int tail)
{
    for (size_t i = 0; i < n; i++) {
        size_t mark = b->n;
        if (i) sb_puts(b, ", ");
        fn(P, b, items[i]);
        if (i && too_wide(b, i + 1 < n ? 1 : tail)) {
            b->n = mark;
            b->p[b->n] = '\0';
            sb_puts(b, ",\n");
            sb_pad(b, cont);
            fn(P, b, items[i]);
        }
    }
}

void fmt_r_ident_item(fmt_p *P, sbuf *b, const void *item)
{
    (void)P;
    sb_puts(b, ((const ast_ident *)item)->name);
}

static void r_time(sbuf *b, int min) { sb_printf(b, "%02d:%02d", min / 60, min % 60); }

void fmt_r_interval_item(fmt_p *P, sbuf *b, const void *item)
{
    (void)P;
    const ast_interval *iv = item;
    r_time(b, iv->start_min);
    sb_putc(b, '-');
    r_time(b, iv->end_min);
}

static void r_date(sbuf *b, ast_date d) { sb_printf(b, "%04d-%02d-%02d", d.year, d.month, d.day); }

void fmt_r_closed_item(fmt_p *P, sbuf *b, const void *item)
{
    (void)P;
    const ast_closed *c = item;
    r_date(b, c->from);
    if (c->from.year != c->to.year || c->from.month != c->to.month || c->from.day != c->to.day) {
        sb_puts(b, "..");
        r_date(b, c->to);
    }
}

void fmt_r_idents(fmt_p *P, sbuf *b, const ast_ident *head, int cont, int tail)
{
    const ast_ident **a;
    size_t n;
    COLLECT(a, n, head);
    fmt_r_list(P, b, (const void *const *)a, n, fmt_r_ident_item, cont, tail);
    free(a);
}

/* ---- expressions and actions ----------------------------------------------------- */

/* Did the author write parentheses around `e`?  The parser widens a parenthesised
 * expression's span to its `(`; no other expression starts with one (a binary
 * one starts where its left operand does). */
static int has_parens(const fmt_p *P, const ast_expr *e)
{
    size_t s = loc_start(P, e->loc), nat = SIZE_MAX;
    if (e->kind == EX_AND || e->kind == EX_OR || e->kind == EX_CMP)
        nat = loc_start(P, e->u.bin.l->loc);
    else if (e->kind == EX_IN)
        nat = loc_start(P, e->u.in.l->loc);
    size_t i = tok_at(P, s);
    return i < P->S.nt && P->S.t[i].off < nat && tok_is(P, i, "(");
}

static void r_expr_item(fmt_p *P, sbuf *b, const void *item) { fmt_r_expr(P, b, item); }

static void r_exprs(fmt_p *P, sbuf *b, const ast_expr *head, int tail)
{
    const ast_expr **a;
    size_t n;
    COLLECT(a, n, head);
    fmt_r_list(P, b, (const void *const *)a, n, r_expr_item, sb_col(b), tail);
    free(a);
}

void fmt_r_expr(fmt_p *P, sbuf *b, const ast_expr *e)
{
    static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};
    int par = has_parens(P, e);
    if (par) sb_putc(b, '(');
    switch (e->kind) {
    case EX_INT: sb_printf(b, "%" PRId64, e->u.ival); break;
    case EX_BOOL: sb_puts(b, e->u.ival ? "true" : "false"); break;
    case EX_STRING: fmt_r_string(b, e->u.sval); break;
    case EX_DURATION: {
        ast_duration d = {DUR_SECONDS, e->u.ival, e->loc};
        fmt_r_dur(P, b, d);
        break;
    }
    case EX_NAME: sb_puts(b, e->u.sval); break;
    case EX_NOT:
        sb_puts(b, "not ");
        fmt_r_expr(P, b, e->u.operand);
        break;
    case EX_AND:
    case EX_OR:
        fmt_r_expr(P, b, e->u.bin.l);
        sb_puts(b, e->kind == EX_AND ? " and " : " or ");
        fmt_r_expr(P, b, e->u.bin.r);
        break;
    case EX_CMP:
        fmt_r_expr(P, b, e->u.bin.l);
        sb_printf(b, " %s ", ops[e->u.bin.op]);
        fmt_r_expr(P, b, e->u.bin.r);
        break;
    case EX_IN:
        fmt_r_expr(P, b, e->u.in.l);
        sb_puts(b, " in (");
        r_exprs(P, b, e->u.in.items, 1 + par);
        sb_putc(b, ')');
        break;
    }
    if (par) sb_putc(b, ')');
}

static void r_within(fmt_p *P, sbuf *b, const ast_action *a)
{
    sb_puts(b, " within ");
    fmt_r_dur(P, b, a->within);
    if (a->calendar.name) sb_printf(b, " on %s", a->calendar.name);
}

void fmt_r_action(fmt_p *P, sbuf *b, const ast_action *a)
{
    const char *t = a->target.name ? a->target.name : "";
    switch (a->kind) {
    case ACT_ROUTE: sb_printf(b, "route %s", t); break;
    case ACT_ASSIGN: sb_printf(b, "assign %s", t); break;
    case ACT_ESCALATE: sb_printf(b, "escalate to %s", t); break;
    case ACT_NOTIFY:
        sb_printf(b, "notify %s ", t);
        fmt_r_string(b, a->message ? a->message : "");
        break;
    case ACT_SET:
        sb_printf(b, "set %s = ", t);
        fmt_r_expr(P, b, a->value);
        break;
    case ACT_REQUIRE:
        sb_printf(b, "require %s", t);
        r_within(P, b, a);
        if (a->until.name) sb_printf(b, " until %s", a->until.name);
        break;
    case ACT_REVIEW:
        sb_puts(b, "open review");
        r_within(P, b, a);
        break;
    case ACT_EMIT:
        sb_printf(b, "emit %s(", t);
        r_exprs(P, b, a->value, 1);
        sb_putc(b, ')');
        break;
    }
}

