/*
 * why.c - why each tier choice of a case was made: the case's values rebuilt
 * from the log, the stored source's tier conditions evaluated on them.  See
 * why.h.  Everything printed from the log goes through aud_txt_s (terminal-safe);
 * nothing here trusts the log to be well formed: a value it cannot read makes the
 * values unknown, and the explanation says so instead of guessing.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "program_info.h"
#include "slatec.h"
#include "why.h"

struct aw_state {
    const aud_log *lg;
    char hash[80];                /* the policy in force (the log's hash) */
    const slate_log_policy *pol;  /* its stored row, or NULL */
    slate_program *prog;          /* its stored source compiled again, or NULL */
    slatec_tiers *tiers;
    ev_reader *rd;
    const char *no_why;           /* why prog is NULL */
    int differs;                  /* prog's hash is not the log's */
    slate_value *vals;            /* the case's fields, by prog's field ids */
    int nvals;
    int level;
    int known;                    /* vals and level are the engine's */
    char unknown[160];            /* why they are not */
    int oom;
    aw_counts n;
    ev_result res;
    aud_txt txt;
};

aw_state *aw_new(const aud_log *lg)
{
    aw_state *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->lg = lg;
    w->no_why = "no policy loaded yet";
    snprintf(w->unknown, sizeof w->unknown, "the case was not opened in this log");
    return w;
}

static void free_vals(slate_value *v, int n)
{
    for (int i = 0; i < n; i++) free((char *)v[i].s);
    free(v);
}

static void drop_program(aw_state *w)
{
    ev_reader_free(w->rd);
    slatec_tiers_free(w->tiers);
    slate_program_free(w->prog);
    w->rd = NULL;
    w->tiers = NULL;
    w->prog = NULL;
}

void aw_free(aw_state *w)
{
    if (!w) return;
    drop_program(w);
    free_vals(w->vals, w->nvals);
    free(w);
}

aw_counts aw_totals(const aw_state *w)
{
    aw_counts z = {0, 0, 0};
    return w ? w->n : z;
}

static void set_unknown(aw_state *w, const char *why)
{
    if (!w->known) return; /* keep the first reason */
    w->known = 0;
    snprintf(w->unknown, sizeof w->unknown, "%s", why);
}

/* Store a string value (a copy: the log's rows do not stay). */
static int put_str(slate_value *v, const char *s, size_t len)
{
    char *c = malloc(len + 1);
    if (!c) return -1;
    if (len) memcpy(c, s, len);
    c[len] = 0;
    free((char *)v->s);
    v->s = c;
    v->len = len;
    return 0;
}

/* Every field at its zero value, level 0: the case as `opened` creates it. */
static void zero_case(aw_state *w)
{
    for (int i = 0; i < w->nvals; i++) {
        free((char *)w->vals[i].s);
        w->vals[i] = (slate_value){i, 0, NULL, 0};
    }
    w->level = 0;
}

/* Switch to the policy `hash`: compile its stored source and carry the case's
 * values over by name, as a hot swap does (docs/semantics.md, section 10). */
static void switch_policy(aw_state *w, const char *hash)
{
    if (!strcmp(w->hash, hash)) return;
    snprintf(w->hash, sizeof w->hash, "%s", hash);
    slate_program *old = w->prog;
    slatec_tiers *old_tiers = w->tiers;
    ev_reader_free(w->rd);
    w->rd = NULL;
    w->prog = NULL;
    w->tiers = NULL;
    w->differs = 0;
    w->pol = aud_policy_get(w->lg, hash);
    slate_program *p = NULL;
    if (!w->pol) {
        w->no_why = "the log does not store the policy in force";
    } else if (!w->pol->source) {
        w->no_why = "the log does not store this policy's source";
    } else {
        slatec_opts o = SLATEC_OPTS_INIT;
        const char *file = w->pol->file ? w->pol->file : "policy";
        int rc = slatec_compile(&o, file, w->pol->source, w->pol->source_len, &p, NULL, NULL);
        if (rc == SLATE_OK) rc = slatec_tiers_new(&o, file, w->pol->source, w->pol->source_len,
                                                  &w->tiers);
        if (rc == SLATE_OK && !(w->rd = ev_reader_new(p, 0))) rc = SLATE_NOMEM;
        if (rc != SLATE_OK) {
            w->no_why = rc == SLATE_NOMEM ? "out of memory"
                                          : "the stored source does not compile with this slate";
            if (rc == SLATE_NOMEM) w->oom = 1;
            slatec_tiers_free(w->tiers);
            w->tiers = NULL;
            ev_reader_free(w->rd);
            w->rd = NULL;
            slate_program_free(p);
            p = NULL;
        } else {
            w->differs = strcmp(slate_program_hash(p), hash) != 0;
        }
    }
    /* the values, by name, into the new program's fields */
    int n = p ? slate_program_field_count(p) : 0;
    slate_value *nv = calloc(n ? (size_t)n : 1, sizeof *nv);
    if (!nv) {
        w->oom = 1;
        n = 0;
    }
    for (int f = 0; nv && f < n; f++) {
        nv[f].field = f;
        const char *name = slate_program_field_name(p, f);
        int of = old ? slate_program_field_id(old, name) : -1;
        if (of < 0 || of >= w->nvals) continue; /* a new field: its zero value */
        int t = slate_program_field_type(p, f);
        if (t != slate_program_field_type(old, of)) continue;
        const slate_value *ov = &w->vals[of];
        if (t == SLATE_T_ENUM) {
            const char *en = slate_program_enum_name(old, of, (int)ov->i);
            int v = en ? slate_program_enum_value(p, f, en) : -1;
            nv[f].i = v < 0 ? 0 : v;
        } else if (t == SLATE_T_STRING) {
            if (put_str(&nv[f], ov->s ? ov->s : "", ov->s ? ov->len : 0)) w->oom = 1;
        } else {
            nv[f].i = ov->i;
        }
    }
    if (old && p) {
        const char *lname = pi_level_name(old, w->level);
        int nl = pi_level_count(p), lv = -1;
        for (int i = 0; lname && i < nl; i++)
            if (!strcmp(pi_level_name(p, i), lname)) lv = i;
        /* a level the new program lacks: the nearest it has (section 10) */
        w->level = lv >= 0 ? lv : nl > 0 && w->level >= nl ? nl - 1 : w->level;
    } else if (!p && w->known) {
        set_unknown(w, w->no_why);
    }
    if (p && !old && w->known) set_unknown(w, "the case's values under the previous policy are unknown");
    free_vals(w->vals, w->nvals);
    w->vals = nv;
    w->nvals = nv ? n : 0;
    w->prog = p;
    slatec_tiers_free(old_tiers);
    slate_program_free(old);
}

int aw_entry(aw_state *w, const aud_entry *e)
{
    if (!strcmp(e->kind, "policy")) {
        if (e->policy_hash) switch_policy(w, e->policy_hash);
        return w->oom ? -1 : 0;
    }
    if (strcmp(e->kind, "event") || !e->status || strcmp(e->status, "accepted")) return 0;
    if (!w->prog) {
        set_unknown(w, w->no_why);
        return 0;
    }
    if (!e->payload) {
        set_unknown(w, "an accepted event is stored without its payload");
        return 0;
    }
    ev_status st = ev_parse_line(w->rd, e->payload, e->payload_len, &w->res);
    const slate_event *ev = &w->res.ev;
    if (st != EV_OK) {
        char why[120];
        snprintf(why, sizeof why, "event %" PRId64 "'s payload does not read as an event of the policy",
                 e->seq);
        set_unknown(w, why);
        return 0;
    }
    if (ev->type == slate_program_event_id(w->prog, "opened")) {
        zero_case(w);
        w->known = 1;
    }
    for (size_t i = 0; i < ev->nvalues; i++) {
        const slate_value *v = &ev->values[i];
        if (v->field < 0 || v->field >= w->nvals) continue;
        if (slate_program_field_type(w->prog, v->field) == SLATE_T_STRING) {
            if (put_str(&w->vals[v->field], v->s, v->len)) return w->oom = 1, -1;
        } else {
            w->vals[v->field].i = v->i;
        }
    }
    return 0;
}

/* A `set` decision: the value as the engine rendered it (runtime/engine.c). */
static void apply_set(aw_state *w, const aud_decision *d)
{
    const char *name = aud_json_str(d->args, "field");
    json_t *v = json_object_get(d->args, "value");
    int f = name && w->prog ? slate_program_field_id(w->prog, name) : -1;
    if (f < 0 || f >= w->nvals || !v) {
        set_unknown(w, "a `set` decision names no field of the policy");
        return;
    }
    slate_value *dst = &w->vals[f];
    int ok = 0;
    switch (slate_program_field_type(w->prog, f)) {
    case SLATE_T_BOOL:
        if ((ok = json_is_boolean(v))) dst->i = json_is_true(v);
        break;
    case SLATE_T_INT:
        if ((ok = json_is_integer(v))) dst->i = json_integer_value(v);
        break;
    case SLATE_T_DURATION: /* rendered in seconds */
        ok = json_is_integer(v) && json_integer_value(v) >= 0 &&
             json_integer_value(v) <= INT64_MAX / 1000;
        if (ok) dst->i = json_integer_value(v) * 1000;
        break;
    case SLATE_T_ENUM: {
        int k = json_is_string(v) ? slate_program_enum_value(w->prog, f, json_string_value(v)) : -1;
        if ((ok = k >= 0)) dst->i = k;
        break;
    }
    case SLATE_T_STRING:
        if ((ok = json_is_string(v)) && put_str(dst, json_string_value(v), json_string_length(v)))
            w->oom = 1;
        break;
    }
    if (ok) return;
    set_unknown(w, "a `set` decision's value does not fit its field");
}

static void apply_escalate(aw_state *w, const aud_decision *d)
{
    const char *name = aud_json_str(d->args, "level");
    int n = w->prog ? pi_level_count(w->prog) : 0;
    for (int i = 0; name && i < n; i++)
        if (!strcmp(pi_level_name(w->prog, i), name)) {
            w->level = i;
            return;
        }
    set_unknown(w, "an `escalate` decision names no level of the policy");
}

/* ---- printing ------------------------------------------------------------------- */

/* A field's value as a policy writes it: enum value names, true/false, numbers,
 * durations like events give them ("1h30m"), strings quoted. */
static void value_text(const aw_state *w, int f, char *buf, size_t size)
{
    if (f < 0) {
        const char *l = pi_level_name(w->prog, w->level);
        if (l) snprintf(buf, size, "%s", l);
        else snprintf(buf, size, "%d", w->level);
        return;
    }
    const slate_value *v = &w->vals[f];
    switch (slate_program_field_type(w->prog, f)) {
    case SLATE_T_BOOL: snprintf(buf, size, "%s", v->i ? "true" : "false"); return;
    case SLATE_T_ENUM: {
        const char *e = slate_program_enum_name(w->prog, f, (int)v->i);
        if (e) snprintf(buf, size, "%s", e);
        else snprintf(buf, size, "%" PRId64, v->i);
        return;
    }
    case SLATE_T_DURATION: {
        int64_t ms = v->i, s = ms / 1000;
        size_t n = 0;
        static const struct { int64_t sec; char unit; } parts[] = {
            {86400, 'd'}, {3600, 'h'}, {60, 'm'}, {1, 's'}};
        for (int i = 0; i < 4 && n < size; i++)
            if (s >= parts[i].sec) {
                n += (size_t)snprintf(buf + n, size - n, "%" PRId64 "%c", s / parts[i].sec,
                                      parts[i].unit);
                s %= parts[i].sec;
            }
        if (n == 0) snprintf(buf, size, "%s", ms % 1000 ? "<1s" : "0s");
        else if (ms % 1000 && n < size) snprintf(buf + n, size - n, "+%" PRId64 "ms", ms % 1000);
        return;
    }
    case SLATE_T_STRING: {
        /* JSON-style quoting: a NUL or control byte shows as an escape */
        size_t n = 0;
        const unsigned char *s = (const unsigned char *)(v->s ? v->s : "");
        size_t len = v->s ? v->len : 0;
        if (size < 16) {
            buf[0] = 0;
            return;
        }
        buf[n++] = '"';
        for (size_t i = 0; i < len && n + 10 < size; i++) {
            if (s[i] == '"' || s[i] == '\\') {
                buf[n++] = '\\';
                buf[n++] = (char)s[i];
            } else if (s[i] < 0x20 || s[i] == 0x7f) {
                n += (size_t)snprintf(buf + n, size - n, "\\u%04x", s[i]);
            } else {
                buf[n++] = (char)s[i];
            }
            if (i + 1 < len && n + 10 >= size) {
                memcpy(buf + n, "...", 3);
                n += 3;
            }
        }
        buf[n++] = '"';
        buf[n] = 0;
        return;
    }
    default: snprintf(buf, size, "%" PRId64, v->i);
    }
}

/* The clause's text from the stored source: its span on its first line ("..."
 * when it goes on), at most ~100 bytes. */
static void clause_text(const slate_log_policy *p, const slatec_why *y, char *out, size_t size)
{
    out[0] = 0;
    if (!p || !p->source || y->line < 1 || y->col < 1 || size < 8) return;
    const char *s = p->source, *end = s + p->source_len;
    for (int l = 1; l < y->line; l++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl) return;
        s = nl + 1;
    }
    const char *eol = memchr(s, '\n', (size_t)(end - s));
    if (!eol) eol = end;
    const char *a = s + (y->col - 1), *b = y->end_line > y->line ? eol : s + (y->end_col - 1);
    if (a > eol) a = eol;
    if (b > eol || b < a) b = eol;
    while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r')) b--;
    size_t n = (size_t)(b - a), max = size - 5 < 100 ? size - 5 : 100;
    int more = y->end_line > y->line;
    if (n > max) {
        n = max;
        more = 1;
    }
    memcpy(out, a, n);
    strcpy(out + n, more ? " ..." : "");
}

/* "a=x, b=y" for the fields a clause read. */
static void reads_text(const aw_state *w, const slatec_why *y, char *out, size_t size)
{
    size_t n = 0;
    out[0] = 0;
    int shown = y->nreads < SLATEC_WHY_READS ? y->nreads : SLATEC_WHY_READS;
    for (int i = 0; i < shown && n < size; i++) {
        char v[160];
        int f = y->reads[i];
        value_text(w, f, v, sizeof v);
        const char *name = f < 0 ? "level" : slate_program_field_name(w->prog, f);
        n += (size_t)snprintf(out + n, size - n, "%s%s=%s", i ? ", " : "", name ? name : "?", v);
    }
    if (y->nreads > shown && n < size) snprintf(out + n, size - n, ", ...");
}

static void print_why(aw_state *w, const slatec_why *y, int width, FILE *out, const char *indent)
{
    aud_txt *t = &w->txt;
    const char *name = slate_program_tier_name(w->prog, y->tier);
    const char *file = w->pol->file ? w->pol->file : "policy";
    if (!y->has_cond) {
        fprintf(out, "%s  %-*s chosen: the default tier (no condition), %s:%d\n", indent, width,
                aud_txt_s(t, name), aud_txt_s(t, file), pi_tier_line(w->prog, y->tier));
        return;
    }
    char clause[128], reads[512], line[512];
    clause_text(w->pol, y, clause, sizeof clause);
    reads_text(w, y, reads, sizeof reads);
    aud_source_line(w->pol, (uint32_t)y->line, line, sizeof line);
    fprintf(out, "%s  %-*s %s `%s` at %s:%d, saw %s\n", indent, width, aud_txt_s(t, name),
            y->held ? "held:" : "failed:", aud_txt_s(t, clause), aud_txt_s(t, file), y->line,
            aud_txt_s(t, reads[0] ? reads : "no field"));
    fprintf(out, "%s  %-*s   %s\n", indent, width, "", aud_txt_s(t, line));
}

static void explain_sla(aw_state *w, const aud_decision *d, FILE *out, const char *indent)
{
    aud_txt *t = &w->txt;
    w->n.choices++;
    if (!w->prog) {
        fprintf(out, "%swhy: not known (%s)\n", indent, w->no_why);
        return;
    }
    if (!w->known) {
        fprintf(out, "%swhy: not known (the case's values are not all in the log: %s)\n", indent,
                aud_txt_s(t, w->unknown));
        return;
    }
    int n = slatec_tiers_count(w->tiers), chosen = -1, dflt = -1;
    slatec_why *ys = calloc(n > 0 ? (size_t)n : 1, sizeof *ys);
    if (!ys) {
        w->oom = 1;
        fprintf(out, "%swhy: not known (out of memory)\n", indent);
        return;
    }
    int bad = 0;
    for (int i = 0; i < n && chosen < 0; i++) {
        if (slatec_tiers_why(w->tiers, i, w->vals, (size_t)w->nvals, w->level, &ys[i]) != SLATE_OK)
            bad = 1;
        if (!ys[i].has_cond) {
            if (dflt < 0) dflt = i;
        } else if (ys[i].held) {
            chosen = i;
        }
    }
    if (chosen < 0) chosen = dflt;
    const char *ours = chosen >= 0 ? slate_program_tier_name(w->prog, chosen) : NULL;
    if (bad || !ours || !d->tier || strcmp(ours, d->tier)) {
        w->n.disagreed++;
        fprintf(out, "%swhy: not shown: the stored source's tier conditions on the case's values "
                     "as the log gives them choose %s%s%s, but the engine chose `%s`; the log and "
                     "this slate disagree\n",
                indent, ours ? "`" : "", ours ? aud_txt_s(t, ours) : "no tier", ours ? "`" : "",
                aud_txt_s(t, d->tier));
        free(ys);
        return;
    }
    w->n.explained++;
    int width = 0;
    for (int i = 0; i < n; i++) {
        const char *nm = slate_program_tier_name(w->prog, i);
        int len = nm ? (int)strlen(nm) : 1;
        if (len > width) width = len;
    }
    if (width > 24) width = 24;
    fprintf(out, "%swhy (tiers in the order tried):\n", indent);
    if (w->differs)
        fprintf(out, "%s  (the stored source compiles to %.12s with this slate, not the log's "
                     "%.12s: the conditions are the source's)\n",
                indent, slate_program_hash(w->prog), aud_txt_s(t, w->hash));
    for (int i = 0; i < n; i++)
        if (ys[i].has_cond && i != chosen && (i < chosen || !ys[chosen].has_cond))
            print_why(w, &ys[i], width, out, indent);
    print_why(w, &ys[chosen], width, out, indent);
    free(ys);
}

int aw_decision(aw_state *w, const aud_decision *d, FILE *out, const char *indent)
{
    if (!strcmp(d->action, "set")) apply_set(w, d);
    else if (!strcmp(d->action, "escalate")) apply_escalate(w, d);
    else if (!strcmp(d->action, "sla")) explain_sla(w, d, out, indent);
    return w->oom ? -1 : 0;
}
