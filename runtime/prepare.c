/*
 * prepare.c - the tables the engine derives from a program (eng_aux): step keys,
 * breach keys, the clocks each event meets, `sla` fragments, calendar tables,
 * what the selection block reads, the program's strings interned; built once per
 * program by slate_engine_new and by hot swap.
 *
 * Part of the engine (see engine_int.h).  Not here: using them (push.c, clock.c,
 * decide.c), carrying a case's state across programs (swap.c).
 */
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "engine_int.h"

/* Give every distinct (kind, value) of a clock's steps, over all tiers, a bit;
 * (breach, 0) is always bit 0.  A clock with more than ENG_KEYS distinct steps
 * shares the last bit among the rest (no real policy comes near).  The keys are
 * kept (eng_aux.keys) so a hot swap can map fired bits by key. */
static int step_bits(slate_engine *e, const slate_program *p, eng_aux *x)
{
    uint32_t nc = p->nclocks ? p->nclocks : 1;
    x->keys = eng_realloc(&e->al, NULL, sizeof *x->keys * ENG_KEYS * nc);
    x->nkeys = eng_realloc(&e->al, NULL, sizeof *x->nkeys * nc);
    x->step_bit = eng_realloc(&e->al, NULL, sizeof *x->step_bit * (p->nsteps ? p->nsteps : 1));
    x->breach_bit = eng_realloc(&e->al, NULL, sizeof *x->breach_bit * nc);
    if (!x->keys || !x->nkeys || !x->step_bit || !x->breach_bit) return SLATE_NOMEM;
    for (uint32_t c = 0; c < nc; c++) {
        x->keys[c * ENG_KEYS] = (eng_stepkey){0, STEP_K_BREACH};
        x->nkeys[c] = 1;
        x->breach_bit[c] = 1;
    }
    for (uint32_t ti = 0; ti < p->ntargets; ti++) {
        const prog_target *t = &p->targets[ti];
        eng_stepkey *k = &x->keys[(size_t)t->clock * ENG_KEYS];
        uint8_t *n = &x->nkeys[t->clock];
        for (uint32_t i = 0; i < t->nsteps; i++) {
            const prog_step *s = &p->steps[t->first_step + i];
            uint32_t j = 0;
            while (j < *n && !(k[j].kind == s->kind && k[j].value == s->value)) j++;
            if (j == *n && j < ENG_KEYS) k[(*n)++] = (eng_stepkey){s->value, s->kind};
            x->step_bit[t->first_step + i] = 1u << (j < ENG_KEYS ? j : ENG_KEYS - 1);
        }
    }
    return SLATE_OK;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Number the program's distinct target durations from 1, in increasing order: a
 * clock run that breaches keeps the key of the target it breached
 * (eng_clock.breach, two bytes where a duration would take eight), and its
 * `stop` decision names that target.  A swap adds the durations its cases still
 * hold (swap.c).  Past 65,535 distinct durations the longest share the last key
 * (no real policy comes near). */
static int breach_keys(slate_engine *e, const slate_program *p, eng_aux *x)
{
    size_t n = p->ntargets ? p->ntargets : 1;
    x->breach_ms = eng_realloc(&e->al, NULL, sizeof *x->breach_ms * n);
    x->target_breach = eng_realloc(&e->al, NULL, sizeof *x->target_breach * n);
    if (!x->breach_ms || !x->target_breach) return SLATE_NOMEM;
    for (uint32_t ti = 0; ti < p->ntargets; ti++) x->breach_ms[ti] = p->targets[ti].target_ms;
    qsort(x->breach_ms, p->ntargets, sizeof *x->breach_ms, cmp_i64);
    uint32_t k = 0;
    for (uint32_t i = 0; i < p->ntargets; i++)
        if ((k == 0 || x->breach_ms[i] != x->breach_ms[k - 1]) && k < UINT16_MAX)
            x->breach_ms[k++] = x->breach_ms[i];
    x->nbreach = k;
    for (uint32_t ti = 0; ti < p->ntargets; ti++) {
        int64_t v = p->targets[ti].target_ms;
        uint32_t lo = 0, hi = k; /* the first key whose duration is >= v */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (x->breach_ms[mid] < v) lo = mid + 1;
            else hi = mid;
        }
        x->target_breach[ti] = (uint16_t)(lo < k ? lo + 1 : k);
    }
    return SLATE_OK;
}

/* For each event type, the ad-hoc clocks it meets (`require ... until EVENT`), in
 * clock order: the event stops them without a scan of every clock slot.  Also
 * the declared clocks, which a tier change retargets (the same reason). */
static int until_lists(slate_engine *e, const slate_program *p, eng_aux *x)
{
    uint32_t n = 0;
    for (uint32_t ci = 0; ci < p->nclocks; ci++) n += p->clocks[ci].kind != PCK_DECLARED;
    x->until_first = eng_realloc(&e->al, NULL, sizeof *x->until_first * ((size_t)p->nevents + 1));
    x->until_clock = eng_realloc(&e->al, NULL, sizeof *x->until_clock * (n ? n : 1));
    x->declared = eng_realloc(&e->al, NULL, sizeof *x->declared * (p->nclocks ? p->nclocks : 1));
    if (!x->until_first || !x->until_clock || !x->declared) return SLATE_NOMEM;
    x->ndeclared = 0;
    for (uint32_t ci = 0; ci < p->nclocks; ci++)
        if (p->clocks[ci].kind == PCK_DECLARED) x->declared[x->ndeclared++] = ci;
    n = 0;
    for (uint32_t ev = 0; ev < p->nevents; ev++) {
        x->until_first[ev] = n;
        for (uint32_t ci = 0; ci < p->nclocks; ci++)
            if (p->clocks[ci].kind != PCK_DECLARED && p->clocks[ci].until_event == ev)
                x->until_clock[n++] = ci;
    }
    x->until_first[p->nevents] = n;
    return SLATE_OK;
}

/* The constant head of each target's member in the `sla` decision's targets
 * list, rendered once per program: `{"clock":NAME,"target_s":N`. */
static int sla_frags(slate_engine *e, const slate_program *p, eng_aux *x)
{
    size_t n = 1;
    for (uint32_t ti = 0; ti < p->ntargets; ti++)
        n += (size_t)p->strings[p->clocks[p->targets[ti].clock].name].len * 6 + 48;
    x->sla_frag = eng_realloc(&e->al, NULL, n);
    x->sla_off = eng_realloc(&e->al, NULL, sizeof *x->sla_off * ((size_t)p->ntargets + 1));
    if (!x->sla_frag || !x->sla_off) return SLATE_NOMEM;
    sbuf b = {x->sla_frag, n, 0};
    for (uint32_t ti = 0; ti < p->ntargets; ti++) {
        const prog_target *tg = &p->targets[ti];
        x->sla_off[ti] = (uint32_t)b.len;
        sb_str(&b, "{\"clock\":");
        sb_json_str(&b, prog_str(p, p->clocks[tg->clock].name),
                    p->strings[p->clocks[tg->clock].name].len);
        sb_str(&b, ",\"target_s\":");
        sb_int(&b, tg->target_ms / 1000);
    }
    x->sla_off[p->ntargets] = (uint32_t)b.len;
    if (!sb_done(&b)) return SLATE_NOMEM; /* never: n is an upper bound */
    /* Each tier's list as emit_sla writes it when no clock counts (a case just
     * opened: its clocks start after `sla`), so that decision copies nothing.
     * With variants the list depends on the case, and emit_sla builds it. */
    if (p->ntarget_cals) return SLATE_OK;
    size_t m = 1;
    for (uint32_t t = 0; t < p->ntiers; t++) {
        m += 3;
        for (uint32_t i = 0; i < p->tiers[t].ntargets; i++) {
            uint32_t ti = p->tiers[t].first_target + i;
            m += x->sla_off[ti + 1] - x->sla_off[ti] + 2;
        }
    }
    x->sla_plain = eng_realloc(&e->al, NULL, m);
    x->sla_plain_off = eng_realloc(&e->al, NULL, sizeof *x->sla_plain_off * (p->ntiers ? p->ntiers : 1));
    if (!x->sla_plain || !x->sla_plain_off) return SLATE_NOMEM;
    size_t at = 0;
    for (uint32_t t = 0; t < p->ntiers; t++) {
        x->sla_plain_off[t] = (uint32_t)at;
        sbuf s = {x->sla_plain + at, m - at, 0};
        sb_puts(&s, "[", 1);
        for (uint32_t i = 0; i < p->tiers[t].ntargets; i++) {
            uint32_t ti = p->tiers[t].first_target + i;
            if (i) sb_puts(&s, ",", 1);
            sb_puts(&s, x->sla_frag + x->sla_off[ti], x->sla_off[ti + 1] - x->sla_off[ti]);
            sb_puts(&s, "}", 1);
        }
        sb_puts(&s, "]", 1);
        if (!sb_done(&s)) return SLATE_NOMEM; /* never: m is an upper bound */
        at += s.len + 1;
    }
    return SLATE_OK;
}

/* Each calendar's derived tables (calendar.h: cal_pre), so cal_between/cal_add
 * neither rebuild the weekly sums nor search on every call. */
static int cal_tables(slate_engine *e, const slate_program *p, eng_aux *x)
{
    size_t n = 0;
    for (uint32_t i = 0; i < p->ncalendars; i++) n += cal_pre_size(&p->calendars[i]);
    x->cal_mem = eng_realloc(&e->al, NULL, n ? n : 8);
    x->cal_pre = eng_realloc(&e->al, NULL, sizeof *x->cal_pre * (p->ncalendars ? p->ncalendars : 1));
    if (!x->cal_mem || !x->cal_pre) return SLATE_NOMEM;
    n = 0;
    for (uint32_t i = 0; i < p->ncalendars; i++) {
        cal_pre_init(&p->calendars[i], (char *)x->cal_mem + n, &x->cal_pre[i]);
        n += cal_pre_size(&p->calendars[i]);
    }
    return SLATE_OK;
}

/* Which fields, and whether the level, the selection block reads.  The
 * selection is a pure function of them (the verifier allows no action in it, and
 * the VM reads nothing else of a case), and the case's tier is always its result
 * on the case's current fields and level (chosen at `opened`, again whenever
 * what it reads changes, and by hot swap): so a change to anything else cannot
 * change the tier, and clk_select need not run the block for it.  Jumps only go
 * forward (verified), so one pass in code order finds every reachable
 * instruction of the block. */
static int sel_inputs(slate_engine *e, const slate_program *p, eng_aux *x)
{
    size_t nf = p->nfields ? p->nfields : 1;
    x->sel_field = eng_realloc(&e->al, NULL, nf);
    if (!x->sel_field) return SLATE_NOMEM;
    memset(x->sel_field, 0, nf);
    x->sel_level = 0;
    /* a field that chooses a target's calendar moves the case's targets as the
     * tier's inputs do: clk_select looks at it too */
    for (uint32_t i = 0; i < p->ntarget_cals; i++) x->sel_field[p->target_cals[i].field] = 1;
    if (p->select == PROG_NO_CODE) return SLATE_OK;
    uint8_t *seen = eng_realloc(&e->al, NULL, p->ncode);
    if (!seen) return SLATE_NOMEM;
    memset(seen, 0, p->ncode);
    seen[p->select] = 1;
    for (uint32_t pc = (uint32_t)p->select; pc < p->ncode; pc++) {
        if (!seen[pc]) continue;
        const vm_instr *ins = &p->code[pc];
        if (prog_op_reads_field(ins->op)) x->sel_field[ins->b] = 1;
        if (ins->op == OP_LEVEL) x->sel_level = 1;
        if (prog_op_jumps(ins->op)) seen[ins->c] = 1;
        int ends = ins->op == OP_JMP || ins->op == OP_HALT || ins->op == OP_TIER || ins->op == OP_RET;
        if (!ends && pc + 1 < p->ncode) seen[pc + 1] = 1;
    }
    eng_realloc(&e->al, seen, 0);
    return SLATE_OK;
}

void eng_aux_free(slate_engine *e, eng_aux *x)
{
    eng_realloc(&e->al, x->str_ids, 0);
    eng_realloc(&e->al, x->regs, 0);
    eng_realloc(&e->al, x->step_bit, 0);
    eng_realloc(&e->al, x->breach_bit, 0);
    eng_realloc(&e->al, x->keys, 0);
    eng_realloc(&e->al, x->nkeys, 0);
    eng_realloc(&e->al, x->breach_ms, 0);
    eng_realloc(&e->al, x->target_breach, 0);
    eng_realloc(&e->al, x->until_first, 0);
    eng_realloc(&e->al, x->until_clock, 0);
    eng_realloc(&e->al, x->sla_frag, 0);
    eng_realloc(&e->al, x->sla_off, 0);
    eng_realloc(&e->al, x->sla_plain, 0);
    eng_realloc(&e->al, x->sla_plain_off, 0);
    eng_realloc(&e->al, x->declared, 0);
    eng_realloc(&e->al, x->sel_field, 0);
    eng_realloc(&e->al, x->req_first, 0);
    eng_realloc(&e->al, x->need_first, 0);
    eng_realloc(&e->al, x->need_field, 0);
    eng_realloc(&e->al, x->cal_mem, 0);
    eng_realloc(&e->al, x->cal_pre, 0);
    memset(x, 0, sizeof *x);
}

int eng_prepare(slate_engine *e, const slate_program *p, eng_aux *x)
{
    memset(x, 0, sizeof *x);
    x->nregs = p->nregs ? p->nregs : 1;
    x->str_ids = eng_realloc(&e->al, NULL, sizeof *x->str_ids * (p->nstrings ? p->nstrings : 1));
    x->regs = eng_realloc(&e->al, NULL, sizeof *x->regs * x->nregs * ENG_DEPTH);
    if (!x->str_ids || !x->regs || step_bits(e, p, x) || breach_keys(e, p, x) ||
        until_lists(e, p, x) ||
        sla_frags(e, p, x) || cal_tables(e, p, x) || sel_inputs(e, p, x) || fld_prepare(e, p, x))
        goto nomem;
    memset(x->regs, 0, sizeof *x->regs * x->nregs * ENG_DEPTH);
    for (uint32_t i = 0; i < p->nstrings; i++)
        if ((x->str_ids[i] = st_intern(&e->st, prog_str(p, i), p->strings[i].len)) < 0)
            goto nomem;
    /* JSON scratch: the longest `sla` targets list, and values apart from strings */
    size_t sla = 0, names = 0;
    for (uint32_t ti = 0; ti < p->ntiers; ti++) {
        size_t n = 2;
        for (uint32_t i = 0; i < p->tiers[ti].ntargets; i++) {
            const prog_target *t = &p->targets[p->tiers[ti].first_target + i];
            n += (size_t)p->strings[p->clocks[t->clock].name].len * 6 + 96;
        }
        if (n > sla) sla = n;
    }
    for (uint32_t i = 0; i < p->nenum_values; i++)
        if (p->strings[p->enum_values[i]].len > names) names = p->strings[p->enum_values[i]].len;
    for (uint32_t i = 0; i < p->nlevels; i++)
        if (p->strings[p->levels[i]].len > names) names = p->strings[p->levels[i]].len;
    x->maxargs = 1;
    for (uint32_t i = 0; i < p->nemits; i++)
        if (p->emits[i].nargs > x->maxargs) x->maxargs = p->emits[i].nargs;
    x->jbase = (size_t)x->maxargs * (names * 6 + 32) + 64;
    for (uint32_t i = 0; i < p->nclocks; i++)
        if (p->clocks[i].pause_while != PROG_NO_CODE) x->has_holds = 1;
    if (sla > x->jbase) x->jbase = sla;
    return SLATE_OK;
nomem:
    eng_aux_free(e, x);
    return SLATE_NOMEM;
}
