/*
 * gbuild.h - the tree builders that parser.y's actions call (private to grammar/).
 *
 * Every node comes from the policy's arena (ps->pol), so nothing here is freed
 * by its caller.  Locations are bison's; each builder stores them as src_loc.
 * Messages reported here go to ps->d with the same text the grammar always gave.
 */
#ifndef SLATE_GBUILD_H
#define SLATE_GBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "gsupport.h"

/* `n` zeroed bytes from the policy's arena. */
void *gr_alloc(gr_state *ps, size_t n);

/* A listed identifier `name` at `loc`, unresolved (ref -1). */
ast_ident *gr_mk_ident(gr_state *ps, const char *name, SLATE_YYLTYPE loc);

/* An embedded ident copied from a parsed one (NULL: the absent name). */
ast_ident gr_ident_val(const ast_ident *id);

/* An expression node of kind `k` at `loc`, unresolved; the caller fills u. */
ast_expr *gr_mk_expr(gr_state *ps, ast_expr_kind k, SLATE_YYLTYPE loc);

/* A binary expression `l op r` (op matters only for EX_CMP). */
ast_expr *gr_mk_bin(gr_state *ps, ast_expr_kind k, ast_expr *l, ast_expr *r,
                    ast_cmp_op op, SLATE_YYLTYPE loc);

/* An action of kind `k` on `target` (may be NULL); calendar and until absent. */
ast_action *gr_mk_action(gr_state *ps, ast_action_kind k, SLATE_YYLTYPE loc,
                         const ast_ident *target);

/* A ladder step of kind `k` on `clock`; the caller sets the offset and actions. */
ast_step *gr_mk_step(gr_state *ps, ast_step_kind k, SLATE_YYLTYPE loc,
                     const ast_ident *clock);

/* A duration of `amount` units `u`, by value. */
ast_duration gr_mk_dur(ast_dur_unit u, int64_t amount, SLATE_YYLTYPE loc);

/* `N working hours`: N hours of the calendar's time, in seconds; reports an
 * overflow and returns 0 seconds then. */
ast_duration gr_working_hours(gr_state *ps, int64_t n, SLATE_YYLTYPE loc);

/* Every declaration passes here: the `policy` header must come first. */
void gr_note_decl(gr_state *ps, SLATE_YYLTYPE kw);

/* The `policy` header (name and version may be NULL after an error): reports a
 * second header or one after a declaration, else records it in ps->pol. */
void gr_note_header(gr_state *ps, SLATE_YYLTYPE kw, const char *name, const char *version,
                    SLATE_YYLTYPE whole);

/* mon=0 .. sun=6; reports an unknown day and returns 0. */
int gr_day_index(gr_state *ps, const char *name, SLATE_YYLTYPE loc);

#endif
