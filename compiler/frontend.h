/*
 * frontend.h - parse and check one policy text in a single call.
 *
 * The first step of every compile (compiler/slatec.c behind include/slatec.h).
 * It owns a copy of the source text for as long as the AST lives, so
 * diagnostics reported later (by lowering) can still quote it.  It neither
 * reads files nor generates code.
 */
#ifndef SLATE_FRONTEND_H
#define SLATE_FRONTEND_H

#include <stdio.h>

#include "ast.h"
#include "diag.h"

typedef struct fe_unit {
    char *src;          /* a copy of the text (owned) */
    size_t len;
    ast_policy *ast;    /* NULL if memory ran out */
    diag_ctx diag;      /* counts and context for further diagnostics */
} fe_unit;

/* Run the parser and checker on `len` bytes of `src` (copied; `file` names it
 * in messages), printing diagnostics to `out` (NULL: counted only).  `werror`
 * turns warnings into errors.  Returns 0 when the policy is clean of errors, 1
 * when it has errors, 3 when memory runs out.  The unit must be released with
 * fe_release() in every case. */
int fe_load_text(fe_unit *u, const char *file, const char *src, size_t len, FILE *out,
                 int werror);

/* The same, handing each diagnostic to `sink` (when not NULL) instead of
 * printing it. */
int fe_load_text_sink(fe_unit *u, const char *file, const char *src, size_t len, FILE *out,
                      int werror, diag_sink_fn *sink, void *sink_arg);

void fe_release(fe_unit *u);

#endif
