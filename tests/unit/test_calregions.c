/*
 * test_calregions.c - calendars as a service desk's customers live them, through
 * the whole pipeline (text -> image -> engine): `open` dates (make-up working
 * days) and a target's calendar chosen by a case field (`on CAL[FIELD]`) across
 * two zones whose DST starts on different dates (New York 2025-03-09, London
 * 2025-03-30), including a change of the field mid-case, which keeps the working
 * time as a tier change does (docs/semantics.md section 5).  Also the compile
 * errors of both.  Not here: the calendar arithmetic itself (test_calendar.c).
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
#include "civil.h"
#include "frontend.h"
#include "lower.h"
#include "slate.h"
#include "slatec.h"
#include "testutil.h"

/* Compile `src`; on failure return NULL with the diagnostics in *diag. */
static slate_program *try_compile(const char *src, char **diag)
{
    return tu_compile("s.slate", src, diag);
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
    char *diag = NULL;
    r->p = try_compile(src, &diag);
    if (!r->p) fail_msg("policy does not compile:\n%s", diag);
    free(diag);
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

/* "2025-03-07T20:00Z" (UTC only) -> ms */
static int64_t utc(const char *s)
{
    int y, mo, d, h, mi;
    assert_int_equal(sscanf(s, "%d-%d-%dT%d:%dZ", &y, &mo, &d, &h, &mi), 5);
    return civil_to_days(y, mo, d) * DAY + h * H + mi * MIN;
}

/* Push `type` for case `id` at UTC `when`, with `region` set when not NULL. */
static void ev(run *r, const char *type, const char *id, const char *when, const char *region)
{
    slate_value v = {slate_program_field_id(r->p, "region"), 0, NULL, 0};
    if (region) {
        assert_true(v.field >= 0);
        v.i = slate_program_enum_value(r->p, v.field, region);
        assert_true(v.i >= 0);
    }
    slate_event e = {id, strlen(id), slate_program_event_id(r->p, type), utc(when), NULL, 0,
                     region ? &v : NULL, region ? 1 : 0, ++r->seq};
    assert_true(e.type >= 0);
    assert_int_equal(slate_engine_push(r->e, &e, sink, &r->c), SLATE_OK);
}

static void advance(run *r, const char *when)
{
    assert_int_equal(slate_engine_advance(r->e, utc(when), sink, &r->c), SLATE_OK);
}

/* ---- a calendar per region ------------------------------------------------------- */

/* Both desks work 09:00-17:00 local, Monday to Friday: a working day is 8 h, so
 * `2 working days` is 16 working hours in either. */
static const char *const regions =
    "policy \"regions\" version \"1\"\n"
    "calendar business[us] { zone \"America/New_York\"; hours mon-fri 09:00-17:00 }\n"
    "calendar business[uk] { zone \"Europe/London\"; hours mon-fri 09:00-17:00 }\n"
    "case { region: enum { us, uk } }\n"
    "clock resolution starts on opened stops on resolved pauses on paused resumes on resumed\n"
    "ladder l { at 50% of resolution notify desk \"half\" }\n"
    "sla standard { resolution within 2 working days on business[region]; ladder l }\n";

#define SLA(dl) "sla standard [{\"clock\":\"resolution\",\"target_s\":57600" dl "}]"

/* New York moves to EDT on Sunday 2025-03-09, London stays on GMT.  Both cases
 * open Friday 2025-03-07 20:00Z: 15:00 EST in New York (2 h left that day),
 * 20:00 GMT in London (after hours). */
static void test_two_zones_across_new_york_dst(void **state)
{
    (void)state;
    run *r = start(regions);
    ev(r, "opened", "us1", "2025-03-07T20:00Z", "us");
    ev(r, "opened", "uk1", "2025-03-07T20:00Z", "uk");
    /* us1: Friday 15:00-17:00 EST (2 h), Monday 09:00-17:00 EDT (8 h), Tuesday
     * 09:00-15:00 EDT (6 h): Tuesday 15:00 EDT = 19:00Z.  uk1: Monday and
     * Tuesday 09:00-17:00 GMT: Tuesday 17:00Z. */
    EXPECT(&r->c, "03-07T20:00 us1 " SLA(""), "03-07T20:00 us1 start resolution dl=03-11T19:00",
           "03-07T20:00 uk1 " SLA(""), "03-07T20:00 uk1 start resolution dl=03-11T17:00");
    advance(r, "2025-03-12T00:00Z");
    /* half way: uk1 after Monday (17:00Z), us1 at Monday 15:00 EDT (19:00Z) */
    EXPECT(&r->c, "03-10T17:00 uk1 warn resolution 50%", "03-10T17:00 uk1 notify desk \"half\"",
           "03-10T19:00 us1 warn resolution 50%", "03-10T19:00 us1 notify desk \"half\"",
           "03-11T17:00 uk1 breach resolution", "03-11T19:00 us1 breach resolution");
    finish(r);
}

/* London moves to BST on Sunday 2025-03-30, New York has been on EDT for three
 * weeks.  Friday 2025-03-28 16:00Z is 16:00 GMT and 12:00 EDT. */
static void test_two_zones_across_london_dst(void **state)
{
    (void)state;
    run *r = start(regions);
    ev(r, "opened", "uk2", "2025-03-28T16:00Z", "uk");
    ev(r, "opened", "us2", "2025-03-28T16:00Z", "us");
    /* uk2: Friday 1 h, Monday 09:00-17:00 BST (08:00-16:00Z) 8 h, Tuesday 7 h:
     * Tuesday 16:00 BST = 15:00Z.  us2: Friday 5 h, Monday 8 h, Tuesday 3 h:
     * Tuesday 12:00 EDT = 16:00Z. */
    EXPECT(&r->c, "03-28T16:00 uk2 " SLA(""), "03-28T16:00 uk2 start resolution dl=04-01T15:00",
           "03-28T16:00 us2 " SLA(""), "03-28T16:00 us2 start resolution dl=04-01T16:00");
    finish(r);
}

/* A customer moves from New York to London mid-case: the clock keeps the working
 * time it counted in New York and counts on in London from the change, like a
 * tier change: an `sla` with the new deadline, steps not fired again. */
static void test_region_change_keeps_working_time(void **state)
{
    (void)state;
    run *r = start(regions);
    ev(r, "opened", "c3", "2025-03-07T20:00Z", "us");
    r->c.n = 0;
    /* Monday 2025-03-10 13:00Z is 09:00 EDT: 2 h counted (Friday).  In London it
     * is 13:00 GMT: 14 h to go, Monday 4 h, Tuesday 8 h, Wednesday 2 h: Wednesday
     * 11:00Z.  Half way (8 h) is Tuesday 11:00Z. */
    ev(r, "updated", "c3", "2025-03-10T13:00Z", "uk");
    EXPECT(&r->c, "03-10T13:00 c3 " SLA(",\"deadline\":\"2025-03-12T11:00:00.000Z\""));
    /* the same value again changes nothing */
    ev(r, "updated", "c3", "2025-03-10T14:00Z", "uk");
    EXPECT(&r->c, NULL);
    advance(r, "2025-03-12T12:00Z");
    EXPECT(&r->c, "03-11T11:00 c3 warn resolution 50%", "03-11T11:00 c3 notify desk \"half\"",
           "03-12T11:00 c3 breach resolution");
    ev(r, "resolved", "c3", "2025-03-12T12:00Z", NULL);
    EXPECT(&r->c, "03-12T12:00 c3 stop resolution missed el=61200s breached=57600s");
    finish(r);
}

/* The field changes while the clock is paused: nothing counts meanwhile, and on
 * `resumed` the clock counts in the new region's hours. */
static void test_region_change_while_paused(void **state)
{
    (void)state;
    run *r = start(regions);
    ev(r, "opened", "c4", "2025-03-10T14:00Z", "uk"); /* Monday 14:00 GMT */
    ev(r, "paused", "c4", "2025-03-10T16:00Z", NULL); /* 2 h counted */
    r->c.n = 0;
    ev(r, "updated", "c4", "2025-03-11T09:00Z", "us"); /* no deadline: paused */
    EXPECT(&r->c, "03-11T09:00 c4 " SLA(""));
    /* Tuesday 13:00Z is 09:00 EDT: 14 h to go in New York, Tuesday 8 h, Wednesday
     * 6 h: Wednesday 15:00 EDT = 19:00Z */
    ev(r, "resumed", "c4", "2025-03-11T13:00Z", NULL);
    EXPECT(&r->c, "03-11T13:00 c4 resume resolution dl=03-12T19:00");
    finish(r);
}

/* Hot swap to a version whose London desk works 10:00-17:00 (a 7 h day, so 2
 * working days are 14 h there, still 16 h in New York): the London case counts
 * on in the new hours, keeping its time, and gets an `sla` with its new target
 * and deadline, though its tier and the tier's own target (New York's) are
 * unchanged. */
static void test_swap_moves_a_variant_calendar(void **state)
{
    (void)state;
    run *r = start(regions);
    ev(r, "opened", "c5", "2025-03-10T09:00Z", "uk"); /* Monday 09:00 GMT */
    advance(r, "2025-03-10T12:00Z");                   /* 3 h counted */
    r->c.n = 0;
    char *later = strdup(regions), *diag = NULL;
    char *at = strstr(later, "Europe/London\"; hours mon-fri 09:00");
    assert_non_null(at);
    memcpy(strstr(at, "09:00-17:00"), "10:00-17:00", 11);
    strstr(later, "version \"1\"")[9] = '2';
    slate_program *p2 = try_compile(later, &diag);
    if (!p2) fail_msg("v2 does not compile:\n%s", diag);
    free(diag);
    assert_int_equal(slate_engine_swap(r->e, p2, sink, &r->c), SLATE_OK);
    /* 11 h to go from Monday 12:00 in 10:00-17:00: Monday 5 h, Tuesday 6 h */
    EXPECT(&r->c, "03-10T12:00 c5 sla standard [{\"clock\":\"resolution\",\"target_s\":50400,"
                  "\"deadline\":\"2025-03-11T16:00:00.000Z\"}]");
    slate_engine_free(r->e);
    r->e = NULL;
    slate_program_free(p2);
    free(later);
    slate_program_free(r->p);
    free(r);
}

/* ---- compile errors ---------------------------------------------------------------- */

static void expect_error(const char *src, const char *want)
{
    char *diag = NULL;
    slate_program *p = try_compile(src, &diag);
    if (p) fail_msg("compiled, but should fail with \"%s\"", want);
    if (!strstr(diag, want)) fail_msg("want \"%s\" in:\n%s", want, diag);
    free(diag);
}

static void test_errors(void **state)
{
    (void)state;
    /* a value of the field without a calendar: the error names it */
    expect_error("policy \"p\" version \"1\"\n"
                 "calendar business[us] { hours mon-fri 09:00-17:00 }\n"
                 "case { region: enum { us, apac } }\n"
                 "clock k starts on opened stops on resolved\n"
                 "sla s { k within 1 working day on business[region] }\n",
                 "no calendar for `region = apac`: `business[apac]` is missing");
    expect_error("policy \"p\" version \"1\"\n"
                 "calendar business[us] { hours mon-fri 09:00-17:00 }\n"
                 "case { region: string }\n"
                 "clock k starts on opened stops on resolved\n"
                 "sla s { k within 1h on business[region] }\n",
                 "field `region` is not an enum");
    expect_error("policy \"p\" version \"1\"\n"
                 "calendar business { hours mon-fri 09:00-17:00; closed 2025-02-01\n"
                 "                    open 2025-02-01 }\n"
                 "clock k starts on opened stops on resolved\n"
                 "sla s { k within 1h on business }\n",
                 "open date `2025-02-01` is also closed");
    expect_error("policy \"p\" version \"1\"\n"
                 "calendar business { hours mon-fri 09:00-17:00; open 2100-01-04 }\n"
                 "clock k starts on opened stops on resolved\n"
                 "sla s { k within 1h on business }\n",
                 "open date `2100-01-04` is past the supported horizon");
}

/* ---- open dates in the engine ---------------------------------------------------- */

/* A Saturday opened for the morning: a 4 h target started Friday 16:00 UTC gets
 * 1 h on Friday and 3 h on Saturday 09:00-12:00. */
static void test_open_saturday(void **state)
{
    (void)state;
    run *r = start("policy \"p\" version \"1\"\n"
                   "calendar business { hours mon-fri 09:00-17:00; open 2025-03-08 09:00-12:00 }\n"
                   "case { region: enum { x } }\n"
                   "clock k starts on opened stops on resolved\n"
                   "sla s { k within 4h on business }\n");
    ev(r, "opened", "c1", "2025-03-07T16:00Z", NULL);
    ev(r, "opened", "c2", "2025-03-08T11:00Z", NULL); /* 1 h Saturday, 3 h Monday */
    EXPECT(&r->c, "03-07T16:00 c1 sla s [{\"clock\":\"k\",\"target_s\":14400}]",
           "03-07T16:00 c1 start k dl=03-08T12:00",
           "03-08T11:00 c2 sla s [{\"clock\":\"k\",\"target_s\":14400}]",
           "03-08T11:00 c2 start k dl=03-10T12:00");
    finish(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_two_zones_across_new_york_dst),
        cmocka_unit_test(test_two_zones_across_london_dst),
        cmocka_unit_test(test_region_change_keeps_working_time),
        cmocka_unit_test(test_region_change_while_paused),
        cmocka_unit_test(test_swap_moves_a_variant_calendar),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_open_saturday),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
