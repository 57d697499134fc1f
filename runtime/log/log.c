/*
 * log.c - the decision log writer: opens or creates the SQLite file, collects
 * the decisions of one entry, and writes the entry and its decisions with their
 * chain hashes inside a batched transaction.
 *
 * Invariants:
 *  - rows are written only in slate_log_end(), inside a SAVEPOINT within the
 *    batch transaction, so a commit (which happens only between entries) never
 *    holds part of an entry;
 *  - `pos` numbers every row of policies, events and decisions in log order,
 *    from 1 and gap-free; each row's chain hash extends the previous row's;
 *  - meta's state.pos and state.chain name the last row, and change in the
 *    same transaction as the rows.
 * After a failed write the handle refuses further entries: the log would no
 * longer be a complete record of what the engine decided.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "dlog.h"

#define NONE SIZE_MAX /* "no string" for an arena offset */

/* A string in the entry arena: offset and length, or off == NONE for NULL. */
typedef struct astr {
    size_t off, len;
} astr;

/* A decision of the open entry, waiting for slate_log_end(). */
typedef struct pend {
    uint64_t seq, event_seq;
    int64_t at;
    uint32_t rule_line;
    slate_action action;
    astr event_id, case_id, rule, rule_label, clock, tier, args;
} pend;

enum entry_kind { K_EVENT, K_POLICY, K_ADVANCE };
static const char *const kind_names[] = {"event", "policy", "advance"};

struct slate_log {
    sqlite3 *db;
    /* INSERTs, or in check mode SELECTs of the row at a position */
    sqlite3_stmt *ins_policy, *ins_event, *ins_decision, *has_policy, *set_state;
    unsigned batch, in_batch;
    int in_txn, broken;
    int check;             /* compare with the stored rows instead of writing */
    int64_t end_pos;       /* check mode: the stored log's last position */
    uint8_t *key;
    size_t key_len;
    char **opt_keys, **opt_values; /* sealed options (without the `opt.` prefix) */
    size_t nopts;

    /* What is written (committed or in the open transaction). */
    int64_t pos, entry_id;
    uint64_t last_event_seq, last_decision_seq;
    uint8_t head[32];
    char head_hex[65];
    char policy_hash[65];  /* "" before any policy */
    char *policy_file;

    /* The open entry. */
    int open;
    enum entry_kind kind;
    uint64_t seq;
    int64_t at;
    astr type, case_id, payload, reason;
    int rejected;
    slate_log_policy pol;     /* K_POLICY: pointers into `arena` (see end()) */
    astr pol_name, pol_version, pol_file, pol_source, pol_image;
    char pol_hash[65];
    dlog_buf arena;
    pend *pends;
    size_t npends, cap_pends;
    uint64_t next_decision;   /* seq expected next in this entry */

    dlog_row_hook hook;
    void *hook_ud;
    char errmsg[2048];
};

static int commit_entry(slate_log *log, int64_t pos, int64_t id, const uint8_t head[32]);

void dlog_set_row_hook(slate_log *log, dlog_row_hook fn, void *ud)
{
    log->hook = fn;
    log->hook_ud = ud;
}

static int fail(slate_log *log, int rc, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(slate_log *log, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(log->errmsg, sizeof log->errmsg, fmt, ap);
    va_end(ap);
    return rc;
}

static int sql_fail(slate_log *log, const char *what)
{
    return fail(log, SLATE_ERROR, "%s: %s", what, sqlite3_errmsg(log->db));
}

static int exec(slate_log *log, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(log->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        fail(log, SLATE_ERROR, "%s", msg ? msg : sqlite3_errmsg(log->db));
        sqlite3_free(msg);
        return SLATE_ERROR;
    }
    return SLATE_OK;
}

/* ---- the arena of the open entry ---------------------------------------------- */

static astr keep(slate_log *log, const void *s, size_t n)
{
    astr a = {NONE, 0};
    if (!s) return a;
    a.off = log->arena.len;
    a.len = n;
    dlog_buf_put(&log->arena, s, n);
    dlog_buf_put(&log->arena, "", 1); /* a NUL after every string */
    return a;
}

static astr keeps(slate_log *log, const char *s) { return keep(log, s, s ? strlen(s) : 0); }

static dlog_val text(const slate_log *log, astr a)
{
    dlog_val v = {DV_NULL, 0, NULL, 0};
    if (a.off == NONE) return v;
    v.type = DV_TEXT;
    v.p = log->arena.p + a.off;
    v.n = a.len;
    return v;
}

static dlog_val ival(int64_t i) { return (dlog_val){DV_INT, i, NULL, 0}; }
static dlog_val sval(const char *s)
{
    return s ? (dlog_val){DV_TEXT, 0, s, strlen(s)} : (dlog_val){DV_NULL, 0, NULL, 0};
}

static void reset_entry(slate_log *log)
{
    log->open = 0;
    log->arena.len = 0;
    log->arena.failed = 0;
    log->npends = 0;
}

/* ---- schema ----------------------------------------------------------------- */

static void create_sql(dlog_buf *b, const char *table, const char *const *names,
                       const char *const *types, size_t n)
{
    dlog_buf_printf(b, "CREATE TABLE %s (\n", table);
    for (size_t i = 0; i < n; i++) dlog_buf_printf(b, "  %s %s,\n", names[i], types[i]);
    dlog_buf_puts(b, "  chain TEXT NOT NULL\n);\n");
}

static void insert_sql(dlog_buf *b, const char *table, const char *const *names, size_t n)
{
    dlog_buf_printf(b, "INSERT INTO %s (", table);
    for (size_t i = 0; i < n; i++) dlog_buf_printf(b, "%s, ", names[i]);
    dlog_buf_puts(b, "chain) VALUES (");
    for (size_t i = 0; i <= n; i++) dlog_buf_printf(b, "%s?%zu", i ? ", " : "", i + 1);
    dlog_buf_puts(b, ")");
}

#define NAME_(n, t) #n,
#define TYPE_(n, t) t,
static const char *const policy_names[] = {DLOG_POLICY_COLS(NAME_)};
static const char *const policy_types[] = {DLOG_POLICY_COLS(TYPE_)};
static const char *const event_names[] = {DLOG_EVENT_COLS(NAME_)};
static const char *const event_types[] = {DLOG_EVENT_COLS(TYPE_)};
static const char *const decision_names[] = {DLOG_DECISION_COLS(NAME_)};
static const char *const decision_types[] = {DLOG_DECISION_COLS(TYPE_)};

/* Create tables and the sealed meta rows of a new log (inside a transaction). */
static int create_schema(slate_log *log)
{
    dlog_buf b = {0};
    dlog_buf_puts(&b, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);\n");
    create_sql(&b, "policies", policy_names, policy_types, DLOG_NPOLICY_COLS);
    create_sql(&b, "events", event_names, event_types, DLOG_NEVENT_COLS);
    create_sql(&b, "decisions", decision_names, decision_types, DLOG_NDECISION_COLS);
    dlog_buf_puts(&b, "CREATE INDEX events_case ON events(case_id);\n"
                      "CREATE INDEX decisions_case ON decisions(case_id);\n"
                      "CREATE INDEX decisions_entry ON decisions(entry);\n");
    if (b.failed) {
        dlog_buf_free(&b);
        return fail(log, SLATE_NOMEM, "out of memory");
    }
    int rc = exec(log, b.p);
    dlog_buf_free(&b);
    if (rc) return rc;

    /* Sealed meta: these rows never change and start the chain. */
    size_t n = 3 + (log->key ? 1 : 0) + log->nopts;
    const char **keys = calloc(n, sizeof *keys), **vals = calloc(n, sizeof *vals);
    char **owned = calloc(n, sizeof *owned);
    char check[65], ver[16];
    if (!keys || !vals || !owned) {
        free(keys);
        free(vals);
        free(owned);
        return fail(log, SLATE_NOMEM, "out of memory");
    }
    size_t k = 0;
    snprintf(ver, sizeof ver, "%d", SLATE_LOG_SCHEMA_VERSION);
    keys[k] = "schema_version", vals[k++] = ver;
    keys[k] = "slate_version", vals[k++] = SLATE_VERSION;
    keys[k] = "pseudonym", vals[k++] = log->key ? "hmac-sha256" : "none";
    if (log->key) {
        slate_log_pseudonym(log->key, log->key_len, "slate pseudonym key check", 25, check);
        keys[k] = "pseudonym_check", vals[k++] = check;
    }
    for (size_t i = 0; i < log->nopts; i++) {
        size_t len = strlen(log->opt_keys[i]) + 5;
        owned[i] = malloc(len);
        if (!owned[i]) {
            rc = fail(log, SLATE_NOMEM, "out of memory");
            goto out;
        }
        snprintf(owned[i], len, "opt.%s", log->opt_keys[i]);
        keys[k] = owned[i], vals[k++] = log->opt_values[i];
    }
    /* Sort the pairs by key (bytewise, as SQLite's ORDER BY key does). */
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
            const char *t = keys[j];
            keys[j] = keys[j - 1], keys[j - 1] = t;
            t = vals[j];
            vals[j] = vals[j - 1], vals[j - 1] = t;
        }
    uint8_t genesis[32];
    char genesis_hex[65];
    dlog_genesis(keys, vals, n, genesis);
    dlog_hex(genesis, 32, genesis_hex);

    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(log->db, "INSERT INTO meta (key, value) VALUES (?1, ?2)", -1, &st,
                           NULL) != SQLITE_OK) {
        rc = sql_fail(log, "cannot create the log");
        goto out;
    }
    const char *state[][2] = {{"state.pos", "0"}, {"state.chain", genesis_hex},
                              {"state.genesis", genesis_hex}, {"state.writer", SLATE_VERSION}};
    for (size_t i = 0; i < n + 4 && !rc; i++) {
        const char *key = i < n ? keys[i] : state[i - n][0];
        const char *val = i < n ? vals[i] : state[i - n][1];
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, val, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) rc = sql_fail(log, "cannot create the log");
        sqlite3_reset(st);
    }
    sqlite3_finalize(st);
    memcpy(log->head, genesis, 32);
    memcpy(log->head_hex, genesis_hex, 65);
out:
    for (size_t i = 0; i < log->nopts; i++) free(owned[i]);
    free(owned);
    free(keys);
    free(vals);
    return rc;
}

/* A single text value from a query with one `?1` text parameter, copied into
 * out; 1 found, 0 no row, -1 error. */
static int query_text(slate_log *log, const char *sql, const char *param, char *out,
                      size_t size)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(log->db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
    if (param) sqlite3_bind_text(st, 1, param, -1, SQLITE_STATIC);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        snprintf(out, size, "%s", t ? (const char *)t : "");
        rc = 1;
    } else {
        rc = rc == SQLITE_DONE ? 0 : -1;
    }
    sqlite3_finalize(st);
    return rc;
}

static int64_t query_int(slate_log *log, const char *sql)
{
    char buf[32];
    if (query_text(log, sql, NULL, buf, sizeof buf) != 1) return -1;
    return strtoll(buf, NULL, 10);
}

static int meta_get(slate_log *log, const char *key, char *out, size_t size)
{
    return query_text(log, "SELECT value FROM meta WHERE key = ?1", key, out, size);
}

/* Check an existing log against this handle's key and options, and load the
 * state the writer continues from. */
static int load_existing(slate_log *log)
{
    char v[256];
    if (meta_get(log, "schema_version", v, sizeof v) != 1)
        return fail(log, SLATE_ERROR, "not a slate decision log (no schema_version)");
    if (atoi(v) != SLATE_LOG_SCHEMA_VERSION)
        return fail(log, SLATE_ERROR, "log schema version %s, this slate reads version %d", v,
                    SLATE_LOG_SCHEMA_VERSION);
    if (meta_get(log, "pseudonym", v, sizeof v) != 1)
        return fail(log, SLATE_ERROR, "meta has no `pseudonym` setting");
    if (log->check) {
        /* replaying what is stored: ids are already what the log keeps */
    } else if (!strcmp(v, "none") && log->key)
        return fail(log, SLATE_ERROR,
                    "the log stores case ids in clear; it cannot take a pseudonym key");
    if (!log->check && strcmp(v, "none") && !log->key)
        return fail(log, SLATE_ERROR, "the log stores pseudonyms: give the same key to add to it");
    if (log->key && !log->check) {
        char check[65];
        slate_log_pseudonym(log->key, log->key_len, "slate pseudonym key check", 25, check);
        if (meta_get(log, "pseudonym_check", v, sizeof v) != 1 || strcmp(v, check))
            return fail(log, SLATE_ERROR, "the pseudonym key differs from the one the log was "
                                          "written with");
    }
    for (size_t i = 0; i < log->nopts; i++) {
        char key[256];
        snprintf(key, sizeof key, "opt.%s", log->opt_keys[i]);
        int r = meta_get(log, key, v, sizeof v);
        if (r != 1)
            return fail(log, SLATE_ERROR, "the log was written without option `%s`",
                        log->opt_keys[i]);
        if (strcmp(v, log->opt_values[i]))
            return fail(log, SLATE_ERROR, "option `%s` is %s in the log, not %s",
                        log->opt_keys[i], v, log->opt_values[i]);
    }
    if (meta_get(log, "state.pos", v, sizeof v) != 1)
        return fail(log, SLATE_ERROR, "meta has no state.pos");
    log->pos = strtoll(v, NULL, 10);
    if (meta_get(log, "state.chain", log->head_hex, sizeof log->head_hex) != 1 ||
        strlen(log->head_hex) != 64)
        return fail(log, SLATE_ERROR, "meta has no valid state.chain");
    for (int i = 0; i < 32; i++) {
        unsigned x;
        if (sscanf(log->head_hex + 2 * i, "%2x", &x) != 1)
            return fail(log, SLATE_ERROR, "meta has no valid state.chain");
        log->head[i] = (uint8_t)x;
    }

    /* The head must be the last row: otherwise rows were added or removed
     * behind the writer's back, and appending would hide it. */
    int64_t maxpos = query_int(log, "SELECT max(m) FROM (SELECT max(pos) m FROM policies "
                                    "UNION ALL SELECT max(pos) FROM events "
                                    "UNION ALL SELECT max(pos) FROM decisions)");
    if (maxpos < 0) maxpos = 0;
    int64_t nrows = query_int(log, "SELECT (SELECT count(*) FROM policies) + "
                                   "(SELECT count(*) FROM events) + (SELECT count(*) FROM decisions)");
    if (maxpos != log->pos || nrows != log->pos)
        return fail(log, SLATE_ERROR,
                    "the log holds %" PRId64 " rows up to pos %" PRId64 " but meta records %" PRId64
                    ": it was changed outside slate (`slate replay` names the damage)",
                    nrows, maxpos, log->pos);
    if (log->pos > 0) {
        char sql[256], chain[80] = "";
        snprintf(sql, sizeof sql,
                 "SELECT chain FROM policies WHERE pos = %" PRId64 " UNION ALL "
                 "SELECT chain FROM events WHERE pos = %" PRId64 " UNION ALL "
                 "SELECT chain FROM decisions WHERE pos = %" PRId64,
                 log->pos, log->pos, log->pos);
        if (query_text(log, sql, NULL, chain, sizeof chain) != 1 || strcmp(chain, log->head_hex))
            return fail(log, SLATE_ERROR,
                        "the log's last row does not carry the recorded chain head: it was "
                        "changed outside slate (`slate replay` names the damage)");
    }
    log->entry_id = query_int(log, "SELECT coalesce(max(id), 0) FROM events");
    log->last_event_seq = (uint64_t)query_int(log, "SELECT coalesce(max(seq), 0) FROM events");
    log->last_decision_seq =
        (uint64_t)query_int(log, "SELECT coalesce(max(seq), 0) FROM decisions");
    if (query_text(log, "SELECT policy_hash FROM events ORDER BY id DESC LIMIT 1", NULL,
                   log->policy_hash, sizeof log->policy_hash) < 0)
        return sql_fail(log, "cannot read the log");
    if (log->policy_hash[0]) {
        char file[1024];
        int r = query_text(log, "SELECT coalesce(file, '') FROM policies WHERE hash = ?1",
                           log->policy_hash, file, sizeof file);
        if (r != 1)
            return fail(log, SLATE_ERROR, "policy %.12s is named by events but not stored",
                        log->policy_hash);
        log->policy_file = strdup(file);
        if (!log->policy_file) return fail(log, SLATE_NOMEM, "out of memory");
    }
    return SLATE_OK;
}

/* Replace the handle's options with all those sealed in the log. */
static int load_options(slate_log *log)
{
    for (size_t i = 0; i < log->nopts; i++) {
        free(log->opt_keys[i]);
        free(log->opt_values[i]);
    }
    free(log->opt_keys);
    free(log->opt_values);
    log->opt_keys = log->opt_values = NULL;
    log->nopts = 0;
    int64_t n = query_int(log, "SELECT count(*) FROM meta WHERE substr(key, 1, 4) = 'opt.'");
    if (n <= 0) return n < 0 ? sql_fail(log, "cannot read meta") : SLATE_OK;
    log->opt_keys = calloc((size_t)n, sizeof *log->opt_keys);
    log->opt_values = calloc((size_t)n, sizeof *log->opt_values);
    if (!log->opt_keys || !log->opt_values) return fail(log, SLATE_NOMEM, "out of memory");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(log->db, "SELECT substr(key, 5), value FROM meta "
                                    "WHERE substr(key, 1, 4) = 'opt.' ORDER BY key",
                           -1, &st, NULL) != SQLITE_OK)
        return sql_fail(log, "cannot read meta");
    int rc = SLATE_OK;
    while (log->nopts < (size_t)n && sqlite3_step(st) == SQLITE_ROW) {
        size_t i = log->nopts++;
        log->opt_keys[i] = strdup((const char *)sqlite3_column_text(st, 0));
        log->opt_values[i] = strdup((const char *)sqlite3_column_text(st, 1));
        if (!log->opt_keys[i] || !log->opt_values[i]) rc = fail(log, SLATE_NOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    return rc;
}

static int prepare(slate_log *log, sqlite3_stmt **st, const char *sql)
{
    if (sqlite3_prepare_v3(log->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return sql_fail(log, "cannot prepare statement");
    return SLATE_OK;
}

static void select_sql(dlog_buf *b, const char *table, const char *const *names, size_t n)
{
    dlog_buf_puts(b, "SELECT ");
    for (size_t i = 0; i < n; i++) dlog_buf_printf(b, "%s, ", names[i]);
    dlog_buf_printf(b, "chain FROM %s WHERE pos = ?1", table);
}

static int prepare_check(slate_log *log)
{
    dlog_buf b = {0};
    int rc = SLATE_OK;
    select_sql(&b, "policies", policy_names, DLOG_NPOLICY_COLS);
    if (!b.failed) rc = prepare(log, &log->ins_policy, b.p);
    b.len = 0;
    select_sql(&b, "events", event_names, DLOG_NEVENT_COLS);
    if (!rc && !b.failed) rc = prepare(log, &log->ins_event, b.p);
    b.len = 0;
    select_sql(&b, "decisions", decision_names, DLOG_NDECISION_COLS);
    if (!rc && !b.failed) rc = prepare(log, &log->ins_decision, b.p);
    if (!rc && b.failed) rc = fail(log, SLATE_NOMEM, "out of memory");
    dlog_buf_free(&b);
    /* the writer stores a policy the first time it sees it: before this position */
    if (!rc) rc = prepare(log, &log->has_policy, "SELECT 1 FROM policies WHERE hash = ?1 AND pos <= ?2");
    return rc;
}

static int prepare_all(slate_log *log)
{
    if (log->check) return prepare_check(log);
    dlog_buf b = {0};
    int rc = SLATE_OK;
    insert_sql(&b, "policies", policy_names, DLOG_NPOLICY_COLS);
    if (!b.failed) rc = prepare(log, &log->ins_policy, b.p);
    b.len = 0;
    insert_sql(&b, "events", event_names, DLOG_NEVENT_COLS);
    if (!rc && !b.failed) rc = prepare(log, &log->ins_event, b.p);
    b.len = 0;
    insert_sql(&b, "decisions", decision_names, DLOG_NDECISION_COLS);
    if (!rc && !b.failed) rc = prepare(log, &log->ins_decision, b.p);
    if (!rc && b.failed) rc = fail(log, SLATE_NOMEM, "out of memory");
    dlog_buf_free(&b);
    if (!rc) rc = prepare(log, &log->has_policy, "SELECT 1 FROM policies WHERE hash = ?1");
    if (!rc) rc = prepare(log, &log->set_state, "UPDATE meta SET value = ?2 WHERE key = ?1");
    return rc;
}

static int parse_options(slate_log *log, const char *const *options)
{
    size_t n = 0;
    while (options && options[n]) n++;
    if (!n) return SLATE_OK;
    log->opt_keys = calloc(n, sizeof *log->opt_keys);
    log->opt_values = calloc(n, sizeof *log->opt_values);
    if (!log->opt_keys || !log->opt_values) return fail(log, SLATE_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(options[i], '=');
        if (!eq || eq == options[i])
            return fail(log, SLATE_MISUSE, "option `%s` is not key=value", options[i]);
        log->opt_keys[i] = strndup(options[i], (size_t)(eq - options[i]));
        log->opt_values[i] = strdup(eq + 1);
        log->nopts = i + 1;
        if (!log->opt_keys[i] || !log->opt_values[i])
            return fail(log, SLATE_NOMEM, "out of memory");
    }
    return SLATE_OK;
}

/* Check mode: start from the beginning of the stored log. */
static int rewind_for_check(slate_log *log)
{
    char v[80];
    log->end_pos = log->pos;
    log->pos = log->entry_id = 0;
    log->last_event_seq = log->last_decision_seq = 0;
    log->policy_hash[0] = 0;
    free(log->policy_file);
    log->policy_file = NULL;
    if (meta_get(log, "state.genesis", v, sizeof v) != 1 || strlen(v) != 64)
        return fail(log, SLATE_ERROR, "meta has no valid state.genesis");
    for (int i = 0; i < 32; i++) {
        unsigned x;
        if (sscanf(v + 2 * i, "%2x", &x) != 1)
            return fail(log, SLATE_ERROR, "meta has no valid state.genesis");
        log->head[i] = (uint8_t)x;
    }
    return SLATE_OK;
}

static void free_log(slate_log *log)
{
    if (log->check && log->db) sqlite3_exec(log->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(log->ins_policy);
    sqlite3_finalize(log->ins_event);
    sqlite3_finalize(log->ins_decision);
    sqlite3_finalize(log->has_policy);
    sqlite3_finalize(log->set_state);
    sqlite3_close(log->db);
    for (size_t i = 0; i < log->nopts; i++) {
        free(log->opt_keys[i]);
        free(log->opt_values[i]);
    }
    free(log->opt_keys);
    free(log->opt_values);
    free(log->key);
    free(log->policy_file);
    dlog_buf_free(&log->arena);
    free(log->pends);
    free(log);
}

int slate_log_open(const char *path, slate_log **log, char **err)
{
    return slate_log_open_opts(path, NULL, log, err);
}

int slate_log_open_opts(const char *path, const slate_log_opts *opts, slate_log **out,
                        char **err)
{
    static const slate_log_opts defaults = {0};
    if (!opts) opts = &defaults;
    if (err) *err = NULL;
    if (!out || !path) {
        dlog_set_err(err, "slate_log_open: NULL argument");
        return SLATE_MISUSE;
    }
    *out = NULL;
    slate_log *log = calloc(1, sizeof *log);
    if (!log) {
        dlog_set_err(err, "out of memory");
        return SLATE_NOMEM;
    }
    log->batch = opts->batch ? opts->batch : 64;
    log->check = opts->check;
    int rc = parse_options(log, opts->options);
    if (!rc && opts->pseudonym_key && !log->check) {
        log->key = malloc(opts->pseudonym_key_len ? opts->pseudonym_key_len : 1);
        if (!log->key) rc = fail(log, SLATE_NOMEM, "out of memory");
        else if (opts->pseudonym_key_len)
            memcpy(log->key, opts->pseudonym_key, opts->pseudonym_key_len);
        log->key_len = opts->pseudonym_key_len;
        if (!rc && !log->key_len) rc = fail(log, SLATE_MISUSE, "the pseudonym key is empty");
    }
    int flags = log->check ? SQLITE_OPEN_READONLY
                           : SQLITE_OPEN_READWRITE | (opts->must_exist ? 0 : SQLITE_OPEN_CREATE);
    if (!rc && sqlite3_open_v2(path, &log->db, flags, NULL) != SQLITE_OK)
        rc = fail(log, SLATE_ERROR, "%s: %s", path,
                  log->db ? sqlite3_errmsg(log->db) : "cannot open");
    if (!rc) {
        sqlite3_busy_timeout(log->db, 5000);
        sqlite3_extended_result_codes(log->db, 1);
    }
    /* WAL: auditors may read while the log is written, and a commit appends to
     * the WAL instead of rewriting pages.  FULL syncs the WAL on every commit,
     * which batching makes rare: a committed batch survives a power loss. */
    if (!rc && !log->check) rc = exec(log, "PRAGMA journal_mode=WAL");
    if (!rc && !log->check)
        rc = exec(log, opts->sync_normal ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL");
    /* check mode reads one snapshot for the whole replay */
    if (!rc) rc = exec(log, log->check ? "BEGIN" : "BEGIN IMMEDIATE");
    if (!rc) {
        int64_t ntables = query_int(log, "SELECT count(*) FROM sqlite_master");
        int64_t hasmeta = query_int(log, "SELECT count(*) FROM sqlite_master "
                                         "WHERE type = 'table' AND name = 'meta'");
        if (ntables < 0 || hasmeta < 0)
            rc = sql_fail(log, path);
        else if (ntables == 0 && log->check)
            rc = fail(log, SLATE_ERROR, "%s: not a slate decision log", path);
        else if (ntables == 0)
            rc = create_schema(log);
        else if (!hasmeta)
            rc = fail(log, SLATE_ERROR, "%s: not a slate decision log", path);
        else if (!(rc = load_existing(log)))
            rc = load_options(log);
        if (!rc && log->check) rc = rewind_for_check(log);
        if (!log->check) {
            if (!rc) rc = exec(log, "COMMIT");
            else sqlite3_exec(log->db, "ROLLBACK", NULL, NULL, NULL);
        }
    }
    if (!rc) rc = prepare_all(log);
    if (rc) {
        if (strncmp(log->errmsg, path, strlen(path)))
            dlog_set_err(err, "%s: %s", path, log->errmsg);
        else
            dlog_set_err(err, "%s", log->errmsg);
        free_log(log);
        return rc;
    }
    dlog_hex(log->head, 32, log->head_hex);
    *out = log;
    return SLATE_OK;
}

/* ---- writing ------------------------------------------------------------ */

/* Bind v[0..n-1] and the chain hash extending *head, run the INSERT, and move
 * *head on.  *pos is this row's position (already in v). */
static int insert_row(slate_log *log, sqlite3_stmt *st, const char *table, const dlog_val *v,
                      size_t n, int64_t pos, uint8_t head[32])
{
    uint8_t next[32];
    char hex[65];
    if (log->hook) log->hook(log->hook_ud, table, pos);
    dlog_chain(head, table, v, n, next);
    dlog_hex(next, 32, hex);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (size_t i = 0; i < n; i++) {
        int c = (int)i + 1;
        switch (v[i].type) {
        case DV_NULL: sqlite3_bind_null(st, c); break;
        case DV_INT: sqlite3_bind_int64(st, c, v[i].i); break;
        case DV_TEXT: sqlite3_bind_text64(st, c, v[i].p, v[i].n, SQLITE_STATIC, SQLITE_UTF8); break;
        case DV_BLOB: sqlite3_bind_blob64(st, c, v[i].p, v[i].n, SQLITE_STATIC); break;
        }
    }
    sqlite3_bind_text(st, (int)n + 1, hex, 64, SQLITE_TRANSIENT);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        char what[64];
        snprintf(what, sizeof what, "cannot write %s row %" PRId64, table, pos);
        return sql_fail(log, what);
    }
    memcpy(head, next, 32);
    return SLATE_OK;
}

static int set_state(slate_log *log, const char *key, const char *value)
{
    sqlite3_reset(log->set_state);
    sqlite3_bind_text(log->set_state, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(log->set_state, 2, value, -1, SQLITE_TRANSIENT);
    int rc = sqlite3_step(log->set_state);
    sqlite3_reset(log->set_state);
    return rc == SQLITE_DONE ? SLATE_OK : sql_fail(log, "cannot update meta");
}

int slate_log_flush(slate_log *log)
{
    if (!log) return SLATE_MISUSE;
    if (!log->in_txn) return SLATE_OK;
    char pos[32];
    snprintf(pos, sizeof pos, "%" PRId64, log->pos);
    int rc = set_state(log, "state.pos", pos);
    if (!rc) rc = set_state(log, "state.chain", log->head_hex);
    if (!rc) rc = set_state(log, "state.writer", SLATE_VERSION);
    if (!rc) rc = exec(log, "COMMIT");
    if (rc) {
        sqlite3_exec(log->db, "ROLLBACK", NULL, NULL, NULL);
        log->broken = 1;
    }
    log->in_txn = 0;
    log->in_batch = 0;
    return rc;
}

static int check_begin(slate_log *log)
{
    if (log->broken) /* errmsg still says what went wrong */
        return SLATE_ERROR;
    if (log->open) return fail(log, SLATE_MISUSE, "an entry is already open");
    reset_entry(log);
    log->next_decision = log->last_decision_seq + 1;
    log->rejected = 0;
    log->seq = 0;
    log->at = SLATE_LOG_NO_TIME;
    log->type = log->case_id = log->payload = log->reason = (astr){NONE, 0};
    return SLATE_OK;
}

int slate_log_begin_policy(slate_log *log, const slate_log_policy *p)
{
    if (!log || !p || !p->hash || strlen(p->hash) != 64 || !p->image)
        return log ? fail(log, SLATE_MISUSE, "slate_log_begin_policy: bad policy") : SLATE_MISUSE;
    int rc = check_begin(log);
    if (rc) return rc;
    log->kind = K_POLICY;
    memcpy(log->pol_hash, p->hash, 65);
    log->pol_name = keeps(log, p->name);
    log->pol_version = keeps(log, p->version);
    log->pol_file = keeps(log, p->file);
    log->pol_source = keep(log, p->source, p->source_len);
    log->pol_image = keep(log, p->image, p->image_len);
    if (log->arena.failed) return fail(log, SLATE_NOMEM, "out of memory");
    log->open = 1;
    return SLATE_OK;
}

int slate_log_begin_event(slate_log *log, const slate_log_event *ev)
{
    if (!log || !ev) return log ? fail(log, SLATE_MISUSE, "NULL event") : SLATE_MISUSE;
    int rc = check_begin(log);
    if (rc) return rc;
    if (!log->policy_hash[0])
        return fail(log, SLATE_MISUSE, "an event was logged before any policy");
    if (ev->seq == 0 || ev->seq <= log->last_event_seq)
        return fail(log, SLATE_MISUSE,
                    "event seq %" PRIu64 " is not above the last logged seq %" PRIu64, ev->seq,
                    log->last_event_seq);
    log->kind = K_EVENT;
    log->seq = ev->seq;
    log->at = ev->at;
    log->type = keeps(log, ev->type);
    if (ev->case_id && log->key) {
        char pseud[65];
        slate_log_pseudonym(log->key, log->key_len, ev->case_id, ev->case_len, pseud);
        log->case_id = keep(log, pseud, 64);
    } else {
        log->case_id = keep(log, ev->case_id, ev->case_len);
    }
    if (ev->payload && log->key) {
        dlog_buf tmp = {0};
        if (dlog_replace_case(ev->payload, ev->payload_len, log->key, log->key_len, &tmp) == 0)
            log->payload = keep(log, tmp.p ? tmp.p : "", tmp.len);
        /* else: redacted (NULL), since the id could not be found to replace */
        dlog_buf_free(&tmp);
    } else {
        log->payload = keep(log, ev->payload, ev->payload_len); /* NULL stays NULL */
    }
    if (ev->reject_reason) {
        log->rejected = 1;
        log->reason = keeps(log, ev->reject_reason);
    }
    if (log->arena.failed) return fail(log, SLATE_NOMEM, "out of memory");
    log->open = 1;
    return SLATE_OK;
}

int slate_log_begin_advance(slate_log *log, int64_t now)
{
    if (!log) return SLATE_MISUSE;
    int rc = check_begin(log);
    if (rc) return rc;
    if (!log->policy_hash[0]) return fail(log, SLATE_MISUSE, "time advanced before any policy");
    log->kind = K_ADVANCE;
    log->at = now;
    log->open = 1;
    return SLATE_OK;
}

static const char *const action_names[] = {
#define X(id, name) name,
    SLATE_ACTIONS(X)
#undef X
};

int slate_log_sink(void *ud, const slate_decision *d)
{
    slate_log *log = ud;
    if (!log || !d) return SLATE_MISUSE;
    if (!log->open) return fail(log, SLATE_MISUSE, "a decision arrived outside an entry");
    if (d->seq != log->next_decision)
        return fail(log, SLATE_MISUSE,
                    "decision seq %" PRIu64 " arrived, %" PRIu64 " expected (gap-free)", d->seq,
                    log->next_decision);
    if ((unsigned)d->action >= SLATE_A__COUNT)
        return fail(log, SLATE_MISUSE, "decision %" PRIu64 " has an unknown action", d->seq);
    if (log->npends == log->cap_pends) {
        size_t cap = log->cap_pends ? log->cap_pends * 2 : 16;
        pend *p = realloc(log->pends, cap * sizeof *p);
        if (!p) return fail(log, SLATE_NOMEM, "out of memory");
        log->pends = p;
        log->cap_pends = cap;
    }
    pend *p = &log->pends[log->npends];
    p->seq = d->seq;
    p->event_seq = d->event_seq;
    p->at = d->at;
    p->rule_line = d->rule_line;
    p->action = d->action;
    p->event_id = keep(log, d->event_id, d->event_id_len);
    if (d->case_id && log->key) {
        char pseud[65];
        slate_log_pseudonym(log->key, log->key_len, d->case_id, d->case_len, pseud);
        p->case_id = keep(log, pseud, 64);
    } else {
        p->case_id = keep(log, d->case_id, d->case_len);
    }
    p->rule = (astr){NONE, 0};
    if (d->rule_line) {
        const char *file = log->kind == K_POLICY
                               ? (log->pol_file.off == NONE ? "" : log->arena.p + log->pol_file.off)
                               : (log->policy_file ? log->policy_file : "");
        char rule[1100];
        int n = snprintf(rule, sizeof rule, "%s:%" PRIu32, file, d->rule_line);
        p->rule = keep(log, rule, (size_t)n < sizeof rule ? (size_t)n : sizeof rule - 1);
    }
    p->rule_label = keeps(log, d->rule_label);
    p->clock = keeps(log, d->clock);
    p->tier = keeps(log, d->tier);
    size_t args_off = log->arena.len;
    dlog_args(&log->arena, d);
    size_t args_len = log->arena.len - args_off;
    dlog_buf_put(&log->arena, "", 1);
    p->args = (astr){args_off, args_len};
    if (log->arena.failed) return fail(log, SLATE_NOMEM, "out of memory");
    if (d->action == SLATE_A_REJECT && log->kind == K_EVENT && d->event_seq == log->seq &&
        !log->rejected) {
        log->rejected = 1;
        log->reason = keeps(log, d->message ? d->message : "rejected");
        if (log->arena.failed) return fail(log, SLATE_NOMEM, "out of memory");
    }
    log->npends++;
    log->next_decision++;
    return 0;
}

void slate_log_abort(slate_log *log)
{
    if (log) reset_entry(log);
}

/* The column values of a pending decision (`at` holds its time text). */
static void decision_values(const slate_log *log, const pend *p, int64_t pos, int64_t id,
                            const char *hash, char at[32], dlog_val dv[DLOG_NDECISION_COLS])
{
    dlog_val v[DLOG_NDECISION_COLS] = {
        ival((int64_t)p->seq),
        ival(pos),
        ival(id),
        p->event_seq ? ival((int64_t)p->event_seq) : sval(NULL),
        text(log, p->event_id),
        text(log, p->case_id),
        ival(p->at),
        sval(slate_log_time(p->at, at)),
        text(log, p->rule),
        ival(p->rule_line),
        text(log, p->rule_label),
        sval(action_names[p->action]),
        text(log, p->clock),
        text(log, p->tier),
        text(log, p->args),
        sval(hash),
    };
    memcpy(dv, v, sizeof v);
}

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

/* What compare_row found. */
enum { CMP_SAME = 0, CMP_MISSING, CMP_COLUMN, CMP_CHAIN };

/* Compare v[0..n-1] with the stored row at `pos` (st selects it) and move *head
 * on.  Column `skip` (or -1) and, when skip >= 0, the chain are not compared
 * (the caller checks them later).  On CMP_COLUMN, msg gets "`col`: expected X,
 * found Y"; *stored_skip gets the stored integer of column `skip`.  The
 * statement is reset on return. */
static int compare_row(slate_log *log, sqlite3_stmt *st, const char *table,
                       const char *const *names, const dlog_val *v, size_t n, int64_t pos,
                       uint8_t head[32], int skip, int64_t *stored_skip, dlog_buf *msg)
{
    uint8_t next[32];
    char hex[65];
    if (log->hook) log->hook(log->hook_ud, table, pos);
    dlog_chain(head, table, v, n, next);
    dlog_hex(next, 32, hex);
    memcpy(head, next, 32);
    sqlite3_reset(st);
    sqlite3_bind_int64(st, 1, pos);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_reset(st);
        return CMP_MISSING;
    }
    int r = CMP_SAME;
    for (size_t i = 0; i < n && r == CMP_SAME; i++) {
        dlog_val x = col_val(st, (int)i);
        if ((int)i == skip) {
            if (stored_skip) *stored_skip = x.type == DV_INT ? x.i : -1;
            continue;
        }
        if (val_eq(&v[i], &x)) continue;
        dlog_buf_printf(msg, "`%s`: expected ", names[i]);
        show_val(msg, &v[i]);
        dlog_buf_puts(msg, ", found ");
        show_val(msg, &x);
        r = CMP_COLUMN;
    }
    if (r == CMP_SAME && skip < 0) {
        const unsigned char *c = sqlite3_column_text(st, (int)n);
        if (!c || strcmp((const char *)c, hex)) r = CMP_CHAIN;
    }
    sqlite3_reset(st);
    return r;
}

/* What is stored at `pos`, for a message: "decisions row seq 12 (stop ...)". */
static void describe_pos(slate_log *log, int64_t pos, dlog_buf *b)
{
    char sql[640];
    snprintf(sql, sizeof sql,
             "SELECT 'decision seq ' || seq || ' (' || action || ' ' || args || ', entry ' || "
             "entry || ')' FROM decisions WHERE pos = %" PRId64 " UNION ALL "
             "SELECT 'entry ' || id || ' (' || kind || coalesce(' seq ' || seq, '') || ')' "
             "FROM events WHERE pos = %" PRId64 " UNION ALL "
             "SELECT 'policy ' || substr(hash, 1, 12) FROM policies WHERE pos = %" PRId64,
             pos, pos, pos);
    char out[600];
    if (query_text(log, sql, NULL, out, sizeof out) == 1) dlog_buf_puts(b, out);
    else dlog_buf_puts(b, "nothing (the log ends before it)");
}

static void describe_pend(const slate_log *log, const pend *p, dlog_buf *b)
{
    dlog_buf_printf(b, "decision seq %" PRIu64 " (%s %s)", p->seq, action_names[p->action],
                    log->arena.p + p->args.off);
}

/* Check the open entry against the stored rows it would have written. */
static int check_entry(slate_log *log, const dlog_val *pol, const dlog_val *ev,
                       int64_t *pos, uint8_t head[32], int64_t id, const char *hash)
{
    dlog_buf m = {0};
    int r, rc = SLATE_ERROR;
    char where[96];
    if (log->kind == K_EVENT)
        snprintf(where, sizeof where, "event seq %" PRIu64 " (entry %" PRId64 ")", log->seq, id);
    else
        snprintf(where, sizeof where, "the %s entry %" PRId64, kind_names[log->kind], id);
    if (pol) {
        ++*pos;
        r = compare_row(log, log->ins_policy, "policies", policy_names, pol, DLOG_NPOLICY_COLS,
                        *pos, head, -1, NULL, &m);
        if (r) {
            fail(log, SLATE_ERROR, "first divergence at %s, policy %.12s: %s", where, log->pol_hash,
                 r == CMP_MISSING ? "the log does not store it here" : r == CMP_CHAIN ? "chain differs" : m.p);
            goto out;
        }
    }
    int64_t ev_pos = ++*pos, stored_n = -1;
    uint8_t ev_head[32];
    memcpy(ev_head, head, 32);
    r = compare_row(log, log->ins_event, "events", event_names, ev, DLOG_NEVENT_COLS, ev_pos, head,
                    DLOG_NEVENT_COLS - 1, &stored_n, &m);
    if (r) {
        if (r == CMP_MISSING) {
            dlog_buf_puts(&m, "the log holds ");
            describe_pos(log, ev_pos, &m);
            dlog_buf_puts(&m, " at that place");
        }
        fail(log, SLATE_ERROR, "first divergence at %s: %s", where, m.p ? m.p : "");
        goto out;
    }
    for (size_t i = 0; i < log->npends; i++) {
        const pend *p = &log->pends[i];
        int64_t dpos = ++*pos;
        if ((int64_t)i >= stored_n) {
            dlog_buf_puts(&m, "the replay made ");
            describe_pend(log, p, &m);
            dlog_buf_puts(&m, ", which the log does not hold (it holds ");
            describe_pos(log, dpos, &m);
            dlog_buf_puts(&m, " there)");
            fail(log, SLATE_ERROR, "first divergence at %s, decision seq %" PRIu64 ": %s", where,
                 p->seq, m.p ? m.p : "");
            goto out;
        }
        dlog_val dv[DLOG_NDECISION_COLS];
        char at[32];
        decision_values(log, p, dpos, id, hash, at, dv);
        /* skip = n: every column compared, the chain not (it hangs on the events
         * row's, checked last; equal columns give equal chains in a verified log) */
        r = compare_row(log, log->ins_decision, "decisions", decision_names, dv,
                        DLOG_NDECISION_COLS, dpos, head, DLOG_NDECISION_COLS, NULL, &m);
        if (r) {
            if (r == CMP_MISSING) {
                dlog_buf_puts(&m, "the log holds ");
                describe_pos(log, dpos, &m);
                dlog_buf_puts(&m, " at that place");
            }
            fail(log, SLATE_ERROR, "first divergence at %s, decision seq %" PRIu64 ": %s", where,
                 p->seq, m.p ? m.p : "chain differs");
            goto out;
        }
    }
    if (stored_n != (int64_t)log->npends) {
        dlog_buf_printf(&m, "the log holds %" PRId64 " decisions for it, the replay made %zu; the "
                            "first one the replay did not make is ", stored_n, log->npends);
        describe_pos(log, ev_pos + 1 + (int64_t)log->npends, &m);
        fail(log, SLATE_ERROR, "first divergence at %s: %s", where, m.p ? m.p : "");
        goto out;
    }
    /* every column matched: the chain must too, the events row's included */
    uint8_t h[32];
    memcpy(h, ev_head, 32);
    r = compare_row(log, log->ins_event, "events", event_names, ev, DLOG_NEVENT_COLS, ev_pos, h, -1,
                    NULL, &m);
    if (r) {
        fail(log, SLATE_ERROR, "first divergence at %s: the chain hashes differ", where);
        goto out;
    }
    rc = SLATE_OK;
out:
    if (m.failed && rc == SLATE_ERROR) fail(log, SLATE_NOMEM, "out of memory");
    dlog_buf_free(&m);
    return rc;
}

/* Write (or in check mode, compare) the open entry: [policy row], events row,
 * decision rows. */
static int write_entry(slate_log *log, int64_t *pos, uint8_t head[32], int64_t id)
{
    int rc = SLATE_OK;
    const char *hash = log->kind == K_POLICY ? log->pol_hash : log->policy_hash;
    dlog_val pv[DLOG_NPOLICY_COLS];
    int new_policy = 0;
    if (log->kind == K_POLICY) {
        sqlite3_reset(log->has_policy);
        sqlite3_bind_text(log->has_policy, 1, log->pol_hash, 64, SQLITE_STATIC);
        if (log->check) sqlite3_bind_int64(log->has_policy, 2, *pos);
        int r = sqlite3_step(log->has_policy);
        sqlite3_reset(log->has_policy);
        if (r != SQLITE_ROW && r != SQLITE_DONE) return sql_fail(log, "cannot read policies");
        if (r == SQLITE_DONE) {
            dlog_val v[DLOG_NPOLICY_COLS] = {
                ival(*pos + 1), sval(log->pol_hash), text(log, log->pol_name),
                text(log, log->pol_version), text(log, log->pol_file),
                text(log, log->pol_source), text(log, log->pol_image)};
            v[6].type = DV_BLOB;
            memcpy(pv, v, sizeof v);
            new_policy = 1;
        }
    }
    char at[32];
    int has_at = log->kind != K_POLICY && log->at != SLATE_LOG_NO_TIME;
    dlog_val ev[DLOG_NEVENT_COLS] = {
        ival(id),
        ival(*pos + 1 + new_policy),
        sval(kind_names[log->kind]),
        log->kind == K_EVENT ? ival((int64_t)log->seq) : sval(NULL),
        has_at ? ival(log->at) : sval(NULL),
        sval(has_at ? slate_log_time(log->at, at) : NULL),
        text(log, log->case_id),
        text(log, log->type),
        sval(log->kind != K_EVENT ? NULL : log->rejected ? "rejected" : "accepted"),
        text(log, log->reason),
        text(log, log->payload),
        sval(hash),
        ival((int64_t)log->npends),
    };
    if (log->check) return check_entry(log, new_policy ? pv : NULL, ev, pos, head, id, hash);

    if (new_policy) {
        ++*pos;
        rc = insert_row(log, log->ins_policy, "policies", pv, DLOG_NPOLICY_COLS, *pos, head);
        if (rc) return rc;
    }
    ++*pos;
    rc = insert_row(log, log->ins_event, "events", ev, DLOG_NEVENT_COLS, *pos, head);
    for (size_t i = 0; i < log->npends && !rc; i++) {
        dlog_val dv[DLOG_NDECISION_COLS];
        char dat[32];
        ++*pos;
        decision_values(log, &log->pends[i], *pos, id, hash, dat, dv);
        rc = insert_row(log, log->ins_decision, "decisions", dv, DLOG_NDECISION_COLS, *pos, head);
    }
    return rc;
}

int slate_log_end(slate_log *log)
{
    if (!log) return SLATE_MISUSE;
    if (!log->open) return fail(log, SLATE_MISUSE, "no entry is open");
    int rc = SLATE_OK;
    if (log->check) {
        int64_t pos = log->pos, id = log->entry_id + 1;
        uint8_t head[32];
        memcpy(head, log->head, 32);
        rc = write_entry(log, &pos, head, id);
        if (rc) {
            log->broken = 1;
            reset_entry(log);
            return rc;
        }
        return commit_entry(log, pos, id, head);
    }
    if (!log->in_txn) {
        rc = exec(log, "BEGIN IMMEDIATE");
        if (rc) {
            reset_entry(log);
            return rc;
        }
        log->in_txn = 1;
        /* One writer per log: if another appended since our last commit, our
         * positions and sequences are stale. */
        char v[32];
        if (meta_get(log, "state.pos", v, sizeof v) != 1 || strtoll(v, NULL, 10) != log->pos) {
            sqlite3_exec(log->db, "ROLLBACK", NULL, NULL, NULL);
            log->in_txn = 0;
            log->broken = 1;
            reset_entry(log);
            return fail(log, SLATE_ERROR, "another writer has added to the log since this one "
                                          "opened it (a log takes one writer at a time)");
        }
    }
    rc = exec(log, "SAVEPOINT entry");
    int64_t pos = log->pos, id = log->entry_id + 1;
    uint8_t head[32];
    memcpy(head, log->head, 32);
    if (!rc) rc = write_entry(log, &pos, head, id);
    if (!rc) rc = exec(log, "RELEASE entry");
    if (rc) {
        char keepmsg[sizeof log->errmsg];
        memcpy(keepmsg, log->errmsg, sizeof keepmsg);
        sqlite3_exec(log->db, "ROLLBACK TO entry; RELEASE entry", NULL, NULL, NULL);
        memcpy(log->errmsg, keepmsg, sizeof keepmsg);
        log->broken = 1;
        reset_entry(log);
        return rc;
    }
    return commit_entry(log, pos, id, head);
}

/* The entry is written (or matched): move the handle's state past it. */
static int commit_entry(slate_log *log, int64_t pos, int64_t id, const uint8_t head[32])
{
    log->pos = pos;
    log->entry_id = id;
    memcpy(log->head, head, 32);
    dlog_hex(head, 32, log->head_hex);
    if (log->npends) log->last_decision_seq = log->pends[log->npends - 1].seq;
    if (log->kind == K_EVENT) log->last_event_seq = log->seq;
    if (log->kind == K_POLICY) {
        memcpy(log->policy_hash, log->pol_hash, 65);
        char *file = strdup(log->pol_file.off == NONE ? "" : log->arena.p + log->pol_file.off);
        if (file) {
            free(log->policy_file);
            log->policy_file = file;
        } else {
            log->broken = 1; /* cannot name rules any more */
            reset_entry(log);
            return fail(log, SLATE_NOMEM, "out of memory");
        }
    }
    reset_entry(log);
    if (!log->check && ++log->in_batch >= log->batch) return slate_log_flush(log);
    return SLATE_OK;
}

int slate_log_check_end(slate_log *log)
{
    if (!log || !log->check) return SLATE_MISUSE;
    if (log->pos == log->end_pos) return SLATE_OK;
    dlog_buf m = {0};
    describe_pos(log, log->pos + 1, &m);
    fail(log, SLATE_ERROR, "the log holds more than the replay made: %s at pos %" PRId64,
         m.p ? m.p : "?", log->pos + 1);
    dlog_buf_free(&m);
    return SLATE_ERROR;
}

int slate_log_close(slate_log *log, char **err)
{
    if (err) *err = NULL;
    if (!log) return SLATE_OK;
    reset_entry(log);
    int rc = slate_log_flush(log);
    if (rc) dlog_set_err(err, "%s", log->errmsg);
    free_log(log);
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
