/*
 * import.h - what the importers of `slate import` share (cli/cmd_import.c,
 * import/import_*.c): a collector of events that sorts them into one time-ordered
 * stream of JSON Lines (docs/io.md), a side file of per-case reference data
 * kept out of the events, counters for the summary, and time conversions.
 *
 * Each importer reads one public data set's CSV (csv.h) and turns its rows into
 * slate events; docs/realism.md describes the mappings.  An importer does not
 * judge records: a row whose time cannot be read still becomes an event, with the
 * raw text as its `at`, so that the engine rejects it with a reason.
 */
#ifndef SLATE_IMPORT_H
#define SLATE_IMPORT_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "csv.h"

typedef struct imp imp;

/* Counters an importer keeps for the summary on stderr. */
typedef struct imp_stats {
    unsigned long rows;      /* data records read (header excluded) */
    unsigned long cases;     /* distinct case ids */
    unsigned long folded;    /* rows that changed nothing the events carry */
    unsigned long unmapped;  /* rows with a state the mapping does not know */
    unsigned long bad_time;  /* rows whose time could not be read (sent on raw) */
    unsigned long late;      /* rows earlier than their case's previous event: kept in
                                the case's order with their own time (the engine
                                judges them against its watermark) */
} imp_stats;

/* A new collector; NULL when out of memory. */
imp *imp_new(void);
void imp_free(imp *im);

/* Add one event of case `case_id`: `type`, the instant at_ms (used to sort) and
 * the text written as `at` (usually the instant with the source's offset), the
 * source record's line as `id`, and the case fields in `fields` (a JSON object,
 * reference stolen; NULL for none).  Events sort by (at_ms, order added), so
 * within a case and among same-instant events the order of the calls is kept.
 * Returns 0, or -1 when out of memory. */
int imp_event(imp *im, const char *case_id, const char *type, int64_t at_ms,
              const char *at_text, unsigned long line, json_t *fields);

/* Add one record of the side file (a JSON object, reference stolen), written in
 * the order added.  Returns 0 or -1. */
int imp_side(imp *im, json_t *record);

/* Sort the events and write them as JSON Lines to out; write the side records
 * to side (if not NULL).  Returns 0, or -1 on a write error. */
int imp_write(imp *im, FILE *out, FILE *side);

/* The index (from 0, in order of first appearance) of case `case_id`; *is_new
 * is set when this is its first appearance.  Returns -1 when out of memory. */
long imp_case(imp *im, const char *case_id, int *is_new);

/* Read the header record of r and find each of the n columns `names` in it:
 * idx[i] gets its index.  *width gets the number of columns.  Returns 0, or -1
 * with a message in err naming the first missing column. */
int imp_header(csv_reader *r, const char *const *names, int *idx, size_t n, size_t *width,
               char *err, size_t errsize);

/* Read the next data record, which must have `width` fields.  Returns 1 with
 * the fields in *f, 0 at the end, -1 with a message in err. */
int imp_row(csv_reader *r, size_t width, char ***f, char *err, size_t errsize);

/* The number of events collected so far. */
size_t imp_count(const imp *im);

/* Write `ms` as RFC 3339 with whole seconds at the UTC offset `offset_min`
 * ("2016-02-29T01:16:00Z", "2018-06-26T10:58:54-04:00") into buf (at least 32
 * bytes).  Returns buf. */
char *imp_format_time(int64_t ms, int offset_min, char *buf);

/* The UTC instant of a civil date and time (no offset applied).  Validates the
 * ranges; returns 0 and sets *ms, or -1. */
int imp_civil_ms(int y, int mo, int d, int h, int mi, int s, int64_t *ms);

/* A time zone's offsets, for converting local times (compiler/tz.h). */
typedef struct imp_zone imp_zone;

/* The offsets of `zone` (an IANA name) over the years 1970-2100.  NULL with a
 * message in err when the zone cannot be read. */
imp_zone *imp_zone_load(const char *zone, char *err, size_t errsize);
void imp_zone_free(imp_zone *z);

/* The instant of local time `local_ms` (a civil time as if it were UTC) in zone
 * z, and the offset in force then (minutes).  An ambiguous local time (the hour
 * repeated when clocks go back) is read as the earlier instant; a local time that
 * does not exist (skipped when clocks go forward) is read with the offset before
 * the change, so 02:30 becomes 03:30 of the new offset.  Returns the instant. */
int64_t imp_zone_utc(const imp_zone *z, int64_t local_ms, int *offset_min);

/* The format readers, one per data set (import/import_FORMAT.c).  Each reads every
 * record of r into im, counting into st.  Returns 0, or -1 with a message in err
 * (a malformed file: missing columns, a CSV error). */
int imp_volvo(csv_reader *r, imp *im, imp_stats *st, char *err, size_t errsize);
int imp_servicenow(csv_reader *r, imp *im, imp_stats *st, char *err, size_t errsize);
int imp_nyc311(csv_reader *r, imp *im, imp_stats *st, char *err, size_t errsize);

#endif
