/*
 * test_bench_equiv.c - the benchmark's hand-written baseline (bench/handwritten.c)
 * decides what slate decides, on the compared subset of bench/bstream.h: tiers,
 * and start/stop/pause/resume/warn/breach of the four declared clocks of
 * service-2025; and its batched push decides what its single pushes do.  A few
 * thousand generated events, in process; no timing here (the benchmarks time;
 * tests only check).
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
#include "handwritten.h"
#include "slate.h"

#define POLICY "policies/service-2025.slate"

static void hw_subset_sink(void *ud, const hw_dec *d)
{
    bs_dec x;
    hw_to_bs(d, &x);
    bs_push(ud, &x);
}

/* Generate `cases` cases with `slate gen` (in process) and compare. */
static void compare_seed(const char *seed, const char *cases, const char *rate)
{
    char path[] = "/tmp/slate-bench-equiv-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char *argv[] = {"gen", "--seed", (char *)seed, "--cases", (char *)cases, "--rate",
                    (char *)rate, "-o", path, NULL};
    assert_int_equal(cmd_gen(9, argv), 0);

    slate_program *p = bs_compile_file(POLICY, NULL);
    assert_non_null(p);
    bs_stream s;
    assert_int_equal(bs_load_events(p, path, &s), 0);
    unlink(path);
    assert_int_equal(s.rejected, 0);
    assert_true(s.n > 1000);

    bs_list a = {0}, b = {0};
    slate_engine *e = slate_engine_new(p, NULL);
    hw_engine *h = hw_new(p, 0);
    assert_non_null(e);
    assert_non_null(h);
    for (size_t i = 0; i < s.n; i++) {
        assert_int_equal(slate_engine_push(e, &s.ev[i], bs_subset_sink, &a), SLATE_OK);
        hw_push(h, &s.ev[i], hw_subset_sink, &b);
    }
    assert_int_equal(slate_engine_open_cases(e), hw_open_cases(h));

    /* the stream exercises every kind of compared decision */
    int seen[SLATE_A__COUNT] = {0};
    for (size_t i = 0; i < a.n; i++) seen[a.v[i].action]++;
    assert_true(seen[SLATE_A_SLA] > 0 && seen[SLATE_A_START] > 0 && seen[SLATE_A_STOP] > 0);
    assert_true(seen[SLATE_A_PAUSE] > 0 && seen[SLATE_A_RESUME] > 0);
    assert_true(seen[SLATE_A_WARN] > 0 && seen[SLATE_A_BREACH] > 0);

    char msg[512];
    long at = bs_compare(&a, &b, msg, sizeof msg);
    if (at >= 0) fail_msg("seed %s: %s", seed, msg);

    /* the baseline's batched push (the benchmark's hand-batch modes) decides
     * what its single pushes decide */
    bs_list c = {0};
    hw_engine *hb = hw_new(p, 0);
    assert_non_null(hb);
    for (size_t i = 0; i < s.n; i += 100)
        hw_push_batch(hb, s.ev + i, s.n - i < 100 ? s.n - i : 100, hw_subset_sink, &c);
    at = bs_compare(&b, &c, msg, sizeof msg);
    if (at >= 0) fail_msg("seed %s, hw_push_batch: %s", seed, msg);
    assert_int_equal(hw_open_cases(hb), hw_open_cases(h));
    free(c.v);
    hw_free(hb);

    free(a.v);
    free(b.v);
    hw_free(h);
    slate_engine_free(e);
    bs_free(&s);
    slate_program_free(p);
}

static void test_equiv_day(void **state)
{
    (void)state;
    compare_seed("1", "500", "125");
}

static void test_equiv_busy(void **state)
{
    (void)state;
    compare_seed("42", "600", "900"); /* many cases open at once: timer order matters */
}

static void test_refuses_other_policy(void **state)
{
    (void)state;
    static const char src[] = "policy \"p\" version \"1\"\n"
                              "case { kind: enum { a, b } }\n"
                              "clock response starts on opened stops on responded\n"
                              "sla default { response within 1h }\n";
    slate_program *p = bs_compile_text("p.slate", src, sizeof src - 1, NULL);
    assert_non_null(p);
    assert_null(hw_new(p, 0)); /* says why on stderr */
    slate_program_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_equiv_day),
        cmocka_unit_test(test_equiv_busy),
        cmocka_unit_test(test_refuses_other_policy),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
