/*
 * wk_int.h - what the files of the worker share (worker.c: the main loop,
 * leases, ticks and reloads; part.c: one partition's thread; part_ckpt.c: its
 * checkpoints; metrics.c: /metrics).  Private to serve/; cli/ sees worker.h.
 *
 * Threads: the main thread owns the leases, the tick publisher and the list of
 * partitions; each owned partition has a thread that alone touches its engine,
 * consumer and publisher.  They talk through the atomics below and the
 * worker's mutex (programs, the current policy).  Not here: option parsing.
 */
#ifndef SLATE_WK_INT_H
#define SLATE_WK_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "decision_json.h"
#include "events.h"
#include "js.h"
#include "runner.h"
#include "slate.h"
#include "worker.h"

#define WK_POLICY_BUCKET SW_POLICY_BUCKET /* img.<hash>, init.<p> */

/* A loaded program and its hash; kept until the worker ends (engines may use it). */
typedef struct wk_prog {
    char hash[65];
    slate_program *prog;
    struct wk_prog *next;
} wk_prog;

/* Reject reasons, by class, for /metrics. */
#define WK_REJECT_CLASSES(X)                                                        \
    X(MALFORMED, "malformed") X(TOO_LONG, "too_long") X(LATE, "late")               \
    X(CASE, "case") X(SCHEMA, "schema") X(OTHER, "other")
typedef enum wk_reject {
#define X(id, name) WK_R_##id,
    WK_REJECT_CLASSES(X)
#undef X
    WK_R__COUNT
} wk_reject;

/* Counters of one partition, written by its thread, read by /metrics. */
typedef struct wk_pmetrics {
    atomic_int owned;                 /* 1 while this worker runs it */
    atomic_uint_least64_t consumed;   /* events applied and published for */
    atomic_uint_least64_t replayed;   /* events applied silently (rebuilding) */
    atomic_uint_least64_t published;  /* decisions stored */
    atomic_uint_least64_t breaches;   /* of those, `breach` */
    atomic_uint_least64_t lag;        /* messages not yet delivered */
    atomic_uint_least64_t open_cases;
    atomic_uint_least64_t held;       /* events held back by the tolerance */
    atomic_uint_least64_t applied;    /* last stream sequence applied */
    atomic_int_least64_t ckpt_ms;     /* wall ms of the last checkpoint, 0: none */
    atomic_uint_least64_t rejects[WK_R__COUNT];
} wk_pmetrics;

typedef struct part part;

typedef struct worker {
    const sw_opts *o;
    char name[65];
    FILE *log;
    sjs_conn *c;
    pthread_mutex_t mu;               /* guards progs, current, log lines */
    wk_prog *progs;
    const wk_prog *current;           /* what the partitions are to run */
    atomic_int stopping;              /* draining: no new batches */
    int64_t drain_deadline;           /* monotonic ms, once stopping */
    wk_pmetrics *pm;                  /* nparts of them */
    part **parts;                     /* nparts; NULL where not running here */
    atomic_uint_least64_t reloads, reload_failures, ticks;
    int64_t started_ms;
    void *http;                       /* the metrics server (metrics.c) */
} worker;

/* One line "slate serve[NAME]: ..." on the worker's log. */
void wk_log(worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Monotonic and wall-clock milliseconds. */
int64_t wk_mono_ms(void);
int64_t wk_wall_ms(void);

/* Sleep up to ms, in slices, returning early (1) once *stop or the worker's
 * stopping flag is set. */
int wk_nap(worker *w, const atomic_int *stop, int64_t ms);

/* The program whose image hash is `hash`: from the worker's list, else loaded
 * from the policy bucket through kv.  NULL (with err) when it cannot be had. */
const wk_prog *wk_program(worker *w, sjs_kv *kv, const char *hash, sjs_err *err);

/* The program partitions are to run now. */
const wk_prog *wk_current(worker *w);

/* The class of a reject reason. */
wk_reject wk_reject_class(const char *reason);

/* ---- a partition's thread (part.c) ---------------------------------------------- */

/* Start the thread of partition p (its lease is held).  NULL when it cannot. */
part *part_start(worker *w, unsigned p);

/* Ask it to stop: after its batch (give_up: it was released or the worker is
 * draining, so finish and acknowledge) or at once (the lease is lost). */
void part_stop(part *pt, int lost);

/* 1 once its thread has ended; 1 in *failed when it ended on an error of its
 * own (not a stop). */
int part_finished(part *pt, int *failed);

/* 1 while it is live (rebuilt and consuming), and its engine's time. */
int part_live(part *pt, int64_t *now);

/* Join and free (after it finished, or it is waited for).  Returns 1 when it
 * ended on an error of its own (events it applied may be unacknowledged). */
int part_free(part *pt);

/* ---- metrics.c ------------------------------------------------------------------ */

/* Serve /metrics on "ADDR:PORT" (ADDR: an IPv4 address; a bare PORT binds
 * 127.0.0.1).  0, or -1 with a message in err. */
int wk_metrics_start(worker *w, const char *addr, sjs_err *err);
void wk_metrics_stop(worker *w);

#endif
