/*
 * test_partition.c - the partition function (serve/partition.c) against fixed
 * vectors: FNV-1a 64's published values (reduced modulo 2^32-1 here, the largest
 * nparts, so the whole hash is checked, not just its low bits) and case ids whose
 * partitions were computed independently (a Python FNV-1a, docs/deploy.md).  If
 * this test must change, every running cluster's partitioning changes with it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "partition.h"

#define BIG 4294967295u /* the largest nparts */

/* The FNV-1a 64 reference values (draft-eastlake-fnv), reduced as the function
 * reduces them. */
static void test_fnv_reference(void **state)
{
    (void)state;
    assert_int_equal(slate_partition("", 0, BIG), UINT64_C(0xcbf29ce484222325) % BIG);
    assert_int_equal(slate_partition("a", 1, BIG), UINT64_C(0xaf63dc4c8601ec8c) % BIG);
    assert_int_equal(slate_partition("foobar", 6, BIG), UINT64_C(0x85944171f73967e8) % BIG);
}

static void test_case_ids(void **state)
{
    (void)state;
    static const struct {
        const char *id;
        unsigned n, want;
    } v[] = {
        /* the table of docs/deploy.md, "Partitions" */
        {"", 4, 1}, {"", 8, 5}, {"", 16, 5}, {"", 1000, 37},
        {"C000001", 4, 1}, {"C000001", 8, 5}, {"C000001", 16, 5}, {"C000001", 1000, 717},
        {"C000002", 4, 0}, {"C000002", 8, 4}, {"C000002", 16, 12}, {"C000002", 1000, 84},
        {"C000300", 4, 3}, {"C000300", 8, 7}, {"C000300", 16, 7}, {"C000300", 1000, 79},
        {"case-\xc3\xa9", 4, 0}, {"case-\xc3\xa9", 8, 4}, {"case-\xc3\xa9", 16, 4},
        {"case-\xc3\xa9", 1000, 540},
        {"C000001", 2, 1},
        {"C000001", 3, 2},
        {"C000001", BIG, 865897022u},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++)
        assert_int_equal(slate_partition(v[i].id, strlen(v[i].id), v[i].n), v[i].want);
}

/* Only `len` bytes count: an id inside a longer buffer, and a 300-byte id. */
static void test_length(void **state)
{
    (void)state;
    assert_int_equal(slate_partition("C000001,C000002", 7, 8), 5);
    char x[300];
    memset(x, 'x', sizeof x);
    assert_int_equal(slate_partition(x, sizeof x, 1000), 549);
    assert_int_equal(slate_partition(x, sizeof x, 8), 5);
}

/* One partition (or the degenerate 0) puts everything in partition 0. */
static void test_one_partition(void **state)
{
    (void)state;
    assert_int_equal(slate_partition("C000001", 7, 1), 0);
    assert_int_equal(slate_partition("C000001", 7, 0), 0);
    assert_int_equal(slate_partition(NULL, 0, 0), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fnv_reference),
        cmocka_unit_test(test_case_ids),
        cmocka_unit_test(test_length),
        cmocka_unit_test(test_one_partition),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
