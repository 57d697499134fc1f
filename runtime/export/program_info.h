/*
 * program_info.h - what slate's own tools read of a loaded program beyond the
 * names slate.h gives: the compiled working-time calendars, for the benchmark
 * baselines that compute working time with common/calendar.h exactly as the
 * engine does, and the source lines of rules, tiers and ladder steps, for
 * `slate test`'s coverage report.
 *
 * Private to slate (libslate, the CLI, the benchmarks); not part of the public
 * API, because it shows compiled forms that may change with the image format.
 * Like slate.h's accessors, every function checks its arguments and gives NULL
 * or -1 for a NULL program or an id out of range.  Not here: names (slate.h);
 * the program's memory layout (bytecode/program.h, which only libslate and the
 * compiler see).
 */
#ifndef SLATE_PROGRAM_INFO_H
#define SLATE_PROGRAM_INFO_H

#include <stdint.h>

#include "calendar.h"
#include "slate.h"

/* Calendar `calendar` (slate_program_calendar_id) as the engine uses it. */
const cal_table *pi_calendar(const slate_program *prog, int calendar);

/* The most VM instructions one event or timer may execute (the image's stated
 * step bound, docs/bytecode.md "Step bound"); -1 for a NULL program. */
int64_t pi_max_steps(const slate_program *prog);

/* Rules in program order: the line of each and its label (NULL when unnamed). */
int pi_rule_count(const slate_program *prog);
int pi_rule_line(const slate_program *prog, int rule);
const char *pi_rule_label(const slate_program *prog, int rule);

/* A tier's line, and the name of the ladder it uses (NULL when none). */
int pi_tier_line(const slate_program *prog, int tier);
const char *pi_tier_ladder(const slate_program *prog, int tier);

/* Levels in order, lowest first: their count, and the name of level `level`. */
int pi_level_count(const slate_program *prog);
const char *pi_level_name(const slate_program *prog, int level);

enum pi_step_kind {
    PI_STEP_PERCENT = 0, /* value: percent of the target */
    PI_STEP_BEFORE,      /* value: ms before the target */
    PI_STEP_BREACH       /* value: ms after the target (0: the breach itself) */
};

/* One ladder step of one of a tier's targets. */
typedef struct pi_step {
    int clock;          /* slate_program_clock_name() */
    int kind;           /* enum pi_step_kind */
    int64_t value;
    int line;
    int implicit;       /* 1: the breach every target has, written in no ladder */
} pi_step;

/* The steps of tier `tier`'s targets: target after target, each target's in the
 * order they fire; pi_step_get fills *out with the i-th and returns 0, or -1. */
int pi_step_count(const slate_program *prog, int tier);
int pi_step_get(const slate_program *prog, int tier, int i, pi_step *out);

#endif
