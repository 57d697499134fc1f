/*
 * decision_json.h - slate_decision_json() with a caller-owned memo, for sinks
 * that render many decisions in a row (the CLI's dout).
 *
 * Private to slate (libslate and the CLI); not part of the public API.  The memo
 * keeps what the previous decisions already worked out: the policy file name
 * escaped as the `rule` key writes it, the last instant of `at` and of
 * `deadline` as text, the last `seq` and `event` numbers as digits, and the
 * renderings of the program's strings and rules met so far.  It is the
 * caller's, like every other piece of state (libslate keeps none of its own),
 * and it changes only speed: the bytes are exactly slate_decision_json's.  Not
 * here: buffering or writing (dout.c).
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

#define DJ_TEXT 64  /* longest rendering a text slot keeps */
#define DJ_SLOTS 64 /* text slots of each kind (a power of two) */

/* The rendering of a program's string (quoted and escaped), or of the end of a
 * `rule` value (":LINE#LABEL" and the closing quote).  Program strings do not
 * change while the program lives, so the string's address names it. */
typedef struct dj_text {
    const char *key;  /* the string; a rule's label (NULL for none) */
    uint32_t line;    /* rule slots: the rule's line */
    uint32_t len;     /* bytes of text; 0: an empty slot; UINT32_MAX: too long */
    char text[DJ_TEXT];
} dj_text;

typedef struct dj_memo {
    const slate_program *prog; /* whose file name `file` holds; NULL: none yet */
    size_t file_len;           /* bytes of `file`, or SIZE_MAX when too long to keep */
    char file[DJ_FILE_MAX];    /* '"' and the escaped file name (no closing quote) */
    ts_memo at, deadline;      /* the dates last written for each key */
    dj_count seq, event;       /* the numbers last written for each key */
    int texts;                 /* use the text slots (dj_memo_init; not for one-offs) */
    uintptr_t lo, span;        /* prog's string table: the addresses slots may name */
    dj_text str[DJ_SLOTS];     /* program strings: clock, to, tier, field, ... */
    dj_text rule[DJ_SLOTS];    /* rule lines and labels */
} dj_memo;

/* Start a memo that knows nothing yet.  Call it again (forgetting everything)
 * when a program whose decisions it rendered may have been freed: a later
 * program may take its addresses. */
void dj_memo_init(dj_memo *m);

/* slate_decision_json(d) with `seq` in place of d->seq, using and updating the
 * memo: the same return value and the same bytes. */
size_t dj_render(const slate_decision *d, uint64_t seq, char *buf, size_t size, dj_memo *m);

#endif
