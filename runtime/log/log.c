/*
 * log.c - the decision log writer's public entry points that belong to no one
 * step: errors, closing, and the state accessors.  The writer's other files
 * are log_schema.c (opening), log_write.c (entries and rows) and log_check.c
 * (check mode); log_int.h holds the handle they share.
 *
 * Invariants of the whole writer:
 *  - rows are written only in slate_log_end(), into the batch transaction, and
 *    a commit happens only between entries; a write that fails part way through
 *    an entry rolls the whole batch back, so a commit never holds part of one;
 *  - `pos` numbers every row of policies, events and decisions in log order,
 *    from 1 and gap-free; each row's chain hash extends the previous row's;
 *  - meta's state.pos and state.chain name the last row, and change in the
 *    same transaction as the rows.
 * After a failed write the handle refuses further entries: the log would no
 * longer be a complete record of what the engine decided.
 *
 * Not here: SQL, hashing, or anything that reads or writes rows.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log_int.h"

void dlog_set_row_hook(slate_log *log, dlog_row_hook fn, void *ud)
{
    log->hook = fn;
    log->hook_ud = ud;
}

int dlog_fail(slate_log *log, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(log->errmsg, sizeof log->errmsg, fmt, ap);
    va_end(ap);
    return rc;
}

int dlog_sql_fail(slate_log *log, const char *what)
{
    return dlog_fail(log, SLATE_ERROR, "%s: %s", what, sqlite3_errmsg(log->db));
}

int dlog_exec(slate_log *log, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(log->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        dlog_fail(log, SLATE_ERROR, "%s", msg ? msg : sqlite3_errmsg(log->db));
        sqlite3_free(msg);
        return SLATE_ERROR;
    }
    return SLATE_OK;
}

int slate_log_close(slate_log *log, char **err)
{
    if (err) *err = NULL;
    if (!log) return SLATE_OK;
    dlog_reset_entry(log);
    int rc = slate_log_flush(log);
    if (rc) dlog_set_err(err, "%s", log->errmsg);
    dlog_free_log(log);
    return rc;
}

/* ---- state -------------------------------------------------------------- */

const char *slate_log_errmsg(const slate_log *log) { return log ? log->errmsg : "NULL log"; }
uint64_t slate_log_last_event_seq(const slate_log *log) { return log ? log->last_event_seq : 0; }
uint64_t slate_log_last_decision_seq(const slate_log *log)
{
    return log ? log->last_decision_seq : 0;
}
const char *slate_log_policy_hash(const slate_log *log)
{
    return log && log->policy_hash[0] ? log->policy_hash : NULL;
}
const char *slate_log_head(const slate_log *log) { return log ? log->head_hex : NULL; }

const char *slate_log_option(const slate_log *log, const char *key)
{
    if (!log || !key) return NULL;
    for (size_t i = 0; i < log->nopts; i++)
        if (!strcmp(log->opt_keys[i], key)) return log->opt_values[i];
    return NULL;
}
