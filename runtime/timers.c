/*
 * timers.c - the timer queue: when each counting clock's next ladder point falls.
 *
 * Part of the engine (see engine_int.h).  A 4-ary min-heap of (instant, case
 * creation order, clock index) with at most one entry per (case, clock); each
 * clock remembers its position so an entry can be moved or removed when a clock
 * pauses, stops or takes a new target.  The order of the key is the order timers
 * fire in, so equal instants fire deterministically: older cases first, then
 * lower clock indices.  An entry holds only the instant, the slot and the clock
 * (16 bytes); the creation order, needed only when two instants are equal, is
 * read from the case record.  Four children per node halve the depth of a binary
 * heap, and the four sit side by side in memory, so a sift touches about half as
 * many cache lines (and case records, whose positions it updates).
 *
 * An entry may outlive the clock's counting: a paused clock keeps its entry
 * (clock.c), so pausing costs nothing and resuming moves the entry a few levels
 * instead of a remove and a re-insert; a stale entry that comes due fires
 * nothing and is removed then (clk_fire).
 *
 * Capacity grows in amortised steps with the number of open cases (tq_reserve,
 * called while pre-flighting an `opened` event), so queueing never allocates.
 */
#include "engine_int.h"

#define TQ_D 4 /* children per node */

/* Whether entry a fires before entry b (never equal: one entry per case and clock). */
static inline int before(const slate_engine *e, const tq_entry *a, const tq_entry *b)
{
    if (a->at != b->at) return a->at < b->at;
    if (a->slot != b->slot) return cs_case(&e->cs, a->slot)->created < cs_case(&e->cs, b->slot)->created;
    return a->clock < b->clock;
}

static inline void place(slate_engine *e, uint32_t i, const tq_entry *t)
{
    e->q.h[i] = *t;
    case_clocks(e, cs_case(&e->cs, t->slot))[t->clock].heap = i;
}

static void sift_up(slate_engine *e, uint32_t i, tq_entry t)
{
    while (i > 0) {
        uint32_t p = (i - 1) / TQ_D;
        if (!before(e, &t, &e->q.h[p])) break;
        place(e, i, &e->q.h[p]);
        i = p;
    }
    place(e, i, &t);
}

static void sift_down(slate_engine *e, uint32_t i, tq_entry t)
{
    uint32_t n = e->q.n;
    for (;;) {
        uint32_t first = TQ_D * i + 1;
        if (first >= n) break;
        uint32_t last = first + TQ_D < n ? first + TQ_D : n, m = first;
        for (uint32_t c = first + 1; c < last; c++)
            if (before(e, &e->q.h[c], &e->q.h[m])) m = c;
        if (!before(e, &e->q.h[m], &t)) break;
        place(e, i, &e->q.h[m]);
        i = m;
    }
    place(e, i, &t);
}

int tq_reserve(slate_engine *e, size_t n)
{
    if (n <= e->q.cap) return SLATE_OK;
    if (n > UINT32_MAX / 2) return SLATE_NOMEM;
    size_t cap = e->q.cap + e->q.cap / 2; /* x1.5: amortised, with less slack than doubling */
    if (cap < n) cap = n;
    if (cap < 64) cap = 64;
    if (cap > UINT32_MAX / 2) cap = UINT32_MAX / 2;
    tq_entry *h = eng_realloc(&e->al, e->q.h, sizeof *h * cap);
    if (!h) return SLATE_NOMEM;
    e->q.h = h;
    e->q.cap = (uint32_t)cap;
    return SLATE_OK;
}

/* Queue (or move) the clock's timer to instant `at`; k is that clock's state
 * (the caller has it, so the record is not looked up again). */
void tq_set(slate_engine *e, uint32_t slot, uint32_t clock, eng_clock *k, int64_t at)
{
    tq_entry t = {at, slot, clock};
    if (k->heap == ENG_NONE) {
        uint32_t i = e->q.n++; /* capacity reserved with the case */
        sift_up(e, i, t);
        return;
    }
    uint32_t i = k->heap;
    if (e->q.h[i].at == at) return; /* unchanged: the key is the same */
    if (at < e->q.h[i].at)
        sift_up(e, i, t);
    else
        sift_down(e, i, t);
}

void tq_remove(slate_engine *e, eng_clock *k)
{
    uint32_t i = k->heap;
    if (i == ENG_NONE) return;
    k->heap = ENG_NONE;
    tq_entry last = e->q.h[--e->q.n];
    if (i == e->q.n) return;
    if (i > 0 && before(e, &last, &e->q.h[(i - 1) / TQ_D]))
        sift_up(e, i, last);
    else
        sift_down(e, i, last);
}
