/*
 * fmt_lines.c - the formatter's output lines and where comments go.
 *
 * The printers (fmt_layout.c) hand over finished code lines; this file interleaves
 * the source's comments with them by source offset, keeps the author's blank
 * lines (runs count as one), and finally joins the lines, aligning trailing
 * comments.  It does not decide how any construct is laid out.
 */
#include <stdlib.h>
#include <string.h>

#include "fmt_int.h"

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
void fmt_flush(fmt_p *P, size_t upto)
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
void fmt_hoist(fmt_p *P, size_t upto)
{
    while (P->ci < P->S.nc && P->S.c[P->ci].off < upto) push_comment(P, &P->S.c[P->ci++]);
}

/* Before an item of a block that spans [start, end) in the source. */
void fmt_begin_item(fmt_p *P, size_t start, size_t end)
{
    fmt_flush(P, start);
    blank_if(P, line_of(P, start));
    fmt_hoist(P, end);
}

/* Before a declaration: its predecessor keeps its last comment, then exactly one
 * blank line, the comments above it, and the comments inside its first line
 * [start, head_end). */
void fmt_begin_decl(fmt_p *P, size_t start, size_t head_end)
{
    while (P->ci < P->S.nc && P->S.c[P->ci].off < start && !P->S.c[P->ci].own) {
        fline *l = last_out(P);
        if (!l || l->kind != FL_CODE || l->com) break;
        l->com = &P->S.c[P->ci++];
    }
    if (P->nln) push_blank(P);
    P->blank_ok = 0;
    P->indent = 0;
    fmt_flush(P, start);
    blank_if(P, line_of(P, start));
    fmt_hoist(P, head_end);
}

/* Append the text of `b` (lines split at '\n') as code lines; `end` is the source
 * offset the item ends at. */
void fmt_put_code(fmt_p *P, const sbuf *b, size_t end)
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

/* Where a run of trailing comments starting at line `i` ends, and the width of its
 * longest code.  A run is the neighbouring lines of code at one indentation that
 * each end in a comment (a line without one ends it, as in gofmt's tabwriter), cut
 * short before a line that would push the run's comments past FMT_WIDTH: so one
 * long line does not drag a whole block of short ones far to the right. */
static size_t comment_run(const fmt_p *P, size_t i, size_t last, size_t *width)
{
    size_t j = i, w = 0, c = 0;
    while (j < last) {
        const fline *l = &P->ln[j];
        if (l->kind != FL_CODE || !l->com || l->indent != P->ln[i].indent) break;
        size_t lw = strlen(l->code), lc = l->com->len;
        size_t nw = lw > w ? lw : w, nc = lc > c ? lc : c;
        if (j > i && nw + 2 + nc > FMT_WIDTH) break;
        w = nw, c = nc;
        j++;
    }
    *width = w;
    return j;
}

/* Join the lines, aligning each run of trailing comments two columns past the
 * longest code in it. */
char *fmt_assemble(fmt_p *P, size_t *len)
{
    sbuf b = {0};
    size_t first = 0, last = P->nln;
    while (first < last && P->ln[first].kind == FL_BLANK) first++;
    while (last > first && P->ln[last - 1].kind == FL_BLANK) last--;
    size_t i = first;
    while (i < last) {
        size_t w = 0, j = comment_run(P, i, last, &w);
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
