/*
 * dout.h - decisions out: the sink `slate run` gives the engine, writing each
 * decision as one line of JSON (slate_decision_json) and passing it on to an
 * optional second sink (the decision log).
 *
 * It also owns the decision numbering of the output.  The engine cannot be told
 * about a line the reader already rejected (slate_engine_push takes only usable
 * events), so the CLI makes those `reject` decisions itself (dout_reject) and
 * numbers every decision it writes, the engine's and its own, from 1 without
 * gaps, in the order they happen.  Decisions are otherwise passed through
 * unchanged.  See docs/io.md.
 *
 * The lines are gathered in dout's own buffer and handed to the FILE a buffer
 * at a time (one copy per line fewer than a write per line): whoever flushes f
 * calls dout_flush first.  A failed write shows at that flush, or at the
 * decision whose line did not fit, and stops the engine from then on.
 */
#ifndef SLATE_DOUT_H
#define SLATE_DOUT_H

#include <stdint.h>
#include <stdio.h>

#include "decision_json.h"
#include "slate.h"

typedef struct dout {
    FILE *f;              /* where the JSON lines go; NULL writes nothing */
    slate_sink next;      /* also receives every decision (renumbered); may be NULL */
    void *next_ud;
    uint64_t seq;         /* the last seq given out */
    uint64_t rejects;     /* reject decisions written, the engine's and dout_reject's */
    int write_error;      /* errno of the first failed write, 0 if none */
    char *buf;            /* lines not yet handed to f (allocated at the first) */
    size_t len, cap;
    dj_memo memo;         /* what rendering the previous decisions worked out */
} dout;

/* Set up writing to f (not owned). */
void dout_init(dout *o, FILE *f, slate_sink next, void *next_ud);
void dout_release(dout *o);

/* Hand the lines gathered so far to f (not fflush: the caller does that).
 * Returns 0, or -1 with o->write_error set. */
int dout_flush(dout *o);

/* Forget what the memo knows of programs: call it when a program whose
 * decisions dout may have rendered is freed (a later one may take its address). */
void dout_forget(dout *o);

/* The slate_sink: number, render and write `d`, then pass it on.  Returns non-zero
 * (stopping the engine) when writing failed or the next sink said stop. */
int dout_sink(void *ud, const slate_decision *d);

/* Make the `reject` decision for an event the reader refused: its case, sender id
 * and seq as far as they could be read, at instant `at`, no rule.  Returns what
 * dout_sink returns. */
int dout_reject(dout *o, const slate_program *prog, const slate_event *ev, const char *reason,
                int64_t at);

#endif
