/*
 * handwritten.h - the reference policy service-2025 coded directly in C: the
 * speed-of-light baseline the benchmarks compare slate with.
 *
 * It decides the subset of bstream.h (tiers, and the four declared clocks with
 * their ladder warnings and breaches) exactly as slate does: same tier order,
 * same working-time arithmetic (common/calendar.h on the program's compiled
 * `business` calendar), same timer order (instant, case creation, clock).  It
 * takes the same pre-parsed slate_event structs; the program is read only at
 * hw_new (field ids, enum value checks, the calendar table).
 */
#ifndef SLATE_HANDWRITTEN_H
#define SLATE_HANDWRITTEN_H

#include <stddef.h>
#include <stdint.h>

#include "bstream.h"
#include "slate.h"

typedef struct hw_engine hw_engine;

/* A decision of the subset.  case_id is valid during the call only. */
typedef struct hw_dec {
    int64_t at;
    const char *case_id;
    size_t case_len;
    slate_action action;
    int clock;             /* 0..3, -1 for sla */
    int tier;              /* sla: tier index, else -1 */
    int64_t deadline;      /* start/resume: INT64_MIN when none */
    int64_t elapsed;       /* stop/pause/warn/breach */
} hw_dec;

typedef void (*hw_sink)(void *ud, const hw_dec *d);

/* NULL when the program is not service-2025 (a field or value is missing) or
 * memory runs out; a message goes to stderr. */
hw_engine *hw_new(const slate_program *prog, size_t expected_cases);
void hw_free(hw_engine *h);
/* Apply one event (timers due first).  Unusable events are skipped. */
void hw_push(hw_engine *h, const slate_event *ev, hw_sink sink, void *ud);
/* hw_push of evs[0..n) in order, with the next events' table buckets, records
 * and timer entries prefetched (as slate_engine_push_batch does). */
void hw_push_batch(hw_engine *h, const slate_event *evs, size_t n, hw_sink sink, void *ud);
size_t hw_open_cases(const hw_engine *h);
/* Bytes the engine holds now (case table, records, ids, timer heap). */
size_t hw_bytes(const hw_engine *h);

/* Convert for comparison with bs_from_slate. */
void hw_to_bs(const hw_dec *d, bs_dec *out);

#endif
