/*
 * swap.c - slate_engine_swap(): a new program under the open cases.
 *
 * Part of the engine (see engine_int.h; the rules are in docs/semantics.md, "Hot
 * swap").  Index spaces differ between programs, so everything a case holds is
 * carried over by NAME: fields (same name and type; enum values by name),
 * clocks (same name and kind), levels, and the ladder steps a clock has fired
 * (by their key: kind and value).  Then every case, oldest first, chooses its
 * tier under the new program (an `sla` decision when the tier's name or any
 * target changed), its pause conditions are evaluated again, its timers are
 * recomputed, and steps the new targets make already due fire at once.
 *
 * Unlike events, a swap may allocate: it builds the new case layout beside the
 * old one and changes nothing until everything it needs is allocated, so
 * SLATE_NOMEM leaves the engine running the old program.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"

typedef struct swap {
    slate_engine *e;
    const slate_program *op, *np;
    uint32_t onf, onc;        /* old nfields, nclocks */
    uint32_t nnset;           /* strict: words of `given` bits under the new program */
    int32_t *field_from;      /* new field -> old field, -1 */
    int32_t *clock_from;      /* new clock -> old clock, -1 */
    uint32_t *adhoc_target;   /* new ad-hoc clock -> its target entry, ENG_NONE */
    uint32_t *bits;           /* new clock * 32 + old bit -> new bits */
    const eng_aux *nx;
} swap;

static int same_name(const slate_program *a, uint32_t sa, const slate_program *b, uint32_t sb)
{
    return a->strings[sa].len == b->strings[sb].len &&
           memcmp(prog_str(a, sa), prog_str(b, sb), a->strings[sa].len) == 0;
}

/* The new index of enum value v of old field of into new field nf; 0 when gone. */
static int64_t map_enum(const swap *s, uint32_t of, uint32_t nf, int64_t v)
{
    const prog_field *o = &s->op->fields[of], *n = &s->np->fields[nf];
    if (v < 0 || (uint64_t)v >= o->nvalues) return 0;
    uint32_t name = s->op->enum_values[o->first_value + v];
    for (uint32_t i = 0; i < n->nvalues; i++)
        if (same_name(s->op, name, s->np, s->np->enum_values[n->first_value + i])) return i;
    return 0;
}

static int64_t map_level(const swap *s, int64_t lv)
{
    if (lv >= 0 && (uint64_t)lv < s->op->nlevels)
        for (uint32_t i = 0; i < s->np->nlevels; i++)
            if (same_name(s->op, s->op->levels[lv], s->np, s->np->levels[i])) return i;
    if (s->np->nlevels == 0) return 0;
    return lv < (int64_t)s->np->nlevels ? lv : (int64_t)s->np->nlevels - 1;
}

/* For each clock kept, which new bits each old fired bit becomes: a step key
 * (kind, value) of the old clock maps to the same key of the new clock. */
static void build_bit_map(swap *s)
{
    const slate_program *op = s->op, *np = s->np;
    for (uint32_t nc = 0; nc < np->nclocks; nc++) {
        uint32_t *row = &s->bits[(size_t)nc * 32];
        memset(row, 0, 32 * sizeof *row);
        if (s->clock_from[nc] < 0) continue;
        uint32_t oc = (uint32_t)s->clock_from[nc];
        row[0] = s->nx->breach_bit[nc]; /* bit 0 is (breach, 0) in both */
        for (uint32_t ot = 0; ot < op->ntargets; ot++) {
            if (op->targets[ot].clock != oc) continue;
            for (uint32_t i = 0; i < op->targets[ot].nsteps; i++) {
                uint32_t os = op->targets[ot].first_step + i;
                uint32_t obit = s->e->aux.step_bit[os];
                int ob = __builtin_ctz(obit);
                for (uint32_t nt = 0; nt < np->ntargets; nt++) {
                    if (np->targets[nt].clock != nc) continue;
                    for (uint32_t j = 0; j < np->targets[nt].nsteps; j++) {
                        uint32_t ns = np->targets[nt].first_step + j;
                        if (np->steps[ns].kind == op->steps[os].kind &&
                            np->steps[ns].value == op->steps[os].value)
                            row[ob] |= s->nx->step_bit[ns];
                    }
                }
            }
        }
    }
}

static void move_case(void *ud, const void *from, void *to)
{
    swap *s = ud;
    slate_engine *e = s->e;
    const eng_case *oc = from;
    eng_case *nc = to;
    *nc = *oc;
    nc->tier = PROG_NONE;
    nc->level = map_level(s, oc->level);
    const int64_t *of = (const int64_t *)(const void *)(oc + 1);
    const eng_clock *ok = (const eng_clock *)(const void *)(of + s->onf);
    int64_t *nf = (int64_t *)(void *)(nc + 1);
    eng_clock *nk = (eng_clock *)(void *)(nf + s->np->nfields);
    for (uint32_t f = 0; f < s->np->nfields; f++) {
        int32_t o = s->field_from[f];
        if (o < 0)
            nf[f] = 0;
        else if (s->np->fields[f].type == PT_ENUM)
            nf[f] = map_enum(s, (uint32_t)o, f, of[o]);
        else
            nf[f] = of[o];
    }
    for (uint32_t c = 0; c < s->np->nclocks; c++) {
        eng_clock *k = &nk[c];
        int32_t o = s->clock_from[c];
        memset(k, 0, sizeof *k);
        k->target = ENG_NONE;
        k->heap = ENG_NONE;
        k->since = e->now;
        if (o < 0) continue;
        const eng_clock *x = &ok[o];
        k->elapsed = x->elapsed;
        k->state = x->state;
        k->paused = x->paused;
        k->held = x->held;
        for (int b = 0; b < 32; b++)
            if (x->fired & (1u << b)) k->fired |= s->bits[(size_t)c * 32 + (uint32_t)b];
        if (s->np->clocks[c].kind != PCK_DECLARED) {
            k->target = s->adhoc_target[c];
            if (k->target == ENG_NONE) k->state = CS_IDLE; /* nothing requires it any more */
        }
    }
    if (!s->nnset) return; /* strict mode: a field keeps having a value (by name) */
    const uint64_t *og = (const uint64_t *)(const void *)(ok + s->onc);
    uint64_t *ng = (uint64_t *)(void *)(nk + s->np->nclocks);
    for (uint32_t f = 0; f < s->np->nfields; f++) {
        int32_t o = s->field_from[f];
        if (o >= 0 && (og[o >> 6] >> (o & 63) & 1)) ng[f >> 6] |= (uint64_t)1 << (f & 63);
    }
}

static int cmp_created(const void *a, const void *b)
{
    const uint64_t *x = a, *y = b;
    return x[0] < y[0] ? -1 : x[0] > y[0];
}

static void swap_free(swap *s, uint64_t *order)
{
    slate_engine *e = s->e;
    eng_realloc(&e->al, order, 0);
    eng_realloc(&e->al, s->field_from, 0);
    eng_realloc(&e->al, s->clock_from, 0);
    eng_realloc(&e->al, s->adhoc_target, 0);
    eng_realloc(&e->al, s->bits, 0);
}

/* Name maps from the new program to the old. */
static void build_maps(swap *s)
{
    const slate_program *op = s->op, *np = s->np;
    for (uint32_t f = 0; f < np->nfields; f++) {
        s->field_from[f] = -1;
        for (uint32_t o = 0; o < op->nfields; o++)
            if (same_name(op, op->fields[o].name, np, np->fields[f].name) &&
                op->fields[o].type == np->fields[f].type)
                s->field_from[f] = (int32_t)o;
    }
    for (uint32_t c = 0; c < np->nclocks; c++) {
        s->clock_from[c] = -1;
        for (uint32_t o = 0; o < op->nclocks; o++)
            if (same_name(op, op->clocks[o].name, np, np->clocks[c].name) &&
                op->clocks[o].kind == np->clocks[c].kind)
                s->clock_from[c] = (int32_t)o;
        /* an ad-hoc clock keeps running on the target its `require` now names */
        s->adhoc_target[c] = ENG_NONE;
        for (uint32_t pc = 0; pc < np->ncode && s->adhoc_target[c] == ENG_NONE; pc++) {
            const vm_instr *in = &np->code[pc];
            if ((in->op == OP_REQUIRE || in->op == OP_REVIEW) && in->b == c)
                s->adhoc_target[c] = (uint32_t)in->c;
        }
    }
    build_bit_map(s);
}

int slate_engine_swap(slate_engine *e, const slate_program *np, slate_sink sink, void *ud)
{
    if (!e) return SLATE_MISUSE;
    if (!np) {
        snprintf(e->errmsg, sizeof e->errmsg, "swap to a NULL program");
        return SLATE_MISUSE;
    }
    swap s = {e, e->prog, np, e->nfields, e->nclocks, eng_nset(e->strict, np->nfields),
              NULL, NULL, NULL, NULL, NULL};
    eng_aux nx;
    uint64_t *order = NULL;
    uint32_t nnc = np->nclocks ? np->nclocks : 1;
    if (eng_prepare(e, np, &nx)) goto nomem_early;
    s.nx = &nx;
    s.field_from = eng_realloc(&e->al, NULL, sizeof *s.field_from * (np->nfields + 1));
    s.clock_from = eng_realloc(&e->al, NULL, sizeof *s.clock_from * nnc);
    s.adhoc_target = eng_realloc(&e->al, NULL, sizeof *s.adhoc_target * nnc);
    s.bits = eng_realloc(&e->al, NULL, sizeof *s.bits * 32 * nnc);
    order = eng_realloc(&e->al, NULL, sizeof *order * 3 * ((size_t)e->cs.used + 1));
    if (!s.field_from || !s.clock_from || !s.adhoc_target || !s.bits || !order) goto nomem;
    if (tq_reserve(e, (size_t)e->cs.count * np->nclocks) || eng_scratch_fit(e, &nx)) goto nomem;
    build_maps(&s);

    /* fold every clock's counting into `elapsed` under the old calendars, and
     * note each case's creation, old SLA fingerprint and slot (kept by restride) */
    uint32_t n = 0;
    for (uint32_t slot = 0; slot < e->cs.used; slot++) {
        eng_case *c = cs_case(&e->cs, slot);
        if (!c->created) continue;
        for (uint32_t ci = 0; ci < e->nclocks; ci++) clk_settle(e, &case_clocks(e, c)[ci]);
        order[3 * n] = c->created;
        order[3 * n + 1] = clk_sla_sig(e, slot);
        order[3 * n + 2] = slot;
        n++;
    }
    qsort(order, n, sizeof *order * 3, cmp_created);
    size_t stride = eng_stride(np->nfields, np->nclocks, s.nnset);
    if (cs_restride(&e->cs, stride, move_case, &s)) goto nomem;

    /* commit: from here on the engine runs the new program */
    eng_aux_free(e, &e->aux);
    e->aux = nx;
    e->prog = np;
    memset(e->addmemo, 0, sizeof e->addmemo); /* results under the old calendars */
    e->nfields = np->nfields;
    e->nclocks = np->nclocks;
    e->nset = s.nnset;
    e->stride = stride;
    e->q.n = 0; /* every clock's heap position was reset by move_case */
    eng_begin(e, sink, ud);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t slot = (uint32_t)order[3 * i + 2];
        e->ctx.slot = slot;
        clk_reselect_swapped(e, slot, order[3 * i + 1]);
        clk_eval_holds(e, slot);
        clk_schedule_all(e, slot);
    }
    e->ctx.slot = ENG_NONE;
    swap_free(&s, order);
    if (e->now != INT64_MIN) eng_advance(e, e->now); /* steps now already due */
    return e->ctx.rc;

nomem:
    swap_free(&s, order);
    eng_aux_free(e, &nx);
nomem_early:
    snprintf(e->errmsg, sizeof e->errmsg, "out of memory");
    return SLATE_NOMEM;
}
