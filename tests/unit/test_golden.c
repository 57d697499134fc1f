/*
 * test_golden.c - the golden-diagnostics runner.
 *
 * For every tests/golden/NAME.slate (in sorted order) it loads the file exactly as
 * `slate check` does (slatec_check() with the summary, then the "ok" line) and compares the
 * output byte for byte with tests/golden/NAME.err, printing a line diff on a
 * mismatch.  It also checks that every .slate under policies/ has no errors.  Runs from
 * the repository root, as `make test` does.  To regenerate .err files after a
 * reviewed change of messages, run tests/golden/update.sh.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "slatec.h"
#include "testutil.h"

#define GOLDEN_DIR "tests/golden"
#define POLICY_DIR "policies"

/* ---- collecting files ------------------------------------------------------------- */

typedef struct paths {
    char **v;
    size_t n, cap;
} paths;

static void paths_add(paths *p, const char *s)
{
    if (p->n == p->cap) {
        p->cap = p->cap ? p->cap * 2 : 32;
        p->v = realloc(p->v, p->cap * sizeof *p->v);
        if (!p->v) abort();
    }
    p->v[p->n] = strdup(s);
    if (!p->v[p->n]) abort();
    p->n++;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* Every *.slate under dir (recursively when `deep`). */
static void collect(paths *out, const char *dir, int deep)
{
    DIR *d = opendir(dir);
    if (!d) return;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode)) {
            if (deep) collect(out, path, deep);
        } else if (ends_with(e->d_name, ".slate")) {
            paths_add(out, path);
        }
    }
    closedir(d);
}

static int path_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- running one file as `slate check` does ------------------------------------------ */

/* What `slate check PATH` prints on stderr; *errors receives the error count.
 * The result is malloc'd. */
static char *check_output(const char *path, int *errors)
{
    tu_capture c;
    FILE *out = tu_open(&c);
    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = out;
    o.summary = 1;
    int r = slatec_check(&o, path, NULL, 0);
    if (r == SLATE_OK && !o.warnings) fprintf(out, "%s: ok\n", path);
    *errors = r == SLATEC_IO ? 1 : o.errors;
    return tu_close(&c);
}

/* ---- a line diff for mismatches ---------------------------------------------------- */

typedef struct lines {
    const char **s;
    int *len;
    int n;
} lines;

static lines split(const char *text)
{
    lines l = {NULL, NULL, 0};
    int cap = 0;
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        int n = e ? (int)(e - p) : (int)strlen(p);
        if (l.n == cap) {
            cap = cap ? cap * 2 : 64;
            l.s = realloc(l.s, (size_t)cap * sizeof *l.s);
            l.len = realloc(l.len, (size_t)cap * sizeof *l.len);
            if (!l.s || !l.len) abort();
        }
        l.s[l.n] = p;
        l.len[l.n++] = n;
        p += n + (e ? 1 : 0);
    }
    return l;
}

static int same_line(const lines *a, int i, const lines *b, int j)
{
    return a->len[i] == b->len[j] && !memcmp(a->s[i], b->s[j], (size_t)a->len[i]);
}

/* Print expected (-) against actual (+) with the longest common subsequence as
 * context, in the manner of `diff -u` without hunks. */
static void print_diff(const char *expected, const char *actual)
{
    lines a = split(expected), b = split(actual);
    int w = b.n + 1;
    int *lcs = calloc((size_t)(a.n + 1) * (size_t)w, sizeof *lcs);
    if (!lcs) abort();
    for (int i = a.n - 1; i >= 0; i--)
        for (int j = b.n - 1; j >= 0; j--)
            lcs[i * w + j] = same_line(&a, i, &b, j)
                                 ? lcs[(i + 1) * w + j + 1] + 1
                                 : (lcs[(i + 1) * w + j] > lcs[i * w + j + 1]
                                        ? lcs[(i + 1) * w + j]
                                        : lcs[i * w + j + 1]);
    fprintf(stderr, "--- expected\n+++ actual\n");
    int i = 0, j = 0;
    while (i < a.n || j < b.n) {
        if (i < a.n && j < b.n && same_line(&a, i, &b, j)) {
            fprintf(stderr, " %.*s\n", a.len[i], a.s[i]);
            i++, j++;
        } else if (j < b.n && (i == a.n || lcs[i * w + j + 1] >= lcs[(i + 1) * w + j])) {
            fprintf(stderr, "+%.*s\n", b.len[j], b.s[j]);
            j++;
        } else {
            fprintf(stderr, "-%.*s\n", a.len[i], a.s[i]);
            i++;
        }
    }
    free(lcs);
    free(a.s);
    free(a.len);
    free(b.s);
    free(b.len);
}

/* ---- the tests --------------------------------------------------------------------- */

static void test_golden_file(void **state)
{
    const char *path = *state;
    char errpath[4096];
    snprintf(errpath, sizeof errpath, "%.*s.err", (int)(strlen(path) - strlen(".slate")), path);
    size_t len;
    char *expected = slatec_read_file(errpath, &len);
    if (!expected) fail_msg("%s is missing: write it, or regenerate with tests/golden/update.sh and review", errpath);
    int errors;
    char *actual = check_output(path, &errors);
    if (strcmp(expected, actual) != 0) {
        fprintf(stderr, "%s: output differs from %s\n", path, errpath);
        print_diff(expected, actual);
        free(expected);
        free(actual);
        fail_msg("golden mismatch for %s", path);
    }
    free(expected);
    free(actual);
}

static void test_policy_clean(void **state)
{
    const char *path = *state;
    int errors;
    char *out = check_output(path, &errors);
    if (errors) fprintf(stderr, "%s", out);
    free(out);
    if (errors) fail_msg("%s has %d error(s)", path, errors);
}

static void test_golden_dir_present(void **state)
{
    (void)state;
    struct stat st;
    /* Tests run from the repository root; a missing directory means they do not. */
    assert_int_equal(stat(GOLDEN_DIR, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
}

int main(void)
{
    paths golden = {0}, pol = {0};
    collect(&golden, GOLDEN_DIR, 0);
    collect(&pol, POLICY_DIR, 1);
    if (golden.n) qsort(golden.v, golden.n, sizeof *golden.v, path_cmp);
    if (pol.n) qsort(pol.v, pol.n, sizeof *pol.v, path_cmp);

    size_t n = 1 + golden.n + pol.n;
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    if (!tests) return 1;
    size_t k = 0;
    tests[k++] = (struct CMUnitTest){"golden directory present", test_golden_dir_present,
                                     NULL, NULL, NULL};
    for (size_t i = 0; i < golden.n; i++)
        tests[k++] = (struct CMUnitTest){golden.v[i], test_golden_file, NULL, NULL, golden.v[i]};
    for (size_t i = 0; i < pol.n; i++)
        tests[k++] = (struct CMUnitTest){pol.v[i], test_policy_clean, NULL, NULL, pol.v[i]};

    int rc = _cmocka_run_group_tests("golden", tests, k, NULL, NULL);
    for (size_t i = 0; i < golden.n; i++) free(golden.v[i]);
    for (size_t i = 0; i < pol.n; i++) free(pol.v[i]);
    free(golden.v);
    free(pol.v);
    free(tests);
    return rc;
}
