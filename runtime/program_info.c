/*
 * program_info.c - runtime/export/program_info.h: a loaded program's calendars
 * and the source lines of its rules, tiers and ladder steps, read by index with
 * every index checked.  Nothing here runs per event; it reads the immutable
 * program, so any thread may call it.  Not here: names (bytecode/program.c).
 */
#include "program_info.h"

#include "program.h"

static int in_range(int id, uint32_t n) { return id >= 0 && (uint32_t)id < n; }

const cal_table *pi_calendar(const slate_program *prog, int calendar)
{
    if (!prog || !in_range(calendar, prog->ncalendars)) return NULL;
    return &prog->calendars[calendar];
}

int64_t pi_max_steps(const slate_program *prog) { return prog ? (int64_t)prog->max_steps : -1; }

int pi_rule_count(const slate_program *prog) { return prog ? (int)prog->nrules : -1; }

int pi_rule_line(const slate_program *prog, int rule)
{
    if (!prog || !in_range(rule, prog->nrules)) return -1;
    return (int)prog->rules[rule].line;
}

const char *pi_rule_label(const slate_program *prog, int rule)
{
    if (!prog || !in_range(rule, prog->nrules) || !prog->rules[rule].label) return NULL;
    return prog_str(prog, prog->rules[rule].label);
}

int pi_tier_line(const slate_program *prog, int tier)
{
    if (!prog || !in_range(tier, prog->ntiers)) return -1;
    return (int)prog->tiers[tier].line;
}

int pi_level_count(const slate_program *prog)
{
    return prog ? (int)prog->nlevels : -1;
}

const char *pi_level_name(const slate_program *prog, int level)
{
    if (!prog || !in_range(level, prog->nlevels)) return NULL;
    return prog_str(prog, prog->levels[level]);
}

const char *pi_tier_ladder(const slate_program *prog, int tier)
{
    if (!prog || !in_range(tier, prog->ntiers)) return NULL;
    if (prog->tiers[tier].ladder == PROG_NONE) return NULL;
    return prog_str(prog, prog->ladder_names[prog->tiers[tier].ladder]);
}

int pi_step_count(const slate_program *prog, int tier)
{
    if (!prog || !in_range(tier, prog->ntiers)) return -1;
    const prog_tier *t = &prog->tiers[tier];
    int n = 0;
    for (uint32_t k = 0; k < t->ntargets; k++) n += (int)prog->targets[t->first_target + k].nsteps;
    return n;
}

_Static_assert((int)PI_STEP_PERCENT == STEP_K_PERCENT && (int)PI_STEP_BEFORE == STEP_K_BEFORE &&
                   (int)PI_STEP_BREACH == STEP_K_BREACH,
               "pi_step_kind and prog_step_kind must agree");

int pi_step_get(const slate_program *prog, int tier, int i, pi_step *out)
{
    if (!prog || !out || !in_range(tier, prog->ntiers) || i < 0) return -1;
    const prog_tier *t = &prog->tiers[tier];
    uint32_t left = (uint32_t)i;
    for (uint32_t k = 0; k < t->ntargets; k++) {
        const prog_target *tg = &prog->targets[t->first_target + k];
        if (left >= tg->nsteps) {
            left -= tg->nsteps;
            continue;
        }
        const prog_step *s = &prog->steps[tg->first_step + left];
        *out = (pi_step){tg->clock, s->kind, s->value, (int)s->line, s->implicit};
        return 0;
    }
    return -1;
}
