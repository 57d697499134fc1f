/*
 * progbuild.h - build small slate_program structs by hand for engine unit tests.
 *
 * program.h is plain arrays, so a test can lay out a program without the
 * compiler: strings, fields, clocks, event ops, tiers with targets and steps, and
 * code blocks written instruction by instruction.  Everything lives inside one
 * zeroed `pb` struct; pb_finish() points the slate_program at it.
 */
#ifndef SLATE_PROGBUILD_H
#define SLATE_PROGBUILD_H

#include <stdint.h>
#include <string.h>

#include "program.h"

typedef struct pb {
    slate_program p;
    char strtab[16384];
    uint32_t strpos;
    prog_string strings[512];
    uint32_t nstrings;
    prog_field fields[16];
    uint32_t nfields;
    uint32_t enum_values[64];
    uint32_t nenum;
    uint32_t levels[8];
    uint32_t nlevels;
    prog_event events[24];
    uint32_t nevents;
    prog_evop evops[64];
    uint32_t nevops;
    prog_clock clocks[8];
    uint32_t nclocks;
    prog_target targets[32];
    uint32_t ntargets;
    prog_step steps[64];
    uint32_t nsteps;
    prog_tier tiers[8];
    uint32_t ntiers;
    prog_rule rules[16];
    uint32_t nrules;
    prog_emit emits[4];
    uint32_t nemits;
    prog_emit_arg emit_args[8];
    uint32_t nemit_args;
    vm_instr code[512];
    uint32_t code_lines[512];
    uint32_t ncode;
    int64_t consts[16];
    uint32_t nconsts;
    cal_table cals[4];
    uint32_t calnames[4];
    uint32_t ncals;
    uint32_t line; /* line given to the next code emitted */
} pb;

static const char *const pb_builtin[12] = {
    "opened", "responded", "updated", "paused", "resumed", "resolved",
    "reopened", "closed", "followed_up", "surveyed", "reviewed", "tick",
};

static inline uint32_t pb_str(pb *b, const char *s)
{
    size_t n = strlen(s);
    for (uint32_t i = 0; i < b->nstrings; i++)
        if (b->strings[i].len == n && memcmp(b->strtab + b->strings[i].off, s, n) == 0) return i;
    b->strings[b->nstrings] = (prog_string){b->strpos, (uint32_t)n};
    memcpy(b->strtab + b->strpos, s, n + 1);
    b->strpos += (uint32_t)n + 1;
    return b->nstrings++;
}

static inline void pb_init(pb *b, const char *source)
{
    memset(b, 0, sizeof *b);
    pb_str(b, "");
    b->p.source = pb_str(b, source);
    b->p.name = pb_str(b, "test");
    b->p.version = pb_str(b, "1");
    for (int i = 0; i < 12; i++)
        b->events[b->nevents++] = (prog_event){pb_str(b, pb_builtin[i]), 0, 0, PROG_NO_CODE};
    b->p.select = PROG_NO_CODE;
    b->p.nregs = 8;
    memcpy(b->p.hash_hex, "0000000000000000000000000000000000000000000000000000000000000000", 65);
}

static inline uint32_t pb_field(pb *b, const char *name, uint8_t type, const char *const *values)
{
    prog_field f = {pb_str(b, name), type, b->nenum, 0};
    for (; values && values[f.nvalues]; f.nvalues++) b->enum_values[b->nenum++] = pb_str(b, values[f.nvalues]);
    b->fields[b->nfields] = f;
    return b->nfields++;
}

static inline uint32_t pb_level(pb *b, const char *name)
{
    b->levels[b->nlevels] = pb_str(b, name);
    return b->nlevels++;
}

static inline uint32_t pb_event(pb *b, const char *name)
{
    for (uint32_t i = 0; i < b->nevents; i++)
        if (strcmp(b->strtab + b->strings[b->events[i].name].off, name) == 0) return i;
    b->events[b->nevents] = (prog_event){pb_str(b, name), 0, 0, PROG_NO_CODE};
    return b->nevents++;
}

static inline uint32_t pb_clock(pb *b, const char *name, uint8_t kind, uint8_t flags, uint32_t line)
{
    b->clocks[b->nclocks] = (prog_clock){pb_str(b, name), kind, flags, PROG_NO_CODE, 0, line};
    return b->nclocks++;
}

/* Event ops must be added grouped by event, in stored order (stop, start, pause,
 * resume, reset). */
static inline void pb_evop(pb *b, const char *event, uint32_t clock, uint8_t op)
{
    prog_event *e = &b->events[pb_event(b, event)];
    if (e->nops == 0) e->first_op = b->nevops;
    b->evops[b->nevops++] = (prog_evop){(uint16_t)clock, op};
    e->nops++;
}

static inline uint32_t pb_calendar(pb *b, const char *name, cal_table t)
{
    b->cals[b->ncals] = t;
    b->calnames[b->ncals] = pb_str(b, name);
    return b->ncals++;
}

static inline uint32_t pb_tier(pb *b, const char *name, uint32_t line, int is_default)
{
    b->tiers[b->ntiers] = (prog_tier){pb_str(b, name), b->ntargets, 0, PROG_NONE, line,
                                      (uint8_t)is_default};
    return b->ntiers++;
}

/* A target of the last tier (or, with tier_target 0, an ad-hoc target entry). */
static inline uint32_t pb_target(pb *b, int tier_target, uint32_t clock, uint16_t cal,
                                 int64_t ms, uint32_t line)
{
    b->targets[b->ntargets] = (prog_target){(uint16_t)clock, cal, ms, b->nsteps, 0, line};
    if (tier_target) b->tiers[b->ntiers - 1].ntargets++;
    return b->ntargets++;
}

/* A step of the last target (add them sorted by point). */
static inline void pb_step(pb *b, uint8_t kind, int64_t value, int32_t code, uint32_t line,
                           int implicit)
{
    b->steps[b->nsteps++] = (prog_step){kind, (uint8_t)implicit, value, code, line};
    b->targets[b->ntargets - 1].nsteps++;
}

static inline int32_t pb_op(pb *b, uint8_t op, uint8_t a, uint16_t bb, int32_t c)
{
    b->code[b->ncode] = (vm_instr){op, a, bb, c};
    b->code_lines[b->ncode] = b->line;
    return (int32_t)b->ncode++;
}

static inline uint32_t pb_rule(pb *b, uint16_t event, uint32_t line, const char *label)
{
    b->rules[b->nrules] = (prog_rule){line, label ? pb_str(b, label) : 0, event};
    return b->nrules++;
}

static inline slate_program *pb_finish(pb *b)
{
    slate_program *p = &b->p;
    p->strtab = b->strtab;
    p->strings = b->strings;
    p->nstrings = b->nstrings;
    p->consts = b->consts;
    p->nconsts = b->nconsts;
    p->fields = b->fields;
    p->nfields = b->nfields;
    p->enum_values = b->enum_values;
    p->nenum_values = b->nenum;
    p->levels = b->levels;
    p->nlevels = b->nlevels;
    p->events = b->events;
    p->nevents = b->nevents;
    p->evops = b->evops;
    p->nevops = b->nevops;
    p->clocks = b->clocks;
    p->nclocks = b->nclocks;
    p->calendars = b->cals;
    p->calendar_names = b->calnames;
    p->ncalendars = b->ncals;
    p->targets = b->targets;
    p->ntargets = b->ntargets;
    p->steps = b->steps;
    p->nsteps = b->nsteps;
    p->tiers = b->tiers;
    p->ntiers = b->ntiers;
    p->rules = b->rules;
    p->nrules = b->nrules;
    p->emits = b->emits;
    p->nemits = b->nemits;
    p->emit_args = b->emit_args;
    p->nemit_args = b->nemit_args;
    p->code = b->code;
    p->code_lines = b->code_lines;
    p->ncode = b->ncode;
    p->max_steps = b->ncode;
    return p;
}

#endif
