/*
 * suggest.h - "did you mean" for a misspelt name: feed the candidates, ask for
 * the closest.  Shared by the policy checker (compiler/) and the event reader
 * (io/), so that a misspelt field gets the same hint in a policy and in an
 * event.  Not here: where the hint is printed.
 */
#ifndef SLATE_SUGGEST_H
#define SLATE_SUGGEST_H

#include <stddef.h>

/* A candidate counts only if its edit distance is small for the word's length. */
typedef struct diag_suggest {
    const char *word;
    const char *best;
    int best_dist;
} diag_suggest;

void diag_suggest_init(diag_suggest *s, const char *word);
void diag_suggest_add(diag_suggest *s, const char *candidate);
/* The best candidate, or NULL when nothing is close enough. */
const char *diag_suggest_best(const diag_suggest *s);

/* Format "did you mean `X`?" into buf for the best candidate; NULL when none. */
const char *diag_suggest_hint(const diag_suggest *s, char *buf, size_t size);

#endif
