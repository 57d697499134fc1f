/*
 * report.c - computes the measures of report.h from a decision log in one walk
 * (log order), and renders them as text, JSON and a self-contained HTML page
 * with inline SVG bar charts.
 *
 * Whether a case is a complaint is known only once its whole history is read (a
 * later event, or a rule's `set kind = complaint`, can make it one), so the walk
 * keeps per case and per case-clock counts and the complaint figures are summed
 * from them at the end.  It does not read the policy: the `kind` field and its
 * value `complaint` are the reference policy's names (docs/audit-log.md).
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "status.h"
#include "report.h"
#include "termsafe.h"

#define NOVAL "(none)"

typedef struct rep_case {
    int in;                 /* in the window */
    int complaint;          /* its kind was `complaint` at some point */
    uint64_t scores, satisfied; /* integer `score` answers; of them 4 or 5 */
    char tier[64], kind[64], category[64], channel[64];
} rep_case;

enum { CC_IDLE, CC_RUNNING, CC_BREACHED, CC_STOPPED };
/* One clock of one case: its decisions, counted so that they can be added to
 * the complaint figures once the case is known to be a complaint. */
typedef struct rep_cc {
    size_t clock, case_ix;
    int state, ever_started, ever_stopped;
    uint64_t starts, stops, met, breaches;
} rep_cc;

/* The elapsed time of one stop decision and the case-clock it belongs to. */
typedef struct cc_elapsed {
    size_t cc;
    int64_t ms;
} cc_elapsed;

typedef struct builder {
    rep_model *m;
    int oom;
    cc_elapsed *stops;
    size_t nstops, capstops;
} builder;

static int vals_push(rep_vals *v, int64_t x)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 16;
        int64_t *p = realloc(v->v, cap * sizeof *p);
        if (!p) return -1;
        v->v = p;
        v->cap = cap;
    }
    v->v[v->n++] = x;
    return 0;
}

static int count(rep_counts *c, const char *key)
{
    int added;
    char safe[256]; /* the key as every rendering shows it (one count per shown key) */
    size_t i = aud_map_put(&c->keys, term_safe_str(safe, sizeof safe, key, NULL), &added);
    if (i == SIZE_MAX) return -1;
    if (added) {
        uint64_t *n = realloc(c->n, c->keys.cap * sizeof *n);
        if (!n) return -1;
        c->n = n;
        c->n[i] = 0;
    }
    c->n[i]++;
    return 0;
}

static size_t clock_index(builder *b, const char *name)
{
    rep_model *m = b->m;
    int added;
    char safe[256]; /* as every rendering shows it */
    size_t i = aud_map_put(&m->clock_names, term_safe_str(safe, sizeof safe, name, NULL), &added);
    if (i == SIZE_MAX) return i;
    if (added) {
        rep_clock *c = realloc(m->clocks, m->clock_names.cap * sizeof *c);
        if (c) m->clocks = c;
        rep_clock *k = realloc(m->complaint_clocks, m->clock_names.cap * sizeof *k);
        if (k) m->complaint_clocks = k;
        if (!c || !k) return SIZE_MAX;
        memset(&m->clocks[i], 0, sizeof m->clocks[i]);
        memset(&m->complaint_clocks[i], 0, sizeof m->complaint_clocks[i]);
    }
    return i;
}

static rep_case *case_get(builder *b, const char *id, int create)
{
    rep_model *m = b->m;
    size_t i = aud_map_get(&m->cases_map, id);
    if (i != SIZE_MAX) return &m->case_v[i];
    if (!create) return NULL;
    i = aud_map_put(&m->cases_map, id, NULL);
    if (i == SIZE_MAX) return NULL;
    rep_case *v = realloc(m->case_v, m->cases_map.cap * sizeof *v);
    if (!v) return NULL;
    m->case_v = v;
    memset(&v[i], 0, sizeof v[i]);
    snprintf(v[i].tier, sizeof v[i].tier, NOVAL);
    snprintf(v[i].kind, sizeof v[i].kind, NOVAL);
    snprintf(v[i].category, sizeof v[i].category, NOVAL);
    snprintf(v[i].channel, sizeof v[i].channel, NOVAL);
    return &v[i];
}

static rep_cc *cc_get(builder *b, const char *case_id, size_t case_ix, size_t clock)
{
    rep_model *m = b->m;
    char key[600];
    snprintf(key, sizeof key, "%s\x1f%zu", case_id, clock);
    int added;
    size_t i = aud_map_put(&m->case_clock, key, &added);
    if (i == SIZE_MAX) return NULL;
    if (added) {
        rep_cc *v = realloc(m->cc_v, m->case_clock.cap * sizeof *v);
        if (!v) return NULL;
        m->cc_v = v;
        memset(&v[i], 0, sizeof v[i]);
        v[i].clock = clock;
        v[i].case_ix = case_ix;
    }
    return &m->cc_v[i];
}

static int stops_push(builder *b, size_t cc, int64_t ms)
{
    if (b->nstops == b->capstops) {
        size_t cap = b->capstops ? b->capstops * 2 : 64;
        cc_elapsed *p = realloc(b->stops, cap * sizeof *p);
        if (!p) return -1;
        b->stops = p;
        b->capstops = cap;
    }
    b->stops[b->nstops++] = (cc_elapsed){cc, ms};
    return 0;
}

static void note_kind(rep_case *c)
{
    if (!strcmp(c->kind, "complaint")) c->complaint = 1;
}

static int on_entry(void *ud, const aud_entry *e)
{
    builder *b = ud;
    rep_model *m = b->m;
    if (strcmp(e->kind, "event")) return 0;
    int in_window = e->at != INT64_MIN && e->at >= m->from && e->at < m->to;
    int unbounded = m->from == INT64_MIN && m->to == INT64_MAX;
    if (e->status && !strcmp(e->status, "rejected")) {
        if (in_window || unbounded) m->rejected++, m->events++;
        return 0;
    }
    if (!e->case_id) return 0;
    rep_case *c = case_get(b, e->case_id, 0);
    if (!c) {
        if (!(c = case_get(b, e->case_id, 1))) return b->oom = 1, -1;
        c->in = in_window;
        if (c->in) m->cases++;
    }
    if (!c->in) return 0;
    m->events++;
    if (m->first_at == INT64_MIN || e->at < m->first_at) m->first_at = e->at;
    if (m->last_at == INT64_MIN || e->at > m->last_at) m->last_at = e->at;
    aud_field_text(e->fields, "kind", c->kind, sizeof c->kind);
    aud_field_text(e->fields, "category", c->category, sizeof c->category);
    aud_field_text(e->fields, "channel", c->channel, sizeof c->channel);
    note_kind(c);
    json_t *score = json_object_get(e->fields, "score");
    if (json_is_integer(score)) {
        json_int_t s = json_integer_value(score);
        m->scores[s >= 1 && s <= 5 ? s : 0]++;
        c->scores++;
        if (s >= 4) c->satisfied++;
    }
    return 0;
}

/* A rule's `set` changes the case's field as an event payload would. */
static void apply_set(rep_case *c, const aud_decision *d)
{
    const char *field = aud_json_str(d->args, "field");
    if (!field) return;
    if (!strcmp(field, "kind")) aud_field_text(d->args, "value", c->kind, sizeof c->kind);
    else if (!strcmp(field, "category")) aud_field_text(d->args, "value", c->category, sizeof c->category);
    else if (!strcmp(field, "channel")) aud_field_text(d->args, "value", c->channel, sizeof c->channel);
    note_kind(c);
}

static int on_decision(void *ud, const aud_decision *d)
{
    builder *b = ud;
    rep_model *m = b->m;
    if (!d->case_id) return 0;
    rep_case *c = case_get(b, d->case_id, 0);
    if (!c || !c->in) return 0;
    size_t case_ix = (size_t)(c - m->case_v);
    const char *a = d->action;
    if (!strcmp(a, "set")) {
        apply_set(c, d);
        return 0;
    }
    if (!strcmp(a, "sla") && d->tier) {
        snprintf(c->tier, sizeof c->tier, "%s", d->tier);
        return 0;
    }
    if (!strcmp(a, "escalate")) {
        const char *level = aud_json_str(d->args, "level");
        return count(&m->escalations, level ? level : "?") ? (b->oom = 1, -1) : 0;
    }
    if (!strcmp(a, "notify")) m->notifications++;
    if (!strcmp(a, "review")) m->reviews++;
    if (!d->clock) return 0;
    int start = !strcmp(a, "start") || !strcmp(a, "require") || !strcmp(a, "review");
    int stop = !strcmp(a, "stop");
    int breach = !strcmp(a, "breach") && aud_json_int(d->args, "after_ms", 0) == 0;
    if (!start && !stop && !breach) return 0;
    size_t ci = clock_index(b, d->clock);
    rep_cc *cc = ci == SIZE_MAX ? NULL : cc_get(b, d->case_id, case_ix, ci);
    if (!cc) return b->oom = 1, -1;
    rep_clock *x = &m->clocks[ci];
    if (start) {
        x->starts++;
        if (!cc->ever_started) x->cases_started++;
        cc->starts++;
        cc->ever_started = 1;
        cc->state = CC_RUNNING;
    } else if (stop) {
        /* a run that breached is missed whatever `met` says: a log written
         * before stops carried `breached_ms` judged against the target in force
         * at the stop, so the run's own breach decision decides too */
        int met = json_is_true(json_object_get(d->args, "met")) &&
                  aud_json_int(d->args, "breached_ms", 0) == 0 && cc->state != CC_BREACHED;
        int64_t ms = aud_json_int(d->args, "elapsed_ms", 0);
        x->stops++;
        x->met += (uint64_t)met;
        if (!cc->ever_stopped) x->cases_stopped++;
        if (vals_push(&x->elapsed, ms) || stops_push(b, (size_t)(cc - m->cc_v), ms))
            return b->oom = 1, -1;
        cc->stops++;
        cc->met += (uint64_t)met;
        cc->ever_stopped = 1;
        cc->state = CC_STOPPED;
    } else {
        x->breaches++;
        cc->breaches++;
        cc->state = CC_BREACHED;
        m->breaches++;
        if (count(&m->by_tier, c->tier) || count(&m->by_category, c->category) ||
            count(&m->by_channel, c->channel) || count(&m->by_clock, d->clock))
            return b->oom = 1, -1;
    }
    return 0;
}

static int cmp64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Which fields the sections read some logged policy declares.  A stored image
 * that does not load says nothing: its sections stay. */
static void declared_fields(rep_model *m, const aud_log *lg)
{
    for (size_t i = 0; i < lg->npolicies; i++) {
        const slate_log_policy *lp = &lg->policies[i];
        slate_program *p = NULL;
        if (!lp->image || slate_program_load(lp->image, lp->image_len, &p, NULL) != SLATE_OK) {
            m->has_complaints = m->has_score = m->has_category = m->has_channel = 1;
            continue;
        }
        int kind = slate_program_field_id(p, "kind");
        m->has_complaints |= kind >= 0 && slate_program_enum_value(p, kind, "complaint") >= 0;
        m->has_score |= slate_program_field_id(p, "score") >= 0;
        m->has_category |= slate_program_field_id(p, "category") >= 0;
        m->has_channel |= slate_program_field_id(p, "channel") >= 0;
        slate_program_free(p);
    }
}

int rep_build(rep_model *m, aud_log *lg, int64_t from, int64_t to)
{
    memset(m, 0, sizeof *m);
    m->from = from;
    m->to = to;
    m->first_at = m->last_at = INT64_MIN;
    size_t len = 0;
    for (size_t i = 0; i < lg->npolicies && len < sizeof m->policies - 80; i++) {
        const slate_log_policy *p = &lg->policies[i];
        aud_txt t = {0};
        len += (size_t)snprintf(m->policies + len, sizeof m->policies - len, "%s%s %s (%.12s)",
                                i ? ", " : "", aud_txt_s(&t, p->name), aud_txt_s(&t, p->version),
                                aud_txt_s(&t, p->hash));
    }
    declared_fields(m, lg);
    builder b = {m, 0, NULL, 0, 0};
    aud_walk w = {NULL, on_entry, on_decision, &b};
    int rc = aud_walk_log(lg, "report", &w);
    if (!b.oom && !rc) {
        /* The complaint figures: every decision of a case that ever was one. */
        for (size_t i = 0; i < m->cases_map.n; i++) {
            const rep_case *c = &m->case_v[i];
            if (!c->in || !c->complaint) continue;
            m->complaints++;
            m->complaint_scores += c->scores;
            m->complaint_satisfied += c->satisfied;
        }
        for (size_t i = 0; i < b.nstops && !b.oom; i++) {
            const rep_cc *cc = &m->cc_v[b.stops[i].cc];
            if (m->case_v[cc->case_ix].complaint &&
                vals_push(&m->complaint_clocks[cc->clock].elapsed, b.stops[i].ms))
                b.oom = 1;
        }
    }
    free(b.stops);
    if (b.oom) {
        fprintf(stderr, "slate report: out of memory\n");
        return EXIT_IO;
    }
    if (rc) return EXIT_IO;
    for (size_t i = 0; i < m->case_clock.n; i++) {
        rep_cc *cc = &m->cc_v[i];
        int complaint = m->case_v[cc->case_ix].complaint;
        if (complaint) {
            rep_clock *k = &m->complaint_clocks[cc->clock];
            k->starts += cc->starts;
            k->stops += cc->stops;
            k->met += cc->met;
            k->breaches += cc->breaches;
            k->cases_started += (uint64_t)cc->ever_started;
            k->cases_stopped += (uint64_t)cc->ever_stopped;
        }
        rep_clock *k[2] = {&m->clocks[cc->clock], complaint ? &m->complaint_clocks[cc->clock] : NULL};
        for (int j = 0; j < 2; j++) {
            if (!k[j]) continue;
            if (cc->state == CC_BREACHED) k[j]->open_breached++;
            if (cc->state == CC_RUNNING) k[j]->pending++;
        }
    }
    for (size_t i = 0; i < m->clock_names.n; i++) {
        rep_vals *v[2] = {&m->clocks[i].elapsed, &m->complaint_clocks[i].elapsed};
        for (int j = 0; j < 2; j++)
            if (v[j]->n) qsort(v[j]->v, v[j]->n, sizeof(int64_t), cmp64);
    }
    return EXIT_OK;
}

static void counts_free(rep_counts *c)
{
    aud_map_free(&c->keys);
    free(c->n);
}

void rep_free(rep_model *m)
{
    for (size_t i = 0; i < m->clock_names.n; i++) {
        free(m->clocks[i].elapsed.v);
        free(m->complaint_clocks[i].elapsed.v);
    }
    free(m->clocks);
    free(m->complaint_clocks);
    aud_map_free(&m->clock_names);
    counts_free(&m->by_tier);
    counts_free(&m->by_category);
    counts_free(&m->by_channel);
    counts_free(&m->by_clock);
    counts_free(&m->escalations);
    aud_map_free(&m->cases_map);
    aud_map_free(&m->case_clock);
    free(m->case_v);
    free(m->cc_v);
    memset(m, 0, sizeof *m);
}

/* ---- numbers ----------------------------------------------------------------- */

static int64_t avg(const rep_vals *v)
{
    if (!v->n) return -1;
    long double s = 0;
    for (size_t i = 0; i < v->n; i++) s += v->v[i];
    return (int64_t)(s / v->n);
}

/* Nearest rank: the smallest value with at least p% of the values at or below. */
static int64_t pct(const rep_vals *v, int p)
{
    if (!v->n) return -1;
    size_t rank = (v->n * (size_t)p + 99) / 100;
    return v->v[rank ? rank - 1 : 0];
}

static int64_t vmax(const rep_vals *v) { return v->n ? v->v[v->n - 1] : -1; }

/* percentage a/b, or NAN when b == 0 */
static double ratio(uint64_t a, uint64_t b) { return b ? 100.0 * (double)a / (double)b : NAN; }

static const char *fmt_pct(double p, char *buf)
{
    if (isnan(p)) snprintf(buf, 16, "-");
    else snprintf(buf, 16, "%.1f%%", p);
    return buf;
}

static const rep_clock *clock_named(const rep_model *m, const char *name, int complaints)
{
    size_t i = aud_map_get(&m->clock_names, name);
    if (i == SIZE_MAX) return NULL;
    return complaints ? &m->complaint_clocks[i] : &m->clocks[i];
}

static uint64_t met_base(const rep_clock *c) { return c->stops + c->open_breached; }

/* ---- text --------------------------------------------------------------------- */

static void text_counts(FILE *f, const char *title, const rep_counts *c)
{
    fprintf(f, "  %-18s", title);
    if (!c->keys.n) fprintf(f, " -");
    for (size_t i = 0; i < c->keys.n; i++)
        fprintf(f, "%s %s %" PRIu64, i ? "," : "", c->keys.keys[i], c->n[i]);
    fputc('\n', f);
}

static void text_clock_block(FILE *f, const rep_model *m, const char *title, const char *clock,
                             const char *rate_name)
{
    const rep_clock *c = clock_named(m, clock, 0);
    char p[16], d1[32], d2[32];
    if (!c) return; /* a policy without this clock: the table below has what it has */
    fprintf(f, "\n%s (clock `%s`)\n", title, clock);
    if (rate_name)
        fprintf(f, "  %-18s %-7s (%" PRIu64 " of %" PRIu64 " cases)\n", rate_name,
                fmt_pct(ratio(c->cases_stopped, c->cases_started), p), c->cases_stopped,
                c->cases_started);
    fprintf(f, "  %-18s %-7s (%" PRIu64 " of %" PRIu64 ")\n", "target met",
            fmt_pct(ratio(c->met, met_base(c)), p), c->met, met_base(c));
    fprintf(f, "  %-18s %s\n", "average", aud_dur(avg(&c->elapsed), d1));
    fprintf(f, "  %-18s %s\n", "p90", aud_dur(pct(&c->elapsed, 90), d2));
}

static void text_complaints(FILE *f, const rep_model *m);
static void text_satisfaction(FILE *f, const rep_model *m);

void rep_text(const rep_model *m, const char *path, FILE *f)
{
    char t1[32], t2[32], p[16], d1[32], d2[32];
    aud_txt txt = {0};
    if (m->unverified) fprintf(f, "%s\n", AUD_UNVERIFIED);
    fprintf(f, "slate report: %s\n", aud_txt_s(&txt, path));
    if (m->from != INT64_MIN || m->to != INT64_MAX)
        fprintf(f, "%-20s cases opened from %s to %s\n", "window",
                m->from == INT64_MIN ? "the start" : aud_time(m->from, t1),
                m->to == INT64_MAX ? "the end" : aud_time(m->to, t2));
    if (m->first_at != INT64_MIN)
        fprintf(f, "%-20s %s .. %s\n", "events", aud_time(m->first_at, t1),
                aud_time(m->last_at, t2));
    fprintf(f, "%-20s %s\n", "policies", m->policies);
    if (m->has_complaints)
        fprintf(f, "%-20s %" PRIu64 " (complaints: %" PRIu64 ", %s)\n", "cases", m->cases,
                m->complaints, fmt_pct(ratio(m->complaints, m->cases), p));
    else
        fprintf(f, "%-20s %" PRIu64 "\n", "cases", m->cases);
    fprintf(f, "%-20s %" PRIu64 " (%" PRIu64 " rejected)\n", "events counted", m->events,
            m->rejected);

    text_clock_block(f, m, "first response", "response", NULL);
    text_clock_block(f, m, "resolution", "resolution", "resolution rate");
    text_clock_block(f, m, "follow-up", "follow_up", "follow-up rate");

    fprintf(f, "\n%-18s %7s %7s %5s %7s %8s %5s %7s  %-8s %s\n", "clocks", "started", "stopped",
            "met", "met%", "breached", "open", "pending", "average", "p90");
    for (size_t i = 0; i < m->clock_names.n; i++) {
        const rep_clock *c = &m->clocks[i];
        fprintf(f, "  %-16s %7" PRIu64 " %7" PRIu64 " %5" PRIu64 " %7s %8" PRIu64 " %5" PRIu64
                   " %7" PRIu64 "  %-8s %s\n",
                m->clock_names.keys[i], c->starts, c->stops, c->met,
                fmt_pct(ratio(c->met, met_base(c)), p), c->breaches, c->open_breached, c->pending,
                aud_dur(avg(&c->elapsed), d1), aud_dur(pct(&c->elapsed, 90), d2));
    }

    fprintf(f, "\nbreaches             %" PRIu64 "\n", m->breaches);
    text_counts(f, "by tier", &m->by_tier);
    if (m->has_category) text_counts(f, "by category", &m->by_category);
    if (m->has_channel) text_counts(f, "by channel", &m->by_channel);
    text_counts(f, "by clock", &m->by_clock);
    if (m->has_complaints) text_complaints(f, m);
    if (m->has_score) text_satisfaction(f, m);

    fprintf(f, "\nactions\n");
    text_counts(f, "escalations", &m->escalations);
    fprintf(f, "  %-18s %" PRIu64 "\n", "notifications", m->notifications);
    fprintf(f, "  %-18s %" PRIu64 "\n", "reviews opened", m->reviews);
}

static void text_complaints(FILE *f, const rep_model *m)
{
    char p[16], d1[32], d2[32], d3[32];
    fprintf(f, "\ncomplaints           %" PRIu64 "\n", m->complaints);
    const rep_clock *cr = clock_named(m, "response", 1), *cs = clock_named(m, "resolution", 1);
    if (cr)
        fprintf(f, "  %-18s %-7s (%" PRIu64 " of %" PRIu64 ")\n", "response met",
                fmt_pct(ratio(cr->met, met_base(cr)), p), cr->met, met_base(cr));
    if (cs && cs->elapsed.n) {
        int64_t a = avg(&cs->elapsed);
        fprintf(f, "  %-18s average %s, p90 %s, max %s (%" PRIu64 " handled)\n", "handling time",
                aud_dur(a, d1), aud_dur(pct(&cs->elapsed, 90), d2), aud_dur(vmax(&cs->elapsed), d3),
                (uint64_t)cs->elapsed.n);
        fprintf(f, "  %-18s %s\n", "average under 4h", a < 4 * 3600000 ? "yes" : "no");
    } else {
        fprintf(f, "  %-18s -\n", "handling time");
    }
}

static void text_satisfaction(FILE *f, const rep_model *m)
{
    char p[16];
    uint64_t answers = 0, satisfied = m->scores[4] + m->scores[5];
    for (int i = 0; i < 6; i++) answers += m->scores[i];
    fprintf(f, "\nsatisfaction         %" PRIu64 " answers, %s satisfied (score 4-5)\n", answers,
            fmt_pct(ratio(satisfied, answers), p));
    for (int s = 1; s <= 5; s++) fprintf(f, "  score %d %12" PRIu64 "\n", s, m->scores[s]);
    if (m->scores[0]) fprintf(f, "  other   %12" PRIu64 "\n", m->scores[0]);
    if (m->has_complaints)
        fprintf(f, "  %-18s %-7s (%" PRIu64 " of %" PRIu64 ")\n", "of complaints",
                fmt_pct(ratio(m->complaint_satisfied, m->complaint_scores), p),
                m->complaint_satisfied, m->complaint_scores);
}

/* ---- JSON ----------------------------------------------------------------------- */

static json_t *jpct(double p)
{
    return isnan(p) ? json_null() : json_real(round(p * 10) / 10);
}

static json_t *jsec(int64_t ms) { return ms < 0 ? json_null() : json_integer(ms / 1000); }

static json_t *jclock(const rep_clock *c)
{
    json_t *o = json_object();
    json_object_set_new(o, "starts", json_integer((json_int_t)c->starts));
    json_object_set_new(o, "stops", json_integer((json_int_t)c->stops));
    json_object_set_new(o, "met", json_integer((json_int_t)c->met));
    json_object_set_new(o, "met_pct", jpct(ratio(c->met, met_base(c))));
    json_object_set_new(o, "breaches", json_integer((json_int_t)c->breaches));
    json_object_set_new(o, "open_breached", json_integer((json_int_t)c->open_breached));
    json_object_set_new(o, "pending", json_integer((json_int_t)c->pending));
    json_object_set_new(o, "cases_started", json_integer((json_int_t)c->cases_started));
    json_object_set_new(o, "cases_stopped", json_integer((json_int_t)c->cases_stopped));
    json_object_set_new(o, "rate_pct", jpct(ratio(c->cases_stopped, c->cases_started)));
    json_object_set_new(o, "avg_s", jsec(avg(&c->elapsed)));
    json_object_set_new(o, "p90_s", jsec(pct(&c->elapsed, 90)));
    json_object_set_new(o, "max_s", jsec(vmax(&c->elapsed)));
    return o;
}

static json_t *jcounts(const rep_counts *c)
{
    json_t *o = json_object();
    for (size_t i = 0; i < c->keys.n; i++)
        json_object_set_new(o, c->keys.keys[i], json_integer((json_int_t)c->n[i]));
    return o;
}

static json_t *json_complaints(const rep_model *m);
static json_t *json_satisfaction(const rep_model *m);

json_t *rep_json(const rep_model *m, const char *path)
{
    char t[32];
    json_t *o = json_object();
    if (m->unverified) {
        json_object_set_new(o, "verified", json_false());
        json_object_set_new(o, "warning", json_string(AUD_UNVERIFIED));
    }
    json_object_set_new(o, "log", aud_json_text(path));
    json_object_set_new(o, "from", m->from == INT64_MIN ? json_null() : json_string(aud_time(m->from, t)));
    json_object_set_new(o, "to", m->to == INT64_MAX ? json_null() : json_string(aud_time(m->to, t)));
    json_object_set_new(o, "first_event", m->first_at == INT64_MIN ? json_null()
                                                                   : json_string(aud_time(m->first_at, t)));
    json_object_set_new(o, "last_event", m->last_at == INT64_MIN ? json_null()
                                                                 : json_string(aud_time(m->last_at, t)));
    json_object_set_new(o, "cases", json_integer((json_int_t)m->cases));
    if (m->has_complaints)
        json_object_set_new(o, "complaint_rate_pct", jpct(ratio(m->complaints, m->cases)));
    json_object_set_new(o, "events", json_integer((json_int_t)m->events));
    json_object_set_new(o, "rejected", json_integer((json_int_t)m->rejected));
    json_t *clocks = json_object();
    for (size_t i = 0; i < m->clock_names.n; i++)
        json_object_set_new(clocks, m->clock_names.keys[i], jclock(&m->clocks[i]));
    json_object_set_new(o, "clocks", clocks);
    json_t *br = json_object();
    json_object_set_new(br, "total", json_integer((json_int_t)m->breaches));
    json_object_set_new(br, "by_tier", jcounts(&m->by_tier));
    if (m->has_category) json_object_set_new(br, "by_category", jcounts(&m->by_category));
    if (m->has_channel) json_object_set_new(br, "by_channel", jcounts(&m->by_channel));
    json_object_set_new(br, "by_clock", jcounts(&m->by_clock));
    json_object_set_new(o, "breaches", br);
    if (m->has_complaints) json_object_set_new(o, "complaints", json_complaints(m));
    if (m->has_score) json_object_set_new(o, "satisfaction", json_satisfaction(m));
    json_object_set_new(o, "escalations", jcounts(&m->escalations));
    json_object_set_new(o, "notifications", json_integer((json_int_t)m->notifications));
    json_object_set_new(o, "reviews", json_integer((json_int_t)m->reviews));
    return o;
}

static json_t *json_complaints(const rep_model *m)
{
    json_t *cp = json_object();
    json_object_set_new(cp, "cases", json_integer((json_int_t)m->complaints));
    json_t *cc = json_object();
    for (size_t i = 0; i < m->clock_names.n; i++)
        if (m->complaint_clocks[i].starts)
            json_object_set_new(cc, m->clock_names.keys[i], jclock(&m->complaint_clocks[i]));
    json_object_set_new(cp, "clocks", cc);
    if (m->has_score)
        json_object_set_new(cp, "satisfied_pct",
                            jpct(ratio(m->complaint_satisfied, m->complaint_scores)));
    return cp;
}

static json_t *json_satisfaction(const rep_model *m)
{
    json_t *sat = json_object(), *dist = json_object();
    uint64_t answers = 0;
    for (int i = 0; i < 6; i++) answers += m->scores[i];
    for (int s = 1; s <= 5; s++) {
        char k[2] = {(char)('0' + s), 0};
        json_object_set_new(dist, k, json_integer((json_int_t)m->scores[s]));
    }
    json_object_set_new(sat, "answers", json_integer((json_int_t)answers));
    json_object_set_new(sat, "distribution", dist);
    json_object_set_new(sat, "other", json_integer((json_int_t)m->scores[0]));
    json_object_set_new(sat, "satisfied_pct", jpct(ratio(m->scores[4] + m->scores[5], answers)));
    return sat;
}

/* ---- HTML ----------------------------------------------------------------------- */

static void html_esc(FILE *f, const char *text)
{
    size_t n = strlen(text);
    char *safe = malloc(n + 1); /* no control character or invalid UTF-8 on the page */
    const char *s = safe ? term_safe(safe, n + 1, text, n) : "?";
    for (; *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
    free(safe);
}

/* A horizontal bar chart: one bar per label, scaled to the largest value;
 * `suffix` follows each value ("%" or ""). */
static void svg_bars(FILE *f, const char *title, const char *const *labels, const double *values,
                     size_t n, const char *suffix, double scale_max)
{
    fputs("<figure><figcaption>", f);
    html_esc(f, title);
    fputs("</figcaption>\n", f);
    if (!n) {
        fputs("<p class=\"none\">none</p></figure>\n", f);
        return;
    }
    double max = scale_max;
    for (size_t i = 0; i < n; i++)
        if (!isnan(values[i]) && values[i] > max) max = values[i];
    unsigned h = (unsigned)n * 26 + 8;
    fprintf(f, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"560\" height=\"%u\" "
               "role=\"img\">\n", h);
    for (size_t i = 0; i < n; i++) {
        double v = isnan(values[i]) ? 0 : values[i];
        double w = max > 0 ? 320.0 * v / max : 0;
        unsigned y = (unsigned)i * 26 + 4;
        fprintf(f, "<text x=\"150\" y=\"%u\" text-anchor=\"end\">", y + 15);
        html_esc(f, labels[i]);
        fprintf(f, "</text><rect x=\"160\" y=\"%u\" width=\"%.1f\" height=\"20\" "
                   "class=\"bar\"/>", y, w);
        if (isnan(values[i]))
            fprintf(f, "<text x=\"%.1f\" y=\"%u\">-</text>\n", 166 + w, y + 15);
        else
            fprintf(f, "<text x=\"%.1f\" y=\"%u\">%g%s</text>\n", 166 + w, y + 15,
                    round(values[i] * 10) / 10, suffix);
    }
    fputs("</svg></figure>\n", f);
}

static void svg_counts(FILE *f, const char *title, const rep_counts *c)
{
    double *v = calloc(c->keys.n + 1, sizeof *v);
    if (!v) return;
    for (size_t i = 0; i < c->keys.n; i++) v[i] = (double)c->n[i];
    svg_bars(f, title, (const char *const *)c->keys.keys, v, c->keys.n, "", 0);
    free(v);
}

static void html_row(FILE *f, const char *name, const char *value)
{
    fputs("<tr><th>", f);
    html_esc(f, name);
    fputs("</th><td>", f);
    html_esc(f, value);
    fputs("</td></tr>\n", f);
}

static void html_complaints(FILE *f, const rep_model *m);
static void html_satisfaction(FILE *f, const rep_model *m);

void rep_html(const rep_model *m, const char *path, FILE *f)
{
    char buf[256], p[16], d1[32], d2[32], t1[32], t2[32];
    fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>slate "
          "report: ", f);
    html_esc(f, path);
    fputs("</title>\n<style>\nbody{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\n"
          "table{border-collapse:collapse;margin:1em 0}th,td{padding:3px 10px;text-align:left;"
          "border-bottom:1px solid #ddd}td.n{text-align:right}\n"
          "figure{margin:1em 0}figcaption{font-weight:bold}svg text{font:12px sans-serif}\n"
          ".bar{fill:#3b7dd8}.none{color:#888}\n</style></head><body>\n<h1>SLA report</h1>\n", f);
    if (m->unverified) {
        fputs("<p style=\"background:#fdd;border:2px solid #c00;padding:.5em;font-weight:bold\">", f);
        html_esc(f, AUD_UNVERIFIED);
        fputs("</p>\n", f);
    }
    fputs("<table>\n", f);
    html_row(f, "log", path);
    if (m->first_at != INT64_MIN) {
        snprintf(buf, sizeof buf, "%s .. %s", aud_time(m->first_at, t1), aud_time(m->last_at, t2));
        html_row(f, "events", buf);
    }
    html_row(f, "policies", m->policies);
    if (m->has_complaints)
        snprintf(buf, sizeof buf, "%" PRIu64 " (complaints: %" PRIu64 ", %s)", m->cases,
                 m->complaints, fmt_pct(ratio(m->complaints, m->cases), p));
    else
        snprintf(buf, sizeof buf, "%" PRIu64, m->cases);
    html_row(f, "cases", buf);
    snprintf(buf, sizeof buf, "%" PRIu64 " (%" PRIu64 " rejected)", m->events, m->rejected);
    html_row(f, "events counted", buf);
    fputs("</table>\n<h2>Clocks</h2>\n<table><tr><th>clock</th><th>started</th><th>stopped</th>"
          "<th>met</th><th>met %</th><th>rate</th><th>breached</th><th>average</th><th>p90</th></tr>\n",
          f);
    size_t n = m->clock_names.n;
    double *met = calloc(n + 1, sizeof *met);
    for (size_t i = 0; i < n; i++) {
        const rep_clock *c = &m->clocks[i];
        char r[16];
        fputs("<tr><td>", f);
        html_esc(f, m->clock_names.keys[i]);
        fprintf(f, "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%" PRIu64
                   "</td><td class=\"n\">%" PRIu64 "</td><td class=\"n\">%s</td><td class=\"n\">%s"
                   "</td><td class=\"n\">%" PRIu64 "</td><td>%s</td><td>%s</td></tr>\n",
                c->starts, c->stops, c->met, fmt_pct(ratio(c->met, met_base(c)), p),
                fmt_pct(ratio(c->cases_stopped, c->cases_started), r), c->breaches,
                aud_dur(avg(&c->elapsed), d1), aud_dur(pct(&c->elapsed, 90), d2));
        if (met) met[i] = ratio(c->met, met_base(c));
    }
    fputs("</table>\n", f);
    if (met) svg_bars(f, "target met, % by clock", (const char *const *)m->clock_names.keys, met, n, "%", 100);
    free(met);
    fprintf(f, "<h2>Breaches: %" PRIu64 "</h2>\n", m->breaches);
    svg_counts(f, "by tier", &m->by_tier);
    if (m->has_category) svg_counts(f, "by category", &m->by_category);
    if (m->has_channel) svg_counts(f, "by channel", &m->by_channel);
    svg_counts(f, "by clock", &m->by_clock);
    if (m->has_complaints) html_complaints(f, m);
    if (m->has_score) html_satisfaction(f, m);
    fputs("<h2>Escalations</h2>\n", f);
    svg_counts(f, "by level", &m->escalations);
    fputs("<p>Generated by slate report from the decision log; no external resources.</p>\n"
          "</body></html>\n", f);
}

static void html_complaints(FILE *f, const rep_model *m)
{
    char buf[256], p[16], d1[32], d2[32];
    fprintf(f, "<h2>Complaints: %" PRIu64 "</h2>\n<table>\n", m->complaints);
    const rep_clock *cs = clock_named(m, "resolution", 1);
    if (cs && cs->elapsed.n) {
        char d3[32];
        snprintf(buf, sizeof buf, "average %s, p90 %s, max %s", aud_dur(avg(&cs->elapsed), d1),
                 aud_dur(pct(&cs->elapsed, 90), d2), aud_dur(vmax(&cs->elapsed), d3));
        html_row(f, "handling time", buf);
    }
    if (m->has_score)
        html_row(f, "satisfied", fmt_pct(ratio(m->complaint_satisfied, m->complaint_scores), p));
    fputs("</table>\n", f);
}

static void html_satisfaction(FILE *f, const rep_model *m)
{
    char p[16];
    uint64_t answers = 0;
    for (int i = 0; i < 6; i++) answers += m->scores[i];
    fprintf(f, "<h2>Satisfaction: %" PRIu64 " answers, %s satisfied</h2>\n", answers,
            fmt_pct(ratio(m->scores[4] + m->scores[5], answers), p));
    static const char *const score_labels[] = {"1", "2", "3", "4", "5"};
    double sv[5];
    for (int s = 0; s < 5; s++) sv[s] = (double)m->scores[s + 1];
    svg_bars(f, "answers by score", score_labels, sv, 5, "", 0);
}
