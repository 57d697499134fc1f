/*
 * decision_json.h - slate_decision_json() with a caller-owned memo, for sinks
 * that render many decisions in a row (the CLI's dout).
 *
 * Private to slate (libslate and the CLI); not part of the public API.  The memo
 * keeps what the previous decisions already worked out: the policy file name
 * escaped as the `rule` key writes it, and the last date of `at` and of
 * `deadline` as text, and the last `seq` and `event` numbers as digits.  It is the caller's, like every other piece of state
 * (libslate keeps none of its own), and it changes only speed: the bytes are
 * exactly slate_decision_json's.  Not here: buffering or writing (dout.c).
 */
#ifndef SLATE_DECISION_JSON_H
#define SLATE_DECISION_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "slate.h"
#include "timestamp.h"

#define DJ_FILE_MAX 128 /* longest escaped file name the memo keeps */

/* A number and its decimal digits, for `seq` (one more each time) and `event`
 * (the same for each decision of an event). */
typedef struct dj_count {
    uint64_t v;
    size_t len;    /* 0: none yet */
    char text[24];
} dj_count;

typedef struct dj_memo {
    const slate_program *prog; /* whose file name `file` holds; NULL: none yet */
    size_t file_len;           /* bytes of `file`, or SIZE_MAX when too long to keep */
    char file[DJ_FILE_MAX];    /* '"' and the escaped file name (no closing quote) */
    ts_memo at, deadline;      /* the dates last written for each key */
    dj_count seq, event;       /* the numbers last written for each key */
} dj_memo;

/* Start a memo that knows nothing yet. */
void dj_memo_init(dj_memo *m);

/* slate_decision_json(d) with `seq` in place of d->seq, using and updating the
 * memo: the same return value and the same bytes. */
size_t dj_render(const slate_decision *d, uint64_t seq, char *buf, size_t size, dj_memo *m);

#endif
