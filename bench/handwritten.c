/*
 * handwritten.c - service-2025 coded by hand in C, the honest baseline (see
 * handwritten.h).  Everything the policy says about tiers and the four declared
 * clocks is spelled out as tables and branches here; the clock rules mirror
 * docs/semantics.md (settle, steps fired once per key, one timer per counting
 * clock).
 */
#include "handwritten.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calendar.h"
#include "program_info.h"

/* ---- the policy, by hand ------------------------------------------------------- */

enum { F_STANDING, F_VALUE_TIER, F_KIND, F_CATEGORY, F_SEVERITY, F_CHANNEL, F_COMPLEX, NF };
static const char *const field_names[NF] = {"standing", "value_tier", "kind", "category",
                                            "severity", "channel", "complex"};
enum { VIP = 2 };                                       /* standing */
enum { HIGH = 2 };                                      /* value_tier */
enum { INQUIRY, REQUEST, COMPLAINT, OUTAGE, SECURITY }; /* kind */
enum { TECHNICAL = 1, PROCESS = 2 };                    /* category */
enum { EMERGENCY = 2 };                                 /* severity */
enum { PHONE, EMAIL, CHAT };                            /* channel */

enum { C_RESPONSE, C_HANDLING, C_RESOLUTION, C_FOLLOW_UP, NCLK = BS_NCLOCKS };

/* Built-in event indices (program.h). */
enum { E_OPENED, E_RESPONDED, E_UPDATED, E_PAUSED, E_RESUMED, E_RESOLVED, E_REOPENED,
       E_CLOSED, E_FOLLOWED_UP, E_SURVEYED, E_REVIEWED, E_TICK };

#define M_ ((int64_t)60000)
#define H_ (60 * M_)

/* Step keys: a bit each, per clock. */
enum { K_BREACH, K_P25, K_P50, K_P75, K_B4H, K_B8H };

typedef struct hstep {
    uint8_t key;
    uint8_t percent;    /* warn at percent of the target, 0 for breaches */
    int64_t after;      /* breach + after */
} hstep;

typedef struct hladder_clock {
    const hstep *steps; /* sorted by point */
    uint8_t n;
} hladder_clock;

/* Ladders: the steps each clock's target gets (the implicit breach included). */
static const hstep br[] = {{K_BREACH, 0, 0}};
static const hstep p50_br[] = {{K_P50, 50, 0}, {K_BREACH, 0, 0}};
static const hstep p75_br[] = {{K_P75, 75, 0}, {K_BREACH, 0, 0}};
static const hstep p75_br_8h[] = {{K_P75, 75, 0}, {K_BREACH, 0, 0}, {K_B8H, 0, 8 * H_}};
static const hstep p25_br_4h[] = {{K_P25, 25, 0}, {K_BREACH, 0, 0}, {K_B4H, 0, 4 * H_}};
static const hstep p50_br_4h[] = {{K_P50, 50, 0}, {K_BREACH, 0, 0}, {K_B4H, 0, 4 * H_}};
#define L(a) {a, (uint8_t)(sizeof a / sizeof a[0])}
static const hladder_clock incident[NCLK] = {L(br), L(br), L(p50_br), L(br)};
static const hladder_clock technical[NCLK] = {L(br), L(br), L(p75_br_8h), L(br)};
static const hladder_clock complaint[NCLK] = {L(p75_br), L(br), L(p25_br_4h), L(br)};
static const hladder_clock standard[NCLK] = {L(p75_br), L(br), L(p50_br_4h), L(br)};

typedef struct htier {
    int64_t target[NCLK];   /* ms; 0: no target */
    uint8_t business[NCLK]; /* 1: on the business calendar */
    const hladder_clock *ladder;
} htier;

#define WD (8 * H_) /* the business calendar's working day */
static const htier tiers[] = {
    /* security */ {{15 * M_, 30 * M_, 2 * H_, 24 * H_}, {0, 0, 0, 0}, incident},
    /* outage */ {{15 * M_, 30 * M_, 4 * H_, 24 * H_}, {0, 0, 0, 0}, incident},
    /* vip_emergency */ {{15 * M_, 30 * M_, 4 * H_, 24 * H_}, {0, 0, 0, 0}, incident},
    /* vip_complaint */ {{1 * H_, 0, 1 * WD, 24 * H_}, {1, 0, 1, 0}, complaint},
    /* complaint_emergency */ {{2 * H_, 0, 2 * WD, 24 * H_}, {0, 0, 1, 0}, complaint},
    /* complaint */ {{2 * H_, 0, 2 * WD, 24 * H_}, {1, 0, 1, 0}, complaint},
    /* vip_technical */ {{15 * M_, 30 * M_, 8 * H_, 24 * H_}, {0, 0, 0, 0}, technical},
    /* vip_complex */ {{1 * H_, 24 * H_, 8 * H_, 24 * H_}, {1, 0, 0, 0}, standard},
    /* vip */ {{1 * H_, 24 * H_, 24 * H_, 24 * H_}, {1, 0, 0, 0}, standard},
    /* technical_complex */ {{15 * M_, 30 * M_, 8 * H_, 24 * H_}, {1, 1, 1, 0}, technical},
    /* technical */ {{15 * M_, 30 * M_, 72 * H_, 24 * H_}, {1, 1, 0, 0}, technical},
    /* complex */ {{2 * H_, 48 * H_, 8 * H_, 24 * H_}, {1, 0, 1, 0}, standard},
    /* process */ {{2 * H_, 48 * H_, 48 * H_, 24 * H_}, {1, 0, 0, 0}, standard},
    /* request_contact */ {{2 * H_, 48 * H_, 0, 24 * H_}, {1, 0, 0, 0}, standard},
    /* request */ {{24 * H_, 48 * H_, 0, 24 * H_}, {0, 0, 0, 0}, standard},
    /* inquiry */ {{24 * H_, 0, 0, 24 * H_}, {0, 0, 0, 0}, standard},
    /* default */ {{2 * H_, 0, 0, 24 * H_}, {1, 0, 0, 0}, standard},
};
#define NTIERS ((int)(sizeof tiers / sizeof tiers[0]))

/* The tiers in order: first match wins. */
static int select_tier(const int64_t *f)
{
    int prio = f[F_STANDING] == VIP || f[F_VALUE_TIER] == HIGH;
    int64_t kind = f[F_KIND], cat = f[F_CATEGORY];
    int emerg = f[F_SEVERITY] == EMERGENCY, cx = f[F_COMPLEX] != 0;
    if (kind == SECURITY) return 0;
    if (kind == OUTAGE) return 1;
    if (prio && emerg) return 2;
    if (kind == COMPLAINT) return prio ? 3 : emerg ? 4 : 5;
    if (cat == TECHNICAL && prio) return 6;
    if (cx && prio) return 7;
    if (prio) return 8;
    if (cat == TECHNICAL) return cx ? 9 : 10;
    if (cx) return 11;
    if (cat == PROCESS) return 12;
    if (kind == REQUEST) {
        int64_t ch = f[F_CHANNEL];
        return ch == PHONE || ch == EMAIL || ch == CHAT ? 13 : 14;
    }
    if (kind == INQUIRY) return 15;
    return 16;
}

/* ---- state ------------------------------------------------------------------------- */

/* WAITING: started while the tier gave it no target (elapsed holds when). */
enum { IDLE, ACTIVE, STOPPED, WAITING };

typedef struct hclock {
    int64_t elapsed, since;
    uint32_t heap;        /* position in the heap, UINT32_MAX when not queued */
    uint8_t state, paused, fired;
    int8_t has_target;
} hclock;

typedef struct hcase {
    uint64_t created;     /* 0: free slot */
    uint64_t hash;
    char *longid;         /* heap copy when longer than the inline buffer, else NULL */
    char idbuf[16];
    uint16_t id_len;
    int8_t tier;
    int64_t f[NF];
    hclock k[NCLK];
} hcase;

/* The case's id (records move when the slot array grows: no self-pointers). */
static const char *idof(const hcase *c)
{
    return c->longid ? c->longid : c->idbuf;
}

typedef struct hentry {
    int64_t at;
    uint64_t created;
    uint32_t slot, clock;
} hentry;

struct hw_engine {
    const cal_table *biz;
    int field_of[64];     /* program field id -> F_*, -1 when not used */
    int64_t now;
    uint64_t ncreated;
    hcase *cases;         /* slots */
    uint32_t ncases, capcases;
    uint32_t *freeslots;
    uint32_t nfree;
    uint32_t *tab;        /* open addressing: slot + 1, 0 empty; power-of-2 size */
    uint32_t tabmask;
    uint32_t open;
    hentry *heap;
    uint32_t nheap, capheap;
    int ev_handled;       /* the declared event `handled` */
    hw_sink sink;
    void *ud;
};

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n);
    if (!q) {
        fprintf(stderr, "handwritten: out of memory\n");
        abort();
    }
    return q;
}

/* ---- the timer heap ------------------------------------------------------------------ */

static int before(const hentry *a, const hentry *b)
{
    if (a->at != b->at) return a->at < b->at;
    if (a->created != b->created) return a->created < b->created;
    return a->clock < b->clock;
}

static void hplace(hw_engine *h, uint32_t i, hentry e)
{
    h->heap[i] = e;
    h->cases[e.slot].k[e.clock].heap = i;
}

static void sift_up(hw_engine *h, uint32_t i)
{
    hentry e = h->heap[i];
    while (i > 0) {
        uint32_t p = (i - 1) / 2;
        if (!before(&e, &h->heap[p])) break;
        hplace(h, i, h->heap[p]);
        i = p;
    }
    hplace(h, i, e);
}

static void sift_down(hw_engine *h, uint32_t i)
{
    hentry e = h->heap[i];
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= h->nheap) break;
        if (c + 1 < h->nheap && before(&h->heap[c + 1], &h->heap[c])) c++;
        if (!before(&h->heap[c], &e)) break;
        hplace(h, i, h->heap[c]);
        i = c;
    }
    hplace(h, i, e);
}

static void timer_remove(hw_engine *h, uint32_t slot, uint32_t ci)
{
    hclock *k = &h->cases[slot].k[ci];
    uint32_t i = k->heap;
    if (i == UINT32_MAX) return;
    k->heap = UINT32_MAX;
    if (--h->nheap == i) return;
    hplace(h, i, h->heap[h->nheap]);
    if (i > 0 && before(&h->heap[i], &h->heap[(i - 1) / 2]))
        sift_up(h, i);
    else
        sift_down(h, i);
}

static void timer_set(hw_engine *h, uint32_t slot, uint32_t ci, int64_t at)
{
    hclock *k = &h->cases[slot].k[ci];
    if (k->heap == UINT32_MAX) {
        if (h->nheap == h->capheap) {
            h->capheap = h->capheap ? h->capheap * 2 : 1024;
            h->heap = xrealloc(h->heap, sizeof *h->heap * h->capheap);
        }
        uint32_t i = h->nheap++;
        hplace(h, i, (hentry){at, h->cases[slot].created, slot, ci});
        sift_up(h, i);
        return;
    }
    uint32_t i = k->heap;
    int64_t old = h->heap[i].at;
    h->heap[i].at = at;
    if (at < old)
        sift_up(h, i);
    else
        sift_down(h, i);
}

/* ---- clocks -------------------------------------------------------------------------- */

static const cal_table *cal_of(const hw_engine *h, const hcase *c, int ci)
{
    return tiers[c->tier].business[ci] ? h->biz : NULL;
}

static int64_t work(const cal_table *cal, int64_t a, int64_t b)
{
    if (b <= a) return 0;
    return cal ? cal_between(cal, a, b) : b - a;
}

static int64_t add_work(const cal_table *cal, int64_t t, int64_t w)
{
    if (w <= 0) return t;
    if (!cal) return t > INT64_MAX - w ? INT64_MAX : t + w;
    return cal_add(cal, t, w);
}

static int counting(const hclock *k)
{
    return k->state == ACTIVE && !k->paused && k->has_target;
}

/* Its steps can fire: a paused clock fires those a new target put at or below
 * its working time, at the change. */
static int armed(const hclock *k)
{
    return k->state == ACTIVE && k->has_target;
}

static void settle(const hw_engine *h, const hcase *c, int ci, hclock *k)
{
    if (counting(k)) k->elapsed += work(cal_of(h, c, ci), k->since, h->now);
    k->since = h->now;
}

static int64_t target_of(const hcase *c, int ci)
{
    return tiers[c->tier].target[ci];
}

static int64_t deadline(const hw_engine *h, const hcase *c, int ci)
{
    const hclock *k = &c->k[ci];
    if (!counting(k)) return INT64_MIN;
    int64_t t = target_of(c, ci);
    if (k->elapsed >= t) return INT64_MIN;
    int64_t d = add_work(cal_of(h, c, ci), k->since, t - k->elapsed);
    return d == INT64_MAX ? INT64_MIN : d;
}

static int64_t point(const hstep *s, int64_t target)
{
    if (s->percent) return target / 100 * s->percent + target % 100 * s->percent / 100;
    return target + s->after;
}

/* The lowest unfired step, or NULL. */
static const hstep *next_step(const hcase *c, int ci, int64_t *p)
{
    const hladder_clock *l = &tiers[c->tier].ladder[ci];
    for (int i = 0; i < l->n; i++)
        if (!(c->k[ci].fired & (1u << l->steps[i].key))) {
            *p = point(&l->steps[i], target_of(c, ci));
            return &l->steps[i];
        }
    return NULL;
}

static void emit(hw_engine *h, uint32_t slot, slate_action a, int ci)
{
    hcase *c = &h->cases[slot];
    hw_dec d = {h->now, idof(c), c->id_len, a, ci, -1, INT64_MIN, 0};
    if (ci >= 0) {
        d.elapsed = c->k[ci].elapsed;
        if (a == SLATE_A_START || a == SLATE_A_RESUME) d.deadline = deadline(h, c, ci);
    } else {
        d.tier = c->tier;
        for (int i = 0; i < NCLK; i++) /* the sla decision lists each deadline */
            if (c->k[i].has_target) d.deadline = deadline(h, c, i);
    }
    h->sink(h->ud, &d);
}

static void schedule(hw_engine *h, uint32_t slot, int ci)
{
    hcase *c = &h->cases[slot];
    hclock *k = &c->k[ci];
    int64_t p = 0;
    if (!armed(k) || !next_step(c, ci, &p)) {
        timer_remove(h, slot, (uint32_t)ci);
        return;
    }
    settle(h, c, ci, k);
    if (!counting(k) && p > k->elapsed) {
        timer_remove(h, slot, (uint32_t)ci);
        return;
    }
    int64_t at = p <= k->elapsed ? h->now : add_work(cal_of(h, c, ci), h->now, p - k->elapsed);
    if (at == INT64_MAX)
        timer_remove(h, slot, (uint32_t)ci);
    else
        timer_set(h, slot, (uint32_t)ci, at);
}

static void fire(hw_engine *h, uint32_t slot, int ci)
{
    hcase *c = &h->cases[slot];
    hclock *k = &c->k[ci];
    settle(h, c, ci, k);
    for (;;) {
        int64_t p = 0;
        const hstep *s;
        if (!armed(k) || !(s = next_step(c, ci, &p)) || p > k->elapsed) break;
        k->fired |= (uint8_t)(1u << s->key);
        emit(h, slot, s->percent ? SLATE_A_WARN : SLATE_A_BREACH, ci);
        /* the ladder's actions (escalate, notify, assign) are outside the subset;
         * no tier of service-2025 depends on the level */
    }
    schedule(h, slot, ci);
}

static void start(hw_engine *h, uint32_t slot, int ci)
{
    hclock *k = &h->cases[slot].k[ci];
    if (k->state == ACTIVE) return;
    if (!k->has_target) {
        if (k->state != WAITING) {
            k->state = WAITING;
            k->elapsed = h->now;
        }
        return;
    }
    k->state = ACTIVE;
    k->elapsed = 0;
    k->fired = 0;
    k->paused = 0;
    k->since = h->now;
    emit(h, slot, SLATE_A_START, ci);
    schedule(h, slot, ci);
}

static void stop(hw_engine *h, uint32_t slot, int ci)
{
    hcase *c = &h->cases[slot];
    hclock *k = &c->k[ci];
    if (k->state == WAITING) k->state = IDLE;
    if (k->state != ACTIVE) return;
    settle(h, c, ci, k);
    k->state = STOPPED;
    timer_remove(h, slot, (uint32_t)ci);
    if (k->has_target) emit(h, slot, SLATE_A_STOP, ci);
}

static void pause_clock(hw_engine *h, uint32_t slot, int ci)
{
    hcase *c = &h->cases[slot];
    hclock *k = &c->k[ci];
    if (k->state != ACTIVE || k->paused) return;
    int was = counting(k);
    settle(h, c, ci, k);
    k->paused = 1;
    if (was) emit(h, slot, SLATE_A_PAUSE, ci);
    schedule(h, slot, ci);
}

static void resume_clock(hw_engine *h, uint32_t slot, int ci)
{
    hcase *c = &h->cases[slot];
    hclock *k = &c->k[ci];
    if (k->state != ACTIVE || !k->paused) return;
    settle(h, c, ci, k);
    k->paused = 0;
    if (counting(k)) emit(h, slot, SLATE_A_RESUME, ci);
    schedule(h, slot, ci);
}

/* `reopened`: the clocks a resolution stops (handling, resolution) run on;
 * the response already given stays met. */
static void reopen(hw_engine *h, uint32_t slot)
{
    for (int ci = C_HANDLING; ci <= C_RESOLUTION; ci++) {
        hclock *k = &h->cases[slot].k[ci];
        if (k->state != STOPPED) continue;
        k->state = ACTIVE;
        k->paused = 0;
        k->since = h->now;
        if (counting(k)) emit(h, slot, SLATE_A_RESUME, ci);
        schedule(h, slot, ci);
    }
}

/* Choose the tier; on a change every clock takes the new target, keeping the
 * working time counted so far, and a clock waiting for a target starts with the
 * working time since its start event. */
static void select_and_retarget(hw_engine *h, uint32_t slot)
{
    hcase *c = &h->cases[slot];
    int t = select_tier(c->f);
    if (t == c->tier) return;
    for (int ci = 0; ci < NCLK; ci++)
        if (c->tier >= 0) settle(h, c, ci, &c->k[ci]);
    c->tier = (int8_t)t;
    for (int ci = 0; ci < NCLK; ci++) {
        c->k[ci].has_target = tiers[t].target[ci] != 0;
        c->k[ci].since = h->now;
    }
    emit(h, slot, SLATE_A_SLA, -1);
    for (int ci = 0; ci < NCLK; ci++) {
        hclock *k = &c->k[ci];
        if (k->state != WAITING || !k->has_target) continue;
        int64_t from = k->elapsed;
        k->state = ACTIVE;
        k->fired = 0;
        k->paused = 0;
        k->since = h->now;
        k->elapsed = work(cal_of(h, c, ci), from, h->now);
        emit(h, slot, SLATE_A_START, ci);
    }
    for (int ci = 0; ci < NCLK; ci++) schedule(h, slot, ci);
}

/* ---- cases -------------------------------------------------------------------------- */

static uint32_t find(const hw_engine *h, const char *id, size_t len, uint64_t hash)
{
    for (uint32_t i = (uint32_t)hash & h->tabmask;; i = (i + 1) & h->tabmask) {
        uint32_t s = h->tab[i];
        if (!s) return UINT32_MAX;
        const hcase *c = &h->cases[s - 1];
        if (c->hash == hash && c->id_len == len && !memcmp(idof(c), id, len)) return s - 1;
    }
}

static void tab_insert(hw_engine *h, uint32_t slot)
{
    uint32_t i = (uint32_t)h->cases[slot].hash & h->tabmask;
    while (h->tab[i]) i = (i + 1) & h->tabmask;
    h->tab[i] = slot + 1;
}

static void grow_tab(hw_engine *h)
{
    uint32_t n = (h->tabmask + 1) * 2;
    free(h->tab);
    h->tab = calloc(n, sizeof *h->tab);
    if (!h->tab) abort();
    h->tabmask = n - 1;
    for (uint32_t s = 0; s < h->ncases; s++)
        if (h->cases[s].created) tab_insert(h, s);
}

/* Delete with backward shift, so linear probing needs no tombstones. */
static void tab_delete(hw_engine *h, uint32_t slot)
{
    uint32_t i = (uint32_t)h->cases[slot].hash & h->tabmask;
    while (h->tab[i] != slot + 1) i = (i + 1) & h->tabmask;
    for (uint32_t j = i;;) {
        j = (j + 1) & h->tabmask;
        if (!h->tab[j]) break;
        uint32_t home = (uint32_t)h->cases[h->tab[j] - 1].hash & h->tabmask;
        /* move j back to i unless its home lies cyclically in (i, j] */
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            h->tab[i] = h->tab[j];
            i = j;
        }
    }
    h->tab[i] = 0;
}

static uint32_t open_case(hw_engine *h, const char *id, size_t len, uint64_t hash)
{
    if ((uint64_t)(h->open + 1) * 2 > (uint64_t)h->tabmask + 1) grow_tab(h);
    uint32_t slot;
    if (h->nfree) {
        slot = h->freeslots[--h->nfree];
    } else {
        if (h->ncases == h->capcases) {
            h->capcases = h->capcases ? h->capcases * 2 : 1024;
            h->cases = xrealloc(h->cases, sizeof *h->cases * h->capcases);
            h->freeslots = xrealloc(h->freeslots, sizeof *h->freeslots * h->capcases);
        }
        slot = h->ncases++;
    }
    hcase *c = &h->cases[slot];
    memset(c, 0, sizeof *c);
    c->created = ++h->ncreated;
    c->hash = hash;
    c->id_len = (uint16_t)len;
    c->longid = len <= sizeof c->idbuf ? NULL : xrealloc(NULL, len);
    memcpy(c->longid ? c->longid : c->idbuf, id, len);
    c->tier = -1;
    for (int ci = 0; ci < NCLK; ci++) c->k[ci].heap = UINT32_MAX;
    tab_insert(h, slot);
    h->open++;
    return slot;
}

static void close_case(hw_engine *h, uint32_t slot)
{
    hcase *c = &h->cases[slot];
    for (uint32_t ci = 0; ci < NCLK; ci++) timer_remove(h, slot, ci);
    tab_delete(h, slot);
    free(c->longid);
    c->created = 0;
    h->freeslots[h->nfree++] = slot;
    h->open--;
}

/* ---- events --------------------------------------------------------------------------- */

static void advance(hw_engine *h, int64_t t)
{
    while (h->nheap && h->heap[0].at <= t) {
        if (h->heap[0].at > h->now) h->now = h->heap[0].at;
        fire(h, h->heap[0].slot, (int)h->heap[0].clock);
    }
    if (t > h->now) h->now = t;
}

void hw_push(hw_engine *h, const slate_event *ev, hw_sink sink, void *ud)
{
    h->sink = sink;
    h->ud = ud;
    if (h->now != INT64_MIN && ev->at < h->now) return; /* too late (tolerance 0) */
    advance(h, ev->at);
    if (ev->type == E_TICK || !ev->case_id || !ev->case_len) return;
    uint64_t hash = bs_fnv(ev->case_id, ev->case_len);
    uint32_t slot = find(h, ev->case_id, ev->case_len, hash);
    int opened = ev->type == E_OPENED;
    if (opened == (slot != UINT32_MAX)) return; /* already open / unknown case */
    if (opened) slot = open_case(h, ev->case_id, ev->case_len, hash);

    int changed = opened;
    for (size_t i = 0; i < ev->nvalues; i++) {
        int f = ev->values[i].field < 64 ? h->field_of[ev->values[i].field] : -1;
        if (f < 0) continue;
        int64_t x = f == F_COMPLEX ? ev->values[i].i != 0 : ev->values[i].i;
        changed |= h->cases[slot].f[f] != x;
        h->cases[slot].f[f] = x;
    }
    if (changed) select_and_retarget(h, slot);

    switch (ev->type) {
    case E_OPENED:
        start(h, slot, C_RESPONSE);
        start(h, slot, C_HANDLING);
        start(h, slot, C_RESOLUTION);
        break;
    case E_RESPONDED: stop(h, slot, C_RESPONSE); break;
    case E_PAUSED:
        pause_clock(h, slot, C_HANDLING);
        pause_clock(h, slot, C_RESOLUTION);
        break;
    case E_RESUMED:
        resume_clock(h, slot, C_HANDLING);
        resume_clock(h, slot, C_RESOLUTION);
        break;
    case E_RESOLVED:
        stop(h, slot, C_HANDLING);
        stop(h, slot, C_RESOLUTION);
        start(h, slot, C_FOLLOW_UP);
        break;
    case E_REOPENED:
        reopen(h, slot);
        stop(h, slot, C_FOLLOW_UP);
        break;
    case E_CLOSED:
        stop(h, slot, C_HANDLING);
        stop(h, slot, C_RESOLUTION);
        close_case(h, slot);
        break;
    case E_FOLLOWED_UP: stop(h, slot, C_FOLLOW_UP); break;
    default:
        if (ev->type == h->ev_handled) stop(h, slot, C_HANDLING);
        break;
    }
    advance(h, ev->at); /* steps the event made due at once */
}

/* ---- batches ---------------------------------------------------------------------------- */

/* The same staged prefetch as slate_engine_push_batch (runtime/batch.c), so the
 * two stay comparable: the case id HW_ID events ahead, the bucket HW_FAR ahead,
 * the record (all of it: four lines, fields and clocks) HW_NEAR ahead, the
 * clocks' heap entries HW_HEAP ahead. */
#define HW_ID 32
#define HW_FAR 16
#define HW_NEAR 8
#define HW_HEAP 4

static int hw_keyed(const slate_event *ev)
{
    return ev->case_id && ev->case_len > 0 && ev->type != E_TICK;
}

/* The slot of the first bucket whose case has the hash, or UINT32_MAX (the
 * hash is in the record here, so this reads the records it passes). */
static uint32_t hw_slot(const hw_engine *h, uint64_t hash)
{
    for (uint32_t i = (uint32_t)hash & h->tabmask;; i = (i + 1) & h->tabmask) {
        uint32_t s = h->tab[i];
        if (!s || h->cases[s - 1].hash == hash) return s ? s - 1 : UINT32_MAX;
    }
}

void hw_push_batch(hw_engine *h, const slate_event *evs, size_t n, hw_sink sink, void *ud)
{
    uint64_t hash[HW_FAR];
    uint8_t keyed[HW_FAR];
    for (size_t j = 0; j < n && j < HW_FAR; j++)
        if ((keyed[j] = (uint8_t)hw_keyed(&evs[j]))) {
            hash[j] = bs_fnv(evs[j].case_id, evs[j].case_len);
            __builtin_prefetch(&h->tab[(uint32_t)hash[j] & h->tabmask]);
        }
    for (size_t j = HW_FAR; j < n && j < HW_ID; j++) __builtin_prefetch(evs[j].case_id);
    for (size_t i = 0; i < n; i++) {
        if (i + HW_ID < n) __builtin_prefetch(evs[i + HW_ID].case_id);
        size_t j = i + HW_FAR, r = j % HW_FAR;
        if (j < n && (keyed[r] = (uint8_t)hw_keyed(&evs[j]))) {
            hash[r] = bs_fnv(evs[j].case_id, evs[j].case_len);
            __builtin_prefetch(&h->tab[(uint32_t)hash[r] & h->tabmask]);
        }
        j = i + HW_NEAR, r = j % HW_FAR;
        if (j < n && keyed[r]) {
            uint32_t s = (uint32_t)hash[r] & h->tabmask;
            if (h->tab[s]) { /* the first bucket's record: mostly the case itself */
                const char *c = (const char *)&h->cases[h->tab[s] - 1];
                for (size_t b = 0; b < sizeof(hcase); b += 64) __builtin_prefetch(c + b, 1);
                __builtin_prefetch(c + sizeof(hcase) - 1, 1);
            }
        }
        j = i + HW_HEAP, r = j % HW_FAR;
        if (j < n && keyed[r]) {
            uint32_t s = hw_slot(h, hash[r]);
            if (s != UINT32_MAX)
                for (int ci = 0; ci < NCLK; ci++)
                    if (h->cases[s].k[ci].heap < h->nheap)
                        __builtin_prefetch(&h->heap[h->cases[s].k[ci].heap], 1);
        }
        hw_push(h, &evs[i], sink, ud);
    }
}

/* ---- life ------------------------------------------------------------------------------ */

hw_engine *hw_new(const slate_program *prog, size_t expected_cases)
{
    hw_engine *h = calloc(1, sizeof *h);
    if (!h) return NULL;
    for (int i = 0; i < 64; i++) h->field_of[i] = -1;
    for (int f = 0; f < NF; f++) {
        int id = slate_program_field_id(prog, field_names[f]);
        if (id < 0 || id >= 64) {
            fprintf(stderr, "handwritten: the program has no field `%s`\n", field_names[f]);
            free(h);
            return NULL;
        }
        h->field_of[id] = f;
    }
    /* the enum orders the tables above assume */
    static const struct { int f; const char *v; int i; } check[] = {
        {F_STANDING, "vip", VIP},        {F_VALUE_TIER, "high", HIGH},
        {F_KIND, "inquiry", INQUIRY},    {F_KIND, "request", REQUEST},
        {F_KIND, "complaint", COMPLAINT},{F_KIND, "outage", OUTAGE},
        {F_KIND, "security", SECURITY},  {F_CATEGORY, "technical", TECHNICAL},
        {F_CATEGORY, "process", PROCESS},{F_SEVERITY, "emergency", EMERGENCY},
        {F_CHANNEL, "phone", PHONE},     {F_CHANNEL, "email", EMAIL},
        {F_CHANNEL, "chat", CHAT},
    };
    for (size_t i = 0; i < sizeof check / sizeof check[0]; i++)
        if (slate_program_enum_value(prog, slate_program_field_id(prog, field_names[check[i].f]),
                                     check[i].v) != check[i].i) {
            fprintf(stderr, "handwritten: enum value `%s` is not where it expects\n", check[i].v);
            free(h);
            return NULL;
        }
    h->ev_handled = slate_program_event_id(prog, "handled");
    h->biz = pi_calendar(prog, slate_program_calendar_id(prog, "business"));
    if (!h->biz || h->ev_handled < 0) {
        fprintf(stderr, "handwritten: not the service-2025 policy\n");
        free(h);
        return NULL;
    }
    h->now = INT64_MIN;
    uint32_t n = 1024;
    while (n < expected_cases * 2) n *= 2;
    h->tab = calloc(n, sizeof *h->tab);
    if (!h->tab) {
        free(h);
        return NULL;
    }
    h->tabmask = n - 1;
    return h;
}

void hw_free(hw_engine *h)
{
    if (!h) return;
    for (uint32_t s = 0; s < h->ncases; s++)
        if (h->cases[s].created) free(h->cases[s].longid);
    free(h->cases);
    free(h->freeslots);
    free(h->tab);
    free(h->heap);
    free(h);
}

size_t hw_open_cases(const hw_engine *h)
{
    return h->open;
}

size_t hw_bytes(const hw_engine *h)
{
    return sizeof *h + (size_t)h->capcases * (sizeof(hcase) + sizeof(uint32_t)) +
           ((size_t)h->tabmask + 1) * sizeof(uint32_t) + (size_t)h->capheap * sizeof(hentry);
}

void hw_to_bs(const hw_dec *d, bs_dec *out)
{
    memset(out, 0, sizeof *out);
    out->at = d->at;
    out->case_hash = bs_fnv(d->case_id, d->case_len);
    out->action = (uint8_t)d->action;
    out->clock = (int8_t)d->clock;
    out->tier = (int16_t)d->tier;
    size_t n = d->case_len < sizeof out->case_id - 1 ? d->case_len : sizeof out->case_id - 1;
    memcpy(out->case_id, d->case_id, n);
}
