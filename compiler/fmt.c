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
 */
#include "fmt.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "parse.h"

#define FMT_WIDTH 100 /* lines are wrapped (where the layout allows) past this */
#define FMT_INDENT 4

/* ---- growable strings ------------------------------------------------------ */

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->n + n + 1) cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            fputs("slate: out of memory\n", stderr);
            abort();
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

static void sb_puts(sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }
static void sb_putc(sbuf *b, char c) { sb_putn(b, &c, 1); }

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0) sb_putn(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

static void sb_pad(sbuf *b, int n)
{
    for (int i = 0; i < n; i++) sb_putc(b, ' ');
}

/* The column (0-based) the next character would land in. */
static int sb_col(const sbuf *b)
{
    size_t i = b->n;
    while (i > 0 && b->p[i - 1] != '\n') i--;
    return (int)(b->n - i);
}

/* ---- the light scan: tokens and comments ----------------------------------- */

typedef enum { TK_WORD, TK_NUM, TK_STR, TK_PUNCT } tok_kind;

typedef struct ftok {
    tok_kind kind;
    size_t off, len;
    int line;
    int depth; /* braces open before it (a `}` counts as outside its block) */
} ftok;

typedef struct fcom {
    size_t off, len; /* from `#` to the end of the line, trailing blanks dropped */
    int line;
    int own;         /* nothing but blanks before it on its line */
} fcom;

typedef struct fscan {
    ftok *t;
    size_t nt;
    fcom *c;
    size_t nc;
    size_t *lstart;  /* offset of each line's first byte; lstart[0] is line 1 */
    int nlines;
    int *nblank;     /* nblank[l]: blank lines among lines 1..l */
} fscan;

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fputs("slate: out of memory\n", stderr);
        abort();
    }
    return p;
}

static int is_digit(char c) { return c >= '0' && c <= '9'; }
static int is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Count digits at s[i..n). */
static size_t digits_at(const char *s, size_t i, size_t n)
{
    size_t j = i;
    while (j < n && is_digit(s[j])) j++;
    return j - i;
}

/* Tokenise text the parser accepted.  Only clean text is scanned, so the rules
 * need not diagnose anything; they split tokens where lexer.l splits them. */
static void scan(fscan *S, const char *s, size_t n)
{
    size_t tcap = 0, ccap = 0, lcap = 16;
    memset(S, 0, sizeof *S);
    S->lstart = xrealloc(NULL, lcap * sizeof *S->lstart);
    S->lstart[S->nlines++] = 0;
    int line = 1, depth = 0, tok_line = 0;
    size_t i = 0;
    while (i < n) {
        char ch = s[i];
        if (ch == '\n') {
            if ((size_t)S->nlines == lcap)
                S->lstart = xrealloc(S->lstart, (lcap *= 2) * sizeof *S->lstart);
            S->lstart[S->nlines++] = ++i;
            line++;
            continue;
        }
        if (ch == ' ' || ch == '\t' || ch == '\r' || ch == '\f' || ch == '\v') {
            i++;
            continue;
        }
        if (ch == '#') {
            size_t j = i;
            while (j < n && s[j] != '\n') j++;
            size_t e = j;
            while (e > i && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' ||
                             s[e - 1] == '\f' || s[e - 1] == '\v'))
                e--;
            if (S->nc == ccap) S->c = xrealloc(S->c, (ccap = ccap ? 2 * ccap : 32) * sizeof *S->c);
            S->c[S->nc++] = (fcom){i, e - i, line, tok_line != line};
            i = j;
            continue;
        }
        size_t j = i + 1;
        tok_kind k = TK_PUNCT;
        if (ch == '"') {
            k = TK_STR;
            while (j < n && s[j] != '"' && s[j] != '\n') j += (s[j] == '\\' && j + 1 < n) ? 2 : 1;
            if (j < n && s[j] == '"') j++;
        } else if (is_digit(ch)) {
            k = TK_NUM;
            size_t d = digits_at(s, i, n);
            j = i + d;
            if (j + 1 < n && s[j] == ':' && is_digit(s[j + 1])) {
                j += 1 + digits_at(s, j + 1, n); /* 09:00 */
            } else if (j + 1 < n && s[j] == '-' && is_digit(s[j + 1]) &&
                       j + 1 + digits_at(s, j + 1, n) + 1 < n &&
                       s[j + 1 + digits_at(s, j + 1, n)] == '-' &&
                       is_digit(s[j + 2 + digits_at(s, j + 1, n)])) {
                j += 1 + digits_at(s, j + 1, n); /* 2025-10-01 */
                j += 1 + digits_at(s, j + 1, n);
            } else if (j < n && s[j] == '%') {
                j++;
            } else {
                while (j < n && is_alnum(s[j])) j++;
            }
        } else if (is_alnum(ch)) {
            k = TK_WORD;
            while (j < n && is_alnum(s[j])) j++;
        } else if (j < n && ((ch == '.' && s[j] == '.') || (s[j] == '=' && strchr("=!<>", ch)))) {
            j++;
        }
        if (ch == '}') depth--;
        if (S->nt == tcap) S->t = xrealloc(S->t, (tcap = tcap ? 2 * tcap : 256) * sizeof *S->t);
        S->t[S->nt++] = (ftok){k, i, j - i, line, depth};
        if (ch == '{') depth++;
        tok_line = line;
        i = j;
    }
    S->nblank = xrealloc(NULL, ((size_t)S->nlines + 1) * sizeof *S->nblank);
    S->nblank[0] = 0;
    for (int l = 1; l <= S->nlines; l++) {
        size_t a = S->lstart[l - 1], b = l < S->nlines ? S->lstart[l] - 1 : n;
        int blank = 1;
        for (size_t x = a; x < b && blank; x++)
            if (!strchr(" \t\r\f\v", s[x])) blank = 0;
        S->nblank[l] = S->nblank[l - 1] + blank;
    }
}

static void scan_free(fscan *S)
{
    free(S->t);
    free(S->c);
    free(S->lstart);
    free(S->nblank);
}

/* ---- the printer ------------------------------------------------------------- */

typedef enum { FL_CODE, FL_COMMENT, FL_BLANK } fline_kind;

typedef struct fline {
    fline_kind kind;
    char *code;        /* FL_CODE: the text with its indentation */
    int indent;        /* FL_COMMENT: its indentation; FL_CODE: leading spaces */
    const fcom *com;   /* FL_COMMENT, or a trailing comment of FL_CODE (NULL: none) */
} fline;

typedef struct fmt_p {
    const char *src;
    size_t len;
    const ast_policy *ast;
    fscan S;
    size_t ci;         /* next comment to place */
    fline *ln;
    size_t nln, lcap;
    int indent;        /* of own-line comments placed now */
    int last_line;     /* last source line accounted for */
    int blank_ok;      /* a blank line may separate the next thing from the last */
} fmt_p;

static size_t off_of(const fmt_p *P, int line, int col)
{
    if (line < 1) return 0;
    if (line > P->S.nlines) return P->len;
    size_t o = P->S.lstart[line - 1] + (size_t)(col > 0 ? col - 1 : 0);
    return o < P->len ? o : P->len;
}

static size_t loc_start(const fmt_p *P, src_loc l) { return off_of(P, l.line, l.col); }
static size_t loc_end(const fmt_p *P, src_loc l) { return off_of(P, l.end_line, l.end_col); }

/* Index of the first token at or after offset `off`. */
static size_t tok_at(const fmt_p *P, size_t off)
{
    size_t lo = 0, hi = P->S.nt;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (P->S.t[mid].off < off) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static int tok_is(const fmt_p *P, size_t i, const char *text)
{
    if (i >= P->S.nt) return 0;
    size_t n = strlen(text);
    return P->S.t[i].len == n && !memcmp(P->src + P->S.t[i].off, text, n);
}

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

static int line_of(const fmt_p *P, size_t off)
{
    int lo = 0, hi = P->S.nlines; /* last line whose start <= off */
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (P->S.lstart[mid] <= off) lo = mid;
        else hi = mid;
    }
    return lo + 1;
}

static fline *push_line(fmt_p *P, fline_kind k)
{
    if (P->nln == P->lcap) P->ln = xrealloc(P->ln, (P->lcap = P->lcap ? 2 * P->lcap : 64) * sizeof *P->ln);
    fline *l = &P->ln[P->nln++];
    memset(l, 0, sizeof *l);
    l->kind = k;
    return l;
}

static fline *last_out(fmt_p *P) { return P->nln ? &P->ln[P->nln - 1] : NULL; }

static void push_blank(fmt_p *P)
{
    fline *l = last_out(P);
    if (l && l->kind != FL_BLANK) push_line(P, FL_BLANK);
}

/* A blank line before something starting on source line `line`, if the author
 * had one (runs of blank lines count as one). */
static void blank_if(fmt_p *P, int line)
{
    if (!P->blank_ok || line <= P->last_line + 1) return;
    if (P->S.nblank[line - 1] - P->S.nblank[P->last_line] > 0) push_blank(P);
}

static void push_comment(fmt_p *P, const fcom *c)
{
    fline *l = push_line(P, FL_COMMENT);
    l->indent = P->indent;
    l->com = c;
    if (c->line > P->last_line) P->last_line = c->line;
    P->blank_ok = 1;
}

/* Place every comment before source offset `upto`: one that ended a line of code
 * ends the last output line if that line has none yet; the rest go on lines of
 * their own at the current indentation, keeping the author's blank lines. */
static void flush(fmt_p *P, size_t upto)
{
    while (P->ci < P->S.nc && P->S.c[P->ci].off < upto) {
        const fcom *c = &P->S.c[P->ci++];
        fline *l = last_out(P);
        if (!c->own && l && l->kind == FL_CODE && !l->com) {
            l->com = c;
            if (c->line > P->last_line) P->last_line = c->line;
            continue;
        }
        blank_if(P, c->line);
        push_comment(P, c);
    }
}

/* Comments inside something about to be printed on one line go above it. */
static void hoist(fmt_p *P, size_t upto)
{
    while (P->ci < P->S.nc && P->S.c[P->ci].off < upto) push_comment(P, &P->S.c[P->ci++]);
}

/* Before an item of a block that spans [start, end) in the source. */
static void begin_item(fmt_p *P, size_t start, size_t end)
{
    flush(P, start);
    blank_if(P, line_of(P, start));
    hoist(P, end);
}

/* Before a declaration: its predecessor keeps its last comment, then exactly one
 * blank line, the comments above it, and the comments inside its first line
 * [start, head_end). */
static void begin_decl(fmt_p *P, size_t start, size_t head_end)
{
    while (P->ci < P->S.nc && P->S.c[P->ci].off < start && !P->S.c[P->ci].own) {
        fline *l = last_out(P);
        if (!l || l->kind != FL_CODE || l->com) break;
        l->com = &P->S.c[P->ci++];
    }
    if (P->nln) push_blank(P);
    P->blank_ok = 0;
    P->indent = 0;
    flush(P, start);
    blank_if(P, line_of(P, start));
    hoist(P, head_end);
}

/* Append the text of `b` (lines split at '\n') as code lines; `end` is the source
 * offset the item ends at. */
static void put_code(fmt_p *P, const sbuf *b, size_t end)
{
    const char *s = b->p ? b->p : "";
    for (;;) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        while (n && s[n - 1] == ' ') n--;
        fline *l = push_line(P, FL_CODE);
        l->code = xrealloc(NULL, n + 1);
        memcpy(l->code, s, n);
        l->code[n] = '\0';
        while (l->code[l->indent] == ' ') l->indent++;
        if (!nl) break;
        s = nl + 1;
    }
    int el = line_of(P, end ? end - 1 : 0);
    if (el > P->last_line) P->last_line = el;
    P->blank_ok = 1;
}

/* ---- rendering pieces -------------------------------------------------------- */

static const char *const day_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

static void r_string(sbuf *b, const char *s)
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

static void r_dur(fmt_p *P, sbuf *b, ast_duration d)
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

/* Copy a linked list of nodes into an array of pointers (freed by the caller). */
#define COLLECT(arr, n, head)                                                   \
    do {                                                                        \
        (n) = 0;                                                                \
        for (__typeof__(&*(head)) x_ = (head); x_; x_ = x_->next) (n)++;            \
        (arr) = xrealloc(NULL, (n) * sizeof *(arr));                            \
        (n) = 0;                                                                \
        for (__typeof__(&*(head)) x_ = (head); x_; x_ = x_->next) (arr)[(n)++] = x_; \
    } while (0)

typedef void (*r_item_fn)(fmt_p *P, sbuf *b, const void *item);

/* Items separated by ", ", wrapped to column `cont` where a line would grow past
 * the width; `tail` columns are kept free after the last item. */
static void r_list(fmt_p *P, sbuf *b, const void *const *items, size_t n, r_item_fn fn,
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

static void r_ident_item(fmt_p *P, sbuf *b, const void *item)
{
    (void)P;
    sb_puts(b, ((const ast_ident *)item)->name);
}

static void r_time(sbuf *b, int min) { sb_printf(b, "%02d:%02d", min / 60, min % 60); }

static void r_interval_item(fmt_p *P, sbuf *b, const void *item)
{
    (void)P;
    const ast_interval *iv = item;
    r_time(b, iv->start_min);
    sb_putc(b, '-');
    r_time(b, iv->end_min);
}

static void r_date(sbuf *b, ast_date d) { sb_printf(b, "%04d-%02d-%02d", d.year, d.month, d.day); }

static void r_closed_item(fmt_p *P, sbuf *b, const void *item)
{
    (void)P;
    const ast_closed *c = item;
    r_date(b, c->from);
    if (c->from.year != c->to.year || c->from.month != c->to.month || c->from.day != c->to.day) {
        sb_puts(b, "..");
        r_date(b, c->to);
    }
}

static void r_idents(fmt_p *P, sbuf *b, const ast_ident *head, int cont, int tail)
{
    const ast_ident **a;
    size_t n;
    COLLECT(a, n, head);
    r_list(P, b, (const void *const *)a, n, r_ident_item, cont, tail);
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

static void r_expr(fmt_p *P, sbuf *b, const ast_expr *e);

static void r_expr_item(fmt_p *P, sbuf *b, const void *item) { r_expr(P, b, item); }

static void r_exprs(fmt_p *P, sbuf *b, const ast_expr *head, int tail)
{
    const ast_expr **a;
    size_t n;
    COLLECT(a, n, head);
    r_list(P, b, (const void *const *)a, n, r_expr_item, sb_col(b), tail);
    free(a);
}

static void r_expr(fmt_p *P, sbuf *b, const ast_expr *e)
{
    static const char *const ops[] = {"==", "!=", "<", "<=", ">", ">="};
    int par = has_parens(P, e);
    if (par) sb_putc(b, '(');
    switch (e->kind) {
    case EX_INT: sb_printf(b, "%" PRId64, e->u.ival); break;
    case EX_BOOL: sb_puts(b, e->u.ival ? "true" : "false"); break;
    case EX_STRING: r_string(b, e->u.sval); break;
    case EX_DURATION: {
        ast_duration d = {DUR_SECONDS, e->u.ival, e->loc};
        r_dur(P, b, d);
        break;
    }
    case EX_NAME: sb_puts(b, e->u.sval); break;
    case EX_NOT:
        sb_puts(b, "not ");
        r_expr(P, b, e->u.operand);
        break;
    case EX_AND:
    case EX_OR:
        r_expr(P, b, e->u.bin.l);
        sb_puts(b, e->kind == EX_AND ? " and " : " or ");
        r_expr(P, b, e->u.bin.r);
        break;
    case EX_CMP:
        r_expr(P, b, e->u.bin.l);
        sb_printf(b, " %s ", ops[e->u.bin.op]);
        r_expr(P, b, e->u.bin.r);
        break;
    case EX_IN:
        r_expr(P, b, e->u.in.l);
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
    r_dur(P, b, a->within);
    if (a->calendar.name) sb_printf(b, " on %s", a->calendar.name);
}

static void r_action(fmt_p *P, sbuf *b, const ast_action *a)
{
    const char *t = a->target.name ? a->target.name : "";
    switch (a->kind) {
    case ACT_ROUTE: sb_printf(b, "route %s", t); break;
    case ACT_ASSIGN: sb_printf(b, "assign %s", t); break;
    case ACT_ESCALATE: sb_printf(b, "escalate to %s", t); break;
    case ACT_NOTIFY:
        sb_printf(b, "notify %s ", t);
        r_string(b, a->message ? a->message : "");
        break;
    case ACT_SET:
        sb_printf(b, "set %s = ", t);
        r_expr(P, b, a->value);
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

/* ---- blocks ------------------------------------------------------------------------ */

typedef struct fitem {
    size_t start, end; /* source span, for comments and blank lines */
    int kind;
    const void *node;
    int n;             /* IT_CLOSED: holidays on this `closed` line */
} fitem;

enum { IT_ZONE, IT_HOURS, IT_CLOSED, IT_FIELD, IT_STEP, IT_TARGET, IT_LADDER, IT_ACTION };

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
        put_code(P, hdr, c + 1);
        return;
    }
    sb_putc(hdr, '{');
    put_code(P, hdr, o + 1);
    P->indent += FMT_INDENT;
    P->blank_ok = 0;
    if (n) qsort(it, n, sizeof *it, cmp_item);
    for (size_t i = 0; i < n; i++) {
        begin_item(P, it[i].start, it[i].end);
        sbuf b = {0};
        sb_pad(&b, P->indent);
        fn(P, &b, it, i, n);
        put_code(P, &b, it[i].end);
        free(b.p);
    }
    flush(P, c);
    P->indent -= FMT_INDENT;
    sbuf e = {0};
    sb_pad(&e, P->indent);
    sb_putc(&e, '}');
    put_code(P, &e, c + 1);
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

/* ---- calendar ---- */

static void r_cal_item(fmt_p *P, sbuf *b, const fitem *it, size_t i, size_t n)
{
    (void)n;
    const fitem *x = &it[i];
    if (x->kind == IT_ZONE) {
        sb_puts(b, "zone ");
        r_string(b, x->node);
    } else if (x->kind == IT_HOURS) {
        const ast_hours *h = x->node;
        sb_printf(b, "hours %s", day_names[h->first_day % 7]);
        if (h->last_day != h->first_day) sb_printf(b, "-%s", day_names[h->last_day % 7]);
        sb_putc(b, ' ');
        const ast_interval **a;
        size_t k;
        COLLECT(a, k, h->intervals);
        r_list(P, b, (const void *const *)a, k, r_interval_item, sb_col(b), 0);
        free(a);
    } else {
        sb_puts(b, "closed ");
        const void **a = xrealloc(NULL, (size_t)x->n * sizeof *a);
        const ast_closed *c = x->node;
        for (int k = 0; k < x->n; k++, c = c->next) a[k] = c;
        r_list(P, b, a, (size_t)x->n, r_closed_item, sb_col(b), 0);
        free(a);
    }
}

static void p_calendar(fmt_p *P, const ast_calendar *c)
{
    size_t start = loc_start(P, c->loc), open = open_after(P, start);
    size_t close = matching_close(P, open);
    begin_decl(P, start, P->S.t[open].off);
    fitem *it = NULL;
    size_t n = 0, cap = 0;
    if (c->zone) {
        size_t zi = tok_at(P, loc_start(P, c->zone_loc));
        ADD_ITEM(zi ? P->S.t[zi - 1].off : 0, loc_end(P, c->zone_loc), IT_ZONE, c->zone, 0);
    }
    for (const ast_hours *h = c->hours; h; h = h->next)
        ADD_ITEM(loc_start(P, h->loc), loc_end(P, h->loc), IT_HOURS, h, 0);
    /* holidays are grouped by the `closed` word before them */
    size_t group_kw = SIZE_MAX;
    for (const ast_closed *d = c->closed; d; d = d->next) {
        size_t i = tok_at(P, loc_start(P, d->loc));
        while (i > 0 && P->S.t[i].kind != TK_WORD) i--;
        if (i != group_kw || !n || it[n - 1].kind != IT_CLOSED) {
            group_kw = i;
            ADD_ITEM(P->S.t[i].off, loc_end(P, d->loc), IT_CLOSED, d, 0);
        }
        it[n - 1].n++;
        it[n - 1].end = loc_end(P, d->loc);
    }
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
        r_idents(P, b, f->values, sb_col(b), 2);
        sb_puts(b, " }");
        break;
    case TY_BOOL: sb_puts(b, "bool"); break;
    case TY_INT: sb_puts(b, "int"); break;
    case TY_STRING: sb_puts(b, "string"); break;
    case TY_DURATION: sb_puts(b, "duration"); break;
    default: sb_puts(b, "int"); break;
    }
}

static void p_case(fmt_p *P, size_t kw)
{
    size_t start = P->S.t[kw].off, open = open_after(P, start), close = matching_close(P, open);
    size_t o = P->S.t[open].off, c = P->S.t[close].off;
    begin_decl(P, start, o);
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
    begin_decl(P, start, c);
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
        r_list(P, &b, (const void *const *)a, k, r_ident_item, sb_col(&b), 2);
        sb_puts(&b, " }");
    } else {
        sb_putc(&b, '}');
    }
    put_code(P, &b, c + 1);
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
        begin_decl(P, start, end);
        put_code(P, &b, end);
    }
    for (size_t k = 0; k < nk; k++) {
        size_t cs = P->S.t[kw[k]].off, ce = k + 1 < nk ? P->S.t[kw[k + 1]].off : end;
        int v = 0;
        while (!tok_is(P, kw[k], verbs[v])) v++;
        int is_while = v == 2 && tok_is(P, kw[k] + 1, "while") && c->pauses_while;
        /* the names of this clause, and where it ends */
        const ast_ident *first = cur[v], *last = NULL;
        size_t cnt = 0, cend = cs + P->S.t[kw[k]].len;
        if (is_while) {
            cend = loc_end(P, c->pauses_while->loc);
        } else {
            for (const ast_ident *x = first; x && loc_start(P, x->loc) < ce; x = x->next) {
                last = x;
                cnt++;
            }
            if (last) cend = loc_end(P, last->loc);
            cur[v] = last ? last->next : first;
        }
        if (k == 0) {
            begin_decl(P, start, cend);
            sb_putc(&b, ' ');
        } else {
            P->indent = col;
            P->blank_ok = 0;
            flush(P, cs);
            hoist(P, cend);
            b.n = 0;
            sb_pad(&b, col);
        }
        if (is_while) {
            sb_puts(&b, "pauses while ");
            r_expr(P, &b, c->pauses_while);
        } else {
            sb_printf(&b, "%s on ", verbs[v]);
            const void **a = xrealloc(NULL, (cnt ? cnt : 1) * sizeof *a);
            const ast_ident *x = first;
            for (size_t j = 0; j < cnt; j++, x = x->next) a[j] = x;
            r_list(P, &b, a, cnt, r_ident_item, sb_col(&b), 0);
            free(a);
        }
        put_code(P, &b, cend);
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
        r_dur(P, b, s->offset);
        sb_printf(b, " before breach of %s", clk);
        break;
    case STEP_BREACH:
        sb_printf(b, "at breach of %s", clk);
        /* with no `+ DUR` the parser gives the offset the clock name's span */
        if (memcmp(&s->offset.loc, &s->clock.loc, sizeof s->offset.loc)) {
            sb_puts(b, " + ");
            r_dur(P, b, s->offset);
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
            r_action(P, b, x);
        }
        if (!s->actions || !s->actions->next || max_line_width(b, mark) <= FMT_WIDTH) break;
    }
    free(h.p);
}

static void p_ladder(fmt_p *P, const ast_ladder *l)
{
    size_t start = loc_start(P, l->loc), open = open_after(P, start);
    size_t close = matching_close(P, open);
    begin_decl(P, start, P->S.t[open].off);
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
        r_dur(P, &d, t->within);
        if (d.n > w2) w2 = d.n;
    }
    const ast_target *t = it[i].node;
    sb_puts(b, t->clock.name);
    sb_pad(b, (int)(w1 - strlen(t->clock.name)) + 1);
    sb_puts(b, "within ");
    size_t m = b->n;
    r_dur(P, b, t->within);
    if (t->calendar.name) {
        sb_pad(b, (int)(w2 - (b->n - m)) + 1);
        sb_printf(b, "on %s", t->calendar.name);
    }
    free(d.p);
}

static void p_sla(fmt_p *P, const ast_sla *s)
{
    size_t start = loc_start(P, s->loc), open = open_after(P, start);
    size_t close = matching_close(P, open);
    begin_decl(P, start, P->S.t[open].off);
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
    if (s->when) {
        sb_puts(&hdr, "when ");
        r_expr(P, &hdr, s->when);
        sb_putc(&hdr, ' ');
    }
    p_block(P, &hdr, it, n, open, close, r_sla_item);
    free(hdr.p);
    free(it);
}

/* ---- rule ---- */

static void r_rule_item(fmt_p *P, sbuf *b, const fitem *it, size_t i, size_t n)
{
    (void)n;
    r_action(P, b, it[i].node);
}

static void p_rule(fmt_p *P, const ast_rule *r)
{
    size_t start = loc_start(P, r->loc), open = open_after(P, start);
    size_t close = matching_close(P, open);
    begin_decl(P, start, P->S.t[open].off);
    fitem *it = NULL;
    size_t n = 0, cap = 0;
    for (const ast_action *a = r->actions; a; a = a->next)
        ADD_ITEM(loc_start(P, a->loc), loc_end(P, a->loc), IT_ACTION, a, 0);
    sbuf hdr = {0};
    sb_printf(&hdr, "on %s ", r->event.name);
    if (r->when) {
        sb_puts(&hdr, "when ");
        r_expr(P, &hdr, r->when);
        sb_putc(&hdr, ' ');
    }
    if (r->label.name) sb_printf(&hdr, "as %s ", r->label.name);
    p_block(P, &hdr, it, n, open, close, r_rule_item);
    free(hdr.p);
    free(it);
}

/* ---- the whole file ---------------------------------------------------------------- */

enum { D_HEADER, D_CALENDAR, D_CASE, D_LEVELS, D_EVENTS, D_CLOCK, D_LADDER, D_SLA, D_RULE };

typedef struct fdecl {
    size_t start;
    int kind;
    const void *node; /* the AST node; for D_CASE, D_LEVELS, D_EVENTS the keyword's token */
    size_t kw;
} fdecl;

static int cmp_decl(const void *a, const void *b)
{
    const fdecl *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start;
}

static void p_policy(fmt_p *P)
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
            begin_decl(P, d[i].start, end);
            sbuf b = {0};
            sb_puts(&b, "policy ");
            r_string(&b, p->name);
            if (p->version) {
                sb_puts(&b, " version ");
                r_string(&b, p->version);
            }
            put_code(P, &b, end);
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
        }
    }
    free(d);
    P->indent = 0;
    P->blank_ok = 1;
    flush(P, P->len + 1);
}

/* Join the lines; trailing comments of neighbouring lines at one indentation are
 * aligned two columns past the longest of their code. */
static char *assemble(fmt_p *P, size_t *len)
{
    sbuf b = {0};
    size_t first = 0, last = P->nln;
    while (first < last && P->ln[first].kind == FL_BLANK) first++;
    while (last > first && P->ln[last - 1].kind == FL_BLANK) last--;
    size_t i = first;
    while (i < last) {
        size_t j = i, w = 0;
        while (j < last && P->ln[j].kind == FL_CODE && P->ln[j].indent == P->ln[i].indent) {
            if (P->ln[j].com && strlen(P->ln[j].code) > w) w = strlen(P->ln[j].code);
            j++;
        }
        if (j == i) j = i + 1;
        for (size_t k = i; k < j; k++) {
            const fline *l = &P->ln[k];
            if (l->kind == FL_CODE) sb_puts(&b, l->code);
            else if (l->kind == FL_COMMENT) sb_pad(&b, l->indent);
            if (l->com) {
                if (l->kind == FL_CODE) sb_pad(&b, (int)(w + 2 - strlen(l->code)));
                sb_putn(&b, P->src + l->com->off, l->com->len);
            }
            sb_putc(&b, '\n');
        }
        i = j;
    }
    if (!b.p) sb_puts(&b, "");
    *len = b.n;
    return b.p;
}

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
    }
    for (const ast_field *f = p->fields; f; f = f->next) {
        sb_puts(&b, "field ");
        d_ident(&b, &f->name);
        sb_printf(&b, " %d %d", (int)f->kind, f->nvalues);
        d_idents(&b, "values", f->values);
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
            sb_putc(&b, '\n');
        }
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
    scan(&T, text, len);
    ok = ok && T.nc == S->nc;
    for (size_t i = 0; ok && i < T.nc; i++)
        ok = T.c[i].len == S->c[i].len && !memcmp(text + T.c[i].off, src + S->c[i].off, T.c[i].len);
    scan_free(&T);
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
    scan(&P.S, src, len);
    p_policy(&P);
    size_t n;
    char *text = assemble(&P, &n);
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
    scan_free(&P.S);
    ast_free(ast);
    return rc;
}
