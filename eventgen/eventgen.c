/*
 * eventgen.c - the simulated service desk behind `slate gen` (eventgen.h).
 *
 * A small simulation, not a replay: cases arrive as a Poisson process whose
 * rate follows the hours of a Beijing working day; each case gets the customer
 * and problem mix of the project's domain brief (../shared/design/DOMAIN.md)
 * and a whole life cycle (opened, responded, paused/resumed, updated, handled,
 * resolved, reopened, followed up, surveyed, reviewed, closed; for complaints
 * the five steps accepted .. improved).  Staff work the desk's hours
 * (09:00-12:00, 13:00-18:00 Asia/Shanghai, weekdays, public holidays closed)
 * except for incidents and priority emergencies, which are handled round the
 * clock.  Most targets are met, a realistic few are not.
 *
 * Every draw happens whatever the filter keeps, so a filtered stream is the
 * unfiltered one with events and fields left out (and the ids renumbered).
 * Not here: reading a policy (the caller's filter) or the command line
 * (cli/cmd_gen.c).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "civil.h"
#include "eventgen.h"
#include "timestamp.h"

/* ---- randomness ----------------------------------------------------------------- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t next64(rng *r) /* splitmix64 */
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

static double unif(rng *r) { return (double)(next64(r) >> 11) * 0x1.0p-53; } /* [0, 1) */

static int chance(rng *r, double p) { return unif(r) < p; }

static int64_t uniform_ms(rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(unif(r) * (double)(hi - lo));
}

/* Log-normal with the given median and spread (sigma of the log). */
static int64_t lognormal_ms(rng *r, int64_t median, double sigma)
{
    double u1 = unif(r), u2 = unif(r);
    double z = sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2);
    return (int64_t)((double)median * exp(sigma * z));
}

/* An index drawn with the given weights. */
static int pick(rng *r, const double *w, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++) sum += w[i];
    double x = unif(r) * sum;
    for (int i = 0; i < n; i++) {
        if (x < w[i]) return i;
        x -= w[i];
    }
    return n - 1;
}

#define PICK(r, names, weights) names[pick(r, weights, (int)(sizeof weights / sizeof weights[0]))]

#define MIN_MS ((int64_t)60000)
#define HOUR_MS ((int64_t)3600000)
#define DAY_MS ((int64_t)86400000)

/* ---- the desk's hours (mirrors `calendar business` of service-2025.slate) ---------- */

#define CST_MS (8 * HOUR_MS) /* Asia/Shanghai: UTC+8, no DST */

/* Public holidays 2025-2026 (Beijing dates, YYYYMMDD), inclusive ranges. */
static const struct { int32_t from, to; } holidays[] = {
    {20250101, 20250101}, {20250128, 20250204}, {20250404, 20250406}, {20250501, 20250505},
    {20250531, 20250602}, {20251001, 20251008}, {20260101, 20260103}, {20260215, 20260223},
    {20260404, 20260406}, {20260501, 20260505}, {20260619, 20260621}, {20260925, 20260927},
    {20261001, 20261007},
};

static int64_t day_of(int32_t ymd) /* days since 1970 */
{
    return civil_to_days(ymd / 10000, ymd / 100 % 100, ymd % 100);
}

static int closed_day(int64_t day)
{
    for (size_t i = 0; i < sizeof holidays / sizeof holidays[0]; i++)
        if (day >= day_of(holidays[i].from) && day <= day_of(holidays[i].to)) return 1;
    int wd = (int)((day % 7 + 7 + 3) % 7); /* 1970-01-01 was a Thursday; mon = 0 */
    return wd >= 5;
}

/* The end of the working stretch containing t, or 0 when t is not working time;
 * *next gets the start of the next working stretch at or after t. */
static int64_t stretch(int64_t t, int64_t *next)
{
    int64_t local = t + CST_MS;
    int64_t day = local / DAY_MS, tod = local % DAY_MS;
    static const int64_t spans[2][2] = {{9 * HOUR_MS, 12 * HOUR_MS}, {13 * HOUR_MS, 18 * HOUR_MS}};
    for (;; day++, tod = 0) {
        if (closed_day(day)) continue;
        for (int i = 0; i < 2; i++) {
            if (tod < spans[i][0]) {
                *next = day * DAY_MS + spans[i][0] - CST_MS;
                return 0;
            }
            if (tod < spans[i][1]) {
                *next = t;
                return day * DAY_MS + spans[i][1] - CST_MS;
            }
        }
    }
}

/* t plus `work` of the desk's working time. */
static int64_t desk_add(int64_t t, int64_t work)
{
    for (;;) {
        int64_t next, end = stretch(t, &next);
        if (!end) {
            t = next;
            continue;
        }
        if (t + work <= end) return t + work;
        work -= end - t;
        t = end;
    }
}

/* ---- cases and events --------------------------------------------------------------- */

typedef struct gen_event {
    int64_t at;
    uint32_t ncase;
    uint16_t ord;
    const char *type;
    char *fields; /* ",\"k\":v..." or NULL */
} gen_event;

typedef struct gen {
    rng r;
    gen_event *ev;
    size_t nev, cap;
    const eg_filter *filter; /* NULL: everything */
    int oom;                 /* memory ran out: stop adding */
} gen;

/* Field text being built for one event. */
typedef struct fbuf {
    char s[512];
    size_t n;
} fbuf;

static void add_field(const gen *g, fbuf *b, const char *key, const char *json_value)
{
    if (g->filter && !g->filter->field(g->filter->ud, key, json_value)) return;
    int n = snprintf(b->s + b->n, sizeof b->s - b->n, ",\"%s\":%s", key, json_value);
    if (n > 0 && b->n + (size_t)n < sizeof b->s) b->n += (size_t)n;
}

static void add_str(const gen *g, fbuf *b, const char *key, const char *v)
{
    char q[96];
    snprintf(q, sizeof q, "\"%s\"", v);
    add_field(g, b, key, q);
}

static void add_int(const gen *g, fbuf *b, const char *key, long v)
{
    char q[32];
    snprintf(q, sizeof q, "%ld", v);
    add_field(g, b, key, q);
}

/* Append an event of case `c`; `*t` is the case's clock, never going back. */
static void emit(gen *g, uint32_t c, int64_t *t, int64_t at, const char *type, fbuf *b)
{
    if (at < *t) at = *t;
    at -= at % 1000; /* whole seconds */
    if (at < *t) at += 1000;
    *t = at;
    if (g->oom || (g->filter && !g->filter->event(g->filter->ud, type))) return;
    if (g->nev == g->cap) {
        size_t cap = g->cap ? g->cap * 2 : 4096;
        gen_event *ev = realloc(g->ev, cap * sizeof *ev);
        if (!ev) {
            g->oom = 1;
            return;
        }
        g->ev = ev;
        g->cap = cap;
    }
    uint16_t ord = 0;
    if (g->nev && g->ev[g->nev - 1].ncase == c) ord = (uint16_t)(g->ev[g->nev - 1].ord + 1);
    gen_event *e = &g->ev[g->nev++];
    e->at = at;
    e->ncase = c;
    e->ord = ord;
    e->type = type;
    e->fields = NULL;
    if (b && b->n && !(e->fields = strdup(b->s))) g->oom = 1;
}

/* The domain brief's proportions. */
static const char *const standings[] = {"regular", "vip", "prospect"};
static const double standing_w[] = {85, 6, 9};
static const char *const value_tiers[] = {"high", "medium", "low"};
static const double value_w[] = {15, 45, 40};
static const char *const segments[] = {"enterprise", "personal"};
static const double segment_w[] = {35, 65};
static const char *const loyalties[] = {"high", "medium", "low"};
static const double loyalty_w[] = {30, 45, 25};
static const char *const categories[] = {"technical", "process", "communication"};
static const double category_w[] = {45, 30, 25};
/* The norms' complaint-type shares add up to 107.9% (a complaint may have several
 * types); one type is drawn per complaint with these as weights. */
static const char *const ctypes[] = {"quality", "attitude", "process", "product", "other"};
static const double ctype_w[] = {62.3, 28.7, 10.0, 5.8, 1.1};
/* Complaints: phone 45.6%, online 32.4% (chat and e-mail), on site 12.0%, and the
 * remaining 10% by SMS and social media. */
static const char *const channels[] = {"phone", "chat", "email", "onsite", "sms", "social"};
static const double complaint_channel_w[] = {45.6, 20.0, 12.4, 12.0, 4.0, 6.0};
static const double channel_w[] = {35, 30, 20, 4, 4, 7};
static const char *const severities[] = {"emergency", "general", "routine"};
static const double complaint_sev_w[] = {5, 55, 40};
static const double sev_w[] = {2, 38, 60};
static const double incident_sev_w[] = {60, 40, 0};
/* Satisfaction 1..5, skewed to satisfied: 88% score 4 or 5. */
static const double score_w[] = {2, 4, 6, 30, 58};

/* Relative arrival intensity by Beijing hour of day (weekdays); weekends x0.4. */
static const double hour_w[24] = {0.15, 0.1, 0.1, 0.1, 0.1, 0.15, 0.3, 0.6, 1.2, 2.0, 2.2, 2.0,
                                  1.3, 1.9, 2.1, 2.0, 1.9, 1.6, 1.0, 0.8, 0.7, 0.6, 0.4, 0.25};

static double intensity(int64_t t)
{
    int64_t local = t + CST_MS;
    int64_t day = local / DAY_MS;
    int wd = (int)((day % 7 + 7 + 3) % 7);
    return hour_w[(local % DAY_MS) / HOUR_MS] * (wd >= 5 ? 0.4 : 1.0);
}

/* The mean of hour_w over a weekday: --rate is the mean rate of a weekday. */
static double mean_intensity(void)
{
    double s = 0;
    for (int h = 0; h < 24; h++) s += hour_w[h];
    return s / 24;
}

/* Simulate one case arriving at t0. */
static void gen_case(gen *g, uint32_t c, int64_t t0, const eg_options *o)
{
    rng *r = &g->r;
    fbuf b = {{0}, 0};
    int64_t t = t0;

    const char *standing = PICK(r, standings, standing_w);
    const char *value = PICK(r, value_tiers, value_w);
    int priority = !strcmp(standing, "vip") || !strcmp(value, "high");
    double cp = o->complaint_pct;
    double kind_w[] = {47, 100 - 47 - 5 - 0.8 - cp, cp, 0.6, 0.2, 5};
    static const char *const kinds[] = {"inquiry", "request", "complaint", "outage", "security",
                                        "feedback"};
    const char *kind = kinds[pick(r, kind_w, 6)];
    int complaint = !strcmp(kind, "complaint");
    int incident = !strcmp(kind, "outage") || !strcmp(kind, "security");
    const char *category = incident ? "technical" : PICK(r, categories, category_w);
    const char *channel =
        complaint ? PICK(r, channels, complaint_channel_w) : PICK(r, channels, channel_w);
    const char *severity = complaint  ? PICK(r, severities, complaint_sev_w)
                           : incident ? PICK(r, severities, incident_sev_w)
                                      : PICK(r, severities, sev_w);
    int technical = !strcmp(category, "technical");
    int complex = !complaint && !incident && chance(r, 0.10);
    int major = incident || chance(r, 0.03);
    int emergency = !strcmp(severity, "emergency");
    /* who works on it round the clock: incidents and priority emergencies/technical */
    int allday = incident || (priority && (emergency || technical || complex));
#define WORK(from, dur) (allday ? (from) + (dur) : desk_add((from), (dur)))

    add_str(g, &b, "standing", standing);
    add_str(g, &b, "value_tier", value);
    add_str(g, &b, "segment", PICK(r, segments, segment_w));
    add_str(g, &b, "loyalty", PICK(r, loyalties, loyalty_w));
    add_str(g, &b, "kind", kind);
    add_str(g, &b, "category", category);
    add_str(g, &b, "severity", severity);
    add_str(g, &b, "channel", channel);
    if (complex) add_field(g, &b, "complex", "true");
    if (major) add_field(g, &b, "major", "true");
    emit(g, c, &t, t0, "opened", &b);

    char agent[16];
    snprintf(agent, sizeof agent, "a%03d", (int)(next64(r) % 120) + 1);

    /* First response: mostly well inside target (R16: average under 20 min);
     * inquiries at once (R2), technical support within 15 min (R9). */
    int inquiry = !strcmp(kind, "inquiry");
    int64_t median = incident ? 5 * MIN_MS : technical ? 6 * MIN_MS : inquiry ? 5 * MIN_MS
                                                                      : 11 * MIN_MS;
    int64_t rdelay = lognormal_ms(r, median, 0.5);
    if (chance(r, 0.01)) rdelay += uniform_ms(r, 30 * MIN_MS, 3 * HOUR_MS); /* a bad day */
    if (complaint) {
        b.n = 0;
        emit(g, c, &t, WORK(t0, uniform_ms(r, 2 * MIN_MS, 25 * MIN_MS)), "accepted", &b);
    }
    b.n = 0;
    add_str(g, &b, "agent", agent);
    emit(g, c, &t, WORK(t0, rdelay), "responded", &b);

    /* A field update raising the priority (dynamic grading). */
    int64_t upd = -1;
    if (chance(r, 0.08)) upd = t + uniform_ms(r, 10 * MIN_MS, 3 * HOUR_MS);

    int64_t resolved;
    if (complaint) {
        /* R20: accept (above), analyse, handle, feed back, improve. */
        b.n = 0;
        add_str(g, &b, "complaint_type", PICK(r, ctypes, ctype_w));
        if (chance(r, 0.1)) add_str(g, &b, "severity", emergency ? "emergency" : "general");
        emit(g, c, &t, WORK(t, uniform_ms(r, 15 * MIN_MS, 80 * MIN_MS)), "analysed", &b);
        /* R7: handled within 2 working days, on average in under 4 h */
        int64_t handle = lognormal_ms(r, 2 * HOUR_MS, 0.6);
        if (chance(r, 0.03)) handle += uniform_ms(r, 8 * HOUR_MS, 20 * HOUR_MS);
        emit(g, c, &t, desk_add(t, handle), "handled", NULL);
        emit(g, c, &t, t + uniform_ms(r, 5 * MIN_MS, 60 * MIN_MS), "resolved", NULL);
        resolved = t;
    } else {
        if (upd >= 0 && chance(r, 0.5)) {
            b.n = 0;
            static const char *const ups[] = {"severity", "standing", "complex", "major"};
            const char *u = ups[next64(r) % 4];
            if (!strcmp(u, "severity")) add_str(g, &b, u, "emergency");
            else if (!strcmp(u, "standing")) add_str(g, &b, u, "vip");
            else add_field(g, &b, u, "true");
            emit(g, c, &t, upd, "updated", &b);
            upd = -1;
        }
        int64_t work;
        int fed = 0;
        if (!strcmp(kind, "feedback")) {
            /* acknowledged and passed to the team, then analysed (R15) */
            emit(g, c, &t, WORK(t, uniform_ms(r, 2 * MIN_MS, 15 * MIN_MS)), "handled", NULL);
            int64_t rep = uniform_ms(r, 2 * HOUR_MS, 20 * HOUR_MS);
            if (chance(r, 0.05)) rep += uniform_ms(r, 4 * HOUR_MS, 16 * HOUR_MS);
            emit(g, c, &t, desk_add(t, rep), "reported", NULL);
            work = uniform_ms(r, 5 * MIN_MS, HOUR_MS);
        } else if (inquiry && !complex && !technical) {
            work = uniform_ms(r, 0, 30 * MIN_MS);
        } else {
            /* initial handling / a solution: R9's 30 min for technical issues */
            int64_t hmed = incident ? 8 * MIN_MS : technical ? 7 * MIN_MS
                         : complex ? HOUR_MS : 2 * HOUR_MS;
            emit(g, c, &t, WORK(t, lognormal_ms(r, hmed, 0.5)), "handled", NULL);
            /* R8: a major issue's customer hears back within the working day */
            if (major || emergency) {
                emit(g, c, &t, WORK(t, uniform_ms(r, 10 * MIN_MS, 3 * HOUR_MS)), "fed_back", NULL);
                fed = 1;
            }
            int64_t rmed = !strcmp(kind, "security") ? 50 * MIN_MS
                         : !strcmp(kind, "outage")   ? 100 * MIN_MS
                         : priority                  ? 2 * HOUR_MS
                         : complex                   ? 3 * HOUR_MS
                         : technical                 ? 5 * HOUR_MS
                                                     : 4 * HOUR_MS;
            work = lognormal_ms(r, rmed, 0.6);
            if (chance(r, 0.03)) work += uniform_ms(r, 4 * HOUR_MS, 40 * HOUR_MS);
        }
        if ((major || emergency) && !fed)
            emit(g, c, &t, WORK(t, uniform_ms(r, 10 * MIN_MS, 3 * HOUR_MS)), "fed_back", NULL);
        /* waiting on the customer (after the first answer and the initial handling) */
        if (!incident && chance(r, 0.15)) {
            emit(g, c, &t, t + uniform_ms(r, 10 * MIN_MS, 2 * HOUR_MS), "paused", NULL);
            emit(g, c, &t, t + uniform_ms(r, 30 * MIN_MS, 20 * HOUR_MS), "resumed", NULL);
        }
        if (upd >= 0) { /* late update: a new agent note, priority raised */
            b.n = 0;
            add_str(g, &b, "severity", "emergency");
            emit(g, c, &t, upd, "updated", &b);
        }
        emit(g, c, &t, WORK(t, work), "resolved", NULL);
        resolved = t;
    }

    /* Reopened by the customer, resolved again. */
    if (chance(r, 0.03)) {
        emit(g, c, &t, t + uniform_ms(r, 2 * HOUR_MS, 30 * HOUR_MS), "reopened", NULL);
        /* answered and handled again: the clocks resume with what they had */
        b.n = 0;
        add_str(g, &b, "agent", agent);
        emit(g, c, &t, WORK(t, lognormal_ms(r, 4 * MIN_MS, 0.4)), "responded", &b);
        emit(g, c, &t, WORK(t, lognormal_ms(r, 5 * MIN_MS, 0.4)), "handled", NULL);
        emit(g, c, &t, WORK(t, uniform_ms(r, HOUR_MS, 8 * HOUR_MS)), "resolved", NULL);
        resolved = t;
    }
    (void)resolved;

    /* R20 step 4: the result fed back to the complaining customer. */
    if (complaint) emit(g, c, &t, desk_add(t, uniform_ms(r, 10 * MIN_MS, 6 * HOUR_MS)), "fed_back", NULL);

    /* R14: follow-up visit, most within 24 h. */
    if (chance(r, 0.96)) {
        int64_t fu = lognormal_ms(r, 4 * HOUR_MS, 0.8);
        if (chance(r, 0.04)) fu = uniform_ms(r, 24 * HOUR_MS, 48 * HOUR_MS);
        emit(g, c, &t, t + fu, "followed_up", NULL);
        /* R22: survey and low scores */
        if (chance(r, 0.35)) {
            int score = pick(r, score_w, 5) + 1;
            b.n = 0;
            add_int(g, &b, "score", score);
            emit(g, c, &t, t + uniform_ms(r, 10 * MIN_MS, 24 * HOUR_MS), "surveyed", &b);
            int review = score <= 2;
            if (chance(r, score <= 2 ? 0.3 : 0.01)) {
                emit(g, c, &t, t + uniform_ms(r, HOUR_MS, 48 * HOUR_MS), "appealed", NULL);
                review = 1;
            }
            if (review)
                emit(g, c, &t, desk_add(t, uniform_ms(r, HOUR_MS, 7 * HOUR_MS)), "reviewed",
                     NULL);
        }
    }
    if (complaint && chance(r, 0.8))
        emit(g, c, &t, desk_add(t, uniform_ms(r, 3 * 8 * HOUR_MS, 22 * 8 * HOUR_MS)), "improved",
             NULL);
    emit(g, c, &t, t + uniform_ms(r, HOUR_MS, 48 * HOUR_MS), "closed", NULL);
#undef WORK
}

static int by_time(const void *a, const void *b)
{
    const gen_event *x = a, *y = b;
    if (x->at != y->at) return x->at < y->at ? -1 : 1;
    if (x->ncase != y->ncase) return x->ncase < y->ncase ? -1 : 1;
    return (x->ord > y->ord) - (x->ord < y->ord);
}

/* An RFC 3339 time in Beijing time, whole seconds: 2025-03-10T09:15:00+08:00. */
static void fmt_time(int64_t ms, char *buf, size_t size)
{
    ts_format_offset(ms, (int)(CST_MS / 60000), TS_SECONDS, buf, size);
}

void eg_defaults(eg_options *o)
{
    memset(o, 0, sizeof *o);
    o->seed = 1;
    o->cases = 3000;
    o->rate = 125;
    o->start = civil_to_days(2025, 3, 10) * DAY_MS - CST_MS;
    o->complaint_pct = 1.2;
}

static void release(gen *g)
{
    for (size_t i = 0; i < g->nev; i++) free(g->ev[i].fields);
    free(g->ev);
}

int eg_write(const eg_options *o, FILE *out)
{
    gen g;
    memset(&g, 0, sizeof g);
    g.r.s = o->seed;
    g.filter = o->filter;

    /* Arrivals: a Poisson process thinned by the hour-of-day intensity. */
    double mean = mean_intensity(), peak = 0;
    for (int h = 0; h < 24; h++)
        if (hour_w[h] > peak) peak = hour_w[h];
    double peak_rate = o->rate * peak / mean / 3600000.0; /* per ms */
    int64_t t = o->start;
    for (long c = 0; c < o->cases && !g.oom;) {
        t += (int64_t)(-log(1.0 - unif(&g.r)) / peak_rate) + 1;
        if (unif(&g.r) * peak >= intensity(t)) continue;
        gen_case(&g, (uint32_t)c++, t, o);
    }
    if (g.oom) {
        release(&g);
        return -1;
    }
    qsort(g.ev, g.nev, sizeof *g.ev, by_time);

    char ts[64];
    for (size_t i = 0; i < g.nev; i++) {
        gen_event *e = &g.ev[i];
        fmt_time(e->at, ts, sizeof ts);
        fprintf(out, "{\"case\":\"C%06u\",\"type\":\"%s\",\"at\":\"%s\",\"id\":\"e%07zu\"%s}\n",
                (unsigned)e->ncase + 1, e->type, ts, i + 1, e->fields ? e->fields : "");
    }
    release(&g);
    return 0;
}
