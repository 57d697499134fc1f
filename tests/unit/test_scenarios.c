/*
 * test_scenarios.c - whole policies through the whole pipeline: .slate text is
 * parsed, checked, lowered, written as an image, loaded and verified, then run by
 * the engine over a script of events; each test asserts the exact decision
 * stream (instant, case, action, clock, met, ...).
 *
 * The scenarios are the ones docs/semantics.md promises: business hours over a
 * weekend, a holiday inside a working-day target, a pause across a night, a
 * priority raised mid-case, a tier downgraded after a breach, reopening, timers
 * with no event for their case, late events, a DST change inside a target, ladder
 * steps once each in order, a closed case leaving the store, hot swap; and, on
 * the reference-style example policy, determinism and zero steady-state
 * allocation.
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
#include "slatec.h"
#include "testutil.h"
#include "timestamp.h"

/* ---- compiling ------------------------------------------------------------------ */

static slate_program *compile(const char *src)
{
    return tu_compile_ok("s.slate", src);
}

/* ---- time ------------------------------------------------------------------------ */

/* "2025-03-07T17:00[:SS][Z|+HH:MM|-HH:MM]" -> UTC ms */
static int64_t at(const char *s)
{
    int y, mo, d, h, mi, sec = 0, n = 0;
    assert_true(sscanf(s, "%d-%d-%dT%d:%d%n", &y, &mo, &d, &h, &mi, &n) == 5);
    s += n;
    if (*s == ':') {
        sscanf(s, ":%d%n", &sec, &n);
        s += n;
    }
    int64_t t = civil_to_days(y, mo, d) * DAY + h * H + mi * MIN + sec * S;
    if (*s == '+' || *s == '-') {
        int oh, om;
        assert_true(sscanf(s + 1, "%d:%d", &oh, &om) == 2);
        int64_t off = oh * H + om * MIN;
        t -= *s == '+' ? off : -off;
    }
    return t;
}

/* ---- running --------------------------------------------------------------------- */

typedef struct run {
    slate_program *p;
    slate_engine *e;
    cap c;
    uint64_t seq;
} run;

static run *start(const char *src, int64_t tolerance)
{
    run *r = calloc(1, sizeof *r);
    r->p = compile(src);
    slate_engine_opts o = SLATE_ENGINE_OPTS_INIT;
    o.tolerance_ms = tolerance;
    r->e = slate_engine_new(r->p, &o);
    assert_non_null(r->e);
    return r;
}

static void finish(run *r)
{
    slate_engine_free(r->e);
    slate_program_free(r->p);
    free(r);
}

/* Push `type` for case `id` at time `when` with "field=value" pairs (enum values
 * and levels by name, bools true/false, ints, strings after the '='). */
static int evv(run *r, const char *type, const char *id, const char *when, va_list ap)
{
    slate_value v[8];
    size_t n = 0;
    for (const char *kv; (kv = va_arg(ap, const char *));) {
        const char *eq = strchr(kv, '=');
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(eq - kv), kv);
        int f = slate_program_field_id(r->p, name);
        if (f < 0) fail_msg("no field `%s`", name);
        v[n] = (slate_value){f, 0, NULL, 0};
        switch (slate_program_field_type(r->p, f)) {
        case SLATE_T_ENUM:
            v[n].i = slate_program_enum_value(r->p, f, eq + 1);
            if (v[n].i < 0) fail_msg("no value `%s` in `%s`", eq + 1, name);
            break;
        case SLATE_T_STRING: v[n].s = eq + 1, v[n].len = strlen(eq + 1); break;
        case SLATE_T_BOOL: v[n].i = strcmp(eq + 1, "true") == 0; break;
        default: v[n].i = atoll(eq + 1);
        }
        n++;
    }
    int type_id = slate_program_event_id(r->p, type);
    if (type_id < 0) fail_msg("no event `%s`", type);
    slate_event ev = {id, id ? strlen(id) : 0, type_id, at(when), NULL, 0, v, n, ++r->seq};
    return slate_engine_push(r->e, &ev, sink, &r->c);
}

static int ev_(run *r, const char *type, const char *id, const char *when, ...)
{
    va_list ap;
    va_start(ap, when);
    int rc = evv(r, type, id, when, ap);
    va_end(ap);
    return rc;
}

#define EV(r, type, id, when, ...) ev_((r), (type), (id), (when), ##__VA_ARGS__, (const char *)NULL)

static void advance(run *r, const char *when)
{
    assert_int_equal(slate_engine_advance(r->e, at(when), sink, &r->c), SLATE_OK);
}

/* ---- scenarios ------------------------------------------------------------------- */

/* Business hours in Shanghai (UTC+8): opened Friday 17:00 local with a 2h response
 * target: one hour on Friday, the second on Monday 09:00-10:00 local. */
static const char *const shanghai =
    "policy \"weekend\" version \"1\"\n"
    "calendar business { zone \"Asia/Shanghai\"; hours mon-fri 09:00-18:00 }\n"
    "case { prio: enum { normal, high } }\n"
    "clock response starts on opened stops on responded\n"
    "sla fast when prio == high { response within 30m on business }\n"          /* 5 */
    "sla normal { response within 2h on business }\n";

static void test_business_hours_over_a_weekend(void **state)
{
    (void)state;
    run *r = start(shanghai, 0);
    EV(r, "opened", "c1", "2025-03-07T17:00+08:00");
    EXPECT(&r->c, "03-07T09:00 c1 sla normal [{\"clock\":\"response\",\"target_s\":7200}]",
           "03-07T09:00 c1 start response dl=03-10T02:00");
    assert_int_equal(r->c.d[0].rule_line, 6);
    assert_int_equal(r->c.d[1].rule_line, 4);
    /* the weekend passes with nothing due */
    advance(r, "2025-03-10T09:29+08:00");
    assert_int_equal(r->c.n, 0);
    EV(r, "responded", "c1", "2025-03-10T09:30+08:00");
    EXPECT(&r->c, "03-10T01:30 c1 stop response met el=5400s");
    finish(r);
}

/* The policy most scenarios share (line numbers matter: decisions name them). */
static const char *const service =
    "policy \"service\" version \"1\"\n"                                            /* 1 */
    "calendar business { hours mon-fri 09:00-18:00; closed 2025-03-12 }\n"          /* 2 */
    "case { tier: enum { vip, std }  waiting: bool  score: int }\n"                 /* 3 */
    "levels { agent, specialist, supervisor, manager }\n"                           /* 4 */
    "clock response   starts on opened stops on responded\n"                        /* 5 */
    "clock resolution starts on opened stops on resolved\n"                         /* 6 */
    "                 pauses while waiting\n"                                       /* 7 */
    "clock follow_up  starts on resolved stops on followed_up\n"                    /* 8 */
    "ladder standard {\n"                                                           /* 9 */
    "    at 50% of resolution notify assignee \"half way\"\n"                       /* 10 */
    "    at 30m before breach of response notify assignee \"30m left\"\n"           /* 11 */
    "    at breach of response escalate to specialist\n"                            /* 12 */
    "    at breach of resolution escalate to supervisor\n"                          /* 13 */
    "    at breach of resolution + 2h escalate to manager; notify manager \"2h past\"\n" /* 14 */
    "}\n"                                                                           /* 15 */
    "sla vip when tier == vip {\n"                                                  /* 16 */
    "    response within 1h; resolution within 4h; follow_up within 24h\n"         /* 17 */
    "    ladder standard\n"                                                         /* 18 */
    "}\n"                                                                           /* 19 */
    "sla std {\n"                                                                   /* 20 */
    "    response within 2h on business\n"                                          /* 21 */
    "    resolution within 2 working days on business\n"                            /* 22 */
    "    ladder standard\n"                                                         /* 23 */
    "}\n"                                                                           /* 24 */
    "on opened when tier == vip as vip_intake { route vip_desk }\n"                 /* 25 */
    "on surveyed when score <= 2 { open review within 1 working day on business }\n" /* 26 */
    "on reopened { notify assignee \"reopened\" }\n";                               /* 27 */

#define VIP_SLA(resp_dl, res_dl)                                                     \
    "sla vip [{\"clock\":\"response\",\"target_s\":3600" resp_dl "},"                \
    "{\"clock\":\"resolution\",\"target_s\":14400" res_dl "},"                       \
    "{\"clock\":\"follow_up\",\"target_s\":86400}]"
#define DL(t) ",\"deadline\":\"2025-03-" t ".000Z\""

static void test_ladder_steps_once_each_in_order(void **state)
{
    (void)state;
    run *r = start(service, 0);
    EV(r, "opened", "c1", "2025-03-10T10:00Z", "tier=vip");
    EXPECT(&r->c, "03-10T10:00 c1 " VIP_SLA("", ""),
           "03-10T10:00 c1 start response dl=03-10T11:00",
           "03-10T10:00 c1 start resolution dl=03-10T14:00",
           "03-10T10:00 c1 route vip_desk");
    assert_int_equal(r->c.d[0].rule_line, 16);
    assert_int_equal(r->c.d[1].rule_line, 5);
    assert_int_equal(r->c.d[3].rule_line, 25);
    assert_string_equal(r->c.d[3].rule_label == NULL ? "" : "vip_intake", "vip_intake");
    advance(r, "2025-03-10T17:00Z");
    EXPECT(&r->c,
           "03-10T10:30 c1 warn response before=1800s",
           "03-10T10:30 c1 notify assignee \"30m left\"",
           "03-10T11:00 c1 breach response",
           "03-10T11:00 c1 escalate specialist",
           "03-10T12:00 c1 warn resolution 50%",
           "03-10T12:00 c1 notify assignee \"half way\"",
           "03-10T14:00 c1 breach resolution",
           "03-10T14:00 c1 escalate supervisor",
           "03-10T16:00 c1 breach resolution +7200s",
           "03-10T16:00 c1 escalate manager",
           "03-10T16:00 c1 notify manager \"2h past\"");
    static const uint32_t lines[] = {11, 11, 12, 12, 10, 10, 13, 13, 14, 14, 14};
    for (int i = 0; i < 11; i++) {
        assert_int_equal(r->c.d[i].rule_line, lines[i]);
        assert_int_equal(r->c.d[i].event_seq, 0);
    }
    advance(r, "2025-03-20T00:00Z");
    assert_int_equal(r->c.n, 0);
    finish(r);
}

static void test_holiday_inside_two_working_days(void **state)
{
    (void)state;
    run *r = start(service, 0);
    /* Tuesday 10:00: 8h today, Wednesday 03-12 closed, 9h Thursday, 1h Friday */
    EV(r, "opened", "c1", "2025-03-11T10:00Z", "tier=std");
    EXPECT(&r->c,
           "03-11T10:00 c1 sla std [{\"clock\":\"response\",\"target_s\":7200},"
           "{\"clock\":\"resolution\",\"target_s\":64800}]",
           "03-11T10:00 c1 start response dl=03-11T12:00",
           "03-11T10:00 c1 start resolution dl=03-14T10:00");
    EV(r, "responded", "c1", "2025-03-11T11:00Z");
    EXPECT(&r->c, "03-11T11:00 c1 stop response met el=3600s");
    advance(r, "2025-03-14T10:00Z");
    EXPECT(&r->c,
           "03-13T10:00 c1 warn resolution 50%",
           "03-13T10:00 c1 notify assignee \"half way\"",
           "03-14T10:00 c1 breach resolution",
           "03-14T10:00 c1 escalate supervisor");
    finish(r);
}

static void test_pause_while_waiting_across_a_night(void **state)
{
    (void)state;
    run *r = start(service, 0);
    EV(r, "opened", "c1", "2025-03-10T16:00Z", "tier=std");
    EV(r, "responded", "c1", "2025-03-10T16:30Z");
    r->c.n = 0;
    EV(r, "updated", "c1", "2025-03-10T17:00Z", "waiting=true");
    EXPECT(&r->c, "03-10T17:00 c1 pause resolution el=3600s");
    assert_int_equal(r->c.d[0].rule_line, 6);
    /* waiting all night and into the morning: nothing counts, nothing fires */
    EV(r, "updated", "c1", "2025-03-11T10:00Z", "waiting=false");
    EXPECT(&r->c, "03-11T10:00 c1 resume resolution dl=03-13T18:00");
    advance(r, "2025-03-11T18:00Z");
    EXPECT(&r->c, "03-11T18:00 c1 warn resolution 50%",
           "03-11T18:00 c1 notify assignee \"half way\"");
    EV(r, "resolved", "c1", "2025-03-13T12:00Z");
    EXPECT(&r->c, "03-13T12:00 c1 stop resolution met el=43200s");
    finish(r);
}

/* The engine re-runs the tier selection only when something it reads changes
 * (engine.c sel_inputs): a field the selection does not read changes nothing, a
 * field it reads (by an event or by `set`) and the level (by `escalate`) choose
 * the tier again. */
static const char *const selinputs =
    "policy \"sel\" version \"1\"\n"
    "case { prio: enum { normal, high } note: string other: int }\n"
    "levels { agent, supervisor }\n"
    "clock response starts on opened stops on responded\n"
    "sla escalated when level >= supervisor { response within 10m }\n"
    "sla fast when prio == high { response within 30m }\n"
    "sla normal { response within 2h }\n"
    "on updated when note == \"raise\" { escalate to supervisor }\n"
    "on updated when note == \"high\" { set prio = high }\n"
    "on updated when note == \"other\" { set other = 7 }\n";

static void test_selection_reruns_only_on_what_it_reads(void **state)
{
    (void)state;
    run *r = start(selinputs, 0);
    EV(r, "opened", "c1", "2025-03-10T10:00Z");
    EXPECT(&r->c,
           "03-10T10:00 c1 sla normal [{\"clock\":\"response\",\"target_s\":7200}]",
           "03-10T10:00 c1 start response dl=03-10T12:00");
    EV(r, "updated", "c1", "2025-03-10T10:01Z", "other=3");
    EV(r, "updated", "c1", "2025-03-10T10:02Z", "note=other");
    EXPECT(&r->c, "03-10T10:02 c1 set other=7");
    EV(r, "updated", "c1", "2025-03-10T10:03Z", "note=high");
    EXPECT(&r->c, "03-10T10:03 c1 set prio=\"high\"",
           "03-10T10:03 c1 sla fast [{\"clock\":\"response\",\"target_s\":1800"
           DL("10T10:30:00") "}]");
    EV(r, "updated", "c1", "2025-03-10T10:04Z", "prio=normal", "note=");
    EXPECT(&r->c, "03-10T10:04 c1 sla normal [{\"clock\":\"response\",\"target_s\":7200"
                  DL("10T12:00:00") "}]");
    EV(r, "updated", "c1", "2025-03-10T10:05Z", "note=raise");
    EXPECT(&r->c, "03-10T10:05 c1 escalate supervisor",
           "03-10T10:05 c1 sla escalated [{\"clock\":\"response\",\"target_s\":600"
           DL("10T10:10:00") "}]");
    finish(r);
}

static void test_priority_raised_mid_case(void **state)
{
    (void)state;
    run *r = start(service, 0);
    EV(r, "opened", "c1", "2025-03-10T10:00Z", "tier=std");
    r->c.n = 0;
    /* 45 minutes in, the customer turns out to be a VIP: response keeps its 45m
     * of the new 1h, so "30m before" is already passed and fires at once */
    EV(r, "updated", "c1", "2025-03-10T10:45Z", "tier=vip");
    EXPECT(&r->c, "03-10T10:45 c1 " VIP_SLA(DL("10T11:00:00"), DL("10T14:00:00")),
           "03-10T10:45 c1 warn response before=1800s",
           "03-10T10:45 c1 notify assignee \"30m left\"");
    assert_int_equal(r->c.d[0].event_seq, 2);
    assert_int_equal(r->c.d[1].event_seq, 0);
    advance(r, "2025-03-10T11:00Z");
    EXPECT(&r->c, "03-10T11:00 c1 breach response", "03-10T11:00 c1 escalate specialist");
    finish(r);
}

static void test_tier_downgraded_after_breach(void **state)
{
    (void)state;
    run *r = start(service, 0);
    EV(r, "opened", "c1", "2025-03-10T10:00Z", "tier=vip");
    EV(r, "responded", "c1", "2025-03-10T10:10Z");
    r->c.n = 0;
    advance(r, "2025-03-10T14:30Z");
    EXPECT(&r->c, "03-10T12:00 c1 warn resolution 50%",
           "03-10T12:00 c1 notify assignee \"half way\"",
           "03-10T14:00 c1 breach resolution", "03-10T14:00 c1 escalate supervisor");
    /* 4.5h used of 18 business hours: 50% and the breach stay fired; the deadline
     * moves to Thursday (Wednesday is closed), breach + 2h to Thursday noon */
    EV(r, "updated", "c1", "2025-03-10T14:30Z", "tier=std");
    EXPECT(&r->c, "03-10T14:30 c1 sla std [{\"clock\":\"response\",\"target_s\":7200},"
                  "{\"clock\":\"resolution\",\"target_s\":64800" DL("13T10:00:00") "}]");
    advance(r, "2025-03-13T12:00Z");
    EXPECT(&r->c, "03-13T12:00 c1 breach resolution +7200s",
           "03-13T12:00 c1 escalate manager", "03-13T12:00 c1 notify manager \"2h past\"");
    finish(r);
}

static void test_reopen(void **state)
{
    (void)state;
    run *r = start(service, 0);
    EV(r, "opened", "c1", "2025-03-10T10:00Z", "tier=vip");
    EV(r, "responded", "c1", "2025-03-10T10:10Z");
    r->c.n = 0;
    EV(r, "resolved", "c1", "2025-03-10T11:00Z");
    EXPECT(&r->c, "03-10T11:00 c1 stop resolution met el=3600s",
           "03-10T11:00 c1 start follow_up dl=03-11T11:00");
    EV(r, "reopened", "c1", "2025-03-10T12:00Z");
    /* what the resolution stopped runs again with its time kept (resolution:
     * 1h of 4h used); the response, met at 10:10, stays met */
    EXPECT(&r->c, "03-10T12:00 c1 resume resolution dl=03-10T15:00",
           "03-10T12:00 c1 notify assignee \"reopened\"");
    EV(r, "responded", "c1", "2025-03-10T12:05Z");
    EXPECT(&r->c, NULL);
    advance(r, "2025-03-10T15:00Z");
    EXPECT(&r->c, "03-10T13:00 c1 warn resolution 50%",
           "03-10T13:00 c1 notify assignee \"half way\"",
           "03-10T15:00 c1 breach resolution", "03-10T15:00 c1 escalate supervisor");
    /* a reopened case that resets its clock starts it again from zero */
    finish(r);

    char *src = malloc(strlen(service) + 64);
    strcpy(src, service);
    char *at7 = strstr(src, "pauses while waiting");
    memcpy(at7, "resets on reopened  ", 20);
    r = start(src, 0);
    free(src);
    EV(r, "opened", "c1", "2025-03-10T10:00Z", "tier=vip");
    advance(r, "2025-03-10T12:30Z");
    EV(r, "resolved", "c1", "2025-03-10T12:30Z");
    r->c.n = 0;
    EV(r, "reopened", "c1", "2025-03-10T13:00Z");
    EXPECT(&r->c, "03-10T13:00 c1 start resolution dl=03-10T17:00",
           "03-10T13:00 c1 notify assignee \"reopened\"");
    advance(r, "2025-03-10T15:00Z");
    EXPECT(&r->c, "03-10T15:00 c1 warn resolution 50%",
           "03-10T15:00 c1 notify assignee \"half way\"");
    finish(r);
}

static void test_timers_fire_with_no_event_for_the_case(void **state)
{
    (void)state;
    run *r = start(service, 0);
    EV(r, "opened", "x", "2025-03-10T10:00Z", "tier=vip");
    EV(r, "opened", "y", "2025-03-10T10:00Z", "tier=std");
    r->c.n = 0;
    EV(r, "tick", NULL, "2025-03-10T11:35Z");
    EXPECT(&r->c,
           "03-10T10:30 x warn response before=1800s",
           "03-10T10:30 x notify assignee \"30m left\"",
           "03-10T11:00 x breach response",
           "03-10T11:00 x escalate specialist",
           "03-10T11:30 y warn response before=1800s",
           "03-10T11:30 y notify assignee \"30m left\"");
    /* an event for x fires y's due timers first */
    EV(r, "responded", "x", "2025-03-10T12:05Z");
    EXPECT(&r->c,
           "03-10T12:00 x warn resolution 50%",
           "03-10T12:00 x notify assignee \"half way\"",
           "03-10T12:00 y breach response",
           "03-10T12:00 y escalate specialist",
           "03-10T12:05 x stop response missed el=7500s breached=3600s");
    assert_int_equal(r->c.d[4].event_seq, 4);
    finish(r);
}

static void test_late_events_inside_and_beyond_tolerance(void **state)
{
    (void)state;
    run *r = start(service, 10 * MIN);
    EV(r, "opened", "c1", "2025-03-10T10:00Z", "tier=vip");
    EV(r, "tick", NULL, "2025-03-10T10:20Z"); /* the watermark: 10:10 */
    assert_true(r->c.n > 0);                 /* the opening, applied */
    r->c.n = 0;
    EV(r, "responded", "c1", "2025-03-10T10:12Z"); /* 8m late: held */
    assert_int_equal(r->c.n, 0);
    EV(r, "resolved", "c1", "2025-03-10T10:05Z"); /* 15m late: rejected */
    EXPECT(&r->c, "03-10T10:10 c1 reject event time 2025-03-10T10:05:00.000Z is 15m before "
                  "the stream's time 2025-03-10T10:20:00.000Z (tolerance 10m)");
    EV(r, "resolved", "c1", "2025-03-10T10:25Z"); /* the watermark: 10:15 */
    EXPECT(&r->c, "03-10T10:12 c1 stop response met el=720s"); /* at its own instant */
    assert_int_equal(slate_engine_flush(r->e, sink, &r->c), SLATE_OK);
    EXPECT(&r->c, "03-10T10:25 c1 stop resolution met el=1500s", /* the clock still ran */
           "03-10T10:25 c1 start follow_up dl=03-11T10:25");
    finish(r);
}

/* Europe/Paris moves from UTC+1 to UTC+2 at 2025-03-30 02:00 local. */
static const char *const paris =
    "policy \"dst\" version \"1\"\n"
    "calendar daytime { zone \"Europe/Paris\"; hours mon-sun 09:00-17:00 }\n"
    "calendar nights  { zone \"Europe/Paris\"; hours mon-sun 00:00-04:00 }\n"
    "clock response   starts on opened stops on responded\n"
    "clock resolution starts on opened stops on resolved\n"
    "sla only { response within 10h on daytime; resolution within 8h on nights }\n";

static void test_dst_change_inside_a_target(void **state)
{
    (void)state;
    run *r = start(paris, 0);
    /* Saturday 16:00 CET.  response: 1h Saturday, 8h Sunday, 1h Monday -> Monday
     * 10:00 CEST (08:00Z).  resolution: Sunday's 00:00-04:00 has only 3 hours
     * (02:00-03:00 does not exist), Monday 4h, Tuesday 1h -> 01:00 CEST (23:00Z). */
    EV(r, "opened", "c1", "2025-03-29T16:00+01:00");
    EXPECT(&r->c,
           "03-29T15:00 c1 sla only [{\"clock\":\"response\",\"target_s\":36000},"
           "{\"clock\":\"resolution\",\"target_s\":28800}]",
           "03-29T15:00 c1 start response dl=03-31T08:00",
           "03-29T15:00 c1 start resolution dl=03-31T23:00");
    advance(r, "2025-04-01T00:00Z");
    EXPECT(&r->c, "03-31T08:00 c1 breach response", "03-31T23:00 c1 breach resolution");
    finish(r);
}

static void test_closed_case_leaves_the_store(void **state)
{
    (void)state;
    run *r = start(service, 0);
    EV(r, "opened", "a", "2025-03-10T10:00Z", "tier=vip");
    EV(r, "opened", "b", "2025-03-10T10:00Z", "tier=vip");
    EV(r, "opened", "c", "2025-03-10T10:00Z", "tier=vip");
    assert_int_equal(slate_engine_open_cases(r->e), 3);
    r->c.n = 0;
    EV(r, "closed", "b", "2025-03-10T10:10Z");
    EXPECT(&r->c, "03-10T10:10 b close");
    assert_int_equal(slate_engine_open_cases(r->e), 2);
    advance(r, "2025-03-10T10:30Z");
    EXPECT(&r->c, "03-10T10:30 a warn response before=1800s",
           "03-10T10:30 a notify assignee \"30m left\"",
           "03-10T10:30 c warn response before=1800s",
           "03-10T10:30 c notify assignee \"30m left\"");
    EV(r, "responded", "b", "2025-03-10T10:40Z");
    EXPECT(&r->c, "03-10T10:40 b reject unknown case `b`");
    EV(r, "opened", "b", "2025-03-10T10:50Z", "tier=std");
    assert_int_equal(slate_engine_open_cases(r->e), 3);
    finish(r);
}

static void test_hot_swap(void **state)
{
    (void)state;
    run *r = start(service, 0);
    /* v2: fields in another order, enum values reordered, vip response 2h */
    char *v2src = malloc(strlen(service) + 64);
    strcpy(v2src, service);
    char *cs = strstr(v2src, "case {");
    memcpy(cs, "case { score: int  tier: enum { std, vip }  waiting: bool }", 59);
    memcpy(strstr(v2src, "response within 1h"), "response within 2h", 18);
    slate_program *v2 = compile(v2src);
    free(v2src);
    assert_string_not_equal(slate_program_hash(v2), slate_program_hash(r->p));

    EV(r, "opened", "v", "2025-03-10T10:00Z", "tier=vip");
    EV(r, "opened", "s", "2025-03-10T10:00Z", "tier=std");
    EV(r, "tick", NULL, "2025-03-10T10:20Z");
    r->c.n = 0;
    assert_int_equal(slate_engine_swap(r->e, v2, sink, &r->c), SLATE_OK);
    EXPECT(&r->c, "03-10T10:20 v sla vip [{\"clock\":\"response\",\"target_s\":7200"
                  DL("10T12:00:00") "},{\"clock\":\"resolution\",\"target_s\":14400"
                  DL("10T14:00:00") "},{\"clock\":\"follow_up\",\"target_s\":86400}]");
    assert_ptr_equal(r->c.d[0].program, v2);
    advance(r, "2025-03-10T12:00Z");
    EXPECT(&r->c,
           "03-10T11:30 v warn response before=1800s",
           "03-10T11:30 v notify assignee \"30m left\"",
           "03-10T11:30 s warn response before=1800s",
           "03-10T11:30 s notify assignee \"30m left\"",
           "03-10T12:00 v breach response",
           "03-10T12:00 v escalate specialist",
           "03-10T12:00 v warn resolution 50%",
           "03-10T12:00 v notify assignee \"half way\"",
           "03-10T12:00 s breach response",
           "03-10T12:00 s escalate specialist");
    for (int i = 0; i < r->c.n; i++) assert_ptr_equal(r->c.d[i].program, v2);
    /* and back: the old program's tighter response is long past, nothing refires */
    assert_int_equal(slate_engine_swap(r->e, r->p, sink, &r->c), SLATE_OK);
    EXPECT(&r->c, "03-10T12:00 v " VIP_SLA("", DL("10T14:00:00")));
    slate_engine_free(r->e);
    r->e = NULL;
    slate_program_free(v2);
    finish(r);
}

/* ---- missing fields: `required on` and strict mode (docs/semantics.md) ---------------- */

static const char *const fields_src =
    "policy \"m\" version \"1\"\n"
    "case { priority: enum { p1, p2 } required on opened\n"
    "       channel: enum { phone, web }\n"
    "       agent: string\n"
    "       vip: bool }\n"
    "clock response starts on opened stops on responded\n"
    "sla urgent when priority == p1 or vip { response within 15m }\n"
    "sla normal { response within 4h }\n"
    "on responded when channel == web { route web_desk }\n"
    "on updated { notify lead \"updated\" }\n";

static run *start_strict(const char *src)
{
    run *r = calloc(1, sizeof *r);
    r->p = compile(src);
    slate_engine_opts o = {.strict = 1};
    r->e = slate_engine_new(r->p, &o);
    assert_non_null(r->e);
    return r;
}

/* Without strict mode a field no event gave reads as its zero value; `required
 * on` still refuses an `opened` without `priority`, which opens no case. */
static void test_required_field(void **state)
{
    (void)state;
    run *r = start(fields_src, 0);
    EV(r, "opened", "a", "2025-03-10T10:00Z", "vip=true");
    EXPECT(&r->c, "03-10T10:00 a reject missing required field `priority`");
    assert_int_equal(slate_engine_open_cases(r->e), 0);
    EV(r, "opened", "a", "2025-03-10T10:01Z", "priority=p2");
    EXPECT(&r->c, "03-10T10:01 a sla normal [{\"clock\":\"response\",\"target_s\":14400}]",
           "03-10T10:01 a start response dl=03-10T14:01");
    EV(r, "responded", "a", "2025-03-10T10:02Z"); /* channel reads phone */
    EXPECT(&r->c, "03-10T10:02 a stop response met el=60s");
    finish(r);
}

/* Strict mode: each event must leave a value in every field the tier
 * conditions and its type's rules read, given by it or earlier; the bits
 * follow the fields through a hot swap by name. */
static void test_strict_fields(void **state)
{
    (void)state;
    run *r = start_strict(fields_src);
    EV(r, "opened", "b", "2025-03-10T10:00Z", "priority=p2");
    EXPECT(&r->c, "03-10T10:00 b reject missing field `vip`, which the policy reads (strict: it "
                  "has no value yet)");
    EV(r, "opened", "b", "2025-03-10T10:01Z", "priority=p2", "vip=false");
    EXPECT(&r->c, "03-10T10:01 b sla normal [{\"clock\":\"response\",\"target_s\":14400}]",
           "03-10T10:01 b start response dl=03-10T14:01");
    EV(r, "responded", "b", "2025-03-10T10:02Z");
    EXPECT(&r->c, "03-10T10:02 b reject missing field `channel`, which the policy reads (strict: "
                  "it has no value yet)");
    EV(r, "updated", "b", "2025-03-10T10:03Z", "channel=web"); /* its rules read nothing */
    EXPECT(&r->c, "03-10T10:03 b notify lead \"updated\"");
    EV(r, "responded", "b", "2025-03-10T10:04Z");
    EXPECT(&r->c, "03-10T10:04 b stop response met el=180s", "03-10T10:04 b route web_desk");
    EV(r, "tick", NULL, "2025-03-10T10:05Z"); /* no case, nothing to need */
    assert_int_equal(r->c.n, 0);

    /* v2's tiers also read `agent`, which case b never had */
    slate_program *v2 = compile("policy \"m\" version \"2\"\n"
                                "case { vip: bool  agent: string  channel: enum { phone, web } }\n"
                                "clock response starts on opened stops on responded\n"
                                "sla urgent when vip or agent == \"x\" { response within 15m }\n"
                                "sla normal { response within 4h }\n"
                                "on updated { notify lead \"updated\" }\n");
    assert_int_equal(slate_engine_swap(r->e, v2, sink, &r->c), SLATE_OK);
    r->c.n = 0;
    slate_program *v1 = r->p;
    r->p = v2; /* events name v2's fields from here on */
    EV(r, "updated", "b", "2025-03-10T10:06Z", "channel=phone");
    EXPECT(&r->c, "03-10T10:06 b reject missing field `agent`, which the policy reads (strict: it "
                  "has no value yet)");
    EV(r, "updated", "b", "2025-03-10T10:07Z", "agent=y");
    EXPECT(&r->c, "03-10T10:07 b notify lead \"updated\"");
    slate_engine_free(r->e);
    r->e = NULL;
    slate_program_free(v1);
    finish(r);
}

/* ---- the example policy: determinism and zero steady-state allocation ---------------- */

typedef struct counting {
    long calls, live;
} counting;

static void *count_realloc(void *ud, void *p, size_t n)
{
    counting *c = ud;
    c->calls++;
    if (n == 0) {
        c->live -= p != NULL;
        free(p);
        return NULL;
    }
    c->live += p == NULL;
    return realloc(p, n);
}

typedef struct digest {
    uint64_t h;
    uint64_t n;
} digest;

/* Folds every member of every decision into an FNV-1a hash. */
static int digest_sink(void *ud, const slate_decision *d)
{
    digest *g = ud;
    char line[2048];
    int n = snprintf(line, sizeof line,
                     "%llu|%lld|%.*s|%d|%llu|%u|%s|%s|%s|%s|%s|%s|%s|%s|%lld|%lld|%lld|%d|%d|%lld|%lld|%s",
                     (unsigned long long)d->seq, (long long)d->at, (int)d->case_len,
                     d->case_id ? d->case_id : "", (int)d->action, (unsigned long long)d->event_seq,
                     d->rule_line, d->rule_label ? d->rule_label : "", d->clock ? d->clock : "",
                     d->tier ? d->tier : "", d->to ? d->to : "", d->message ? d->message : "",
                     d->field ? d->field : "", d->value ? d->value : "",
                     slate_program_hash(d->program), (long long)d->target_ms,
                     (long long)d->deadline, (long long)d->elapsed_ms, d->met, d->percent,
                     (long long)d->before_ms, (long long)d->after_ms,
                     d->targets ? d->targets : "");
    for (int i = 0; i < n && i < (int)sizeof line; i++)
        g->h = (g->h ^ (unsigned char)line[i]) * 0x100000001b3u;
    g->n++;
    return 0;
}

static slate_program *example(void)
{
    size_t len;
    char *src = slatec_read_file("policies/example.slate", &len);
    assert_non_null(src);
    slate_program *p = compile(src);
    free(src);
    return p;
}

static uint64_t xorshift(uint64_t *x)
{
    *x ^= *x << 13, *x ^= *x >> 7, *x ^= *x << 17;
    return *x;
}

/* 300 cases opened, then `nevents` random events on them (every event type but
 * opened/closed, random fields from fixed sets).  Returns the digest. */
static digest example_stream(slate_program *p, const slate_allocator *al, counting *cnt,
                             long *calls_after_warmup, int nevents)
{
    slate_engine_opts o = SLATE_ENGINE_OPTS_INIT;
    o.tolerance_ms = 60 * S;
    o.allocator = al;
    slate_engine *e = slate_engine_new(p, &o);
    assert_non_null(e);
    digest g = {0xcbf29ce484222325u, 0};
    static const char *const agents[] = {"ann", "bob", "night \"shift\"\n", "zoe"};
    static const char *const types[] = {"updated", "responded", "paused", "resumed", "resolved",
                                        "reopened", "followed_up", "surveyed", "reviewed",
                                        "analysed", "handled", "fed_back", "tick"};
    int fields[9];
    static const char *const fnames[] = {"tier", "kind", "severity", "channel", "complex",
                                         "waiting_on_customer", "score", "agent", "budget"};
    for (int i = 0; i < 9; i++) assert_true((fields[i] = slate_program_field_id(p, fnames[i])) >= 0);
    uint64_t x = 0x9E3779B97F4A7C15u;
    int64_t t = at("2025-10-09T08:00+08:00");
    char id[32];
    slate_value v[9];
    uint64_t seq = 0;
    for (int c = 0; c < 300; c++) {
        snprintf(id, sizeof id, "case-%03d", c);
        size_t n = 0;
        v[n++] = (slate_value){fields[0], (int64_t)(xorshift(&x) % 4), NULL, 0};
        v[n++] = (slate_value){fields[1], (int64_t)(xorshift(&x) % 5), NULL, 0};
        v[n++] = (slate_value){fields[2], (int64_t)(xorshift(&x) % 3), NULL, 0};
        v[n++] = (slate_value){fields[3], (int64_t)(xorshift(&x) % 3), NULL, 0};
        v[n++] = (slate_value){fields[4], (int64_t)(xorshift(&x) % 2), NULL, 0};
        const char *ag = agents[c % 4];
        v[n++] = (slate_value){fields[7], 0, ag, strlen(ag)};
        slate_event ev = {id, strlen(id), slate_program_event_id(p, "opened"), t, NULL, 0, v, n,
                          ++seq};
        assert_int_equal(slate_engine_push(e, &ev, digest_sink, &g), SLATE_OK);
        t += 20 * S;
    }
    long before = cnt ? cnt->calls : 0;
    for (int i = 0; i < nevents; i++) {
        uint64_t r = xorshift(&x);
        snprintf(id, sizeof id, "case-%03d", (int)(r % 300));
        const char *tn = types[(r >> 10) % 13];
        /* mostly forward, sometimes a little late (inside the minute of tolerance),
         * now and then too late */
        int64_t step = (int64_t)((r >> 20) % 900) * S;
        int64_t when = t + step;
        if ((r >> 40) % 16 == 0) when = t - 30 * S;
        if ((r >> 44) % 64 == 0) when = t - 2 * H;
        if (when > t) t = when;
        size_t n = 0;
        int k = (int)((r >> 30) % 9);
        switch (k) {
        case 7: {
            const char *ag = agents[(r >> 50) % 4];
            v[n++] = (slate_value){fields[7], 0, ag, strlen(ag)};
            break;
        }
        case 8: v[n++] = (slate_value){fields[8], (int64_t)((r >> 50) % 4) * 45 * MIN, NULL, 0}; break;
        case 6: v[n++] = (slate_value){fields[6], (int64_t)((r >> 50) % 6), NULL, 0}; break;
        case 4:
        case 5: v[n++] = (slate_value){fields[k], (int64_t)((r >> 50) % 2), NULL, 0}; break;
        default: {
            static const int nvals[] = {4, 5, 3, 3};
            v[n++] = (slate_value){fields[k], (int64_t)((r >> 50) % (uint64_t)nvals[k]), NULL, 0};
        }
        }
        int type = slate_program_event_id(p, tn);
        slate_event ev = {id, strlen(id), type, when, "evt", 3, v, n, ++seq};
        assert_int_equal(slate_engine_push(e, &ev, digest_sink, &g), SLATE_OK);
    }
    if (calls_after_warmup) *calls_after_warmup = (cnt ? cnt->calls : 0) - before;
    slate_engine_free(e);
    return g;
}

static void test_determinism(void **state)
{
    (void)state;
    slate_program *p = example();
    slate_program *q = example(); /* compiled again: the same image, the same hash */
    assert_string_equal(slate_program_hash(p), slate_program_hash(q));
    digest a = example_stream(p, NULL, NULL, NULL, 20000);
    digest b = example_stream(q, NULL, NULL, NULL, 20000);
    assert_true(a.n > 15000); /* a busy stream, not a trivially empty one */
    assert_true(a.n == b.n);
    assert_true(a.h == b.h);
    slate_program_free(p);
    slate_program_free(q);
}

static void test_steady_state_allocates_nothing(void **state)
{
    (void)state;
    slate_program *p = example();
    counting cnt = {0, 0};
    slate_allocator al = {count_realloc, &cnt};
    long calls = -1;
    digest g = example_stream(p, &al, &cnt, &calls, 10000);
    assert_true(g.n > 10000);
    assert_int_equal(calls, 0);
    assert_int_equal(cnt.live, 0);
    slate_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_business_hours_over_a_weekend),
        cmocka_unit_test(test_ladder_steps_once_each_in_order),
        cmocka_unit_test(test_holiday_inside_two_working_days),
        cmocka_unit_test(test_pause_while_waiting_across_a_night),
        cmocka_unit_test(test_priority_raised_mid_case),
        cmocka_unit_test(test_selection_reruns_only_on_what_it_reads),
        cmocka_unit_test(test_tier_downgraded_after_breach),
        cmocka_unit_test(test_reopen),
        cmocka_unit_test(test_timers_fire_with_no_event_for_the_case),
        cmocka_unit_test(test_late_events_inside_and_beyond_tolerance),
        cmocka_unit_test(test_dst_change_inside_a_target),
        cmocka_unit_test(test_closed_case_leaves_the_store),
        cmocka_unit_test(test_hot_swap),
        cmocka_unit_test(test_required_field),
        cmocka_unit_test(test_strict_fields),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_steady_state_allocates_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
