/*
 * test_engine.c - the engine (runtime/engine.c and friends) on programs built by
 * hand: SLA selection, clocks, timers and ladders, pause conditions, rules and
 * actions, rejects, closing, reopening, the case store, determinism, and the
 * promise that steady-state events allocate nothing.
 *
 * Decisions are captured as compact lines, "TIME CASE ACTION details", with TIME
 * as MM-DDTHH:MM (seconds only when not zero), so each test states the exact
 * decision stream it expects.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_int.h"
#include "capture.h"
#include "progbuild.h"
#include "slate.h"
#include "timestamp.h"

/* ---- time ----------------------------------------------------------------------- */

/* 2025-03-DD HH:MM UTC.  2025-03-07 is a Friday, 03-10 a Monday. */
static int64_t T(int d, int h, int m)
{
    return civil_to_days(2025, 3, d) * DAY + h * H + m * MIN;
}

/* ---- the test program ------------------------------------------------------------- */

/*
 * case { tier: enum { vip, std }  waiting: bool  note: string  score: int }
 * levels { agent, specialist, supervisor, manager }
 * calendar business { hours mon-fri 09:00-18:00; closed 2025-03-12 }     (UTC)
 * clock response   starts on opened stops on responded                   # line 10
 * clock resolution starts on opened stops on resolved pauses on paused   # line 11
 *                  resumes on resumed pauses while waiting
 * clock follow_up  starts on resolved stops on followed_up               # line 12
 * ladder standard {
 *     at 75% of resolution         notify assignee "resolution target near" # 30
 *     at breach of resolution      escalate to specialist                   # 31
 *     at breach of resolution + 1h escalate to supervisor; notify manager "1h past"  # 32
 * }
 * sla vip when tier == vip {                                             # line 20
 *     response within 15m; resolution within 4h; follow_up within 24h; ladder standard }
 * sla std {                                                              # line 25
 *     response within 2h on business; resolution within 2 working days on business
 *     ladder standard }
 * on opened when tier == vip as vip_intake { route vip_desk }            # line 40
 * on surveyed when score <= 2 { open review within 1 working day on business
 *                               escalate to supervisor }                 # line 45
 * on updated when note == "make vip" { set tier = vip }                  # line 50
 */
enum { F_TIER, F_WAITING, F_NOTE, F_SCORE };
enum { C_RESPONSE, C_RESOLUTION, C_FOLLOW_UP, C_REVIEW };

static cal_span business_week[5];
static int32_t business_closed[1];
static cal_offset utc_offsets[1] = {{INT64_MIN, 0}};

static cal_table business(void)
{
    for (int d = 0; d < 5; d++) business_week[d] = (cal_span){d * DAY + 9 * H, d * DAY + 18 * H};
    business_closed[0] = (int32_t)civil_to_days(2025, 3, 12);
    return (cal_table){business_week, 5, business_closed, 1, utc_offsets, 1, 9 * H, NULL, 0};
}

/* variant 1 (for hot swap): a field `region` declared first, so every field index
 * moves, and a vip response target of 30m. */
static slate_program *support_v(pb *b, int reopen_flags, int variant)
{
    const int fo = variant ? 1 : 0;
    static const char *const tiers[] = {"vip", "std", NULL};
    pb_init(b, "support.slate");
    if (variant) pb_field(b, "region", PT_STRING, NULL);
    pb_field(b, "tier", PT_ENUM, tiers);
    pb_field(b, "waiting", PT_BOOL, NULL);
    pb_field(b, "note", PT_STRING, NULL);
    pb_field(b, "score", PT_INT, NULL);
    pb_level(b, "agent");
    pb_level(b, "specialist");
    pb_level(b, "supervisor");
    pb_level(b, "manager");
    uint32_t biz = pb_calendar(b, "business", business());

    pb_clock(b, "response", PCK_DECLARED, 0, 10);
    pb_clock(b, "resolution", PCK_DECLARED, (uint8_t)(PCF_REOPENS | reopen_flags), 11);
    pb_clock(b, "follow_up", PCK_DECLARED, 0, 12);
    pb_clock(b, "review", PCK_REVIEW, 0, 45);
    b->clocks[C_REVIEW].until_event = 10; /* reviewed */

    pb_evop(b, "opened", C_RESPONSE, EVOP_START);
    pb_evop(b, "opened", C_RESOLUTION, EVOP_START);
    pb_evop(b, "responded", C_RESPONSE, EVOP_STOP);
    pb_evop(b, "paused", C_RESOLUTION, EVOP_PAUSE);
    pb_evop(b, "resumed", C_RESOLUTION, EVOP_RESUME);
    pb_evop(b, "resolved", C_RESOLUTION, EVOP_STOP);
    pb_evop(b, "resolved", C_FOLLOW_UP, EVOP_START);
    pb_evop(b, "followed_up", C_FOLLOW_UP, EVOP_STOP);

    /* code blocks */
    b->line = 30;
    int32_t c_near = pb_op(b, OP_NOTIFY, 0, (uint16_t)pb_str(b, "assignee"), (int32_t)pb_str(b, "resolution target near"));
    pb_op(b, OP_HALT, 0, 0, 0);
    b->line = 31;
    int32_t c_spec = pb_op(b, OP_ESCALATE, 0, 1, 0);
    pb_op(b, OP_HALT, 0, 0, 0);
    b->line = 32;
    int32_t c_sup = pb_op(b, OP_ESCALATE, 0, 2, 0);
    pb_op(b, OP_NOTIFY, 0, (uint16_t)pb_str(b, "manager"), (int32_t)pb_str(b, "1h past"));
    pb_op(b, OP_HALT, 0, 0, 0);

    b->line = 20;
    b->p.select = pb_op(b, OP_FIELD, 0, (uint16_t)(F_TIER + fo), 0);
    pb_op(b, OP_LOADI, 1, 0, 0);
    pb_op(b, OP_EQ, 2, 0, 1);
    pb_op(b, OP_JMPF, 2, 0, (int32_t)b->ncode + 2);
    pb_op(b, OP_TIER, 0, 0, 0);
    pb_op(b, OP_TIER, 0, 0, 1);

    b->line = 11;
    b->clocks[C_RESOLUTION].pause_while = pb_op(b, OP_FIELD, 0, (uint16_t)(F_WAITING + fo), 0);
    pb_op(b, OP_RET, 0, 0, 0);

    /* tiers */
    pb_tier(b, "vip", 20, 0);
    pb_target(b, 1, C_RESPONSE, PROG_NONE, variant ? 30 * MIN : 15 * MIN, 21);
    pb_step(b, STEP_K_BREACH, 0, PROG_NO_CODE, 21, 1);
    pb_target(b, 1, C_RESOLUTION, PROG_NONE, 4 * H, 22);
    pb_step(b, STEP_K_PERCENT, 75, c_near, 30, 0);
    pb_step(b, STEP_K_BREACH, 0, PROG_NO_CODE, 22, 1);
    pb_step(b, STEP_K_BREACH, 0, c_spec, 31, 0);
    pb_step(b, STEP_K_BREACH, H, c_sup, 32, 0);
    pb_target(b, 1, C_FOLLOW_UP, PROG_NONE, 24 * H, 23);
    pb_step(b, STEP_K_BREACH, 0, PROG_NO_CODE, 23, 1);
    pb_tier(b, "std", 25, 1);
    pb_target(b, 1, C_RESPONSE, (uint16_t)biz, 2 * H, 26);
    pb_step(b, STEP_K_BREACH, 0, PROG_NO_CODE, 26, 1);
    pb_target(b, 1, C_RESOLUTION, (uint16_t)biz, 18 * H, 27);
    pb_step(b, STEP_K_PERCENT, 75, c_near, 30, 0);
    pb_step(b, STEP_K_BREACH, 0, PROG_NO_CODE, 27, 1);
    pb_step(b, STEP_K_BREACH, 0, c_spec, 31, 0);
    pb_step(b, STEP_K_BREACH, H, c_sup, 32, 0);
    uint32_t t_review = pb_target(b, 0, C_REVIEW, (uint16_t)biz, 9 * H, 45);

    /* rules */
    b->line = 40;
    uint32_t r0 = pb_rule(b, 0, 40, "vip_intake");
    b->events[0].rules = pb_op(b, OP_RULE, 0, 0, (int32_t)r0);
    pb_op(b, OP_FIELD, 0, (uint16_t)(F_TIER + fo), 0);
    pb_op(b, OP_LOADI, 1, 0, 0);
    pb_op(b, OP_EQ, 2, 0, 1);
    pb_op(b, OP_JMPF, 2, 0, (int32_t)b->ncode + 2);
    pb_op(b, OP_ROUTE, 0, 0, (int32_t)pb_str(b, "vip_desk"));
    pb_op(b, OP_HALT, 0, 0, 0);

    b->line = 45;
    uint32_t r1 = pb_rule(b, 9, 45, NULL);
    b->events[9].rules = pb_op(b, OP_RULE, 0, 0, (int32_t)r1);
    pb_op(b, OP_FIELD, 0, (uint16_t)(F_SCORE + fo), 0);
    pb_op(b, OP_LOADI, 1, 0, 2);
    pb_op(b, OP_LE, 2, 0, 1);
    pb_op(b, OP_JMPF, 2, 0, (int32_t)b->ncode + 3);
    pb_op(b, OP_REVIEW, 0, C_REVIEW, (int32_t)t_review);
    pb_op(b, OP_ESCALATE, 0, 2, 0);
    pb_op(b, OP_HALT, 0, 0, 0);

    b->line = 50;
    uint32_t r2 = pb_rule(b, 2, 50, NULL);
    b->events[2].rules = pb_op(b, OP_RULE, 0, 0, (int32_t)r2);
    pb_op(b, OP_FIELD, 0, (uint16_t)(F_NOTE + fo), 0);
    pb_op(b, OP_LOADS, 1, 0, (int32_t)pb_str(b, "make vip"));
    pb_op(b, OP_EQ, 2, 0, 1);
    pb_op(b, OP_JMPF, 2, 0, (int32_t)b->ncode + 3);
    pb_op(b, OP_LOADI, 3, 0, 0);
    pb_op(b, OP_SET, 3, (uint16_t)(F_TIER + fo), 0);
    pb_op(b, OP_HALT, 0, 0, 0);
    return pb_finish(b);
}

static slate_program *support(pb *b, int reopen_flags)
{
    return support_v(b, reopen_flags, 0);
}

/* ---- driving the engine ----------------------------------------------------------- */

typedef struct rig {
    pb b;
    slate_program *p;
    slate_engine *e;
    cap c;
    uint64_t seq;
} rig;

static rig *rig_new(int64_t tolerance, int reopen_flags)
{
    rig *r = calloc(1, sizeof *r);
    r->p = support(&r->b, reopen_flags);
    slate_engine_opts o = SLATE_ENGINE_OPTS_INIT;
    o.tolerance_ms = tolerance;
    r->e = slate_engine_new(r->p, &o);
    assert_non_null(r->e);
    return r;
}

static void rig_free(rig *r)
{
    slate_engine_free(r->e);
    free(r);
}

/* Push an event: values as "field=value" strings (enums by name, ints, bools). */
static int push(rig *r, const char *type, const char *id, int64_t at, ...)
{
    slate_value v[8];
    size_t n = 0;
    va_list ap;
    va_start(ap, at);
    for (const char *kv; (kv = va_arg(ap, const char *));) {
        const char *eq = strchr(kv, '=');
        int f = -1;
        for (uint32_t i = 0; i < r->p->nfields; i++)
            if (strlen(prog_str(r->p, r->p->fields[i].name)) == (size_t)(eq - kv) &&
                strncmp(prog_str(r->p, r->p->fields[i].name), kv, (size_t)(eq - kv)) == 0)
                f = (int)i;
        assert_true(f >= 0);
        const prog_field *pf = &r->p->fields[f];
        v[n] = (slate_value){f, 0, NULL, 0};
        if (pf->type == PT_ENUM) {
            v[n].i = -1;
            for (uint32_t j = 0; j < pf->nvalues; j++)
                if (strcmp(prog_str(r->p, r->p->enum_values[pf->first_value + j]), eq + 1) == 0)
                    v[n].i = j;
            if (v[n].i < 0) v[n].i = atoi(eq + 1);
        } else if (pf->type == PT_STRING) {
            v[n].s = eq + 1;
            v[n].len = strlen(eq + 1);
        } else if (strcmp(eq + 1, "true") == 0) {
            v[n].i = 1;
        } else if (strcmp(eq + 1, "false") == 0) {
            v[n].i = 0;
        } else {
            v[n].i = atoll(eq + 1);
        }
        n++;
    }
    va_end(ap);
    int type_id = -1;
    for (uint32_t i = 0; i < r->p->nevents; i++)
        if (strcmp(prog_str(r->p, r->p->events[i].name), type) == 0) type_id = (int)i;
    assert_true(type_id >= 0);
    slate_event ev = {id, id ? strlen(id) : 0, type_id, at, NULL, 0, v, n, ++r->seq};
    return slate_engine_push(r->e, &ev, sink, &r->c);
}

#define PUSH(r, type, id, at, ...) push((r), (type), (id), (at), ##__VA_ARGS__, (const char *)NULL)

/* ---- tests ---------------------------------------------------------------------------- */

static void test_vip_ladder_fires_in_order_once(void **state)
{
    (void)state;
    rig *r = rig_new(0, 0);
    assert_int_equal(PUSH(r, "opened", "c1", T(10, 10, 0), "tier=vip"), SLATE_OK);
    EXPECT(&r->c,
           "03-10T10:00 c1 sla vip [{\"clock\":\"response\",\"target_s\":900},"
           "{\"clock\":\"resolution\",\"target_s\":14400},{\"clock\":\"follow_up\",\"target_s\":86400}]",
           "03-10T10:00 c1 start response dl=03-10T10:15",
           "03-10T10:00 c1 start resolution dl=03-10T14:00",
           "03-10T10:00 c1 route vip_desk");
    assert_int_equal(r->c.d[3].rule_line, 40);
    assert_int_equal(r->c.d[3].event_seq, 1);
    assert_int_equal(slate_engine_advance(r->e, T(10, 16, 0), sink, &r->c), SLATE_OK);
    EXPECT(&r->c,
           "03-10T10:15 c1 breach response",
           "03-10T13:00 c1 warn resolution 75%",
           "03-10T13:00 c1 notify assignee \"resolution target near\"",
           "03-10T14:00 c1 breach resolution",
           "03-10T14:00 c1 escalate specialist",
           "03-10T15:00 c1 breach resolution +3600s",
           "03-10T15:00 c1 escalate supervisor",
           "03-10T15:00 c1 notify manager \"1h past\"");
    assert_int_equal(r->c.d[0].event_seq, 0);
    assert_int_equal(r->c.d[0].rule_line, 21);
    assert_int_equal(r->c.d[3].rule_line, 31); /* the explicit step names the breach */
    assert_int_equal(r->c.d[5].rule_line, 32);
    /* nothing fires twice */
    assert_int_equal(slate_engine_advance(r->e, T(20, 0, 0), sink, &r->c), SLATE_OK);
    assert_int_equal(r->c.n, 0);
    assert_int_equal(PUSH(r, "responded", "c1", T(20, 0, 0)), SLATE_OK);
    EXPECT(&r->c, "03-20T00:00 c1 stop response missed el=828000s breached=900s");
    rig_free(r);
}

static void test_business_hours_over_weekend(void **state)
{
    (void)state;
    rig *r = rig_new(0, 0);
    /* Friday 17:00: one business hour left today, the next on Monday 09:00 */
    PUSH(r, "opened", "c2", T(7, 17, 0), "tier=std");
    EXPECT(&r->c,
           "03-07T17:00 c2 sla std [{\"clock\":\"response\",\"target_s\":7200},"
           "{\"clock\":\"resolution\",\"target_s\":64800}]",
           "03-07T17:00 c2 start response dl=03-10T10:00",
           "03-07T17:00 c2 start resolution dl=03-11T17:00");
    PUSH(r, "tick", NULL, T(10, 9, 59));
    assert_int_equal(r->c.n, 0);
    PUSH(r, "tick", NULL, T(10, 10, 0));
    EXPECT(&r->c, "03-10T10:00 c2 breach response");
    PUSH(r, "responded", "c2", T(10, 10, 30));
    EXPECT(&r->c, "03-10T10:30 c2 stop response missed el=9000s breached=7200s");
    rig_free(r);
}

static void test_stop_just_before_and_at_deadline(void **state)
{
    (void)state;
    rig *r = rig_new(0, 0);
    PUSH(r, "opened", "a", T(10, 10, 0), "tier=vip");
    PUSH(r, "opened", "b", T(10, 10, 0), "tier=vip");
    r->c.n = 0;
    PUSH(r, "responded", "a", T(10, 10, 15) - 1);
    EXPECT(&r->c, "03-10T10:14:59.999 a stop response met el=899s");
    PUSH(r, "responded", "b", T(10, 10, 15));
    EXPECT(&r->c, "03-10T10:15 b breach response", "03-10T10:15 b stop response missed el=900s breached=900s");
    rig_free(r);
}

static void test_pause_while_waiting_across_a_night(void **state)
{
    (void)state;
    rig *r = rig_new(0, 0);
    PUSH(r, "opened", "c3", T(10, 16, 0), "tier=std");
    PUSH(r, "responded", "c3", T(10, 16, 30));
    r->c.n = 0;
    /* 17:00 waiting on the customer: 1h of resolution used */
    PUSH(r, "updated", "c3", T(10, 17, 0), "waiting=true");
    EXPECT(&r->c, "03-10T17:00 c3 pause resolution el=3600s");
    /* the customer answers next day at 11:00: the night and the morning do not count */
    PUSH(r, "updated", "c3", T(11, 11, 0), "waiting=false");
    EXPECT(&r->c, "03-11T11:00 c3 resume resolution dl=03-14T10:00"); /* 03-12 is closed */
    PUSH(r, "resolved", "c3", T(11, 12, 0));
    EXPECT(&r->c, "03-11T12:00 c3 stop resolution met el=7200s");
    rig_free(r);
}

static void test_priority_raised_mid_case(void **state)
{
    (void)state;
    rig *r = rig_new(0, 0);
    PUSH(r, "opened", "c4", T(10, 10, 0), "tier=std");
    r->c.n = 0;
    /* 20 minutes later the customer turns out to be a VIP: response is already
     * 20m old (> 15m: breached at once), resolution keeps its 20m */
    PUSH(r, "updated", "c4", T(10, 10, 20), "tier=vip");
    EXPECT(&r->c,
           "03-10T10:20 c4 sla vip [{\"clock\":\"response\",\"target_s\":900},"
           "{\"clock\":\"resolution\",\"target_s\":14400,\"deadline\":\"2025-03-10T14:00:00.000Z\"},"
           "{\"clock\":\"follow_up\",\"target_s\":86400}]",
           "03-10T10:20 c4 breach response");
    assert_int_equal(r->c.d[0].event_seq, 2);
    assert_int_equal(r->c.d[0].rule_line, 20);
    assert_int_equal(r->c.d[1].event_seq, 0);
    rig_free(r);
}

static void test_set_action_reselects(void **state)
{
    (void)state;
    rig *r = rig_new(0, 0);
    PUSH(r, "opened", "c5", T(10, 10, 0), "tier=std");
    r->c.n = 0;
    PUSH(r, "updated", "c5", T(10, 10, 5), "note=make vip");
    EXPECT(&r->c, "03-10T10:05 c5 set tier=\"vip\"",
           "03-10T10:05 c5 sla vip [{\"clock\":\"response\",\"target_s\":900,"
           "\"deadline\":\"2025-03-10T10:15:00.000Z\"},"
           "{\"clock\":\"resolution\",\"target_s\":14400,\"deadline\":\"2025-03-10T14:00:00.000Z\"},"
           "{\"clock\":\"follow_up\",\"target_s\":86400}]");
    assert_int_equal(r->c.d[0].rule_line, 50);
    rig_free(r);
}

static void test_tier_downgraded_after_breach(void **state)
{
    (void)state;
    rig *r = rig_new(0, 0);
    PUSH(r, "opened", "c6", T(10, 10, 0), "tier=vip");
    PUSH(r, "responded", "c6", T(10, 10, 5));
    r->c.n = 0;
    slate_engine_advance(r->e, T(10, 14, 30), sink, &r->c);
    EXPECT(&r->c, "03-10T13:00 c6 warn resolution 75%",
           "03-10T13:00 c6 notify assignee \"resolution target near\"",
           "03-10T14:00 c6 breach resolution", "03-10T14:00 c6 escalate specialist");
    /* downgraded to std: 4.5h used of 18 business hours; the 75% warning and the
     * breach already fired and stay fired; breach+1h (new: 18h+1h) waits */
    PUSH(r, "updated", "c6", T(10, 14, 30), "tier=std");
    EXPECT(&r->c,
           "03-10T14:30 c6 sla std [{\"clock\":\"response\",\"target_s\":7200},"
           "{\"clock\":\"resolution\",\"target_s\":64800,\"deadline\":\"2025-03-13T10:00:00.000Z\"}]");
    /* 9h is within the new 18h, but the run breached the 4h it had: a lower
     * tier does not undo a breach (issue 13, item 2) */
    PUSH(r, "resolved", "c6", T(11, 10, 0));
    EXPECT(&r->c, "03-11T10:00 c6 stop resolution missed el=32400s breached=14400s");
    rig_free(r);
}

static void test_reopen_keeps_elapsed(void **state)
{
    (void)state;
    rig *r = rig_new(0, 0);
    PUSH(r, "opened", "c7", T(10, 10, 0), "tier=vip");
    PUSH(r, "responded", "c7", T(10, 10, 5));
    PUSH(r, "resolved", "c7", T(10, 11, 0));
    r->c.n = 0;
    PUSH(r, "reopened", "c7", T(10, 12, 0));
    EXPECT(&r->c, "03-10T12:00 c7 resume resolution dl=03-10T15:00");
    slate_engine_advance(r->e, T(10, 15, 0), sink, &r->c);
    EXPECT(&r->c, "03-10T14:00 c7 warn resolution 75%",
           "03-10T14:00 c7 notify assignee \"resolution target near\"",
           "03-10T15:00 c7 breach resolution", "03-10T15:00 c7 escalate specialist");
    rig_free(r);
}

static void test_reopen_resets(void **state)
{
    (void)state;
    rig *r = rig_new(0, PCF_RESETS_ON_REOPEN);
    PUSH(r, "opened", "c8", T(10, 10, 0), "tier=vip");
    PUSH(r, "responded", "c8", T(10, 10, 5));
    slate_engine_advance(r->e, T(10, 13, 30), sink, &r->c);
    PUSH(r, "resolved", "c8", T(10, 13, 30));
    r->c.n = 0;
    PUSH(r, "reopened", "c8", T(10, 14, 0));
    EXPECT(&r->c, "03-10T14:00 c8 start resolution dl=03-10T18:00");
    slate_engine_advance(r->e, T(10, 17, 0), sink, &r->c);
    EXPECT(&r->c, "03-10T17:00 c8 warn resolution 75%",
           "03-10T17:00 c8 notify assignee \"resolution target near\"");
    rig_free(r);
}

static void test_timers_fire_with_only_a_tick(void **state)
{
    (void)state;
    rig *r = rig_new(0, 0);
    PUSH(r, "opened", "x", T(10, 10, 0), "tier=vip");
    PUSH(r, "opened", "y", T(10, 10, 0), "tier=vip");
    r->c.n = 0;
    /* both breach at 10:15: older case first, each stamped 10:15, before the tick's own time */
    PUSH(r, "tick", NULL, T(10, 10, 20));
    EXPECT(&r->c, "03-10T10:15 x breach response", "03-10T10:15 y breach response");
    assert_int_equal(slate_engine_now(r->e), T(10, 10, 20));
    /* an event for one case fires the other's timers first */
    PUSH(r, "responded", "y", T(10, 13, 30));
    EXPECT(&r->c, "03-10T13:00 x warn resolution 75%",
           "03-10T13:00 x notify assignee \"resolution target near\"",
           "03-10T13:00 y warn resolution 75%",
           "03-10T13:00 y notify assignee \"resolution target near\"",
           "03-10T13:30 y stop response missed el=12600s breached=900s");
    rig_free(r);
}

static void test_late_events_and_tolerance(void **state)
{
    (void)state;
    /* issue 13, item 3: c9's response is due at 10:15; its `responded` at 10:14
     * comes after c8's 10:16 event.  Within the tolerance it is held and applied
     * at 10:14, before c8's event: met, not breached at the watermark */
    rig *r = rig_new(5 * MIN, 0);
    PUSH(r, "opened", "c9", T(7, 10, 0), "tier=vip");
    assert_int_equal(r->c.n, 0); /* held: the watermark is 09:55 */
    assert_int_equal(slate_engine_buffered(r->e), 1);
    assert_int_equal(slate_engine_now(r->e), T(7, 10, 0));
    assert_int_equal(slate_engine_watermark(r->e), T(7, 9, 55));
    PUSH(r, "opened", "c8", T(7, 10, 16), "tier=std");
    assert_int_equal(r->c.n, 4); /* c9 opened at 10:00, once the watermark passed it */
    assert_int_equal(r->c.d[0].at, T(7, 10, 0));
    assert_int_equal(r->c.d[0].event_seq, 1);
    r->c.n = 0;
    PUSH(r, "responded", "c9", T(7, 10, 14));
    assert_int_equal(r->c.n, 0);
    assert_int_equal(slate_engine_buffered(r->e), 2);
    /* 2 hours late: rejected at once (dated at the watermark), nothing changes */
    PUSH(r, "resolved", "c9", T(7, 8, 0));
    EXPECT(&r->c, "03-07T10:11 c9 reject event time 2025-03-07T08:00:00.000Z is 2h16m before the "
                  "stream's time 2025-03-07T10:16:00.000Z (tolerance 5m)");
    assert_int_equal(r->c.d[0].rule_line, 0);
    assert_int_equal(slate_engine_buffered(r->e), 2);
    assert_int_equal(slate_engine_flush(r->e, sink, &r->c), SLATE_OK);
    EXPECT(&r->c, "03-07T10:14 c9 stop response met el=840s",
           "03-07T10:16 c8 sla std [{\"clock\":\"response\",\"target_s\":7200},"
           "{\"clock\":\"resolution\",\"target_s\":64800}]",
           "03-07T10:16 c8 start response dl=03-07T12:16",
           "03-07T10:16 c8 start resolution dl=03-11T10:16");
    assert_int_equal(slate_engine_buffered(r->e), 0);
    assert_int_equal(slate_engine_watermark(r->e), T(7, 10, 16));
    /* after a flush the watermark is the latest time: an event before it but
     * within the tolerance is applied at the watermark */
    PUSH(r, "responded", "c8", T(7, 10, 13));
    EXPECT(&r->c, "03-07T10:16 c8 stop response met el=0s");
    rig_free(r);

    r = rig_new(0, 0);
    PUSH(r, "tick", NULL, T(7, 10, 0));
    PUSH(r, "opened", "c9", T(7, 9, 59) + 500);
    EXPECT(&r->c, "03-07T10:00 c9 reject event time 2025-03-07T09:59:00.500Z is 59s500ms before "
                  "the stream's time 2025-03-07T10:00:00.000Z (tolerance 0s)");
    assert_int_equal(slate_engine_buffered(r->e), 0);
    rig_free(r);
}

static void test_unknown_and_duplicate_cases(void **state)
{
    (void)state;
    rig *r = rig_new(0, 0);
    PUSH(r, "responded", "c42", T(10, 10, 0));
    EXPECT(&r->c, "03-10T10:00 c42 reject unknown case `c42`");
    PUSH(r, "opened", "c1", T(10, 10, 0), "tier=vip");
    r->c.n = 0;
    PUSH(r, "opened", "c1", T(10, 10, 1));
    EXPECT(&r->c, "03-10T10:01 c1 reject case `c1` is already open");
    PUSH(r, "updated", "c1", T(10, 10, 2), "tier=7");
    EXPECT(&r->c, "03-10T10:02 c1 reject value 7 is not a value of the enum of field `tier`");
    slate_event ev = {NULL, 0, 1, T(10, 10, 3), NULL, 0, NULL, 0, 9};
    slate_engine_push(r->e, &ev, sink, &r->c);
    EXPECT(&r->c, "03-10T10:03 - reject event `responded` has no case");
    ev.type = 99;
    assert_int_equal(slate_engine_push(r->e, &ev, sink, &r->c), SLATE_MISUSE);
    assert_string_equal(slate_errmsg(r->e), "event type 99 is not an event of the program");
    assert_int_equal(slate_engine_push(NULL, &ev, sink, &r->c), SLATE_MISUSE);
    rig_free(r);
}

static void test_closed_case_leaves_the_store(void **state)
{
    (void)state;
    rig *r = rig_new(0, 0);
    PUSH(r, "opened", "c1", T(10, 10, 0), "tier=vip");
    PUSH(r, "opened", "c2", T(10, 10, 0), "tier=vip");
    assert_int_equal(slate_engine_open_cases(r->e), 2);
    r->c.n = 0;
    PUSH(r, "closed", "c1", T(10, 10, 5));
    EXPECT(&r->c, "03-10T10:05 c1 close");
    assert_int_equal(slate_engine_open_cases(r->e), 1);
    /* its timers are gone: only c2 breaches */
    slate_engine_advance(r->e, T(10, 10, 16), sink, &r->c);
    EXPECT(&r->c, "03-10T10:15 c2 breach response");
    PUSH(r, "responded", "c1", T(10, 10, 20));
    EXPECT(&r->c, "03-10T10:20 c1 reject unknown case `c1`");
    /* the id may open again, as a new case */
    PUSH(r, "opened", "c1", T(10, 10, 30));
    assert_int_equal(slate_engine_open_cases(r->e), 2);
    rig_free(r);
}

static void test_review_required_and_met(void **state)
{
    (void)state;
    rig *r = rig_new(0, 0);
    PUSH(r, "opened", "c1", T(10, 10, 0), "tier=vip");
    PUSH(r, "responded", "c1", T(10, 10, 1));
    PUSH(r, "resolved", "c1", T(10, 11, 0));
    r->c.n = 0;
    PUSH(r, "surveyed", "c1", T(10, 17, 0), "score=2");
    EXPECT(&r->c, "03-10T17:00 c1 review review dl=03-11T17:00",
           "03-10T17:00 c1 escalate supervisor");
    assert_int_equal(r->c.d[0].rule_line, 45);
    /* a second low score does not restart the pending review */
    PUSH(r, "surveyed", "c1", T(10, 17, 30), "score=1");
    assert_int_equal(r->c.n, 0);
    PUSH(r, "reviewed", "c1", T(11, 10, 0));
    EXPECT(&r->c, "03-11T10:00 c1 stop review met el=7200s");
    rig_free(r);
}

static void test_many_cases_grow_and_shrink(void **state)
{
    (void)state;
    rig *r = rig_new(0, 0);
    char id[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof id, "case-%d", i);
        assert_int_equal(PUSH(r, "opened", id, T(10, 10, 0), "tier=vip"), SLATE_OK);
        r->c.n = 0;
    }
    assert_int_equal(slate_engine_open_cases(r->e), 5000);
    for (int i = 0; i < 5000; i += 2) {
        snprintf(id, sizeof id, "case-%d", i);
        assert_int_equal(PUSH(r, "closed", id, T(10, 10, 1)), SLATE_OK);
        assert_non_null(strstr(r->c.lines[0], " close"));
        r->c.n = 0;
    }
    assert_int_equal(slate_engine_open_cases(r->e), 2500);
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof id, "case-%d", i);
        PUSH(r, "responded", id, T(10, 10, 2));
        if (i % 2)
            assert_non_null(strstr(r->c.lines[0], "stop response met"));
        else
            assert_non_null(strstr(r->c.lines[0], "unknown case"));
        r->c.n = 0;
    }
    rig_free(r);
}

/* ---- determinism and allocation ---------------------------------------------------------- */

typedef struct counting {
    long calls;
    long live;
} counting;

static void *count_realloc(void *ud, void *p, size_t n)
{
    counting *c = ud;
    c->calls++;
    if (n == 0) {
        if (p) c->live--;
        free(p);
        return NULL;
    }
    if (!p) c->live++;
    return realloc(p, n);
}

static uint64_t hash_sink_state;
static int hash_sink(void *ud, const slate_decision *d)
{
    (void)ud;
    char line[512];
    int n = snprintf(line, sizeof line, "%llu %lld %.*s %d %s %s %s %lld %lld %d",
                     (unsigned long long)d->seq, (long long)d->at, (int)d->case_len,
                     d->case_id ? d->case_id : "", (int)d->action, d->clock ? d->clock : "",
                     d->to ? d->to : "", d->targets ? d->targets : "", (long long)d->elapsed_ms,
                     (long long)d->deadline, d->met);
    for (int i = 0; i < n; i++) hash_sink_state = (hash_sink_state ^ (unsigned char)line[i]) * 0x100000001b3u;
    return 0;
}

/* A pseudo-random but fixed stream over 200 cases. */
static uint64_t run_stream(slate_program *p, const slate_allocator *al, long *calls_during,
                           counting *cnt)
{
    slate_engine_opts o = SLATE_ENGINE_OPTS_INIT;
    o.allocator = al;
    slate_engine *e = slate_engine_new(p, &o);
    assert_non_null(e);
    hash_sink_state = 0xcbf29ce484222325u;
    static const char *const types[] = {"updated", "paused", "resumed", "responded", "surveyed"};
    uint64_t x = 88172645463325252u;
    char id[32];
    int64_t t = T(10, 8, 0);
    slate_value v[2];
    for (int i = 0; i < 200; i++) {
        snprintf(id, sizeof id, "warm-%d", i);
        v[0] = (slate_value){F_TIER, i % 3 == 0 ? 0 : 1, NULL, 0};
        v[1] = (slate_value){F_NOTE, 0, i % 2 ? "alpha" : "beta", 5 - (size_t)(i % 2)};
        slate_event ev = {id, strlen(id), 0, t, NULL, 0, v, 2, (uint64_t)i + 1};
        assert_int_equal(slate_engine_push(e, &ev, hash_sink, NULL), SLATE_OK);
    }
    long before = cnt ? cnt->calls : 0;
    for (int i = 0; i < 10000; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        snprintf(id, sizeof id, "warm-%d", (int)(x % 200));
        int type = 0;
        const char *tn = types[(x >> 8) % 5];
        for (uint32_t j = 0; j < p->nevents; j++)
            if (strcmp(prog_str(p, p->events[j].name), tn) == 0) type = (int)j;
        t += (int64_t)((x >> 16) % 600) * S;
        size_t nv = 0;
        switch ((x >> 24) % 4) {
        case 0: v[nv++] = (slate_value){F_TIER, (int64_t)((x >> 30) % 2), NULL, 0}; break;
        case 1: v[nv++] = (slate_value){F_WAITING, (int64_t)((x >> 30) % 2), NULL, 0}; break;
        case 2: v[nv++] = (slate_value){F_NOTE, 0, (x >> 30) % 2 ? "alpha" : "make vip",
                                        (x >> 30) % 2 ? 5 : 8}; break;
        default: v[nv++] = (slate_value){F_SCORE, (int64_t)((x >> 30) % 5 + 1), NULL, 0};
        }
        slate_event ev = {id, strlen(id), type, t, "e", 1, v, nv, (uint64_t)i + 201};
        assert_int_equal(slate_engine_push(e, &ev, hash_sink, NULL), SLATE_OK);
    }
    if (calls_during) *calls_during = (cnt ? cnt->calls : 0) - before;
    uint64_t h = hash_sink_state ^ slate_engine_decisions(e);
    slate_engine_free(e);
    return h;
}

static void test_deterministic_stream(void **state)
{
    (void)state;
    pb *b = calloc(1, sizeof *b);
    slate_program *p = support(b, 0);
    uint64_t a = run_stream(p, NULL, NULL, NULL);
    uint64_t c = run_stream(p, NULL, NULL, NULL);
    assert_true(a == c);
    free(b);
}

static void test_steady_state_allocates_nothing(void **state)
{
    (void)state;
    pb *b = calloc(1, sizeof *b);
    slate_program *p = support(b, 0);
    counting cnt = {0, 0};
    slate_allocator al = {count_realloc, &cnt};
    long during = -1;
    run_stream(p, &al, &during, &cnt);
    assert_int_equal(during, 0);
    assert_int_equal(cnt.live, 0); /* and everything was given back */
    free(b);
}

typedef struct flaky {
    long calls, fail_at, live;
} flaky;

static void *flaky_realloc(void *ud, void *p, size_t n)
{
    flaky *f = ud;
    if (n == 0) {
        f->live -= p != NULL;
        free(p);
        return NULL;
    }
    if (++f->calls == f->fail_at) return NULL;
    f->live += p == NULL;
    return realloc(p, n);
}

/* Every allocation, failing in turn: slate_engine_new returns NULL, push and
 * swap return SLATE_NOMEM with the engine unchanged, nothing leaks. */
static void test_out_of_memory_at_every_allocation(void **state)
{
    (void)state;
    pb *b = calloc(1, sizeof *b), *b2 = calloc(1, sizeof *b2);
    slate_program *p = support(b, 0), *v2 = support_v(b2, 0, 1);
    int failures = 0;
    for (long at = 1; at < 400; at++) {
        flaky f = {0, at, 0};
        slate_allocator al = {flaky_realloc, &f};
        slate_engine_opts o = SLATE_ENGINE_OPTS_INIT;
        o.allocator = &al;
        slate_engine *e = slate_engine_new(p, &o);
        if (e) {
            char id[32], note[32];
            for (int i = 0; i < 40; i++) {
                snprintf(id, sizeof id, "case-%d", i);
                snprintf(note, sizeof note, "note number %d", i);
                slate_value v[2] = {{F_TIER, i % 2, NULL, 0}, {F_NOTE, 0, note, strlen(note)}};
                slate_event ev = {id, strlen(id), 0, T(10, 10, i), NULL, 0, v, 2, (uint64_t)i + 1};
                size_t open = slate_engine_open_cases(e);
                uint64_t made = slate_engine_decisions(e);
                int rc = slate_engine_push(e, &ev, NULL, NULL);
                if (rc == SLATE_NOMEM) {
                    failures++;
                    assert_int_equal(slate_engine_open_cases(e), open);
                    assert_int_equal(slate_engine_decisions(e), made);
                    assert_string_equal(slate_errmsg(e), "out of memory");
                    rc = slate_engine_push(e, &ev, NULL, NULL); /* the next try succeeds */
                }
                assert_int_equal(rc, SLATE_OK);
            }
            int rc = slate_engine_swap(e, v2, NULL, NULL);
            if (rc == SLATE_NOMEM) {
                failures++;
                rc = slate_engine_swap(e, v2, NULL, NULL);
            }
            assert_int_equal(rc, SLATE_OK);
            assert_int_equal(slate_engine_open_cases(e), 40);
            slate_engine_free(e);
        } else {
            failures++;
        }
        assert_int_equal(f.live, 0);
        if (f.calls < at) { /* every allocation has had its turn */
            assert_true(at > 30);
            break;
        }
    }
    assert_true(failures > 10);
    free(b);
    free(b2);
}

static void test_case_record_size(void **state)
{
    (void)state;
    /* a policy with 3 clocks and 8 fields */
    size_t stride = eng_stride(8, 3, 0);
    printf("case record: %zu bytes for 8 fields and 3 clocks (header %zu, clock %zu)\n", stride,
           sizeof(eng_case), sizeof(eng_clock));
    assert_true(stride <= 256);
}

static void test_hot_swap(void **state)
{
    (void)state;
    rig *r = rig_new(0, 0);
    pb *b2 = calloc(1, sizeof *b2);
    slate_program *v2 = support_v(b2, 0, 1);
    PUSH(r, "opened", "c1", T(10, 10, 0), "tier=vip", "note=keep me");
    PUSH(r, "opened", "c2", T(10, 10, 0), "tier=std");
    PUSH(r, "tick", NULL, T(10, 10, 10));
    r->c.n = 0;
    /* vip response becomes 30m: c1 gets a new `sla`, c2 (std, unchanged) none */
    assert_int_equal(slate_engine_swap(r->e, v2, sink, &r->c), SLATE_OK);
    EXPECT(&r->c,
           "03-10T10:10 c1 sla vip [{\"clock\":\"response\",\"target_s\":1800,"
           "\"deadline\":\"2025-03-10T10:30:00.000Z\"},"
           "{\"clock\":\"resolution\",\"target_s\":14400,\"deadline\":\"2025-03-10T14:00:00.000Z\"},"
           "{\"clock\":\"follow_up\",\"target_s\":86400}]");
    assert_ptr_equal(r->c.d[0].program, v2);
    assert_int_equal(r->c.d[0].event_seq, 0);
    /* fields moved by name: c1 is still vip, its note still matches nothing */
    slate_engine_advance(r->e, T(10, 10, 20), sink, &r->c);
    assert_int_equal(r->c.n, 0);
    slate_engine_advance(r->e, T(10, 10, 30), sink, &r->c);
    EXPECT(&r->c, "03-10T10:30 c1 breach response");
    assert_ptr_equal(r->c.d[0].program, v2);
    rig_free(r);

    /* swapping to a tighter target: a step already passed fires at the swap */
    r = rig_new(0, 0);
    PUSH(r, "opened", "c1", T(10, 10, 0), "tier=vip");
    PUSH(r, "responded", "c1", T(10, 10, 5));
    PUSH(r, "tick", NULL, T(10, 13, 30));
    r->c.n = 0;
    pb *b3 = calloc(1, sizeof *b3);
    slate_program *v3 = support_v(b3, 0, 1);
    b3->targets[1].target_ms = 3 * H; /* vip resolution 3h: 75% at 2h15m, breach at 3h */
    assert_int_equal(slate_engine_swap(r->e, v3, sink, &r->c), SLATE_OK);
    /* 75% fired under the old program (at 13:00) and stays fired */
    EXPECT(&r->c,
           "03-10T13:30 c1 sla vip [{\"clock\":\"response\",\"target_s\":1800},"
           "{\"clock\":\"resolution\",\"target_s\":10800},"
           "{\"clock\":\"follow_up\",\"target_s\":86400}]",
           "03-10T13:30 c1 breach resolution", "03-10T13:30 c1 escalate specialist");
    assert_int_equal(slate_engine_open_cases(r->e), 1);
    rig_free(r);
    free(b2);
    free(b3);
}

static void test_text_helpers(void **state)
{
    (void)state;
    char buf[128];
    sbuf b = {buf, sizeof buf, 0};
    sb_json_str(&b, "a\"b\\c\n\x01\x7f\xe2\x80\xa8\xc3\xa9\xff\xe2\x82", 16);
    assert_true(sb_done(&b));
    assert_string_equal(buf, "\"a\\\"b\\\\c\\n\\u0001\\u007f\\u2028\xc3\xa9\xef\xbf\xbd\xef\xbf\xbd\"");
    sbuf small = {buf, 4, 0};
    sb_str(&small, "abcdef");
    assert_false(sb_done(&small));
    assert_string_equal(buf, "abc");
    assert_int_equal(small.len, 6);
    fmt_dur(buf, sizeof buf, 0);
    assert_string_equal(buf, "0s");
    fmt_dur(buf, sizeof buf, 2 * DAY + 3 * H + 30 * S + 5);
    assert_string_equal(buf, "2d3h30s5ms");
    fmt_time(buf, sizeof buf, 0);
    assert_string_equal(buf, "1970-01-01T00:00:00.000Z");
    fmt_time(buf, sizeof buf, -1);
    assert_string_equal(buf, "1969-12-31T23:59:59.999Z");
    fmt_time(buf, sizeof buf, T(7, 23, 59) + 59 * S + 123);
    assert_string_equal(buf, "2025-03-07T23:59:59.123Z");
}

static void test_extreme_times(void **state)
{
    (void)state;
    rig *r = rig_new(INT64_MAX, 0);
    /* a case opened a second before the end of year 9999: its deadlines lie past
     * the instants the engine accepts, so they are never due; nothing overflows */
    assert_int_equal(PUSH(r, "opened", "c1", TS_MAX_MS - 1000, "tier=vip"), SLATE_OK);
    assert_int_equal(r->c.n, 0);
    assert_int_equal(slate_engine_watermark(r->e), TS_MIN_MS); /* never before year 0 */
    assert_int_equal(PUSH(r, "tick", NULL, 0), SLATE_OK); /* inside a near-endless tolerance */
    assert_int_equal(slate_engine_advance(r->e, TS_MAX_MS, sink, &r->c), SLATE_OK);
    assert_int_equal(r->c.n, 4); /* the case, held until the watermark got to it */
    assert_int_equal(r->c.d[0].at, TS_MAX_MS - 1000);
    assert_true(r->c.d[1].deadline > TS_MAX_MS);
    rig_free(r);
    /* instants outside years 0000-9999 are refused (SLATE_MISUSE), not rejected:
     * no decision, and the time does not move */
    r = rig_new(0, 0);
    assert_int_equal(PUSH(r, "tick", NULL, INT64_MAX), SLATE_MISUSE);
    assert_int_equal(PUSH(r, "tick", NULL, INT64_MIN), SLATE_MISUSE);
    assert_int_equal(PUSH(r, "tick", NULL, TS_MIN_MS - 1), SLATE_MISUSE);
    assert_int_equal(slate_engine_advance(r->e, INT64_MIN, sink, &r->c), SLATE_MISUSE);
    assert_int_equal(slate_engine_advance(r->e, TS_MAX_MS + 1, sink, &r->c), SLATE_MISUSE);
    assert_int_equal(r->c.n, 0);
    assert_true(slate_engine_now(r->e) == INT64_MIN);
    assert_int_equal(PUSH(r, "tick", NULL, TS_MIN_MS), SLATE_OK);
    assert_true(slate_engine_now(r->e) == TS_MIN_MS);
    rig_free(r);
}

static void test_sink_refusal_keeps_state(void **state)
{
    (void)state;
    rig *r = rig_new(0, 0);
    r->c.refuse_at = 2;
    assert_int_equal(PUSH(r, "opened", "c1", T(10, 10, 0), "tier=vip"), SLATE_SINK);
    assert_int_equal(r->c.n, 2);
    assert_int_equal(slate_engine_decisions(r->e), 2);
    assert_int_equal(slate_engine_open_cases(r->e), 1);
    r->c.refuse_at = 0;
    r->c.n = 0;
    /* the case was opened in full: its clocks run */
    PUSH(r, "responded", "c1", T(10, 10, 5));
    EXPECT(&r->c, "03-10T10:05 c1 stop response met el=300s");
    assert_int_equal(r->c.d[0].seq, 3);
    rig_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vip_ladder_fires_in_order_once),
        cmocka_unit_test(test_business_hours_over_weekend),
        cmocka_unit_test(test_stop_just_before_and_at_deadline),
        cmocka_unit_test(test_pause_while_waiting_across_a_night),
        cmocka_unit_test(test_priority_raised_mid_case),
        cmocka_unit_test(test_set_action_reselects),
        cmocka_unit_test(test_tier_downgraded_after_breach),
        cmocka_unit_test(test_reopen_keeps_elapsed),
        cmocka_unit_test(test_reopen_resets),
        cmocka_unit_test(test_timers_fire_with_only_a_tick),
        cmocka_unit_test(test_late_events_and_tolerance),
        cmocka_unit_test(test_unknown_and_duplicate_cases),
        cmocka_unit_test(test_closed_case_leaves_the_store),
        cmocka_unit_test(test_review_required_and_met),
        cmocka_unit_test(test_many_cases_grow_and_shrink),
        cmocka_unit_test(test_deterministic_stream),
        cmocka_unit_test(test_steady_state_allocates_nothing),
        cmocka_unit_test(test_case_record_size),
        cmocka_unit_test(test_out_of_memory_at_every_allocation),
        cmocka_unit_test(test_hot_swap),
        cmocka_unit_test(test_sink_refusal_keeps_state),
        cmocka_unit_test(test_text_helpers),
        cmocka_unit_test(test_extreme_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
