/*
 * fmt_layout.c - the formatter's canonical layout (docs/fmt.md): each kind of
 * declaration and block, printed in source order.
 *
 * Every declaration is found in the tree and its source span; items in a block
 * are sorted by where they stood and aligned in runs.  The pieces inside a line
 * come from fmt_render.c and the comments are placed by fmt_lines.c; nothing
 * here parses or checks the result (fmt.c does).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt_int.h"

/* The token that closes the block opened by the `{` at index `open`. */
static size_t matching_close(const fmt_p *P, size_t open)
{
    for (size_t i = open + 1; i < P->S.nt; i++)
        if (P->S.t[i].depth == P->S.t[open].depth && tok_is(P, i, "}")) return i;
    return P->S.nt - 1;
}

/* The first `{` at or after offset `off`. */
static size_t open_after(const fmt_p *P, size_t off)
{
    size_t i = tok_at(P, off);
    while (i < P->S.nt && !tok_is(P, i, "{")) i++;
    return i;
}

static const char *const day_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* ---- blocks ------------------------------------------------------------------------ */

typedef struct fitem {
    size_t start, end; /* source span, for comments and blank lines */
    int kind;
    const void *node;
    int n;             /* IT_CLOSED, IT_OPEN: dates on this `closed` or `open` line */
} fitem;

enum { IT_ZONE, IT_HOURS, IT_CLOSED, IT_OPEN, IT_FIELD, IT_STEP, IT_TARGET, IT_LADDER, IT_ACTION };

static int cmp_item(const void *a, const void *b)
{
    const fitem *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

/* Items i and i+1 belong to one alignment run: same kind, no blank line between. */
static int same_run(const fmt_p *P, const fitem *it, size_t i)
{
    if (it[i].kind != it[i + 1].kind) return 0;
    int l1 = line_of(P, it[i].end ? it[i].end - 1 : 0), l2 = line_of(P, it[i + 1].start);
    return l2 <= l1 + 1 || P->S.nblank[l2 - 1] - P->S.nblank[l1] == 0;
}

static void run_bounds(const fmt_p *P, const fitem *it, size_t n, size_t i, size_t *a, size_t *b)
{
    *a = i;
    while (*a > 0 && same_run(P, it, *a - 1)) (*a)--;
    *b = i + 1;
    while (*b < n && same_run(P, it, *b - 1)) (*b)++;
}

typedef void (*r_block_fn)(fmt_p *P, sbuf *b, const fitem *it, size_t i, size_t n);

/* Print `hdr` and ` {`, the items in source order one per line, and `}`; `open`
 * and `close` are the brace tokens.  An empty block without comments is `{}`. */
static void p_block(fmt_p *P, sbuf *hdr, fitem *it, size_t n, size_t open, size_t close,
                    r_block_fn fn)
{
    size_t o = P->S.t[open].off, c = P->S.t[close].off;
    int has_com = P->ci < P->S.nc && P->S.c[P->ci].off < c;
    if (!n && !has_com) {
        sb_puts(hdr, "{}");
        fmt_put_code(P, hdr, c + 1);
        return;
    }
    sb_putc(hdr, '{');
    fmt_put_code(P, hdr, o + 1);
    P->indent += FMT_INDENT;
    P->blank_ok = 0;
    if (n) qsort(it, n, sizeof *it, cmp_item);
    for (size_t i = 0; i < n; i++) {
        fmt_begin_item(P, it[i].start, it[i].end);
        sbuf b = {0};
        sb_pad(&b, P->indent);
        fn(P, &b, it, i, n);
        fmt_put_code(P, &b, it[i].end);
        free(b.p);
    }
    fmt_flush(P, c);
    P->indent -= FMT_INDENT;
    sbuf e = {0};
    sb_pad(&e, P->indent);
    sb_putc(&e, '}');
    fmt_put_code(P, &e, c + 1);
    free(e.p);
}

static fitem *grow_items(fitem *it, size_t n, size_t *cap)
{
    if (n < *cap) return it;
    *cap = *cap ? 2 * *cap : 16;
    return xrealloc(it, *cap * sizeof *it);
}

#define ADD_ITEM(...)                                  \
    do {                                               \
        it = grow_items(it, n, &cap);                  \
        it[n++] = (fitem){__VA_ARGS__};                \
    } while (0)

/* Opens the layout of a declaration with a `{ ... }` block that spans `loc`
 * (calendar, ladder, sla, rule): starts the declaration at its first token and
 * returns the token index of its `{`; *close receives that of the matching `}`. */
static size_t begin_block(fmt_p *P, src_loc loc, size_t *close)
{
    size_t start = loc_start(P, loc), open = open_after(P, start);
    *close = matching_close(P, open);
    fmt_begin_decl(P, start, P->S.t[open].off);
    return open;
}

/* Appends `when CONDITION ` to a block header (nothing when `when` is NULL). */
static void put_when(fmt_p *P, sbuf *hdr, const ast_expr *when)
{
    if (!when) return;
    sb_puts(hdr, "when ");
    fmt_r_expr(P, hdr, when);
    sb_putc(hdr, ' ');
}

/* ---- calendar ---- */

static void r_cal_item(fmt_p *P, sbuf *b, const fitem *it, size_t i, size_t n)
{
    (void)n;
    const fitem *x = &it[i];
    if (x->kind == IT_ZONE) {
        sb_puts(b, "zone ");
        fmt_r_string(b, x->node);
    } else if (x->kind == IT_HOURS) {
        const ast_hours *h = x->node;
        sb_printf(b, "hours %s", day_names[h->first_day % 7]);
        if (h->last_day != h->first_day) sb_printf(b, "-%s", day_names[h->last_day % 7]);
        sb_putc(b, ' ');
        const ast_interval **a;
        size_t k;
        COLLECT(a, k, h->intervals);
        fmt_r_list(P, b, (const void *const *)a, k, fmt_r_interval_item, sb_col(b), 0);
        free(a);
    } else {
        sb_puts(b, x->kind == IT_OPEN ? "open " : "closed ");
        const void **a = xrealloc(NULL, (size_t)x->n * sizeof *a);
        const ast_closed *c = x->node;
        for (int k = 0; k < x->n; k++, c = c->next) a[k] = c;
        fmt_r_list(P, b, a, (size_t)x->n, fmt_r_closed_item, sb_col(b), 0);
        free(a);
        const ast_closed *o = x->node;
        if (x->kind == IT_OPEN && o->hours) { /* an open line's hours follow its dates */
            sb_putc(b, ' ');
            const ast_interval **h;
            size_t k;
            COLLECT(h, k, o->hours);
            fmt_r_list(P, b, (const void *const *)h, k, fmt_r_interval_item, sb_col(b), 0);
            free(h);
        }
    }
}

/* Add the items of a `closed` or `open` list, one per line of them (the dates
 * after one keyword), spanning the line's hours too. */
static void add_day_items(fmt_p *P, fitem **it, size_t *n, size_t *cap, const ast_closed *list, int kind)
{
    size_t group_kw = SIZE_MAX;
    for (const ast_closed *d = list; d; d = d->next) {
        size_t i = tok_at(P, loc_start(P, d->loc));
        while (i > 0 && P->S.t[i].kind != TK_WORD) i--;
        if (i != group_kw || !*n || (*it)[*n - 1].kind != kind) {
            group_kw = i;
            *it = grow_items(*it, *n, cap);
            (*it)[(*n)++] = (fitem){P->S.t[i].off, loc_end(P, d->loc), kind, d, 0};
        }
        (*it)[*n - 1].n++;
        size_t end = loc_end(P, d->loc);
        for (const ast_interval *iv = d->hours; iv; iv = iv->next)
            if (loc_end(P, iv->loc) > end) end = loc_end(P, iv->loc);
        (*it)[*n - 1].end = end;
    }
}

static void p_calendar(fmt_p *P, const ast_calendar *c)
{
    size_t close, open = begin_block(P, c->loc, &close);
    fitem *it = NULL;
    size_t n = 0, cap = 0;
    if (c->zone) {
        size_t zi = tok_at(P, loc_start(P, c->zone_loc));
        ADD_ITEM(zi ? P->S.t[zi - 1].off : 0, loc_end(P, c->zone_loc), IT_ZONE, c->zone, 0);
    }
    for (const ast_hours *h = c->hours; h; h = h->next)
        ADD_ITEM(loc_start(P, h->loc), loc_end(P, h->loc), IT_HOURS, h, 0);
    /* holidays (and open dates) are grouped by the `closed` (`open`) word before them */
    add_day_items(P, &it, &n, &cap, c->closed, IT_CLOSED);
    add_day_items(P, &it, &n, &cap, c->open, IT_OPEN);
    sbuf hdr = {0};
    sb_printf(&hdr, "calendar %s ", c->name.name);
    p_block(P, &hdr, it, n, open, close, r_cal_item);
    free(hdr.p);
    free(it);
}

/* ---- case ---- */

static void r_field(fmt_p *P, sbuf *b, const fitem *it, size_t i, size_t n)
{
    size_t a, z;
    run_bounds(P, it, n, i, &a, &z);
    size_t w = 0;
    for (size_t k = a; k < z; k++) {
        size_t l = strlen(((const ast_field *)it[k].node)->name.name);
        if (l > w) w = l;
    }
    const ast_field *f = it[i].node;
    sb_printf(b, "%s:", f->name.name);
    sb_pad(b, (int)(w - strlen(f->name.name)) + 1);
    switch (f->kind) {
    case TY_ENUM:
        sb_puts(b, "enum { ");
        fmt_r_idents(P, b, f->values, sb_col(b), 2);
        sb_puts(b, " }");
        break;
    case TY_BOOL: sb_puts(b, "bool"); break;
    case TY_INT: sb_puts(b, "int"); break;
    case TY_STRING: sb_puts(b, "string"); break;
    case TY_DURATION: sb_puts(b, "duration"); break;
    default: sb_puts(b, "int"); break;
    }
    if (f->required_on) {
        sb_puts(b, " required on ");
        fmt_r_idents(P, b, f->required_on, sb_col(b), 2);
    }
}

static void p_case(fmt_p *P, size_t kw)
{
    size_t start = P->S.t[kw].off, open = open_after(P, start), close = matching_close(P, open);
    size_t o = P->S.t[open].off, c = P->S.t[close].off;
    fmt_begin_decl(P, start, o);
    fitem *it = NULL;
    size_t n = 0, cap = 0;
    for (const ast_field *f = P->ast->fields; f; f = f->next) {
        size_t s = loc_start(P, f->loc);
        if (s > o && s < c) ADD_ITEM(s, loc_end(P, f->loc), IT_FIELD, f, 0);
    }
    sbuf hdr = {0};
    sb_puts(&hdr, "case ");
    p_block(P, &hdr, it, n, open, close, r_field);
    free(hdr.p);
    free(it);
}

/* ---- levels, events: one line ---- */

static void p_names_block(fmt_p *P, size_t kw, const ast_ident *list)
{
    size_t start = P->S.t[kw].off, open = open_after(P, start), close = matching_close(P, open);
    size_t o = P->S.t[open].off, c = P->S.t[close].off;
    fmt_begin_decl(P, start, c);
    const ast_ident **a;
    size_t n, k = 0;
    COLLECT(a, n, list);
    for (size_t i = 0; i < n; i++) {
        size_t s = loc_start(P, a[i]->loc);
        if (s > o && s < c) a[k++] = a[i];
    }
    sbuf b = {0};
    sb_printf(&b, "%.*s {", (int)P->S.t[kw].len, P->src + start);
    if (k) {
        sb_putc(&b, ' ');
        fmt_r_list(P, &b, (const void *const *)a, k, fmt_r_ident_item, sb_col(&b), 2);
        sb_puts(&b, " }");
    } else {
        sb_putc(&b, '}');
    }
    fmt_put_code(P, &b, c + 1);
    free(b.p);
    free(a);
}

/* ---- clock ---- */

static void p_clock(fmt_p *P, const ast_clock *c)
{
    static const char *const verbs[] = {"starts", "stops", "pauses", "resumes", "resets"};
    const ast_ident *cur[5] = {c->starts_on, c->stops_on, c->pauses_on, c->resumes_on,
                               c->resets_on};
    size_t start = loc_start(P, c->loc), end = loc_end(P, c->loc);
    size_t i0 = tok_at(P, start), i1 = tok_at(P, end);
    size_t *kw = xrealloc(NULL, (i1 - i0 + 1) * sizeof *kw), nk = 0;
    for (size_t i = i0 + 1; i < i1; i++)
        for (int v = 0; v < 5; v++)
            if (P->S.t[i].depth == 0 && tok_is(P, i, verbs[v])) kw[nk++] = i;
    sbuf b = {0};
    sb_printf(&b, "clock %s", c->name.name);
    int col = (int)b.n + 1;
    if (!nk) {
        fmt_begin_decl(P, start, end);
        fmt_put_code(P, &b, end);
    }
    for (size_t k = 0; k < nk; k++) {
        size_t cs = P->S.t[kw[k]].off, ce = k + 1 < nk ? P->S.t[kw[k + 1]].off : end;
        int v = 0;
        while (!tok_is(P, kw[k], verbs[v])) v++;
        int is_while = v == 2 && tok_is(P, kw[k] + 1, "while") && c->pauses_while;
        int is_late = v == 0 && kw[k] + 3 < i1 && tok_is(P, kw[k] + 1, "late");
        /* the names of this clause, and where it ends */
        const ast_ident *first = cur[v], *last = NULL;
        size_t cnt = 0, cend = cs + P->S.t[kw[k]].len;
        if (is_while) {
            cend = loc_end(P, c->pauses_while->loc);
        } else if (is_late) { /* `starts late from change` */
            cend = P->S.t[kw[k] + 3].off + P->S.t[kw[k] + 3].len;
        } else {
            for (const ast_ident *x = first; x && loc_start(P, x->loc) < ce; x = x->next) {
                last = x;
                cnt++;
            }
            if (last) cend = loc_end(P, last->loc);
            cur[v] = last ? last->next : first;
        }
        if (k == 0) {
            fmt_begin_decl(P, start, cend);
            sb_putc(&b, ' ');
        } else {
            P->indent = col;
            P->blank_ok = 0;
            fmt_flush(P, cs);
            fmt_hoist(P, cend);
            b.n = 0;
            sb_pad(&b, col);
        }
        if (is_while) {
            sb_puts(&b, "pauses while ");
            fmt_r_expr(P, &b, c->pauses_while);
        } else if (is_late) {
            sb_puts(&b, "starts late from change");
        } else {
            sb_printf(&b, "%s on ", verbs[v]);
            const void **a = xrealloc(NULL, (cnt ? cnt : 1) * sizeof *a);
            const ast_ident *x = first;
            for (size_t j = 0; j < cnt; j++, x = x->next) a[j] = x;
            fmt_r_list(P, &b, a, cnt, fmt_r_ident_item, sb_col(&b), 0);
            free(a);
        }
        fmt_put_code(P, &b, cend);
    }
    P->indent = 0;
    free(b.p);
    free(kw);
}

/* ---- ladder ---- */

static void r_step_head(fmt_p *P, sbuf *b, const ast_step *s)
{
    const char *clk = s->clock.name ? s->clock.name : "";
    switch (s->kind) {
    case STEP_PERCENT: sb_printf(b, "at %d%% of %s", s->percent, clk); break;
    case STEP_BEFORE:
        sb_puts(b, "at ");
        fmt_r_dur(P, b, s->offset);
        sb_printf(b, " before breach of %s", clk);
        break;
    case STEP_BREACH:
        sb_printf(b, "at breach of %s", clk);
        /* with no `+ DUR` the parser gives the offset the clock name's span */
        if (memcmp(&s->offset.loc, &s->clock.loc, sizeof s->offset.loc)) {
            sb_puts(b, " + ");
            fmt_r_dur(P, b, s->offset);
        }
        break;
    }
}

static int max_line_width(const sbuf *b, size_t from)
{
    int w = 0, cur = 0;
    size_t i = from;
    while (i > 0 && b->p[i - 1] != '\n') {
        i--;
        cur++;
    }
    for (i = from; i < b->n; i++) {
        if (b->p[i] == '\n') {
            if (cur > w) w = cur;
            cur = 0;
        } else {
            cur++;
        }
    }
    return cur > w ? cur : w;
}

/* `at ... of CLOCK` then, in a column, the actions joined by `; `, or one per line
 * in that column when they do not fit on one. */
static void r_step(fmt_p *P, sbuf *b, const fitem *it, size_t i, size_t n)
{
    size_t a, z, w = 0;
    run_bounds(P, it, n, i, &a, &z);
    sbuf h = {0};
    for (size_t k = a; k < z; k++) {
        h.n = 0;
        r_step_head(P, &h, it[k].node);
        if (h.n > w) w = h.n;
    }
    const ast_step *s = it[i].node;
    size_t head = b->n;
    r_step_head(P, b, s);
    sb_pad(b, (int)(w - (b->n - head)) + 2);
    int col = sb_col(b);
    size_t mark = b->n;
    for (int one_per_line = 0; one_per_line < 2; one_per_line++) {
        b->n = mark;
        b->p[b->n] = '\0';
        for (const ast_action *x = s->actions; x; x = x->next) {
            if (x != s->actions) {
                if (one_per_line) {
                    sb_putc(b, '\n');
                    sb_pad(b, col);
                } else {
                    sb_puts(b, "; ");
                }
            }
            fmt_r_action(P, b, x);
        }
        if (!s->actions || !s->actions->next || max_line_width(b, mark) <= FMT_WIDTH) break;
    }
    free(h.p);
}

static void p_ladder(fmt_p *P, const ast_ladder *l)
{
    size_t close, open = begin_block(P, l->loc, &close);
    fitem *it = NULL;
    size_t n = 0, cap = 0;
    for (const ast_step *s = l->steps; s; s = s->next)
        ADD_ITEM(loc_start(P, s->loc), loc_end(P, s->loc), IT_STEP, s, 0);
    sbuf hdr = {0};
    sb_printf(&hdr, "ladder %s ", l->name.name);
    p_block(P, &hdr, it, n, open, close, r_step);
    free(hdr.p);
    free(it);
}

/* ---- sla ---- */

static void r_sla_item(fmt_p *P, sbuf *b, const fitem *it, size_t i, size_t n)
{
    if (it[i].kind == IT_LADDER) {
        sb_printf(b, "ladder %s", ((const ast_ident *)it[i].node)->name);
        return;
    }
    size_t a, z, w1 = 0, w2 = 0;
    run_bounds(P, it, n, i, &a, &z);
    sbuf d = {0};
    for (size_t k = a; k < z; k++) {
        const ast_target *t = it[k].node;
        size_t l = strlen(t->clock.name);
        if (l > w1) w1 = l;
        if (!t->calendar.name) continue;
        d.n = 0;
        fmt_r_dur(P, &d, t->within);
        if (d.n > w2) w2 = d.n;
    }
    const ast_target *t = it[i].node;
    sb_puts(b, t->clock.name);
    sb_pad(b, (int)(w1 - strlen(t->clock.name)) + 1);
    sb_puts(b, "within ");
    size_t m = b->n;
    fmt_r_dur(P, b, t->within);
    if (t->calendar.name) {
        sb_pad(b, (int)(w2 - (b->n - m)) + 1);
        sb_printf(b, "on %s", t->calendar.name);
        if (t->cal_field.name) sb_printf(b, "[%s]", t->cal_field.name);
    }
    free(d.p);
}

static void p_sla(fmt_p *P, const ast_sla *s)
{
    size_t close, open = begin_block(P, s->loc, &close);
    fitem *it = NULL;
    size_t n = 0, cap = 0;
    for (const ast_target *t = s->targets; t; t = t->next)
        ADD_ITEM(loc_start(P, t->loc), loc_end(P, t->loc), IT_TARGET, t, 0);
    if (s->ladder.name) {
        size_t li = tok_at(P, loc_start(P, s->ladder.loc));
        ADD_ITEM(li ? P->S.t[li - 1].off : 0, loc_end(P, s->ladder.loc), IT_LADDER, &s->ladder, 0);
    }
    sbuf hdr = {0};
    sb_printf(&hdr, "sla %s ", s->name.name);
    put_when(P, &hdr, s->when);
    p_block(P, &hdr, it, n, open, close, r_sla_item);
    free(hdr.p);
    free(it);
}

/* ---- rule ---- */

static void r_rule_item(fmt_p *P, sbuf *b, const fitem *it, size_t i, size_t n)
{
    (void)n;
    fmt_r_action(P, b, it[i].node);
}

static void p_rule(fmt_p *P, const ast_rule *r)
{
    size_t close, open = begin_block(P, r->loc, &close);
    fitem *it = NULL;
    size_t n = 0, cap = 0;
    for (const ast_action *a = r->actions; a; a = a->next)
        ADD_ITEM(loc_start(P, a->loc), loc_end(P, a->loc), IT_ACTION, a, 0);
    sbuf hdr = {0};
    sb_printf(&hdr, "on %s ", r->event.name);
    put_when(P, &hdr, r->when);
    if (r->label.name) sb_printf(&hdr, "as %s ", r->label.name);
    p_block(P, &hdr, it, n, open, close, r_rule_item);
    free(hdr.p);
    free(it);
}

/* ---- the whole file ---------------------------------------------------------------- */

enum { D_HEADER, D_CALENDAR, D_CASE, D_LEVELS, D_EVENTS, D_CLOCK, D_LADDER, D_SLA, D_RULE, D_REOPEN };

typedef struct fdecl {
    size_t start;
    int kind;
    const void *node; /* the AST node; for D_CASE, D_LEVELS, D_EVENTS the keyword's token */
    size_t kw;
} fdecl;

/* ---- reopen [on EVENT, ...] within D: one line ---- */

static void p_reopen(fmt_p *P, const ast_policy *p)
{
    size_t start = loc_start(P, p->reopen_loc), end = loc_end(P, p->reopen_loc);
    fmt_begin_decl(P, start, end);
    sbuf b = {0};
    sb_puts(&b, "reopen ");
    if (p->reopen_on) {
        sb_puts(&b, "on ");
        fmt_r_idents(P, &b, p->reopen_on, sb_col(&b), 0);
        sb_putc(&b, ' ');
    }
    sb_puts(&b, "within ");
    fmt_r_dur(P, &b, p->reopen_within);
    fmt_put_code(P, &b, end);
    free(b.p);
}

static int cmp_decl(const void *a, const void *b)
{
    const fdecl *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

void fmt_print_policy(fmt_p *P)
{
    const ast_policy *p = P->ast;
    fdecl *d = NULL;
    size_t n = 0, cap = 0;
#define ADD_DECL(...)                                                             \
    do {                                                                          \
        if (n == cap) d = xrealloc(d, (cap = cap ? 2 * cap : 32) * sizeof *d);    \
        d[n++] = (fdecl){__VA_ARGS__};                                            \
    } while (0)
    if (p->name) ADD_DECL(loc_start(P, p->header_loc), D_HEADER, p, 0);
    for (const ast_calendar *x = p->calendars; x; x = x->next)
        ADD_DECL(loc_start(P, x->loc), D_CALENDAR, x, 0);
    for (const ast_clock *x = p->clocks; x; x = x->next) ADD_DECL(loc_start(P, x->loc), D_CLOCK, x, 0);
    for (const ast_ladder *x = p->ladders; x; x = x->next)
        ADD_DECL(loc_start(P, x->loc), D_LADDER, x, 0);
    for (const ast_sla *x = p->slas; x; x = x->next) ADD_DECL(loc_start(P, x->loc), D_SLA, x, 0);
    for (const ast_rule *x = p->rules; x; x = x->next) ADD_DECL(loc_start(P, x->loc), D_RULE, x, 0);
    if (p->has_reopen) ADD_DECL(loc_start(P, p->reopen_loc), D_REOPEN, p, 0);
    for (size_t i = 0; i < P->S.nt; i++) {
        if (P->S.t[i].depth != 0 || P->S.t[i].kind != TK_WORD) continue;
        if (tok_is(P, i, "case")) ADD_DECL(P->S.t[i].off, D_CASE, NULL, i);
        else if (tok_is(P, i, "levels")) ADD_DECL(P->S.t[i].off, D_LEVELS, NULL, i);
        else if (tok_is(P, i, "events")) ADD_DECL(P->S.t[i].off, D_EVENTS, NULL, i);
    }
#undef ADD_DECL
    qsort(d, n, sizeof *d, cmp_decl);
    for (size_t i = 0; i < n; i++) {
        switch (d[i].kind) {
        case D_HEADER: {
            size_t end = loc_end(P, p->header_loc);
            fmt_begin_decl(P, d[i].start, end);
            sbuf b = {0};
            sb_puts(&b, "policy ");
            fmt_r_string(&b, p->name);
            if (p->version) {
                sb_puts(&b, " version ");
                fmt_r_string(&b, p->version);
            }
            fmt_put_code(P, &b, end);
            free(b.p);
            break;
        }
        case D_CALENDAR: p_calendar(P, d[i].node); break;
        case D_CASE: p_case(P, d[i].kw); break;
        case D_LEVELS: p_names_block(P, d[i].kw, p->levels); break;
        case D_EVENTS: p_names_block(P, d[i].kw, p->events); break;
        case D_CLOCK: p_clock(P, d[i].node); break;
        case D_LADDER: p_ladder(P, d[i].node); break;
        case D_SLA: p_sla(P, d[i].node); break;
        case D_RULE: p_rule(P, d[i].node); break;
        case D_REOPEN: p_reopen(P, p); break;
        }
    }
    free(d);
    P->indent = 0;
    P->blank_ok = 1;
    fmt_flush(P, P->len + 1);
}

