/*
 * calendar.h - working-time arithmetic over a compiled calendar (runtime side).
 *
 * A calendar is compiled (compiler/calbuild.c) into three sorted tables: the
 * working intervals of a local week, the closed local days, and the zone's UTC
 * offsets over the policy's validity range.  The runtime therefore needs no tz
 * data and never calls the C library's time-zone functions.  Instants are UTC
 * milliseconds since 1970-01-01; working durations are milliseconds.
 *
 * Definition: an instant t is working time when its local time t + offset(t) falls
 * in a weekly interval and its local day is neither closed nor open; on an open
 * day (an `open` date: a make-up working day) the day's own spans replace the
 * week's for that local day, whatever weekday it is.  Working time between a and
 * b is the measure of working instants in [a, b).  Because offsets are piecewise
 * constant in UTC, a DST change simply shortens or lengthens the local day that
 * contains it; nothing is counted twice or skipped.
 *
 * Not here: which calendar a target uses, clocks, timers (see the engine).
 */
#ifndef SLATE_CALENDAR_H
#define SLATE_CALENDAR_H

#include <stddef.h>
#include <stdint.h>

#define CAL_WEEK_MS ((int64_t)7 * 86400 * 1000)
#define CAL_DAY_MS ((int64_t)86400 * 1000)

/* The arithmetic's domain: instants in [-CAL_TIME_LIMIT, CAL_TIME_LIMIT) (about
 * 73 million years either side of 1970).  Nothing outside it is working time, so
 * every sum and every local time t + offset fits in 64 bits without checks, and
 * INT64_MAX is free to mean "never". */
#define CAL_TIME_LIMIT ((int64_t)1 << 61)

/* Working interval of the local week, milliseconds from Monday 00:00 local.
 * Intervals are sorted, disjoint, non-adjacent, inside [0, CAL_WEEK_MS); an
 * interval spanning midnight Sunday->Monday is stored as two. */
typedef struct cal_span {
    int64_t start, end;
} cal_span;

/* From UTC instant `from` on (until the next entry) local = utc + offset_ms. */
typedef struct cal_offset {
    int64_t from;
    int64_t offset_ms;
} cal_offset;

/* One working span of an open local day (an `open` date): its hours replace the
 * week's on that day.  Spans are sorted by (day, start) and apart; a day is never
 * both closed and open.  `calendar` is the image's grouping key (which calendar
 * of the program the span belongs to); the arithmetic ignores it. */
typedef struct cal_open {
    int32_t day;        /* local day, days since 1970-01-01 */
    uint16_t calendar;
    int64_t start, end; /* ms from the day's local 00:00: 0 <= start < end <= CAL_DAY_MS */
} cal_open;

typedef struct cal_table {
    const cal_span *week;     /* weekly working intervals */
    uint32_t nweek;
    const int32_t *closed;    /* closed local days, days since 1970-01-01, sorted, unique */
    uint32_t nclosed;
    const cal_offset *offsets;/* sorted by `from`; offsets[0].from is INT64_MIN */
    uint32_t noffsets;        /* at least 1 */
    int64_t workday_ms;       /* the standard working day: weekly working time divided
                                 by the number of weekdays that have hours */
    const cal_open *open;     /* open days' spans (image format 4 on); NULL when none */
    uint32_t nopen;
} cal_table;

/* The functions below assume a table that cal_validate() accepted; they allocate
 * nothing, keep no state and are safe to call from several threads. */

/* True when instant t is working time (the millisecond [t, t+1) is worked). */
int cal_is_working(const cal_table *c, int64_t t);

/* Working time in [a, b); 0 when b <= a. */
int64_t cal_between(const cal_table *c, int64_t a, int64_t b);

/* The earliest instant u >= t with cal_between(c, t, u) == work (for work > 0 the
 * instant the work-th millisecond of working time ends).  work <= 0 returns t.
 * Returns INT64_MAX if the calendar has less than `work` working time after t
 * (in particular when it has none at all, or the sum leaves the domain). */
int64_t cal_add(const cal_table *c, int64_t t, int64_t work);

/* The same two functions with tables derived from the calendar precomputed by
 * the caller (the engine keeps them beside the program, so the image format does
 * not change): the weekly prefix sums, an index from each hour of the week to
 * the first span that ends after it (so finding a position's span is a lookup
 * and a step or two instead of a binary search), and an index from each day
 * between the first and last closed day to the number of closed days before it
 * (so the closed days a range meets are found without a binary search).  `pre`
 * may be NULL, and then these compute the sums per call into a stack buffer and
 * search, as cal_between/cal_add do.  The results are the same either way. */
#define CAL_WEEK_HOURS (7 * 24)
typedef struct cal_pre {
    const int64_t *sums;        /* nweek + 1 entries: sums[i] = working ms of spans < i */
    const uint32_t *hour_span;  /* CAL_WEEK_HOURS + 1 entries: the first span whose end
                                   is after the hour's start (nweek when none) */
    const uint32_t *closed_idx; /* closed[nclosed - 1] - closed[0] + 1 entries: closed
                                   days before day closed[0] + i; NULL when none or
                                   when the range is too long to index */
} cal_pre;

/* Bytes cal_pre_init needs for table c (a multiple of 8). */
size_t cal_pre_size(const cal_table *c);
/* Fill `mem` (cal_pre_size bytes, 8-byte aligned) and point *pre into it. */
void cal_pre_init(const cal_table *c, void *mem, cal_pre *pre);
int64_t cal_between_pre(const cal_table *c, const cal_pre *pre, int64_t a, int64_t b);
int64_t cal_add_pre(const cal_table *c, const cal_pre *pre, int64_t t, int64_t work);

/* Check a table's invariants (sorted, in range, non-empty offsets).  The image
 * verifier calls this on untrusted tables.  Returns 0 when valid, else a static
 * message naming the broken invariant. */
const char *cal_validate(const cal_table *c);

#endif
