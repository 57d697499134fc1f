/*
 * fmt.h - the canonical formatter behind `slate fmt`: policy text -> policy text.
 *
 * A side branch of the pipeline (lexer.l -> parser.y -> fmt.c): it reads the tree
 * the parser builds and prints it in the one canonical layout of docs/fmt.md,
 * with every comment put back.  It never resolves names, so a policy with
 * semantic errors (an unknown clock, a type mismatch) is still formatted; a policy
 * with syntax errors is not.
 */
#ifndef SLATE_FMT_H
#define SLATE_FMT_H

#include <stddef.h>
#include <stdio.h>

#include "ast.h"

/* Format `len` bytes of `src` (need not be NUL-terminated), named `file` in
 * diagnostics.  Returns
 *   0  success: *out is the formatted text (malloc'd, NUL-terminated, the caller
 *      frees it) and *out_len its length;
 *   1  the source has lexical or syntax errors: they and a summary line are
 *      printed to `diag_out` as `slate check` prints them, *out is NULL;
 *   3  internal failure: the formatted text would not parse back to the same tree
 *      or would lose a comment (a message is printed to `diag_out`), *out is NULL.
 * `diag_out` must not be NULL.  The result is idempotent:
 * formatting it again gives the same bytes. */
int fmt_source(const char *file, const char *src, size_t len, FILE *diag_out, char **out,
               size_t *out_len);

/* A structural dump of the tree: every kind, name, value and list in order, and no
 * source location or checker result, so that two parses of differently laid out
 * text compare equal exactly when they mean the same policy.  Returns a malloc'd
 * string the caller frees; NULL when memory runs out. */
char *fmt_ast_dump(const ast_policy *p);

#endif
