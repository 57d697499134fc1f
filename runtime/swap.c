/*
 * swap.c - slate_engine_swap(): a new program under the open cases.
 *
 * Part of the engine (see engine_int.h; the rules are in docs/semantics.md, "Hot
 * swap").  Index spaces differ between programs, so everything a case holds is
 * carried over by NAME: fields (same name and type; enum values by name),
 * clocks (same name and kind), levels, and the ladder steps a clock has fired
 * (by their key: kind and value; kept even when the new program lacks the step,
 * see build_bit_map), and the target a clock run breached (by its duration).
 * Then every case, oldest first, chooses its
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
    uint32_t *bits;           /* new clock * ENG_KEYS + old bit -> new bits */
    uint32_t *live;           /* old clock -> the bits any open case has fired */
    uint16_t *breach_key;     /* old breach key -> new (eng_clock.breach) */
    eng_aux *nx;
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

/* For each clock kept, which new bit each old fired bit becomes: the bit of the
 * same key (kind, value) in the new program.  A key the new program has no step
 * for, but that some open case has fired in its current run (s->live), is kept
 * as an extra key of the new clock that no step fires, so that a swap back to a
 * program with that step finds it fired: a deploy and a rollback notify no one
 * twice.  A key no open case has fired is forgotten, so the extra keys stay
 * bounded by what open cases remember. */
static void build_bit_map(swap *s)
{
    const eng_aux *ox = &s->e->aux;
    eng_aux *nx = s->nx;
    for (uint32_t nc = 0; nc < s->np->nclocks; nc++) {
        uint32_t *row = &s->bits[(size_t)nc * ENG_KEYS];
        memset(row, 0, ENG_KEYS * sizeof *row);
        if (s->clock_from[nc] < 0) continue;
        uint32_t oc = (uint32_t)s->clock_from[nc];
        const eng_stepkey *ok = &ox->keys[(size_t)oc * ENG_KEYS];
        eng_stepkey *nk = &nx->keys[(size_t)nc * ENG_KEYS];
        for (uint32_t j = 0; j < ox->nkeys[oc]; j++) {
            uint32_t b = 0;
            while (b < nx->nkeys[nc] && !(nk[b].kind == ok[j].kind && nk[b].value == ok[j].value))
                b++;
            if (b == nx->nkeys[nc]) {
                if (!(s->live[oc] & (1u << j)) || b == ENG_KEYS) continue;
                nk[nx->nkeys[nc]++] = ok[j];
            }
            row[j] = 1u << b;
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
        k->breach = s->breach_key[x->breach];
        for (int b = 0; b < ENG_KEYS; b++)
            if (x->fired & (1u << b)) k->fired |= s->bits[(size_t)c * ENG_KEYS + (uint32_t)b];
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
    eng_realloc(&e->al, s->live, 0);
    eng_realloc(&e->al, s->breach_key, 0);
}

/* The new key of each breached target a case holds (marked non-zero in
 * s->breach_key by the caller): the new program's key for that duration, or a
 * key added for it.  0 or SLATE_NOMEM. */
static int map_breach_keys(swap *s)
{
    const eng_aux *ox = &s->e->aux;
    eng_aux *nx = s->nx;
    uint32_t extra = 0, nprog = nx->nbreach;
    for (uint32_t j = 1; j <= ox->nbreach; j++) extra += s->breach_key[j] != 0;
    if (!extra) return SLATE_OK;
    int64_t *v = eng_realloc(&s->e->al, nx->breach_ms, sizeof *v * ((size_t)nprog + extra));
    if (!v) return SLATE_NOMEM;
    nx->breach_ms = v;
    for (uint32_t j = 1; j <= ox->nbreach; j++) {
        if (!s->breach_key[j]) continue;
        int64_t ms = ox->breach_ms[j - 1];
        uint32_t lo = 0, hi = nprog; /* the program's own durations are sorted */
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (v[mid] < ms) lo = mid + 1;
            else hi = mid;
        }
        if (lo == nprog || v[lo] != ms)
            for (lo = nprog; lo < nx->nbreach && v[lo] != ms; lo++) continue;
        if (lo == nx->nbreach) {
            if (nx->nbreach == UINT16_MAX) lo--; /* full: share the last key */
            else v[nx->nbreach++] = ms;
        }
        s->breach_key[j] = (uint16_t)(lo + 1);
    }
    return SLATE_OK;
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
}

/* A closed case's record decoded into `rec` (the old layout, zeroed first):
 * its id is pointed to (or copied inline) so the case reads like an open one. */
static int closed_case(slate_engine *e, const cl_layout *l, const unsigned char *r, size_t len,
                       eng_case *rec, int64_t *closed_at)
{
    const char *id;
    memset(rec, 0, l->stride);
    if (cl_decode(e, l, r, len, rec, &id, 0)) return -1;
    if (rec->id_len <= CS_INLINE_ID) memcpy(rec->idin, id, rec->id_len);
    else rec->id = id;
    memcpy(closed_at, r + 4, sizeof *closed_at);
    return 0;
}

/* Closed cases under the new program (docs/semantics.md, "Hot swap"): each
 * record re-laid out by name like an open case, into a new store `out`, in the
 * same order; none when the new program reopens nothing.  Allocates. */
static int swap_closed(swap *s, eng_closed *out)
{
    slate_engine *e = s->e;
    memset(out, 0, sizeof *out);
    out->keep_ms = cl_keep_ms(s->np);
    if (!out->keep_ms || !e->closed.count) return SLATE_OK;
    cl_layout ol = cl_layout_of(e);
    cl_layout nl = {s->np, s->np->nfields, s->np->nclocks, s->nnset,
                    eng_stride(s->np->nfields, s->np->nclocks, s->nnset)};
    size_t cap = 0, tab = 64;
    const unsigned char *r;
    size_t len;
    for (size_t at = cl_next(e, CL_NONE, &r, &len); at != CL_NONE; at = cl_next(e, at, &r, &len))
        cap += cl_max_record(&nl, ENG_MAX_ID < len ? ENG_MAX_ID : len);
    while (tab < 2 * (size_t)e->closed.count) tab *= 2;
    unsigned char *o = eng_realloc(&e->al, NULL, ol.stride + nl.stride);
    out->buf = eng_realloc(&e->al, NULL, cap);
    out->tab = eng_realloc(&e->al, NULL, sizeof *out->tab * tab);
    if (!o || !out->buf || !out->tab) {
        eng_realloc(&e->al, o, 0);
        eng_realloc(&e->al, out->buf, 0);
        eng_realloc(&e->al, out->tab, 0);
        return SLATE_NOMEM;
    }
    out->cap = cap;
    out->tabmask = (uint32_t)(tab - 1);
    memset(out->tab, 0, sizeof *out->tab * tab);
    eng_case *oc = (eng_case *)(void *)o, *nc = (eng_case *)(void *)(o + ol.stride);
    for (size_t at = cl_next(e, CL_NONE, &r, &len); at != CL_NONE; at = cl_next(e, at, &r, &len)) {
        int64_t closed_at;
        if (closed_case(e, &ol, r, len, oc, &closed_at)) continue;
        move_case(s, oc, nc);
        size_t n = cl_encode(&nl, nc, closed_at, out->buf + out->len);
        uint32_t b = nc->hash & out->tabmask;
        while (out->tab[b]) b = (b + 1) & out->tabmask;
        out->tab[b] = (uint32_t)out->len + 1;
        out->len += n;
        out->count++;
    }
    eng_realloc(&e->al, o, 0);
    return SLATE_OK;
}

/* Note the step keys and breached targets closed cases hold, as open ones'. */
static int mark_closed(swap *s)
{
    slate_engine *e = s->e;
    if (!e->closed.count) return SLATE_OK;
    cl_layout ol = cl_layout_of(e);
    eng_case *oc = eng_realloc(&e->al, NULL, ol.stride);
    if (!oc) return SLATE_NOMEM;
    const unsigned char *r;
    size_t len;
    for (size_t at = cl_next(e, CL_NONE, &r, &len); at != CL_NONE; at = cl_next(e, at, &r, &len)) {
        int64_t closed_at;
        if (closed_case(e, &ol, r, len, oc, &closed_at)) continue;
        for (uint32_t ci = 0; ci < e->nclocks; ci++) {
            const eng_clock *k = &case_clocks(e, oc)[ci];
            s->live[ci] |= k->fired;
            s->breach_key[k->breach] = 1;
        }
    }
    eng_realloc(&e->al, oc, 0);
    return SLATE_OK;
}

static int swap_program(slate_engine *e, const slate_program *np, slate_sink sink, void *ud)
{
    swap s = {e, e->prog, np, e->nfields, e->nclocks, eng_nset(e->strict, np->nfields),
              NULL, NULL, NULL, NULL, NULL, NULL, NULL};
    eng_aux nx;
    uint64_t *order = NULL;
    uint32_t nnc = np->nclocks ? np->nclocks : 1;
    if (eng_prepare(e, np, &nx)) goto nomem_early;
    s.nx = &nx;
    s.field_from = eng_realloc(&e->al, NULL, sizeof *s.field_from * (np->nfields + 1));
    s.clock_from = eng_realloc(&e->al, NULL, sizeof *s.clock_from * nnc);
    s.adhoc_target = eng_realloc(&e->al, NULL, sizeof *s.adhoc_target * nnc);
    s.bits = eng_realloc(&e->al, NULL, sizeof *s.bits * ENG_KEYS * nnc);
    s.live = eng_realloc(&e->al, NULL, sizeof *s.live * (e->nclocks ? e->nclocks : 1));
    s.breach_key = eng_realloc(&e->al, NULL, sizeof *s.breach_key * ((size_t)e->aux.nbreach + 1));
    order = eng_realloc(&e->al, NULL, sizeof *order * 3 * ((size_t)e->cs.used + 1));
    if (!s.field_from || !s.clock_from || !s.adhoc_target || !s.bits || !s.live ||
        !s.breach_key || !order)
        goto nomem;
    memset(s.breach_key, 0, sizeof *s.breach_key * ((size_t)e->aux.nbreach + 1));
    if (tq_reserve(e, (size_t)e->cs.count * np->nclocks) || eng_scratch_fit(e, &nx)) goto nomem;
    build_maps(&s);

    /* fold every clock's counting into `elapsed` under the old calendars, and
     * note each case's creation, old SLA fingerprint and slot (kept by restride),
     * and which step keys open cases remember as fired */
    memset(s.live, 0, sizeof *s.live * (e->nclocks ? e->nclocks : 1));
    uint32_t n = 0;
    for (uint32_t slot = 0; slot < e->cs.used; slot++) {
        eng_case *c = cs_case(&e->cs, slot);
        if (!c->created) continue;
        for (uint32_t ci = 0; ci < e->nclocks; ci++) {
            eng_clock *k = &case_clocks(e, c)[ci];
            clk_settle(e, k);
            s.live[ci] |= k->fired;
            s.breach_key[k->breach] = 1; /* held: map_breach_keys finds its new key */
        }
        order[3 * n] = c->created;
        order[3 * n + 1] = clk_sla_sig(e, slot);
        order[3 * n + 2] = slot;
        n++;
    }
    if (mark_closed(&s)) goto nomem;
    s.breach_key[0] = 0;
    if (map_breach_keys(&s)) goto nomem;
    qsort(order, n, sizeof *order * 3, cmp_created);
    build_bit_map(&s);
    eng_closed ncl;
    if (swap_closed(&s, &ncl)) goto nomem;
    size_t stride = eng_stride(np->nfields, np->nclocks, s.nnset);
    if (cs_restride(&e->cs, stride, move_case, &s)) {
        eng_realloc(&e->al, ncl.buf, 0);
        eng_realloc(&e->al, ncl.tab, 0);
        goto nomem;
    }

    /* commit: from here on the engine runs the new program */
    cl_free(e);
    e->closed = ncl;
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

int slate_engine_swap(slate_engine *e, const slate_program *np, slate_sink sink, void *ud)
{
    if (!e) return SLATE_MISUSE;
    if (e->busy) return eng_reentered(e, "slate_engine_swap");
    if (!np) {
        snprintf(e->errmsg, sizeof e->errmsg, "swap to a NULL program");
        return SLATE_MISUSE;
    }
    e->busy = 1; /* held through the swap: its sink may not call back in */
    int rc = SLATE_OK;
    if (e->lb.n) { /* buffered events were built for the old program: apply them */
        eng_begin(e, sink, ud);
        rc = eng_drain(e, e->high);
    }
    if (rc == SLATE_OK) rc = swap_program(e, np, sink, ud);
    e->busy = 0;
    return rc;
}
