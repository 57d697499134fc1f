/*
 * select.h - the plan of the tier selection block (select.c): each tier's
 * conjuncts and, for each, the tier a failure jumps to.  gen.c emits the block
 * from it.
 */
#ifndef SLATE_SELECT_H
#define SLATE_SELECT_H

#include <stdint.h>

#include "ast.h"

struct cg_program;

typedef struct sel_tier {
    uint32_t tier;          /* index in the tier table */
    const ast_sla *sla;
    const ast_expr **conj;  /* the top-level conjuncts of its condition */
    int nconj;
    int *atoms_var;         /* per conjunct: the variable it constrains, or -1 */
    uint64_t *atoms_set;    /* ... and the values for which it holds */
    int *target;            /* per conjunct: the sel_tier index a failure jumps to
                               (n: past the last one, to the default), or -1
                               when the conjunct is known to hold: no test */
    int reached;            /* some path can get here; unreached tiers get no code */
} sel_tier;

typedef struct sel_plan {
    sel_tier *t;            /* the tiers with a condition, in file order */
    int n;
} sel_plan;

/* Build the plan for `cg`'s tiers.  Returns 0 (aborts when out of memory). */
int sel_plan_build(const struct cg_program *cg, sel_plan *p);
void sel_plan_free(sel_plan *p);

#endif
