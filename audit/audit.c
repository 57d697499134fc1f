/*
 * audit.c - reading a decision log for the auditor's commands: open it through
 * the log reader, walk entries and decisions in log order with JSON parsed,
 * quote policy lines, and render times and durations.  See audit.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "status.h"
#include "termsafe.h"
#include "timestamp.h"

/* ---- opening -------------------------------------------------------------- */

int aud_open(aud_log *lg, const char *cmd, const char *path, int verify)
{
    memset(lg, 0, sizeof *lg);
    lg->path = path;
    char *err = NULL;
    /* verified in the snapshot the command then reads, so what it reports is
     * what was verified */
    slate_log_read_opts opts = {.verify = verify == AUD_VERIFY};
    int rc = slate_log_read_open(path, &opts, &lg->rd, &err);
    if (rc) {
        aud_txt t = {0};
        fprintf(stderr, "slate %s: %s\n", cmd, aud_txt_s(&t, err ? err : slate_errstr(rc)));
        slate_log_free(err);
        /* the file's content is at fault unless it could not be read at all */
        return rc == SLATE_LOG_IOERR || rc == SLATE_NOMEM ? EXIT_IO : EXIT_INPUT;
    }
    lg->verified = verify == AUD_VERIFY;
    if (verify == AUD_NO_VERIFY) {
        aud_txt t = {0};
        fprintf(stderr, "slate %s: %s: warning: %s\n", cmd, aud_txt_s(&t, path), AUD_UNVERIFIED);
    }
    const char *ps = slate_log_read_meta(lg->rd, "pseudonym");
    lg->pseudonyms = ps && strcmp(ps, "none") != 0;
    lg->npolicies = slate_log_read_policies(lg->rd, &lg->policies);
    return EXIT_OK;
}

void aud_close(aud_log *lg)
{
    slate_log_read_close(lg->rd);
    memset(lg, 0, sizeof *lg);
}

int aud_meta(const aud_log *lg, const char *key, char *buf, size_t size)
{
    const char *v = slate_log_read_meta(lg->rd, key);
    if (v) snprintf(buf, size, "%s", v);
    return v != NULL;
}

const slate_log_policy *aud_policy_get(const aud_log *lg, const char *hash)
{
    return slate_log_read_policy(lg->rd, hash);
}

void aud_source_line(const slate_log_policy *p, uint32_t line, char *out, size_t size)
{
    out[0] = 0;
    if (!p || !p->source || !line) return;
    const char *s = p->source, *end = s + p->source_len;
    for (uint32_t l = 1; l < line && s < end; l++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        if (!nl) return;
        s = nl + 1;
    }
    while (s < end && (*s == ' ' || *s == '\t')) s++;
    size_t rest = s < end ? (size_t)(end - s) : 0;
    const char *e = rest ? memchr(s, '\n', rest) : NULL;
    if (!e) e = s + rest;
    while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) e--;
    size_t n = (size_t)(e - s);
    if (n >= size) n = size - 1;
    memcpy(out, s, n);
    out[n] = 0;
}

/* ---- walking ---------------------------------------------------------------- */

static void read_entry(const slate_log_stored *r, aud_entry *e)
{
    e->id = r->id;
    e->seq = r->seq;
    e->kind = r->kind ? r->kind : ""; /* NULL only in a file read unverified */
    e->at = r->at;
    e->case_id = r->case_id;
    e->type = r->type;
    e->status = r->status;
    e->reason = r->reason;
    e->payload = r->payload;
    e->payload_len = r->payload ? r->payload_len : 0;
    e->policy_hash = r->policy_hash;
    e->fields = NULL;
    if (e->payload) {
        json_t *j = json_loads(e->payload, JSON_REJECT_DUPLICATES, NULL);
        if (json_is_object(j)) e->fields = j;
        else json_decref(j);
    }
}

static void read_decision(const slate_log_stored_decision *r, aud_decision *d)
{
    d->seq = r->seq;
    d->entry = r->entry;
    d->event_seq = r->event_seq;
    d->at = r->at;
    d->case_id = r->case_id;
    d->rule = r->rule;
    d->rule_label = r->rule_label;
    d->action = r->action ? r->action : "";
    d->clock = r->clock;
    d->tier = r->tier;
    d->args_text = r->args;
    d->policy_hash = r->policy_hash;
    d->event_id = r->event_id;
    d->rule_line = r->rule_line;
    d->args = d->args_text ? json_loads(d->args_text, 0, NULL) : NULL;
    if (!json_is_object(d->args)) {
        json_decref(d->args);
        d->args = json_object();
    }
}

int aud_walk_log(aud_log *lg, const char *cmd, const aud_walk *w)
{
    slate_log_scan scan = {0};
    scan.case_id = w->case_id;
    scan.case_len = w->case_id ? strlen(w->case_id) : 0;
    slate_log_cursor *cur;
    int rc = slate_log_cursor_open(lg->rd, &scan, &cur);
    slate_log_row row;
    while (!rc && !(rc = slate_log_cursor_next(cur, &row)) && row.what) {
        if (row.what == SLATE_LOG_SCAN_ENTRIES) {
            aud_entry e;
            read_entry(&row.entry, &e);
            if (w->on_entry) rc = w->on_entry(w->ud, &e);
            json_decref(e.fields);
        } else {
            aud_decision d;
            read_decision(&row.decision, &d);
            if (w->on_decision) rc = w->on_decision(w->ud, &d);
            json_decref(d.args);
        }
        if (rc) { /* a callback's value: not a read error */
            slate_log_cursor_close(cur);
            return rc;
        }
    }
    slate_log_cursor_close(cur);
    if (rc) {
        aud_txt t = {0};
        fprintf(stderr, "slate %s: %s: %s\n", cmd, aud_txt_s(&t, lg->path),
                aud_txt_s(&t, slate_log_read_errmsg(lg->rd)));
        return -1;
    }
    return 0;
}

int64_t aud_json_int(const json_t *o, const char *key, int64_t dflt)
{
    json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : dflt;
}

const char *aud_json_str(const json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : NULL;
}

int aud_field_text(const json_t *fields, const char *key, char *out, size_t size)
{
    json_t *v = json_object_get(fields, key);
    if (!v || json_is_null(v)) return 0;
    if (json_is_string(v)) {
        snprintf(out, size, "%s", json_string_value(v));
    } else {
        char *s = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
        snprintf(out, size, "%s", s ? s : "?");
        free(s);
    }
    return 1;
}

/* ---- text for people ---------------------------------------------------------- */

const char *aud_txt_s(aud_txt *t, const char *s)
{
    char *b = t->buf[t->next++ % AUD_TXT_N];
    return term_safe_str(b, sizeof t->buf[0], s, "?");
}

json_t *aud_json_text(const char *s)
{
    json_t *j = json_string(s ? s : "");
    if (!j && s) {
        size_t n = strlen(s);
        char *safe = malloc(n + 1);
        if (safe) j = json_string(term_safe(safe, n + 1, s, n));
        free(safe);
    }
    return j;
}

/* ---- time ------------------------------------------------------------------- */

int aud_parse_time(const char *s, int64_t *ms)
{
    size_t n = strlen(s);
    size_t lead = n > 1 && s[0] == '-';
    if (n > lead && strspn(s + lead, "0123456789") == n - lead) {
        errno = 0;
        long long v = strtoll(s, NULL, 10);
        if (errno) return -1;
        *ms = v;
        return 0;
    }
    if (n == 10 && s[4] == '-' && s[7] == '-' && strspn(s, "0123456789-") == 10) {
        int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
        if (m < 1 || m > 12 || d < 1 || d > civil_month_days(y, m)) return -1;
        *ms = civil_to_days(y, m, d) * 86400000;
        return 0;
    }
    return ts_parse_rfc3339(s, n, ms, NULL, 0);
}

char *aud_time(int64_t ms, char *buf) { return slate_log_time(ms, buf); }

char *aud_dur(int64_t ms, char *buf)
{
    if (ms < 0) {
        snprintf(buf, 32, "-");
        return buf;
    }
    int64_t s = ms / 1000, m = s / 60, h = s / 3600, d = s / 86400;
    if (s < 60)
        snprintf(buf, 32, "%" PRId64 "s", s);
    else if (s < 3600 && s % 60)
        snprintf(buf, 32, "%" PRId64 "m %02" PRId64 "s", m, s % 60);
    else if (s < 3600)
        snprintf(buf, 32, "%" PRId64 "m", m);
    else if (s < 3 * 86400 && m % 60)
        snprintf(buf, 32, "%" PRId64 "h %02" PRId64 "m", h, m % 60);
    else if (s < 3 * 86400)
        snprintf(buf, 32, "%" PRId64 "h", h);
    else if (h % 24)
        snprintf(buf, 32, "%" PRId64 "d %" PRId64 "h", d, h % 24);
    else
        snprintf(buf, 32, "%" PRId64 "d", d);
    return buf;
}

/* ---- summaries ---------------------------------------------------------------- */

static const char *deadline_text(const aud_decision *d, char *buf, size_t size)
{
    const char *dl = aud_json_str(d->args, "deadline");
    if (dl) snprintf(buf, size, ", deadline %s", dl);
    else buf[0] = 0;
    return buf;
}

void aud_summary(const aud_decision *d, char *buf, size_t size)
{
    const char *a = d->action, *clock = d->clock ? d->clock : "?";
    char t1[32], t2[32], dl[64];
    int64_t target = aud_json_int(d->args, "target_ms", -1);
    int64_t elapsed = aud_json_int(d->args, "elapsed_ms", -1);
    buf[0] = 0;
    if (!strcmp(a, "sla")) {
        size_t n = (size_t)snprintf(buf, size, "tier %s", d->tier ? d->tier : "?");
        json_t *targets = json_object_get(d->args, "targets");
        size_t i;
        json_t *t;
        json_array_foreach(targets, i, t) {
            const char *c = aud_json_str(t, "clock");
            int64_t s = aud_json_int(t, "target_s", -1);
            if (n < size)
                n += (size_t)snprintf(buf + n, size - n, "%s %s %s", i ? "," : ":", c ? c : "?",
                                      s < 0 ? "-" : aud_dur(s * 1000, t1));
        }
    } else if (!strcmp(a, "start") || !strcmp(a, "require") || !strcmp(a, "review")) {
        snprintf(buf, size, "%s: target %s%s", clock, aud_dur(target, t1),
                 deadline_text(d, dl, sizeof dl));
    } else if (!strcmp(a, "stop")) {
        int met = json_is_true(json_object_get(d->args, "met"));
        snprintf(buf, size, "%s: %s at %s (target %s)", clock, met ? "met" : "missed",
                 aud_dur(elapsed, t1), aud_dur(target, t2));
    } else if (!strcmp(a, "pause")) {
        snprintf(buf, size, "%s: paused at %s", clock, aud_dur(elapsed, t1));
    } else if (!strcmp(a, "resume")) {
        snprintf(buf, size, "%s: resumed%s", clock, deadline_text(d, dl, sizeof dl));
    } else if (!strcmp(a, "warn")) {
        int64_t pc = aud_json_int(d->args, "percent", 0);
        int64_t before = aud_json_int(d->args, "before_ms", 0);
        if (pc)
            snprintf(buf, size, "%s: %" PRId64 "%% of target, at %s (target %s)", clock, pc,
                     aud_dur(elapsed, t1), aud_dur(target, t2));
        else
            snprintf(buf, size, "%s: %s before target, at %s (target %s)", clock,
                     aud_dur(before, dl), aud_dur(elapsed, t1), aud_dur(target, t2));
    } else if (!strcmp(a, "breach")) {
        int64_t after = aud_json_int(d->args, "after_ms", 0);
        if (after)
            snprintf(buf, size, "%s: %s past target (target %s)", clock, aud_dur(after, t1),
                     aud_dur(target, t2));
        else
            snprintf(buf, size, "%s: breached at %s (target %s)", clock, aud_dur(elapsed, t1),
                     aud_dur(target, t2));
    } else if (!strcmp(a, "escalate")) {
        const char *level = aud_json_str(d->args, "level");
        snprintf(buf, size, "to %s", level ? level : "?");
    } else if (!strcmp(a, "notify")) {
        const char *to = aud_json_str(d->args, "to"), *msg = aud_json_str(d->args, "message");
        snprintf(buf, size, "%s%s%s%s", to ? to : "?", msg ? ": \"" : "", msg ? msg : "",
                 msg ? "\"" : "");
    } else if (!strcmp(a, "route") || !strcmp(a, "assign")) {
        const char *to = aud_json_str(d->args, "to");
        snprintf(buf, size, "to %s", to ? to : "?");
    } else if (!strcmp(a, "set")) {
        const char *field = aud_json_str(d->args, "field");
        char *v = json_dumps(json_object_get(d->args, "value"), JSON_ENCODE_ANY | JSON_COMPACT);
        snprintf(buf, size, "%s = %s", field ? field : "?", v ? v : "?");
        free(v);
    } else if (!strcmp(a, "emit")) { /* the log keeps emit as field (name) and value (args) */
        const char *name = aud_json_str(d->args, "field");
        char *v = json_dumps(json_object_get(d->args, "value"), JSON_ENCODE_ANY | JSON_COMPACT);
        size_t n = v ? strlen(v) : 0;
        if (v && n >= 2 && v[0] == '[') /* show name(a, b) as the policy wrote it */
            snprintf(buf, size, "%s(%.*s)", name ? name : "?", (int)(n - 2), v + 1);
        else
            snprintf(buf, size, "%s %s", name ? name : "?", v ? v : "");
        free(v);
    } else if (!strcmp(a, "reject")) {
        const char *r = aud_json_str(d->args, "reason");
        snprintf(buf, size, "%s", r ? r : "");
    } else if (d->args_text && strcmp(d->args_text, "{}")) {
        snprintf(buf, size, "%s", d->args_text);
    }
}

/* ---- map -------------------------------------------------------------------- */

static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603u;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static int rehash(aud_map *m, size_t nslots)
{
    size_t *slots = calloc(nslots, sizeof *slots);
    if (!slots) return -1;
    for (size_t i = 0; i < m->n; i++) {
        size_t j = hash_str(m->keys[i]) & (nslots - 1);
        while (slots[j]) j = (j + 1) & (nslots - 1);
        slots[j] = i + 1;
    }
    free(m->slots);
    m->slots = slots;
    m->nslots = nslots;
    return 0;
}

size_t aud_map_get(const aud_map *m, const char *key)
{
    if (!m->nslots) return SIZE_MAX;
    for (size_t j = hash_str(key) & (m->nslots - 1); m->slots[j]; j = (j + 1) & (m->nslots - 1))
        if (!strcmp(m->keys[m->slots[j] - 1], key)) return m->slots[j] - 1;
    return SIZE_MAX;
}

size_t aud_map_put(aud_map *m, const char *key, int *added)
{
    if (added) *added = 0;
    size_t i = aud_map_get(m, key);
    if (i != SIZE_MAX) return i;
    if ((m->n + 1) * 2 > m->nslots && rehash(m, m->nslots ? m->nslots * 2 : 64)) return SIZE_MAX;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 32;
        char **k = realloc(m->keys, cap * sizeof *k);
        if (!k) return SIZE_MAX;
        m->keys = k;
        m->cap = cap;
    }
    char *copy = strdup(key);
    if (!copy) return SIZE_MAX;
    m->keys[m->n] = copy;
    size_t j = hash_str(key) & (m->nslots - 1);
    while (m->slots[j]) j = (j + 1) & (m->nslots - 1);
    m->slots[j] = m->n + 1;
    if (added) *added = 1;
    return m->n++;
}

void aud_map_free(aud_map *m)
{
    for (size_t i = 0; i < m->n; i++) free(m->keys[i]);
    free(m->keys);
    free(m->slots);
    memset(m, 0, sizeof *m);
}

unsigned char *aud_read_key(const char *cmd, const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "slate %s: %s: %s\n", cmd, path, strerror(errno));
        return NULL;
    }
    unsigned char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? cap * 2 : 256;
            unsigned char *b = realloc(buf, cap);
            if (!b) {
                free(buf);
                fclose(f);
                fprintf(stderr, "slate %s: out of memory\n", cmd);
                return NULL;
            }
            buf = b;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad || n == 0) {
        fprintf(stderr, "slate %s: %s: %s\n", cmd, path, bad ? "read error" : "the key file is empty");
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}
