/*
 * test_fmt.c - the formatter (compiler/fmt.c): golden pairs tests/fmt/NAME.slate ->
 * NAME.out; idempotence and sameness of the tree over every policy, golden input
 * and golden output; where comments and blank lines go; files with syntax errors
 * refused; and re-spaced text formatting to the same bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "frontend.h"
#include "parse.h"
#include "slatec.h"
#include "testutil.h"

typedef struct res {
    int rc;
    char *out;  /* formatted text, or NULL */
    size_t len;
    char *diag; /* everything printed to the diagnostic stream */
} res;

static res run_n(const char *src, size_t len)
{
    res r;
    tu_capture c;
    FILE *f = tu_open(&c);
    r.rc = fmt_source("t.slate", src, len, f, &r.out, &r.len);
    r.diag = tu_close(&c);
    return r;
}

static res run(const char *src) { return run_n(src, strlen(src)); }

static void done(res *r)
{
    free(r->out);
    free(r->diag);
}

/* Format text that must be clean and return the result (caller frees). */
static char *fmt_ok(const char *src)
{
    res r = run(src);
    if (r.rc) fprintf(stderr, "unexpected failure %d:\n%s", r.rc, r.diag);
    assert_int_equal(r.rc, 0);
    assert_non_null(r.out);
    free(r.diag);
    return r.out;
}

static void expect_fmt(const char *src, const char *want)
{
    char *got = fmt_ok(src);
    if (strcmp(got, want)) fprintf(stderr, "--- want\n%s--- got\n%s---\n", want, got);
    assert_string_equal(got, want);
    free(got);
}

static char *dump_of(const char *src, size_t len)
{
    char *msgs = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&msgs, &n);
    diag_ctx d;
    diag_init(&d, "t.slate", src, len, f);
    ast_policy *p = parse_policy("t.slate", src, len, &d);
    fclose(f);
    if (d.errors) fprintf(stderr, "%s", msgs);
    assert_int_equal(d.errors, 0);
    char *s = fmt_ast_dump(p);
    assert_non_null(s);
    ast_free(p);
    free(msgs);
    return s;
}

/* fmt(x) parses to x's tree, and fmt(fmt(x)) == fmt(x). */
static void check_stable(const char *path, const char *src, size_t len)
{
    res a = run_n(src, len);
    if (a.rc) fprintf(stderr, "%s: %s", path, a.diag);
    assert_int_equal(a.rc, 0);
    char *d1 = dump_of(src, len), *d2 = dump_of(a.out, a.len);
    assert_string_equal(d1, d2);
    res b = run_n(a.out, a.len);
    assert_int_equal(b.rc, 0);
    if (b.len != a.len || memcmp(a.out, b.out, a.len))
        fprintf(stderr, "%s: not idempotent\n--- once\n%s--- twice\n%s", path, a.out, b.out);
    assert_int_equal(b.len, a.len);
    assert_memory_equal(a.out, b.out, a.len);
    /* canonical text: no tabs outside strings we wrote, no trailing blanks, one final newline */
    assert_true(a.len > 0 && a.out[a.len - 1] == '\n');
    assert_null(strstr(a.out, " \n"));
    assert_null(strstr(a.out, "\n\n\n"));
    free(d1);
    free(d2);
    done(&a);
    done(&b);
}

static char *slurp(const char *path, size_t *len)
{
    char *s = slatec_read_file(path, len);
    if (!s) fprintf(stderr, "cannot read %s\n", path);
    assert_non_null(s);
    return s;
}

static size_t for_each(const char *pattern, void (*fn)(const char *path))
{
    glob_t g;
    size_t n = 0;
    if (glob(pattern, 0, NULL, &g) == 0) {
        for (size_t i = 0; i < g.gl_pathc; i++) fn(g.gl_pathv[i]);
        n = g.gl_pathc;
        globfree(&g);
    }
    return n;
}

/* ---- golden pairs ------------------------------------------------------------------- */

static void golden_one(const char *path)
{
    size_t len, wlen;
    char *src = slurp(path, &len);
    char want_path[512];
    snprintf(want_path, sizeof want_path, "%.*s.out", (int)(strlen(path) - 6), path);
    char *want = slurp(want_path, &wlen);
    res r = run_n(src, len);
    if (r.rc) fprintf(stderr, "%s: %s", path, r.diag);
    assert_int_equal(r.rc, 0);
    if (r.len != wlen || memcmp(r.out, want, wlen))
        fprintf(stderr, "%s: output differs from %s\n--- got\n%s", path, want_path, r.out);
    assert_int_equal(r.len, wlen);
    assert_memory_equal(r.out, want, wlen);
    done(&r);
    free(src);
    free(want);
}

static void test_golden(void **state)
{
    (void)state;
    assert_true(for_each("tests/fmt/*.slate", golden_one) >= 4);
}

/* ---- idempotence and the same tree --------------------------------------------------- */

static void stable_one(const char *path)
{
    size_t len;
    char *src = slurp(path, &len);
    check_stable(path, src, len);
    free(src);
}

static void test_stable_everywhere(void **state)
{
    (void)state;
    assert_true(for_each("policies/*.slate", stable_one) >= 1);
    assert_true(for_each("tests/fmt/*.slate", stable_one) >= 4);
    assert_true(for_each("tests/fmt/*.out", stable_one) >= 4);
}

/* The dump tells different policies apart, or the sameness checks prove nothing. */
static void test_dump_sees_changes(void **state)
{
    (void)state;
    static const char *const v[] = {
        "policy \"p\"\non a when x == 1 { route q }\n",
        "policy \"p\"\non a when x == 2 { route q }\n",
        "policy \"p\"\non a when x != 1 { route q }\n",
        "policy \"p\"\non a when (x == 1) == y { route q }\n",
        "policy \"p\"\non a when x == (1 == y) { route q }\n",
        "policy \"p\"\non a when x == 1 { route r }\n",
        "policy \"p\"\non a when x == 1 { require q within 4h }\n",
        "policy \"p\"\non a when x == 1 { require q within 4 working days }\n",
        "policy \"p\"\non a when x == 1 { require q within 4h on b }\n",
        "policy \"p\" version \"1\"\non a when x == 1 { route q }\n",
        "policy \"p\"\nclock c starts on a\n",
        "policy \"p\"\nclock c starts on a starts late from change\n",
    };
    size_t n = sizeof v / sizeof v[0];
    char *d[sizeof v / sizeof v[0]];
    for (size_t i = 0; i < n; i++) d[i] = dump_of(v[i], strlen(v[i]));
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++) assert_string_not_equal(d[i], d[j]);
    for (size_t i = 0; i < n; i++) free(d[i]);
}

/* ---- comments and blank lines -------------------------------------------------------- */

static void test_comment_placement(void **state)
{
    (void)state;
    /* own-line comments stay above what follows them; trailing ones at the line end */
    expect_fmt("# top\npolicy \"p\" # h\n# about c\ncase { a: int # x\n"
               "  # about b\n  b: bool }\n",
               "# top\npolicy \"p\"  # h\n\n# about c\ncase {\n    a: int  # x\n"
               "    # about b\n    b: bool\n}\n");
    /* a comment after `{` stays on the opening line; one after `}` on the closing one */
    expect_fmt("policy \"p\"\non a { # why\nroute q } # done\n",
               "policy \"p\"\n\non a {  # why\n    route q\n}  # done\n");
    /* a trailing comment stays with the item on its line, even after `;` */
    expect_fmt("policy \"p\"\non a { route q; assign r # r\n}\n",
               "policy \"p\"\n\non a {\n    route q\n    assign r  # r\n}\n");
    /* a comment inside something printed on one line moves above it */
    expect_fmt("policy \"p\"\nsla s when a # one\n and b { }\n",
               "policy \"p\"\n\n# one\nsla s when a and b {}\n");
    /* comments at the end of a block keep the block's indentation */
    expect_fmt("policy \"p\"\non a {\nroute q\n# gone: assign r\n}\n",
               "policy \"p\"\n\non a {\n    route q\n    # gone: assign r\n}\n");
    /* a block holding only a comment is not collapsed to {} */
    expect_fmt("policy \"p\"\non a {\n# later\n}\n",
               "policy \"p\"\n\non a {\n    # later\n}\n");
    /* trailing comments of neighbouring lines line up; a line without one ends
     * the run (d's comment is not pushed out by `longer`) */
    expect_fmt("policy \"p\"\ncase {\na: int # 1\nlonger: bool # 2\nc: string\nd: int # 4\n}\n",
               "policy \"p\"\n\ncase {\n    a:      int   # 1\n    longer: bool  # 2\n"
               "    c:      string\n    d:      int  # 4\n}\n");
    /* a line that would push the run's comments past 100 columns starts a new run:
     * `b` (75 columns of code) would put a's and c's 40-column comments at 117 */
    expect_fmt("policy \"p\"\ncase {\n"
               "a: int # 1234567890123456789012345678901234567\n"
               "b: enum { v000000001, v000000002, v000000003, v000000004, v000000005 } # 2\n"
               "c: int # 1234567890123456789012345678901234567\n}\n",
               "policy \"p\"\n\ncase {\n"
               "    a: int  # 1234567890123456789012345678901234567\n"
               "    b: enum { v000000001, v000000002, v000000003, v000000004, v000000005 }  # 2\n"
               "    c: int  # 1234567890123456789012345678901234567\n}\n");
    /* between clock clauses, under the clauses */
    expect_fmt("policy \"p\"\nclock c starts on a # s\n# why\nstops on b\n",
               "policy \"p\"\n\nclock c starts on a  # s\n        # why\n        stops on b\n");
    /* the end of the file */
    expect_fmt("policy \"p\"\n\n\n# end", "policy \"p\"\n\n# end\n");
    /* `#` inside a string is not a comment */
    expect_fmt("policy \"a#b\" # c\n", "policy \"a#b\"  # c\n");
}

static void test_blank_lines(void **state)
{
    (void)state;
    /* runs collapse to one; none after `{` or before `}`; one between declarations */
    expect_fmt("policy \"p\"\non a {\n\n\nroute q\n\n\n\nroute r\nroute s\n\n}\non b {}\n",
               "policy \"p\"\n\non a {\n    route q\n\n    route r\n    route s\n}\n\n"
               "on b {}\n");
    /* comment paragraphs above a declaration keep their blank lines */
    expect_fmt("policy \"p\"\n# section\n\n\n# about a\non a {}\n",
               "policy \"p\"\n\n# section\n\n# about a\non a {}\n");
    /* a blank line ends an alignment run */
    expect_fmt("policy \"p\"\nsla s {\na within 1h on x\nlonger within 2 working days\n\n"
               "c within 3h on y\n}\n",
               "policy \"p\"\n\nsla s {\n    a      within 1h on x\n"
               "    longer within 2 working days\n\n    c within 3h on y\n}\n");
}

/* ---- spellings ------------------------------------------------------------------------ */

static void test_spellings(void **state)
{
    (void)state;
    /* durations keep their units; zero parts and leading zeros go; working time agrees
     * in number; parentheses stay as written, doubled ones once */
    expect_fmt("policy \"p\"\non a when d > 90m and d < 1h0m and d != 007h30m and "
               "((x)) and (y == 1) { require r within 1 working days on c; "
               "open review within 2 working hour }\n",
               "policy \"p\"\n\non a when d > 90m and d < 1h and d != 7h30m and (x) and "
               "(y == 1) {\n    require r within 1 working day on c\n"
               "    open review within 2 working hours\n}\n");
    /* strings are re-escaped: a raw tab becomes \t, other bytes stay */
    expect_fmt("policy \"p\\\\q\"\non a { notify b \"x\ty\\n\\\"é\" }\n",
               "policy \"p\\\\q\"\n\non a {\n    notify b \"x\\ty\\n\\\"é\"\n}\n");
    /* CRLF line ends and tabs are fine; output uses \n */
    expect_fmt("policy \"p\"\r\n\ton a {\r\n\t\troute q\t# c\r\n\t}\r\n",
               "policy \"p\"\n\non a {\n    route q  # c\n}\n");
}

/* ---- refusals --------------------------------------------------------------------------- */

static void test_syntax_error_refused(void **state)
{
    (void)state;
    res r = run("policy \"p\"\non a { route }\n");
    assert_int_equal(r.rc, 1);
    assert_null(r.out);
    assert_non_null(strstr(r.diag, "t.slate:2:"));
    assert_non_null(strstr(r.diag, "error:"));
    assert_non_null(strstr(r.diag, "1 error"));
    done(&r);
    /* semantic errors (unknown names) do not stop formatting */
    char *s = fmt_ok("policy \"p\"\nsla s when nosuch == 1 { nosuchclock within 1h on nocal }\n");
    free(s);
}

static void refused_one(const char *path)
{
    size_t len;
    char *src = slurp(path, &len);
    res r = run_n(src, len);
    if (r.rc != 1) fprintf(stderr, "%s: expected refusal, got %d\n", path, r.rc);
    assert_int_equal(r.rc, 1);
    assert_null(r.out);
    assert_non_null(strstr(r.diag, "error"));
    done(&r);
    free(src);
}

static void test_golden_syntax_errors_refused(void **state)
{
    (void)state;
    assert_true(for_each("tests/golden/syn_*.slate", refused_one) >= 10);
}

/* ---- re-spacing ------------------------------------------------------------------------- */

/* Drop comments (outside strings). */
static char *strip_comments(const char *s)
{
    size_t n = strlen(s), o = 0;
    char *out = malloc(n + 1);
    int in_str = 0;
    for (size_t i = 0; i < n; i++) {
        if (in_str) {
            out[o++] = s[i];
            if (s[i] == '\\' && i + 1 < n) out[o++] = s[++i];
            else if (s[i] == '"') in_str = 0;
        } else if (s[i] == '"') {
            in_str = 1;
            out[o++] = s[i];
        } else if (s[i] == '#') {
            while (i + 1 < n && s[i + 1] != '\n') i++;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

/* Replace every run of blanks (outside strings) by a random one holding at most one
 * newline, so no blank line appears. */
static char *respace(const char *s, unsigned *seed)
{
    static const char *const ws[] = {" ", "  ", "\t", "\n", " \n\t ", "   "};
    size_t n = strlen(s);
    char *out = malloc(n * 4 + 16);
    size_t o = 0;
    int in_str = 0;
    for (size_t i = 0; i < n; i++) {
        if (in_str) {
            out[o++] = s[i];
            if (s[i] == '\\' && i + 1 < n) out[o++] = s[++i];
            else if (s[i] == '"') in_str = 0;
        } else if (strchr(" \t\n", s[i])) {
            while (i + 1 < n && strchr(" \t\n", s[i + 1])) i++;
            *seed = *seed * 1103515245u + 12345u;
            const char *w = ws[(*seed >> 16) % 6];
            memcpy(out + o, w, strlen(w));
            o += strlen(w);
        } else {
            in_str = s[i] == '"';
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

static void test_respaced_same_output(void **state)
{
    (void)state;
    size_t len;
    char *src = slurp("policies/example.slate", &len);
    char *bare = strip_comments(src);
    char *want = fmt_ok(bare);
    char *flat = strip_comments(want); /* no blank lines inside blocks */
    char *want2 = fmt_ok(flat);
    assert_string_equal(want, want2);
    unsigned seed = 12345;
    for (int k = 0; k < 50; k++) {
        char *moved = respace(flat, &seed);
        char *got = fmt_ok(moved);
        /* blank lines inside blocks may differ from `want` only if `flat` had them */
        assert_string_equal(got, want);
        free(got);
        free(moved);
    }
    free(want2);
    free(flat);
    free(want);
    free(bare);
    free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_stable_everywhere),
        cmocka_unit_test(test_dump_sees_changes),
        cmocka_unit_test(test_comment_placement),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_spellings),
        cmocka_unit_test(test_syntax_error_refused),
        cmocka_unit_test(test_golden_syntax_errors_refused),
        cmocka_unit_test(test_respaced_same_output),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
