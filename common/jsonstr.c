/*
 * jsonstr.c - the JSON string escaper behind jsonstr.h.
 *
 * On the hot path of `slate run` (every case id and event id of every decision
 * passes through it), so the common string, printable ASCII only, is found and
 * copied a word (SSE2: sixteen bytes) at a time, straight into place when it
 * fits; only the bytes that need an escape or a UTF-8 check are looked at one
 * by one.  The rules are jsonstr.h's.
 */
#include "jsonstr.h"

#include <stdint.h>
#include <string.h>

/* A bounded writer: writes what fits in `room`, counts everything. */
typedef struct jout {
    char *o;
    size_t room, n;
} jout;

static inline void put(jout *w, const char *s, size_t len)
{
    if (w->n < w->room) {
        size_t k = w->room - w->n;
        memcpy(w->o + w->n, s, len < k ? len : k);
    }
    w->n += len;
}

/* Length of the well-formed UTF-8 sequence at s[0..len), or 0 if it is not one;
 * *sub receives the length of the maximal ill-formed subpart (at least 1) when it
 * is not. */
static size_t utf8_seq(const unsigned char *s, size_t len, size_t *sub)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF; /* range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) need = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F; /* nothing past U+10FFFF */
    } else {
        *sub = 1;
        return 0;
    }
    size_t i = 1;
    for (; i < need && i < len; i++) {
        unsigned char b = s[i];
        unsigned char l = i == 1 ? lo : 0x80, h = i == 1 ? hi : 0xBF;
        if (b < l || b > h) break;
    }
    if (i == need) return need;
    *sub = i;
    return 0;
}

/* Bytes jstr_escape copies as they are without looking further: printable ASCII
 * other than '"' and '\\'. */
static int plain_byte(unsigned char c)
{
    return c >= 0x20 && c < 0x7F && c != '"' && c != '\\';
}

/* The high bit of each byte of the word x that jstr_escape cannot copy as it is
 * (below 0x20, '"', '\\', DEL, above 0x7F); the lowest one is exact. */
static inline uint64_t not_plain(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\'), d = x ^ (ones * 0x7F);
    return (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) |
            ((d - ones) & ~d) | x) &
           high;
}

/* The byte index of the first flagged byte of a non-zero not_plain() word. */
static inline size_t first_flagged(uint64_t bad)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    return (size_t)(__builtin_clzll(bad) >> 3);
#else
    return (size_t)(__builtin_ctzll(bad) >> 3);
#endif
}

/* The length of the run of plain bytes at p[0..len): eight at a time while eight
 * remain, then one at a time. */
static size_t plain_len(const unsigned char *p, size_t len)
{
    size_t i = 0;
    for (; len - i >= 8; i += 8) {
        uint64_t x;
        memcpy(&x, p + i, 8);
        uint64_t bad = not_plain(x);
        if (bad) return i + first_flagged(bad);
    }
    while (i < len && plain_byte(p[i])) i++;
    return i;
}


/* When s[0..len) fits as it is: copies its plain prefix into place while
 * finding where it ends, and returns that length (len: all of it).  Copies whole
 * words, the last one overlapping the one before, and may copy bytes past the
 * prefix: they lie inside the room checked and the caller writes over them.
 * Never reads outside s[0..len). */
static size_t copy_plain(char *o, const unsigned char *p, size_t len)
{
#ifdef __SSE2__
    unsigned m;
    if (len >= 16) {
        size_t i = 0;
        __m128i v;
        for (; len - i > 16; i += 16) {
            v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
            _mm_storeu_si128((__m128i *)(void *)(o + i), v);
            if ((m = jstr_not_plain16(v))) return i + (size_t)__builtin_ctz(m);
        }
        v = _mm_loadu_si128((const __m128i *)(const void *)(p + len - 16));
        _mm_storeu_si128((__m128i *)(void *)(o + len - 16), v);
        return (m = jstr_not_plain16(v)) ? len - 16 + (size_t)__builtin_ctz(m) : len;
    }
    if (len >= 8) {
        /* the first 8 bytes and the last 8 (overlapping) in one vector */
        uint64_t lo, hi;
        memcpy(&lo, p, 8);
        memcpy(&hi, p + len - 8, 8);
        memcpy(o, &lo, 8);
        memcpy(o + len - 8, &hi, 8);
        if (!jstr_not_plain16(_mm_set_epi64x((long long)hi, (long long)lo))) return len;
        return plain_len(p, len);
    }
#else
    uint64_t x, bad;
    if (len >= 8) {
        size_t i = 0;
        for (; len - i > 8; i += 8) {
            memcpy(&x, p + i, 8);
            memcpy(o + i, &x, 8);
            if ((bad = not_plain(x))) return i + first_flagged(bad);
        }
        memcpy(&x, p + len - 8, 8);
        memcpy(o + len - 8, &x, 8);
        return (bad = not_plain(x)) ? len - 8 + first_flagged(bad) : len;
    }
#endif
    if (len >= 4) {
        uint32_t lo, hi;
        memcpy(&lo, p, 4);
        memcpy(&hi, p + len - 4, 4);
        memcpy(o, &lo, 4);
        memcpy(o + len - 4, &hi, 4);
        if (!not_plain((uint64_t)lo << 32 | hi)) return len;
    }
    size_t i = 0;
    while (i < len && plain_byte(p[i])) o[i] = (char)p[i], i++;
    return i;
}

size_t jstr_escape(char *out, size_t room, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    jout w = {out, room, 0};
    size_t i, run; /* run: start of the pending run of bytes copied verbatim */
    if (len <= room) {
        /* the usual case: all plain, copied in place */
        i = copy_plain(out, p, len);
        if (i == len) return len;
        w.n = run = i;
    } else {
        run = 0;
        i = plain_len(p, len);
    }
    while (i < len) {
        unsigned char c = p[i];
        char esc[6];
        size_t elen = 0, skip = 1;
        if (c < 0x80) {
            if (c == '"' || c == '\\') {
                esc[0] = '\\', esc[1] = (char)c, elen = 2;
            } else if (c < 0x20 || c == 0x7F) {
                esc[0] = '\\';
                switch (c) {
                case '\b': esc[1] = 'b', elen = 2; break;
                case '\f': esc[1] = 'f', elen = 2; break;
                case '\n': esc[1] = 'n', elen = 2; break;
                case '\r': esc[1] = 'r', elen = 2; break;
                case '\t': esc[1] = 't', elen = 2; break;
                default:
                    esc[1] = 'u', esc[2] = '0', esc[3] = '0';
                    esc[4] = hex[c >> 4], esc[5] = hex[c & 15], elen = 6;
                }
            } else {
                i++;
                continue;
            }
        } else {
            size_t sub = 1, n = utf8_seq(p + i, len - i, &sub);
            if (n == 3 && c == 0xE2 && p[i + 1] == 0x80 && (p[i + 2] == 0xA8 || p[i + 2] == 0xA9)) {
                memcpy(esc, p[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
                elen = 6, skip = 3;
            } else if (n) {
                i += n;
                continue;
            } else {
                memcpy(esc, "\xEF\xBF\xBD", 3); /* U+FFFD */
                elen = 3, skip = sub;
            }
        }
        put(&w, s + run, i - run);
        put(&w, esc, elen);
        i += skip;
        run = i;
    }
    put(&w, s + run, len - run);
    return w.n;
}
