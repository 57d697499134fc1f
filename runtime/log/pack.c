/*
 * pack.c - an entry's decisions as one column (schema version 2): the writer
 * packs them into a JSON array, one element per decision, and the verifier,
 * check mode and the reader take that array apart again.
 *
 * Element: [action, rule_line, rule_label, at_ms, case_id, event_seq,
 * event_id, args], null for an absent string or a timer's event_seq, args the
 * canonical object of canon.c as it is.  Strings are escaped as little as JSON
 * allows (`"`, `\` and bytes below 0x20; every other byte kept as it is), so
 * any id an embedder passes, invalid UTF-8 included, comes back byte for byte,
 * and one packing is the only one: the unpacker accepts exactly what the
 * packer writes, so a row that unpacks is the row it would be packed into.
 *
 * Not here: the row around the column (log_write.c), the chain (canon.c), or
 * the SQL views that take it apart for auditors (log_schema.c).
 */
#include <stdio.h>
#include <string.h>

#include "log_int.h"

/* ---- packing ------------------------------------------------------------------ */

static void put_int(dlog_buf *b, int64_t v)
{
    char num[24];
    dlog_buf_put(b, num, dlog_i64_dec(v, num));
}

void dlog_buf_pstr(dlog_buf *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    dlog_buf_put(b, "\"", 1);
    size_t run = 0; /* bytes kept as they are, copied in one go */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        dlog_buf_put(b, s + run, i - run);
        run = i + 1;
        if (c >= 0x20) {
            char e[2] = {'\\', (char)c};
            dlog_buf_put(b, e, 2);
        } else {
            char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            dlog_buf_put(b, e, 6);
        }
    }
    dlog_buf_put(b, s + run, n - run);
    dlog_buf_put(b, "\"", 1);
}

static void put_astr(dlog_buf *b, const slate_log *log, dlog_astr a)
{
    if (a.off == DLOG_NONE) dlog_buf_put(b, "null", 4);
    else dlog_buf_pstr(b, log->arena.p + a.off, a.len);
}

void dlog_pack(const slate_log *log, dlog_buf *b)
{
    dlog_buf_put(b, "[", 1);
    for (size_t i = 0; i < log->npends; i++) {
        const dlog_pend *p = &log->pends[i];
        const char *action = dlog_action_names[p->action];
        dlog_buf_put(b, i ? ",[\"" : "[\"", i ? 3 : 2);
        dlog_buf_put(b, action, strlen(action));
        dlog_buf_put(b, "\",", 2);
        put_int(b, p->rule_line);
        dlog_buf_put(b, ",", 1);
        put_astr(b, log, p->rule_label);
        dlog_buf_put(b, ",", 1);
        put_int(b, p->at);
        dlog_buf_put(b, ",", 1);
        put_astr(b, log, p->case_id);
        dlog_buf_put(b, ",", 1);
        if (p->event_seq) put_int(b, (int64_t)p->event_seq);
        else dlog_buf_put(b, "null", 4);
        dlog_buf_put(b, ",", 1);
        put_astr(b, log, p->event_id);
        dlog_buf_put(b, ",", 1);
        dlog_buf_put(b, log->arena.p + p->args.off, p->args.len);
        dlog_buf_put(b, "]", 1);
    }
    dlog_buf_put(b, "]", 1);
}

/* ---- unpacking ---------------------------------------------------------------- */

void dlog_unpack_start(dlog_unpacker *u, const char *s, size_t n)
{
    u->s = s;
    u->n = s ? n : 0;
    u->i = 0;
    u->state = 0;
}

static int eat(dlog_unpacker *u, char c)
{
    if (u->i >= u->n || u->s[u->i] != c) return -1;
    u->i++;
    return 0;
}

/* An integer as put_int() writes it: no sign unless negative, no leading zero. */
static int get_int(dlog_unpacker *u, int64_t *out, int neg_ok)
{
    int neg = 0;
    if (neg_ok && u->i < u->n && u->s[u->i] == '-') {
        neg = 1;
        u->i++;
    }
    size_t start = u->i;
    uint64_t v = 0;
    while (u->i < u->n && u->s[u->i] >= '0' && u->s[u->i] <= '9') {
        unsigned d = (unsigned)(u->s[u->i] - '0');
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
        u->i++;
    }
    size_t len = u->i - start;
    if (!len || (len > 1 && u->s[start] == '0') || (neg && v == 0)) return -1;
    if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX) return -1;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

static int is_null(dlog_unpacker *u)
{
    if (u->n - u->i >= 4 && !memcmp(u->s + u->i, "null", 4)) {
        u->i += 4;
        return 1;
    }
    return 0;
}

/* A string as dlog_buf_pstr() writes it (or null when null_ok). */
static int get_str(dlog_unpacker *u, dlog_pstr *out, int null_ok)
{
    out->p = NULL;
    out->n = 0;
    if (null_ok && is_null(u)) return 0;
    if (eat(u, '"')) return -1;
    size_t start = u->i;
    while (u->i < u->n) {
        unsigned char c = (unsigned char)u->s[u->i];
        if (c == '"') {
            out->p = u->s + start;
            out->n = u->i - start;
            u->i++;
            return 0;
        }
        if (c < 0x20) return -1;
        if (c == '\\') {
            if (u->i + 1 >= u->n) return -1;
            char e = u->s[u->i + 1];
            if (e == '"' || e == '\\') {
                u->i += 2;
                continue;
            }
            /* \u00XX for a byte below 0x20, in lowercase hex */
            if (e != 'u' || u->n - u->i < 6 || memcmp(u->s + u->i + 2, "00", 2) ||
                !strchr("01", u->s[u->i + 4]) || !u->s[u->i + 5] ||
                !strchr("0123456789abcdef", u->s[u->i + 5]))
                return -1;
            u->i += 6;
            continue;
        }
        u->i++;
    }
    return -1;
}

/* A JSON object (the args): its extent, by nesting and strings; canon.c
 * wrote it and the chain covers it, so this only has to find its end safely. */
static int get_object(dlog_unpacker *u, const char **p, size_t *n)
{
    enum { MAXDEPTH = 64 };
    char stack[MAXDEPTH];
    int depth = 0;
    size_t start = u->i;
    if (u->i >= u->n || u->s[u->i] != '{') return -1;
    while (u->i < u->n) {
        char c = u->s[u->i++];
        if (c == '"') {
            while (u->i < u->n && u->s[u->i] != '"') u->i += u->s[u->i] == '\\' ? 2 : 1;
            if (u->i >= u->n) return -1;
            u->i++;
        } else if (c == '{' || c == '[') {
            if (depth == MAXDEPTH) return -1;
            stack[depth++] = c == '{' ? '}' : ']';
        } else if (c == '}' || c == ']') {
            if (!depth || stack[depth - 1] != c) return -1;
            if (--depth == 0) {
                *p = u->s + start;
                *n = u->i - start;
                return 0;
            }
        } else if ((unsigned char)c < 0x20) {
            return -1;
        }
    }
    return -1;
}

int dlog_unpack_next(dlog_unpacker *u, dlog_unpacked *d)
{
    memset(d, 0, sizeof *d);
    if (u->state < 0) return -1;
    if (u->state == 2) return 0;
    if (u->state == 0) {
        if (eat(u, '[')) goto bad;
        u->state = 1;
        if (u->i < u->n && u->s[u->i] == ']') goto end;
    } else if (eat(u, ',')) {
        if (u->i < u->n && u->s[u->i] == ']') goto end;
        goto bad;
    }
    if (eat(u, '[') || get_str(u, &d->action, 0) || eat(u, ',') ||
        get_int(u, &d->rule_line, 0) || d->rule_line > UINT32_MAX || eat(u, ',') ||
        get_str(u, &d->rule_label, 1) || eat(u, ',') || get_int(u, &d->at, 1) || eat(u, ',') ||
        get_str(u, &d->case_id, 1) || eat(u, ','))
        goto bad;
    if (!is_null(u) && (get_int(u, &d->event_seq, 0) || d->event_seq == 0)) goto bad;
    if (eat(u, ',') || get_str(u, &d->event_id, 1) || eat(u, ',') ||
        get_object(u, &d->args, &d->args_len) || eat(u, ']'))
        goto bad;
    if (u->i < u->n && u->s[u->i] == ']') {
        /* the last element: nothing may follow the array */
        if (u->i + 1 != u->n) goto bad;
    } else if (u->i >= u->n || u->s[u->i] != ',') {
        goto bad;
    }
    return 1;
end:
    if (u->i + 1 != u->n) goto bad;
    u->i++;
    u->state = 2;
    return 0;
bad:
    u->state = -1;
    memset(d, 0, sizeof *d);
    return -1;
}

/* The byte packed string s holds at s.p[*i], its escape decoded (\" \\ or
 * \u00XX, the only ones the unpacker lets through); *i moves past it. */
static char pstr_byte(dlog_pstr s, size_t *i)
{
    char c = s.p[(*i)++];
    if (c != '\\') return c;
    if (s.p[*i] != 'u') return s.p[(*i)++];
    int hi = s.p[*i + 3] - '0', lo = s.p[*i + 4];
    lo = lo <= '9' ? lo - '0' : lo - 'a' + 10;
    *i += 5;
    return (char)(hi * 16 + lo);
}

size_t dlog_unescape(dlog_pstr s, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < s.n;) out[k++] = pstr_byte(s, &i);
    out[k] = 0;
    return k;
}

int dlog_pstr_is(dlog_pstr s, const char *id, size_t len)
{
    if (!s.p) return 0;
    size_t k = 0;
    for (size_t i = 0; i < s.n; k++)
        if (k >= len || id[k] != pstr_byte(s, &i)) return 0;
    return k == len;
}
