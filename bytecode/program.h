/*
 * program.h - a loaded, verified policy: the in-memory form the engine and VM read.
 *
 * Private to libslate (the public API only sees `slate_program *`).  The loader
 * (bytecode/load.c) builds it from an image and the verifier (bytecode/verify.c)
 * proves every index in it is in range before anything runs, so the engine and
 * VM index these arrays without checks.  A program is immutable after loading
 * and may be shared by any number of engines and threads.
 *
 * Units: instants are UTC milliseconds since 1970; durations and targets are
 * milliseconds (of the target's calendar's working time when it has one).
 *
 * Index spaces (the contract between compiler and runtime):
 *   events:    0..PROG_NBUILTIN_EVENTS-1 are the built-ins in the order of
 *              builtins.def (opened=0 ... tick=11), then declared events.
 *   fields:    declaration order.
 *   levels:    declaration order, lowest first; a new case starts at level 0.
 *   clocks:    declared clocks in order, then one slot per distinct `require`
 *              name, then (if used) one slot for `open review`.
 *   calendars: declared calendars in order, then the implicit `always` if used.
 *   strings:   the string pool; every name and message is a pool index.
 */
#ifndef SLATE_PROGRAM_H
#define SLATE_PROGRAM_H

#include <stdint.h>

#include "calendar.h"

#define PROG_NONE 0xFFFFu /* "no calendar / no ladder / no clock" in 16-bit slots */
#define PROG_NO_CODE (-1) /* "no code block" in pc slots */

/* How many built-in events an image starts its events with (builtins.def). */
enum {
#define BUILTIN_EVENT(id, name, meaning) +1
    PROG_NBUILTIN_EVENTS = 0
#include "builtins.def"
#undef BUILTIN_EVENT
};

enum prog_opcode {
#define OP(name, operands, meaning) OP_##name,
#include "opcodes.def"
#undef OP
    OP__COUNT
};

/* Each opcode's name ("LOADK") and its operand letters ("ryk", see opcodes.def),
 * indexed by enum prog_opcode; for the verifier's messages and the disassembler.
 * Defined once in program.c from opcodes.def. */
extern const char *const prog_op_names[OP__COUNT];
extern const char *const prog_op_operands[OP__COUNT];

/* Opcode classes, from opcodes.def's operand letters (so a new jump or field
 * reader cannot be missed): any jump (operand c is a target), a conditional one
 * (falls through as well), and one that reads case field B directly. */
static inline int prog_op_jumps(int op) { return prog_op_operands[op][2] == 'j'; }
static inline int prog_op_cond_jump(int op) { return prog_op_jumps(op) && op != OP_JMP; }
static inline int prog_op_reads_field(int op) { return op == OP_FIELD || prog_op_operands[op][0] == 'v'; }

/* The fused compare-and-jumps, indexed by comparison kind (EQ, NE, LT, LE, GT, GE). */
_Static_assert(OP_NE == OP_EQ + 1 && OP_LT == OP_EQ + 2 && OP_LE == OP_EQ + 3 && OP_GT == OP_EQ + 4 &&
                   OP_GE == OP_EQ + 5 && OP_JGE == OP_JEQ + 5 && OP_FJGE == OP_FJEQ + 5,
               "comparison families must list EQ, NE, LT, LE, GT, GE in order");
/* Opcodes from here on came with image format 2; format 1 images may not use them. */
#define PROG_OP_FORMAT2 OP_JEQ
_Static_assert(OP_FJGE == OP__COUNT - 1 && OP_JEQ > OP_RET, "format 2 opcodes come last");

/* One instruction.  Jumps go forward only; every block ends in HALT, TIER or RET. */
typedef struct vm_instr {
    uint8_t op;
    uint8_t a;
    uint16_t b;
    int32_t c;
} vm_instr;

typedef struct prog_string {
    uint32_t off, len; /* bytes in prog->strtab; not NUL-terminated in the image,
                          but the loader keeps a NUL after each */
} prog_string;

enum prog_type { PT_INT = 1, PT_BOOL, PT_STRING, PT_DURATION, PT_ENUM, PT_LEVEL };

/* Static type tags in operand b of LOADK/LOADI (letter `y` in opcodes.def): what
 * the constant is, so the verifier can type registers and the disassembler can
 * name the value.  PT_INT, PT_BOOL, PT_DURATION, PT_LEVEL as above; an enum value
 * of field f is PROG_TAG_ENUM + f.  The VM ignores the tag. */
#define PROG_TAG_ENUM 8u

/* The selection block ends in TIER C with C < ntiers, or C == ntiers meaning "no
 * tier applies" (no tier matched and the policy has no default tier). */
#define PROG_NO_TIER(p) ((p)->ntiers)

typedef struct prog_field {
    uint32_t name;          /* string */
    uint8_t type;           /* enum prog_type (not PT_LEVEL) */
    uint32_t first_value;   /* PT_ENUM: index into prog->enum_values */
    uint32_t nvalues;
} prog_field;

enum prog_clock_kind { PCK_DECLARED = 0, PCK_REQUIRE, PCK_REVIEW };
enum prog_clock_flags {
    PCF_RESETS_ON_REOPEN = 1, /* `resets on reopened` */
    PCF_REOPENS = 2,          /* starts on `opened`: a `reopened` resumes it */
    PCF_LATE_FROM_CHANGE = 4  /* `starts late from change`: a clock whose first
                                 target comes after its start event counts from
                                 the tier change, not from that event */
};

typedef struct prog_clock {
    uint32_t name;          /* string */
    uint8_t kind;           /* enum prog_clock_kind */
    uint8_t flags;          /* enum prog_clock_flags */
    int32_t pause_while;    /* pc of a condition block (RET), or PROG_NO_CODE */
    uint16_t until_event;   /* PCK_REQUIRE/REVIEW: the event that meets it */
    uint32_t line;          /* declaration line */
} prog_clock;

enum prog_evop_kind { EVOP_STOP = 0, EVOP_START, EVOP_PAUSE, EVOP_RESUME, EVOP_RESET };

/* What an event type does to one clock.  An event's ops are applied in the
 * order stored: all STOPs first, then STARTs, PAUSEs, RESUMEs, RESETs, each in
 * clock order. */
typedef struct prog_evop {
    uint16_t clock;
    uint8_t op;             /* enum prog_evop_kind */
} prog_evop;

typedef struct prog_event {
    uint32_t name;          /* string */
    uint32_t first_op, nops;/* into prog->evops */
    int32_t rules;          /* pc of the block running this event's rules, or PROG_NO_CODE */
} prog_event;

enum prog_step_kind {
    STEP_K_PERCENT = 0,     /* value = percent of the target */
    STEP_K_BEFORE,          /* value = ms before the target */
    STEP_K_BREACH,          /* value = ms after the target (0: the breach itself) */
};

/* One ladder step (or the implicit breach) for one clock of one tier, sorted by
 * the point it fires at.  The point is measured in the clock's working time. */
typedef struct prog_step {
    uint8_t kind;           /* enum prog_step_kind */
    uint8_t implicit;       /* 1: the breach every target has, with no ladder actions */
    int64_t value;
    int32_t code;           /* pc of its actions, or PROG_NO_CODE */
    uint32_t line;          /* the ladder step's line (the target's for implicit) */
} prog_step;

typedef struct prog_target {
    uint16_t clock;
    uint16_t calendar;      /* PROG_NONE: wall-clock time */
    int64_t target_ms;      /* working days already converted with the calendar's
                               standard working day */
    uint32_t first_step, nsteps; /* into prog->steps; tier targets only */
    uint32_t line;
} prog_target;

typedef struct prog_tier {
    uint32_t name;          /* string */
    uint32_t first_target, ntargets; /* into prog->targets, at most one per clock */
    uint16_t ladder;        /* PROG_NONE or the ladder's index (for explanations) */
    uint32_t line;
    uint8_t is_default;
} prog_tier;

typedef struct prog_rule {
    uint32_t line;
    uint32_t label;         /* string; 0 = no label (string 0 is "") */
    uint16_t event;
} prog_rule;

/* `required on`: an event of type `event` must carry field `field`.  Sorted by
 * event, then field, each pair once; never `tick` (it has no case). */
typedef struct prog_required {
    uint16_t event;
    uint16_t field;
} prog_required;

/* `on CAL[field]`: the tier target `target` (its clock, steps and line) counts,
 * for value v of enum field `field`, in targets[first_variant + v]: a target
 * outside every tier with the same clock and steps, that value's calendar and
 * the target converted with that calendar's working day.  Sorted by target. */
typedef struct prog_targetcal {
    uint32_t target;
    uint16_t field;
    uint32_t first_variant;
} prog_targetcal;

/* `reopen on E, ... within D`: an event of type `event` brings back a case
 * closed at most `within_ms` before it (docs/semantics.md, "Reopening").
 * Sorted by event, each once, never `opened`, `closed` or `tick`; every record
 * has the same period. */
typedef struct prog_reopen {
    uint16_t event;
    int64_t within_ms;
} prog_reopen;

typedef struct prog_emit {
    uint32_t name;          /* string */
    uint32_t nargs;
    uint32_t first_arg;     /* into prog->emit_args: one prog_type... */
} prog_emit;

typedef struct prog_emit_arg {
    uint8_t type;           /* enum prog_type */
    uint16_t field;         /* PT_ENUM: the field whose enum names the value */
} prog_emit_arg;

typedef struct slate_program {
    uint8_t hash[32];        /* SHA-256 of the image: names the policy everywhere */
    char hash_hex[65];
    uint32_t name, version, source; /* strings: policy name, version, source file */

    const char *strtab;      /* all strings, each followed by a NUL */
    const prog_string *strings;
    uint32_t nstrings;
    const int64_t *consts;
    uint32_t nconsts;

    const prog_field *fields;
    uint32_t nfields;
    const uint32_t *enum_values;  /* strings */
    uint32_t nenum_values;
    const uint32_t *levels;       /* strings */
    uint32_t nlevels;
    const prog_event *events;
    uint32_t nevents;
    const prog_evop *evops;
    uint32_t nevops;
    const prog_clock *clocks;
    uint32_t nclocks;
    const cal_table *calendars;
    const uint32_t *calendar_names; /* strings */
    uint32_t ncalendars;
    const prog_target *targets;
    uint32_t ntargets;
    const prog_step *steps;
    uint32_t nsteps;
    const prog_tier *tiers;
    uint32_t ntiers;
    const uint32_t *ladder_names;   /* strings */
    uint32_t nladders;
    const prog_rule *rules;
    uint32_t nrules;
    const prog_emit *emits;
    uint32_t nemits;
    const prog_emit_arg *emit_args;
    uint32_t nemit_args;
    const prog_required *required;  /* format 3; none in formats 1 and 2 */
    uint32_t nrequired;
    const cal_open *calopen;        /* format 4: every calendar's open-day spans, by
                                       calendar (each cal_table points at its run) */
    uint32_t ncalopen;
    const prog_targetcal *target_cals; /* format 4 */
    uint32_t ntarget_cals;
    const prog_reopen *reopen;      /* format 5; none before */
    uint32_t nreopen;

    const vm_instr *code;
    const uint32_t *code_lines;   /* source line of each instruction */
    uint32_t ncode;
    int32_t select;               /* pc of the tier selection block (TIER) */
    uint32_t nregs;               /* registers any block needs */
    uint32_t max_steps;           /* the image's stated bound on the VM instructions of one
                                     event or timer; the loader proves the code's bound is
                                     at most this (docs/bytecode.md, "Step bound") */

    uint32_t format;              /* the image's format version (image.h): format 1 code
                                     may not use the fused jumps */

    void *owner;                  /* the loader's allocation(s), freed with the program */
    /* the allocator `owner` came from (slate_program_load_opts); NULL: malloc */
    void *(*al_realloc)(void *ud, void *p, size_t n);
    void *al_ud;
} slate_program;

/* The string with index i (NUL-terminated). */
static inline const char *prog_str(const slate_program *p, uint32_t i)
{
    return p->strtab + p->strings[i].off;
}

#endif
