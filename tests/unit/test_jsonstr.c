/*
 * test_jsonstr.c - the one JSON string escaper (common/jsonstr.h): its rules,
 * its bounded writes, that stdout's decisions and the decision log's `args`
 * render every hostile string alike (pushed through an engine with the log
 * sink, in schema version 1 read by SQL and in version 2 by the log reader),
 * and that a log whose args an older slate escaped (DEL, U+2028/U+2029 and
 * invalid UTF-8 kept raw) still verifies and replays (version 1: only slates
 * before version 2 existed used that escaper).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sqlite3.h>

#include "bctest.h"
#include "jsonstr.h"
#include "log/dlog.h"
#include "logsynth.h"

#define S(lit) lit, sizeof(lit) - 1

/* ---- the rules ------------------------------------------------------------------ */

typedef struct esc_case {
    const char *in;
    size_t len;
    const char *out;
} esc_case;

static const esc_case rules[] = {
    {S("plain text, no escapes at all here"), "plain text, no escapes at all here"},
    {S("\"quote\" and \\back\\"), "\\\"quote\\\" and \\\\back\\\\"},
    {S("\b\f\n\r\t"), "\\b\\f\\n\\r\\t"},
    {S("\x01\x1f"), "\\u0001\\u001f"},
    {S("a\0b"), "a\\u0000b"},
    {S("x\x7fy"), "x\\u007fy"},
    {S("\xe2\x80\xa8|\xe2\x80\xa9"), "\\u2028|\\u2029"},
    {S("\xe2\x80\xa7\xe2\x80\xaa"), "\xe2\x80\xa7\xe2\x80\xaa"}, /* U+2027, U+202A: kept */
    {S("caf\xc3\xa9"), "caf\xc3\xa9"},
    {S("\xef\xbf\xbf"), "\xef\xbf\xbf"},                 /* U+FFFF */
    {S("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80"},         /* U+1F600: 4 bytes */
    {S("\xf4\x8f\xbf\xbf"), "\xf4\x8f\xbf\xbf"},         /* U+10FFFF */
    {S("\xff"), "\xef\xbf\xbd"},                         /* never valid */
    {S("\x80\x80"), "\xef\xbf\xbd\xef\xbf\xbd"},         /* stray continuations */
    {S("\xc0\xaf"), "\xef\xbf\xbd\xef\xbf\xbd"},         /* overlong '/' */
    {S("\xe0\x80\xaf"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},             /* overlong */
    {S("\xed\xa0\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"},             /* U+D800 */
    {S("\xf4\x90\x80\x80"), "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* > U+10FFFF */
    {S("\xf0\x9f\x98"), "\xef\xbf\xbd"},                 /* cut short: one subpart */
    {S("\xf0\x9f\x98z"), "\xef\xbf\xbdz"},
    {S("\xe2\x80"), "\xef\xbf\xbd"},
    {S("0123456789abcdef\x7f" "0123456789abcdef\"0123456789"),
     "0123456789abcdef\\u007f0123456789abcdef\\\"0123456789"}, /* past the vector path */
    {S("abcdefghijklmnopqrstuvwxyz0123456789\xe2\x80\xa8"),
     "abcdefghijklmnopqrstuvwxyz0123456789\\u2028"},
};
#define NRULES (sizeof rules / sizeof rules[0])

static void test_rules(void **state)
{
    (void)state;
    for (size_t i = 0; i < NRULES; i++) {
        char out[256];
        size_t n = jstr_escape(out, sizeof out, rules[i].in, rules[i].len);
        size_t want = strlen(rules[i].out);
        if (n != want || memcmp(out, rules[i].out, n))
            fail_msg("case %zu: got `%.*s`, want `%s`", i, (int)n, out, rules[i].out);
    }
    assert_int_equal(jstr_escape(NULL, 0, "", 0), 0);
}

/* With any room, the first `room` bytes of the whole text and nothing past
 * them (each buffer is exactly `room` bytes: the sanitizer build catches a
 * write past it), and the whole length returned. */
static void test_bounded(void **state)
{
    (void)state;
    for (size_t i = 0; i < NRULES; i++) {
        size_t want = strlen(rules[i].out);
        for (size_t room = 0; room <= want + 2; room++) {
            char *out = room ? malloc(room) : NULL;
            if (room) memset(out, '#', room);
            assert_int_equal(jstr_escape(out, room, rules[i].in, rules[i].len), want);
            size_t k = room < want ? room : want;
            if (k) assert_memory_equal(out, rules[i].out, k);
            for (size_t j = k; j < room; j++) assert_int_equal(out[j], '#');
            free(out);
        }
    }
}

/* ---- stdout and the log agree --------------------------------------------------- */

static const char policy[] = "policy \"hostile\" version \"1\"\n"
                             "case {\n"
                             "    agent: string\n"
                             "    owner: string\n"
                             "}\n"
                             "clock response starts on opened stops on responded\n"
                             "sla basic { response within 1h }\n"
                             "on opened {\n"
                             "    set owner = agent\n"
                             "    emit seen(agent)\n"
                             "    notify agent \"a\\\"b\\\\c\"\n"
                             "}\n";

typedef struct hostile {
    const char *s;
    size_t len;
} hostile;

static const hostile strs[] = {
    {S("\"quote\" \\back\\")},
    {S("ctl\x01\x08\t\n\x0c\r\x1f")},
    {S("nul\0after")},
    {S("del\x7f")},
    {S("ls\xe2\x80\xa8ps\xe2\x80\xa9")},
    {S("bad\xff\xfe")},
    {S("stray\x80\xbf")},
    {S("overlong\xc0\xaf\xe0\x80\xaf")},
    {S("surrogate\xed\xa0\x80\xed\xbf\xbf")},
    {S("toohigh\xf4\x90\x80\x80")},
    {S("cut\xf0\x9f\x98")},
    {S("emoji\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf")},
    {S("mix\x7f\xc3\xa9\xe2\x80\xa8\xff\"\\end")},
};
#define NSTRS (sizeof strs / sizeof strs[0])

typedef struct rig {
    slate_program *prog;
    uint8_t *img;
    size_t img_len;
    int agent;
} rig;

static void rig_init(rig *r)
{
    assert_int_equal(bc_compile("h.slate", policy, &r->img, &r->img_len), 0);
    char *err = NULL;
    assert_int_equal(slate_program_load(r->img, r->img_len, &r->prog, &err), SLATE_OK);
    r->agent = slate_program_field_id(r->prog, "agent");
    assert_true(r->agent >= 0);
}

static void rig_free(rig *r)
{
    slate_program_free(r->prog);
    free(r->img);
}

/* The decisions as stdout renders them, and the log they also go to. */
typedef struct both {
    slate_log *log;
    char *lines[512];
    int n;
} both;

static int both_sink(void *ud, const slate_decision *d)
{
    both *b = ud;
    if (b->n < 512) {
        size_t need = slate_decision_json(d, NULL, 0);
        char *l = malloc(need + 1);
        assert_int_equal(slate_decision_json(d, l, need + 1), need);
        b->lines[b->n++] = l;
    }
    return slate_log_sink(b->log, d);
}

static void both_free(both *b)
{
    for (int i = 0; i < b->n; i++) free(b->lines[i]);
    b->n = 0;
}

/* One entry: begin it, push ev, end it. */
static int entry(both *b, slate_engine *e, const slate_event *ev, const char *type)
{
    slate_log_event le = {ev->seq, ev->at, type, ev->case_id, ev->case_len, "{}", 2, NULL};
    int rc = slate_log_begin_event(b->log, &le);
    if (rc) return rc;
    rc = slate_engine_push(e, ev, both_sink, b);
    if (rc) return rc;
    return slate_log_end(b->log);
}

/* The policy, then per string an `opened` carrying it in `agent` (set, emit)
 * and a `responded` with it as the case id (a reject whose reason holds it),
 * then a plain event, through a new engine into b->log.  Returns the first
 * code that is not SLATE_OK (in check mode: the first divergence). */
static int feed(const rig *r, both *b, const hostile *h, size_t nh)
{
    slate_log_policy pol = {slate_program_hash(r->prog), "hostile", "1", "h.slate", policy,
                            sizeof policy - 1, r->img, r->img_len};
    int rc = slate_log_begin_policy(b->log, &pol);
    if (rc || (rc = slate_log_end(b->log))) return rc;
    slate_engine *e = slate_engine_new(r->prog, NULL);
    assert_non_null(e);
    int opened = slate_program_event_id(r->prog, "opened");
    int responded = slate_program_event_id(r->prog, "responded");
    int64_t at = 1741338000000LL;
    uint64_t seq = 0;
    for (size_t i = 0; i < nh && !rc; i++) {
        char cid[24];
        snprintf(cid, sizeof cid, "o%zu", i);
        slate_value v = {r->agent, 0, h[i].s, h[i].len};
        slate_event op = {cid, strlen(cid), opened, at, NULL, 0, &v, 1, ++seq};
        slate_event bad = {h[i].s, h[i].len, responded, at, NULL, 0, NULL, 0, ++seq};
        if (!(rc = entry(b, e, &op, "opened"))) rc = entry(b, e, &bad, "responded");
        at += 1000;
    }
    slate_event last = {"o0", 2, responded, at, NULL, 0, NULL, 0, ++seq};
    if (!rc) rc = entry(b, e, &last, "responded");
    slate_engine_free(e);
    return rc;
}

/* The JSON text of member `key` of the one-line object `json` (a string token
 * or a bracketed value), malloc'd; NULL when absent.  Escaped strings hold no
 * bare quote, so `"key":` is found only as a key. */
static char *member(const char *json, const char *key)
{
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    const char *p = strstr(json, pat);
    if (!p) return NULL;
    p += strlen(pat);
    const char *q = p;
    int depth = 0, in_str = 0;
    for (; *q; q++) {
        if (in_str) {
            if (*q == '\\') q++;
            else if (*q == '"' && (in_str = 0, depth == 0)) break;
        } else if (*q == '"') {
            in_str = 1;
        } else if (*q == '[' || *q == '{') {
            depth++;
        } else if (*q == ']' || *q == '}') {
            if (depth == 0 || --depth == 0) break;
        } else if (*q == ',' && depth == 0) {
            break;
        }
    }
    /* a string or bracketed value ends with the character found; a scalar
     * before it */
    if (*q == '"' || ((*q == ']' || *q == '}') && (*p == '[' || *p == '{'))) q++;
    return strndup(p, (size_t)(q - p));
}

/* One decision as the log holds it: its seq, case id bytes and args text. */
typedef struct stored {
    int64_t seq;
    const void *cid;
    size_t cid_len;
    const char *args;
} stored;

/* The log's decisions one by one: version 1 by SQL on its decisions table,
 * version 2 through the log reader (its `decisions` view is not byte-exact
 * for such ids: test_logv2.c). */
typedef struct stored_iter {
    sqlite3 *db;
    sqlite3_stmt *st;
    slate_log_reader *rd;
    slate_log_cursor *cur;
} stored_iter;

static void stored_open(stored_iter *it, const char *path, unsigned schema)
{
    memset(it, 0, sizeof *it);
    if (schema == 1) {
        assert_int_equal(sqlite3_open(path, &it->db), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(it->db, "SELECT seq, case_id, args FROM decisions "
                                                    "ORDER BY seq", -1, &it->st, NULL),
                         SQLITE_OK);
        return;
    }
    slate_log_read_opts vo = {.verify = 1};
    assert_int_equal(slate_log_read_open(path, &vo, &it->rd, NULL), SLATE_OK);
    slate_log_scan scan = {.rows = SLATE_LOG_SCAN_DECISIONS};
    assert_int_equal(slate_log_cursor_open(it->rd, &scan, &it->cur), SLATE_OK);
}

static int stored_next(stored_iter *it, stored *d)
{
    if (it->st) {
        if (sqlite3_step(it->st) != SQLITE_ROW) return 0;
        d->seq = sqlite3_column_int64(it->st, 0);
        d->cid = sqlite3_column_blob(it->st, 1);
        d->cid_len = (size_t)sqlite3_column_bytes(it->st, 1);
        d->args = (const char *)sqlite3_column_text(it->st, 2);
        return 1;
    }
    slate_log_row row;
    assert_int_equal(slate_log_cursor_next(it->cur, &row), SLATE_OK);
    if (!row.what) return 0;
    assert_int_equal(row.what, SLATE_LOG_SCAN_DECISIONS);
    d->seq = row.decision.seq;
    d->cid = row.decision.case_id;
    d->cid_len = row.decision.case_len;
    d->args = row.decision.args;
    assert_int_equal(strlen(d->args), row.decision.args_len);
    return 1;
}

static void stored_close(stored_iter *it)
{
    sqlite3_finalize(it->st);
    sqlite3_close(it->db);
    slate_log_cursor_close(it->cur);
    slate_log_read_close(it->rd);
}

static void stdout_and_log_agree(unsigned schema)
{
    char *dir = syn_tmpdir(), *path = syn_path(dir, "h.db");
    rig r;
    rig_init(&r);
    both b = {0};
    char *err = NULL;
    slate_log_opts lo = {.schema = schema};
    assert_int_equal(slate_log_open_opts(path, &lo, &b.log, &err), SLATE_OK);
    assert_int_equal(feed(&r, &b, strs, NSTRS), SLATE_OK);
    assert_int_equal(slate_log_close(b.log, NULL), SLATE_OK);

    /* stdout key -> the log's args key */
    static const char *const pairs[][2] = {
        {"reason", "reason"}, {"to", "to"}, {"message", "message"}, {"value", "value"},
        {"args", "value"}};
    stored_iter it;
    stored_open(&it, path, schema);
    stored sd;
    int rows = 0, compared = 0, hostile_rejects = 0;
    while (stored_next(&it, &sd)) {
        int64_t seq = sd.seq;
        assert_true(seq >= 1 && seq <= b.n);
        const char *line = b.lines[seq - 1];
        const char *args = sd.args;
        rows++;
        /* both are valid JSON (so valid UTF-8: jansson refuses anything else) */
        json_error_t je;
        json_t *jl = json_loads(line, JSON_ALLOW_NUL, &je), *ja = json_loads(args, JSON_ALLOW_NUL, &je);
        if (!jl || !ja) fail_msg("not JSON: %s / %s (%s)", line, args, je.text);
        for (size_t k = 0; k < sizeof pairs / sizeof pairs[0]; k++) {
            char *a = member(line, pairs[k][0]), *c = member(args, pairs[k][1]);
            if (a && c) {
                if (strcmp(a, c)) fail_msg("decision %lld: stdout %s=%s, log %s=%s", (long long)seq,
                                           pairs[k][0], a, pairs[k][1], c);
                assert_true(json_equal(json_object_get(jl, pairs[k][0]),
                                       json_object_get(ja, pairs[k][1])));
                compared++;
                if (!strcmp(pairs[k][0], "reason") && strstr(a, "unknown case")) hostile_rejects++;
            }
            free(a);
            free(c);
        }
        /* the log keeps the case id's bytes; stdout shows them through the
         * same escaper */
        char *cs = member(line, "case");
        if (cs) {
            char esc[512];
            size_t n = jstr_escape(esc, sizeof esc, sd.cid, sd.cid_len);
            assert_true(n < sizeof esc);
            assert_int_equal(strlen(cs), n + 2);
            assert_memory_equal(cs + 1, esc, n);
        }
        free(cs);
        json_decref(jl);
        json_decref(ja);
    }
    stored_close(&it);
    assert_int_equal(rows, b.n);
    assert_int_equal(hostile_rejects, (int)NSTRS);
    assert_true(compared >= 5 * (int)NSTRS); /* reason, set value, emit args, to, message */

    /* the log verifies and the replay of the same input matches it */
    assert_int_equal(slate_log_verify(path, NULL, NULL), SLATE_OK);
    both_free(&b);
    slate_log_opts co = {.check = 1, .verify = 1};
    assert_int_equal(slate_log_open_opts(path, &co, &b.log, &err), SLATE_OK);
    assert_int_equal(feed(&r, &b, strs, NSTRS), SLATE_OK);
    assert_int_equal(slate_log_check_end(b.log), SLATE_OK);
    assert_int_equal(slate_log_check_verify(b.log, NULL, NULL), SLATE_OK);
    slate_log_close(b.log, NULL);
    both_free(&b);
    rig_free(&r);
    free(path);
    syn_rmdir(dir);
}

static void test_stdout_and_log_agree(void **state)
{
    (void)state;
    stdout_and_log_agree(1);
    stdout_and_log_agree(2);
}

/* ---- logs written with the log's former escaper --------------------------------- */

/* The log's escaper before it was jsonstr.h: only `"`, `\` and bytes below 0x20
 * escaped; DEL, U+2028/U+2029 and invalid UTF-8 kept as they are. */
static size_t former_escape(char *out, const char *s, size_t n)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *e = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\b' ? "\\b" : c == '\f' ? "\\f"
                        : c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
        if (e) k += (size_t)sprintf(out + k, "%s", e);
        else if (c < 0x20) k += (size_t)sprintf(out + k, "\\u%04x", c);
        else out[k++] = (char)c;
    }
    out[k] = 0;
    return k;
}

static void hex_bytes(const char *hex, uint8_t out[32])
{
    for (int i = 0; i < 32; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (uint8_t)v;
    }
}

/* Recompute the chain of every row from position `from` on, and the head in
 * meta, as a writer of the edited rows would have: the log then verifies. */
static void rechain(sqlite3 *db, int64_t from)
{
    static const char *const tables[] = {"policies", "events", "decisions"};
    uint8_t prev[32];
    sqlite3_stmt *st, *row, *up;
    char q[200];
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT 0, pos, chain FROM policies UNION ALL "
                                        "SELECT 1, pos, chain FROM events UNION ALL "
                                        "SELECT 2, pos, chain FROM decisions ORDER BY 2",
                                        -1, &st, NULL),
                     SQLITE_OK);
    int found_prev = 0;
    char head[65] = "";
    while (sqlite3_step(st) == SQLITE_ROW) {
        int t = sqlite3_column_int(st, 0);
        int64_t pos = sqlite3_column_int64(st, 1);
        if (pos == from - 1) {
            hex_bytes((const char *)sqlite3_column_text(st, 2), prev);
            found_prev = 1;
        }
        if (pos < from) continue;
        assert_true(found_prev);
        snprintf(q, sizeof q, "SELECT * FROM %s WHERE pos = %lld", tables[t], (long long)pos);
        assert_int_equal(sqlite3_prepare_v2(db, q, -1, &row, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_step(row), SQLITE_ROW);
        int n = sqlite3_column_count(row) - 1; /* the chain is last */
        dlog_val v[32];
        for (int i = 0; i < n; i++) {
            int ty = sqlite3_column_type(row, i);
            v[i] = (dlog_val){DV_NULL, 0, NULL, 0};
            if (ty == SQLITE_INTEGER) v[i] = (dlog_val){DV_INT, sqlite3_column_int64(row, i), NULL, 0};
            if (ty == SQLITE_TEXT)
                v[i] = (dlog_val){DV_TEXT, 0, sqlite3_column_text(row, i),
                                  (size_t)sqlite3_column_bytes(row, i)};
            if (ty == SQLITE_BLOB)
                v[i] = (dlog_val){DV_BLOB, 0, sqlite3_column_blob(row, i),
                                  (size_t)sqlite3_column_bytes(row, i)};
        }
        uint8_t next[32];
        dlog_chain(prev, tables[t], v, (size_t)n, next);
        memcpy(prev, next, 32);
        sqlite3_finalize(row);
        dlog_hex(prev, 32, head);
        snprintf(q, sizeof q, "UPDATE %s SET chain = ? WHERE pos = %lld", tables[t], (long long)pos);
        assert_int_equal(sqlite3_prepare_v2(db, q, -1, &up, NULL), SQLITE_OK);
        sqlite3_bind_text(up, 1, head, 64, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(up), SQLITE_DONE);
        sqlite3_finalize(up);
    }
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(db, "UPDATE meta SET value = ? WHERE key = 'state.chain'",
                                        -1, &up, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(up, 1, head, 64, SQLITE_TRANSIENT);
    assert_int_equal(sqlite3_step(up), SQLITE_DONE);
    sqlite3_finalize(up);
}

/* Write the hostile strings' log (schema version 1: a version 2 log was never
 * written with the former escaper), then give each hostile reject the args the
 * former escaper wrote (with `drop`, one byte short of it: a real divergence),
 * and rechain.  Returns how many rows were changed. */
static int write_former(const char *path, rig *r, int drop)
{
    both b = {0};
    slate_log_opts v1 = {.schema = 1};
    assert_int_equal(slate_log_open_opts(path, &v1, &b.log, NULL), SLATE_OK);
    assert_int_equal(feed(r, &b, strs, NSTRS), SLATE_OK);
    assert_int_equal(slate_log_close(b.log, NULL), SLATE_OK);
    both_free(&b);

    sqlite3 *db;
    sqlite3_stmt *st, *up;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT pos, args FROM decisions WHERE action = "
                                            "'reject' ORDER BY pos",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "UPDATE decisions SET args = ? WHERE pos = ?", -1, &up,
                                        NULL),
                     SQLITE_OK);
    int64_t first = 0;
    int changed = 0;
    for (size_t i = 0; sqlite3_step(st) == SQLITE_ROW; i++) {
        assert_true(i < NSTRS);
        /* the reason, as the engine wrote it: stops at a NUL (%.*s) */
        char reason[256], old[1600];
        size_t rl = (size_t)snprintf(reason, sizeof reason, "unknown case `%.*s`",
                                     (int)strnlen(strs[i].s, strs[i].len), strs[i].s);
        size_t n = (size_t)sprintf(old, "{\"reason\":\"");
        n += former_escape(old + n, reason, rl - (size_t)(drop && i == NSTRS - 1));
        n += (size_t)sprintf(old + n, "\"}");
        const char *stored = (const char *)sqlite3_column_text(st, 1);
        if (!strcmp(stored, old)) continue; /* the two escapers agree on this one */
        sqlite3_reset(up);
        sqlite3_bind_text(up, 1, old, (int)n, SQLITE_TRANSIENT);
        sqlite3_bind_int64(up, 2, sqlite3_column_int64(st, 0));
        assert_int_equal(sqlite3_step(up), SQLITE_DONE);
        if (!first) first = sqlite3_column_int64(st, 0);
        changed++;
    }
    sqlite3_finalize(up);
    sqlite3_finalize(st);
    rechain(db, first);
    sqlite3_close(db);
    return changed;
}

/* Replay the same input against the log in check mode; NULL when it matched,
 * else the first divergence (malloc'd). */
static char *replay(const char *path, rig *r, int verify)
{
    both b = {0};
    slate_log_opts co = {.check = 1, .verify = verify};
    assert_int_equal(slate_log_open_opts(path, &co, &b.log, NULL), SLATE_OK);
    int rc = feed(r, &b, strs, NSTRS);
    if (!rc) rc = slate_log_check_end(b.log);
    if (!rc && verify) rc = slate_log_check_verify(b.log, NULL, NULL);
    char *msg = rc ? strdup(slate_log_errmsg(b.log)) : NULL;
    slate_log_close(b.log, NULL);
    both_free(&b);
    return msg;
}

static void test_former_log_replays(void **state)
{
    (void)state;
    char *dir = syn_tmpdir(), *path = syn_path(dir, "old.db");
    rig r;
    rig_init(&r);
    /* the strings with DEL, U+2028/9 or invalid UTF-8 differ: most of them */
    assert_true(write_former(path, &r, 0) >= 9);
    assert_int_equal(slate_log_verify(path, NULL, NULL), SLATE_OK);
    char *m = replay(path, &r, 1); /* slate replay */
    if (m) fail_msg("replay: %s", m);
    m = replay(path, &r, 0); /* slate run --resume: the chain runs on past the edited rows */
    if (m) fail_msg("resume: %s", m);
    unlink(path);

    /* an args text that is not the same string is still a divergence */
    assert_true(write_former(path, &r, 1) >= 9);
    assert_int_equal(slate_log_verify(path, NULL, NULL), SLATE_OK);
    for (int verify = 0; verify <= 1; verify++) {
        m = replay(path, &r, verify);
        assert_non_null(m);
        if (!strstr(m, "`args`: expected {\"reason\":\"unknown case `mix"))
            fail_msg("unexpected divergence: %s", m);
        free(m);
    }
    rig_free(&r);
    free(path);
    syn_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_bounded),
        cmocka_unit_test(test_stdout_and_log_agree),
        cmocka_unit_test(test_former_log_replays),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
