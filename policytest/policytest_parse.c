/*
 * policytest_parse.c - the parser of `.test` files (docs/policy-tests.md): text
 * in, a pt_file out (policytest.h).
 *
 * The parser reads one statement per line with a small tokenizer (bare tokens,
 * double-quoted tokens, KEY=VALUE with a quoted value) and a three-state machine:
 * header, inside `test "..." {`, inside `expect exactly ... {`.  It runs nothing
 * and matches nothing (policytest_match.c does).  Allocation failures abort: this
 * is command-line code.
 */
#include "policytest.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "policytest_int.h"
#include "slate.h"

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
