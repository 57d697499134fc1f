/*
 * test_embed_api.c - the API a server needs beyond push and swap (issue 17):
 * the version string, option structs that carry their size, programs loaded
 * through the caller's allocator, slate_engine_reject, and looking inside cases
 * (slate_engine_case, slate_engine_at_risk, the latter checked against a list
 * built from the former on a random stream).
 *
 * Only the public headers (slate.h, slatec.h to compile the policy) are used, as
 * an embedder uses them.  Not here: the re-entrancy guard, swaps and memory
 * (test_embed.c), the engine's semantics (test_engine.c, test_scenarios.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slate.h"
#include "slatec.h"

#define MIN (60 * INT64_C(1000))
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)
#define T0 INT64_C(1741600800000) /* 2025-03-10T10:00:00Z, a Monday */

static const char policy_src[] =
    "policy \"inspect\" version \"1\"\n"
    "case { kind: enum { vip, std }  agent: string }\n"
    "levels { agent, supervisor }\n"
    "clock response starts on opened stops on responded\n"
    "clock resolution starts on opened stops on resolved pauses on paused resumes on resumed\n"
    "ladder l {\n"
    "    at 50% of resolution     notify supervisor \"half\"\n"
    "    at breach of resolution  escalate to supervisor\n"
    "}\n"
    "sla vip when kind == vip { response within 1h  resolution within 4h  ladder l }\n"
    "sla std { response within 2h  resolution within 8h  ladder l }\n"
    "on opened when kind == vip { route vip_desk }\n";

static slate_program *compile(uint8_t **image, size_t *len)
{
    slatec_opts o = SLATEC_OPTS_INIT;
    slate_program *p = NULL;
    assert_int_equal(slatec_compile(&o, "inspect.slate", policy_src, strlen(policy_src), &p, image,
                                    len),
                     SLATE_OK);
    return p;
}

/* An event of `type` for case `id`; `kind` (vip/std) when not NULL. */
static slate_event mkev(const slate_program *p, const char *type, const char *id, int64_t at,
                        const char *kind, slate_value *v, uint64_t seq)
{
    slate_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = slate_program_event_id(p, type);
    assert_true(ev.type >= 0);
    ev.case_id = id;
    ev.case_len = id ? strlen(id) : 0;
    ev.at = at;
    ev.seq = seq;
    if (kind) {
        int f = slate_program_field_id(p, "kind");
        *v = (slate_value){f, slate_program_enum_value(p, f, kind), NULL, 0};
        ev.values = v;
        ev.nvalues = 1;
    }
    return ev;
}

static int push(slate_engine *e, const slate_program *p, const char *type, const char *id,
                int64_t at, const char *kind)
{
    slate_value v;
    slate_event ev = mkev(p, type, id, at, kind, &v, 1);
    return slate_engine_push(e, &ev, NULL, NULL);
}

/* ---- version ---------------------------------------------------------------------- */

static void test_version_string(void **state)
{
    (void)state;
    assert_string_equal(slate_libversion(), SLATE_VERSION);
    char want[32];
    int n = slate_libversion_number();
    snprintf(want, sizeof want, "%d.%d.%d", n / 1000000, n / 1000 % 1000, n % 1000);
    assert_string_equal(slate_libversion(), want);
}

/* ---- option structs that carry their size ----------------------------------------- */

/* Whether the engine took max_jump_ms = -1 (no limit): a jump of a year is
 * accepted only then. */
static int no_jump_limit(slate_engine *e, const slate_program *p)
{
    assert_int_equal(push(e, p, "opened", "a", T0, "std"), SLATE_OK);
    return push(e, p, "opened", "b", T0 + 365 * DAY, "std") == SLATE_OK;
}

static void test_engine_opts_size(void **state)
{
    (void)state;
    slate_program *p = compile(NULL, NULL);
    /* size 0: an initialiser that names members, as before `size` existed */
    slate_engine *e = slate_engine_new(p, &(slate_engine_opts){.max_jump_ms = -1});
    assert_non_null(e);
    assert_true(no_jump_limit(e, p));
    slate_engine_free(e);
    /* the initialiser's defaults: the 30-day limit */
    slate_engine_opts o = SLATE_ENGINE_OPTS_INIT;
    assert_int_equal(o.size, sizeof o);
    e = slate_engine_new(p, &o);
    assert_non_null(e);
    assert_false(no_jump_limit(e, p));
    slate_engine_free(e);
    o.max_jump_ms = -1;
    e = slate_engine_new(p, &o);
    assert_true(no_jump_limit(e, p));
    slate_engine_free(e);

    /* a newer caller's larger struct: fine while what we do not know is 0 */
    struct {
        slate_engine_opts o;
        int64_t newer[3];
    } big;
    memset(&big, 0, sizeof big);
    big.o.size = sizeof big;
    big.o.max_jump_ms = -1;
    e = slate_engine_new(p, &big.o);
    assert_non_null(e);
    assert_true(no_jump_limit(e, p));
    slate_engine_free(e);
    big.newer[2] = 1; /* a member this library does not know, not at its default */
    assert_null(slate_engine_new(p, &big.o));
    /* sizes no version had */
    o.size = sizeof(size_t);
    assert_null(slate_engine_new(p, &o));
    o.size = sizeof o - 1;
    assert_null(slate_engine_new(p, &o));
    o.size = (size_t)1 << 40;
    assert_null(slate_engine_new(p, &o));
    slate_program_free(p);
}

/* ---- programs through the caller's allocator -------------------------------------- */

typedef struct meter {
    size_t live, calls, fail_at; /* fail the fail_at-th allocation (0: never) */
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
    if (++m->calls == m->fail_at) return NULL;
    unsigned char *q = realloc(h, n + 16);
    if (!q) return NULL;
    memcpy(q, &n, sizeof n);
    m->live = m->live - old + n;
    return q + 16;
}

static void test_program_through_allocator(void **state)
{
    (void)state;
    uint8_t *img = NULL;
    size_t len = 0;
    slate_program *ref = compile(&img, &len);

    meter m = {0, 0, 0};
    slate_allocator al = {meter_realloc, &m};
    slate_program_opts po = SLATE_PROGRAM_OPTS_INIT;
    po.allocator = &al;
    slate_program *p = NULL;
    char *err = NULL;
    assert_int_equal(slate_program_load_opts(img, len, &po, &p, &err), SLATE_OK);
    assert_null(err);
    /* the program and the verifier's scratch came from the allocator */
    size_t calls = m.calls;
    assert_true(calls >= 3);
    assert_true(m.live >= len);
    assert_string_equal(slate_program_hash(p), slate_program_hash(ref));
    slate_engine *e = slate_engine_new(p, NULL);
    assert_int_equal(push(e, p, "opened", "c1", T0, "vip"), SLATE_OK);
    slate_engine_free(e);
    slate_program_free(p);
    assert_int_equal(m.live, 0);

    /* a refused image: the message comes from the allocator too */
    img[len - 1] ^= 1;
    assert_int_equal(slate_program_load_opts(img, len, &po, &p, &err), SLATE_ERROR);
    assert_null(p);
    assert_non_null(err);
    assert_non_null(strstr(err, "hash"));
    assert_true(m.live > 0);
    al.realloc(al.ud, err, 0);
    assert_int_equal(m.live, 0);
    img[len - 1] ^= 1;

    /* every allocation failing in turn: SLATE_NOMEM, nothing kept */
    for (size_t k = 1; k <= calls; k++) {
        m = (meter){0, 0, k};
        p = NULL;
        err = NULL;
        assert_int_equal(slate_program_load_opts(img, len, &po, &p, &err), SLATE_NOMEM);
        assert_null(p);
        if (err) {
            assert_non_null(strstr(err, "out of memory"));
            al.realloc(al.ud, err, 0);
        }
        assert_int_equal(m.live, 0);
    }

    /* size 0 is the first layout; an unknown size is misuse, with no message */
    slate_program_opts zero = {.allocator = &al};
    m = (meter){0, 0, 0};
    assert_int_equal(slate_program_load_opts(img, len, &zero, &p, &err), SLATE_OK);
    assert_true(m.calls > 0);
    slate_program_free(p);
    assert_int_equal(m.live, 0);
    po.size = 3;
    err = (char *)"unchanged";
    assert_int_equal(slate_program_load_opts(img, len, &po, &p, &err), SLATE_MISUSE);
    assert_null(err);
    assert_null(p);
    /* the old entry point: malloc, slate_free */
    img[0] ^= 1;
    assert_int_equal(slate_program_load(img, len, &p, &err), SLATE_ERROR);
    assert_non_null(err);
    slate_free(err);
    img[0] ^= 1;
    assert_int_equal(slate_program_load_opts(img, len, NULL, &p, NULL), SLATE_OK);
    slate_program_free(p);
    free(img);
    slate_program_free(ref);
}

/* ---- slate_engine_reject ---------------------------------------------------------- */

typedef struct seen {
    slate_decision last;
    char json[1024];
    int n;
} seen;

static int keep_sink(void *ud, const slate_decision *d)
{
    seen *s = ud;
    s->last = *d;
    slate_decision_json(d, s->json, sizeof s->json);
    s->n++;
    return 0;
}

static void test_reject(void **state)
{
    (void)state;
    slate_program *p = compile(NULL, NULL);
    slate_engine *e = slate_engine_new(p, NULL);
    seen s = {0};
    slate_event bad = {0};
    bad.type = -1;
    bad.seq = 7;
    bad.at = INT64_MIN;
    /* no time yet and none given: 1970 */
    assert_int_equal(slate_engine_reject(e, &bad, "line 7: not JSON", keep_sink, &s), SLATE_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.last.action, SLATE_A_REJECT);
    assert_int_equal(s.last.seq, 1);
    assert_int_equal(s.last.at, 0);
    assert_int_equal(s.last.event_seq, 7);
    assert_null(s.last.case_id);
    assert_int_equal(s.last.rule_line, 0);
    assert_non_null(strstr(s.json, "\"action\":\"reject\""));
    assert_non_null(strstr(s.json, "line 7: not JSON"));
    assert_int_equal(slate_engine_now(e), INT64_MIN); /* time did not move */
    /* no time yet: the event's own */
    bad.at = T0;
    bad.case_id = "c9";
    bad.case_len = 2;
    bad.id = "ev-8";
    bad.id_len = 4;
    bad.seq = 8;
    assert_int_equal(slate_engine_reject(e, &bad, "bad field", keep_sink, &s), SLATE_OK);
    assert_int_equal(s.last.seq, 2);
    assert_int_equal(s.last.at, T0);
    assert_int_equal(s.last.case_len, 2);
    assert_memory_equal(s.last.case_id, "c9", 2);
    assert_non_null(strstr(s.json, "\"id\":\"ev-8\""));
    assert_int_equal(slate_engine_now(e), INT64_MIN);

    /* with a watermark: dated at it, numbered in the engine's sequence, and no
     * timer fires though one is long due */
    assert_int_equal(push(e, p, "opened", "c1", T0, "vip"), SLATE_OK);
    uint64_t before = slate_engine_decisions(e);
    int64_t due = slate_engine_next_due(e);
    assert_true(due > T0 && due < T0 + 4 * HOUR);
    bad.at = T0 + DAY;
    s.n = 0;
    assert_int_equal(slate_engine_reject(e, &bad, "unknown event type", keep_sink, &s), SLATE_OK);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.last.at, T0);
    assert_int_equal(s.last.seq, before + 1);
    assert_int_equal(slate_engine_decisions(e), before + 1);
    assert_int_equal(slate_engine_now(e), T0);
    assert_int_equal(slate_engine_next_due(e), due);
    /* no sink: decided and counted all the same */
    assert_int_equal(slate_engine_reject(e, &bad, "x", NULL, NULL), SLATE_OK);

    /* misuse */
    assert_int_equal(slate_engine_reject(NULL, &bad, "x", NULL, NULL), SLATE_MISUSE);
    assert_int_equal(slate_engine_reject(e, NULL, "x", NULL, NULL), SLATE_MISUSE);
    assert_int_equal(slate_engine_reject(e, &bad, NULL, NULL, NULL), SLATE_MISUSE);
    slate_value v = {0, 0, NULL, 0};
    bad.values = &v;
    bad.nvalues = 1;
    assert_int_equal(slate_engine_reject(e, &bad, "x", NULL, NULL), SLATE_MISUSE);
    bad.nvalues = 0;
    bad.at = SLATE_AT_MAX + 1;
    assert_int_equal(slate_engine_reject(e, &bad, "x", NULL, NULL), SLATE_MISUSE);
    assert_non_null(strstr(slate_errmsg(e), "0000-9999"));
    assert_int_equal(slate_engine_decisions(e), before + 2);
    slate_engine_free(e);
    slate_program_free(p);
}

static int stop_sink(void *ud, const slate_decision *d)
{
    (void)ud;
    (void)d;
    return 1;
}

static void test_reject_sink_stops(void **state)
{
    (void)state;
    slate_program *p = compile(NULL, NULL);
    slate_engine *e = slate_engine_new(p, NULL);
    slate_event bad = {.type = -1, .at = T0, .seq = 1};
    assert_int_equal(slate_engine_reject(e, &bad, "x", stop_sink, NULL), SLATE_SINK);
    assert_int_equal(slate_engine_decisions(e), 1);
    slate_engine_free(e);
    slate_program_free(p);
}

/* ---- one case ------------------------------------------------------------------------ */

static void test_case_info(void **state)
{
    (void)state;
    slate_program *p = compile(NULL, NULL);
    slate_engine *e = slate_engine_new(p, NULL);
    int resp = slate_program_clock_id(p, "response"), reso = slate_program_clock_id(p, "resolution");
    int nclocks = slate_program_clock_count(p);
    assert_true(resp >= 0 && reso >= 0 && nclocks >= 2);
    slate_case_info info;
    slate_clock_info ck[8];
    assert_true(nclocks <= 8);

    assert_int_equal(slate_engine_case(e, "c1", 2, &info, ck, 8), SLATE_ERROR);
    assert_int_equal(info.nclocks, (size_t)nclocks);
    assert_int_equal(info.tier, -1);

    assert_int_equal(push(e, p, "opened", "c1", T0, "vip"), SLATE_OK);
    assert_int_equal(slate_engine_advance(e, T0 + 30 * MIN, NULL, NULL), SLATE_OK);
    assert_int_equal(slate_engine_case(e, "c1", 2, &info, ck, 8), SLATE_OK);
    assert_string_equal(info.tier_name, "vip");
    assert_int_equal(info.tier, slate_program_tier_id(p, "vip"));
    assert_int_equal(info.level, 0);
    assert_string_equal(info.level_name, "agent");
    assert_int_equal(ck[resp].clock, resp);
    assert_int_equal(ck[resp].state, SLATE_CLOCK_RUNNING);
    assert_int_equal(ck[resp].elapsed_ms, 30 * MIN);
    assert_int_equal(ck[resp].target_ms, HOUR);
    assert_int_equal(ck[resp].deadline, T0 + HOUR);
    assert_int_equal(ck[resp].breached, 0);
    assert_int_equal(ck[reso].deadline, T0 + 4 * HOUR);

    /* responded: stopped, met */
    assert_int_equal(push(e, p, "responded", "c1", T0 + 40 * MIN, NULL), SLATE_OK);
    assert_int_equal(push(e, p, "paused", "c1", T0 + HOUR, NULL), SLATE_OK);
    assert_int_equal(slate_engine_advance(e, T0 + 10 * HOUR, NULL, NULL), SLATE_OK);
    assert_int_equal(slate_engine_case(e, "c1", 2, &info, ck, 8), SLATE_OK);
    assert_int_equal(ck[resp].state, SLATE_CLOCK_STOPPED);
    assert_int_equal(ck[resp].elapsed_ms, 40 * MIN);
    assert_int_equal(ck[resp].deadline, INT64_MIN);
    assert_int_equal(ck[reso].state, SLATE_CLOCK_PAUSED);
    assert_int_equal(ck[reso].elapsed_ms, HOUR);
    assert_int_equal(ck[reso].deadline, INT64_MIN);
    /* resumed: breached after three more hours, and escalated by the ladder */
    assert_int_equal(push(e, p, "resumed", "c1", T0 + 10 * HOUR, NULL), SLATE_OK);
    assert_int_equal(slate_engine_case(e, "c1", 2, &info, ck, 8), SLATE_OK);
    assert_int_equal(ck[reso].deadline, T0 + 13 * HOUR);
    assert_int_equal(slate_engine_advance(e, T0 + 14 * HOUR, NULL, NULL), SLATE_OK);
    assert_int_equal(slate_engine_case(e, "c1", 2, &info, ck, 8), SLATE_OK);
    assert_int_equal(ck[reso].state, SLATE_CLOCK_RUNNING);
    assert_int_equal(ck[reso].elapsed_ms, 5 * HOUR);
    assert_int_equal(ck[reso].breached, 1);
    assert_int_equal(ck[reso].deadline, INT64_MIN);
    assert_string_equal(info.level_name, "supervisor");
    assert_int_equal(info.level, 1);

    /* a std case: its own tier; only the first n clocks are written */
    assert_int_equal(push(e, p, "opened", "c2", T0 + 14 * HOUR, "std"), SLATE_OK);
    memset(ck, 0x5a, sizeof ck);
    assert_int_equal(slate_engine_case(e, "c2", 2, &info, ck, 1), SLATE_OK);
    assert_string_equal(info.tier_name, "std");
    assert_int_equal(ck[0].clock, 0);
    assert_int_equal(ck[1].clock, 0x5a5a5a5a);
    assert_int_equal(slate_engine_case(e, "c2", 2, &info, NULL, 0), SLATE_OK);
    assert_int_equal(info.nclocks, (size_t)nclocks);
    /* misuse and unknown cases */
    assert_int_equal(slate_engine_case(NULL, "c2", 2, &info, NULL, 0), SLATE_MISUSE);
    assert_int_equal(slate_engine_case(e, "c2", 2, NULL, NULL, 0), SLATE_MISUSE);
    assert_int_equal(slate_engine_case(e, NULL, 2, &info, NULL, 0), SLATE_MISUSE);
    assert_int_equal(slate_engine_case(e, "c2", 2, &info, NULL, 3), SLATE_MISUSE);
    assert_int_equal(slate_engine_case(e, "", 0, &info, NULL, 0), SLATE_ERROR);
    assert_int_equal(slate_engine_case(e, "c3", 2, &info, NULL, 0), SLATE_ERROR);
    /* closed: gone */
    assert_int_equal(push(e, p, "closed", "c2", T0 + 15 * HOUR, NULL), SLATE_OK);
    assert_int_equal(slate_engine_case(e, "c2", 2, &info, NULL, 0), SLATE_ERROR);
    slate_engine_free(e);
    slate_program_free(p);
}

/* A sink that looks at its own engine's case as each decision arrives, and
 * tries to reject from inside. */
typedef struct peek {
    slate_engine *e;
    int looked, refused, risky;
    char tier[16];
} peek;

static int peek_sink(void *ud, const slate_decision *d)
{
    peek *k = ud;
    if (!d->case_id) return 0;
    slate_case_info info;
    slate_clock_info ck[8];
    if (slate_engine_case(k->e, d->case_id, d->case_len, &info, ck, 8) == SLATE_OK) {
        k->looked++;
        if (info.tier_name) snprintf(k->tier, sizeof k->tier, "%s", info.tier_name);
    }
    size_t found = 0;
    slate_risk r[4];
    if (slate_engine_at_risk(k->e, 0, r, 4, &found) == SLATE_OK && found) k->risky++;
    slate_event ev = {.type = -1, .at = INT64_MIN, .seq = 99};
    if (slate_engine_reject(k->e, &ev, "from the sink", NULL, NULL) == SLATE_MISUSE) k->refused++;
    return 0;
}

static void test_inspect_from_a_sink(void **state)
{
    (void)state;
    slate_program *p = compile(NULL, NULL);
    peek k = {slate_engine_new(p, NULL), 0, 0, 0, ""};
    slate_value v;
    slate_event ev = mkev(p, "opened", "c1", T0, "vip", &v, 1);
    assert_int_equal(slate_engine_push(k.e, &ev, peek_sink, &k), SLATE_OK);
    /* sla, start x2, route: the case is open (and its tier chosen) at each */
    assert_true(k.looked >= 4);
    assert_string_equal(k.tier, "vip");
    assert_int_equal(k.refused, k.looked);
    uint64_t n = slate_engine_decisions(k.e);
    assert_int_equal(slate_engine_advance(k.e, T0 + 5 * HOUR, peek_sink, &k), SLATE_OK);
    assert_true(k.risky > 0);
    /* nothing the sink tried was counted */
    assert_true(slate_engine_decisions(k.e) > n);
    assert_int_equal(k.refused, k.looked);
    slate_engine_free(k.e);
    slate_program_free(p);
}

/* ---- cases at risk --------------------------------------------------------------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static uint64_t rnd(uint64_t n)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state % n;
}

static int risk_cmp(const void *a, const void *b)
{
    const slate_risk *x = a, *y = b;
    if (x->left_ms != y->left_ms) return x->left_ms < y->left_ms ? -1 : 1;
    size_t n = x->case_len < y->case_len ? x->case_len : y->case_len;
    int c = memcmp(x->case_id, y->case_id, n);
    if (c) return c;
    return x->case_len < y->case_len ? -1 : x->case_len > y->case_len;
}

#define NCASES 400

/* The at-risk list built by hand from slate_engine_case, sorted. */
static size_t oracle(slate_engine *e, char ids[][16], const int *open, int percent,
                     slate_risk *out)
{
    size_t n = 0;
    for (int i = 0; i < NCASES; i++) {
        if (!open[i]) continue;
        slate_case_info info;
        slate_clock_info ck[8];
        assert_int_equal(slate_engine_case(e, ids[i], strlen(ids[i]), &info, ck, 8), SLATE_OK);
        int best = -1;
        for (size_t c = 0; c < info.nclocks; c++) {
            int64_t t = ck[c].target_ms;
            if ((ck[c].state != SLATE_CLOCK_RUNNING && ck[c].state != SLATE_CLOCK_PAUSED) || t < 0)
                continue;
            if (ck[c].elapsed_ms < t / 100 * percent + t % 100 * percent / 100) continue;
            if (best < 0 || t - ck[c].elapsed_ms < ck[best].target_ms - ck[best].elapsed_ms)
                best = (int)c;
        }
        if (best < 0) continue;
        const slate_clock_info *k = &ck[best];
        out[n++] = (slate_risk){ids[i], strlen(ids[i]), best, k->state, k->elapsed_ms,
                                k->target_ms, k->target_ms - k->elapsed_ms, k->deadline};
    }
    qsort(out, n, sizeof *out, risk_cmp);
    return n;
}

static void same_risk(const slate_risk *a, const slate_risk *b)
{
    assert_int_equal(a->case_len, b->case_len);
    assert_memory_equal(a->case_id, b->case_id, a->case_len);
    assert_int_equal(a->clock, b->clock);
    assert_int_equal(a->state, b->state);
    assert_int_equal(a->elapsed_ms, b->elapsed_ms);
    assert_int_equal(a->target_ms, b->target_ms);
    assert_int_equal(a->left_ms, b->left_ms);
    assert_int_equal(a->deadline, b->deadline);
}

static void test_at_risk_matches_the_cases(void **state)
{
    (void)state;
    slate_program *p = compile(NULL, NULL);
    slate_engine *e = slate_engine_new(p, NULL);
    static char ids[NCASES][16];
    static int open[NCASES], stage[NCASES];
    static slate_risk want[NCASES], got[NCASES];
    const char *next[] = {"responded", "paused", "resumed", "resolved", "closed"};
    int64_t t = T0;
    int checks = 0, nonempty = 0;
    for (int step = 0; step < 3000; step++) {
        t += (int64_t)rnd(3 * MIN); /* same instants happen: ties in left_ms */
        int i = (int)rnd(NCASES);
        if (!open[i] && stage[i] == 0) {
            /* ids whose byte order differs from their creation order */
            snprintf(ids[i], sizeof ids[i], "%c%d", "zyxw"[rnd(4)], i);
            assert_int_equal(push(e, p, "opened", ids[i], t, rnd(3) ? "std" : "vip"), SLATE_OK);
            open[i] = 1;
            stage[i] = 1;
        } else if (open[i]) {
            const char *ty = next[rnd(5)];
            assert_int_equal(push(e, p, ty, ids[i], t, NULL), SLATE_OK);
            if (!strcmp(ty, "closed")) open[i] = 0;
        }
        if (step % 250 != 249) continue;
        static const int percents[] = {0, 50, 80, 100, 150};
        for (size_t pi = 0; pi < sizeof percents / sizeof *percents; pi++) {
            size_t nw = oracle(e, ids, open, percents[pi], want), found = 0;
            assert_int_equal(slate_engine_at_risk(e, percents[pi], got, NCASES, &found), SLATE_OK);
            assert_int_equal(found, nw);
            for (size_t k = 0; k < nw; k++) same_risk(&got[k], &want[k]);
            /* a shorter array holds the head of the same list */
            size_t caps[] = {0, 1, 3, nw / 2};
            for (size_t c = 0; c < 4; c++) {
                memset(got, 0, sizeof got);
                assert_int_equal(slate_engine_at_risk(e, percents[pi], caps[c] ? got : NULL,
                                                      caps[c], &found),
                                 SLATE_OK);
                assert_int_equal(found, nw);
                for (size_t k = 0; k < caps[c] && k < nw; k++) same_risk(&got[k], &want[k]);
            }
            checks++;
            nonempty += nw > 3;
        }
    }
    assert_true(checks >= 50);
    assert_true(nonempty >= 20);
    assert_int_equal(slate_engine_at_risk(e, -1, got, 1, NULL), SLATE_MISUSE);
    assert_int_equal(slate_engine_at_risk(e, 10, NULL, 1, NULL), SLATE_MISUSE);
    assert_int_equal(slate_engine_at_risk(NULL, 10, got, 1, NULL), SLATE_MISUSE);
    /* a percentage far past any target: nothing, and no overflow */
    size_t found = 1;
    assert_int_equal(slate_engine_at_risk(e, 2000000000, got, 1, &found), SLATE_OK);
    assert_int_equal(found, 0);
    slate_engine_free(e);
    slate_program_free(p);
}

/* Ties in time left are broken by the case id's bytes, not by when the case was
 * opened: two engines that opened the same cases in another order list them
 * the same way. */
static void test_at_risk_ties(void **state)
{
    (void)state;
    slate_program *p = compile(NULL, NULL);
    slate_engine *a = slate_engine_new(p, NULL), *b = slate_engine_new(p, NULL);
    const char *ids[] = {"b", "ab", "a", "c", "aa"};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(push(a, p, "opened", ids[i], T0, "std"), SLATE_OK);
        assert_int_equal(push(b, p, "opened", ids[4 - i], T0, "std"), SLATE_OK);
    }
    assert_int_equal(slate_engine_advance(a, T0 + HOUR, NULL, NULL), SLATE_OK);
    assert_int_equal(slate_engine_advance(b, T0 + HOUR, NULL, NULL), SLATE_OK);
    slate_risk ra[5], rb[5];
    size_t na = 0, nb = 0;
    assert_int_equal(slate_engine_at_risk(a, 50, ra, 5, &na), SLATE_OK);
    assert_int_equal(slate_engine_at_risk(b, 50, rb, 5, &nb), SLATE_OK);
    assert_int_equal(na, 5);
    assert_int_equal(nb, 5);
    const char *order[] = {"a", "aa", "ab", "b", "c"};
    for (int i = 0; i < 5; i++) {
        assert_int_equal(ra[i].case_len, strlen(order[i]));
        assert_memory_equal(ra[i].case_id, order[i], ra[i].case_len);
        same_risk(&ra[i], &rb[i]);
        /* response: 2h target, 1h used, 50% reached, 1h left */
        assert_int_equal(ra[i].clock, slate_program_clock_id(p, "response"));
        assert_int_equal(ra[i].left_ms, HOUR);
        assert_int_equal(ra[i].deadline, T0 + 2 * HOUR);
    }
    assert_int_equal(slate_engine_at_risk(a, 51, ra, 5, &na), SLATE_OK);
    assert_int_equal(na, 0);
    slate_engine_free(a);
    slate_engine_free(b);
    slate_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_version_string),
        cmocka_unit_test(test_engine_opts_size),
        cmocka_unit_test(test_program_through_allocator),
        cmocka_unit_test(test_reject),
        cmocka_unit_test(test_reject_sink_stops),
        cmocka_unit_test(test_case_info),
        cmocka_unit_test(test_inspect_from_a_sink),
        cmocka_unit_test(test_at_risk_matches_the_cases),
        cmocka_unit_test(test_at_risk_ties),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
