/*
 * fmt_scan.c - the formatter's light scan (see fmt.c for the whole design).
 *
 * Splits text the parser has already accepted into tokens and comments, records
 * where each line starts and counts blank lines, so the printer can recover what
 * the tree does not keep: comments, spellings, parentheses, clause order.  It does
 * not diagnose anything (only clean text is scanned) and knows no grammar beyond
 * where lexer.l splits tokens.
 */
#include <stdlib.h>
#include <string.h>

#include "fmt_int.h"

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
void fmt_scan(fscan *S, const char *s, size_t n)
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

void fmt_scan_free(fscan *S)
{
    free(S->t);
    free(S->c);
    free(S->lstart);
    free(S->nblank);
}
