/*
 * js.h - slate's layer over NATS JetStream (libnats): the transport of the live
 * service (docs/deploy.md).  `slate publish` and `slate serve` use it; nothing
 * here knows events, decisions or engines: it moves opaque byte strings.
 *
 *   connection   a URL list, retries with backoff, a bounded total wait, notices
 *                on a FILE (never a silent hang)
 *   streams      one per partition and kind (SLATE_EV_<p> on slate.events.<p>,
 *                SLATE_DEC_<p> on slate.decisions.<p>), created if missing, and
 *                an existing one with another configuration refused by name
 *   publishing   asynchronous, with a message id for JetStream's de-duplication,
 *                a bounded in-flight window, then a wait for every ack
 *   consuming    a durable pull consumer with explicit acks per partition, and a
 *                read of a stream range by sequence (replay from a checkpoint)
 *   leases       partition ownership in the key-value bucket `slate_leases`,
 *                with a TTL: acquire, renew, lose, release
 *   checkpoints  blobs of any size in the key-value bucket `slate_ckpt`, chunked,
 *                checked by length and SHA-256 when read back
 *   small values put, create-if-absent and get in a key-value bucket (the
 *                worker's policy images and per-partition starting policy)
 *
 * libnats is not visible through this header: callers need no nats.h.
 *
 * Errors: every call that can fail returns an sjs_status and, unless it is
 * SJS_OK, writes a one-line message (no trailing newline, no program name) into
 * the caller's sjs_err, which may be NULL.  Handles are not shared between
 * threads unless a function says so; separate handles over one connection may be
 * used from separate threads.  This layer keeps no global state of its own;
 * libnats does (its threads and caches), released by sjs_library_close().
 */
#ifndef SLATE_JS_H
#define SLATE_JS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum sjs_status {
    SJS_OK = 0,
    SJS_UNREACHABLE, /* no NATS server answered within the time allowed, or the
                        server has JetStream disabled */
    SJS_TIMEOUT,     /* the server did not answer a request in time (transient:
                        retry later) */
    SJS_MISMATCH,    /* a stream or bucket exists with another configuration */
    SJS_NOTFOUND,    /* no such stream, consumer, key or checkpoint */
    SJS_HELD,        /* the lease is held by another worker */
    SJS_LOST,        /* the lease was taken over, or ran out before renewal */
    SJS_CORRUPT,     /* a checkpoint failed its checks (torn, stale, malformed) */
    SJS_GONE,        /* messages needed are no longer in the stream (its limits
                        removed them) */
    SJS_NOMEM,
    SJS_ERROR        /* anything else; the message says what */
} sjs_status;

typedef struct sjs_err {
    char msg[512];
} sjs_err;

/* A short name of a status ("unreachable", "mismatch", ...), never NULL. */
const char *sjs_status_name(sjs_status s);

/* Release libnats's global state (threads, caches), waiting up to 2 s.  Call
 * once at the end of a process, after every handle is closed, so leak checkers
 * see a clean exit.  No handle may be used afterwards. */
void sjs_library_close(void);

/* ---- connection -------------------------------------------------------------- */

#define SJS_DEFAULT_URL "nats://127.0.0.1:4222"

typedef struct sjs_opts {
    const char *url;     /* a URL, or several separated by commas (one cluster);
                            NULL: SJS_DEFAULT_URL */
    const char *name;    /* the connection's name, shown by the server; NULL: "slate" */
    int64_t timeout_ms;  /* total time to keep trying to connect and to find
                            JetStream ready; 0: 10000 */
    int64_t request_ms;  /* how long a stream or consumer request is retried
                            while it times out or no JetStream answers (a
                            leader election, a reconnection), each try waiting
                            at most 5 s; and the default wait for a publish
                            ack.  0: 5000 */
    FILE *log;           /* where notices go: the first failed attempt and that
                            it keeps retrying, disconnections and reconnections
                            later on; NULL: nowhere */
    const char *who;     /* prefix of the notices, e.g. "slate publish"; NULL: "slate" */
} sjs_opts;

typedef struct sjs_conn sjs_conn;

/* Connect to one of the servers in opts->url and check that JetStream answers.
 * A refused, unreachable or not yet ready server is retried with backoff (0.1 s
 * doubling to 2 s) until opts->timeout_ms has passed, with one notice on
 * opts->log at the first failure; then SJS_UNREACHABLE, the message naming the
 * URL and the last cause ("connection refused", "JetStream is not enabled",
 * ...).  Once connected the client reconnects by itself, forever, noting each
 * disconnection and reconnection on opts->log; calls made meanwhile fail with
 * SJS_TIMEOUT or SJS_UNREACHABLE.  *out is closed with sjs_close().  Thread-safe
 * once open: any thread may open handles on it. */
sjs_status sjs_connect(const sjs_opts *opts, sjs_conn **out, sjs_err *err);
void sjs_close(sjs_conn *c);

/* How many times the connection has been made again since sjs_connect.  A
 * subscription made before a reconnection may have lost what the server held
 * for it (a pull request, messages in flight): a caller compares the count
 * and binds again. */
uint64_t sjs_reconnects(const sjs_conn *c);

/* The URL of the server currently connected to, into buf ("" when none). */
void sjs_connected_url(sjs_conn *c, char *buf, size_t n);

/* The largest message the servers accept (payload plus headers), in bytes. */
int64_t sjs_max_payload(sjs_conn *c);

/* ---- streams ----------------------------------------------------------------- */

#define SJS_MAX_PARTS 1024                        /* partitions 0..1023 */
#define SJS_MIN_DUP_WINDOW_MS (10 * 60 * 1000)    /* 10 minutes */

typedef enum sjs_kind {
    SJS_EVENTS,   /* stream SLATE_EV_<p>, subject slate.events.<p> */
    SJS_DECISIONS /* stream SLATE_DEC_<p>, subject slate.decisions.<p> */
} sjs_kind;

/* The names of partition p's stream of a kind; buffers of 48 bytes suffice. */
void sjs_stream_name(sjs_kind kind, unsigned p, char *buf, size_t n);
void sjs_subject(sjs_kind kind, unsigned p, char *buf, size_t n);

typedef struct sjs_stream_spec {
    sjs_kind kind;
    unsigned partition;   /* 0..nparts-1 */
    unsigned nparts;      /* recorded in the stream's description, so that a
                             publisher or worker with another count is refused */
    int replicas;         /* 1..5; 0: 1 */
    int64_t dup_window_ms;/* JetStream's de-duplication window; 0 and anything
                             below SJS_MIN_DUP_WINDOW_MS: SJS_MIN_DUP_WINDOW_MS */
} sjs_stream_spec;

/* Make sure the stream of `spec` exists with the configuration slate expects:
 * its one subject, limits retention (nothing removed when consumed), file
 * storage, spec->replicas, a duplicate window of at least the one asked, and
 * the description "slate <kind> partition P of N".  Creates it if missing.  An
 * existing stream that differs in any of these is left alone and reported:
 * SJS_MISMATCH, the message naming the stream, the setting, what it has and
 * what is expected.  Nothing else of an existing stream (limits an operator set,
 * placement) is checked.  *created (may be NULL) is set to 1 when it was
 * created by this call. */
sjs_status sjs_stream_ensure(sjs_conn *c, const sjs_stream_spec *spec, int *created,
                             sjs_err *err);

typedef struct sjs_stream_state {
    uint64_t msgs;        /* messages held */
    uint64_t first_seq;   /* sequence of the oldest held (0 when empty) */
    uint64_t last_seq;    /* sequence of the newest ever stored (0 when none) */
    uint64_t bytes;
} sjs_stream_state;

/* The state of the stream named `stream`.  SJS_NOTFOUND when it does not exist. */
sjs_status sjs_stream_state_of(sjs_conn *c, const char *stream, sjs_stream_state *st,
                               sjs_err *err);

/* ---- publishing -------------------------------------------------------------- */

typedef struct sjs_pub sjs_pub;

/* What became of one published message, for sjs_pub_opts.on_ack. */
typedef struct sjs_ack {
    const char *subject;
    const char *msg_id;   /* as given to sjs_pub_send, or NULL */
    uint64_t seq;         /* stream sequence (of the first copy, for a duplicate) */
    int duplicate;        /* 1: the stream already held a message with this id
                             within its duplicate window; nothing was stored */
    const char *error;    /* non-NULL: not stored (the server's refusal, or no
                             acknowledgement within ack_wait_ms) */
} sjs_ack;

typedef struct sjs_pub_opts {
    int max_inflight;     /* messages sent and not yet acknowledged, at most; a
                             send beyond waits for acks (up to ack_wait_ms).
                             0: 1024 */
    int64_t ack_wait_ms;  /* per message; 0: the connection's request_ms */
    /* Called once per message sent, from a libnats thread (not the sender's),
     * one call at a time; NULL: none.  The strings live for the call only. */
    void (*on_ack)(void *ud, const sjs_ack *a);
    void *ud;
} sjs_pub_opts;

typedef struct sjs_pub_stats {
    uint64_t sent;        /* handed to the connection */
    uint64_t stored;      /* acknowledged as new */
    uint64_t duplicates;  /* acknowledged as already held */
    uint64_t failed;      /* refused, or not acknowledged in time */
} sjs_pub_stats;

/* A publisher on c (opts may be NULL).  One thread sends; acks arrive on
 * libnats's. */
sjs_status sjs_pub_open(sjs_conn *c, const sjs_pub_opts *opts, sjs_pub **out, sjs_err *err);

/* Send `len` bytes to `subject` with the de-duplication id `msg_id` (NULL: none;
 * at most 255 bytes, no control characters or spaces) and, if hdr_name is not
 * NULL, one extra header hdr_name: hdr_value.  Returns when the message is
 * handed to the connection, not when it is stored: SJS_OK, or SJS_TIMEOUT when
 * the in-flight window stayed full for ack_wait_ms (the message was not sent),
 * or SJS_ERROR (too large, bad id, closed connection). */
sjs_status sjs_pub_send(sjs_pub *p, const char *subject, const char *msg_id, const void *data,
                        size_t len, const char *hdr_name, const char *hdr_value, sjs_err *err);

/* One header of a message: name and value (no line breaks in either). */
typedef struct sjs_header {
    const char *name, *value;
} sjs_header;

/* sjs_pub_send with any number of extra headers (nhdrs of hdrs; hdrs may be
 * NULL when nhdrs is 0). */
sjs_status sjs_pub_sendh(sjs_pub *p, const char *subject, const char *msg_id, const void *data,
                         size_t len, const sjs_header *hdrs, int nhdrs, sjs_err *err);

/* Wait until every message sent has its ack, or timeout_ms (0: ack_wait_ms)
 * passes; messages still unacknowledged then count as failed.  *st (may be
 * NULL) gets the totals since the publisher was opened.  SJS_OK when no message
 * ever failed; else SJS_ERROR (or SJS_TIMEOUT when only acks were missing), the
 * message giving the count and the first error.  Messages that failed may be
 * sent again with the same ids: what was stored after all is not stored twice. */
sjs_status sjs_pub_wait(sjs_pub *p, int64_t timeout_ms, sjs_pub_stats *st, sjs_err *err);

/* Messages that failed so far (refused, or not acknowledged in time).  A
 * sender that stops at the first failure bounds its time when the servers are
 * gone: a send waits for a free slot in the window, which only the ack timeout
 * of an earlier message makes once nothing answers.  Any thread. */
uint64_t sjs_pub_failed(sjs_pub *p);

/* Close (waiting for nothing: call sjs_pub_wait first). */
void sjs_pub_close(sjs_pub *p);

/* ---- consuming --------------------------------------------------------------- */

/* One message read from a stream.  Valid until its batch is freed (or, for
 * sjs_read_range, until the callback returns). */
typedef struct sjs_msg {
    const char *subject;
    const char *data;     /* not NUL-terminated */
    size_t len;
    uint64_t seq;         /* its sequence in the stream */
    uint64_t delivered;   /* deliveries so far, 1 the first time (consumers) */
    uint64_t pending;     /* messages after it not yet delivered (consumer lag) */
    int64_t time_ns;      /* when the stream stored it, ns since the epoch */
    const char *msg_id;   /* its de-duplication id, or NULL */
    long long line_bytes; /* the header Slate-Line-Bytes (a stand-in for an input
                             line too long to carry, see docs/deploy.md), or -1 */
    void *impl_;          /* private */
} sjs_msg;

/* The value of header `name` of a message read from a stream (a consumer's or
 * sjs_read_range's), valid as long as the message; NULL when it has none. */
const char *sjs_msg_header(const sjs_msg *m, const char *name);

typedef struct sjs_batch {
    sjs_msg *msgs;
    int count;
    void *impl_;          /* private */
} sjs_batch;

typedef struct sjs_consumer sjs_consumer;

typedef struct sjs_consumer_opts {
    const char *durable;  /* its name ([A-Za-z0-9_-]), e.g. "slate_ev_3" */
    uint64_t start_seq;   /* when created here: the first stream sequence to
                             deliver; 0: the stream's first */
    int reset;            /* 1: delete an existing consumer of that name first, so
                             delivery restarts at start_seq (a new owner after
                             restoring a checkpoint); 0: take it as it is,
                             position included */
    int64_t ack_wait_ms;  /* redelivery after this long without an ack; 0: 30000 */
    int max_ack_pending;  /* delivered and not acked, at most; 0: 1000 */
} sjs_consumer_opts;

/* A durable pull consumer with explicit acks on stream `stream` (all its
 * subjects), created if missing.  *out is closed with sjs_consumer_close(),
 * which keeps the durable consumer on the server. */
sjs_status sjs_consumer_open(sjs_conn *c, const char *stream, const sjs_consumer_opts *opts,
                             sjs_consumer **out, sjs_err *err);

/* Fetch up to `max` messages, waiting up to wait_ms for the first.  b->count is
 * 0 when none came (SJS_OK).  Free the batch with sjs_batch_free() after
 * acking what was processed; a message not acked is redelivered after
 * ack_wait_ms. */
sjs_status sjs_fetch(sjs_consumer *k, int max, int64_t wait_ms, sjs_batch *b, sjs_err *err);
void sjs_batch_free(sjs_batch *b);

/* Acknowledge one message: sjs_ack_msg sends the ack and returns; sjs_ack_sync
 * waits for the server to confirm it.  sjs_nak asks for redelivery now. */
sjs_status sjs_ack_msg(const sjs_msg *m, sjs_err *err);
sjs_status sjs_ack_sync(const sjs_msg *m, sjs_err *err);
sjs_status sjs_nak(const sjs_msg *m, sjs_err *err);

typedef struct sjs_consumer_state {
    uint64_t ack_floor;   /* every stream sequence up to this one is acked */
    uint64_t delivered;   /* the last stream sequence delivered */
    uint64_t pending;     /* messages not yet delivered: the lag */
    uint64_t ack_pending; /* delivered, not yet acked */
    uint64_t redelivered;
} sjs_consumer_state;

sjs_status sjs_consumer_state_of(sjs_consumer *k, sjs_consumer_state *st, sjs_err *err);

/* The state of durable `durable` of `stream`, asked of its leader, without
 * binding to it.  SJS_NOTFOUND when it does not exist. */
sjs_status sjs_consumer_state_by_name(sjs_conn *c, const char *stream, const char *durable,
                                      sjs_consumer_state *st, sjs_err *err);
void sjs_consumer_close(sjs_consumer *k);

/* Delete the durable consumer `durable` of `stream` (SJS_OK if it did not exist). */
sjs_status sjs_consumer_delete(sjs_conn *c, const char *stream, const char *durable,
                               sjs_err *err);

/* Call fn for each message of `stream` with sequence in [from, to], in order
 * (to 0: up to the last one stored when the call starts), through an ordered
 * ephemeral consumer removed afterwards.  fn returning non-zero stops the read
 * (SJS_OK).  SJS_GONE when `from` is below the stream's first sequence (its
 * limits removed messages the caller needs).  Gaps left by deleted messages are
 * skipped.  Waits at most wait_ms (0: 30000) between two messages. */
typedef int (*sjs_msg_fn)(void *ud, const sjs_msg *m);
sjs_status sjs_read_range(sjs_conn *c, const char *stream, uint64_t from, uint64_t to,
                          int64_t wait_ms, sjs_msg_fn fn, void *ud, sjs_err *err);

/* ---- leases ------------------------------------------------------------------- */

#define SJS_LEASE_BUCKET "slate_leases"

typedef struct sjs_lease_opts {
    const char *bucket;   /* NULL: SJS_LEASE_BUCKET */
    const char *owner;    /* this worker's name ([A-Za-z0-9_-], at most 64 bytes),
                             unique among live workers; stored as the value */
    int64_t ttl_ms;       /* a lease not renewed for this long expires; 0: 6000.
                             An existing bucket with another TTL is a mismatch */
    int replicas;         /* of the bucket when created; 0: 1 */
    unsigned nparts;      /* partitions 0..nparts-1 (at most SJS_MAX_PARTS) */
} sjs_lease_opts;

typedef struct sjs_leases sjs_leases;

/* The lease manager of one worker.  Opens (or creates) the bucket and writes the
 * worker's presence key `w.<owner>` (renewed with the leases, so
 * sjs_leases_members counts live workers).  One thread per manager. */
sjs_status sjs_leases_open(sjs_conn *c, const sjs_lease_opts *opts, sjs_leases **out,
                           sjs_err *err);

/* Try to take partition p (key `p.<p>`, kvStore_Create): SJS_OK, it is ours
 * until renewals stop; SJS_HELD, another worker has it (the message names it);
 * SJS_OK too when it is already ours. */
sjs_status sjs_lease_acquire(sjs_leases *l, unsigned p, sjs_err *err);

/* Renew every lease held whose last renewal is TTL/3 old or more (kvStore_Update
 * on the revision last written), and the presence key.  Call it often (every
 * second, say).  A lease whose update is refused (another worker's revision is
 * there: it had expired and was taken) is lost at once; one whose update cannot
 * reach the server stays held until its local deadline and is then lost.  The
 * partitions lost by this call are written to lost[] (room for nparts), their
 * count to *nlost; the caller must stop processing them.  SJS_OK unless the
 * renewals themselves hit an error other than those. */
sjs_status sjs_leases_renew(sjs_leases *l, unsigned *lost, unsigned *nlost, sjs_err *err);

/* 1 while partition p is ours: acquired, not lost, and the local deadline not
 * passed.  The local deadline is the send time of the last successful write plus
 * TTL minus TTL/6: the server's expiry (TTL after it stored the write, so later)
 * cannot come first, so two workers never both believe they hold p. */
int sjs_lease_held(const sjs_leases *l, unsigned p);

/* Give partition p up (on shutdown, or to balance): deletes the key only if it
 * is still at our revision, so another worker can take it at once.  SJS_OK also
 * when it was no longer ours. */
sjs_status sjs_lease_release(sjs_leases *l, unsigned p, sjs_err *err);

/* Who holds partition p now, into buf ("" and SJS_NOTFOUND when nobody). */
sjs_status sjs_lease_holder(sjs_leases *l, unsigned p, char *buf, size_t n, sjs_err *err);

/* The number of live workers (presence keys not expired), this one included. */
sjs_status sjs_leases_members(sjs_leases *l, unsigned *count, sjs_err *err);

/* Release every lease held and the presence key, then free the manager.  A
 * manager closed without it (a crash) loses its leases by expiry instead. */
void sjs_leases_close(sjs_leases *l);

/* ---- checkpoints ----------------------------------------------------------- */

#define SJS_CKPT_BUCKET "slate_ckpt"
#define SJS_CKPT_MAX ((size_t)1 << 30) /* largest blob, 1 GiB */

typedef struct sjs_ckpt sjs_ckpt;

/* The checkpoint store in `bucket` (NULL: SJS_CKPT_BUCKET), created with
 * `replicas` (0: 1) if missing.  One thread per handle. */
sjs_status sjs_ckpt_open(sjs_conn *c, const char *bucket, int replicas, sjs_ckpt **out,
                         sjs_err *err);
void sjs_ckpt_close(sjs_ckpt *s);

typedef struct sjs_ckpt_info {
    uint64_t seq;         /* the stream sequence the blob covers */
    size_t len;           /* bytes */
    int64_t saved_ms;     /* wall-clock time of the save, ms since the epoch */
} sjs_ckpt_info;

/* Store partition p's checkpoint: `len` bytes (at most SJS_CKPT_MAX) covering
 * stream sequence `seq`.  The chunks go to the slot the current checkpoint does
 * not use, then the meta key `p<p>.meta` naming that slot, the length and the
 * SHA-256 is written last, so a save that dies half-way leaves the previous
 * checkpoint whole.  SJS_OK once the server acknowledged every write. */
sjs_status sjs_ckpt_save(sjs_ckpt *s, unsigned p, uint64_t seq, const void *blob, size_t len,
                         sjs_err *err);

/* Load partition p's latest checkpoint into a malloc'd *blob (freed by the
 * caller) and *info.  SJS_NOTFOUND when there is none; SJS_CORRUPT when the meta
 * is malformed or names another partition, a chunk is missing or of the wrong
 * size, or the bytes do not hash to the recorded SHA-256 (a torn write, or
 * chunks overwritten by a concurrent writer): the caller then replays the
 * partition from its stream's start. */
sjs_status sjs_ckpt_load(sjs_ckpt *s, unsigned p, void **blob, sjs_ckpt_info *info,
                         sjs_err *err);

/* ---- small values ------------------------------------------------------------- */

typedef struct sjs_kv sjs_kv;

/* A key-value bucket for small values (each fits in one message), created with
 * `replicas` (0: 1) if missing.  Reads go to the stream's leader.  One thread
 * per handle. */
sjs_status sjs_kv_open(sjs_conn *c, const char *bucket, int replicas, sjs_kv **out,
                       sjs_err *err);
void sjs_kv_close(sjs_kv *k);

/* Write `key` whatever it holds. */
sjs_status sjs_kv_put(sjs_kv *k, const char *key, const void *v, size_t len, sjs_err *err);

/* Write `key` only if it is absent: SJS_HELD when it exists. */
sjs_status sjs_kv_create(sjs_kv *k, const char *key, const void *v, size_t len, sjs_err *err);

/* Read `key` into a malloc'd *v (NUL-terminated after its *len bytes; freed by
 * the caller).  SJS_NOTFOUND when absent or deleted. */
sjs_status sjs_kv_get(sjs_kv *k, const char *key, void **v, size_t *len, sjs_err *err);

#endif
