/*
 * strings.c - the engine's string interner and the text of decisions.
 *
 * Part of the engine (see engine_int.h).  Registers and case fields hold strings
 * as interned ids, so `==` on strings is one integer compare.  Id 0 is "".  The
 * bytes live in an arena that only grows; a string is stored once for the life
 * of the engine, so interning a string seen before allocates nothing.
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
        uint32_t b = t->v[id].hash & (size - 1);
        while (tab[b]) b = (b + 1) & (size - 1);
        tab[b] = id + 1;
    }
    eng_realloc(t->al, t->tab, 0);
    t->tab = tab;
    t->tabmask = size - 1;
    return SLATE_OK;
}

int st_init(strtab *t, const slate_allocator *al)
{
    memset(t, 0, sizeof *t);
    t->al = al;
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
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 64;
        st_str *v = eng_realloc(t->al, t->v, sizeof *v * cap);
        if (!v) return -1;
        t->v = v;
        t->cap = cap;
    }
    if ((size_t)(t->n + 1) * 2 > (size_t)t->tabmask + 1) {
        if (st_rehash(t, (t->tabmask + 1) * 2)) return -1;
        for (b = h & t->tabmask; t->tab[b]; b = (b + 1) & t->tabmask) {}
    }
    char *copy = st_bytes(t, len + 1);
    if (!copy) return -1;
    memcpy(copy, s, len);
    copy[len] = 0;
    uint32_t id = t->n++;
    t->v[id] = (st_str){copy, (uint32_t)len, h};
    t->tab[b] = id + 1;
    if (len > t->maxlen) t->maxlen = (uint32_t)len;
    return id;
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
