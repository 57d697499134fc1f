/*
 * snapshot_cases.c - the case sections of an engine snapshot (snapshot.c
 * frames them; docs/snapshot.md is the format): every open case with its
 * fields and clocks in creation order, the timer queue in its array order,
 * the events held within the tolerance (version 2), and the closed cases kept
 * for reopening.  Each is written and read in one put_/get_ pair, next to an
 * assertion listing the members of the struct it saves.
 *
 * Restore trusts nothing it reads (see snapshot.c).  Not here: the frame, the
 * checksum, the engine's own members, strings and step keys (snapshot.c).
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "snapshot_io.h"
#include "timestamp.h"

/* ---- the member lists (see snapshot.c) ------------------------------------------- */
#define SZ(T, m) sizeof(((T *)0)->m)
/* eng_clock's `paused` and `held` are bit-fields, which sizeof cannot name: its
 * layout is pinned member by member instead, and the byte they share is all
 * that is left (a new bit-field there is the one change this cannot see). */
_Static_assert(offsetof(eng_clock, elapsed) == 0 && offsetof(eng_clock, since) == 8 &&
                       offsetof(eng_clock, target) == 16 && offsetof(eng_clock, heap) == 20 &&
                       offsetof(eng_clock, fired) == 24 && offsetof(eng_clock, state) == 28 &&
                       offsetof(eng_clock, breach) == 30 && sizeof(eng_clock) == 32,
               "eng_clock changed: save the member in put_clock/get_clock (snapshot_cases.c)");
_Static_assert(SZ(eng_case, idin) + SZ(eng_case, created) + SZ(eng_case, level) +
                       SZ(eng_case, hash) + SZ(eng_case, id_len) + SZ(eng_case, tier) ==
                   sizeof(eng_case),
               "eng_case changed: save the member in put_case/get_case (snapshot_cases.c)");
_Static_assert(SZ(tq_entry, at) + SZ(tq_entry, slot) + SZ(tq_entry, clock) == sizeof(tq_entry),
               "tq_entry changed: save the member in put_timers/get_timers (snapshot_cases.c)");
#undef SZ

/* ---- clocks and cases ------------------------------------------------------------ */

enum {
    CK_STATE = 3,      /* bits 0-1: state */
    CK_PAUSED = 1 << 2,
    CK_HELD = 1 << 3,
    CK_ELAPSED = 1 << 4, /* members that follow only when not 0 */
    CK_SINCE = 1 << 5,
    CK_FIRED = 1 << 6,
    CK_BREACH = 1 << 7,
    CK_ALL = (1 << 8) - 1
};
#define CLOCK_MAX (6 * VMAX)

static void put_clock(wbuf *w, const slate_engine *e, const eng_clock *k)
{
    /* heap: the timer queue is saved on its own (put_timers) */
    unsigned f = k->state | (k->paused ? CK_PAUSED : 0) | (k->held ? CK_HELD : 0) |
                 (k->elapsed ? CK_ELAPSED : 0) | (k->since ? CK_SINCE : 0) |
                 (k->fired ? CK_FIRED : 0) | (k->breach ? CK_BREACH : 0);
    put_u(w, f);
    put_u(w, k->target == ENG_NONE ? 0 : (uint64_t)k->target + 1);
    if (k->elapsed) put_i(w, k->elapsed);
    if (k->since) put_u(w, rel(k->since, e->now));
    if (k->fired) put_u(w, k->fired);
    if (k->breach) put_u(w, k->breach);
}

/* Clock ci of a case being restored: a target of this clock, a breached target
 * the engine has, times the clock arithmetic can take without overflow (a
 * waiting clock keeps in `elapsed` the instant of its start event). */
static void get_clock(rbuf *r, const slate_engine *t, uint32_t ci, eng_clock *k)
{
    const slate_program *p = t->prog;
    uint64_t f = sn_get_max(r, CK_ALL, "clock flags");
    uint64_t target = sn_get_max(r, p->ntargets, "clock target");
    int64_t elapsed = f & CK_ELAPSED ? get_i(r) : 0;
    int64_t since = f & CK_SINCE ? unrel(get_u(r), t->now) : 0;
    uint64_t fired = f & CK_FIRED ? sn_get_max(r, UINT32_MAX, "fired steps") : 0;
    uint64_t breach = f & CK_BREACH ? sn_get_max(r, t->aux.nbreach, "breached target") : 0;
    if (r->err) return;
    unsigned state = (unsigned)(f & CK_STATE);
    _Static_assert(CS_IDLE == 0 && CS_ACTIVE == 1 && CS_STOPPED == 2 && CS_WAITING == 3,
                   "clock states changed: check get_clock's (snapshot_cases.c)");
    if (target && p->targets[target - 1].clock != ci)
        sn_bad(r, "clock %u: target %llu is another clock's", ci, (unsigned long long)target - 1);
    if (state == CS_WAITING && (elapsed < TS_MIN_MS || elapsed > TS_MAX_MS))
        sn_bad(r, "clock %u: start instant %lld ms is outside the years 0000-9999", ci,
            (long long)elapsed);
    if (state != CS_WAITING && (elapsed < 0 || elapsed > TS_MAX_MS - TS_MIN_MS))
        sn_bad(r, "clock %u: working time %lld ms is out of range", ci, (long long)elapsed);
    if (since < TS_MIN_MS || since > TS_MAX_MS)
        sn_bad(r, "clock %u: instant %lld ms is outside the years 0000-9999", ci, (long long)since);
    memset(k, 0, sizeof *k);
    k->elapsed = elapsed;
    k->since = since;
    k->target = target ? (uint32_t)target - 1 : ENG_NONE;
    k->heap = ENG_NONE;
    k->fired = (uint32_t)fired;
    k->state = (uint8_t)state;
    k->paused = (f & CK_PAUSED) != 0;
    k->held = (f & CK_HELD) != 0;
    k->breach = (uint16_t)breach;
}

static size_t case_max(const slate_engine *e)
{
    return 5 * VMAX + ENG_MAX_ID + ((size_t)e->nfields + e->nset) * VMAX +
           (size_t)e->nclocks * CLOCK_MAX;
}

static void put_case(wbuf *w, const slate_engine *e, const eng_case *c, uint64_t prev_created)
{
    /* hash: of the id, recomputed.  The id arena pointer or inline bytes: the id. */
    put_u(w, c->id_len);
    put_bytes(w, case_id(c), c->id_len);
    put_u(w, c->created - prev_created);
    put_i(w, c->level);
    put_u(w, c->tier == PROG_NONE ? 0 : (uint64_t)c->tier + 1);
    const int64_t *fv = case_fields(e, (eng_case *)c);
    for (uint32_t f = 0; f < e->nfields; f++) put_i(w, fv[f]);
    const eng_clock *k = case_clocks(e, (eng_case *)c);
    for (uint32_t ci = 0; ci < e->nclocks; ci++) put_clock(w, e, &k[ci]);
    /* strict mode: which fields the case has been given */
    const uint64_t *g = e->nset ? case_given(e, (eng_case *)c) : NULL;
    for (uint32_t i = 0; i < e->nset; i++) put_u(w, g[i]);
}

/* Whether field value v fits field f's type as the engine keeps it. */
static int field_ok(rbuf *r, const slate_engine *t, uint32_t f, int64_t v)
{
    const prog_field *pf = &t->prog->fields[f];
    const char *name = prog_str(t->prog, pf->name);
    switch (pf->type) {
    case PT_BOOL:
        if (v == 0 || v == 1) return 1;
        return sn_bad(r, "field `%s`: %lld is not a bool", name, (long long)v), 0;
    case PT_ENUM:
        if (v == 0 || (v > 0 && (uint64_t)v < pf->nvalues)) return 1;
        return sn_bad(r, "field `%s`: %lld is not a value of its enum", name, (long long)v), 0;
    case PT_STRING:
        if (v >= 0 && (uint64_t)v < t->st.n && t->st.v[v].s) return 1;
        return sn_bad(r, "field `%s`: string id %lld is not in the table", name, (long long)v), 0;
    default: return 1;
    }
}

/* Case i (from 0), in creation order after `prev` (its creation number).  The
 * messages name a case by its place, not by its id: the bytes are hostile. */
static void get_case(rbuf *r, slate_engine *t, uint64_t i, uint64_t *prev)
{
    const slate_program *p = t->prog;
    size_t len = (size_t)sn_get_max(r, ENG_MAX_ID, "case id length");
    const char *id = sn_get_bytes(r, len);
    uint64_t step = get_u(r);
    int64_t level = get_i(r);
    uint64_t tier = sn_get_max(r, p->ntiers, "tier");
    if (r->err) return;
    if (len == 0) {
        sn_bad(r, "case %llu has an empty id", (unsigned long long)i);
        return;
    }
    if (step == 0 || step > t->ncreated - *prev) {
        sn_bad(r, "case %llu: creation number out of order", (unsigned long long)i);
        return;
    }
    if (level < 0 || level >= (int64_t)(p->nlevels ? p->nlevels : 1)) {
        sn_bad(r, "case %llu: level %lld is out of range", (unsigned long long)i, (long long)level);
        return;
    }
    uint32_t hash = cs_hash(id, len);
    if (cs_find(&t->cs, id, len, hash) != ENG_NONE) {
        sn_bad(r, "case %llu has the id of an earlier one", (unsigned long long)i);
        return;
    }
    if (cs_reserve(&t->cs, len)) {
        sn_nomem(r);
        return;
    }
    uint32_t slot = cs_add(&t->cs, id, len, hash);
    eng_case *c = cs_case(&t->cs, slot);
    *prev += step;
    c->created = *prev;
    c->level = level;
    c->tier = tier ? (uint16_t)(tier - 1) : PROG_NONE;
    int64_t *fv = case_fields(t, c);
    for (uint32_t f = 0; f < t->nfields && !r->err; f++) {
        fv[f] = get_i(r);
        if (!r->err) field_ok(r, t, f, fv[f]);
    }
    eng_clock *k = case_clocks(t, c);
    for (uint32_t ci = 0; ci < t->nclocks && !r->err; ci++) get_clock(r, t, ci, &k[ci]);
    uint64_t *g = t->nset ? case_given(t, c) : NULL;
    for (uint32_t w = 0; w < t->nset && !r->err; w++) {
        g[w] = get_u(r);
        uint32_t bits = t->nfields - w * 64; /* fields this word has bits for */
        if (bits < 64 && g[w] >> bits)
            sn_bad(r, "case %llu: a given-field bit past the fields", (unsigned long long)i);
    }
    /* a case read part way stays in t, which is thrown away */
}

static int by_created(const void *a, const void *b)
{
    const sn_order *x = a, *y = b;
    return x->created < y->created ? -1 : x->created > y->created;
}

int sn_order_cases(slate_engine *e, sn_order **order, uint32_t **pos)
{
    uint32_t n = 0, used = e->cs.used;
    *order = eng_realloc(&e->al, NULL, sizeof **order * ((size_t)e->cs.count + 1));
    *pos = eng_realloc(&e->al, NULL, sizeof **pos * ((size_t)used + 1));
    if (!*order || !*pos) return SLATE_NOMEM;
    int sorted = 1;
    for (uint32_t slot = 0; slot < used; slot++) {
        const eng_case *c = cs_case(&e->cs, slot);
        if (!c->created) continue;
        if (n && c->created < (*order)[n - 1].created) sorted = 0;
        (*order)[n++] = (sn_order){c->created, slot};
    }
    if (!sorted) qsort(*order, n, sizeof **order, by_created);
    for (uint32_t i = 0; i < n; i++) (*pos)[(*order)[i].slot] = i;
    return SLATE_OK;
}

void sn_put_cases(wbuf *w, const slate_engine *e, const sn_order *order)
{
    uint32_t n = e->cs.count;
    if (sn_need(w, VMAX)) return;
    put_u(w, n);
    size_t max = case_max(e);
    uint64_t prev = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (sn_need(w, max)) return;
        const eng_case *c = cs_case(&e->cs, order[i].slot);
        put_case(w, e, c, prev);
        prev = c->created;
    }
}

void sn_get_cases(rbuf *r, slate_engine *t)
{
    uint64_t n = get_u(r);
    if (r->err) return;
    /* each case takes a byte or more for its id, creation, level, tier, every
     * field and two for every clock */
    size_t least = 4 + t->nfields + 2 * (size_t)t->nclocks;
    if (n > left(r) / least || n > (1u << 30)) {
        sn_bad(r, "%llu cases in %zu bytes", (unsigned long long)n, left(r));
        return;
    }
    if (n && t->now == INT64_MIN) {
        sn_bad(r, "it has open cases but no time");
        return;
    }
    uint64_t prev = 0;
    for (uint64_t i = 0; i < n && !r->err; i++) get_case(r, t, i, &prev);
}

/* ---- timers ---------------------------------------------------------------------- */

void sn_put_timers(wbuf *w, const slate_engine *e, const uint32_t *pos)
{
    /* in array order: inserted in that order into an empty queue, a valid heap
     * is rebuilt exactly as it was.  The slot becomes the case's place in the
     * snapshot's creation order. */
    if (sn_need(w, VMAX)) return;
    put_u(w, e->q.n);
    for (uint32_t i = 0; i < e->q.n; i++) {
        const tq_entry *q = &e->q.h[i];
        if (sn_need(w, 3 * VMAX)) return;
        put_u(w, rel(q->at, e->now));
        put_u(w, pos[q->slot]);
        put_u(w, q->clock);
    }
}

void sn_get_timers(rbuf *r, slate_engine *t)
{
    uint64_t n = get_u(r);
    uint32_t ncases = t->cs.count;
    if (r->err) return;
    if (n > (uint64_t)ncases * t->nclocks || n > left(r) / 3) {
        sn_bad(r, "%llu timers for %u cases", (unsigned long long)n, ncases);
        return;
    }
    /* room for a timer per clock of every open case, as the engine keeps it:
     * events on open cases queue timers without reserving */
    if (tq_reserve(t, (size_t)ncases * t->nclocks)) {
        sn_nomem(r);
        return;
    }
    for (uint64_t i = 0; i < n && !r->err; i++) {
        int64_t at = unrel(get_u(r), t->now);
        uint32_t c = (uint32_t)sn_get_max(r, ncases ? ncases - 1 : 0, "timer case");
        uint32_t ci = (uint32_t)sn_get_max(r, t->nclocks ? t->nclocks - 1 : 0, "timer clock");
        if (r->err) return;
        /* the cases were added to an empty store, slot = place */
        eng_clock *k = &case_clocks(t, cs_case(&t->cs, c))[ci];
        if (k->heap != ENG_NONE) {
            sn_bad(r, "clock %u of case %u has two timers", ci, c);
            return;
        }
        tq_set(t, c, ci, k, at); /* a valid heap stays as it is; any other becomes one */
    }
}

/* ---- events held within the tolerance (version 2) --------------------------------- */

/* Written only when the engine holds something a version-1 snapshot cannot say:
 * held events, or a latest time other than the watermark; else the snapshot is
 * version 1, byte for byte what it was before events were held. */
int sn_needs_v2(const slate_engine *e)
{
    return e->lb.n || e->high != e->now;
}

static int cmp_arrival(const void *a, const void *b)
{
    const lb_entry *x = a, *y = b;
    return (x->ord > y->ord) - (x->ord < y->ord);
}

void sn_put_held(wbuf *w, slate_engine *e)
{
    /* the latest time, then the held events in arrival order (the order they
     * are taken out in follows from their instants and that order): what a
     * push of each would have been given, not the arena or heap layout */
    if (sn_need(w, 2 * VMAX)) return;
    put_u(w, rel(e->high, e->now));
    put_u(w, e->lb.n);
    if (!e->lb.n) return;
    lb_entry *v = eng_realloc(&e->al, NULL, sizeof *v * e->lb.n);
    if (!v) {
        w->nomem = 1;
        return;
    }
    memcpy(v, e->lb.h, sizeof *v * e->lb.n);
    qsort(v, e->lb.n, sizeof *v, cmp_arrival);
    for (uint32_t i = 0; i < e->lb.n && !w->nomem; i++) {
        slate_event ev;
        slate_value *vals;
        lb_event(e, &v[i], &ev, &vals);
        if (sn_need(w, 8 * VMAX + ev.case_len + ev.id_len)) break;
        put_u(w, rel(ev.at, e->now));
        put_u(w, ev.seq);
        put_u(w, (uint64_t)ev.type);
        put_u(w, ev.case_id ? ev.case_len + 1 : 0);
        if (ev.case_id) put_bytes(w, ev.case_id, ev.case_len);
        put_u(w, ev.id ? ev.id_len + 1 : 0);
        if (ev.id) put_bytes(w, ev.id, ev.id_len);
        put_u(w, ev.nvalues);
        for (size_t j = 0; j < ev.nvalues; j++) {
            const slate_value *x = &vals[j];
            if (sn_need(w, 3 * VMAX + (x->s ? x->len : 0))) break;
            put_u(w, (uint64_t)x->field);
            put_i(w, x->i);
            put_u(w, x->s ? x->len + 1 : 0);
            if (x->s) put_bytes(w, x->s, x->len);
        }
    }
    eng_realloc(&e->al, v, 0);
}

/* Bytes of an optional string: a length + 1 (0: NULL), then the bytes. */
static const char *get_opt(rbuf *r, size_t *len, const char *what)
{
    uint64_t n = sn_get_max(r, left(r), what);
    *len = n ? (size_t)n - 1 : 0;
    if (r->err || !n) return NULL;
    const char *s = sn_get_bytes(r, *len);
    return s ? s : "";
}

void sn_get_held(rbuf *r, slate_engine *t)
{
    t->high = unrel(get_u(r), t->now);
    uint64_t n = sn_get_max(r, left(r) / 6, "held event count");
    if (r->err) return;
    if (t->now == INT64_MIN ? t->high != INT64_MIN
                            : t->high < t->now || t->high > TS_MAX_MS) {
        sn_bad(r, "latest time %lld ms is not at or after the watermark", (long long)t->high);
        return;
    }
    if (t->now != INT64_MIN && (uint64_t)t->high - (uint64_t)t->now > (uint64_t)t->tolerance &&
        t->now > TS_MIN_MS) {
        sn_bad(r, "the watermark is more than the tolerance before the latest time");
        return;
    }
    slate_value *vals = NULL;
    const slate_program *p = t->prog;
    for (uint64_t i = 0; i < n && !r->err; i++) {
        slate_event ev;
        memset(&ev, 0, sizeof ev);
        ev.at = unrel(get_u(r), t->now);
        ev.seq = get_u(r);
        ev.type = (int)sn_get_max(r, p->nevents ? p->nevents - 1 : 0, "held event type");
        ev.case_id = get_opt(r, &ev.case_len, "held case id length");
        ev.id = get_opt(r, &ev.id_len, "held event id length");
        uint64_t nv = sn_get_max(r, left(r) / 3, "held event values");
        if (r->err) break;
        /* after the watermark, at most the latest time: what push holds */
        if (t->now == INT64_MIN || ev.at <= t->now || ev.at > t->high) {
            sn_bad(r, "held event %llu at %lld ms is not after the watermark", (unsigned long long)i,
                (long long)ev.at);
            break;
        }
        eng_realloc(&t->al, vals, 0);
        vals = nv ? eng_realloc(&t->al, NULL, sizeof *vals * nv) : NULL;
        if (nv && !vals) {
            sn_nomem(r);
            break;
        }
        for (uint64_t j = 0; j < nv && !r->err; j++) {
            vals[j].field = (int)sn_get_max(r, p->nfields ? p->nfields - 1 : 0, "held value field");
            vals[j].i = get_i(r);
            vals[j].s = get_opt(r, &vals[j].len, "held value length");
        }
        if (r->err) break;
        if (p->nfields == 0 && nv) {
            sn_bad(r, "held event %llu has values, the program no fields", (unsigned long long)i);
            break;
        }
        ev.values = vals;
        ev.nvalues = (size_t)nv;
        if (lb_insert(t, &ev)) sn_nomem(r);
    }
    eng_realloc(&t->al, vals, 0);
}


/* Closed cases kept for reopening (closed.c), after the timers and only when
 * the program reopens cases (so other snapshots keep their bytes): their
 * count, then each record as its length and its bytes, in close order. */
void sn_put_closed(wbuf *w, const slate_engine *e)
{
    if (!e->closed.keep_ms) return;
    if (sn_need(w, VMAX)) return;
    put_u(w, e->closed.count);
    const unsigned char *rec;
    size_t n;
    for (size_t at = cl_next(e, CL_NONE, &rec, &n); at != CL_NONE; at = cl_next(e, at, &rec, &n)) {
        if (sn_need(w, VMAX + n)) return;
        put_u(w, n);
        put_bytes(w, rec, n);
    }
}

void sn_get_closed(rbuf *r, slate_engine *t)
{
    if (r->err || !t->closed.keep_ms) return;
    uint64_t n = sn_get_max(r, left(r), "closed cases");
    cl_layout l = cl_layout_of(t);
    int64_t prev = INT64_MIN;
    for (uint64_t i = 0; i < n && !r->err; i++) {
        size_t len = (size_t)sn_get_max(r, cl_max_record(&l, ENG_MAX_ID), "a closed case's length");
        const unsigned char *rec = (const unsigned char *)sn_get_bytes(r, len);
        if (r->err) break;
        const char *why = NULL;
        int rc = cl_restore(t, rec, len, &prev, &why);
        if (rc == SLATE_NOMEM) sn_nomem(r);
        else if (rc) sn_bad(r, "closed case %llu: %s", (unsigned long long)i, why);
    }
}
