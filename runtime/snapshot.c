/*
 * snapshot.c - an engine's whole state as bytes and back: slate_engine_snapshot,
 * slate_engine_restore (slate.h, "snapshots"; the format is docs/snapshot.md).
 *
 * Part of the engine (see engine_int.h).  A snapshot holds what decides the
 * engine's future decisions and nothing derived: the options that judge events
 * (tolerance, max jump), the watermark, the decision and case counters, the
 * interned strings with their ids (free ids and sweep counters included, so
 * later strings get the ids they would have had), the step keys each clock
 * remembers (those a hot swap carried over included: docs/semantics.md, "Hot
 * swap"), every open case (id, creation order, level, tier, fields, clocks) in
 * creation order, and the timer queue in its array order, so the restored queue
 * is the same heap and fires simultaneous timers in the same order; then, for a
 * program that reopens cases, the closed cases kept for it (their records).  Numbers are
 * LEB128 varints (signed ones zigzagged; instants relative to the watermark);
 * a header names the format version, the length and the program's SHA-256, and
 * a 64-bit checksum ends it.
 *
 * Restore trusts nothing it reads: every count is checked against the bytes
 * left, every index against the program, every value a later step would use
 * as an index or in time arithmetic against its range.  It builds the state in
 * a second engine and exchanges the two only when all of it has been read, so
 * a refused snapshot leaves the engine as it was.
 *
 * Each struct is written and read in one place (put_/get_ pairs below), next to
 * an assertion that lists its members: adding a member to eng_clock, eng_case,
 * the string table or the engine fails to compile until that place is updated.
 * Not here: case-store layout (slots, pages, the id arena, the hash table): a
 * restored engine lays its cases out afresh, which no decision can see.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "snapshot.h"
#include "timestamp.h"

/* ---- the member lists ---------------------------------------------------------------
 * Each sum is the struct's members (and its padding holes, the `+ N`); a member
 * added, removed or renamed breaks it.  When one does, decide whether the new
 * member is state a decision depends on: if so, save and restore it in the
 * put_/get_ pair named in the message (and raise SN_VERSION), then fix the sum. */
#define HOLES_AUX 16    /* padding bytes of eng_aux */
#define HOLES_ENGINE 4  /* padding bytes of struct slate_engine */
#define SZ(T, m) sizeof(((T *)0)->m)
/* eng_clock's `paused` and `held` are bit-fields, which sizeof cannot name: its
 * layout is pinned member by member instead, and the byte they share is all
 * that is left (a new bit-field there is the one change this cannot see). */
_Static_assert(offsetof(eng_clock, elapsed) == 0 && offsetof(eng_clock, since) == 8 &&
                       offsetof(eng_clock, target) == 16 && offsetof(eng_clock, heap) == 20 &&
                       offsetof(eng_clock, fired) == 24 && offsetof(eng_clock, state) == 28 &&
                       offsetof(eng_clock, breach) == 30 && sizeof(eng_clock) == 32,
               "eng_clock changed: save the member in put_clock/get_clock (snapshot.c)");
_Static_assert(SZ(eng_case, idin) + SZ(eng_case, created) + SZ(eng_case, level) +
                       SZ(eng_case, hash) + SZ(eng_case, id_len) + SZ(eng_case, tier) ==
                   sizeof(eng_case),
               "eng_case changed: save the member in put_case/get_case (snapshot.c)");
_Static_assert(SZ(eng_stepkey, value) + SZ(eng_stepkey, kind) + 7 == sizeof(eng_stepkey),
               "eng_stepkey changed: save the member in put_keys/get_keys (snapshot.c)");
_Static_assert(SZ(tq_entry, at) + SZ(tq_entry, slot) + SZ(tq_entry, clock) == sizeof(tq_entry),
               "tq_entry changed: save the member in put_timers/get_timers (snapshot.c)");
_Static_assert(SZ(strtab, al) + SZ(strtab, v) + SZ(strtab, n) + SZ(strtab, cap) +
                       SZ(strtab, tab) + SZ(strtab, tabmask) + SZ(strtab, chunks) +
                       SZ(strtab, bump) + SZ(strtab, bump_end) + SZ(strtab, maxlen) +
                       SZ(strtab, freeid) + SZ(strtab, nlive) + SZ(strtab, fresh) +
                       SZ(strtab, fresh_bytes) + SZ(strtab, sweep_n) + SZ(strtab, sweep_bytes) +
                       SZ(strtab, sweep_due) + 12 ==
                   sizeof(strtab),
               "strtab changed: save the member in put_strings/get_strings (snapshot.c)");
/* Derived from the program but for what a hot swap carries over: the step keys
 * and breached durations beyond the program's own (put_keys, put_breaches). */
_Static_assert(SZ(eng_aux, str_ids) + SZ(eng_aux, regs) + SZ(eng_aux, nregs) +
                       SZ(eng_aux, step_bit) + SZ(eng_aux, breach_bit) + SZ(eng_aux, keys) +
                       SZ(eng_aux, nkeys) + SZ(eng_aux, breach_ms) + SZ(eng_aux, nbreach) +
                       SZ(eng_aux, target_breach) + SZ(eng_aux, jbase) + SZ(eng_aux, maxargs) +
                       SZ(eng_aux, has_holds) + SZ(eng_aux, until_first) +
                       SZ(eng_aux, until_clock) + SZ(eng_aux, sla_frag) + SZ(eng_aux, sla_off) +
                       SZ(eng_aux, declared) + SZ(eng_aux, ndeclared) + SZ(eng_aux, sel_field) +
                       SZ(eng_aux, sel_level) + SZ(eng_aux, req_first) + SZ(eng_aux, need_first) +
                       SZ(eng_aux, need_field) + SZ(eng_aux, cal_mem) + SZ(eng_aux, cal_pre) +
                       HOLES_AUX ==
                   sizeof(eng_aux),
               "eng_aux changed: if a swap carries it, save it (snapshot.c), then fix the sum");
_Static_assert(SZ(slate_engine, prog) + SZ(slate_engine, al) + SZ(slate_engine, user_al) +
                       SZ(slate_engine, mem) + SZ(slate_engine, tolerance) +
                       SZ(slate_engine, max_jump) + SZ(slate_engine, strict) +
                       SZ(slate_engine, nset) + SZ(slate_engine, now) + SZ(slate_engine, high) +
                       SZ(slate_engine, ndecisions) + SZ(slate_engine, ncreated) +
                       SZ(slate_engine, nfields) + SZ(slate_engine, nclocks) +
                       SZ(slate_engine, stride) + SZ(slate_engine, cs) + SZ(slate_engine, closed) +
                       SZ(slate_engine, q) +
                       SZ(slate_engine, st) + SZ(slate_engine, aux) + SZ(slate_engine, depth) +
                       SZ(slate_engine, busy) + SZ(slate_engine, jbuf) + SZ(slate_engine, jcap) +
                       SZ(slate_engine, ctx) + SZ(slate_engine, lb) + SZ(slate_engine, addmemo) +
                       SZ(slate_engine, addmemo_next) + SZ(slate_engine, reason) +
                       SZ(slate_engine, errmsg) + HOLES_ENGINE ==
                   sizeof(slate_engine),
               "slate_engine changed: save the member in put_engine/get_engine (snapshot.c)");
#undef SZ
#undef HOLES_AUX
#undef HOLES_ENGINE

/* ---- the checksum -------------------------------------------------------------------
 * Four lanes of 8-byte words, each step a bijection of the lane for a fixed word
 * and of the word for a fixed lane, so any change confined to one word is always
 * caught; the lanes and the length are folded through a finaliser at the end. */
#define K1 UINT64_C(0x9e3779b97f4a7c15)
#define K2 UINT64_C(0xc2b2ae3d27d4eb4f)

static inline uint64_t rd64(const unsigned char *p)
{
    return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
           (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
           (uint64_t)p[7] << 56;
}

static inline void wr64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint64_t lane(uint64_t h, uint64_t w)
{
    h ^= w * K1;
    h = h << 29 | h >> 35;
    return h * K2;
}

static uint64_t fmix(uint64_t h)
{
    h ^= h >> 33;
    h *= UINT64_C(0xff51afd7ed558ccd);
    h ^= h >> 33;
    h *= UINT64_C(0xc4ceb9fe1a85ec53);
    return h ^ h >> 33;
}

static uint64_t checksum(const unsigned char *p, size_t n)
{
    uint64_t h[4] = {K1, K2, ~K1, ~K2};
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int j = 0; j < 4; j++) h[j] = lane(h[j], rd64(p + i + 8 * j));
    for (; i + 8 <= n; i += 8) h[0] = lane(h[0], rd64(p + i));
    if (i < n) {
        uint64_t w = 0;
        for (size_t k = 0; i + k < n; k++) w |= (uint64_t)p[i + k] << (8 * k);
        h[1] = lane(h[1], w);
    }
    uint64_t r = (uint64_t)n;
    for (int j = 0; j < 4; j++) r = (r ^ fmix(h[j])) * K1;
    return fmix(r);
}

uint64_t sn_checksum(const void *p, size_t n)
{
    return checksum(p, n);
}

/* ---- numbers --------------------------------------------------------------------- */

static inline uint64_t zz(int64_t v)
{
    return ((uint64_t)v << 1) ^ (v < 0 ? UINT64_MAX : 0);
}

static inline int64_t unzz(uint64_t u)
{
    uint64_t m = (u >> 1) ^ (0 - (u & 1));
    return m <= INT64_MAX ? (int64_t)m : -(int64_t)(~m) - 1;
}

/* An instant relative to the watermark, and back (two's complement wrap-around:
 * exact whatever both are). */
static inline uint64_t rel(int64_t t, int64_t now)
{
    return zz((int64_t)((uint64_t)t - (uint64_t)now)) ;
}

static inline int64_t unrel(uint64_t u, int64_t now)
{
    uint64_t m = (uint64_t)unzz(u) + (uint64_t)now;
    return m <= INT64_MAX ? (int64_t)m : -(int64_t)(~m) - 1;
}

/* ---- writing --------------------------------------------------------------------- */

/* The snapshot being written.  w_need makes room for what the next few puts can
 * write at most; the puts themselves do not check. */
typedef struct wbuf {
    unsigned char *b;
    size_t len, cap;
    int nomem;
} wbuf;

#define VMAX 10 /* the longest varint */

static int w_need(wbuf *w, size_t n)
{
    if (w->nomem) return -1;
    if (n <= w->cap - w->len) return 0;
    size_t cap = w->cap + w->cap / 2;
    if (cap < w->len + n) cap = w->len + n;
    unsigned char *b = realloc(w->b, cap);
    if (!b) {
        w->nomem = 1;
        return -1;
    }
    w->b = b;
    w->cap = cap;
    return 0;
}

static inline void put_u(wbuf *w, uint64_t v)
{
    unsigned char *p = w->b + w->len;
    while (v >= 0x80) {
        *p++ = (unsigned char)(v | 0x80);
        v >>= 7;
    }
    *p++ = (unsigned char)v;
    w->len = (size_t)(p - w->b);
}

static inline void put_i(wbuf *w, int64_t v)
{
    put_u(w, zz(v));
}

static inline void put_bytes(wbuf *w, const void *s, size_t n)
{
    memcpy(w->b + w->len, s, n);
    w->len += n;
}

/* ---- reading --------------------------------------------------------------------- */

/* The snapshot being read.  The first error sticks: every later read gives 0, so
 * a decoder checks `err` where a value decides what it reads next. */
typedef struct rbuf {
    const unsigned char *p, *end, *start;
    slate_engine *t;   /* the engine being built */
    int err;           /* SLATE_ERROR or SLATE_NOMEM once something failed */
    char msg[200];
} rbuf;

static int bad(rbuf *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(rbuf *r, const char *fmt, ...)
{
    if (r->err) return r->err;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->msg, sizeof r->msg, fmt, ap);
    va_end(ap);
    r->err = SLATE_ERROR;
    r->p = r->end; /* nothing more is read */
    return r->err;
}

static int nomem(rbuf *r)
{
    if (!r->err) {
        snprintf(r->msg, sizeof r->msg, "out of memory");
        r->err = SLATE_NOMEM;
        r->p = r->end;
    }
    return r->err;
}

static __attribute__((noinline)) uint64_t get_u_long(rbuf *r)
{
    uint64_t v = 0;
    for (int shift = 0; !r->err; shift += 7) {
        if (r->p == r->end) {
            bad(r, "it ends in the middle of a number (truncated)");
            break;
        }
        unsigned b = *r->p++;
        if (shift == 63 && b > 1) {
            bad(r, "a number at byte %zu is longer than 64 bits", (size_t)(r->p - r->start - 1));
            break;
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return v;
    }
    return 0;
}

/* Most numbers are one byte (an error leaves r->p at the end, so it sticks). */
static inline uint64_t get_u(rbuf *r)
{
    if (__builtin_expect(r->p < r->end && *r->p < 0x80, 1)) return *r->p++;
    return get_u_long(r);
}

static int64_t get_i(rbuf *r)
{
    return unzz(get_u(r));
}

/* A number that must be at most max (what it counts or indexes), else an error
 * naming `what`. */
static uint64_t get_max(rbuf *r, uint64_t max, const char *what)
{
    uint64_t v = get_u(r);
    if (v > max) {
        bad(r, "%s %llu is out of range (at most %llu)", what, (unsigned long long)v,
            (unsigned long long)max);
        return 0;
    }
    return v;
}

static size_t left(const rbuf *r)
{
    return (size_t)(r->end - r->p);
}

static const char *get_bytes(rbuf *r, size_t n)
{
    if (r->err) return NULL;
    if (n > left(r)) {
        bad(r, "it ends inside a string of %zu bytes (truncated)", n);
        return NULL;
    }
    const char *s = (const char *)r->p;
    r->p += n;
    return s;
}

/* ---- the engine's own members ---------------------------------------------------- */

static void put_engine(wbuf *w, const slate_engine *e)
{
    /* prog: its hash is in the header.  al, user_al, mem, stride, nset (from
     * strict), nfields, nclocks (the program's), depth, busy, jbuf, ctx, reason,
     * errmsg: nothing between calls.  addmemo: a cache of a pure function. */
    if (w_need(w, 8 * VMAX)) return;
    put_i(w, e->tolerance);
    put_i(w, e->max_jump);
    put_u(w, (uint64_t)e->strict);
    put_i(w, e->now);
    put_u(w, e->ndecisions);
    put_u(w, e->ncreated);
    put_u(w, e->nfields);
    put_u(w, e->nclocks);
}

/* The engine's own members, read before the engine that will hold them is made
 * (strict mode decides the size of its case records). */
typedef struct sn_head {
    int64_t tolerance, max_jump, now;
    int strict;
    uint64_t ndecisions, ncreated;
} sn_head;

static void get_engine(rbuf *r, const slate_program *p, sn_head *h)
{
    h->tolerance = get_i(r);
    h->max_jump = get_i(r);
    h->strict = (int)get_max(r, 1, "strict flag");
    h->now = get_i(r);
    h->ndecisions = get_u(r);
    h->ncreated = get_u(r);
    uint64_t nf = get_u(r), nc = get_u(r);
    if (r->err) return;
    if (h->tolerance < 0) bad(r, "tolerance %lld ms is negative", (long long)h->tolerance);
    if (h->max_jump <= 0) bad(r, "max jump %lld ms is not positive", (long long)h->max_jump);
    if (h->now != INT64_MIN && (h->now < TS_MIN_MS || h->now > TS_MAX_MS))
        bad(r, "time %lld ms is outside the years 0000-9999", (long long)h->now);
    if (h->ncreated > INT64_MAX)
        bad(r, "case counter %llu is out of range", (unsigned long long)h->ncreated);
    if (nf != p->nfields || nc != p->nclocks)
        bad(r, "it has %llu fields and %llu clocks, the program %u and %u",
            (unsigned long long)nf, (unsigned long long)nc, p->nfields, p->nclocks);
}

static void set_engine(slate_engine *t, const sn_head *h)
{
    t->tolerance = h->tolerance;
    t->max_jump = h->max_jump;
    t->now = h->now;
    t->ndecisions = h->ndecisions;
    t->ncreated = h->ncreated;
}

/* ---- strings --------------------------------------------------------------------- */

static void put_strings(wbuf *w, const strtab *st)
{
    /* every id below n, live or free, so ids (which case fields hold) stay; v's
     * hash, tab, chunks, bump, maxlen, nlive, freeid: rebuilt (free ids are
     * always linked lowest first).  The sweep counters, so the next sweep comes
     * when it would have. */
    if (w_need(w, VMAX)) return;
    put_u(w, st->n);
    for (uint32_t id = 0; id < st->n; id++) {
        const st_str *x = &st->v[id];
        if (w_need(w, VMAX + (x->s ? x->len : 0))) return;
        if (!x->s) {
            put_u(w, 0);
            continue;
        }
        put_u(w, (uint64_t)x->len + 1);
        put_bytes(w, x->s, x->len);
    }
    if (w_need(w, 5 * VMAX)) return;
    put_u(w, st->fresh);
    put_u(w, st->fresh_bytes);
    put_u(w, st->sweep_n);
    put_u(w, st->sweep_bytes);
    put_u(w, (uint64_t)st->sweep_due);
}

static void get_strings(rbuf *r, slate_engine *t)
{
    strtab *st = &t->st;
    uint64_t n = get_u(r);
    if (r->err) return;
    if (n == 0 || n > left(r) || n > UINT32_MAX - 1) {
        bad(r, "%llu string ids for %zu bytes", (unsigned long long)n, left(r));
        return;
    }
    /* a table fresh from st_init: "" at id 0 */
    st_free(st);
    if (st_init(st, &t->al)) {
        nomem(r);
        return;
    }
    for (uint32_t id = 0; id < n && !r->err; id++) {
        uint64_t l1 = get_u(r);
        if (l1 == 0) {
            if (id == 0) bad(r, "string id 0 is free (it is \"\")");
            continue;
        }
        if (l1 - 1 > UINT32_MAX - 16) {
            bad(r, "string id %u is %llu bytes long", id, (unsigned long long)l1 - 1);
            return;
        }
        const char *s = get_bytes(r, (size_t)(l1 - 1));
        if (!s) return;
        if (id == 0) {
            if (l1 != 1) bad(r, "string id 0 is not \"\"");
            continue;
        }
        int rc = st_put(st, id, s, (size_t)(l1 - 1));
        if (rc == SLATE_NOMEM) nomem(r);
        if (rc == SLATE_ERROR) bad(r, "string id %u repeats an earlier string", id);
    }
    if (r->err) return;
    if (st->n != n) { /* interning takes a free id before a new one */
        bad(r, "the last string id, %llu, is free", (unsigned long long)n - 1);
        return;
    }
    st_put_done(st);
    uint64_t fresh = get_max(r, UINT32_MAX, "new-string count");
    uint64_t fresh_bytes = get_max(r, SIZE_MAX, "new-string bytes");
    uint64_t sweep_n = get_max(r, UINT32_MAX, "sweep threshold");
    uint64_t sweep_bytes = get_max(r, SIZE_MAX, "sweep threshold bytes");
    uint64_t due = get_max(r, 1, "sweep flag");
    if (r->err) return;
    if (sweep_n < ST_SWEEP_MIN || sweep_bytes < ST_SWEEP_BYTES) {
        bad(r, "sweep thresholds %llu strings, %llu bytes are below the least",
            (unsigned long long)sweep_n, (unsigned long long)sweep_bytes);
        return;
    }
    st->fresh = (uint32_t)fresh;
    st->fresh_bytes = (size_t)fresh_bytes;
    st->sweep_n = (uint32_t)sweep_n;
    st->sweep_bytes = (size_t)sweep_bytes;
    st->sweep_due = (int)due;
}

/* The program's strings' ids in the restored table (a snapshot made under this
 * program holds them all; one that lacks a string gets it interned anew). */
static void map_program_strings(rbuf *r, slate_engine *t)
{
    const slate_program *p = t->prog;
    for (uint32_t i = 0; i < p->nstrings && !r->err; i++)
        if ((t->aux.str_ids[i] = st_intern(&t->st, prog_str(p, i), p->strings[i].len)) < 0)
            nomem(r);
}

/* ---- step keys ------------------------------------------------------------------- */

static void put_keys(wbuf *w, const slate_engine *e)
{
    /* all of a clock's keys: the program's (which restore checks against its own
     * program), then those a hot swap carried over */
    for (uint32_t ci = 0; ci < e->nclocks; ci++) {
        uint32_t n = e->aux.nkeys[ci];
        if (w_need(w, VMAX + (size_t)n * 2 * VMAX)) return;
        put_u(w, n);
        for (uint32_t j = 0; j < n; j++) {
            const eng_stepkey *k = &e->aux.keys[(size_t)ci * ENG_KEYS + j];
            put_u(w, k->kind);
            put_i(w, k->value);
        }
    }
}

static void get_keys(rbuf *r, slate_engine *t)
{
    eng_aux *x = &t->aux;
    for (uint32_t ci = 0; ci < t->nclocks && !r->err; ci++) {
        uint32_t own = x->nkeys[ci];
        uint32_t n = (uint32_t)get_max(r, ENG_KEYS, "step key count");
        if (r->err) return;
        if (n < own) {
            bad(r, "clock %u has %u step keys, fewer than its program's %u", ci, n, own);
            return;
        }
        eng_stepkey *k = &x->keys[(size_t)ci * ENG_KEYS];
        for (uint32_t j = 0; j < n && !r->err; j++) {
            uint8_t kind = (uint8_t)get_max(r, UINT8_MAX, "step kind");
            int64_t value = get_i(r);
            if (r->err) return;
            if (j < own && (k[j].kind != kind || k[j].value != value))
                bad(r, "clock %u: step key %u is not the program's", ci, j);
            k[j] = (eng_stepkey){value, kind};
        }
        x->nkeys[ci] = (uint8_t)n;
    }
}

/* ---- breached durations ---------------------------------------------------------- */

static void put_breaches(wbuf *w, const slate_engine *e)
{
    /* all of them: the program's distinct target durations (checked on restore),
     * then those a hot swap carried over for runs that breached them */
    const eng_aux *x = &e->aux;
    if (w_need(w, VMAX + (size_t)x->nbreach * VMAX)) return;
    put_u(w, x->nbreach);
    for (uint32_t j = 0; j < x->nbreach; j++) put_i(w, x->breach_ms[j]);
}

static void get_breaches(rbuf *r, slate_engine *t)
{
    eng_aux *x = &t->aux;
    uint32_t own = x->nbreach;
    uint32_t n = (uint32_t)get_max(r, UINT16_MAX, "breached-target count");
    if (r->err) return;
    if (n < own || n > left(r)) {
        bad(r, "%u breached targets, the program has %u", n, own);
        return;
    }
    if (n > own) {
        int64_t *v = eng_realloc(&t->al, x->breach_ms, sizeof *v * n);
        if (!v) {
            nomem(r);
            return;
        }
        x->breach_ms = v;
    }
    for (uint32_t j = 0; j < n && !r->err; j++) {
        int64_t ms = get_i(r);
        if (j < own && ms != x->breach_ms[j]) bad(r, "breached target %u is not the program's", j);
        x->breach_ms[j] = ms;
    }
    x->nbreach = n;
}

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
    uint64_t f = get_max(r, CK_ALL, "clock flags");
    uint64_t target = get_max(r, p->ntargets, "clock target");
    int64_t elapsed = f & CK_ELAPSED ? get_i(r) : 0;
    int64_t since = f & CK_SINCE ? unrel(get_u(r), t->now) : 0;
    uint64_t fired = f & CK_FIRED ? get_max(r, UINT32_MAX, "fired steps") : 0;
    uint64_t breach = f & CK_BREACH ? get_max(r, t->aux.nbreach, "breached target") : 0;
    if (r->err) return;
    unsigned state = (unsigned)(f & CK_STATE);
    _Static_assert(CS_IDLE == 0 && CS_ACTIVE == 1 && CS_STOPPED == 2 && CS_WAITING == 3,
                   "clock states changed: check get_clock's (snapshot.c)");
    if (target && p->targets[target - 1].clock != ci)
        bad(r, "clock %u: target %llu is another clock's", ci, (unsigned long long)target - 1);
    if (state == CS_WAITING && (elapsed < TS_MIN_MS || elapsed > TS_MAX_MS))
        bad(r, "clock %u: start instant %lld ms is outside the years 0000-9999", ci,
            (long long)elapsed);
    if (state != CS_WAITING && (elapsed < 0 || elapsed > TS_MAX_MS - TS_MIN_MS))
        bad(r, "clock %u: working time %lld ms is out of range", ci, (long long)elapsed);
    if (since < TS_MIN_MS || since > TS_MAX_MS)
        bad(r, "clock %u: instant %lld ms is outside the years 0000-9999", ci, (long long)since);
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
        return bad(r, "field `%s`: %lld is not a bool", name, (long long)v), 0;
    case PT_ENUM:
        if (v == 0 || (v > 0 && (uint64_t)v < pf->nvalues)) return 1;
        return bad(r, "field `%s`: %lld is not a value of its enum", name, (long long)v), 0;
    case PT_STRING:
        if (v >= 0 && (uint64_t)v < t->st.n && t->st.v[v].s) return 1;
        return bad(r, "field `%s`: string id %lld is not in the table", name, (long long)v), 0;
    default: return 1;
    }
}

/* Case i (from 0), in creation order after `prev` (its creation number).  The
 * messages name a case by its place, not by its id: the bytes are hostile. */
static void get_case(rbuf *r, slate_engine *t, uint64_t i, uint64_t *prev)
{
    const slate_program *p = t->prog;
    size_t len = (size_t)get_max(r, ENG_MAX_ID, "case id length");
    const char *id = get_bytes(r, len);
    uint64_t step = get_u(r);
    int64_t level = get_i(r);
    uint64_t tier = get_max(r, p->ntiers, "tier");
    if (r->err) return;
    if (len == 0) {
        bad(r, "case %llu has an empty id", (unsigned long long)i);
        return;
    }
    if (step == 0 || step > t->ncreated - *prev) {
        bad(r, "case %llu: creation number out of order", (unsigned long long)i);
        return;
    }
    if (level < 0 || level >= (int64_t)(p->nlevels ? p->nlevels : 1)) {
        bad(r, "case %llu: level %lld is out of range", (unsigned long long)i, (long long)level);
        return;
    }
    uint32_t hash = cs_hash(id, len);
    if (cs_find(&t->cs, id, len, hash) != ENG_NONE) {
        bad(r, "case %llu has the id of an earlier one", (unsigned long long)i);
        return;
    }
    if (cs_reserve(&t->cs, len)) {
        nomem(r);
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
            bad(r, "case %llu: a given-field bit past the fields", (unsigned long long)i);
    }
    /* a case read part way stays in t, which is thrown away */
}

typedef struct sn_order {
    uint64_t created;
    uint32_t slot;
} sn_order;

static int by_created(const void *a, const void *b)
{
    const sn_order *x = a, *y = b;
    return x->created < y->created ? -1 : x->created > y->created;
}

/* The open cases in creation order; *pos gets each slot's place in it (so the
 * timers can name cases by place).  Both from the engine's allocator. */
static int order_cases(slate_engine *e, sn_order **order, uint32_t **pos)
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

static void put_cases(wbuf *w, const slate_engine *e, const sn_order *order)
{
    uint32_t n = e->cs.count;
    if (w_need(w, VMAX)) return;
    put_u(w, n);
    size_t max = case_max(e);
    uint64_t prev = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (w_need(w, max)) return;
        const eng_case *c = cs_case(&e->cs, order[i].slot);
        put_case(w, e, c, prev);
        prev = c->created;
    }
}

static void get_cases(rbuf *r, slate_engine *t)
{
    uint64_t n = get_u(r);
    if (r->err) return;
    /* each case takes a byte or more for its id, creation, level, tier, every
     * field and two for every clock */
    size_t least = 4 + t->nfields + 2 * (size_t)t->nclocks;
    if (n > left(r) / least || n > (1u << 30)) {
        bad(r, "%llu cases in %zu bytes", (unsigned long long)n, left(r));
        return;
    }
    if (n && t->now == INT64_MIN) {
        bad(r, "it has open cases but no time");
        return;
    }
    uint64_t prev = 0;
    for (uint64_t i = 0; i < n && !r->err; i++) get_case(r, t, i, &prev);
}

/* ---- timers ---------------------------------------------------------------------- */

static void put_timers(wbuf *w, const slate_engine *e, const uint32_t *pos)
{
    /* in array order: inserted in that order into an empty queue, a valid heap
     * is rebuilt exactly as it was.  The slot becomes the case's place in the
     * snapshot's creation order. */
    if (w_need(w, VMAX)) return;
    put_u(w, e->q.n);
    for (uint32_t i = 0; i < e->q.n; i++) {
        const tq_entry *q = &e->q.h[i];
        if (w_need(w, 3 * VMAX)) return;
        put_u(w, rel(q->at, e->now));
        put_u(w, pos[q->slot]);
        put_u(w, q->clock);
    }
}

static void get_timers(rbuf *r, slate_engine *t)
{
    uint64_t n = get_u(r);
    uint32_t ncases = t->cs.count;
    if (r->err) return;
    if (n > (uint64_t)ncases * t->nclocks || n > left(r) / 3) {
        bad(r, "%llu timers for %u cases", (unsigned long long)n, ncases);
        return;
    }
    /* room for a timer per clock of every open case, as the engine keeps it:
     * events on open cases queue timers without reserving */
    if (tq_reserve(t, (size_t)ncases * t->nclocks)) {
        nomem(r);
        return;
    }
    for (uint64_t i = 0; i < n && !r->err; i++) {
        int64_t at = unrel(get_u(r), t->now);
        uint32_t c = (uint32_t)get_max(r, ncases ? ncases - 1 : 0, "timer case");
        uint32_t ci = (uint32_t)get_max(r, t->nclocks ? t->nclocks - 1 : 0, "timer clock");
        if (r->err) return;
        /* the cases were added to an empty store, slot = place */
        eng_clock *k = &case_clocks(t, cs_case(&t->cs, c))[ci];
        if (k->heap != ENG_NONE) {
            bad(r, "clock %u of case %u has two timers", ci, c);
            return;
        }
        tq_set(t, c, ci, k, at); /* a valid heap stays as it is; any other becomes one */
    }
}

/* ---- events held within the tolerance (version 2) --------------------------------- */

/* Written only when the engine holds something a version-1 snapshot cannot say:
 * held events, or a latest time other than the watermark; else the snapshot is
 * version 1, byte for byte what it was before events were held. */
static int needs_v2(const slate_engine *e)
{
    return e->lb.n || e->high != e->now;
}

static int cmp_arrival(const void *a, const void *b)
{
    const lb_entry *x = a, *y = b;
    return (x->ord > y->ord) - (x->ord < y->ord);
}

static void put_held(wbuf *w, slate_engine *e)
{
    /* the latest time, then the held events in arrival order (the order they
     * are taken out in follows from their instants and that order): what a
     * push of each would have been given, not the arena or heap layout */
    if (w_need(w, 2 * VMAX)) return;
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
        if (w_need(w, 8 * VMAX + ev.case_len + ev.id_len)) break;
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
            if (w_need(w, 3 * VMAX + (x->s ? x->len : 0))) break;
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
    uint64_t n = get_max(r, left(r), what);
    *len = n ? (size_t)n - 1 : 0;
    if (r->err || !n) return NULL;
    const char *s = get_bytes(r, *len);
    return s ? s : "";
}

static void get_held(rbuf *r, slate_engine *t)
{
    t->high = unrel(get_u(r), t->now);
    uint64_t n = get_max(r, left(r) / 6, "held event count");
    if (r->err) return;
    if (t->now == INT64_MIN ? t->high != INT64_MIN
                            : t->high < t->now || t->high > TS_MAX_MS) {
        bad(r, "latest time %lld ms is not at or after the watermark", (long long)t->high);
        return;
    }
    if (t->now != INT64_MIN && (uint64_t)t->high - (uint64_t)t->now > (uint64_t)t->tolerance &&
        t->now > TS_MIN_MS) {
        bad(r, "the watermark is more than the tolerance before the latest time");
        return;
    }
    slate_value *vals = NULL;
    const slate_program *p = t->prog;
    for (uint64_t i = 0; i < n && !r->err; i++) {
        slate_event ev;
        memset(&ev, 0, sizeof ev);
        ev.at = unrel(get_u(r), t->now);
        ev.seq = get_u(r);
        ev.type = (int)get_max(r, p->nevents ? p->nevents - 1 : 0, "held event type");
        ev.case_id = get_opt(r, &ev.case_len, "held case id length");
        ev.id = get_opt(r, &ev.id_len, "held event id length");
        uint64_t nv = get_max(r, left(r) / 3, "held event values");
        if (r->err) break;
        /* after the watermark, at most the latest time: what push holds */
        if (t->now == INT64_MIN || ev.at <= t->now || ev.at > t->high) {
            bad(r, "held event %llu at %lld ms is not after the watermark", (unsigned long long)i,
                (long long)ev.at);
            break;
        }
        eng_realloc(&t->al, vals, 0);
        vals = nv ? eng_realloc(&t->al, NULL, sizeof *vals * nv) : NULL;
        if (nv && !vals) {
            nomem(r);
            break;
        }
        for (uint64_t j = 0; j < nv && !r->err; j++) {
            vals[j].field = (int)get_max(r, p->nfields ? p->nfields - 1 : 0, "held value field");
            vals[j].i = get_i(r);
            vals[j].s = get_opt(r, &vals[j].len, "held value length");
        }
        if (r->err) break;
        if (p->nfields == 0 && nv) {
            bad(r, "held event %llu has values, the program no fields", (unsigned long long)i);
            break;
        }
        ev.values = vals;
        ev.nvalues = (size_t)nv;
        if (lb_insert(t, &ev)) nomem(r);
    }
    eng_realloc(&t->al, vals, 0);
}

/* ---- the whole ------------------------------------------------------------------- */

/* Closed cases kept for reopening (closed.c), after the timers and only when
 * the program reopens cases (so other snapshots keep their bytes): their
 * count, then each record as its length and its bytes, in close order. */
static void put_closed(wbuf *w, const slate_engine *e)
{
    if (!e->closed.keep_ms) return;
    if (w_need(w, VMAX)) return;
    put_u(w, e->closed.count);
    const unsigned char *rec;
    size_t n;
    for (size_t at = cl_next(e, CL_NONE, &rec, &n); at != CL_NONE; at = cl_next(e, at, &rec, &n)) {
        if (w_need(w, VMAX + n)) return;
        put_u(w, n);
        put_bytes(w, rec, n);
    }
}

static void get_closed(rbuf *r, slate_engine *t)
{
    if (r->err || !t->closed.keep_ms) return;
    uint64_t n = get_max(r, left(r), "closed cases");
    cl_layout l = cl_layout_of(t);
    int64_t prev = INT64_MIN;
    for (uint64_t i = 0; i < n && !r->err; i++) {
        size_t len = (size_t)get_max(r, cl_max_record(&l, ENG_MAX_ID), "a closed case's length");
        const unsigned char *rec = (const unsigned char *)get_bytes(r, len);
        if (r->err) break;
        const char *why = NULL;
        int rc = cl_restore(t, rec, len, &prev, &why);
        if (rc == SLATE_NOMEM) nomem(r);
        else if (rc) bad(r, "closed case %llu: %s", (unsigned long long)i, why);
    }
}

int slate_engine_snapshot(slate_engine *e, void **bytes, size_t *len)
{
    if (!e) return SLATE_MISUSE;
    if (e->busy) return eng_reentered(e, "slate_engine_snapshot");
    if (!bytes || !len) {
        snprintf(e->errmsg, sizeof e->errmsg, "slate_engine_snapshot: NULL result pointer");
        return SLATE_MISUSE;
    }
    *bytes = NULL;
    *len = 0;
    sn_order *order = NULL;
    uint32_t *pos = NULL;
    int rc = order_cases(e, &order, &pos);
    wbuf w = {NULL, 0, 0, 0};
    if (!rc) {
        /* a first guess at the size, so the buffer seldom grows */
        /* (from what the engine holds, never from counters a snapshot restored) */
        size_t guess = SN_HEAD + SN_TAIL + 64 + (size_t)e->st.n * 12 +
                       (size_t)e->cs.count * (32 + 2 * (size_t)e->nfields + 3 * (size_t)e->nclocks) +
                       (size_t)e->q.n * 12;
        w_need(&w, guess);
        w_need(&w, SN_HEAD);
        if (!w.nomem) {
            memset(w.b, 0, SN_HEAD);
            memcpy(w.b, SN_MAGIC, 8);
            w.b[8] = (unsigned char)(needs_v2(e) ? SN_VERSION : 1);
            memcpy(w.b + SN_OFF_HASH, e->prog->hash, 32);
            w.len = SN_HEAD;
        }
        put_engine(&w, e);
        put_strings(&w, &e->st);
        put_keys(&w, e);
        put_breaches(&w, e);
        put_cases(&w, e, order);
        put_timers(&w, e, pos);
        if (needs_v2(e)) put_held(&w, e);
        put_closed(&w, e);
        if (!w_need(&w, SN_TAIL)) {
            wr64(w.b + SN_OFF_LENGTH, (uint64_t)(w.len + SN_TAIL));
            wr64(w.b + w.len, checksum(w.b, w.len));
            w.len += SN_TAIL;
        }
        if (w.nomem) rc = SLATE_NOMEM;
    }
    eng_realloc(&e->al, order, 0);
    eng_realloc(&e->al, pos, 0);
    if (rc) {
        free(w.b);
        snprintf(e->errmsg, sizeof e->errmsg, "slate_engine_snapshot: out of memory");
        return rc;
    }
    unsigned char *fit = realloc(w.b, w.len); /* give back the guess's slack */
    *bytes = fit ? fit : w.b;
    *len = w.len;
    return SLATE_OK;
}

static void hex(char out[65], const unsigned char h[32])
{
    static const char d[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = d[h[i] >> 4];
        out[2 * i + 1] = d[h[i] & 15];
    }
    out[64] = 0;
}

/* The header and checksum: NULL when they hold, else why not (into msg). */
static const char *check_frame(const unsigned char *b, size_t len, char *msg, size_t size)
{
    if (!b || len < SN_HEAD + SN_TAIL) {
        snprintf(msg, size, "%zu bytes are too few for a snapshot", b ? len : 0);
        return msg;
    }
    if (memcmp(b, SN_MAGIC, 8) != 0) return "not a slate engine snapshot (bad magic)";
    uint32_t version = (uint32_t)(rd64(b + 8) & 0xffffffffu);
    if (version != SN_VERSION && version != 1) {
        snprintf(msg, size, "snapshot format version %u; this library reads version %u", version,
                 SN_VERSION);
        return msg;
    }
    uint64_t total = rd64(b + SN_OFF_LENGTH);
    if (total != len) {
        snprintf(msg, size, "snapshot is %zu bytes but says %llu (truncated or extended)", len,
                 (unsigned long long)total);
        return msg;
    }
    if (rd64(b + 8) >> 32 != 0) return "snapshot header: reserved bytes are not 0";
    if (checksum(b, len - SN_TAIL) != rd64(b + len - SN_TAIL))
        return "snapshot checksum does not match: the bytes are corrupt";
    return NULL;
}

int slate_snapshot_program_hash(const void *bytes, size_t len, char hash[65])
{
    char msg[160];
    if (!hash) return SLATE_MISUSE;
    hash[0] = 0;
    if (check_frame(bytes, len, msg, sizeof msg)) return SLATE_ERROR;
    hex(hash, (const unsigned char *)bytes + SN_OFF_HASH);
    return SLATE_OK;
}

/* Exchange the states of two engines (the allocator's and the stores' pointers
 * to the engine itself follow their engine). */
static void exchange(slate_engine *a, slate_engine *b)
{
    slate_engine tmp;
    memcpy(&tmp, a, sizeof tmp);
    memcpy(a, b, sizeof *a);
    memcpy(b, &tmp, sizeof *b);
    slate_engine *both[2] = {a, b};
    for (int i = 0; i < 2; i++) {
        slate_engine *x = both[i];
        x->al.ud = x;
        x->cs.al = &x->al;
        x->st.al = &x->al;
    }
}

static int restore(slate_engine *e, const unsigned char *b, size_t len)
{
    const char *why = check_frame(b, len, e->errmsg, sizeof e->errmsg);
    if (why) {
        if (why != e->errmsg) snprintf(e->errmsg, sizeof e->errmsg, "%s", why);
        return SLATE_ERROR;
    }
    if (memcmp(b + SN_OFF_HASH, e->prog->hash, 32) != 0) {
        char theirs[65];
        hex(theirs, b + SN_OFF_HASH);
        snprintf(e->errmsg, sizeof e->errmsg,
                 "snapshot is of program %s; this engine runs program %s", theirs,
                 e->prog->hash_hex);
        return SLATE_ERROR;
    }
    /* the engine's own members first: strict mode sizes the case records */
    rbuf r = {b + SN_HEAD, b + len - SN_TAIL, b, NULL, 0, ""};
    sn_head h;
    get_engine(&r, e->prog, &h);
    if (r.err) {
        snprintf(e->errmsg, sizeof e->errmsg, "snapshot refused: %s", r.msg);
        return r.err;
    }
    /* the new state is built in an engine of its own, on the same program and
     * allocator, sized as this one was made */
    slate_engine_opts o;
    memset(&o, 0, sizeof o);
    o.size = sizeof o;
    o.allocator = &e->user_al;
    o.strict = h.strict;
    if (e->cs.minpages > 1) o.expected_cases = (size_t)e->cs.minpages * CS_PAGE;
    slate_engine *t = slate_engine_new(e->prog, &o);
    if (!t) {
        snprintf(e->errmsg, sizeof e->errmsg, "out of memory");
        return SLATE_NOMEM;
    }
    r.t = t;
    set_engine(t, &h);
    get_strings(&r, t);
    map_program_strings(&r, t);
    get_keys(&r, t);
    get_breaches(&r, t);
    get_cases(&r, t);
    get_timers(&r, t);
    t->high = t->now;
    if (b[8] == 2) get_held(&r, t);
    get_closed(&r, t);
    if (!r.err && r.p != r.end) bad(&r, "%zu bytes are left over after the timers", left(&r));
    if (!r.err && eng_scratch_fit(t, &t->aux)) nomem(&r);
    if (r.err) {
        snprintf(e->errmsg, sizeof e->errmsg, "snapshot refused: %s", r.msg);
        slate_engine_free(t);
        return r.err;
    }
    t->cs.mintab = e->cs.mintab; /* the floor cs_shrink keeps, as this engine had it */
    exchange(e, t);
    e->busy = t->busy = 0;
    e->errmsg[0] = 0;
    slate_engine_free(t); /* the state this engine had */
    return SLATE_OK;
}

int slate_engine_restore(slate_engine *e, const void *bytes, size_t len)
{
    if (!e) return SLATE_MISUSE;
    if (e->busy) return eng_reentered(e, "slate_engine_restore");
    e->busy = 1;
    int rc = restore(e, bytes, len);
    e->busy = 0;
    return rc;
}
