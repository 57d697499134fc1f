/*
 * events_flat.c - the event reader's fast path (ev_scan_flat): a line that is
 * one flat object in the plainest JSON is scanned here, the bytes between its
 * values taken whole where they repeat earlier lines' (the line's shape), into
 * the same member list jansson's path fills.
 *
 * Not here: reading lines, jansson's path, or checking members against the
 * schema (events.c); anything this scanner cannot read exactly as jansson
 * would goes there.
 */
#include <stdlib.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "events_int.h"

/* ---- the fast path: a flat object in the plainest JSON ----------------------- */

/* The fast path reads only what it can read exactly as jansson would: one object
 * of members whose keys and string values are printable ASCII without escapes,
 * whose numbers are integers of at most 18 digits, and `true` / `false`; spaces
 * and tabs between tokens; no duplicate key.  Anything else (escapes, non-ASCII,
 * nesting, null, fractions, exponents, big numbers, other white space, syntax
 * errors) returns -1 and the line goes to jansson, so rejections and their
 * messages come from jansson alone.  Strings are NUL-terminated in r->scratch, a
 * copy of the line (the line itself is kept intact for the log), which ends in
 * SCAN_PAD NUL bytes: a NUL is no token's first byte, so the scan meets the end
 * of the line at one without comparing against it at every step. */

static int sp(char c)
{
    return c == ' ' || c == '\t';
}

static int digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The end of the run of plain bytes (printable ASCII but '"' and '\\') from p,
 * sixteen bytes at a time with SSE2 (every x86-64 has it), else eight in a
 * 64-bit word: the lowest flagged byte (below 0x20, '"', '\\', DEL, above
 * 0x7F) is exact, so its position is the answer.  Reads past `end`, which
 * r->scratch allows: the line is followed there by SCAN_PAD NUL bytes, which stop
 * the scan. */
#define SCAN_PAD 32 /* the shape's separators are compared 32 bytes at a time */
#ifdef __SSE2__
static inline char *plain_run(char *p)
{
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    /* c - 0xA0 as signed bytes: 0x20..0x7E map to -128..-34, all others above */
    const __m128i shift = _mm_set1_epi8((char)0xA0), last = _mm_set1_epi8(-34);
    for (;;) {
        __m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i out = _mm_cmpgt_epi8(_mm_sub_epi8(x, shift), last);
        __m128i bad = _mm_or_si128(out, _mm_or_si128(_mm_cmpeq_epi8(x, quote),
                                                      _mm_cmpeq_epi8(x, bslash)));
        unsigned mask = (unsigned)_mm_movemask_epi8(bad);
        if (mask) return p + __builtin_ctz(mask);
        p += 16;
    }
}
#else
static inline char *plain_run(char *p)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    for (;;) {
        uint64_t x, q, b, d;
        memcpy(&x, p, 8);
        q = x ^ (ones * '"');
        b = x ^ (ones * '\\');
        d = x ^ (ones * 0x7F);
        uint64_t bad = (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) |
                        ((d - ones) & ~d) | x) &
                       high;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        if (bad) return p + (__builtin_clzll(bad) >> 3);
#else
        if (bad) return p + (__builtin_ctzll(bad) >> 3);
#endif
        p += 8;
    }
}
#endif

/* A string at *pp (on its opening quote): NUL-terminates it in place. */
static inline char *scan_string(char **pp, const char *end, size_t *len)
{
    char *p = plain_run(*pp + 1), *s = *pp + 1;
    if (p == end || *p != '"') return NULL;
    *len = (size_t)(p - s);
    *p = '\0';
    *pp = p + 1;
    return s;
}

/* A value after its key's colon and any white space: a string (NUL-ended in
 * place), an integer of at most 18 digits, true or false.  -1: anything else. */
static inline int scan_value(char **pp, const char *end, jval *v)
{
    char *p = *pp;
    v->kind = JSON_STRING;
    v->s = NULL;
    v->len = 0;
    v->i = 0;
    if (*p == '"') {
        v->s = scan_string(&p, end, &v->len);
        if (!v->s) return -1;
    } else if (*p == '-' || digit(*p)) {
        int neg = *p == '-';
        if (neg) p++;
        if (!digit(*p)) return -1;
        if (*p == '0' && digit(p[1])) return -1;
        const char *d0 = p;
        json_int_t n = 0;
        while (digit(*p)) {
            if (p - d0 >= 18) return -1;
            n = n * 10 + (*p++ - '0');
        }
        v->kind = JSON_INTEGER;
        v->i = neg ? -n : n;
    } else if (memcmp(p, "true", 4) == 0) {
        v->kind = JSON_TRUE;
        p += 4;
    } else if (memcmp(p, "false", 5) == 0) {
        v->kind = JSON_FALSE;
        p += 5;
    } else {
        return -1;
    }
    *pp = p;
    return 0;
}

/* Record a member; -1 when its key is on the line already (jansson's message;
 * declared and reserved keys by their slot, undeclared ones by name). */
static inline int add_member(ev_reader *r, char *key, size_t klen, int slot, const jval *v)
{
    if (slot == K_UNDECLARED) {
        for (size_t k = 0; k < r->nmem; k++)
            if (r->mem[k].slot == K_UNDECLARED && r->mem[k].klen == klen &&
                memcmp(r->mem[k].key, key, klen) == 0)
                return -1;
    } else {
        if (r->seen[slot + 5] == r->gen) return -1;
        r->seen[slot + 5] = r->gen;
    }
    if (r->nmem == r->mem_cap && ev_grow_members(r)) return -1;
    struct member *m = &r->mem[r->nmem++];
    m->key = key;
    m->klen = klen;
    m->slot = slot;
    m->v = *v;
    return 0;
}

/* A new generation of r->seen: no key seen yet. */
static void next_gen(ev_reader *r)
{
    r->nmem = 0;
    if (++r->gen == 0) {
        memset(r->seen, 0, ((size_t)r->nfields + 5) * sizeof *r->seen);
        r->gen = 1;
    }
}

/* ---- the line's shape -------------------------------------------------------
 * Lines of a stream mostly spell the same keys in the same order with the same
 * punctuation as lines before them.  So each member scanned token by token
 * leaves its bytes as a way of its position: those from the end of the
 * previous value (or the line's start) to the start of its own (`","type":"`:
 * what follows a closing quote, the comma, the key in its quotes, the colon,
 * and a string value's opening quote), with the key's place and slot in them;
 * and the bytes after a last value (ws, '}', ws) are kept too.  A member that
 * repeats one of its position's ways has exactly the tokens the scanner would
 * find there, so only its value needs scanning; one that repeats none is
 * scanned token by token (and kept).  Every way of position 0 starts at a
 * line's start and every other at a value's end, so any sequence of them reads
 * as valid JSON.  The bytes are compared as four masked words (SEP_MAX), which
 * SCAN_PAD allows past the end. */

static inline uint64_t load64(const char *p)
{
    uint64_t x;
    memcpy(&x, p, 8);
    return x;
}

/* Does p start with the separator (words w under masks m)? */
static inline int sep_match(const char *p, const uint64_t *w, const uint64_t *m, int wide)
{
    uint64_t d = ((load64(p) & m[0]) ^ w[0]) | ((load64(p + 8) & m[1]) ^ w[1]);
    if (wide) d |= ((load64(p + 16) & m[2]) ^ w[2]) | ((load64(p + 24) & m[3]) ^ w[3]);
    return d == 0;
}

/* Keep bytes s[0..n) (n <= SEP_MAX) as words and masks. */
static void sep_set(uint64_t *w, uint64_t *m, const char *s, size_t n)
{
    char pad[SEP_MAX] = {0};
    memcpy(pad, s, n);
    for (int k = 0; k < SEP_MAX / 8; k++) {
        size_t left = n > (size_t)k * 8 ? n - (size_t)k * 8 : 0;
        memcpy(&w[k], pad + 8 * k, 8);
        m[k] = first_bytes(left);
        w[k] &= m[k];
    }
}

/* After a value: white space, then the object's end (1, *pp past the '}') or a
 * comma and white space (0, *pp on the next key); -1 for anything else. */
static inline int after_value(char **pp)
{
    char *p = *pp;
    while (sp(*p)) p++;
    if (*p == '}') {
        *pp = p + 1;
        return 1;
    }
    if (*p != ',') return -1;
    p++;
    while (sp(*p)) p++;
    *pp = p;
    return 0;
}

/* Member k of the line at p (on the line's start when k is 0, else just past
 * member k - 1's value) by the shape: a way of position k whose bytes p
 * repeats, its value scanned.  1: taken; 0: no way matches; -1: the line is
 * not for the fast path (the bytes matched, so the scan below would fail on the
 * same ones). */
static inline int shape_member(ev_reader *r, char **pp, const char *end, uint32_t k)
{
    char *p = *pp;
    const struct shape_ent *e = r->shape[k], *last = e + SHAPE_WAYS;
    for (; e < last; e++)
        if (e->seplen && sep_match(p, e->w, e->m, e->seplen > 16)) break;
    if (e == last) return 0;
    char *key = p + e->koff;
    key[e->klen] = '\0';
    p += e->seplen;
    jval v;
    if (e->str) {
        char *q = plain_run(p);
        if (*q != '"') return -1;
        *q = '\0';
        v.kind = JSON_STRING;
        v.s = p;
        v.len = (size_t)(q - p);
        v.i = 0;
        p = q + 1;
    } else if (scan_value(&p, end, &v)) {
        return -1;
    }
    if (add_member(r, key, e->klen, e->slot, &v)) return -1;
    *pp = p;
    return 1;
}

int ev_scan_flat(ev_reader *r, const char *line, size_t len)
{
    if (len + SCAN_PAD > r->scratch_cap) {
        size_t cap = r->scratch_cap ? r->scratch_cap : 1024;
        while (cap < len + SCAN_PAD) cap *= 2;
        char *ns = realloc(r->scratch, cap);
        if (!ns) return -1;
        r->scratch = ns;
        r->scratch_cap = cap;
    }
    memcpy(r->scratch, line, len);
    memset(r->scratch + len, 0, SCAN_PAD);
    char *p = r->scratch;
    const char *end = p + len;
    next_gen(r);

    for (uint32_t k = 0;; k++) {
        if (k < SHAPE_MAX) {
            int got = shape_member(r, &p, end, k);
            if (got < 0) return -1;
            if (got) continue;
        }
        if (k && r->tail_len && sep_match(p, r->tail_w, r->tail_m, r->tail_len > 16) &&
            p + r->tail_len == end)
            return 0;

        /* this member token by token, its bytes kept as a way of position k */
        const char *from = p; /* where the bytes before the value start */
        int closed;
        if (k == 0) {
            while (sp(*p)) p++;
            if (*p != '{') return -1;
            p++;
            while (sp(*p)) p++;
            closed = *p == '}';
            if (closed) p++;
        } else {
            closed = after_value(&p);
            if (closed < 0) return -1;
        }
        if (closed) {
            while (sp(*p)) p++;
            if (p != end) return -1;
            if (k && (size_t)(end - from) <= SEP_MAX) { /* after a value: ws, '}', ws */
                sep_set(r->tail_w, r->tail_m, line + (from - r->scratch), (size_t)(end - from));
                r->tail_len = (uint32_t)(end - from);
            }
            return 0;
        }
        if (*p != '"') return -1;
        size_t klen;
        char *key = scan_string(&p, end, &klen);
        if (!key) return -1;
        while (sp(*p)) p++;
        if (*p != ':') return -1;
        p++;
        while (sp(*p)) p++;
        int slot = classify(r, key, klen, 1);
        char *vstart = p + (*p == '"');
        jval v;
        if (scan_value(&p, end, &v) || add_member(r, key, klen, slot, &v)) return -1;
        if (k < SHAPE_MAX && (size_t)(vstart - from) <= SEP_MAX) {
            struct shape_ent *e = &r->shape[k][r->shape_next[k]];
            r->shape_next[k] = (uint8_t)((r->shape_next[k] + 1) % SHAPE_WAYS);
            sep_set(e->w, e->m, line + (from - r->scratch), (size_t)(vstart - from));
            e->seplen = (uint8_t)(vstart - from);
            e->koff = (uint8_t)(key - from);
            e->klen = (uint8_t)klen;
            e->slot = slot;
            e->str = v.kind == JSON_STRING;
        }
    }
}

