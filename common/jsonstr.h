/*
 * jsonstr.h - the one JSON string escaper: every string slate writes as JSON
 * (stdout's decisions, the engine's JSON fragments, the decision log's `args`)
 * goes through jstr_escape, so the same string has the same bytes everywhere.
 *
 * The rules (docs/io.md, "Decisions out"): per RFC 8259, `"` and `\` escaped,
 * \b \f \n \r \t, other control characters and DEL as \u00XX (lowercase hex),
 * U+2028/U+2029 as \u2028/\u2029 (so a line is also a valid JavaScript
 * literal), everything else copied.  Invalid UTF-8 (stray continuation bytes,
 * overlong forms, surrogates, past U+10FFFF, truncated sequences) is replaced by
 * U+FFFD, one per maximal ill-formed subpart (Unicode's recommended practice),
 * so the output is always valid UTF-8.  NUL is a character like any other
 * (\u0000): strings are given with their length.
 *
 * Not here: the quotes around the string, buffers that grow, JSON parsing.
 * Nothing allocates; no state.
 */
#ifndef SLATE_JSONSTR_H
#define SLATE_JSONSTR_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* The escaped text is at most this many times as long as the string (a
 * control byte becomes \u00XX). */
#define JSTR_MAX_GROWTH 6

/* Escape s[0..n) (no quotes, no NUL) into out: the first `room` bytes of the
 * escaped text are written, and its whole length is returned, like snprintf
 * (so a result above `room` says it did not fit).  out may be NULL when room
 * is 0.  Nothing past the text (or past out[room - 1]) is written. */
size_t jstr_escape(char *out, size_t room, const char *s, size_t n);

/* The bits (one per byte, SSE2's movemask) of the bytes of v jstr_escape cannot
 * copy as they are: below 0x20, '"', '\\', DEL, above 0x7F. */
#ifdef __SSE2__
static inline unsigned jstr_not_plain16(__m128i v)
{
    /* c - 0xA0 as signed bytes: 0x20..0x7E map to -128..-34, all others above */
    __m128i out = _mm_cmpgt_epi8(_mm_sub_epi8(v, _mm_set1_epi8((char)0xA0)), _mm_set1_epi8(-34));
    __m128i bad = _mm_or_si128(out, _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))));
    return (unsigned)_mm_movemask_epi8(bad);
}
#endif

/* jstr_escape for the usual short string inline: when s[0..n), 4 <= n <= 16,
 * needs no escape, copies it to out (16 bytes of room) with two overlapping
 * moves and returns 1; else returns 0, having perhaps written some of out.
 * Reads only s[0..n). */
static inline int jstr_copy_short(char *out, const char *s, size_t n)
{
#ifdef __SSE2__
    uint64_t a, b;
    if (n >= 8) {
        memcpy(&a, s, 8);
        memcpy(&b, s + n - 8, 8);
        if (jstr_not_plain16(_mm_set_epi64x((long long)b, (long long)a))) return 0;
        memcpy(out, &a, 8);
        memcpy(out + n - 8, &b, 8);
        return 1;
    }
    uint32_t x, y;
    memcpy(&x, s, 4);
    memcpy(&y, s + n - 4, 4);
    a = x | (uint64_t)y << 32;
    if (jstr_not_plain16(_mm_set_epi64x(0x2020202020202020, (long long)a))) return 0;
    memcpy(out, &x, 4);
    memcpy(out + n - 4, &y, 4);
    return 1;
#else
    (void)out, (void)s, (void)n;
    return 0;
#endif
}

#endif
