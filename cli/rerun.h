/*
 * rerun.h - feeding a decision log's stored entries back through an engine:
 * the loop under `slate replay` (checking every row), `slate diff` (another
 * policy, decisions collected) and `slate run --resume` (rebuilding the engine
 * before new input).  Prefix rr_.
 */
#ifndef SLATE_RERUN_H
#define SLATE_RERUN_H

#include <stdint.h>

#include "logfeed.h"

typedef struct rr_result {
    uint64_t events, rejected;  /* event entries fed, and of those rejected */
    uint64_t policies;          /* policy entries in the log */
    uint64_t advances;          /* advance entries */
    uint64_t decisions;         /* decisions the replay made */
    uint64_t opaque;            /* events stored without payload (fed as logged) */
} rr_result;

/* Feed every entry of the log at `path`, in order, to `r` (set up by the caller
 * with lf_init; its log may be NULL or a check-mode handle).  Policy entries
 * load the stored image, or, when `fixed` is not NULL, the first one starts
 * `fixed` (owned by r from then on) and later ones are counted and ignored.
 * `upto_seq` (0: all) stops after the event entry with that seq.  Prints
 * "slate CMD: ..." and returns EXIT_INPUT (divergence, bad image) or EXIT_IO on
 * failure, EXIT_OK otherwise. */
int rr_feed(const char *path, lf_run *r, slate_program *fixed, uint64_t upto_seq,
            rr_result *res, const char *cmd);

/* Replay the log at `path` in check mode with the options it records: EXIT_OK
 * when every row matches, else the first divergence printed and EXIT_INPUT. */
int rr_check(const char *path, rr_result *res, const char *cmd);

/* Load a policy for running: a .slate file is compiled in memory (diagnostics
 * on stderr), anything else is read as an image.  On success *prog is loaded and
 * *image (malloc'd), *source (malloc'd, NULL for an image) are what the log
 * records.  Returns EXIT_OK, EXIT_INPUT (errors in the policy, image refused) or
 * EXIT_IO (printed as "slate CMD: ..."). */
int rr_load_policy(const char *path, slate_program **prog, uint8_t **image, size_t *image_len,
                   char **source, size_t *source_len, const char *cmd);

/* The log's evaluation options (opt.tolerance_ms, opt.strict) as the engine
 * takes them. */
void rr_options(const slate_log *log, int64_t *tolerance_ms, int *strict);

#endif
