/*
 * parse.h - the front door of the grammar: text in, AST out.
 *
 * Hides flex and bison: nothing outside grammar/ includes their generated headers.
 * Parsing recovers from syntax errors so one run reports many; it does not resolve
 * names or types (compiler/check.c does).
 */
#ifndef SLATE_PARSE_H
#define SLATE_PARSE_H

#include <stddef.h>

#include "ast.h"
#include "diag.h"

/* Parse `len` bytes of `src` (need not be NUL-terminated) as the policy file
 * `file`.  Lexical and syntax errors go to `d`.  Returns the tree built so far even
 * when there were errors (the caller checks d->errors); the caller owns it and
 * frees it with ast_free().  NULL only when memory runs out. */
ast_policy *parse_policy(const char *file, const char *src, size_t len, diag_ctx *d);

#endif
