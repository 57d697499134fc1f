/*
 * check.h - the semantic pass: names, types, ranges and lint warnings.
 *
 * Runs on a parsed AST and fills its resolved parts (ast_ident.ref, expression
 * types, indices, `used` flags).  Lowering may assume a tree that passed without
 * errors is consistent.  It does not compute calendars or code.
 */
#ifndef SLATE_CHECK_H
#define SLATE_CHECK_H

#include "ast.h"
#include "diag.h"

/* Check the whole policy, reporting to `d` in source order.  Returns the number of
 * errors reported by this pass (warnings are counted in `d` only).  When `d`
 * already holds errors (the parser's), the tree is incomplete: it is checked,
 * but only the name, type and range errors that cannot come from what did not
 * parse are reported (check.c, "Recovery"), and no warning. */
int chk_policy(ast_policy *p, diag_ctx *d);

#endif
