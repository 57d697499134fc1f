/*
 * canon.c - the canonical bytes of the decision log: the netstrings the hash
 * chain is computed over, the chain's starting value, the canonical JSON of a
 * decision's arguments (strings escaped by jsonstr.h and times written by
 * timestamp.h, as stdout's decisions are), and pseudonyms.
 *
 * Everything here is a pure function of its arguments, so the writer (log_write.c),
 * the verifier (verify.c) and the audit tools compute identical bytes.  The
 * definitions are the ones docs/audit-log.md gives; change both together.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/hmac.h>
#include <nettle/sha2.h>

#include "dlog.h"
#include "jsonstr.h"
#include "timestamp.h"

/* ---- buffers ------------------------------------------------------------ */

size_t dlog_i64_dec(int64_t v, char *out)
{
    static const char pairs[] = "00010203040506070809101112131415161718192021222324"
                                "25262728293031323334353637383940414243444546474849"
                                "50515253545556575859606162636465666768697071727374"
                                "75767778798081828384858687888990919293949596979899";
    char tmp[24];
    size_t n = sizeof tmp, k = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    while (u >= 100) { /* two digits per division */
        unsigned r = (unsigned)(u % 100);
        u /= 100;
        tmp[--n] = pairs[2 * r + 1];
        tmp[--n] = pairs[2 * r];
    }
    if (u >= 10) {
        tmp[--n] = pairs[2 * u + 1];
        tmp[--n] = pairs[2 * u];
    } else {
        tmp[--n] = (char)('0' + u);
    }
    if (v < 0) out[k++] = '-';
    memcpy(out + k, tmp + n, sizeof tmp - n);
    return k + sizeof tmp - n;
}

int dlog_buf_reserve(dlog_buf *b, size_t extra)
{
    if (b->failed) return -1;
    if (b->len + extra + 1 <= b->cap) return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + extra + 1) cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
        b->failed = 1;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void dlog_buf_puts(dlog_buf *b, const char *s) { dlog_buf_put(b, s, strlen(s)); }

void dlog_buf_printf(dlog_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || dlog_buf_reserve(b, (size_t)n)) return;
    va_start(ap, fmt);
    vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* The string quoted and escaped by jsonstr.h, as stdout's decisions escape it:
 * room for the plain string first, then again with room for the escapes when
 * it has any that do not fit. */
void dlog_buf_json_str(dlog_buf *b, const char *s, size_t n)
{
    dlog_buf_put(b, "\"", 1);
    if (dlog_buf_reserve(b, n)) return;
    size_t room = b->cap - b->len - 1;
    size_t k = jstr_escape(b->p + b->len, room, s, n);
    if (k > room) {
        if (dlog_buf_reserve(b, k)) return;
        jstr_escape(b->p + b->len, k, s, n);
    }
    b->len += k;
    dlog_buf_put(b, "\"", 1);
}

void dlog_buf_free(dlog_buf *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

/* ---- hashing -------------------------------------------------------------- */

void dlog_hex(const uint8_t *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[2 * n] = 0;
}

/* The bytes of one chain step are gathered here and given to SHA-256 in large
 * pieces: the netstrings of a row are many short writes, and the hash's
 * per-call cost dominated them.  The bytes hashed are the same. */
typedef struct hbuf {
    struct sha256_ctx h;
    size_t len;
    uint8_t b[1024];
} hbuf;

static void hb_put(hbuf *hb, const void *p, size_t n)
{
    if (hb->len + n > sizeof hb->b) {
        sha256_update(&hb->h, hb->len, hb->b);
        hb->len = 0;
        if (n > sizeof hb->b / 2) {
            sha256_update(&hb->h, n, p);
            return;
        }
    }
    memcpy(hb->b + hb->len, p, n);
    hb->len += n;
}

/* ns(x) = decimal length ":" bytes ","  for text, blobs and integers (their
 * decimal form); "~" for NULL. */
static void ns(hbuf *hb, const dlog_val *v)
{
    char num[24], len[24];
    const void *p = v->p;
    size_t n = v->n;
    if (v->type == DV_NULL) {
        hb_put(hb, "~", 1);
        return;
    }
    if (v->type == DV_INT) {
        n = dlog_i64_dec(v->i, num);
        p = num;
    }
    size_t ln = dlog_i64_dec((int64_t)n, len);
    len[ln++] = ':';
    hb_put(hb, len, ln);
    if (n) hb_put(hb, p, n);
    hb_put(hb, ",", 1);
}

static void hb_digest(hbuf *hb, uint8_t out[32])
{
    if (hb->len) sha256_update(&hb->h, hb->len, hb->b);
    sha256_digest(&hb->h, SHA256_DIGEST_SIZE, out);
}

void dlog_chain(const uint8_t prev[32], const char *table, const dlog_val *v, size_t n,
                uint8_t out[32])
{
    hbuf hb;
    sha256_init(&hb.h);
    hb.len = 0;
    hb_put(&hb, prev, 32);
    dlog_val t = {DV_TEXT, 0, table, strlen(table)};
    ns(&hb, &t);
    for (size_t i = 0; i < n; i++) ns(&hb, &v[i]);
    hb_digest(&hb, out);
}

void dlog_case_row_hash(const char *id, size_t len, int64_t entry, uint8_t out[32])
{
    hbuf hb;
    sha256_init(&hb.h);
    hb.len = 0;
    dlog_val v[2] = {{DV_TEXT, 0, id, len}, {DV_INT, entry, NULL, 0}};
    ns(&hb, &v[0]);
    ns(&hb, &v[1]);
    hb_digest(&hb, out);
}

void dlog_genesis(const char *const *keys, const char *const *values, size_t n,
                  uint8_t out[32])
{
    hbuf hb;
    sha256_init(&hb.h);
    hb.len = 0;
    dlog_val tag = {DV_TEXT, 0, "slate-log", 9};
    ns(&hb, &tag);
    for (size_t i = 0; i < n; i++) {
        dlog_val k = {DV_TEXT, 0, keys[i], strlen(keys[i])};
        dlog_val v = {DV_TEXT, 0, values[i], strlen(values[i])};
        ns(&hb, &k);
        ns(&hb, &v);
    }
    hb_digest(&hb, out);
}

void slate_log_pseudonym(const void *key, size_t key_len, const char *id, size_t id_len,
                         char out[65])
{
    struct hmac_sha256_ctx h;
    uint8_t mac[SHA256_DIGEST_SIZE];
    hmac_sha256_set_key(&h, key_len, key);
    hmac_sha256_update(&h, id_len, (const uint8_t *)id);
    hmac_sha256_digest(&h, sizeof mac, mac);
    dlog_hex(mac, sizeof mac, out);
}

/* ---- time --------------------------------------------------------------- */

char *slate_log_time(int64_t ms, char *buf)
{
    ts_format(ms, buf); /* at most TS_FORMAT_UTC_MAX + 1 = 31 bytes: buf holds 32 */
    return buf;
}

/* ---- decision arguments ------------------------------------------------------ */

/* Which numeric members an action always shows (others appear only when set). */
enum { M_PERCENT = 1, M_BEFORE = 2, M_AFTER = 4, M_TARGET = 8, M_ELAPSED = 16,
       M_MET = 32, M_DEADLINE = 64 };

static unsigned always(slate_action a)
{
    switch (a) {
    case SLATE_A_START: return M_TARGET | M_DEADLINE;
    case SLATE_A_PAUSE: return M_ELAPSED;
    case SLATE_A_RESUME: return M_DEADLINE;
    case SLATE_A_STOP: return M_MET | M_ELAPSED | M_TARGET;
    case SLATE_A_WARN: return M_ELAPSED | M_TARGET;
    case SLATE_A_BREACH: return M_ELAPSED | M_TARGET;
    case SLATE_A_REQUIRE: return M_TARGET | M_DEADLINE;
    case SLATE_A_REVIEW: return M_TARGET | M_DEADLINE;
    default: return 0;
    }
}

/* A string member; `raw` members already hold JSON and are copied as they are
 * when they look like it (an array, object, number, true/false/null or string). */
/* `,"key":` (no comma before the first member).  Built with puts rather than
 * printf: args are formatted once per decision. */
static void key_of(dlog_buf *b, int *first, const char *key)
{
    if (!*first) dlog_buf_put(b, ",", 1);
    *first = 0;
    dlog_buf_put(b, "\"", 1);
    dlog_buf_puts(b, key);
    dlog_buf_put(b, "\":", 2);
}

static void str_member(dlog_buf *b, int *first, const char *key, const char *v, int raw)
{
    if (!v) return;
    key_of(b, first, key);
    if (raw && *v && strchr("[{\"-0123456789tfn", *v))
        dlog_buf_puts(b, v);
    else
        dlog_buf_json_str(b, v, strlen(v));
}

static void int_member(dlog_buf *b, int *first, const char *key, int64_t v)
{
    char num[24];
    key_of(b, first, key);
    dlog_buf_put(b, num, dlog_i64_dec(v, num));
}

/*
 * The canonical arguments object.  Keys, in this order, each at most once:
 *   tier clock level|to reason|message field value targets
 *   percent before_ms after_ms target_ms elapsed_ms met breached_ms deadline
 *   retroactive since
 * Strings appear when the decision has them.  Numbers appear when the action
 * always shows them (see always()) or when they are not zero; `deadline` is an
 * RFC 3339 time and appears when set (not INT64_MIN, and for actions that do not
 * use it, not 0).  `level` is the ESCALATE target, `reason` the REJECT message.
 * `breached_ms` (a stop whose run breached) and `retroactive`/`since` (a late
 * start counting from its start event) appear only then.
 */
void dlog_args(dlog_buf *b, const slate_decision *d)
{
    unsigned m = always(d->action);
    int first = 1;
    dlog_buf_puts(b, "{");
    str_member(b, &first, "tier", d->tier, 0);
    str_member(b, &first, "clock", d->clock, 0);
    str_member(b, &first, d->action == SLATE_A_ESCALATE ? "level" : "to", d->to, 0);
    str_member(b, &first, d->action == SLATE_A_REJECT ? "reason" : "message", d->message, 0);
    str_member(b, &first, "field", d->field, 0);
    str_member(b, &first, "value", d->value, 1);
    str_member(b, &first, "targets", d->targets, 1);
    if ((m & M_PERCENT) || d->percent) int_member(b, &first, "percent", d->percent);
    if ((m & M_BEFORE) || d->before_ms) int_member(b, &first, "before_ms", d->before_ms);
    if ((m & M_AFTER) || d->after_ms) int_member(b, &first, "after_ms", d->after_ms);
    if ((m & M_TARGET) || d->target_ms) int_member(b, &first, "target_ms", d->target_ms);
    if ((m & M_ELAPSED) || d->elapsed_ms) int_member(b, &first, "elapsed_ms", d->elapsed_ms);
    if ((m & M_MET) || d->met) {
        key_of(b, &first, "met");
        dlog_buf_puts(b, d->met ? "true" : "false");
    }
    if (d->breached_ms) int_member(b, &first, "breached_ms", d->breached_ms);
    if (d->deadline != INT64_MIN && ((m & M_DEADLINE) || d->deadline != 0)) {
        char t[32];
        key_of(b, &first, "deadline");
        dlog_buf_put(b, "\"", 1);
        dlog_buf_puts(b, slate_log_time(d->deadline, t));
        dlog_buf_put(b, "\"", 1);
    }
    if (d->retroactive) {
        char t[32];
        key_of(b, &first, "retroactive");
        dlog_buf_puts(b, "true");
        key_of(b, &first, "since");
        dlog_buf_put(b, "\"", 1);
        dlog_buf_puts(b, slate_log_time(d->since, t));
        dlog_buf_put(b, "\"", 1);
    }
    dlog_buf_puts(b, "}");
}

char *slate_log_args_json(const slate_decision *d)
{
    dlog_buf b = {0};
    dlog_args(&b, d);
    if (b.failed) {
        dlog_buf_free(&b);
        return NULL;
    }
    return b.p;
}

void slate_log_free(void *p) { free(p); }

/* ---- payload pseudonymisation ----------------------------------------------- */

typedef struct scan {
    const char *s;
    size_t n, i;
} scan;

static void skip_ws(scan *c)
{
    while (c->i < c->n && strchr(" \t\r\n", c->s[c->i]) && c->s[c->i]) c->i++;
}

/* Skip a JSON string starting at its quote; -1 if unterminated. */
static int skip_string(scan *c)
{
    if (c->i >= c->n || c->s[c->i] != '"') return -1;
    for (c->i++; c->i < c->n; c->i++) {
        if (c->s[c->i] == '\\') {
            c->i++;
        } else if (c->s[c->i] == '"') {
            c->i++;
            return 0;
        }
    }
    return -1;
}

/* Skip any JSON value (nested containers by depth, strings by their quotes,
 * scalars up to the next delimiter).  Lenient: validation is the reader's job;
 * this only has to find the top-level keys of a well-formed object. */
static int skip_value(scan *c)
{
    skip_ws(c);
    if (c->i >= c->n) return -1;
    char ch = c->s[c->i];
    if (ch == '"') return skip_string(c);
    if (ch == '{' || ch == '[') {
        int depth = 0;
        while (c->i < c->n) {
            ch = c->s[c->i];
            if (ch == '"') {
                if (skip_string(c)) return -1;
                continue;
            }
            if (ch == '{' || ch == '[') depth++;
            if (ch == '}' || ch == ']') depth--;
            c->i++;
            if (depth == 0) return 0;
        }
        return -1;
    }
    size_t start = c->i;
    while (c->i < c->n && !strchr(",}] \t\r\n", c->s[c->i]) && c->s[c->i]) c->i++;
    return c->i > start ? 0 : -1;
}

static int hex4(const char *s, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char ch = s[i];
        unsigned d;
        if (ch >= '0' && ch <= '9') d = (unsigned)(ch - '0');
        else if (ch >= 'a' && ch <= 'f') d = (unsigned)(ch - 'a' + 10);
        else if (ch >= 'A' && ch <= 'F') d = (unsigned)(ch - 'A' + 10);
        else return -1;
        *v = *v << 4 | d;
    }
    return 0;
}

static void put_utf8(dlog_buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xC0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        u[0] = (char)(0xE0 | cp >> 12);
        u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        u[0] = (char)(0xF0 | cp >> 18);
        u[1] = (char)(0x80 | (cp >> 12 & 0x3F));
        u[2] = (char)(0x80 | (cp >> 6 & 0x3F));
        u[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    dlog_buf_put(b, u, n);
}

/* Decode the JSON string token s[a..b) (quotes included), appending to out.
 * Returns 0, or -1 for a bad escape or a lone surrogate. */
static int decode_append(const char *s, size_t a, size_t b, dlog_buf *out)
{
    for (size_t i = a + 1; i + 1 < b; i++) {
        char ch = s[i];
        if ((unsigned char)ch < 0x20) return -1;
        if (ch != '\\') {
            dlog_buf_put(out, &ch, 1);
            continue;
        }
        if (++i + 1 >= b) return -1;
        switch (s[i]) {
        case '"': case '\\': case '/': dlog_buf_put(out, &s[i], 1); break;
        case 'b': dlog_buf_put(out, "\b", 1); break;
        case 'f': dlog_buf_put(out, "\f", 1); break;
        case 'n': dlog_buf_put(out, "\n", 1); break;
        case 'r': dlog_buf_put(out, "\r", 1); break;
        case 't': dlog_buf_put(out, "\t", 1); break;
        case 'u': {
            unsigned cp, lo;
            if (i + 5 >= b || hex4(s + i + 1, &cp)) return -1;
            i += 4;
            if (cp >= 0xDC00 && cp <= 0xDFFF) return -1;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (i + 7 >= b || s[i + 1] != '\\' || s[i + 2] != 'u' ||
                    hex4(s + i + 3, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    return -1;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
            put_utf8(out, cp);
            break;
        }
        default: return -1;
        }
    }
    return out->failed ? -1 : 0;
}

/* The same into out, replacing its contents. */
static int decode_string(const char *s, size_t a, size_t b, dlog_buf *out)
{
    out->len = 0;
    return decode_append(s, a, b, out);
}

int dlog_json_str(const char *s, size_t n, size_t *i, dlog_buf *out)
{
    scan c = {s, n, *i};
    size_t keep = out->len;
    if (skip_string(&c) || decode_append(s, *i, c.i, out)) {
        out->len = keep;
        if (out->p) out->p[keep] = 0;
        return -1;
    }
    *i = c.i;
    return 0;
}

int dlog_replace_case(const char *payload, size_t len, const void *key, size_t key_len,
                      dlog_buf *out)
{
    scan c = {payload, len, 0};
    size_t start_len = out->len, copied = 0;
    dlog_buf tok = {0};
    int rc = -1;
    skip_ws(&c);
    if (c.i >= c.n || payload[c.i] != '{') goto out;
    c.i++;
    skip_ws(&c);
    if (c.i < c.n && payload[c.i] == '}') goto done;
    for (;;) {
        skip_ws(&c);
        size_t ka = c.i;
        if (skip_string(&c)) goto out;
        size_t kb = c.i;
        skip_ws(&c);
        if (c.i >= c.n || payload[c.i] != ':') goto out;
        c.i++;
        skip_ws(&c);
        size_t va = c.i;
        if (skip_value(&c)) goto out;
        if (decode_string(payload, ka, kb, &tok)) goto out;
        if (tok.len == 4 && !memcmp(tok.p, "case", 4)) {
            char pseud[65];
            if (payload[va] != '"' || decode_string(payload, va, c.i, &tok)) goto out;
            slate_log_pseudonym(key, key_len, tok.p ? tok.p : "", tok.len, pseud);
            dlog_buf_put(out, payload + copied, va - copied);
            dlog_buf_printf(out, "\"%s\"", pseud);
            copied = c.i;
        }
        skip_ws(&c);
        if (c.i < c.n && payload[c.i] == ',') {
            c.i++;
            continue;
        }
        if (c.i < c.n && payload[c.i] == '}') break;
        goto out;
    }
done:
    dlog_buf_put(out, payload + copied, len - copied);
    rc = out->failed ? -1 : 0;
out:
    dlog_buf_free(&tok);
    if (rc) {
        out->len = start_len;
        if (out->p) out->p[out->len] = 0;
    }
    return rc;
}

int dlog_args_same(const char *stored, size_t n, const char *rendered, size_t rn)
{
    dlog_buf out = {0}, tok = {0};
    scan c = {stored, n, 0};
    size_t copied = 0;
    int same = 0;
    while (c.i < n) {
        if (stored[c.i] != '"') {
            c.i++;
            continue;
        }
        size_t a = c.i;
        if (skip_string(&c) || decode_string(stored, a, c.i, &tok)) goto out;
        dlog_buf_put(&out, stored + copied, a - copied);
        dlog_buf_json_str(&out, tok.p ? tok.p : "", tok.len);
        copied = c.i;
    }
    dlog_buf_put(&out, stored + copied, n - copied);
    same = !out.failed && out.len == rn && (!rn || !memcmp(out.p, rendered, rn));
out:
    dlog_buf_free(&out);
    dlog_buf_free(&tok);
    return same;
}

void dlog_set_err(char **err, const char *fmt, ...)
{
    if (!err) return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    *err = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (!*err) return;
    va_start(ap, fmt);
    vsnprintf(*err, (size_t)n + 1, fmt, ap);
    va_end(ap);
}
