/*
 * events.c - the JSON Lines event reader behind events.h.
 *
 * Lines are cut by hand from read(2) chunks (so a pipe that delivers a line at a
 * time is served at once, and an endless line costs no memory past EV_MAX_LINE),
 * then each is parsed and checked against the program's schema.  A line in the
 * plainest flat shape is scanned by events_flat.c (ev_scan_flat, which takes the
 * bytes around each value whole where they repeat earlier lines'); any other
 * goes to jansson; both fill the same member list (events_int.h), which one
 * checker (check_members) reads.
 * Names (fields, event types, enum values) are looked up in one small
 * open-addressing table built once from the program.  The first problem found
 * on a line is the one reported, in this order: JSON syntax, `id`, `case` (its
 * value), `type`, `case` (missing), `at`, then the other keys in the order the
 * line gives them.
 */
#include "events.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events_int.h"
#include "suggest.h"
#include "termsafe.h"
#include "timestamp.h"

#define CHUNK (64 * 1024)

/* ---- schema lookups ------------------------------------------------------- */

static const char *event_name(const ev_reader *r, uint32_t i)
{
    return slate_program_event_name(r->prog, (int)i);
}

static const char *field_name(const ev_reader *r, uint32_t i)
{
    return slate_program_field_name(r->prog, (int)i);
}

/* Add a name, unless the tag already has it (the first one stays). */
static void table_add(name_table *t, uint32_t tag, const char *s, size_t len, int val)
{
    uint32_t h = hash_name(tag, s, len) & t->mask;
    for (; t->slots[h].s; h = (h + 1) & t->mask) {
        const tname *e = &t->slots[h];
        if (e->tag == tag && e->len == len && memcmp(e->s, s, len) == 0) return;
    }
    tname *e = &t->slots[h];
    e->s = s;
    e->len = (uint32_t)len;
    e->tag = tag;
    e->val = val;
    if (len <= 16) {
        char pad[16] = {0};
        memcpy(pad, s, len);
        memcpy(e->w, pad, 16);
    }
}

static int table_build(name_table *t, const ev_reader *r)
{
    const slate_program *p = r->prog;
    size_t n = (size_t)r->nevents + r->nfields;
    for (uint32_t i = 0; i < r->nfields; i++)
        if (r->ftype[i] == SLATE_T_ENUM) n += (size_t)slate_program_enum_count(p, (int)i);
    size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    t->slots = calloc(cap, sizeof *t->slots);
    if (!t->slots) return -1;
    t->mask = (uint32_t)(cap - 1);
    for (uint32_t i = 0; i < r->nfields; i++) {
        const char *s = field_name(r, i);
        table_add(t, T_KEY, s, strlen(s), (int)i);
    }
    for (uint32_t i = 0; i < r->nevents; i++) {
        const char *s = event_name(r, i);
        table_add(t, T_EVENT, s, strlen(s), (int)i);
    }
    for (uint32_t i = 0; i < r->nfields; i++) {
        int nv = slate_program_enum_count(p, (int)i);
        for (int k = 0; k < nv; k++) {
            const char *s = slate_program_enum_name(p, (int)i, k);
            table_add(t, T_ENUM + i, s, strlen(s), k);
        }
    }
    return 0;
}

ev_reader *ev_reader_new(const slate_program *prog, int strict)
{
    ev_reader *r = calloc(1, sizeof *r);
    if (!r) return NULL;
    r->prog = prog;
    r->strict = strict;
    r->fast = 1;
    ts_memo_init(&r->at_memo);
    int ne = slate_program_event_count(prog), nf = slate_program_field_count(prog);
    r->nevents = ne > 0 ? (uint32_t)ne : 0;
    r->nfields = nf > 0 ? (uint32_t)nf : 0;
    r->ftype = calloc(r->nfields ? r->nfields : 1, 1);
    r->values = calloc(r->nfields ? r->nfields : 1, sizeof *r->values);
    r->seen = calloc((size_t)r->nfields + 5, sizeof *r->seen);
    if (r->ftype)
        for (uint32_t i = 0; i < r->nfields; i++)
            r->ftype[i] = (uint8_t)slate_program_field_type(prog, (int)i);
    if (!r->ftype || !r->values || !r->seen || table_build(&r->names, r)) {
        ev_reader_free(r);
        return NULL;
    }
    r->tick = table_find(&r->names, T_EVENT, "tick", 4, 0);
    return r;
}

void ev_reader_free(ev_reader *r)
{
    if (!r) return;
    json_decref(r->root);
    free(r->names.slots);
    free(r->ftype);
    free(r->values);
    free(r->mem);
    free(r->scratch);
    free(r->seen);
    free(r->line);
    free(r->chunk);
    free(r);
}

void ev_reader_set_fast(ev_reader *r, int on)
{
    r->fast = on;
}

ev_stats ev_reader_stats(const ev_reader *r)
{
    return r->st;
}

void ev_reader_before_read(ev_reader *r, void (*fn)(void *ud), void *ud)
{
    r->before_read = fn;
    r->before_read_ud = ud;
}

/* ---- messages ------------------------------------------------------------- */

static ev_status reject(ev_reader *r, ev_result *out, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static ev_status reject(ev_reader *r, ev_result *out, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out->reason, sizeof out->reason, fmt, ap);
    va_end(ap);
    r->st.rejected++;
    return EV_REJECT;
}

/* A user's value for quoting in a message: whole up to 48 bytes, else its first
 * 45 (cut back to a UTF-8 character boundary) and "...", with control characters
 * shown as '?' (term_safe(), so the reason is safe on `run`'s stderr and wherever
 * the log is read).  dst must hold 49 bytes.  Returns dst. */
static const char *quote(char *dst, const char *s, size_t len)
{
    size_t n = len;
    if (len > 48) {
        n = 45;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80) n--;
    }
    term_safe(dst, n + 1, s, n);
    if (n < len) strcat(dst, "...");
    return dst;
}

static const char *json_kind(const jval *v)
{
    switch (v->kind) {
    case JSON_OBJECT: return "an object";
    case JSON_ARRAY: return "an array";
    case JSON_STRING: return "a string";
    case JSON_INTEGER: return "an integer";
    case JSON_REAL: return "a number with a fraction or exponent";
    case JSON_TRUE:
    case JSON_FALSE: return "a boolean";
    case JSON_NULL: return "null";
    }
    return "something else";
}

/* "a, b, c" into buf, ending in ", ..." when it does not fit. */
static const char *name_list(char *buf, size_t size, const ev_reader *r, uint32_t n,
                             const char *(*name)(const ev_reader *, uint32_t, uint32_t),
                             uint32_t arg)
{
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < n; i++) {
        const char *s = name(r, arg, i);
        size_t len = strlen(s);
        if (used + len + 2 + 5 + 1 > size) {
            memcpy(buf + used, ", ...", 6);
            break;
        }
        if (i) buf[used++] = ',', buf[used++] = ' ';
        memcpy(buf + used, s, len + 1);
        used += len;
    }
    return buf;
}

static const char *nth_event(const ev_reader *r, uint32_t unused, uint32_t i)
{
    (void)unused;
    return event_name(r, i);
}

static const char *nth_enum_value(const ev_reader *r, uint32_t field, uint32_t k)
{
    return slate_program_enum_name(r->prog, (int)field, (int)k);
}

/* The number of values of enum field `field`, for messages only: an accepted
 * value is found by table_find alone. */
static uint32_t n_enum_values(const ev_reader *r, int field)
{
    int n = slate_program_enum_count(r->prog, field);
    return n > 0 ? (uint32_t)n : 0;
}

/* "; did you mean `x`?" for the closest of n names, or "". */
static const char *suggest(char *buf, size_t size, const ev_reader *r, const char *word,
                           uint32_t n, const char *(*name)(const ev_reader *, uint32_t))
{
    diag_suggest s;
    diag_suggest_init(&s, word);
    for (uint32_t i = 0; i < n; i++) diag_suggest_add(&s, name(r, i));
    const char *best = diag_suggest_best(&s);
    if (best) snprintf(buf, size, "; did you mean `%s`?", best);
    else buf[0] = '\0';
    return buf;
}

/* ---- values ----------------------------------------------------------------- */

int ev_parse_duration(const char *s, size_t len, int64_t *ms)
{
    static const struct {
        char unit;
        int64_t ms;
    } units[] = {{'d', 86400000}, {'h', 3600000}, {'m', 60000}, {'s', 1000}};
    size_t i = 0, next_unit = 0;
    int64_t total = 0;
    if (len == 0) return -1;
    while (i < len) {
        size_t start = i;
        int64_t n = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (n > (INT64_MAX / 1000) / 10) return -1;
            n = n * 10 + (s[i++] - '0');
        }
        if (i == start || i == len) return -1;
        size_t u = next_unit;
        while (u < 4 && units[u].unit != s[i]) u++;
        if (u == 4) return -1; /* unknown unit, or out of order */
        if (n > INT64_MAX / units[u].ms || total > INT64_MAX - n * units[u].ms) return -1;
        total += n * units[u].ms;
        next_unit = u + 1;
        i++;
    }
    *ms = total;
    return 0;
}

#define DURATION_HELP "integer seconds or a string like \"4h\" or \"1h30m\""

/* Check `v` against field `fi` and store it.  Returns EV_OK or a rejection. */
static ev_status field_value(ev_reader *r, ev_result *out, const char *key, int fi,
                             const jval *v, slate_value *dst)
{
    char q[64], list[400];
    dst->field = fi;
    dst->i = 0;
    dst->s = NULL;
    dst->len = 0;
    switch (r->ftype[fi]) {
    case SLATE_T_INT:
        if (v->kind != JSON_INTEGER)
            return reject(r, out, "`%s`: expected an integer, got %s", key, json_kind(v));
        dst->i = v->i;
        return EV_OK;
    case SLATE_T_BOOL:
        if (v->kind != JSON_TRUE && v->kind != JSON_FALSE)
            return reject(r, out, "`%s`: expected true or false, got %s", key, json_kind(v));
        dst->i = v->kind == JSON_TRUE;
        return EV_OK;
    case SLATE_T_STRING:
        if (v->kind != JSON_STRING)
            return reject(r, out, "`%s`: expected a string, got %s", key, json_kind(v));
        dst->s = v->s;
        dst->len = v->len;
        return EV_OK;
    case SLATE_T_DURATION:
        if (v->kind == JSON_INTEGER) {
            json_int_t sec = v->i;
            if (sec < 0)
                return reject(r, out, "`%s`: a duration must not be negative", key);
            if (sec > INT64_MAX / 1000)
                return reject(r, out, "`%s`: duration out of range", key);
            dst->i = (int64_t)sec * 1000;
            return EV_OK;
        }
        if (v->kind == JSON_STRING) {
            const char *s = v->s;
            size_t len = v->len;
            if (ev_parse_duration(s, len, &dst->i) == 0) return EV_OK;
            return reject(r, out, "`%s`: `%s` is not a duration (expected " DURATION_HELP ")",
                          key, quote(q, s, len));
        }
        return reject(r, out, "`%s`: expected a duration (" DURATION_HELP "), got %s", key,
                      json_kind(v));
    case SLATE_T_ENUM: {
        if (v->kind != JSON_STRING)
            return reject(r, out, "`%s`: expected one of %s, got %s", key,
                          name_list(list, sizeof list, r, n_enum_values(r, fi), nth_enum_value,
                                    (uint32_t)fi),
                          json_kind(v));
        const char *s = v->s;
        size_t len = v->len;
        int k = table_find(&r->names, T_ENUM + (uint32_t)fi, s, len, r->padded);
        if (k < 0)
            return reject(r, out, "`%s`: unknown value `%s` for enum `%s` (expected one of %s)",
                          key, quote(q, s, len), key,
                          name_list(list, sizeof list, r, n_enum_values(r, fi), nth_enum_value,
                                    (uint32_t)fi));
        dst->i = k;
        return EV_OK;
    }
    }
    return reject(r, out, "`%s`: field of a type events cannot carry", key);
}

/* ---- one line ------------------------------------------------------------- */

static int is_blank(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r') return 0;
    return 1;
}

int ev_grow_members(ev_reader *r)
{
    size_t cap = r->mem_cap ? 2 * r->mem_cap : 32;
    struct member *nm = realloc(r->mem, cap * sizeof *nm);
    if (!nm) return -1;
    r->mem = nm;
    r->mem_cap = cap;
    return 0;
}

static int members_of(ev_reader *r, json_t *root);
static ev_status check_members(ev_reader *r, ev_result *out);

ev_status ev_parse_line(ev_reader *r, const char *line, size_t len, ev_result *out)
{
    memset(&out->ev, 0, sizeof out->ev);
    out->ev.at = INT64_MIN;
    out->ev.type = -1;
    out->undeclared = 0;
    out->reason[0] = '\0';
    out->line = ++r->st.lines;
    out->raw = line;
    out->raw_len = len;

    /* A UTF-8 byte order mark before the first event.  Not "on line 1": a replay
     * feeds only the logged (non-blank) lines, and must read them the same way. */
    if (r->st.events == 0 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3;
        len -= 3;
    }
    if (len && line[len - 1] == '\r') len--;
    if (is_blank(line, len)) return EV_BLANK;
    out->ev.seq = ++r->st.events;

    json_decref(r->root);
    r->root = NULL;
    r->padded = r->fast && ev_scan_flat(r, line, len) == 0;
    if (!r->padded) {
        json_error_t err;
        r->root = json_loadb(line, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES, &err);
        json_t *root = r->root;
        if (!root) {
            if (strstr(err.text, "JSON_ALLOW_NUL"))
                return reject(r, out, "not JSON: strings may not contain \\u0000 (column %d)",
                              err.column);
            return reject(r, out, "not JSON: %s (column %d)", err.text, err.column);
        }
        if (!json_is_object(root)) {
            jval k = {json_typeof(root), NULL, 0, 0};
            return reject(r, out, "not a JSON object (got %s)", json_kind(&k));
        }
        if (members_of(r, root)) return reject(r, out, "out of memory");
    }
    return check_members(r, out);
}

/* The members of the jansson object `root`, in its order, into r->mem. */
static int members_of(ev_reader *r, json_t *root)
{
    const char *key;
    json_t *v;
    r->nmem = 0;
    json_object_foreach(root, key, v)
    {
        if (r->nmem == r->mem_cap && ev_grow_members(r)) return -1;
        struct member *m = &r->mem[r->nmem++];
        m->key = key;
        m->klen = strlen(key);
        m->slot = classify(r, key, m->klen, 0);
        m->v.kind = json_typeof(v);
        m->v.s = NULL;
        m->v.len = 0;
        m->v.i = 0;
        if (json_is_string(v)) {
            m->v.s = json_string_value(v);
            m->v.len = json_string_length(v);
        } else if (json_is_integer(v)) {
            m->v.i = json_integer_value(v);
        }
    }
    return 0;
}

/* An `at` that parses, for dating a line rejected before its `at` is checked
 * (an unknown type, a bad id or case); else out->ev.at stays INT64_MIN. */
static void peek_at(ev_reader *r, const jval *v, ev_result *out)
{
    char why[96];
    int64_t ms;
    if (!v) return;
    if (v->kind == JSON_INTEGER && v->i >= TS_MIN_MS && v->i <= TS_MAX_MS)
        out->ev.at = v->i;
    else if (v->kind == JSON_STRING &&
             ts_parse_rfc3339_memo(v->s, v->len, &ms, why, sizeof why, &r->at_memo) == 0)
        out->ev.at = ms;
}

/* `id`, `case` and `type`, checked in that order; *ty is the event type. */
static ev_status check_head(ev_reader *r, ev_result *out, const jval *vid, const jval *jcase,
                            const jval *vtype, int *ty);

/* Everything after the JSON syntax, on r->mem, the same for both paths. */
static ev_status check_members(ev_reader *r, ev_result *out)
{
    char q[64], hint[96];
    const jval *vid = NULL, *jcase = NULL, *vtype = NULL, *vat = NULL;
    for (size_t k = 0; k < r->nmem; k++) {
        const struct member *m = &r->mem[k];
        switch (m->slot) {
        case K_ID: vid = &m->v; break;
        case K_CASE: jcase = &m->v; break;
        case K_TYPE: vtype = &m->v; break;
        case K_AT: vat = &m->v; break;
        default: break;
        }
    }
    int ty;
    if (check_head(r, out, vid, jcase, vtype, &ty) != EV_OK) {
        peek_at(r, vat, out); /* the reject is dated by the line when it can be */
        return EV_REJECT;
    }
    const jval *v = vat;
    if (!v) return reject(r, out, "missing `at`");
    if (v->kind == JSON_INTEGER) {
        json_int_t ms = v->i;
        if (ms < TS_MIN_MS || ms > TS_MAX_MS)
            return reject(r, out,
                          "`at`: epoch milliseconds %" JSON_INTEGER_FORMAT
                          " out of range (years 0000 to 9999)",
                          ms);
        out->ev.at = ms;
    } else if (v->kind == JSON_STRING) {
        char why[96];
        const char *s = v->s;
        size_t slen = v->len;
        if (ts_parse_rfc3339_memo(s, slen, &out->ev.at, why, sizeof why, &r->at_memo) != 0) {
            out->ev.at = INT64_MIN;
            return reject(r, out, "`at` is not RFC 3339 or epoch milliseconds: `%s`: %s",
                          quote(q, s, slen), why);
        }
    } else {
        return reject(r, out, "`at` is not RFC 3339 or epoch milliseconds (got %s)",
                      json_kind(v));
    }

    /* the case fields, in the line's order */
    size_t n = 0;
    for (size_t k = 0; k < r->nmem; k++) {
        const struct member *m = &r->mem[k];
        const char *key = m->key;
        int fi = m->slot;
        if (fi < K_UNDECLARED) continue; /* reserved */
        if (fi < 0) {
            out->undeclared++;
            r->st.undeclared++;
            if (r->strict)
                return reject(r, out, "`%s`: undeclared field (rejected by --strict)%s",
                              quote(q, key, m->klen),
                              suggest(hint, sizeof hint, r, key, r->nfields, field_name));
            continue;
        }
        ev_status st = field_value(r, out, key, fi, &m->v, &r->values[n]);
        if (st != EV_OK) return st;
        n++;
    }
    out->ev.values = r->values;
    out->ev.nvalues = n;
    return EV_OK;
}

static ev_status check_head(ev_reader *r, ev_result *out, const jval *vid, const jval *jcase,
                            const jval *vtype, int *ty)
{
    char q[64], list[400], hint[96];
    const jval *v = vid;
    if (v) {
        if (v->kind == JSON_STRING) {
            out->ev.id = v->s;
            out->ev.id_len = v->len;
        } else if (v->kind == JSON_INTEGER) {
            int n = snprintf(r->idbuf, sizeof r->idbuf, "%" JSON_INTEGER_FORMAT, v->i);
            out->ev.id = r->idbuf;
            out->ev.id_len = (size_t)n;
        } else {
            return reject(r, out, "`id`: expected a string or an integer, got %s", json_kind(v));
        }
    }

    if (jcase) {
        if (jcase->kind != JSON_STRING)
            return reject(r, out, "`case`: expected a string, got %s", json_kind(jcase));
        size_t clen = jcase->len;
        if (clen == 0) return reject(r, out, "`case`: must not be empty");
        if (clen > EV_MAX_CASE)
            return reject(r, out, "`case`: %zu bytes is longer than the limit of %d", clen,
                          EV_MAX_CASE);
        out->ev.case_id = jcase->s;
        out->ev.case_len = clen;
    }

    v = vtype;
    if (!v) return reject(r, out, "missing `type`");
    if (v->kind != JSON_STRING)
        return reject(r, out, "`type`: expected a string, got %s", json_kind(v));
    const char *type = v->s;
    size_t tlen = v->len;
    *ty = table_find(&r->names, T_EVENT, type, tlen, r->padded);
    if (*ty < 0) {
        name_list(list, sizeof list, r, r->nevents, nth_event, 0);
        return reject(r, out, "`type`: unknown event type `%s` (expected one of %s)%s",
                      quote(q, type, tlen), list,
                      suggest(hint, sizeof hint, r, type, r->nevents, event_name));
    }
    out->ev.type = *ty;
    if (!jcase && *ty != r->tick) return reject(r, out, "missing `case`");
    return EV_OK;
}

/* ---- lines from a stream ------------------------------------------------------ */

static int refill(ev_reader *r, FILE *f)
{
    if (!r->chunk && !(r->chunk = malloc(CHUNK))) return -1;
    if (r->before_read) r->before_read(r->before_read_ud);
    for (;;) {
        ssize_t got = read(fileno(f), r->chunk, CHUNK);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return -1;
        r->chunk_pos = 0;
        r->chunk_len = (size_t)got;
        if (got == 0) r->eof = 1;
        return 0;
    }
}

static int append(ev_reader *r, const char *s, size_t n)
{
    if (n == 0) return 0;
    if (r->line_len + n > r->line_cap) {
        size_t cap = r->line_cap ? r->line_cap : 256;
        while (cap < r->line_len + n) cap *= 2;
        char *nl = realloc(r->line, cap);
        if (!nl) return -1;
        r->line = nl;
        r->line_cap = cap;
    }
    memcpy(r->line + r->line_len, s, n);
    r->line_len += n;
    return 0;
}

ev_status ev_next(ev_reader *r, FILE *f, ev_result *out)
{
    for (;;) {
        if (r->chunk_pos < r->chunk_len) {
            /* the usual case: the whole line is in the chunk, parsed where it is */
            const char *p = r->chunk + r->chunk_pos;
            const char *nl = memchr(p, '\n', r->chunk_len - r->chunk_pos);
            if (nl && (size_t)(nl - p) <= EV_MAX_LINE) {
                r->chunk_pos += (size_t)(nl - p) + 1;
                ev_status st = ev_parse_line(r, p, (size_t)(nl - p), out);
                if (st != EV_BLANK) return st;
                continue;
            }
        }
        int any = 0, complete = 0, too_long = 0;
        size_t total = 0; /* the line's length, kept or not */
        r->line_len = 0;
        while (!complete) {
            if (r->chunk_pos == r->chunk_len) {
                if (r->eof) break;
                if (refill(r, f)) return EV_IOERR;
                if (r->eof) break;
            }
            const char *p = r->chunk + r->chunk_pos;
            size_t avail = r->chunk_len - r->chunk_pos;
            const char *nl = memchr(p, '\n', avail);
            size_t n = nl ? (size_t)(nl - p) : avail;
            any = 1;
            total += n;
            /* keep one byte past the limit: a final '\r' does not count */
            if (!too_long && total > EV_MAX_LINE + 1) too_long = 1;
            if (!too_long && append(r, p, n)) {
                errno = ENOMEM;
                return EV_IOERR;
            }
            r->chunk_pos += n + (nl != NULL);
            complete = nl != NULL;
        }
        if (!any) return EV_EOF;
        if (!too_long && total == EV_MAX_LINE + 1 && r->line[total - 1] != '\r') too_long = 1;
        if (too_long) {
            memset(&out->ev, 0, sizeof out->ev);
            out->ev.at = INT64_MIN;
            out->ev.type = -1;
            out->undeclared = 0;
            out->line = ++r->st.lines;
            out->raw = NULL;
            out->raw_len = 0;
            out->ev.seq = ++r->st.events;
            return reject(r, out, "line of %zu bytes is longer than the limit of %zu (1 MiB)",
                          total, EV_MAX_LINE);
        }
        ev_status st = ev_parse_line(r, r->line ? r->line : "", r->line_len, out);
        if (st != EV_BLANK) return st;
    }
}
