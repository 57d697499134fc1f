/*
 * logfeed.h - drives an engine over input lines and records every step in the
 * decision log: the one path that `slate run --log`, `slate run --resume` and
 * `slate replay` share, so what replay re-derives is made exactly as the run
 * made it.
 *
 * A line goes through the event reader (cli/events.c); a usable event is pushed
 * to the engine, an unusable one becomes the CLI's `reject` decision (dout.c);
 * every decision is numbered by dout and passed to the log sink.  Each line is
 * one log entry (slate_log_begin_event ... slate_log_end), a policy load or swap
 * one `policy` entry, `--until` one `advance` entry.  The log may be NULL (no
 * log) or a check-mode handle (replay).  Prefix lf_.
 */
#ifndef SLATE_LOGFEED_H
#define SLATE_LOGFEED_H

#include <stdint.h>
#include <stdio.h>

#include "dout.h"
#include "events.h"
#include "log/slate_log.h"
#include "slate.h"

typedef struct lf_run {
    slate_engine *eng;
    const slate_program *prog;  /* in force */
    slate_program **progs;      /* every program given, owned, freed by lf_free */
    size_t nprogs;
    ev_reader *rd;
    dout out;                   /* numbering; JSON lines to `decisions` if not NULL */
    slate_log *log;             /* may be NULL */
    int strict;
    slate_engine_opts eopts;
    uint64_t events, rejected;  /* lines fed */
    uint64_t seq_base;          /* events numbered by earlier readers (before a swap) */
    char err[1024];             /* what went wrong, when a call fails */
} lf_run;

/* Set up: decisions as JSON lines to `decisions` (may be NULL), entries to `log`
 * (may be NULL; not owned), the engine options.  No engine exists until the
 * first lf_policy(). */
void lf_init(lf_run *r, FILE *decisions, slate_log *log, int64_t tolerance_ms, int strict);

/* Start with, or hot-swap to, `prog` (owned by r from now on, also on failure).
 * `image` is its image as loaded and `source` its source text (may be NULL),
 * recorded in the log.  Returns SLATE_OK, or an error with r->err set. */
int lf_policy(lf_run *r, slate_program *prog, const void *image, size_t image_len,
              const char *source, size_t source_len);

/* Feed one input line (without its newline).  A blank line is skipped.  `seq`
 * overrides the reader's numbering when not 0 (replay gives the logged one).
 * Lines the reader numbers at or below `skip_upto` are counted and skipped
 * (resume).  *fed (may be NULL) is set to 1 when the line was an event fed to
 * the engine.  Returns SLATE_OK, or an error with r->err set (a log write, a
 * divergence in check mode, out of memory). */
int lf_line(lf_run *r, const char *line, size_t len, uint64_t seq, uint64_t skip_upto, int *fed);

/* Replay only: an event the log holds without its payload (a line too long to
 * keep, or one pseudonymisation could not rewrite).  Its rejection is fed as
 * logged: `seq`, time, case, sender id and reason come from the log. */
int lf_opaque(lf_run *r, uint64_t seq, int64_t at, const char *case_id, const char *event_id,
              const char *reason);

/* Advance time to `now` (slate run --until). */
int lf_advance(lf_run *r, int64_t now);

/* Start numbering the input's lines from 1 again (a new input stream).  A swap
 * (lf_policy) keeps the numbering going. */
int lf_restart_reader(lf_run *r);

void lf_free(lf_run *r);

#endif
