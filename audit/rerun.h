/*
 * rerun.h - feeding a decision log's stored entries back through the runner
 * (io/runner.c, the code `slate run` uses): the loop under `slate replay`
 * (every row checked by a check-mode log), `slate diff` (another policy,
 * decisions collected) and `slate run --resume` (the engine rebuilt before new
 * input).  Prefix rr_.
 */
#ifndef SLATE_RERUN_H
#define SLATE_RERUN_H

#include <stdint.h>
#include <stdio.h>

#include "events.h"
#include "runner.h"

typedef struct rr_result {
    uint64_t events, rejected;  /* event entries fed, and of those rejected */
    uint64_t partitions;        /* a partitioned log: the partitions it holds (else 0) */
    uint64_t policies;          /* policy entries in the log */
    uint64_t advances;          /* advance entries */
    uint64_t decisions;         /* decisions made (the last seq) */
    uint64_t opaque;            /* events stored without payload (fed as logged) */
} rr_result;

/* A runner fed from a log, with the programs it loaded. */
typedef struct rr_run {
    runner run;                 /* valid once `started` */
    int started;
    slate_engine_opts eopts;
    int strict;
    int64_t max_skip_ms;        /* the runner's limit (runner.h); 0 after rr_init */
    slate_log *log;             /* entries go here (a check-mode handle), or NULL */
    slate_sink next;            /* without a log: decisions go here after numbering */
    void *next_ud;
    slate_program *fixed;       /* diff: the one policy run throughout (owned) */
    slate_program **progs;      /* loaded from the log, owned */
    size_t nprogs;
    ev_reader *rd;              /* reads stored payloads for the program in force */
    FILE *msg;                  /* where rr_feed's messages go (stderr after rr_init) */
    int from_log;               /* entries come from `log` (check mode with verify:
                                   slate_log_check_next), not a second read */
    slate_log_reader *reader;   /* borrowed: read this open reader (diff: the one
                                   verified), not a new one (a new snapshot) */
    void (*progress)(void *ctx, uint64_t events); /* called after each entry with the
                                   events fed so far (NULL: not called) */
    void *progress_ctx;
    /* A partitioned log (an archive, docs/audit-log.md): each partition's block
     * runs through an engine of its own, started at the block's policy entry,
     * its decisions numbered on from the previous block's. */
    int64_t part;               /* the partition of the block being fed; -1 none */
    uint64_t carried;           /* without a log: the numbering the next block continues */
    uint64_t parts;             /* partitions fed */
} rr_run;

/* Set up with the engine options, a log (check mode or NULL), or without one a
 * sink for the decisions (may be NULL); `fixed` (owned from now on, may be
 * NULL) replaces every policy of the log.  `strict` is the log's option: 0 off,
 * 1 undeclared keys rejected (logs written before fields were checked), 2 that
 * and the engine's strict mode (slate_engine_opts.strict). */
void rr_init(rr_run *rr, int64_t tolerance_ms, int strict, slate_log *log, slate_sink next,
             void *next_ud, slate_program *fixed);
void rr_free(rr_run *rr);

/* Feed every entry of the log at `path` (read through rr->reader when set), in
 * order.  Policy entries load the stored image (which must hash to its name)
 * and start or swap it; with `fixed`, the first starts `fixed` and later ones
 * are ignored.  Prints "slate CMD: PATH: ..." (terminal-safe: the log's text
 * with control characters shown as '?') and returns EXIT_INPUT (divergence,
 * bad image, a refused entry) or EXIT_IO on failure, EXIT_OK otherwise. */
int rr_feed(const char *path, rr_run *rr, rr_result *res, const char *cmd);

/* Verify the log at `path` and replay it in check mode with the options it
 * records, in one pass over its rows (slate_log_opts.verify).  EXIT_OK when
 * the log verifies (*sum as slate_log_verify() fills it) and every row
 * matches; else the first problem printed, verification's first (tampering)
 * before the replay's (divergence), and EXIT_INPUT (EXIT_IO). */
int rr_check(const char *path, rr_result *res, slate_log_summary *sum, const char *cmd);
/* rr_check() with rr_run's progress callback (NULL: none). */
int rr_check_progress(const char *path, rr_result *res, slate_log_summary *sum, const char *cmd,
                      void (*progress)(void *ctx, uint64_t events), void *progress_ctx);

/* The log's evaluation options (opt.tolerance_ms, opt.strict). */
void rr_options(const slate_log *log, int64_t *tolerance_ms, int *strict);

/* The runner's max_skip_ms for the log's `opt.max_skip_ms` value `v`: none (0)
 * when NULL, as in a log written before the option existed. */
int64_t rr_max_skip(const char *v);

/* Load a policy for running: source is compiled in memory (diagnostics on
 * stderr) and an image is loaded, told apart by their bytes (slatec_load()).
 * On success *prog is loaded and *image (malloc'd), *source (malloc'd, NULL
 * for an image) are what the log records.  Returns EXIT_OK, EXIT_INPUT (errors in the policy, image refused) or
 * EXIT_IO (printed as "slate CMD: ..."). */
int rr_load_policy(const char *path, slate_program **prog, uint8_t **image, size_t *image_len,
                   char **source, size_t *source_len, const char *cmd);

/* What the log records of a loaded policy (pointers into prog and the args). */
slate_log_policy rr_policy_info(const slate_program *prog, const void *image, size_t image_len,
                                const char *source, size_t source_len);

#endif
