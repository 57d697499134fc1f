/*
 * rpc.c - JSON-RPC message framing for the language server: the
 * `Content-Length: N` header block, the body, and the response objects.  A
 * hostile or broken header block is skipped and reported, never trusted: a
 * length that is not a plain decimal number, or is larger than RPC_MAX_BODY, or
 * missing, is refused (the body then cannot be located, and the bytes that follow
 * are read as headers again).  Knows nothing of the LSP methods.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lsp_int.h"

/* Header lines longer than this are refused (the rest of the line skipped). */
#define MAX_HEADER_LINE 1024

/* Read one header line into buf (without CR LF): 0, 1 at EOF before any byte,
 * -1 when the line was too long (consumed). */
static int read_line(FILE *in, char *buf, size_t cap)
{
    size_t n = 0;
    int c, any = 0, toolong = 0;
    while ((c = getc(in)) != EOF) {
        any = 1;
        if (c == '\n') break;
        if (n + 1 < cap) buf[n++] = (char)c;
        else toolong = 1;
    }
    if (!any) return 1;
    if (n > 0 && buf[n - 1] == '\r') n--;
    buf[n] = '\0';
    return toolong ? -1 : 0;
}

/* A strict decimal: digits only, no sign, at most RPC_MAX_BODY. */
static int parse_length(const char *s, size_t *out)
{
    while (*s == ' ' || *s == '\t') s++;
    if (*s < '0' || *s > '9') return -1;
    size_t v = 0;
    for (; *s >= '0' && *s <= '9'; s++) {
        v = v * 10 + (size_t)(*s - '0');
        if (v > RPC_MAX_BODY) return -1;
    }
    while (*s == ' ' || *s == '\t') s++;
    if (*s) return -1;
    *out = v;
    return 0;
}

int rpc_read(FILE *in, char **body, size_t *len, const char **why)
{
    char line[MAX_HEADER_LINE];
    size_t n = 0;
    int have = 0, bad = 0, lines = 0;
    *body = NULL;
    *len = 0;
    *why = NULL;
    for (;;) {
        int r = read_line(in, line, sizeof line);
        if (r == 1) return 1; /* the end, between messages or in a header block */
        if (r < 0) {
            lines++;
            bad = 1;
            *why = "a header line is too long";
            continue;
        }
        if (!line[0]) {
            if (lines == 0) continue; /* stray blank lines between messages */
            break;
        }
        lines++;
        const char *colon = strchr(line, ':');
        if (!colon) {
            bad = 1;
            *why = "a header line without a colon";
        } else if ((size_t)(colon - line) == 14 && !strncasecmp(line, "Content-Length", 14)) {
            if (have || parse_length(colon + 1, &n)) {
                bad = 1;
                *why = have ? "two Content-Length headers" : "a Content-Length that is not a length";
            }
            have = 1;
        }
    }
    if (!bad && !have) {
        bad = 1;
        *why = "no Content-Length header";
    }
    if (bad) return -1;
    char *b = malloc(n + 1);
    if (!b) return -2;
    size_t got = fread(b, 1, n, in);
    if (got < n) {
        free(b);
        return 1; /* the stream ended inside the body */
    }
    b[n] = '\0';
    *body = b;
    *len = n;
    return 0;
}

int rpc_write(FILE *out, json_t *msg)
{
    char *s = json_dumps(msg, JSON_COMPACT);
    if (!s) return -1;
    size_t n = strlen(s);
    int ok = fprintf(out, "Content-Length: %zu\r\n\r\n", n) > 0 && fwrite(s, 1, n, out) == n &&
             fflush(out) == 0;
    free(s);
    return ok ? 0 : -1;
}

static json_t *envelope(json_t *id)
{
    json_t *m = json_object();
    if (!m) return NULL;
    json_object_set_new(m, "jsonrpc", json_string("2.0"));
    json_object_set(m, "id", id ? id : json_null());
    return m;
}

json_t *rpc_result(json_t *id, json_t *result)
{
    json_t *m = envelope(id);
    if (!m) {
        json_decref(result);
        return NULL;
    }
    json_object_set_new(m, "result", result ? result : json_null());
    return m;
}

json_t *rpc_error(json_t *id, int code, const char *message)
{
    json_t *m = envelope(id);
    if (!m) return NULL;
    json_object_set_new(m, "error", json_pack("{s:i,s:s}", "code", code, "message", message));
    return m;
}
