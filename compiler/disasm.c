/*
 * disasm.c - the disassembler behind disasm.h and `slate disasm`.
 *
 * Operand decoding is driven by the operand letters of bytecode/opcodes.def, so a
 * new opcode is printed without an edit here.  Each code block is introduced by
 * a comment saying what it is (the selection, an event's rules, a clock's pause
 * condition, a ladder step), so the listing reads like the policy.
 */
#include "disasm.h"

#include <inttypes.h>
#include <string.h>

#include "civil.h"
#include "image.h"
#include "verify.h"

static const char *const type_names[] = {"?", "int", "bool", "string", "duration", "enum", "level"};
static const char *const day_names[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

#define S(i) prog_str(p, (i))

void dis_duration(char *buf, size_t size, int64_t ms)
{
    static const struct { int64_t ms; const char *unit; } units[] = {
        {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
    size_t n = 0;
    buf[0] = '\0';
    if (ms == 0) {
        snprintf(buf, size, "0s");
        return;
    }
    if (ms < 0) {
        n += (size_t)snprintf(buf, size, "-");
        ms = ms == INT64_MIN ? INT64_MAX : -ms;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0] && n < size; i++)
        if (ms >= units[i].ms) {
            n += (size_t)snprintf(buf + n, size - n, "%" PRId64 "%s", ms / units[i].ms, units[i].unit);
            ms %= units[i].ms;
        }
}

/* A string quoted and escaped like a policy literal. */
static void put_quoted(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') fprintf(out, "\\%c", c);
        else if (c == '\n') fputs("\\n", out);
        else if (c == '\t') fputs("\\t", out);
        else if (c < 0x20 || c == 0x7f) fprintf(out, "\\x%02x", c);
        else fputc(c, out);
    }
    fputc('"', out);
}

/* A value of type tag `tag` as the policy would write it. */
static void put_value(FILE *out, const slate_program *p, unsigned tag, int64_t v)
{
    char buf[64];
    if (tag == PT_BOOL) fputs(v ? "true" : "false", out);
    else if (tag == PT_LEVEL) fputs(S(p->levels[v]), out);
    else if (tag >= PROG_TAG_ENUM) {
        const prog_field *f = &p->fields[tag - PROG_TAG_ENUM];
        fprintf(out, "%s (%s)", S(p->enum_values[f->first_value + v]), S(f->name));
    } else if (tag == PT_DURATION) {
        dis_duration(buf, sizeof buf, v);
        fputs(buf, out);
    } else {
        fprintf(out, "%" PRId64, v);
    }
}

static void put_target(FILE *out, const slate_program *p, const prog_target *t)
{
    char d[64];
    dis_duration(d, sizeof d, t->target_ms);
    fprintf(out, "%s within %s", S(p->clocks[t->clock].name), d);
    if (t->calendar != PROG_NONE) fprintf(out, " on %s", S(p->calendar_names[t->calendar]));
}

static void put_instr(FILE *out, const slate_program *p, uint32_t pc)
{
    const vm_instr *in = &p->code[pc];
    const char *ops = prog_op_operands[in->op];
    int64_t val[3] = {in->a, in->b, in->c};
    fprintf(out, "%6u %5u  %s", pc, p->code_lines[pc], prog_op_names[in->op]);
    int first = 1;
    int pad = 9 - (int)strlen(prog_op_names[in->op]);
    for (int k = 0; k < 3; k++) {
        int64_t x = val[k];
        if (ops[k] == '-' || ops[k] == 'y' || ops[k] == 'v') continue; /* v: printed after its field */
        if (first) fprintf(out, "%*s ", pad > 0 ? pad : 0, "");
        else fputs(", ", out);
        first = 0;
        switch (ops[k]) {
        case 'r': fprintf(out, "r%" PRId64, x); break;
        case 'f':
            fputs(S(p->fields[x].name), out);
            if (ops[0] == 'v') { /* FJEQ..: `kind, complaint (kind)` */
                const prog_field *f = &p->fields[x];
                fputs(", ", out);
                put_value(out, p, f->type == PT_ENUM ? (uint16_t)(PROG_TAG_ENUM + x) : f->type, in->a);
            }
            break;
        case 'l': fputs(S(p->levels[x]), out); break;
        case 's': put_quoted(out, S((uint32_t)x)); break;
        case 'k': put_value(out, p, in->b, p->consts[x]); break;
        case 'i': put_value(out, p, in->b, x); break;
        case 'j': fprintf(out, "->%" PRId64, x); break;
        case 't': fprintf(out, "#%" PRId64 " (", x); put_target(out, p, &p->targets[x]); fputc(')', out); break;
        case 'c': fputs(S(p->clocks[x].name), out); break;
        case 'e': {
            const prog_emit *e = &p->emits[x];
            fprintf(out, "%s(", S(e->name));
            for (uint32_t i = 0; i < e->nargs; i++) {
                const prog_emit_arg *a = &p->emit_args[e->first_arg + i];
                fprintf(out, "%s%s", i ? ", " : "", a->type == PT_ENUM ? S(p->fields[a->field].name)
                                                                      : type_names[a->type]);
            }
            fputc(')', out);
            break;
        }
        case 'u':
            fprintf(out, "#%" PRId64 " (line %u", x, p->rules[x].line);
            if (p->rules[x].label) fprintf(out, ", %s", S(p->rules[x].label));
            fputc(')', out);
            break;
        case 'T': fputs(x < (int64_t)p->ntiers ? S(p->tiers[x].name) : "(no tier)", out); break;
        default: fprintf(out, "%" PRId64, x);
        }
    }
    fputc('\n', out);
}

static void put_step(FILE *out, const prog_target *t, const prog_step *s)
{
    char d[64], at[64];
    dis_duration(at, sizeof at, vrf_step_point(t->target_ms, s));
    switch (s->kind) {
    case STEP_K_PERCENT: fprintf(out, "        at %" PRId64 "%%", s->value); break;
    case STEP_K_BEFORE: dis_duration(d, sizeof d, s->value); fprintf(out, "        at %s before breach", d); break;
    default:
        if (s->value) {
            dis_duration(d, sizeof d, s->value);
            fprintf(out, "        at breach + %s", d);
        } else {
            fprintf(out, "        at breach");
        }
    }
    fprintf(out, " (%s)", at);
    if (s->implicit) fputs(" implicit", out);
    if (s->code != PROG_NO_CODE) fprintf(out, " @%d", s->code);
    fprintf(out, "  line %u\n", s->line);
}

static void put_day(FILE *out, int64_t days)
{
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    fprintf(out, " %04" PRId64 "-%02d-%02d", y, m, d);
}

/* A point of the local week; an interval's end at midnight prints as 24:00. */
static void put_clock_time(FILE *out, int64_t ms, int is_end)
{
    int64_t day = (ms - (is_end && ms > 0)) / 86400000, min = (ms - day * 86400000) / 60000;
    fprintf(out, "%s %02" PRId64 ":%02" PRId64, day_names[day % 7], min / 60, min % 60);
}

static void put_tables(FILE *out, const slate_program *p)
{
    char d[64];
    fprintf(out, "\nfields\n");
    for (uint32_t i = 0; i < p->nfields; i++) {
        const prog_field *f = &p->fields[i];
        fprintf(out, "  %3u %-16s %s", i, S(f->name), type_names[f->type]);
        if (f->type == PT_ENUM) {
            fputs(" {", out);
            for (uint32_t k = 0; k < f->nvalues; k++) fprintf(out, "%s%s", k ? ", " : "", S(p->enum_values[f->first_value + k]));
            fputc('}', out);
        }
        const char *sep = " required on ";
        for (uint32_t k = 0; k < p->nrequired; k++)
            if (p->required[k].field == i) {
                fprintf(out, "%s%s", sep, S(p->events[p->required[k].event].name));
                sep = ", ";
            }
        fputc('\n', out);
    }
    fprintf(out, "levels");
    for (uint32_t i = 0; i < p->nlevels; i++) fprintf(out, "%s%s", i ? " < " : " ", S(p->levels[i]));
    fprintf(out, "\nladders");
    for (uint32_t i = 0; i < p->nladders; i++) fprintf(out, "%s%s", i ? ", " : " ", S(p->ladder_names[i]));
    if (p->nreopen) {
        dis_duration(d, sizeof d, p->reopen[0].within_ms);
        fprintf(out, "\nreopen on");
        for (uint32_t i = 0; i < p->nreopen; i++)
            fprintf(out, "%s%s", i ? ", " : " ", S(p->events[p->reopen[i].event].name));
        fprintf(out, " within %s", d);
    }
    static const char *const evop_names[] = {"stop", "start", "pause", "resume", "reset"};
    fprintf(out, "\n\nevents\n");
    for (uint32_t i = 0; i < p->nevents; i++) {
        const prog_event *e = &p->events[i];
        if (i < PROG_NBUILTIN_EVENTS && !e->nops && e->rules == PROG_NO_CODE) continue;
        fprintf(out, "  %3u %s", i, S(e->name));
        const char *sep = "  ";
        for (uint32_t k = 0; k < e->nops; k++, sep = ", ") {
            const prog_evop *o = &p->evops[e->first_op + k];
            fprintf(out, "%s%s %s", sep, evop_names[o->op], S(p->clocks[o->clock].name));
        }
        if (e->rules != PROG_NO_CODE) fprintf(out, "%srules @%d", sep, e->rules);
        fputc('\n', out);
    }
    static const char *const kinds[] = {"declared", "require", "review"};
    fprintf(out, "\nclocks\n");
    for (uint32_t i = 0; i < p->nclocks; i++) {
        const prog_clock *c = &p->clocks[i];
        fprintf(out, "  %3u %-16s %-8s", i, S(c->name), kinds[c->kind]);
        if (c->flags & PCF_REOPENS) fputs(" reopens", out);
        if (c->flags & PCF_RESETS_ON_REOPEN) fputs(" resets-on-reopen", out);
        if (c->flags & PCF_LATE_FROM_CHANGE) fputs(" late-from-change", out);
        if (c->pause_while != PROG_NO_CODE) fprintf(out, " pauses-while @%d", c->pause_while);
        if (c->kind != PCK_DECLARED) fprintf(out, " until %s", S(p->events[c->until_event].name));
        fprintf(out, "  line %u\n", c->line);
    }
    fprintf(out, "\ncalendars\n");
    for (uint32_t i = 0; i < p->ncalendars; i++) {
        const cal_table *c = &p->calendars[i];
        dis_duration(d, sizeof d, c->workday_ms);
        fprintf(out, "  %3u %-16s working day %s, %u UTC offset%s\n", i, S(p->calendar_names[i]), d,
                c->noffsets, c->noffsets == 1 ? "" : "s");
        for (uint32_t k = 0; k < c->nweek; k++) {
            fputs("        hours ", out);
            put_clock_time(out, c->week[k].start, 0);
            fputs(" - ", out);
            put_clock_time(out, c->week[k].end, 1);
            fputc('\n', out);
        }
        if (c->nclosed) {
            fputs("        closed", out);
            for (uint32_t k = 0; k < c->nclosed; k++) put_day(out, c->closed[k]);
            fputc('\n', out);
        }
        /* open days: one line each, the day's spans in local time */
        for (uint32_t k = 0; k < c->nopen; k++) {
            if (k == 0 || c->open[k - 1].day != c->open[k].day) {
                if (k) fputc('\n', out);
                fputs("        open", out);
                put_day(out, c->open[k].day);
            }
            int64_t s = c->open[k].start / 60000, e = c->open[k].end / 60000;
            fprintf(out, " %02" PRId64 ":%02" PRId64 "-%02" PRId64 ":%02" PRId64, s / 60, s % 60, e / 60, e % 60);
            if (k + 1 == c->nopen) fputc('\n', out);
        }
    }
    fprintf(out, "\ntiers (selection @%d)\n", p->select);
    for (uint32_t i = 0; i < p->ntiers; i++) {
        const prog_tier *t = &p->tiers[i];
        fprintf(out, "  %3u %-16s%s", i, S(t->name), t->is_default ? " default" : "");
        if (t->ladder != PROG_NONE) fprintf(out, " ladder %s", S(p->ladder_names[t->ladder]));
        fprintf(out, "  line %u\n", t->line);
        for (uint32_t k = 0; k < t->ntargets; k++) {
            const prog_target *g = &p->targets[t->first_target + k];
            fputs("      ", out);
            put_target(out, p, g);
            for (uint32_t c = 0; c < p->ntarget_cals; c++) /* its calendar chosen by a field */
                if (p->target_cals[c].target == t->first_target + k)
                    fprintf(out, " (by %s, below)", S(p->fields[p->target_cals[c].field].name));
            fprintf(out, "  line %u\n", g->line);
            for (uint32_t j = 0; j < g->nsteps; j++) put_step(out, g, &p->steps[g->first_step + j]);
        }
    }
    /* `on CAL[FIELD]`: the variant each value of the field counts in */
    for (uint32_t i = 0; i < p->ntarget_cals; i++) {
        const prog_targetcal *tc = &p->target_cals[i];
        const prog_field *f = &p->fields[tc->field];
        if (i == 0) fprintf(out, "\ncalendars chosen by a field\n");
        fprintf(out, "  target %u by %s\n", tc->target, S(f->name));
        for (uint32_t v = 0; v < f->nvalues; v++) {
            const prog_target *g = &p->targets[tc->first_variant + v];
            fprintf(out, "    %-14s target %u: ", S(p->enum_values[f->first_value + v]), tc->first_variant + v);
            put_target(out, p, g);
            fputc('\n', out);
            for (uint32_t j = 0; j < g->nsteps; j++) put_step(out, g, &p->steps[g->first_step + j]);
        }
    }
    fprintf(out, "\nrules\n");
    for (uint32_t i = 0; i < p->nrules; i++)
        fprintf(out, "  %3u on %-16s line %u%s%s\n", i, S(p->events[p->rules[i].event].name), p->rules[i].line,
                p->rules[i].label ? " as " : "", S(p->rules[i].label));
    if (p->nconsts) {
        fprintf(out, "\nconstants\n");
        for (uint32_t i = 0; i < p->nconsts; i++) fprintf(out, "  %3u %" PRId64 "\n", i, p->consts[i]);
    }
    fprintf(out, "\nstrings\n");
    for (uint32_t i = 0; i < p->nstrings; i++) {
        fprintf(out, "  %3u ", i);
        put_quoted(out, S(i));
        fputc('\n', out);
    }
}

/* What the block starting at pc is, or NULL when pc starts none. */
static int block_title(const slate_program *p, uint32_t pc, char *buf, size_t size)
{
    if ((int32_t)pc == p->select) return snprintf(buf, size, "tier selection"), 1;
    for (uint32_t i = 0; i < p->nevents; i++)
        if (p->events[i].rules == (int32_t)pc) return snprintf(buf, size, "on %s", S(p->events[i].name)), 1;
    for (uint32_t i = 0; i < p->nclocks; i++)
        if (p->clocks[i].pause_while == (int32_t)pc)
            return snprintf(buf, size, "clock %s pauses while", S(p->clocks[i].name)), 1;
    for (uint32_t i = 0; i < p->nsteps; i++)
        if (p->steps[i].code == (int32_t)pc) return snprintf(buf, size, "ladder step, line %u", p->steps[i].line), 1;
    return 0;
}

void dis_program(const slate_program *p, size_t image_len, FILE *out)
{
    fprintf(out, "policy  ");
    put_quoted(out, S(p->name));
    fprintf(out, " version ");
    put_quoted(out, S(p->version));
    fprintf(out, "  (%s)\n", S(p->source));
    fprintf(out, "hash    %s\n", p->hash_hex);
    fprintf(out, "image   %zu bytes, format %u\n", image_len, p->format);
    fprintf(out, "code    %u instructions, %u registers, at most %u steps per event or timer\n", p->ncode, p->nregs,
            p->max_steps);
    put_tables(out, p);
    fprintf(out, "\ncode\n    pc  line  op\n");
    char title[160];
    for (uint32_t pc = 0; pc < p->ncode; pc++) {
        if (block_title(p, pc, title, sizeof title)) fprintf(out, "; %s\n", title);
        put_instr(out, p, pc);
    }
}
