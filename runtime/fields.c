/*
 * fields.c - the fields an event must bring before the engine uses it.
 *
 * Part of the engine (see engine_int.h; the rules are in docs/semantics.md,
 * "Missing fields").  A field no event has given reads as its zero value (the
 * first enum value, false, 0, ""), which for a tier condition can mean the most
 * urgent tier.  Two guards, both turning such an event into a `reject`:
 *
 *   `required on EVENT`  compiled into the image (prog->required): an event of
 *                        that type must carry the field itself;
 *   strict mode          (slate_engine_opts.strict): after the event, every
 *                        field the tier conditions or the rules of its type read
 *                        must have a value, from this event or an earlier one of
 *                        the case (the `given` bits of its record).
 *
 * Not here: the reading of values (the VM), the reject itself (push.c).
 */
#include <stdio.h>
#include <string.h>

#include "engine_int.h"

/* Whether the event carries a value for field f. */
static int carries(const slate_event *ev, uint32_t f)
{
    for (size_t i = 0; i < ev->nvalues; i++)
        if (ev->values[i].field >= 0 && (uint32_t)ev->values[i].field == f) return 1;
    return 0;
}

/* Mark in reads[] every field the block at `start` can read.  Jumps only go
 * forward (verified), so one pass from its entry finds every reachable
 * instruction; seen[] is left all zero again. */
static void block_reads(const slate_program *p, int32_t start, uint8_t *seen, uint8_t *reads)
{
    if (start == PROG_NO_CODE) return;
    uint32_t hi = (uint32_t)start;
    seen[start] = 1;
    for (uint32_t pc = (uint32_t)start; pc <= hi && pc < p->ncode; pc++) {
        if (!seen[pc]) continue;
        seen[pc] = 0;
        const vm_instr *ins = &p->code[pc];
        if (prog_op_reads_field(ins->op)) reads[ins->b] = 1;
        if (prog_op_jumps(ins->op)) {
            seen[ins->c] = 1;
            if ((uint32_t)ins->c > hi) hi = (uint32_t)ins->c;
        }
        int ends = ins->op == OP_JMP || ins->op == OP_HALT || ins->op == OP_TIER || ins->op == OP_RET;
        if (!ends && pc + 1 < p->ncode) {
            seen[pc + 1] = 1;
            if (pc + 1 > hi) hi = pc + 1;
        }
    }
}

/* The fields events of type `ev` need in strict mode (the selection's and its
 * rules'), into out (NULL: count only); returns how many. */
static uint32_t event_needs(const slate_program *p, const eng_aux *x, uint32_t ev, uint8_t *seen,
                            uint8_t *reads, uint16_t *out)
{
    if (ev == EV_TICK) return 0;
    memcpy(reads, x->sel_field, p->nfields);
    block_reads(p, p->events[ev].rules, seen, reads);
    uint32_t n = 0;
    for (uint32_t f = 0; f < p->nfields; f++)
        if (reads[f]) {
            if (out) out[n] = (uint16_t)f;
            n++;
        }
    return n;
}

int fld_prepare(slate_engine *e, const slate_program *p, eng_aux *x)
{
    size_t ne = (size_t)p->nevents + 1;
    x->req_first = eng_realloc(&e->al, NULL, sizeof *x->req_first * ne);
    x->need_first = eng_realloc(&e->al, NULL, sizeof *x->need_first * ne);
    if (!x->req_first || !x->need_first) return SLATE_NOMEM;
    uint32_t k = 0;
    for (uint32_t ev = 0; ev < p->nevents; ev++) {
        x->req_first[ev] = k;
        while (k < p->nrequired && p->required[k].event == ev) k++;
    }
    x->req_first[p->nevents] = k;

    memset(x->need_first, 0, sizeof *x->need_first * ne);
    if (!e->strict || p->nfields == 0) return SLATE_OK;
    uint8_t *seen = eng_realloc(&e->al, NULL, p->ncode ? p->ncode : 1);
    uint8_t *reads = eng_realloc(&e->al, NULL, p->nfields);
    int rc = SLATE_NOMEM;
    if (!seen || !reads) goto out;
    memset(seen, 0, p->ncode ? p->ncode : 1);
    size_t total = 0;
    for (uint32_t ev = 0; ev < p->nevents; ev++)
        total += event_needs(p, x, ev, seen, reads, NULL);
    x->need_field = eng_realloc(&e->al, NULL, sizeof *x->need_field * (total ? total : 1));
    if (!x->need_field) goto out;
    uint32_t n = 0;
    for (uint32_t ev = 0; ev < p->nevents; ev++) {
        x->need_first[ev] = n;
        n += event_needs(p, x, ev, seen, reads, x->need_field + n);
    }
    x->need_first[p->nevents] = n;
    rc = SLATE_OK;
out:
    eng_realloc(&e->al, seen, 0);
    eng_realloc(&e->al, reads, 0);
    return rc;
}

int fld_check(slate_engine *e, const slate_event *ev, uint32_t slot, size_t closed)
{
    const slate_program *p = e->prog;
    const eng_aux *x = &e->aux;
    uint32_t t = (uint32_t)ev->type;
    for (uint32_t k = x->req_first[t]; k < x->req_first[t + 1]; k++) {
        uint32_t f = p->required[k].field;
        if (carries(ev, f)) continue;
        snprintf(e->reason, sizeof e->reason, "missing required field `%s`",
                 prog_str(p, p->fields[f].name));
        return 1;
    }
    if (!e->nset) return 0;
    const uint64_t *given = slot != ENG_NONE ? case_given(e, cs_case(&e->cs, slot)) : NULL;
    for (uint32_t k = x->need_first[t]; k < x->need_first[t + 1]; k++) {
        uint32_t f = x->need_field[k];
        if (carries(ev, f) || (given && (given[f >> 6] >> (f & 63) & 1))) continue;
        if (!given && closed != CL_NONE && cl_given(e, closed, f)) continue; /* coming back */
        snprintf(e->reason, sizeof e->reason,
                 "missing field `%s`, which the policy reads (strict: it has no value yet)",
                 prog_str(p, p->fields[f].name));
        return 1;
    }
    return 0;
}
