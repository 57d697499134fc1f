/*
 * check_int.h - private interface between the parts of the semantic pass:
 * check.c (declarations, names, ranges, lint), check_cal.c (calendars) and
 * check_expr.c (expression types, constant conditions, the tier-implication test)
 * and check_why.c (tier conditions on a case's values).  Nothing outside compiler/check*.c
 * includes it.
 */
#ifndef SLATE_CHECK_INT_H
#define SLATE_CHECK_INT_H

#include <stdint.h>

#include "ast.h"
#include "diag.h"

/* A diagnostic held back until the pass ends, so they print in source order. */
typedef struct chk_pending {
    diag_level level;
    src_loc loc;
    char *hint, *msg; /* malloc'd */
    const char *code; /* "W010" (docs/diagnostics.md), or NULL; static */
    int seq;          /* report order, to keep the sort stable */
    int keep;         /* chk_flush: printed (after syntax errors, not all are) */
} chk_pending;

/* State of one run of the checker over one policy. */
typedef struct chk_ctx {
    ast_policy *p;
    diag_ctx *d;
    int nfields;    /* declared case fields; the built-in `level` field is index nfields */
    int nlevels;    /* declared levels */
    int ncalendars; /* declared calendars (the implicit `always` not included) */
    int always_cal; /* index of the `always` calendar, declared or implicit */
    chk_pending *pending;
    int npending, cap;
    int partial;    /* the parser reported errors: the tree has gaps (check.c,
                       "Recovery") */
} chk_ctx;

/* Queue a diagnostic (printed by chk_flush in line order). */
void chk_report(chk_ctx *c, diag_level level, src_loc loc, const char *hint, const char *fmt,
                ...) __attribute__((format(printf, 5, 6)));
/* The same, with a stable code from docs/diagnostics.md ("W010"; a literal). */
void chk_report_code(chk_ctx *c, diag_level level, const char *code, src_loc loc,
                     const char *hint, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
#define chk_error(c, loc, hint, ...) chk_report((c), DIAG_ERROR, (loc), (hint), __VA_ARGS__)
#define chk_warn(c, loc, hint, ...) chk_report((c), DIAG_WARNING, (loc), (hint), __VA_ARGS__)

/* Print the queued diagnostics sorted by position, and free them. */
void chk_flush(chk_ctx *c);

/* Lookups by name; NULL or -1 when there is no such name. */
ast_field *chk_find_field(const chk_ctx *c, const char *name);
int chk_find_level(const chk_ctx *c, const char *name);

/* Check one calendar's zone, hours and closed days (check_cal.c). */
void chk_calendar(chk_ctx *c, ast_calendar *k);

/* Type an expression and everything below it, filling `type`, `name_kind` and
 * `ref`.  `expect` is the type a bare enum value or level name is resolved against
 * (kind TY_ERROR when there is no context).  Reports errors, never cascades from
 * a TY_ERROR operand.  Returns the expression's type. */
ast_type chk_expr(chk_ctx *c, ast_expr *e, ast_type expect);

/* Type a condition (`when`, `pauses while`) and insist that it is bool. */
void chk_condition(chk_ctx *c, ast_expr *e);

/* True when the typed, error-free expression mentions no field and no `level`;
 * then *value receives its truth value (bool conditions only). */
int chk_constant_condition(const ast_expr *e, int *value);

/* A case's values for chk_eval_condition(): values[f] is field f (declaration
 * order); ints, bools (0/1), durations (ms) and enum value indices in `i`,
 * strings in s/len (s NULL: ""); `level` is the level index. */
typedef struct chk_value {
    int64_t i;
    const char *s;
    size_t len;
} chk_value;
typedef struct chk_env {
    const chk_value *values;
    size_t nvalues;
    int64_t level;
} chk_env;

/* The truth of a typed, error-free bool condition on the values of `env`, the
 * constant folding above with fields read from the environment (one evaluator
 * for both): 1 with *value set, 0 when it cannot be evaluated (errors, a field
 * the environment lacks). */
int chk_eval_condition(const ast_expr *e, const chk_env *env, int *value);

/* Sound but incomplete: true only when every case satisfying `later` also
 * satisfies `earlier`.  Both must be typed without errors. */
int chk_implies(const chk_ctx *c, const ast_expr *later, const ast_expr *earlier);

/* The coverage proof over the tier conditions (coverage.c): tiers that can
 * never be chosen, cases that get no tier (with an example), a default tier
 * never used.  Returns 1 when it decided everything it reports on, 0 when it
 * could not (a typed error, too large): then nothing was said of shadowing. */
int chk_tier_coverage(chk_ctx *c, const ast_sla *default_tier);

/* Whether a typed condition never holds (*never) or always holds (*always)
 * for any case; returns 0 (both 0) when it cannot tell. */
int chk_condition_range(chk_ctx *c, const ast_expr *cond, int *never, int *always);

/* The lint warnings of check_lint.c, on a tree checked without errors. */
void chk_lint(chk_ctx *c);

/* True when the expression or anything below it has type TY_ERROR. */
int chk_has_error(const ast_expr *e);

/* The source text under `loc` (one line at most, shortened with "..." when long),
 * for quoting in messages; writes into buf and returns it. */
const char *chk_src_text(const chk_ctx *c, src_loc loc, char *buf, size_t size);

/* "int", "enum tier", "level": a type as messages name it. */
const char *chk_type_desc(ast_type t, char *buf, size_t size);

#endif
