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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bstream.h"
#include "cli.h"
#include "slate.h"
#include "timestamp.h"

#define MIN (60 * INT64_C(1000))
#define HOUR (60 * MIN)
#define DAY (24 * HOUR)

/* 2025-03-DD HH:MM UTC */
static int64_t T(int d, int h, int m)
{
    return ts_days_from_civil(2025, 3, d) * DAY + h * HOUR + m * MIN;
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

/* Decisions as JSON lines, appended to a growing text. */
typedef struct transcript {
    char *text;
    size_t len, cap;
} transcript;

static void tr_add(transcript *t, const slate_decision *d)
{
    char line[2048];
    size_t n = slate_decision_json(d, line, sizeof line);
    assert_true(n < sizeof line);
    if (t->len + n + 2 > t->cap) {
        t->cap = (t->len + n + 2) * 2;
        t->text = realloc(t->text, t->cap);
        assert_non_null(t->text);
    }
    memcpy(t->text + t->len, line, n);
    t->len += n;
    t->text[t->len++] = '\n';
    t->text[t->len] = 0;
}

static int record_sink(void *ud, const slate_decision *d)
{
    tr_add(ud, d);
    return 0;
}

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
    tr_add(&r->tr, d);
    slate_value v[2];
    slate_event ev = mkev(r->prog, "opened", "inner", d->at, "vip", "x", v);
    slate_engine *e = r->eng;
    uint64_t before = slate_engine_decisions(e);
    int64_t now = slate_engine_now(e);
    size_t open = slate_engine_open_cases(e);
    int rc[3] = {slate_engine_push(e, &ev, record_sink, &r->tr),
                 slate_engine_advance(e, d->at + 30 * DAY, record_sink, &r->tr),
                 slate_engine_swap(e, r->other, record_sink, &r->tr)};
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
    assert_int_equal(story(p, e, record_sink, &want), SLATE_OK);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sink_cannot_reenter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
