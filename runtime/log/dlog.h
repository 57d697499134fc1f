/*
 * dlog.h - internals of the decision log shared by its files (prefix dlog_).
 *
 * The schema is declared once here as X-macro column lists: the CREATE TABLE
 * statements, the INSERTs, the hash chain and the verifier all expand them, so
 * the bytes hashed are always the columns stored, in the stored order.  Tests
 * include this header for the row hook; nothing else outside runtime/log/ may.
 */
#ifndef SLATE_DLOG_H
#define SLATE_DLOG_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "slate_log.h"

/* Column lists in schema order (the `chain` column, last in each table, is not
 * listed: it is what the others hash to).  X(name, sql type and constraints) */
#define DLOG_POLICY_COLS(X)                                                        \
    X(pos, "INTEGER NOT NULL UNIQUE")                                              \
    X(hash, "TEXT PRIMARY KEY")                                                    \
    X(name, "TEXT")                                                                \
    X(version, "TEXT")                                                             \
    X(file, "TEXT")                                                                \
    X(source, "TEXT")                                                              \
    X(image, "BLOB NOT NULL")

#define DLOG_EVENT_COLS(X)                                                         \
    X(id, "INTEGER PRIMARY KEY")                                                   \
    X(pos, "INTEGER NOT NULL UNIQUE")                                              \
    X(kind, "TEXT NOT NULL CHECK (kind IN ('event','policy','advance'))")          \
    X(seq, "INTEGER UNIQUE")                                                       \
    X(at_ms, "INTEGER")                                                            \
    X(at, "TEXT")                                                                  \
    X(case_id, "TEXT")                                                             \
    X(type, "TEXT")                                                                \
    X(status, "TEXT CHECK (status IN ('accepted','rejected'))")                    \
    X(reason, "TEXT")                                                              \
    X(payload, "TEXT")                                                             \
    X(policy_hash, "TEXT NOT NULL")                                                \
    X(ndecisions, "INTEGER NOT NULL")                                              \
    X(part, "INTEGER NOT NULL")                                                    \
    X(stream_seq, "INTEGER")                                                       \
    X(dseq, "INTEGER")                                                             \
    X(decisions, "TEXT")

#define DLOG_DECISION_COLS(X)                                                      \
    X(seq, "INTEGER PRIMARY KEY")                                                  \
    X(pos, "INTEGER NOT NULL UNIQUE")                                              \
    X(entry, "INTEGER NOT NULL")                                                   \
    X(event_seq, "INTEGER")                                                        \
    X(event_id, "TEXT")                                                            \
    X(case_id, "TEXT")                                                             \
    X(at_ms, "INTEGER NOT NULL")                                                   \
    X(at, "TEXT NOT NULL")                                                         \
    X(rule, "TEXT")                                                                \
    X(rule_line, "INTEGER NOT NULL")                                               \
    X(rule_label, "TEXT")                                                          \
    X(action, "TEXT NOT NULL")                                                     \
    X(clock, "TEXT")                                                               \
    X(tier, "TEXT")                                                                \
    X(args, "TEXT NOT NULL")                                                       \
    X(policy_hash, "TEXT NOT NULL")

#define DLOG_COUNT_(name, type) +1
enum {
    DLOG_NPOLICY_COLS = 0 DLOG_POLICY_COLS(DLOG_COUNT_),
    DLOG_NEVENT_COLS = 0 DLOG_EVENT_COLS(DLOG_COUNT_),
    DLOG_NDECISION_COLS = 0 DLOG_DECISION_COLS(DLOG_COUNT_)
};

/* Which events columns a log has.  Schema version 1 (the layout of earlier
 * slates, still read, and written when such a log is continued): the first
 * DLOG_NEVENT_COLS_V1 columns, and `part` and `stream_seq` too in a
 * partitioned log (an archive of a cluster's history: meta's sealed row
 * DLOG_PARTITIONS_KEY), the decisions in their own table.  Version 2: every
 * column, the entry's decisions packed in its row (`dseq`, `decisions`: pack.c),
 * `part` 0 and `stream_seq` NULL in a log of one engine. */
enum { DLOG_NEVENT_COLS_V1 = DLOG_NEVENT_COLS - 4 };
#define DLOG_PARTITIONS_KEY "partitions"
#define DLOG_NEVENT(version, partitioned)                                           \
    ((size_t)((version) >= 2 ? DLOG_NEVENT_COLS                                     \
              : (partitioned) ? DLOG_NEVENT_COLS_V1 + 2 : DLOG_NEVENT_COLS_V1))
/* The most columns a chained row of any table has (without `chain`). */
enum { DLOG_MAXCOLS = DLOG_NEVENT_COLS > DLOG_NDECISION_COLS ? DLOG_NEVENT_COLS : DLOG_NDECISION_COLS };

/* Column indices in schema order, for code that reads rows by column:
 * DLOG_PO_hash, DLOG_EV_kind, DLOG_DE_args, ... */
#define DLOG_PO_IDX_(name, type) DLOG_PO_##name,
#define DLOG_EV_IDX_(name, type) DLOG_EV_##name,
#define DLOG_DE_IDX_(name, type) DLOG_DE_##name,
enum { DLOG_POLICY_COLS(DLOG_PO_IDX_) };
enum { DLOG_EVENT_COLS(DLOG_EV_IDX_) };
enum { DLOG_DECISION_COLS(DLOG_DE_IDX_) };

/* Meta keys starting with this prefix change as the log grows; every other meta
 * row is sealed into the chain's starting value when the log is created. */
#define DLOG_STATE_PREFIX "state."

/* One column value, as bound to SQLite and as hashed. */
typedef enum { DV_NULL = 0, DV_INT, DV_TEXT, DV_BLOB } dlog_vtype;
typedef struct dlog_val {
    dlog_vtype type;
    int64_t i;
    const void *p;
    size_t n;
} dlog_val;

/* ---- canon.c: the bytes that are hashed, and canonical renderings --------- */

/* chain_out = SHA-256(prev || ns(table) || ns(v[0]) || ... || ns(v[n-1])) where
 * ns() is the netstring of docs/audit-log.md. */
void dlog_chain(const uint8_t prev[32], const char *table, const dlog_val *v, size_t n,
                uint8_t out[32]);

/* The chain's starting value from the sealed meta rows, given sorted by key. */
void dlog_genesis(const char *const *keys, const char *const *values, size_t n,
                  uint8_t out[32]);

void dlog_hex(const uint8_t *b, size_t n, char *out); /* 2n digits and a NUL */

/* SHA-256(ns(id) || ns(entry)): one case_index row, for the order-free sum
 * the verifier checks that table by (verify.c). */
void dlog_case_row_hash(const char *id, size_t len, int64_t entry, uint8_t out[32]);

/* Decimal digits of v into out (at least 21 bytes), no NUL; returns the count.
 * The same digits as printf's %" PRId64 ", without its cost per call. */
size_t dlog_i64_dec(int64_t v, char *out);

/* A growable byte buffer; on allocation failure `failed` is set and appends
 * become no-ops, so callers check once at the end. */
typedef struct dlog_buf {
    char *p;
    size_t len, cap;
    int failed;
} dlog_buf;
/* Room for `extra` more bytes and a NUL: 0, or -1 (b->failed set). */
int dlog_buf_reserve(dlog_buf *b, size_t extra);
/* Inline: the writer and the replay append a few bytes at a time, millions
 * of times (a call per append was ~10% of a replay). */
static inline void dlog_buf_put(dlog_buf *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap && dlog_buf_reserve(b, n)) return;
    if (b->failed) return;
    if (n) memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}
void dlog_buf_puts(dlog_buf *b, const char *s);
void dlog_buf_printf(dlog_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dlog_buf_json_str(dlog_buf *b, const char *s, size_t n); /* quoted, escaped */
void dlog_buf_free(dlog_buf *b);

/* Decode the JSON string token at s[*i] (its opening quote; s holds n bytes)
 * and append its bytes to b; *i moves past the closing quote.  Returns 0, or
 * -1 (nothing appended, *i unchanged) when it is no well-formed JSON string. */
int dlog_json_str(const char *s, size_t n, size_t *i, dlog_buf *b);

/* Append the canonical args object of d to b. */
void dlog_args(dlog_buf *b, const slate_decision *d);

/* Whether the stored args text `stored` (n bytes) is `rendered` (rn bytes) as
 * a log written before the log used stdout's escaper (jsonstr.h) holds it:
 * that one kept DEL, U+2028/U+2029 and invalid UTF-8 as raw bytes.  True when
 * escaping each decoded string of `stored` again, as today, gives `rendered`;
 * replay asks it only when the bytes differ, so that such a log still replays. */
int dlog_args_same(const char *stored, size_t n, const char *rendered, size_t rn);

/* The payload with the value of every top-level "case" key replaced by its
 * pseudonym HMAC-SHA256(key, decoded id) in hex, appended to out; every other
 * byte is kept.  Returns 0, or -1 when the payload is not a JSON object or a
 * "case" value is not a valid string (out is then unchanged). */
int dlog_replace_case(const char *payload, size_t len, const void *key, size_t key_len,
                      dlog_buf *out);

/* ---- log.c (the writer; its internals are in log_int.h) ------------------ */

/* Tests only: called before each row is inserted, with the table and log
 * position, so a test can kill the process mid-entry. */
typedef void (*dlog_row_hook)(void *ud, const char *table, int64_t pos);
void dlog_set_row_hook(slate_log *log, dlog_row_hook fn, void *ud);

/* Set *err to a malloc'd copy of a formatted message (if err is not NULL). */
void dlog_set_err(char **err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
