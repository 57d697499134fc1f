/*
 * tiers_int.h - the handle behind include/slatec.h's slatec_tiers: a checked policy
 * kept for evaluating its tier conditions on a case's values (check_why.c),
 * which `slate explain` uses to say why each tier did or did not apply.
 * slatec.c makes the unit; nothing here compiles or runs code.
 */
#ifndef SLATE_TIERS_INT_H
#define SLATE_TIERS_INT_H

#include "frontend.h"
#include "slatec.h"

struct slatec_tiers {
    fe_unit u;              /* the checked policy (owns the AST) */
    const ast_sla **slas;   /* the tiers in file order: tier ids */
    int n;
    int nfields;
};

/* Index the tiers of the checked unit `t->u` (must have no errors).  0, or -1
 * when memory runs out. */
int why_index(struct slatec_tiers *t);

#endif
