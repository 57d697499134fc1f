/*
 * fmt.c - the canonical formatter behind `slate fmt` (see fmt.h, docs/fmt.md).
 *
 * A side branch of the pipeline: grammar/parser.y gives the tree, and a light scan
 * of our own over the same text gives what the tree does not keep: the comments,
 * the order of a clock's clauses, the `case`, `levels` and `events` blocks, which
 * `closed` line a holiday was on, the author's parentheses and duration spellings.
 * The printer walks the declarations in source order and builds output lines;
 * comments are put back by source offset as it goes (a comment before an item is
 * printed above it, one at the end of a line stays at the end of that line, one
 * inside an item that is printed on one line moves above it).  Finally the output
 * is parsed again and returned only if its tree and its comments are the same.
 *
 * This file holds the entry point, the structural dump and that self-check; the
 * scan, the pieces of a line, the layout and the comment placement live in
 * fmt_scan.c, fmt_render.c, fmt_layout.c and fmt_lines.c (shared types in
 * fmt_int.h).  It does not lay anything out itself.
 */
#include "fmt.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "fmt_int.h"
#include "parse.h"

/* ---- the structural dump ------------------------------------------------------------ */

static void d_str(sbuf *b, const char *s)
{
    if (!s) {
        sb_puts(b, "-");
        return;
    }
    sb_printf(b, "%zu:", strlen(s));
    sb_puts(b, s);
}

static void d_ident(sbuf *b, const ast_ident *i) { d_str(b, i ? i->name : NULL); }

static void d_idents(sbuf *b, const char *what, const ast_ident *i)
{
    sb_printf(b, " %s[", what);
    for (; i; i = i->next) {
        d_ident(b, i);
        if (i->next) sb_putc(b, ' ');
    }
    sb_putc(b, ']');
}

static void d_dur(sbuf *b, ast_duration d)
{
    sb_printf(b, "%s%" PRId64, d.unit == DUR_WORKING_DAYS ? "wd" : "s", d.amount);
}

static void d_expr(sbuf *b, const ast_expr *e)
{
    if (!e) {
        sb_puts(b, "-");
        return;
    }
    switch (e->kind) {
    case EX_INT: sb_printf(b, "int(%" PRId64 ")", e->u.ival); break;
    case EX_BOOL: sb_printf(b, "bool(%" PRId64 ")", e->u.ival); break;
    case EX_DURATION: sb_printf(b, "dur(%" PRId64 ")", e->u.ival); break;
    case EX_STRING: sb_puts(b, "str("); d_str(b, e->u.sval); sb_putc(b, ')'); break;
    case EX_NAME: sb_puts(b, "name("); d_str(b, e->u.sval); sb_putc(b, ')'); break;
    case EX_NOT: sb_puts(b, "not("); d_expr(b, e->u.operand); sb_putc(b, ')'); break;
    case EX_AND:
    case EX_OR:
    case EX_CMP:
        sb_printf(b, "%s(", e->kind == EX_AND ? "and" : e->kind == EX_OR ? "or" : "cmp");
        if (e->kind == EX_CMP) sb_printf(b, "%d ", (int)e->u.bin.op);
        d_expr(b, e->u.bin.l);
        sb_putc(b, ' ');
        d_expr(b, e->u.bin.r);
        sb_putc(b, ')');
        break;
    case EX_IN:
        sb_puts(b, "in(");
        d_expr(b, e->u.in.l);
        for (const ast_expr *x = e->u.in.items; x; x = x->next) {
            sb_putc(b, ' ');
            d_expr(b, x);
        }
        sb_putc(b, ')');
        break;
    }
}

static void d_actions(sbuf *b, const ast_action *a)
{
    for (; a; a = a->next) {
        sb_printf(b, "    action %d ", (int)a->kind);
        d_ident(b, &a->target);
        sb_putc(b, ' ');
        d_str(b, a->message);
        sb_puts(b, " value[");
        for (const ast_expr *x = a->value; x; x = x->next) {
            d_expr(b, x);
            if (x->next) sb_putc(b, ' ');
        }
        sb_puts(b, "] ");
        d_dur(b, a->within);
        sb_putc(b, ' ');
        d_ident(b, &a->calendar);
        sb_putc(b, ' ');
        d_ident(b, &a->until);
        sb_putc(b, '\n');
    }
}

char *fmt_ast_dump(const ast_policy *p)
{
    sbuf b = {0};
    sb_puts(&b, "policy ");
    d_str(&b, p->name);
    sb_putc(&b, ' ');
    d_str(&b, p->version);
    sb_putc(&b, '\n');
    for (const ast_calendar *c = p->calendars; c; c = c->next) {
        sb_puts(&b, "calendar ");
        d_ident(&b, &c->name);
        sb_puts(&b, " zone ");
        d_str(&b, c->zone);
        sb_putc(&b, '\n');
        for (const ast_hours *h = c->hours; h; h = h->next) {
            sb_printf(&b, "  hours %d-%d", h->first_day, h->last_day);
            for (const ast_interval *iv = h->intervals; iv; iv = iv->next)
                sb_printf(&b, " %d-%d", iv->start_min, iv->end_min);
            sb_putc(&b, '\n');
        }
        for (const ast_closed *x = c->closed; x; x = x->next)
            sb_printf(&b, "  closed %d-%d-%d..%d-%d-%d\n", x->from.year, x->from.month,
                      x->from.day, x->to.year, x->to.month, x->to.day);
        for (const ast_closed *x = c->open; x; x = x->next) {
            sb_printf(&b, "  open %d-%d-%d..%d-%d-%d", x->from.year, x->from.month, x->from.day,
                      x->to.year, x->to.month, x->to.day);
            for (const ast_interval *iv = x->hours; iv; iv = iv->next)
                sb_printf(&b, " %d-%d", iv->start_min, iv->end_min);
            sb_putc(&b, '\n');
        }
    }
    for (const ast_field *f = p->fields; f; f = f->next) {
        sb_puts(&b, "field ");
        d_ident(&b, &f->name);
        sb_printf(&b, " %d %d", (int)f->kind, f->nvalues);
        d_idents(&b, "values", f->values);
        d_idents(&b, "required", f->required_on);
        sb_putc(&b, '\n');
    }
    d_idents(&b, "levels", p->levels);
    d_idents(&b, "events", p->events);
    sb_putc(&b, '\n');
    for (const ast_clock *c = p->clocks; c; c = c->next) {
        sb_puts(&b, "clock ");
        d_ident(&b, &c->name);
        d_idents(&b, "starts", c->starts_on);
        d_idents(&b, "stops", c->stops_on);
        d_idents(&b, "pauses", c->pauses_on);
        d_idents(&b, "resumes", c->resumes_on);
        d_idents(&b, "resets", c->resets_on);
        if (c->late_from_change) sb_puts(&b, " late-from-change");
        sb_puts(&b, " while ");
        d_expr(&b, c->pauses_while);
        sb_putc(&b, '\n');
    }
    for (const ast_ladder *l = p->ladders; l; l = l->next) {
        sb_puts(&b, "ladder ");
        d_ident(&b, &l->name);
        sb_putc(&b, '\n');
        for (const ast_step *s = l->steps; s; s = s->next) {
            sb_printf(&b, "  step %d %d ", (int)s->kind, s->percent);
            d_dur(&b, s->offset);
            sb_putc(&b, ' ');
            d_ident(&b, &s->clock);
            sb_putc(&b, '\n');
            d_actions(&b, s->actions);
        }
    }
    for (const ast_sla *s = p->slas; s; s = s->next) {
        sb_puts(&b, "sla ");
        d_ident(&b, &s->name);
        sb_putc(&b, ' ');
        d_expr(&b, s->when);
        sb_puts(&b, " ladder ");
        d_ident(&b, &s->ladder);
        sb_putc(&b, '\n');
        for (const ast_target *t = s->targets; t; t = t->next) {
            sb_puts(&b, "  target ");
            d_ident(&b, &t->clock);
            sb_putc(&b, ' ');
            d_dur(&b, t->within);
            sb_putc(&b, ' ');
            d_ident(&b, &t->calendar);
            if (t->cal_field.name) {
                sb_putc(&b, '[');
                d_ident(&b, &t->cal_field);
                sb_putc(&b, ']');
            }
            sb_putc(&b, '\n');
        }
    }
    if (p->has_reopen) {
        sb_puts(&b, "reopen ");
        d_dur(&b, p->reopen_within);
        d_idents(&b, "on", p->reopen_on);
        sb_putc(&b, '\n');
    }
    for (const ast_rule *r = p->rules; r; r = r->next) {
        sb_puts(&b, "rule ");
        d_ident(&b, &r->event);
        sb_putc(&b, ' ');
        d_expr(&b, r->when);
        sb_puts(&b, " as ");
        d_ident(&b, &r->label);
        sb_putc(&b, '\n');
        d_actions(&b, r->actions);
    }
    return b.p;
}

/* ---- the entry point ------------------------------------------------------------------ */

/* Does `text` parse to the tree `want` (dumped) with the same comments as `S`? */
static int same_policy(const char *file, const char *want, const fscan *S, const char *src,
                       const char *text, size_t len)
{
    char *msgs = NULL;
    size_t mlen = 0;
    FILE *f = open_memstream(&msgs, &mlen);
    if (!f) return 0;
    diag_ctx d;
    diag_init(&d, file, text, len, f);
    ast_policy *p = parse_policy(file, text, len, &d);
    fclose(f);
    free(msgs);
    int ok = p && !d.errors;
    char *got = ok ? fmt_ast_dump(p) : NULL;
    ok = ok && got && !strcmp(want, got);
    free(got);
    ast_free(p);
    fscan T;
    fmt_scan(&T, text, len);
    ok = ok && T.nc == S->nc;
    for (size_t i = 0; ok && i < T.nc; i++)
        ok = T.c[i].len == S->c[i].len && !memcmp(text + T.c[i].off, src + S->c[i].off, T.c[i].len);
    fmt_scan_free(&T);
    return ok;
}

int fmt_source(const char *file, const char *src, size_t len, FILE *diag_out, char **out,
               size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (!src) src = "";
    diag_ctx d;
    diag_init(&d, file, src, len, diag_out);
    ast_policy *ast = parse_policy(file, src, len, &d);
    if (!ast) {
        fprintf(diag_out, "slate: out of memory\n");
        return 3;
    }
    if (d.errors) {
        diag_summary(&d);
        ast_free(ast);
        return 1;
    }
    fmt_p P;
    memset(&P, 0, sizeof P);
    P.src = src;
    P.len = len;
    P.ast = ast;
    fmt_scan(&P.S, src, len);
    fmt_print_policy(&P);
    size_t n;
    char *text = fmt_assemble(&P, &n);
    char *want = fmt_ast_dump(ast);
    int rc = 0;
    if (!want || !same_policy(file, want, &P.S, src, text, n)) {
        fprintf(diag_out, "%s: internal error: the formatted text would change the policy; "
                          "the file is left as it is (please report this)\n", file);
        free(text);
        rc = 3;
    } else {
        *out = text;
        *out_len = n;
    }
    free(want);
    for (size_t i = 0; i < P.nln; i++) free(P.ln[i].code);
    free(P.ln);
    fmt_scan_free(&P.S);
    ast_free(ast);
    return rc;
}
