/*
 * logread.c - the body of the `logread` fuzz target (fz_logread, harness.h):
 * the auditor's readers against changed decision logs.
 *
 * A small valid log is made once, in process, the way `slate run` makes one
 * (two policies, a hot swap on --resume, accepted and rejected events, an
 * advance, most kinds of decision).  Each input is read as a sequence of
 * changes to a fresh copy of it: a column of a row set to a value, a row
 * deleted or copied to another position, two rows' values swapped, a value
 * stored as another type, a substring replaced, a table or index dropped, a
 * trigger, view, index or table added, meta rows edited, added or deleted, the
 * file vacuumed, and last raw bytes of the file flipped.  Then replay, report
 * (text and JSON), explain and diff run over it in process, as the CLI runs
 * them, and so do report and explain with --no-verify.
 *
 * Invariants (beyond ASan, UBSan and LeakSanitizer):
 *  - a log whose content changed (its schema or any row, compared through
 *    SQLite before the readers run) makes every verifying reader exit non-zero;
 *  - a log changed only by SQL that left its content as it was (a vacuum, a
 *    value set to itself, a row deleted and put back) makes every reader exit 0
 *    (the only content not compared is meta's state.writer value, which no
 *    check can judge: the slate version that last wrote);
 *  - no reader leaves a -wal or -shm file beside the log.
 * Not here: whether a reader's figures are right (tests/unit/test_audit.c).
 */
#include "harness.h"

#include <nettle/sha2.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static const char lr_policy_v1[] =
    "policy \"fuzzlog\" version \"1\"\n"
    "case {\n"
    "    tier:     enum { vip, low }\n"
    "    kind:     enum { inquiry, complaint }\n"
    "    category: string\n"
    "}\n"
    "levels { agent, specialist }\n"
    "clock response starts on opened stops on responded\n"
    "clock resolution starts on opened stops on resolved pauses on paused resumes on resumed\n"
    "ladder std {\n"
    "    at 50% of response      notify assignee \"half\"\n"
    "    at breach of response   escalate to specialist; notify supervisor \"breached\"\n"
    "}\n"
    "sla vip when tier == vip {\n"
    "    response   within 15m\n"
    "    resolution within 4h\n"
    "    ladder std\n"
    "}\n"
    "sla standard {\n"
    "    response   within 1h\n"
    "    resolution within 8h\n"
    "    ladder std\n"
    "}\n"
    "on opened when kind == complaint {\n"
    "    route desk\n"
    "    set category = \"complaint\"\n"
    "}\n"
    "on resolved {\n"
    "    emit done(tier, 1)\n"
    "}\n";

static const char lr_events_1[] =
    "{\"type\":\"opened\",\"case\":\"a\",\"at\":\"2025-03-03T09:00:00Z\",\"tier\":\"vip\","
    "\"kind\":\"inquiry\"}\n"
    "{\"type\":\"opened\",\"case\":\"b\",\"at\":\"2025-03-03T09:05:00Z\",\"tier\":\"low\","
    "\"kind\":\"complaint\",\"category\":\"x\\u001b[2J\"}\n"
    "{\"type\":\"responded\",\"case\":\"a\",\"at\":\"2025-03-03T09:10:00Z\",\"id\":\"e3\"}\n"
    "{\"type\":\"paused\",\"case\":\"b\",\"at\":\"2025-03-03T09:20:00Z\"}\n"
    "not json\n"
    "{\"type\":\"resumed\",\"case\":\"b\",\"at\":\"2025-03-03T10:30:00Z\"}\n"
    "{\"type\":\"opened\",\"case\":\"c\",\"at\":\"2025-03-03T10:31:00Z\"}\n"
    "{\"type\":\"zap\",\"case\":\"c\",\"at\":\"2025-03-03T10:32:00Z\"}\n"
    "{\"type\":\"responded\",\"case\":\"b\",\"at\":\"2025-03-03T11:00:00Z\"}\n"
    "{\"type\":\"resolved\",\"case\":\"a\",\"at\":\"2025-03-03T12:00:00Z\"}\n";
static const char lr_events_2[] =
    "{\"type\":\"opened\",\"case\":\"d\",\"at\":\"2025-03-03T12:30:00Z\",\"tier\":\"vip\"}\n"
    "{\"type\":\"resolved\",\"case\":\"b\",\"at\":\"2025-03-03T13:00:00Z\"}\n"
    "{\"type\":\"responded\",\"case\":\"c\",\"at\":\"2025-03-03T14:00:00Z\"}\n"
    "{\"type\":\"resolved\",\"case\":\"c\",\"at\":\"2025-03-03T15:00:00Z\"}\n";

static const char *const lr_case_ids[] = {"a", "b", "c", "d"};

/* The lr_tables and their columns, as docs/audit-log.md lists them. */
typedef struct lr_table {
    const char *name, *order; /* the order the content lr_digest reads rows in (the
                                 `+` keeps it off the indexes: it reads lr_tables) */
    const char *cols[18];
} lr_table;
static const lr_table lr_tables[] = {
    {"meta", "+key", {"key", "value"}},
    {"policies", "+pos, +hash",
     {"pos", "hash", "name", "version", "file", "source", "image", "chain"}},
    {"events", "+id",
     {"id", "pos", "kind", "seq", "at_ms", "at", "case_id", "type", "status", "reason", "payload",
      "policy_hash", "ndecisions", "chain"}},
    {"decisions", "+seq",
     {"seq", "pos", "entry", "event_seq", "event_id", "case_id", "at_ms", "at", "rule",
      "rule_line", "rule_label", "action", "clock", "tier", "args", "policy_hash", "chain"}},
};
enum { LR_NTABLES = sizeof lr_tables / sizeof *lr_tables };

static const char *const lr_objects[] = {"meta", "policies", "events", "decisions", "events_case",
                                      "decisions_case", "decisions_entry"};
static const char *const lr_extras[] = {
    "CREATE TRIGGER t AFTER INSERT ON events BEGIN UPDATE decisions SET args = '{}'; END",
    "CREATE TRIGGER t2 BEFORE UPDATE ON meta BEGIN SELECT 1; END",
    "CREATE VIEW v AS SELECT * FROM decisions",
    "CREATE INDEX extra ON decisions(action)",
    "CREATE TABLE notes (x)",
    "CREATE UNIQUE INDEX extra2 ON events(pos, id)",
    "ANALYZE",
};
static const char *const lr_meta_keys[] = {"schema_version", "slate_version", "pseudonym",
                                        "opt.tolerance_ms", "state.pos", "state.chain",
                                        "state.genesis", "state.writer", "state.x", "opt.x"};
static const char *const lr_casts[] = {"BLOB", "TEXT", "REAL", "INTEGER", "NUMERIC"};

typedef struct lr_log {
    int ready;
    char dir[64], base[96], work[96], wal[100], shm[100], image[96];
    unsigned char *bytes;    /* the base log's file */
    size_t len;
    uint8_t lr_digest[32];      /* its content lr_digest */
    int64_t nrows[LR_NTABLES];  /* the largest rowid of each table */
    FILE *null;
} lr_log;
static lr_log lr;

static void lr_fail(const char *fmt, const char *a, int b) __attribute__((noreturn));
static void lr_fail(const char *fmt, const char *a, int b)
{
    fputs("fuzz: logread: ", stderr);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    abort();
}

static void lr_write_text(const char *dir, const char *name, const char *text)
{
    char path[160];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f)) lr_fail("cannot write %s (%d)", path, 0);
}

/* A command of cli.h in process with its output going nowhere (a sanitizer's
 * report still reaches fd 2: only the FILE streams are swapped). */
static int lr_run_cmd(int (*cmd)(int, char **), int argc, const char **argv)
{
    FILE *out = stdout, *err = stderr;
    stdout = lr.null;
    stderr = lr.null;
    int rc = cmd(argc, (char **)argv);
    fflush(lr.null);
    stdout = out;
    stderr = err;
    return rc;
}

/* SHA-256 over the schema (sqlite_master but rootpages) and every row of the
 * four lr_tables, each value with its storage class; 0, or -1 when the file does
 * not read as such a log any lr_more (a table dropped, the file corrupt). */
static int lr_digest(const char *path, uint8_t out[32])
{
    sqlite3 *db = NULL;
    int rc = -1;
    struct sha256_ctx h;
    sha256_init(&h);
    /* immutable: nothing writes it now, and no -wal or -shm may appear */
    char uri[160];
    snprintf(uri, sizeof uri, "file:%s?immutable=1", path);
    if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK)
        goto done;
    for (int t = -1; t < LR_NTABLES; t++) {
        char sql[512];
        if (t < 0)
            snprintf(sql, sizeof sql, "SELECT type, name, tbl_name, sql FROM sqlite_master "
                                      "ORDER BY type, name");
        else
            snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY %s", lr_tables[t].name,
                     lr_tables[t].order);
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) goto done;
        int step;
        while ((step = sqlite3_step(st)) == SQLITE_ROW) {
            int n = sqlite3_column_count(st);
            /* meta's state.writer: any text is as good (see the top) */
            int writer = t == 0 && sqlite3_column_type(st, 0) == SQLITE_TEXT &&
                         !strcmp((const char *)sqlite3_column_text(st, 0), "state.writer");
            for (int i = 0; i < n; i++) {
                uint8_t type = (uint8_t)sqlite3_column_type(st, i);
                sha256_update(&h, 1, &type);
                if (writer && i == 1) {
                    const char *w = (const char *)sqlite3_column_text(st, i);
                    uint8_t plain = w && strlen(w) == (size_t)sqlite3_column_bytes(st, i);
                    sha256_update(&h, 1, &plain);
                    continue;
                }
                const void *p = type == SQLITE_BLOB ? sqlite3_column_blob(st, i)
                                                    : (const void *)sqlite3_column_text(st, i);
                uint32_t len = p ? (uint32_t)sqlite3_column_bytes(st, i) : 0;
                sha256_update(&h, sizeof len, (const uint8_t *)&len);
                if (p) sha256_update(&h, len, p);
            }
            sha256_update(&h, 1, (const uint8_t *)"\n");
        }
        sqlite3_finalize(st);
        if (step != SQLITE_DONE) goto done;
        sha256_update(&h, 1, (const uint8_t *)"|");
    }
    rc = 0;
done:
    sqlite3_close(db);
    sha256_digest(&h, 32, out);
    return rc;
}

static void lr_cleanup(void)
{
    if (!lr.ready) return;
    const char *names[] = {"p1.slate", "p2.slate", "ev1.jsonl", "ev2.jsonl", "p1.slc",
                           "base.db", "work.db", "work.db-wal", "work.db-shm", "work.db-journal"};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char path[160];
        snprintf(path, sizeof path, "%s/%s", lr.dir, names[i]);
        unlink(path);
    }
    rmdir(lr.dir);
    free(lr.bytes);
    fclose(lr.null);
    lr.ready = 0;
}

static void lr_setup(void)
{
    struct stat st;
    snprintf(lr.dir, sizeof lr.dir, "%s/slate-fz-XXXXXX",
             stat("/dev/shm", &st) == 0 && access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp");
    if (!mkdtemp(lr.dir)) lr_fail("cannot make a directory %s (%d)", lr.dir, 0);
    lr.null = fopen("/dev/null", "w");
    if (!lr.null) lr_fail("cannot open %s (%d)", "/dev/null", 0);
    lr.ready = 1;
    atexit(lr_cleanup);
    char v2[sizeof lr_policy_v1 + 16], ev2[sizeof lr_events_1 + sizeof lr_events_2];
    snprintf(v2, sizeof v2, "%s", lr_policy_v1);
    char *at = strstr(v2, "version \"1\"");
    at[9] = '2';
    at = strstr(v2, "within 1h");
    at[7] = '2';
    snprintf(ev2, sizeof ev2, "%s%s", lr_events_1, lr_events_2);
    lr_write_text(lr.dir, "p1.slate", lr_policy_v1);
    lr_write_text(lr.dir, "p2.slate", v2);
    lr_write_text(lr.dir, "ev1.jsonl", lr_events_1);
    lr_write_text(lr.dir, "ev2.jsonl", ev2);
    char p1[96], p2[96], e1[96], e2[96];
    snprintf(p1, sizeof p1, "%s/p1.slate", lr.dir);
    snprintf(p2, sizeof p2, "%s/p2.slate", lr.dir);
    snprintf(e1, sizeof e1, "%s/ev1.jsonl", lr.dir);
    snprintf(e2, sizeof e2, "%s/ev2.jsonl", lr.dir);
    snprintf(lr.base, sizeof lr.base, "%s/base.db", lr.dir);
    snprintf(lr.work, sizeof lr.work, "%s/work.db", lr.dir);
    snprintf(lr.wal, sizeof lr.wal, "%s-wal", lr.work);
    snprintf(lr.shm, sizeof lr.shm, "%s-shm", lr.work);
    snprintf(lr.image, sizeof lr.image, "%s/p1.slc", lr.dir);
    const char *run1[] = {"run", "-q", p1, e1, "--log", lr.base, "-o", "/dev/null", NULL};
    const char *run2[] = {"run", "-q", "--resume", "--until", "2025-03-04T00:00:00Z", p2, e2,
                          "--log", lr.base, "-o", "/dev/null", NULL};
    const char *build[] = {"build", "-q", "-o", lr.image, p1, NULL};
    if (lr_run_cmd(cmd_run, 8, run1) || lr_run_cmd(cmd_run, 11, run2) || lr_run_cmd(cmd_build, 5, build))
        lr_fail("cannot make the base log in %s (%d)", lr.dir, 0);
    FILE *f = fopen(lr.base, "rb");
    if (!f || fseek(f, 0, SEEK_END) || (lr.len = (size_t)ftell(f)) == 0 || fseek(f, 0, SEEK_SET) ||
        !(lr.bytes = malloc(lr.len)) || fread(lr.bytes, 1, lr.len, f) != lr.len)
        lr_fail("cannot read %s (%d)", lr.base, 0);
    fclose(f);
    if (lr_digest(lr.base, lr.lr_digest)) lr_fail("the base log %s does not read (%d)", lr.base, 0);
    sqlite3 *db;
    if (sqlite3_open_v2(lr.base, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        lr_fail("cannot open %s (%d)", lr.base, 0);
    for (int t = 0; t < LR_NTABLES; t++) {
        char sql[128];
        sqlite3_stmt *s;
        snprintf(sql, sizeof sql, "SELECT max(rowid) FROM %s", lr_tables[t].name);
        if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) || sqlite3_step(s) != SQLITE_ROW)
            lr_fail("cannot count %s (%d)", lr_tables[t].name, 0);
        lr.nrows[t] = sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    }
    sqlite3_close(db);
}

/* ---- the input, read as changes -------------------------------------------------- */

typedef struct lr_rd {
    const uint8_t *p, *end;
} lr_rd;

static unsigned lr_u8(lr_rd *r) { return r->p < r->end ? *r->p++ : 0; }
static int lr_more(const lr_rd *r) { return r->p < r->end; }

static int64_t lr_i64(lr_rd *r)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++) v = v << 8 | lr_u8(r);
    return (int64_t)v;
}

/* Bind a value the input spells to parameter i of st. */
static void lr_bind_value(sqlite3_stmt *st, int i, lr_rd *r)
{
    unsigned kind = lr_u8(r) % 7;
    switch (kind) {
    case 0: sqlite3_bind_null(st, i); break;
    case 1: sqlite3_bind_int64(st, i, (int8_t)lr_u8(r)); break; /* small: near the real ones */
    case 2: sqlite3_bind_int64(st, i, lr_i64(r)); break;
    case 3: sqlite3_bind_double(st, i, (double)(int8_t)lr_u8(r) / 2); break;
    default: {
        size_t n = lr_u8(r) % 48;
        if (n > (size_t)(r->end - r->p)) n = (size_t)(r->end - r->p);
        if (kind == 6) sqlite3_bind_blob(st, i, r->p, (int)n, SQLITE_TRANSIENT);
        else sqlite3_bind_text(st, i, (const char *)r->p, (int)n, SQLITE_TRANSIENT);
        r->p += n;
    }
    }
}

/* Run sql with ?1.. bound from the input (nbind values); failures (a
 * constraint, a missing table) leave the log as it was and are fine. */
static void lr_exec_with(sqlite3 *db, const char *sql, int nbind, lr_rd *r)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return;
    for (int i = 1; i <= nbind; i++) lr_bind_value(st, i, r);
    while (sqlite3_step(st) == SQLITE_ROW) {
    }
    sqlite3_finalize(st);
}

static int lr_ncols(int t)
{
    int n = 0;
    while (n < 18 && lr_tables[t].cols[n]) n++;
    return n;
}

/* One lr_change of the log, as the input spells it. */
static void lr_change(sqlite3 *db, lr_rd *r)
{
    char sql[768];
    int t = (int)(lr_u8(r) % LR_NTABLES);
    const lr_table *tb = &lr_tables[t];
    int nc = lr_ncols(t);
    const char *col = tb->cols[lr_u8(r) % (unsigned)nc];
    int64_t row = (int64_t)(lr_u8(r) % (unsigned)(lr.nrows[t] + 2));
    switch (lr_u8(r) % 12) {
    case 0: /* a column of a row set to a value */
        snprintf(sql, sizeof sql, "UPDATE %s SET %s = ?1 WHERE rowid = %lld", tb->name, col,
                 (long long)row);
        lr_exec_with(db, sql, 1, r);
        break;
    case 1: /* a row deleted */
        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE rowid = %lld", tb->name, (long long)row);
        lr_exec_with(db, sql, 0, r);
        break;
    case 2: { /* a row copied, one column (its key, its position, ...) given anew */
        int n = snprintf(sql, sizeof sql, "INSERT INTO %s SELECT ", tb->name);
        for (int i = 0; i < nc; i++)
            n += snprintf(sql + n, sizeof sql - (size_t)n, "%s%s", i ? ", " : "",
                          tb->cols[i] == col ? "?1" : tb->cols[i]);
        snprintf(sql + n, sizeof sql - (size_t)n, " FROM %s WHERE rowid = %lld", tb->name,
                 (long long)row);
        lr_exec_with(db, sql, 1, r);
        break;
    }
    case 3: { /* two rows' values of a column swapped */
        int64_t other = (int64_t)(lr_u8(r) % (unsigned)(lr.nrows[t] + 2));
        snprintf(sql, sizeof sql,
                 "UPDATE %s SET %s = CASE rowid WHEN %lld THEN (SELECT %s FROM %s WHERE rowid = "
                 "%lld) ELSE (SELECT %s FROM %s WHERE rowid = %lld) END WHERE rowid IN (%lld, %lld)",
                 tb->name, col, (long long)row, col, tb->name, (long long)other, col, tb->name,
                 (long long)row, (long long)row, (long long)other);
        lr_exec_with(db, sql, 0, r);
        break;
    }
    case 4: /* stored as another type */
        snprintf(sql, sizeof sql, "UPDATE %s SET %s = CAST(%s AS %s) WHERE rowid = %lld", tb->name,
                 col, col, lr_casts[lr_u8(r) % (sizeof lr_casts / sizeof *lr_casts)], (long long)row);
        lr_exec_with(db, sql, 0, r);
        break;
    case 5: /* a substring replaced: true for false, a digit for another, ... */
        snprintf(sql, sizeof sql, "UPDATE %s SET %s = replace(%s, ?1, ?2) WHERE rowid = %lld",
                 tb->name, col, col, (long long)row);
        lr_exec_with(db, sql, 2, r);
        break;
    case 6: /* a numeric value moved by a little */
        snprintf(sql, sizeof sql, "UPDATE %s SET %s = %s + %d WHERE rowid = %lld", tb->name, col,
                 col, (int)(int8_t)lr_u8(r), (long long)row);
        lr_exec_with(db, sql, 0, r);
        break;
    case 7: { /* a table or index dropped */
        const char *o = lr_objects[lr_u8(r) % (sizeof lr_objects / sizeof *lr_objects)];
        snprintf(sql, sizeof sql, "DROP %s %s", strchr(o, '_') ? "INDEX" : "TABLE", o);
        lr_exec_with(db, sql, 0, r);
        break;
    }
    case 8: /* an object added */
        lr_exec_with(db, lr_extras[lr_u8(r) % (sizeof lr_extras / sizeof *lr_extras)], 0, r);
        break;
    case 9: { /* meta edited, added to, deleted from */
        const char *key = lr_meta_keys[lr_u8(r) % (sizeof lr_meta_keys / sizeof *lr_meta_keys)];
        unsigned how = lr_u8(r) % 3;
        snprintf(sql, sizeof sql,
                 how == 0   ? "UPDATE meta SET value = ?1 WHERE key = '%s'"
                 : how == 1 ? "INSERT OR REPLACE INTO meta (key, value) VALUES ('%s', ?1)"
                            : "DELETE FROM meta WHERE key = '%s'",
                 key);
        lr_exec_with(db, sql, how < 2, r);
        break;
    }
    case 10: /* nothing that changes the content */
        lr_exec_with(db, lr_u8(r) & 1 ? "VACUUM" : "REINDEX", 0, r);
        break;
    default: /* a column set to itself, or a row deleted and put back */
        if (lr_u8(r) & 1) {
            snprintf(sql, sizeof sql, "UPDATE %s SET %s = %s WHERE rowid = %lld", tb->name, col,
                     col, (long long)row);
            lr_exec_with(db, sql, 0, r);
        } else {
            snprintf(sql, sizeof sql,
                     "CREATE TEMP TABLE k AS SELECT * FROM main.%s WHERE rowid = %lld;"
                     "DELETE FROM main.%s WHERE rowid = %lld;"
                     "INSERT INTO main.%s SELECT * FROM k; DROP TABLE k",
                     tb->name, (long long)row, tb->name, (long long)row, tb->name);
            sqlite3_exec(db, sql, NULL, NULL, NULL);
        }
    }
}

/* Flip raw bytes of the file: (offset, xor) pairs from the input. */
static void lr_flip_bytes(lr_rd *r)
{
    FILE *f = fopen(lr.work, "r+b");
    if (!f) return;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    for (int i = 0; i < 4 && lr_more(r) && size > 0; i++) {
        long at = (long)((lr_u8(r) << 16 | lr_u8(r) << 8 | lr_u8(r)) % (unsigned long)size);
        unsigned x = lr_u8(r) | 1;
        fseek(f, at, SEEK_SET);
        int c = fgetc(f);
        if (c == EOF) break;
        fseek(f, at, SEEK_SET);
        fputc(c ^ (int)x, f);
    }
    fclose(f);
}

int fz_logread(const uint8_t *data, size_t size)
{
    if (!lr.ready) lr_setup();
    unlink(lr.wal);
    unlink(lr.shm);
    FILE *f = fopen(lr.work, "wb");
    if (!f || fwrite(lr.bytes, 1, lr.len, f) != lr.len || fclose(f))
        lr_fail("cannot write %s (%d)", lr.work, 0);

    /* first byte: how many changes and whether raw bytes are flipped after */
    lr_rd r = {data, data + size};
    unsigned head = lr_u8(&r);
    int nchanges = (int)(head % 8) + 1, flip = (head & 0x80) != 0;
    sqlite3 *db;
    if (sqlite3_open(lr.work, &db) != SQLITE_OK) lr_fail("cannot open %s (%d)", lr.work, 0);
    for (int i = 0; i < nchanges && lr_more(&r); i++) lr_change(db, &r);
    sqlite3_close(db);
    if (flip) lr_flip_bytes(&r);

    uint8_t now[32];
    int unreadable = lr_digest(lr.work, now);
    int changed = unreadable || memcmp(now, lr.lr_digest, 32);
    /* raw bytes may break an index alone: the content reads the same, and a
     * reader may still refuse the file, so then only "changed" is judged */
    int must_pass = !changed && !flip;

    const char *c = lr_case_ids[lr_u8(&r) % (sizeof lr_case_ids / sizeof *lr_case_ids)];
    const char *replay[] = {"replay", "-q", lr.work, NULL};
    const char *report[] = {"report", lr.work, NULL};
    const char *report_json[] = {"report", "--json", lr.work, NULL};
    const char *explain[] = {"explain", lr.work, c, NULL};
    const char *diff[] = {"diff", "--policy", lr.image, lr.work, NULL};
    struct {
        const char *name;
        int (*fn)(int, char **);
        int argc;
        const char **argv;
    } readers[] = {{"replay", cmd_replay, 3, replay},
                   {"report", cmd_report, 2, report},
                   {"report --json", cmd_report, 3, report_json},
                   {"explain", cmd_explain, 3, explain},
                   {"diff", cmd_diff, 4, diff}};
    for (size_t i = 0; i < sizeof readers / sizeof *readers; i++) {
        int rc = lr_run_cmd(readers[i].fn, readers[i].argc, readers[i].argv);
        if (changed && rc == 0) lr_fail("%s exits 0 on a changed log (%d)", readers[i].name, rc);
        if (must_pass && rc != 0)
            lr_fail("%s refuses a log whose content did not lr_change (exit %d)", readers[i].name,
                    rc);
    }
    /* what the verifier does not guard must not crash either */
    const char *report_nv[] = {"report", "--no-verify", "--json", lr.work, NULL};
    const char *explain_nv[] = {"explain", "--no-verify", lr.work, c, NULL};
    lr_run_cmd(cmd_report, 4, report_nv);
    lr_run_cmd(cmd_explain, 4, explain_nv);
    struct stat st;
    if (stat(lr.wal, &st) == 0 || stat(lr.shm, &st) == 0)
        lr_fail("a reader left %s-wal or -shm beside the log (%d)", lr.work, 0);
    return 0;
}
