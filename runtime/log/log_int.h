/*
 * log_int.h - the writer's handle and the helpers its files share (prefix dlog_).
 *
 * The writer is split by responsibility: log.c (public entry points, errors,
 * state), log_schema.c (opening: schema, existing logs, options, statements),
 * log_write.c (entries, the decision sink, writing and committing rows) and
 * log_check.c (check mode: comparing with stored rows).  Only those four files,
 * verify.c (whose incremental verifier check mode drives), log_read.c (the
 * reader, which shares the column names and the verifier) and log_open.c
 * (opening for reading) include this header;
 * it is not an API, and canon.c and the tests see the log through dlog.h and
 * slate_log.h alone.
 */
#ifndef SLATE_LOG_INT_H
#define SLATE_LOG_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "dlog.h"

#define DLOG_NONE SIZE_MAX /* "no string" for an arena offset */

/* A string in the entry arena: offset and length, or off == DLOG_NONE for NULL. */
typedef struct dlog_astr {
    size_t off, len;
} dlog_astr;

/* A decision of the open entry, waiting for slate_log_end(). */
typedef struct dlog_pend {
    uint64_t seq, event_seq;
    int64_t at;
    uint32_t rule_line;
    slate_action action;
    dlog_astr event_id, case_id, rule, rule_label, clock, tier, args;
} dlog_pend;

/* What the open entry records. */
enum dlog_kind { DLOG_K_EVENT, DLOG_K_POLICY, DLOG_K_ADVANCE };
/* The entry kinds, as the events table's `kind` column names them. */
extern const char *const dlog_kind_names[];

/* ---- verify.c: the verifier, one row at a time ----------------------------- */

typedef struct dlog_verifier dlog_verifier;

/* A row the verifier has just verified: its table (0 policies, 1 events,
 * 2 decisions; -1 when the log has no more rows), its position, its columns in
 * schema order (without chain) and the chain through it (= its stored chain).
 * Valid until the next call on the verifier. */
typedef struct dlog_vrow {
    int table;
    int64_t pos;
    const dlog_val *vals;
    const uint8_t *head;
} dlog_vrow;

/* Start verifying the log open on db, inside the caller's read transaction:
 * schema, sealed meta, the chain's start.  *out is the verifier (NULL only on
 * SLATE_NOMEM), which the caller frees with dlog_verifier_free() whatever the
 * result.  A problem found (SLATE_ERROR) is kept: every later call returns it,
 * and dlog_verifier_finish() hands out its message. */
int dlog_verifier_open(sqlite3 *db, dlog_verifier **out);

/* Verify the next row in log order and make it current (*row).  SLATE_OK with
 * row->table -1 at the end of the rows; SLATE_ERROR/NOMEM at the first problem. */
int dlog_verifier_next(dlog_verifier *v, dlog_vrow *row);

/* The next events row in log order after the one this gave last, for the
 * replay to feed (*vals NULL after the last), read from the verifier's own
 * scan and verified when the replay's check reaches it.  The row given last
 * must have been compared (the verifier stands on it): SLATE_MISUSE if not.
 * *vals is valid until the verifier moves past the row. */
int dlog_verifier_next_event(dlog_verifier *v, const dlog_val **vals);

/* Verify the rows not read yet and the end (meta's last position and head):
 * the result slate_log_verify() gives for the same log, *sum and *err (may be
 * NULL) as it fills them. */
int dlog_verifier_finish(dlog_verifier *v, slate_log_summary *sum, char **err);

void dlog_verifier_free(dlog_verifier *v);

/* Version 2, check mode: leave each events row's packed decisions unchecked
 * until the replay has compared them; dlog_verifier_entry_same() says the
 * current row's column is byte for byte the replay's (n decisions, times
 * first_at..last_at), which is then well formed, and gives the case ids the
 * entry names (its own, its decisions': raw bytes, repeats allowed; sorted in
 * place) for the check of case_index.  A row not so confirmed is taken apart
 * before the verifier moves past it. */
void dlog_verifier_defer_packed(dlog_verifier *v);
struct dlog_pstr;
void dlog_verifier_entry_same(dlog_verifier *v, int64_t n, int64_t first_at, int64_t last_at,
                              struct dlog_pstr *ids, size_t nids);

/* ---- log_queue.c: version 2's rows inserted many per statement ------------- */

enum { DLOG_QUEUE_ROWS = 64 }; /* rows per multi-row INSERT */

/* A queued events row: its values (text and blobs by offset into the
 * handle's qtext, in `i`) and its chain hash in hex. */
typedef struct dlog_qrow {
    dlog_val v[DLOG_NEVENT_COLS];
    char chain[64];
} dlog_qrow;

typedef struct dlog_qcase {
    size_t off, len;
    int64_t entry;
} dlog_qcase;

/* Queue an events row (n values, its chain's 64 hex digits) or a case_index
 * row; a full queue is inserted at once.  SLATE_OK, or SLATE_ERROR/NOMEM with
 * errmsg set (the caller rolls the batch back). */
int dlog_queue_event(slate_log *log, const dlog_val *v, size_t n, const char chain[64]);
int dlog_queue_case(slate_log *log, const char *id, size_t len, int64_t entry);
/* Insert every queued row (before a commit); the queue is empty after,
 * whatever the result. */
int dlog_queue_flush(slate_log *log);
/* Forget the queued rows (a rolled-back batch). */
void dlog_queue_drop(slate_log *log);
/* Prepare the multi-row INSERTs (after the single-row ones). */
int dlog_queue_prepare(slate_log *log);

/* The handle: one open log, the state it continues from, and the open entry. */
struct slate_log {
    sqlite3 *db;
    char *ro_cleanup;      /* check mode: dlog_close_ro()'s path, or NULL */
    /* INSERTs, or in check mode SELECTs of the row at a position */
    sqlite3_stmt *ins_policy, *ins_event, *ins_decision, *has_policy, *set_state;
    sqlite3_stmt *ins_case;  /* version 2: a case_index row */
    int version;             /* the log's schema version: 1 or 2 */
    unsigned batch, in_batch;
    int in_txn, broken;
    int check;             /* compare with the stored rows instead of writing */
    int64_t end_pos;       /* check mode: the stored log's last position */
    int64_t at_pos[3];     /* check mode: the row the policies, events, decisions
                              SELECTs stand on (0: none), read forward in pos order */
    dlog_verifier *ver;    /* check mode with `verify`: stored rows come from here,
                              verified as read, instead of the SELECTs above */
    dlog_vrow vrow;        /* the verifier's current row as check mode last saw it */
    dlog_buf stored;       /* slate_log_check_next(): columns converted to text */
    uint8_t *key;
    size_t key_len;
    char **opt_keys, **opt_values; /* sealed options (without the `opt.` prefix) */
    size_t nopts;
    /* A partitioned log (meta `partitions`, DLOG_NEVENT_COLS columns of events):
     * the partition count, else 0 (DLOG_NEVENT_COLS_V1 columns). */
    unsigned partitions;
    size_t nev;            /* the events columns of this log: DLOG_NEVENT() */
    /* Partitioned: where the next entries come from (slate_log_set_part()). */
    int part_set;
    unsigned part;
    uint64_t stream_seq;   /* 0: none (stored as NULL) */
    int64_t last_part;     /* the partition of the last entry, -1 before any */

    /* What is written (committed or in the open transaction). */
    int64_t pos, entry_id;
    uint64_t last_event_seq, last_decision_seq;
    uint8_t head[32];
    char head_hex[65];
    char policy_hash[65];  /* "" before any policy */
    char *policy_file;
    /* The same at the last commit: a failed write rolls the open batch back
     * and the handle's state with it. */
    struct dlog_committed {
        int64_t pos, entry_id;
        uint64_t last_event_seq, last_decision_seq;
        uint8_t head[32];
        char policy_hash[65];
        int64_t last_part;
    } committed;

    /* The open entry. */
    int open;
    enum dlog_kind kind;
    uint64_t seq;
    int64_t at;
    dlog_astr type, case_id, payload, reason;
    int rejected;
    slate_log_policy pol;     /* DLOG_K_POLICY: pointers into `arena` (see end()) */
    dlog_astr pol_name, pol_version, pol_file, pol_source, pol_image;
    char pol_hash[65];
    dlog_buf arena;
    dlog_pend *pends;
    size_t npends, cap_pends;
    uint64_t next_decision;   /* seq expected next in this entry */

    dlog_buf packed;          /* version 2: the open entry's decisions packed (pack.c) */
    /* Version 2: rows waiting for their multi-row INSERT (log_queue.c). */
    dlog_buf qtext;
    dlog_qrow *qrows;
    size_t nqrows, cap_qrows;
    dlog_qcase *qcases;
    size_t nqcases, cap_qcases;
    sqlite3_stmt *ins_events_k, *ins_cases_k;
    struct dlog_pstr *cids;   /* version 2: the cases the open entry names (dlog_entry_cases) */
    size_t cap_cids;

    dlog_row_hook hook;
    void *hook_ud;
    char errmsg[2048];
};

/* ---- log.c: errors ------------------------------------------------------- */

/* Format a message into log->errmsg and return rc (so `return dlog_fail(...)`). */
int dlog_fail(slate_log *log, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* dlog_fail() with "what: <SQLite's message>"; returns SLATE_ERROR. */
int dlog_sql_fail(slate_log *log, const char *what);

/* Run sql (no results); on error sets errmsg and returns SLATE_ERROR. */
int dlog_exec(slate_log *log, const char *sql);

/* ---- log_open.c: opening for reading ----------------------------------------- */

/* Open the log at `path` for reading: read-only, and immutable (nothing locked
 * or created) when `immutable` is set or the file or its directory cannot be
 * written.  Returns SLATE_OK with *db open (busy timeout set) and *cleanup a
 * malloc'd path or NULL, both for dlog_close_ro(); or SLATE_LOG_IOERR (msg: the
 * system's or SQLite's reason: missing, a directory, unreadable), SLATE_ERROR
 * (msg: not a regular file) or SLATE_NOMEM, with *db NULL.  A file that is no
 * database opens: its first read says so. */
int dlog_open_ro(const char *path, int immutable, sqlite3 **db, char **cleanup, char *msg,
                 size_t size);

/* Close what dlog_open_ro() opened, then remove the -wal and -shm files SQLite
 * made beside the log for it when no one else uses them (frees cleanup). */
void dlog_close_ro(sqlite3 *db, char *cleanup);

/* ---- log_schema.c: the schema, opening ---------------------------------------- */

/* Check that sqlite_master lists exactly the objects slate creates (tables,
 * their indexes, each with the SQL slate creates it with) and nothing else: no
 * other table, index, view or trigger.  Returns SLATE_OK, SLATE_ERROR with msg
 * naming the first object that is extra, changed or missing ("schema: table
 * `decisions` is missing"), or SLATE_NOMEM. */
int dlog_check_schema(sqlite3 *db, char *msg, size_t size);

/* The partition count meta's sealed row `partitions` records: 0 when the log
 * has none (a log of one engine), -1 when it is not a number from 1 to
 * SLATE_LOG_MAX_PARTITIONS or cannot be read. */
int dlog_partitions(sqlite3 *db);

/* meta's schema_version as a version this library reads (1 or 2), or -1. */
int dlog_schema_version(sqlite3 *db);

/* Check meta's schema_version value (NULL: no such row): SLATE_OK when it is
 * the version this library reads, else SLATE_ERROR with msg saying what it is
 * (a version number, or a value that is not one). */
int dlog_check_version(const char *v, char *msg, size_t size);

/* Column names in schema order (DLOG_*_COLS), for SQL and messages. */
extern const char *const dlog_policy_names[];
extern const char *const dlog_event_names[];
extern const char *const dlog_decision_names[];

/* A single text value from a query with one `?1` text parameter (param may be
 * NULL for none), copied into out (truncated to size); 1 found, 0 no row, -1
 * error.  errmsg is not set. */
int dlog_query_text(slate_log *log, const char *sql, const char *param, char *out,
                    size_t size);

/* The meta row's value for key, as dlog_query_text(). */
int dlog_meta_get(slate_log *log, const char *key, char *out, size_t size);

/* Finalize the statements, close the database (rolling back check mode's read
 * transaction) and free the handle and all it owns.  Does not flush. */
void dlog_free_log(slate_log *log);

/* ---- log_write.c: entries ------------------------------------------------ */

/* Action names indexed by slate_action (SLATE_ACTIONS order). */
extern const char *const dlog_action_names[];

/* Note the handle's state as the committed one (after opening, after COMMIT). */
void dlog_remember_committed(slate_log *log);

/* Forget the open entry (its arena strings and pending decisions). */
void dlog_reset_entry(slate_log *log);

/* The column values of pending decision p at pos in entry id, under policy
 * hash.  Text values point into the arena, `hash` and `at` (which receives the
 * time text), so all must outlive dv. */
void dlog_decision_values(const slate_log *log, const dlog_pend *p, int64_t pos, int64_t id,
                          const char *hash, char at[32], dlog_val dv[DLOG_NDECISION_COLS]);

/* Version 2: the cases the open entry names, into log->cids: its own case
 * (first, when it has one), then each decision's, repeats included, pointing
 * into the arena.  Their count, or SIZE_MAX when memory ran out.  The writer
 * indexes these (case_index) and check mode gives them to the verifier, so
 * both hold one definition of what case_index lists. */
size_t dlog_entry_cases(slate_log *log);

/* ---- pack.c: an entry's decisions in one column (schema version 2) -------- */

/* Append the open entry's decisions (log->pends) to b, packed: a JSON array
 * of [action, rule_line, rule_label, at_ms, case_id, event_seq, event_id,
 * args] (docs/audit-log.md). */
void dlog_pack(const slate_log *log, dlog_buf *b);

/* Append s (n bytes) as a packed string: quoted, `"`, `\` and bytes below
 * 0x20 escaped, every other byte as it is. */
void dlog_buf_pstr(dlog_buf *b, const char *s, size_t n);

/* A packed string as stored: the bytes between its quotes (escaped), or
 * p NULL for null. */
typedef struct dlog_pstr {
    const char *p;
    size_t n;
} dlog_pstr;

/* One packed decision, pointing into the column it was read from. */
typedef struct dlog_unpacked {
    dlog_pstr action, rule_label, case_id, event_id;
    int64_t rule_line, at;
    int64_t event_seq;        /* 0: null (a timer's) */
    const char *args;         /* the args object, as stored */
    size_t args_len;
} dlog_unpacked;

typedef struct dlog_unpacker {
    const char *s;
    size_t n, i;
    int state;                /* 0 before the array, 1 in it, 2 after, -1 bad */
} dlog_unpacker;

/* Take the packed column s (n bytes) apart, one decision per call of
 * dlog_unpack_next(): 1 the next one is in *d, 0 the array ended where the
 * column does, -1 the column is not what dlog_pack() writes (every later call
 * says so again). */
void dlog_unpack_start(dlog_unpacker *u, const char *s, size_t n);
int dlog_unpack_next(dlog_unpacker *u, dlog_unpacked *d);

/* Unescape a string dlog_unpack_next() gave into out (at least s.n + 1
 * bytes), NUL-terminated; returns its length. */
size_t dlog_unescape(dlog_pstr s, char *out);

/* Whether a string dlog_unpack_next() gave unescapes to id (len bytes). */
int dlog_pstr_is(dlog_pstr s, const char *id, size_t len);

/* ---- log_check.c: check mode --------------------------------------------- */

/* Check mode: compare the open entry's rows (pol, the policy row or NULL; ev,
 * the events row; then its pending decisions) with those stored after *pos,
 * moving *pos and head on as slate_log_end() would when writing.  Returns
 * SLATE_OK, or SLATE_ERROR (SLATE_NOMEM) with errmsg naming the first
 * divergence. */
int dlog_check_entry(slate_log *log, const dlog_val *pol, const dlog_val *ev, int64_t *pos,
                     uint8_t head[32], int64_t id, const char *hash);

#endif
