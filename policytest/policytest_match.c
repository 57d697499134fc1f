/*
 * policytest_match.c - decisions against the patterns of `expect` lines: which
 * key a pattern's subject names, matching one decision, checking a whole `expect`
 * or `expect exactly` item, and printing decisions and patterns in the `.test`
 * syntax for failure reports (docs/policy-tests.md).
 *
 * Decisions arrive as the JSON objects `slate run` prints; nothing here parses
 * `.test` text (policytest_parse.c) or runs an engine (cmd_test.c).
 */
#include "policytest.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "policytest_int.h"
#include "slate.h"

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
