/*
 * part_int.h - one partition's state, shared by its thread (part.c) and its
 * checkpoint pair (part_ckpt.c).  Everything here but the atomics is touched
 * by the partition's own thread only.  Not here: leases (the main thread's).
 */
#ifndef SLATE_PART_INT_H
#define SLATE_PART_INT_H

#include "wk_int.h"

/* A decision waiting to be stored: its JSON at [off, off+len) of the outbox
 * text, the stream sequence of the message that made it and its index among
 * that message's decisions (together its message id), and its number. */
typedef struct ob_entry {
    size_t off, len;
    uint64_t eseq, dseq;
    unsigned idx;
} ob_entry;

typedef struct outbox {
    ob_entry *e;
    size_t n, cap;
    char *text;
    size_t len, tcap;
    int nomem;            /* an entry could not be kept: the partition stops */
} outbox;

struct part {
    worker *w;
    unsigned p;
    pthread_t th;
    int started;
    atomic_int stop;      /* 1: finish the batch and stop; 2: stop at once (lost) */
    atomic_int finished, failed, live;
    atomic_int_least64_t now; /* the engine's time, for the tick publisher */
    wk_pmetrics *m;

    char ev_stream[48], dec_subject[48], ev_subject[48], durable[48];
    sjs_consumer *k;
    sjs_pub *pub;
    sjs_kv *kv;
    sjs_ckpt *ck;         /* opened at the first checkpoint */

    runner r;             /* the engine; decisions numbered by r.out */
    int have_runner;
    ev_reader *rd;        /* for prog */
    const wk_prog *prog;  /* what the engine runs */

    uint64_t applied;       /* last stream sequence applied to the engine */
    uint64_t publish_after; /* decisions of sequences up to this one are stored already */
    uint64_t cur_seq;       /* the message being applied */
    unsigned cur_idx;       /* decisions it made so far */
    int publishing;         /* its decisions are to be published */
    outbox ob;
    dj_memo memo;

    uint64_t since_ckpt;    /* events applied since the last checkpoint */
    int64_t ckpt_mono;      /* monotonic ms of the last checkpoint (or of the start) */
    char marker[65];        /* hash of a policy marker sent and not yet seen back */
    int outage;             /* an outage was reported and is not over */
    int probe_said;         /* the stream's state could not be had; said once */
    int behind_said;        /* the stream ends before what was applied; said once */
};

/* ---- part_ckpt.c: the checkpoint pair --------------------------------------------- */

/* Save the engine's state with the stream sequence it covers (pt->applied).
 * 0 saved, -1 failed (reported). */
int part_ckpt_save(part *pt);

/* Restore the latest checkpoint of the partition, if any: on 0, pt->r, pt->rd
 * and pt->prog are set up and *covered is the last stream sequence the state
 * includes (replay goes on from the next); 1 when there is none to restore
 * (rebuild from the stream's start). */
int part_ckpt_restore(part *pt, uint64_t *covered);

/* Set up pt->r, pt->rd and pt->prog for `prog` with no state (part.c). */
int part_engine_new(part *pt, const wk_prog *prog);

#endif
