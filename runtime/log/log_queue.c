/*
 * log_queue.c - version 2's rows gathered and inserted many per statement.
 *
 * An INSERT of one ~700-byte events row spent about a third of its SQLite
 * instructions starting and ending the statement (opening and closing a
 * cursor on the table and each index).  So the writer queues its events and
 * case_index rows, their chain hashes already computed, and inserts them
 * DLOG_QUEUE_ROWS at a time with one multi-row INSERT, and the rest before
 * every commit.  Nothing changes in what is stored, nor in what a commit
 * holds: the queue is always empty when a transaction commits, and a failure
 * rolls the whole batch back as before (log_write.c).
 *
 * Not here: building the rows or their hashes (log_write.c), version 1's
 * rows (inserted one by one), policies rows (rare: inserted at once).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log_int.h"

/* Text and blob values of a queued row are copied into log->qtext; until the
 * rows are bound, a value's `i` holds its offset there (the buffer may move). */
static size_t keep_bytes(slate_log *log, const void *p, size_t n)
{
    size_t off = log->qtext.len;
    dlog_buf_put(&log->qtext, p, n);
    return off;
}

int dlog_queue_event(slate_log *log, const dlog_val *v, size_t n, const char chain[64])
{
    if (log->nqrows == log->cap_qrows) {
        size_t cap = log->cap_qrows ? log->cap_qrows * 2 : DLOG_QUEUE_ROWS;
        dlog_qrow *p = realloc(log->qrows, cap * sizeof *p);
        if (!p) return dlog_fail(log, SLATE_NOMEM, "out of memory");
        log->qrows = p;
        log->cap_qrows = cap;
    }
    dlog_qrow *r = &log->qrows[log->nqrows];
    for (size_t i = 0; i < n; i++) {
        r->v[i] = v[i];
        if (v[i].type == DV_TEXT || v[i].type == DV_BLOB) {
            r->v[i].i = (int64_t)keep_bytes(log, v[i].p, v[i].n);
            r->v[i].p = NULL;
        }
    }
    memcpy(r->chain, chain, 64);
    if (log->qtext.failed) return dlog_fail(log, SLATE_NOMEM, "out of memory");
    log->nqrows++;
    return log->nqrows >= DLOG_QUEUE_ROWS ? dlog_queue_flush(log) : SLATE_OK;
}

int dlog_queue_case(slate_log *log, const char *id, size_t len, int64_t entry)
{
    if (log->nqcases == log->cap_qcases) {
        size_t cap = log->cap_qcases ? log->cap_qcases * 2 : 2 * DLOG_QUEUE_ROWS;
        dlog_qcase *p = realloc(log->qcases, cap * sizeof *p);
        if (!p) return dlog_fail(log, SLATE_NOMEM, "out of memory");
        log->qcases = p;
        log->cap_qcases = cap;
    }
    size_t off = keep_bytes(log, id, len);
    if (log->qtext.failed) return dlog_fail(log, SLATE_NOMEM, "out of memory");
    log->qcases[log->nqcases++] = (dlog_qcase){off, len, entry};
    return SLATE_OK;
}

/* "INSERT [OR IGNORE] INTO table (cols, chain?) VALUES (...), (...)" for k rows
 * of n parameters each. */
static int prepare_multi(slate_log *log, sqlite3_stmt **st, const char *head, size_t n, size_t k)
{
    dlog_buf b = {0};
    dlog_buf_puts(&b, head);
    for (size_t r = 0; r < k; r++) {
        dlog_buf_puts(&b, r ? ", (" : " VALUES (");
        for (size_t i = 0; i < n; i++) dlog_buf_puts(&b, i ? ", ?" : "?");
        dlog_buf_puts(&b, ")");
    }
    int rc = SLATE_OK;
    if (b.failed) rc = dlog_fail(log, SLATE_NOMEM, "out of memory");
    else if (sqlite3_prepare_v3(log->db, b.p, (int)b.len, SQLITE_PREPARE_PERSISTENT, st, NULL) !=
             SQLITE_OK)
        rc = dlog_sql_fail(log, "cannot prepare statement");
    dlog_buf_free(&b);
    return rc;
}

int dlog_queue_prepare(slate_log *log)
{
    dlog_buf b = {0};
    dlog_buf_puts(&b, "INSERT INTO events (");
    for (size_t i = 0; i < log->nev; i++) dlog_buf_printf(&b, "%s, ", dlog_event_names[i]);
    dlog_buf_puts(&b, "chain)");
    int rc = b.failed ? dlog_fail(log, SLATE_NOMEM, "out of memory")
                      : prepare_multi(log, &log->ins_events_k, b.p, log->nev + 1, DLOG_QUEUE_ROWS);
    dlog_buf_free(&b);
    if (!rc)
        rc = prepare_multi(log, &log->ins_cases_k,
                           "INSERT OR IGNORE INTO case_index (case_id, entry)", 2, DLOG_QUEUE_ROWS);
    return rc;
}

static void bind_val(slate_log *log, sqlite3_stmt *st, int c, const dlog_val *x)
{
    switch (x->type) {
    case DV_NULL: sqlite3_bind_null(st, c); break;
    case DV_INT: sqlite3_bind_int64(st, c, x->i); break;
    case DV_TEXT:
        sqlite3_bind_text64(st, c, log->qtext.p + x->i, x->n, SQLITE_STATIC, SQLITE_UTF8);
        break;
    case DV_BLOB: sqlite3_bind_blob64(st, c, log->qtext.p + x->i, x->n, SQLITE_STATIC); break;
    }
}

/* Bind queued row j (of the statement's rows) of events (t 0) or case_index (t 1). */
static void bind_row(slate_log *log, sqlite3_stmt *st, int t, size_t row, size_t j)
{
    if (t == 0) {
        size_t per = log->nev + 1;
        const dlog_qrow *q = &log->qrows[row];
        for (size_t i = 0; i < log->nev; i++) bind_val(log, st, (int)(j * per + i + 1), &q->v[i]);
        sqlite3_bind_text(st, (int)(j * per + per), q->chain, 64, SQLITE_STATIC);
    } else {
        const dlog_qcase *q = &log->qcases[row];
        sqlite3_bind_text64(st, (int)(2 * j + 1), log->qtext.p + q->off, q->len, SQLITE_STATIC,
                            SQLITE_UTF8);
        sqlite3_bind_int64(st, (int)(2 * j + 2), q->entry);
    }
}

/* Insert the n queued rows of table t: a full statement while the queue fills
 * one, then the rows one by one. */
static int insert_queued(slate_log *log, int t, size_t n, sqlite3_stmt *many, sqlite3_stmt *one,
                         const char *what)
{
    for (size_t r = 0; r < n;) {
        int full = n - r >= DLOG_QUEUE_ROWS;
        sqlite3_stmt *st = full ? many : one;
        size_t k = full ? DLOG_QUEUE_ROWS : 1;
        sqlite3_reset(st);
        for (size_t j = 0; j < k; j++) bind_row(log, st, t, r + j, j);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE) return dlog_sql_fail(log, what);
        r += k;
    }
    return SLATE_OK;
}

int dlog_queue_flush(slate_log *log)
{
    int rc = insert_queued(log, 0, log->nqrows, log->ins_events_k, log->ins_event,
                           "cannot write events rows");
    if (!rc)
        rc = insert_queued(log, 1, log->nqcases, log->ins_cases_k, log->ins_case,
                           "cannot write the case index");
    dlog_queue_drop(log);
    return rc;
}

void dlog_queue_drop(slate_log *log)
{
    log->nqrows = log->nqcases = 0;
    log->qtext.len = 0;
    log->qtext.failed = 0;
}
