/*
 * lower.h - the compiler back end: a checked AST -> a program -> image bytes.
 *
 * Place in the pipeline: grammar -> check -> here (lower.c builds the tables,
 * gen.c the code) -> emit.c (bytes).  Lowering assumes the checker passed with
 * no errors; what the checker cannot know (a calendar whose zone cannot be
 * compiled, a table past the format's limits) is reported as an error at the
 * declaration's location.  The semantics encoded are in docs/bytecode.md.
 */
#ifndef SLATE_LOWER_H
#define SLATE_LOWER_H

#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "diag.h"
#include "program.h"

typedef struct cg_program cg_program;

/* Lower `ast` to a program.  Returns 0 with *out set (free with cg_free()), or -1
 * after reporting errors to `d` (*out NULL). */
int cg_lower(const ast_policy *ast, diag_ctx *d, cg_program **out);

/* The program in its loaded form (owned by `cg`), verified, with max_steps set. */
const slate_program *cg_view(const cg_program *cg);

void cg_free(cg_program *cg);

/* The whole back end: lower, verify, serialise.  Returns 0 with a malloc'd
 * image in *img / *len, or -1 after reporting to `d` (-1 with no error
 * reported: memory ran out).  The bytes are not loaded back here: slatec.c
 * loads them, and that load is both the self-check and the program it hands
 * out. */
int cg_compile(const ast_policy *ast, diag_ctx *d, uint8_t **img, size_t *len);

#endif
