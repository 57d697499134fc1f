/*
 * prun.h - `slate run --threads N`: one engine per partition, each on its own
 * thread, giving exactly the output of one engine.
 *
 * The caller (cli/cmd_run.c) reads and parses the lines as `slate run` always
 * does and hands each one here.  Every line goes to the partition of its case
 * (slate_partition(), the hash `slate serve` uses; a line without a case, a
 * `tick` included, to partition 0).  Engines keep the time of the whole stream,
 * not of their own cases: the reader thread computes the stream's watermark as
 * one engine would (docs/semantics.md, "Time"), and an engine is brought to it
 * before it applies a line (and every engine at the end of each batch), so late
 * events, rejects, timers and their instants are decided per case exactly as by
 * one engine.
 * Lines travel in batches through a bounded ring (a few batches in flight);
 * the reader thread merges each batch's decisions back into the order one
 * engine makes them (per line: the timers the line's time made due, by
 * (instant, case creation order), then the line's own decisions) and numbers
 * them `seq` 1, 2, ... as one engine does.  docs/io.md, "Threads", has the
 * argument.
 *
 * Not here: the decision log (`--log` is refused with `--threads`), --resume,
 * policy swaps, reading or parsing (the caller's reader does that).
 */
#ifndef SLATE_PRUN_H
#define SLATE_PRUN_H

#include <stdint.h>
#include <stdio.h>

#include "events.h"
#include "slate.h"

#define PRUN_MAX_THREADS 64

typedef struct prun prun;

typedef struct prun_opts {
    unsigned threads;            /* partitions, and engine threads: 2..PRUN_MAX_THREADS */
    const slate_program *prog;   /* shared by every engine (read-only) */
    slate_engine_opts eo;        /* the engines' options */
    int64_t max_skip_ms;         /* as runner.h's max_skip_ms; 0: no limit */
    FILE *out;                   /* decisions, JSON Lines */
} prun_opts;

/* Start the threads.  Returns NULL with a message in err when that fails. */
prun *prun_new(const prun_opts *o, char *err, size_t errsize);

/* One line the reader returned (EV_OK or EV_REJECT), in input order.  Returns
 * 0, or -1 when the run has failed (prun_error says why). */
int prun_feed(prun *p, const ev_result *res);

/* At the end: advance every engine to `t` (as runner_advance). */
int prun_advance(prun *p, int64_t t);

/* Wait for every line fed so far and write its decisions to out (then fflush
 * it): before a read that may block, and at the end.  0 or -1. */
int prun_flush(prun *p);

/* The stream's time as one engine would have it (INT64_MIN: none yet). */
int64_t prun_now(const prun *p);

/* What went wrong: NULL while all is well.  `write_error` is the errno of a
 * failed write of the decisions, 0 for any other failure. */
const char *prun_error(const prun *p, int *write_error);

/* Totals, after prun_flush. */
typedef struct prun_stats {
    uint64_t decisions, rejects;
    size_t open_cases;
} prun_stats;
prun_stats prun_get_stats(const prun *p);

/* Stop the threads and free everything (after a failure too). */
void prun_free(prun *p);

#endif
