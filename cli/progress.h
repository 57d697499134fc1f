/*
 * progress.h - a progress line on stderr for the long commands (`run`, `replay`,
 * `diff`, `import`): events (or rows) done, the rate, and the time left when
 * the input's size is known.  Shown only when stderr is a terminal, never with
 * --quiet, never when the command's own output goes to that terminal too, and
 * erased before the command's summary.  Not here: any output of the commands.
 */
#ifndef SLATE_CLI_PROGRESS_H
#define SLATE_CLI_PROGRESS_H

#include <stdint.h>
#include <stdio.h>

typedef struct cli_progress {
    int on;             /* stderr is a terminal and not --quiet */
    const char *cmd;    /* "run": the line reads "slate run: ..." */
    const char *unit;   /* "events", "rows" */
    uint64_t total;     /* the input's size in bytes; 0 unknown */
    double t0, next;    /* monotonic seconds: the start, the next redraw */
    double every;       /* seconds between redraws */
    int shown;          /* a line is on the screen */
} cli_progress;

/* Start: on when stderr is a terminal, `quiet` is 0 and `out` (the command's
 * output, NULL: none to worry about) is not a terminal.  `in` (NULL: none)
 * gives the total when it is a regular file.  SLATE_PROGRESS_MS in the
 * environment sets the redraw interval (default 250; tests use 0). */
void cli_progress_begin(cli_progress *p, const char *cmd, const char *unit, int quiet, FILE *in,
                        FILE *out);

/* `done` units so far and, when known, `bytes` of the input read (0: unknown).
 * Cheap when no redraw is due. */
void cli_progress_update(cli_progress *p, uint64_t done, uint64_t bytes);

/* Erase the line (before a message, or at the end); the next update draws it again. */
void cli_progress_clear(cli_progress *p);

/* A stream reading `in` that updates the line as it goes, counting lines as
 * the units (import: the CSV's rows, near enough); `in` itself when the line
 * is off.  Closing it leaves `in` open; NULL when memory runs out. */
FILE *cli_progress_reader(cli_progress *p, FILE *in);

/* The same, shaped as rr_run's progress callback (audit/rerun.h): ctx is the
 * cli_progress. */
void cli_progress_cb(void *ctx, uint64_t done);

#endif
