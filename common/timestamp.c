/*
 * timestamp.c - RFC 3339 in and out, behind timestamp.h.
 *
 * Used at the edges of the pipeline: the event reader parses `at`, and decisions,
 * the log and the tools print instants.  The date arithmetic is civil.c's.  The
 * writer has one fixed-width path for UTC years 0000..9999 (the decisions' hot
 * path, with a memo of the last date) and one general path for everything else
 * (offsets, other precisions, expanded years); both put digits the same way.
 */
#include "timestamp.h"

#include <stdio.h>
#include <string.h>

#define DAY_MS INT64_C(86400000)

/* Write v with at least `width` digits (zero-padded) at out; returns the count. */
static size_t put_uint(char *out, uint64_t v, int width)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n < width) tmp[n++] = '0';
    for (int i = 0; i < n; i++) out[i] = tmp[n - 1 - i];
    return (size_t)n;
}

static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                     "25262728293031323334353637383940414243444546474849"
                                     "50515253545556575859606162636465666768697071727374"
                                     "75767778798081828384858687888990919293949596979899";

/* Two digits of v (0..99). */
static void put2(char *out, unsigned v)
{
    memcpy(out, digit_pairs + 2 * v, 2);
}

/* "YYYY-MM-DDT" of `days` (years 0000..9999) at out. */
static void put_date(char *out, int64_t days)
{
    int64_t y;
    int mo, d;
    civil_from_days(days, &y, &mo, &d);
    unsigned yy = (unsigned)y;
    put2(out, yy / 100);
    put2(out + 2, yy % 100);
    out[4] = '-';
    put2(out + 5, (unsigned)mo);
    out[7] = '-';
    put2(out + 8, (unsigned)d);
    out[10] = 'T';
}

/* "HH:MM:SS.mmmZ" of `rem` ms into the day at out. */
static void put_time(char *out, unsigned rem)
{
    unsigned sec = rem / 1000, msec = rem % 1000;
    put2(out, sec / 3600);
    out[2] = ':';
    put2(out + 3, sec / 60 % 60);
    out[5] = ':';
    put2(out + 6, sec % 60);
    out[8] = '.';
    out[9] = (char)('0' + msec / 100);
    put2(out + 10, msec % 100);
    out[12] = 'Z';
}

void ts_memo_init(ts_memo *m)
{
    memset(m, 0, sizeof *m);
    m->day = INT64_MIN;
    m->ms = INT64_MIN; /* outside TS_MIN_MS..TS_MAX_MS: never matches */
}

size_t ts_format_memo(int64_t ms, char *out, ts_memo *m)
{
    if (ms < TS_MIN_MS || ms > TS_MAX_MS) return ts_format(ms, out);
    if (ms != m->ms) {
        int64_t days = civil_floor_div(ms, DAY_MS);
        if (days != m->day) {
            put_date(m->text, days);
            m->day = days;
        }
        put_time(m->text + 11, (unsigned)(ms - days * DAY_MS)); /* no overflow in this range */
        m->ms = ms;
    }
    memcpy(out, m->text, 24);
    out[24] = '\0';
    return 24;
}

size_t ts_format(int64_t ms, char *out)
{
    if (ms >= TS_MIN_MS && ms <= TS_MAX_MS) {
        /* years 0000..9999, the fixed 24 bytes written in place */
        int64_t days = civil_floor_div(ms, DAY_MS);
        put_date(out, days);
        put_time(out + 11, (unsigned)(ms - days * DAY_MS)); /* no overflow in this range */
        out[24] = '\0';
        return 24;
    }
    char t[TS_FORMAT_MAX + 1];
    size_t n = ts_format_offset(ms, 0, TS_MILLIS, t, sizeof t);
    memcpy(out, t, n + 1); /* n <= TS_FORMAT_UTC_MAX: see timestamp.h */
    return n;
}

size_t ts_format_offset(int64_t ms, int offset_min, ts_prec prec, char *out, size_t size)
{
    /* day and time of day of UTC first, then the offset carried into them: no
     * sum that could overflow, whatever ms is */
    int64_t days = civil_floor_div(ms, DAY_MS);
    int64_t rem = ms % DAY_MS; /* [0, DAY_MS); no days * DAY_MS: it overflows at INT64_MIN */
    if (rem < 0) rem += DAY_MS;
    rem += (int64_t)offset_min * 60000;
    int64_t carry = civil_floor_div(rem, DAY_MS);
    days += carry;
    rem -= carry * DAY_MS;
    int64_t y;
    int mo, d;
    civil_from_days(days, &y, &mo, &d);

    char t[64];
    size_t n = 0;
    if (y < 0) {
        t[n++] = '-';
        n += put_uint(t + n, (uint64_t)(-y), 4);
    } else {
        if (y > 9999) t[n++] = '+';
        n += put_uint(t + n, (uint64_t)y, 4);
    }
    t[n++] = '-';
    n += put_uint(t + n, (uint64_t)mo, 2);
    t[n++] = '-';
    n += put_uint(t + n, (uint64_t)d, 2);
    t[n++] = 'T';
    n += put_uint(t + n, (uint64_t)(rem / 3600000), 2);
    t[n++] = ':';
    n += put_uint(t + n, (uint64_t)(rem / 60000 % 60), 2);
    int64_t sec = rem / 1000 % 60, msec = rem % 1000;
    if (prec != TS_SHORTEST || sec || msec) {
        t[n++] = ':';
        n += put_uint(t + n, (uint64_t)sec, 2);
    }
    if (prec == TS_MILLIS || (prec == TS_SHORTEST && msec)) {
        t[n++] = '.';
        n += put_uint(t + n, (uint64_t)msec, 3);
    }
    if (offset_min == 0) {
        t[n++] = 'Z';
    } else {
        unsigned a = offset_min < 0 ? 0u - (unsigned)offset_min : (unsigned)offset_min;
        t[n++] = offset_min < 0 ? '-' : '+';
        n += put_uint(t + n, a / 60, 2);
        t[n++] = ':';
        n += put_uint(t + n, a % 60, 2);
    }
    if (size) {
        size_t k = n < size - 1 ? n : size - 1;
        memcpy(out, t, k);
        out[k] = '\0';
    }
    return n;
}

/* ---- parsing -------------------------------------------------------------- */

/* Two decimal digits at s[at..]; -1 unless both are there and are digits. */
static inline int two_digits(const char *s, size_t len, size_t at)
{
    if (at + 2 > len) return -1;
    unsigned a = (unsigned)(unsigned char)s[at] - '0', b = (unsigned)(unsigned char)s[at + 1] - '0';
    return a <= 9 && b <= 9 ? (int)(a * 10 + b) : -1;
}

/* `count` decimal digits at s[at..]; -1 unless all are there and are digits. */
static int fixed_digits(const char *s, size_t len, size_t at, int count)
{
    if (at + (size_t)count > len) return -1;
    int v = 0;
    for (int i = 0; i < count; i++) {
        char c = s[at + (size_t)i];
        if (c < '0' || c > '9') return -1;
        v = v * 10 + (c - '0');
    }
    return v;
}

static int fail(char *why, size_t size, const char *msg)
{
    if (size) snprintf(why, size, "%s", msg);
    return -1;
}

/* The date part: checks "YYYY-MM-DD" at s and returns its day number in *day. */
static int parse_date(const char *s, size_t len, int64_t *day, char *why, size_t whysize)
{
    static const char *const month_names[12] = {
        "January", "February", "March",     "April",   "May",      "June",
        "July",    "August",   "September", "October", "November", "December"};

    int y = fixed_digits(s, len, 0, 4);
    int mo = fixed_digits(s, len, 5, 2);
    int d = fixed_digits(s, len, 8, 2);
    if (y < 0 || mo < 0 || d < 0 || s[4] != '-' || s[7] != '-')
        return fail(why, whysize, "expected a date YYYY-MM-DD");
    if (mo < 1 || mo > 12) {
        if (whysize) snprintf(why, whysize, "month %02d out of range", mo);
        return -1;
    }
    if (d < 1 || d > civil_month_days(y, mo)) {
        if (whysize)
            snprintf(why, whysize, "day %02d out of range for %s %04d (%d days)", d,
                     month_names[mo - 1], y, civil_month_days(y, mo));
        return -1;
    }
    *day = civil_to_days(y, mo, d);
    return 0;
}

int ts_parse_rfc3339(const char *s, size_t len, int64_t *ms, char *why, size_t whysize)
{
    return ts_parse_rfc3339_memo(s, len, ms, why, whysize, NULL);
}

int ts_parse_rfc3339_memo(const char *s, size_t len, int64_t *ms, char *why, size_t whysize,
                          ts_memo *m)
{
    int64_t day;
    if (m && len >= 10 && m->day != INT64_MIN && memcmp(s, m->text, 10) == 0) {
        day = m->day; /* the same text as a date already checked */
    } else {
        if (parse_date(s, len, &day, why, whysize)) return -1;
        if (m) {
            memcpy(m->text, s, 10);
            m->day = day;
        }
    }

    if (len == 10) return fail(why, whysize, "missing the time (THH:MM:SS and an offset)");
    if (s[10] == ' ') return fail(why, whysize, "expected `T` between date and time, not a space");
    if (s[10] != 'T' && s[10] != 't') return fail(why, whysize, "expected `T` after the date");

    int h = two_digits(s, len, 11);
    int mi = two_digits(s, len, 14);
    int se = two_digits(s, len, 17);
    if (h < 0 || mi < 0 || se < 0 || s[13] != ':' || s[16] != ':')
        return fail(why, whysize, "expected the time as HH:MM:SS");
    if (h > 23) {
        if (whysize) snprintf(why, whysize, "hour %02d out of range", h);
        return -1;
    }
    if (mi > 59) {
        if (whysize) snprintf(why, whysize, "minute %02d out of range", mi);
        return -1;
    }
    if (se == 60) return fail(why, whysize, "leap second :60 is not supported");
    if (se > 59) {
        if (whysize) snprintf(why, whysize, "second %02d out of range", se);
        return -1;
    }

    size_t i = 19;
    int64_t frac = 0;
    if (i < len && s[i] == '.') {
        size_t start = ++i;
        int scale = 100;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            frac += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == start) return fail(why, whysize, "expected digits after `.`");
    }

    int64_t offset_min = 0;
    if (i == len) return fail(why, whysize, "missing the UTC offset (`Z` or +HH:MM)");
    if (s[i] == 'Z' || s[i] == 'z') {
        i++;
    } else if (s[i] == '+' || s[i] == '-') {
        int oh = two_digits(s, len, i + 1);
        int om = two_digits(s, len, i + 4);
        if (oh < 0 || om < 0 || s[i + 3] != ':')
            return fail(why, whysize, "expected the UTC offset as +HH:MM or -HH:MM");
        if (oh > 23 || om > 59) return fail(why, whysize, "UTC offset out of range");
        offset_min = (int64_t)oh * 60 + om;
        if (s[i] == '-') offset_min = -offset_min;
        i += 6;
    } else {
        return fail(why, whysize, "expected `Z` or a UTC offset +HH:MM after the time");
    }
    if (i != len) return fail(why, whysize, "unexpected text after the UTC offset");

    int64_t t = day * DAY_MS +
                (((int64_t)h * 60 + mi) * 60 + se) * 1000 + frac - offset_min * 60000;
    if (t < TS_MIN_MS || t > TS_MAX_MS)
        return fail(why, whysize, "outside the years 0000 to 9999 in UTC");
    *ms = t;
    return 0;
}
