/*
 * bstream.h - what the benchmark drivers and the equivalence test share: a policy
 * compiled in process, a JSON Lines event file parsed once into owned
 * slate_event structs (so no JSON is parsed in a timed loop), and the compared
 * subset of decisions (bench/RESULTS.md, "Equivalence").
 *
 * Not part of libslate; bench/ and tests/unit/test_bench_equiv.c only.
 */
#ifndef SLATE_BSTREAM_H
#define SLATE_BSTREAM_H

#include <stddef.h>
#include <stdint.h>

#include "slate.h"

/* Compile the policy file at `path` and load it.  Returns NULL (a message on
 * stderr) on any error.  *img_len, when not NULL, gets the image size. */
slate_program *bs_compile_file(const char *path, size_t *img_len);
/* The same for policy text in memory. */
slate_program *bs_compile_text(const char *name, const char *src, size_t len, size_t *img_len);

/* A parsed event stream; every pointer inside is owned by the stream. */
typedef struct bs_stream {
    slate_event *ev;
    size_t n;
    size_t rejected;   /* lines the reader rejected (left out of ev) */
    void *arena;       /* internal */
} bs_stream;

/* Parse every line of the file at `path` with the CLI's event reader.  Returns 0,
 * or -1 with a message on stderr. */
int bs_load_events(const slate_program *prog, const char *path, bs_stream *s);
/* The same over text in memory (NUL-terminated lines buffer of `len` bytes). */
int bs_load_events_text(const slate_program *prog, const char *text, size_t len, bs_stream *s);
void bs_free(bs_stream *s);

/* ---- the compared subset ---------------------------------------------------- */

/* The hand-written baseline (bench/handwritten.c) decides this subset of the
 * reference policy: `sla` (tier), and start/stop/pause/resume/warn/breach of the
 * four declared clocks response, handling, resolution, follow_up.  Rule actions
 * (route, assign, notify, escalate, set, emit), `require`/`open review` clocks
 * and `close` are not in it. */
#define BS_NCLOCKS 4
extern const char *const bs_clock_names[BS_NCLOCKS];

typedef struct bs_dec {
    int64_t at;
    uint64_t case_hash;  /* FNV-1a of the case id */
    uint8_t action;      /* slate_action */
    int8_t clock;        /* 0..3, -1 for sla */
    int16_t tier;        /* sla: tier index in policy order (-1 none); else -1 */
    char case_id[24];    /* first 23 bytes, for messages */
} bs_dec;

/* Whether slate decision d is in the subset; fills *out when it is.  `tiers` maps
 * the tier names to indices (bs_tier_index). */
int bs_from_slate(const slate_decision *d, bs_dec *out);
int bs_tier_index(const char *name);  /* -1 when not a tier of service-2025 */
extern const char *const bs_tier_names[];
extern const int bs_ntiers;

uint64_t bs_fnv(const void *p, size_t n);
/* Fold one compared decision into a running hash of the subset stream. */
uint64_t bs_mix(uint64_t h, const bs_dec *d);

/* A growable list of compared decisions. */
typedef struct bs_list {
    bs_dec *v;
    size_t n, cap;
} bs_list;
void bs_push(bs_list *l, const bs_dec *d);
/* Compare two lists in order: returns -1 when equal, else the first index that
 * differs (or the shorter length), and writes a description into msg. */
long bs_compare(const bs_list *a, const bs_list *b, char *msg, size_t size);

/* A slate_sink collecting the compared subset into the bs_list `ud`. */
int bs_subset_sink(void *ud, const slate_decision *d);

/* Compare slate's subset `a` with a baseline's `b` and print the `equiv` line
 * every driver prints; when they differ and `peer` is not NULL, both sides'
 * decisions of the first differing case go to stderr, labelled `slate` and
 * `peer`.  Frees both lists.  Returns 0 when equal, 1 when not. */
int bs_report_equiv(bs_list *a, bs_list *b, unsigned long long slate_total, const char *peer);

/* Seconds for timing runs: monotonic wall clock, or with BENCH_CLOCK=cpu the
 * process CPU time (a shared, loaded machine). */
double bs_now(void);
/* The median of n values (sorts v in place). */
double bs_median(double *v, int n);

#endif
