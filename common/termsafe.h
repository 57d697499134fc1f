/*
 * termsafe.h - text from untrusted input made safe to show on a terminal or in
 * a text report: control characters and bytes that are not UTF-8 become '?'.
 *
 * The one implementation behind every human-readable output that quotes what an
 * input or a decision log holds (rejection reasons on `slate run`'s stderr,
 * explain, report, diff, replay), and the UTF-8 decoder the policy lexer uses
 * to refuse invalid strings.  Not here: JSON, HTML or shell quoting (those
 * escape for a format; this only keeps a terminal from being driven).
 */
#ifndef SLATE_TERMSAFE_H
#define SLATE_TERMSAFE_H

#include <stddef.h>

/* The length (1-4) of the well-formed UTF-8 character at s[0..n), or 0 when
 * the bytes there are not one (a stray continuation byte, a sequence cut short,
 * an overlong form, a surrogate, a code point past U+10FFFF).  n > 0. */
size_t term_utf8_len(const char *s, size_t n);

/* Copy s[0..len) into dst (size > 0 bytes, always NUL-terminated) with every C0
 * control (tab and newline too: a value must not start a line of its own),
 * DEL, C1 control (U+0080-U+009F, which some terminals obey as ESC sequences),
 * NUL byte and byte that is not part of well-formed UTF-8 replaced by one '?'
 * each; anything else is copied.  What does not fit is cut at a character
 * boundary.  Returns dst. */
char *term_safe(char *dst, size_t size, const char *s, size_t len);

/* term_safe() of a NUL-terminated string, NULL shown as `null_text`. */
char *term_safe_str(char *dst, size_t size, const char *s, const char *null_text);

#endif
