/*
 * events.h - the JSON Lines event reader: text in, slate_event out.
 *
 * The first step of `slate run` (and of anything else that feeds events from
 * text).  It reads one JSON object per line (jansson, or for the plainest flat
 * lines an exact scanner in front of it: docs/io.md), checks every key
 * against the program's schema (event types, field names and types, enum
 * values), and fills a slate_event the engine can take as it is.  A line it
 * cannot use is not an error of the run: it comes back as EV_REJECT with a
 * precise reason, and the caller turns it into a `reject` decision
 * (docs/io.md, "Events in").
 *
 * Numbering: every line counts for `line` (from 1); every line that is not blank
 * is an input event and gets the next `seq` (from 1), rejected ones included, so
 * the decisions' `event` keys name the same events whatever the blank lines.
 *
 * It reads the schema through bytecode/program.h because the public API has no
 * way to list names (needed for "expected one of ..." messages); see the API
 * proposal in docs/io.md.  Not here: time order, unknown cases, tolerance (the
 * engine judges those).
 */
#ifndef SLATE_EVENTS_H
#define SLATE_EVENTS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "slate.h"

#define EV_MAX_LINE ((size_t)1 << 20) /* longest line accepted, without its newline */
#define EV_MAX_CASE 256               /* longest case id, in bytes */
#define EV_REASON_MAX 768             /* longest reason, with its NUL */

typedef enum ev_status {
    EV_OK = 0,     /* an event: out->ev is ready for slate_engine_push */
    EV_REJECT = 1, /* an unusable line: out->reason says why */
    EV_BLANK = 2,  /* (ev_parse_line only) nothing but white space: not an event */
    EV_EOF = 3,    /* (ev_next only) no more lines */
    EV_IOERR = 4   /* (ev_next only) reading failed; errno is set */
} ev_status;

/* What the reader made of one line.  Pointers inside stay valid until the next
 * call on the same reader. */
typedef struct ev_result {
    slate_event ev;       /* EV_OK: the event.  EV_REJECT: seq, and whatever of
                             case_id, id and at could be read (at = INT64_MIN when
                             it could not), for the reject decision */
    uint64_t line;        /* physical line number, from 1 */
    const char *raw;      /* the line exactly as received, without its '\n' (a '\r'
                             and a byte order mark kept); NULL for a line too long
                             to hold */
    size_t raw_len;
    size_t undeclared;    /* keys on this line that are not declared fields */
    char reason[EV_REASON_MAX]; /* EV_REJECT: "missing `case`", "`tier`: ..." */
} ev_result;

typedef struct ev_reader ev_reader;

/* A reader for events of `prog` (which must outlive it).  `strict` turns
 * undeclared keys into rejections.  Returns NULL when memory runs out. */
ev_reader *ev_reader_new(const slate_program *prog, int strict);
void ev_reader_free(ev_reader *r);

/* Parse one line of `len` bytes (no newline; a final '\r' is ignored) as the next
 * line of the stream: counts it, gives it a seq unless it is blank, and fills
 * out.  Returns EV_OK, EV_REJECT or EV_BLANK. */
ev_status ev_parse_line(ev_reader *r, const char *line, size_t len, ev_result *out);

/* Read lines from f until one is not blank and parse it.  A line longer than
 * EV_MAX_LINE is skipped to its end and rejected without being held in memory.
 * Reads f's descriptor with read(2), a chunk at a time, so a line is served as
 * soon as it arrives; f must not have been read through stdio before, and one
 * reader reads one stream.  Returns EV_OK, EV_REJECT, EV_EOF or EV_IOERR. */
ev_status ev_next(ev_reader *r, FILE *f, ev_result *out);

/* Call fn(ud) before each read(2) that may block, e.g. to flush buffered output
 * so a consumer of a live stream sees the decisions of every line read so far. */
void ev_reader_before_read(ev_reader *r, void (*fn)(void *ud), void *ud);

/* Turn the fast path for plain flat lines off (0) or on (1, the default).  Both
 * give the same results (docs/io.md); off is for tests that prove it. */
void ev_reader_set_fast(ev_reader *r, int on);

/* Totals so far. */
typedef struct ev_stats {
    uint64_t lines;       /* physical lines, blank ones included */
    uint64_t events;      /* non-blank lines (= the last seq) */
    uint64_t rejected;    /* of those, rejected */
    uint64_t undeclared;  /* undeclared keys ignored (or rejected under --strict) */
} ev_stats;

ev_stats ev_reader_stats(const ev_reader *r);

/* Parse a duration as events write it: "30s", "15m", "4h", "2d", "1h30m" (parts
 * in decreasing order, each once, d = 24 h).  Returns 0 and stores milliseconds,
 * or -1. */
int ev_parse_duration(const char *s, size_t len, int64_t *ms);

#endif
