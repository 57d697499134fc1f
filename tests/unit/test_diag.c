/*
 * test_diag.c - the diagnostic printer: location prefix, quoted line, underline,
 * hint, summary, and the did-you-mean search.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "testutil.h"

static char *render(const char *src, src_loc loc, const char *hint, diag_level lvl)
{
    tu_capture c;
    FILE *f = tu_open(&c);
    diag_ctx d;
    diag_init(&d, "p.slate", src, strlen(src), f);
    diag_report(&d, lvl, loc, hint, "unknown field `%s`", "tierr");
    return tu_close(&c);
}

static void test_caret_under_span(void **state)
{
    (void)state;
    src_loc loc = {2, 10, 2, 15};
    char *out = render("policy \"x\"\non opened when tierr == vip {}\n", loc,
                       "did you mean `tier`?", DIAG_ERROR);
    assert_string_equal(out, "p.slate:2:10: error: unknown field `tierr`\n"
                             "    2 | on opened when tierr == vip {}\n"
                             "      |          ^~~~~\n"
                             "      = hint: did you mean `tier`?\n");
    free(out);
}

static void test_tabs_kept_and_last_line_without_newline(void **state)
{
    (void)state;
    src_loc loc = {1, 2, 1, 3};
    char *out = render("\tx", loc, NULL, DIAG_WARNING);
    assert_string_equal(out, "p.slate:1:2: warning: unknown field `tierr`\n"
                             "    1 | \tx\n"
                             "      | \t^\n");
    free(out);
}

static void test_counts_and_werror(void **state)
{
    (void)state;
    tu_capture c;
    FILE *f = tu_open(&c);
    diag_ctx d;
    diag_init(&d, "p.slate", "", 0, f);
    src_loc none = {0, 0, 0, 0};
    diag_warn(&d, none, NULL, "a");
    d.werror = 1;
    diag_warn(&d, none, NULL, "b");
    diag_summary(&d);
    char *buf = tu_close(&c);
    assert_int_equal(d.errors, 1);
    assert_int_equal(d.warnings, 1);
    assert_string_equal(buf, "p.slate: warning: a\np.slate: error: b\n"
                             "p.slate: 1 error, 1 warning\n");
    free(buf);
}

static void test_suggest(void **state)
{
    (void)state;
    diag_suggest s;
    diag_suggest_init(&s, "tierr");
    diag_suggest_add(&s, "score");
    diag_suggest_add(&s, "tier");
    diag_suggest_add(&s, "kind");
    assert_string_equal(diag_suggest_best(&s), "tier");
    diag_suggest_init(&s, "vpi");
    diag_suggest_add(&s, "vip"); /* a transposition is one edit */
    assert_string_equal(diag_suggest_best(&s), "vip");
    diag_suggest_init(&s, "zzzzzz");
    diag_suggest_add(&s, "tier");
    assert_null(diag_suggest_best(&s));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_caret_under_span),
        cmocka_unit_test(test_tabs_kept_and_last_line_without_newline),
        cmocka_unit_test(test_counts_and_werror),
        cmocka_unit_test(test_suggest),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
