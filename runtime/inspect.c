/*
 * inspect.c - looking inside an engine's cases (slate.h, "looking inside
 * cases"): one case's tier, level and clocks, and the open cases at risk.
 *
 * Part of the engine (see engine_int.h).  Read-only and allocation-free: the
 * caller passes every array filled here, and the at-risk list is selected in
 * the caller's array itself (a bounded heap, sorted at the end).  Nothing here
 * decides or changes a case; a sink may call it (the case store, timers and
 * program are consistent between any two decisions).  Not here: the clock
 * arithmetic itself (clock.c: clk_elapsed, clk_deadline).
 */
#include <string.h>

#include "engine_int.h"

static int clock_state(const eng_clock *k)
{
    switch (k->state) {
    case CS_ACTIVE: return clk_counting(k) ? SLATE_CLOCK_RUNNING : SLATE_CLOCK_PAUSED;
    case CS_WAITING: return SLATE_CLOCK_PAUSED; /* started, no target yet */
    case CS_STOPPED: return SLATE_CLOCK_STOPPED;
    default: return SLATE_CLOCK_IDLE;
    }
}

/* Working time counted in this run; a clock waiting for a target has counted
 * none yet (its `elapsed` holds the instant of its start event). */
static int64_t elapsed_ms(const slate_engine *e, const eng_clock *k)
{
    return k->state == CS_WAITING ? 0 : clk_elapsed(e, k, e->now);
}

static int64_t target_ms(const slate_engine *e, const eng_clock *k)
{
    return k->target == ENG_NONE ? -1 : e->prog->targets[k->target].target_ms;
}

static void clock_info(const slate_engine *e, uint32_t ci, const eng_clock *k, slate_clock_info *o)
{
    o->clock = (int)ci;
    o->state = clock_state(k);
    o->elapsed_ms = elapsed_ms(e, k);
    o->target_ms = target_ms(e, k);
    /* as a `stop` decision judges it: a breach this run made stays, whatever
     * target a tier change gave the clock since */
    o->breached = k->breach != 0 || (o->target_ms >= 0 && o->elapsed_ms >= o->target_ms);
    o->deadline = o->state == SLATE_CLOCK_RUNNING ? clk_deadline(e, k) : INT64_MIN;
}

int slate_engine_case(const slate_engine *e, const char *id, size_t len, slate_case_info *info,
                      slate_clock_info *clocks, size_t n)
{
    if (!e || !info || (len && !id) || (n && !clocks)) return SLATE_MISUSE;
    memset(info, 0, sizeof *info);
    info->tier = -1;
    info->nclocks = e->nclocks;
    uint32_t slot = len && len <= ENG_MAX_ID ? cs_find(&e->cs, id, len, cs_hash(id, len)) : ENG_NONE;
    if (slot == ENG_NONE) return SLATE_ERROR;
    const slate_program *p = e->prog;
    eng_case *c = cs_case(&e->cs, slot);
    if (c->tier != PROG_NONE) {
        info->tier = c->tier;
        info->tier_name = prog_str(p, p->tiers[c->tier].name);
    }
    info->level = (int)c->level;
    if (c->level >= 0 && (uint64_t)c->level < p->nlevels)
        info->level_name = prog_str(p, p->levels[c->level]);
    const eng_clock *k = case_clocks(e, c);
    for (uint32_t ci = 0; ci < e->nclocks && ci < n; ci++) clock_info(e, ci, &k[ci], &clocks[ci]);
    return SLATE_OK;
}

/* ---- at risk ----------------------------------------------------------------------- */

/* The working ms at which `percent`% of target is reached, as a `warn at N%`
 * step computes it (clock.c step_point), saturating instead of overflowing. */
static int64_t percent_point(int64_t target, int percent)
{
    int64_t whole = target / 100, rest = target % 100;
    if (percent > 0 && whole > INT64_MAX / percent) return INT64_MAX;
    int64_t a = whole * percent, b = rest * percent / 100; /* rest < 100: no overflow */
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

/* The order of the list: a before b (less time left, then case id bytes). */
static int more_urgent(const slate_risk *a, const slate_risk *b)
{
    if (a->left_ms != b->left_ms) return a->left_ms < b->left_ms;
    size_t n = a->case_len < b->case_len ? a->case_len : b->case_len;
    int c = memcmp(a->case_id, b->case_id, n);
    if (c) return c < 0;
    return a->case_len < b->case_len;
}

/* out[0..n) as a heap with the least urgent entry on top, so that the n most
 * urgent seen so far are kept and a more urgent one replaces the top. */
static void sift_down(slate_risk *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n && more_urgent(&h[m], &h[l])) m = l;
        if (r < n && more_urgent(&h[m], &h[r])) m = r;
        if (m == i) return;
        slate_risk t = h[i];
        h[i] = h[m];
        h[m] = t;
        i = m;
    }
}

static void sift_up(slate_risk *h, size_t i)
{
    while (i > 0) {
        size_t up = (i - 1) / 2;
        if (!more_urgent(&h[up], &h[i])) return;
        slate_risk t = h[i];
        h[i] = h[up];
        h[up] = t;
        i = up;
    }
}

/* The case's most urgent started clock past the point, in *r; 0 when none. */
static int case_risk(const slate_engine *e, eng_case *c, int percent, slate_risk *r)
{
    const eng_clock *k = case_clocks(e, c);
    int found = 0;
    for (uint32_t ci = 0; ci < e->nclocks; ci++) {
        if (k[ci].state != CS_ACTIVE || k[ci].target == ENG_NONE) continue;
        int64_t target = target_ms(e, &k[ci]), elapsed = elapsed_ms(e, &k[ci]);
        if (elapsed < percent_point(target, percent)) continue;
        int64_t left = target - elapsed; /* both within the verified ranges */
        if (found && left >= r->left_ms) continue; /* the lower clock id on a tie */
        found = 1;
        r->clock = (int)ci;
        r->state = clock_state(&k[ci]);
        r->elapsed_ms = elapsed;
        r->target_ms = target;
        r->left_ms = left;
        r->deadline = r->state == SLATE_CLOCK_RUNNING ? clk_deadline(e, &k[ci]) : INT64_MIN;
    }
    if (found) {
        r->case_id = case_id(c);
        r->case_len = c->id_len;
    }
    return found;
}

int slate_engine_at_risk(const slate_engine *e, int percent, slate_risk *out, size_t n,
                         size_t *found)
{
    if (found) *found = 0;
    if (!e || percent < 0 || (n && !out)) return SLATE_MISUSE;
    size_t total = 0, kept = 0;
    for (uint32_t slot = 0; slot < e->cs.used; slot++) {
        eng_case *c = cs_case(&e->cs, slot);
        slate_risk r;
        if (!c->created || !case_risk(e, c, percent, &r)) continue;
        total++;
        if (kept < n) {
            out[kept] = r;
            sift_up(out, kept++);
        } else if (n && more_urgent(&r, &out[0])) {
            out[0] = r;
            sift_down(out, n, 0);
        }
    }
    /* heap sort in place: the least urgent goes to the end each time */
    for (size_t m = kept; m > 1; m--) {
        slate_risk t = out[0];
        out[0] = out[m - 1];
        out[m - 1] = t;
        sift_down(out, m - 1, 0);
    }
    if (found) *found = total;
    return SLATE_OK;
}
