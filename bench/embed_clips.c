/*
 * embed_clips.c - the CLIPS 6.30 baseline: a C host that embeds CLIPS through
 * its C API (Debian's libclips-dev: /usr/include/clips, /usr/lib/libclips.a)
 * and runs bench/clips/policy.clp on the pre-parsed events, one `event` fact
 * asserted and the agenda run per event, as a server embedding CLIPS would.
 *
 *   slate-clips time  POLICY EVENTS RUNS   median events/s of assert + run
 *   slate-clips equiv POLICY EVENTS        compare the subset with slate's
 *
 * The host defines the calendar globals from the program's compiled `business`
 * calendar (weekly spans, closed days, UTC offsets) and the function
 * (emit action case at clock tier) the policy calls for each decision: it
 * counts them in timed runs and collects them for `equiv`.  The event fact
 * carries the seven case fields the subset reads (enum values as symbols,
 * `complex` as TRUE/FALSE); case ids are passed as symbols.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clips.h"

#include "bstream.h"
#include "program_info.h"
#include "slate.h"

#ifndef POLICY_CLP
#define POLICY_CLP "bench/clips/policy.clp"
#endif

/* ---- decisions out of CLIPS -------------------------------------------------------- */

static bs_list *collected; /* equiv: the decisions; NULL while timing */
static long long ndecisions;

static void emit_fn(void *env)
{
    static const char *const names[] = {
#define X(id, name) name,
        SLATE_ACTIONS(X)
#undef X
    };
    ndecisions++;
    if (!collected) return;
    const char *a = EnvRtnLexeme(env, 1), *id = EnvRtnLexeme(env, 2);
    bs_dec d;
    memset(&d, 0, sizeof d);
    d.action = SLATE_A__COUNT;
    for (int i = 0; i < SLATE_A__COUNT; i++)
        if (!strcmp(a, names[i])) d.action = (uint8_t)i;
    d.at = EnvRtnLong(env, 3);
    d.case_hash = bs_fnv(id, strlen(id));
    d.clock = (int8_t)EnvRtnLong(env, 4);
    d.tier = (int16_t)EnvRtnLong(env, 5);
    snprintf(d.case_id, sizeof d.case_id, "%s", id);
    bs_push(collected, &d);
}

/* ---- the host ------------------------------------------------------------------------ */

static const char *const fields[] = {"standing", "value_tier", "kind", "category",
                                     "severity", "channel", "complex"};
#define NFIELDS 7

typedef struct host {
    void *env;
    const slate_program *prog;
    int field_slot[64]; /* program field id -> index in fields[], -1 when not carried */
    char *buf;
    size_t cap;
} host;

/* Text buffer helpers. */
typedef struct sb {
    char *p;
    size_t n, cap;
} sb;

static void sb_put(sb *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        b->cap = (b->n + n + 1) * 2;
        b->p = realloc(b->p, b->cap);
        if (!b->p) exit(3);
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = 0;
}

static void sb_str(sb *b, const char *s) { sb_put(b, s, strlen(s)); }

static void sb_int(sb *b, long long v)
{
    char t[32];
    sb_put(b, t, (size_t)snprintf(t, sizeof t, "%lld", v));
}

static void host_calendar(host *h)
{
    const slate_program *p = h->prog;
    const cal_table *c = pi_calendar(p, slate_program_calendar_id(p, "business"));
    if (!c) {
        fprintf(stderr, "clips: the program has no `business` calendar\n");
        exit(3);
    }
    sb b = {0};
    sb_str(&b, "(defglobal ?*week* = (create$");
    for (uint32_t i = 0; i < c->nweek; i++) {
        sb_str(&b, " ");
        sb_int(&b, c->week[i].start);
        sb_str(&b, " ");
        sb_int(&b, c->week[i].end);
    }
    sb_str(&b, ") ?*closed* = (create$");
    for (uint32_t i = 0; i < c->nclosed; i++) {
        sb_str(&b, " ");
        sb_int(&b, c->closed[i]);
    }
    sb_str(&b, ") ?*ofrom* = (create$");
    for (uint32_t i = 0; i < c->noffsets; i++) {
        sb_str(&b, " "); /* "since always": any instant below the arithmetic's domain */
        sb_int(&b, c->offsets[i].from == INT64_MIN ? -((long long)1 << 62) : c->offsets[i].from);
    }
    sb_str(&b, ") ?*ooff* = (create$");
    for (uint32_t i = 0; i < c->noffsets; i++) {
        sb_str(&b, " ");
        sb_int(&b, c->offsets[i].offset_ms);
    }
    sb_str(&b, "))");
    if (!EnvBuild(h->env, b.p)) {
        fprintf(stderr, "clips: cannot define the calendar globals\n");
        exit(3);
    }
    free(b.p);
}

static void host_open(host *h, const slate_program *prog)
{
    memset(h, 0, sizeof *h);
    h->prog = prog;
    for (int i = 0; i < 64; i++) h->field_slot[i] = -1;
    for (int f = 0; f < NFIELDS; f++) {
        int id = slate_program_field_id(prog, fields[f]);
        if (id >= 0 && id < 64) h->field_slot[id] = f;
    }
    h->env = CreateEnvironment();
    if (!h->env) exit(3);
    EnvDefineFunction2(h->env, "emit", 'v', PTIEF emit_fn, "emit_fn", "55");
    host_calendar(h);
    const char *path = getenv("SLATE_POLICY_CLP");
    if (!path) path = POLICY_CLP;
    if (EnvLoad(h->env, path) != 1) {
        fprintf(stderr, "clips: cannot load %s\n", path);
        exit(3);
    }
}

/* A fresh engine: no facts, no instances, the globals at their initial values. */
static void host_reset(host *h)
{
    DATA_OBJECT r;
    EnvReset(h->env);
    EnvEval(h->env, "(bind ?*total* (week-total))", &r);
}

/* One event: assert it as a fact, run the agenda. */
static void host_push(host *h, const slate_event *ev)
{
    const slate_program *p = h->prog;
    sb b = {h->buf, 0, h->cap};
    sb_str(&b, "(event (type ");
    sb_str(&b, slate_program_event_name(p, ev->type));
    sb_str(&b, ") (case ");
    if (ev->case_id && ev->case_len)
        sb_put(&b, ev->case_id, ev->case_len);
    else
        sb_str(&b, "nil");
    sb_str(&b, ") (at ");
    sb_int(&b, ev->at);
    sb_str(&b, ")");
    for (size_t i = 0; i < ev->nvalues; i++) {
        const slate_value *v = &ev->values[i];
        int f = v->field < 64 ? h->field_slot[v->field] : -1;
        if (f < 0) continue;
        sb_str(&b, " (");
        sb_str(&b, fields[f]);
        sb_str(&b, " ");
        if (slate_program_field_type(p, v->field) == SLATE_T_ENUM)
            sb_str(&b, slate_program_enum_name(p, v->field, (int)v->i));
        else
            sb_str(&b, v->i ? "TRUE" : "FALSE");
        sb_str(&b, ")");
    }
    sb_str(&b, ")");
    h->buf = b.p;
    h->cap = b.cap;
    if (!EnvAssertString(h->env, h->buf)) {
        fprintf(stderr, "clips: cannot assert %s\n", h->buf);
        exit(3);
    }
    EnvRun(h->env, -1);
}

static int run_time(host *h, const bs_stream *s, int runs)
{
    double *r = malloc(sizeof *r * (size_t)runs);
    collected = NULL;
    for (int i = 0; i < runs; i++) {
        host_reset(h);
        ndecisions = 0;
        double t0 = bs_now();
        for (size_t j = 0; j < s->n; j++) host_push(h, &s->ev[j]);
        r[i] = (double)s->n / (bs_now() - t0);
    }
    double med = bs_median(r, runs); /* sorts r */
    printf("events %zu decisions %lld median_eps %.0f min_eps %.0f max_eps %.0f\n", s->n,
           ndecisions, med, r[0], r[runs - 1]);
    free(r);
    return 0;
}

static int run_equiv(host *h, const bs_stream *s)
{
    bs_list a = {0}, b = {0};
    slate_engine *e = slate_engine_new(h->prog, NULL);
    if (!e) return 3;
    for (size_t j = 0; j < s->n; j++) slate_engine_push(e, &s->ev[j], bs_subset_sink, &a);
    host_reset(h);
    collected = &b;
    for (size_t j = 0; j < s->n; j++) host_push(h, &s->ev[j]);
    collected = NULL;
    int rc = bs_report_equiv(&a, &b, (unsigned long long)slate_engine_decisions(e), NULL);
    slate_engine_free(e);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s time|equiv POLICY EVENTS [RUNS]\n", argv[0]);
        return 2;
    }
    slate_program *p = bs_compile_file(argv[2], NULL);
    if (!p) return 1;
    bs_stream s;
    if (bs_load_events(p, argv[3], &s)) return 3;
    host h;
    host_open(&h, p);
    int rc = 2;
    if (!strcmp(argv[1], "time")) {
        int runs = argc > 4 ? atoi(argv[4]) : 5;
        rc = run_time(&h, &s, runs < 1 ? 1 : runs);
    } else if (!strcmp(argv[1], "equiv")) {
        rc = run_equiv(&h, &s);
    }
    DestroyEnvironment(h.env);
    free(h.buf);
    bs_free(&s);
    slate_program_free(p);
    return rc;
}
