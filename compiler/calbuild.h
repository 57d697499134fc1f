/*
 * calbuild.h - the calendar compiler: a `calendar` declaration -> a cal_table.
 *
 * Place in the pipeline: after the checker, lowering calls calb_build() for each
 * calendar; the image writer serialises the tables; the runtime (calendar.h)
 * computes working time from them without any tz data.
 */
#ifndef SLATE_CALBUILD_H
#define SLATE_CALBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "ast.h"
#include "calendar.h"

/* The validity range the compiler uses: 2000-01-01 .. 2100-01-01 UTC. */
#define CALB_VALID_FROM_MS INT64_C(946684800000)
#define CALB_VALID_TO_MS INT64_C(4102444800000)

/* Build `out` from calendar `c` for instants in [from_ms, to_ms): weekly spans
 * (merged, midnight spans split, the Sunday->Monday wrap split in two), closed
 * local days (sorted, unique; days further than a day outside the range are
 * dropped), open days' spans and the zone's offsets.  The arrays are malloc'd and owned by `out`
 * until calb_free().  Returns 0 on success, else -1 with a message in err (and
 * `out` left empty). */
int calb_build(const ast_calendar *c, int64_t from_ms, int64_t to_ms, cal_table *out,
               char *err, size_t errsize);

/* The most working spans one day of a calendar may have. */
#define CALB_MAX_DAY_SPANS 16

/* The standard day of calendar `c`: the hours (ms from local 00:00, sorted, apart)
 * every day with hours has, which an `open DATE` without hours gets.  Returns
 * their count, or -1 with a message in err when the days with hours differ (or
 * there are none). */
int calb_standard_day(const ast_calendar *c, cal_span out[CALB_MAX_DAY_SPANS], char *err,
                      size_t errsize);

/* The implicit `always` calendar: 24x7 in UTC, no closed days.  Returns 0, or -1
 * when out of memory.  Free with calb_free(). */
int calb_always(cal_table *out);

/* Free the arrays of a table built above and zero it.  NULL is allowed. */
void calb_free(cal_table *t);

#endif
