/*
 * check_report.c - the semantic pass's diagnostics (check.c, check_expr.c,
 * check_cal.c, check_lint.c, coverage.c report through here): kept and printed
 * in source order, and after syntax errors filtered so that a name the broken
 * part would have declared is not reported as unknown ("Recovery" below).
 *
 * Not here: what is checked (check.c and its siblings) or how a diagnostic is
 * laid out on the terminal or as data (diag.c).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_int.h"

/* ---- diagnostics in source order ------------------------------------------------ */

static void vreport(chk_ctx *c, diag_level level, const char *code, src_loc loc,
                    const char *hint, const char *fmt, va_list ap)
{
    if (c->npending == c->cap) {
        int cap = c->cap ? c->cap * 2 : 16;
        chk_pending *np = realloc(c->pending, (size_t)cap * sizeof *np);
        if (!np) {
            fputs("slate: out of memory\n", stderr);
            abort();
        }
        c->pending = np;
        c->cap = cap;
    }
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    chk_pending *q = &c->pending[c->npending];
    q->level = level;
    q->code = code;
    q->loc = loc;
    q->msg = strdup(msg);
    q->hint = hint ? strdup(hint) : NULL;
    q->seq = c->npending++;
    if (!q->msg || (hint && !q->hint)) {
        fputs("slate: out of memory\n", stderr);
        abort();
    }
}

void chk_report(chk_ctx *c, diag_level level, src_loc loc, const char *hint, const char *fmt,
                ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, level, NULL, loc, hint, fmt, ap);
    va_end(ap);
}

void chk_report_code(chk_ctx *c, diag_level level, const char *code, src_loc loc,
                     const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(c, level, code, loc, hint, fmt, ap);
    va_end(ap);
}

static int pending_cmp(const void *a, const void *b)
{
    const chk_pending *x = a, *y = b;
    if (x->loc.line != y->loc.line) return x->loc.line < y->loc.line ? -1 : 1;
    if (x->loc.col != y->loc.col) return x->loc.col < y->loc.col ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

/* ---- recovery after syntax errors ------------------------------------------------ *
 *
 * A declaration the parser could not read is missing from the tree, and a part
 * of one (a clock's `starts on`, an enum's values) may be.  The checker still
 * runs, so the name and type errors of what did parse are reported with the
 * syntax errors, but only those that cannot be echoes of the gap:
 *
 *  - a name the checker cannot resolve is reported only when every occurrence
 *    of it in the text is a use it reports (a name that also occurs elsewhere
 *    may be declared in the part that did not parse);
 *  - type errors and values out of range are reported (they are about what
 *    parsed), but for durations and dates, which the scanner leaves at 0 when
 *    it refuses one;
 *  - nothing else: warnings, and errors about what a declaration lacks, could
 *    all come from the gap. */

/* The name between the first pair of backticks of a name error, or NULL. */
static const char *name_error(const char *msg, char *buf, size_t size)
{
    static const char *const forms[] = {"unknown ", "` is not a value of ", "` is not a field",
                                        "` is not a level"};
    int hit = 0;
    for (size_t i = 0; i < sizeof forms / sizeof *forms && !hit; i++)
        hit = i == 0 ? !strncmp(msg, forms[0], strlen(forms[0])) : strstr(msg, forms[i]) != NULL;
    if (!hit) return NULL;
    const char *a = strchr(msg, '`'), *b = a ? strchr(a + 1, '`') : NULL;
    if (!b || (size_t)(b - a) > size) return NULL;
    memcpy(buf, a + 1, (size_t)(b - a - 1));
    buf[b - a - 1] = '\0';
    return buf;
}

static int ident_char(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

/* One name that name errors quote, with how many of those errors name it and
 * how often it occurs in the text as a whole word. */
typedef struct name_count {
    char *name;
    int reported, occurs;
} name_count;

static int name_count_cmp(const void *a, const void *b)
{
    return strcmp(((const name_count *)a)->name, ((const name_count *)b)->name);
}

/* The entry for s[0..n) in the sorted table, or NULL. */
static name_count *name_find(name_count *t, int nt, const char *s, size_t n)
{
    int lo = 0, hi = nt;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        int c = strncmp(t[mid].name, s, n);
        if (!c && t[mid].name[n]) c = 1;
        if (!c) return &t[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* Whole-word occurrences of every name of the table in the source, in one
 * pass: a name made of identifier characters occurs exactly where a maximal
 * run of them equals it.  Any other name is counted by a scan of its own. */
static void count_occurrences(const diag_ctx *d, name_count *t, int nt)
{
    if (!d->src) return;
    const char *src = d->src, *end = d->src + d->len;
    for (const char *p = src; p < end;) {
        if (!ident_char(*p)) {
            p++;
            continue;
        }
        const char *q = p;
        while (q < end && ident_char(*q)) q++;
        name_count *x = name_find(t, nt, p, (size_t)(q - p));
        if (x) x->occurs++;
        p = q;
    }
    for (int i = 0; i < nt; i++) {
        size_t n = strlen(t[i].name), k = 0;
        while (k < n && ident_char(t[i].name[k])) k++;
        if (k == n) continue;
        t[i].occurs = 0;
        for (const char *p = src; p + n <= end; p++)
            if (!memcmp(p, t[i].name, n) && (p == src || !ident_char(p[-1])) &&
                (p + n == end || !ident_char(p[n])))
                t[i].occurs++;
    }
}

/* The names the errors quote, sorted, each once, with its counts: computed
 * once for all the messages (per message it was quadratic in their number and
 * linear in the text's length each time).  NULL with *nt 0 when there are none
 * or memory ran out (then every name error is kept, as one with no count). */
static name_count *name_table(const chk_ctx *c, int *nt)
{
    *nt = 0;
    name_count *t = calloc((size_t)c->npending + 1, sizeof *t);
    if (!t) return NULL;
    int n = 0;
    for (int i = 0; i < c->npending; i++) {
        char name[128];
        if (c->pending[i].level != DIAG_ERROR || !name_error(c->pending[i].msg, name, sizeof name))
            continue;
        if (!(t[n].name = strdup(name))) break;
        t[n++].reported = 1;
    }
    if (n) qsort(t, (size_t)n, sizeof *t, name_count_cmp);
    int u = 0;
    for (int i = 0; i < n; i++) {
        if (u && !strcmp(t[u - 1].name, t[i].name)) {
            t[u - 1].reported++;
            free(t[i].name);
            continue;
        }
        t[u++] = t[i];
    }
    count_occurrences(c->d, t, u);
    *nt = u;
    return t;
}

static int kept_after_syntax_errors(const chk_pending *q, name_count *t, int nt)
{
    /* Not durations and dates: one the scanner refused is 0 in the tree. */
    static const char *const about_what_parsed[] = {
        "cannot compare ", "a condition must be bool", "needs bool operands", "cannot use `",
        "cannot set `",    "percentage ",              "is empty",            "time out of range",
        "duplicate "};
    if (q->level != DIAG_ERROR) return 0;
    char name[128];
    if (name_error(q->msg, name, sizeof name)) {
        /* A name that occurs nowhere as a word is kept, as before: 0 <= reported. */
        const name_count *x = name_find(t, nt, name, strlen(name));
        return !x || x->occurs <= x->reported;
    }
    for (size_t i = 0; i < sizeof about_what_parsed / sizeof *about_what_parsed; i++)
        if (strstr(q->msg, about_what_parsed[i])) return 1;
    return 0;
}

void chk_flush(chk_ctx *c)
{
    if (c->npending) qsort(c->pending, (size_t)c->npending, sizeof *c->pending, pending_cmp);
    /* Decide first: the decision reads the other messages. */
    int nt = 0;
    name_count *t = c->partial ? name_table(c, &nt) : NULL;
    for (int i = 0; i < c->npending; i++)
        c->pending[i].keep = !c->partial || kept_after_syntax_errors(&c->pending[i], t, nt);
    for (int i = 0; i < nt; i++) free(t[i].name);
    free(t);
    for (int i = 0; i < c->npending; i++) {
        chk_pending *q = &c->pending[i];
        if (q->keep) diag_report_code(c->d, q->level, q->code, q->loc, q->hint, "%s", q->msg);
        free(q->msg);
        free(q->hint);
    }
    free(c->pending);
    c->pending = NULL;
    c->npending = c->cap = 0;
}
