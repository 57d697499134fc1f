/*
 * test_names.c - the program schema accessors of slate.h (events, fields, enum
 * values, clocks, tiers, calendars by id) and of runtime/export/program_info.h
 * (calendar tables, rule, tier and ladder-step lines), on the reference policy
 * compiled in process: every name goes id -> name -> id unchanged and agrees
 * with the program's own tables (program.h, white-box), and every id out of
 * range, a NULL program or a NULL name gives NULL / -1.  Not here: what the
 * names mean to the engine (test_engine.c, test_scenarios.c).
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

#include "program.h"
#include "program_info.h"
#include "slate.h"
#include "slatec.h"
#include "testutil.h"

#define POLICY "policies/service-2025.slate"
/* Has rules without a label and a `before breach` ladder step, which the
 * reference policy does not. */
#define EXAMPLE "policies/example.slate"

static slate_program *compile(const char *path)
{
    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = stderr;
    slate_program *p = NULL;
    assert_int_equal(slatec_compile(&o, path, NULL, 0, &p, NULL, NULL), SLATE_OK);
    return p;
}

static int setup(void **state)
{
    *state = compile(POLICY);
    return 0;
}

static int teardown(void **state)
{
    slate_program_free(*state);
    return 0;
}

/* Ids that are never valid for a table of n entries. */
static const int bad_ids[] = {-1, -2, INT_MIN, INT_MAX};

static void events_round_trip(void **state)
{
    const slate_program *p = *state;
    int n = slate_program_event_count(p);
    assert_int_equal(n, (int)p->nevents);
    assert_true(n >= 12 + 7); /* the built-ins and the policy's seven */
    assert_string_equal(slate_program_event_name(p, 0), "opened");
    assert_string_equal(slate_program_event_name(p, 11), "tick");
    assert_int_equal(slate_program_event_id(p, "appealed"), n - 1);
    for (int i = 0; i < n; i++) {
        const char *name = slate_program_event_name(p, i);
        assert_non_null(name);
        assert_string_equal(name, prog_str(p, p->events[i].name));
        assert_int_equal(slate_program_event_id(p, name), i);
    }
    assert_null(slate_program_event_name(p, n));
    for (size_t k = 0; k < sizeof bad_ids / sizeof *bad_ids; k++)
        assert_null(slate_program_event_name(p, bad_ids[k]));
}

static void fields_and_enums_round_trip(void **state)
{
    const slate_program *p = *state;
    int n = slate_program_field_count(p);
    assert_int_equal(n, (int)p->nfields);
    assert_int_equal(n, 14);
    int enums = 0, values = 0;
    for (int i = 0; i < n; i++) {
        const char *name = slate_program_field_name(p, i);
        assert_non_null(name);
        assert_string_equal(name, prog_str(p, p->fields[i].name));
        assert_int_equal(slate_program_field_id(p, name), i);
        int type = slate_program_field_type(p, i);
        int nv = slate_program_enum_count(p, i);
        if (type != SLATE_T_ENUM) {
            assert_int_equal(nv, -1);
            assert_null(slate_program_enum_name(p, i, 0));
            continue;
        }
        enums++;
        assert_int_equal(nv, (int)p->fields[i].nvalues);
        assert_true(nv > 0);
        for (int k = 0; k < nv; k++) {
            const char *v = slate_program_enum_name(p, i, k);
            assert_non_null(v);
            assert_string_equal(v, prog_str(p, p->enum_values[p->fields[i].first_value + k]));
            assert_int_equal(slate_program_enum_value(p, i, v), k);
            values++;
        }
        assert_null(slate_program_enum_name(p, i, nv));
        for (size_t k = 0; k < sizeof bad_ids / sizeof *bad_ids; k++)
            assert_null(slate_program_enum_name(p, i, bad_ids[k]));
    }
    assert_int_equal(enums, 9);
    assert_int_equal(values, (int)p->nenum_values);
    /* what the policy says, by name */
    int kind = slate_program_field_id(p, "kind");
    assert_int_equal(slate_program_field_type(p, kind), SLATE_T_ENUM);
    assert_int_equal(slate_program_enum_count(p, kind), 6);
    assert_string_equal(slate_program_enum_name(p, kind, 2), "complaint");
    assert_int_equal(slate_program_field_type(p, slate_program_field_id(p, "score")), SLATE_T_INT);

    assert_null(slate_program_field_name(p, n));
    for (size_t k = 0; k < sizeof bad_ids / sizeof *bad_ids; k++) {
        assert_null(slate_program_field_name(p, bad_ids[k]));
        assert_int_equal(slate_program_enum_count(p, bad_ids[k]), -1);
        assert_null(slate_program_enum_name(p, bad_ids[k], 0));
        assert_int_equal(slate_program_field_type(p, bad_ids[k]), -1);
    }
    assert_int_equal(slate_program_enum_count(p, n), -1);
}

static void clocks_tiers_calendars_round_trip(void **state)
{
    const slate_program *p = *state;
    int nc = slate_program_clock_count(p);
    assert_int_equal(nc, (int)p->nclocks);
    assert_true(nc >= 4);
    assert_int_equal(slate_program_clock_id(p, "response"), 0);
    for (int i = 0; i < nc; i++) {
        const char *name = slate_program_clock_name(p, i);
        assert_non_null(name);
        assert_string_equal(name, prog_str(p, p->clocks[i].name));
        assert_int_equal(slate_program_clock_id(p, name), i);
    }
    assert_null(slate_program_clock_name(p, nc));

    int nt = slate_program_tier_count(p);
    assert_int_equal(nt, (int)p->ntiers);
    assert_true(nt > 5);
    for (int i = 0; i < nt; i++) {
        const char *name = slate_program_tier_name(p, i);
        assert_non_null(name);
        assert_string_equal(name, prog_str(p, p->tiers[i].name));
        assert_int_equal(slate_program_tier_id(p, name), i);
    }
    assert_null(slate_program_tier_name(p, nt));

    int ncal = slate_program_calendar_count(p);
    assert_int_equal(ncal, (int)p->ncalendars);
    int biz = slate_program_calendar_id(p, "business");
    assert_true(biz >= 0);
    for (int i = 0; i < ncal; i++) {
        const char *name = slate_program_calendar_name(p, i);
        assert_non_null(name);
        assert_string_equal(name, prog_str(p, p->calendar_names[i]));
        assert_int_equal(slate_program_calendar_id(p, name), i);
        assert_ptr_equal(pi_calendar(p, i), &p->calendars[i]);
    }
    assert_true(pi_calendar(p, biz)->nweek > 0);
    assert_null(slate_program_calendar_name(p, ncal));
    assert_null(pi_calendar(p, ncal));

    for (size_t k = 0; k < sizeof bad_ids / sizeof *bad_ids; k++) {
        assert_null(slate_program_clock_name(p, bad_ids[k]));
        assert_null(slate_program_tier_name(p, bad_ids[k]));
        assert_null(slate_program_calendar_name(p, bad_ids[k]));
        assert_null(pi_calendar(p, bad_ids[k]));
    }
    assert_string_equal(slate_program_source(p), prog_str(p, p->source));
    assert_non_null(strstr(slate_program_source(p), "service-2025.slate"));
}

static void unknown_names_give_minus_one(void **state)
{
    const slate_program *p = *state;
    assert_int_equal(slate_program_event_id(p, "no_such_event"), -1);
    assert_int_equal(slate_program_field_id(p, "no_such_field"), -1);
    assert_int_equal(slate_program_clock_id(p, "no_such_clock"), -1);
    assert_int_equal(slate_program_tier_id(p, "no_such_tier"), -1);
    assert_int_equal(slate_program_calendar_id(p, "no_such_calendar"), -1);
    assert_int_equal(slate_program_enum_value(p, slate_program_field_id(p, "kind"), "vip"), -1);
    /* a name of another table is not found in this one */
    assert_int_equal(slate_program_tier_id(p, "response"), -1);
    assert_int_equal(slate_program_clock_id(p, "opened"), -1);
    assert_int_equal(slate_program_event_id(p, NULL), -1);
    assert_int_equal(slate_program_field_id(p, NULL), -1);
    assert_int_equal(slate_program_clock_id(p, NULL), -1);
    assert_int_equal(slate_program_tier_id(p, NULL), -1);
    assert_int_equal(slate_program_calendar_id(p, NULL), -1);
}

static void null_program(void **state)
{
    (void)state;
    assert_null(slate_program_source(NULL));
    assert_int_equal(slate_program_event_count(NULL), -1);
    assert_null(slate_program_event_name(NULL, 0));
    assert_int_equal(slate_program_field_count(NULL), -1);
    assert_null(slate_program_field_name(NULL, 0));
    assert_int_equal(slate_program_enum_count(NULL, 0), -1);
    assert_null(slate_program_enum_name(NULL, 0, 0));
    assert_int_equal(slate_program_clock_count(NULL), -1);
    assert_null(slate_program_clock_name(NULL, 0));
    assert_int_equal(slate_program_clock_id(NULL, "response"), -1);
    assert_int_equal(slate_program_tier_count(NULL), -1);
    assert_null(slate_program_tier_name(NULL, 0));
    assert_int_equal(slate_program_tier_id(NULL, "x"), -1);
    assert_int_equal(slate_program_calendar_count(NULL), -1);
    assert_null(slate_program_calendar_name(NULL, 0));
    assert_int_equal(slate_program_calendar_id(NULL, "business"), -1);
    assert_null(pi_calendar(NULL, 0));
    assert_int_equal(pi_max_steps(NULL), -1);
    assert_int_equal(pi_rule_count(NULL), -1);
    assert_int_equal(pi_rule_line(NULL, 0), -1);
    assert_null(pi_rule_label(NULL, 0));
    assert_int_equal(pi_tier_line(NULL, 0), -1);
    assert_null(pi_tier_ladder(NULL, 0));
    assert_int_equal(pi_step_count(NULL, 0), -1);
    pi_step s;
    assert_int_equal(pi_step_get(NULL, 0, 0, &s), -1);
}

/* A program with empty tables: id 0 is already out of range everywhere. */
static void empty_program(void **state)
{
    (void)state;
    slate_program p;
    tu_fake_program(&p);
    assert_string_equal(slate_program_source(&p), "svc.slate");
    assert_int_equal(slate_program_event_count(&p), 0);
    assert_null(slate_program_event_name(&p, 0));
    assert_int_equal(slate_program_field_count(&p), 0);
    assert_null(slate_program_field_name(&p, 0));
    assert_int_equal(slate_program_enum_count(&p, 0), -1);
    assert_int_equal(slate_program_clock_count(&p), 0);
    assert_null(slate_program_clock_name(&p, 0));
    assert_int_equal(slate_program_tier_count(&p), 0);
    assert_null(slate_program_tier_name(&p, 0));
    assert_int_equal(slate_program_calendar_count(&p), 0);
    assert_null(slate_program_calendar_name(&p, 0));
    assert_int_equal(slate_program_event_id(&p, "opened"), -1);
    assert_int_equal(pi_rule_count(&p), 0);
    assert_int_equal(pi_rule_line(&p, 0), -1);
    assert_int_equal(pi_step_count(&p, 0), -1);
}

/* Rules, tiers and ladder steps as `slate test`'s coverage reads them, checked
 * against the program's tables; counts what it saw into *labelled, *kinds (a
 * bit per step kind) and *implicit. */
static void check_lines(const slate_program *p, int *labelled, unsigned *kinds, int *implicit)
{
    int nr = pi_rule_count(p);
    assert_int_equal(nr, (int)p->nrules);
    assert_true(nr > 0);
    *labelled = 0;
    for (int i = 0; i < nr; i++) {
        assert_int_equal(pi_rule_line(p, i), (int)p->rules[i].line);
        assert_true(pi_rule_line(p, i) > 0);
        const char *label = pi_rule_label(p, i);
        if (p->rules[i].label) {
            assert_string_equal(label, prog_str(p, p->rules[i].label));
            ++*labelled;
        } else {
            assert_null(label);
        }
    }
    assert_int_equal(pi_rule_line(p, nr), -1);
    assert_null(pi_rule_label(p, nr));

    int nt = slate_program_tier_count(p), total = 0, ladders = 0;
    *implicit = 0;
    *kinds = 0;
    for (int t = 0; t < nt; t++) {
        const prog_tier *tier = &p->tiers[t];
        assert_int_equal(pi_tier_line(p, t), (int)tier->line);
        const char *ladder = pi_tier_ladder(p, t);
        if (tier->ladder == PROG_NONE) {
            assert_null(ladder);
        } else {
            assert_string_equal(ladder, prog_str(p, p->ladder_names[tier->ladder]));
            ladders++;
        }
        int ns = pi_step_count(p, t), i = 0;
        assert_true(ns >= 0);
        for (uint32_t k = 0; k < tier->ntargets; k++) {
            const prog_target *tg = &p->targets[tier->first_target + k];
            for (uint32_t j = 0; j < tg->nsteps; j++, i++) {
                const prog_step *want = &p->steps[tg->first_step + j];
                pi_step s;
                assert_int_equal(pi_step_get(p, t, i, &s), 0);
                assert_int_equal(s.clock, tg->clock);
                assert_int_equal(s.kind, want->kind);
                assert_int_equal(s.value, want->value);
                assert_int_equal(s.line, (int)want->line);
                assert_int_equal(s.implicit, want->implicit);
                *implicit += s.implicit;
                *kinds |= 1u << s.kind;
            }
        }
        assert_int_equal(i, ns);
        pi_step s;
        assert_int_equal(pi_step_get(p, t, ns, &s), -1);
        assert_int_equal(pi_step_get(p, t, -1, &s), -1);
        assert_int_equal(pi_step_get(p, t, 0, NULL), -1);
        total += ns;
    }
    assert_true(total > *implicit && ladders > 0);
    for (size_t k = 0; k < sizeof bad_ids / sizeof *bad_ids; k++) {
        pi_step s;
        assert_int_equal(pi_rule_line(p, bad_ids[k]), -1);
        assert_null(pi_rule_label(p, bad_ids[k]));
        assert_int_equal(pi_tier_line(p, bad_ids[k]), -1);
        assert_null(pi_tier_ladder(p, bad_ids[k]));
        assert_int_equal(pi_step_count(p, bad_ids[k]), -1);
        assert_int_equal(pi_step_get(p, bad_ids[k], 0, &s), -1);
    }
    assert_int_equal(pi_tier_line(p, nt), -1);
    assert_int_equal(pi_step_count(p, nt), -1);
}

static void program_info_lines(void **state)
{
    const slate_program *p = *state;
    int labelled, implicit;
    unsigned kinds;
    check_lines(p, &labelled, &kinds, &implicit);
    assert_int_equal(labelled, pi_rule_count(p)); /* every rule has a name */
    assert_true(pi_max_steps(p) > 0);
    assert_int_equal(pi_max_steps(p), (int64_t)p->max_steps);
    assert_true(kinds & (1u << PI_STEP_PERCENT));
    assert_true(kinds & (1u << PI_STEP_BREACH));

    slate_program *ex = compile(EXAMPLE);
    check_lines(ex, &labelled, &kinds, &implicit);
    assert_true(labelled > 0 && labelled < pi_rule_count(ex));
    assert_true(kinds & (1u << PI_STEP_BEFORE));
    assert_true(implicit > 0); /* tier `slow` has no ladder: only implicit breaches */
    slate_program_free(ex);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(events_round_trip),
        cmocka_unit_test(fields_and_enums_round_trip),
        cmocka_unit_test(clocks_tiers_calendars_round_trip),
        cmocka_unit_test(unknown_names_give_minus_one),
        cmocka_unit_test(null_program),
        cmocka_unit_test(empty_program),
        cmocka_unit_test(program_info_lines),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
