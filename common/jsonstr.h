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

/* The escaped text is at most this many times as long as the string (a
 * control byte becomes \u00XX). */
#define JSTR_MAX_GROWTH 6

/* Escape s[0..n) (no quotes, no NUL) into out: the first `room` bytes of the
 * escaped text are written, and its whole length is returned, like snprintf
 * (so a result above `room` says it did not fit).  out may be NULL when room
 * is 0.  Nothing past the text (or past out[room - 1]) is written. */
size_t jstr_escape(char *out, size_t room, const char *s, size_t n);

#endif
