/*
 * test_verdicts.c - the verdicts of issue 13 that a service desk would call
 * wrong before it, through the whole pipeline (.slate text compiled, loaded,
 * run by the engine; docs/semantics.md sections 4 to 6 and 10):
 *
 *   - a tier change (or a hot swap) that puts a clock's target behind it while
 *     the clock is paused or held breaches at once, at the change (item 1);
 *   - a clock run that breached stops missed, whatever its target at the stop,
 *     and its `stop` names the target it breached (item 2);
 *   - a clock whose start event came while its tier gave it no target starts
 *     when a tier gives it one, counting from that event (`retroactive`) or,
 *     with `starts late from change`, from the change (item 5).
 *
 * Not here: the language side of `starts late from change` (test_parser,
 * test_check, the goldens) and the rendering of the new keys alone
 * (test_decision_json, test_log).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "frontend.h"
#include "lower.h"
#include "slate.h"
#include "testutil.h"
#include "civil.h"

static slate_program *compile(const char *src)
{
    return tu_compile_ok("v.slate", src);
}

/* "03-10T08:00" in March 2025 (03-10 is a Monday), UTC -> ms */
static int64_t at(const char *s)
{
    int mo, d, h, mi;
    assert_int_equal(sscanf(s, "%d-%dT%d:%d", &mo, &d, &h, &mi), 4);
    return civil_to_days(2025, mo, d) * DAY + h * H + mi * MIN;
}

typedef struct run {
    slate_program *p;
    slate_engine *e;
    cap c;
    uint64_t seq;
} run;

static run *start(const char *src)
{
    run *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->p = compile(src);
    r->e = slate_engine_new(r->p, NULL);
    assert_non_null(r->e);
    return r;
}

static void finish(run *r)
{
    slate_engine_free(r->e);
    slate_program_free(r->p);
    free(r);
}

/* Push `type` for case `id` at `when`, with at most one "field=value" (an enum
 * value by name, or a bool). */
static void ev(run *r, const char *type, const char *id, const char *when, const char *kv)
{
    slate_value v = {0, 0, NULL, 0};
    size_t n = 0;
    if (kv) {
        const char *eq = strchr(kv, '=');
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)(eq - kv), kv);
        v.field = slate_program_field_id(r->p, name);
        assert_true(v.field >= 0);
        if (slate_program_field_type(r->p, v.field) == SLATE_T_BOOL)
            v.i = strcmp(eq + 1, "true") == 0;
        else
            v.i = slate_program_enum_value(r->p, v.field, eq + 1);
        assert_true(v.i >= 0);
        n = 1;
    }
    int type_id = slate_program_event_id(r->p, type);
    assert_true(type_id >= 0);
    slate_event e = {id, id ? strlen(id) : 0, type_id, at(when), NULL, 0, &v, n, ++r->seq};
    assert_int_equal(slate_engine_push(r->e, &e, sink, &r->c), SLATE_OK);
}

static void advance(run *r, const char *when)
{
    assert_int_equal(slate_engine_advance(r->e, at(when), sink, &r->c), SLATE_OK);
}

/* The JSON of captured decision i (its strings live in the program and the
 * case store, both still there). */
static void expect_json(run *r, int i, const char *part)
{
    char buf[1024];
    slate_decision_json(&r->c.d[i], buf, sizeof buf);
    if (!strstr(buf, part)) fail_msg("decision %d: %s\n  has no %s", i, buf, part);
}

/* ---- item 1: the repro, and the same path through `pauses while` and swap -- */

static const char *const repro =
    "policy \"repro\" version \"1\"\n"                                               /* 1 */
    "case { impact: enum { low, major }  waiting: bool }\n"                          /* 2 */
    "events { reassigned }\n"                                                        /* 3 */
    "clock resolution starts on opened stops on resolved pauses on paused resumes on resumed\n"
    "                 pauses while waiting resets on reassigned\n"                   /* 5 */
    "ladder l {\n"                                                                   /* 6 */
    "    at 50% of resolution notify desk \"half\"\n"                                /* 7 */
    "    at breach of resolution notify desk \"resolution breached\"\n"              /* 8 */
    "    at breach of resolution + 1h notify manager \"1h past\"\n"                  /* 9 */
    "}\n"                                                                            /* 10 */
    "sla major when impact == major { resolution within 4h; ladder l }\n"            /* 11 */
    "sla low { resolution within 2d; ladder l }\n";                                  /* 12 */

#define LOW_SLA "sla low [{\"clock\":\"resolution\",\"target_s\":172800}]"
#define MAJOR_SLA "sla major [{\"clock\":\"resolution\",\"target_s\":14400}]"

/* 6h counted by 14:00 against 2d; paused; made major (4h) at 15:00: every step
 * the 4h target puts at or below 6h fires at 15:00, in point order, as timers
 * after the event's `sla`. */
#define STEPS_AT(t, c)                                                                \
    t " " c " warn resolution 50%", t " " c " notify desk \"half\"",                    \
        t " " c " breach resolution", t " " c " notify desk \"resolution breached\"",   \
        t " " c " breach resolution +3600s", t " " c " notify manager \"1h past\""

static void test_paused_clock_breaches_at_the_tier_change(void **state)
{
    (void)state;
    run *r = start(repro);
    ev(r, "opened", "c1", "03-10T08:00", "impact=low");
    ev(r, "paused", "c1", "03-10T14:00", NULL);
    EXPECT(&r->c, "03-10T08:00 c1 " LOW_SLA, "03-10T08:00 c1 start resolution dl=03-12T08:00",
           "03-10T14:00 c1 pause resolution el=21600s");
    ev(r, "updated", "c1", "03-10T15:00", "impact=major");
    EXPECT(&r->c, "03-10T15:00 c1 " MAJOR_SLA, STEPS_AT("03-10T15:00", "c1"));
    assert_int_equal(r->c.d[0].event_seq, 3);
    for (int i = 1; i < 7; i++) assert_int_equal(r->c.d[i].event_seq, 0); /* timers */
    assert_int_equal(r->c.d[3].rule_line, 8);
    /* the stop the next morning: missed, naming the 4h it breached */
    ev(r, "resolved", "c1", "03-11T09:00", NULL);
    EXPECT(&r->c, "03-11T09:00 c1 stop resolution missed el=21600s breached=14400s");
    finish(r);
}

/* Resumed instead of resolved: the breach came at the change, so the resume
 * decides only that the clock counts again (no deadline: past its target). */
static void test_resume_after_the_breach_fires_nothing_again(void **state)
{
    (void)state;
    run *r = start(repro);
    ev(r, "opened", "c1", "03-10T08:00", "impact=low");
    ev(r, "paused", "c1", "03-10T14:00", NULL);
    ev(r, "updated", "c1", "03-10T15:00", "impact=major");
    r->c.n = 0;
    ev(r, "resumed", "c1", "03-11T09:00", NULL);
    EXPECT(&r->c, "03-11T09:00 c1 resume resolution");
    advance(r, "03-14T00:00");
    assert_int_equal(r->c.n, 0);
    finish(r);
}

/* A paused clock whose new target is still ahead fires nothing at the change;
 * what is left counts after the resume. */
static void test_paused_clock_short_of_the_new_target_waits(void **state)
{
    (void)state;
    run *r = start(repro);
    ev(r, "opened", "c1", "03-10T08:00", "impact=low");
    ev(r, "paused", "c1", "03-10T09:00", NULL);
    ev(r, "updated", "c1", "03-10T10:00", "impact=major");
    advance(r, "03-10T11:00");
    r->c.n = 0;
    ev(r, "resumed", "c1", "03-10T11:00", NULL);
    EXPECT(&r->c, "03-10T11:00 c1 resume resolution dl=03-10T14:00");
    advance(r, "03-10T14:00");
    EXPECT(&r->c, "03-10T12:00 c1 warn resolution 50%", "03-10T12:00 c1 notify desk \"half\"",
           "03-10T14:00 c1 breach resolution",
           "03-10T14:00 c1 notify desk \"resolution breached\"");
    finish(r);
}

/* The same path through `pauses while`: a clock held by its condition. */
static void test_held_clock_breaches_at_the_tier_change(void **state)
{
    (void)state;
    run *r = start(repro);
    ev(r, "opened", "c1", "03-10T08:00", "impact=low");
    ev(r, "updated", "c1", "03-10T14:00", "waiting=true");
    r->c.n = 0;
    ev(r, "updated", "c1", "03-10T15:00", "impact=major");
    EXPECT(&r->c, "03-10T15:00 c1 " MAJOR_SLA, STEPS_AT("03-10T15:00", "c1"));
    ev(r, "updated", "c1", "03-10T16:00", "waiting=false");
    EXPECT(&r->c, "03-10T16:00 c1 resume resolution");
    finish(r);
}

/* And through a hot swap: the new program's `low` is 4h; the case's clock is
 * paused at 6h, so the steps fire at the swap, at the watermark. */
static void test_paused_clock_breaches_at_a_swap(void **state)
{
    (void)state;
    run *r = start(repro);
    char *src = strdup(repro);
    memcpy(strstr(src, "resolution within 2d"), "resolution within 4h", 20);
    slate_program *v2 = compile(src);
    free(src);
    ev(r, "opened", "c1", "03-10T08:00", "impact=low");
    ev(r, "paused", "c1", "03-10T14:00", NULL);
    ev(r, "tick", NULL, "03-10T15:00", NULL);
    r->c.n = 0;
    assert_int_equal(slate_engine_swap(r->e, v2, sink, &r->c), SLATE_OK);
    EXPECT(&r->c, "03-10T15:00 c1 sla low [{\"clock\":\"resolution\",\"target_s\":14400}]",
           STEPS_AT("03-10T15:00", "c1"));
    for (int i = 0; i < r->c.n; i++) assert_ptr_equal(r->c.d[i].program, v2);
    ev(r, "resolved", "c1", "03-10T16:00", NULL);
    EXPECT(&r->c, "03-10T16:00 c1 stop resolution missed el=21600s breached=14400s");
    slate_engine_free(r->e);
    r->e = NULL;
    slate_program_free(v2);
    finish(r);
}

/* ---- item 2: a breach is not erased by lowering the priority --------------------- */

static void test_breach_survives_a_lower_priority(void **state)
{
    (void)state;
    run *r = start(repro);
    ev(r, "opened", "c1", "03-10T08:00", "impact=major");
    advance(r, "03-10T12:30");
    r->c.n = 0;
    /* breached as major at 12:00; lowered to low (2d) at 12:45; resolved at 13:45
     * with 5h45m: under 2d, but the run breached its 4h */
    ev(r, "updated", "c1", "03-10T12:45", "impact=low");
    ev(r, "resolved", "c1", "03-10T13:45", NULL);
    EXPECT(&r->c, "03-10T12:45 c1 sla low [{\"clock\":\"resolution\",\"target_s\":172800,"
                  "\"deadline\":\"2025-03-12T08:00:00.000Z\"}]",
           "03-10T13:45 c1 stop resolution missed el=20700s breached=14400s");
    assert_int_equal(r->c.d[1].met, 0);
    assert_int_equal(r->c.d[1].breached_ms, 4 * H);
    assert_int_equal(r->c.d[1].target_ms, 2 * DAY);
    expect_json(r, 1, "\"clock\":\"resolution\",\"met\":false,\"elapsed_s\":20700,"
                      "\"target_s\":172800,\"breached\":true,\"breach_target_s\":14400}");
    finish(r);
}

/* A new run (a reset) starts with no breach; a run that never breached stops
 * met, with no `breached`. */
static void test_reset_starts_a_run_without_a_breach(void **state)
{
    (void)state;
    run *r = start(repro);
    ev(r, "opened", "c1", "03-10T08:00", "impact=major");
    advance(r, "03-10T12:30");
    ev(r, "reassigned", "c1", "03-10T13:00", NULL);
    r->c.n = 0;
    ev(r, "resolved", "c1", "03-10T14:00", NULL);
    EXPECT(&r->c, "03-10T14:00 c1 stop resolution met el=3600s");
    assert_int_equal(r->c.d[0].breached_ms, 0);
    expect_json(r, 0, "\"met\":true,\"elapsed_s\":3600,\"target_s\":14400}");
    finish(r);
}

/* A hot swap keeps a run's breach, by the duration it breached, even when the
 * new program has no target of that duration; and a swap that runs out of
 * memory at any allocation, that one included, changes nothing and leaks
 * nothing (test_engine checks the rest of swap so). */
typedef struct flaky {
    long calls, fail_at;
} flaky;

static void *flaky_realloc(void *ud, void *p, size_t n)
{
    flaky *f = ud;
    if (n == 0) {
        free(p);
        return NULL;
    }
    if (++f->calls == f->fail_at) return NULL;
    return realloc(p, n);
}

static void test_swap_keeps_the_breached_target(void **state)
{
    (void)state;
    char *src = strdup(repro);
    memcpy(strstr(src, "resolution within 4h"), "resolution within 3h", 20);
    slate_program *p = compile(repro), *v2 = compile(src);
    free(src);
    int nomem = 0;
    for (long at = 1; at < 200; at++) {
        flaky f = {0, 0};
        slate_allocator al = {flaky_realloc, &f};
        slate_engine_opts o = SLATE_ENGINE_OPTS_INIT;
        o.allocator = &al;
        run r;
        memset(&r, 0, sizeof r);
        r.p = p;
        r.e = slate_engine_new(p, &o);
        assert_non_null(r.e);
        ev(&r, "opened", "c1", "03-10T08:00", "impact=major");
        ev(&r, "opened", "c2", "03-10T08:00", "impact=low");
        advance(&r, "03-10T12:30"); /* c1 breached its 4h at 12:00 */
        r.c.n = 0;
        f.fail_at = f.calls + at;
        int rc = slate_engine_swap(r.e, v2, sink, &r.c);
        if (rc == SLATE_NOMEM) {
            nomem++;
            assert_int_equal(r.c.n, 0);
            ev(&r, "resolved", "c1", "03-10T12:45", NULL); /* the old program still runs */
            EXPECT(&r.c, "03-10T12:45 c1 stop resolution missed el=17100s breached=14400s");
            assert_ptr_equal(r.c.d[0].program, p);
            slate_engine_free(r.e);
            continue;
        }
        assert_int_equal(rc, SLATE_OK);
        /* 4.5h used: the 3h target's breach + 1h (4h) is passed, its breach
         * stays fired and is still the 4h one */
        EXPECT(&r.c, "03-10T12:30 c1 sla major [{\"clock\":\"resolution\",\"target_s\":10800}]",
               "03-10T12:30 c1 breach resolution +3600s", "03-10T12:30 c1 notify manager \"1h past\"");
        r.p = v2;
        ev(&r, "resolved", "c1", "03-10T12:45", NULL);
        EXPECT(&r.c, "03-10T12:45 c1 stop resolution missed el=17100s breached=14400s");
        assert_ptr_equal(r.c.d[0].program, v2);
        slate_engine_free(r.e);
        break;
    }
    assert_true(nomem >= 5); /* every allocation of the swap had its turn */
    slate_program_free(v2);
    slate_program_free(p);
}

/* ---- item 5: a clock whose first target comes after its start event ---------------- */

static const char *const late =
    "policy \"late\" version \"1\"\n"                                                /* 1 */
    "calendar business { hours mon-fri 09:00-18:00 }\n"                              /* 2 */
    "case { impact: enum { low, major }  waiting: bool }\n"                          /* 3 */
    "events { handled, reassigned }\n"                                               /* 4 */
    "clock handling starts on opened stops on handled, resolved\n"                   /* 5 */
    "               pauses on paused resumes on resumed resets on reassigned\n"      /* 6 */
    "               pauses while waiting\n"                                          /* 7 */
    "clock resolution starts on opened stops on resolved\n"                          /* 8 */
    "sla major when impact == major { handling within 2h on business\n"              /* 9 */
    "                                 resolution within 8h }\n"                      /* 10 */
    "sla low { resolution within 2d }\n";                                            /* 11 */

#define LATE_LOW "sla low [{\"clock\":\"resolution\",\"target_s\":172800}]"
#define LATE_MAJOR(res_dl)                                                             \
    "sla major [{\"clock\":\"handling\",\"target_s\":7200},"                           \
    "{\"clock\":\"resolution\",\"target_s\":28800,\"deadline\":\"2025-03-10T" res_dl   \
    ":00.000Z\"}]"

/* Opened at 07:00 as low (no handling target: handling waits), paused at 08:30,
 * made major at 10:00: handling starts counting from 07:00, which on the
 * business calendar is 1h (09:00-10:00), pause included. */
static void test_retroactive_start(void **state)
{
    (void)state;
    run *r = start(late);
    ev(r, "opened", "c1", "03-10T07:00", "impact=low");
    EXPECT(&r->c, "03-10T07:00 c1 " LATE_LOW, "03-10T07:00 c1 start resolution dl=03-12T07:00");
    ev(r, "paused", "c1", "03-10T08:30", NULL);
    assert_int_equal(r->c.n, 0); /* nothing of handling is running to pause */
    ev(r, "updated", "c1", "03-10T10:00", "impact=major");
    EXPECT(&r->c, "03-10T10:00 c1 " LATE_MAJOR("15:00"),
           "03-10T10:00 c1 start handling dl=03-10T11:00 since=03-10T07:00 el=3600s");
    assert_int_equal(r->c.d[1].retroactive, 1);
    assert_int_equal(r->c.d[1].since, at("03-10T07:00"));
    assert_int_equal(r->c.d[1].rule_line, 5);
    assert_int_equal(r->c.d[1].event_seq, 3);
    expect_json(r, 1, "\"clock\":\"handling\",\"target_s\":7200,"
                      "\"deadline\":\"2025-03-10T11:00:00.000Z\",\"retroactive\":true,"
                      "\"since\":\"2025-03-10T07:00:00.000Z\",\"elapsed_s\":3600}");
    advance(r, "03-10T11:00");
    EXPECT(&r->c, "03-10T11:00 c1 breach handling");
    ev(r, "handled", "c1", "03-10T11:30", NULL);
    EXPECT(&r->c, "03-10T11:30 c1 stop handling missed el=9000s breached=7200s");
    finish(r);
}

/* `starts late from change`: the same story counts from the change. */
static void test_late_start_from_change(void **state)
{
    (void)state;
    char *src = malloc(strlen(late) + 32);
    strcpy(src, late);
    char *p = strstr(src, "pauses while waiting");
    memmove(p + 24, p, strlen(p) + 1);
    memcpy(p, "starts late from change ", 24);
    run *r = start(src);
    free(src);
    ev(r, "opened", "c1", "03-10T07:00", "impact=low");
    ev(r, "paused", "c1", "03-10T08:30", NULL);
    r->c.n = 0;
    ev(r, "updated", "c1", "03-10T10:00", "impact=major");
    EXPECT(&r->c, "03-10T10:00 c1 " LATE_MAJOR("15:00"), "03-10T10:00 c1 start handling dl=03-10T12:00");
    assert_int_equal(r->c.d[1].retroactive, 0);
    expect_json(r, 1, "\"target_s\":7200,\"deadline\":\"2025-03-10T12:00:00.000Z\"}");
    finish(r);
}

/* A clock stopped before any tier gave it a target has nothing left to start. */
static void test_late_target_after_the_stop_starts_nothing(void **state)
{
    (void)state;
    run *r = start(late);
    ev(r, "opened", "c1", "03-10T07:00", "impact=low");
    ev(r, "handled", "c1", "03-10T09:30", NULL);
    r->c.n = 0;
    ev(r, "updated", "c1", "03-10T10:00", "impact=major");
    EXPECT(&r->c, "03-10T10:00 c1 " LATE_MAJOR("15:00"));
    advance(r, "03-11T10:00");
    EXPECT(&r->c, "03-10T15:00 c1 breach resolution");
    finish(r);
}

/* A reset while it waits moves where it will count from; a `pauses while`
 * condition that holds now holds the late start too. */
static void test_late_start_after_a_reset_and_held(void **state)
{
    (void)state;
    run *r = start(late);
    ev(r, "opened", "c1", "03-10T07:00", "impact=low");
    ev(r, "reassigned", "c1", "03-10T09:20", NULL);
    ev(r, "updated", "c1", "03-10T09:50", "waiting=true");
    r->c.n = 0;
    ev(r, "updated", "c1", "03-10T10:00", "impact=major");
    EXPECT(&r->c, "03-10T10:00 c1 " LATE_MAJOR("15:00"),
           "03-10T10:00 c1 start handling since=03-10T09:20 el=2400s");
    ev(r, "updated", "c1", "03-10T10:30", "waiting=false");
    EXPECT(&r->c, "03-10T10:30 c1 resume handling dl=03-10T11:50");
    finish(r);
}

/* A hot swap that gives a waiting clock a target starts it the same way. */
static void test_late_start_at_a_swap(void **state)
{
    (void)state;
    run *r = start(late);
    char *src = strdup(late);
    memcpy(strstr(src, "sla low { resolution within 2d }"), "sla low { handling within 4h   }", 32);
    slate_program *v2 = compile(src);
    free(src);
    ev(r, "opened", "c1", "03-10T07:00", "impact=low");
    ev(r, "tick", NULL, "03-10T08:00", NULL);
    r->c.n = 0;
    assert_int_equal(slate_engine_swap(r->e, v2, sink, &r->c), SLATE_OK);
    EXPECT(&r->c, "03-10T08:00 c1 sla low [{\"clock\":\"handling\",\"target_s\":14400}]",
           "03-10T08:00 c1 start handling dl=03-10T11:00 since=03-10T07:00 el=3600s");
    assert_int_equal(r->c.d[1].event_seq, 0);
    slate_engine_free(r->e);
    r->e = NULL;
    slate_program_free(v2);
    finish(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paused_clock_breaches_at_the_tier_change),
        cmocka_unit_test(test_resume_after_the_breach_fires_nothing_again),
        cmocka_unit_test(test_paused_clock_short_of_the_new_target_waits),
        cmocka_unit_test(test_held_clock_breaches_at_the_tier_change),
        cmocka_unit_test(test_paused_clock_breaches_at_a_swap),
        cmocka_unit_test(test_breach_survives_a_lower_priority),
        cmocka_unit_test(test_reset_starts_a_run_without_a_breach),
        cmocka_unit_test(test_swap_keeps_the_breached_target),
        cmocka_unit_test(test_retroactive_start),
        cmocka_unit_test(test_late_start_from_change),
        cmocka_unit_test(test_late_target_after_the_stop_starts_nothing),
        cmocka_unit_test(test_late_start_after_a_reset_and_held),
        cmocka_unit_test(test_late_start_at_a_swap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
