/*
 * js_int.h - what the files of the JetStream layer (js_*.c) share: the
 * connection's insides and the error helpers.  Private to serve/; callers use
 * js.h only.  Not here: anything about partitions' meaning or slate's data.
 */
#ifndef SLATE_JS_INT_H
#define SLATE_JS_INT_H

#include <nats/nats.h>
#include <stdatomic.h>

#include "js.h"

struct sjs_conn {
    natsConnection *nc;
    jsCtx *js;            /* for management requests and key-value stores */
    int64_t request_ms;   /* total wait for an answer, retries included */
    int64_t attempt_ms;   /* one request's wait: min(request_ms, 5 s) */
    FILE *log;
    char who[64];
    atomic_uint_fast64_t reconnects; /* counted on libnats's thread */
};

/* Set *err (if not NULL) to the formatted message and return s. */
sjs_status sjs__fail(sjs_err *err, sjs_status s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A libnats failure `ns` of the operation the format names: the status it maps
 * to (unreachable, timeout, not found, ...), and "<what>: <libnats's text>"
 * in *err.  jerr (0 when unknown) is JetStream's own error code. */
sjs_status sjs__nats(sjs_err *err, natsStatus ns, jsErrCode jerr, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* For the retry loops of management requests: if s is transient (a timeout,
 * no responders while a leader is elected, a reconnection under way) and
 * *deadline (monotonic ms) is not reached, sleep *backoff ms (doubling it, up to
 * 1 s) and return 1 to try again; else 0. */
int sjs__retry(sjs_status s, int64_t deadline, int64_t *backoff);

/* Monotonic milliseconds (for deadlines; not wall-clock time). */
int64_t sjs__now_ms(void);

/* 1 if s is a name NATS accepts as a durable, owner or key token. */
int sjs__token_ok(const char *s, size_t max);

#endif
