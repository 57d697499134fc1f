/*
 * lower_int.h - what lower.c (tables) and gen.c (code) share: the program under
 * construction and the name lookups both need.  Private to the back end.
 */
#ifndef SLATE_LOWER_INT_H
#define SLATE_LOWER_INT_H

#include <stdint.h>
#include <stdlib.h>

#include "lower.h"

/* A growable array; out of memory aborts, as the AST arena does. */
#define VEC(T) struct { T *v; uint32_t n, cap; }
#define VEC_PUSH(vec, item)                                                             \
    __extension__({                                                                     \
        __typeof__((vec).v) slot_ = cg_vec_slot((void **)&(vec).v, &(vec).n, &(vec).cap, \
                                                sizeof *(vec).v);                       \
        *slot_ = (item);                                                                \
        (uint32_t)((vec).n - 1);                                                        \
    })
void *cg_vec_slot(void **v, uint32_t *n, uint32_t *cap, size_t size);

struct cg_program {
    const ast_policy *ast;
    diag_ctx *d;
    int errors;

    VEC(char) strdata;              /* strings, each NUL-terminated */
    VEC(prog_string) strings;
    uint32_t *strhash;              /* open addressing: string index + 1, 0 empty */
    uint32_t strhash_cap;
    VEC(int64_t) consts;
    VEC(prog_field) fields;
    VEC(uint32_t) enum_values;
    VEC(uint32_t) levels;
    VEC(prog_event) events;
    VEC(prog_evop) evops;
    VEC(prog_clock) clocks;
    VEC(cal_table) calendars;
    VEC(uint32_t) calendar_names;
    VEC(prog_target) targets;
    VEC(prog_step) steps;
    VEC(const ast_step *) step_src; /* the ladder step behind each step, or NULL */
    VEC(prog_tier) tiers;
    VEC(uint32_t) ladder_names;
    VEC(prog_rule) rules;
    VEC(prog_emit) emits;
    VEC(prog_emit_arg) emit_args;
    VEC(prog_required) required;
    VEC(cal_open) calopen;          /* every calendar's open-day spans, by calendar */
    VEC(prog_targetcal) target_cals;
    VEC(prog_reopen) reopen;
    VEC(vm_instr) code;
    VEC(uint32_t) lines;
    uint32_t nregs;
    int32_t select;

    int always_implicit;            /* index of the implicit `always`, or -1 */
    uint32_t ndeclared_clocks;
    int review_slot;                /* clock slot of `open review`, or -1 */

    slate_program view;
};

/* Intern a string; returns its pool index. */
uint32_t cg_str(cg_program *cg, const char *s);

/* Lookups by name (the checker has made them succeed); -1 when absent. */
int cg_event(const cg_program *cg, const char *name);
int cg_field(const cg_program *cg, const char *name);
int cg_level(const cg_program *cg, const char *name);
int cg_clock(const cg_program *cg, const char *name);
int cg_calendar(const cg_program *cg, const char *name);
int cg_enum_value(const cg_program *cg, int field, const char *name);

/* The calendar index of `on CAL` (name NULL: the default, see lower.c). */
uint16_t cg_calendar_of(cg_program *cg, const ast_ident *name);

/* A duration in ms: working days use calendar `cal`'s standard day (24 h when
 * PROG_NONE).  -1 when it exceeds the format's range. */
int64_t cg_duration_ms(const cg_program *cg, const ast_duration *dur, uint16_t cal);

/* The longest duration of dur's kind the image can hold, in the author's
 * units ("277777777 hours", "125000000 working days"), into buf. */
const char *cg_duration_limit(const cg_program *cg, const ast_duration *dur, uint16_t cal,
                              char *buf, size_t size);

/* Report an error at `loc` and count it. */
void cg_error(cg_program *cg, src_loc loc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* gen.c: emit the code blocks and set the pcs in the tables. */
void gen_code(cg_program *cg);

#endif
