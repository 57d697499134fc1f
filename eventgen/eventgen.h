/*
 * eventgen.h - a simulated service desk: a realistic, reproducible stream of case
 * events (JSON Lines, docs/io.md) for `slate gen`, the benchmarks and the tests.
 *
 * The model is one desk, the one the reference policy service-2025.slate governs:
 * its fields (standing, value_tier, kind, category, severity, channel, ...), its
 * event types (the built-in ones plus accepted, analysed, handled, fed_back,
 * reported, appealed, reviewed, improved), its working hours and holidays
 * (Asia/Shanghai) and the case mix of the project's domain brief.  It does not
 * read a policy: a caller that wants a stream for another policy passes a
 * filter, and only the event types and field values the filter accepts are
 * written; nothing is invented for fields or events the model does not know.
 *
 * Deterministic: its own PRNG (splitmix64) seeded by `seed`, no wall clock; the
 * same options give the same bytes.  No global state.  Option parsing lives in
 * cli/cmd_gen.c.  Prefix eg_.
 */
#ifndef SLATE_EVENTGEN_H
#define SLATE_EVENTGEN_H

#include <stdint.h>
#include <stdio.h>

/* Which parts of the stream are written; each function returns 1 to keep. */
typedef struct eg_filter {
    /* an event of this type (a case's later events are still simulated) */
    int (*event)(void *ud, const char *type);
    /* the field `key` with this JSON value: "\"vip\"", "true", "4" */
    int (*field)(void *ud, const char *key, const char *json);
    void *ud;
} eg_filter;

typedef struct eg_options {
    uint64_t seed;           /* default 1 */
    long cases;              /* number of cases opened; default 3000 */
    double rate;             /* mean arrivals per hour over a weekday; default 125 */
    int64_t start;           /* first possible arrival, UTC ms; default
                                2025-03-10T00:00:00+08:00, a Monday */
    double complaint_pct;    /* percent of cases that are complaints; default 1.2 */
    const eg_filter *filter; /* NULL: everything */
} eg_options;

/* The defaults above. */
void eg_defaults(eg_options *o);

/* Simulate o->cases cases and write their events to `out`, one JSON object per
 * line, sorted by (time, case, order within the case):
 *   {"case":"C000001","type":"opened","at":"2025-03-10T00:02:39+08:00","id":"e0000001",...}
 * Returns 0, or -1 when memory ran out (nothing is written then).  Write errors
 * are left in `out` for the caller's ferror(). */
int eg_write(const eg_options *o, FILE *out);

#endif
