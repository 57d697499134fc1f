/*
 * timestamp.h - instants as text: the strict RFC 3339 reader events use and the
 * fixed-width UTC writer decisions use.
 *
 * Private to slate (libslate and the CLI); not part of the public API.  Instants
 * are UTC milliseconds since 1970-01-01T00:00:00Z, negative before it.  The
 * dates are civil.h's (proleptic Gregorian), so nothing needs gmtime or timegm,
 * time-zone data or global state.  Nothing allocates.  The one RFC 3339 writer:
 * stdout's decisions, the engine's texts, the decision log and the tools all
 * write instants through ts_format / ts_format_offset.
 */
#ifndef SLATE_TIMESTAMP_H
#define SLATE_TIMESTAMP_H

#include <stddef.h>
#include <stdint.h>

#include "civil.h"
#include "slate.h"

/* The instants RFC 3339 can name in UTC: 0000-01-01T00:00:00.000Z and
 * 9999-12-31T23:59:59.999Z.  The event reader accepts only these, and so does
 * the engine's C API (slate.h, where they are defined). */
#define TS_MIN_MS SLATE_AT_MIN
#define TS_MAX_MS SLATE_AT_MAX

/* Longest text ts_format() writes, without the NUL: the extremes of int64
 * milliseconds are the years -292275055 and +292278994, so
 * "-292275055-05-16T16:47:04.192Z" (the 32-byte buffers of the log's
 * slate_log_time hold it). */
#define TS_FORMAT_UTC_MAX 30

/* Longest text ts_format_offset() writes, without the NUL (TS_FORMAT_UTC_MAX
 * and an offset "+HH:MM" for a Z, with room to spare). */
#define TS_FORMAT_MAX 40

/* Write `ms` as RFC 3339 UTC with milliseconds, "2025-03-07T09:00:00.000Z", into
 * out (TS_FORMAT_UTC_MAX + 1 bytes), NUL-terminated; returns the length (24 for
 * years 0000..9999).  Outside those years the year is written in ISO 8601's
 * expanded form ("-0001-12-31T...", "+10000-01-01T..."), which is not RFC 3339
 * but keeps the output total and ordered. */
size_t ts_format(int64_t ms, char *out);

/* How much of the time of day ts_format_offset writes. */
typedef enum ts_prec {
    TS_MILLIS,  /* HH:MM:SS.mmm, as ts_format */
    TS_SECONDS, /* HH:MM:SS, the milliseconds dropped (towards the past) */
    TS_SHORTEST /* HH:MM, then :SS when seconds or milliseconds are not zero,
                   then .mmm when milliseconds are not zero */
} ts_prec;

/* Write `ms` as the local time at `offset_min` minutes east of UTC followed by
 * its offset ("Z" for 0, else "+HH:MM" / "-HH:MM"), with the time of day to
 * `prec`, like snprintf: at most `size` bytes with the NUL, returning the length
 * the whole text needs (at most TS_FORMAT_MAX for offsets within a day).  Years
 * outside 0000..9999 as ts_format writes them. */
size_t ts_format_offset(int64_t ms, int offset_min, ts_prec prec, char *out, size_t size);

/* The date ts_format last wrote through this memo, so that a run of instants on
 * the same day (most of a stream's) skips the calendar arithmetic.  The caller
 * owns it (no global state); ts_memo_init before first use. */
typedef struct ts_memo {
    int64_t day;   /* days since 1970-01-01 of the date in `text`; INT64_MIN: none yet */
    int64_t ms;    /* ts_format_memo: the instant `text` holds; INT64_MIN: none */
    char text[24]; /* ts_format_memo: "YYYY-MM-DDTHH:MM:SS.mmmZ" of `ms`; the
                      reader's memo: "YYYY-MM-DD" as given */
} ts_memo;

void ts_memo_init(ts_memo *m);

/* ts_format(ms, out), exactly, using and updating the memo. */
size_t ts_format_memo(int64_t ms, char *out, ts_memo *m);

/* The date ts_parse_rfc3339 last accepted through this memo: a line whose
 * "YYYY-MM-DD" is the same skips checking and converting it again.  The caller
 * owns it; ts_memo_init before first use (date is then never matched). */
int ts_parse_rfc3339_memo(const char *s, size_t len, int64_t *ms, char *why, size_t whysize,
                          ts_memo *m);

/* Parse an RFC 3339 date-time, `len` bytes at s (no NUL needed):
 *   YYYY-MM-DD "T" HH:MM:SS [ "." 1*DIGIT ] ( "Z" / ("+" / "-") HH:MM )
 * `T` and `Z` may be lowercase (RFC 3339 section 5.6).  Fractions finer than a
 * millisecond are truncated (towards the past).  Month, day (leap years
 * included), hour, minute, second and offset ranges are checked; a leap second
 * (:60) is refused because instants are POSIX milliseconds; the result must lie
 * in [TS_MIN_MS, TS_MAX_MS].  Returns 0 and stores *ms, or -1 and writes a
 * lowercase phrase saying what is wrong ("day 30 out of range for 2025-02") into
 * why (whysize bytes, may be 0). */
int ts_parse_rfc3339(const char *s, size_t len, int64_t *ms, char *why, size_t whysize);

#endif
