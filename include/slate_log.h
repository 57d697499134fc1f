/*
 * slate_log.h - the SQLite decision log: the whole API of libslatelog.
 *
 * The last stage of the pipeline for hosts that want an audit trail: decisions
 * from a slate_engine (include/slate.h) go through slate_log_sink() into one
 * SQLite file that auditors verify, replay and report on (docs/audit-log.md
 * defines the schema and the hash chain byte for byte).  It is kept apart from
 * libslate so embedders may use their own sink; libslate never depends on it.
 *
 * Everything the engine consumes is logged as an *entry* (a row of `events`):
 * an input event (kind `event`), a policy load or hot swap (kind `policy`), or a
 * bare advance of time (kind `advance`).  The decisions an entry causes are
 * collected between slate_log_begin_*() and slate_log_end() and written together
 * with it, so an entry and all its decisions always commit in one transaction:
 * after a crash the log holds whole entries, never half of one.  Transactions
 * are batched (opts.batch entries each); an entry is durable once its batch
 * commits (slate_log_flush(), slate_log_close(), or the batch filling up).
 *
 * Tools that report on a log read it through a reader (slate_log_read_open(),
 * cursors: "reading" below), never with SQL of their own.
 *
 * One writer per file, one thread per handle.  A handle keeps no global state.
 */
#ifndef SLATE_LOG_H
#define SLATE_LOG_H

#include <stddef.h>
#include <stdint.h>

#include "slate.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The schema this library writes (meta key `schema_version`).  It reads
 * logs of version 1 too, and continues them as version 1 (docs/audit-log.md). */
#define SLATE_LOG_SCHEMA_VERSION 2

/* "No time known" for slate_log_event.at (an event that could not be parsed). */
#define SLATE_LOG_NO_TIME INT64_MIN

typedef struct slate_log slate_log;

typedef struct slate_log_opts {
    unsigned batch;           /* entries per transaction; 0: 4096 */
    int sync_normal;          /* 1: PRAGMA synchronous=NORMAL (a power loss may lose
                                 the last committed batches); 0: FULL (default) */
    const void *pseudonym_key;/* non-NULL: case ids are stored as
                                 HMAC-SHA256(key, id) in lowercase hex */
    size_t pseudonym_key_len;
    /* Settings that decide how events are evaluated ("key=value" strings, e.g.
     * "tolerance_ms=0"), NULL-terminated or NULL.  Stored in `meta` as
     * `opt.KEY` when the log is created and sealed into the hash chain; opening
     * an existing log with a different value of a given key fails. */
    const char *const *options;
    int must_exist;           /* 1: refuse to create a new log */
    /* 1: check mode, for replay.  The log must exist; it is opened read-only
     * and the handle starts at its beginning.  Entries are given as for
     * writing, but slate_log_end() compares every row it would write (through
     * the same code, so byte for byte) with the row stored at that position,
     * and returns SLATE_ERROR at the first difference, slate_log_errmsg()
     * naming it: the entry, the decision seq, the column, expected (the
     * replay's value) and found (the log's).  Ids are taken as given (never
     * pseudonymised again).  batch, sync_normal and pseudonym_key are ignored. */
    int check;
    /* 1 (with check): verify the stored log in the same pass, so each row is
     * read and hashed once.  Every row check mode reads is first put through
     * slate_log_verify()'s checks; a row that fails them stops the replay
     * (slate_log_end() returns SLATE_ERROR), and slate_log_check_verify(),
     * called last, verifies what the replay did not read and gives
     * slate_log_verify()'s result.  A divergence the replay reports stands
     * only if that result is SLATE_OK: verification names tampering first. */
    int verify;
    /* Non-zero: create a *partitioned* log, the archive of a cluster whose
     * cases are split into this many partitions, each run by its own engine
     * (`slate archive --log`, docs/audit-log.md "Partitioned logs").  Its
     * entries carry their partition and stream sequence (slate_log_set_part()),
     * each partition's entries form one block that starts with a policy entry,
     * and meta's sealed row `partitions` records the count.  Only a new log can
     * be made so; a partitioned log takes no entries from a handle opened
     * without it (nor the reverse).  Ignored in check mode, which follows the
     * log. */
    unsigned partitions;
    /* The schema version of a new log: 0 for SLATE_LOG_SCHEMA_VERSION, or 1
     * (one row per decision, as slates before version 2 wrote).  An existing
     * log is continued in its own version whatever this says. */
    unsigned schema;
} slate_log_opts;

/* The largest partition count (as `slate publish` and `slate serve` allow). */
#define SLATE_LOG_MAX_PARTITIONS 1024

/* Open the log at `path`, creating it (with its schema) if it does not exist.
 * `opts` may be NULL.  On success *log is a new handle the caller closes with
 * slate_log_close().  On failure returns SLATE_ERROR (the file is not a slate
 * log, has another schema version, another pseudonym key or options) or
 * SLATE_NOMEM, and sets *err (if err is not NULL) to a malloc'd message freed
 * with slate_log_free(). */
SLATE_API int slate_log_open(const char *path, slate_log **log, char **err);
SLATE_API int slate_log_open_opts(const char *path, const slate_log_opts *opts,
                                  slate_log **log, char **err);

/* Commit what is pending and close.  An entry still open (begun, not ended) is
 * dropped.  Returns SLATE_OK or SLATE_ERROR (the pending batch may be lost);
 * *err as for open.  The handle is freed in every case; NULL is a no-op. */
SLATE_API int slate_log_close(slate_log *log, char **err);

/* ---- entries ------------------------------------------------------------- */

/* A policy the engine starts with or swaps to.  The strings need only live for
 * the call.  `hash` is slate_program_hash() of the loaded image. */
typedef struct slate_log_policy {
    const char *hash;         /* 64 lowercase hex digits */
    const char *name;         /* the policy's declared name, or NULL */
    const char *version;      /* its declared version, or NULL */
    const char *file;         /* the source file name decisions cite (`file:line`) */
    const char *source;       /* the source text, or NULL */
    size_t source_len;
    const void *image;        /* the compiled image exactly as loaded */
    size_t image_len;
} slate_log_policy;

/* One input event, as received. */
typedef struct slate_log_event {
    uint64_t seq;             /* the input's sequence number (from 1, increasing) */
    int64_t at;               /* its time in UTC ms, or SLATE_LOG_NO_TIME */
    const char *type;         /* its type name, or NULL when unknown */
    const char *case_id;      /* its case id (need not be NUL-terminated), or NULL */
    size_t case_len;
    const char *payload;      /* the line exactly as received, without the newline;
                                 NULL when it was not kept (too long to hold) */
    size_t payload_len;
    const char *reject_reason;/* non-NULL: rejected before reaching the engine */
} slate_log_event;

/* Begin the entry of a policy load or swap: the policy row is stored the first
 * time its hash is seen, and an entry of kind `policy` marks the point from
 * which decisions name it (call before slate_engine_swap(), whose decisions
 * then belong to this entry).  SLATE_MISUSE if an entry is already open. */
SLATE_API int slate_log_begin_policy(slate_log *log, const slate_log_policy *p);

/* Begin the entry of an input event (call before slate_engine_push()).  The
 * event is marked `rejected` if reject_reason is set or if a `reject` decision
 * for it arrives before slate_log_end(); otherwise `accepted`.  With a
 * pseudonym key, the case id and the payload's top-level "case" value are
 * replaced by the pseudonym (a payload that is not a JSON object is stored as
 * NULL, `redacted`).  SLATE_MISUSE if an entry is open, no policy was begun
 * yet, or seq is not above the last logged one. */
SLATE_API int slate_log_begin_event(slate_log *log, const slate_log_event *ev);

/* Begin the entry of slate_engine_advance(eng, now, ...). */
SLATE_API int slate_log_begin_advance(slate_log *log, int64_t now);

/* Partitioned logs: the entries begun from now on come from partition `part`
 * (below the log's partition count), from the message at `stream_seq` of its
 * event stream (0: from none, as a partition's first policy entry).  Stored in
 * the events columns `part` and `stream_seq`, so chained.  Every entry of a
 * partitioned log needs it; an entry of another partition than the last must
 * be a policy entry (a partition's block starts with the policy its engine
 * starts with) and partitions come in increasing order.  SLATE_MISUSE on a
 * log that is not partitioned, with an entry open, or a partition out of
 * range. */
SLATE_API int slate_log_set_part(slate_log *log, unsigned part, uint64_t stream_seq);

/* A slate_sink: records one decision of the open entry (`ud` is the log).
 * Decisions must arrive in seq order, gap-free across the whole log.  Returns
 * 0, or non-zero (and sets the log's error) on misuse or memory exhaustion, so
 * the engine stops with SLATE_SINK. */
SLATE_API int slate_log_sink(void *ud, const slate_decision *d);

/* End the open entry: write it and its decisions into the current transaction,
 * and commit when the batch is full.  On SLATE_ERROR nothing of the entry was
 * written and the log is unchanged. */
SLATE_API int slate_log_end(slate_log *log);

/* Drop the open entry and its decisions (nothing is written). */
SLATE_API void slate_log_abort(slate_log *log);

/* Commit the current batch now.  Returns SLATE_OK or SLATE_ERROR.  After a
 * failed write or commit (the open batch was rolled back) every later flush and
 * the close return SLATE_ERROR too, so a caller that ignores one result still
 * learns at close that entries were lost. */
SLATE_API int slate_log_flush(slate_log *log);

/* Check mode: after the last entry, SLATE_OK if the replay matched every stored
 * row, SLATE_ERROR (naming the first row left over) if the log holds more. */
SLATE_API int slate_log_check_end(slate_log *log);

/* ---- state -------------------------------------------------------------- */

/* The last error on this handle ("" when none).  Owned by the handle.  After a
 * failed write (or a divergence in check mode) the handle takes no more
 * entries, and this keeps the message of that first failure. */
SLATE_API const char *slate_log_errmsg(const slate_log *log);

/* The largest input event seq logged (0 when none): resume after it. */
SLATE_API uint64_t slate_log_last_event_seq(const slate_log *log);
/* The last decision seq logged (0 when none). */
SLATE_API uint64_t slate_log_last_decision_seq(const slate_log *log);
/* The hash of the policy in force, or NULL before any. */
SLATE_API const char *slate_log_policy_hash(const slate_log *log);
/* The chain hash of the last row written (64 hex digits; the chain's starting
 * value when the log is empty), including rows not committed yet. */
SLATE_API const char *slate_log_head(const slate_log *log);
/* The value of fixed option `key` as stored in the log, or NULL. */
SLATE_API const char *slate_log_option(const slate_log *log, const char *key);

/* ---- verification ------------------------------------------------------- */

typedef struct slate_log_summary {
    uint64_t policies, entries, events, decisions; /* rows checked */
    uint64_t rejected;                            /* events marked rejected */
    int64_t first_at, last_at;  /* first and last decision time (ms); 0 when none */
    char head[65];              /* the recomputed chain head */
} slate_log_summary;

/* Check the log at `path` without changing it: the schema version, the sealed
 * options, every row's chain hash in log order, the positions and sequence
 * numbers for gaps and duplicates, that each entry holds exactly the decisions
 * it declares, and that the head recorded in `meta` is the last row.  Returns
 * SLATE_OK, or SLATE_ERROR with *err naming the first problem (its table and
 * row, and what is wrong: edited, deleted, inserted, truncated), or SLATE_NOMEM.
 * `sum` (may be NULL) is filled with what was checked. */
SLATE_API int slate_log_verify(const char *path, slate_log_summary *sum, char **err);

/* Check mode opened with `verify`: verify the stored rows the replay did not
 * read (all of them after a divergence) and the log's end, and return what
 * slate_log_verify() returns for this log (the same *sum, the same first
 * problem in *err, freed with slate_log_free()).  Call after the last entry or
 * after the replay stopped; SLATE_MISUSE without check and verify. */
SLATE_API int slate_log_check_verify(slate_log *log, slate_log_summary *sum, char **err);

/* A stored entry (one events row), as check mode reads it for the replay to
 * give and as a reader (below) hands it out.  Strings are NULL where the column
 * is NULL, else NUL-terminated; those that come from the input (case id,
 * payload) may hold NUL bytes and have a length.  They and the struct's
 * contents are valid until the next call that gives a row on the same handle
 * (for a reader: the same function or cursor). */
typedef struct slate_log_stored {
    int found;                /* 0: the log holds no more entries (no such entry) */
    int64_t id;
    const char *kind;         /* "event", "policy" or "advance" */
    int64_t seq;              /* event seq; 0 when none */
    int64_t at;               /* UTC ms, or SLATE_LOG_NO_TIME when none */
    const char *case_id, *reason, *policy_hash;
    const char *payload;      /* the input line as received, or NULL */
    size_t payload_len;
    int64_t pos;              /* its place in the log (docs/audit-log.md) */
    size_t case_len;
    const char *type;         /* the event's type name, or NULL */
    const char *status;       /* "accepted", "rejected", or NULL (not an event) */
    int64_t ndecisions;       /* the decisions it caused, stored right after it */
    int64_t part;             /* partitioned logs: its partition; -1 in other logs */
    int64_t stream_seq;       /* partitioned logs: the stream sequence of the message
                                 it applies; 0 when none */
} slate_log_stored;

/* Check mode opened with `verify`: the next stored entry in log order, for
 * the replay to give next (begin it, feed the engine, slate_log_end()).  Read
 * from the scan that verifies the log, so a replay reads each row once; the
 * row is verified when slate_log_end() compares it.  Every entry returned must
 * be given before the next call (else SLATE_MISUSE); SLATE_ERROR when the log
 * failed verification (slate_log_check_verify() names the problem). */
SLATE_API int slate_log_check_next(slate_log *log, slate_log_stored *e);

/* ---- reading ------------------------------------------------------------ */

/* A reader: a log opened read-only for the tools that report on it (audit,
 * `slate run --resume`), so they need neither SQL nor sqlite3.h.  It reads one
 * snapshot, taken when it opens: rows a writer commits later are not seen.
 * Rows are plain structs whose strings are borrowed (see slate_log_stored);
 * policies and meta values live as long as the reader.  Opening checks that
 * the file is a slate log of this schema version whose schema is exactly the
 * one slate creates (no table or index missing, none changed, no view, trigger
 * or other object added); it verifies the hash chain only when asked
 * (slate_log_read_opts.verify).  Where the file or its directory cannot be
 * written (a read-only mount) it is opened immutable, so nothing is locked or
 * created; elsewhere the -wal and -shm files SQLite makes beside it for a
 * reader are removed at close unless a writer still uses them.  One thread per
 * reader. */
typedef struct slate_log_reader slate_log_reader;

/* slate_log_read_open(): the file could not be opened or read.  Unlike
 * SLATE_ERROR (not a log this library reads) it says nothing of the content. */
#define SLATE_LOG_IOERR 16

typedef struct slate_log_read_opts {
    /* 1: verify the log as slate_log_verify() does, in the snapshot the reader
     * then reads, and refuse it (SLATE_ERROR, *err naming the first problem)
     * when it fails: what the reader hands out is then what was verified. */
    int verify;
    slate_log_summary *summary; /* with verify: filled as slate_log_verify() does
                                   (may be NULL) */
    /* 1: the caller knows the file cannot change while it is read: open it
     * immutable (no lock, nothing created) even where it could be written.
     * (A -wal holding rows the file does not is read all the same.) */
    int immutable;
} slate_log_read_opts;

/* Open the log at `path` read-only (`opts` may be NULL).  Reads meta and every
 * policy row.  Returns SLATE_OK with *rd set, or SLATE_LOG_IOERR (the file
 * cannot be opened: missing, a directory, unreadable), SLATE_ERROR (not a
 * slate decision log, a schema version this library does not read, a schema
 * object missing, changed or added: "schema: table `decisions` is missing", a
 * table that cannot be read, a failed verification: "the log does not verify:
 * <the first problem, as slate_log_verify() names it>") or SLATE_NOMEM, with
 * *err (if err is not NULL) a malloc'd message freed with slate_log_free():
 * "PATH: what is wrong" ("out of memory" alone for SLATE_NOMEM).  A verified
 * reader hands out only what was verified: its case scans read the tables, not
 * the case indexes (the chain does not cover indexes). */
SLATE_API int slate_log_read_open(const char *path, const slate_log_read_opts *opts, slate_log_reader **rd,
                        char **err);

/* Close the reader.  Close its cursors first.  NULL is a no-op. */
SLATE_API void slate_log_read_close(slate_log_reader *rd);

/* The reader's last error ("" when none): SQLite's message for a failed read. */
SLATE_API const char *slate_log_read_errmsg(const slate_log_reader *rd);

/* The value of meta row `key` (e.g. "pseudonym", "opt.tolerance_ms"), or NULL. */
SLATE_API const char *slate_log_read_meta(const slate_log_reader *rd, const char *key);

/* Every stored policy in log order: *list (an array of the returned count;
 * hash is NULL only in a forged row). */
SLATE_API size_t slate_log_read_policies(const slate_log_reader *rd, const slate_log_policy **list);

/* The stored policy with this hash, or NULL. */
SLATE_API const slate_log_policy *slate_log_read_policy(const slate_log_reader *rd, const char *hash);

/* What the log holds, as stored (not verified). */
typedef struct slate_log_info {
    uint64_t policies, entries, decisions; /* rows in each table */
    uint64_t last_event_seq;    /* the largest input event seq (0 when none) */
    uint64_t last_decision_seq; /* the largest decision seq (0 when none) */
    int64_t pos;                /* meta's state.pos: the last row's position */
    char head[65];              /* meta's state.chain: the chain through that row */
} slate_log_info;
SLATE_API int slate_log_read_info(slate_log_reader *rd, slate_log_info *info);

/* The entry of input event `seq` (e->found 0 when the log has none), and the
 * last entry in log order (e->found 0 when the log is empty).  SLATE_OK or
 * SLATE_ERROR (slate_log_read_errmsg()).  *e is valid until the next call of
 * the same function. */
SLATE_API int slate_log_read_event(slate_log_reader *rd, uint64_t seq, slate_log_stored *e);
SLATE_API int slate_log_read_last(slate_log_reader *rd, slate_log_stored *e);

/* How many entries and decisions name case `case_id` (len bytes), found by
 * the case index.  SLATE_OK or SLATE_ERROR. */
SLATE_API int slate_log_read_case(slate_log_reader *rd, const char *case_id, size_t len,
                        uint64_t *entries, uint64_t *decisions);

/* A stored decision (one decisions row); strings as in slate_log_stored. */
typedef struct slate_log_stored_decision {
    int64_t seq;
    int64_t pos;              /* its row's place in the log; in a version 2 log,
                                 where decisions are packed in their entry's row,
                                 the entry's */
    int64_t entry;            /* the id of the entry that caused it */
    int64_t event_seq;        /* that entry's input event seq; 0 for a timer */
    const char *event_id;     /* the event's own id, or NULL */
    size_t event_id_len;
    const char *case_id;
    size_t case_len;
    int64_t at;               /* UTC ms */
    const char *rule;         /* the rule's name, or NULL (built-in) */
    uint32_t rule_line;       /* its line in the policy source, or 0 */
    const char *rule_label;
    const char *action;       /* "sla", "start", ..., "reject" */
    const char *clock, *tier;
    const char *args;         /* the canonical args object (docs/audit-log.md) */
    size_t args_len;
    const char *policy_hash;
} slate_log_stored_decision;

/* A cursor: rows of a reader in log order, each entry followed by its
 * decisions.  What it walks: */
#define SLATE_LOG_SCAN_ENTRIES 1
#define SLATE_LOG_SCAN_DECISIONS 2
typedef struct slate_log_scan {
    unsigned rows;            /* SLATE_LOG_SCAN_* or'ed; 0: both */
    /* non-NULL: only entries and decisions of this case (by its index), and
     * every policy entry; a decision of the case whose entry is not (a timer
     * fired by another case's event or an advance) comes where the entry
     * would be */
    const char *case_id;
    size_t case_len;
    int64_t entry;            /* non-zero: only this entry and its decisions */
} slate_log_scan;

typedef struct slate_log_cursor slate_log_cursor;

/* One row from a cursor: `what` is 0 at the end, SLATE_LOG_SCAN_ENTRIES when
 * `entry` holds the row, SLATE_LOG_SCAN_DECISIONS when `decision` does. */
typedef struct slate_log_row {
    unsigned what;
    slate_log_stored entry;
    slate_log_stored_decision decision;
} slate_log_row;

/* Open a cursor (`scan` NULL: every row).  SLATE_OK, SLATE_ERROR (a table
 * cannot be read: slate_log_read_errmsg()) or SLATE_NOMEM. */
SLATE_API int slate_log_cursor_open(slate_log_reader *rd, const slate_log_scan *scan,
                          slate_log_cursor **cur);

/* The next row into *row, valid until the next call on the cursor.  SLATE_OK
 * (row->what 0 after the last), SLATE_ERROR (slate_log_read_errmsg()). */
SLATE_API int slate_log_cursor_next(slate_log_cursor *cur, slate_log_row *row);

SLATE_API void slate_log_cursor_close(slate_log_cursor *cur);

/* ---- helpers the tools share -------------------------------------------- */

/* Format UTC ms as RFC 3339 "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf (at least 32
 * bytes).  Returns buf. */
SLATE_API char *slate_log_time(int64_t ms, char *buf);

/* The pseudonym of `id`: HMAC-SHA256(key, id) as 64 lowercase hex digits and a
 * NUL in out[65]. */
SLATE_API void slate_log_pseudonym(const void *key, size_t key_len, const char *id,
                                   size_t id_len, char out[65]);

/* Render the action-specific members of a decision as the canonical JSON object
 * stored in decisions.args (docs/audit-log.md).  Returns a malloc'd string the
 * caller frees with slate_log_free(), or NULL when memory runs out. */
SLATE_API char *slate_log_args_json(const slate_decision *d);

/* Free memory this library returned (messages, rendered JSON). */
SLATE_API void slate_log_free(void *p);

#ifdef __cplusplus
}
#endif

#endif
