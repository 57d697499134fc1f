/*
 * test_calendar.c - working-time arithmetic (common/calendar.c) and the calendar
 * compiler (compiler/calbuild.c): hand-worked cases in real zones, edge cases,
 * cal_validate, and property tests against a minute-by-minute brute force over
 * random calendars with random closed days and synthetic offset changes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calbuild.h"
#include "calendar.h"
#include "civil.h"
#include "tz.h"

#define H (INT64_C(3600000))
#define M (INT64_C(60000))
#define DAY CAL_DAY_MS
#define WEEK CAL_WEEK_MS

/* ---- building calendars from a compact text -------------------------------------
 * hours: "0-4 09:00-12:00 13:00-18:00; 6 22:00-02:00" (days mon=0..sun=6)
 * closed: "2025-10-01..2025-10-08 2026-01-01" */

typedef struct src {
    ast_calendar cal;
    ast_hours hours[8];
    ast_interval iv[32];
    ast_closed closed[16];
} src;

static void parse_src(src *s, const char *zone, const char *hours, const char *closed)
{
    memset(s, 0, sizeof *s);
    s->cal.name.name = "test";
    s->cal.zone = zone;
    int nh = 0, ni = 0, nc = 0;
    const char *p = hours;
    while (p && *p) {
        ast_hours *h = &s->hours[nh++];
        int n = 0;
        if (sscanf(p, "%d-%d%n", &h->first_day, &h->last_day, &n) != 2) {
            sscanf(p, "%d%n", &h->first_day, &n);
            h->last_day = h->first_day;
        }
        p += n;
        int a, b, c, d;
        while (sscanf(p, " %d:%d-%d:%d%n", &a, &b, &c, &d, &n) == 4) {
            ast_interval *iv = &s->iv[ni++];
            iv->start_min = a * 60 + b;
            iv->end_min = c * 60 + d;
            AST_APPEND(h->intervals, iv);
            p += n;
        }
        AST_APPEND(s->cal.hours, h);
        while (*p == ';' || *p == ' ') p++;
    }
    p = closed;
    while (p && *p) {
        ast_closed *c = &s->closed[nc++];
        int n = 0;
        sscanf(p, " %d-%d-%d%n", &c->from.year, &c->from.month, &c->from.day, &n);
        p += n;
        c->to = c->from;
        if (!strncmp(p, "..", 2)) {
            sscanf(p + 2, "%d-%d-%d%n", &c->to.year, &c->to.month, &c->to.day, &n);
            p += 2 + n;
        }
        AST_APPEND(s->cal.closed, c);
        while (*p == ' ') p++;
    }
}

static void build_range(cal_table *t, const char *zone, const char *hours,
                        const char *closed, int64_t from, int64_t to)
{
    src s;
    char err[256];
    parse_src(&s, zone, hours, closed);
    int rc = calb_build(&s.cal, from, to, t, err, sizeof err);
    if (rc) fprintf(stderr, "calb_build: %s\n", err);
    assert_int_equal(rc, 0);
}

static void build(cal_table *t, const char *zone, const char *hours, const char *closed)
{
    build_range(t, zone, hours, closed, CALB_VALID_FROM_MS, CALB_VALID_TO_MS);
}

/* UTC milliseconds of a UTC date and time. */
static int64_t utc(int y, int mo, int d, int hh, int mm)
{
    return civil_to_days(y, mo, d) * DAY + hh * H + mm * M;
}

/* ---- hand-worked cases ------------------------------------------------------------ */

static void test_shanghai_friday_to_monday(void **state)
{
    (void)state;
    cal_table t;
    build(&t, "Asia/Shanghai", "0-4 09:00-18:00", NULL);
    assert_int_equal(t.nweek, 5);
    assert_int_equal(t.noffsets, 1);
    assert_int_equal(t.offsets[0].offset_ms, 8 * H);
    assert_int_equal(t.workday_ms, 9 * H);
    /* Friday 2025-06-13 17:30 CST (09:30Z) + 2h = Monday 2025-06-16 10:30 CST (02:30Z) */
    int64_t fri = utc(2025, 6, 13, 9, 30);
    assert_int_equal(cal_add(&t, fri, 2 * H), utc(2025, 6, 16, 2, 30));
    assert_int_equal(cal_between(&t, fri, utc(2025, 6, 16, 2, 30)), 2 * H);
    /* the weekend pauses: Fri 17:00 .. Mon 10:00 local is 2h */
    assert_int_equal(cal_between(&t, utc(2025, 6, 13, 9, 0), utc(2025, 6, 16, 2, 0)), 2 * H);
    assert_true(cal_is_working(&t, utc(2025, 6, 13, 1, 0)));   /* Fri 09:00 CST */
    assert_false(cal_is_working(&t, utc(2025, 6, 13, 0, 59))); /* Fri 08:59 CST */
    assert_false(cal_is_working(&t, utc(2025, 6, 13, 10, 0))); /* Fri 18:00 CST */
    assert_false(cal_is_working(&t, utc(2025, 6, 14, 4, 0)));  /* Sat noon */
    /* work ending exactly at 18:00 ends there, not at Monday 09:00 */
    assert_int_equal(cal_add(&t, utc(2025, 6, 13, 1, 0), 9 * H), utc(2025, 6, 13, 10, 0));
    calb_free(&t);
}

static void test_holidays_inside_working_days(void **state)
{
    (void)state;
    cal_table t;
    build(&t, "Asia/Shanghai", "0-4 09:00-18:00", "2025-10-01..2025-10-08 2026-01-01");
    assert_int_equal(t.nclosed, 9);
    /* Wed 2025-12-31 12:00 CST + 2 working days (18h): Wed 6h, Thu closed, Fri 9h,
     * Mon 2026-01-05 3h -> 12:00 CST (04:00Z). */
    int64_t two_days = 2 * t.workday_ms;
    assert_int_equal(cal_add(&t, utc(2025, 12, 31, 4, 0), two_days), utc(2026, 1, 5, 4, 0));
    /* Tue 2025-09-30 09:00 + 2 working days: Tue 9h, Oct 1-8 closed, Thu Oct 9 18:00 */
    assert_int_equal(cal_add(&t, utc(2025, 9, 30, 1, 0), two_days), utc(2025, 10, 9, 10, 0));
    assert_int_equal(cal_between(&t, utc(2025, 9, 29, 0, 0), utc(2025, 10, 13, 0, 0)),
                     (2 + 2) * 9 * H); /* Mon, Tue, Thu 9th, Fri 10th */
    assert_false(cal_is_working(&t, utc(2025, 10, 8, 3, 0)));
    calb_free(&t);
}

static void test_lunch_break(void **state)
{
    (void)state;
    cal_table t;
    build(&t, "UTC", "0-4 09:00-12:00 13:00-18:00", NULL);
    assert_int_equal(t.nweek, 10);
    assert_int_equal(t.workday_ms, 8 * H);
    int64_t mon = utc(2025, 6, 16, 11, 0);
    assert_int_equal(cal_add(&t, mon, 2 * H), utc(2025, 6, 16, 14, 0));
    assert_int_equal(cal_add(&t, mon, 1 * H), utc(2025, 6, 16, 12, 0)); /* not 13:00 */
    assert_int_equal(cal_between(&t, mon, utc(2025, 6, 16, 13, 30)), 90 * M);
    assert_false(cal_is_working(&t, utc(2025, 6, 16, 12, 30)));
    calb_free(&t);
}

static void test_midnight_spans(void **state)
{
    (void)state;
    cal_table t;
    /* Sunday 22:00 to Monday 02:00 (wraps the week), Friday 22:00 to Saturday 02:00 */
    build(&t, "UTC", "6 22:00-02:00; 4 22:00-02:00", "2025-06-13");
    assert_int_equal(t.nweek, 3); /* [Mon 0-2], [Fri 22 - Sat 2], [Sun 22-24] */
    assert_int_equal(t.week[0].start, 0);
    assert_int_equal(t.week[0].end, 2 * H);
    assert_int_equal(t.week[2].end, WEEK);
    assert_int_equal(t.workday_ms, 8 * H / 4); /* Mon, Fri, Sat, Sun have hours */
    /* Sunday 2025-06-15 23:00 + 2h = Monday 01:00 */
    assert_int_equal(cal_add(&t, utc(2025, 6, 15, 23, 0), 2 * H), utc(2025, 6, 16, 1, 0));
    /* Friday 2025-06-13 is closed: its 22:00-24:00 goes, Saturday's 00:00-02:00 stays */
    assert_int_equal(cal_between(&t, utc(2025, 6, 13, 0, 0), utc(2025, 6, 14, 12, 0)), 2 * H);
    assert_false(cal_is_working(&t, utc(2025, 6, 13, 23, 0)));
    assert_true(cal_is_working(&t, utc(2025, 6, 14, 1, 0)));
    calb_free(&t);
    /* 24:00 ends at midnight; end <= start spans; overlapping intervals merge */
    build(&t, "UTC", "0 00:00-24:00; 0-1 20:00-08:00 06:00-07:00", NULL);
    assert_int_equal(t.nweek, 2); /* Mon 0 - Tue 08:00, Tue 20:00 - Wed 08:00 */
    assert_int_equal(t.week[0].end, DAY + 8 * H);
    assert_int_equal(t.week[1].start, DAY + 20 * H);
    assert_int_equal(t.week[1].end, 2 * DAY + 8 * H);
    calb_free(&t);
}

static void test_berlin_dst_days(void **state)
{
    (void)state;
    cal_table t;
    build(&t, "Europe/Berlin", "0-6 00:00-24:00", NULL);
    assert_int_equal(t.workday_ms, DAY);
    /* 2025-03-30 local: 2025-03-29T23:00Z .. 2025-03-30T22:00Z, 23 working hours */
    assert_int_equal(cal_between(&t, utc(2025, 3, 29, 23, 0), utc(2025, 3, 30, 22, 0)), 23 * H);
    /* 2025-10-26 local: 2025-10-25T22:00Z .. 2025-10-26T23:00Z, 25 hours */
    assert_int_equal(cal_between(&t, utc(2025, 10, 25, 22, 0), utc(2025, 10, 26, 23, 0)),
                     25 * H);
    calb_free(&t);
    /* closing the local day removes exactly its 23 (25) hours */
    build(&t, "Europe/Berlin", "0-6 00:00-24:00", "2025-03-30 2025-10-26");
    assert_int_equal(cal_between(&t, utc(2025, 3, 24, 0, 0), utc(2025, 3, 31, 0, 0)),
                     7 * 24 * H - 23 * H); /* a UTC week, all of it working but the day */
    assert_int_equal(cal_between(&t, utc(2025, 10, 20, 0, 0), utc(2025, 10, 27, 0, 0)),
                     7 * 24 * H - 25 * H);
    assert_false(cal_is_working(&t, utc(2025, 10, 26, 22, 30))); /* 23:30 CET */
    assert_true(cal_is_working(&t, utc(2025, 10, 26, 23, 0)));   /* Monday 00:00 */
    calb_free(&t);
}

static void test_new_york_across_march_change(void **state)
{
    (void)state;
    cal_table t;
    build(&t, "America/New_York", "0-4 09:00-17:00", NULL);
    /* Fri 2025-03-07 16:00 EST (21:00Z) + 2h = Mon 2025-03-10 10:00 EDT (14:00Z) */
    assert_int_equal(cal_add(&t, utc(2025, 3, 7, 21, 0), 2 * H), utc(2025, 3, 10, 14, 0));
    /* Fri 09:00 EST .. Mon 17:00 EDT: 16 working hours over 79 UTC hours */
    assert_int_equal(cal_between(&t, utc(2025, 3, 7, 14, 0), utc(2025, 3, 10, 21, 0)), 16 * H);
    assert_true(cal_is_working(&t, utc(2025, 3, 10, 13, 0)));  /* 09:00 EDT */
    assert_false(cal_is_working(&t, utc(2025, 3, 7, 13, 30))); /* 08:30 EST */
    /* a year of weekdays, DST changes included: 261 working days in 2025 */
    assert_int_equal(cal_between(&t, utc(2025, 1, 1, 0, 0), utc(2026, 1, 1, 0, 0)),
                     261 * 8 * H);
    calb_free(&t);
    /* Saturday 22:00 to Sunday 02:00 on the fall-back night holds 5 hours: 01:00-02:00
     * happens twice (EDT, then EST) and both count; the spring night holds 4. */
    build(&t, "America/New_York", "5 22:00-02:00", NULL);
    assert_int_equal(cal_between(&t, utc(2025, 11, 1, 0, 0), utc(2025, 11, 3, 0, 0)), 5 * H);
    assert_int_equal(cal_between(&t, utc(2025, 3, 8, 0, 0), utc(2025, 3, 10, 0, 0)), 4 * H);
    /* Sat 2025-11-01 22:00 EDT (02:00Z) + 4h: 22-01 EDT is 3h, then 01:00-02:00 EDT
     * -> 01:00 EST (06:00Z) */
    assert_int_equal(cal_add(&t, utc(2025, 11, 2, 2, 0), 4 * H), utc(2025, 11, 2, 6, 0));
    assert_int_equal(cal_add(&t, utc(2025, 11, 2, 2, 0), 5 * H), utc(2025, 11, 2, 7, 0));
    calb_free(&t);
}

static void test_southern_and_odd_offsets(void **state)
{
    (void)state;
    cal_table t;
    build(&t, "Australia/Sydney", "0-6 00:00-24:00", NULL);
    /* 2025-04-06 local has 25 hours (AEDT -> AEST), 2025-10-05 has 23 */
    assert_int_equal(cal_between(&t, utc(2025, 4, 5, 13, 0), utc(2025, 4, 6, 14, 0)), 25 * H);
    assert_int_equal(cal_between(&t, utc(2025, 10, 4, 14, 0), utc(2025, 10, 5, 13, 0)), 23 * H);
    calb_free(&t);
    build(&t, "Asia/Kolkata", "0-4 09:00-18:00", NULL);
    /* Monday 2025-06-16 09:00 IST is 03:30Z */
    assert_int_equal(cal_add(&t, utc(2025, 6, 16, 0, 0), 1), utc(2025, 6, 16, 3, 30) + 1);
    calb_free(&t);
    build(&t, "Pacific/Chatham", "0-4 09:00-18:00", NULL);
    /* Monday 2025-06-16 09:00 +1245 is Sunday 20:15Z */
    assert_int_equal(cal_add(&t, utc(2025, 6, 15, 0, 0), H), utc(2025, 6, 15, 21, 15));
    calb_free(&t);
}

static void test_edges(void **state)
{
    (void)state;
    cal_table t;
    assert_int_equal(calb_always(&t), 0);
    assert_null(cal_validate(&t));
    const int64_t L = CAL_TIME_LIMIT;
    assert_int_equal(cal_add(&t, 1000, 0), 1000);
    assert_int_equal(cal_add(&t, 1000, -5), 1000);
    assert_int_equal(cal_between(&t, 5, 5), 0);
    assert_int_equal(cal_between(&t, 6, 5), 0);
    assert_int_equal(cal_between(&t, INT64_MIN, INT64_MAX), 2 * L);
    assert_int_equal(cal_add(&t, 0, INT64_MAX), INT64_MAX);
    assert_int_equal(cal_add(&t, INT64_MIN, 1), -L + 1);
    assert_int_equal(cal_add(&t, INT64_MAX - 5, 1), INT64_MAX);
    assert_int_equal(cal_add(&t, L - 10, 10), L);
    assert_int_equal(cal_add(&t, L - 10, 11), INT64_MAX);
    assert_false(cal_is_working(&t, L));
    assert_true(cal_is_working(&t, L - 1));
    assert_false(cal_is_working(&t, INT64_MIN));
    calb_free(&t);
    calb_free(NULL);

    /* no working time at all */
    build(&t, "Europe/Berlin", NULL, NULL);
    assert_int_equal(t.workday_ms, 0);
    assert_int_equal(cal_add(&t, 0, 1), INT64_MAX);
    assert_int_equal(cal_between(&t, INT64_MIN, INT64_MAX), 0);
    calb_free(&t);

    /* before 1970: floor division.  1969-12-29 was a Monday, 1969-12-31 a Wednesday. */
    build_range(&t, "UTC", "0 09:00-17:00", "1969-12-22", utc(1960, 1, 1, 0, 0),
                utc(1980, 1, 1, 0, 0));
    assert_int_equal(t.nclosed, 1);
    assert_int_equal(t.closed[0], -10);
    assert_true(cal_is_working(&t, utc(1969, 12, 29, 9, 0)));
    assert_false(cal_is_working(&t, utc(1969, 12, 29, 8, 59)));
    assert_false(cal_is_working(&t, utc(1969, 12, 31, 12, 0)));
    assert_int_equal(cal_add(&t, -1, H), utc(1970, 1, 5, 10, 0));
    assert_int_equal(cal_add(&t, utc(1969, 12, 22, 0, 0) - 1, H), utc(1969, 12, 29, 10, 0));
    calb_free(&t);
}

static void test_build_errors(void **state)
{
    (void)state;
    src s;
    cal_table t;
    char err[256];
    parse_src(&s, "Nowhere/Atlantis", "0 09:00-17:00", NULL);
    assert_int_equal(calb_build(&s.cal, CALB_VALID_FROM_MS, CALB_VALID_TO_MS, &t, err, sizeof err), -1);
    assert_string_equal(err, "calendar `test`: unknown time zone `Nowhere/Atlantis`");
    parse_src(&s, NULL, "0 09:00-17:00", "2025-02-30");
    assert_int_equal(calb_build(&s.cal, CALB_VALID_FROM_MS, CALB_VALID_TO_MS, &t, err, sizeof err), -1);
    assert_string_equal(err, "calendar `test`: invalid closed date");
    parse_src(&s, NULL, "0 09:00-17:00", "2025-03-02..2025-03-01");
    assert_int_equal(calb_build(&s.cal, CALB_VALID_FROM_MS, CALB_VALID_TO_MS, &t, err, sizeof err), -1);
    parse_src(&s, NULL, "0 24:00-17:00", NULL);
    assert_int_equal(calb_build(&s.cal, CALB_VALID_FROM_MS, CALB_VALID_TO_MS, &t, err, sizeof err), -1);
    /* closed days far outside the validity range are dropped */
    parse_src(&s, NULL, "0 09:00-17:00", "1900-01-01..1999-12-30 2025-01-01 2025-01-01");
    assert_int_equal(calb_build(&s.cal, CALB_VALID_FROM_MS, CALB_VALID_TO_MS, &t, err, sizeof err), 0);
    assert_int_equal(t.nclosed, 1);
    calb_free(&t);
}

/* ---- cal_validate ------------------------------------------------------------------ */

static void test_validate(void **state)
{
    (void)state;
    cal_span w[3] = {{0, H}, {2 * H, 3 * H}, {DAY, DAY + H}};
    int32_t cl[2] = {10, 20};
    cal_offset of[2] = {{INT64_MIN, 0}, {1000, H}};
    cal_table t = {w, 3, cl, 2, of, 2, 3 * H / 2, NULL, 0};
    assert_null(cal_validate(&t));
    assert_non_null(cal_validate(NULL));

    cal_table u = t;
    u.noffsets = 0;
    assert_string_equal(cal_validate(&u), "calendar has no offsets");
    u = t, u.offsets = NULL;
    assert_non_null(cal_validate(&u));
    cal_offset bad1[2] = {{0, 0}, {1000, H}};
    u = t, u.offsets = bad1;
    assert_non_null(cal_validate(&u));
    cal_offset bad2[3] = {{INT64_MIN, 0}, {1000, H}, {1000, 0}};
    u = t, u.offsets = bad2, u.noffsets = 3;
    assert_string_equal(cal_validate(&u), "calendar offsets not sorted");
    cal_offset bad3[1] = {{INT64_MIN, DAY}};
    u = t, u.offsets = bad3, u.noffsets = 1;
    assert_string_equal(cal_validate(&u), "calendar offset out of range");

    cal_span unsorted[2] = {{2 * H, 3 * H}, {0, H}};
    u = t, u.week = unsorted, u.nweek = 2, u.workday_ms = 2 * H;
    assert_string_equal(cal_validate(&u), "calendar working intervals not sorted and apart");
    cal_span overlap[2] = {{0, 2 * H}, {H, 3 * H}};
    u = t, u.week = overlap, u.nweek = 2;
    assert_non_null(cal_validate(&u));
    cal_span adjacent[2] = {{0, H}, {H, 3 * H}};
    u = t, u.week = adjacent, u.nweek = 2;
    assert_non_null(cal_validate(&u));
    cal_span outside[1] = {{WEEK - H, WEEK + H}};
    u = t, u.week = outside, u.nweek = 1;
    assert_string_equal(cal_validate(&u), "calendar working interval out of range");
    cal_span negative[1] = {{-H, H}};
    u = t, u.week = negative, u.nweek = 1;
    assert_non_null(cal_validate(&u));
    cal_span empty[1] = {{H, H}};
    u = t, u.week = empty, u.nweek = 1;
    assert_non_null(cal_validate(&u));
    u = t, u.week = NULL;
    assert_non_null(cal_validate(&u));

    int32_t dup[2] = {10, 10};
    u = t, u.closed = dup;
    assert_string_equal(cal_validate(&u), "calendar closed days not sorted");
    u = t, u.closed = NULL;
    assert_non_null(cal_validate(&u));
    u = t, u.workday_ms = 2 * H;
    assert_string_equal(cal_validate(&u), "calendar working day does not match its weekly hours");
}

/* ---- property tests ------------------------------------------------------------------ */

static uint64_t rng_state;

static uint64_t splitmix64(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [lo, hi] (hi - lo small). */
static int64_t rnd(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(splitmix64() % (uint64_t)(hi - lo + 1));
}

#define WIN_DAYS 21
#define WIN_MIN (WIN_DAYS * 1440)

typedef struct rcal {
    cal_span week[40];
    int32_t closed[12];
    cal_open open[24];
    cal_offset off[6];
    cal_table t;
    int64_t w0;              /* window start (UTC ms, minute-aligned) */
    int32_t pre[WIN_MIN + 1]; /* pre[i]: working minutes in window minutes [0, i) */
    int32_t wm[WIN_MIN];     /* indices of the working minutes */
} rcal;

static int64_t workday_of(const cal_span *w, uint32_t n)
{
    int64_t total = 0;
    int days[7] = {0}, nd = 0;
    for (uint32_t i = 0; i < n; i++) {
        total += w[i].end - w[i].start;
        for (int64_t d = w[i].start / DAY; d <= (w[i].end - 1) / DAY; d++) days[d] = 1;
    }
    for (int d = 0; d < 7; d++) nd += days[d];
    return nd ? total / nd : 0;
}

/* cal_is_working written the slow, obvious way: linear scans, no week arithmetic. */
static int ref_working(const cal_table *c, int64_t t)
{
    int64_t o = 0;
    for (uint32_t i = 0; i < c->noffsets; i++)
        if (c->offsets[i].from <= t) o = c->offsets[i].offset_ms;
    int64_t l = t + o;
    int64_t day = l >= 0 ? l / DAY : -((-l + DAY - 1) / DAY);
    for (uint32_t i = 0; i < c->nclosed; i++)
        if (c->closed[i] == day) return 0;
    int open_day = 0; /* an open day's spans replace the week's */
    for (uint32_t i = 0; i < c->nopen; i++)
        if (c->open[i].day == day) {
            open_day = 1;
            if (c->open[i].start <= l - day * DAY && l - day * DAY < c->open[i].end) return 1;
        }
    if (open_day) return 0;
    int64_t pos = (l - 4 * DAY) % WEEK;
    if (pos < 0) pos += WEEK;
    for (uint32_t i = 0; i < c->nweek; i++)
        if (c->week[i].start <= pos && pos < c->week[i].end) return 1;
    return 0;
}

/* A random minute-aligned calendar whose interesting features fall inside a
 * three-week window, some of it before 1970. */
static void random_cal(rcal *r)
{
    memset(&r->t, 0, sizeof r->t);
    r->w0 = (rnd(0, 1) ? rnd(-400, 20) : rnd(20000, 20300)) * DAY + rnd(0, 1439) * M;
    /* weekly spans: random minute intervals, sorted and merged (touching merged) */
    int kind = (int)rnd(0, 9), n = 0;
    if (kind == 0) {
        n = 0; /* no working time */
    } else if (kind == 1) {
        r->week[0] = (cal_span){0, WEEK};
        n = 1;
    } else {
        int k = (int)rnd(1, 18);
        cal_span raw[18];
        for (int i = 0; i < k; i++) {
            int64_t s = rnd(0, 7 * 1440 - 1) * M;
            int64_t len = rnd(1, rnd(0, 3) ? 600 : 3000) * M;
            raw[i] = (cal_span){s, s + len > WEEK ? WEEK : s + len};
        }
        for (int i = 1; i < k; i++) /* insertion sort */
            for (int j = i; j > 0 && raw[j].start < raw[j - 1].start; j--) {
                cal_span x = raw[j];
                raw[j] = raw[j - 1], raw[j - 1] = x;
            }
        for (int i = 0; i < k; i++) {
            if (n > 0 && raw[i].start <= r->week[n - 1].end) {
                if (raw[i].end > r->week[n - 1].end) r->week[n - 1].end = raw[i].end;
            } else {
                r->week[n++] = raw[i];
            }
        }
    }
    /* closed local days in and around the window */
    int nc = (int)rnd(0, 8), m = 0;
    int64_t d0 = r->w0 / DAY - (r->w0 < 0);
    for (int i = 0; i < nc; i++) {
        int32_t d = (int32_t)(d0 + rnd(-1, WIN_DAYS));
        int j = m;
        while (j > 0 && r->closed[j - 1] > d) j--;
        if (j > 0 && r->closed[j - 1] == d) continue;
        memmove(&r->closed[j + 1], &r->closed[j], (size_t)(m - j) * sizeof *r->closed);
        r->closed[j] = d;
        m++;
    }
    /* offsets: a random start, then up to 5 changes inside the window (big jumps too) */
    int no = 1 + (int)rnd(0, 5);
    r->off[0] = (cal_offset){INT64_MIN, rnd(-48, 56) * 15 * M};
    int64_t at = r->w0;
    for (int i = 1; i < no; i++) {
        at += rnd(1, WIN_MIN / no) * M;
        r->off[i] = (cal_offset){at, rnd(-48, 56) * 15 * M};
    }
    /* open days (make-up working days): days not closed, each with 1 to 3
     * random spans of its own, sorted and apart */
    int nop = 0, nod = (int)rnd(0, 4), ndays = 0;
    int32_t days[4];
    for (int i = 0; i < nod; i++) {
        int32_t d = (int32_t)(d0 + rnd(-1, WIN_DAYS));
        int taken = 0;
        for (int j = 0; j < m; j++) taken |= r->closed[j] == d;
        for (int j = 0; j < ndays; j++) taken |= days[j] == d;
        if (taken) continue;
        int j = ndays++;
        for (; j > 0 && days[j - 1] > d; j--) days[j] = days[j - 1];
        days[j] = d;
    }
    for (int i = 0; i < ndays; i++) {
        int ns = (int)rnd(1, 3);
        int64_t at0 = 0;
        for (int k = 0; k < ns && at0 < 1440; k++) {
            int64_t s = rnd(at0, 1439), e = rnd(s + 1, 1440);
            r->open[nop++] = (cal_open){days[i], 0, s * M, e * M};
            at0 = e + 1;
        }
    }
    r->t = (cal_table){r->week, (uint32_t)n, r->closed, (uint32_t)m, r->off, (uint32_t)no,
                       workday_of(r->week, (uint32_t)n), nop ? r->open : NULL, (uint32_t)nop};
    assert_null(cal_validate(&r->t));
    /* the brute force: every minute of the window asked separately */
    int nw = 0;
    r->pre[0] = 0;
    for (int i = 0; i < WIN_MIN; i++) {
        int w = cal_is_working(&r->t, r->w0 + i * M);
        if (w != ref_working(&r->t, r->w0 + i * M)) fail_msg("cal_is_working differs at %d", i);
        if (w) r->wm[nw++] = i;
        r->pre[i + 1] = r->pre[i] + w;
    }
}

/* Brute-force working ms in [a, b) for a, b inside the window. */
static int64_t bf_between(const rcal *r, int64_t a, int64_t b)
{
    if (b <= a) return 0;
    int64_t ia = (a - r->w0) / M, ib = (b - r->w0) / M; /* minutes containing a, b */
    int64_t pa = (a - r->w0) % M, pb = (b - r->w0) % M;
    int64_t wa = r->pre[ia + 1] - r->pre[ia];
    int64_t wb = ib < WIN_MIN ? r->pre[ib + 1] - r->pre[ib] : 0;
    return (r->pre[ib] - r->pre[ia]) * M - wa * pa + wb * pb;
}

/* The engine's path (cal_between_pre / cal_add_pre with precomputed tables: the
 * hour-of-week span index and the closed-day index) must agree with the plain
 * functions on every query; the tests below ask both through these. */
static cal_pre g_pre;
static void *g_pre_mem;

static void pre_set(const cal_table *c)
{
    free(g_pre_mem);
    g_pre_mem = malloc(cal_pre_size(c));
    assert_non_null(g_pre_mem);
    cal_pre_init(c, g_pre_mem, &g_pre);
}

static int64_t between2(const cal_table *c, int64_t a, int64_t b)
{
    int64_t x = cal_between(c, a, b);
    assert_int_equal(cal_between_pre(c, &g_pre, a, b), x);
    return x;
}

static int64_t add2(const cal_table *c, int64_t t, int64_t w)
{
    int64_t x = cal_add(c, t, w);
    assert_int_equal(cal_add_pre(c, &g_pre, t, w), x);
    return x;
}

static void test_brute_force(void **state)
{
    (void)state;
    rng_state = 0x5eed;
    static rcal r;
    for (int iter = 0; iter < 150; iter++) {
        random_cal(&r);
        pre_set(&r.t);
        int64_t span = (int64_t)WIN_MIN * M;
        for (int q = 0; q < 300; q++) {
            /* between, minute-aligned and arbitrary */
            int64_t a = r.w0 + rnd(0, WIN_MIN) * M, b = r.w0 + rnd(0, WIN_MIN) * M;
            if (a > b) {
                int64_t x = a;
                a = b, b = x;
            }
            assert_int_equal(between2(&r.t, a, b), bf_between(&r, a, b));
            a = r.w0 + rnd(0, span - 1), b = r.w0 + rnd(0, span - 1);
            assert_int_equal(between2(&r.t, a, b), bf_between(&r, a, b));
            /* add from a minute boundary: ends exactly with the k-th working minute */
            int ia = (int)rnd(0, WIN_MIN - 1);
            int avail = r.pre[WIN_MIN] - r.pre[ia];
            if (avail > 0) {
                int k = (int)rnd(1, avail);
                int64_t sub = rnd(0, M - 1);
                int64_t want = r.w0 + (r.wm[r.pre[ia] + k - 1] + 1) * M - sub;
                assert_int_equal(add2(&r.t, r.w0 + ia * M, k * M - sub), want);
            }
            /* add from anywhere: the earliest instant with that much work behind it */
            int64_t t = r.w0 + rnd(0, span / 2);
            int64_t left = bf_between(&r, t, r.w0 + span);
            if (left > 0) {
                int64_t w = rnd(1, left);
                int64_t u = add2(&r.t, t, w);
                assert_true(u > t && u <= r.w0 + span);
                assert_int_equal(bf_between(&r, t, u), w);
                assert_int_equal(bf_between(&r, t, u - 1), w - 1);
            }
        }
        if (r.pre[WIN_MIN] == 0) assert_true(add2(&r.t, r.w0, 1) >= r.w0 + span);
    }
}

/* Random instants: mostly near the window, some years away, some at the extremes. */
static int64_t rnd_instant(const rcal *r)
{
    switch (rnd(0, 9)) {
    case 0: return rnd(0, 1) ? INT64_MIN + rnd(0, 1000) : INT64_MAX - rnd(0, 1000);
    case 1: return (int64_t)splitmix64();
    case 2: case 3: return r->w0 + rnd(-200 * 365, 200 * 365) * DAY + rnd(0, DAY);
    default: return r->w0 + rnd(-2 * DAY, WIN_MIN * M + 2 * DAY);
    }
}

static void test_properties(void **state)
{
    (void)state;
    rng_state = 0xca1e;
    static rcal r;
    for (int iter = 0; iter < 150; iter++) {
        random_cal(&r);
        pre_set(&r.t);
        const cal_table *c = &r.t;
        for (int q = 0; q < 200; q++) {
            int64_t x[3] = {rnd_instant(&r), rnd_instant(&r), rnd_instant(&r)};
            for (int i = 1; i < 3; i++) /* sort */
                for (int j = i; j > 0 && x[j] < x[j - 1]; j--) {
                    int64_t s = x[j];
                    x[j] = x[j - 1], x[j - 1] = s;
                }
            int64_t a = x[0], b = x[1], d = x[2];
            int64_t ab = between2(c, a, b), bd = between2(c, b, d), ad = between2(c, a, d);
            /* additivity and monotonicity of cal_between */
            assert_int_equal(ab + bd, ad);
            assert_true(ab >= 0 && bd >= 0);
            assert_true(ab <= ad && bd <= ad);
            assert_true((uint64_t)ad <= (uint64_t)d - (uint64_t)a && ad <= 2 * CAL_TIME_LIMIT);
            /* round trip: cal_add(a, between(a, b)) is the earliest instant with that
             * much work, so it is <= b, and == b exactly when a == b or [b-1, b) is
             * working time */
            int64_t u = add2(c, a, ab);
            assert_true(u <= b);
            assert_true(between2(c, a, u) == ab);
            int exact = a == b || (b > INT64_MIN && cal_is_working(c, b - 1));
            assert_int_equal(u == b, exact);
            /* and the other way round: between(a, add(a, w)) == w */
            int64_t w = rnd(0, 1) ? rnd(0, 3 * WEEK) : rnd(0, 30 * 365 * DAY);
            int64_t v = add2(c, a, w);
            if (v != INT64_MAX) {
                assert_int_equal(between2(c, a, v), w);
                if (w > 0) assert_true(cal_is_working(c, v - 1));
            } else {
                assert_true(between2(c, a, INT64_MAX) < w);
            }
            /* monotonicity of cal_add in both arguments */
            int64_t w2 = w + rnd(0, 2 * DAY);
            int64_t v2 = add2(c, a, w2);
            assert_true(v2 >= v);
            int64_t v3 = add2(c, b, w);
            assert_true(v3 >= v);
        }
        /* a long range equals the sum of its pieces (the week skipping is exact) */
        int64_t a = r.w0 - 400 * DAY, sum = 0, p = a;
        while (p < r.w0 + 400 * DAY) {
            int64_t q = p + rnd(1, 3 * DAY);
            sum += between2(c, p, q);
            p = q;
        }
        assert_int_equal(between2(c, a, p), sum);
    }
}

/* Real zones across the whole validity range: every day's working time adds up, and
 * adding each day's work from its start lands at its end. */
static void test_real_zones_long_range(void **state)
{
    (void)state;
    static const char *zones[] = {"Asia/Shanghai", "Europe/Berlin", "America/New_York",
                                  "Australia/Sydney", "Asia/Kolkata", "Pacific/Chatham"};
    for (size_t z = 0; z < sizeof zones / sizeof *zones; z++) {
        cal_table t;
        build(&t, zones[z], "0-4 09:00-12:00 13:00-18:00; 5 22:00-02:00",
              "2025-10-01..2025-10-08 2090-12-25");
        pre_set(&t); /* closed days 65 years apart: the index spans them */
        int64_t a = CALB_VALID_FROM_MS, total = between2(&t, a, CALB_VALID_TO_MS);
        int64_t weeks = (CALB_VALID_TO_MS - CALB_VALID_FROM_MS) / WEEK;
        /* ~ 44h a week, less the closed days; New York's Saturday-night span also
         * holds the repeated 01:00-02:00 of each fall-back Sunday: 1h a year */
        assert_true(total > (weeks - 1) * 44 * H - 20 * 8 * H &&
                    total < (weeks + 1) * 44 * H + 101 * H);
        int64_t end = add2(&t, a, total);
        assert_true(end <= CALB_VALID_TO_MS);
        assert_int_equal(between2(&t, a, end), total);
        calb_free(&t);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shanghai_friday_to_monday),
        cmocka_unit_test(test_holidays_inside_working_days),
        cmocka_unit_test(test_lunch_break),
        cmocka_unit_test(test_midnight_spans),
        cmocka_unit_test(test_berlin_dst_days),
        cmocka_unit_test(test_new_york_across_march_change),
        cmocka_unit_test(test_southern_and_odd_offsets),
        cmocka_unit_test(test_edges),
        cmocka_unit_test(test_build_errors),
        cmocka_unit_test(test_validate),
        cmocka_unit_test(test_brute_force),
        cmocka_unit_test(test_properties),
        cmocka_unit_test(test_real_zones_long_range),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(g_pre_mem);
    return rc;
}
