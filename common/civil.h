/*
 * civil.h - proleptic Gregorian dates as day numbers: the one implementation of
 * day <-> (year, month, day), month lengths and leap years that the compiler
 * (holidays, time zones, the disassembler), the runtime (decision and log
 * times) and the tools (policy tests, importers) share.
 *
 * A day number counts days since 1970-01-01 (negative before).  Nothing here
 * knows about time of day, time zones or text: RFC 3339 is timestamp.h's, local
 * time is calendar.h's.  Pure functions; nothing allocates.
 */
#ifndef SLATE_CIVIL_H
#define SLATE_CIVIL_H

#include <stdint.h>

/* Floor division (b > 0), correct for negative a: the day of an instant before
 * 1970 is the day before the truncated quotient.  Inline: it is on every
 * decision's path and in the working-time arithmetic.  One division (the
 * remainder from the quotient); b is mostly a constant, and the compiler then
 * multiplies instead of dividing. */
static inline int64_t civil_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return a - q * b < 0 ? q - 1 : q;
}

/* The day number of y-m-d (m 1..12, d 1..31; not validated).  Exact for any
 * year whose day number fits in 64 bits. */
int64_t civil_to_days(int64_t y, int m, int d);

/* The date of day number `days`; exact for every int64 day count. */
void civil_from_days(int64_t days, int64_t *y, int *m, int *d);

/* Whether y is a leap year. */
int civil_is_leap(int64_t y);

/* Days in month m of year y; 0 when m is not 1..12. */
int civil_month_days(int64_t y, int m);

#endif
