/*
 * strings.c - the engine's string interner and the text of decisions.
 *
 * Part of the engine (see engine_int.h).  Registers and case fields hold strings
 * as interned ids, so `==` on strings is one integer compare.  Id 0 is "".  The
 * bytes live in an arena that grows between sweeps; interning a string seen
 * before allocates nothing.  A sweep (st_sweep, run by the engine at the end of
 * a call once enough new strings have come, trim.c) keeps only the strings the
 * engine says are in use, repacks their bytes and frees the rest; their ids are
 * reused, lowest first, and ids in use never change.
 *
 * The formatting helpers write into caller buffers and never allocate: times as
 * RFC 3339 UTC with milliseconds, durations in the policy language's units, JSON
 * strings with escapes.
 */
#include <string.h>

#include "engine_int.h"
#include "jsonstr.h"
#include "timestamp.h"

#define ST_CHUNK 65536

static uint32_t st_hash(const char *s, size_t n)
{
    return cs_hash(s, n);
}

static int st_rehash(strtab *t, uint32_t size)
{
    uint32_t *tab = eng_realloc(t->al, NULL, sizeof *tab * size);
    if (!tab) return SLATE_NOMEM;
    memset(tab, 0, sizeof *tab * size);
    for (uint32_t id = 0; id < t->n; id++) {
        if (!t->v[id].s) continue; /* a free id */
        uint32_t b = t->v[id].hash & (size - 1);
        while (tab[b]) b = (b + 1) & (size - 1);
        tab[b] = id + 1;
    }
    eng_realloc(t->al, t->tab, 0);
    t->tab = tab;
    t->tabmask = size - 1;
    return SLATE_OK;
}

/* The next sweep is due after as much interning as this one kept. */
static void st_sweep_reset(strtab *t, uint32_t kept, size_t kept_bytes)
{
    t->fresh = 0;
    t->fresh_bytes = 0;
    t->sweep_n = kept > ST_SWEEP_MIN ? kept : ST_SWEEP_MIN;
    t->sweep_bytes = kept_bytes > ST_SWEEP_BYTES ? kept_bytes : ST_SWEEP_BYTES;
    t->sweep_due = 0;
}

int st_init(strtab *t, const slate_allocator *al)
{
    memset(t, 0, sizeof *t);
    t->al = al;
    t->freeid = ST_NOID;
    st_sweep_reset(t, 0, 0);
    if (st_rehash(t, 64) || st_intern(t, "", 0) != 0) {
        st_free(t);
        return SLATE_NOMEM;
    }
    return SLATE_OK;
}

void st_free(strtab *t)
{
    eng_realloc(t->al, t->v, 0);
    eng_realloc(t->al, t->tab, 0);
    for (cs_chunk *c = t->chunks, *n; c; c = n) {
        n = c->next;
        eng_realloc(t->al, c, 0);
    }
    memset(t, 0, sizeof *t);
}

static char *st_bytes(strtab *t, size_t n)
{
    if ((size_t)(t->bump_end - t->bump) < n) {
        size_t sz = n + 16 > ST_CHUNK / 4 ? n + 16 : ST_CHUNK;
        cs_chunk *c = eng_realloc(t->al, NULL, sz);
        if (!c) return NULL;
        c->next = t->chunks;
        t->chunks = c;
        if (sz != ST_CHUNK) return (char *)c + 16; /* a chunk of its own */
        t->bump = (char *)c + 16;
        t->bump_end = (char *)c + sz;
    }
    char *p = t->bump;
    t->bump += n;
    return p;
}

int64_t st_intern(strtab *t, const char *s, size_t len)
{
    if (len > UINT32_MAX - 16) return -1;
    uint32_t h = st_hash(s, len);
    uint32_t b = h & t->tabmask;
    for (; t->tab[b]; b = (b + 1) & t->tabmask) {
        const st_str *x = &t->v[t->tab[b] - 1];
        if (x->hash == h && x->len == len && memcmp(x->s, s, len) == 0) return t->tab[b] - 1;
    }
    if (t->freeid == ST_NOID && t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 64;
        st_str *v = eng_realloc(t->al, t->v, sizeof *v * cap);
        if (!v) return -1;
        t->v = v;
        t->cap = cap;
    }
    if ((size_t)(t->nlive + 1) * 2 > (size_t)t->tabmask + 1) {
        if (st_rehash(t, (t->tabmask + 1) * 2)) return -1;
        for (b = h & t->tabmask; t->tab[b]; b = (b + 1) & t->tabmask) {}
    }
    char *copy = st_bytes(t, len + 1);
    if (!copy) return -1;
    memcpy(copy, s, len);
    copy[len] = 0;
    uint32_t id = t->freeid;
    if (id != ST_NOID)
        t->freeid = t->v[id].hash;
    else
        id = t->n++;
    t->v[id] = (st_str){copy, (uint32_t)len, h};
    t->tab[b] = id + 1;
    t->nlive++;
    t->fresh++;
    t->fresh_bytes += len + 1;
    t->sweep_due = t->fresh >= t->sweep_n || t->fresh_bytes >= t->sweep_bytes;
    if (len > t->maxlen) t->maxlen = (uint32_t)len;
    return id;
}

int st_sweep(strtab *t, const uint8_t *keep)
{
#define KEPT(id) (t->v[id].s && ((id) == 0 || (keep[(id) >> 3] >> ((id) & 7) & 1)))
    size_t bytes = 0;
    uint32_t live = 0, top = 1, maxlen = 0;
    for (uint32_t id = 0; id < t->n; id++) {
        if (!KEPT(id)) continue;
        bytes += (size_t)t->v[id].len + 1;
        live++;
        top = id + 1;
        if (t->v[id].len > maxlen) maxlen = t->v[id].len;
    }
    /* everything the sweep needs first: a table for what stays, one chunk of
     * just its bytes (interning goes on in a new chunk) */
    uint32_t size = 64;
    while ((size_t)(live + 1) * 2 > size) size <<= 1;
    size_t csz = bytes + 16;
    uint32_t *tab = eng_realloc(t->al, NULL, sizeof *tab * size);
    cs_chunk *c = eng_realloc(t->al, NULL, csz);
    if (!tab || !c) {
        eng_realloc(t->al, tab, 0);
        eng_realloc(t->al, c, 0);
        return SLATE_NOMEM;
    }
    c->next = NULL;
    char *p = (char *)c + 16;
    for (uint32_t id = 0; id < t->n; id++) {
        st_str *x = &t->v[id];
        if (!KEPT(id)) {
            x->s = NULL;
            continue;
        }
        memcpy(p, x->s, (size_t)x->len + 1);
        x->s = p;
        p += x->len + 1;
    }
#undef KEPT
    for (cs_chunk *o = t->chunks, *n; o; o = n) {
        n = o->next;
        eng_realloc(t->al, o, 0);
    }
    t->chunks = c;
    t->bump = p;
    t->bump_end = (char *)c + csz;
    /* free ids above the last one kept are dropped; the others are reused,
     * lowest first, so the id space stays as short as it can */
    t->n = top;
    t->freeid = ST_NOID;
    for (uint32_t id = t->n; id-- > 0;)
        if (!t->v[id].s) {
            t->v[id].hash = t->freeid;
            t->freeid = id;
        }
    memset(tab, 0, sizeof *tab * size);
    for (uint32_t id = 0; id < t->n; id++) {
        if (!t->v[id].s) continue;
        uint32_t b = t->v[id].hash & (size - 1);
        while (tab[b]) b = (b + 1) & (size - 1);
        tab[b] = id + 1;
    }
    eng_realloc(t->al, t->tab, 0);
    t->tab = tab;
    t->tabmask = size - 1;
    if (t->cap > 64 && (size_t)t->n * 4 < t->cap) { /* a smaller id table, if it can be had */
        uint32_t cap = t->n * 2 > 64 ? t->n * 2 : 64;
        st_str *v = eng_realloc(t->al, t->v, sizeof *v * cap);
        if (v) {
            t->v = v;
            t->cap = cap;
        }
    }
    t->nlive = live;
    t->maxlen = maxlen;
    st_sweep_reset(t, live, bytes);
    return SLATE_OK;
}

/* Restoring a snapshot (snapshot.c) rebuilds a table fresh from st_init with the
 * saved ids, in increasing order; the ids skipped become free. */
int st_put(strtab *t, uint32_t id, const char *s, size_t len)
{
    if (id < t->n || id == ST_NOID || len > UINT32_MAX - 16) return SLATE_ERROR;
    uint32_t h = st_hash(s, len);
    uint32_t b = h & t->tabmask;
    for (; t->tab[b]; b = (b + 1) & t->tabmask) {
        const st_str *x = &t->v[t->tab[b] - 1];
        if (x->hash == h && x->len == len && memcmp(x->s, s, len) == 0) return SLATE_ERROR;
    }
    if (id >= t->cap) {
        size_t cap = t->cap ? t->cap : 64;
        while (cap <= id) cap *= 2;
        if (cap > UINT32_MAX) cap = (size_t)id + 1;
        st_str *v = eng_realloc(t->al, t->v, sizeof *v * cap);
        if (!v) return SLATE_NOMEM;
        t->v = v;
        t->cap = (uint32_t)cap;
    }
    for (uint32_t i = t->n; i < id; i++) t->v[i] = (st_str){NULL, 0, ST_NOID};
    t->n = id;
    if ((size_t)(t->nlive + 1) * 2 > (size_t)t->tabmask + 1) {
        if (st_rehash(t, (t->tabmask + 1) * 2)) return SLATE_NOMEM;
        for (b = h & t->tabmask; t->tab[b]; b = (b + 1) & t->tabmask) {}
    }
    char *copy = st_bytes(t, len + 1);
    if (!copy) return SLATE_NOMEM;
    memcpy(copy, s, len);
    copy[len] = 0;
    t->v[id] = (st_str){copy, (uint32_t)len, h};
    t->tab[b] = id + 1;
    t->n = id + 1;
    t->nlive++;
    if (len > t->maxlen) t->maxlen = (uint32_t)len;
    return SLATE_OK;
}

void st_put_done(strtab *t)
{
    t->freeid = ST_NOID; /* lowest first, as a sweep links them (and interning keeps) */
    for (uint32_t id = t->n; id-- > 0;)
        if (!t->v[id].s) {
            t->v[id].hash = t->freeid;
            t->freeid = id;
        }
}

/* ---- formatting ------------------------------------------------------------- */

void sb_str(sbuf *b, const char *s)
{
    sb_puts(b, s, strlen(s));
}

/* A JSON string with jsonstr.h's escapes, slate_decision_json's and the log's:
 * the output is valid UTF-8 whatever the case's strings hold. */
void sb_json_str(sbuf *b, const char *s, size_t n)
{
    sb_puts(b, "\"", 1);
    size_t room = b->len < b->cap ? b->cap - b->len : 0;
    b->len += jstr_escape(room ? b->p + b->len : NULL, room, s, n);
    sb_puts(b, "\"", 1);
}

void sb_int(sbuf *b, int64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[--i] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) tmp[--i] = '-';
    sb_puts(b, tmp + i, sizeof tmp - i);
}

void sb_time(sbuf *b, int64_t ms)
{
    char t[TS_FORMAT_UTC_MAX + 1];
    sb_puts(b, t, ts_format(ms, t));
}

int sb_done(sbuf *b)
{
    if (b->cap == 0) return 0;
    b->p[b->len < b->cap ? b->len : b->cap - 1] = 0;
    return b->len < b->cap;
}

size_t fmt_time(char *buf, size_t size, int64_t ms)
{
    sbuf b = {buf, size, 0};
    sb_time(&b, ms);
    sb_done(&b);
    return b.len;
}

size_t fmt_dur(char *buf, size_t size, int64_t ms)
{
    sbuf b = {buf, size, 0};
    if (ms < 0) {
        sb_puts(&b, "-", 1);
        ms = ms == INT64_MIN ? INT64_MAX : -ms;
    }
    static const struct { int64_t ms; const char *unit; } u[] = {
        {86400000, "d"}, {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
    int any = 0;
    for (size_t i = 0; i < sizeof u / sizeof u[0]; i++) {
        if (ms >= u[i].ms) {
            sb_int(&b, ms / u[i].ms);
            sb_str(&b, u[i].unit);
            ms %= u[i].ms;
            any = 1;
        }
    }
    if (!any) sb_str(&b, "0s");
    sb_done(&b);
    return b.len;
}
