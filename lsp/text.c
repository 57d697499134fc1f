/*
 * text.c - positions for the language server: the compiler counts 1-based lines
 * and byte columns, LSP counts 0-based lines and UTF-16 code units.  Does not
 * validate UTF-8 beyond counting (a stray byte is one unit).
 */
#include <stdlib.h>
#include <string.h>

#include "lsp_int.h"

size_t text_line_start(const char *t, size_t len, int line)
{
    size_t p = 0;
    for (int l = 0; l < line; l++) {
        const char *nl = memchr(t + p, '\n', len - p);
        if (!nl) return len;
        p = (size_t)(nl - t) + 1;
    }
    return p;
}

size_t text_line_len(const char *t, size_t len, size_t start)
{
    if (start >= len) return 0;
    const char *nl = memchr(t + start, '\n', len - start);
    size_t n = nl ? (size_t)(nl - (t + start)) : len - start;
    if (n > 0 && t[start + n - 1] == '\r') n--;
    return n;
}

/* Bytes in the UTF-8 sequence starting with `c` (1 for a stray byte). */
static size_t seq_len(unsigned char c)
{
    return c >= 0xf0 && c < 0xf8 ? 4 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xc0 && c < 0xe0 ? 2 : 1;
}

int text_utf16(const char *s, size_t n)
{
    int u = 0;
    for (size_t i = 0; i < n;) {
        size_t k = seq_len((unsigned char)s[i]);
        u += k == 4 ? 2 : 1;
        i += k;
    }
    return u;
}

size_t text_offset(const char *t, size_t len, int line, int character)
{
    if (line < 0) return 0;
    size_t start = text_line_start(t, len, line);
    size_t n = text_line_len(t, len, start), i = 0;
    int u = 0;
    while (i < n && u < character) {
        size_t k = seq_len((unsigned char)t[start + i]);
        if (i + k > n) k = n - i;
        u += k == 4 ? 2 : 1;
        i += k;
    }
    return start + i;
}

json_t *text_position(const char *t, size_t len, int line1, int col1)
{
    if (line1 < 1) return json_pack("{s:i,s:i}", "line", 0, "character", 0);
    size_t start = text_line_start(t, len, line1 - 1);
    size_t n = text_line_len(t, len, start);
    size_t bytes = col1 > 1 ? (size_t)(col1 - 1) : 0;
    if (bytes > n) bytes = n;
    return json_pack("{s:i,s:i}", "line", line1 - 1, "character", text_utf16(t + start, bytes));
}

json_t *text_range(const char *t, size_t len, src_loc loc)
{
    int el = loc.end_line, ec = loc.end_col;
    if (el < loc.line || (el == loc.line && ec <= loc.col)) {
        el = loc.line;
        ec = loc.col + 1;
    }
    if (loc.line < 1) el = ec = 0;
    return json_pack("{s:o,s:o}", "start", text_position(t, len, loc.line, loc.col), "end",
                     text_position(t, len, el, ec));
}

/* The length of the valid UTF-8 sequence at s (n bytes left), or 0. */
static size_t valid_seq(const unsigned char *s, size_t n)
{
    if (s[0] < 0x80) return 1;
    size_t k = s[0] >= 0xc2 && s[0] <= 0xdf ? 2 : s[0] >= 0xe0 && s[0] <= 0xef ? 3
             : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : 0;
    if (!k || k > n) return 0;
    for (size_t i = 1; i < k; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    if (k == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) || (s[0] == 0xed && s[1] >= 0xa0))) return 0;
    if (k == 4 && ((s[0] == 0xf0 && s[1] < 0x90) || (s[0] == 0xf4 && s[1] >= 0x90))) return 0;
    return k;
}

json_t *text_json(const char *s, size_t n)
{
    char *buf = malloc(n * 3 + 1); /* each bad byte may become U+FFFD's 3 bytes */
    if (!buf) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        size_t k = valid_seq((const unsigned char *)s + i, n - i);
        if (k) {
            memcpy(buf + o, s + i, k);
            o += k;
            i += k;
        } else {
            memcpy(buf + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    json_t *j = json_stringn(buf, o);
    free(buf);
    return j;
}
