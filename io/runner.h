/*
 * runner.h - one engine fed from the event reader: what `slate run` does per
 * line, kept apart from option parsing so every command that re-runs a stream
 * (run now; replay and diff over a log's stored payloads) makes exactly the same
 * decisions, rejected lines included.
 *
 * Per non-blank line: the reader's EV_OK event goes to slate_engine_push, unless
 * it would move the stream's time forward by more than `max_skip_ms`; that one,
 * like an EV_REJECT line, becomes a `reject` decision made here (dout_reject),
 * dated at the engine's watermark (slate_engine_watermark), or the line's own `at` while the engine has
 * seen no time, or 0 when it has neither.  With a log, every line is one `event` entry
 * (its payload exactly as received), the policy one `policy` entry at the start,
 * and each advance one `advance` entry; the decisions of each go to the log
 * through dout, numbered as written.
 */
#ifndef SLATE_RUNNER_H
#define SLATE_RUNNER_H

#include <stdio.h>

#include "dout.h"
#include "events.h"
#include "slate.h"
#include "slate_log.h"

typedef struct runner {
    const slate_program *prog;
    slate_engine *eng;
    slate_log *log;        /* NULL: no log */
    dout out;
    int64_t max_skip_ms;   /* an event (a tick too) more than this after the
                              watermark is rejected and time stays; 0: no limit.
                              Set after runner_init (0 there) */
    slate_sink sink;       /* where the engine's decisions go: dout_sink on &out
                              unless the caller sets another after runner_init
                              (the runner's own rejects always go through out) */
    void *sink_ud;
    int failed;            /* SLATE_* of the first failure, 0 while all is well */
    char err[256];         /* what failed */
} runner;

/* Set up an engine over `prog` writing decisions to `out` (may be NULL) and, if
 * `log` is not NULL, logging to it; with a log, `pol` describes the policy for
 * its `policy` entry.  Returns 0, or a SLATE_* code with r->err set. */
int runner_init(runner *r, const slate_program *prog, const slate_engine_opts *opts, FILE *out,
                slate_log *log, const slate_log_policy *pol);

/* The default of `slate run --max-skip`: 1825 days (5 x 365).  Longer than any
 * gap between consecutive events of the bundled real logs (the NYC 311 sample has
 * one of 999 days), short enough to stop an `at` a decade or more ahead (a year
 * 9999 placeholder, 2052 for 2025) from breaching every open case. */
#define RUNNER_MAX_SKIP_DEFAULT_MS (1825LL * 86400000)

/* Feed one line the reader returned (EV_OK or EV_REJECT).  Returns 0, or a
 * SLATE_* code with r->err set (a write failed, the log refused, memory ran
 * out); after a failure the runner takes nothing more. */
int runner_feed(runner *r, const ev_result *res);

/* Hot-swap to `prog` (slate_engine_swap) as one `policy` entry described by
 * `pol` (with a log); the re-selections the swap makes are its decisions.  The
 * caller reads later lines with a reader for `prog`.  Returns 0 or a SLATE_*
 * code with r->err set. */
int runner_swap(runner *r, const slate_program *prog, const slate_log_policy *pol);

/* Advance time to `now` (firing due timers) as one entry. */
int runner_advance(runner *r, int64_t now);

/* The end of the input: when the engine holds events within the tolerance,
 * apply them (slate_engine_flush) as one `advance` entry to the latest time seen,
 * which is what the flush is and what a replay of the entry does again; nothing,
 * and no entry, when it holds none (always so with tolerance 0).  Also made
 * before a swap.  Returns 0 or a SLATE_* code with r->err set. */
int runner_flush(runner *r);

void runner_release(runner *r);

#endif
