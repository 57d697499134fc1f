/*
 * verify.c - checks a decision log for tampering without changing it.
 *
 * Reads the three chained tables in log order (a merge of their `pos` orders,
 * one row in memory at a time; events and decisions are read in id/seq order,
 * which is pos order unless a problem will be found: see begin()) and, for
 * each row: its position follows the last one (a gap is a deleted row, a
 * repeat an inserted one), its table's own sequence is gap-free (events.id,
 * decisions.seq), it sits where the structure says (a policy row just before
 * its first policy entry, an entry's decisions right after it and as many as
 * it declares, each naming the policy in force), and its chain hash is SHA-256 of the previous hash and its own columns.  The
 * sealed meta rows must hash to the chain's start, and meta's head must be the
 * last row.  The first problem found is reported; nothing is repaired.
 *
 * The same verifier runs incrementally inside check mode (log_check.c), which
 * compares the replay's rows with the rows it has just verified, so a replay
 * reads and hashes each stored row once (dlog_verifier_*, log_int.h).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log_int.h"

#define NAME_(n, t) #n,
static const char *const policy_names[] = {DLOG_POLICY_COLS(NAME_)};
static const char *const event_names[] = {DLOG_EVENT_COLS(NAME_)};
static const char *const decision_names[] = {DLOG_DECISION_COLS(NAME_)};
#define TYPE_(n, t) t,
static const char *const policy_types[] = {DLOG_POLICY_COLS(TYPE_)};
static const char *const event_types[] = {DLOG_EVENT_COLS(TYPE_)};
static const char *const decision_types[] = {DLOG_DECISION_COLS(TYPE_)};

enum { T_POLICY, T_EVENT, T_DECISION, T__N };

typedef struct cursor {
    const char *table;
    const char *const *names;
    unsigned char want[DLOG_MAXCOLS]; /* the storage class each column declares */
    int ncols;          /* without chain */
    int pos_col;
    sqlite3_stmt *st;
    int has;            /* a row is current */
    int64_t pos;
} cursor;

/* The verifier: its cursors, the state carried from row to row, and the
 * first problem (sticky: once found, every call returns it). */
struct dlog_verifier {
    sqlite3 *db;
    char *err;           /* the first problem, malloc'd, or NULL */
    int rc;              /* SLATE_OK until a problem: then its code */
    int ended;           /* every row was read and the end checks ran */
    int by_rowid;        /* events and decisions read in id/seq order (see begin()) */
    int version;         /* the log's schema version: 2 has no decisions table */
    int defer_packed;    /* check mode: packed decisions checked only if they differ */
    int row_pending;     /* the current events row's decisions and cases are not checked yet */
    uint64_t want_cases[5]; /* the sum of the case_index rows the entries name, and their count */
    dlog_buf idbuf;      /* row_body(): the row's case ids, unescaped */
    dlog_pstr *ids;
    size_t cap_ids;
    cursor cur[T__N];
    int t;               /* the current (verified, not yet stepped) row's table, or -1 */
    dlog_val vals[DLOG_MAXCOLS + 1];
    unsigned char types[DLOG_MAXCOLS + 1]; /* their SQLite storage classes */
    dlog_val given[DLOG_NEVENT_COLS]; /* the events row dlog_verifier_next_event() gave */
    unsigned char given_types[DLOG_NEVENT_COLS];
    int64_t given_pos;
    int has_given;       /* given/given_pos hold a row (a pos of 0 is a row too) */
    char (*hashes)[65];  /* policy hashes seen, in order */
    size_t nhashes, cap;
    uint8_t head[32];    /* the chain through the current row */
    int64_t head_pos;    /* state.pos: rows past it were added outside slate */
    int64_t expect, last_id, last_seq, last_event_seq;
    int64_t remaining, entry; /* decisions the current entry still declares */
    char policy[65];          /* in force */
    char entry_policy[65];
    char pending_policy[65];  /* a policies row waiting for its entry */
    slate_log_summary sum;
};
typedef struct dlog_verifier vstate;

static int problem(vstate *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int problem(vstate *v, const char *fmt, ...)
{
    if (!v->err) {
        va_list ap;
        va_start(ap, fmt);
        char buf[1024];
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        v->err = strdup(buf);
    }
    return SLATE_ERROR;
}

static const char *type_name(int type)
{
    static const char *const names[] = {"?", "an integer", "a real", "text", "a blob", "NULL"};
    return names[type >= 1 && type <= 5 ? type : 0];
}

/* The storage class a column declared "INTEGER ...", "TEXT ..." or "BLOB ..." holds. */
static int decl_type(const char *decl)
{
    return !strncmp(decl, "INTEGER", 7) ? SQLITE_INTEGER
           : !strncmp(decl, "BLOB", 4)  ? SQLITE_BLOB
                                        : SQLITE_TEXT;
}

static int advance(vstate *v, cursor *c)
{
    int rc = sqlite3_step(c->st);
    if (rc == SQLITE_ROW) {
        c->has = 1;
        /* slate writes integers only; a pos of another type (a BLOB '14' hashes
         * as 14 but sorts after every integer) would make the id/seq order
         * and the pos order differ unnoticed.  The type is read first: SQLite
         * documents it as meaningless after a conversion. */
        int type = sqlite3_column_type(c->st, c->pos_col);
        c->pos = sqlite3_column_int64(c->st, c->pos_col);
        if (type != SQLITE_INTEGER)
            return problem(v, "%s: the row at pos %" PRId64 " stores its pos as %s, not an "
                              "integer: it was edited outside slate", c->table, c->pos,
                           type_name(type));
        return SLATE_OK;
    }
    c->has = 0;
    if (rc == SQLITE_DONE) return SLATE_OK;
    return problem(v, "%s: cannot read: %s", c->table, sqlite3_errmsg(v->db));
}

/* Meta's rows are the ones slate writes: keys and values text without a NUL
 * byte (the genesis hashes them as C strings: a NUL would hide what follows
 * it, a blob or a NULL key would escape it), and of the state rows, which the
 * chain does not seal, exactly those the writer keeps. */
static int check_meta(vstate *v)
{
    static const char *const state_keys[] = {"state.chain", "state.genesis", "state.pos",
                                             "state.writer"};
    enum { NSTATE = sizeof state_keys / sizeof *state_keys };
    int seen[NSTATE] = {0};
    sqlite3_stmt *st;
    /* `+key`: sorted from the table itself, not its key index (which the
     * chain does not cover), so a key the table holds twice is seen */
    if (sqlite3_prepare_v2(v->db, "SELECT key, value FROM meta ORDER BY +key", -1, &st, NULL) !=
        SQLITE_OK)
        return problem(v, "meta: %s", sqlite3_errmsg(v->db));
    int rc = SLATE_OK, step;
    char last[128] = "";
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        int kt = sqlite3_column_type(st, 0), vt = sqlite3_column_type(st, 1);
        const char *key = (const char *)sqlite3_column_text(st, 0);
        size_t klen = (size_t)sqlite3_column_bytes(st, 0);
        const char *val = (const char *)sqlite3_column_text(st, 1);
        size_t vlen = (size_t)sqlite3_column_bytes(st, 1);
        if (kt != SQLITE_TEXT || vt != SQLITE_TEXT || !key || !val || strlen(key) != klen ||
            strlen(val) != vlen) {
            rc = problem(v, "meta: the row `%.40s` is not text as slate writes it (a NULL, a "
                            "number, a blob or a NUL byte): it was edited outside slate",
                         key ? key : "NULL");
            break;
        }
        if (!strncmp(key, last, sizeof last)) {
            rc = problem(v, "meta: the key `%.40s` is stored twice: the file was changed "
                            "outside slate", key);
            break;
        }
        snprintf(last, sizeof last, "%s", key);
        if (strncmp(key, DLOG_STATE_PREFIX, strlen(DLOG_STATE_PREFIX))) continue;
        size_t i = 0;
        while (i < NSTATE && strcmp(key, state_keys[i])) i++;
        if (i == NSTATE)
            rc = problem(v, "meta: `%.40s` is not a row slate writes: it was added outside slate",
                         key);
        else if (!strcmp(key, "state.pos") &&
                 (!vlen || strspn(val, "0123456789") != vlen || (vlen > 1 && val[0] == '0')))
            rc = problem(v, "meta: state.pos `%.40s` is not a position: it was edited outside "
                            "slate", val);
        else
            seen[i] = 1;
    }
    if (!rc && step != SQLITE_DONE) rc = problem(v, "meta: %s", sqlite3_errmsg(v->db));
    sqlite3_finalize(st);
    for (int i = 0; !rc && i < NSTATE; i++)
        if (!seen[i]) rc = problem(v, "meta: %s is missing", state_keys[i]);
    return rc;
}

static int open_cursor(vstate *v, int t, const char *table, const char *const *names,
                       const char *const *types, int n, int pos_col, const char *order)
{
    cursor *c = &v->cur[t];
    c->table = table;
    c->names = names;
    for (int i = 0; i < n; i++) c->want[i] = (unsigned char)decl_type(types[i]);
    c->ncols = n;
    c->pos_col = pos_col;
    dlog_buf b = {0};
    dlog_buf_puts(&b, "SELECT ");
    for (int i = 0; i < n; i++) dlog_buf_printf(&b, "%s, ", names[i]);
    dlog_buf_printf(&b, "chain FROM %s ORDER BY %s", table, order);
    if (b.failed) return SLATE_NOMEM;
    int rc = sqlite3_prepare_v2(v->db, b.p, -1, &c->st, NULL);
    dlog_buf_free(&b);
    if (rc != SQLITE_OK) return problem(v, "%s: %s", table, sqlite3_errmsg(v->db));
    return advance(v, c);
}

/* The current row of st (n columns) as values (valid until the next step).
 * Each column is read with the accessor of its type, so nothing converts. */
static void load_values(sqlite3_stmt *st, int n, dlog_val *out, unsigned char *types)
{
    for (int i = 0; i < n; i++) {
        dlog_val *x = &out[i];
        memset(x, 0, sizeof *x);
        types[i] = (unsigned char)sqlite3_column_type(st, i);
        switch (types[i]) {
        case SQLITE_NULL: x->type = DV_NULL; break;
        case SQLITE_INTEGER:
            x->type = DV_INT;
            x->i = sqlite3_column_int64(st, i);
            break;
        case SQLITE_BLOB:
            x->type = DV_BLOB;
            x->p = sqlite3_column_blob(st, i);
            x->n = (size_t)sqlite3_column_bytes(st, i);
            break;
        default: /* TEXT; a REAL hashes as its text form */
            x->type = DV_TEXT;
            x->p = sqlite3_column_text(st, i);
            x->n = (size_t)sqlite3_column_bytes(st, i);
        }
    }
}

/* The current row of c as values for hashing (valid until the next step);
 * an events row dlog_verifier_next_event() read already is not read again. */
static void row_values(vstate *v, cursor *c)
{
    if (c == &v->cur[T_EVENT] && v->has_given && c->pos == v->given_pos) {
        memcpy(v->vals, v->given, sizeof v->given);
        memcpy(v->types, v->given_types, sizeof v->given_types);
    } else {
        load_values(c->st, c->ncols, v->vals, v->types);
    }
}

/* stored == the lowercase hex of h (what strcmp with dlog_hex's text tells),
 * without formatting it: done for every row. */
static int chain_is(const uint8_t h[32], const unsigned char *stored)
{
    static const char digits[] = "0123456789abcdef";
    if (!stored) return 0;
    for (int i = 0; i < 32; i++)
        if (stored[2 * i] != digits[h[i] >> 4] || stored[2 * i + 1] != digits[h[i] & 15])
            return 0;
    return stored[64] == 0;
}

/* Column i of the current row (after row_values) as text ("" unless TEXT)
 * and as an integer (0 unless INTEGER). */
static const char *vstr(const vstate *v, int i)
{
    return v->vals[i].type == DV_TEXT ? (const char *)v->vals[i].p : "";
}
static int64_t vint(const vstate *v, int i) { return v->vals[i].type == DV_INT ? v->vals[i].i : 0; }

/* A name for the current row in messages: "decisions row seq 12 (pos 40)". */
static void row_name(const vstate *v, const cursor *c, int t, char *out, size_t size)
{
    switch (t) {
    case T_POLICY:
        snprintf(out, size, "policies row %.12s (pos %" PRId64 ")", vstr(v, 1), c->pos);
        break;
    case T_EVENT:
        if (v->vals[3].type == DV_INT)
            snprintf(out, size, "events row id %" PRId64 " (event seq %" PRId64 ", pos %" PRId64 ")",
                     vint(v, 0), vint(v, 3), c->pos);
        else
            snprintf(out, size, "events row id %" PRId64 " (%s entry, pos %" PRId64 ")",
                     vint(v, 0), vstr(v, 2), c->pos);
        break;
    default:
        snprintf(out, size, "decisions row seq %" PRId64 " (pos %" PRId64 ")", vint(v, 0), c->pos);
    }
}

static int seen_policy(vstate *v, const char *hash)
{
    for (size_t i = 0; i < v->nhashes; i++)
        if (!strcmp(v->hashes[i], hash)) return 1;
    return 0;
}

static int meta_text(sqlite3 *db, const char *key, char *out, size_t size)
{
    sqlite3_stmt *st;
    int found = 0;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) != SQLITE_OK)
        return 0;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        snprintf(out, size, "%s", (const char *)sqlite3_column_text(st, 0));
        found = 1;
    }
    sqlite3_finalize(st);
    return found;
}

/* The chain's start from the sealed meta rows. */
static int genesis(vstate *v, uint8_t out[32])
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(v->db, "SELECT key, value FROM meta "
                                  "WHERE substr(key, 1, 6) <> 'state.' ORDER BY +key",
                           -1, &st, NULL) != SQLITE_OK)
        return problem(v, "meta: %s", sqlite3_errmsg(v->db));
    size_t n = 0, cap = 16;
    char **keys = calloc(cap, sizeof *keys), **vals = calloc(cap, sizeof *vals);
    int rc = keys && vals ? SLATE_OK : SLATE_NOMEM;
    while (!rc && sqlite3_step(st) == SQLITE_ROW) {
        if (n == cap) {
            cap *= 2;
            char **k2 = realloc(keys, cap * sizeof *keys);
            if (k2) keys = k2;
            char **v2 = realloc(vals, cap * sizeof *vals);
            if (v2) vals = v2;
            if (!k2 || !v2) {
                rc = SLATE_NOMEM;
                break;
            }
        }
        keys[n] = strdup((const char *)sqlite3_column_text(st, 0));
        vals[n] = strdup((const char *)sqlite3_column_text(st, 1));
        n++;
        if (!keys[n - 1] || !vals[n - 1]) rc = SLATE_NOMEM;
    }
    sqlite3_finalize(st);
    if (!rc) dlog_genesis((const char *const *)keys, (const char *const *)vals, n, out);
    for (size_t i = 0; i < n; i++) {
        free(keys[i]);
        free(vals[i]);
    }
    free(keys);
    free(vals);
    return rc;
}

/* Which table lost the row at `pos`: the open entry's missing decisions, else
 * the table whose own sequence skips in the rows that come next. */
static void name_missing(vstate *v, int64_t pos, int64_t last_id, int64_t last_seq,
                         int64_t remaining)
{
    cursor *e = &v->cur[T_EVENT], *d = &v->cur[T_DECISION];
    int dgap = d->has && d->pos > pos && sqlite3_column_int64(d->st, 0) != last_seq + 1;
    if (remaining > 0)
        problem(v, "decisions row seq %" PRId64 " was deleted (pos %" PRId64 " is missing)",
                last_seq + 1, pos);
    else if (e->has && e->pos > pos && sqlite3_column_int64(e->st, 0) != last_id + 1)
        problem(v, "events row id %" PRId64 " was deleted%s (pos %" PRId64 " is missing)",
                last_id + 1, dgap ? " with its decisions" : "", pos);
    else if (dgap)
        problem(v, "decisions row seq %" PRId64 " was deleted (pos %" PRId64 " is missing)",
                last_seq + 1, pos);
    else if (e->has && e->pos == pos + 1 &&
             !strcmp((const char *)sqlite3_column_text(e->st, 2), "policy") &&
             !seen_policy(v, (const char *)sqlite3_column_text(e->st, 11)))
        problem(v, "policies row %.12s was deleted (pos %" PRId64 " is missing)",
                (const char *)sqlite3_column_text(e->st, 11), pos);
    else
        problem(v, "the row at pos %" PRId64 " was deleted (a policies row, or the last "
                   "events row before it)", pos);
}

/* The checks before the first row: schema, sealed meta, the cursors. */
static int begin(vstate *v)
{
    char buf[128], msg[512];
    int rc, found = meta_text(v->db, "schema_version", buf, sizeof buf);
    if (dlog_check_version(found ? buf : NULL, msg, sizeof msg))
        return problem(v, "meta: %s", msg);
    v->version = dlog_schema_version(v->db);
    /* the exact schema: the chain covers rows, not the objects around them (a
     * trigger, a view in a table's place, an index that answers otherwise) */
    if ((rc = dlog_check_schema(v->db, msg, sizeof msg)))
        return rc == SLATE_NOMEM ? rc : problem(v, "%s", msg);
    if ((rc = check_meta(v))) return rc;

    char hex[65], want[80];
    if ((rc = genesis(v, v->head))) return rc == SLATE_NOMEM ? rc : SLATE_ERROR;
    dlog_hex(v->head, 32, hex);
    if (!meta_text(v->db, "state.genesis", want, sizeof want) || strcmp(want, hex))
        return problem(v, "meta: the sealed settings (schema, pseudonym, options) were edited: "
                          "they no longer hash to state.genesis");

    /* By rowid, events and decisions are read straight from their tables; in
     * pos order, through the pos index with a lookup of every row (~10% of a
     * replay).  In a sound log the two orders are the same (ids and seqs follow
     * pos, which is checked), and where they are not a problem is found: then
     * dlog_verifier_finish() verifies again in pos order, which names it. */
    /* policies sorted from the table, not the pos index the chain does not
     * cover (a handful of rows): every row the table holds is verified */
    if ((rc = open_cursor(v, T_POLICY, "policies", policy_names, policy_types, DLOG_NPOLICY_COLS,
                          0, "+pos")) ||
        (rc = open_cursor(v, T_EVENT, "events", event_names, event_types,
                          (int)DLOG_NEVENT(v->version, dlog_partitions(v->db) > 0), 1,
                          v->by_rowid ? "id" : "pos")) ||
        (v->version < 2 &&
         (rc = open_cursor(v, T_DECISION, "decisions", decision_names, decision_types,
                           DLOG_NDECISION_COLS, 1, v->by_rowid ? "seq" : "pos"))))
        return rc;
    v->cur[T_DECISION].table = "decisions"; /* version 2: never has a row */

    /* rows past the head meta records were added outside slate */
    v->head_pos = meta_text(v->db, "state.pos", buf, sizeof buf) ? strtoll(buf, NULL, 10)
                                                                  : INT64_MAX;
    v->expect = 1;
    return SLATE_OK;
}

/* ---- version 2: packed decisions and case_index ------------------------------ */

/* Version 2: the decisions the current events row holds, packed (pack.c):
 * as many as it declares, numbered on from the last (packed_count), each as
 * slate packs it (row_body).  The row's cases go into the sum case_index is
 * checked against at the end (cases_sum, check_case_index).  In check mode
 * the body waits (defer_packed): the replay compares the column byte for byte
 * with the one it packs, and a column equal to that one is well formed and
 * names the cases the replay's decisions name (dlog_verifier_entry_same);
 * only a row that differs, or that the replay never compared, is taken
 * apart here.
 *
 * EVNAME: the current events row's name, for a message (into a local `name`). */
#define EVNAME (row_name(v, &v->cur[T_EVENT], T_EVENT, name, sizeof name), name)

static int packed_count(vstate *v)
{
    char name[160];
    const dlog_val *col = &v->vals[DLOG_EV_decisions], *first = &v->vals[DLOG_EV_dseq];
    int64_t n = vint(v, DLOG_EV_ndecisions);
    v->remaining = 0;
    v->row_pending = 1;
    if (n <= 0) {
        if (n < 0 || col->type != DV_NULL || first->type != DV_NULL)
            return problem(v, "%s: declares %" PRId64 " decisions but holds some: the row was "
                              "edited", EVNAME, n);
        return SLATE_OK;
    }
    if (col->type != DV_TEXT || first->type != DV_INT)
        return problem(v, "%s: declares %" PRId64 " decisions but holds none: the row was "
                          "edited", EVNAME, n);
    if (first->i != v->last_seq + 1)
        return problem(v, "%s: its decisions start at seq %" PRId64 ", expected %" PRId64
                          ": decisions were inserted or deleted", EVNAME, first->i, v->last_seq + 1);
    v->last_seq += n;
    return SLATE_OK;
}

/* The order-free sum of SHA-256(case_index row) over a set of rows. */
static void cases_sum(uint64_t sum[5], const char *id, size_t len, int64_t entry)
{
    uint8_t h[32];
    dlog_case_row_hash(id, len, entry, h);
    for (int i = 0; i < 4; i++) {
        uint64_t w;
        memcpy(&w, h + 8 * i, 8);
        sum[i] += w;
    }
    sum[4]++;
}

static int cmp_pstr(const void *a, const void *b)
{
    const dlog_pstr *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = n ? memcmp(x->p, y->p, n) : 0;
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

void dlog_verifier_cases(dlog_verifier *v, int64_t entry, dlog_pstr *ids, size_t n)
{
    /* each case once per entry, as the writer's INSERT OR IGNORE keeps it */
    if (n > 1) qsort(ids, n, sizeof *ids, cmp_pstr); /* ids is NULL when n is 0 */
    for (size_t i = 0; i < n; i++)
        if (!i || cmp_pstr(&ids[i - 1], &ids[i]))
            cases_sum(v->want_cases, ids[i].p, ids[i].n, entry);
}

/* Room for n case ids in v->ids. */
static int ids_room(vstate *v, size_t n)
{
    if (n <= v->cap_ids) return SLATE_OK;
    size_t cap = v->cap_ids ? v->cap_ids : 16;
    while (cap < n) cap *= 2;
    dlog_pstr *p = realloc(v->ids, cap * sizeof *p);
    if (!p) return SLATE_NOMEM;
    v->ids = p;
    v->cap_ids = cap;
    return SLATE_OK;
}

static int row_body(vstate *v)
{
    char name[160];
    v->row_pending = 0;
    const dlog_val *col = &v->vals[DLOG_EV_decisions], *cid = &v->vals[DLOG_EV_case_id];
    int64_t n = vint(v, DLOG_EV_ndecisions), first = vint(v, DLOG_EV_dseq);
    size_t coln = n > 0 && col->type == DV_TEXT ? col->n : 0;
    /* room for every id at once (unescaped, an id is never longer than its
     * packing), so the pointers into idbuf stay put while it fills */
    v->idbuf.len = 0;
    if (dlog_buf_reserve(&v->idbuf, coln + (cid->type == DV_TEXT ? cid->n : 0) + 1))
        return SLATE_NOMEM;
    size_t nids = 0;
    if (cid->type == DV_TEXT) {
        if (ids_room(v, 1)) return SLATE_NOMEM;
        memcpy(v->idbuf.p, cid->p, cid->n);
        v->ids[nids++] = (dlog_pstr){v->idbuf.p, cid->n};
        v->idbuf.len = cid->n;
    }
    int64_t k = 0;
    if (n > 0) {
        dlog_unpacker u;
        dlog_unpacked d;
        dlog_unpack_start(&u, col->p, coln);
        int r;
        while ((r = dlog_unpack_next(&u, &d)) > 0) {
            size_t a = 0;
            while (a < SLATE_A__COUNT && (strlen(dlog_action_names[a]) != d.action.n ||
                                          memcmp(dlog_action_names[a], d.action.p, d.action.n)))
                a++;
            if (a == SLATE_A__COUNT) break;
            if (!v->sum.decisions) v->sum.first_at = d.at;
            v->sum.last_at = d.at;
            v->sum.decisions++;
            k++;
            if (d.case_id.p) {
                if (ids_room(v, nids + 1)) return SLATE_NOMEM;
                char *at = v->idbuf.p + v->idbuf.len;
                size_t len = dlog_unescape(d.case_id, at); /* writes len + 1 bytes */
                v->idbuf.len += len;
                v->ids[nids++] = (dlog_pstr){at, len};
            }
        }
        if (r != 0)
            return problem(v, "%s: decision seq %" PRId64 " is not as slate packs it: the row was "
                              "edited", EVNAME, first + k);
        if (k != n)
            return problem(v, "%s: declares %" PRId64 " decisions but holds %" PRId64 ": the row "
                              "was edited", EVNAME, n, k);
    }
    dlog_verifier_cases(v, vint(v, DLOG_EV_id), v->ids, nids);
    return SLATE_OK;
}

void dlog_verifier_defer_packed(dlog_verifier *v) { v->defer_packed = 1; }

void dlog_verifier_entry_same(dlog_verifier *v, int64_t n, int64_t first_at, int64_t last_at,
                              dlog_pstr *ids, size_t nids)
{
    /* a count other than the row declares: the body check names it */
    if (!v->row_pending || n != vint(v, DLOG_EV_ndecisions)) return;
    v->row_pending = 0;
    if (n > 0) {
        if (!v->sum.decisions) v->sum.first_at = first_at;
        v->sum.last_at = last_at;
        v->sum.decisions += (uint64_t)n;
    }
    dlog_verifier_cases(v, vint(v, DLOG_EV_id), ids, nids);
}

/* After the last row: case_index holds exactly the rows the entries name. */
static int check_case_index(vstate *v)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(v->db, "SELECT case_id, entry FROM case_index", -1, &st, NULL) !=
        SQLITE_OK)
        return problem(v, "case_index: %s", sqlite3_errmsg(v->db));
    uint64_t have[5] = {0};
    int rc = SLATE_OK, step;
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_type(st, 0) != SQLITE_TEXT || sqlite3_column_type(st, 1) != SQLITE_INTEGER) {
            rc = problem(v, "case_index: a row is not a case id and an entry as slate writes "
                            "them: it was edited outside slate");
            break;
        }
        const char *id = (const char *)sqlite3_column_text(st, 0);
        cases_sum(have, id, (size_t)sqlite3_column_bytes(st, 0), sqlite3_column_int64(st, 1));
    }
    if (!rc && step != SQLITE_DONE) rc = problem(v, "case_index: %s", sqlite3_errmsg(v->db));
    sqlite3_finalize(st);
    if (!rc && memcmp(have, v->want_cases, sizeof have))
        rc = problem(v, "case_index: its %" PRIu64 " rows are not the %" PRIu64 " (case, entry) "
                        "pairs the entries name: rows were added, deleted or edited outside "
                        "slate", have[4], v->want_cases[4]);
    return rc;
}

/* Step past the current row, then verify the next one in log order, which
 * becomes current (v->t; -1 when there is none) with its columns in v->vals. */
static int next_row(vstate *v)
{
    int rc;
    if (v->row_pending) {
        /* the row check mode did not find equal to the replay's: its
         * decisions are checked before the log moves past it */
        if ((rc = row_body(v))) return rc;
    }
    if (v->t >= 0) {
        int prev = v->t;
        v->t = -1;
        if ((rc = advance(v, &v->cur[prev]))) return rc;
    }
    int t = -1;
    for (int i = 0; i < T__N; i++)
        if (v->cur[i].has && (t < 0 || v->cur[i].pos < v->cur[t].pos)) t = i;
    if (t < 0) return SLATE_OK;
    cursor *c = &v->cur[t];
    slate_log_summary *sum = &v->sum;
    char name[160];
    /* the row's name only for a message: formatting it for every row cost
     * ~3% of a replay.  NAME is valid while v->vals hold this row. */
#define NAME (row_name(v, c, t, name, sizeof name), name)
    row_values(v, c);
    for (int i = 0; i < T__N; i++)
        if (i != t && v->cur[i].has && v->cur[i].pos == c->pos) {
            char other[160];
            row_name(v, c, t, name, sizeof name);
            row_values(v, &v->cur[i]);
            row_name(v, &v->cur[i], i, other, sizeof other);
            return problem(v, "%s and %s hold the same pos: one of them was inserted", name,
                           other);
        }
    if (c->pos < v->expect)
        return problem(v, "%s: pos out of order: a row was inserted", NAME);
    if (c->pos > v->head_pos && c->pos == v->expect)
        return problem(v, "%s: past the last row meta records (pos %" PRId64 "): the row was "
                          "inserted outside slate", NAME, v->head_pos);
    if (c->pos > v->expect) {
        name_missing(v, v->expect, v->last_id, v->last_seq, v->remaining);
        return SLATE_ERROR;
    }

    /* the storage classes slate writes: the chain hashes a text and a blob of
     * the same bytes alike, and a REAL as its text */
    for (int i = 0; i <= c->ncols; i++) {
        int type = i < c->ncols ? v->types[i] : sqlite3_column_type(c->st, c->ncols);
        int want = i < c->ncols ? c->want[i] : SQLITE_TEXT;
        if (type != want && type != SQLITE_NULL)
            return problem(v, "%s: `%s` is stored as %s, not %s: the row was edited outside slate",
                           NAME, i < c->ncols ? c->names[i] : "chain", type_name(type),
                           type_name(want));
    }

    /* structure */
    if (t != T_DECISION && v->remaining > 0)
        return problem(v, "events row id %" PRId64 " declares %" PRId64 " more decisions than "
                          "follow it: a decision was deleted", v->entry, v->remaining);
    if (v->pending_policy[0] && t != T_EVENT)
        return problem(v, "policies row %.12s is not followed by its policy entry: "
                          "a row was inserted or deleted", v->pending_policy);
    if (t == T_POLICY) {
        const char *hash = vstr(v, 1);
        if (seen_policy(v, hash))
            return problem(v, "%s: the policy is stored twice: a row was inserted", NAME);
        snprintf(v->pending_policy, sizeof v->pending_policy, "%s", hash);
        if (v->nhashes == v->cap) {
            size_t cap = v->cap ? v->cap * 2 : 4;
            char(*h)[65] = realloc(v->hashes, cap * sizeof *h);
            if (!h) return SLATE_NOMEM;
            v->hashes = h;
            v->cap = cap;
        }
        snprintf(v->hashes[v->nhashes++], 65, "%s", hash);
        sum->policies++;
    } else if (t == T_EVENT) {
        int64_t id = vint(v, 0);
        const char *kind = vstr(v, 2), *hash = vstr(v, 11);
        if (id != v->last_id + 1)
            return problem(v, "%s: expected entry id %" PRId64 ": a row was inserted or "
                              "renumbered", NAME, v->last_id + 1);
        v->last_id = v->entry = id;
        v->remaining = vint(v, 12);
        if (v->pending_policy[0] && (strcmp(kind, "policy") || strcmp(v->pending_policy, hash)))
            return problem(v, "policies row %.12s is not followed by its policy entry: "
                              "a row was inserted or deleted", v->pending_policy);
        if (!strcmp(kind, "policy")) {
            if (!seen_policy(v, hash))
                return problem(v, "%s: names policy %.12s, which is not stored before it: "
                                  "a policies row was deleted", NAME, hash);
            snprintf(v->policy, sizeof v->policy, "%s", hash);
        } else {
            if (!v->policy[0])
                return problem(v, "%s: comes before any policy entry: a row was deleted "
                                  "or inserted", NAME);
            if (strcmp(hash, v->policy))
                return problem(v, "%s: names policy %.12s but %.12s is in force: the row was "
                                  "edited", NAME, hash, v->policy);
        }
        if (!strcmp(kind, "event")) {
            int64_t seq = vint(v, 3);
            if (v->vals[3].type != DV_INT || seq <= v->last_event_seq)
                return problem(v, "%s: event seq does not increase: a row was inserted or "
                                  "edited", NAME);
            v->last_event_seq = seq;
            sum->events++;
            if (!strcmp(vstr(v, 8), "rejected")) sum->rejected++;
        }
        v->pending_policy[0] = 0;
        snprintf(v->entry_policy, sizeof v->entry_policy, "%s", hash);
        sum->entries++;
    } else {
        int64_t seq = vint(v, 0);
        if (seq != v->last_seq + 1)
            return problem(v, "%s: expected decision seq %" PRId64 ": a row was inserted or "
                              "renumbered", NAME, v->last_seq + 1);
        v->last_seq = seq;
        if (vint(v, 2) != v->entry || v->remaining <= 0)
            return problem(v, "%s: not among the decisions events row id %" PRId64
                              " declares: the row was inserted or edited", NAME, v->entry);
        v->remaining--;
        if (strcmp(vstr(v, 15), v->entry_policy))
            return problem(v, "%s: names a policy other than its entry's: the row was edited",
                           NAME);
        int64_t at = vint(v, 6);
        if (!sum->decisions) sum->first_at = at;
        sum->last_at = at;
        sum->decisions++;
    }

    /* the chain */
    uint8_t next[32];
    dlog_chain(v->head, c->table, v->vals, (size_t)c->ncols, next);
    if (!chain_is(next, sqlite3_column_text(c->st, c->ncols)))
        return problem(v, "%s: its content does not match its chain hash: the row was edited",
                       NAME);
    if (t == T_EVENT && v->version >= 2) {
        /* its decisions, packed in the row (the chain just covered them) */
        if ((rc = packed_count(v))) return rc;
        if (!v->defer_packed && (rc = row_body(v))) return rc;
    }
#undef NAME
    memcpy(v->head, next, 32);
    v->expect++;
    v->t = t;
    return SLATE_OK;
}

/* The checks after the last row: nothing left open, meta's end and head. */
static int finish(vstate *v)
{
    char buf[128], hex[65], want[80];
    if (v->remaining > 0)
        return problem(v, "events row id %" PRId64 " declares %" PRId64 " more decisions than "
                          "follow it: a decision was deleted", v->entry, v->remaining);
    if (v->pending_policy[0])
        return problem(v, "policies row %.12s is not followed by its policy entry: "
                          "a row was inserted or deleted", v->pending_policy);

    int64_t last = v->expect - 1;
    if (!meta_text(v->db, "state.pos", buf, sizeof buf))
        return problem(v, "meta: state.pos is missing");
    int64_t state_pos = strtoll(buf, NULL, 10);
    if (state_pos > last)
        return problem(v, "the log ends at pos %" PRId64 " but meta records %" PRId64
                          " rows: the last rows were deleted", last, state_pos);
    if (state_pos < last)
        return problem(v, "the log holds rows past pos %" PRId64 ", the end meta records: rows "
                          "were appended outside slate", state_pos);
    dlog_hex(v->head, 32, hex);
    if (!meta_text(v->db, "state.chain", want, sizeof want) || strcmp(want, hex))
        return problem(v, "meta: state.chain is not the last row's chain hash: meta was edited");
    if (v->version >= 2 && check_case_index(v)) return SLATE_ERROR;
    memcpy(v->sum.head, hex, 65);
    return SLATE_OK;
}

/* Keep the first problem's code: every later call returns it. */
static int sticky(vstate *v, int rc)
{
    if (rc && !v->rc) v->rc = rc;
    return v->rc;
}

static vstate *new_verifier(sqlite3 *db, int by_rowid)
{
    vstate *v = calloc(1, sizeof *v);
    if (!v) return NULL;
    v->db = db;
    v->t = -1;
    v->by_rowid = by_rowid;
    sticky(v, begin(v));
    return v;
}

int dlog_verifier_open(sqlite3 *db, dlog_verifier **out)
{
    *out = new_verifier(db, 1);
    return *out ? (*out)->rc : SLATE_NOMEM;
}

int dlog_verifier_next(dlog_verifier *v, dlog_vrow *row)
{
    memset(row, 0, sizeof *row);
    row->table = -1;
    if (v->rc || v->ended) return v->rc;
    int rc = sticky(v, next_row(v));
    if (rc || v->t < 0) return rc;
    const cursor *c = &v->cur[v->t];
    row->table = v->t;
    row->pos = c->pos;
    row->vals = v->vals;
    row->head = v->head;
    return SLATE_OK;
}

int dlog_verifier_next_event(dlog_verifier *v, const dlog_val **vals)
{
    *vals = NULL;
    if (v->rc) return v->rc;
    cursor *c = &v->cur[T_EVENT];
    if (c->has && v->has_given && c->pos == v->given_pos) {
        /* the row given last, compared since: the verifier stands on it, or
         * the caller skipped it (then it would never be verified) */
        if (v->t != T_EVENT) return SLATE_MISUSE;
        v->t = -1;
        if (sticky(v, advance(v, c))) return v->rc;
    }
    if (!c->has) return SLATE_OK;
    load_values(c->st, c->ncols, v->given, v->given_types);
    v->given_pos = c->pos;
    v->has_given = 1;
    *vals = v->given;
    return SLATE_OK;
}

/* Verify every row not read yet, then the end. */
static void verify_rest(vstate *v)
{
    while (!v->rc && !v->ended) {
        if (sticky(v, next_row(v))) break;
        if (v->t < 0) {
            v->ended = 1;
            sticky(v, finish(v));
        }
    }
}

int dlog_verifier_finish(dlog_verifier *v, slate_log_summary *sum, char **err)
{
    if (err) *err = NULL;
    if (!v) return SLATE_NOMEM;
    verify_rest(v);
    if (v->rc == SLATE_ERROR && v->by_rowid) {
        /* found reading by rowid: name the first problem in pos order, the
         * log's own, as a verifier reading only in pos order would */
        vstate *w = new_verifier(v->db, 0);
        if (w) verify_rest(w);
        free(v->err);
        v->err = w ? w->err : NULL;
        v->rc = w ? w->rc : SLATE_NOMEM;
        if (w) {
            v->sum = w->sum;
            w->err = NULL;
        }
        v->by_rowid = 0;
        dlog_verifier_free(w);
    }
    if (sum) *sum = v->sum;
    if (v->rc == SLATE_NOMEM) {
        if (err) dlog_set_err(err, "out of memory");
    } else if (v->rc && err) {
        *err = v->err ? strdup(v->err) : NULL; /* kept: a later call names it again */
        if (!*err) dlog_set_err(err, "out of memory");
    }
    return v->rc;
}

void dlog_verifier_free(dlog_verifier *v)
{
    if (!v) return;
    for (int i = 0; i < T__N; i++) sqlite3_finalize(v->cur[i].st);
    free(v->hashes);
    free(v->ids);
    dlog_buf_free(&v->idbuf);
    free(v->err);
    free(v);
}

int slate_log_verify(const char *path, slate_log_summary *sum, char **err)
{
    if (err) *err = NULL;
    if (sum) memset(sum, 0, sizeof *sum);
    if (!path) return SLATE_MISUSE;
    sqlite3 *db = NULL;
    char *cleanup, msg[1024];
    int rc = dlog_open_ro(path, 0, &db, &cleanup, msg, sizeof msg);
    if (rc) {
        if (err) dlog_set_err(err, "%s: %s", path, msg);
        return rc == SLATE_NOMEM ? rc : SLATE_ERROR;
    }
    /* one read transaction: a consistent snapshot even while a writer appends */
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK) {
        if (err) dlog_set_err(err, "%s: %s", path, sqlite3_errmsg(db));
        rc = SLATE_ERROR;
    } else {
        dlog_verifier *v;
        dlog_verifier_open(db, &v);
        rc = dlog_verifier_finish(v, sum, err);
        dlog_verifier_free(v);
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    }
    dlog_close_ro(db, cleanup);
    return rc;
}
