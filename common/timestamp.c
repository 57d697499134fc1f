/*
 * timestamp.c - RFC 3339 in and out, behind timestamp.h.
 *
 * Used at the edges of the pipeline: the event reader parses `at`, and decisions
 * print their instant.  The date arithmetic is Howard Hinnant's days-from-civil /
 * civil-from-days over 400-year eras, exact for every int64 day count, so years
 * before 1970 (and before year 1) need no special case.
 */
#include "timestamp.h"

#include <stdio.h>
#include <string.h>

#define DAY_MS INT64_C(86400000)

int64_t ts_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = ts_floor_div(y, 400);
    int64_t yoe = y - era * 400;                                    /* [0, 399] */
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;   /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

void ts_civil_from_days(int64_t days, int64_t *y, int *m, int *d)
{
    int64_t z = days + 719468;
    int64_t era = ts_floor_div(z, 146097);
    int64_t doe = z - era * 146097;                                          /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;     /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);                   /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                        /* [0, 11] */
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int ts_days_in_month(int64_t y, int m)
{
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12) return 0;
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

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
    ts_civil_from_days(days, &y, &mo, &d);
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
        int64_t days = ts_floor_div(ms, DAY_MS);
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
        int64_t days = ts_floor_div(ms, DAY_MS);
        put_date(out, days);
        put_time(out + 11, (unsigned)(ms - days * DAY_MS)); /* no overflow in this range */
        out[24] = '\0';
        return 24;
    }
    int64_t days = ts_floor_div(ms, DAY_MS);
    int64_t rem = ms % DAY_MS; /* [0, DAY_MS); no days * DAY_MS: it overflows at INT64_MIN */
    if (rem < 0) rem += DAY_MS;
    int64_t y;
    int mo, d;
    ts_civil_from_days(days, &y, &mo, &d);

    size_t n = 0;
    if (y < 0) {
        out[n++] = '-';
        n += put_uint(out + n, (uint64_t)(-y), 4);
    } else {
        if (y > 9999) out[n++] = '+';
        n += put_uint(out + n, (uint64_t)y, 4);
    }
    out[n++] = '-';
    n += put_uint(out + n, (uint64_t)mo, 2);
    out[n++] = '-';
    n += put_uint(out + n, (uint64_t)d, 2);
    out[n++] = 'T';
    n += put_uint(out + n, (uint64_t)(rem / 3600000), 2);
    out[n++] = ':';
    n += put_uint(out + n, (uint64_t)(rem / 60000 % 60), 2);
    out[n++] = ':';
    n += put_uint(out + n, (uint64_t)(rem / 1000 % 60), 2);
    out[n++] = '.';
    n += put_uint(out + n, (uint64_t)(rem % 1000), 3);
    out[n++] = 'Z';
    out[n] = '\0';
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
    if (d < 1 || d > ts_days_in_month(y, mo)) {
        if (whysize)
            snprintf(why, whysize, "day %02d out of range for %s %04d (%d days)", d,
                     month_names[mo - 1], y, ts_days_in_month(y, mo));
        return -1;
    }
    *day = ts_days_from_civil(y, mo, d);
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
