/*
 * trim.c - giving memory back: strings no case holds, and a case store, timer
 * queue and JSON scratch sized for a peak that has passed.
 *
 * Part of the engine (see engine_int.h; the memory model is in slate.h).  Runs
 * only between calls' work, at the end of slate_engine_push (when enough new
 * strings have come, or when the open cases fell well below the store's room)
 * and in slate_engine_trim, so no register, decision or case context still
 * refers to what it frees or moves.  Every step is optional: one that cannot
 * allocate what it needs leaves things as they were.  Nothing here changes a
 * decision: string ids in use and case creation order stay as they are.
 *
 * Not here: the interner's sweep itself (strings.c) and moving case records
 * (casestore.c).
 */
#include <string.h>

#include "engine_int.h"

static void mark(uint8_t *keep, uint32_t n, int64_t id)
{
    if (id >= 0 && (uint64_t)id < n) keep[id >> 3] |= (uint8_t)(1u << (id & 7));
}

/* The strings in use: the program's, and the string fields of open cases and of
 * closed cases kept for reopening (the only places a string id outlives a
 * call). */
static int sweep_strings(slate_engine *e)
{
    strtab *t = &e->st;
    const slate_program *p = e->prog;
    uint8_t *keep = eng_realloc(&e->al, NULL, (size_t)t->n / 8 + 1);
    if (keep) {
        memset(keep, 0, (size_t)t->n / 8 + 1);
        for (uint32_t i = 0; i < p->nstrings; i++) mark(keep, t->n, e->aux.str_ids[i]);
        for (uint32_t slot = 0; slot < e->cs.used; slot++) {
            eng_case *c = cs_case(&e->cs, slot);
            if (!c->created) continue;
            const int64_t *fv = case_fields(e, c);
            for (uint32_t f = 0; f < e->nfields; f++)
                if (p->fields[f].type == PT_STRING) mark(keep, t->n, fv[f]);
        }
        cl_mark_strings(e, mark, keep, t->n); /* closed cases that may come back */
    }
    int rc = keep ? st_sweep(t, keep) : SLATE_NOMEM;
    eng_realloc(&e->al, keep, 0);
    if (rc) { /* try again after as much interning again, not at every call */
        t->fresh = 0;
        t->fresh_bytes = 0;
        t->sweep_due = 0;
        return rc;
    }
    /* the JSON scratch was sized for the longest string ever interned */
    size_t need = e->aux.jbase + (size_t)e->aux.maxargs * ((size_t)t->maxlen * 6 + 8);
    if (e->jcap > 2 * need + 4096) {
        char *b = eng_realloc(&e->al, e->jbuf, need);
        if (b) {
            e->jbuf = b;
            e->jcap = need;
        }
    }
    return SLATE_OK;
}

/* A case moved from slot `from` to `to`: its queued timers name the new slot. */
static void case_moved(void *ud, uint32_t from, uint32_t to)
{
    slate_engine *e = ud;
    (void)from;
    const eng_clock *k = case_clocks(e, cs_case(&e->cs, to));
    for (uint32_t ci = 0; ci < e->nclocks; ci++)
        if (k[ci].heap != ENG_NONE) e->q.h[k[ci].heap].slot = to;
}

static int shrink_cases(slate_engine *e)
{
    int rc = cs_shrink(&e->cs, case_moved, e);
    /* the timer queue: room for the open cases' clocks and half as much again */
    size_t need = ((size_t)e->cs.count + 1) * e->nclocks;
    need += need / 2;
    if (need < 64) need = 64;
    if (need < e->q.n) need = e->q.n;
    if (e->q.cap > 2 * need) {
        tq_entry *h = eng_realloc(&e->al, e->q.h, sizeof *h * need);
        if (h) {
            e->q.h = h;
            e->q.cap = (uint32_t)need;
        }
    }
    return rc;
}

int eng_trim(slate_engine *e, int force)
{
    int rc = SLATE_OK;
    if ((force || e->st.sweep_due) && sweep_strings(e)) rc = SLATE_NOMEM;
    if ((force || cs_shrink_due(&e->cs)) && shrink_cases(e)) rc = SLATE_NOMEM;
    if (force && cl_shrink(e)) rc = SLATE_NOMEM; /* closed cases kept for reopening */
    return rc;
}
