/*
 * calendar.c - working-time arithmetic over a compiled calendar (runtime side).
 *
 * Place in the pipeline: compiler/calbuild.c turns a `calendar` declaration into a
 * cal_table (weekly spans, closed local days, UTC offsets); the image carries it;
 * the loader calls cal_validate(); clocks and timers then call cal_between() and
 * cal_add() whenever a clock starts, stops or needs a deadline.
 *
 * How it works.  Inside one offset segment (a UTC range where the zone's offset o
 * is constant) local time is UTC + o, a plain translation, so working time there
 * is a measure over local time.  Ignoring closed days that measure has a closed
 * form: cum(L) = weeks(L) * weekly_total + week_cum(position of L in its week),
 * so long distances cost nothing per week.  Closed days are subtracted one by one
 * (binary search for the first, then only those inside the range).  A range that
 * crosses DST changes is cut at each change; the offset table is binary-searched.
 * Nothing allocates, nothing is global, no libc time function is used.
 */
#include "calendar.h"

#include <stddef.h>

/* 1970-01-05 00:00 local time, the first Monday of the epoch (1970-01-01 was a
 * Thursday); weeks are counted from it. */
#define MON0 (4 * CAL_DAY_MS)
#define LIM CAL_TIME_LIMIT

/* Floor division and modulo for b > 0, correct for negative a (before 1970). */
static int64_t fdiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && a < 0) ? q - 1 : q;
}

static int64_t fmod_pos(int64_t a, int64_t b)
{
    int64_t r = a % b;
    return r < 0 ? r + b : r;
}

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }
static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

/* Index of the offset in force at t: the last entry whose `from` <= t.  Entry 0
 * starts at INT64_MIN, so there always is one. */
static uint32_t off_index(const cal_table *c, int64_t t)
{
    uint32_t lo = 0, hi = c->noffsets;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->offsets[mid].from <= t) lo = mid;
        else hi = mid;
    }
    return lo;
}

/* Index of the first closed day >= day (nclosed when none). */
static uint32_t closed_lower(const cal_table *c, int64_t day)
{
    uint32_t lo = 0, hi = c->nclosed;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->closed[mid] < day) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

static int64_t week_total(const cal_table *c)
{
    int64_t t = 0;
    for (uint32_t i = 0; i < c->nweek; i++) t += c->week[i].end - c->week[i].start;
    return t;
}

/* Working ms of the local week in [0, pos), 0 <= pos <= CAL_WEEK_MS. */
static int64_t week_cum(const cal_table *c, int64_t pos)
{
    int64_t acc = 0;
    for (uint32_t i = 0; i < c->nweek && c->week[i].start < pos; i++)
        acc += min64(pos, c->week[i].end) - c->week[i].start;
    return acc;
}

/* Working ms from MON0 to local instant L, closed days ignored (negative before
 * MON0).  |L| < 2^61 + 1 day, so nothing overflows. */
static int64_t cum(const cal_table *c, int64_t total, int64_t L)
{
    int64_t x = L - MON0;
    int64_t w = fdiv(x, CAL_WEEK_MS);
    return w * total + week_cum(c, x - w * CAL_WEEK_MS);
}

/* The earliest local instant L with cum(L) == v (v is reached: total > 0). */
static int64_t cum_inverse(const cal_table *c, int64_t total, int64_t v)
{
    /* The week whose working time takes the cumulative count from k*total to
     * (k+1)*total and reaches v: k = ceil(v / total) - 1, so 0 < rem <= total. */
    int64_t k = -fdiv(-v, total) - 1;
    int64_t rem = v - k * total, acc = 0, pos = 0;
    for (uint32_t i = 0; i < c->nweek; i++) {
        int64_t len = c->week[i].end - c->week[i].start;
        if (acc + len >= rem) {
            pos = c->week[i].start + (rem - acc);
            break;
        }
        acc += len;
    }
    return MON0 + k * CAL_WEEK_MS + pos;
}

/* Working ms in the local range [l0, l1), closed days excluded. */
static int64_t local_between(const cal_table *c, int64_t total, int64_t l0, int64_t l1)
{
    if (l1 <= l0) return 0;
    int64_t m = cum(c, total, l1) - cum(c, total, l0);
    if (m == 0 || c->nclosed == 0) return m;
    int64_t d1 = fdiv(l1 - 1, CAL_DAY_MS);
    for (uint32_t i = closed_lower(c, fdiv(l0, CAL_DAY_MS));
         i < c->nclosed && c->closed[i] <= d1; i++) {
        int64_t ds = (int64_t)c->closed[i] * CAL_DAY_MS;
        m -= cum(c, total, min64(l1, ds + CAL_DAY_MS)) - cum(c, total, max64(l0, ds));
    }
    return m;
}

/* Consume working time of the local range [l0, l1) (one offset segment): returns
 * the earliest local L in (l0, l1] with local_between(l0, L) == *r when the range
 * holds that much, else INT64_MAX with *r reduced by the range's working time.
 * Closed days are visited only up to the answer, so a short addition is cheap
 * even in a long segment with many holidays ahead. */
static int64_t local_consume(const cal_table *c, int64_t total, int64_t l0, int64_t l1,
                             int64_t *r)
{
    int64_t cur = l0;
    for (uint32_t i = closed_lower(c, fdiv(l0, CAL_DAY_MS)); i < c->nclosed; i++) {
        int64_t ds = (int64_t)c->closed[i] * CAL_DAY_MS;
        if (ds >= l1) break;
        if (ds > cur) {
            int64_t m = cum(c, total, ds) - cum(c, total, cur);
            if (m >= *r) return cum_inverse(c, total, cum(c, total, cur) + *r);
            *r -= m;
        }
        cur = max64(cur, ds + CAL_DAY_MS);
    }
    if (cur < l1) {
        int64_t base = cum(c, total, cur), m = cum(c, total, l1) - base;
        if (m >= *r) return cum_inverse(c, total, base + *r);
        *r -= m;
    }
    return INT64_MAX;
}

int cal_is_working(const cal_table *c, int64_t t)
{
    if (t < -LIM || t >= LIM) return 0;
    int64_t l = t + c->offsets[off_index(c, t)].offset_ms;
    int64_t day = fdiv(l, CAL_DAY_MS);
    uint32_t k = closed_lower(c, day);
    if (k < c->nclosed && c->closed[k] == day) return 0;
    int64_t pos = fmod_pos(l - MON0, CAL_WEEK_MS);
    uint32_t lo = 0, hi = c->nweek; /* first span with end > pos */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->week[mid].end <= pos) lo = mid + 1;
        else hi = mid;
    }
    return lo < c->nweek && c->week[lo].start <= pos;
}

int64_t cal_between(const cal_table *c, int64_t a, int64_t b)
{
    a = max64(a, -LIM);
    b = min64(b, LIM);
    if (b <= a) return 0;
    int64_t total = week_total(c);
    if (total == 0) return 0;
    int64_t sum = 0;
    for (uint32_t i = off_index(c, a); a < b; i++) {
        int64_t e = i + 1 < c->noffsets ? min64(c->offsets[i + 1].from, b) : b;
        int64_t o = c->offsets[i].offset_ms;
        sum += local_between(c, total, a + o, e + o);
        a = e;
    }
    return sum;
}

int64_t cal_add(const cal_table *c, int64_t t, int64_t work)
{
    if (work <= 0) return t;
    if (t >= LIM) return INT64_MAX;
    int64_t total = week_total(c);
    if (total == 0) return INT64_MAX;
    int64_t s = max64(t, -LIM);
    for (uint32_t i = off_index(c, s);; i++) {
        int64_t e = i + 1 < c->noffsets ? min64(c->offsets[i + 1].from, LIM) : LIM;
        int64_t o = c->offsets[i].offset_ms;
        int64_t l = local_consume(c, total, s + o, e + o, &work);
        if (l != INT64_MAX) return l - o;
        if (e >= LIM) return INT64_MAX;
        s = e;
    }
}

const char *cal_validate(const cal_table *c)
{
    if (!c) return "calendar table missing";
    if (c->noffsets == 0 || !c->offsets) return "calendar has no offsets";
    if (c->offsets[0].from != INT64_MIN) return "first calendar offset does not start at INT64_MIN";
    for (uint32_t i = 0; i < c->noffsets; i++) {
        if (c->offsets[i].offset_ms <= -CAL_DAY_MS || c->offsets[i].offset_ms >= CAL_DAY_MS)
            return "calendar offset out of range";
        if (i > 0 && c->offsets[i].from <= c->offsets[i - 1].from)
            return "calendar offsets not sorted";
    }
    if (c->nweek > 0 && !c->week) return "calendar weekly hours missing";
    int64_t total = 0;
    int days[7] = {0};
    for (uint32_t i = 0; i < c->nweek; i++) {
        const cal_span *s = &c->week[i];
        if (s->start < 0 || s->end > CAL_WEEK_MS || s->start >= s->end)
            return "calendar working interval out of range";
        if (i > 0 && s->start <= c->week[i - 1].end)
            return "calendar working intervals not sorted and apart";
        total += s->end - s->start;
        for (int64_t d = s->start / CAL_DAY_MS; d <= (s->end - 1) / CAL_DAY_MS; d++) days[d] = 1;
    }
    if (c->nclosed > 0 && !c->closed) return "calendar closed days missing";
    for (uint32_t i = 1; i < c->nclosed; i++)
        if (c->closed[i] <= c->closed[i - 1]) return "calendar closed days not sorted";
    int ndays = 0;
    for (int d = 0; d < 7; d++) ndays += days[d];
    if (c->workday_ms != (ndays ? total / ndays : 0))
        return "calendar working day does not match its weekly hours";
    return NULL;
}
