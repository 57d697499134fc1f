/*
 * policytest_int.h - what the files behind policytest.h share (private to
 * policytest/policytest*.c): allocation that aborts on failure and a strict integer
 * reader.  Everything is static inline so nothing new is exported; nothing
 * outside those files includes this header.
 */
#ifndef SLATE_POLICYTEST_INT_H
#define SLATE_POLICYTEST_INT_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- memory: failures abort, this is command-line code ---------------------- */

static inline void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("slate: out of memory\n", stderr);
        abort();
    }
    return q;
}

static inline char *xstrndup(const char *s, size_t n)
{
    char *d = xrealloc(NULL, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static inline char *xstrdup(const char *s) { return s ? xstrndup(s, strlen(s)) : NULL; }

/* Append one zeroed element to the array `arr` of `n` elements; evaluates to a
 * pointer to it.  `arr` and `n` are evaluated more than once. */
#define PUSH(arr, n)                                                   \
    ((arr) = xrealloc((arr), ((n) + 1) * sizeof *(arr)),               \
     memset(&(arr)[(n)], 0, sizeof *(arr)), &(arr)[(n)++])

/* A whole decimal integer (no sign but '-', nothing after it): 0, else -1. */
static inline int parse_int(const char *s, int64_t *v)
{
    if (!*s) return -1;
    errno = 0;
    char *e;
    long long x = strtoll(s, &e, 10);
    if (*e || errno) return -1;
    *v = x;
    return 0;
}

#endif
