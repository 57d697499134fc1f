/*
 * log_schema.c - opening a decision log: creates the schema and the sealed meta
 * rows of a new log, or checks an existing one against the handle's key and
 * options and loads the state the writer continues from (in check mode, rewinds
 * to the start); parses options and prepares the statements the writer uses.
 *
 * Not here: writing entries (log_write.c) or comparing them (log_check.c); the
 * column lists themselves are declared once in dlog.h.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "log_int.h"

/* ---- schema ----------------------------------------------------------------- */

#define NAME_(n, t) #n,
#define TYPE_(n, t) t,
const char *const dlog_policy_names[] = {DLOG_POLICY_COLS(NAME_)};
static const char *const policy_types[] = {DLOG_POLICY_COLS(TYPE_)};
const char *const dlog_event_names[] = {DLOG_EVENT_COLS(NAME_)};
static const char *const event_types[] = {DLOG_EVENT_COLS(TYPE_)};
const char *const dlog_decision_names[] = {DLOG_DECISION_COLS(NAME_)};
static const char *const decision_types[] = {DLOG_DECISION_COLS(TYPE_)};

/* One object of the schema as sqlite_master lists it.  sql NULL: an index
 * SQLite makes itself for a UNIQUE or non-integer PRIMARY KEY column. */
typedef struct schema_obj {
    const char *type, *table;
    char name[48];
    char *sql;
} schema_obj;

enum { NSCHEMA_MAX = 20 };

static void add_obj(schema_obj *o, size_t *n, const char *type, const char *table,
                    const char *name, char *sql)
{
    schema_obj *x = &o[(*n)++];
    x->type = type;
    x->table = table;
    snprintf(x->name, sizeof x->name, "%s", name);
    x->sql = sql;
}

/* A table of dlog.h's column lists (then `chain`), and the indexes its
 * constraints make, numbered as SQLite numbers them: in column order. */
static int add_table(schema_obj *o, size_t *n, const char *table, const char *const *names,
                     const char *const *types, size_t ncols)
{
    dlog_buf b = {0};
    dlog_buf_printf(&b, "CREATE TABLE %s (\n", table);
    for (size_t i = 0; i < ncols; i++) dlog_buf_printf(&b, "  %s %s,\n", names[i], types[i]);
    dlog_buf_puts(&b, "  chain TEXT NOT NULL\n)");
    dlog_buf_put(&b, "", 1);
    if (b.failed) return SLATE_NOMEM;
    add_obj(o, n, "table", table, table, b.p);
    int k = 0;
    for (size_t i = 0; i < ncols; i++)
        if (strstr(types[i], "UNIQUE") ||
            (strstr(types[i], "PRIMARY KEY") && strncmp(types[i], "INTEGER PRIMARY KEY", 19))) {
            char name[48];
            snprintf(name, sizeof name, "sqlite_autoindex_%s_%d", table, ++k);
            add_obj(o, n, "index", table, name, NULL);
        }
    return SLATE_OK;
}

static void insert_sql(dlog_buf *b, const char *table, const char *const *names, size_t n)
{
    dlog_buf_printf(b, "INSERT INTO %s (", table);
    for (size_t i = 0; i < n; i++) dlog_buf_printf(b, "%s, ", names[i]);
    dlog_buf_puts(b, "chain) VALUES (");
    for (size_t i = 0; i <= n; i++) dlog_buf_printf(b, "%s?%zu", i ? ", " : "", i + 1);
    dlog_buf_puts(b, ")");
}

static void free_objects(schema_obj *o, size_t n)
{
    for (size_t i = 0; i < n; i++) free(o[i].sql);
}

/* Version 2's auditors' views (docs/audit-log.md): one row per decision, as
 * version 1's decisions table held it, taken out of each entry's packed
 * `decisions` column (pack.c), and a case's decisions through case_index. */
#define DLOG_DECISION_VIEW_COLS                                                                  \
    "e.dseq + d.key AS seq, e.id AS entry, "                                                     \
    "json_extract(d.value, '$[5]') AS event_seq, json_extract(d.value, '$[6]') AS event_id, "    \
    "json_extract(d.value, '$[4]') AS case_id, json_extract(d.value, '$[3]') AS at_ms, "         \
    "strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(d.value, '$[3]') / 1000.0, 'unixepoch') AS at, " \
    "CASE WHEN json_extract(d.value, '$[1]') > 0 "                                               \
    "THEN coalesce(p.file, '') || ':' || json_extract(d.value, '$[1]') END AS rule, "            \
    "json_extract(d.value, '$[1]') AS rule_line, json_extract(d.value, '$[2]') AS rule_label, "  \
    "json_extract(d.value, '$[0]') AS action, json_extract(d.value, '$[7].clock') AS clock, "    \
    "json_extract(d.value, '$[7].tier') AS tier, json_extract(d.value, '$[7]') AS args, "        \
    "e.policy_hash AS policy_hash, e.part AS part"

static const char *const v2_sql[][3] = {
    {"index", "events_policy", "CREATE INDEX events_policy ON events(id) WHERE kind = 'policy'"},
    {"table", "case_index",
     "CREATE TABLE case_index (case_id TEXT NOT NULL, entry INTEGER NOT NULL, "
     "PRIMARY KEY (case_id, entry)) WITHOUT ROWID"},
    {"view", "decisions",
     "CREATE VIEW decisions AS SELECT " DLOG_DECISION_VIEW_COLS
     " FROM events e JOIN json_each(e.decisions) d LEFT JOIN policies p ON p.hash = e.policy_hash "
     "WHERE e.decisions IS NOT NULL"},
    {"view", "breaches", "CREATE VIEW breaches AS SELECT * FROM decisions WHERE action = 'breach'"},
    {"view", "case_decisions",
     "CREATE VIEW case_decisions AS SELECT c.case_id AS case_key, " DLOG_DECISION_VIEW_COLS
     " FROM case_index c JOIN events e ON e.id = c.entry JOIN json_each(e.decisions) d "
     "LEFT JOIN policies p ON p.hash = e.policy_hash "
     "WHERE json_extract(d.value, '$[4]') = c.case_id"},
    {"view", "cases",
     "CREATE VIEW cases AS SELECT case_id, count(*) AS entries, min(entry) AS first_entry, "
     "max(entry) AS last_entry FROM case_index GROUP BY case_id"},
};

/* Every object of the schema, in the order they are created.  The SQL of each
 * is the statement that creates it, as SQLite keeps it in sqlite_master.  A
 * partitioned version 1 log's events table has two columns more (dlog.h). */
static int schema_objects(schema_obj *o, size_t *n, int version, int partitioned)
{
    *n = 0;
    static const char *const index_sql[][3] = {
        {"events_case", "events", "CREATE INDEX events_case ON events(case_id)"},
        {"decisions_case", "decisions", "CREATE INDEX decisions_case ON decisions(case_id)"},
        {"decisions_entry", "decisions", "CREATE INDEX decisions_entry ON decisions(entry)"},
    };
    char *meta = strdup("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    if (!meta) return SLATE_NOMEM;
    add_obj(o, n, "table", "meta", "meta", meta);
    add_obj(o, n, "index", "meta", "sqlite_autoindex_meta_1", NULL);
    int rc = add_table(o, n, "policies", dlog_policy_names, policy_types, DLOG_NPOLICY_COLS);
    if (!rc) {
        /* Version 2 checks `kind` with ORs: SQLite evaluates `IN ('event',
         * 'policy', 'advance')` by building a temporary table for every row
         * inserted, ~55% of the writer's SQLite instructions (callgrind).
         * Version 1 keeps its text: existing logs are checked against it. */
        const char *types[DLOG_NEVENT_COLS];
        memcpy(types, event_types, sizeof types);
        if (version >= 2)
            types[DLOG_EV_kind] = "TEXT NOT NULL CHECK (kind = 'event' OR kind = 'policy' OR "
                                  "kind = 'advance')";
        rc = add_table(o, n, "events", dlog_event_names, types, DLOG_NEVENT(version, partitioned));
    }
    if (version >= 2) {
        for (size_t i = 0; !rc && i < sizeof v2_sql / sizeof *v2_sql; i++) {
            char *sql = strdup(v2_sql[i][2]);
            if (!sql) rc = SLATE_NOMEM;
            /* an index names its table; a table or view is its own */
            else add_obj(o, n, v2_sql[i][0], strcmp(v2_sql[i][0], "index") ? v2_sql[i][1] : "events",
                         v2_sql[i][1], sql);
        }
        if (rc) free_objects(o, *n);
        return rc;
    }
    if (!rc)
        rc = add_table(o, n, "decisions", dlog_decision_names, decision_types, DLOG_NDECISION_COLS);
    for (size_t i = 0; !rc && i < sizeof index_sql / sizeof *index_sql; i++) {
        char *sql = strdup(index_sql[i][2]);
        if (!sql) rc = SLATE_NOMEM;
        else add_obj(o, n, "index", index_sql[i][1], index_sql[i][0], sql);
    }
    if (rc) free_objects(o, *n);
    return rc;
}

int dlog_schema_version(sqlite3 *db)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &st,
                           NULL) != SQLITE_OK)
        return -1;
    int v = -1;
    char msg[160];
    if (sqlite3_step(st) == SQLITE_ROW) { /* a version dlog_check_version() accepts */
        const char *t = (const char *)sqlite3_column_text(st, 0);
        if (t && !dlog_check_version(t, msg, sizeof msg)) v = atoi(t);
    }
    sqlite3_finalize(st);
    return v;
}

int dlog_partitions(sqlite3 *db)
{
    sqlite3_stmt *st;
    /* no meta table (not a log): no row either; the schema check says why */
    if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = '" DLOG_PARTITIONS_KEY "'",
                           -1, &st, NULL) != SQLITE_OK)
        return 0;
    int n = 0, step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(st, 0);
        size_t len = v ? strlen(v) : 0;
        n = -1;
        if (sqlite3_column_type(st, 0) == SQLITE_TEXT && len && len < 6 &&
            strspn(v, "0123456789") == len && v[0] != '0' && atoi(v) <= SLATE_LOG_MAX_PARTITIONS)
            n = atoi(v);
    } else if (step != SQLITE_DONE) {
        n = -1;
    }
    sqlite3_finalize(st);
    return n;
}

int dlog_check_schema(sqlite3 *db, char *msg, size_t size)
{
    schema_obj want[NSCHEMA_MAX];
    size_t n;
    int seen[NSCHEMA_MAX] = {0};
    int parts = dlog_partitions(db);
    if (parts < 0) {
        snprintf(msg, size, "meta: `" DLOG_PARTITIONS_KEY "` is not a partition count from 1 to "
                            "%d: it was edited outside slate", SLATE_LOG_MAX_PARTITIONS);
        return SLATE_ERROR;
    }
    int version = dlog_schema_version(db);
    if (version < 0) {
        snprintf(msg, size, "meta: schema_version is not a version this slate reads");
        return SLATE_ERROR;
    }
    if (schema_objects(want, &n, version, parts > 0)) return SLATE_NOMEM;
    sqlite3_stmt *st;
    int rc = SLATE_OK, step;
    if (sqlite3_prepare_v2(db, "SELECT type, name, tbl_name, sql FROM sqlite_master", -1, &st,
                           NULL) != SQLITE_OK) {
        snprintf(msg, size, "schema: %s", sqlite3_errmsg(db));
        free_objects(want, n);
        return SLATE_ERROR;
    }
    while (!rc && (step = sqlite3_step(st)) == SQLITE_ROW) {
        const char *type = (const char *)sqlite3_column_text(st, 0);
        const char *name = (const char *)sqlite3_column_text(st, 1);
        const char *table = (const char *)sqlite3_column_text(st, 2);
        const char *sql = (const char *)sqlite3_column_text(st, 3);
        if (!type) type = "?";
        if (!name) name = "?";
        size_t i = 0;
        while (i < n && (strcmp(want[i].type, type) || strcmp(want[i].name, name))) i++;
        if (i == n) {
            /* a trigger would run on the writer's inserts, a view or an index
             * change what a query reads: none of them is covered by the chain */
            int on = table && strcmp(table, name);
            snprintf(msg, size, "schema: the log holds %s `%s`%s%s%s, which slate does not "
                                "create: it was added outside slate",
                     type, name, on ? " on `" : "", on ? table : "", on ? "`" : "");
            rc = SLATE_ERROR;
        } else if (!table || strcmp(table, want[i].table) || (!sql) != (!want[i].sql) ||
                   (sql && strcmp(sql, want[i].sql))) {
            snprintf(msg, size, "schema: %s `%s` is not the one slate creates: it was changed "
                                "outside slate", type, name);
            rc = SLATE_ERROR;
        } else {
            seen[i] = 1;
        }
    }
    if (!rc && step != SQLITE_DONE) {
        snprintf(msg, size, "schema: %s", sqlite3_errmsg(db));
        rc = SLATE_ERROR;
    }
    sqlite3_finalize(st);
    for (size_t i = 0; !rc && i < n; i++)
        if (!seen[i]) {
            int on = strcmp(want[i].table, want[i].name);
            snprintf(msg, size, "schema: %s `%s`%s%s%s is missing", want[i].type, want[i].name,
                     on ? " on `" : "", on ? want[i].table : "", on ? "`" : "");
            rc = SLATE_ERROR;
        }
    free_objects(want, n);
    return rc;
}

int dlog_check_version(const char *v, char *msg, size_t size)
{
    if (!v) {
        snprintf(msg, size, "not a slate decision log (meta has no schema_version)");
        return SLATE_ERROR;
    }
    size_t n = strlen(v);
    if (!n || n > 9 || strspn(v, "0123456789") != n) {
        snprintf(msg, size, "meta's schema_version is `%.40s`%s, not a version number: not a "
                            "log this slate reads (it reads versions 1 to %d)",
                 v, n > 40 ? "..." : "", SLATE_LOG_SCHEMA_VERSION);
        return SLATE_ERROR;
    }
    if (atoi(v) < 1 || atoi(v) > SLATE_LOG_SCHEMA_VERSION || (n > 1 && v[0] == '0')) {
        snprintf(msg, size, "log schema version %s, this slate reads versions 1 to %d", v,
                 SLATE_LOG_SCHEMA_VERSION);
        return SLATE_ERROR;
    }
    return SLATE_OK;
}

/* Create tables and the sealed meta rows of a new log (inside a transaction). */
static int create_schema(slate_log *log)
{
    schema_obj objs[NSCHEMA_MAX];
    size_t nobjs;
    if (schema_objects(objs, &nobjs, log->version, log->partitions > 0))
        return dlog_fail(log, SLATE_NOMEM, "out of memory");
    dlog_buf b = {0};
    for (size_t i = 0; i < nobjs; i++)
        if (objs[i].sql) dlog_buf_printf(&b, "%s;\n", objs[i].sql);
    free_objects(objs, nobjs);
    if (b.failed) {
        dlog_buf_free(&b);
        return dlog_fail(log, SLATE_NOMEM, "out of memory");
    }
    int rc = dlog_exec(log, b.p);
    dlog_buf_free(&b);
    if (rc) return rc;

    /* Sealed meta: these rows never change and start the chain. */
    size_t n = 3 + (log->key ? 1 : 0) + (log->partitions ? 1 : 0) + log->nopts;
    const char **keys = calloc(n, sizeof *keys), **vals = calloc(n, sizeof *vals);
    char **owned = calloc(n, sizeof *owned);
    char check[65], ver[16], parts[16];
    if (!keys || !vals || !owned) {
        free(keys);
        free(vals);
        free(owned);
        return dlog_fail(log, SLATE_NOMEM, "out of memory");
    }
    size_t k = 0;
    snprintf(ver, sizeof ver, "%d", log->version);
    keys[k] = "schema_version", vals[k++] = ver;
    keys[k] = "slate_version", vals[k++] = SLATE_VERSION;
    keys[k] = "pseudonym", vals[k++] = log->key ? "hmac-sha256" : "none";
    if (log->key) {
        slate_log_pseudonym(log->key, log->key_len, "slate pseudonym key check", 25, check);
        keys[k] = "pseudonym_check", vals[k++] = check;
    }
    if (log->partitions) { /* absent from a log of one engine: its genesis is unchanged */
        snprintf(parts, sizeof parts, "%u", log->partitions);
        keys[k] = DLOG_PARTITIONS_KEY, vals[k++] = parts;
    }
    for (size_t i = 0; i < log->nopts; i++) {
        size_t len = strlen(log->opt_keys[i]) + 5;
        owned[i] = malloc(len);
        if (!owned[i]) {
            rc = dlog_fail(log, SLATE_NOMEM, "out of memory");
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
        rc = dlog_sql_fail(log, "cannot create the log");
        goto out;
    }
    const char *state[][2] = {{"state.pos", "0"}, {"state.chain", genesis_hex},
                              {"state.genesis", genesis_hex}, {"state.writer", SLATE_VERSION}};
    for (size_t i = 0; i < n + 4 && !rc; i++) {
        const char *key = i < n ? keys[i] : state[i - n][0];
        const char *val = i < n ? vals[i] : state[i - n][1];
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, val, -1, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) rc = dlog_sql_fail(log, "cannot create the log");
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
int dlog_query_text(slate_log *log, const char *sql, const char *param, char *out,
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
    if (dlog_query_text(log, sql, NULL, buf, sizeof buf) != 1) return -1;
    return strtoll(buf, NULL, 10);
}

int dlog_meta_get(slate_log *log, const char *key, char *out, size_t size)
{
    return dlog_query_text(log, "SELECT value FROM meta WHERE key = ?1", key, out, size);
}

/* Check an existing log against this handle's key and options, and load the
 * state the writer continues from. */
static int load_existing(slate_log *log)
{
    char v[256], msg[512];
    int found = dlog_meta_get(log, "schema_version", v, sizeof v);
    if (found < 0) return dlog_sql_fail(log, "cannot read meta");
    if (dlog_check_version(found ? v : NULL, msg, sizeof msg))
        return dlog_fail(log, SLATE_ERROR, "%s", msg);
    /* a trigger would run on every row written, and the replay's check reads
     * through the schema: it must be exactly the one slate creates */
    int rc = dlog_check_schema(log->db, msg, sizeof msg);
    if (rc) return rc == SLATE_NOMEM ? dlog_fail(log, rc, "out of memory")
                                     : dlog_fail(log, rc, "%s", msg);
    if (dlog_meta_get(log, "pseudonym", v, sizeof v) != 1)
        return dlog_fail(log, SLATE_ERROR, "meta has no `pseudonym` setting");
    log->version = dlog_schema_version(log->db); /* 1 or 2: the version check passed */
    int parts = dlog_partitions(log->db); /* a valid count: the schema check passed */
    if (log->check)
        log->partitions = (unsigned)parts;
    else if (log->partitions)
        return dlog_fail(log, SLATE_ERROR, "the file exists: a partitioned log (an archive) is "
                                           "written to a new file");
    else if (parts > 0)
        return dlog_fail(log, SLATE_ERROR, "the log is a partitioned archive of %d partitions "
                                           "(`slate archive --log`): it takes no other entries",
                         parts);
    if (log->check) {
        /* replaying what is stored: ids are already what the log keeps */
    } else if (!strcmp(v, "none") && log->key)
        return dlog_fail(log, SLATE_ERROR,
                    "the log stores case ids in clear; it cannot take a pseudonym key");
    if (!log->check && strcmp(v, "none") && !log->key)
        return dlog_fail(log, SLATE_ERROR, "the log stores pseudonyms: give the same key to add to it");
    if (log->key && !log->check) {
        char check[65];
        slate_log_pseudonym(log->key, log->key_len, "slate pseudonym key check", 25, check);
        if (dlog_meta_get(log, "pseudonym_check", v, sizeof v) != 1 || strcmp(v, check))
            return dlog_fail(log, SLATE_ERROR, "the pseudonym key differs from the one the log was "
                                          "written with");
    }
    for (size_t i = 0; i < log->nopts; i++) {
        char key[256];
        snprintf(key, sizeof key, "opt.%s", log->opt_keys[i]);
        int r = dlog_meta_get(log, key, v, sizeof v);
        if (r != 1)
            return dlog_fail(log, SLATE_ERROR, "the log was written without option `%s`",
                        log->opt_keys[i]);
        if (strcmp(v, log->opt_values[i]))
            return dlog_fail(log, SLATE_ERROR, "option `%s` is %s in the log, not %s",
                        log->opt_keys[i], v, log->opt_values[i]);
    }
    if (dlog_meta_get(log, "state.pos", v, sizeof v) != 1)
        return dlog_fail(log, SLATE_ERROR, "meta has no state.pos");
    log->pos = strtoll(v, NULL, 10);
    if (dlog_meta_get(log, "state.chain", log->head_hex, sizeof log->head_hex) != 1 ||
        strlen(log->head_hex) != 64)
        return dlog_fail(log, SLATE_ERROR, "meta has no valid state.chain");
    for (int i = 0; i < 32; i++) {
        unsigned x;
        if (sscanf(log->head_hex + 2 * i, "%2x", &x) != 1)
            return dlog_fail(log, SLATE_ERROR, "meta has no valid state.chain");
        log->head[i] = (uint8_t)x;
    }

    /* The head must be the last row: otherwise rows were added or removed
     * behind the writer's back, and appending would hide it. */
    /* (version 2 has no decisions table: its decisions are in the events rows) */
    const char *v2 = log->version >= 2 ? "" : "UNION ALL SELECT max(pos) FROM decisions";
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT max(m) FROM (SELECT max(pos) m FROM policies "
                              "UNION ALL SELECT max(pos) FROM events %s)", v2);
    int64_t maxpos = query_int(log, sql);
    if (maxpos < 0) maxpos = 0;
    snprintf(sql, sizeof sql, "SELECT (SELECT count(*) FROM policies) + "
                              "(SELECT count(*) FROM events)%s",
             log->version >= 2 ? "" : " + (SELECT count(*) FROM decisions)");
    int64_t nrows = query_int(log, sql);
    if (maxpos != log->pos || nrows != log->pos)
        return dlog_fail(log, SLATE_ERROR,
                    "the log holds %" PRId64 " rows up to pos %" PRId64 " but meta records %" PRId64
                    ": it was changed outside slate (`slate replay` names the damage)",
                    nrows, maxpos, log->pos);
    if (log->pos > 0) {
        char chain[80] = "";
        char num[24] = "";
        if (log->version < 2) snprintf(num, sizeof num, "%" PRId64, log->pos);
        snprintf(sql, sizeof sql,
                 "SELECT chain FROM policies WHERE pos = %" PRId64 " UNION ALL "
                 "SELECT chain FROM events WHERE pos = %" PRId64 "%s%s",
                 log->pos, log->pos,
                 log->version < 2 ? " UNION ALL SELECT chain FROM decisions WHERE pos = " : "", num);
        if (dlog_query_text(log, sql, NULL, chain, sizeof chain) != 1 || strcmp(chain, log->head_hex))
            return dlog_fail(log, SLATE_ERROR,
                        "the log's last row does not carry the recorded chain head: it was "
                        "changed outside slate (`slate replay` names the damage)");
    }
    log->entry_id = query_int(log, "SELECT coalesce(max(id), 0) FROM events");
    log->last_event_seq = (uint64_t)query_int(log, "SELECT coalesce(max(seq), 0) FROM events");
    log->last_decision_seq =
        (uint64_t)query_int(log, log->version >= 2
                                     ? "SELECT coalesce((SELECT dseq + ndecisions - 1 FROM events "
                                       "WHERE dseq IS NOT NULL ORDER BY id DESC LIMIT 1), 0)"
                                     : "SELECT coalesce(max(seq), 0) FROM decisions");
    if (dlog_query_text(log, "SELECT policy_hash FROM events ORDER BY id DESC LIMIT 1", NULL,
                   log->policy_hash, sizeof log->policy_hash) < 0)
        return dlog_sql_fail(log, "cannot read the log");
    if (log->policy_hash[0]) {
        char file[1024];
        int r = dlog_query_text(log, "SELECT coalesce(file, '') FROM policies WHERE hash = ?1",
                           log->policy_hash, file, sizeof file);
        if (r != 1)
            return dlog_fail(log, SLATE_ERROR, "policy %.12s is named by events but not stored",
                        log->policy_hash);
        log->policy_file = strdup(file);
        if (!log->policy_file) return dlog_fail(log, SLATE_NOMEM, "out of memory");
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
    if (n <= 0) return n < 0 ? dlog_sql_fail(log, "cannot read meta") : SLATE_OK;
    log->opt_keys = calloc((size_t)n, sizeof *log->opt_keys);
    log->opt_values = calloc((size_t)n, sizeof *log->opt_values);
    if (!log->opt_keys || !log->opt_values) return dlog_fail(log, SLATE_NOMEM, "out of memory");
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(log->db, "SELECT substr(key, 5), value FROM meta "
                                    "WHERE substr(key, 1, 4) = 'opt.' ORDER BY key",
                           -1, &st, NULL) != SQLITE_OK)
        return dlog_sql_fail(log, "cannot read meta");
    int rc = SLATE_OK;
    while (log->nopts < (size_t)n && sqlite3_step(st) == SQLITE_ROW) {
        size_t i = log->nopts++;
        log->opt_keys[i] = strdup((const char *)sqlite3_column_text(st, 0));
        log->opt_values[i] = strdup((const char *)sqlite3_column_text(st, 1));
        if (!log->opt_keys[i] || !log->opt_values[i]) rc = dlog_fail(log, SLATE_NOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    return rc;
}

static int prepare(slate_log *log, sqlite3_stmt **st, const char *sql)
{
    if (sqlite3_prepare_v3(log->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) != SQLITE_OK)
        return dlog_sql_fail(log, "cannot prepare statement");
    return SLATE_OK;
}

static void select_sql(dlog_buf *b, const char *table, const char *const *names, size_t n)
{
    dlog_buf_puts(b, "SELECT ");
    for (size_t i = 0; i < n; i++) dlog_buf_printf(b, "%s, ", names[i]);
    /* one forward scan per table in pos order, not a lookup per row */
    dlog_buf_printf(b, "chain FROM %s WHERE pos >= ?1 ORDER BY pos", table);
}

static int prepare_check(slate_log *log)
{
    dlog_buf b = {0};
    int rc = SLATE_OK;
    select_sql(&b, "policies", dlog_policy_names, DLOG_NPOLICY_COLS);
    if (!b.failed) rc = prepare(log, &log->ins_policy, b.p);
    b.len = 0;
    select_sql(&b, "events", dlog_event_names, log->nev);
    if (!rc && !b.failed) rc = prepare(log, &log->ins_event, b.p);
    b.len = 0;
    select_sql(&b, "decisions", dlog_decision_names, DLOG_NDECISION_COLS);
    if (!rc && !b.failed && log->version < 2) rc = prepare(log, &log->ins_decision, b.p);
    if (!rc && b.failed) rc = dlog_fail(log, SLATE_NOMEM, "out of memory");
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
    insert_sql(&b, "policies", dlog_policy_names, DLOG_NPOLICY_COLS);
    if (!b.failed) rc = prepare(log, &log->ins_policy, b.p);
    b.len = 0;
    insert_sql(&b, "events", dlog_event_names, log->nev);
    if (!rc && !b.failed) rc = prepare(log, &log->ins_event, b.p);
    b.len = 0;
    insert_sql(&b, "decisions", dlog_decision_names, DLOG_NDECISION_COLS);
    if (!rc && !b.failed && log->version < 2) rc = prepare(log, &log->ins_decision, b.p);
    if (!rc && log->version >= 2)
        rc = prepare(log, &log->ins_case,
                     "INSERT OR IGNORE INTO case_index (case_id, entry) VALUES (?1, ?2)");
    if (!rc && log->version >= 2) rc = dlog_queue_prepare(log);
    if (!rc && b.failed) rc = dlog_fail(log, SLATE_NOMEM, "out of memory");
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
    if (!log->opt_keys || !log->opt_values) return dlog_fail(log, SLATE_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        const char *eq = strchr(options[i], '=');
        if (!eq || eq == options[i])
            return dlog_fail(log, SLATE_MISUSE, "option `%s` is not key=value", options[i]);
        log->opt_keys[i] = strndup(options[i], (size_t)(eq - options[i]));
        log->opt_values[i] = strdup(eq + 1);
        log->nopts = i + 1;
        if (!log->opt_keys[i] || !log->opt_values[i])
            return dlog_fail(log, SLATE_NOMEM, "out of memory");
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
    if (dlog_meta_get(log, "state.genesis", v, sizeof v) != 1 || strlen(v) != 64)
        return dlog_fail(log, SLATE_ERROR, "meta has no valid state.genesis");
    for (int i = 0; i < 32; i++) {
        unsigned x;
        if (sscanf(v + 2 * i, "%2x", &x) != 1)
            return dlog_fail(log, SLATE_ERROR, "meta has no valid state.genesis");
        log->head[i] = (uint8_t)x;
    }
    return SLATE_OK;
}

void dlog_free_log(slate_log *log)
{
    dlog_verifier_free(log->ver);
    dlog_buf_free(&log->stored);
    if (log->check && log->db) sqlite3_exec(log->db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_finalize(log->ins_policy);
    sqlite3_finalize(log->ins_event);
    sqlite3_finalize(log->ins_decision);
    sqlite3_finalize(log->ins_case);
    sqlite3_finalize(log->ins_events_k);
    sqlite3_finalize(log->ins_cases_k);
    sqlite3_finalize(log->has_policy);
    sqlite3_finalize(log->set_state);
    if (log->check) dlog_close_ro(log->db, log->ro_cleanup);
    else sqlite3_close(log->db);
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
    dlog_buf_free(&log->packed);
    dlog_buf_free(&log->qtext);
    free(log->qrows);
    free(log->qcases);
    free(log->cids);
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
    log->batch = opts->batch ? opts->batch : 4096;
    log->check = opts->check;
    log->partitions = opts->check ? 0 : opts->partitions;
    log->last_part = -1;
    /* a new log's version; an existing one's is read from it (load_existing) */
    log->version = opts->schema ? (int)opts->schema : SLATE_LOG_SCHEMA_VERSION;
    int rc0 = opts->partitions > SLATE_LOG_MAX_PARTITIONS && !opts->check
                  ? dlog_fail(log, SLATE_MISUSE, "%u partitions: at most %d", opts->partitions,
                              SLATE_LOG_MAX_PARTITIONS)
              : opts->schema > SLATE_LOG_SCHEMA_VERSION && !opts->check
                  ? dlog_fail(log, SLATE_MISUSE, "schema version %u: this slate writes 1 to %d",
                              opts->schema, SLATE_LOG_SCHEMA_VERSION)
                  : SLATE_OK;
    int rc = rc0 ? rc0 : parse_options(log, opts->options);
    if (!rc && opts->pseudonym_key && !log->check) {
        log->key = malloc(opts->pseudonym_key_len ? opts->pseudonym_key_len : 1);
        if (!log->key) rc = dlog_fail(log, SLATE_NOMEM, "out of memory");
        else if (opts->pseudonym_key_len)
            memcpy(log->key, opts->pseudonym_key, opts->pseudonym_key_len);
        log->key_len = opts->pseudonym_key_len;
        if (!rc && !log->key_len) rc = dlog_fail(log, SLATE_MISUSE, "the pseudonym key is empty");
    }
    int flags = SQLITE_OPEN_READWRITE | (opts->must_exist ? 0 : SQLITE_OPEN_CREATE);
    /* NOMUTEX: a handle is used by one thread at a time (slate_log.h), and the
     * mutex around every sqlite3_* call cost ~8% of a replay */
    flags |= SQLITE_OPEN_NOMUTEX;
    if (!rc && log->check) {
        /* as the readers open it: read-only, immutable where it cannot change */
        char msg[1024];
        int orc = dlog_open_ro(path, 0, &log->db, &log->ro_cleanup, msg, sizeof msg);
        if (orc) rc = dlog_fail(log, orc == SLATE_NOMEM ? orc : SLATE_ERROR, "%s: %s", path, msg);
    } else if (!rc && sqlite3_open_v2(path, &log->db, flags, NULL) != SQLITE_OK) {
        rc = dlog_fail(log, SLATE_ERROR, "%s: %s", path,
                  log->db ? sqlite3_errmsg(log->db) : "cannot open");
    }
    if (!rc) {
        sqlite3_busy_timeout(log->db, 5000);
        sqlite3_extended_result_codes(log->db, 1);
    }
    /* WAL: auditors may read while the log is written, and a commit appends to
     * the WAL instead of rewriting pages.  FULL syncs the WAL on every commit,
     * which batching makes rare: a committed batch survives a power loss. */
    /* Version 2 rows are an entry with its decisions (~700 bytes): 16 KiB
     * pages hold ~20 of them: 15-20% less of the writer's CPU than 4 KiB
     * pages (bench/RESULTS.md).  Only a new file takes it; SQLite ignores it
     * for an existing one. */
    if (!rc && !log->check && log->version >= 2) rc = dlog_exec(log, "PRAGMA page_size=16384");
    if (!rc && !log->check) rc = dlog_exec(log, "PRAGMA journal_mode=WAL");
    if (!rc && !log->check)
        rc = dlog_exec(log, opts->sync_normal ? "PRAGMA synchronous=NORMAL" : "PRAGMA synchronous=FULL");
    /* A batch dirties index pages all over the case_id indexes: with SQLite's
     * 2 MB default cache they were spilled and read back mid-batch (a third of
     * the writer's reads and writes on a 1 GB log).  A longer WAL between
     * checkpoints copies a page rewritten by several batches once.  Memory:
     * up to 32 MB of cache; the WAL grows to ~32 MB before it is checkpointed. */
    if (!rc && !log->check)
        rc = dlog_exec(log, "PRAGMA cache_size=-32768; PRAGMA wal_autocheckpoint=8192");
    /* the same ~32 MB of WAL between checkpoints, in the file's own pages */
    if (!rc && !log->check && log->version >= 2 &&
        query_int(log, "PRAGMA page_size") == 16384)
        rc = dlog_exec(log, "PRAGMA wal_autocheckpoint=2048");
    /* check mode reads one snapshot for the whole replay */
    if (!rc) rc = dlog_exec(log, log->check ? "BEGIN" : "BEGIN IMMEDIATE");
    if (!rc) {
        int64_t ntables = query_int(log, "SELECT count(*) FROM sqlite_master");
        int64_t hasmeta = query_int(log, "SELECT count(*) FROM sqlite_master "
                                         "WHERE type = 'table' AND name = 'meta'");
        if (ntables < 0 || hasmeta < 0)
            rc = dlog_sql_fail(log, path);
        else if (ntables == 0 && log->check)
            rc = dlog_fail(log, SLATE_ERROR, "%s: not a slate decision log", path);
        else if (ntables == 0)
            rc = create_schema(log);
        else if (!hasmeta)
            rc = dlog_fail(log, SLATE_ERROR, "%s: not a slate decision log", path);
        else if (!(rc = load_existing(log)))
            rc = load_options(log);
        if (!rc && log->check) rc = rewind_for_check(log);
        if (!log->check) {
            if (!rc) rc = dlog_exec(log, "COMMIT");
            else sqlite3_exec(log->db, "ROLLBACK", NULL, NULL, NULL);
        }
    }
    log->nev = DLOG_NEVENT(log->version, log->partitions);
    if (!rc) rc = prepare_all(log);
    /* verify mode: a problem the verifier finds is kept for the replay to meet
     * (and slate_log_check_verify() to name); only running out of memory fails here */
    if (!rc && log->check && opts->verify &&
        dlog_verifier_open(log->db, &log->ver) == SLATE_NOMEM)
        rc = dlog_fail(log, SLATE_NOMEM, "out of memory");
    if (!rc && log->ver) dlog_verifier_defer_packed(log->ver); /* the replay compares them */
    if (rc) {
        if (strncmp(log->errmsg, path, strlen(path)))
            dlog_set_err(err, "%s: %s", path, log->errmsg);
        else
            dlog_set_err(err, "%s", log->errmsg);
        dlog_free_log(log);
        return rc;
    }
    dlog_hex(log->head, 32, log->head_hex);
    dlog_remember_committed(log);
    *out = log;
    return SLATE_OK;
}

