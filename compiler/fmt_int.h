/*
 * fmt_int.h - what the formatter's files share (private to compiler/fmt*.c).
 *
 * The formatter is split by job: fmt_scan.c (the light scan of the source),
 * fmt_render.c (pieces of a line), fmt_layout.c (blocks and declarations),
 * fmt_lines.c (output lines and comment placement) and fmt.c (entry point and the
 * round-trip self-check).  This header holds their common types, the growable
 * string and the one-line token queries, as static inline so nothing here is
 * exported from libslatec.  Nothing outside the formatter includes it; fmt.h is
 * the interface.
 */
#ifndef SLATE_FMT_INT_H
#define SLATE_FMT_INT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ast.h"

#define FMT_WIDTH 100 /* lines are wrapped (where the layout allows) past this */
#define FMT_INDENT 4

/* ---- growable strings ------------------------------------------------------ */

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static inline void sb_putn(sbuf *b, const char *s, size_t n)
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

static inline void sb_puts(sbuf *b, const char *s) { sb_putn(b, s, strlen(s)); }
static inline void sb_putc(sbuf *b, char c) { sb_putn(b, &c, 1); }

static inline void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static inline void sb_printf(sbuf *b, const char *fmt, ...)
{
    char tmp[128];
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n > 0 && (size_t)n < sizeof tmp) {
        sb_putn(b, tmp, (size_t)n);
    } else if (n > 0) { /* names have no length limit: never cut them */
        char *big = malloc((size_t)n + 1);
        if (!big) {
            fputs("slate: out of memory\n", stderr);
            abort();
        }
        vsnprintf(big, (size_t)n + 1, fmt, again);
        sb_putn(b, big, (size_t)n);
        free(big);
    }
    va_end(again);
}

static inline void sb_pad(sbuf *b, int n)
{
    for (int i = 0; i < n; i++) sb_putc(b, ' ');
}

/* The column (0-based) the next character would land in. */
static inline int sb_col(const sbuf *b)
{
    size_t i = b->n;
    while (i > 0 && b->p[i - 1] != '\n') i--;
    return (int)(b->n - i);
}


/* ---- the light scan: tokens and comments (fmt_scan.c) ----------------------- */

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

static inline void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p) {
        fputs("slate: out of memory\n", stderr);
        abort();
    }
    return p;
}

static inline int is_digit(char c) { return c >= '0' && c <= '9'; }
/* ---- the printer ------------------------------------------------------------- */



/* Tokenise `n` bytes of text the parser accepted into `S` (which owns arrays the
 * caller frees with fmt_scan_free()). */
void fmt_scan(fscan *S, const char *s, size_t n);
void fmt_scan_free(fscan *S);

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

static inline size_t off_of(const fmt_p *P, int line, int col)
{
    if (line < 1) return 0;
    if (line > P->S.nlines) return P->len;
    size_t o = P->S.lstart[line - 1] + (size_t)(col > 0 ? col - 1 : 0);
    return o < P->len ? o : P->len;
}

static inline size_t loc_start(const fmt_p *P, src_loc l) { return off_of(P, l.line, l.col); }
static inline size_t loc_end(const fmt_p *P, src_loc l) { return off_of(P, l.end_line, l.end_col); }

/* Index of the first token at or after offset `off`. */
static inline size_t tok_at(const fmt_p *P, size_t off)
{
    size_t lo = 0, hi = P->S.nt;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (P->S.t[mid].off < off) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static inline int tok_is(const fmt_p *P, size_t i, const char *text)
{
    if (i >= P->S.nt) return 0;
    size_t n = strlen(text);
    return P->S.t[i].len == n && !memcmp(P->src + P->S.t[i].off, text, n);
}


static inline int line_of(const fmt_p *P, size_t off)
{
    int lo = 0, hi = P->S.nlines; /* last line whose start <= off */
    while (hi - lo > 1) {
        int mid = (lo + hi) / 2;
        if (P->S.lstart[mid] <= off) lo = mid;
        else hi = mid;
    }
    return lo + 1;
}


/* ---- output lines and comments (fmt_lines.c) -------------------------------- */

/* Place every comment before source offset `upto` (see fmt_lines.c). */
void fmt_flush(fmt_p *P, size_t upto);
/* Comments before `upto`, inside something printed on one line, go above it. */
void fmt_hoist(fmt_p *P, size_t upto);
/* Before an item of a block that spans [start, end) in the source. */
void fmt_begin_item(fmt_p *P, size_t start, size_t end);
/* Before a declaration starting at `start` whose first line ends at `head_end`. */
void fmt_begin_decl(fmt_p *P, size_t start, size_t head_end);
/* Append the text of `b` as code lines; `end` is the source offset the item ends at. */
void fmt_put_code(fmt_p *P, const sbuf *b, size_t end);
/* Join the output lines into a malloc'd string (caller frees), its length in *len. */
char *fmt_assemble(fmt_p *P, size_t *len);

/* ---- pieces of a line (fmt_render.c) ---------------------------------------- */

/* Copy a linked list of nodes into an array of pointers (freed by the caller). */
#define COLLECT(arr, n, head)                                                   \
    do {                                                                        \
        (n) = 0;                                                                \
        for (__typeof__(&*(head)) x_ = (head); x_; x_ = x_->next) (n)++;            \
        (arr) = xrealloc(NULL, (n) * sizeof *(arr));                            \
        (n) = 0;                                                                \
        for (__typeof__(&*(head)) x_ = (head); x_; x_ = x_->next) (arr)[(n)++] = x_; \
    } while (0)

typedef void (*fmt_r_item_fn)(fmt_p *P, sbuf *b, const void *item);

void fmt_r_string(sbuf *b, const char *s);
void fmt_r_dur(fmt_p *P, sbuf *b, ast_duration d);
void fmt_r_list(fmt_p *P, sbuf *b, const void *const *items, size_t n, fmt_r_item_fn fn,
                int cont, int tail);
void fmt_r_ident_item(fmt_p *P, sbuf *b, const void *item);
void fmt_r_interval_item(fmt_p *P, sbuf *b, const void *item);
void fmt_r_closed_item(fmt_p *P, sbuf *b, const void *item);
void fmt_r_idents(fmt_p *P, sbuf *b, const ast_ident *head, int cont, int tail);
void fmt_r_expr(fmt_p *P, sbuf *b, const ast_expr *e);
void fmt_r_action(fmt_p *P, sbuf *b, const ast_action *a);

/* ---- the whole file (fmt_layout.c) -------------------------------------------- */

/* Print every declaration of P->ast and every comment of P->S into P's lines. */
void fmt_print_policy(fmt_p *P);

#endif
