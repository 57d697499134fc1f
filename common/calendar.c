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
 * (binary search for the first, then only those inside the range); an open day
 * (a make-up working day) likewise has the week's time of that day taken away
 * and its own spans added.  A range that
 * crosses DST changes is cut at each change; the offset table is binary-searched.
 * Nothing allocates, nothing is global, no libc time function is used.
 */
#include "calendar.h"

#include <stddef.h>

#include "civil.h"

/* 1970-01-05 00:00 local time, the first Monday of the epoch (1970-01-01 was a
 * Thursday); weeks are counted from it. */
#define MON0 (4 * CAL_DAY_MS)
#define HOUR_MS ((int64_t)3600 * 1000)
#define LIM CAL_TIME_LIMIT

/* Modulo for b > 0, correct for negative a (before 1970). */
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

/* Index of the first closed day >= day (nclosed when none).  With the
 * precomputed index (cal_pre) a lookup; days outside the closed range need none. */
static uint32_t closed_lower(const cal_table *c, const uint32_t *idx, int64_t day)
{
    if (c->nclosed == 0 || day <= c->closed[0]) return 0;
    if (day > c->closed[c->nclosed - 1]) return c->nclosed;
    if (idx) return idx[day - c->closed[0]];
    uint32_t lo = 0, hi = c->nclosed;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->closed[mid] < day) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Index of the first open span whose day is >= day (nopen when none). */
static uint32_t open_lower(const cal_table *c, int64_t day)
{
    uint32_t lo = 0, hi = c->nopen;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->open[mid].day < day) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* Working ms of the open spans [i, j) (one day starting at local ds) inside the
 * local range [l0, l1). */
static int64_t open_between(const cal_table *c, uint32_t i, uint32_t j, int64_t ds, int64_t l0,
                            int64_t l1)
{
    int64_t m = 0;
    for (; i < j; i++) {
        int64_t s = ds + c->open[i].start, e = ds + c->open[i].end;
        if (s < l0) s = l0;
        if (e > l1) e = l1;
        if (e > s) m += e - s;
    }
    return m;
}

/* The week as the arithmetic sees it: the spans and their prefix sums.  The engine
 * passes tables it computed once per program (cal_pre_init); cal_between and
 * cal_add compute the sums per call into a buffer on the stack, so both run the
 * same code below (and the brute-force tests check it).  Only a table of more than
 * STACK_SPANS spans without precomputed sums falls back to linear scans. */
#define STACK_SPANS 64

typedef struct wk {
    const cal_span *w;
    const int64_t *sums; /* n + 1 entries, sums[n] == total; NULL: scan linearly */
    const uint32_t *hour_span; /* cal_pre.hour_span or NULL */
    const uint32_t *closed_idx; /* cal_pre.closed_idx or NULL */
    uint32_t n;
    int64_t total;
} wk;

static void wk_init(wk *k, const cal_table *c, const cal_pre *pre, int64_t buf[STACK_SPANS + 1])
{
    k->w = c->week;
    k->n = c->nweek;
    k->hour_span = pre ? pre->hour_span : NULL;
    k->closed_idx = pre ? pre->closed_idx : NULL;
    if (pre) {
        k->sums = pre->sums;
    } else if (c->nweek <= STACK_SPANS) {
        buf[0] = 0;
        for (uint32_t i = 0; i < c->nweek; i++) buf[i + 1] = buf[i] + (c->week[i].end - c->week[i].start);
        k->sums = buf;
    } else {
        int64_t t = 0;
        for (uint32_t i = 0; i < c->nweek; i++) t += c->week[i].end - c->week[i].start;
        k->sums = NULL;
        k->total = t;
        return;
    }
    k->total = k->sums[c->nweek];
}

/* Working ms of the local week in [0, pos), 0 <= pos <= CAL_WEEK_MS: the spans
 * wholly before pos from the prefix sums, plus the part of the one span that
 * contains pos (binary search for the first span ending after pos). */
static int64_t week_cum(const wk *k, int64_t pos)
{
    if (!k->sums) {
        int64_t acc = 0;
        for (uint32_t i = 0; i < k->n && k->w[i].start < pos; i++)
            acc += min64(pos, k->w[i].end) - k->w[i].start;
        return acc;
    }
    uint32_t lo = 0, hi = k->n;
    if (k->hour_span) {
        /* the first span ending after the hour's start, then the few (usually
         * none) that end inside the hour before pos */
        lo = k->hour_span[pos / HOUR_MS];
        while (lo < k->n && k->w[lo].end <= pos) lo++;
    } else {
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (k->w[mid].end <= pos) lo = mid + 1;
            else hi = mid;
        }
    }
    if (lo == k->n) return k->total;
    int64_t s = k->w[lo].start;
    return k->sums[lo] + (pos > s ? pos - s : 0);
}

/* Working ms from MON0 to local instant L, closed days ignored (negative before
 * MON0).  |L| < 2^61 + 1 day, so nothing overflows. */
static int64_t cum(const wk *k, int64_t L)
{
    int64_t x = L - MON0;
    int64_t w = civil_floor_div(x, CAL_WEEK_MS);
    return w * k->total + week_cum(k, x - w * CAL_WEEK_MS);
}

/* The earliest local instant L with cum(L) == v (v is reached: total > 0). */
static int64_t cum_inverse(const wk *k, int64_t v)
{
    /* The week whose working time takes the cumulative count from k*total to
     * (k+1)*total and reaches v: q = ceil(v / total) - 1, so 0 < rem <= total. */
    int64_t q = -civil_floor_div(-v, k->total) - 1;
    int64_t rem = v - q * k->total, pos = 0;
    if (k->sums) {
        /* the first span i whose end brings the sum to rem: sums[i + 1] >= rem */
        uint32_t lo = 0, hi = k->n - 1;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (k->sums[mid + 1] >= rem) hi = mid;
            else lo = mid + 1;
        }
        pos = k->w[lo].start + (rem - k->sums[lo]);
    } else {
        int64_t acc = 0;
        for (uint32_t i = 0; i < k->n; i++) {
            int64_t len = k->w[i].end - k->w[i].start;
            if (acc + len >= rem) {
                pos = k->w[i].start + (rem - acc);
                break;
            }
            acc += len;
        }
    }
    return MON0 + q * CAL_WEEK_MS + pos;
}

/* Working ms in the local range [l0, l1), closed days excluded. */
static int64_t local_between(const cal_table *c, const wk *k, int64_t l0, int64_t l1)
{
    if (l1 <= l0) return 0;
    int64_t m = cum(k, l1) - cum(k, l0);
    if ((m == 0 || c->nclosed == 0) && c->nopen == 0) return m;
    int64_t d1 = civil_floor_div(l1 - 1, CAL_DAY_MS);
    for (uint32_t i = m == 0 ? c->nclosed : closed_lower(c, k->closed_idx, civil_floor_div(l0, CAL_DAY_MS));
         i < c->nclosed && c->closed[i] <= d1; i++) {
        int64_t ds = (int64_t)c->closed[i] * CAL_DAY_MS;
        m -= cum(k, min64(l1, ds + CAL_DAY_MS)) - cum(k, max64(l0, ds));
    }
    /* an open day: its own spans instead of the week's time of that day */
    for (uint32_t i = open_lower(c, civil_floor_div(l0, CAL_DAY_MS)); i < c->nopen && c->open[i].day <= d1;) {
        uint32_t j = i + 1;
        while (j < c->nopen && c->open[j].day == c->open[i].day) j++;
        int64_t ds = (int64_t)c->open[i].day * CAL_DAY_MS;
        m -= cum(k, min64(l1, ds + CAL_DAY_MS)) - cum(k, max64(l0, ds));
        m += open_between(c, i, j, ds, l0, l1);
        i = j;
    }
    return m;
}

/* Consume working time of the local range [l0, l1) (one offset segment): returns
 * the earliest local L in (l0, l1] with local_between(l0, L) == *r when the range
 * holds that much, else INT64_MAX with *r reduced by the range's working time.
 * Closed days are visited only up to the answer, so a short addition is cheap
 * even in a long segment with many holidays ahead.  cum(cur) is carried along
 * (ccur) rather than recomputed. */
static int64_t local_consume(const cal_table *c, const wk *k, int64_t l0, int64_t l1,
                             int64_t *r)
{
    int64_t cur = l0, ccur = cum(k, l0);
    int64_t d0 = civil_floor_div(l0, CAL_DAY_MS);
    uint32_t i = closed_lower(c, k->closed_idx, d0);
    uint32_t j = c->nopen ? open_lower(c, d0) : 0;
    /* closed and open days in day order (a day is never both) */
    while (i < c->nclosed || j < c->nopen) {
        int is_open = i == c->nclosed || (j < c->nopen && c->open[j].day < c->closed[i]);
        int64_t ds = (int64_t)(is_open ? c->open[j].day : c->closed[i]) * CAL_DAY_MS;
        if (ds >= l1) break;
        if (ds > cur) {
            int64_t m = cum(k, ds) - ccur;
            if (m >= *r) return cum_inverse(k, ccur + *r);
            *r -= m;
        }
        if (!is_open) {
            i++;
        } else {
            for (int32_t day = c->open[j].day; j < c->nopen && c->open[j].day == day; j++) {
                int64_t s = max64(cur, ds + c->open[j].start), e = min64(l1, ds + c->open[j].end);
                if (e <= s) continue;
                if (e - s >= *r) return s + *r;
                *r -= e - s;
            }
        }
        if (ds + CAL_DAY_MS > cur) {
            cur = ds + CAL_DAY_MS;
            ccur = cum(k, cur);
        }
    }
    if (cur < l1) {
        int64_t m = cum(k, l1) - ccur;
        if (m >= *r) return cum_inverse(k, ccur + *r);
        *r -= m;
    }
    return INT64_MAX;
}

/* Days the closed-day index may cover (about 180 years): beyond it, search. */
#define CLOSED_IDX_MAX ((int64_t)1 << 16)

static size_t closed_idx_len(const cal_table *c)
{
    if (c->nclosed == 0) return 0;
    int64_t n = (int64_t)c->closed[c->nclosed - 1] - c->closed[0] + 1;
    return n <= CLOSED_IDX_MAX ? (size_t)n : 0;
}

size_t cal_pre_size(const cal_table *c)
{
    size_t n = sizeof(int64_t) * ((size_t)c->nweek + 1) +
               sizeof(uint32_t) * (CAL_WEEK_HOURS + 1 + closed_idx_len(c));
    return (n + 7) & ~(size_t)7;
}

void cal_pre_init(const cal_table *c, void *mem, cal_pre *pre)
{
    int64_t *sums = mem;
    uint32_t *hours = (uint32_t *)(void *)(sums + c->nweek + 1);
    uint32_t *idx = hours + CAL_WEEK_HOURS + 1;
    sums[0] = 0;
    for (uint32_t i = 0; i < c->nweek; i++) sums[i + 1] = sums[i] + (c->week[i].end - c->week[i].start);
    uint32_t s = 0;
    for (int64_t h = 0; h <= CAL_WEEK_HOURS; h++) {
        while (s < c->nweek && c->week[s].end <= h * HOUR_MS) s++;
        hours[h] = s;
    }
    size_t nidx = closed_idx_len(c);
    uint32_t j = 0;
    for (size_t d = 0; d < nidx; d++) {
        while (j < c->nclosed && c->closed[j] < c->closed[0] + (int64_t)d) j++;
        idx[d] = j;
    }
    *pre = (cal_pre){sums, hours, nidx ? idx : NULL};
}

int cal_is_working(const cal_table *c, int64_t t)
{
    if (t < -LIM || t >= LIM) return 0;
    int64_t l = t + c->offsets[off_index(c, t)].offset_ms;
    int64_t day = civil_floor_div(l, CAL_DAY_MS);
    uint32_t k = closed_lower(c, NULL, day);
    if (k < c->nclosed && c->closed[k] == day) return 0;
    if (c->nopen) {
        uint32_t j = open_lower(c, day);
        if (j < c->nopen && c->open[j].day == day) {
            int64_t in_day = l - day * CAL_DAY_MS;
            for (; j < c->nopen && c->open[j].day == day; j++)
                if (c->open[j].start <= in_day && in_day < c->open[j].end) return 1;
            return 0;
        }
    }
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
    return cal_between_pre(c, NULL, a, b);
}

int64_t cal_between_pre(const cal_table *c, const cal_pre *pre, int64_t a, int64_t b)
{
    a = max64(a, -LIM);
    b = min64(b, LIM);
    if (b <= a) return 0;
    int64_t buf[STACK_SPANS + 1];
    wk k;
    wk_init(&k, c, pre, buf);
    if (k.total == 0 && c->nopen == 0) return 0;
    int64_t sum = 0;
    for (uint32_t i = off_index(c, a); a < b; i++) {
        int64_t e = i + 1 < c->noffsets ? min64(c->offsets[i + 1].from, b) : b;
        int64_t o = c->offsets[i].offset_ms;
        sum += local_between(c, &k, a + o, e + o);
        a = e;
    }
    return sum;
}

int64_t cal_add(const cal_table *c, int64_t t, int64_t work)
{
    return cal_add_pre(c, NULL, t, work);
}

int64_t cal_add_pre(const cal_table *c, const cal_pre *pre, int64_t t, int64_t work)
{
    if (work <= 0) return t;
    if (t >= LIM) return INT64_MAX;
    int64_t buf[STACK_SPANS + 1];
    wk k;
    wk_init(&k, c, pre, buf);
    if (k.total == 0 && c->nopen == 0) return INT64_MAX;
    int64_t s = max64(t, -LIM);
    for (uint32_t i = off_index(c, s);; i++) {
        int64_t e = i + 1 < c->noffsets ? min64(c->offsets[i + 1].from, LIM) : LIM;
        int64_t o = c->offsets[i].offset_ms;
        int64_t l = local_consume(c, &k, s + o, e + o, &work);
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
    if (c->nopen > 0 && !c->open) return "calendar open days missing";
    for (uint32_t i = 0, k = 0; i < c->nopen; i++) {
        const cal_open *o = &c->open[i];
        if (o->start < 0 || o->end > CAL_DAY_MS || o->start >= o->end)
            return "calendar open-day span out of range";
        if (i > 0 && (o->day < c->open[i - 1].day ||
                      (o->day == c->open[i - 1].day && o->start <= c->open[i - 1].end)))
            return "calendar open-day spans not sorted and apart";
        while (k < c->nclosed && c->closed[k] < o->day) k++;
        if (k < c->nclosed && c->closed[k] == o->day) return "calendar day both closed and open";
    }
    int ndays = 0;
    for (int d = 0; d < 7; d++) ndays += days[d];
    if (c->workday_ms != (ndays ? total / ndays : 0))
        return "calendar working day does not match its weekly hours";
    return NULL;
}
