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

/* ---- formatting ------------------------------------------------------------- */

void sb_str(sbuf *b, const char *s)
{
    sb_puts(b, s, strlen(s));
}

/* Length of the well-formed UTF-8 sequence at s[0..n), or 0 when it is not one
 * (then *bad is the length of the maximal ill-formed subpart, at least 1). */
static size_t utf8_len(const unsigned char *s, size_t n, size_t *bad)
{
    unsigned char c = s[0], lo = 0x80, hi = 0xBF;
    size_t need;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        need = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    else if (c >= 0xF0 && c <= 0xF4)
        need = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    else {
        *bad = 1;
        return 0;
    }
    size_t i = 1;
    for (; i < need && i < n; i++) {
        unsigned char x = s[i];
        if (x < (i == 1 ? lo : 0x80) || x > (i == 1 ? hi : 0xBF)) break;
    }
    if (i == need) return need;
    *bad = i;
    return 0;
}

/* A JSON string with the escapes slate_decision_json uses: quote, backslash,
 * \b \f \n \r \t, other controls and DEL as \u00XX, U+2028/2029 escaped, and
 * invalid UTF-8 replaced by U+FFFD per maximal ill-formed subpart, so the
 * output is valid UTF-8 whatever the case's strings hold. */
void sb_json_str(sbuf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    sb_puts(b, "\"", 1);
    size_t run = 0, i = 0;
    while (i < n) {
        unsigned char ch = u[i];
        char esc[6];
        size_t el = 0, skip = 1;
        if (ch >= 0x20 && ch < 0x7F && ch != '"' && ch != '\\') {
            i++;
            continue;
        }
        if (ch >= 0x80) {
            size_t bad = 1, len = utf8_len(u + i, n - i, &bad);
            if (len == 3 && ch == 0xE2 && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9)) {
                memcpy(esc, u[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
                el = 6, skip = 3;
            } else if (len) {
                i += len;
                continue;
            } else {
                memcpy(esc, "\xEF\xBF\xBD", 3);
                el = 3, skip = bad;
            }
        } else {
            esc[0] = '\\', el = 2;
            switch (ch) {
            case '"': esc[1] = '"'; break;
            case '\\': esc[1] = '\\'; break;
            case '\b': esc[1] = 'b'; break;
            case '\f': esc[1] = 'f'; break;
            case '\n': esc[1] = 'n'; break;
            case '\r': esc[1] = 'r'; break;
            case '\t': esc[1] = 't'; break;
            default:
                memcpy(esc + 1, "u00", 3);
                esc[4] = hex[ch >> 4], esc[5] = hex[ch & 15], el = 6;
            }
        }
        sb_puts(b, s + run, i - run);
        sb_puts(b, esc, el);
        i += skip;
        run = i;
    }
    sb_puts(b, s + run, n - run);
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

/* v in `width` decimal digits, zero-padded, at out (v < 10^width). */
static void put_pad(char *out, int64_t v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10) out[i] = (char)('0' + v % 10);
}

/* Days since 1970-01-01 -> civil date (H. Hinnant's algorithm). */
static void civil(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

void sb_time(sbuf *b, int64_t ms)
{
    int64_t days = ms / 86400000, rem = ms % 86400000;
    if (rem < 0) rem += 86400000, days--;
    int64_t y;
    int m, d;
    civil(days, &y, &m, &d);
    if (y < 0 || y > 9999) { /* outside RFC 3339: write the epoch milliseconds */
        sb_int(b, ms);
        return;
    }
    /* YYYY-MM-DDTHH:MM:SS.mmmZ built in place, then one copy */
    char t[24] = "0000-00-00T00:00:00.000Z";
    put_pad(t, y, 4);
    put_pad(t + 5, m, 2);
    put_pad(t + 8, d, 2);
    put_pad(t + 11, rem / 3600000, 2);
    put_pad(t + 14, rem / 60000 % 60, 2);
    put_pad(t + 17, rem / 1000 % 60, 2);
    put_pad(t + 20, rem % 1000, 3);
    sb_puts(b, t, sizeof t);
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
