/*
 * test_why.c - why a tier's condition held or failed (include/slatec.h,
 * slatec_tiers_*; `slate explain`, issue 13 item 7): the clause that decided
 * each tier as the author wrote it (first false conjunct, first true disjunct,
 * a failed `or`, a held `and` and `not` whole), its span and the fields it
 * reads; misuse and policies with errors; and, on thousands of random cases
 * (enum, bool, int, string with NUL bytes, duration, level), that the tier the
 * evaluation picks in the engine's order is the tier the engine chose.  The CLI
 * side (the values rebuilt from a log) is tests/cli/explain-why.sh.
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
#include "testutil.h"
#include "slatec.h"

static const char policy[] =
    "policy \"w\" version \"1\"\n"                                                  /* 1 */
    "case {\n"                                                                      /* 2 */
    "  impact: enum { low, moderate, major, critical }\n"                           /* 3 */
    "  vip: bool\n"                                                                 /* 4 */
    "  seats: int\n"                                                                /* 5 */
    "  region: string\n"                                                            /* 6 */
    "  budget: duration\n"                                                          /* 7 */
    "}\n"                                                                           /* 8 */
    "levels { desk, specialist, manager }\n"                                        /* 9 */
    "clock response starts on opened stops on responded\n"                          /* 10 */
    "sla urgent when impact == critical and vip and region != \"cn\" { response within 15m }\n"
    "sla large when (seats >= 500 or budget > 8h) and not vip { response within 30m }\n"
    "sla major when impact in (major, critical) or level >= manager { response within 1h }\n"
    "sla std { response within 4h }\n"                                              /* 14 */
    "on opened when seats == 7 { escalate to manager }\n";                          /* 15 */

enum { F_IMPACT, F_VIP, F_SEATS, F_REGION, F_BUDGET, NF };
enum { T_URGENT, T_LARGE, T_MAJOR, T_STD };

static slatec_tiers *open_tiers(void)
{
    slatec_tiers *t = NULL;
    assert_int_equal(slatec_tiers_new(NULL, "w.slate", policy, sizeof policy - 1, &t), SLATE_OK);
    assert_non_null(t);
    assert_int_equal(slatec_tiers_count(t), 4);
    return t;
}

static void set_case(slate_value *v, int impact, int vip, int seats, const char *region,
                     size_t rlen, int64_t budget_ms)
{
    memset(v, 0, NF * sizeof *v);
    for (int i = 0; i < NF; i++) v[i].field = i;
    v[F_IMPACT].i = impact;
    v[F_VIP].i = vip;
    v[F_SEATS].i = seats;
    v[F_REGION].s = region;
    v[F_REGION].len = rlen;
    v[F_BUDGET].i = budget_ms;
}

/* The clause's text, cut from the policy by its span (one line). */
static void clause(const slatec_why *w, char *out, size_t size)
{
    const char *s = policy;
    for (int l = 1; l < w->line; l++) s = strchr(s, '\n') + 1;
    assert_int_equal(w->end_line, w->line);
    size_t n = (size_t)(w->end_col - w->col);
    assert_true(n < size);
    memcpy(out, s + w->col - 1, n);
    out[n] = 0;
}

static void expect(const slatec_tiers *t, int tier, const slate_value *v, int level, int held,
                   const char *text, int nreads, const int *reads)
{
    slatec_why w;
    char got[128];
    assert_int_equal(slatec_tiers_why(t, tier, v, NF, level, &w), SLATE_OK);
    assert_int_equal(w.tier, tier);
    assert_int_equal(w.has_cond, 1);
    assert_int_equal(w.held, held);
    clause(&w, got, sizeof got);
    assert_string_equal(got, text);
    assert_int_equal(w.nreads, nreads);
    for (int i = 0; i < nreads; i++) assert_int_equal(w.reads[i], reads[i]);
}

static void test_clauses(void **state)
{
    (void)state;
    slatec_tiers *t = open_tiers();
    slate_value v[NF];

    /* low, not vip, 20 seats, "eu", 1h: every conditional tier fails */
    set_case(v, 0, 0, 20, "eu", 2, 3600000);
    expect(t, T_URGENT, v, 0, 0, "impact == critical", 1, (int[]){F_IMPACT});
    /* a parenthesised `or` that failed is one clause, parentheses and all */
    expect(t, T_LARGE, v, 0, 0, "(seats >= 500 or budget > 8h)", 2, (int[]){F_SEATS, F_BUDGET});
    /* a failed `or` at the top: the whole condition */
    expect(t, T_MAJOR, v, 0, 0, "impact in (major, critical) or level >= manager", 2,
           (int[]){F_IMPACT, -1});
    slatec_why d;
    assert_int_equal(slatec_tiers_why(t, T_STD, v, NF, 0, &d), SLATE_OK);
    assert_int_equal(d.has_cond, 0);
    assert_int_equal(d.held, 0);
    assert_int_equal(d.line, 0);

    /* critical and vip in "cn": the third conjunct is the first false one */
    set_case(v, 3, 1, 20, "cn", 2, 0);
    expect(t, T_URGENT, v, 0, 0, "region != \"cn\"", 1, (int[]){F_REGION});
    expect(t, T_LARGE, v, 0, 0, "(seats >= 500 or budget > 8h)", 2, (int[]){F_SEATS, F_BUDGET});
    /* a held `or`: its first true disjunct */
    expect(t, T_MAJOR, v, 0, 1, "impact in (major, critical)", 1, (int[]){F_IMPACT});

    /* a string holding a NUL byte is not "cn": urgent holds, whole */
    set_case(v, 3, 1, 0, "cn\0x", 4, 0);
    expect(t, T_URGENT, v, 0, 1, "impact == critical and vip and region != \"cn\"", 3,
           (int[]){F_IMPACT, F_VIP, F_REGION});

    /* `not vip` fails as a clause of its own; durations compare in ms */
    set_case(v, 0, 1, 0, "", 0, 8 * 3600000 + 1);
    expect(t, T_LARGE, v, 0, 0, "not vip", 1, (int[]){F_VIP});
    set_case(v, 0, 0, 0, "", 0, 8 * 3600000);
    expect(t, T_LARGE, v, 0, 0, "(seats >= 500 or budget > 8h)", 2, (int[]){F_SEATS, F_BUDGET});
    /* the level decides `major` when the impact does not */
    expect(t, T_MAJOR, v, 2, 1, "level >= manager", 1, (int[]){-1});
    expect(t, T_MAJOR, v, 1, 0, "impact in (major, critical) or level >= manager", 2,
           (int[]){F_IMPACT, -1});
    slatec_tiers_free(t);
}

static void test_misuse(void **state)
{
    (void)state;
    slatec_tiers *t = open_tiers();
    slate_value v[NF];
    slatec_why w;
    set_case(v, 0, 0, 0, "", 0, 0);
    assert_int_equal(slatec_tiers_why(NULL, 0, v, NF, 0, &w), SLATE_MISUSE);
    assert_int_equal(slatec_tiers_why(t, 0, v, NF, 0, NULL), SLATE_MISUSE);
    assert_int_equal(slatec_tiers_why(t, 0, NULL, NF, 0, &w), SLATE_MISUSE);
    assert_int_equal(slatec_tiers_why(t, -1, v, NF, 0, &w), SLATE_MISUSE);
    assert_int_equal(slatec_tiers_why(t, 4, v, NF, 0, &w), SLATE_MISUSE);
    assert_int_equal(slatec_tiers_why(t, 0, v, NF - 1, 0, &w), SLATE_MISUSE);
    assert_int_equal(slatec_tiers_count(NULL), -1);
    slatec_tiers_free(t);
    slatec_tiers_free(NULL);

    /* a policy with errors: reported where asked, no handle */
    static const char bad[] = "policy \"b\" version \"1\"\n"
                              "case { a: int }\n"
                              "clock c starts on opened stops on responded\n"
                              "sla x when a == \"s\" { c within 1h }\n";
    slatec_opts o = SLATEC_OPTS_INIT;
    slatec_tiers *b = (slatec_tiers *)1;
    assert_int_equal(slatec_tiers_new(&o, "b.slate", bad, sizeof bad - 1, &b), SLATE_ERROR);
    assert_null(b);
    assert_true(o.errors > 0);
    assert_int_equal(slatec_tiers_new(&o, NULL, bad, sizeof bad - 1, &b), SLATE_MISUSE);
    assert_int_equal(slatec_tiers_new(&o, "b.slate", bad, sizeof bad - 1, NULL), SLATE_MISUSE);
    /* bytes that are no policy at all, NULs included */
    static const char junk[] = "\0\xff\0sla";
    assert_int_equal(slatec_tiers_new(NULL, "j.slate", junk, sizeof junk - 1, &b), SLATE_ERROR);
    assert_null(b);
}

/* ---- the evaluation agrees with the engine ------------------------------------ */

typedef struct last_tier {
    char tier[32];
    int n;
} last_tier;

static int sink(void *ud, const slate_decision *d)
{
    last_tier *l = ud;
    if (d->action == SLATE_A_SLA) {
        snprintf(l->tier, sizeof l->tier, "%s", d->tier);
        l->n++;
    }
    return 0;
}

static void test_agrees_with_engine(void **state)
{
    (void)state;
    slate_program *prog = NULL;
    assert_int_equal(slatec_compile(NULL, "w.slate", policy, sizeof policy - 1, &prog, NULL, NULL),
                     SLATE_OK);
    slatec_tiers *t = open_tiers();
    slate_engine *e = slate_engine_new(prog, NULL);
    assert_non_null(e);
    int opened = slate_program_event_id(prog, "opened");
    static const struct { const char *s; size_t len; } regions[] = {
        {"", 0}, {"cn", 2}, {"eu", 2}, {"cn\0", 3}, {"c\0n", 3}, {"CN", 2}};
    static const int seats[] = {0, 7, 499, 500, 501, -3, 7000};
    static const int64_t budgets[] = {0, 8 * 3600000, 8 * 3600000 + 1000, 3600000, 86400000};
    uint64_t seed = 0x9e3779b97f4a7c15u;
    int counts[4] = {0};
    for (int i = 0; i < 4000; i++) {
        slate_value v[NF];
        int r = (int)(tu_rnd(&seed) % 6);
        set_case(v, (int)(tu_rnd(&seed) % 4), (int)(tu_rnd(&seed) % 2), seats[tu_rnd(&seed) % 7],
                 regions[r].s, regions[r].len, budgets[tu_rnd(&seed) % 5]);
        char id[16];
        snprintf(id, sizeof id, "c%d", i);
        slate_event ev = {id, strlen(id), opened, 1741600000000 + i, NULL, 0, v, NF, (uint64_t)i + 1};
        last_tier got = {"", 0};
        assert_int_equal(slate_engine_push(e, &ev, sink, &got), SLATE_OK);
        assert_true(got.n >= 1);
        /* the rule escalates a case of 7 seats to manager (index 2) */
        int level = v[F_SEATS].i == 7 ? 2 : 0;
        int chosen = -1, dflt = -1;
        for (int k = 0; k < slatec_tiers_count(t) && chosen < 0; k++) {
            slatec_why w;
            assert_int_equal(slatec_tiers_why(t, k, v, NF, level, &w), SLATE_OK);
            if (!w.has_cond) dflt = dflt < 0 ? k : dflt;
            else if (w.held) chosen = k;
        }
        if (chosen < 0) chosen = dflt;
        assert_true(chosen >= 0);
        if (strcmp(slate_program_tier_name(prog, chosen), got.tier)) {
            fail_msg("case %d (impact %d vip %d seats %d region %d budget %lld level %d): "
                     "evaluated %s, engine %s", i, (int)v[F_IMPACT].i, (int)v[F_VIP].i,
                     (int)v[F_SEATS].i, r, (long long)v[F_BUDGET].i, level,
                     slate_program_tier_name(prog, chosen), got.tier);
        }
        counts[chosen]++;
    }
    /* every tier was reached, so the agreement means something */
    for (int k = 0; k < 4; k++) assert_true(counts[k] > 50);
    slate_engine_free(e);
    slatec_tiers_free(t);
    slate_program_free(prog);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clauses),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_agrees_with_engine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
