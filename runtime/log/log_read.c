/*
 * log_read.c - the reader: a decision log opened read-only for the tools that
 * report on it (slate_log_read_*, slate_log_cursor_*; include/slate_log.h).
 * Every SELECT the audit commands and `run --resume` need is here, over the
 * column lists of dlog.h, so the schema is declared once and no reader outside
 * runtime/log/ holds SQL; rows go out as plain structs.
 *
 * The reader holds one read transaction from open to close, so meta, the
 * policies and every row it hands out come from one snapshot.  It checks that
 * the file is a log of this schema version; it verifies the hash chain only
 * when asked (then with verify.c's verifier, in the same snapshot).
 *
 * Not here: writing (log_write.c), replay's comparison (log_check.c), or any
 * interpretation of the rows (args JSON, payload fields: the callers' job).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log_int.h"

struct slate_log_reader {
    sqlite3 *db;
    char *cleanup;                 /* for dlog_close_ro() */
    int verified;                  /* opened with verify: rows come from verified tables only */
    int partitioned;               /* a partitioned log (meta `partitions`) */
    int version;                   /* its schema version (2: decisions packed in events) */
    char *path;
    char **meta_keys, **meta_vals; /* meta rows in table order */
    size_t nmeta;
    slate_log_policy *policies;    /* in log order; strings in blocks[i] */
    char **blocks;
    size_t npolicies;
    sqlite3_stmt *by_seq, *last;   /* lookups, prepared on first use */
    char errmsg[1024];
};

struct slate_log_cursor {
    slate_log_reader *rd;
    sqlite3_stmt *es, *ds;         /* entries, decisions (either may be NULL) */
    int e_state, d_state;          /* the last sqlite3_step() result; 0 not stepped */
    int e_given, d_given;          /* the current row was handed out: step first */
    int64_t entry;                 /* the id of the entry handed out last */
    int64_t only_entry;            /* slate_log_scan.entry */
    int failed;
    /* Version 2: the decisions of the events row es stands on, handed out
     * from its packed column after the entry (pack.c). */
    unsigned rows;                 /* what the scan hands out (SLATE_LOG_SCAN_*) */
    char *case_id;                 /* the scan's case, or NULL */
    size_t case_len;
    int unpacking;                 /* up holds the current row's decisions */
    dlog_unpacker up;
    int64_t up_entry, up_pos, up_seq;
    const char *up_policy;         /* the row's policy_hash */
    const char *up_file;           /* that policy's file, for `rule` */
    dlog_buf strs;                 /* the decision handed out last: its strings */
};

/* ---- errors and columns -------------------------------------------------------- */

static int rd_fail(slate_log_reader *rd, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int rd_fail(slate_log_reader *rd, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(rd->errmsg, sizeof rd->errmsg, fmt, ap);
    va_end(ap);
    return rc;
}

/* SQLite's message for the last failure, as the readers have always shown it. */
static int sql_fail(slate_log_reader *rd)
{
    return rd_fail(rd, SLATE_ERROR, "%s", sqlite3_errmsg(rd->db));
}

/* Text of column i, NULL for NULL; *len (may be NULL) its length in bytes, so
 * text holding a NUL byte is given whole.  (column_text before column_bytes:
 * SQLite's order for a length that matches the pointer.) */
static const char *col_text(sqlite3_stmt *st, int i, size_t *len)
{
    const char *t = (const char *)sqlite3_column_text(st, i);
    if (len) *len = t ? (size_t)sqlite3_column_bytes(st, i) : 0;
    return t;
}

static int64_t col_int(sqlite3_stmt *st, int i, int64_t dflt)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? dflt : sqlite3_column_int64(st, i);
}

/* "SELECT c1, c2, ... FROM table" for a column list of dlog.h. */
static void select_cols(dlog_buf *b, const char *table, const char *const *names, size_t n)
{
    dlog_buf_puts(b, "SELECT ");
    for (size_t i = 0; i < n; i++) dlog_buf_printf(b, "%s%s", i ? ", " : "", names[i]);
    dlog_buf_printf(b, " FROM %s", table);
}

static int prepare(slate_log_reader *rd, dlog_buf *b, sqlite3_stmt **st)
{
    *st = NULL;
    if (b->failed) return rd_fail(rd, SLATE_NOMEM, "out of memory");
    if (sqlite3_prepare_v2(rd->db, b->p, (int)b->len, st, NULL) != SQLITE_OK) return sql_fail(rd);
    return SLATE_OK;
}

/* The events row st stands on (columns in DLOG_EVENT_COLS order). */
static void read_entry(sqlite3_stmt *st, slate_log_stored *e, int partitioned)
{
    memset(e, 0, sizeof *e);
    e->found = 1;
    e->id = sqlite3_column_int64(st, DLOG_EV_id);
    e->pos = sqlite3_column_int64(st, DLOG_EV_pos);
    e->kind = col_text(st, DLOG_EV_kind, NULL);
    e->seq = col_int(st, DLOG_EV_seq, 0);
    e->at = col_int(st, DLOG_EV_at_ms, SLATE_LOG_NO_TIME);
    e->case_id = col_text(st, DLOG_EV_case_id, &e->case_len);
    e->type = col_text(st, DLOG_EV_type, NULL);
    e->status = col_text(st, DLOG_EV_status, NULL);
    e->reason = col_text(st, DLOG_EV_reason, NULL);
    e->payload = col_text(st, DLOG_EV_payload, &e->payload_len);
    e->policy_hash = col_text(st, DLOG_EV_policy_hash, NULL);
    e->ndecisions = sqlite3_column_int64(st, DLOG_EV_ndecisions);
    e->part = partitioned ? sqlite3_column_int64(st, DLOG_EV_part) : -1;
    e->stream_seq = partitioned ? col_int(st, DLOG_EV_stream_seq, 0) : 0;
}

/* The decisions row st stands on (columns in DLOG_DECISION_COLS order). */
static void read_decision(sqlite3_stmt *st, slate_log_stored_decision *d)
{
    memset(d, 0, sizeof *d);
    d->seq = sqlite3_column_int64(st, DLOG_DE_seq);
    d->pos = sqlite3_column_int64(st, DLOG_DE_pos);
    d->entry = sqlite3_column_int64(st, DLOG_DE_entry);
    d->event_seq = col_int(st, DLOG_DE_event_seq, 0);
    d->event_id = col_text(st, DLOG_DE_event_id, &d->event_id_len);
    d->case_id = col_text(st, DLOG_DE_case_id, &d->case_len);
    d->at = sqlite3_column_int64(st, DLOG_DE_at_ms);
    d->rule = col_text(st, DLOG_DE_rule, NULL);
    d->rule_line = (uint32_t)sqlite3_column_int64(st, DLOG_DE_rule_line);
    d->rule_label = col_text(st, DLOG_DE_rule_label, NULL);
    d->action = col_text(st, DLOG_DE_action, NULL);
    d->clock = col_text(st, DLOG_DE_clock, NULL);
    d->tier = col_text(st, DLOG_DE_tier, NULL);
    d->args = col_text(st, DLOG_DE_args, &d->args_len);
    d->policy_hash = col_text(st, DLOG_DE_policy_hash, NULL);
}

/* ---- opening ------------------------------------------------------------------- */

static int load_meta(slate_log_reader *rd)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(rd->db, "SELECT key, value FROM meta", -1, &st, NULL) != SQLITE_OK)
        return SLATE_ERROR; /* no meta table, or not a database at all */
    int rc = SLATE_OK, step;
    size_t cap = 0;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *k = col_text(st, 0, NULL), *v = col_text(st, 1, NULL);
        if (!k || !v) continue;
        if (rd->nmeta == cap) {
            cap = cap ? cap * 2 : 16;
            char **ks = realloc(rd->meta_keys, cap * sizeof *ks);
            if (ks) rd->meta_keys = ks;
            char **vs = ks ? realloc(rd->meta_vals, cap * sizeof *vs) : NULL;
            if (vs) rd->meta_vals = vs;
            if (!ks || !vs) {
                rc = SLATE_NOMEM;
                break;
            }
        }
        char *kc = strdup(k), *vc = strdup(v);
        if (!kc || !vc) {
            free(kc);
            free(vc);
            rc = SLATE_NOMEM;
            break;
        }
        rd->meta_keys[rd->nmeta] = kc;
        rd->meta_vals[rd->nmeta++] = vc;
    }
    if (!rc && step != SQLITE_DONE) rc = SLATE_ERROR;
    sqlite3_finalize(st);
    return rc;
}

/* Column i's bytes: a blob as it is, anything else as text (NULL for NULL). */
static const void *col_bytes(sqlite3_stmt *st, int i, int type, size_t *n)
{
    const void *p = type == SQLITE_BLOB ? sqlite3_column_blob(st, i)
                                        : (const void *)sqlite3_column_text(st, i);
    *n = p ? (size_t)sqlite3_column_bytes(st, i) : 0;
    return p;
}

/* A copy of column i into the policy's block at *at (NUL-terminated, so a
 * NUL byte inside is kept and *len counts it), or NULL. */
static const char *put_col(sqlite3_stmt *st, int i, int type, char *blk, size_t *at, size_t *len)
{
    size_t n;
    const void *p = col_bytes(st, i, type, &n);
    if (len) *len = n;
    if (!p) return NULL;
    char *out = blk + *at;
    memcpy(out, p, n);
    out[n] = 0;
    *at += n + 1;
    return out;
}

static int load_policies(slate_log_reader *rd)
{
    dlog_buf b = {0};
    select_cols(&b, "policies", dlog_policy_names, DLOG_NPOLICY_COLS);
    dlog_buf_puts(&b, " ORDER BY +pos"); /* from the table (as the verifier reads it) */
    sqlite3_stmt *st;
    int rc = prepare(rd, &b, &st), step = SQLITE_DONE;
    dlog_buf_free(&b);
    size_t cap = 0;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        /* the types before any read: reading converts (an image read as text) */
        int type[DLOG_NPOLICY_COLS];
        size_t size = 0, n;
        for (int i = 0; i < DLOG_NPOLICY_COLS; i++) type[i] = sqlite3_column_type(st, i);
        for (int i = 0; i < DLOG_NPOLICY_COLS; i++) {
            col_bytes(st, i, type[i], &n);
            size += n + 1;
        }
        if (rd->npolicies == cap) {
            cap = cap ? cap * 2 : 4;
            slate_log_policy *p = realloc(rd->policies, cap * sizeof *p);
            if (p) rd->policies = p;
            char **bl = p ? realloc(rd->blocks, cap * sizeof *bl) : NULL;
            if (bl) rd->blocks = bl;
            if (!p || !bl) {
                rc = rd_fail(rd, SLATE_NOMEM, "out of memory");
                break;
            }
        }
        char *blk = malloc(size);
        if (!blk) {
            rc = rd_fail(rd, SLATE_NOMEM, "out of memory");
            break;
        }
        slate_log_policy *p = &rd->policies[rd->npolicies];
        rd->blocks[rd->npolicies++] = blk;
        memset(p, 0, sizeof *p);
        size_t at = 0;
#define PUT_(col, len) put_col(st, DLOG_PO_##col, type[DLOG_PO_##col], blk, &at, len)
        p->hash = PUT_(hash, NULL);
        p->name = PUT_(name, NULL);
        p->version = PUT_(version, NULL);
        p->file = PUT_(file, NULL);
        p->source = PUT_(source, &p->source_len);
        p->image = PUT_(image, &p->image_len);
#undef PUT_
    }
    if (!rc && step != SQLITE_DONE) rc = sql_fail(rd);
    sqlite3_finalize(st);
    return rc;
}

/* The checks and reads of opening, after the database is open; errmsg set on
 * failure (without the path). */
static int open_log(slate_log_reader *rd, const slate_log_read_opts *opts)
{
    /* one read transaction: every read below and after sees one snapshot */
    if (sqlite3_exec(rd->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        sql_fail(rd);
        return SLATE_LOG_IOERR;
    }
    int rc = load_meta(rd);
    if (rc == SLATE_NOMEM) return rd_fail(rd, rc, "out of memory");
    if (rc) return rd_fail(rd, SLATE_ERROR, "not a slate decision log");
    char msg[512];
    if (dlog_check_version(slate_log_read_meta(rd, "schema_version"), msg, sizeof msg))
        return rd_fail(rd, SLATE_ERROR, "%s", msg);
    /* a table missing, or an object slate does not create (a view in a
     * table's place, an index that answers otherwise), is named here, before
     * any of it is read */
    rc = dlog_check_schema(rd->db, msg, sizeof msg);
    if (rc == SLATE_NOMEM) return rd_fail(rd, rc, "out of memory");
    if (rc) return rd_fail(rd, rc, "%s", msg);
    rd->partitioned = dlog_partitions(rd->db) > 0; /* valid: the schema check read it */
    rd->version = dlog_schema_version(rd->db);
    if (opts && opts->verify) {
        dlog_verifier *ver;
        char *err = NULL;
        dlog_verifier_open(rd->db, &ver);
        rc = dlog_verifier_finish(ver, opts->summary, &err);
        dlog_verifier_free(ver);
        if (rc == SLATE_NOMEM) rd_fail(rd, rc, "out of memory");
        else if (rc) rd_fail(rd, rc, "the log does not verify: %s", err ? err : "?");
        slate_log_free(err);
        if (rc) return rc;
        rd->verified = 1;
    }
    return load_policies(rd);
}

int slate_log_read_open(const char *path, const slate_log_read_opts *opts, slate_log_reader **out,
                        char **err)
{
    if (err) *err = NULL;
    if (!out || !path) {
        dlog_set_err(err, "slate_log_read_open: NULL argument");
        return SLATE_MISUSE;
    }
    *out = NULL;
    slate_log_reader *rd = calloc(1, sizeof *rd);
    if (!rd || !(rd->path = strdup(path))) {
        free(rd);
        dlog_set_err(err, "out of memory");
        return SLATE_NOMEM;
    }
    /* a missing or unreadable file is named by the system's reason, and SQLite
     * does not create or touch anything for it */
    int rc = dlog_open_ro(path, opts && opts->immutable, &rd->db, &rd->cleanup, rd->errmsg,
                          sizeof rd->errmsg);
    if (!rc) rc = open_log(rd, opts);
    if (rc) {
        if (rc == SLATE_NOMEM) dlog_set_err(err, "out of memory");
        else dlog_set_err(err, "%s: %s", path, rd->errmsg);
        slate_log_read_close(rd);
        return rc;
    }
    *out = rd;
    return SLATE_OK;
}

void slate_log_read_close(slate_log_reader *rd)
{
    if (!rd) return;
    sqlite3_finalize(rd->by_seq);
    sqlite3_finalize(rd->last);
    dlog_close_ro(rd->db, rd->cleanup); /* ends the read transaction */
    for (size_t i = 0; i < rd->nmeta; i++) {
        free(rd->meta_keys[i]);
        free(rd->meta_vals[i]);
    }
    free(rd->meta_keys);
    free(rd->meta_vals);
    for (size_t i = 0; i < rd->npolicies; i++) free(rd->blocks[i]);
    free(rd->blocks);
    free(rd->policies);
    free(rd->path);
    free(rd);
}

const char *slate_log_read_errmsg(const slate_log_reader *rd)
{
    return rd ? rd->errmsg : "NULL reader";
}

/* ---- meta, policies, counts ------------------------------------------------------ */

const char *slate_log_read_meta(const slate_log_reader *rd, const char *key)
{
    for (size_t i = 0; rd && key && i < rd->nmeta; i++)
        if (!strcmp(rd->meta_keys[i], key)) return rd->meta_vals[i];
    return NULL;
}

size_t slate_log_read_policies(const slate_log_reader *rd, const slate_log_policy **list)
{
    *list = rd ? rd->policies : NULL;
    return rd ? rd->npolicies : 0;
}

const slate_log_policy *slate_log_read_policy(const slate_log_reader *rd, const char *hash)
{
    for (size_t i = 0; rd && hash && i < rd->npolicies; i++)
        if (rd->policies[i].hash && !strcmp(rd->policies[i].hash, hash)) return &rd->policies[i];
    return NULL;
}

int slate_log_read_info(slate_log_reader *rd, slate_log_info *info)
{
    memset(info, 0, sizeof *info);
    if (!rd) return SLATE_MISUSE;
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(rd->db,
                           rd->version >= 2
                               ? "SELECT (SELECT count(*) FROM policies), (SELECT count(*) FROM events), "
                                 "(SELECT coalesce(sum(ndecisions), 0) FROM events), "
                                 "(SELECT coalesce(max(seq), 0) FROM events), "
                                 "(SELECT coalesce((SELECT dseq + ndecisions - 1 FROM events "
                                 "WHERE dseq IS NOT NULL ORDER BY id DESC LIMIT 1), 0))"
                               : "SELECT (SELECT count(*) FROM policies), (SELECT count(*) FROM events), "
                                 "(SELECT count(*) FROM decisions), "
                                 "(SELECT coalesce(max(seq), 0) FROM events), "
                                 "(SELECT coalesce(max(seq), 0) FROM decisions)",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(rd);
    int rc = SLATE_OK;
    if (sqlite3_step(st) == SQLITE_ROW) {
        info->policies = (uint64_t)sqlite3_column_int64(st, 0);
        info->entries = (uint64_t)sqlite3_column_int64(st, 1);
        info->decisions = (uint64_t)sqlite3_column_int64(st, 2);
        info->last_event_seq = (uint64_t)sqlite3_column_int64(st, 3);
        info->last_decision_seq = (uint64_t)sqlite3_column_int64(st, 4);
    } else {
        rc = sql_fail(rd);
    }
    sqlite3_finalize(st);
    const char *pos = slate_log_read_meta(rd, "state.pos");
    const char *head = slate_log_read_meta(rd, "state.chain");
    info->pos = pos ? strtoll(pos, NULL, 10) : 0;
    snprintf(info->head, sizeof info->head, "%s", head ? head : "");
    return rc;
}

/* ---- lookups ---------------------------------------------------------------------- */

/* Step *st (prepared from `where` on first use) for one events row into *e. */
static int lookup_entry(slate_log_reader *rd, sqlite3_stmt **st, const char *where, int bind,
                        int64_t value, slate_log_stored *e)
{
    memset(e, 0, sizeof *e);
    if (!rd) return SLATE_MISUSE;
    if (!*st) {
        dlog_buf b = {0};
        select_cols(&b, "events", dlog_event_names, DLOG_NEVENT(rd->version, rd->partitioned));
        dlog_buf_puts(&b, where);
        int rc = prepare(rd, &b, st);
        dlog_buf_free(&b);
        if (rc) return rc;
    }
    sqlite3_reset(*st);
    if (bind) sqlite3_bind_int64(*st, 1, value);
    int step = sqlite3_step(*st);
    if (step == SQLITE_ROW) read_entry(*st, e, rd->partitioned);
    else if (step != SQLITE_DONE) return sql_fail(rd);
    return SLATE_OK;
}

int slate_log_read_event(slate_log_reader *rd, uint64_t seq, slate_log_stored *e)
{
    /* by the UNIQUE index on seq, which the chain does not cover: the row it
     * finds must be the one asked for */
    int rc = lookup_entry(rd, rd ? &rd->by_seq : NULL, " WHERE seq = ?1", 1, (int64_t)seq, e);
    if (!rc && e->found && e->seq != (int64_t)seq) {
        memset(e, 0, sizeof *e);
        return rd_fail(rd, SLATE_ERROR, "the index of events.seq gives event seq %" PRIu64
                                        " another row: the file was changed outside slate", seq);
    }
    return rc;
}

int slate_log_read_last(slate_log_reader *rd, slate_log_stored *e)
{
    return lookup_entry(rd, rd ? &rd->last : NULL, " ORDER BY id DESC LIMIT 1", 0, 0, e);
}

/* Version 2: the counts by case_index, each entry's decisions unpacked. */
static int read_case_v2(slate_log_reader *rd, const char *case_id, size_t len,
                        uint64_t *entries, uint64_t *decisions)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(rd->db, "SELECT e.case_id = ?1, e.decisions FROM case_index c "
                                   "JOIN events e ON e.id = c.entry WHERE c.case_id = ?1",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(rd);
    sqlite3_bind_text(st, 1, case_id, (int)len, SQLITE_STATIC);
    int step, rc = SLATE_OK;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_int(st, 0)) ++*entries;
        size_t n;
        const char *p = col_text(st, 1, &n);
        dlog_unpacker u;
        dlog_unpacked d;
        dlog_unpack_start(&u, p, n);
        int r = 0;
        while (p && (r = dlog_unpack_next(&u, &d)) > 0)
            if (dlog_pstr_is(d.case_id, case_id, len)) ++*decisions;
        if (r < 0)
            rc = rd_fail(rd, SLATE_ERROR, "an entry's decisions are not as slate packs them: the "
                                          "file was changed outside slate");
    }
    if (!rc && step != SQLITE_DONE) rc = sql_fail(rd);
    sqlite3_finalize(st);
    return rc;
}

int slate_log_read_case(slate_log_reader *rd, const char *case_id, size_t len,
                        uint64_t *entries, uint64_t *decisions)
{
    *entries = *decisions = 0;
    if (!rd || !case_id) return SLATE_MISUSE;
    if (rd->version >= 2) return read_case_v2(rd, case_id, len, entries, decisions);
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(rd->db, "SELECT (SELECT count(*) FROM events WHERE case_id = ?1), "
                                   "(SELECT count(*) FROM decisions WHERE case_id = ?1)",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(rd);
    sqlite3_bind_text(st, 1, case_id, (int)len, SQLITE_STATIC);
    int rc = SLATE_OK;
    if (sqlite3_step(st) == SQLITE_ROW) {
        *entries = (uint64_t)sqlite3_column_int64(st, 0);
        *decisions = (uint64_t)sqlite3_column_int64(st, 1);
    } else {
        rc = sql_fail(rd);
    }
    sqlite3_finalize(st);
    return rc;
}

/* ---- cursors ---------------------------------------------------------------------- */

/* Prepare the SELECT of one table for a scan: ?1 the case id, ?2 the entry. */
static int scan_stmt(slate_log_reader *rd, const slate_log_scan *s, int events, sqlite3_stmt **st)
{
    dlog_buf b = {0};
    if (rd->version >= 2) {
        /* The entries, all of them in a verified reader (the chain does not
         * cover case_index): a case's decisions may be in any entry, and are
         * picked from each one's column (slate_log_cursor_next). */
        select_cols(&b, "events", dlog_event_names, DLOG_NEVENT(rd->version, rd->partitioned));
        if (s->entry) dlog_buf_puts(&b, " WHERE id = ?2");
        else if (s->case_id && !rd->verified)
            dlog_buf_puts(&b, " WHERE id IN (SELECT entry FROM case_index WHERE case_id = ?1 "
                              "UNION ALL SELECT id FROM events WHERE kind = 'policy')");
        dlog_buf_puts(&b, " ORDER BY id");
        int rc = prepare(rd, &b, st);
        dlog_buf_free(&b);
        if (rc) return rc;
        if (s->case_id && !s->entry && !rd->verified)
            sqlite3_bind_text(*st, 1, s->case_id, (int)s->case_len, SQLITE_TRANSIENT);
        if (s->entry) sqlite3_bind_int64(*st, 2, s->entry);
        return SLATE_OK;
    }
    if (events) select_cols(&b, "events", dlog_event_names, DLOG_NEVENT(rd->version, rd->partitioned));
    else select_cols(&b, "decisions", dlog_decision_names, DLOG_NDECISION_COLS);
    const char *and = " WHERE ";
    if (s->case_id && rd->verified) {
        /* The chain covers the tables, not their indexes: a verified reader
         * finds a case by reading every row (unary + keeps SQLite off the
         * index), so an index changed outside slate cannot add or hide rows. */
        dlog_buf_puts(&b, events ? " WHERE (+case_id = ?1 OR (+case_id IS NULL AND kind = 'policy'))"
                                 : " WHERE +case_id = ?1");
        and = " AND ";
    } else if (s->case_id) {
        /* Policy entries have no case id: the first term lets the case index
         * find them with the case's rows (a scan of the table otherwise); the
         * second keeps out other rows without one (advances, rejected lines). */
        dlog_buf_puts(&b, events ? " WHERE (case_id = ?1 OR case_id IS NULL) AND "
                                   "(case_id = ?1 OR kind = 'policy')"
                                 : " WHERE case_id = ?1");
        and = " AND ";
    }
    /* an entry's decisions by their index; their rows are checked against it
     * as they are read (slate_log_cursor_next) */
    if (s->entry) dlog_buf_printf(&b, "%s%s = ?2", and, events ? "id" : "entry");
    /* id and seq are the rowids: log order without a sort or an index */
    dlog_buf_puts(&b, events ? " ORDER BY id" : " ORDER BY seq");
    int rc = prepare(rd, &b, st);
    dlog_buf_free(&b);
    if (rc) return rc;
    if (s->case_id) sqlite3_bind_text(*st, 1, s->case_id, (int)s->case_len, SQLITE_TRANSIENT);
    if (s->entry) sqlite3_bind_int64(*st, 2, s->entry);
    return SLATE_OK;
}

int slate_log_cursor_open(slate_log_reader *rd, const slate_log_scan *scan,
                          slate_log_cursor **out)
{
    static const slate_log_scan all = {0};
    *out = NULL;
    if (!rd) return SLATE_MISUSE;
    if (!scan) scan = &all;
    unsigned rows = scan->rows ? scan->rows : SLATE_LOG_SCAN_ENTRIES | SLATE_LOG_SCAN_DECISIONS;
    slate_log_cursor *c = calloc(1, sizeof *c);
    if (!c) return rd_fail(rd, SLATE_NOMEM, "out of memory");
    c->rd = rd;
    c->only_entry = scan->entry;
    c->e_state = c->d_state = SQLITE_DONE;
    c->rows = rows;
    int rc = SLATE_OK;
    if (rd->version >= 2) {
        if (scan->case_id) {
            c->case_id = malloc(scan->case_len + 1);
            if (!c->case_id) rc = rd_fail(rd, SLATE_NOMEM, "out of memory");
            else memcpy(c->case_id, scan->case_id, scan->case_len);
            c->case_len = scan->case_len;
        }
        if (!rc) rc = scan_stmt(rd, scan, 1, &c->es);
        c->e_state = 0;
        if (rc) {
            slate_log_cursor_close(c);
            return rc;
        }
        *out = c;
        return SLATE_OK;
    }
    if (rows & SLATE_LOG_SCAN_ENTRIES) {
        rc = scan_stmt(rd, scan, 1, &c->es);
        c->e_state = 0;
    }
    if (!rc && (rows & SLATE_LOG_SCAN_DECISIONS)) {
        rc = scan_stmt(rd, scan, 0, &c->ds);
        c->d_state = 0;
    }
    if (rc) {
        slate_log_cursor_close(c);
        return rc;
    }
    *out = c;
    return SLATE_OK;
}

/* Step st (its row no longer handed out) into *state; 0 or SLATE_ERROR. */
static int step(slate_log_cursor *c, sqlite3_stmt *st, int *state)
{
    *state = sqlite3_step(st);
    if (*state == SQLITE_ROW || *state == SQLITE_DONE) return SLATE_OK;
    c->failed = 1;
    return sql_fail(c->rd);
}

/* Version 2: hand out decision d of the row the cursor stands on, its
 * strings unescaped into the cursor's buffer. */
static int give_decision(slate_log_cursor *c, const dlog_unpacked *x, slate_log_stored_decision *d)
{
    dlog_buf *b = &c->strs;
    b->len = 0;
    /* offsets, not pointers: the buffer may move while it grows */
    size_t off[7];
    const dlog_pstr strs[4] = {x->event_id, x->case_id, x->rule_label, x->action};
    size_t lens[4] = {0}, room = 0;
    for (int i = 0; i < 4; i++) room += strs[i].n + 1;
    /* unescaped, a string is never longer than its packing */
    if (dlog_buf_reserve(b, room)) return rd_fail(c->rd, SLATE_NOMEM, "out of memory");
    for (int i = 0; i < 4; i++) {
        off[i] = SIZE_MAX;
        if (!strs[i].p) continue;
        off[i] = b->len;
        lens[i] = dlog_unescape(strs[i], b->p + b->len);
        b->len += lens[i] + 1;
    }
    off[4] = b->len; /* args */
    dlog_buf_put(b, x->args, x->args_len);
    dlog_buf_put(b, "", 1);
    /* tier, clock: the args' first members when present (canon.c's order),
     * their JSON decoded, as version 1 stored them; absent when not JSON */
    static const char *const keys[2] = {"\"tier\":", "\"clock\":"};
    size_t at = 1; /* past the args' `{` */
    for (int k = 0; k < 2; k++) {
        size_t kl = strlen(keys[k]), i = at + kl;
        off[5 + k] = SIZE_MAX;
        if (x->args_len < i || memcmp(x->args + at, keys[k], kl)) continue;
        size_t start = b->len;
        if (dlog_json_str(x->args, x->args_len, &i, b)) continue;
        dlog_buf_put(b, "", 1);
        off[5 + k] = start;
        at = i + 1; /* past the `,` after it */
    }
    size_t rule_off = SIZE_MAX;
    if (x->rule_line > 0) {
        rule_off = b->len;
        dlog_buf_printf(b, "%s:%" PRId64, c->up_file ? c->up_file : "", x->rule_line);
        dlog_buf_put(b, "", 1);
    }
    if (b->failed) return rd_fail(c->rd, SLATE_NOMEM, "out of memory");
#define AT_(o) ((o) == SIZE_MAX ? NULL : b->p + (o))
    memset(d, 0, sizeof *d);
    d->seq = c->up_seq;
    d->pos = c->up_pos; /* no row of its own: its entry's */
    d->entry = c->up_entry;
    d->event_seq = x->event_seq;
    d->event_id = AT_(off[0]);
    d->event_id_len = lens[0];
    d->case_id = AT_(off[1]);
    d->case_len = lens[1];
    d->at = x->at;
    d->rule = AT_(rule_off);
    d->rule_line = (uint32_t)x->rule_line;
    d->rule_label = AT_(off[2]);
    d->action = AT_(off[3]);
    d->tier = AT_(off[5]);
    d->clock = AT_(off[6]);
    d->args = AT_(off[4]);
    d->args_len = x->args_len;
    d->policy_hash = c->up_policy;
#undef AT_
    return SLATE_OK;
}

static int cursor_next_v2(slate_log_cursor *c, slate_log_row *row)
{
    for (;;) {
        if (c->unpacking) {
            dlog_unpacked x;
            int r = dlog_unpack_next(&c->up, &x);
            if (r < 0) {
                c->failed = 1;
                return rd_fail(c->rd, SLATE_ERROR, "entry %" PRId64 ": its decisions are not as "
                                                   "slate packs them: the file was changed outside "
                                                   "slate", c->up_entry);
            }
            if (r > 0) {
                int mine = !c->case_id || dlog_pstr_is(x.case_id, c->case_id, c->case_len);
                if (mine && (c->rows & SLATE_LOG_SCAN_DECISIONS)) {
                    int rc = give_decision(c, &x, &row->decision);
                    c->up_seq++;
                    if (rc) return rc;
                    row->what = SLATE_LOG_SCAN_DECISIONS;
                    return SLATE_OK;
                }
                c->up_seq++;
                continue;
            }
            c->unpacking = 0;
        }
        if (step(c, c->es, &c->e_state)) return SLATE_ERROR;
        if (c->e_state != SQLITE_ROW) return SLATE_OK; /* the end: row->what 0 */
        slate_log_stored e;
        read_entry(c->es, &e, c->rd->partitioned);
        if (c->only_entry && e.id != c->only_entry) {
            c->failed = 1;
            return rd_fail(c->rd, SLATE_ERROR, "the events table gives entry %" PRId64 " for entry %"
                                               PRId64 ": the file was changed outside slate",
                           e.id, c->only_entry);
        }
        size_t n;
        const char *packed = col_text(c->es, DLOG_EV_decisions, &n);
        if (packed && (c->rows & SLATE_LOG_SCAN_DECISIONS)) {
            dlog_unpack_start(&c->up, packed, n);
            c->unpacking = 1;
            c->up_entry = e.id;
            c->up_pos = e.pos;
            c->up_seq = col_int(c->es, DLOG_EV_dseq, 0);
            c->up_policy = e.policy_hash;
            const slate_log_policy *p = slate_log_read_policy(c->rd, e.policy_hash);
            c->up_file = p ? p->file : NULL;
        }
        int mine = !c->case_id || (e.case_id && e.case_len == c->case_len &&
                                   !memcmp(e.case_id, c->case_id, c->case_len)) ||
                   (e.kind && !strcmp(e.kind, "policy"));
        if (mine && (c->rows & SLATE_LOG_SCAN_ENTRIES)) {
            row->entry = e;
            row->what = SLATE_LOG_SCAN_ENTRIES;
            c->entry = e.id;
            return SLATE_OK;
        }
    }
}

/* A merge of the two scans by entry: each entry, then the decisions that name
 * it; a decision whose entry is not in the scan (a case's timer fired by
 * another entry) before the first entry after it.  A row is stepped past only
 * on the call after it was handed out, so its strings stay valid till then. */
int slate_log_cursor_next(slate_log_cursor *c, slate_log_row *row)
{
    row->what = 0;
    if (!c) return SLATE_MISUSE;
    if (c->failed) return SLATE_ERROR;
    if (c->rd->version >= 2) return cursor_next_v2(c, row);
    if (c->d_state == 0 || c->d_given) {
        c->d_given = 0;
        if (step(c, c->ds, &c->d_state)) return SLATE_ERROR;
    }
    int d_row = c->d_state == SQLITE_ROW;
    int64_t d_entry = d_row ? sqlite3_column_int64(c->ds, DLOG_DE_entry) : 0;
    if (d_row && c->only_entry && d_entry != c->only_entry) {
        c->failed = 1;
        return rd_fail(c->rd, SLATE_ERROR, "the index of decisions.entry gives entry %" PRId64
                                           " a row of entry %" PRId64 ": the file was changed "
                                           "outside slate", c->only_entry, d_entry);
    }
    if (c->e_given && d_row && d_entry == c->entry) { /* a decision of the entry given */
        read_decision(c->ds, &row->decision);
        row->what = SLATE_LOG_SCAN_DECISIONS;
        c->d_given = 1;
        return SLATE_OK;
    }
    if (c->e_state == 0 || c->e_given) {
        c->e_given = 0;
        if (step(c, c->es, &c->e_state)) return SLATE_ERROR;
    }
    int e_row = c->e_state == SQLITE_ROW;
    if (d_row && (!e_row || d_entry < sqlite3_column_int64(c->es, DLOG_EV_id))) {
        read_decision(c->ds, &row->decision);
        row->what = SLATE_LOG_SCAN_DECISIONS;
        c->d_given = 1;
    } else if (e_row) {
        read_entry(c->es, &row->entry, c->rd->partitioned);
        row->what = SLATE_LOG_SCAN_ENTRIES;
        c->entry = row->entry.id;
        c->e_given = 1;
    }
    return SLATE_OK;
}

void slate_log_cursor_close(slate_log_cursor *c)
{
    if (!c) return;
    sqlite3_finalize(c->es);
    sqlite3_finalize(c->ds);
    free(c->case_id);
    dlog_buf_free(&c->strs);
    free(c);
}
