/*
 * program.c - the program half of the public API (slate.h): names, ids and
 * types of a loaded program, the library version and result-code strings, and
 * the opcode name tables (program.h) shared by the verifier and disassembler.
 * Loading itself is in load.c.  Everything here reads an immutable program, so
 * any number of threads may call it at once.
 */
#include <stdlib.h>
#include <string.h>

#include "program.h"
#include "slate.h"

const char *const prog_op_names[OP__COUNT] = {
#define OP(name, operands, meaning) #name,
#include "opcodes.def"
#undef OP
};
const char *const prog_op_operands[OP__COUNT] = {
#define OP(name, operands, meaning) operands,
#include "opcodes.def"
#undef OP
};

int slate_libversion_number(void) { return SLATE_VERSION_NUMBER; }
const char *slate_libversion(void) { return SLATE_VERSION; }

const char *slate_errstr(int rc)
{
    switch (rc) {
    case SLATE_OK: return "ok";
    case SLATE_ERROR: return "input refused";
    case SLATE_NOMEM: return "out of memory";
    case SLATE_MISUSE: return "API misuse";
    case SLATE_SINK: return "stopped by the sink";
    default: return "unknown result code";
    }
}

void slate_free(void *p) { free(p); }

const char *slate_program_hash(const slate_program *prog) { return prog ? prog->hash_hex : NULL; }
const char *slate_program_name(const slate_program *prog) { return prog ? prog_str(prog, prog->name) : NULL; }
const char *slate_program_version(const slate_program *prog)
{
    return prog ? prog_str(prog, prog->version) : NULL;
}

/* Names are short and tables small; a linear scan keeps the program free of
 * extra index structures.  Embedders look ids up once, not per event. */
static int str_is(const slate_program *p, uint32_t s, const char *name)
{
    return strcmp(prog_str(p, s), name) == 0;
}

int slate_program_event_id(const slate_program *prog, const char *name)
{
    if (!prog || !name) return -1;
    for (uint32_t i = 0; i < prog->nevents; i++)
        if (str_is(prog, prog->events[i].name, name)) return (int)i;
    return -1;
}

int slate_program_field_id(const slate_program *prog, const char *name)
{
    if (!prog || !name) return -1;
    for (uint32_t i = 0; i < prog->nfields; i++)
        if (str_is(prog, prog->fields[i].name, name)) return (int)i;
    return -1;
}

int slate_program_enum_value(const slate_program *prog, int field, const char *name)
{
    if (!prog || !name || field < 0 || (uint32_t)field >= prog->nfields) return -1;
    const prog_field *f = &prog->fields[field];
    if (f->type != PT_ENUM) return -1;
    for (uint32_t i = 0; i < f->nvalues; i++)
        if (str_is(prog, prog->enum_values[f->first_value + i], name)) return (int)i;
    return -1;
}

int slate_program_field_type(const slate_program *prog, int field)
{
    if (!prog || field < 0 || (uint32_t)field >= prog->nfields) return -1;
    return prog->fields[field].type; /* PT_* equal SLATE_T_* by construction */
}

_Static_assert(PT_INT == SLATE_T_INT && PT_BOOL == SLATE_T_BOOL && PT_STRING == SLATE_T_STRING &&
                   PT_DURATION == SLATE_T_DURATION && PT_ENUM == SLATE_T_ENUM,
               "prog_type and SLATE_T_* must agree");

/* ---- program schema: names by id (slate.h) ------------------------------------- */

/* Whether id indexes a table of n entries. */
static int in_range(int id, uint32_t n) { return id >= 0 && (uint32_t)id < n; }

const char *slate_program_source(const slate_program *prog)
{
    return prog ? prog_str(prog, prog->source) : NULL;
}

int slate_program_event_count(const slate_program *prog) { return prog ? (int)prog->nevents : -1; }

const char *slate_program_event_name(const slate_program *prog, int event)
{
    if (!prog || !in_range(event, prog->nevents)) return NULL;
    return prog_str(prog, prog->events[event].name);
}

int slate_program_field_count(const slate_program *prog) { return prog ? (int)prog->nfields : -1; }

const char *slate_program_field_name(const slate_program *prog, int field)
{
    if (!prog || !in_range(field, prog->nfields)) return NULL;
    return prog_str(prog, prog->fields[field].name);
}

int slate_program_enum_count(const slate_program *prog, int field)
{
    if (!prog || !in_range(field, prog->nfields) || prog->fields[field].type != PT_ENUM) return -1;
    return (int)prog->fields[field].nvalues;
}

const char *slate_program_enum_name(const slate_program *prog, int field, int value)
{
    int n = slate_program_enum_count(prog, field);
    if (n < 0 || !in_range(value, (uint32_t)n)) return NULL;
    return prog_str(prog, prog->enum_values[prog->fields[field].first_value + (uint32_t)value]);
}

int slate_program_clock_count(const slate_program *prog) { return prog ? (int)prog->nclocks : -1; }

const char *slate_program_clock_name(const slate_program *prog, int clock)
{
    if (!prog || !in_range(clock, prog->nclocks)) return NULL;
    return prog_str(prog, prog->clocks[clock].name);
}

int slate_program_clock_id(const slate_program *prog, const char *name)
{
    if (!prog || !name) return -1;
    for (uint32_t i = 0; i < prog->nclocks; i++)
        if (str_is(prog, prog->clocks[i].name, name)) return (int)i;
    return -1;
}

int slate_program_tier_count(const slate_program *prog) { return prog ? (int)prog->ntiers : -1; }

const char *slate_program_tier_name(const slate_program *prog, int tier)
{
    if (!prog || !in_range(tier, prog->ntiers)) return NULL;
    return prog_str(prog, prog->tiers[tier].name);
}

int slate_program_tier_id(const slate_program *prog, const char *name)
{
    if (!prog || !name) return -1;
    for (uint32_t i = 0; i < prog->ntiers; i++)
        if (str_is(prog, prog->tiers[i].name, name)) return (int)i;
    return -1;
}

int slate_program_calendar_count(const slate_program *prog)
{
    return prog ? (int)prog->ncalendars : -1;
}

const char *slate_program_calendar_name(const slate_program *prog, int calendar)
{
    if (!prog || !in_range(calendar, prog->ncalendars)) return NULL;
    return prog_str(prog, prog->calendar_names[calendar]);
}

int slate_program_calendar_id(const slate_program *prog, const char *name)
{
    if (!prog || !name) return -1;
    for (uint32_t i = 0; i < prog->ncalendars; i++)
        if (str_is(prog, prog->calendar_names[i], name)) return (int)i;
    return -1;
}
