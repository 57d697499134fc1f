/*
 * suggest.c - the "did you mean" search behind suggest.h: an edit distance with
 * transpositions, and a closeness limit that grows with the word.  It does not
 * rank more than one answer: a single near miss is what a person wants to see.
 */
#include <stdio.h>
#include <string.h>

#include "suggest.h"

/* Optimal string alignment distance (Levenshtein plus transpositions), capped at
 * 8: only near misses matter, and names are short. */
static int edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 32 || lb > 32) return 99;
    int d[33][33];
    for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            int cost = a[i - 1] != b[j - 1];
            int v = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < v) v = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < v) v = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < v)
                v = d[i - 2][j - 2] + 1;
            d[i][j] = v;
        }
    }
    return d[la][lb];
}

void diag_suggest_init(diag_suggest *s, const char *word)
{
    s->word = word;
    s->best = NULL;
    s->best_dist = 99;
}

void diag_suggest_add(diag_suggest *s, const char *candidate)
{
    if (!candidate || !s->word || strcmp(candidate, s->word) == 0) return;
    size_t n = strlen(s->word);
    int limit = n <= 3 ? 1 : n <= 6 ? 2 : 3;
    int dist = edit_distance(s->word, candidate);
    if (dist <= limit && dist < s->best_dist) {
        s->best = candidate;
        s->best_dist = dist;
    }
}

const char *diag_suggest_best(const diag_suggest *s)
{
    return s->best;
}

const char *diag_suggest_hint(const diag_suggest *s, char *buf, size_t size)
{
    if (!s->best) return NULL;
    snprintf(buf, size, "did you mean `%s`?", s->best);
    return buf;
}
