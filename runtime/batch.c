/*
 * batch.c - slate_engine_push_batch: events applied as that many calls of
 * slate_engine_push would apply them, while the memory the next events will
 * touch is asked for ahead.
 *
 * With many open cases (a million records of several hundred bytes each is far
 * more than the CPU's caches) an event spends most of its time waiting on
 * memory: the case table's bucket, then the case record it points to, then the
 * clocks' timer-heap entries, each a miss to DRAM that the next load depends
 * on.  One push at a time cannot overlap them.  Given the events to come, this
 * file overlaps them with the work of the current event, in stages, so that
 * each load it makes itself hits what an earlier stage prefetched:
 *   PB_ID events ahead    prefetch the case id's bytes;
 *   PB_FAR events ahead   hash the case id, prefetch its bucket;
 *   PB_NEAR events ahead  read the bucket, prefetch the record's header, the
 *                         clocks the event's type operates on and the fields
 *                         it carries;
 *   PB_HEAP events ahead  read those clocks' heap positions, prefetch the
 *                         entries (a resume moves its clock's entry).
 * Prefetches are hints: nothing here changes the engine or reads what the
 * event will read for its verdict, so the decisions are those of the pushes
 * (an event brought by a sink's change, a case closed between, a table grown
 * by an `opened`: at worst a line fetched for nothing).  Every read here is of
 * the engine's current tables, bounds checked, so it is safe whatever the
 * events hold.
 *
 * Not here: applying an event (push.c).
 */
#include "engine_int.h"

/* Distances, in events.  A stage's loads must have arrived by the next stage
 * (an event takes ~70-400 ns, a miss ~100 ns or more), and the lines
 * prefetched must still be cached when the event comes (32 events touch a few
 * dozen lines).  On the scale benchmark at 1M open cases (bench/RESULTS.md,
 * "Batched push") prefetching the id took the batched figure from ~4.5M to
 * ~8.3M events/s; of the other stages, 8/4/2, 16/8/4 and 32/16/8 did alike
 * within the shared machine's noise. */
#define PB_ID 32  /* the case id's bytes (a load of its own when ids are not
                     in a buffer just read) */
#define PB_FAR 16 /* a power of two: the ring below */
#define PB_NEAR 8
#define PB_HEAP 4

/* Whether the event names a case the engine might hold (a malformed one is
 * refused by its push; it is only not prefetched for). */
static inline int pb_keyed(const slate_program *p, const slate_event *ev)
{
    return ev->case_id && ev->case_len > 0 && ev->case_len <= ENG_MAX_ID && ev->type >= 0 &&
           (uint32_t)ev->type < p->nevents && ev->type != EV_TICK;
}

/* The slot of the first bucket with the id's hash (without comparing ids, which
 * would read the record), or ENG_NONE. */
static inline uint32_t pb_slot(const cstore *s, uint32_t hash)
{
    for (uint32_t b = hash & s->tabmask;; b = (b + 1) & s->tabmask) {
        const cs_slotref *r = &s->tab[b];
        if (r->slot == ENG_NONE || r->hash == hash) return r->slot;
    }
}

/* Prefetch n bytes at p (at most two lines: what a clock or a field spans). */
static inline void pb_span(const unsigned char *p, size_t n)
{
    __builtin_prefetch(p, 1);
    __builtin_prefetch(p + n - 1, 1);
}

/* Returns the slot it prefetched, for pb_heap. */
static inline uint32_t pb_record(const slate_engine *e, const slate_event *ev, uint32_t hash)
{
    uint32_t slot = pb_slot(&e->cs, hash);
    if (slot == ENG_NONE) return slot; /* not open (an `opened`, an unknown case) */
    const unsigned char *c = (const unsigned char *)cs_case(&e->cs, slot);
    __builtin_prefetch(c, 1); /* id, creation, level, tier */
    const slate_program *p = e->prog;
    if ((uint32_t)ev->type >= p->nevents) return ENG_NONE; /* (changed since: see the top) */
    size_t clocks = sizeof(eng_case) + sizeof(int64_t) * e->nfields;
    const prog_event *pe = &p->events[ev->type];
    for (uint32_t i = 0; i < pe->nops; i++)
        pb_span(c + clocks + sizeof(eng_clock) * p->evops[pe->first_op + i].clock,
                sizeof(eng_clock));
    for (size_t i = 0; i < ev->nvalues && ev->values; i++)
        if (ev->values[i].field >= 0 && (uint32_t)ev->values[i].field < e->nfields)
            pb_span(c + sizeof(eng_case) + sizeof(int64_t) * (size_t)ev->values[i].field,
                    sizeof(int64_t));
    return slot;
}

/* `slot` is what pb_record found PB_NEAR - PB_HEAP events ago: an event since may
 * have closed that case or a trim moved it, so the slot is only trusted to be in
 * the store (then reading it is safe, and at worst prefetches for nothing). */
static inline void pb_heap(const slate_engine *e, const slate_event *ev, uint32_t slot)
{
    if (slot >= e->cs.cap) return;
    eng_case *c = cs_case(&e->cs, slot);
    const eng_clock *k = case_clocks(e, c);
    const slate_program *p = e->prog;
    if ((uint32_t)ev->type >= p->nevents) return; /* (changed since: see the top) */
    const prog_event *pe = &p->events[ev->type];
    for (uint32_t i = 0; i < pe->nops; i++) {
        uint32_t h = k[p->evops[pe->first_op + i].clock].heap;
        if (h < e->q.n) __builtin_prefetch(&e->q.h[h], 1);
    }
}

int slate_engine_push_batch(slate_engine *e, const slate_event *evs, size_t n, slate_sink sink,
                            void *ud, size_t *done)
{
    if (done) *done = 0;
    if (!e) return SLATE_MISUSE;
    if (e->busy) return eng_reentered(e, "slate_engine_push_batch");
    if (!evs && n) return eng_fail(e, SLATE_MISUSE, "events are NULL");
    e->busy = 1;
    /* event j's in [j % PB_FAR]: whether it names a case (keyed), its id's hash
     * (taken PB_FAR ahead), the slot its record was prefetched from (PB_NEAR
     * ahead, ENG_NONE for none) */
    uint32_t hash[PB_FAR], slot[PB_FAR];
    uint8_t keyed[PB_FAR];
    const slate_program *p = e->prog;
    for (size_t j = 0; j < n && j < PB_FAR; j++) {
        keyed[j] = (uint8_t)pb_keyed(p, &evs[j]);
        if (keyed[j]) {
            hash[j] = cs_hash(evs[j].case_id, evs[j].case_len);
            __builtin_prefetch(&e->cs.tab[hash[j] & e->cs.tabmask]);
        }
    }
    for (size_t j = 0; j < n && j < PB_NEAR; j++)
        slot[j] = keyed[j] ? pb_record(e, &evs[j], hash[j]) : ENG_NONE;
    int rc = SLATE_OK;
    size_t i = 0;
    for (size_t j = PB_FAR; j < n && j < PB_ID; j++) __builtin_prefetch(evs[j].case_id);
    for (; i < n; i++) {
        if (i + PB_ID < n) __builtin_prefetch(evs[i + PB_ID].case_id); /* never faults */
        size_t j = i + PB_FAR, r = j % PB_FAR;
        if (j < n && (keyed[r] = (uint8_t)pb_keyed(p, &evs[j]))) {
            hash[r] = cs_hash(evs[j].case_id, evs[j].case_len);
            __builtin_prefetch(&e->cs.tab[hash[r] & e->cs.tabmask]);
        }
        j = i + PB_NEAR, r = j % PB_FAR;
        if (j < n) slot[r] = keyed[r] ? pb_record(e, &evs[j], hash[r]) : ENG_NONE;
        j = i + PB_HEAP, r = j % PB_FAR;
        if (j < n && slot[r] != ENG_NONE) pb_heap(e, &evs[j], slot[r]);
        if ((rc = eng_push(e, &evs[i], sink, ud)) != SLATE_OK) break;
    }
    e->busy = 0;
    if (done) *done = i;
    return rc;
}
