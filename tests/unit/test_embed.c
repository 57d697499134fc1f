/*
 * test_embed.c - libslate as a server embeds it (issue 17): a sink that calls
 * back into its own engine, hot swaps there and back, instants the C API must
 * refuse, and memory that has to come back over a long uptime.
 *
 * Policies are compiled in process (bench/bstream.h); events are built as
 * slate_event structs, as an embedder builds them.  Decisions are compared as
 * their JSON lines.  Not here: the engine's semantics case by case
 * (test_engine.c, test_scenarios.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bstream.h"
#include "cli.h"
#include "slate.h"
#include "testutil.h"
#include "timestamp.h"

#define MIN (60 * INT64_C(1000))
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

/* 2025-03-DD HH:MM UTC */
static int64_t T(int d, int h, int m)
{
    return civil_to_days(2025, 3, d) * DAY + h * HOUR + m * MIN;
}

static const char policy_src[] =
    "policy \"embed\" version \"1\"\n"
    "case { kind: enum { vip, std }  agent: string }\n"
    "clock resolution starts on opened stops on resolved\n"
    "ladder l {\n"
    "    at 25% of resolution     notify supervisor \"a quarter used\"\n"
    "    at breach of resolution  notify manager \"missed\"\n"
    "}\n"
    "sla vip when kind == vip { resolution within 4h ladder l }\n"
    "sla std { resolution within 8h ladder l }\n"
    "on opened when kind == vip { route vip_desk }\n"
    "on updated when agent == \"bob\" { set kind = vip }\n";

static slate_program *compile(const char *src)
{
    slate_program *p = bs_compile_text("embed.slate", src, strlen(src), NULL);
    assert_non_null(p);
    return p;
}

/* ---- events ------------------------------------------------------------------- */

/* An event of type `type` for case `id` at `at`, with up to two values: kind (an
 * enum value name, or NULL) and agent (or NULL).  The struct points into `vals`. */
static slate_event mkev(const slate_program *p, const char *type, const char *id, int64_t at,
                        const char *kind, const char *agent, slate_value vals[2])
{
    slate_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = slate_program_event_id(p, type);
    assert_true(ev.type >= 0);
    ev.case_id = id;
    ev.case_len = id ? strlen(id) : 0;
    ev.at = at;
    ev.values = vals;
    if (kind) {
        int f = slate_program_field_id(p, "kind");
        vals[ev.nvalues++] = (slate_value){f, slate_program_enum_value(p, f, kind), NULL, 0};
    }
    if (agent)
        vals[ev.nvalues++] =
            (slate_value){slate_program_field_id(p, "agent"), 0, agent, strlen(agent)};
    return ev;
}

/* ---- sinks ---------------------------------------------------------------------- */

typedef tu_transcript transcript;

/* ---- 1. a sink calling into its own engine --------------------------------------- */

typedef struct reenter {
    transcript tr;
    slate_engine *eng;
    const slate_program *prog, *other;
    int tries, refused;
} reenter;

/* Records every decision, and on each one tries every entry point of its own
 * engine: each must be refused and change nothing. */
static int reenter_sink(void *ud, const slate_decision *d)
{
    reenter *r = ud;
    tu_tr_add(&r->tr, d);
    slate_value v[2];
    slate_event ev = mkev(r->prog, "opened", "inner", d->at, "vip", "x", v);
    slate_engine *e = r->eng;
    uint64_t before = slate_engine_decisions(e);
    int64_t now = slate_engine_now(e);
    size_t open = slate_engine_open_cases(e);
    int rc[3] = {slate_engine_push(e, &ev, tu_record, &r->tr),
                 slate_engine_advance(e, d->at + 30 * DAY, tu_record, &r->tr),
                 slate_engine_swap(e, r->other, tu_record, &r->tr)};
    for (int i = 0; i < 3; i++) {
        r->tries++;
        r->refused += rc[i] == SLATE_MISUSE;
    }
    assert_non_null(strstr(slate_errmsg(e), "in progress"));
    slate_engine_free(e); /* refused too: the engine stays valid */
    assert_non_null(strstr(slate_errmsg(e), "slate_engine_free"));
    assert_int_equal(slate_engine_decisions(e), before);
    assert_true(slate_engine_now(e) == now);
    assert_int_equal(slate_engine_open_cases(e), open);
    return 0;
}

/* The story both runs push: a vip case routed at opening, an update that
 * re-selects (an `sla` decision from a rule), timers fired by an advance. */
static int story(const slate_program *p, slate_engine *e, slate_sink sink, void *ud)
{
    slate_value v[2];
    slate_event evs[] = {
        mkev(p, "opened", "c1", T(3, 10, 0), "vip", "ann", v),
    };
    int rc = slate_engine_push(e, &evs[0], sink, ud);
    if (rc) return rc;
    slate_event o2 = mkev(p, "opened", "c2", T(3, 10, 5), "std", "ann", v);
    if ((rc = slate_engine_push(e, &o2, sink, ud))) return rc;
    slate_event u = mkev(p, "updated", "c2", T(3, 11, 0), NULL, "bob", v);
    if ((rc = slate_engine_push(e, &u, sink, ud))) return rc;
    if ((rc = slate_engine_advance(e, T(3, 20, 0), sink, ud))) return rc;
    slate_event r1 = mkev(p, "resolved", "c1", T(3, 21, 0), NULL, NULL, v);
    return slate_engine_push(e, &r1, sink, ud);
}

static void test_sink_cannot_reenter(void **state)
{
    (void)state;
    slate_program *p = compile(policy_src);
    slate_program *q = compile(policy_src);

    transcript want = {0};
    slate_engine *e = slate_engine_new(p, NULL);
    assert_int_equal(story(p, e, tu_record, &want), SLATE_OK);
    slate_engine_free(e);

    reenter r = {{0}, NULL, p, q, 0, 0};
    r.eng = slate_engine_new(p, NULL);
    assert_int_equal(story(p, r.eng, reenter_sink, &r), SLATE_OK);
    assert_true(r.tries > 10);
    assert_int_equal(r.refused, r.tries);
    /* the outer calls' decisions are exactly those of the undisturbed run */
    assert_non_null(r.tr.text);
    assert_string_equal(r.tr.text, want.text);
    /* and the engine works normally once no call is in progress */
    slate_value v[2];
    slate_event ev = mkev(p, "opened", "later", T(3, 22, 0), "std", NULL, v);
    assert_int_equal(slate_engine_push(r.eng, &ev, NULL, NULL), SLATE_OK);
    assert_int_equal(slate_engine_swap(r.eng, q, NULL, NULL), SLATE_OK);
    slate_engine_free(r.eng);
    free(r.tr.text);
    free(want.text);
    slate_program_free(p);
    slate_program_free(q);
}

/* ---- 2. a step's fired record across programs ------------------------------------ */

#define REF_POLICY "policies/service-2025.slate"
#define STEP_25 "    at 25% of resolution          notify supervisor"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_non_null(s);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = 0;
    fclose(f);
    return s;
}

/* A = the reference policy; B = A without the complaint ladder's `at 25% of
 * resolution` step (its line removed, so every other line keeps its number). */
static void programs_ab(slate_program **a, slate_program **b)
{
    char *src = slurp(REF_POLICY);
    *a = compile(src);
    char *at = strstr(src, STEP_25);
    assert_non_null(at);
    char *eol = strchr(at, '\n');
    memset(at, ' ', (size_t)(eol - at));
    at[0] = '#';
    *b = compile(src);
    free(src);
}

typedef struct counts {
    int warn25, notify25;
    transcript tr;
} counts;

static int count_sink(void *ud, const slate_decision *d)
{
    counts *c = ud;
    tu_tr_add(&c->tr, d);
    if (d->action == SLATE_A_WARN && d->percent == 25) c->warn25++;
    if (d->action == SLATE_A_NOTIFY && strstr(d->message, "4 h average")) c->notify25++;
    return 0;
}

static void test_swap_away_and_back_keeps_fired_steps(void **state)
{
    (void)state;
    slate_program *a, *b;
    programs_ab(&a, &b);
    counts c = {0, 0, {0}};
    slate_engine *e = slate_engine_new(a, NULL);
    assert_non_null(e);
    /* Monday 2025-03-03 09:00 in Shanghai: 25% of a working day is due at 11:00
     * local, 03:00Z */
    int64_t t0 = civil_to_days(2025, 3, 3) * DAY + 1 * HOUR;
    int kind = slate_program_field_id(a, "kind"), standing = slate_program_field_id(a, "standing");
    slate_value v[2] = {{kind, slate_program_enum_value(a, kind, "complaint"), NULL, 0},
                        {standing, slate_program_enum_value(a, standing, "vip"), NULL, 0}};
    slate_event ev = {"vip-1", 5, slate_program_event_id(a, "opened"), t0, NULL, 0, v, 2, 1};
    assert_int_equal(slate_engine_push(e, &ev, count_sink, &c), SLATE_OK);
    assert_int_equal(slate_engine_advance(e, t0 + 2 * HOUR + 30 * MIN, count_sink, &c), SLATE_OK);
    assert_int_equal(c.warn25, 1);
    assert_int_equal(c.notify25, 1);

    /* deploy B and roll back at once, then deploy B, let time pass, roll back */
    assert_int_equal(slate_engine_swap(e, b, count_sink, &c), SLATE_OK);
    assert_int_equal(slate_engine_swap(e, a, count_sink, &c), SLATE_OK);
    assert_int_equal(slate_engine_swap(e, b, count_sink, &c), SLATE_OK);
    assert_int_equal(slate_engine_advance(e, t0 + 3 * HOUR, count_sink, &c), SLATE_OK);
    assert_int_equal(slate_engine_swap(e, a, count_sink, &c), SLATE_OK);
    assert_int_equal(slate_engine_advance(e, t0 + 4 * HOUR, count_sink, &c), SLATE_OK);
    if (c.warn25 != 1 || c.notify25 != 1)
        fail_msg("after A -> B -> A: %d warn 25%%, %d notify (want 1 and 1)", c.warn25,
                 c.notify25);

    /* a new run of the clock (reopened with a reset would do; here a new case)
     * still fires the step: the record is per run, not forever */
    slate_event ev2 = ev;
    ev2.case_id = "vip-2";
    ev2.at = t0 + 4 * HOUR;
    ev2.seq = 2;
    assert_int_equal(slate_engine_push(e, &ev2, count_sink, &c), SLATE_OK);
    assert_int_equal(slate_engine_advance(e, t0 + 8 * HOUR, count_sink, &c), SLATE_OK);
    assert_int_equal(c.warn25, 2);
    slate_engine_free(e);
    free(c.tr.text);
    slate_program_free(a);
    slate_program_free(b);
}

/* (case, clock, step) of every warn and breach, to find a step fired twice */
typedef struct steplog {
    transcript tr;
    char (*key)[96];
    size_t n, cap;
} steplog;

static int step_sink(void *ud, const slate_decision *d)
{
    steplog *s = ud;
    tu_tr_add(&s->tr, d);
    if (d->action != SLATE_A_WARN && d->action != SLATE_A_BREACH) return 0;
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 1024;
        s->key = realloc(s->key, sizeof *s->key * s->cap);
        assert_non_null(s->key);
    }
    snprintf(s->key[s->n++], sizeof *s->key, "%.*s %s %d %d %lld %lld", (int)d->case_len,
             d->case_id, d->clock, d->action, d->percent, (long long)d->before_ms,
             (long long)d->after_ms);
    return 0;
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Pairs that occur more often in `got` than in `want` (the run without swaps). */
static size_t extra_pairs(steplog *got, steplog *want)
{
    qsort(got->key, got->n, sizeof *got->key, cmp_key);
    qsort(want->key, want->n, sizeof *want->key, cmp_key);
    size_t i = 0, j = 0, extra = 0;
    while (i < got->n) {
        int c = j < want->n ? strcmp(got->key[i], want->key[j]) : -1;
        if (c == 0) i++, j++;
        else if (c < 0) extra++, i++;
        else j++;
    }
    return extra;
}

static void test_swap_round_trips_on_a_stream(void **state)
{
    (void)state;
    char path[] = "/tmp/slate-embed-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char *argv[] = {"gen", "--seed", "1", "--cases", "3000", "-o", path, NULL};
    assert_int_equal(cmd_gen(7, argv), 0);
    slate_program *a, *b;
    programs_ab(&a, &b);
    bs_stream s;
    assert_int_equal(bs_load_events(a, path, &s), 0);
    unlink(path);
    assert_true(s.n > 20000);

    steplog want = {0}, got = {0};
    slate_engine *ref = slate_engine_new(a, NULL), *e = slate_engine_new(a, NULL);
    for (size_t i = 0; i < s.n; i++) {
        assert_int_equal(slate_engine_push(ref, &s.ev[i], step_sink, &want), SLATE_OK);
        assert_int_equal(slate_engine_push(e, &s.ev[i], step_sink, &got), SLATE_OK);
        if ((i + 1) % 997 == 0) { /* deploy B, roll back to A */
            assert_int_equal(slate_engine_swap(e, b, step_sink, &got), SLATE_OK);
            assert_int_equal(slate_engine_swap(e, a, step_sink, &got), SLATE_OK);
        }
    }
    /* the round trips decide nothing at all: B's targets are A's, and A's fired
     * steps come back fired */
    assert_true(want.n > 1000);
    assert_true(got.tr.len > 0 && want.tr.len > 0);
    size_t twice = extra_pairs(&got, &want);
    if (twice) fail_msg("%zu (case, step) pairs decided again after a round trip", twice);
    assert_int_equal(got.tr.len, want.tr.len);
    assert_memory_equal(got.tr.text, want.tr.text, want.tr.len);
    slate_engine_free(ref);
    slate_engine_free(e);
    free(want.tr.text);
    free(got.tr.text);
    free(want.key);
    free(got.key);
    bs_free(&s);
    slate_program_free(a);
    slate_program_free(b);
}

/* ---- 4. instants the C API refuses ------------------------------------------------ */

static void test_instants_outside_0000_9999_are_refused(void **state)
{
    (void)state;
    slate_program *p = compile(policy_src);
    slate_engine *e = slate_engine_new(p, NULL);
    transcript tr = {0};
    slate_value v[2];
    /* a case opened at INT64_MIN + 1 and answered in 2025 once overflowed the
     * elapsed time (elapsed_s -9223370295286376); INT64_MIN itself was taken */
    int64_t bad[] = {INT64_MIN, INT64_MIN + 1, SLATE_AT_MIN - 1, SLATE_AT_MAX + 1, INT64_MAX};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        slate_event ev = mkev(p, "opened", "c1", bad[i], "vip", NULL, v);
        assert_int_equal(slate_engine_push(e, &ev, tu_record, &tr), SLATE_MISUSE);
        assert_non_null(strstr(slate_errmsg(e), "0000-9999"));
        slate_event tick = mkev(p, "tick", NULL, bad[i], NULL, NULL, v);
        assert_int_equal(slate_engine_push(e, &tick, tu_record, &tr), SLATE_MISUSE);
        assert_int_equal(slate_engine_advance(e, bad[i], tu_record, &tr), SLATE_MISUSE);
    }
    assert_null(tr.text);
    assert_int_equal(slate_engine_open_cases(e), 0);
    assert_true(slate_engine_now(e) == INT64_MIN);
    /* the edges themselves are instants like any other */
    slate_event first = mkev(p, "opened", "c1", SLATE_AT_MIN, "vip", NULL, v);
    assert_int_equal(slate_engine_push(e, &first, tu_record, &tr), SLATE_OK);
    slate_engine_free(e);
    e = slate_engine_new(p, &(slate_engine_opts){.size = sizeof(slate_engine_opts), .max_jump_ms = -1});
    assert_int_equal(slate_engine_push(e, &first, tu_record, &tr), SLATE_OK);
    slate_event done = mkev(p, "resolved", "c1", SLATE_AT_MAX, NULL, NULL, v);
    assert_int_equal(slate_engine_push(e, &done, tu_record, &tr), SLATE_OK);
    assert_non_null(strstr(tr.text, "\"action\":\"stop\""));
    assert_non_null(strstr(tr.text, "\"met\":false"));
    slate_engine_free(e);
    free(tr.text);
    slate_program_free(p);
}

static void test_forward_jump_limit(void **state)
{
    (void)state;
    slate_program *p = compile(policy_src);
    slate_value v[2];
    transcript tr = {0};
    slate_engine *e = slate_engine_new(p, NULL);
    slate_event o = mkev(p, "opened", "c1", T(3, 10, 0), "vip", NULL, v);
    assert_int_equal(slate_engine_push(e, &o, tu_record, &tr), SLATE_OK);
    uint64_t n = slate_engine_decisions(e);
    /* a tick, an event and an advance in year 9999 (or a day past the limit) are
     * refused with SLATE_ERROR: no decision, the time stays */
    int64_t far[] = {SLATE_AT_MAX, T(3, 10, 0) + SLATE_MAX_JUMP_DEFAULT_MS + 1};
    for (int i = 0; i < 2; i++) {
        slate_event tick = mkev(p, "tick", NULL, far[i], NULL, NULL, v);
        assert_int_equal(slate_engine_push(e, &tick, tu_record, &tr), SLATE_ERROR);
        assert_non_null(strstr(slate_errmsg(e), "(limit 30d): refused"));
        slate_event c2 = mkev(p, "opened", "c2", far[i], "std", NULL, v);
        assert_int_equal(slate_engine_push(e, &c2, tu_record, &tr), SLATE_ERROR);
        assert_int_equal(slate_engine_advance(e, far[i], tu_record, &tr), SLATE_ERROR);
        assert_true(slate_engine_now(e) == T(3, 10, 0));
        assert_int_equal(slate_engine_decisions(e), n);
        assert_int_equal(slate_engine_open_cases(e), 1);
    }
    /* exactly the limit is allowed, and the limit counts from the new time */
    assert_int_equal(slate_engine_advance(e, T(3, 10, 0) + SLATE_MAX_JUMP_DEFAULT_MS, tu_record,
                                          &tr),
                     SLATE_OK);
    assert_true(slate_engine_decisions(e) > n); /* the ladder fired */
    assert_int_equal(slate_engine_advance(e, T(3, 10, 0) + 2 * SLATE_MAX_JUMP_DEFAULT_MS,
                                          tu_record, &tr),
                     SLATE_OK);
    slate_engine_free(e);

    /* configurable: an hour; or none at all */
    e = slate_engine_new(p, &(slate_engine_opts){.size = sizeof(slate_engine_opts), .max_jump_ms = HOUR});
    assert_int_equal(slate_engine_push(e, &o, tu_record, &tr), SLATE_OK);
    assert_int_equal(slate_engine_advance(e, T(3, 11, 0), tu_record, &tr), SLATE_OK);
    assert_int_equal(slate_engine_advance(e, T(3, 12, 1), tu_record, &tr), SLATE_ERROR);
    assert_non_null(strstr(slate_errmsg(e), "(limit 1h): refused"));
    slate_engine_free(e);
    e = slate_engine_new(p, &(slate_engine_opts){.size = sizeof(slate_engine_opts), .max_jump_ms = -1});
    assert_int_equal(slate_engine_push(e, &o, tu_record, &tr), SLATE_OK);
    assert_int_equal(slate_engine_advance(e, SLATE_AT_MAX, tu_record, &tr), SLATE_OK);
    assert_true(slate_engine_now(e) == SLATE_AT_MAX);
    slate_engine_free(e);
    free(tr.text);
    slate_program_free(p);
}

/* ---- 5. memory that comes back ----------------------------------------------------- */

/* An allocator that knows how many bytes are live (a size header on each block). */
typedef struct meter {
    size_t live, peak;
} meter;

static void *meter_realloc(void *ud, void *p, size_t n)
{
    meter *m = ud;
    unsigned char *h = p ? (unsigned char *)p - 16 : NULL;
    size_t old = 0;
    if (h) memcpy(&old, h, sizeof old);
    if (n == 0) {
        free(h);
        m->live -= old;
        return NULL;
    }
    unsigned char *q = realloc(h, n + 16);
    if (!q) return NULL;
    memcpy(q, &n, sizeof n);
    m->live = m->live - old + n;
    if (m->live > m->peak) m->peak = m->live;
    return q + 16;
}

static void test_strings_no_case_holds_are_freed(void **state)
{
    (void)state;
    slate_program *p = compile(policy_src);
    meter m = {0, 0};
    slate_allocator al = {meter_realloc, &m};
    slate_engine *e = slate_engine_new(p, &(slate_engine_opts){.size = sizeof(slate_engine_opts), .allocator = &al});
    slate_value v[2];
    char id[32], agent[32];
    int64_t t = T(3, 10, 0);
    for (int i = 0; i < 1000; i++) {
        snprintf(id, sizeof id, "case-%d", i);
        slate_event ev = mkev(p, "opened", id, t, "std", "nobody", v);
        assert_int_equal(slate_engine_push(e, &ev, NULL, NULL), SLATE_OK);
    }
    size_t base = m.live;
    m.peak = base;
    /* a million distinct agents, each held by its case until the next update */
    for (int i = 0; i < 1000000; i++) {
        snprintf(id, sizeof id, "case-%d", i % 1000);
        snprintf(agent, sizeof agent, "agent-%d", i);
        slate_event ev = mkev(p, "updated", id, t + i / 100, NULL, agent, v);
        assert_int_equal(slate_engine_push(e, &ev, NULL, NULL), SLATE_OK);
    }
    assert_int_equal(slate_engine_memory_used(e), m.live); /* it knows what it holds */
    /* once 44 MB; now the interner holds about what the cases hold */
    if (m.peak - base > 1024 * 1024 || m.live > base + 512 * 1024)
        fail_msg("live %zu bytes, peak %zu, after opening %zu", m.live, m.peak, base);
    /* and the strings still in use are intact: the last agent of each case */
    int agent_f = slate_program_field_id(p, "agent");
    for (int c = 0; c < 1000; c += 111) {
        snprintf(id, sizeof id, "case-%d", c);
        snprintf(agent, sizeof agent, "agent-%d", 999000 + c);
        slate_event ev = mkev(p, "updated", id, t + 10000, NULL, agent, v);
        assert_int_equal(ev.values[0].field, agent_f);
        size_t before = m.live;
        assert_int_equal(slate_engine_push(e, &ev, NULL, NULL), SLATE_OK);
        assert_int_equal(m.live, before); /* seen: the case already holds it */
    }
    slate_engine_free(e);
    assert_int_equal(m.live, 0);
    slate_program_free(p);
}

/* Decisions about the cases named keep-*, as JSON without `seq`. */
static int keep_sink(void *ud, const slate_decision *d)
{
    if (!d->case_id || d->case_len < 5 || memcmp(d->case_id, "keep-", 5) != 0) return 0;
    transcript one = {0};
    tu_tr_add(&one, d);
    transcript *t = ud;
    const char *rest = strchr(one.text, ',');
    size_t n = strlen(rest);
    t->text = realloc(t->text, t->len + n + 1);
    memcpy(t->text + t->len, rest, n + 1);
    t->len += n;
    free(one.text);
    return 0;
}

static void test_case_store_shrinks_after_its_peak(void **state)
{
    (void)state;
    slate_program *p = compile(policy_src);
    meter m = {0, 0};
    slate_allocator al = {meter_realloc, &m};
    slate_engine *e = slate_engine_new(p, &(slate_engine_opts){.size = sizeof(slate_engine_opts), .allocator = &al});
    slate_engine *ref = slate_engine_new(p, NULL);
    transcript got = {0}, want = {0};
    size_t base = m.live;
    slate_value v[2];
    char id[64];
    /* 100,000 cases with long ids, ten of them kept open throughout; the others
     * are closed again */
    int64_t t = T(3, 10, 0);
    for (int i = 0; i < 100000; i++) {
        if (i % 10000 == 5000)
            snprintf(id, sizeof id, "keep-%d", i / 10000);
        else
            snprintf(id, sizeof id, "a-case-with-a-long-id-%08d", i);
        slate_event ev = mkev(p, "opened", id, t + i, i % 2 ? "std" : "vip", NULL, v);
        assert_int_equal(slate_engine_push(e, &ev, keep_sink, &got), SLATE_OK);
        if (id[0] == 'k') assert_int_equal(slate_engine_push(ref, &ev, keep_sink, &want), SLATE_OK);
    }
    size_t peak = m.live;
    for (int i = 0; i < 100000; i++) {
        if (i % 10000 == 5000) continue;
        snprintf(id, sizeof id, "a-case-with-a-long-id-%08d", i);
        slate_event ev = mkev(p, "closed", id, t + 100000 + i, NULL, NULL, v);
        assert_int_equal(slate_engine_push(e, &ev, keep_sink, &got), SLATE_OK);
    }
    assert_int_equal(slate_engine_open_cases(e), 10);
    assert_int_equal(slate_engine_memory_used(e), m.live);
    if (peak < base + 8 * 1024 * 1024 || m.live > base + 512 * 1024)
        fail_msg("live %zu bytes with 10 open cases; %zu at the peak, %zu at the start", m.live,
                 peak, base);
    /* the ten cases kept (moved to other slots on the way) decide what they
     * decide in an engine that never had the others: their ladders fire, they
     * close */
    assert_int_equal(slate_engine_advance(e, T(3, 20, 0), keep_sink, &got), SLATE_OK);
    assert_int_equal(slate_engine_advance(ref, T(3, 20, 0), keep_sink, &want), SLATE_OK);
    for (int k = 0; k < 10; k++) {
        snprintf(id, sizeof id, "keep-%d", k);
        slate_event ev = mkev(p, "resolved", id, T(3, 21, k), NULL, NULL, v);
        assert_int_equal(slate_engine_push(e, &ev, keep_sink, &got), SLATE_OK);
        assert_int_equal(slate_engine_push(ref, &ev, keep_sink, &want), SLATE_OK);
    }
    assert_non_null(want.text);
    assert_non_null(strstr(want.text, "\"action\":\"warn\""));
    assert_string_equal(got.text, want.text);
    slate_engine_free(e);
    slate_engine_free(ref);
    assert_int_equal(m.live, 0);
    free(got.text);
    free(want.text);
    slate_program_free(p);
}

/* Fails every `every`-th allocation (after `after` calls) and counts live bytes. */
typedef struct flaky {
    meter m;
    long calls, after, every;
} flaky;

static void *flaky_realloc(void *ud, void *p, size_t n)
{
    flaky *f = ud;
    if (n && ++f->calls > f->after && f->calls % f->every == 0) return NULL;
    return meter_realloc(&f->m, p, n);
}

/* Push, retrying while memory runs out (SLATE_NOMEM leaves the engine as it was). */
static void push_retry(slate_engine *e, const slate_event *ev, transcript *tr)
{
    int rc, tries = 0;
    while ((rc = slate_engine_push(e, ev, tu_record, tr)) == SLATE_NOMEM) assert_true(++tries < 50);
    assert_int_equal(rc, SLATE_OK);
}

/* Sweeps and shrinks that cannot allocate leave memory as it was and decide
 * nothing differently: the same stream through an allocator that fails every
 * 2nd (3rd, 5th, 9th, 13th) call decides what it decides through the C library's. */
static void test_giving_back_under_failing_allocations(void **state)
{
    (void)state;
    slate_program *p = compile(policy_src);
    static const long everies[] = {2, 3, 5, 9, 13};
    for (size_t k = 0; k < sizeof everies / sizeof *everies; k++) {
        long every = everies[k];
        flaky f = {{0, 0}, 0, LONG_MAX, every};
        slate_allocator al = {flaky_realloc, &f};
        slate_engine *e = slate_engine_new(p, &(slate_engine_opts){.size = sizeof(slate_engine_opts), .allocator = &al});
        assert_non_null(e);
        f.after = 0; /* from here on every `every`-th allocation fails */
        slate_engine *ref = slate_engine_new(p, NULL);
        transcript got = {0}, want = {0};
        slate_value v[2];
        char id[64], agent[32];
        int64_t t = T(3, 10, 0);
        for (int i = 0; i < 30000; i++) {
            int c = i < 4000 ? i : (i * 7919) % 4000;
            snprintf(id, sizeof id, "case-with-a-long-enough-id-%05d", c);
            snprintf(agent, sizeof agent, "agent-%d", i);
            const char *type = i < 4000 ? "opened" : i % 3 ? "updated" : "closed";
            slate_event ev = mkev(p, type, id, t + i * 1000, i % 2 ? "std" : "vip",
                                  type[0] == 'c' ? NULL : agent, v);
            if (type[0] == 'c') ev.nvalues = 0;
            push_retry(ref, &ev, &want);
            push_retry(e, &ev, &got);
        }
        assert_true(want.len > 100000);
        assert_int_equal(got.len, want.len);
        assert_memory_equal(got.text, want.text, want.len);
        slate_engine_free(e);
        slate_engine_free(ref);
        assert_int_equal(f.m.live, 0);
        free(got.text);
        free(want.text);
    }
    slate_program_free(p);
}

/* ---- the API a server needs ---------------------------------------------------------- */

typedef struct trim_try {
    slate_engine *e;
    int rc;
} trim_try;

static int trim_sink(void *ud, const slate_decision *d)
{
    (void)d;
    trim_try *t = ud;
    t->rc = slate_engine_trim(t->e);
    return 0;
}

static void test_server_queries(void **state)
{
    (void)state;
    slate_program *p = compile(policy_src), *q = compile(policy_src);
    assert_string_equal(slate_program_hash(p), slate_program_hash(q));
    meter m = {0, 0};
    slate_allocator al = {meter_realloc, &m};
    slate_engine *e = slate_engine_new(p, &(slate_engine_opts){.size = sizeof(slate_engine_opts), .allocator = &al});
    assert_ptr_equal(slate_engine_program(e), p);
    assert_true(slate_engine_next_due(e) == INT64_MAX);
    assert_int_equal(slate_engine_pending_timers(e), 0);
    assert_int_equal(slate_engine_memory_used(e), m.live);

    /* a vip case opened at 10:00: 25% of 4h is due at 11:00, the breach at 14:00 */
    slate_value v[2];
    slate_event o = mkev(p, "opened", "c1", T(3, 10, 0), "vip", "ann", v);
    assert_int_equal(slate_engine_push(e, &o, NULL, NULL), SLATE_OK);
    assert_true(slate_engine_next_due(e) == T(3, 11, 0));
    assert_int_equal(slate_engine_pending_timers(e), 1);
    transcript tr = {0};
    assert_int_equal(slate_engine_advance(e, T(3, 10, 59), tu_record, &tr), SLATE_OK);
    assert_null(tr.text); /* nothing before it */
    assert_int_equal(slate_engine_advance(e, slate_engine_next_due(e), tu_record, &tr),
                     SLATE_OK);
    assert_non_null(strstr(tr.text, "\"percent\":25"));
    assert_true(slate_engine_next_due(e) == T(3, 14, 0));
    slate_event r = mkev(p, "resolved", "c1", T(3, 12, 0), NULL, NULL, v);
    assert_int_equal(slate_engine_push(e, &r, NULL, NULL), SLATE_OK);
    assert_true(slate_engine_next_due(e) == INT64_MAX);
    assert_int_equal(slate_engine_pending_timers(e), 0);

    /* after a swap the engine names the new program */
    assert_int_equal(slate_engine_swap(e, q, NULL, NULL), SLATE_OK);
    assert_ptr_equal(slate_engine_program(e), q);

    /* trim gives back at once what the sweep would give back later */
    char id[32], agent[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(id, sizeof id, "case-%d", i % 10);
        snprintf(agent, sizeof agent, "agent-number-%d", i);
        slate_event ev = mkev(q, i < 10 ? "opened" : "updated", id, T(3, 13, 0), "std", agent, v);
        assert_int_equal(slate_engine_push(e, &ev, NULL, NULL), SLATE_OK);
    }
    size_t before = slate_engine_memory_used(e);
    assert_int_equal(slate_engine_trim(e), SLATE_OK);
    assert_int_equal(slate_engine_memory_used(e), m.live);
    assert_true(slate_engine_memory_used(e) + 32 * 1024 < before);
    /* the strings still held are intact */
    slate_event u = mkev(q, "updated", "case-9", T(3, 13, 1), NULL, "bob", v);
    tr.len = 0;
    assert_int_equal(slate_engine_push(e, &u, tu_record, &tr), SLATE_OK);
    assert_non_null(strstr(tr.text, "\"tier\":\"vip\"")); /* agent == "bob": set kind = vip */
    /* not from a sink */
    trim_try t = {e, -1};
    slate_event c = mkev(q, "opened", "late", T(3, 13, 2), "vip", NULL, v);
    assert_int_equal(slate_engine_push(e, &c, trim_sink, &t), SLATE_OK);
    assert_int_equal(t.rc, SLATE_MISUSE);
    slate_engine_free(e);
    assert_int_equal(m.live, 0);
    free(tr.text);
    slate_program_free(p);
    slate_program_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sink_cannot_reenter),
        cmocka_unit_test(test_swap_away_and_back_keeps_fired_steps),
        cmocka_unit_test(test_swap_round_trips_on_a_stream),
        cmocka_unit_test(test_instants_outside_0000_9999_are_refused),
        cmocka_unit_test(test_forward_jump_limit),
        cmocka_unit_test(test_strings_no_case_holds_are_freed),
        cmocka_unit_test(test_case_store_shrinks_after_its_peak),
        cmocka_unit_test(test_giving_back_under_failing_allocations),
        cmocka_unit_test(test_server_queries),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
