/*
 * policytest.c - the `.test` format of `slate test` (docs/policy-tests.md): the
 * time and duration helpers and the events a test pushes, as JSON.
 *
 * The `.test` parser is in policytest_parse.c, the matching and printing of
 * decisions in policytest_match.c; policytest.h is the interface of all three.
 * Nothing here compiles a policy or runs an engine.
 */
#include "policytest.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "policytest_int.h"
#include "slate.h"
#include "timestamp.h"

/* ---- times and durations --------------------------------------------------------- */

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
    if (d < 1 || d > civil_month_days(y, mo) || *s++ != 'T') return -1;
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
    int64_t secs = civil_to_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec;
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
    ts_format_offset(ms, offset_min, TS_SHORTEST, buf, size);
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

/* ---- events ---------------------------------------------------------------------- */

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
