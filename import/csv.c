/*
 * csv.c - the RFC 4180 record reader of csv.h: a byte-at-a-time state machine
 * over getc (the inputs are files and pipes of a few tens of megabytes; stdio's
 * buffering is enough).  Fields are collected into one growing buffer and the
 * field pointers set when the record is complete, so a record costs no
 * allocation once the buffers have grown to the widest record.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

struct csv_reader {
    FILE *f;
    char *buf;           /* the record's fields, each NUL-terminated */
    size_t len, cap;
    size_t *starts;      /* offsets of the fields in buf */
    char **fields;       /* pointers handed out */
    size_t nfields, fcap;
    unsigned long line;  /* current physical line */
    unsigned long record_line;
    int started;         /* BOM check done */
    char err[128];
};

csv_reader *csv_open(FILE *f)
{
    csv_reader *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->f = f;
    r->line = 1;
    return r;
}

void csv_close(csv_reader *r)
{
    if (!r) return;
    free(r->buf);
    free(r->starts);
    free(r->fields);
    free(r);
}

unsigned long csv_line(const csv_reader *r) { return r->record_line; }

const char *csv_error(const csv_reader *r) { return r->err; }

static int put(csv_reader *r, char c)
{
    if (r->len == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        char *b = realloc(r->buf, cap);
        if (!b) return -1;
        r->buf = b;
        r->cap = cap;
    }
    r->buf[r->len++] = c;
    return 0;
}

/* End the current field (NUL) and begin a new one. */
static int end_field(csv_reader *r)
{
    if (put(r, '\0')) return -1;
    if (r->nfields + 1 >= r->fcap) {
        size_t cap = r->fcap ? r->fcap * 2 : 64;
        size_t *s = realloc(r->starts, cap * sizeof *s);
        if (!s) return -1;
        r->starts = s;
        r->fcap = cap;
    }
    r->starts[++r->nfields] = r->len;
    return 0;
}

static csv_status fail(csv_reader *r, const char *msg)
{
    snprintf(r->err, sizeof r->err, "%s", msg);
    return CSV_ERROR;
}

csv_status csv_next(csv_reader *r, char ***fields, size_t *nfields)
{
    r->err[0] = '\0';
    if (!r->started) {
        r->started = 1;
        int c1 = getc(r->f);
        if (c1 == 0xEF) {
            int c2 = getc(r->f), c3 = getc(r->f);
            if (c2 != 0xBB || c3 != 0xBF) return fail(r, "input starts with a broken byte order mark");
        } else if (c1 != EOF) {
            ungetc(c1, r->f);
        }
    }
    for (;;) {
        if (!r->fcap) {
            if (!(r->starts = malloc(64 * sizeof *r->starts))) return fail(r, "out of memory");
            r->fcap = 64;
        }
        r->len = 0;
        r->nfields = 0;
        r->starts[0] = 0;
        r->record_line = r->line;
        int quoted = 0, in_quotes = 0, any = 0, c;
        unsigned long quote_line = 0;
        for (;;) {
            c = getc(r->f);
            if (c == EOF) {
                if (ferror(r->f)) {
                    snprintf(r->err, sizeof r->err, "read error: %s", strerror(errno));
                    return CSV_ERROR;
                }
                if (in_quotes) {
                    snprintf(r->err, sizeof r->err,
                             "unterminated quoted field starting on line %lu", quote_line);
                    return CSV_ERROR;
                }
                if (!any) return CSV_EOF;
                break;
            }
            any = 1;
            if (in_quotes) {
                if (c == '"') {
                    int d = getc(r->f);
                    if (d == '"') {
                        if (put(r, '"')) return fail(r, "out of memory");
                        continue;
                    }
                    in_quotes = 0;
                    if (d != EOF) ungetc(d, r->f);
                    continue;
                }
                if (c == '\n') r->line++;
                if (put(r, (char)c)) return fail(r, "out of memory");
                continue;
            }
            if (c == '"' && !quoted && r->len == r->starts[r->nfields]) {
                quoted = in_quotes = 1;
                quote_line = r->line;
                continue;
            }
            if (c == ',') {
                if (end_field(r)) return fail(r, "out of memory");
                quoted = 0;
                continue;
            }
            if (c == '\r') {
                int d = getc(r->f);
                if (d == '\n') c = '\n';
                else if (d != EOF) ungetc(d, r->f);
                if (c == '\r') {
                    if (put(r, '\r')) return fail(r, "out of memory");
                    continue;
                }
            }
            if (c == '\n') {
                r->line++;
                break;
            }
            if (put(r, (char)c)) return fail(r, "out of memory");
        }
        if (end_field(r)) return fail(r, "out of memory");
        if (r->nfields == 1 && r->buf[0] == '\0' && !quoted) continue; /* blank line */
        char **p = realloc(r->fields, r->nfields * sizeof *p);
        if (!p) return fail(r, "out of memory");
        r->fields = p;
        for (size_t i = 0; i < r->nfields; i++) p[i] = r->buf + r->starts[i];
        *fields = p;
        *nfields = r->nfields;
        return CSV_RECORD;
    }
}

int csv_column(char **header, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(header[i], name)) return (int)i;
    return -1;
}
