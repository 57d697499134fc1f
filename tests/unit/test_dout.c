/*
 * test_dout.c - the decision output of `slate run`: one JSON line per decision,
 * gap-free numbering across engine decisions and CLI-made rejects, long lines,
 * the second sink, and write failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dout.h"
#include "program.h"
#include "testutil.h"

/* A program with nothing in it but a string pool naming its source file. */
static slate_program prog;

static int setup(void **state)
{
    (void)state;
    tu_fake_program(&prog);
    return 0;
}

static slate_decision route(uint64_t engine_seq, const char *to)
{
    slate_decision d;
    memset(&d, 0, sizeof d);
    d.seq = engine_seq;
    d.at = 0;
    d.case_id = "C";
    d.case_len = 1;
    d.action = SLATE_A_ROUTE;
    d.event_seq = 1;
    d.program = &prog;
    d.rule_line = 3;
    d.to = to;
    d.deadline = INT64_MIN;
    return d;
}

typedef struct seen {
    uint64_t seqs[8];
    int n;
    int stop_at; /* return non-zero on this call (1-based), 0 never */
} seen;

static int next_sink(void *ud, const slate_decision *d)
{
    seen *s = ud;
    s->seqs[s->n++] = d->seq;
    return s->n == s->stop_at;
}

static void test_numbering_and_rejects(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    seen s = {{0}, 0, 0};
    dout o;
    dout_init(&o, f, next_sink, &s);

    slate_decision d = route(1, "desk");
    assert_int_equal(dout_sink(&o, &d), 0);
    slate_event ev = {0};
    ev.seq = 2;
    ev.id = "e2";
    ev.id_len = 2;
    assert_int_equal(dout_reject(&o, &prog, &ev, "missing `case`", 1000), 0);
    d = route(2, "desk2"); /* the engine's own count does not matter */
    assert_int_equal(dout_sink(&o, &d), 0);
    fflush(f);
    assert_int_equal(len, 0); /* gathered until dout_flush */
    assert_int_equal(dout_flush(&o), 0);
    fclose(f);

    assert_string_equal(
        text,
        "{\"seq\":1,\"at\":\"1970-01-01T00:00:00.000Z\",\"case\":\"C\",\"action\":\"route\","
        "\"rule\":\"svc.slate:3\",\"event\":1,\"to\":\"desk\"}\n"
        "{\"seq\":2,\"at\":\"1970-01-01T00:00:01.000Z\",\"action\":\"reject\",\"rule\":\"svc.slate\","
        "\"event\":2,\"id\":\"e2\",\"reason\":\"missing `case`\"}\n"
        "{\"seq\":3,\"at\":\"1970-01-01T00:00:00.000Z\",\"case\":\"C\",\"action\":\"route\","
        "\"rule\":\"svc.slate:3\",\"event\":1,\"to\":\"desk2\"}\n");
    assert_int_equal(s.n, 3);
    assert_int_equal(s.seqs[0], 1);
    assert_int_equal(s.seqs[1], 2);
    assert_int_equal(s.seqs[2], 3);
    assert_int_equal(o.seq, 3);
    assert_int_equal(o.rejects, 1);
    dout_release(&o);
    free(text);
}

static void test_long_decision_and_stop(void **state)
{
    (void)state;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    seen s = {{0}, 0, 2};
    dout o;
    dout_init(&o, f, next_sink, &s);
    char *big = malloc(100001);
    memset(big, 'q', 100000);
    big[100000] = '\0';
    slate_decision d = route(1, big);
    assert_int_equal(dout_sink(&o, &d), 0);
    assert_int_equal(dout_sink(&o, &d), 1); /* the next sink said stop */
    assert_int_equal(dout_flush(&o), 0);
    fclose(f);
    char *nl = strchr(text, '\n');
    assert_non_null(nl);
    assert_int_equal(nl - text + 1, len / 2);
    assert_memory_equal(nl - 7, "qqqqq\"}", 7);
    dout_release(&o);
    free(big);
    free(text);

    /* With no file, decisions are only numbered and passed on. */
    s.n = 0;
    s.stop_at = 0;
    dout_init(&o, NULL, next_sink, &s);
    d = route(9, "x");
    assert_int_equal(dout_sink(&o, &d), 0);
    assert_int_equal(s.seqs[0], 1);
    dout_release(&o);
}

static void test_write_failure(void **state)
{
    (void)state;
    FILE *f = fopen("/dev/full", "w");
    if (!f) skip();
    setvbuf(f, NULL, _IONBF, 0);
    dout o;
    dout_init(&o, f, NULL, NULL);
    slate_decision d = route(1, "x");
    assert_int_equal(dout_sink(&o, &d), 0); /* gathered */
    assert_int_not_equal(dout_flush(&o), 0);
    assert_int_equal(o.write_error, ENOSPC);
    assert_int_not_equal(dout_sink(&o, &d), 0); /* and stays failed */
    assert_int_not_equal(dout_flush(&o), 0);

    /* A failure while gathering: the line that does not fit forces the write. */
    dout_release(&o);
    dout_init(&o, f, NULL, NULL);
    char *big = malloc(100001);
    memset(big, 'q', 100000);
    big[100000] = '\0';
    d = route(1, big);
    assert_int_equal(dout_sink(&o, &d), 0);
    assert_int_not_equal(dout_sink(&o, &d), 0);
    assert_int_equal(o.write_error, ENOSPC);
    dout_release(&o);
    free(big);
    dout_release(&o);
    fclose(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_numbering_and_rejects, setup),
        cmocka_unit_test_setup(test_long_decision_and_stop, setup),
        cmocka_unit_test_setup(test_write_failure, setup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
