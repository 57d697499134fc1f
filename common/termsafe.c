/*
 * termsafe.c - control characters and invalid UTF-8 shown as '?' (termsafe.h).
 * Byte-at-a-time and allocation-free: the strings are ids, names and reasons,
 * not bulk text.
 */
#include "termsafe.h"

#include <string.h>

size_t term_utf8_len(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned c = u[0];
    if (c < 0x80) return 1;
    size_t len;
    unsigned cp, min;
    if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F, min = 0x80;
    else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F, min = 0x800;
    else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07, min = 0x10000;
    else return 0; /* a continuation byte, C0/C1 (overlong), or F5-FF */
    if (n < len) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((u[i] & 0xC0) != 0x80) return 0;
        cp = cp << 6 | (u[i] & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
    return len;
}

char *term_safe(char *dst, size_t size, const char *s, size_t len)
{
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)s[i];
        size_t n = term_utf8_len(s + i, len - i);
        /* C1 controls are U+0080-U+009F: C2 80 .. C2 9F */
        int control = !n || c < 0x20 || c == 0x7F ||
                      (n == 2 && c == 0xC2 && (unsigned char)s[i + 1] < 0xA0);
        size_t w = control ? 1 : n;
        if (o + w >= size) break;
        if (control) dst[o] = '?';
        else memcpy(dst + o, s + i, n);
        o += w;
        i += n ? n : 1;
    }
    dst[o] = '\0';
    return dst;
}

char *term_safe_str(char *dst, size_t size, const char *s, const char *null_text)
{
    if (!s) s = null_text ? null_text : "";
    return term_safe(dst, size, s, strlen(s));
}
