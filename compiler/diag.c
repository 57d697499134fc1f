/*
 * diag.c - printing diagnostics with the quoted source line and an underline, and
 * the edit-distance search behind "did you mean" hints.  Knows nothing of the
 * language itself.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(diag_ctx *d, const char *file, const char *src, size_t len, FILE *out)
{
    memset(d, 0, sizeof *d);
    d->file = file;
    d->src = src;
    d->len = len;
    d->out = out;
    d->max_errors = 50;
}

/* Find the start and length of 1-based line `line` in the source. */
static int find_line(const diag_ctx *d, int line, const char **start, size_t *n)
{
    if (!d->src || line < 1) return 0;
    const char *p = d->src, *end = d->src + d->len;
    for (int l = 1; l < line; l++) {
        p = memchr(p, '\n', (size_t)(end - p));
        if (!p) return 0;
        p++;
    }
    const char *e = memchr(p, '\n', (size_t)(end - p));
    if (!e) e = end;
    if (e > p && e[-1] == '\r') e--;
    *start = p;
    *n = (size_t)(e - p);
    return 1;
}

static void quote_source(const diag_ctx *d, src_loc loc)
{
    const char *line;
    size_t n;
    if (!find_line(d, loc.line, &line, &n)) return;
    fprintf(d->out, "%5d | %.*s\n", loc.line, (int)n, line);
    fputs("      | ", d->out);
    int col = loc.col < 1 ? 1 : loc.col;
    /* Keep tabs so the caret lines up with the quoted text. */
    for (int c = 1; c < col && (size_t)(c - 1) < n; c++)
        fputc(line[c - 1] == '\t' ? '\t' : ' ', d->out);
    int end = loc.end_line > loc.line ? (int)n + 1 : loc.end_col;
    if (end <= col) end = col + 1;
    fputc('^', d->out);
    for (int c = col + 1; c < end; c++) fputc('~', d->out);
    fputc('\n', d->out);
}

static void emit(diag_ctx *d, diag_level level, const char *code, src_loc loc, const char *hint,
                 const char *msg)
{
    if (d->sink) {
        diag_item it = {d->file, loc, level, code, msg, hint};
        d->sink(d->sink_arg, &it);
        return;
    }
    if (!d->out) return; /* counted only */
    static const char *const names[] = {"error", "warning", "note"};
    if (loc.line > 0)
        fprintf(d->out, "%s:%d:%d: %s: ", d->file, loc.line, loc.col, names[level]);
    else
        fprintf(d->out, "%s: %s: ", d->file, names[level]);
    fputs(msg, d->out);
    if (code) fprintf(d->out, " [%s]", code);
    fputc('\n', d->out);
    quote_source(d, loc);
    if (hint) fprintf(d->out, "      = hint: %s\n", hint);
}

static char *xstrdup(const char *s)
{
    char *p = s ? strdup(s) : NULL;
    if (s && !p) {
        fputs("slate: out of memory\n", stderr);
        abort();
    }
    return p;
}

static void vreport(diag_ctx *d, diag_level level, const char *code, src_loc loc,
                    const char *hint, const char *fmt, va_list ap)
{
    if (level == DIAG_WARNING && d->werror) level = DIAG_ERROR;
    if (level == DIAG_ERROR) {
        d->errors++;
        if (d->max_errors && d->errors > d->max_errors) {
            if (d->errors == d->max_errors + 1 && d->out && !d->sink && !d->hold)
                fprintf(d->out, "%s: too many errors, stopping here\n", d->file);
            return;
        }
    } else if (level == DIAG_WARNING) {
        d->warnings++;
    }
    if (!d->out && !d->sink) return; /* counted only */
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (!d->hold) {
        emit(d, level, code, loc, hint, msg);
        return;
    }
    if (d->nheld == d->capheld) {
        int cap = d->capheld ? d->capheld * 2 : 16;
        diag_held *nh = realloc(d->held, (size_t)cap * sizeof *nh);
        if (!nh) {
            fputs("slate: out of memory\n", stderr);
            abort();
        }
        d->held = nh;
        d->capheld = cap;
    }
    d->held[d->nheld] = (diag_held){level, code, loc, xstrdup(msg), xstrdup(hint), d->nheld};
    d->nheld++;
}

static int held_cmp(const void *a, const void *b)
{
    const diag_held *x = a, *y = b;
    if (x->loc.line != y->loc.line) return x->loc.line < y->loc.line ? -1 : 1;
    if (x->loc.col != y->loc.col) return x->loc.col < y->loc.col ? -1 : 1;
    return (x->seq > y->seq) - (x->seq < y->seq);
}

void diag_hold(diag_ctx *d)
{
    d->hold = 1;
}

void diag_release(diag_ctx *d)
{
    if (d->nheld) qsort(d->held, (size_t)d->nheld, sizeof *d->held, held_cmp);
    for (int i = 0; i < d->nheld; i++) {
        diag_held *h = &d->held[i];
        emit(d, h->level, h->code, h->loc, h->hint, h->msg);
        free(h->msg);
        free(h->hint);
    }
    if (d->max_errors && d->errors > d->max_errors && d->out && !d->sink)
        fprintf(d->out, "%s: too many errors, stopping here\n", d->file);
    free(d->held);
    d->held = NULL;
    d->nheld = d->capheld = 0;
    d->hold = 0;
}

void diag_report(diag_ctx *d, diag_level level, src_loc loc, const char *hint,
                 const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(d, level, NULL, loc, hint, fmt, ap);
    va_end(ap);
}

void diag_report_code(diag_ctx *d, diag_level level, const char *code, src_loc loc,
                      const char *hint, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(d, level, code, loc, hint, fmt, ap);
    va_end(ap);
}

void diag_summary(const diag_ctx *d)
{
    if ((!d->errors && !d->warnings) || !d->out || d->sink) return;
    fprintf(d->out, "%s: %d error%s, %d warning%s\n", d->file, d->errors,
            d->errors == 1 ? "" : "s", d->warnings, d->warnings == 1 ? "" : "s");
}

