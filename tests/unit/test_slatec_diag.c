/*
 * test_slatec_diag.c - slatec_opts.on_diag (include/slatec.h) as `slate lsp`
 * uses it: each diagnostic handed over as data, with its file, span, severity
 * (after --werror), message and hint, and nothing printed then; a long message
 * whole; slatec_compile() as well as slatec_check().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slatec.h"

static const char bad[] =
    "policy \"t\" version \"1\"\n"
    "case { tier: enum { vip, regular } }\n"
    "clock response starts on opened stops on responded\n"
    "sla fast when tier == vpi { response within 15m }\n";

static const char warns[] =
    "policy \"t\" version \"1\"\n"
    "case { score: int }\n"
    "clock response starts on opened stops on responded\n"
    "sla standard { response within 4h }\n"
    "on opened when true { route a }\n";

typedef struct got {
    int n;
    slatec_diag d[8];
    char sev[8][16];
    char msg[8][1200], hint[8][200];
    int has_hint[8];
} got;

static void collect(void *ctx, const slatec_diag *d)
{
    got *g = ctx;
    if (g->n == 8) return;
    g->d[g->n] = *d;
    snprintf(g->sev[g->n], sizeof g->sev[0], "%s", d->severity);
    assert_string_equal(d->file, "p.slate");
    snprintf(g->msg[g->n], sizeof g->msg[0], "%s", d->message);
    g->has_hint[g->n] = d->hint != NULL;
    if (d->hint) snprintf(g->hint[g->n], sizeof g->hint[0], "%s", d->hint);
    /* live during the call only */
    g->d[g->n].message = g->d[g->n].hint = g->d[g->n].severity = g->d[g->n].file = NULL;
    g->n++;
}

/* Compile `src` printing to a memstream, with or without the callback; the
 * printed text (malloc'd) is returned. */
static char *compile(const char *src, int werror, got *g)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    slatec_opts o = SLATEC_OPTS_INIT;
    o.diag = f;
    o.werror = werror;
    if (g) {
        memset(g, 0, sizeof *g);
        o.on_diag = collect;
        o.on_diag_arg = g;
    }
    slatec_compile(&o, "p.slate", src, strlen(src), NULL, NULL, NULL);
    fclose(f);
    return text;
}

static void test_error_as_data(void **state)
{
    (void)state;
    got g;
    char *with = compile(bad, 0, &g), *without = compile(bad, 0, NULL);
    assert_string_equal(with, ""); /* handed over instead of printed */
    assert_non_null(strstr(without, "p.slate:4:23: error: `vpi` is not a value of `tier`"));
    assert_int_equal(g.n, 1);
    assert_string_equal(g.sev[0], "error");
    assert_int_equal(g.d[0].line, 4);
    assert_int_equal(g.d[0].col, 23);
    assert_int_equal(g.d[0].end_line, 4);
    assert_int_equal(g.d[0].end_col, 26);
    assert_string_equal(g.msg[0], "`vpi` is not a value of `tier`");
    assert_true(g.has_hint[0]);
    assert_string_equal(g.hint[0], "did you mean `vip`?");
    free(with);
    free(without);
}

static void test_warning_and_werror(void **state)
{
    (void)state;
    got g;
    char *t = compile(warns, 0, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.sev[0], "warning");
    assert_int_equal(g.d[0].line, 5);
    assert_int_equal(g.d[0].col, 16);
    assert_string_equal(g.msg[0], "condition is always true");
    free(t);
    t = compile(warns, 1, &g);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.sev[0], "error");
    free(t);
}

static void test_long_message_and_no_stream(void **state)
{
    (void)state;
    /* the lexer's message quotes the whole token: 703 bytes of it */
    char name[704] = "1.5";
    memset(name + 3, 'h', 700);
    name[703] = '\0';
    char src[2000];
    snprintf(src, sizeof src,
             "policy \"t\" version \"1\"\n"
             "clock response starts on opened stops on responded\n"
             "sla fast { response within %s }\n",
             name);
    got g;
    memset(&g, 0, sizeof g);
    slatec_opts o = SLATEC_OPTS_INIT; /* no stream: the callback only */
    o.on_diag = collect;
    o.on_diag_arg = &g;
    assert_int_equal(slatec_check(&o, "p.slate", src, strlen(src)), SLATE_ERROR);
    assert_int_equal(o.errors, 1);
    assert_int_equal(g.n, 1);
    char want[800];
    snprintf(want, sizeof want, "`%s`: numbers must be whole", name);
    assert_string_equal(g.msg[0], want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_error_as_data),
        cmocka_unit_test(test_warning_and_werror),
        cmocka_unit_test(test_long_message_and_no_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
