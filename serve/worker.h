/*
 * worker.h - `slate serve`: the live worker over NATS JetStream (docs/deploy.md).
 *
 * A worker leases partitions of the cases (serve/js.h), runs one engine per
 * partition it owns on its own thread, consumes the partition's event stream,
 * publishes every decision to the partition's decision stream with a
 * deterministic message id, and acknowledges an event only once its decisions
 * are stored.  It turns the wall clock into `tick` messages recorded in the
 * event streams, reloads its policy on request, serves /metrics, and drains on
 * request.  Not here: option parsing and signal handlers (cli/cmd_serve.c).
 */
#ifndef SLATE_WORKER_H
#define SLATE_WORKER_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

/* The durable consumer of partition p's event stream, shared by whichever
 * worker owns p (its position and ack floor outlive the owners). */
#define SW_DURABLE_FMT "slate_ev_%u"

/* The key-value bucket where workers store policy images (img.<hash>) and the
 * policy each partition's history starts with (init.<p>); `slate archive
 * --log` reads both (docs/deploy.md, "Policy reloads"). */
#define SW_POLICY_BUCKET "slate_policies"

typedef struct sw_opts {
    const char *policy;       /* the policy file (.slate or .slc) */
    const char *url;          /* NATS servers, comma-separated; NULL: the default */
    unsigned nparts;          /* partitions, the same for every publisher and worker */
    const char *name;         /* this worker's name; NULL: "<host>-<pid>" */
    int64_t tolerance_ms;     /* the engines' tolerance; ticks are at now minus it */
    uint64_t ckpt_every;      /* checkpoint after this many events (0: 10000) */
    int64_t ckpt_every_ms;    /* or after this long (0: 60000) */
    const char *metrics;      /* "ADDR:PORT" for /metrics (NULL: none) */
    int replicas;             /* of streams and buckets created here (0: 1) */
    int64_t timeout_ms;       /* to reach NATS at start (0: 30000) */
    int64_t lease_ttl_ms;     /* of the lease bucket (0: 6000) */
    int64_t drain_ms;         /* longest wait for acknowledgements when draining (0: 30000) */
    int no_ticks;             /* 1: publish no ticks: time moves with events only */
    int strict;               /* reject undeclared keys, as `slate run --strict` */
    int quiet;                /* fewer notices */
    int log_time;             /* prefix notices with the wall-clock time */
    FILE *log;                /* notices and errors (NULL: stderr) */
} sw_opts;

/* Run a worker until *term becomes non-zero (then drain and return), reloading
 * the policy each time *hup becomes non-zero (it is reset here).  Returns an
 * exit status: 0 after a clean drain, 1 the policy has errors or a stream,
 * bucket or worker name conflicts with the configuration, 3 NATS unreachable at
 * start (after retries with notices), the metrics address unusable, or events
 * left unacknowledged when the drain ran out of time. */
int sw_run(const sw_opts *o, volatile sig_atomic_t *term, volatile sig_atomic_t *hup);

#endif
