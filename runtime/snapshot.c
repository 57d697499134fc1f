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
 * This file holds the frame, the engine's own members, strings, step keys and
 * breached durations, and restore; the case sections (cases, clocks, timers,
 * held events, closed cases) are snapshot_cases.c, and both share the varint
 * buffers of snapshot_io.h.
 *
 * Each struct is written and read in one place (put_/get_ pairs), next to
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
#include "snapshot_io.h"
#include "timestamp.h"

/* ---- the member lists ---------------------------------------------------------------
 * Each sum is the struct's members (and its padding holes, the `+ N`); a member
 * added, removed or renamed breaks it.  When one does, decide whether the new
 * member is state a decision depends on: if so, save and restore it in the
 * put_/get_ pair named in the message (and raise SN_VERSION), then fix the sum. */
#define HOLES_AUX 16    /* padding bytes of eng_aux */
#define HOLES_ENGINE 4  /* padding bytes of struct slate_engine */
#define SZ(T, m) sizeof(((T *)0)->m)
_Static_assert(SZ(eng_stepkey, value) + SZ(eng_stepkey, kind) + 7 == sizeof(eng_stepkey),
               "eng_stepkey changed: save the member in put_keys/get_keys (snapshot.c)");
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
                       SZ(eng_aux, sla_plain) + SZ(eng_aux, sla_plain_off) +
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

/* ---- the body's buffers (snapshot_io.h) ------------------------------------------ */

int sn_need(wbuf *w, size_t n)
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

int sn_bad(rbuf *r, const char *fmt, ...)
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

int sn_nomem(rbuf *r)
{
    if (!r->err) {
        snprintf(r->msg, sizeof r->msg, "out of memory");
        r->err = SLATE_NOMEM;
        r->p = r->end;
    }
    return r->err;
}

uint64_t sn_get_u_long(rbuf *r)
{
    uint64_t v = 0;
    for (int shift = 0; !r->err; shift += 7) {
        if (r->p == r->end) {
            sn_bad(r, "it ends in the middle of a number (truncated)");
            break;
        }
        unsigned b = *r->p++;
        if (shift == 63 && b > 1) {
            sn_bad(r, "a number at byte %zu is longer than 64 bits", (size_t)(r->p - r->start - 1));
            break;
        }
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) return v;
    }
    return 0;
}

/* A number that must be at most max (what it counts or indexes), else an error
 * naming `what`. */
uint64_t sn_get_max(rbuf *r, uint64_t max, const char *what)
{
    uint64_t v = get_u(r);
    if (v > max) {
        sn_bad(r, "%s %llu is out of range (at most %llu)", what, (unsigned long long)v,
            (unsigned long long)max);
        return 0;
    }
    return v;
}

const char *sn_get_bytes(rbuf *r, size_t n)
{
    if (r->err) return NULL;
    if (n > left(r)) {
        sn_bad(r, "it ends inside a string of %zu bytes (truncated)", n);
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
    if (sn_need(w, 8 * VMAX)) return;
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
    h->strict = (int)sn_get_max(r, 1, "strict flag");
    h->now = get_i(r);
    h->ndecisions = get_u(r);
    h->ncreated = get_u(r);
    uint64_t nf = get_u(r), nc = get_u(r);
    if (r->err) return;
    if (h->tolerance < 0) sn_bad(r, "tolerance %lld ms is negative", (long long)h->tolerance);
    if (h->max_jump <= 0) sn_bad(r, "max jump %lld ms is not positive", (long long)h->max_jump);
    if (h->now != INT64_MIN && (h->now < TS_MIN_MS || h->now > TS_MAX_MS))
        sn_bad(r, "time %lld ms is outside the years 0000-9999", (long long)h->now);
    if (h->ncreated > INT64_MAX)
        sn_bad(r, "case counter %llu is out of range", (unsigned long long)h->ncreated);
    if (nf != p->nfields || nc != p->nclocks)
        sn_bad(r, "it has %llu fields and %llu clocks, the program %u and %u",
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
    if (sn_need(w, VMAX)) return;
    put_u(w, st->n);
    for (uint32_t id = 0; id < st->n; id++) {
        const st_str *x = &st->v[id];
        if (sn_need(w, VMAX + (x->s ? x->len : 0))) return;
        if (!x->s) {
            put_u(w, 0);
            continue;
        }
        put_u(w, (uint64_t)x->len + 1);
        put_bytes(w, x->s, x->len);
    }
    if (sn_need(w, 5 * VMAX)) return;
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
        sn_bad(r, "%llu string ids for %zu bytes", (unsigned long long)n, left(r));
        return;
    }
    /* a table fresh from st_init: "" at id 0 */
    st_free(st);
    if (st_init(st, &t->al)) {
        sn_nomem(r);
        return;
    }
    for (uint32_t id = 0; id < n && !r->err; id++) {
        uint64_t l1 = get_u(r);
        if (l1 == 0) {
            if (id == 0) sn_bad(r, "string id 0 is free (it is \"\")");
            continue;
        }
        if (l1 - 1 > UINT32_MAX - 16) {
            sn_bad(r, "string id %u is %llu bytes long", id, (unsigned long long)l1 - 1);
            return;
        }
        const char *s = sn_get_bytes(r, (size_t)(l1 - 1));
        if (!s) return;
        if (id == 0) {
            if (l1 != 1) sn_bad(r, "string id 0 is not \"\"");
            continue;
        }
        int rc = st_put(st, id, s, (size_t)(l1 - 1));
        if (rc == SLATE_NOMEM) sn_nomem(r);
        if (rc == SLATE_ERROR) sn_bad(r, "string id %u repeats an earlier string", id);
    }
    if (r->err) return;
    if (st->n != n) { /* interning takes a free id before a new one */
        sn_bad(r, "the last string id, %llu, is free", (unsigned long long)n - 1);
        return;
    }
    st_put_done(st);
    uint64_t fresh = sn_get_max(r, UINT32_MAX, "new-string count");
    uint64_t fresh_bytes = sn_get_max(r, SIZE_MAX, "new-string bytes");
    uint64_t sweep_n = sn_get_max(r, UINT32_MAX, "sweep threshold");
    uint64_t sweep_bytes = sn_get_max(r, SIZE_MAX, "sweep threshold bytes");
    uint64_t due = sn_get_max(r, 1, "sweep flag");
    if (r->err) return;
    if (sweep_n < ST_SWEEP_MIN || sweep_bytes < ST_SWEEP_BYTES) {
        sn_bad(r, "sweep thresholds %llu strings, %llu bytes are below the least",
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
            sn_nomem(r);
}

/* ---- step keys ------------------------------------------------------------------- */

static void put_keys(wbuf *w, const slate_engine *e)
{
    /* all of a clock's keys: the program's (which restore checks against its own
     * program), then those a hot swap carried over */
    for (uint32_t ci = 0; ci < e->nclocks; ci++) {
        uint32_t n = e->aux.nkeys[ci];
        if (sn_need(w, VMAX + (size_t)n * 2 * VMAX)) return;
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
        uint32_t n = (uint32_t)sn_get_max(r, ENG_KEYS, "step key count");
        if (r->err) return;
        if (n < own) {
            sn_bad(r, "clock %u has %u step keys, fewer than its program's %u", ci, n, own);
            return;
        }
        eng_stepkey *k = &x->keys[(size_t)ci * ENG_KEYS];
        for (uint32_t j = 0; j < n && !r->err; j++) {
            uint8_t kind = (uint8_t)sn_get_max(r, UINT8_MAX, "step kind");
            int64_t value = get_i(r);
            if (r->err) return;
            if (j < own && (k[j].kind != kind || k[j].value != value))
                sn_bad(r, "clock %u: step key %u is not the program's", ci, j);
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
    if (sn_need(w, VMAX + (size_t)x->nbreach * VMAX)) return;
    put_u(w, x->nbreach);
    for (uint32_t j = 0; j < x->nbreach; j++) put_i(w, x->breach_ms[j]);
}

static void get_breaches(rbuf *r, slate_engine *t)
{
    eng_aux *x = &t->aux;
    uint32_t own = x->nbreach;
    uint32_t n = (uint32_t)sn_get_max(r, UINT16_MAX, "breached-target count");
    if (r->err) return;
    if (n < own || n > left(r)) {
        sn_bad(r, "%u breached targets, the program has %u", n, own);
        return;
    }
    if (n > own) {
        int64_t *v = eng_realloc(&t->al, x->breach_ms, sizeof *v * n);
        if (!v) {
            sn_nomem(r);
            return;
        }
        x->breach_ms = v;
    }
    for (uint32_t j = 0; j < n && !r->err; j++) {
        int64_t ms = get_i(r);
        if (j < own && ms != x->breach_ms[j]) sn_bad(r, "breached target %u is not the program's", j);
        x->breach_ms[j] = ms;
    }
    x->nbreach = n;
}

/* ---- the whole ------------------------------------------------------------------- */
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
    int rc = sn_order_cases(e, &order, &pos);
    wbuf w = {NULL, 0, 0, 0};
    if (!rc) {
        /* a first guess at the size, so the buffer seldom grows */
        /* (from what the engine holds, never from counters a snapshot restored) */
        size_t guess = SN_HEAD + SN_TAIL + 64 + (size_t)e->st.n * 12 +
                       (size_t)e->cs.count * (32 + 2 * (size_t)e->nfields + 3 * (size_t)e->nclocks) +
                       (size_t)e->q.n * 12;
        sn_need(&w, guess);
        sn_need(&w, SN_HEAD);
        if (!w.nomem) {
            memset(w.b, 0, SN_HEAD);
            memcpy(w.b, SN_MAGIC, 8);
            w.b[8] = (unsigned char)(sn_needs_v2(e) ? SN_VERSION : 1);
            memcpy(w.b + SN_OFF_HASH, e->prog->hash, 32);
            w.len = SN_HEAD;
        }
        put_engine(&w, e);
        put_strings(&w, &e->st);
        put_keys(&w, e);
        put_breaches(&w, e);
        sn_put_cases(&w, e, order);
        sn_put_timers(&w, e, pos);
        if (sn_needs_v2(e)) sn_put_held(&w, e);
        sn_put_closed(&w, e);
        if (!sn_need(&w, SN_TAIL)) {
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
    sn_get_cases(&r, t);
    sn_get_timers(&r, t);
    t->high = t->now;
    if (b[8] == 2) sn_get_held(&r, t);
    sn_get_closed(&r, t);
    if (!r.err && r.p != r.end) sn_bad(&r, "%zu bytes are left over after the timers", left(&r));
    if (!r.err && eng_scratch_fit(t, &t->aux)) sn_nomem(&r);
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
