/*
 * calbuild.c - the calendar compiler: `calendar` AST -> cal_table (calbuild.h).
 *
 * Place in the pipeline: reads a checked ast_calendar; produces the three sorted
 * tables common/calendar.c works on.  Weekly hours become millisecond spans of a
 * local week starting Monday 00:00 (an interval whose end is not after its start
 * runs past midnight into the next day; Sunday's runs into Monday and is stored as
 * two spans); overlapping or touching spans are merged.  Closed date ranges become
 * sorted unique local day numbers.  Open dates (make-up working days) become the
 * spans of their local days, sorted by (day, start): the hours written after them,
 * or the calendar's standard day (calb_standard_day).  The zone becomes an offset
 * table via tz.c.
 */
#include "calbuild.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "tz.h"

#define MIN_MS INT64_C(60000)
#define MAX_CLOSED (1u << 22) /* far more days than 2000..2100 holds */

static int cmp_span(const void *a, const void *b)
{
    const cal_span *x = a, *y = b;
    if (x->start != y->start) return (x->start > y->start) - (x->start < y->start);
    return (x->end > y->end) - (x->end < y->end);
}

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static const char *cal_name(const ast_calendar *c)
{
    return c->name.name ? c->name.name : "?";
}

/* The weekly spans of `c`, merged; *n receives the count. */
static cal_span *build_week(const ast_calendar *c, uint32_t *n, char *err, size_t errsize)
{
    size_t cap = 0, k = 0;
    for (const ast_hours *h = c->hours; h; h = h->next)
        for (const ast_interval *iv = h->intervals; iv; iv = iv->next) cap += 7 * 2;
    cal_span *v = malloc((cap ? cap : 1) * sizeof *v);
    if (!v) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    for (const ast_hours *h = c->hours; h; h = h->next) {
        if (h->first_day < 0 || h->first_day > 6 || h->last_day < 0 || h->last_day > 6) {
            snprintf(err, errsize, "calendar `%s`: day out of range", cal_name(c));
            free(v);
            return NULL;
        }
        for (int d = h->first_day;; d = (d + 1) % 7) {
            for (const ast_interval *iv = h->intervals; iv; iv = iv->next) {
                if (iv->start_min < 0 || iv->start_min >= 1440 || iv->end_min < 0 ||
                    iv->end_min > 1440) {
                    snprintf(err, errsize, "calendar `%s`: time of day out of range",
                             cal_name(c));
                    free(v);
                    return NULL;
                }
                int64_t s = d * CAL_DAY_MS + iv->start_min * MIN_MS;
                int64_t e = d * CAL_DAY_MS + iv->end_min * MIN_MS;
                if (iv->end_min <= iv->start_min) e += CAL_DAY_MS; /* into the next day */
                if (e <= CAL_WEEK_MS) {
                    v[k++] = (cal_span){s, e};
                } else { /* Sunday into Monday: wrap to the week's start */
                    v[k++] = (cal_span){s, CAL_WEEK_MS};
                    v[k++] = (cal_span){0, e - CAL_WEEK_MS};
                }
            }
            if (d == h->last_day) break;
        }
    }
    qsort(v, k, sizeof *v, cmp_span);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (m > 0 && v[i].start <= v[m - 1].end) { /* overlapping or touching */
            if (v[i].end > v[m - 1].end) v[m - 1].end = v[i].end;
        } else {
            v[m++] = v[i];
        }
    }
    *n = (uint32_t)m;
    return v;
}

static int date_ok(const ast_date *d)
{
    return d->month >= 1 && d->month <= 12 && d->day >= 1 &&
           d->day <= civil_month_days(d->year, d->month);
}

/* The closed local days of `c` that can matter for instants in [from_ms, to_ms):
 * an offset is less than a day, so those within a day of the range. */
static int32_t *build_closed(const ast_calendar *c, int64_t from_ms, int64_t to_ms,
                             uint32_t *n, char *err, size_t errsize)
{
    int64_t lo = civil_floor_div(from_ms, CAL_DAY_MS) - 1;
    int64_t hi = civil_floor_div(to_ms, CAL_DAY_MS) + 1;
    if (lo < INT32_MIN) lo = INT32_MIN;
    if (hi > INT32_MAX) hi = INT32_MAX;
    size_t count = 0;
    for (const ast_closed *r = c->closed; r; r = r->next) {
        if (!date_ok(&r->from) || !date_ok(&r->to)) {
            snprintf(err, errsize, "calendar `%s`: invalid closed date", cal_name(c));
            return NULL;
        }
        int64_t a = civil_to_days(r->from.year, r->from.month, r->from.day);
        int64_t b = civil_to_days(r->to.year, r->to.month, r->to.day);
        if (b < a) {
            snprintf(err, errsize, "calendar `%s`: closed range ends before it starts",
                     cal_name(c));
            return NULL;
        }
        if (a < lo) a = lo;
        if (b > hi) b = hi;
        if (b >= a) count += (size_t)(b - a + 1);
        if (count > MAX_CLOSED) {
            snprintf(err, errsize, "calendar `%s`: too many closed days", cal_name(c));
            return NULL;
        }
    }
    int32_t *v = malloc((count ? count : 1) * sizeof *v);
    if (!v) {
        snprintf(err, errsize, "out of memory");
        return NULL;
    }
    size_t k = 0;
    for (const ast_closed *r = c->closed; r; r = r->next) {
        int64_t a = civil_to_days(r->from.year, r->from.month, r->from.day);
        int64_t b = civil_to_days(r->to.year, r->to.month, r->to.day);
        for (int64_t d = a < lo ? lo : a; d <= b && d <= hi; d++) v[k++] = (int32_t)d;
    }
    qsort(v, k, sizeof *v, cmp_i32);
    size_t m = 0;
    for (size_t i = 0; i < k; i++)
        if (m == 0 || v[i] != v[m - 1]) v[m++] = v[i];
    *n = (uint32_t)m;
    return v;
}

static int cmp_open(const void *a, const void *b)
{
    const cal_open *x = a, *y = b;
    if (x->day != y->day) return (x->day > y->day) - (x->day < y->day);
    return (x->start > y->start) - (x->start < y->start);
}

int calb_standard_day(const ast_calendar *c, cal_span out[CALB_MAX_DAY_SPANS], char *err,
                      size_t errsize)
{
    uint32_t n = 0;
    char e2[128];
    cal_span *w = build_week(c, &n, e2, sizeof e2);
    if (!w) {
        snprintf(err, errsize, "%s", e2);
        return -1;
    }
    cal_span day[7][CALB_MAX_DAY_SPANS];
    int nd[7] = {0}, first = -1, rc = 0;
    for (uint32_t i = 0; i < n && rc == 0; i++)
        for (int64_t d = w[i].start / CAL_DAY_MS; d <= (w[i].end - 1) / CAL_DAY_MS; d++) {
            int64_t s = w[i].start - d * CAL_DAY_MS, e = w[i].end - d * CAL_DAY_MS;
            if (s < 0) s = 0;
            if (e > CAL_DAY_MS) e = CAL_DAY_MS;
            if (nd[d] == CALB_MAX_DAY_SPANS) {
                snprintf(err, errsize, "more than %d working spans a day: write the open day's hours",
                         CALB_MAX_DAY_SPANS);
                rc = -1;
                break;
            }
            day[d][nd[d]++] = (cal_span){s, e};
        }
    free(w);
    if (rc) return -1;
    static const char *const names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
    for (int d = 0; d < 7; d++) {
        if (!nd[d]) continue;
        if (first < 0) {
            first = d;
            continue;
        }
        if (nd[d] != nd[first] || memcmp(day[d], day[first], (size_t)nd[d] * sizeof day[d][0])) {
            snprintf(err, errsize,
                     "its days have different hours (%s and %s): write the open day's hours, "
                     "e.g. `open 2025-01-26 09:00-18:00`",
                     names[first], names[d]);
            return -1;
        }
    }
    if (first < 0) {
        snprintf(err, errsize, "it has no working hours");
        return -1;
    }
    memcpy(out, day[first], (size_t)nd[first] * sizeof out[0]);
    return nd[first];
}

/* The spans of one `open` item's day: its hours, merged, or the standard day. */
static int open_spans(const ast_calendar *c, const ast_closed *o, cal_span out[CALB_MAX_DAY_SPANS],
                      char *err, size_t errsize)
{
    if (!o->hours) {
        char e2[200];
        int n = calb_standard_day(c, out, e2, sizeof e2);
        if (n < 0) snprintf(err, errsize, "calendar `%s`: open day with no hours, and %s", cal_name(c), e2);
        return n;
    }
    int n = 0;
    for (const ast_interval *iv = o->hours; iv; iv = iv->next) {
        if (iv->start_min < 0 || iv->end_min > 1440 || iv->start_min >= iv->end_min || n == CALB_MAX_DAY_SPANS) {
            snprintf(err, errsize, "calendar `%s`: open day hours out of range", cal_name(c));
            return -1;
        }
        out[n++] = (cal_span){iv->start_min * MIN_MS, iv->end_min * MIN_MS};
    }
    qsort(out, (size_t)n, sizeof *out, cmp_span);
    int m = 0;
    for (int i = 0; i < n; i++) {
        if (m > 0 && out[i].start <= out[m - 1].end) {
            if (out[i].end > out[m - 1].end) out[m - 1].end = out[i].end;
        } else {
            out[m++] = out[i];
        }
    }
    return m;
}

/* The open days of `c` within a day of [from_ms, to_ms) (the checker has refused
 * any outside it), as sorted spans; a day opened twice is an error. */
static cal_open *build_open(const ast_calendar *c, int64_t from_ms, int64_t to_ms, uint32_t *n,
                            char *err, size_t errsize)
{
    int64_t lo = civil_floor_div(from_ms, CAL_DAY_MS) - 1;
    int64_t hi = civil_floor_div(to_ms, CAL_DAY_MS) + 1;
    size_t count = 0, cap = 0;
    cal_open *v = NULL;
    for (const ast_closed *r = c->open; r; r = r->next) {
        if (!date_ok(&r->from) || !date_ok(&r->to)) {
            snprintf(err, errsize, "calendar `%s`: invalid open date", cal_name(c));
            free(v);
            return NULL;
        }
        cal_span sp[CALB_MAX_DAY_SPANS];
        int ns = open_spans(c, r, sp, err, errsize);
        if (ns < 0) {
            free(v);
            return NULL;
        }
        int64_t a = civil_to_days(r->from.year, r->from.month, r->from.day);
        int64_t b = civil_to_days(r->to.year, r->to.month, r->to.day);
        if (a < lo) a = lo;
        if (b > hi) b = hi;
        for (int64_t d = a; d <= b; d++)
            for (int i = 0; i < ns; i++) {
                if (count == cap) {
                    cap = cap ? cap * 2 : 16;
                    if (cap > MAX_CLOSED) {
                        snprintf(err, errsize, "calendar `%s`: too many open days", cal_name(c));
                        free(v);
                        return NULL;
                    }
                    cal_open *nv = realloc(v, cap * sizeof *nv);
                    if (!nv) {
                        snprintf(err, errsize, "out of memory");
                        free(v);
                        return NULL;
                    }
                    v = nv;
                }
                v[count++] = (cal_open){(int32_t)d, 0, sp[i].start, sp[i].end};
            }
    }
    if (count) qsort(v, count, sizeof *v, cmp_open);
    for (size_t i = 1; i < count; i++)
        if (v[i].day == v[i - 1].day && v[i].start <= v[i - 1].end) {
            /* one item's spans are apart: an overlap or a touch means two items
             * (the checker names them; this is its backstop) */
            snprintf(err, errsize, "calendar `%s`: a day is opened twice", cal_name(c));
            free(v);
            return NULL;
        }
    *n = (uint32_t)count;
    return v;
}

/* Weekly working time divided by the number of weekdays with any of it. */
static int64_t workday(const cal_span *w, uint32_t n)
{
    int64_t total = 0;
    int days[7] = {0}, ndays = 0;
    for (uint32_t i = 0; i < n; i++) {
        total += w[i].end - w[i].start;
        for (int64_t d = w[i].start / CAL_DAY_MS; d <= (w[i].end - 1) / CAL_DAY_MS; d++)
            days[d] = 1;
    }
    for (int d = 0; d < 7; d++) ndays += days[d];
    return ndays ? total / ndays : 0;
}

int calb_build(const ast_calendar *c, int64_t from_ms, int64_t to_ms, cal_table *out,
               char *err, size_t errsize)
{
    memset(out, 0, sizeof *out);
    uint32_t nweek = 0, nclosed = 0, noff = 0;
    cal_span *week = build_week(c, &nweek, err, errsize);
    if (!week) return -1;
    int32_t *closed = build_closed(c, from_ms, to_ms, &nclosed, err, errsize);
    if (!closed) {
        free(week);
        return -1;
    }
    uint32_t nopen = 0;
    cal_open *open = NULL;
    if (c->open && !(open = build_open(c, from_ms, to_ms, &nopen, err, errsize))) {
        free(week);
        free(closed);
        return -1;
    }
    char tzerr[256];
    cal_offset *off = tz_offsets(c->zone, from_ms, to_ms, &noff, tzerr, sizeof tzerr);
    if (!off) {
        snprintf(err, errsize, "calendar `%s`: %s", cal_name(c), tzerr);
        free(week);
        free(closed);
        free(open);
        return -1;
    }
    *out = (cal_table){week, nweek, closed, nclosed, off, noff, workday(week, nweek), open, nopen};
    const char *why = cal_validate(out);
    if (why) { /* an internal error: the builder broke its own invariants */
        snprintf(err, errsize, "calendar `%s`: %s", cal_name(c), why);
        calb_free(out);
        return -1;
    }
    return 0;
}

int calb_always(cal_table *out)
{
    memset(out, 0, sizeof *out);
    cal_span *week = malloc(sizeof *week);
    int32_t *closed = malloc(sizeof *closed);
    cal_offset *off = malloc(sizeof *off);
    if (!week || !closed || !off) {
        free(week);
        free(closed);
        free(off);
        return -1;
    }
    week[0] = (cal_span){0, CAL_WEEK_MS};
    off[0] = (cal_offset){INT64_MIN, 0};
    *out = (cal_table){week, 1, closed, 0, off, 1, CAL_DAY_MS, NULL, 0};
    return 0;
}

void calb_free(cal_table *t)
{
    if (!t) return;
    free((void *)t->week);
    free((void *)t->closed);
    free((void *)t->offsets);
    free((void *)t->open);
    memset(t, 0, sizeof *t);
}
