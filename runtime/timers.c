/*
 * timers.c - the timer queue: when each counting clock's next ladder point falls.
 *
 * Part of the engine (see engine_int.h).  A binary min-heap of (instant, case
 * creation order, clock index, slot) with at most one entry per (case, clock);
 * each clock remembers its position so an entry can be moved or removed in
 * O(log n) when a clock pauses, stops or takes a new target.  The order of the
 * key is the order timers fire in, so equal instants fire deterministically:
 * older cases first, then lower clock indices.  The heap is reserved up front for
 * every clock slot of every case slot, so queueing never allocates.
 */
#include "engine_int.h"

static int before(const tq_entry *a, const tq_entry *b)
{
    if (a->at != b->at) return a->at < b->at;
    if (a->created != b->created) return a->created < b->created;
    return a->clock < b->clock;
}

static eng_clock *owner(slate_engine *e, const tq_entry *t)
{
    return &case_clocks(e, cs_case(&e->cs, t->slot))[t->clock];
}

static void place(slate_engine *e, uint32_t i, const tq_entry *t)
{
    e->q.h[i] = *t;
    owner(e, t)->heap = i;
}

static void sift_up(slate_engine *e, uint32_t i, tq_entry t)
{
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!before(&t, &e->q.h[p])) break;
        place(e, i, &e->q.h[p]);
        i = p;
    }
    place(e, i, &t);
}

static void sift_down(slate_engine *e, uint32_t i, tq_entry t)
{
    uint32_t n = e->q.n;
    for (;;) {
        uint32_t l = 2 * i + 1, m = i;
        const tq_entry *best = &t;
        if (l < n && before(&e->q.h[l], best)) m = l, best = &e->q.h[l];
        if (l + 1 < n && before(&e->q.h[l + 1], best)) m = l + 1;
        if (m == i) break;
        place(e, i, &e->q.h[m]);
        i = m;
    }
    place(e, i, &t);
}

int tq_reserve(slate_engine *e, size_t n)
{
    if (n <= e->q.cap) return SLATE_OK;
    if (n > UINT32_MAX / 2) return SLATE_NOMEM;
    tq_entry *h = eng_realloc(&e->al, e->q.h, sizeof *h * n);
    if (!h) return SLATE_NOMEM;
    e->q.h = h;
    e->q.cap = (uint32_t)n;
    return SLATE_OK;
}

/* Queue (or move) the clock's timer to instant `at`. */
void tq_set(slate_engine *e, uint32_t slot, uint32_t clock, int64_t at)
{
    eng_case *c = cs_case(&e->cs, slot);
    eng_clock *k = &case_clocks(e, c)[clock];
    tq_entry t = {at, c->created, slot, clock};
    if (k->heap == ENG_NONE) {
        uint32_t i = e->q.n++; /* capacity reserved with the case slot */
        sift_up(e, i, t);
        return;
    }
    uint32_t i = k->heap;
    if (before(&t, &e->q.h[i]))
        sift_up(e, i, t);
    else
        sift_down(e, i, t);
}

void tq_remove(slate_engine *e, uint32_t slot, uint32_t clock)
{
    eng_clock *k = &case_clocks(e, cs_case(&e->cs, slot))[clock];
    uint32_t i = k->heap;
    if (i == ENG_NONE) return;
    k->heap = ENG_NONE;
    tq_entry last = e->q.h[--e->q.n];
    if (i == e->q.n) return;
    if (i > 0 && before(&last, &e->q.h[(i - 1) / 2]))
        sift_up(e, i, last);
    else
        sift_down(e, i, last);
}
