/*
 * logv2_proto.c - a measuring prototype of the decision log's schema v2 (issue 16).
 * Kept for its measurements (bench/RESULTS.md); the schema 2 slate writes is the
 * one described in docs/audit-log.md (runtime/log/), not this prototype's.
 *
 * It answers, before the writer is rewritten, what packing costs and gains: the
 * entry and its decisions in one row (a JSON array of decisions, one chain hash per
 * row), or BLOCK=K entries per row (a JSON array of entries, one hash per block).
 *   write V1.DB OUT.DB full|normal [nocases]  copies a v1 log's entries and decisions
 *       (read into memory first, untimed) into the v2 layout and times the writing:
 *       encoding, hashing, INSERTs, the case index (`cases`, rows sorted per batch),
 *       commits every 4096 entries, as the writer would; prints wall and CPU time.
 *   read OUT.DB nettle|evp|openssl|none  one forward read of every row, hashed as
 *       the verifier would (replay's floor: no engine, no comparison); nettle's
 *       SHA-256 against OpenSSL's (EVP with the digest fetched once, and the
 *       one-shot SHA256()); DECODE=1 also takes blocks apart as replay must.
 * Environment: BLOCK=K (entries per row; 0 or unset: one row per entry),
 * ENCODE_ONLY=1 (write: encode and hash, store nothing),
 * PAGE_SIZE=N (SQLite page size), LOAD_ONLY=1 (stop after loading, for profiles).
 * The auditors' views over each layout: bench/logv2_views.sql and
 * bench/logv2_views_blocks.sql.  Figures: bench/RESULTS.md, "Decision log v2".
 *
 * It is NOT the log library and not a v2 writer: no meta rows, no policies table,
 * no resume, no schema or tamper checks, no pseudonyms; the chain is the netstrings
 * of docs/audit-log.md over the prototype's columns.  Not built by the Makefile
 * (it links OpenSSL only to compare): cc -O2 -o build/logv2_proto
 * bench/logv2_proto.c -lsqlite3 -lnettle -lcrypto
 */
#define _POSIX_C_SOURCE 200809L
#include <nettle/sha2.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

typedef struct {
    char *p;
    size_t len, cap;
} buf;

static void put(buf *b, const void *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = 0;
}
static void puts_(buf *b, const char *s) { put(b, s, strlen(s)); }
/* Decimal digits of v into t (at least 21 bytes), without printf; returns the length. */
static size_t i64_dec(int64_t v, char *t)
{
    char r[24];
    size_t n = 0, k = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do r[n++] = (char)('0' + u % 10); while (u /= 10);
    if (v < 0) t[k++] = '-';
    while (n) t[k++] = r[--n];
    return k;
}
static void puti(buf *b, int64_t v)
{
    char t[24];
    put(b, t, i64_dec(v, t));
}
/* A JSON string (the log's values are already valid UTF-8 JSON-safe text except
 * for quotes, backslashes and controls, which are escaped). */
static void putjs(buf *b, const char *s)
{
    put(b, "\"", 1);
    while (*s) {
        const char *r = s; /* a run of bytes copied as they are */
        while (*r && *r != '"' && *r != '\\' && (unsigned char)*r >= 0x20) r++;
        put(b, s, (size_t)(r - s));
        if (!*r) break;
        unsigned char c = (unsigned char)*r;
        if (c == '"' || c == '\\') { put(b, "\\", 1); put(b, r, 1); }
        else { char t[8]; put(b, t, (size_t)snprintf(t, sizeof t, "\\u%04x", c)); }
        s = r + 1;
    }
    put(b, "\"", 1);
}

static char *dup(const unsigned char *s) { return s ? strdup((const char *)s) : NULL; }

typedef struct {
    int64_t id, seq, at, nd;
    int has_seq, has_at;
    char *kind, *case_id, *type, *status, *reason, *payload, *phash;
} entry;
typedef struct {
    int64_t entry, event_seq, at, line;
    int has_event;
    char *event_id, *case_id, *label, *action, *args;
} decision;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of this process so far: the machine is shared, so
 * wall time alone is noise. */
static double cpu(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           (double)(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static void die(sqlite3 *db, const char *what)
{
    fprintf(stderr, "%s: %s\n", what, db ? sqlite3_errmsg(db) : "?");
    exit(1);
}

/* Netstrings as docs/audit-log.md defines them, gathered in one buffer. */
static void ns_null(buf *b) { put(b, "~", 1); }
static void ns_bytes(buf *b, const void *p, size_t n)
{
    puti(b, (int64_t)n);
    put(b, ":", 1);
    put(b, p, n);
    put(b, ",", 1);
}
static void ns_text(buf *b, const char *s) { s ? ns_bytes(b, s, strlen(s)) : ns_null(b); }
static void ns_int(buf *b, int64_t v)
{
    char t[24];
    ns_bytes(b, t, i64_dec(v, t));
}

static const char *SCHEMA =
    "CREATE TABLE entries (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, seq INTEGER UNIQUE,"
    " at_ms INTEGER, case_id TEXT, type TEXT, status TEXT, reason TEXT, payload TEXT,"
    " policy_hash TEXT, policy INTEGER NOT NULL, dseq INTEGER, ndecisions INTEGER NOT NULL, decisions TEXT,"
    " chain BLOB NOT NULL);";
/* BLOCK=K: K entries per row, each entry a JSON array [id, kind, seq, at_ms, case,
 * type, status, reason, payload (as a JSON string), policy_hash, policy, dseq,
 * ndecisions, decisions], the row's chain over its id, first entry and data. */
static const char *BLOCKS =
    "CREATE TABLE blocks (id INTEGER PRIMARY KEY, first INTEGER NOT NULL, data TEXT NOT NULL,"
    " chain BLOB NOT NULL);";
static const char *CASES =
    "CREATE TABLE cases (case_id TEXT NOT NULL, entry INTEGER NOT NULL,"
    " PRIMARY KEY (case_id, entry)) WITHOUT ROWID;";

/* A case index row waiting for its batch's commit: inserting a batch's rows in key
 * order walks the index's pages once instead of jumping between them per entry. */
typedef struct {
    const char *c;
    int64_t entry;
} pair;
static int pair_cmp(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    int r = strcmp(x->c, y->c);
    return r ? r : (x->entry > y->entry) - (x->entry < y->entry);
}
static void flush_pairs(sqlite3 *db, sqlite3_stmt *cins, pair *P, size_t *np)
{
    qsort(P, *np, sizeof *P, pair_cmp);
    for (size_t k = 0; k < *np; k++) {
        if (k && !pair_cmp(&P[k], &P[k - 1])) continue;
        sqlite3_bind_text(cins, 1, P[k].c, -1, SQLITE_STATIC);
        sqlite3_bind_int64(cins, 2, P[k].entry);
        if (sqlite3_step(cins) != SQLITE_DONE) die(db, "cases step");
        sqlite3_reset(cins);
    }
    *np = 0;
}

static void free_loaded(entry *E, size_t ne, decision *D, size_t nd)
{
    for (size_t i = 0; i < ne; i++) {
        entry *e = &E[i];
        free(e->kind), free(e->case_id), free(e->type), free(e->status);
        free(e->reason), free(e->payload), free(e->phash);
    }
    for (size_t i = 0; i < nd; i++) {
        decision *d = &D[i];
        free(d->event_id), free(d->case_id), free(d->label), free(d->action), free(d->args);
    }
    free(E);
    free(D);
}

static int cmd_write(const char *src, const char *out, int full, int nocases)
{
    sqlite3 *in, *db;
    sqlite3_stmt *st;
    if (sqlite3_open_v2(src, &in, SQLITE_OPEN_READONLY, NULL)) die(in, src);
    size_t ne = 0, nd = 0, ce = 1 << 16, cd = 1 << 16;
    entry *E = malloc(ce * sizeof *E);
    decision *D = malloc(cd * sizeof *D);
    if (sqlite3_prepare_v2(in,
                           "SELECT id, kind, seq, at_ms, case_id, type, status, reason, payload,"
                           " policy_hash, ndecisions FROM events ORDER BY id",
                           -1, &st, NULL))
        die(in, "events");
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (ne == ce) E = realloc(E, (ce *= 2) * sizeof *E);
        entry *e = &E[ne++];
        e->id = sqlite3_column_int64(st, 0);
        e->kind = dup(sqlite3_column_text(st, 1));
        e->has_seq = sqlite3_column_type(st, 2) != SQLITE_NULL;
        e->seq = sqlite3_column_int64(st, 2);
        e->has_at = sqlite3_column_type(st, 3) != SQLITE_NULL;
        e->at = sqlite3_column_int64(st, 3);
        e->case_id = dup(sqlite3_column_text(st, 4));
        e->type = dup(sqlite3_column_text(st, 5));
        e->status = dup(sqlite3_column_text(st, 6));
        e->reason = dup(sqlite3_column_text(st, 7));
        e->payload = dup(sqlite3_column_text(st, 8));
        e->phash = dup(sqlite3_column_text(st, 9));
        e->nd = sqlite3_column_int64(st, 10);
    }
    sqlite3_finalize(st);
    if (sqlite3_prepare_v2(in,
                           "SELECT entry, event_seq, event_id, case_id, at_ms, rule_line,"
                           " rule_label, action, args FROM decisions ORDER BY seq",
                           -1, &st, NULL))
        die(in, "decisions");
    while (sqlite3_step(st) == SQLITE_ROW) {
        if (nd == cd) D = realloc(D, (cd *= 2) * sizeof *D);
        decision *d = &D[nd++];
        d->entry = sqlite3_column_int64(st, 0);
        d->has_event = sqlite3_column_type(st, 1) != SQLITE_NULL;
        d->event_seq = sqlite3_column_int64(st, 1);
        d->event_id = dup(sqlite3_column_text(st, 2));
        d->case_id = dup(sqlite3_column_text(st, 3));
        d->at = sqlite3_column_int64(st, 4);
        d->line = sqlite3_column_int64(st, 5);
        d->label = dup(sqlite3_column_text(st, 6));
        d->action = dup(sqlite3_column_text(st, 7));
        d->args = dup(sqlite3_column_text(st, 8));
    }
    sqlite3_finalize(st);
    sqlite3_close(in);

    if (getenv("LOAD_ONLY")) { /* for profiles: the loading alone */
        free_loaded(E, ne, D, nd);
        return 0;
    }
    double t0 = now(), c0 = cpu();
    remove(out);
    if (sqlite3_open_v2(out, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL))
        die(db, out);
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas,
             "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s; PRAGMA cache_size=-32000;"
             " PRAGMA wal_autocheckpoint=8192;",
             full ? "FULL" : "NORMAL");
    const char *ps = getenv("PAGE_SIZE"); /* an experiment: larger pages */
    if (ps) {
        char q[64];
        snprintf(q, sizeof q, "PRAGMA page_size=%d", atoi(ps));
        if (sqlite3_exec(db, q, NULL, NULL, NULL)) die(db, "page_size");
    }
    if (sqlite3_exec(db, pragmas, NULL, NULL, NULL)) die(db, "pragmas");
    int K = getenv("BLOCK") ? atoi(getenv("BLOCK")) : 0;
    /* ENCODE_ONLY=1: encode and hash as for writing, store nothing (what replay's
     * comparison costs when it re-renders rows with the writer's code) */
    int encode_only = getenv("ENCODE_ONLY") != NULL;
    if (sqlite3_exec(db, K ? BLOCKS : SCHEMA, NULL, NULL, NULL)) die(db, "schema");
    if (!nocases && sqlite3_exec(db, CASES, NULL, NULL, NULL)) die(db, "cases");
    sqlite3_stmt *ins, *cins = NULL;
    if (sqlite3_prepare_v2(db, K ? "INSERT INTO blocks VALUES (?,?,?,?)"
                                 : "INSERT INTO entries VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                           -1, &ins, NULL))
        die(db, "insert");
    if (!nocases && sqlite3_prepare_v2(db, "INSERT INTO cases VALUES (?,?)", -1, &cins,
                                       NULL))
        die(db, "insert cases");
    uint8_t head[32] = {0};
    buf js = {0}, hb = {0}, bk = {0};
    int64_t bid = 0, bfirst = 1;
    size_t di = 0, np = 0, cp = 0;
    pair *P = NULL;
    uint64_t dseq = 1;
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    const char *phash = NULL;
    int64_t pentry = 0; /* the policy entry in force */
    for (size_t i = 0; i < ne; i++) {
        entry *e = &E[i];
        if (e->kind[0] == 'p') phash = e->phash, pentry = e->id;
        js.len = 0;
        size_t first = di;
        if (e->nd) {
            put(&js, "[", 1);
            for (int64_t k = 0; k < e->nd; k++, di++) {
                decision *d = &D[di];
                /* [action, rule_line, label, at (delta from the entry's), case (0: the
                 * entry's), event seq (0: the entry's, null: a timer), event id, args] */
                if (k) put(&js, ",", 1);
                put(&js, "[", 1);
                putjs(&js, d->action);
                put(&js, ",", 1);
                puti(&js, d->line);
                put(&js, ",", 1);
                d->label ? putjs(&js, d->label) : puts_(&js, "null");
                put(&js, ",", 1);
                puti(&js, e->has_at ? d->at - e->at : d->at);
                put(&js, ",", 1);
                if (!d->case_id) puts_(&js, "null");
                else if (e->case_id && !strcmp(e->case_id, d->case_id)) puts_(&js, "0");
                else putjs(&js, d->case_id);
                put(&js, ",", 1);
                if (!d->has_event) puts_(&js, "null");
                else if (e->has_seq && d->event_seq == e->seq) puts_(&js, "0");
                else puti(&js, d->event_seq);
                put(&js, ",", 1);
                d->event_id ? putjs(&js, d->event_id) : puts_(&js, "null");
                put(&js, ",", 1);
                puts_(&js, d->args);
                put(&js, "]", 1);
            }
            put(&js, "]", 1);
        }
        if (K) {
            if (!bk.len) put(&bk, "[", 1), bfirst = e->id;
            else put(&bk, ",", 1);
            put(&bk, "[", 1);
            puti(&bk, e->id);
            put(&bk, ",", 1);
            putjs(&bk, e->kind);
            put(&bk, ",", 1);
            e->has_seq ? puti(&bk, e->seq) : puts_(&bk, "null");
            put(&bk, ",", 1);
            e->has_at ? puti(&bk, e->at) : puts_(&bk, "null");
            const char *sv[] = {e->case_id, e->type, e->status, e->reason, e->payload,
                                e->kind[0] == 'p' ? phash : NULL};
            for (int k = 0; k < 6; k++) {
                put(&bk, ",", 1);
                sv[k] ? putjs(&bk, sv[k]) : puts_(&bk, "null");
            }
            put(&bk, ",", 1);
            puti(&bk, pentry);
            put(&bk, ",", 1);
            e->nd ? puti(&bk, (int64_t)dseq) : puts_(&bk, "null");
            put(&bk, ",", 1);
            puti(&bk, e->nd);
            put(&bk, ",", 1);
            e->nd ? put(&bk, js.p, js.len) : puts_(&bk, "null");
            put(&bk, "]", 1);
            dseq += (uint64_t)e->nd;
            if ((i + 1) % (size_t)K == 0 || i + 1 == ne) {
                put(&bk, "]", 1);
                bid++;
                hb.len = 0;
                put(&hb, head, 32);
                ns_text(&hb, "blocks");
                ns_int(&hb, bid);
                ns_int(&hb, bfirst);
                ns_bytes(&hb, bk.p, bk.len);
                struct sha256_ctx h;
                sha256_init(&h);
                sha256_update(&h, hb.len, (const uint8_t *)hb.p);
                sha256_digest(&h, 32, head);
                sqlite3_bind_int64(ins, 1, bid);
                sqlite3_bind_int64(ins, 2, bfirst);
                sqlite3_bind_text(ins, 3, bk.p, (int)bk.len, SQLITE_STATIC);
                sqlite3_bind_blob(ins, 4, head, 32, SQLITE_STATIC);
                if (!encode_only && sqlite3_step(ins) != SQLITE_DONE) die(db, "step");
                sqlite3_reset(ins);
                bk.len = 0;
            }
            goto cases;
        }
        /* chain = H(prev || ns("entries") || ns(col)...), one hash per entry */
        hb.len = 0;
        put(&hb, head, 32);
        ns_text(&hb, "entries");
        ns_int(&hb, e->id);
        ns_text(&hb, e->kind);
        e->has_seq ? ns_int(&hb, e->seq) : ns_null(&hb);
        e->has_at ? ns_int(&hb, e->at) : ns_null(&hb);
        ns_text(&hb, e->case_id);
        ns_text(&hb, e->type);
        ns_text(&hb, e->status);
        ns_text(&hb, e->reason);
        ns_text(&hb, e->payload);
        ns_text(&hb, e->kind[0] == 'p' ? phash : NULL);
        ns_int(&hb, pentry);
        e->nd ? ns_int(&hb, (int64_t)dseq) : ns_null(&hb);
        ns_int(&hb, e->nd);
        e->nd ? ns_bytes(&hb, js.p, js.len) : ns_null(&hb);
        struct sha256_ctx h;
        sha256_init(&h);
        sha256_update(&h, hb.len, (const uint8_t *)hb.p);
        sha256_digest(&h, 32, head);

        sqlite3_bind_int64(ins, 1, e->id);
        sqlite3_bind_text(ins, 2, e->kind, -1, SQLITE_STATIC);
        e->has_seq ? sqlite3_bind_int64(ins, 3, e->seq) : sqlite3_bind_null(ins, 3);
        e->has_at ? sqlite3_bind_int64(ins, 4, e->at) : sqlite3_bind_null(ins, 4);
        sqlite3_bind_text(ins, 5, e->case_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 6, e->type, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 7, e->status, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 8, e->reason, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 9, e->payload, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 10, e->kind[0] == 'p' ? phash : NULL, -1, SQLITE_STATIC);
        sqlite3_bind_int64(ins, 11, pentry);
        e->nd ? sqlite3_bind_int64(ins, 12, (int64_t)dseq) : sqlite3_bind_null(ins, 12);
        sqlite3_bind_int64(ins, 13, e->nd);
        e->nd ? sqlite3_bind_text(ins, 14, js.p, (int)js.len, SQLITE_STATIC)
              : sqlite3_bind_null(ins, 14);
        sqlite3_bind_blob(ins, 15, head, 32, SQLITE_STATIC);
        if (!encode_only && sqlite3_step(ins) != SQLITE_DONE) die(db, "step");
        sqlite3_reset(ins);
        dseq += (uint64_t)e->nd;
    cases:
        if (cins) {
            /* the entry's case, and every other case its decisions name (timers) */
            const char *seen = e->case_id;
            if (np + 1 + (di - first) > cp) P = realloc(P, (cp = 2 * (np + 1 + di - first)) * sizeof *P);
            int64_t key = K ? bid + 1 - (bk.len == 0) : e->id; /* the block being built */
            if (seen) P[np++] = (pair){seen, key};
            for (size_t k = first; k < di; k++) {
                const char *c = D[k].case_id;
                if (!c || (seen && !strcmp(c, seen))) continue;
                P[np++] = (pair){c, key};
            }
        }
        if ((i + 1) % 4096 == 0) {
            if (cins && !encode_only) flush_pairs(db, cins, P, &np);
            np = 0;
            if (sqlite3_exec(db, "COMMIT; BEGIN", NULL, NULL, NULL)) die(db, "commit");
        }
    }
    if (cins && !encode_only) flush_pairs(db, cins, P, &np);
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL)) die(db, "commit");
    sqlite3_finalize(ins);
    sqlite3_finalize(cins);
    sqlite3_close(db);
    double t = now() - t0, c = cpu() - c0;
    struct stat sb;
    stat(out, &sb);
    printf("write %s%s: %zu entries, %zu decisions, %.3f s (%.3f s CPU): %.0f decisions/s"
           " (%.0f by CPU); %lld bytes\n",
           full ? "full" : "normal", nocases ? " nocases" : "", ne, nd, t, c, (double)nd / t,
           (double)nd / c, (long long)sb.st_size);
    free_loaded(E, ne, D, nd);
    free(js.p), free(hb.p), free(bk.p), free(P);
    return 0;
}

/* One forward read of the entries, each row's columns gathered as netstrings and
 * hashed (the verifier's work without its checks). */
/* DECODE=1 with a BLOCK layout: after hashing, take every block apart as replay
 * would: each entry's fields (strings unescaped into a scratch buffer, the payload
 * included) and each decision's fields, its args kept as the raw object text.  A
 * minimal decoder of the prototype's own output, not a JSON parser. */
typedef struct {
    const char *p, *end;
    buf s; /* unescaped strings */
    size_t fields;
    int bad;
} dec;
static void skip_ws(dec *d) { while (d->p < d->end && (*d->p == ' ' || *d->p == '\n')) d->p++; }
static void dec_string(dec *d)
{
    d->p++; /* the opening quote */
    for (;;) {
        const char *r = d->p;
        while (r < d->end && *r != '"' && *r != '\\') r++;
        put(&d->s, d->p, (size_t)(r - d->p));
        if (r >= d->end) { d->bad = 1; return; }
        if (*r == '"') { d->p = r + 1; break; }
        char c = r[1];
        if (c == 'u') { /* the prototype escapes controls only: \u00XX */
            char t = (char)strtol((char[]){r[4], r[5], 0}, NULL, 16);
            put(&d->s, &t, 1);
            d->p = r + 6;
        } else {
            char t = c == 'n' ? '\n' : c == 't' ? '\t' : c;
            put(&d->s, &t, 1);
            d->p = r + 2;
        }
    }
    put(&d->s, "", 1); /* NUL-terminated, as the reader hands strings out */
    d->fields++;
}
/* Skip a composite value, returning its span (args are kept as text). */
static void dec_skip(dec *d)
{
    int depth = 0, in = 0;
    for (; d->p < d->end; d->p++) {
        char c = *d->p;
        if (in) { if (c == '\\') d->p++; else if (c == '"') in = 0; continue; }
        if (c == '"') in = 1;
        else if (c == '{' || c == '[') depth++;
        else if (c == '}' || c == ']') { if (--depth == 0) { d->p++; break; } }
    }
    d->fields++;
}
static void dec_value(dec *d)
{
    skip_ws(d);
    char c = *d->p;
    if (c == '"') dec_string(d);
    else if (c == 'n') d->p += 4, d->fields++;
    else if (c == '[' || c == '{') dec_skip(d);
    else { char *e; (void)strtoll(d->p, &e, 10); d->p = e; d->fields++; }
    skip_ws(d);
    if (d->p < d->end && *d->p == ',') d->p++;
}
static void dec_block(dec *d)
{
    d->p++; /* [ of the block */
    while (d->p < d->end && *d->p == '[') {
        d->p++; /* [ of an entry: 13 values, then the decisions */
        for (int k = 0; k < 13; k++) dec_value(d);
        if (*d->p == '[') {
            d->p++;
            while (*d->p == '[') { /* a decision: 8 values */
                d->p++;
                for (int k = 0; k < 8; k++) dec_value(d);
                d->p++; /* ] */
                if (*d->p == ',') d->p++;
            }
            d->p++; /* ] of the decisions */
        } else d->p += 4; /* null */
        d->p++; /* ] of the entry */
        if (*d->p == ',') d->p++;
        d->s.len = 0;
    }
    d->p++; /* ] of the block */
}

static int cmd_read(const char *path, const char *how)
{
    sqlite3 *db;
    sqlite3_stmt *st;
    double t0 = now(), c0 = cpu();
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL))
        die(db, path);
    /* the per-entry layout, else BLOCK=K's */
    const char *table = "entries";
    if (sqlite3_prepare_v2(db, "SELECT * FROM entries ORDER BY id", -1, &st, NULL)) {
        table = "blocks";
        if (sqlite3_prepare_v2(db, "SELECT * FROM blocks ORDER BY id", -1, &st, NULL))
            die(db, "select");
    }
    int nc = sqlite3_column_count(st);
    EVP_MD *md = EVP_MD_fetch(NULL, "SHA256", NULL);
    EVP_MD_CTX *mc = EVP_MD_CTX_new();
    buf hb = {0};
    uint8_t head[32] = {0};
    size_t n = 0, bad = 0;
    dec dd = {0};
    while (sqlite3_step(st) == SQLITE_ROW) {
        hb.len = 0;
        put(&hb, head, 32);
        ns_text(&hb, table);
        for (int c = 0; c < nc - 1; c++) {
            switch (sqlite3_column_type(st, c)) {
            case SQLITE_NULL: ns_null(&hb); break;
            case SQLITE_INTEGER: ns_int(&hb, sqlite3_column_int64(st, c)); break;
            default: {
                const void *p = sqlite3_column_blob(st, c);
                ns_bytes(&hb, p, (size_t)sqlite3_column_bytes(st, c));
            }
            }
        }
        if (!strcmp(how, "nettle")) {
            struct sha256_ctx h;
            sha256_init(&h);
            sha256_update(&h, hb.len, (const uint8_t *)hb.p);
            sha256_digest(&h, 32, head);
        } else if (!strcmp(how, "openssl")) {
            SHA256((const unsigned char *)hb.p, hb.len, head);
        } else if (!strcmp(how, "evp")) { /* the digest fetched once, as a library would */
            EVP_DigestInit_ex(mc, md, NULL);
            EVP_DigestUpdate(mc, hb.p, hb.len);
            EVP_DigestFinal_ex(mc, head, NULL);
        }
        if (strcmp(how, "none") && memcmp(head, sqlite3_column_blob(st, nc - 1), 32)) bad++;
        if (table[0] == 'b' && getenv("DECODE")) {
            dd.p = (const char *)sqlite3_column_text(st, 2);
            dd.end = dd.p + sqlite3_column_bytes(st, 2);
            dec_block(&dd);
            if (dd.p != dd.end) dd.bad = 1;
        }
        n++;
    }
    sqlite3_finalize(st);
    double t = now() - t0, c = cpu() - c0;
    if (table[0] == 'b') { /* rows were blocks: count their entries (untimed) */
        sqlite3_stmt *q;
        if (sqlite3_prepare_v2(db, "SELECT sum(json_array_length(data)) FROM blocks", -1, &q,
                               NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
            n = (size_t)sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
    }
    sqlite3_close(db);
    EVP_MD_CTX_free(mc);
    EVP_MD_free(md);
    if (getenv("DECODE")) printf("decoded %zu fields%s\n", dd.fields, dd.bad ? ", MALFORMED" : "");
    free(dd.s.p);
    free(hb.p);
    printf("read %s: %zu entries, %zu bad, %.3f s (%.3f s CPU): %.0f entries/s (%.0f by CPU)\n",
           how, n, bad, t, c, (double)n / t, (double)n / c);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 5 && !strcmp(argv[1], "write"))
        return cmd_write(argv[2], argv[3], !strcmp(argv[4], "full"),
                         argc > 5 && !strcmp(argv[5], "nocases"));
    if (argc == 4 && !strcmp(argv[1], "read")) return cmd_read(argv[2], argv[3]);
    fprintf(stderr, "usage: logv2_proto write V1.DB OUT.DB full|normal [nocases]\n"
                    "       logv2_proto read OUT.DB nettle|openssl|evp|none\n");
    return 2;
}
