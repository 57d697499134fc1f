/*
 * csv.h - a small reader of comma-separated values (RFC 4180) for the importers
 * (`slate import`, import/import_*.c).
 *
 * Reads one record at a time from a FILE: fields may be quoted ("a, b"), quotes
 * are doubled inside quotes (""), a quoted field may span lines; records end in
 * LF or CRLF (a lone CR inside a quoted field is kept); a UTF-8 byte order mark at
 * the start of the input is skipped; the last record needs no line end.  A quote
 * inside an unquoted field is taken literally (as most producers mean it).
 * Nothing here knows about any data set.
 */
#ifndef SLATE_CSV_H
#define SLATE_CSV_H

#include <stddef.h>
#include <stdio.h>

typedef struct csv_reader csv_reader;

typedef enum csv_status {
    CSV_RECORD = 0, /* a record was read */
    CSV_EOF,        /* no more records */
    CSV_ERROR       /* malformed input (csv_error says why) or a read error */
} csv_status;

/* A reader over f (not owned, not closed).  Returns NULL when out of memory. */
csv_reader *csv_open(FILE *f);
void csv_close(csv_reader *r);

/* Read the next record.  On CSV_RECORD, *fields points at *nfields NUL-terminated
 * strings owned by the reader and valid until the next call.  Blank lines (an
 * empty record) are skipped. */
csv_status csv_next(csv_reader *r, char ***fields, size_t *nfields);

/* The physical line (from 1) on which the last record read began. */
unsigned long csv_line(const csv_reader *r);

/* Why the last call returned CSV_ERROR ("unterminated quoted field starting on
 * line 7", "read error: ..."), or "" after success. */
const char *csv_error(const csv_reader *r);

/* The index of the field called `name` in a header record, or -1. */
int csv_column(char **header, size_t n, const char *name);

#endif
