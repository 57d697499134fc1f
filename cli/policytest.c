/*
 * policytest.c - the `.test` format of `slate test`: a hand-written line parser,
 * time and duration helpers, and the matching and printing of decisions against
 * the patterns of `expect` lines (docs/policy-tests.md).
 *
 * The parser reads one statement per line with a small tokenizer (bare tokens,
 * double-quoted tokens, KEY=VALUE with a quoted value) and a three-state machine:
 * header, inside `test "..." {`, inside `expect exactly ... {`.  Allocation
 * failures abort: this is command-line code.
 */
#include "policytest.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "slate.h"

/* ---- memory ------------------------------------------------------------------- */

static void *xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q) {
        fputs("slate: out of memory\n", stderr);
        abort();
    }
    return q;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = xrealloc(NULL, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

static char *xstrdup(const char *s) { return s ? xstrndup(s, strlen(s)) : NULL; }

/* Append one zeroed element to the array `arr` of `n` elements; evaluates to a
 * pointer to it.  `arr` and `n` are evaluated more than once. */
#define PUSH(arr, n)                                                   \
    ((arr) = xrealloc((arr), ((n) + 1) * sizeof *(arr)),               \
     memset(&(arr)[(n)], 0, sizeof *(arr)), &(arr)[(n)++])

/* ---- times and durations --------------------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int month_days(int64_t y, int m)
{
    static const int md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 ? 28 + leap : md[m - 1];
}

/* Read exactly n digits at *s; -1 if they are not there. */
static int digits(const char **s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*s)[i])) return -1;
        v = v * 10 + ((*s)[i] - '0');
    }
    *s += n;
    return v;
}

int pt_parse_time(const char *s, int offset_min, int64_t *ms)
{
    int y = digits(&s, 4);
    if (y < 0 || *s++ != '-') return -1;
    int mo = digits(&s, 2);
    if (mo < 1 || mo > 12 || *s++ != '-') return -1;
    int d = digits(&s, 2);
    if (d < 1 || d > month_days(y, mo) || *s++ != 'T') return -1;
    int h = digits(&s, 2);
    if (h < 0 || h > 23 || *s++ != ':') return -1;
    int mi = digits(&s, 2);
    if (mi < 0 || mi > 59) return -1;
    int sec = 0, msec = 0;
    if (*s == ':') {
        s++;
        sec = digits(&s, 2);
        if (sec < 0 || sec > 59) return -1;
        if (*s == '.') {
            s++;
            int nd = 0;
            while (isdigit((unsigned char)*s)) {
                if (nd < 3) msec = msec * 10 + (*s - '0');
                nd++, s++;
            }
            if (nd == 0) return -1;
            for (; nd < 3; nd++) msec *= 10;
        }
    }
    int off = offset_min;
    if (*s == 'Z' || *s == 'z') {
        off = 0;
        s++;
    } else if (*s == '+' || *s == '-') {
        int sign = *s++ == '-' ? -1 : 1;
        int oh = digits(&s, 2);
        if (oh < 0 || oh > 23 || *s++ != ':') return -1;
        int om = digits(&s, 2);
        if (om < 0 || om > 59) return -1;
        off = sign * (oh * 60 + om);
    }
    if (*s) return -1;
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
    *ms = (secs - (int64_t)off * 60) * 1000 + msec;
    return 0;
}

int pt_parse_duration(const char *s, int64_t *ms)
{
    if (!strcmp(s, "0")) {
        *ms = 0;
        return 0;
    }
    int64_t total = 0;
    int last_rank = 6;
    if (!*s) return -1;
    while (*s) {
        if (!isdigit((unsigned char)*s)) return -1;
        int64_t n = 0;
        while (isdigit((unsigned char)*s)) {
            if (n > INT64_MAX / 100) return -1;
            n = n * 10 + (*s++ - '0');
        }
        int64_t unit;
        int rank;
        if (s[0] == 'm' && s[1] == 's') unit = 1, rank = 1, s += 2;
        else if (*s == 'd') unit = 86400000, rank = 5, s++;
        else if (*s == 'h') unit = 3600000, rank = 4, s++;
        else if (*s == 'm') unit = 60000, rank = 3, s++;
        else if (*s == 's') unit = 1000, rank = 2, s++;
        else return -1;
        if (rank >= last_rank || n > INT64_MAX / unit - total / unit - 1) return -1;
        last_rank = rank;
        total += n * unit;
    }
    *ms = total;
    return 0;
}

char *pt_format_time(int64_t ms, int offset_min, char *buf, size_t size)
{
    int64_t local = ms + (int64_t)offset_min * 60000;
    int64_t days = local >= 0 ? local / 86400000 : -((-local + 86399999) / 86400000);
    int64_t rem = local - days * 86400000;
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    int h = (int)(rem / 3600000), mi = (int)(rem / 60000 % 60), sec = (int)(rem / 1000 % 60),
        msec = (int)(rem % 1000);
    int n = snprintf(buf, size, "%04lld-%02d-%02dT%02d:%02d", (long long)y, m, d, h, mi);
    if (sec || msec) n += snprintf(buf + n, size > (size_t)n ? size - n : 0, ":%02d", sec);
    if (msec) n += snprintf(buf + n, size > (size_t)n ? size - n : 0, ".%03d", msec);
    if (offset_min == 0)
        snprintf(buf + n, size > (size_t)n ? size - n : 0, "Z");
    else
        snprintf(buf + n, size > (size_t)n ? size - n : 0, "%c%02d:%02d",
                 offset_min < 0 ? '-' : '+', abs(offset_min) / 60, abs(offset_min) % 60);
    return buf;
}

char *pt_format_duration(int64_t ms, char *buf, size_t size)
{
    if (ms == 0) {
        snprintf(buf, size, "0");
        return buf;
    }
    size_t n = 0;
    if (ms < 0) {
        n += snprintf(buf, size, "-");
        ms = -ms;
    }
    static const struct { int64_t unit; const char *name; } parts[] = {
        {3600000, "h"}, {60000, "m"}, {1000, "s"}, {1, "ms"}};
    for (size_t i = 0; i < 4; i++) {
        int64_t q = ms / parts[i].unit;
        ms %= parts[i].unit;
        if (q && n < size)
            n += snprintf(buf + n, size - n, "%lld%s", (long long)q, parts[i].name);
    }
    return buf;
}

/* ---- tokens ---------------------------------------------------------------------- */

typedef struct tok {
    char *text;   /* unescaped */
    int quoted;   /* the whole token was in quotes */
    int eq;       /* index of the first '=' outside quotes, -1 if none */
    int vquoted;  /* the part after '=' was in quotes */
} tok;

typedef struct toks {
    tok *v;
    size_t n;
} toks;

static void toks_free(toks *t)
{
    for (size_t i = 0; i < t->n; i++) free(t->v[i].text);
    free(t->v);
    t->v = NULL;
    t->n = 0;
}

/* Split a line into tokens.  Returns NULL or a static message. */
static const char *tokenize(const char *s, const char *end, toks *out)
{
    memset(out, 0, sizeof *out);
    while (s < end) {
        while (s < end && (*s == ' ' || *s == '\t')) s++;
        if (s >= end || *s == '#') break;
        char *buf = xrealloc(NULL, (size_t)(end - s) + 1);
        size_t n = 0;
        tok t = {buf, 0, -1, 0};
        int first = 1;
        while (s < end && *s != ' ' && *s != '\t') {
            if ((*s == '[' || *s == '{') && t.eq >= 0 && (size_t)t.eq == n - 1) {
                /* KEY=[json] / KEY={json}: raw to the next blank */
                while (s < end && *s != ' ' && *s != '\t') buf[n++] = *s++;
                break;
            }
            if (*s == '"') {
                if (first) t.quoted = 1;
                else if (t.eq >= 0 && (size_t)t.eq == n - 1) t.vquoted = 1;
                else {
                    free(buf);
                    toks_free(out);
                    return "a quote in the middle of a word";
                }
                s++;
                while (s < end && *s != '"') {
                    if (*s == '\\' && s + 1 < end) {
                        s++;
                        buf[n++] = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s;
                        s++;
                    } else {
                        buf[n++] = *s++;
                    }
                }
                if (s >= end) {
                    free(buf);
                    toks_free(out);
                    return "unterminated string";
                }
                s++;
                if (s < end && *s != ' ' && *s != '\t' && *s != '#') {
                    free(buf);
                    toks_free(out);
                    return "text right after a closing quote";
                }
            } else {
                if (*s == '=' && t.eq < 0 && !t.quoted) t.eq = (int)n;
                buf[n++] = *s++;
            }
            first = 0;
        }
        buf[n] = '\0';
        t.text = buf;
        tok *slot = PUSH(out->v, out->n);
        *slot = t;
    }
    return NULL;
}

/* ---- parsing ---------------------------------------------------------------------- */

static const char *const actions[] = {
#define X(id, name) name,
    SLATE_ACTIONS(X)
#undef X
};

static int known_action(const char *a)
{
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++)
        if (!strcmp(actions[i], a)) return 1;
    return 0;
}

typedef struct pstate {
    const char *path;
    int line;
    char *err;
    size_t errsize;
    pt_file *f;
    int64_t last;   /* the previous time written in the current test */
} pstate;

static int fail(pstate *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(pstate *ps, const char *fmt, ...)
{
    int n = snprintf(ps->err, ps->errsize, "%s:%d: ", ps->path, ps->line);
    va_list ap;
    va_start(ap, fmt);
    if (n >= 0 && (size_t)n < ps->errsize) vsnprintf(ps->err + n, ps->errsize - n, fmt, ap);
    va_end(ap);
    return -1;
}

/* Resolve a time token, absolute or `+DUR`; `advance` makes it the new base. */
static int resolve_time(pstate *ps, const tok *t, int advance, int64_t *ms)
{
    const char *s = t->text;
    if (t->quoted || t->eq >= 0) return fail(ps, "expected a time, found `%s`", s);
    if (s[0] == '+') {
        int64_t d;
        if (pt_parse_duration(s + 1, &d)) return fail(ps, "bad duration `%s`", s + 1);
        if (ps->last == INT64_MIN)
            return fail(ps, "relative time `%s` with no time before it (write an absolute "
                            "time or `start TIME` first)", s);
        *ms = ps->last + d;
    } else if (pt_parse_time(s, ps->f->offset_min, ms)) {
        return fail(ps, "bad time `%s` (expected YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM] or +DUR)", s);
    }
    if (advance) ps->last = *ms;
    return 0;
}

static void kv_set(pt_kv *kv, const tok *t)
{
    kv->key = xstrndup(t->text, (size_t)t->eq);
    kv->val = xstrdup(t->text + t->eq + 1);
    kv->quoted = t->vquoted;
}

/* Parse a pattern from tokens [i, n). */
static int parse_pattern(pstate *ps, const toks *tk, size_t i, size_t n, pt_pattern *p)
{
    p->line = ps->line;
    p->offset_min = ps->f->offset_min;
    if (i >= n) return fail(ps, "expected an action (sla, start, breach, escalate, ...)");
    const tok *a = &tk->v[i++];
    if (a->quoted || a->eq >= 0 || !known_action(a->text))
        return fail(ps, "unknown action `%s`", a->text);
    p->action = xstrdup(a->text);
    if (i < n && tk->v[i].eq < 0 && strcmp(tk->v[i].text, "at")) {
        if (!pt_subject_key(p->action))
            return fail(ps, "`%s` takes no subject (found `%s`)", p->action, tk->v[i].text);
        p->subject = xstrdup(tk->v[i++].text);
    }
    for (; i < n; i++) {
        const tok *t = &tk->v[i];
        if (t->eq > 0) {
            pt_kv *kv = PUSH(p->kv, p->nkv);
            kv_set(kv, t);
            if (!strcmp(kv->key, "at")) {
                p->nkv--;
                free(kv->key);
                tok tt = {kv->val, 0, -1, 0};
                int rc = resolve_time(ps, &tt, 0, &p->at);
                free(kv->val);
                if (rc) return rc;
                p->has_at = 1;
            }
        } else if (!strcmp(t->text, "at") && !t->quoted) {
            if (i + 1 >= n) return fail(ps, "`at` needs a time");
            if (resolve_time(ps, &tk->v[++i], 0, &p->at)) return -1;
            p->has_at = 1;
            if (i + 1 < n) return fail(ps, "unexpected `%s` after the time", tk->v[i + 1].text);
        } else {
            return fail(ps, "expected KEY=VALUE or `at TIME`, found `%s`", t->text);
        }
    }
    return 0;
}

static void pattern_free(pt_pattern *p)
{
    free(p->action);
    free(p->subject);
    for (size_t i = 0; i < p->nkv; i++) free(p->kv[i].key), free(p->kv[i].val);
    free(p->kv);
}

static int is_time_tok(const tok *t)
{
    return !t->quoted && t->eq < 0 && (t->text[0] == '+' || isdigit((unsigned char)t->text[0]));
}

static const char *skip_ws(const char *s, const char *end)
{
    while (s < end && (*s == ' ' || *s == '\t')) s++;
    return s;
}

/* An event line in JSON form: `{...}` or `TIME {...}`. */
static int parse_json_event(pstate *ps, pt_test *t, const char *s, const char *end,
                            const tok *time)
{
    pt_item *it = PUSH(t->items, t->nitems);
    it->kind = PT_EVENT;
    it->line = ps->line;
    it->at = INT64_MIN;
    if (time && resolve_time(ps, time, 1, &it->at)) return -1;
    it->json = xstrndup(s, (size_t)(end - s));
    json_error_t je;
    json_t *j = json_loadb(s, (size_t)(end - s), 0, &je);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        return fail(ps, "bad JSON event: %s", j ? "not an object" : je.text);
    }
    /* A JSON line's own time is the base for what follows. */
    json_t *at = json_object_get(j, "at");
    int64_t ms;
    if (it->at == INT64_MIN) {
        if (json_is_integer(at)) ps->last = json_integer_value(at);
        else if (json_is_string(at) && !pt_parse_time(json_string_value(at), 0, &ms))
            ps->last = ms;
    }
    json_decref(j);
    return 0;
}

static int parse_test_line(pstate *ps, pt_test *t, const char *s, const char *end,
                           pt_item **exact)
{
    s = skip_ws(s, end);
    if (s < end && *s == '{') return parse_json_event(ps, t, s, end, NULL);
    if (s < end && (*s == '+' || (*s >= '0' && *s <= '9'))) {
        /* TIME {json}: split before tokenizing, the JSON has quotes of its own */
        const char *w = s;
        while (w < end && *w != ' ' && *w != '\t') w++;
        const char *j = skip_ws(w, end);
        if (j < end && *j == '{') {
            tok time = {xstrndup(s, (size_t)(w - s)), 0, -1, 0};
            int rc = parse_json_event(ps, t, j, end, &time);
            free(time.text);
            return rc;
        }
    }
    toks tk;
    const char *msg = tokenize(s, end, &tk);
    if (msg) return fail(ps, "%s", msg);
    int rc = 0;
    if (tk.n == 0) goto out;
    const char *w = tk.v[0].text;
    int bare = !tk.v[0].quoted && tk.v[0].eq < 0;

    if (*exact) {
        if (bare && !strcmp(w, "}")) {
            if (tk.n > 1) rc = fail(ps, "unexpected `%s` after `}`", tk.v[1].text);
            *exact = NULL;
        } else {
            pt_pattern *p = PUSH((*exact)->pats, (*exact)->npats);
            rc = parse_pattern(ps, &tk, 0, tk.n, p);
        }
        goto out;
    }
    if (bare && !strcmp(w, "}")) {
        rc = tk.n > 1 ? fail(ps, "unexpected `%s` after `}`", tk.v[1].text) : 1;
        goto out;
    }
    if (bare && (!strcmp(w, "start") || !strcmp(w, "until"))) {
        int64_t ms;
        if (tk.n != 2) {
            rc = fail(ps, "`%s` takes one time", w);
            goto out;
        }
        if ((rc = resolve_time(ps, &tk.v[1], 1, &ms))) goto out;
        if (!strcmp(w, "until")) {
            pt_item *it = PUSH(t->items, t->nitems);
            it->kind = PT_UNTIL;
            it->line = ps->line;
            it->at = ms;
        }
        goto out;
    }
    if (bare && !strcmp(w, "case")) {
        if (tk.n != 2 || tk.v[1].eq >= 0 || !tk.v[1].text[0]) {
            rc = fail(ps, "`case` takes one case id");
            goto out;
        }
        free(t->default_case);
        t->default_case = xstrdup(tk.v[1].text);
        goto out;
    }
    if (bare && !strcmp(w, "expect")) {
        if (tk.n >= 2 && !strcmp(tk.v[1].text, "exactly") && !tk.v[1].quoted) {
            if (strcmp(tk.v[tk.n - 1].text, "{") || tk.v[tk.n - 1].quoted) {
                rc = fail(ps, "`expect exactly` ends with `{` (its lines follow, then `}`)");
                goto out;
            }
            pt_item *it = PUSH(t->items, t->nitems);
            it->kind = PT_EXACT;
            it->line = ps->line;
            for (size_t i = 2; i + 1 < tk.n; i++) {
                const tok *a = &tk.v[i];
                if (a->eq > 0 && !strncmp(a->text, "case=", 5)) {
                    free(it->case_filter);
                    it->case_filter = xstrdup(a->text + 5);
                } else if (a->eq < 0 && !a->quoted && !it->actions) {
                    char *list = xstrdup(a->text), *save = NULL;
                    for (char *x = strtok_r(list, ",", &save); x; x = strtok_r(NULL, ",", &save)) {
                        if (!known_action(x)) {
                            free(list);
                            rc = fail(ps, "unknown action `%s`", x);
                            goto out;
                        }
                        char **slot = PUSH(it->actions, it->nactions);
                        *slot = xstrdup(x);
                    }
                    free(list);
                } else {
                    rc = fail(ps, "expected ACTION[,ACTION...] or case=ID, found `%s`", a->text);
                    goto out;
                }
            }
            *exact = it;
            goto out;
        }
        pt_item *it = PUSH(t->items, t->nitems);
        it->kind = PT_EXPECT;
        it->line = ps->line;
        it->count = PT_SOME;
        size_t i = 1;
        if (i < tk.n && !strcmp(tk.v[i].text, "no") && !tk.v[i].quoted) {
            it->count = PT_NONE;
            i++;
        } else if (i < tk.n && isdigit((unsigned char)tk.v[i].text[0])) {
            char *e;
            long c = strtol(tk.v[i].text, &e, 10);
            if (*e || c < 0 || c > 1000000) {
                rc = fail(ps, "bad count `%s`", tk.v[i].text);
                goto out;
            }
            it->count = (int)c;
            i++;
        }
        rc = parse_pattern(ps, &tk, i, tk.n, &it->pat);
        goto out;
    }
    if (!is_time_tok(&tk.v[0])) {
        rc = fail(ps, "expected an event (TIME TYPE [CASE] [FIELD=VALUE...]), `until`, "
                      "`expect`, `case`, `start` or `}`, found `%s`", w);
        goto out;
    }
    {
        pt_item *it = PUSH(t->items, t->nitems);
        it->kind = PT_EVENT;
        it->line = ps->line;
        if ((rc = resolve_time(ps, &tk.v[0], 1, &it->at))) goto out;
        if (tk.n < 2 || tk.v[1].eq >= 0 || tk.v[1].quoted) {
            rc = fail(ps, "an event line needs an event type after the time");
            goto out;
        }
        it->type = xstrdup(tk.v[1].text);
        size_t i = 2;
        if (i < tk.n && tk.v[i].eq < 0) it->case_id = xstrdup(tk.v[i++].text);
        else if (strcmp(it->type, "tick")) it->case_id = xstrdup(t->default_case);
        for (; i < tk.n; i++) {
            if (tk.v[i].eq <= 0) {
                rc = fail(ps, "expected FIELD=VALUE, found `%s`", tk.v[i].text);
                goto out;
            }
            kv_set(PUSH(it->fields, it->nfields), &tk.v[i]);
        }
    }
out:
    toks_free(&tk);
    return rc;
}

/* Remove "." segments and "dir/.." pairs from a path, in place (lexically: the
 * test file's directory is taken as written). */
static void normalize_path(char *p)
{
    char *seg[256];
    size_t n = 0;
    int abs = p[0] == '/';
    char *save = NULL, *copy = xstrdup(p);
    for (char *s = strtok_r(copy, "/", &save); s; s = strtok_r(NULL, "/", &save)) {
        if (!strcmp(s, ".")) continue;
        if (!strcmp(s, "..") && n > 0 && strcmp(seg[n - 1], "..")) {
            n--;
            continue;
        }
        if (!strcmp(s, "..") && abs && n == 0) continue; /* "/.." is "/" */
        if (n < sizeof seg / sizeof seg[0]) seg[n++] = s;
    }
    char *o = p;
    if (abs) *o++ = '/';
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(seg[i]);
        memmove(o, seg[i], l);
        o += l;
        if (i + 1 < n) *o++ = '/';
    }
    if (o == p) *o++ = '.';
    *o = '\0';
    free(copy);
}

/* `rel` resolved against the directory of `path`; malloc'd. */
static char *join_dir(const char *path, const char *rel)
{
    char *r;
    const char *slash = strrchr(path, '/');
    if (rel[0] == '/' || !slash) {
        r = xstrdup(rel);
    } else {
        size_t d = (size_t)(slash - path) + 1;
        r = xrealloc(NULL, d + strlen(rel) + 1);
        memcpy(r, path, d);
        strcpy(r + d, rel);
    }
    normalize_path(r);
    return r;
}

static int parse_header_line(pstate *ps, const char *s, const char *end, pt_test **cur)
{
    toks tk;
    const char *msg = tokenize(s, end, &tk);
    if (msg) return fail(ps, "%s", msg);
    int rc = 0;
    pt_file *f = ps->f;
    if (tk.n == 0) goto out;
    const char *w = tk.v[0].text;
    if (tk.v[0].quoted || tk.v[0].eq >= 0) {
        rc = fail(ps, "expected `policy`, `offset`, `defaults` or `test`, found `%s`", w);
    } else if (!strcmp(w, "policy")) {
        if (tk.n != 2 || !tk.v[1].quoted) {
            rc = fail(ps, "`policy` takes one quoted path");
        } else if (f->policy) {
            rc = fail(ps, "a second `policy` (one policy per test file)");
        } else {
            f->policy = join_dir(ps->path, tk.v[1].text);
            f->policy_line = ps->line;
        }
    } else if (!strcmp(w, "offset")) {
        const char *o = tk.n == 2 ? tk.v[1].text : "";
        int64_t ms;
        char probe[64];
        if (!strcmp(o, "Z") || !strcmp(o, "UTC")) {
            f->offset_min = 0;
        } else if ((o[0] == '+' || o[0] == '-') && strlen(o) == 6 &&
                   (snprintf(probe, sizeof probe, "2000-01-01T00:00%s", o),
                    !pt_parse_time(probe, 0, &ms))) {
            f->offset_min = (int)(-(ms - 946684800000LL) / 60000);
        } else {
            rc = fail(ps, "`offset` takes `Z` or `+HH:MM`/`-HH:MM`");
        }
    } else if (!strcmp(w, "defaults")) {
        for (size_t i = 1; i < tk.n; i++) {
            if (tk.v[i].eq <= 0) {
                rc = fail(ps, "expected FIELD=VALUE, found `%s`", tk.v[i].text);
                goto out;
            }
            kv_set(PUSH(f->defaults, f->ndefaults), &tk.v[i]);
        }
    } else if (!strcmp(w, "test")) {
        if (tk.n != 3 || !tk.v[1].quoted || strcmp(tk.v[2].text, "{") || tk.v[2].quoted) {
            rc = fail(ps, "expected `test \"NAME\" {`");
            goto out;
        }
        if (!tk.v[1].text[0]) {
            rc = fail(ps, "a test needs a name");
            goto out;
        }
        for (size_t i = 0; i < f->ntests; i++)
            if (!strcmp(f->tests[i].name, tk.v[1].text)) {
                rc = fail(ps, "a second test named \"%s\" (the first is on line %d)",
                          tk.v[1].text, f->tests[i].line);
                goto out;
            }
        pt_test *t = PUSH(f->tests, f->ntests);
        t->name = xstrdup(tk.v[1].text);
        t->line = ps->line;
        t->default_case = xstrdup("c1");
        ps->last = INT64_MIN;
        *cur = t;
    } else {
        rc = fail(ps, "expected `policy`, `offset`, `defaults` or `test`, found `%s`", w);
    }
out:
    toks_free(&tk);
    return rc;
}

int pt_parse(const char *path, const char *text, size_t len, pt_file *f, char *err,
             size_t errsize)
{
    memset(f, 0, sizeof *f);
    f->path = xstrdup(path);
    pstate ps = {path, 0, err, errsize, f, INT64_MIN};
    pt_test *cur = NULL;
    pt_item *exact = NULL;
    int open_line = 0, exact_line = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *le = nl ? nl : end;
        ps.line++;
        const char *e = le;
        if (e > p && e[-1] == '\r') e--;
        int rc;
        if (!cur) {
            rc = parse_header_line(&ps, p, e, &cur);
            if (cur) open_line = ps.line;
        } else {
            pt_item *was = exact;
            pt_test *t = cur;
            rc = parse_test_line(&ps, t, p, e, &exact);
            if (exact && !was) exact_line = ps.line;
            if (rc == 1) {
                cur = NULL;
                rc = 0;
            }
        }
        if (rc) {
            pt_free(f);
            return -1;
        }
        p = nl ? nl + 1 : end;
    }
    if (exact) {
        ps.line = exact_line;
        fail(&ps, "`expect exactly` list not closed with `}`");
    } else if (cur) {
        ps.line = open_line;
        fail(&ps, "test \"%s\" not closed with `}`", cur->name);
    } else if (!f->policy) {
        ps.line = 1;
        fail(&ps, "no `policy \"PATH\"` line: which policy do these tests test?");
    } else {
        return 0;
    }
    pt_free(f);
    return -1;
}

static void kvs_free(pt_kv *kv, size_t n)
{
    for (size_t i = 0; i < n; i++) free(kv[i].key), free(kv[i].val);
    free(kv);
}

void pt_free(pt_file *f)
{
    for (size_t i = 0; i < f->ntests; i++) {
        pt_test *t = &f->tests[i];
        for (size_t j = 0; j < t->nitems; j++) {
            pt_item *it = &t->items[j];
            free(it->type);
            free(it->case_id);
            kvs_free(it->fields, it->nfields);
            free(it->json);
            pattern_free(&it->pat);
            for (size_t k = 0; k < it->nactions; k++) free(it->actions[k]);
            free(it->actions);
            free(it->case_filter);
            for (size_t k = 0; k < it->npats; k++) pattern_free(&it->pats[k]);
            free(it->pats);
        }
        free(t->items);
        free(t->name);
        free(t->default_case);
    }
    free(f->tests);
    kvs_free(f->defaults, f->ndefaults);
    free(f->path);
    free(f->policy);
    memset(f, 0, sizeof *f);
}

/* ---- events ---------------------------------------------------------------------- */

static int parse_int(const char *s, int64_t *v)
{
    if (!*s) return -1;
    errno = 0;
    char *e;
    long long x = strtoll(s, &e, 10);
    if (*e || errno) return -1;
    *v = x;
    return 0;
}

static json_t *field_value(const pt_kv *kv, pt_field_type_fn ftype, void *ud)
{
    if (kv->quoted) return json_string(kv->val);
    int t = ftype ? ftype(ud, kv->key) : 0;
    int64_t v;
    if (t == SLATE_T_STRING || t == SLATE_T_ENUM) return json_string(kv->val);
    if (!strcmp(kv->val, "true")) return json_true();
    if (!strcmp(kv->val, "false")) return json_false();
    if (!parse_int(kv->val, &v)) return json_integer(v);
    return json_string(kv->val);
}

char *pt_event_json(const pt_file *f, const pt_item *it, pt_field_type_fn ftype, void *ud,
                    char *err, size_t errsize)
{
    json_t *o;
    if (it->json) {
        json_error_t je;
        o = json_loads(it->json, 0, &je);
        if (!o || !json_is_object(o)) {
            snprintf(err, errsize, "%s:%d: bad JSON event", f->path, it->line);
            json_decref(o);
            return NULL;
        }
        if (it->at != INT64_MIN) json_object_set_new(o, "at", json_integer(it->at));
    } else {
        o = json_object();
        if (it->case_id) json_object_set_new(o, "case", json_string(it->case_id));
        json_object_set_new(o, "type", json_string(it->type));
        json_object_set_new(o, "at", json_integer(it->at));
        for (size_t i = 0; i < it->nfields; i++)
            json_object_set_new(o, it->fields[i].key, field_value(&it->fields[i], ftype, ud));
        if (!strcmp(it->type, "opened"))
            for (size_t i = 0; i < f->ndefaults; i++)
                if (!json_object_get(o, f->defaults[i].key))
                    json_object_set_new(o, f->defaults[i].key,
                                        field_value(&f->defaults[i], ftype, ud));
    }
    char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(o);
    if (!s) snprintf(err, errsize, "%s:%d: cannot render the event", f->path, it->line);
    return s;
}

/* ---- decisions ---------------------------------------------------------------------- */

const char *pt_subject_key(const char *a)
{
    if (!a) return NULL;
    if (!strcmp(a, "sla")) return "tier";
    if (!strcmp(a, "start") || !strcmp(a, "pause") || !strcmp(a, "resume") ||
        !strcmp(a, "stop") || !strcmp(a, "warn") || !strcmp(a, "breach"))
        return "clock";
    if (!strcmp(a, "require") || !strcmp(a, "review")) return "name";
    if (!strcmp(a, "escalate")) return "level";
    if (!strcmp(a, "route") || !strcmp(a, "assign") || !strcmp(a, "notify")) return "to";
    if (!strcmp(a, "set")) return "field";
    if (!strcmp(a, "emit")) return "name";
    return NULL;
}

/* The value of key k in d, trying the aliases a decision may use. */
static json_t *lookup(json_t *d, const char *k)
{
    json_t *v = json_object_get(d, k);
    if (v) return v;
    if (!strcmp(k, "level")) return json_object_get(d, "to");
    if (!strcmp(k, "to")) return json_object_get(d, "level");
    if (!strcmp(k, "name")) return json_object_get(d, "clock");
    if (!strcmp(k, "clock")) return json_object_get(d, "name");
    return NULL;
}

static int json_time(json_t *v, int64_t *ms)
{
    if (json_is_integer(v)) {
        *ms = json_integer_value(v);
        return 0;
    }
    return json_is_string(v) ? pt_parse_time(json_string_value(v), 0, ms) : -1;
}

/* The source line of the rule that made decision d: its `rule_line`, or the
 * number after the last ':' in its `rule` ("file.slate:LINE ..."); -1 if none. */
static long rule_line(json_t *d)
{
    json_t *rl = json_object_get(d, "rule_line");
    if (json_is_integer(rl)) return (long)json_integer_value(rl);
    const char *r = json_string_value(json_object_get(d, "rule"));
    const char *at = NULL;
    for (const char *p = r; p && *p; p++)
        if (p[0] == ':' && isdigit((unsigned char)p[1])) at = p + 1;
    return at ? strtol(at, NULL, 10) : -1;
}

/* True when decision d came from the rule named `label` (`as NAME`). */
static int rule_has_label(json_t *d, const char *label)
{
    const char *l = json_string_value(json_object_get(d, "rule_label"));
    if (!l) l = json_string_value(json_object_get(d, "label"));
    if (l) return !strcmp(l, label);
    const char *r = json_string_value(json_object_get(d, "rule"));
    if (!r || !(r = strchr(r, ':'))) return 0;
    size_t n = strlen(label);
    for (const char *p = strstr(r, label); p; p = strstr(p + 1, label)) {
        int before = !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
        int after = !(isalnum((unsigned char)p[n]) || p[n] == '_');
        if (before && after) return 1;
    }
    return 0;
}

/* Text form of a scalar or array for comparison with a written value. */
static int value_equals(json_t *v, const char *want)
{
    int64_t n;
    switch (json_typeof(v)) {
    case JSON_STRING:
        return !strcmp(json_string_value(v), want);
    case JSON_INTEGER:
        return !parse_int(want, &n) && n == json_integer_value(v);
    case JSON_REAL:
        return strtod(want, NULL) == json_real_value(v);
    case JSON_TRUE:
        return !strcmp(want, "true");
    case JSON_FALSE:
        return !strcmp(want, "false");
    case JSON_NULL:
        return !strcmp(want, "null");
    default: {
        if (json_is_array(v) && json_array_size(v) == 1 &&
            json_is_string(json_array_get(v, 0)) &&
            !strcmp(json_string_value(json_array_get(v, 0)), want))
            return 1;
        char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
        int eq = s && !strcmp(s, want);
        free(s);
        return eq;
    }
    }
}

static int kv_matches(json_t *d, const pt_kv *kv, int offset_min)
{
    if (!strcmp(kv->key, "rule")) {
        int64_t line;
        if (!parse_int(kv->val, &line)) return rule_line(d) == line;
        return rule_has_label(d, kv->val);
    }
    json_t *v = lookup(d, kv->key);
    if (!v) {
        /* elapsed=1h30m against elapsed_s */
        char k[128];
        snprintf(k, sizeof k, "%s_s", kv->key);
        json_t *s = json_object_get(d, k);
        int64_t ms;
        if (json_is_integer(s) && !pt_parse_duration(kv->val, &ms))
            return ms == json_integer_value(s) * 1000;
        return 0;
    }
    int64_t a, b;
    if (json_is_string(v) && !json_time(v, &a) && !pt_parse_time(kv->val, offset_min, &b))
        return a == b;
    if (json_is_integer(v) && strlen(kv->key) > 2 &&
        !strcmp(kv->key + strlen(kv->key) - 2, "_s") && parse_int(kv->val, &a) &&
        !pt_parse_duration(kv->val, &b))
        return b == json_integer_value(v) * 1000;
    return value_equals(v, kv->val);
}

int pt_match(const pt_pattern *p, json_t *d)
{
    const char *a = json_string_value(json_object_get(d, "action"));
    if (!a) return 0;
    if (p->action && strcmp(p->action, a)) return 0;
    if (p->subject) {
        json_t *v = lookup(d, pt_subject_key(a));
        if (!v || !value_equals(v, p->subject)) return 0;
    }
    for (size_t i = 0; i < p->nkv; i++)
        if (!kv_matches(d, &p->kv[i], p->offset_min)) return 0;
    if (p->has_at) {
        int64_t at;
        if (json_time(json_object_get(d, "at"), &at) || at != p->at) return 0;
    }
    return 1;
}

int pt_exact_keeps(const pt_item *it, json_t *d)
{
    if (it->case_filter) {
        const char *c = json_string_value(json_object_get(d, "case"));
        if (!c || strcmp(c, it->case_filter)) return 0;
    }
    if (!it->nactions) return 1;
    const char *a = json_string_value(json_object_get(d, "action"));
    for (size_t i = 0; a && i < it->nactions; i++)
        if (!strcmp(it->actions[i], a)) return 1;
    return 0;
}

/* A value as a pattern token: bare when it reads back the same, else quoted. */
static void print_token(FILE *out, const char *s)
{
    int bare = *s != '\0';
    for (const char *p = s; *p && bare; p++)
        if (isspace((unsigned char)*p) || *p == '"' || *p == '#' || *p == '=' || *p == '\\' ||
            *p == '{' || *p == '}')
            bare = 0;
    if (bare) {
        fputs(s, out);
        return;
    }
    fputc('"', out);
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\') fputc('\\', out), fputc(*p, out);
        else if (*p == '\n') fputs("\\n", out);
        else if (*p == '\t') fputs("\\t", out);
        else fputc(*p, out);
    }
    fputc('"', out);
}

static int skipped_key(const char *k)
{
    static const char *const skip[] = {"seq",     "action",  "at",     "event", "event_id",
                                       "id",      "policy",  "rule",   "rule_line",
                                       "rule_label", "label", "targets", "hash"};
    for (size_t i = 0; i < sizeof skip / sizeof skip[0]; i++)
        if (!strcmp(k, skip[i])) return 1;
    return 0;
}

void pt_print_decision(FILE *out, json_t *d, int offset_min, const char *default_case)
{
    const char *a = json_string_value(json_object_get(d, "action"));
    fputs(a ? a : "?", out);
    const char *sk = pt_subject_key(a);
    /* the key that holds the subject here: the usual one or its alias */
    const char *skey = NULL;
    if (sk) {
        const char *alias = !strcmp(sk, "level") ? "to" : !strcmp(sk, "to") ? "level"
                          : !strcmp(sk, "name") ? "clock" : "name";
        skey = json_is_string(json_object_get(d, sk)) ? sk
             : json_is_string(json_object_get(d, alias)) ? alias : NULL;
    }
    if (skey) {
        fputc(' ', out);
        print_token(out, json_string_value(json_object_get(d, skey)));
    }
    const char *k;
    json_t *v;
    char buf[64];
    json_object_foreach(d, k, v) {
        if (skipped_key(k) || (skey && !strcmp(k, skey))) continue;
        if (!strcmp(k, "case") && default_case && json_is_string(v) &&
            !strcmp(json_string_value(v), default_case))
            continue;
        size_t kl = strlen(k);
        int64_t ms;
        if (kl > 2 && !strcmp(k + kl - 2, "_s") && json_is_integer(v)) {
            fprintf(out, " %.*s=%s", (int)(kl - 2), k,
                    pt_format_duration(json_integer_value(v) * 1000, buf, sizeof buf));
        } else if (json_is_string(v) && !pt_parse_time(json_string_value(v), 0, &ms)) {
            fprintf(out, " %s=%s", k, pt_format_time(ms, offset_min, buf, sizeof buf));
        } else if (json_is_string(v)) {
            fprintf(out, " %s=", k);
            print_token(out, json_string_value(v));
        } else if (json_is_integer(v)) {
            fprintf(out, " %s=%lld", k, (long long)json_integer_value(v));
        } else if (json_is_boolean(v)) {
            fprintf(out, " %s=%s", k, json_is_true(v) ? "true" : "false");
        } else if (json_is_null(v)) {
            fprintf(out, " %s=null", k);
        } else {
            /* arrays and objects: as written when that reads back (no blanks) */
            char *s = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
            fprintf(out, " %s=", k);
            if (s && !strpbrk(s, " \t")) fputs(s, out);
            else print_token(out, s ? s : "?");
            free(s);
        }
    }
    int64_t at;
    if (!json_time(json_object_get(d, "at"), &at))
        fprintf(out, " at %s", pt_format_time(at, offset_min, buf, sizeof buf));
    const char *r = json_string_value(json_object_get(d, "rule"));
    if (r) fprintf(out, "  # %s", r);
}

void pt_print_pattern(FILE *out, const pt_pattern *p, int offset_min)
{
    fputs(p->action ? p->action : "*", out);
    if (p->subject) fputc(' ', out), print_token(out, p->subject);
    for (size_t i = 0; i < p->nkv; i++) {
        fprintf(out, " %s=", p->kv[i].key);
        if (p->kv[i].quoted) {
            fputc('"', out);
            for (const char *c = p->kv[i].val; *c; c++) {
                if (*c == '"' || *c == '\\') fputc('\\', out);
                fputc(*c, out);
            }
            fputc('"', out);
        } else {
            fputs(p->kv[i].val, out);
        }
    }
    char buf[64];
    if (p->has_at) fprintf(out, " at %s", pt_format_time(p->at, offset_min, buf, sizeof buf));
}

int pt_check(const pt_item *it, json_t *const *ds, size_t n, int offset_min,
             const char *default_case, FILE *out, int indent)
{
    if (it->kind == PT_EXPECT) {
        int m = 0;
        for (size_t i = 0; i < n; i++) m += pt_match(&it->pat, ds[i]);
        if (it->count == PT_SOME ? m > 0 : m == it->count) return 1;
        fprintf(out, "%*sline %d: expected ", indent, "", it->line);
        if (it->count == PT_NONE) fputs("no ", out);
        else if (it->count > 0) fprintf(out, "%d ", it->count);
        pt_print_pattern(out, &it->pat, offset_min);
        fprintf(out, "; %d decision%s matched\n", m, m == 1 ? "" : "s");
        return 0;
    }
    /* PT_EXACT: keep the filtered decisions, compare one to one, and on a
     * mismatch print the longest-common-subsequence diff. */
    json_t **k = xrealloc(NULL, (n + 1) * sizeof *k);
    size_t nk = 0;
    for (size_t i = 0; i < n; i++)
        if (pt_exact_keeps(it, ds[i])) k[nk++] = ds[i];
    size_t np = it->npats;
    int ok = np == nk;
    for (size_t i = 0; ok && i < np; i++) ok = pt_match(&it->pats[i], k[i]);
    if (ok) {
        free(k);
        return 1;
    }
    fprintf(out, "%*sline %d: the decisions differ from `expect exactly` "
                 "(- expected, + actual):\n", indent, "", it->line);
    size_t w = nk + 1;
    unsigned *L = xrealloc(NULL, (np + 1) * w * sizeof *L);
    for (size_t i = np + 1; i-- > 0;)
        for (size_t j = nk + 1; j-- > 0;) {
            unsigned *c = &L[i * w + j];
            if (i == np || j == nk) *c = 0;
            else if (pt_match(&it->pats[i], k[j])) *c = L[(i + 1) * w + j + 1] + 1;
            else *c = L[(i + 1) * w + j] >= L[i * w + j + 1] ? L[(i + 1) * w + j]
                                                              : L[i * w + j + 1];
        }
    size_t i = 0, j = 0;
    while (i < np || j < nk) {
        if (i < np && j < nk && pt_match(&it->pats[i], k[j])) {
            fprintf(out, "%*s  ", indent, "");
            pt_print_decision(out, k[j], offset_min, default_case);
            i++, j++;
        } else if (j < nk && (i == np || L[i * w + j + 1] > L[(i + 1) * w + j])) {
            fprintf(out, "%*s+ ", indent, "");
            pt_print_decision(out, k[j], offset_min, default_case);
            j++;
        } else {
            fprintf(out, "%*s- ", indent, "");
            pt_print_pattern(out, &it->pats[i], offset_min);
            i++;
        }
        fputc('\n', out);
    }
    free(L);
    free(k);
    return 0;
}
