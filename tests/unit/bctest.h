/*
 * bctest.h - helpers the bytecode tests share: compile policy text in memory to
 * an image or to a lowered program, and read files.  Header-only (static
 * functions) because each test is its own executable.
 */
#ifndef SLATE_BCTEST_H
#define SLATE_BCTEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "frontend.h"
#include "lower.h"
#include "slatec.h"

/* Compile `src` (named `file`) to an image; diagnostics go to stderr.  Returns 0
 * with a malloc'd image, -1 when the policy has errors. */
static inline int bc_compile(const char *file, const char *src, uint8_t **img, size_t *len)
{
    fe_unit u;
    int rc = fe_load_text(&u, file, src, strlen(src), stderr, 0);
    if (rc == 0) rc = cg_compile(u.ast, &u.diag, img, len);
    else rc = -1;
    fe_release(&u);
    return rc;
}

/* Lower `src` to a program kept with its AST (both freed by bc_unit_free). */
typedef struct bc_unit {
    fe_unit fe;
    cg_program *cg;
} bc_unit;

static inline int bc_lower(bc_unit *b, const char *file, const char *src)
{
    b->cg = NULL;
    if (fe_load_text(&b->fe, file, src, strlen(src), stderr, 0)) return -1;
    return cg_lower(b->fe.ast, &b->fe.diag, &b->cg);
}

static inline void bc_unit_free(bc_unit *b)
{
    cg_free(b->cg);
    fe_release(&b->fe);
}

/* A whole file, malloc'd and NUL-terminated; NULL if unreadable. */
static inline char *bc_read(const char *path, size_t *len)
{
    size_t n;
    char *s = slatec_read_file(path, &n);
    if (s && len) *len = n;
    return s;
}

/* xorshift64*: a fixed-seed PRNG so every run tests the same cases. */
static inline uint64_t bc_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

#endif
