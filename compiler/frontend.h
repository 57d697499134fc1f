/*
 * frontend.h - read, parse and check one policy file in a single call.
 *
 * The common first step of `slate check`, `build`, `run` and `test`.  It owns the
 * source text for as long as the AST lives, so diagnostics reported later (by
 * lowering) can still quote it.  It does not generate code.
 */
#ifndef SLATE_FRONTEND_H
#define SLATE_FRONTEND_H

#include <stdio.h>

#include "ast.h"
#include "diag.h"

typedef struct fe_unit {
    char *src;          /* the file's bytes (owned) */
    size_t len;
    ast_policy *ast;    /* NULL if the file could not be read */
    diag_ctx diag;      /* counts and context for further diagnostics */
} fe_unit;

/* Read `path` and run the parser and checker, printing diagnostics to `out`.
 * `werror` turns warnings into errors.  Returns 0 when the policy is clean of
 * errors, 1 when it has errors, 3 when the file cannot be read (a message is
 * printed).  The unit must be released with fe_release() in every case. */
int fe_load(fe_unit *u, const char *path, FILE *out, int werror);

/* The same on text already in memory (`file` names it in messages). */
int fe_load_text(fe_unit *u, const char *file, const char *src, size_t len, FILE *out,
                 int werror);

void fe_release(fe_unit *u);

/* Read a whole file into a malloc'd NUL-terminated buffer.  Returns NULL and sets
 * errno on failure. */
char *fe_read_file(const char *path, size_t *len);

#endif
