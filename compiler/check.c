/* check.c - placeholder semantic pass (being replaced by the full checker). */
#include "check.h"
int chk_policy(ast_policy *p, diag_ctx *d) { (void)p; (void)d; return 0; }
