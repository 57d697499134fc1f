/*
 * log_check.c - check mode, used by replay: compares the rows an entry would
 * write with those stored at the same positions, and names the first
 * divergence (a column, a missing or extra row, or the chain).  Opened with
 * `verify`, the stored rows come from the verifier (verify.c), which checks
 * each one's chain as it is read: each row is then read and hashed once, and
 * the replay's rows are compared with verified ones instead of hashed again.
 *
 * Not here: building the rows (log_write.c) or opening the log read-only
 * (log_schema.c).  Nothing here writes to the database.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log_int.h"

/* ---- check mode ------------------------------------------------------------- */

/* A column value as text for a message (at most ~300 bytes). */
static void show_val(dlog_buf *b, const dlog_val *v)
{
    switch (v->type) {
    case DV_NULL: dlog_buf_puts(b, "NULL"); break;
    case DV_INT: dlog_buf_printf(b, "%" PRId64, v->i); break;
    case DV_BLOB: dlog_buf_printf(b, "<%zu bytes>", v->n); break;
    case DV_TEXT:
        dlog_buf_put(b, v->p, v->n < 300 ? v->n : 300);
        if (v->n > 300) dlog_buf_puts(b, "...");
    }
}

static dlog_val col_val(sqlite3_stmt *st, int i)
{
    dlog_val x = {DV_NULL, 0, NULL, 0};
    switch (sqlite3_column_type(st, i)) {
    case SQLITE_NULL: break;
    case SQLITE_INTEGER:
        x.type = DV_INT;
        x.i = sqlite3_column_int64(st, i);
        break;
    case SQLITE_BLOB:
        x.type = DV_BLOB;
        x.p = sqlite3_column_blob(st, i);
        x.n = (size_t)sqlite3_column_bytes(st, i);
        break;
    default:
        x.type = DV_TEXT;
        x.p = sqlite3_column_text(st, i);
        x.n = (size_t)sqlite3_column_bytes(st, i);
    }
    return x;
}

static int val_eq(const dlog_val *a, const dlog_val *b)
{
    if (a->type != b->type) return 0;
    if (a->type == DV_NULL) return 1;
    if (a->type == DV_INT) return a->i == b->i;
    return a->n == b->n && (!a->n || !memcmp(a->p, b->p, a->n));
}

/* Column indices of the decisions table, in schema order. */
enum {
#define DLOG_IDX_(name, type) DCOL_##name,
    DLOG_DECISION_COLS(DLOG_IDX_)
#undef DLOG_IDX_
};

/* A decision's args that differ from the stored ones only as a log written
 * before the log escaped strings as stdout does holds them (dlog_args_same):
 * the same decision, not a divergence. */
static int older_args(int t, size_t col, const dlog_val *mine, const dlog_val *stored)
{
    return t == 2 && col == DCOL_args && mine->type == DV_TEXT && stored->type == DV_TEXT &&
           dlog_args_same(stored->p, stored->n, mine->p, mine->n);
}

/* What compare_row found. */
enum { CMP_SAME = 0, CMP_MISSING, CMP_COLUMN, CMP_CHAIN, CMP_TAMPERED };

/* Verify mode: move the verifier on to the row at `pos` (rows are asked for in
 * increasing order, and the verifier stands on the last one given).  1 it is
 * in table t, 0 the log holds no such row, -1 the verifier found a problem at
 * or before it (kept for slate_log_check_verify()). */
static int verified_row(slate_log *log, int t, int64_t pos)
{
    dlog_vrow *r = &log->vrow;
    while (r->pos < pos) {
        if (dlog_verifier_next(log->ver, r)) return -1;
        if (r->table < 0) {
            r->pos = INT64_MAX; /* the end: nothing more to find */
            return 0;
        }
    }
    return r->pos == pos && r->table == t;
}

/* Put st (table t: 0 policies, 1 events, 2 decisions; its pos is column
 * pos_col) on the stored row at `pos`: 1 found, 0 not there.  Positions are
 * asked for in increasing order, so this is a step forward on one scan; a
 * position behind the scan restarts it there. */
static int seek_row(slate_log *log, sqlite3_stmt *st, int t, int pos_col, int64_t pos)
{
    int64_t *at = &log->at_pos[t];
    if (*at == pos) return 1;
    if (*at == 0 || *at > pos) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, pos);
        *at = 0;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        *at = sqlite3_column_int64(st, pos_col);
        if (*at >= pos) return *at == pos;
    }
    sqlite3_reset(st);
    *at = 0;
    return 0;
}

/* Compare v[0..n-1] with the stored row at `pos` (st selects it, table index
 * t) and move *head on.  Column `skip` (or -1) is not compared; the chain is
 * compared only when chain_out is NULL, else the stored and computed chains
 * are copied out for the caller to compare later.  On CMP_COLUMN, msg gets
 * "`col`: expected X, found Y"; *stored_skip gets the stored integer of
 * column `skip`. */
static int compare_row(slate_log *log, sqlite3_stmt *st, int t, const char *table,
                       const char *const *names, const dlog_val *v, size_t n, int64_t pos,
                       uint8_t head[32], int skip, int64_t *stored_skip, char chain_out[2][65],
                       dlog_buf *msg, dlog_val *stored_packed)
{
    uint8_t next[32], prev[32];
    char hex[65];
    const dlog_val *sv = NULL; /* verify mode: the stored row's values */
    if (log->hook) log->hook(log->hook_ud, table, pos);
    if (log->ver) {
        /* No hash of the replay's row: the verifier hashed the stored one and
         * matched its chain, so where every column is equal (else this is a
         * divergence) the replay's chain is the stored one. */
        int f = verified_row(log, t, pos);
        if (f < 0) return CMP_TAMPERED;
        if (!f) return CMP_MISSING;
        sv = log->vrow.vals;
        memcpy(head, log->vrow.head, 32);
    } else {
        memcpy(prev, head, 32);
        dlog_chain(head, table, v, n, next);
        dlog_hex(next, 32, hex);
        memcpy(head, next, 32);
        if (!seek_row(log, st, t, t == 0 ? 0 : 1, pos)) return CMP_MISSING;
    }
    int r = CMP_SAME;
    size_t older = n; /* the column older_args() let pass, if any */
    for (size_t i = 0; i < n && r == CMP_SAME; i++) {
        dlog_val x = sv ? sv[i] : col_val(st, (int)i);
        if (stored_packed && i == DLOG_EV_decisions) {
            *stored_packed = x; /* compared by the caller, decision by decision */
            continue;
        }
        if ((int)i == skip) {
            if (stored_skip) *stored_skip = x.type == DV_INT ? x.i : -1;
            continue;
        }
        if (val_eq(&v[i], &x)) continue;
        if (older_args(t, i, &v[i], &x)) {
            older = i;
            continue;
        }
        dlog_buf_printf(msg, "`%s`: expected ", names[i]);
        show_val(msg, &v[i]);
        dlog_buf_puts(msg, ", found ");
        show_val(msg, &x);
        r = CMP_COLUMN;
    }
    if (sv) {
        if (chain_out) chain_out[0][0] = chain_out[1][0] = 0; /* equal: see above */
        return r;
    }
    if (older < n && n <= DLOG_NDECISION_COLS) {
        /* the stored row's chain ran over its own args bytes: so does ours */
        dlog_val w[DLOG_NDECISION_COLS];
        memcpy(w, v, n * sizeof *v);
        w[older] = col_val(st, (int)older);
        dlog_chain(prev, table, w, n, next);
        dlog_hex(next, 32, hex);
        memcpy(head, next, 32);
    }
    const unsigned char *c = sqlite3_column_text(st, (int)n);
    if (chain_out) {
        memcpy(chain_out[0], hex, 65);
        snprintf(chain_out[1], 65, "%s", c ? (const char *)c : "");
    } else if (r == CMP_SAME && (!c || strcmp((const char *)c, hex))) {
        r = CMP_CHAIN;
    }
    return r;
}

/* What is stored at `pos`, for a message: "decisions row seq 12 (stop ...)". */
static void describe_pos(slate_log *log, int64_t pos, dlog_buf *b)
{
    char sql[640];
    if (log->version >= 2)
        snprintf(sql, sizeof sql,
                 "SELECT 'entry ' || id || ' (' || kind || coalesce(' seq ' || seq, '') || ')' "
                 "FROM events WHERE pos = %" PRId64 " UNION ALL "
                 "SELECT 'policy ' || substr(hash, 1, 12) FROM policies WHERE pos = %" PRId64,
                 pos, pos);
    else
        snprintf(sql, sizeof sql,
             "SELECT 'decision seq ' || seq || ' (' || action || ' ' || args || ', entry ' || "
             "entry || ')' FROM decisions WHERE pos = %" PRId64 " UNION ALL "
             "SELECT 'entry ' || id || ' (' || kind || coalesce(' seq ' || seq, '') || ')' "
             "FROM events WHERE pos = %" PRId64 " UNION ALL "
             "SELECT 'policy ' || substr(hash, 1, 12) FROM policies WHERE pos = %" PRId64,
             pos, pos, pos);
    char out[600];
    if (dlog_query_text(log, sql, NULL, out, sizeof out) == 1) dlog_buf_puts(b, out);
    else dlog_buf_puts(b, "nothing (the log ends before it)");
}

static void describe_pend(const slate_log *log, const dlog_pend *p, dlog_buf *b)
{
    dlog_buf_printf(b, "decision seq %" PRIu64 " (%s %s)", p->seq, dlog_action_names[p->action],
                    log->arena.p + p->args.off);
}

/* A packed string or integer column of a decision, for a message. */
static void show_pstr(dlog_buf *b, dlog_pstr s)
{
    if (!s.p) {
        dlog_buf_puts(b, "NULL");
        return;
    }
    dlog_buf_put(b, s.p, s.n < 300 ? s.n : 300);
    if (s.n > 300) dlog_buf_puts(b, "...");
}

static int pstr_eq(dlog_pstr a, dlog_pstr b)
{
    return (!a.p) == (!b.p) && a.n == b.n && (!a.n || !memcmp(a.p, b.p, a.n));
}

/* Version 2: the replay's packed decisions (mine) differ from the stored ones
 * (an entry that declares stored_n): name the first decision that differs,
 * and its first column, as version 1's rows were named. */
static void compare_packed(slate_log *log, const dlog_val *mine, const dlog_val *stored,
                           const char *where, int64_t stored_n)
{
    dlog_buf m = {0};
    dlog_unpacker a, b;
    dlog_unpacked x, y;
    dlog_unpack_start(&a, mine->type == DV_TEXT ? mine->p : NULL, mine->n);
    dlog_unpack_start(&b, stored->type == DV_TEXT ? stored->p : NULL, stored->n);
    uint64_t seq = log->next_decision - log->npends;
    for (;; seq++) {
        int ra = mine->type == DV_TEXT ? dlog_unpack_next(&a, &x) : 0;
        int rb = stored->type == DV_TEXT ? dlog_unpack_next(&b, &y) : 0;
        if (rb < 0) {
            dlog_buf_printf(&m, "decision seq %" PRIu64 ": the log's is not as slate packs it", seq);
            break;
        }
        if (ra > 0 && rb == 0) {
            dlog_buf_printf(&m, "decision seq %" PRIu64 ": the replay made decision seq %" PRIu64
                                " (%.*s %.*s), which the log does not hold", seq, seq,
                            (int)x.action.n, x.action.p, (int)x.args_len, x.args);
            break;
        }
        if (ra <= 0 && rb > 0) {
            dlog_buf_printf(&m, "the log holds %" PRId64 " decisions for it, the replay made %zu; "
                                "the first one the replay did not make is decision seq %" PRIu64
                                " (%.*s %.*s)", stored_n, log->npends, seq,
                            (int)y.action.n, y.action.p, (int)y.args_len, y.args);
            break;
        }
        if (ra <= 0 && rb <= 0) {
            dlog_buf_puts(&m, "the decisions differ"); /* not reached: one packing per list */
            break;
        }
        const char *col = NULL;
        dlog_pstr ex = {0}, fo = {0};
        char ebuf[24], fbuf[24];
        int64_t ei = 0, fi = 0;
        int ints = 0;
        if (!pstr_eq(x.action, y.action)) col = "action", ex = x.action, fo = y.action;
        else if (x.rule_line != y.rule_line) col = "rule_line", ei = x.rule_line, fi = y.rule_line, ints = 1;
        else if (!pstr_eq(x.rule_label, y.rule_label)) col = "rule_label", ex = x.rule_label, fo = y.rule_label;
        else if (x.at != y.at) col = "at_ms", ei = x.at, fi = y.at, ints = 1;
        else if (!pstr_eq(x.case_id, y.case_id)) col = "case_id", ex = x.case_id, fo = y.case_id;
        else if (x.event_seq != y.event_seq) col = "event_seq", ei = x.event_seq, fi = y.event_seq, ints = 2;
        else if (!pstr_eq(x.event_id, y.event_id)) col = "event_id", ex = x.event_id, fo = y.event_id;
        else if (x.args_len != y.args_len || memcmp(x.args, y.args, x.args_len))
            col = "args", ex = (dlog_pstr){x.args, x.args_len}, fo = (dlog_pstr){y.args, y.args_len};
        if (!col) continue;
        if (ints) {
            /* event_seq 0 is a timer's: NULL, as version 1 showed it */
            snprintf(ebuf, sizeof ebuf, "%" PRId64, ei);
            snprintf(fbuf, sizeof fbuf, "%" PRId64, fi);
            ex = (dlog_pstr){ints == 2 && !ei ? "NULL" : ebuf, strlen(ints == 2 && !ei ? "NULL" : ebuf)};
            fo = (dlog_pstr){ints == 2 && !fi ? "NULL" : fbuf, strlen(ints == 2 && !fi ? "NULL" : fbuf)};
        }
        dlog_buf_printf(&m, "decision seq %" PRIu64 ": `%s`: expected ", seq, col);
        show_pstr(&m, ex);
        dlog_buf_puts(&m, ", found ");
        show_pstr(&m, fo);
        break;
    }
    if (m.failed) dlog_fail(log, SLATE_NOMEM, "out of memory");
    else dlog_fail(log, SLATE_ERROR, "first divergence at %s, %s", where, m.p ? m.p : "");
    dlog_buf_free(&m);
}

/* Version 2 with verify: the stored row is the replay's, byte for byte; tell
 * the verifier so, with the cases the entry names (for case_index). */
static int confirm_entry(slate_log *log)
{
    size_t n = dlog_entry_cases(log);
    if (n == SIZE_MAX) return SLATE_NOMEM;
    int64_t first = log->npends ? log->pends[0].at : 0;
    int64_t last = log->npends ? log->pends[log->npends - 1].at : 0;
    dlog_verifier_entry_same(log->ver, (int64_t)log->npends, first, last, log->cids, n);
    return SLATE_OK;
}

/* The open entry's name in messages: "event seq 4 (entry 5)". */
static void where_of(const slate_log *log, int64_t id, char *out, size_t size)
{
    if (log->kind == DLOG_K_EVENT)
        snprintf(out, size, "event seq %" PRIu64 " (entry %" PRId64 ")", log->seq, id);
    else
        snprintf(out, size, "the %s entry %" PRId64, dlog_kind_names[log->kind], id);
}

/* Check the open entry against the stored rows it would have written. */
int dlog_check_entry(slate_log *log, const dlog_val *pol, const dlog_val *ev, int64_t *pos,
                     uint8_t head[32], int64_t id, const char *hash)
{
    dlog_buf m = {0};
    int r, rc = SLATE_ERROR;
    char where_buf[96];
    /* the entry's name, formatted only for a message (~4% of a replay when
     * it was formatted for every entry) */
#define where (where_of(log, id, where_buf, sizeof where_buf), where_buf)
    if (pol) {
        ++*pos;
        r = compare_row(log, log->ins_policy, 0, "policies", dlog_policy_names, pol,
                        DLOG_NPOLICY_COLS, *pos, head, -1, NULL, NULL, &m, NULL);
        if (r == CMP_TAMPERED) goto tampered;
        if (r) {
            dlog_fail(log, SLATE_ERROR, "first divergence at %s, policy %.12s: %s", where, log->pol_hash,
                 r == CMP_MISSING ? "the log does not store it here" : r == CMP_CHAIN ? "chain differs" : m.p);
            goto out;
        }
    }
    int64_t ev_pos = ++*pos, stored_n = -1;
    char ev_chain[2][65]; /* computed, stored: compared once all columns matched */
    dlog_val stored_packed = {DV_NULL, 0, NULL, 0};
    r = compare_row(log, log->ins_event, 1, "events", dlog_event_names, ev, log->nev, ev_pos,
                    head, DLOG_EV_ndecisions, &stored_n, ev_chain, &m,
                    log->version >= 2 ? &stored_packed : NULL);
    if (r == CMP_TAMPERED) goto tampered;
    if (r) {
        if (r == CMP_MISSING) {
            dlog_buf_puts(&m, "the log holds ");
            describe_pos(log, ev_pos, &m);
            dlog_buf_puts(&m, " at that place");
        }
        dlog_fail(log, SLATE_ERROR, "first divergence at %s: %s", where, m.p ? m.p : "");
        goto out;
    }
    if (log->version >= 2) {
        if (!val_eq(&ev[DLOG_EV_decisions], &stored_packed)) {
            compare_packed(log, &ev[DLOG_EV_decisions], &stored_packed, where, stored_n);
            goto out;
        }
        if (log->ver && confirm_entry(log)) {
            rc = dlog_fail(log, SLATE_NOMEM, "out of memory");
            goto out;
        }
    }
    for (size_t i = 0; i < log->npends && log->version < 2; i++) {
        const dlog_pend *p = &log->pends[i];
        int64_t dpos = ++*pos;
        if ((int64_t)i >= stored_n) {
            dlog_buf_puts(&m, "the replay made ");
            describe_pend(log, p, &m);
            dlog_buf_puts(&m, ", which the log does not hold (it holds ");
            describe_pos(log, dpos, &m);
            dlog_buf_puts(&m, " there)");
            dlog_fail(log, SLATE_ERROR, "first divergence at %s, decision seq %" PRIu64 ": %s", where,
                 p->seq, m.p ? m.p : "");
            goto out;
        }
        dlog_val dv[DLOG_NDECISION_COLS];
        char at[32];
        dlog_decision_values(log, p, dpos, id, hash, at, dv);
        /* skip = n: every column compared, the chain not (it hangs on the events
         * row's, checked last; equal columns give equal chains in a verified log) */
        char dchain[2][65]; /* not compared: see above */
        r = compare_row(log, log->ins_decision, 2, "decisions", dlog_decision_names, dv,
                        DLOG_NDECISION_COLS, dpos, head, DLOG_NDECISION_COLS, NULL, dchain, &m,
                        NULL);
        if (r == CMP_TAMPERED) goto tampered;
        if (r) {
            if (r == CMP_MISSING) {
                dlog_buf_puts(&m, "the log holds ");
                describe_pos(log, dpos, &m);
                dlog_buf_puts(&m, " at that place");
            }
            dlog_fail(log, SLATE_ERROR, "first divergence at %s, decision seq %" PRIu64 ": %s", where,
                 p->seq, m.p ? m.p : "chain differs");
            goto out;
        }
    }
    if (stored_n != (int64_t)log->npends) {
        dlog_buf_printf(&m, "the log holds %" PRId64 " decisions for it, the replay made %zu; the "
                            "first one the replay did not make is ", stored_n, log->npends);
        describe_pos(log, ev_pos + 1 + (int64_t)log->npends, &m);
        dlog_fail(log, SLATE_ERROR, "first divergence at %s: %s", where, m.p ? m.p : "");
        goto out;
    }
    /* every column matched: the chain must too, the events row's included
     * (its ndecisions column was checked against stored_n above) */
    if (strcmp(ev_chain[0], ev_chain[1])) {
        dlog_fail(log, SLATE_ERROR, "first divergence at %s: the chain hashes differ", where);
        goto out;
    }
    rc = SLATE_OK;
    goto out;
tampered:
    dlog_fail(log, SLATE_ERROR, "the stored log fails verification at or before pos %" PRId64
                                " (slate_log_check_verify() names the problem)", *pos);
#undef where
out:
    if (m.failed && rc == SLATE_ERROR) dlog_fail(log, SLATE_NOMEM, "out of memory");
    dlog_buf_free(&m);
    return rc;
}

int slate_log_check_verify(slate_log *log, slate_log_summary *sum, char **err)
{
    if (err) *err = NULL;
    if (sum) memset(sum, 0, sizeof *sum);
    if (!log || !log->check || !log->ver) return SLATE_MISUSE;
    return dlog_verifier_finish(log->ver, sum, err);
}

/* Column x as sqlite3_column_text() would give it (NULL for NULL; an integer
 * as its decimal text, kept in the handle's `stored` buffer at *off). */
static void stored_text(slate_log *log, const dlog_val *x, size_t *off)
{
    *off = DLOG_NONE;
    if (x->type == DV_NULL) return;
    *off = log->stored.len;
    if (x->type == DV_INT) dlog_buf_printf(&log->stored, "%" PRId64, x->i);
    else dlog_buf_put(&log->stored, x->p, x->n);
    dlog_buf_put(&log->stored, "", 1);
}

/* Column x as sqlite3_column_int64() would give it. */
static int64_t stored_int(const dlog_val *x)
{
    if (x->type == DV_INT) return x->i;
    if (x->type == DV_NULL) return 0;
    char buf[32];
    size_t n = x->n < sizeof buf - 1 ? x->n : sizeof buf - 1;
    if (n) memcpy(buf, x->p, n); /* an empty blob's p is NULL */
    buf[n] = 0;
    return strtoll(buf, NULL, 10);
}

/* The length of column x as given in `text` (an integer: its decimal text). */
static size_t text_len(const dlog_val *x, const char *text)
{
    return !text ? 0 : x->type == DV_INT ? strlen(text) : x->n;
}

int slate_log_check_next(slate_log *log, slate_log_stored *e)
{
    memset(e, 0, sizeof *e);
    if (!log || !log->check || !log->ver) return SLATE_MISUSE;
    const dlog_val *v;
    int rc = dlog_verifier_next_event(log->ver, &v);
    if (rc == SLATE_MISUSE)
        return dlog_fail(log, rc, "the entry read last was not given to the log");
    if (rc)
        return dlog_fail(log, rc, "the stored log fails verification (slate_log_check_verify() "
                                  "names the problem)");
    if (!v) return SLATE_OK;
    /* the text columns, converted as the replay read them with SQL (only a
     * forged row holds another type; the comparison then names it) */
    static const int cols[] = {DLOG_EV_kind,   DLOG_EV_case_id, DLOG_EV_reason,
                               DLOG_EV_payload, DLOG_EV_policy_hash, DLOG_EV_type,
                               DLOG_EV_status};
    enum { NTEXT = sizeof cols / sizeof *cols };
    const char **outs[NTEXT] = {&e->kind,        &e->case_id, &e->reason, &e->payload,
                                &e->policy_hash, &e->type,    &e->status};
    size_t offs[NTEXT];
    int all_text = 1;
    for (int i = 0; i < NTEXT; i++)
        if (v[cols[i]].type != DV_TEXT && v[cols[i]].type != DV_NULL) all_text = 0;
    if (all_text) { /* the usual row: point at SQLite's own (NUL-terminated) text */
        for (int i = 0; i < NTEXT; i++) *outs[i] = v[cols[i]].type == DV_TEXT ? v[cols[i]].p : NULL;
    } else {
        log->stored.len = 0;
        for (int i = 0; i < NTEXT; i++) stored_text(log, &v[cols[i]], &offs[i]);
        if (log->stored.failed) return dlog_fail(log, SLATE_NOMEM, "out of memory");
        for (int i = 0; i < NTEXT; i++)
            *outs[i] = offs[i] == DLOG_NONE ? NULL : log->stored.p + offs[i];
    }
    e->found = 1;
    e->id = stored_int(&v[DLOG_EV_id]);
    e->pos = stored_int(&v[DLOG_EV_pos]);
    e->seq = stored_int(&v[DLOG_EV_seq]);
    e->at = v[DLOG_EV_at_ms].type == DV_NULL ? SLATE_LOG_NO_TIME : stored_int(&v[DLOG_EV_at_ms]);
    e->ndecisions = stored_int(&v[DLOG_EV_ndecisions]);
    e->payload_len = text_len(&v[DLOG_EV_payload], e->payload);
    e->case_len = text_len(&v[DLOG_EV_case_id], e->case_id);
    e->part = log->partitions ? stored_int(&v[DLOG_EV_part]) : -1;
    e->stream_seq = log->partitions ? stored_int(&v[DLOG_EV_stream_seq]) : 0;
    return SLATE_OK;
}

int slate_log_check_end(slate_log *log)
{
    if (!log || !log->check) return SLATE_MISUSE;
    if (log->pos == log->end_pos) return SLATE_OK;
    dlog_buf m = {0};
    describe_pos(log, log->pos + 1, &m);
    dlog_fail(log, SLATE_ERROR, "the log holds more than the replay made: %s at pos %" PRId64,
         m.p ? m.p : "?", log->pos + 1);
    dlog_buf_free(&m);
    return SLATE_ERROR;
}
